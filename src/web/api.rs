//! The JSON API under `/api/v1` (docs/api.md), shared by the tablet app's
//! scripts and by anyone with an API token.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::WithRejection;
use chrono::{DateTime, Local, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::AppState;
use super::error::{Error, problems_json};
use super::extract::{Caller, Recorders, ReportReaders};
use super::i18n::Lang;
use super::upload::{FormParts, new_photo, save_photo};
use crate::app::report::{self, Analysis, AnalysisCache, Extras, Level, Options, round4};
use crate::app::review;
use crate::domain::access::{User, Visibility};
use crate::domain::answer::{Answer, AnswerError, RawAnswer};
use crate::domain::checklist::Checklist;
use crate::domain::evidence;
use crate::domain::period::Period;
use crate::domain::review::Status;
use crate::domain::scoring::score_visit;
use crate::domain::visit::Visit;
use crate::storage::{Disposition, Photo, Reader, StoredFlag, VisitRecord};

pub async fn not_found(lang: Lang) -> Error {
    Error::not_found(lang)
}

/// `GET /api/v1/openapi.json`: this API as an OpenAPI 3 document, open to
/// anyone (it describes the API, it holds no data).
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

pub(super) fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

/// A JSON object read as `T`, or a 400/413 that says what is wrong with
/// it. Only an object will do: serde would read a struct from an array too.
pub(super) fn body<T: DeserializeOwned>(
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<T, Error> {
    match payload {
        Ok(Json(object)) => serde_json::from_value(Value::Object(object))
            .map_err(|e| Error::bad_request(format!("请求内容有误:{e}"))),
        Err(JsonRejection::BytesRejection(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "请求内容过大",
            ))
        }
        Err(e) => Err(Error::bad_request(format!(
            "请求内容不是有效的 JSON 对象:{}",
            e.body_text()
        ))),
    }
}

#[derive(Debug, Deserialize)]
pub struct VisitBody {
    id: String,
    branch_code: String,
    checklist: Option<String>,
    visited_at: String,
    inspector: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    answers: Map<String, Value>,
    /// Notes on single items, by item code (an extension of the contract).
    #[serde(default)]
    item_notes: BTreeMap<String, String>,
    /// The id of the assignment the visit carries out; none for a visit
    /// outside the plan.
    assignment: Option<i64>,
    /// Minutes from opening the form at the hall to submitting it, as the
    /// tablet measured them (for the review flags).
    minutes_at_hall: Option<f64>,
}

/// A draft to score and check; anything else the draft holds is ignored.
#[derive(Debug, Deserialize)]
pub struct PreviewBody {
    id: Option<String>,
    branch_code: Option<String>,
    checklist: Option<String>,
    visited_at: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    answers: Map<String, Value>,
    #[serde(default)]
    item_notes: BTreeMap<String, String>,
    /// Photos taken for the visit that are still on the device.
    #[serde(default)]
    pending_photos: usize,
    assignment: Option<i64>,
}

fn valid_uuid(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

/// Reads a visit time: RFC 3339 (its wall-clock time in its own zone is
/// kept), or a plain `YYYY-MM-DD HH:MM[:SS]`.
fn parse_visited_at(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|d| d.naive_local())
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok())
        .or_else(|| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S").ok())
        .or_else(|| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").ok())
}

/// Reads answers against a checklist, collecting every problem as
/// (field, message). Every item needs an explicit answer (不适用 where the
/// item allows it). The answers returned are those to score: an item
/// without a valid answer counts as 不适用, so a draft's running score
/// covers what has been answered so far.
fn read_answers(checklist: &Checklist, answers: &Map<String, Value>) -> ReadAnswers {
    let mut problems = Vec::new();
    let mut unanswered = Vec::new();
    for code in answers.keys() {
        if checklist.item_index(code).is_none() {
            problems.push((
                format!("answers.{code}"),
                format!("检查表 {} 中没有检查项 {code}", checklist.id),
            ));
        }
    }
    let mut out = Vec::with_capacity(checklist.item_count());
    for (_, item) in checklist.items() {
        let answer = answers
            .get(&item.code)
            .map_or(Ok(None), raw_answer)
            .and_then(|raw| {
                Answer::parse_given(item, raw).map_err(|e| {
                    if e == AnswerError::Unanswered {
                        unanswered.push(item.code.clone());
                    }
                    e.to_string()
                })
            });
        match answer {
            Ok(answer) => out.push(answer),
            Err(e) => {
                problems.push((
                    format!("answers.{}", item.code),
                    format!("检查项 {}:{e}", item.code),
                ));
                out.push(Answer::NotApplicable);
            }
        }
    }
    ReadAnswers {
        answers: out,
        problems,
        unanswered,
    }
}

/// A JSON value as an answer: nothing for null, an error for an array or
/// an object.
fn raw_answer(value: &Value) -> Result<Option<RawAnswer<'_>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(RawAnswer::Text(s))),
        Value::Number(n) => Ok(Some(RawAnswer::Number(n.as_f64().unwrap_or(f64::NAN)))),
        Value::Bool(b) => Ok(Some(RawAnswer::Bool(*b))),
        other => Err(format!("「{other}」不是答案")),
    }
}

