//! Headquarters' pages: spreadsheet uploads with the same checks as the
//! command line, and the audit log.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::error::Error;
use super::extract::{Admins, Viewer};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use super::upload::FormParts;
use crate::app::imports::{self, Failure};
use crate::domain::access::{User, Visibility};
use crate::domain::answer::Answer;
use crate::domain::checklist::{Checklist, Item};
use crate::formats::read::column_letter;
use crate::storage::{AuditEntry, AuditFilter, Reader, Store};
use serde_json::Value;

/// One problem as the upload page lists it.
pub struct ProblemLine {
    pub sheet: String,
    pub row: String,
    pub column: String,
    pub header: String,
    pub value: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports.html")]
struct ImportsPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    /// What the last upload did, when there was one.
    outcome: Option<String>,
    problems: Vec<ProblemLine>,
    failure: Option<String>,
    /// The checklists templates can be made for: id and label.
    checklists: Vec<(String, String)>,
}

async fn imports_page(
    state: &AppState,
    authed: &super::auth::Authed,
    lang: Lang,
) -> Result<ImportsPage, PageError> {
    let t = lang.text();
    let checklists = state
        .db
        .read(|store| Ok(store.checklist_versions()?))
        .await
        .page(lang)?;
    let mut choices: Vec<(String, String)> = Vec::new();
    for (id, _, title) in checklists {
        if !choices.iter().any(|(seen, _)| *seen == id) {
            let label = t.checklist_choice(&title, &id);
            choices.push((id, label));
        }
    }
    Ok(ImportsPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        user: Some(authed.user.clone()),
        csrf: authed.csrf.clone().unwrap_or_default(),
        outcome: None,
        problems: Vec::new(),
        failure: None,
        checklists: choices,
    })
}

