//! The visit plan page for headquarters: make a period's plan from a form
//! (the same use case as `plan make`), see its coverage by district and
//! hall with the overdue assignments, download the sheet for the agency,
//! and add a re-visit (复查).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::error::Error;
use super::extract::{Admins, Sender, Viewer};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::app::plans::{self, CoverageJson, Failure, MakeOptions, Revisit};
use crate::domain::access::User;
use crate::domain::analytics::percent;
use crate::domain::period::Period;
use crate::domain::plan::Window;
use crate::formats::write::FileKind;
use crate::storage::Store;

/// Overdue assignments listed at most; the hall table counts them all.
const OVERDUE_SHOWN: usize = 200;

/// What the make-plan form holds, as typed, to show it again.
pub struct MakeFields {
    pub visits_per_hall: String,
    pub lockout_days: String,
    pub max_per_day: String,
    pub peak_share: String,
    pub seed: String,
    pub replace: bool,
}

impl Default for MakeFields {
    /// The command line's defaults.
    fn default() -> MakeFields {
        MakeFields {
            visits_per_hall: "3".into(),
            lockout_days: "30".into(),
            max_per_day: "4".into(),
            peak_share: "0.3".into(),
            seed: "1".into(),
            replace: false,
        }
    }
}

/// What the re-visit form holds, as typed.
#[derive(Default)]
pub struct RevisitFields {
    pub branch: String,
    pub inspector: String,
    pub date: String,
    pub window: String,
}

/// An overdue assignment as the page lists it.
pub struct OverdueLine {
    pub date: String,
    pub code: String,
    pub name: String,
    pub district: String,
    pub inspector: String,
    pub window: String,
    pub revisit: bool,
}

/// A stored plan as the page shows it.
pub struct PlanView {
    pub coverage: CoverageJson,
    pub totals: String,
    pub overdue: Vec<OverdueLine>,
    /// Overdue assignments beyond those listed.
    pub overdue_more: usize,
    /// The hours of halls whose roster row gives them, in words, by code.
    pub hours: std::collections::HashMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plans.html")]
struct PlansPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    period: String,
    make: MakeFields,
    revisit: RevisitFields,
    /// Inspectors' display names, and whether the form ticks them.
    inspectors: Vec<(String, bool)>,
    /// Roster halls: code and name.
    halls: Vec<(String, String)>,
    outcome: Option<String>,
    failure: Option<String>,
    plan: Option<PlanView>,
}

impl PlansPage {
    /// The share done of the assignments due by now (done or overdue); a
    /// dash while none is due.
    fn share(&self, done: &u32, overdue: &u32) -> String {
        let due = done + overdue;
        percent((due > 0).then(|| f64::from(*done) / f64::from(due)))
    }
}

/// The page for `period`, with the plan stored for it, if any.
fn page(
    store: &mut Store,
    authed: &super::auth::Authed,
    lang: Lang,
    period: Period,
) -> Result<PlansPage, Error> {
    let entries = match plans::entries(store, &period) {
        Ok(entries) => Some(entries),
        Err(Failure::NoPlan(_)) => None,
        Err(other) => return Err(Error::internal(other)),
    };
    let today = chrono::Local::now().date_naive();
    let branches = store.branches()?;
    let plan = match entries {
        Some(entries) => {
            let mut view = plan_view(store, lang, period, &entries, today)?;
            view.hours = branches
                .iter()
                .filter(|b| b.opening_hours.is_some() || b.peak_hours.is_some())
                .map(|b| {
                    let open = b.opening_hours.map(|w| w.to_string());
                    let peaks = b.peak_hours.as_deref().map(Window::list_text);
                    let words = lang.text().roster_hours(open.as_deref(), peaks.as_deref());
                    (b.code.clone(), words)
                })
                .collect();
            Some(view)
        }
        None => None,
    };
    let halls = branches.into_iter().map(|b| (b.code, b.name)).collect();
    let inspectors = store
        .inspectors()?
        .into_iter()
        .map(|u| (u.display_name, false))
        .collect();
    Ok(PlansPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        user: Some(authed.user.clone()),
        csrf: authed.csrf.clone().unwrap_or_default(),
        period: period.to_string(),
        make: MakeFields::default(),
        revisit: RevisitFields::default(),
        inspectors,
        halls,
        outcome: None,
        failure: None,
        plan,
    })
}