/// What [`read_answers`] found.
struct ReadAnswers {
    /// The answers to score.
    answers: Vec<Answer>,
    problems: Vec<(String, String)>,
    /// The codes of the items without an answer.
    unanswered: Vec<String>,
}

/// The first problem as the error, with how many there are; every problem
/// is listed with it.
fn invalid(problems: Vec<(String, String)>) -> Error {
    let count = problems.len();
    let (field, message) = problems.first().cloned().unwrap_or_default();
    let message = if count > 1 {
        format!("{message}(共 {count} 处问题)")
    } else {
        message
    };
    Error::invalid(message)
        .with_field(field)
        .with_problems(problems)
}

/// Pairs written as one JSON object, in their order: no map is built.
struct Object<'a, V>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Object<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// An item's points.
#[derive(Serialize)]
struct Earned {
    earned: f64,
    max: f64,
}

/// A visit and its scores as the API returns it.
#[derive(Serialize)]
struct VisitJson<'a> {
    id: &'a Option<String>,
    branch_code: &'a str,
    branch_name: &'a str,
    district: &'a str,
    city: &'a Option<String>,
    checklist: Value,
    visited_at: String,
    inspector: &'a Option<String>,
    notes: &'a Option<String>,
    item_notes: &'a BTreeMap<String, String>,
    answers: Object<'a, String>,
    items: Object<'a, Option<Earned>>,
    sections: Object<'a, Option<f64>>,
    rate: Option<f64>,
    lost: Option<f64>,
    photos: Vec<Value>,
    history: Vec<Value>,
    assignment: Option<i64>,
    /// Where the visit stands in review; only `accepted` counts.
    status: &'static str,
    /// The reviewer's comment on the last decision (why it was returned
    /// or excluded).
    review_comment: &'a Option<String>,
    flags: &'a [StoredFlag],
}

/// [`VisitJson`] as the body of a response.
fn visit_json(
    record: &VisitRecord,
    checklist: &Checklist,
    photos: &[Photo],
) -> Result<Vec<u8>, Error> {
    let visit = &record.visit;
    let score = score_visit(checklist, &visit.answers);
    let json = VisitJson {
        id: &visit.visit_id,
        branch_code: &visit.branch_code,
        branch_name: &record.branch_name,
        district: &record.district,
        city: &record.city,
        checklist: json!({"id": checklist.id, "version": checklist.version}),
        visited_at: visit.visited_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        inspector: &visit.inspector,
        notes: &visit.notes,
        item_notes: &visit.item_notes,
        answers: Object(
            checklist
                .items()
                .zip(&visit.answers)
                .map(|((_, item), answer)| (item.code.as_str(), answer.to_text(item)))
                .collect(),
        ),
        items: Object(
            checklist
                .items()
                .zip(&score.points.items)
                .map(|((_, item), points)| {
                    let earned = points.map(|p| Earned {
                        earned: p.earned,
                        max: p.max,
                    });
                    (item.code.as_str(), earned)
                })
                .collect(),
        ),
        sections: Object(
            checklist
                .sections
                .iter()
                .zip(&score.points.sections)
                .map(|(s, p)| (s.code.as_str(), p.map(|p| round4(p.rate()))))
                .collect(),
        ),
        rate: score.rate().map(round4),
        lost: score.points.total.map(|p| round4(p.lost())),
        photos: photos
            .iter()
            .map(|p| json!({"id": p.id, "item": p.item_code, "url": format!("/photos/{}", p.id)}))
            .collect(),
        history: record
            .history
            .iter()
            .map(|(at, reason, version, _)| {
                json!({"replaced_at": at, "reason": reason, "version": version})
            })
            .collect(),
        assignment: record.assignment,
        status: record.review.status.as_str(),
        review_comment: &record.review.comment,
        flags: &record.review.flags,
    };
    serde_json::to_vec(&json).map_err(Error::internal)
}

