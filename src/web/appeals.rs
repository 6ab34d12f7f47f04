//! Published periods and appeals (申诉): an admin publishes a period's
//! ranking; within the appeal window managers contest single answers of
//! visits in their scope; the admin accepts or rejects; re-issuing makes a
//! new version with a change log. After the window the period is locked.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::assets::AssetUrls;
use super::auth::Authed;
use super::dashboard::{Choice, opening_period, period_choices};
use super::error::Error;
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError, Viewer};
use crate::app::publishing::{change_log, publication_for};
use crate::app::report::{Level, Options};
use crate::domain::access::{Role, User, Visibility};
use crate::domain::answer::{Answer, RawAnswer};
use crate::domain::period::Period;
use crate::storage::{Appeal, closes_at};

#[derive(Template, WebTemplate)]
#[template(path = "appeals.html")]
struct AppealsPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    appeals: Vec<Appeal>,
    admin: bool,
    publications: Vec<(String, String, u32, String, String, String, String)>,
    checklists: Vec<String>,
    /// Periods with visits to publish, the latest ended quarter first chosen.
    periods: Vec<Choice>,
}

pub async fn appeals_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(viewer): Viewer,
) -> Result<Response, PageError> {
    let authed = match viewer {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    if authed.user.role == Role::Inspector {
        return Err(Error::forbidden(lang)).page(lang);
    }
    let visibility = authed.user.visibility();
    let (appeals, publications, checklists, last, opening) = state
        .db
        .read(move |store| {
            let mut ids: Vec<String> = store
                .checklist_versions()?
                .into_iter()
                .map(|(id, ..)| id)
                .collect();
            ids.dedup();
            Ok((
                store.appeals(&visibility)?,
                store.all_publications()?,
                ids,
                store.last_visit_day()?,
                opening_period(store)?,
            ))
        })
        .await
        .page(lang)?;
    let t = lang.text();
    let periods = period_choices(last, &opening)
        .into_iter()
        .map(|choice| {
            let mut published: Vec<(String, u32)> = Vec::new();
            for p in publications.iter().filter(|p| p.period == choice.value) {
                match published.iter_mut().find(|(id, _)| *id == p.checklist_id) {
                    Some((_, v)) => *v = (*v).max(p.version),
                    None => published.push((p.checklist_id.clone(), p.version)),
                }
            }
            Choice {
                label: t.period_published(&choice.value, &published),
                ..choice
            }
        })
        .collect();
    let page = AppealsPage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        appeals,
        admin: authed.user.role == Role::Admin,
        publications: publications
            .iter()
            .map(|p| {
                let changes = p
                    .changes
                    .as_ref()
                    .and_then(|c| c.get("items"))
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                // The window runs from the first version.
                let first = publications
                    .iter()
                    .filter(|f| f.checklist_id == p.checklist_id && f.period == p.period)
                    .min_by_key(|f| f.version)
                    .unwrap_or(p);
                (
                    p.checklist_id.clone(),
                    p.period.clone(),
                    p.version,
                    p.published_at.format("%Y-%m-%d %H:%M").to_string(),
                    p.published_by.clone(),
                    t.appeal_note(p.appeal_days, changes),
                    closes_at(first).format("%Y-%m-%d %H:%M").to_string(),
                )
            })
            .collect(),
        checklists,
        periods,
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    checklist: String,
    period: String,
    appeal_days: Option<u32>,
}

/// `POST /admin/publications`: publishes a period, or re-issues it with
/// the accepted appeals since the last version.
pub async fn publish(
    State(state): State<AppState>,
    lang: Lang,
    authed: Authed,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    if authed.user.role != Role::Admin {
        return Err(Error::forbidden(lang)).page(lang);
    }
    let period = Period::parse(&form.period)
        .map_err(|e| Error::invalid(e.to_string()))
        .page(lang)?;
    let options = Options {
        period,
        checklist: Some(form.checklist.clone()),
        min_visits: 1,
        top: 3,
    };
    let (current, previous) = super::api::analyses(&state, options).await.page(lang)?;
    let rankings = serde_json::to_value(current.rankings(&previous, Level::Branch, 3))
        .map_err(Error::internal)
        .page(lang)?;
    let actor = authed.user.name.clone();
    let days = form.appeal_days.unwrap_or(7).min(90);
    let checklist = current.checklist_id.clone();
    state
        .db
        .write(move |store| {
            let label = period.to_string();
            let versions = store.publications(&checklist, &label)?;
            let changes = match versions.last() {
                None => None,
                Some(last) => Some(change_log(store, &checklist, period, last, &rankings)?),
            };
            store.publish(
                &checklist,
                &label,
                days,
                &rankings,
                changes.as_ref(),
                &actor,
            )?;
            Ok(())
        })
        .await
        .page(lang)?;
    Ok(Redirect::to("/appeals").into_response())
}

/// `POST /visits/{id}/appeals` (multipart: csrf, item, requested, reason,
/// optional photo): a manager contests one answer of a visit in scope.
pub async fn file(
    State(state): State<AppState>,
    lang: Lang,
    authed: Authed,
    Path(visit): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if authed.user.role != Role::Manager && authed.user.role != Role::Admin {
        return Err(Error::forbidden(lang)).page(lang);
    }
    let mut fields: std::collections::HashMap<String, String> = Default::default();
    let mut photo: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::new(e.status(), "bad_upload", e.body_text()))
        .page(lang)?
    {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Error::new(e.status(), "bad_upload", e.body_text()))
            .page(lang)?;
        if name == "photo" {
            if !bytes.is_empty() {
                photo = Some(bytes.to_vec());
            }
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
        }
    }
    authed
        .check_csrf(fields.get("csrf").map(String::as_str), lang)
        .page(lang)?;
    let t = lang.text();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let (item, requested, reason) = (field("item"), field("requested"), field("reason"));
    if reason.chars().count() < 5 {
        return Err(Error::invalid(t.appeal_reason_short).with_field("reason")).page(lang);
    }
    let photo = match photo {
        Some(bytes) => Some(
            super::api::image_type(&bytes)
                .map(|(content_type, extension)| (bytes.clone(), content_type, extension))
                .ok_or_else(|| Error::invalid(t.appeal_photo_type).with_field("photo"))
                .page(lang)?,
        ),
        None => None,
    };
    let user = authed.user.clone();
    let dir = state.photos.clone();
    let page_id = visit.clone();
    state
        .db
        .write(move |store| {
            let visibility = user.visibility();
            let record = store
                .visit_record(&page_id, &visibility)?
                .ok_or_else(|| Error::not_found(lang))?;
            let day = record.visit.visited_at.date();
            let Some((period, versions)) = publication_for(store, &record.visit.checklist_id, day)?
            else {
                return Err(Error::invalid(t.appeal_unpublished));
            };
            let closes = versions.first().map(closes_at);
            if closes.is_some_and(|c| chrono::Local::now().naive_local() > c) {
                return Err(Error::invalid(t.appeal_closed(period)));
            }
            let checklist = store
                .checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
            let index = checklist
                .item_index(&item)
                .ok_or_else(|| Error::invalid(t.no_such_item(&item)).with_field("item"))?;
            let (_, definition) = checklist
                .items()
                .nth(index)
                .ok_or_else(|| Error::not_found(lang))?;
            let answer = Answer::parse(definition, RawAnswer::Text(&requested)).map_err(|e| {
                Error::invalid(t.requested_answer_problem(e)).with_field("requested")
            })?;
            let current = record
                .visit
                .answers
                .get(index)
                .map(|a| a.to_text(definition))
                .unwrap_or_default();
            let id = store.file_appeal(
                record.row,
                &item,
                &current,
                &answer.to_text(definition),
                &reason,
                user.id,
                &user.name,
            )?;
            if let Some((bytes, content_type, extension)) = photo {
                let photo_id = uuid::Uuid::new_v4().to_string();
                let file = format!("appeal-{id}/{photo_id}.{extension}");
                let path = dir.join(&file);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(Error::internal)?;
                }
                std::fs::write(&path, &bytes).map_err(Error::internal)?;
                store.add_photo(
                    &crate::storage::Photo {
                        id: photo_id,
                        visit_id: format!("appeal-{id}"),
                        item_code: Some(item.clone()),
                        file,
                        content_type: content_type.to_string(),
                        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    },
                    user.id,
                )?;
            }
            Ok(())
        })
        .await
        .page(lang)?;
    Ok(Redirect::to("/appeals").into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    decision: String,
    reason: Option<String>,
}