pub async fn imports_form(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Admins>,
) -> Result<Response, PageError> {
    Ok(imports_page(&state, &authed, lang).await?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct TemplateQuery {
    checklist: Option<String>,
}

/// `GET /admin/templates/{roster|visits|checklist}`: a blank sheet to fill
/// in and upload, with the columns the importer reads; the visits and
/// 评分细则 sheets follow the chosen checklist's newest version.
pub async fn template(
    State(state): State<AppState>,
    lang: Lang,
    _: Viewer<Admins>,
    Path(kind): Path<String>,
    Query(query): Query<TemplateQuery>,
) -> Result<Response, PageError> {
    let (bytes, name) = state
        .db
        .read(move |store| {
            let checklist = |store: &Reader| -> Result<Checklist, Error> {
                let id = crate::app::imports::checklist_id(store, query.checklist)?;
                Ok(store.checklist(&id)?)
            };
            let kind_xlsx = crate::formats::write::FileKind::Xlsx;
            let made = match kind.as_str() {
                "roster" => (
                    crate::formats::write::roster_template(kind_xlsx),
                    "roster-template.xlsx".to_string(),
                ),
                "visits" => {
                    let c = checklist(store)?;
                    (
                        crate::formats::write::visits_template(&c, kind_xlsx),
                        format!("{}-v{}-visits-template.xlsx", c.id, c.version),
                    )
                }
                "checklist" => {
                    let c = checklist(store)?;
                    (
                        crate::formats::write::checklist_sheet(&c, kind_xlsx),
                        format!("{}-v{}-checklist.xlsx", c.id, c.version),
                    )
                }
                _ => return Err(Error::not_found(lang)),
            };
            Ok((made.0.map_err(Error::internal)?, made.1))
        })
        .await
        .page(lang)?;
    Ok(super::dashboard::xlsx(bytes, &name))
}

/// An uploaded spreadsheet and the options sent with it.
struct ImportRequest {
    /// The file's own name, without the sender's folders.
    name: String,
    bytes: Vec<u8>,
    dry_run: bool,
    replace: bool,
    /// A new checklist's id and title, when the sheet does not say.
    id: Option<String>,
    title: Option<String>,
    pass_mark: f64,
}

impl ImportRequest {
    /// The request a form holds; `None` when it holds no file.
    fn read(mut form: FormParts) -> Option<ImportRequest> {
        let file = form
            .take_file("file")
            .filter(|file| !file.bytes.is_empty())?;
        let name = file.name.filter(|name| !name.is_empty())?;
        let name = name.rsplit(['/', '\\']).next().unwrap_or("").to_string();
        let flag = |key: &str| form.text(key).is_some_and(|v| v == "on" || v == "1");
        let text = |key: &str| form.text(key).filter(|s| !s.is_empty()).map(str::to_string);
        Some(ImportRequest {
            name,
            bytes: file.bytes,
            dry_run: flag("dry_run"),
            replace: flag("replace"),
            id: text("id"),
            title: text("title"),
            pass_mark: form
                .text("pass_mark")
                .and_then(|p| p.parse::<f64>().ok())
                .unwrap_or(crate::domain::checklist::DEFAULT_PASS_MARK),
        })
    }
}

/// `POST /admin/imports/{roster|visits|checklist}` (multipart): the file
/// and its options, checked and stored exactly as the command line does.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Admins>,
    Path(kind): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let t = lang.text();
    let form = FormParts::read(multipart, &["file"])
        .await
        .map_err(|e| Error::new(e.status(), "bad_upload", t.upload_failed(e.body_text())))
        .page(lang)?;
    authed.check_csrf(form.text("csrf"), lang).page(lang)?;
    let mut page = imports_page(&state, &authed, lang).await?;
    let Some(mut request) = ImportRequest::read(form) else {
        page.failure = Some(t.choose_file.into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let actor = authed.user.name.clone();
    let dry_run = request.dry_run;
    // A visits sheet is read and checked off the writer: only storing it
    // waits for the writer, and holds up the others' writes.
    let read = if kind == "visits" {
        let (name, bytes) = (request.name.clone(), std::mem::take(&mut request.bytes));
        let read = state
            .db
            .read(move |reader| Ok(imports::read_visits(reader, &name, bytes)))
            .await
            .page(lang)?;
        Some(read)
    } else {
        None
    };
    let result = state
        .db
        .write(move |store| import(store, &kind, request, read, &actor, lang))
        .await
        .page(lang)?;
    let status = show_outcome(&mut page, result, dry_run, t);
    Ok((status, page).into_response())
}

/// Imports `request` as a `kind` sheet (a visits sheet already `read` off
/// the writer): what it did in words, or why it stored nothing.
fn import(
    store: &mut Store,
    kind: &str,
    request: ImportRequest,
    read: Option<Result<imports::ReadVisits, Failure>>,
    actor: &str,
    lang: Lang,
) -> Result<Result<String, Failure>, Error> {
    let t = lang.text();
    let ImportRequest {
        name,
        bytes,
        dry_run,
        replace,
        id,
        title,
        pass_mark,
    } = request;
    let name = name.as_str();
    Ok(match kind {
        "roster" => imports::roster(store, name, bytes, dry_run, actor).map(|r| {
            t.upload_source(t.roster, name, &r.sheet, r.header_row)
                + &t.roster_counts(
                    r.branches,
                    r.outcome.new,
                    r.outcome.updated,
                    r.outcome.unchanged,
                )
        }),
        "visits" => {
            let options = imports::VisitOptions {
                dry_run,
                replace,
                actor,
            };
            let Some(read) = read else {
                return Err(Error::not_found(lang));
            };
            read.and_then(|read| imports::store_visits(store, read, options))
                .map(|r| {
                    t.upload_source(t.visit_results, name, &r.sheet, r.header_row)
                        + &t.visits_counts(r.visits, r.new, r.unchanged, r.replaced)
                        + &t.blanks_as_na(r.blanks_as_na)
                })
        }
        "checklist" => {
            let meta = imports::SheetMeta {
                id: id.as_deref(),
                title: title.as_deref(),
                pass_mark,
            };
            imports::checklist(store, name, bytes, meta, actor).map(|r| {
                t.checklist_loaded(
                    &r.checklist.id,
                    r.checklist.version,
                    r.checklist.item_count(),
                    r.new,
                )
            })
        }
        _ => return Err(Error::not_found(lang)),
    })
}

/// Puts what an import did, or each problem it found, on the page; the
/// page's status.
fn show_outcome(
    page: &mut ImportsPage,
    result: Result<String, Failure>,
    dry_run: bool,
    t: &Text,
) -> StatusCode {
    match result {
        Ok(outcome) => {
            page.outcome = Some(if dry_run {
                t.dry_run_outcome(&outcome)
            } else {
                outcome
            });
            StatusCode::OK
        }
        Err(Failure::Problems { file, problems }) => {
            page.failure = Some(t.problems_found(&file, problems.len()));
            page.problems = problems
                .into_iter()
                .map(|p| ProblemLine {
                    sheet: p.sheet,
                    row: p.row.map(|r| r.to_string()).unwrap_or_default(),
                    column: p
                        .column
                        .as_ref()
                        .map(|c| column_letter(c.index))
                        .unwrap_or_default(),
                    header: p.column.map(|c| c.header).unwrap_or_default(),
                    value: p.value.unwrap_or_default(),
                    reason: p.reason,
                })
                .collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(other) => {
            page.failure = Some(other.to_string());
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// An audit entry as the log page shows it: what changed, in words.
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    /// The action in words, and its code (what the filter takes).
    pub action: String,
    pub action_code: String,
    pub entity: String,
    pub entity_id: String,
    pub changes: Vec<String>,
}

/// A visit's answer as the log stores it (是 / 否 / 不适用, a number, or
/// a choice's index), in the item's words.
fn logged_answer(value: &Value, item: &Item, t: &Text) -> String {
    let answer = match value {
        Value::String(text) => match text.as_str() {
            "是" => Some(Answer::Pass),
            "否" => Some(Answer::Fail),
            "不适用" => Some(Answer::NotApplicable),
            _ => None,
        },
        Value::Number(n) => n.as_f64().map(Answer::Number),
        Value::Object(o) => o
            .get("choice")
            .and_then(Value::as_u64)
            .and_then(|i| u16::try_from(i).ok())
            .map(Answer::Choice),
        _ => None,
    };
    answer.map_or_else(|| plain(value, t), |a| a.to_text(item))
}

/// A JSON value as a reader writes it: text without quotes, `—` for none,
/// fields by their names in the reader's language.
fn plain(value: &Value, t: &Text) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| plain(v, t))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{}: {}", t.audit_word(k), plain(v, t)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// What an audit entry changed, a line each: a visit's answers as
/// "A01 统一着工装: 否 → 是", an appeal as its item and answers, other
/// records as their fields.
fn audit_changes(store: &Reader, entry: &AuditEntry, t: &Text) -> Result<Vec<String>, Error> {
    let parse = |text: &Option<String>| {
        text.as_deref()
            .map(|t| serde_json::from_str::<Value>(t).unwrap_or_else(|_| Value::String(t.into())))
    };
    let (before, after) = (parse(&entry.before), parse(&entry.after));
    Ok(match (entry.action.as_str(), &before, &after) {
        (action, Some(old), Some(new)) if action.starts_with("visit.") => {
            visit_changes(store, old, new, t)
        }
        ("appeal.accept" | "appeal.reject" | "appeal.file", _, _) => {
            appeal_changes(store, entry, after.as_ref(), t)?
        }
        ("checklist.load", _, Some(new)) => vec![format!(
            "{} v{}: {}",
            plain(&new["id"], t),
            plain(&new["version"], t),
            plain(&new["title"], t)
        )],
        (_, old, new) => {
            let mut lines = Vec::new();
            if let Some(old) = old {
                lines.push(format!("{} → ", plain(old, t)));
            }
            if let Some(new) = new {
                lines.push(plain(new, t));
            }
            lines
        }
    })
}

/// A visit's fields and answers that changed from `old` to `new`, the
/// answers in the words of the visit's checklist version.
fn visit_changes(store: &Reader, old: &Value, new: &Value, t: &Text) -> Vec<String> {
    let checklist = match (
        new.get("checklist").and_then(Value::as_str),
        new.get("version").and_then(Value::as_u64),
    ) {
        (Some(id), Some(version)) => store
            .checklist_version(id, u32::try_from(version).unwrap_or(0))
            .ok(),
        _ => None,
    };
    let mut lines = Vec::new();
    for field in [
        "visit_id",
        "branch_code",
        "visited_at",
        "inspector",
        "notes",
    ] {
        let (a, b) = (&old[field], &new[field]);
        if a != b {
            lines.push(format!(
                "{}: {} → {}",
                t.audit_word(field),
                plain(a, t),
                plain(b, t)
            ));
        }
    }
    let empty = Vec::new();
    let olds = old["answers"].as_array().unwrap_or(&empty);
    let news = new["answers"].as_array().unwrap_or(&empty);
    for (i, (a, b)) in olds.iter().zip(news).enumerate() {
        if a == b {
            continue;
        }
        match checklist.as_ref().and_then(|c| c.items().nth(i)) {
            Some((_, item)) => lines.push(format!(
                "{} {}: {} → {}",
                item.code,
                item.title,
                logged_answer(a, item, t),
                logged_answer(b, item, t)
            )),
            None => lines.push(format!("#{}: {} → {}", i + 1, plain(a, t), plain(b, t))),
        }
    }
    lines
}

/// The answer an appeal contests, and its reason or decision.
fn appeal_changes(
    store: &Reader,
    entry: &AuditEntry,
    after: Option<&Value>,
    t: &Text,
) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    let appeal = match entry.entity_id.as_deref().and_then(|id| id.parse().ok()) {
        Some(id) => store.appeal(id)?.map(|(a, _)| a),
        None => None,
    };
    if let Some(appeal) = appeal {
        let title = store
            .visit_record(&appeal.visit, &Visibility::Everything)?
            .and_then(|r| {
                let c = store
                    .checklist_version(&r.visit.checklist_id, r.visit.checklist_version)
                    .ok()?;
                let index = c.item_index(&appeal.item_code)?;
                c.items().nth(index).map(|(_, item)| item.title.clone())
            })
            .unwrap_or_default();
        lines.push(format!(
            "{} {} {}: {} {}: {} → {}",
            appeal.branch_code,
            appeal.branch_name,
            appeal.visited_at,
            appeal.item_code,
            title,
            appeal.old_answer.as_deref().unwrap_or("—"),
            appeal.requested
        ));
    }
    if let Some(new) = after {
        for (field, label) in [("reason", t.reason), ("decision", t.decision)] {
            if let Some(text) = new.get(field).and_then(Value::as_str) {
                lines.push(format!("{label}: {text}"));
            }
        }
    }
    Ok(lines)
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    entries: Vec<AuditLine>,
    actor: String,
    action: String,
    entity: String,
    from: String,
    to: String,
}

pub async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Admins>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let filter = AuditFilter {
        actor: query.actor.clone(),
        action: query.action.clone(),
        entity: query.entity.clone(),
        from: query.from.clone().filter(|s| !s.is_empty()),
        // A day given as the end includes that whole day.
        to: query
            .to
            .clone()
            .filter(|s| !s.is_empty())
            .map(|d| format!("{d} 99")),
        limit: 500,
    };
    let entries = state
        .db
        .read(move |store| {
            let t = lang.text();
            store
                .audit_entries(&filter)?
                .into_iter()
                .map(|e| {
                    Ok(AuditLine {
                        changes: audit_changes(store, &e, t)?,
                        at: e.at.replacen(' ', "\n", 1),
                        actor: e.actor,
                        action: t.audit_word(&e.action).to_string(),
                        action_code: e.action.clone(),
                        entity: t.audit_word(&e.entity).to_string(),
                        entity_id: e.entity_id.unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .await
        .page(lang)?;
    let page = AuditPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        entries,
        actor: query.actor.unwrap_or_default(),
        action: query.action.unwrap_or_default(),
        entity: query.entity.unwrap_or_default(),
        from: query.from.unwrap_or_default(),
        to: query.to.unwrap_or_default(),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}