/// A JSON body made already.
fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A visit body as checked: the visit when nothing is wrong, else every
/// problem found (field, message).
struct Checked {
    checklist: Checklist,
    /// The answers to score, as [`read_answers`] gives them.
    answers: Vec<Answer>,
    unanswered: Vec<String>,
    problems: Vec<(String, String)>,
    visit: Option<Visit>,
}

/// Why assignment `id` may not be carried out by visit `visit_id` of
/// `inspector` at hall `branch`, if it may not.
fn assignment_problem(
    store: &crate::storage::Reader,
    id: i64,
    inspector: &str,
    branch: &str,
    visit_id: &str,
) -> Result<Option<String>, Error> {
    Ok(match store.assignment(id)? {
        None => Some(format!("没有编号为 {id} 的任务")),
        Some(entry) => entry
            .planned
            .carried_by(inspector, branch, visit_id, entry.visit_id.as_deref())
            .err()
            .map(|e| e.to_string()),
    })
}

/// Checks a request body against the roster, the checklist, the evidence
/// rules and the user's rights, collecting every problem. `pending_photos`
/// counts photos still on the device (a draft's preview) towards the
/// minimum. Fails outright only when it cannot go on (an unknown
/// checklist, another inspector's name, storage).
fn check_visit(
    store: &crate::storage::Reader,
    user: &User,
    body: VisitBody,
    pending_photos: usize,
    lang: Lang,
) -> Result<Checked, Error> {
    let mut problems = Vec::new();
    if !valid_uuid(&body.id) {
        problems.push(("id".into(), "id 必须是客户端生成的 UUID".into()));
    }
    let branch = body.branch_code.trim().to_string();
    if !store.branch_exists(&branch)? {
        problems.push((
            "branch_code".into(),
            format!("网点编码「{branch}」不在网点名单中"),
        ));
    }
    let checklist_id = crate::app::imports::checklist_id(store, body.checklist)?;
    let checklist = store.checklist(&checklist_id).map_err(|_| {
        Error::invalid(format!("没有检查表「{checklist_id}」")).with_field("checklist")
    })?;
    let visited_at = parse_visited_at(&body.visited_at);
    match visited_at {
        None => problems.push((
            "visited_at".into(),
            format!(
                "暗访时间「{}」无法识别,应为 2024-07-03T14:20:00+08:00",
                body.visited_at
            ),
        )),
        Some(at) if at > Local::now().naive_local() + chrono::Duration::days(1) => {
            problems.push(("visited_at".into(), "暗访时间不能晚于现在".into()));
        }
        Some(_) => {}
    }
    if body
        .minutes_at_hall
        .is_some_and(|m| !m.is_finite() || m < 0.0)
    {
        problems.push((
            "minutes_at_hall".into(),
            "在厅时间 minutes_at_hall 必须是不小于 0 的分钟数".into(),
        ));
    }
    let Some(inspector) = user.inspector_for(body.inspector.as_deref()) else {
        return Err(Error::forbidden(lang).with_field("inspector"));
    };
    if let Some(id) = body.assignment
        && let Some(message) = assignment_problem(store, id, &inspector, &branch, &body.id)?
    {
        problems.push(("assignment".into(), message));
    }
    let read = read_answers(&checklist, &body.answers);
    problems.extend(read.problems);
    for code in body.item_notes.keys() {
        if checklist.item_index(code).is_none() {
            problems.push((
                format!("item_notes.{code}"),
                format!("检查表中没有检查项 {code}"),
            ));
        }
    }
    let notes = body
        .notes
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let photos = || -> Result<usize, Error> {
        let stored = if valid_uuid(&body.id) {
            store.photos(&body.id)?.len()
        } else {
            0
        };
        Ok(stored + pending_photos)
    };
    problems.extend(
        evidence::shortfalls(&checklist, notes.as_deref(), photos)?
            .into_iter()
            .map(|short| (short.field().to_string(), short.to_string())),
    );
    let visit = match visited_at {
        Some(visited_at) if problems.is_empty() => Some(Visit {
            visit_id: Some(body.id),
            branch_code: branch,
            visited_at,
            inspector: Some(inspector),
            checklist_id: checklist.id.clone(),
            checklist_version: checklist.version,
            notes,
            item_notes: body
                .item_notes
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            answers: read.answers.clone(),
        }),
        _ => None,
    };
    Ok(Checked {
        checklist,
        answers: read.answers,
        unanswered: read.unanswered,
        problems,
        visit,
    })
}