fn plan_view(
    store: &Store,
    lang: Lang,
    period: Period,
    entries: &[crate::storage::PlanEntry],
    today: NaiveDate,
) -> Result<PlanView, Error> {
    let mut coverage =
        plans::coverage_of(store, period, entries, today).map_err(Error::internal)?;
    coverage
        .rows
        .sort_by_key(|r| std::cmp::Reverse((r.overdue, r.missing)));
    coverage
        .districts
        .sort_by_key(|d| std::cmp::Reverse(d.overdue));
    let halls: std::collections::HashMap<&str, &plans::CoverageRow> =
        coverage.rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let overdue: Vec<OverdueLine> = entries
        .iter()
        .filter(|e| e.planned.is_overdue(today))
        .map(|e| {
            let p = &e.planned;
            let hall = halls.get(p.branch_code.as_str());
            OverdueLine {
                date: p.date.to_string(),
                code: p.branch_code.clone(),
                name: hall.map(|h| h.name.clone()).unwrap_or_default(),
                district: hall.map(|h| h.district.clone()).unwrap_or_default(),
                inspector: p.inspector.clone(),
                window: p.window.to_string(),
                revisit: e.kind == crate::domain::plan::Kind::Revisit,
            }
        })
        .collect();
    let overdue_more = overdue.len().saturating_sub(OVERDUE_SHOWN);
    let totals = lang.text().plan_totals(
        coverage.planned,
        coverage.done,
        coverage.missing,
        coverage.overdue,
    );
    Ok(PlanView {
        totals,
        coverage,
        overdue: overdue.into_iter().take(OVERDUE_SHOWN).collect(),
        overdue_more,
        hours: Default::default(),
    })
}

#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    period: Option<String>,
}

/// The period a page or download asks for; the current quarter when none.
fn asked_period(text: Option<&str>) -> Result<Period, Error> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => Period::parse(text).map_err(|e| Error::invalid(e.to_string())),
        None => Ok(Period::quarter_of(chrono::Local::now().date_naive())),
    }
}

/// The period a posted form is shown again with: the one it names, or the
/// current quarter when it names none that can be read (the refusal says
/// why).
fn shown_period(text: &str) -> Period {
    asked_period(Some(text))
        .unwrap_or_else(|_| Period::quarter_of(chrono::Local::now().date_naive()))
}

/// `GET /admin/plans?period=P`.
pub async fn plans_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<Admins>,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let period = asked_period(query.period.as_deref()).page(lang)?;
    let page = state
        .db
        .write(move |store| page(store, &authed, lang, period))
        .await
        .page(lang)?;
    Ok(page.into_response())
}

/// A posted form's fields, in order; a field may repeat.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, key: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

fn number<T: std::str::FromStr>(t: &Text, value: &str, what: &str) -> Result<T, String> {
    value.parse().map_err(|_| t.not_a_number(what, value))
}

