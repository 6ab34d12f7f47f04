//! Server-rendered pages: sign-in, the inspector's hall picker and visit
//! form, and the visit page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Duration, Local};
use pinyin::ToPinyinMulti;
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::auth::{self, Authed, SESSION_COOKIE, identify};
use super::error::Error;
use super::i18n::{Lang, Text};
use crate::app::credentials::{new_secret, secret_hash, verify_password};
use crate::domain::access::{Role, User};
use crate::domain::analytics::percent;
use crate::domain::answer::format_number;
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::period::Period;
use crate::domain::scoring::{item_earned, score_visit};
use crate::storage::VisitRecord;

/// An error page, in HTML.
pub(super) struct PageError {
    error: Error,
    lang: Lang,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Text,
    lang: &'a str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    message: &'a str,
}

/// What an error page said, kept on its response so that
/// [`error_pages_with_reader`] can show it again with the reader's
/// navigation: the error arises where the reader is not known.
#[derive(Clone)]
struct FailedPage {
    message: String,
    lang: Lang,
}

impl FailedPage {
    fn render(&self, status: StatusCode, reader: Option<Authed>) -> Response {
        let (user, csrf) = match reader {
            Some(authed) => (Some(authed.user), authed.csrf.unwrap_or_default()),
            None => (None, String::new()),
        };
        let page = ErrorPage {
            t: self.lang.text(),
            lang: self.lang.code(),
            assets: AssetUrls::new(),
            user,
            csrf,
            message: &self.message,
        };
        match page.render() {
            Ok(html) => {
                let mut response = (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    html,
                )
                    .into_response();
                response.extensions_mut().insert(self.clone());
                response
            }
            Err(e) => Error::internal(e).into_response(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        FailedPage {
            message: self.error.message,
            lang: self.lang,
        }
        .render(self.error.status, None)
    }
}

/// Error pages keep the navigation and the signed-in user, like every
/// other page: the page is made again with the reader the request's
/// session or token names.
pub(super) async fn error_pages_with_reader(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(failed) = response.extensions().get::<FailedPage>().cloned() else {
        return response;
    };
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    match identify(&parts, &state).await {
        Ok(Some(reader)) => failed.render(response.status(), Some(reader)),
        _ => response,
    }
}

pub(super) trait InLang<T> {
    fn page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: Into<Error>> InLang<T> for Result<T, E> {
    fn page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError {
            error: e.into(),
            lang,
        })
    }
}

/// The signed-in user of a page; without one, the page answers with a
/// redirect to the sign-in page (saying so when a session had expired).
pub(super) struct Viewer(pub(super) Result<Authed, Response>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, PageError> {
        let lang = Lang::from_request_parts(parts, state)
            .await
            .unwrap_or(Lang::Zh);
        Ok(Viewer(match identify(parts, state).await.page(lang)? {
            Some(authed) => Ok(authed),
            None => {
                let expired = CookieJar::from_headers(&parts.headers)
                    .get(SESSION_COOKIE)
                    .is_some();
                let target = if expired {
                    "/login?expired=1"
                } else {
                    "/login"
                };
                Err(Redirect::to(target).into_response())
            }
        }))
    }
}

pub async fn home(Viewer(viewer): Viewer) -> Response {
    match viewer {
        Err(redirect) => redirect,
        Ok(authed) if authed.user.role == Role::Inspector => {
            Redirect::to("/inspect").into_response()
        }
        Ok(_) => Redirect::to("/dashboard").into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    /// No session yet: empty, so the page's scripts know it.
    csrf: String,
    login_csrf: String,
    message: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
}

const LOGIN_CSRF: &str = "login_csrf";

pub async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<LoginQuery>,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let t = lang.text();
    let has_admin = state
        .db
        .read(|store| Ok(store.has_admin()?))
        .await
        .page(lang)?;
    login_page(
        &state,
        lang,
        jar,
        query.expired.map(|_| t.session_expired),
        (!has_admin).then_some(t.no_admin_yet),
        StatusCode::OK,
    )
}

fn login_page(
    state: &AppState,
    lang: Lang,
    jar: CookieJar,
    message: Option<&'static str>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    // Sign-in has no session yet: its form token is a cookie of its own
    // that the form must echo.
    let csrf = new_secret();
    let cookie = Cookie::build((LOGIN_CSRF, csrf.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .build();
    let page = LoginPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        user: None,
        csrf: String::new(),
        login_csrf: csrf,
        message,
        notice,
    };
    Ok((status, jar.add(cookie), page).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<std::net::SocketAddr>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let t = lang.text();
    let expected = jar.get(LOGIN_CSRF).map(|c| c.value().to_string());
    if expected.as_deref() != Some(form.csrf.as_str()) {
        return login_page(
            &state,
            lang,
            jar,
            Some(t.error_csrf),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    let address = address.ip().to_string();
    let name = form.name.trim().to_string();
    if !state.throttle.allowed(&name, &address) {
        return login_page(
            &state,
            lang,
            jar,
            Some(t.sign_in_throttled),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let lookup = name.clone();
    let found = state
        .db
        .read(move |store| Ok(store.user_with_password(&lookup)?))
        .await
        .page(lang)?;
    let password = form.password;
    // Hash checking is slow on purpose: keep it off the async threads.
    let user = tokio::task::spawn_blocking(move || {
        found.and_then(|(user, hash)| hash.filter(|h| verify_password(&password, h)).map(|_| user))
    })
    .await
    .map_err(Error::internal)
    .page(lang)?;
    let Some(user) = user else {
        state.throttle.failed(&name, &address);
        tracing::info!(user = %name, %address, "sign-in failed");
        return login_page(
            &state,
            lang,
            jar,
            Some(t.sign_in_failed),
            None,
            StatusCode::UNAUTHORIZED,
        );
    };
    state.throttle.succeeded(&name);
    // A fresh session id at every sign-in: an id planted before sign-in
    // never becomes a session.
    let old = jar.get(SESSION_COOKIE).map(|c| secret_hash(c.value()));
    let token = new_secret();
    let (hash, csrf, id) = (secret_hash(&token), new_secret(), user.id);
    let expires = Local::now().naive_local() + Duration::hours(auth::SESSION_HOURS);
    state
        .db
        .write(move |store| {
            if let Some(old) = old {
                store.delete_session(&old)?;
            }
            Ok(store.create_session(&hash, id, &csrf, expires)?)
        })
        .await
        .page(lang)?;
    tracing::info!(user = %user.name, "signed in");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF).path("/login"))
        .add(auth::session_cookie(token, state.secure_cookies));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    authed: Authed,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let hash = secret_hash(cookie.value());
        state
            .db
            .write(move |store| Ok(store.delete_session(&hash)?))
            .await
            .page(lang)?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

pub async fn switch_language(
    Path(lang): Path<String>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    // Back to the page the switch was pressed on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let cookie = Cookie::build(("lang", lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}

pub async fn not_found(lang: Lang) -> PageError {
    PageError {
        error: Error::not_found(lang),
        lang,
    }
}

/// A hall as the picker shows it.
pub struct HallChoice {
    pub code: String,
    pub name: String,
    pub district: String,
    /// Pinyin initials of the name, for searching: 西平中心厅 → xpzxt.
    pub initials: String,
}

/// The name's pinyin initials under every reading of its characters, space
/// separated, for searching: 西平中心厅 → xpzxt; 泌阳城关 (泌 is mì or bì)
/// → mycg bycg. At most 16 spellings, the common readings first.
fn initials(name: &str) -> String {
    const MOST: usize = 16;
    let mut spellings = vec![String::new()];
    for c in name.chars() {
        let Some(readings) = c.to_pinyin_multi() else {
            continue;
        };
        let mut letters: Vec<&str> = Vec::new();
        for reading in readings {
            if !letters.contains(&reading.first_letter()) {
                letters.push(reading.first_letter());
            }
        }
        spellings = letters
            .iter()
            .flat_map(|letter| spellings.iter().map(move |s| format!("{s}{letter}")))
            .take(MOST)
            .collect();
    }
    spellings.join(" ")
}

/// A submitted visit in a list.
pub struct VisitLine {
    pub id: String,
    pub hall: String,
    pub visited_at: String,
    pub rate: String,
}

fn visit_line(record: &VisitRecord, checklist: Option<&Checklist>) -> VisitLine {
    let rate = checklist.and_then(|c| score_visit(c, &record.visit.answers).rate());
    let rate = percent(rate);
    VisitLine {
        id: record
            .visit
            .visit_id
            .clone()
            .unwrap_or_else(|| format!("n{}", record.row)),
        hall: format!("{} {}", record.visit.branch_code, record.branch_name),
        visited_at: record.visit.visited_at.format("%Y-%m-%d %H:%M").to_string(),
        rate,
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
    Viewer(viewer): Viewer,
) -> Result<Response, PageError> {
    let authed = match viewer {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    if !authed.user.may_record() {
        return Err(Error::forbidden(lang)).page(lang);
    }
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
    })
}

#[derive(Deserialize)]
pub struct FormQuery {
    checklist: Option<String>,
}

pub async fn visit_form(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(viewer): Viewer,
    Query(query): Query<FormQuery>,
) -> Result<Response, PageError> {
    let authed = match viewer {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    if !authed.user.may_record() {
        return Err(Error::forbidden(lang)).page(lang);
    }
    let (checklist, branches) = state
        .db
        .read(move |store| {
            let id = match query.checklist {
                Some(id) => id,
                None => store.newest_checklist_id()?,
            };
            Ok((store.checklist(&id)?, store.branches()?))
        })
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
                .map(
                    |b| serde_json::json!({"code": b.code, "name": b.name, "district": b.district}),
                )
                .collect(),
        )),
        messages_json: script_json(&form_messages(lang.text())),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

/// One answered item on the visit page.
pub struct AnswerLine {
    pub note: String,
    pub code: String,
    pub title: String,
    pub answer: String,
    /// The answers an appeal may ask for, separated by `|` (是/否, the
    /// choices, 不适用 where allowed); empty for a number.
    pub valid: String,
    /// The number's bounds (empty when open), for scale and measure items.
    pub min: String,
    pub max: String,
    pub earned: String,
    pub points: String,
    pub lost: bool,
    /// Whether a red line zeroed what the answer would have earned.
    pub zeroed: bool,
}

pub struct SectionLine {
    pub title: String,
    pub rate: String,
    pub lost: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "visit.html")]
struct VisitPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    id: String,
    hall: String,
    district: String,
    visited_at: String,
    inspector: String,
    checklist: String,
    rate: String,
    lost: String,
    notes: String,
    /// Which critical items zeroed what.
    red_lines: Vec<String>,
    sections: Vec<SectionLine>,
    answers: Vec<AnswerLine>,
    photos: Vec<(String, String)>,
    history: Vec<String>,
    /// Whether the reader may appeal this visit's answers now.
    appealable: bool,
    /// When the appeal window of the visit's period closes.
    appeal_closes: String,
    /// The hall's report page, on the period the reader came from.
    back: Option<String>,
}

/// The report period a visit page was opened from (its checklist is the
/// visit's own).
#[derive(Deserialize)]
pub struct FromReport {
    period: Option<String>,
}

pub async fn visit_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(viewer): Viewer,
    Path(id): Path<String>,
    Query(from): Query<FromReport>,
) -> Result<Response, PageError> {
    let authed = match viewer {
        Ok(authed) => authed,
        Err(redirect) => return Ok(redirect),
    };
    let visibility = authed.user.visibility();
    let found = state
        .db
        .read(move |store| {
            let Some(record) = store.visit_record(&id, &visibility)? else {
                return Ok(None);
            };
            let checklist = store
                .checklist_version(&record.visit.checklist_id, record.visit.checklist_version)?;
            let photos = store.photos(&id)?;
            let open = crate::app::publishing::publication_for(
                store,
                &checklist.id,
                record.visit.visited_at.date(),
            )?
            .and_then(|(_, versions)| versions.first().map(crate::storage::closes_at))
            .filter(|closes| chrono::Local::now().naive_local() <= *closes);
            Ok(Some((record, checklist, photos, open)))
        })
        .await
        .page(lang)?;
    let Some((record, checklist, photos, open)) = found else {
        return Err(Error::not_found(lang)).page(lang);
    };
    let score = score_visit(&checklist, &record.visit.answers);
    let rate_text = |p: Option<crate::domain::scoring::Points>| percent(p.map(|p| p.rate()));
    let page = VisitPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        id: record
            .visit
            .visit_id
            .clone()
            .unwrap_or_else(|| format!("n{}", record.row)),
        appealable: open.is_some() && matches!(authed.user.role, Role::Manager | Role::Admin),
        appeal_closes: open.map_or(String::new(), |c| c.format("%Y-%m-%d %H:%M").to_string()),
        back: (authed.user.role != Role::Inspector).then(|| {
            let period = from
                .period
                .as_deref()
                .and_then(|p| Period::parse(p).ok())
                .unwrap_or_else(|| Period::quarter_of(record.visit.visited_at.date()));
            format!(
                "/halls/{}?{}",
                record.visit.branch_code,
                super::dashboard::report_query(&period, &checklist.id)
            )
        }),
        hall: format!("{} {}", record.visit.branch_code, record.branch_name),
        district: record.district.clone(),
        visited_at: record.visit.visited_at.format("%Y-%m-%d %H:%M").to_string(),
        inspector: record.visit.inspector.clone().unwrap_or_default(),
        checklist: format!(
            "{}({} 第 {} 版)",
            checklist.title, checklist.id, checklist.version
        ),
        rate: rate_text(score.total),
        lost: score.total.map_or("—".into(), |p| format_number(p.lost())),
        notes: record.visit.notes.clone().unwrap_or_default(),
        red_lines: score
            .red_lines
            .iter()
            .map(|r| lang.text().red_line(&checklist, *r))
            .collect(),
        sections: checklist
            .sections
            .iter()
            .zip(&score.sections)
            .map(|(s, p)| SectionLine {
                title: s.title.clone(),
                rate: rate_text(*p),
                lost: p.map_or("—".into(), |p| format_number(p.lost())),
            })
            .collect(),
        answers: checklist
            .items()
            .zip(&record.visit.answers)
            .zip(&score.items)
            .map(|(((section, item), answer), points)| AnswerLine {
                zeroed: points.is_some_and(|p| p.earned == 0.0)
                    && item_earned(item, *answer).is_some_and(|e| e > 0.0)
                    && score.red_lines.iter().any(|r| r.covers(section)),
                note: record
                    .visit
                    .item_notes
                    .get(&item.code)
                    .cloned()
                    .unwrap_or_default(),
                code: item.code.clone(),
                title: item.title.clone(),
                answer: answer.to_text(item),
                valid: {
                    let mut valid: Vec<&str> = match &item.kind {
                        ItemKind::Check { .. } => vec!["是", "否"],
                        ItemKind::Choice { choices } => {
                            choices.iter().map(|c| c.label.as_str()).collect()
                        }
                        ItemKind::Scale | ItemKind::Measure { .. } => Vec::new(),
                    };
                    if item.na {
                        valid.push("不适用");
                    }
                    valid.join("|")
                },
                min: match item.kind {
                    ItemKind::Scale | ItemKind::Measure { .. } => "0".into(),
                    _ => String::new(),
                },
                max: match item.kind {
                    ItemKind::Scale => format_number(item.points),
                    _ => String::new(),
                },
                earned: points.map_or("—".into(), |p| format_number(p.earned)),
                points: format_number(item.points),
                lost: points.is_some_and(|p| p.lost() > 0.0),
            })
            .collect(),
        photos: photos
            .iter()
            .map(|p| {
                (
                    format!("/photos/{}", p.id),
                    p.item_code.clone().unwrap_or_default(),
                )
            })
            .collect(),
        history: record
            .history
            .iter()
            .map(|(at, reason, version, answers)| {
                format!("{at} {reason}(第 {version} 版,{} 项答案)", answers.len())
            })
            .collect(),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_under_every_reading() {
        assert_eq!(
            initials("西平中心厅").split(' ').next(),
            Some("xpzxt"),
            "the common readings come first"
        );
        let biyang = initials("泌阳城关营业厅");
        let spellings: Vec<&str> = biyang.split(' ').collect();
        assert!(
            spellings.contains(&"bycgyyt") && spellings.contains(&"mycgyyt"),
            "泌 reads bì and mì: {biyang}"
        );
        assert!(
            initials("长").split(' ').count() >= 2,
            "长 reads cháng and zhǎng"
        );
        assert!(initials("行行行行行行行行行行").split(' ').count() <= 16);
        assert_eq!(initials("XP-01"), "", "no Chinese, no initials");
    }
}
