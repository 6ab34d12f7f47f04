//! The inspector's pages: the hall picker with drafts and recent visits,
//! and the visit form.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::error::Error;
use super::extract::{Recorders, Viewer};
use super::hall_search::{HallChoice, initials};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::domain::access::User;
use crate::domain::access::Visibility;
use crate::domain::analytics::percent;
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::plan::Due;
use crate::domain::review::Status;
use crate::domain::roster::Branch;
use crate::domain::scoring::score_visit;
use crate::storage::{Reader, VisitRecord};

/// A submitted visit in a list.
pub struct VisitLine {
    pub id: String,
    pub hall: String,
    pub visited_at: String,
    pub rate: String,
    /// Carried out no assignment.
    pub unplanned: bool,
}

fn visit_line(record: &VisitRecord, checklist: Option<&Checklist>) -> VisitLine {
    let rate = checklist.and_then(|c| score_visit(c, &record.visit.answers).rate());
    let rate = percent(rate);
    VisitLine {
        id: record.link(),
        hall: format!("{} {}", record.visit.branch_code, record.branch_name),
        visited_at: record.visit.visited_at.format("%Y-%m-%d %H:%M").to_string(),
        rate,
        unplanned: record.assignment.is_none(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inspect.html")]
struct InspectPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    halls: Vec<HallChoice>,
    recent: Vec<String>,
    drafts: Vec<(String, String, String)>,
    visits: Vec<VisitLine>,
}

pub async fn inspect(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Recorders>,
) -> Result<Response, PageError> {
    let user = authed.user.clone();
    let (branches, drafts, records, checklists) = state
        .db
        .read(move |store| {
            let records = store.recent_visits(&user.own_visits(), 50)?;
            let mut checklists: Vec<Checklist> = Vec::new();
            for r in &records {
                if !checklists
                    .iter()
                    .any(|c| c.id == r.visit.checklist_id && c.version == r.visit.checklist_version)
                {
                    checklists.push(
                        store
                            .checklist_version(&r.visit.checklist_id, r.visit.checklist_version)?,
                    );
                }
            }
            Ok((
                store.branches()?,
                store.drafts(user.id)?,
                records,
                checklists,
            ))
        })
        .await
        .page(lang)?;
    let name_of = |code: &str| {
        branches
            .iter()
            .find(|b| b.code == code)
            .map_or_else(|| code.to_string(), |b| format!("{} {}", b.code, b.name))
    };
    let mut recent: Vec<String> = Vec::new();
    for r in &records {
        if !recent.contains(&r.visit.branch_code) && recent.len() < 6 {
            recent.push(r.visit.branch_code.clone());
        }
    }
    let page = InspectPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        halls: branches
            .iter()
            .map(|b| HallChoice {
                code: b.code.clone(),
                name: b.name.clone(),
                district: b.district.clone(),
                initials: initials(&b.name),
            })
            .collect(),
        recent,
        drafts: drafts
            .iter()
            .map(|d| {
                let hall = d.branch_code.as_deref().map(name_of).unwrap_or_default();
                (d.id.clone(), hall, d.updated_at.clone())
            })
            .collect(),
        visits: records
            .iter()
            .map(|r| {
                let checklist = checklists.iter().find(|c| {
                    c.id == r.visit.checklist_id && c.version == r.visit.checklist_version
                });
                visit_line(r, checklist)
            })
            .collect(),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

/// An assignment on the inspector's list.
pub struct TaskLine {
    pub id: i64,
    pub code: String,
    pub hall: String,
    pub address: String,
    pub date: String,
    pub window: String,
    pub peak: bool,
    /// The visit that carried it out.
    pub visit: Option<String>,
    /// Whether a reviewer sent that visit back to be corrected.
    pub returned: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
struct TasksPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    today: String,
    due_today: Vec<TaskLine>,
    coming: Vec<TaskLine>,
    overdue: Vec<TaskLine>,
    /// The inspector's visits a reviewer sent back, with the comment.
    returned: Vec<ReturnedLine>,
}

/// Days before and after every visit: 我的任务 lists each returned visit,
/// whenever it was made.
const EVER: (NaiveDate, NaiveDate) = match (
    NaiveDate::from_ymd_opt(1900, 1, 1),
    NaiveDate::from_ymd_opt(2999, 12, 31),
) {
    (Some(first), Some(last)) => (first, last),
    _ => (NaiveDate::MIN, NaiveDate::MIN),
};

/// A visit returned to its inspector, on 我的任务.
pub struct ReturnedLine {
    pub id: String,
    pub hall: String,
    pub visited_at: String,
    pub comment: String,
}

/// `GET /inspect/tasks`, 我的任务: the signed-in inspector's assignments,
/// today's first, then the coming days', then those overdue.
pub async fn tasks(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Recorders>,
) -> Result<Response, PageError> {
    let today = chrono::Local::now().date_naive();
    let inspector = authed.user.display_name.clone();
    let own = authed.user.own_visits();
    let (entries, branches, returned) = state
        .db
        .read(move |store| {
            let returned = store.review_queue(EVER.0, EVER.1, Status::Returned, &own)?;
            Ok((store.tasks(&inspector, today)?, store.branches()?, returned))
        })
        .await
        .page(lang)?;
    let mut page = TasksPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        today: today.to_string(),
        due_today: Vec::new(),
        coming: Vec::new(),
        overdue: Vec::new(),
        returned: returned
            .into_iter()
            .map(|q| ReturnedLine {
                hall: format!("{} {}", q.branch_code, q.branch_name),
                visited_at: q.visited_at.format("%Y-%m-%d %H:%M").to_string(),
                comment: q.review.comment.unwrap_or_default(),
                id: q.id,
            })
            .collect(),
        user: Some(authed.user),
    };
    for entry in entries {
        let p = &entry.planned;
        let branch = branches.iter().find(|b| b.code == p.branch_code);
        let line = TaskLine {
            id: p.id,
            code: p.branch_code.clone(),
            hall: branch.map_or_else(|| p.branch_code.clone(), |b| b.name.clone()),
            address: branch.and_then(|b| b.address.clone()).unwrap_or_default(),
            date: p.date.to_string(),
            window: p.window.to_string(),
            peak: p.peak,
            returned: entry
                .visit_id
                .as_ref()
                .is_some_and(|id| page.returned.iter().any(|r| &r.id == id)),
            visit: entry.visit_id.clone(),
        };
        match p.due(today) {
            Due::Today => page.due_today.push(line),
            Due::Coming => page.coming.push(line),
            Due::Overdue => page.overdue.push(line),
            Due::Past => {}
        }
    }
    Ok(page.into_response())
}

/// One item of the visit form.
pub struct FormItem {
    pub code: String,
    pub title: String,
    pub kind: &'static str,
    pub points: String,
    pub na: bool,
    pub choices: Vec<String>,
    pub unit: String,
    /// Which queue wait the stopwatch fills: 1 (ticket→called) or 2
    /// (called→done).
    pub stopwatch: u8,
    pub critical: bool,
}

pub struct FormSection {
    pub code: String,
    pub title: String,
    pub items: Vec<FormItem>,
}

#[derive(Template, WebTemplate)]
#[template(path = "visit_form.html")]
struct VisitFormPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    checklist_id: String,
    checklist_version: u32,
    checklist_title: String,
    min_photos: u32,
    comment_min_chars: u32,
    sections: Vec<FormSection>,
    /// The roster for the form's hall name, as JSON safe inside <script>.
    halls_json: String,
    /// Messages the form's script shows, as JSON safe inside <script>.
    messages_json: String,
    /// The returned visit the form corrects: the reviewer's comment, and
    /// the visit as the form's script keeps it, as JSON safe inside
    /// <script>.
    returned: Option<(String, String)>,
}

/// JSON that can sit inside a `<script>` element.
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

fn form_messages(t: &Text) -> serde_json::Value {
    serde_json::json!({
        "offline": t.offline, "queued": t.queued, "saved_locally": t.saved_locally,
        "saved_server": t.saved_server, "submitting": t.submitting,
        "submit_failed": t.submit_failed,
        "session_expired": t.session_expired, "preview_offline": t.preview_offline,
        "min_photos": t.min_photos_rule, "comment_rule": t.comment_rule,
        "not_applicable": t.not_applicable, "minutes": t.minutes,
        "unanswered": t.unanswered, "fix_before_submit": t.fix_before_submit,
        "submit_failed_fix": t.submit_failed_fix, "discard_confirm": t.discard_confirm,
        "stopwatch_reset_confirm": t.stopwatch_reset_confirm,
        "stopwatch_take_first": t.stopwatch_take_first,
        "stopwatch_call_first": t.stopwatch_call_first,
        "recheck_note": t.recheck_note,
    })
}

#[derive(Deserialize)]
pub struct FormQuery {
    checklist: Option<String>,
    /// A visit of the inspector's that a reviewer returned.
    id: Option<String>,
}

/// A returned visit as the form's script keeps a visit: its id, hall,
/// task, time, answers and notes, to be corrected and sent again.
fn returned_json(record: &VisitRecord, checklist: &Checklist) -> serde_json::Value {
    let visit = &record.visit;
    let answers: serde_json::Map<String, serde_json::Value> = checklist
        .items()
        .zip(&visit.answers)
        .map(|((_, item), answer)| (item.code.clone(), answer.to_text(item).into()))
        .collect();
    serde_json::json!({
        "id": record.link(),
        "branch_code": visit.branch_code,
        "assignment": record.assignment,
        "checklist": checklist.id,
        "visited_at": visit.visited_at.format("%Y-%m-%dT%H:%M").to_string(),
        "answers": answers,
        "item_notes": visit.item_notes,
        "notes": visit.notes.clone().unwrap_or_default(),
        "stopwatch": {},
        "status": "draft",
    })
}

/// What the visit form needs: its checklist, the roster, and the
/// returned visit it corrects (the reviewer's comment and the visit as
/// JSON) when `query` names one of the inspector's returned visits.
fn form_data(store: &Reader, query: FormQuery, own: &Visibility) -> Result<FormData, Error> {
    let returned = match &query.id {
        Some(id) => store
            .visit_record(id, own)?
            .filter(|r| r.review.status.is_open_to_inspector()),
        None => None,
    };
    let asked = match &returned {
        Some(record) => Some(record.visit.checklist_id.clone()),
        None => query.checklist,
    };
    let id = crate::app::imports::checklist_id(store, asked)?;
    let checklist = store.checklist(&id)?;
    let returned = match returned {
        Some(record) => {
            let answered = store
                .checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
            Some((
                record.review.comment.clone().unwrap_or_default(),
                script_json(&returned_json(&record, &answered)),
            ))
        }
        None => None,
    };
    Ok(FormData {
        checklist,
        branches: store.branches()?,
        rechecks: store.items_to_recheck_by_hall()?,
        returned,
    })
}

struct FormData {
    checklist: Checklist,
    branches: Vec<Branch>,
    /// The items under rectification of each hall that has any: the
    /// form marks them 整改复查 once the hall is known, offline too.
    rechecks: BTreeMap<String, Vec<String>>,
    returned: Option<(String, String)>,
}

pub async fn visit_form(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Recorders>,
    Query(query): Query<FormQuery>,
) -> Result<Response, PageError> {
    let own = authed.user.own_visits();
    let FormData {
        checklist,
        branches,
        rechecks,
        returned,
    } = state
        .db
        .read(move |store| form_data(store, query, &own))
        .await
        .page(lang)?;
    let mut measures = 0u8;
    let sections = checklist
        .sections
        .iter()
        .map(|s| FormSection {
            code: s.code.clone(),
            title: s.title.clone(),
            items: s
                .items
                .iter()
                .map(|item| {
                    let (kind, choices, unit, stopwatch, critical) = match &item.kind {
                        ItemKind::Check { critical } => {
                            ("check", Vec::new(), String::new(), 0, critical.is_some())
                        }
                        ItemKind::Scale => ("scale", Vec::new(), String::new(), 0, false),
                        ItemKind::Choice { choices } => (
                            "choice",
                            choices.iter().map(|c| c.label.clone()).collect(),
                            String::new(),
                            0,
                            false,
                        ),
                        ItemKind::Measure { unit, .. } => {
                            measures += 1;
                            (
                                "measure",
                                Vec::new(),
                                unit.clone(),
                                if measures <= 2 { measures } else { 0 },
                                false,
                            )
                        }
                    };
                    FormItem {
                        code: item.code.clone(),
                        title: item.title.clone(),
                        kind,
                        points: format_number(item.points),
                        na: item.na,
                        choices,
                        unit,
                        stopwatch,
                        critical,
                    }
                })
                .collect(),
        })
        .collect();
    let page = VisitFormPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        checklist_id: checklist.id.clone(),
        checklist_version: checklist.version,
        checklist_title: checklist.title.clone(),
        min_photos: checklist.min_photos.unwrap_or(0),
        comment_min_chars: checklist.comment_min_chars.unwrap_or(0),
        sections,
        halls_json: script_json(&serde_json::Value::Array(
            branches
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "code": b.code, "name": b.name, "district": b.district,
                        "recheck": rechecks.get(&b.code).cloned().unwrap_or_default(),
                    })
                })
                .collect(),
        )),
        messages_json: script_json(&form_messages(lang.text())),
        returned,
        user: Some(authed.user),
    };
    Ok(page.into_response())
}