/// The make-plan form as options, or why it cannot be read.
fn make_options(t: &Text, fields: &Fields, make: &MakeFields) -> Result<MakeOptions, String> {
    Ok(MakeOptions {
        period: Period::parse(field(fields, "period")).map_err(|e| e.to_string())?,
        visits_per_hall: number(t, &make.visits_per_hall, t.visits_per_hall)?,
        inspectors: fields
            .iter()
            .filter(|(k, v)| k == "inspector" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        lockout_days: number(t, &make.lockout_days, t.lockout_days)?,
        max_per_day: number(t, &make.max_per_day, t.max_per_day)?,
        peak_share: number(t, &make.peak_share, t.peak_share)?,
        seed: number(t, &make.seed, t.seed)?,
        replace: make.replace,
    })
}

/// `POST /admin/plans?period=P`: the make-plan form, or the re-visit form
/// (`form=revisit`). Both forms post to the page's own address, so that
/// the page shown after them can be opened again (switching the language
/// does).
pub async fn post_form(
    State(state): State<AppState>,
    lang: Lang,
    Sender(authed, _): Sender<Admins>,
    Form(fields): Form<Fields>,
) -> Result<Response, PageError> {
    authed
        .check_csrf(Some(field(&fields, "csrf")), lang)
        .page(lang)?;
    if field(&fields, "form") == "revisit" {
        add_revisit(state, lang, authed, fields).await
    } else {
        make_plan(state, lang, authed, fields).await
    }
}

/// Makes the period's plan as `plan make` does; a refusal is shown with
/// its reason, and nothing is stored.
async fn make_plan(
    state: AppState,
    lang: Lang,
    authed: super::auth::Authed,
    fields: Fields,
) -> Result<Response, PageError> {
    let t = lang.text();
    let period_text = field(&fields, "period").to_string();
    let make = MakeFields {
        visits_per_hall: field(&fields, "visits_per_hall").into(),
        lockout_days: field(&fields, "lockout_days").into(),
        max_per_day: field(&fields, "max_per_day").into(),
        peak_share: field(&fields, "peak_share").into(),
        seed: field(&fields, "seed").into(),
        replace: field(&fields, "replace") == "on",
    };
    let options = make_options(t, &fields, &make);
    let actor = authed.user.name.clone();
    let (status, page) = state
        .db
        .write(move |store| {
            let result = options.and_then(|options| {
                plans::make(store, &options, &actor)
                    .map(|made| {
                        t.plan_made(
                            &options.period.to_string(),
                            made.halls,
                            options.visits_per_hall,
                            &made.loads,
                            made.peak,
                        )
                    })
                    .map_err(|e| e.to_string())
            });
            let mut page = page(store, &authed, lang, shown_period(&period_text))?;
            page.period = period_text;
            let ticked: Vec<&str> = fields
                .iter()
                .filter(|(k, _)| k == "inspector")
                .map(|(_, v)| v.as_str())
                .collect();
            for (name, tick) in &mut page.inspectors {
                *tick = ticked.contains(&name.as_str());
            }
            page.make = make;
            Ok(match result {
                Ok(outcome) => {
                    page.outcome = Some(outcome);
                    (StatusCode::OK, page)
                }
                Err(failure) => {
                    page.failure = Some(failure);
                    (StatusCode::UNPROCESSABLE_ENTITY, page)
                }
            })
        })
        .await
        .page(lang)?;
    Ok((status, page).into_response())
}

/// Adds a re-visit to the period's plan, as `plan revisit` does.
async fn add_revisit(
    state: AppState,
    lang: Lang,
    authed: super::auth::Authed,
    fields: Fields,
) -> Result<Response, PageError> {
    let t = lang.text();
    let period_text = field(&fields, "period").to_string();
    let fields = RevisitFields {
        branch: field(&fields, "branch").into(),
        inspector: field(&fields, "inspector").into(),
        date: field(&fields, "date").into(),
        window: field(&fields, "window").into(),
    };
    let actor = authed.user.name.clone();
    let period = shown_period(&period_text);
    let (status, page) = state
        .db
        .write(move |store| {
            let result = Revisit::read(
                &period_text,
                &fields.branch,
                &fields.inspector,
                &fields.date,
                Some(&fields.window),
            )
            .and_then(|revisit| plans::revisit(store, &revisit, &actor));
            let mut page = page(store, &authed, lang, period)?;
            Ok(match result {
                Ok(added) => {
                    page.outcome = Some(t.revisit_added(
                        &added.branch_code,
                        &added.inspector,
                        &added.date.to_string(),
                        &added.window.to_string(),
                    ));
                    (StatusCode::OK, page)
                }
                Err(failure) => {
                    page.failure = Some(failure.to_string());
                    page.revisit = fields;
                    (StatusCode::UNPROCESSABLE_ENTITY, page)
                }
            })
        })
        .await
        .page(lang)?;
    Ok((status, page).into_response())
}

/// `GET /admin/plans/sheet.xlsx?period=P`: the plan as the sheet
/// `plan export` writes.
pub async fn plan_sheet(
    State(state): State<AppState>,
    lang: Lang,
    _: Viewer<Admins>,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let period = asked_period(query.period.as_deref()).page(lang)?;
    let bytes = state
        .db
        .write(move |store| {
            let entries = plans::entries(store, &period).map_err(|e| match e {
                Failure::NoPlan(_) => Error::not_found(lang),
                other => Error::internal(other),
            })?;
            plans::plan_sheet(store, &entries, FileKind::Xlsx).map_err(Error::internal)
        })
        .await
        .page(lang)?;
    Ok(super::dashboard::xlsx(
        bytes,
        &format!("plan-{period}.xlsx"),
    ))
}
