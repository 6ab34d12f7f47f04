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
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError, Viewer};
use crate::domain::access::{Role, User};
use crate::excel::read::column_letter;
use crate::imports::{self, Failure};
use crate::storage::{AuditEntry, AuditFilter};

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
}

fn admin(
    viewer: Result<super::auth::Authed, Response>,
    lang: Lang,
) -> Result<Result<super::auth::Authed, Response>, PageError> {
    match viewer {
        Ok(authed) if authed.user.role == Role::Admin => Ok(Ok(authed)),
        Ok(_) => Err(Error::forbidden(lang)).page(lang),
        Err(redirect) => Ok(Err(redirect)),
    }
}

fn imports_page(authed: &super::auth::Authed, lang: Lang) -> ImportsPage {
    ImportsPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        user: Some(authed.user.clone()),
        csrf: authed.csrf.clone().unwrap_or_default(),
        outcome: None,
        problems: Vec::new(),
        failure: None,
    }
}

pub async fn imports_form(lang: Lang, Viewer(viewer): Viewer) -> Result<Response, PageError> {
    let authed = match admin(viewer, lang)? {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    Ok(imports_page(&authed, lang).into_response())
}

/// `POST /admin/imports/{roster|visits|checklist}` (multipart): the file
/// and its options, checked and stored exactly as the command line does.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(viewer): Viewer,
    Path(kind): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let authed = match admin(viewer, lang)? {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    let t = lang.text();
    let mut fields: std::collections::HashMap<String, String> = Default::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Err(Error::new(
                    e.status(),
                    "bad_upload",
                    t.upload_failed(e.body_text()),
                ))
                .page(lang);
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Error::new(e.status(), "bad_upload", t.upload_failed(e.body_text())))
            .page(lang)?;
        match (name.as_str(), file_name) {
            ("file", Some(file_name)) => file = Some((file_name, bytes.to_vec())),
            _ => {
                fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
            }
        }
    }
    authed
        .check_csrf(fields.get("csrf").map(String::as_str), lang)
        .page(lang)?;
    let mut page = imports_page(&authed, lang);
    let Some((name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() && !bytes.is_empty())
    else {
        page.failure = Some(t.choose_file.into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    // Only the file's own name: no folders from the browser.
    let name = name.rsplit(['/', '\\']).next().unwrap_or("").to_string();
    let actor = authed.user.name.clone();
    let flag = |key: &str| fields.get(key).is_some_and(|v| v == "on" || v == "1");
    let dry_run = flag("dry_run");
    let replace = flag("replace");
    let id = fields.get("id").cloned().filter(|s| !s.is_empty());
    let title = fields.get("title").cloned().filter(|s| !s.is_empty());
    let pass_mark = fields
        .get("pass_mark")
        .and_then(|p| p.parse::<f64>().ok())
        .unwrap_or(crate::domain::checklist::DEFAULT_PASS_MARK);
    let result = state
        .db
        .run(move |store| {
            let outcome = match kind.as_str() {
                "roster" => imports::roster(store, &name, bytes, dry_run, &actor).map(|r| {
                    t.upload_source(t.roster, &name, &r.sheet, r.header_row)
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
                        actor: &actor,
                    };
                    imports::visits(store, &name, bytes, options, &mut |_, _| {}).map(|r| {
                        t.upload_source(t.visit_results, &name, &r.sheet, r.header_row)
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
                    imports::checklist(store, &name, bytes, meta, &actor).map(|r| {
                        t.checklist_loaded(
                            &r.checklist.id,
                            r.checklist.version,
                            r.checklist.item_count(),
                            r.new,
                        )
                    })
                }
                _ => return Err(Error::not_found(lang)),
            };
            Ok(outcome)
        })
        .await
        .page(lang)?;
    let status = match result {
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
                        .map(|(c, _)| column_letter(*c))
                        .unwrap_or_default(),
                    header: p.column.map(|(_, h)| h).unwrap_or_default(),
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
    };
    Ok((status, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    entries: Vec<AuditEntry>,
    actor: String,
    action: String,
    entity: String,
    from: String,
    to: String,
}

pub async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(viewer): Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let authed = match admin(viewer, lang)? {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
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
        .run(move |store| Ok(store.audit_entries(&filter)?))
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
