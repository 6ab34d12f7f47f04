//! Review in the API and on the reviewer's pages: the queue and the
//! decisions (docs/api.md). What may be decided, and by whom, is the review use
//! case's rule (`app::review`); here requests are read and answered.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::WithRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::api::{body, csrf_header};
use super::assets::AssetUrls;
use super::dashboard::{Choice, opening_period, period_choices};
use super::error::Error;
use super::extract::{Caller, Reviewers, Sender, Viewer};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::app::review::{self, QueueJson, Refusal};
use crate::domain::access::{User, Visibility};
use crate::domain::analytics::percent;
use crate::domain::period::Period;
use crate::domain::review::{Decision, DecisionError, Status};
use crate::domain::scoring::score_visit;
use crate::storage::{Reader, StoredFlag};

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

/// One pending visit as the reviewer's queue lists it.
struct QueueLine {
    id: String,
    hall: String,
    district: String,
    inspector: String,
    visited_at: String,
    rate: String,
    flags: Vec<StoredFlag>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
struct QueuePage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    period: String,
    periods: Vec<Choice>,
    visits: Vec<QueueLine>,
    /// What the last decision did, shown once after it.
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct QueuePageQuery {
    period: Option<String>,
    /// The status the last decision left its visits in, and how many.
    done: Option<String>,
    count: Option<usize>,
}

/// `GET /reviews`: the pending visits of a period the reviewer looks
/// after, with their score rates and flags.
pub async fn queue_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Reviewers>,
    Query(query): Query<QueuePageQuery>,
) -> Result<Response, PageError> {
    let asked = query
        .period
        .as_deref()
        .map(Period::parse)
        .transpose()
        .map_err(|e| Error::invalid(e.to_string()).with_field("period"))
        .page(lang)?;
    let user = authed.user.clone();
    let (period, last, visits) = state
        .db
        .read(move |store| {
            let period = match asked {
                Some(period) => period,
                None => opening_period(store)?,
            };
            let queue = review::queue(store, &user, period, Status::Pending)?;
            let visibility = user.visibility();
            let mut lines = Vec::with_capacity(queue.visits.len());
            for visit in queue.visits {
                lines.push(queue_line(store, visit, &visibility)?);
            }
            Ok((period, store.last_visit_day()?, lines))
        })
        .await
        .page(lang)?;
    let t = lang.text();
    let notice = query
        .done
        .as_deref()
        .and_then(Status::parse)
        .map(|status| t.reviewed(status, query.count.unwrap_or(1)));
    let page = QueuePage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        period: period.to_string(),
        periods: period_choices(last, &period),
        visits,
        notice,
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

/// A queued visit with its score rate, read from its record.
fn queue_line(
    store: &Reader,
    visit: review::QueuedJson,
    visibility: &Visibility,
) -> Result<QueueLine, Error> {
    let rate = match store.visit_record(&visit.id, visibility)? {
        Some(record) => {
            let checklist = store
                .checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
            percent(score_visit(&checklist, &record.visit.answers).rate())
        }
        None => percent(None),
    };
    Ok(QueueLine {
        hall: format!("{} {}", visit.branch_code, visit.branch_name),
        district: visit.district,
        inspector: visit.inspector.unwrap_or_default(),
        visited_at: visit.visited_at.replacen('T', " ", 1),
        rate,
        flags: visit.flags,
        id: visit.id,
    })
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    comment: Option<String>,
    /// The queue's period, to go back to.
    period: String,
}

/// `POST /reviews/{id}` (form: csrf, decision, comment, period): the
/// reviewer's decision from the visit page, back to the queue.
pub async fn decide_form(
    State(state): State<AppState>,
    lang: Lang,
    Sender(authed, _): Sender<Reviewers>,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    let period = Period::parse(&form.period)
        .map_err(|e| Error::invalid(e.to_string()).with_field("period"))
        .page(lang)?;
    let decision = Decision::parse(&form.decision)
        .map_err(|e| Error::invalid(e.to_string()).with_field("decision"))
        .page(lang)?;
    let user = authed.user.clone();
    let decided = state
        .db
        .write(move |store| {
            Ok(review::decide(
                store,
                &user,
                &[id],
                decision,
                form.comment.as_deref(),
            )?)
        })
        .await
        .page(lang)?;
    Ok(back_to_queue(period, &decided))
}

#[derive(Debug, Deserialize)]
pub struct UnflaggedForm {
    csrf: String,
    period: String,
}

/// `POST /reviews/unflagged` (form: csrf, period): accepts every pending
/// visit of the period that raised no flag.
pub async fn accept_unflagged(
    State(state): State<AppState>,
    lang: Lang,
    Sender(authed, _): Sender<Reviewers>,
    Form(form): Form<UnflaggedForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    let period = Period::parse(&form.period)
        .map_err(|e| Error::invalid(e.to_string()).with_field("period"))
        .page(lang)?;
    let user = authed.user.clone();
    let decided = state
        .db
        .write(move |store| {
            let ids = review::unflagged(store, &user, period)?;
            Ok(review::decide(store, &user, &ids, Decision::Accept, None)?)
        })
        .await
        .page(lang)?;
    Ok(back_to_queue(period, &decided))
}

/// The queue of `period`, saying what was decided.
fn back_to_queue(period: Period, decided: &[(String, Status)]) -> Response {
    let status = decided.first().map_or(Status::Accepted, |(_, s)| *s);
    Redirect::to(&format!(
        "/reviews?period={period}&done={status}&count={}",
        decided.len()
    ))
    .into_response()
}