/// Turns a request body into a visit, or a 422 listing every problem.
fn build_visit(
    store: &crate::storage::Reader,
    user: &User,
    body: VisitBody,
    lang: Lang,
) -> Result<(Visit, Checklist), Error> {
    let checked = check_visit(store, user, body, 0, lang)?;
    match checked.visit {
        Some(visit) => Ok((visit, checked.checklist)),
        None => Err(invalid(checked.problems)),
    }
}

/// `POST /api/v1/visits`: 201 when stored, 200 when the same visit was
/// stored before, 409 when the id was used for another visit.
pub async fn submit_visit(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<Recorders>,
    headers: HeaderMap,
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Response, Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    let body: VisitBody = body(payload)?;
    let assignment = body.assignment;
    let minutes_at_hall = body.minutes_at_hall;
    let user = authed.user.clone();
    // Checked and read back on a reader, stored on the writer: no reader
    // is held while the write waits its turn.
    let (visit, checklist) = state
        .db
        .read(move |store| {
            let (visit, checklist) = build_visit(store, &user, body, lang)?;
            if let Some(message) =
                crate::app::publishing::locked(store, &visit.checklist_id, visit.visited_at.date())?
            {
                return Err(Error::conflict(message).with_field("visited_at"));
            }
            Ok((visit, checklist))
        })
        .await?;
    let id = visit.visit_id.clone().unwrap_or_default();
    let user = authed.user.clone();
    let status = state
        .db
        .write({
            let id = id.clone();
            move |writer| {
                let key = visit.key();
                let resubmitted = writer.visit_status(&key)? == Some(Status::Returned);
                let status = if resubmitted {
                    // A returned visit comes back from its inspector.
                    if writer.visit_record(&id, &user.visibility())?.is_none() {
                        return Err(Error::forbidden(lang).with_field("id"));
                    }
                    writer.resubmit_visit(&visit, &user.name)?;
                    StatusCode::OK
                } else {
                    let disposition =
                        writer.submit_visit(&visit, assignment, user.id, &user.name)?;
                    match disposition {
                        Some(Disposition::New) => StatusCode::CREATED,
                        Some(Disposition::Unchanged) => StatusCode::OK,
                        _ => {
                            return Err(Error::conflict(format!(
                                "暗访编号 {id} 已用于另一份不同的暗访记录"
                            ))
                            .with_field("id"));
                        }
                    }
                };
                // What arrived is flagged; the same visit sent again
                // keeps what it had.
                if status == StatusCode::CREATED || resubmitted {
                    if let Some(minutes) = minutes_at_hall {
                        writer.set_minutes_at_hall(&key, minutes)?;
                    }
                    review::flag_arrival(writer, &visit)?;
                }
                writer.delete_draft(&id, user.id)?;
                Ok(status)
            }
        })
        .await?;
    let value = state
        .db
        .read(move |store| {
            let record = store
                .visit_record(&id, &Visibility::Everything)?
                .ok_or_else(|| Error::internal("a stored visit was not found"))?;
            let photos = store.photos(&id)?;
            visit_json(&record, &checklist, &photos)
        })
        .await?;
    tracing::info!(user = %authed.user.name, status = status.as_u16(), "visit submitted");
    Ok(json_response(status, value))
}

