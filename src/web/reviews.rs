//! Review in the API: the reviewer's queue and their decisions
//! (docs/api.md). What may be decided, and by whom, is the review use
//! case's rule (`app::review`); here requests are read and answered.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::WithRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::AppState;
use super::api::{body, csrf_header};
use super::error::Error;
use super::extract::{Caller, Reviewers};
use super::i18n::Lang;
use crate::app::review::{self, QueueJson, Refusal};
use crate::domain::period::Period;
use crate::domain::review::{Decision, DecisionError, Status};

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        let message = refusal.to_string();
        match refusal {
            Refusal::NotFound(_) => Error::new(StatusCode::NOT_FOUND, "not_found", message),
            Refusal::Decision {
                error: DecisionError::NotPending(_),
                ..
            } => Error::conflict(message).with_field("decision"),
            Refusal::Decision {
                error: DecisionError::Unknown(_),
                ..
            } => Error::invalid(message).with_field("decision"),
            Refusal::Decision { .. } => Error::invalid(message).with_field("comment"),
            Refusal::NotReviewer => Error::new(StatusCode::FORBIDDEN, "forbidden", message),
            Refusal::Storage(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    period: String,
    status: Option<String>,
}

/// `GET /api/v1/reviews?period=P&status=pending`: the visits of a period
/// in a status (pending unless asked) that the reviewer looks after.
pub async fn queue(
    State(state): State<AppState>,
    Caller(authed, _): Caller<Reviewers>,
    WithRejection(Query(query), _): WithRejection<Query<QueueQuery>, Error>,
) -> Result<Json<QueueJson>, Error> {
    let period = Period::parse(&query.period)
        .map_err(|e| Error::invalid(e.to_string()).with_field("period"))?;
    let status = match query.status.as_deref() {
        None => Status::Pending,
        Some(text) => Status::parse(text).ok_or_else(|| {
            Error::invalid(format!(
                "无效的审核状态「{text}」:应为 pending、accepted、returned 或 excluded"
            ))
            .with_field("status")
        })?,
    };
    let user = authed.user.clone();
    let queue = state
        .db
        .read(move |store| Ok(review::queue(store, &user, period, status)?))
        .await?;
    Ok(Json(queue))
}

#[derive(Debug, Deserialize)]
pub struct DecisionBody {
    decision: String,
    comment: Option<String>,
}

/// `POST /api/v1/visits/{id}/review {"decision", "comment"}`: accept,
/// return (with a comment) or exclude (with a reason) a pending visit.
pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<Reviewers>,
    headers: HeaderMap,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    let body: DecisionBody = body(payload)?;
    let decision = Decision::parse(&body.decision)
        .map_err(|e| Error::invalid(e.to_string()).with_field("decision"))?;
    let user = authed.user.clone();
    let decided = state
        .db
        .write(move |store| {
            let ids = [id];
            Ok(review::decide(
                store,
                &user,
                &ids,
                decision,
                body.comment.as_deref(),
            )?)
        })
        .await?;
    let (id, status) = decided
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("a decision was not recorded"))?;
    tracing::info!(user = %authed.user.name, visit = %id, decision = decision.as_str(), "visit reviewed");
    Ok(Json(json!({"id": id, "status": status.as_str()})))
}