/// `POST /admin/appeals/{id}`: accept (the answer changes, scores follow)
/// or reject with a reason.
pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    authed: Authed,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    if authed.user.role != Role::Admin {
        return Err(Error::forbidden(lang)).page(lang);
    }
    let accept = form.decision == "accept";
    let reason = form.reason.unwrap_or_default().trim().to_string();
    if !accept && reason.is_empty() {
        return Err(Error::invalid(lang.text().reject_needs_reason).with_field("reason"))
            .page(lang);
    }
    let admin = authed.user.clone();
    state
        .db
        .write(move |store| {
            let (appeal, _) = store.appeal(id)?.ok_or_else(|| Error::not_found(lang))?;
            let accepted = if accept {
                let record = store
                    .visit_record(&appeal.visit, &Visibility::Everything)?
                    .ok_or_else(|| Error::not_found(lang))?;
                let checklist = store.checklist_version(
                    &record.visit.checklist_id,
                    record.visit.checklist_version,
                )?;
                let index = checklist
                    .item_index(&appeal.item_code)
                    .ok_or_else(|| Error::not_found(lang))?;
                let (_, item) = checklist
                    .items()
                    .nth(index)
                    .ok_or_else(|| Error::not_found(lang))?;
                let answer = Answer::parse(item, RawAnswer::Text(&appeal.requested))
                    .map_err(|e| Error::invalid(e.to_string()))?;
                let old = record
                    .visit
                    .answers
                    .get(index)
                    .map(|a| a.to_text(item))
                    .unwrap_or_default();
                Some((index, answer, old))
            } else {
                None
            };
            let decision = if reason.is_empty() {
                "采纳".to_string()
            } else {
                reason
            };
            store.decide_appeal(id, accepted, &decision, admin.id, &admin.name)?;
            Ok(())
        })
        .await
        .page(lang)?;
    Ok(Redirect::to("/appeals").into_response())
}