/// `POST /api/v1/visits/preview`: the scores of a draft's answers so far,
/// computed by the same rules, and every problem a submission of it would
/// meet now; nothing stored. With the draft's `id`, `branch_code` and
/// `visited_at`, the whole visit is checked; without them, its answers.
pub async fn preview_visit(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, Error> {
    let body: PreviewBody = body(payload)?;
    // A draft holds answers, never arrays or objects: such a body is
    // malformed, not a draft with problems.
    if let Some((code, e)) = body
        .answers
        .iter()
        .find_map(|(code, value)| raw_answer(value).err().map(|e| (code, e)))
    {
        return Err(
            Error::invalid(format!("检查项 {code}:{e}")).with_field(format!("answers.{code}"))
        );
    }
    let user = authed.user.clone();
    let value = state
        .db
        .read(move |store| {
            let PreviewBody {
                id,
                branch_code,
                checklist,
                visited_at,
                notes,
                answers,
                item_notes,
                pending_photos,
                assignment,
            } = body;
            let (checklist, scored, unanswered, problems) = match (id, branch_code, visited_at) {
                (Some(id), Some(branch_code), Some(visited_at)) => {
                    let visit = VisitBody {
                        id,
                        branch_code,
                        checklist,
                        visited_at,
                        inspector: None,
                        notes,
                        answers,
                        item_notes,
                        assignment,
                        minutes_at_hall: None,
                    };
                    let checked = check_visit(store, &user, visit, pending_photos, lang)?;
                    (
                        checked.checklist,
                        checked.answers,
                        checked.unanswered,
                        checked.problems,
                    )
                }
                _ => {
                    let id = crate::app::imports::checklist_id(store, checklist)?;
                    let checklist = store.checklist(&id).map_err(unknown_checklist)?;
                    let read = read_answers(&checklist, &answers);
                    (checklist, read.answers, read.unanswered, read.problems)
                }
            };
            let score = score_visit(&checklist, &scored);
            let t = lang.text();
            Ok(json!({
                "rate": score.rate().map(round4),
                "earned": score.points.total.map(|p| p.earned),
                "max": score.points.total.map(|p| p.max),
                "sections": checklist.sections.iter().zip(&score.points.sections)
                    .map(|(s, p)| (s.code.clone(), p.map(|p| round4(p.rate())).into()))
                    .collect::<Map<String, Value>>(),
                "required_missing": unanswered,
                "problems": problems_json(&problems),
                "red_lines": score.red_lines.iter().map(|r| {
                    json!({
                        "item": checklist.items().nth(r.item).map(|(_, item)| &item.code),
                        "scope": r.scope,
                        "section": checklist.sections[r.section].code,
                        "message": t.red_line(&checklist, *r),
                    })
                }).collect::<Vec<Value>>(),
            }))
        })
        .await?;
    Ok(Json(value))
}

pub async fn get_visit(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
) -> Result<Response, Error> {
    let visibility = authed.user.visibility();
    let value = state
        .db
        .read(move |store| {
            let Some(record) = store.visit_record(&id, &visibility)? else {
                return Ok(None);
            };
            let checklist = store
                .checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
            let photos = store.photos(&id)?;
            Ok(Some(visit_json(&record, &checklist, &photos)?))
        })
        .await?;
    let value = value.ok_or_else(|| Error::not_found(lang))?;
    Ok(json_response(StatusCode::OK, value))
}

pub async fn save_draft(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<Recorders>,
    headers: HeaderMap,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
    payload: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<StatusCode, Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    if !valid_uuid(&id) {
        return Err(Error::invalid("草稿编号必须是 UUID").with_field("id"));
    }
    let draft: Map<String, Value> = body(payload)?;
    let branch = match draft.get("branch_code") {
        None | Some(Value::Null) => None,
        Some(Value::String(code)) => Some(code.clone()),
        Some(_) => {
            return Err(Error::invalid("branch_code 必须是文本").with_field("branch_code"));
        }
    };
    let text = Value::Object(draft).to_string();
    let user = authed.user.id;
    state
        .db
        .write(move |store| Ok(store.save_draft(&id, user, branch.as_deref(), &text)?))
        .await
        .map_err(|e| {
            if e.status == StatusCode::NOT_FOUND {
                Error::forbidden(lang)
            } else {
                e
            }
        })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_draft(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
) -> Result<Response, Error> {
    let user = authed.user.id;
    let draft = state
        .db
        .read(move |store| Ok(store.draft(&id, user)?))
        .await?;
    let draft = draft.ok_or_else(|| Error::not_found(lang))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], draft.body).into_response())
}

