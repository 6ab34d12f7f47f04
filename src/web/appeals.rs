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

use super::AppState;
use super::assets::AssetUrls;
use super::dashboard::{Choice, opening_period, period_choices};
use super::error::Error;
use super::extract::{Admins, Appellants, ReportReaders, Sender, Viewer};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use super::upload::{FormParts, image_type, new_photo, save_photo};
use crate::app::publishing::{self, PublishError, publication_for};
use crate::app::report::Options;
use crate::domain::access::{User, Visibility};
use crate::domain::answer::{Answer, RawAnswer};
use crate::domain::appeal::{AppealStatus, appeal_days};
use crate::domain::period::Period;
use crate::storage::{Acceptance, Appeal, NewAppeal, Store};

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
    publications: Vec<PublicationLine>,
    checklists: Vec<String>,
    /// Periods with visits to publish, the latest ended quarter first chosen.
    periods: Vec<Choice>,
}

/// One published version as the list shows it.
struct PublicationLine {
    checklist: String,
    period: String,
    version: u32,
    at: String,
    by: String,
    /// The appeal window's days and the number of changed items.
    note: String,
    /// When the appeal window (which runs from the first version) closes.
    closes: String,
}

pub async fn appeals_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
) -> Result<Response, PageError> {
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
            for p in publications
                .iter()
                .filter(|p| p.period.to_string() == choice.value)
            {
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
        admin: authed.user.administers(),
        publications: publications
            .iter()
            .map(|p| {
                let changes = p.changes.as_ref().map_or(0, |c| c.items.len());
                // The window runs from the first version.
                let first = publications
                    .iter()
                    .filter(|f| f.checklist_id == p.checklist_id && f.period == p.period)
                    .min_by_key(|f| f.version)
                    .unwrap_or(p);
                PublicationLine {
                    checklist: p.checklist_id.clone(),
                    period: p.period.to_string(),
                    version: p.version,
                    at: p.published_at.format("%Y-%m-%d %H:%M").to_string(),
                    by: p.published_by.clone(),
                    note: t.appeal_note(p.appeal_days, changes),
                    closes: first
                        .appeal_window()
                        .closes_at()
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                }
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
    Sender(authed, _): Sender<Admins>,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
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
    let rankings = publishing::rankings_to_publish(&current, &previous)
        .map_err(Error::internal)
        .page(lang)?;
    let days = appeal_days(form.appeal_days)
        .map_err(|message| Error::invalid(message).with_field("appeal_days"))
        .page(lang)?;
    let actor = authed.user.name.clone();
    let checklist = current.checklist_id.clone();
    state
        .db
        .write(move |store| {
            publishing::publish(store, &checklist, period, days, &rankings, &actor).map_err(|e| {
                match e {
                    PublishError::Pending(message) => Error::conflict(message).with_field("period"),
                    PublishError::Storage(e) => e.into(),
                }
            })
        })
        .await
        .page(lang)?;
    Ok(Redirect::to("/appeals").into_response())
}

/// What a manager asks of one answer.
struct AppealRequest {
    item: String,
    requested: String,
    reason: String,
    /// The photo's bytes, known to be an image.
    photo: Option<Vec<u8>>,
}

impl AppealRequest {
    /// Reads the form's fields, the photo checked to be an image.
    fn read(mut form: FormParts, t: &Text) -> Result<AppealRequest, Error> {
        let field = |name: &str| form.text(name).unwrap_or_default().to_string();
        let (item, requested, reason) = (field("item"), field("requested"), field("reason"));
        if reason.chars().count() < 5 {
            return Err(Error::invalid(t.appeal_reason_short).with_field("reason"));
        }
        let photo = form
            .take_file("photo")
            .map(|file| file.bytes)
            .filter(|bytes| !bytes.is_empty());
        if photo
            .as_deref()
            .is_some_and(|bytes| image_type(bytes).is_none())
        {
            return Err(Error::invalid(t.appeal_photo_type).with_field("photo"));
        }
        Ok(AppealRequest {
            item,
            requested,
            reason,
            photo,
        })
    }
}

/// `POST /visits/{id}/appeals` (multipart: csrf, item, requested, reason,
/// optional photo): a manager contests one answer of a visit in scope.
pub async fn file(
    State(state): State<AppState>,
    lang: Lang,
    Sender(authed, _): Sender<Appellants>,
    Path(visit): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let form = FormParts::read(multipart, &["photo"])
        .await
        .map_err(|e| Error::new(e.status(), "bad_upload", e.body_text()))
        .page(lang)?;
    authed.check_csrf(form.text("csrf"), lang).page(lang)?;
    let request = AppealRequest::read(form, lang.text()).page(lang)?;
    let user = authed.user.clone();
    let dir = state.photos.clone();
    state
        .db
        .write(move |store| {
            let id = file_appeal(store, &visit, &request, &user, lang)?;
            match request.photo {
                Some(bytes) => {
                    let folder = format!("appeal-{id}");
                    let photo = new_photo(&folder, Some(request.item), &bytes)
                        .ok_or_else(|| Error::invalid(lang.text().appeal_photo_type))?;
                    save_photo(store, &dir, &photo, &bytes, user.id)
                }
                None => Ok(()),
            }
        })
        .await
        .page(lang)?;
    Ok(Redirect::to("/appeals").into_response())
}

/// Files `request` against visit `page_id` if `user` may see it, its
/// period is published and the appeal window still open; the appeal's id.
fn file_appeal(
    store: &mut Store,
    page_id: &str,
    request: &AppealRequest,
    user: &User,
    lang: Lang,
) -> Result<i64, Error> {
    let t = lang.text();
    let record = store
        .visit_record(page_id, &user.visibility())?
        .ok_or_else(|| Error::not_found(lang))?;
    let day = record.visit.visited_at.date();
    let Some((period, versions)) = publication_for(store, &record.visit.checklist_id, day)? else {
        return Err(Error::invalid(t.appeal_unpublished));
    };
    let now = chrono::Local::now().naive_local();
    if versions
        .first()
        .is_some_and(|first| !first.appeal_window().is_open(now))
    {
        return Err(Error::invalid(t.appeal_closed(period)));
    }
    let checklist =
        store.checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
    let item = &request.item;
    let index = checklist
        .item_index(item)
        .ok_or_else(|| Error::invalid(t.no_such_item(item)).with_field("item"))?;
    let (_, definition) = checklist
        .items()
        .nth(index)
        .ok_or_else(|| Error::not_found(lang))?;
    let answer = Answer::parse(definition, RawAnswer::Text(&request.requested))
        .map_err(|e| Error::invalid(t.requested_answer_problem(e)).with_field("requested"))?;
    let current = record
        .visit
        .answers
        .get(index)
        .map(|a| a.to_text(definition))
        .unwrap_or_default();
    Ok(store.file_appeal(
        &NewAppeal {
            visit_row: record.row,
            item_code: item,
            current: &current,
            requested: &answer.to_text(definition),
            reason: &request.reason,
            user_id: user.id,
        },
        &user.name,
    )?)
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
    Sender(authed, _): Sender<Admins>,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
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
                Some(Acceptance { index, answer, old })
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
