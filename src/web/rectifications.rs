//! Rectification tickets in the API (docs/api.md): listing a published
//! period's tickets, reading one, and acting on one. Who may see and do
//! what is the rectification use case's rule (`app::rectify`); here
//! requests are read and answered.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::WithRejection;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AppState;
use super::api::{body, csrf_header, unknown_checklist};
use super::error::Error;
use super::extract::{Caller, ReportReaders};
use super::i18n::Lang;
use crate::app::rectify::{self, Act, Refusal, TicketJson};
use crate::app::report::checklist_for;
use crate::domain::period::Period;
use crate::domain::rectify::Action;
use crate::storage::Evidence;

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        let message = refusal.to_string();
        match refusal {
            Refusal::NotFound(_) => Error::new(StatusCode::NOT_FOUND, "not_found", message),
            Refusal::NotPublished { .. } => Error::invalid(message).with_field("period"),
            Refusal::NotResponder | Refusal::NotDecider | Refusal::NotReader => {
                Error::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            Refusal::Missing(_) => Error::invalid(message).with_field("text"),
            Refusal::Storage(e) => e.into(),
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    period: String,
    checklist: Option<String>,
}

/// `GET /api/v1/rectifications?period=P[&checklist=C]`: the tickets of a
/// published period that the caller answers for or oversees, overdue
/// first.
pub async fn list(
    State(state): State<AppState>,
    Caller(authed, _): Caller<ReportReaders>,
    WithRejection(Query(query), _): WithRejection<Query<ListQuery>, Error>,
) -> Result<Json<Vec<TicketJson>>, Error> {
    let period = Period::parse(&query.period)
        .map_err(|e| Error::invalid(e.to_string()).with_field("period"))?;
    let user = authed.user.clone();
    let tickets = state
        .db
        .read(move |store| {
            let checklist = checklist_for(store, query.checklist.as_deref(), period)
                .map_err(unknown_checklist)?;
            let today = today();
            Ok(
                rectify::list(store, &user, (&checklist, period), Evidence::Read, today)?
                    .into_iter()
                    .map(|t| TicketJson::new(t, today))
                    .collect(),
            )
        })
        .await?;
    Ok(Json(tickets))
}

/// `GET /api/v1/rectifications/{id}`: one ticket the caller may see.
pub async fn get(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<ReportReaders>,
    WithRejection(Path(id), _): WithRejection<Path<i64>, Error>,
) -> Result<Json<TicketJson>, Error> {
    let visibility = authed.user.visibility();
    let ticket = state
        .db
        .read(move |store| Ok(store.ticket(id, &visibility)?))
        .await?
        .ok_or_else(|| Error::not_found(lang))?;
    Ok(Json(TicketJson::new(ticket, today())))
}

#[derive(Debug, Deserialize)]
pub struct ActBody {
    action: Option<String>,
    #[serde(default)]
    text: String,
}

/// `POST /api/v1/rectifications/{id} {"action", "text"}`: a manager
/// responds (the default action), headquarters closes or reopens; the
/// ticket as it is left.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<ReportReaders>,
    headers: HeaderMap,
    WithRejection(Path(id), _): WithRejection<Path<i64>, Error>,
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<TicketJson>, Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    let body: ActBody = body(payload)?;
    let action = match body.action.as_deref() {
        None => Action::Respond,
        Some(text) => Action::parse(text).ok_or_else(|| {
            Error::invalid(format!(
                "无效的操作「{text}」:应为 respond、close 或 reopen"
            ))
            .with_field("action")
        })?,
    };
    let user = authed.user.clone();
    let ticket = state
        .db
        .write(move |store| {
            Ok(rectify::act(
                store,
                &user,
                Act {
                    id,
                    action,
                    text: &body.text,
                },
            )?)
        })
        .await?;
    tracing::info!(user = %authed.user.name, ticket = id, action = action.as_str(), "rectification ticket acted on");
    Ok(Json(TicketJson::new(ticket, today())))
}