pub async fn delete_draft(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    headers: HeaderMap,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
) -> Result<StatusCode, Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    if !valid_uuid(&id) {
        return Err(Error::invalid("草稿编号必须是 UUID").with_field("id"));
    }
    let user = authed.user.id;
    state
        .db
        .write(move |store| Ok(store.delete_draft(&id, user)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/photos` (multipart: `visit_id`, optional `item_code`,
/// optional `taken_at`, `file`): a photo for a visit, before or after the
/// visit is submitted. `taken_at` is the capture time the tablet read from
/// the original before resizing it; the file's own EXIF time wins when it
/// still has one.
pub async fn upload_photo(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<Recorders>,
    headers: HeaderMap,
    WithRejection(multipart, _): WithRejection<Multipart, Error>,
) -> Result<(StatusCode, Json<Value>), Error> {
    authed.check_csrf(csrf_header(&headers), lang)?;
    let mut form = FormParts::read(multipart, &["file"])
        .await
        .map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => photo_too_large(),
            _ => Error::bad_request(format!("上传内容有误:{}", e.body_text())),
        })?;
    let visit_id = form
        .text("visit_id")
        .filter(|id| valid_uuid(id))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::invalid("缺少有效的暗访编号 visit_id(UUID)").with_field("visit_id")
        })?;
    let item_code = form
        .text("item_code")
        .filter(|code| !code.is_empty())
        .map(str::to_string);
    let device_time = match form.text("taken_at").filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => Some(parse_visited_at(text).ok_or_else(|| {
            Error::invalid(format!(
                "拍摄时间 taken_at「{text}」无法识别,应为 2024-07-03T14:20:00+08:00"
            ))
            .with_field("taken_at")
        })?),
    };
    let file = form
        .take_file("file")
        .ok_or_else(|| Error::invalid("缺少照片文件").with_field("file"))?
        .bytes;
    if file.len() > super::MAX_PHOTO {
        return Err(photo_too_large());
    }
    let mut photo = new_photo(&visit_id, item_code, &file).ok_or_else(|| {
        Error::invalid("上传的文件不是 JPEG、PNG 或 WebP 图片").with_field("file")
    })?;
    photo.taken_at = review::capture_time(&file, device_time);
    let user = authed.user.clone();
    let dir = state.photos.clone();
    let stored = photo.clone();
    state
        .db
        .write(move |store| {
            check_photo_target(store, &stored, &user, lang)?;
            save_photo(store, &dir, &stored, &file, user.id)?;
            // A photo of a visit already submitted may raise its flags.
            Ok(review::refresh_flags(store, &stored.visit_id)?)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": photo.id,
            "url": format!("/photos/{}", photo.id),
            "size": photo.size,
            "taken_at": photo.taken_at.map(|(at, _)| at.format("%Y-%m-%dT%H:%M:%S").to_string()),
            "taken_from": photo.taken_at.map(|(_, source)| source.as_str()),
        })),
    ))
}

fn photo_too_large() -> Error {
    Error::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("照片过大:最大 {} MB", super::MAX_PHOTO / 1024 / 1024),
    )
    .with_field("file")
}

/// A photo may join a submitted visit only if it is the user's to see, and
/// name only an item some checklist has.
fn check_photo_target(store: &Reader, photo: &Photo, user: &User, lang: Lang) -> Result<(), Error> {
    if store
        .visit_record(&photo.visit_id, &Visibility::Everything)?
        .is_some()
        && store
            .visit_record(&photo.visit_id, &user.visibility())?
            .is_none()
    {
        return Err(Error::forbidden(lang));
    }
    if let Some(code) = &photo.item_code {
        let known = store.checklist_versions()?.iter().any(|(id, version, _)| {
            store
                .checklist_version(id, *version)
                .is_ok_and(|c| c.item_index(code).is_some())
        });
        if !known {
            return Err(Error::invalid(format!("没有检查项 {code}")).with_field("item_code"));
        }
    }
    Ok(())
}

/// `GET /photos/{id}`: the image, for those who may see its visit.
pub async fn photo(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    WithRejection(Path(id), _): WithRejection<Path<String>, Error>,
) -> Result<Response, Error> {
    if !valid_uuid(&id) {
        return Err(Error::not_found(lang));
    }
    let visibility = authed.user.visibility();
    let user = authed.user.id;
    let dir = state.photos.clone();
    let found = state
        .db
        .read(move |store| {
            let Some(photo) = store.photo(&id, &visibility, user)? else {
                return Ok(None);
            };
            let bytes = std::fs::read(dir.join(&photo.file)).map_err(Error::internal)?;
            Ok(Some((photo.content_type, bytes)))
        })
        .await?;
    let (content_type, bytes) = found.ok_or_else(|| Error::not_found(lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=86400".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    period: String,
    level: Option<String>,
    checklist: Option<String>,
    min_visits: Option<u32>,
    top: Option<u32>,
    scope: Option<String>,
    adjust: Option<String>,
}

impl ReportQuery {
    fn options(&self) -> Result<Options, Error> {
        Ok(Options {
            period: Period::parse(&self.period)
                .map_err(|e| Error::invalid(e.to_string()).with_field("period"))?,
            checklist: self.checklist.clone(),
            min_visits: self.min_visits.unwrap_or(1),
            top: self.top.unwrap_or(3).max(1),
        })
    }
}

fn parse_level(level: Option<&str>) -> Result<Level, Error> {
    match level.unwrap_or("branch") {
        "branch" => Ok(Level::Branch),
        "district" => Ok(Level::District),
        "city" => Ok(Level::City),
        other => Err(Error::invalid(format!(
            "无效的层级「{other}」:应为 branch、district 或 city"
        ))
        .with_field("level")),
    }
}

/// Whether a request asks to rank by inspector-adjusted rates
/// (`adjust=inspectors`); without `adjust`, the plain rates.
pub(super) fn parse_adjust(adjust: Option<&str>) -> Result<bool, Error> {
    match adjust {
        None => Ok(false),
        Some("inspectors") => Ok(true),
        Some(other) => Err(
            Error::invalid(format!("无效的校准方式「{other}」:应为 inspectors"))
                .with_field("adjust"),
        ),
    }
}

/// A checklist the request names but the database does not hold is a
/// mistake in the request.
pub(super) fn unknown_checklist(e: crate::storage::Error) -> Error {
    match e {
        crate::storage::Error::NotFound(message) => Error::invalid(message).with_field("checklist"),
        other => other.into(),
    }
}

/// The period's analyses for a request, on a blocking thread with `store`:
/// from the cache, brought up to date.
pub fn analyse(
    cache: &AnalysisCache,
    store: &Reader,
    options: &Options,
) -> Result<(Arc<Analysis>, Arc<Analysis>), Error> {
    cache.analyse(store, options).map_err(unknown_checklist)
}

/// [`analyse`] from the async threads.
pub async fn analyses(
    state: &AppState,
    options: Options,
) -> Result<(Arc<Analysis>, Arc<Analysis>), Error> {
    let cache = state.analyses.clone();
    state
        .db
        .report(move |store| analyse(&cache, store, &options))
        .await
}

pub async fn rankings(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<ReportReaders>,
    WithRejection(Query(query), _): WithRejection<Query<ReportQuery>, Error>,
) -> Result<Response, Error> {
    let level = parse_level(query.level.as_deref())?;
    let options = query.options()?;
    let admin = authed.user.sees_inspectors();
    // Adjusted rates rest on figures about the inspectors.
    let adjust = parse_adjust(query.adjust.as_deref())?;
    if adjust && !admin {
        return Err(Error::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.text().adjust_admin_only,
        )
        .with_field("adjust"));
    }
    let cache = state.analyses.clone();
    // A national report is a few MB of JSON: made off the async threads,
    // which serve every other connection meanwhile.
    let body = state
        .db
        .report(move |store| {
            let (current, previous) = analyse(&cache, store, &options)?;
            let (current, previous) = if adjust {
                (
                    current.adjusted_for_inspectors(),
                    previous.adjusted_for_inspectors(),
                )
            } else {
                (current, previous)
            };
            let extras = Extras {
                waits: true,
                calibration: admin,
            };
            let report = current.rankings_for(
                &previous,
                level,
                options.top,
                &authed.user.visibility(),
                extras,
            );
            serde_json::to_vec(&report).map_err(Error::internal)
        })
        .await?;
    Ok(json_response(StatusCode::OK, body))
}

pub async fn shortboards(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller<ReportReaders>,
    WithRejection(Query(query), _): WithRejection<Query<ReportQuery>, Error>,
) -> Result<Json<report::ShortboardsReport>, Error> {
    let scope = query.scope.clone().unwrap_or_else(|| "all".into());
    let options = query.options()?;
    let (current, _) = analyses(&state, options).await?;
    if let Some(code) = scope.strip_prefix("branch:") {
        let branch = current.branches.iter().find(|b| b.code == code);
        let visible = branch.is_some_and(|b| {
            authed
                .user
                .visibility()
                .sees_branch(&b.district, b.city.as_deref())
        });
        if !visible {
            return Err(Error::not_found(lang));
        }
    }
    current
        .shortboards(&scope)
        .map(Json)
        .map_err(|message| Error::invalid(message).with_field("scope"))
}
