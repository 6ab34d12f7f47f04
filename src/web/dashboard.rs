//! The managers' and headquarters' pages: the period dashboard, a hall's
//! page and a county's page. Scope decides which hall rows are shown; the
//! figures themselves are the same report objects as everywhere else.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::auth::Authed;
use super::charts::{self, Bar, FunnelPoint, FunnelWords, TrendPoint};
use super::error::Error;
use super::extract::{ReportReaders, Viewer};
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::app::report::{
    self, Analysis, Callout, CalloutUnit, Extras, Level, Options, RankingRow, RankingsReport, Unit,
    call_out_sentence, change, interval_text, percent, rank_span, summary_sentences,
};
use crate::domain::access::{User, Visibility};
use crate::domain::analytics::round4;
use crate::domain::period::{Period, PeriodKind};
use crate::domain::uncertainty::Signal;
use crate::storage::Reader;

mod hall_table;

use hall_table::{HallQuery, HallTable, HallView, TableFrame};

#[derive(Debug, Clone, Deserialize, Default)]
pub struct DashboardQuery {
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    checklist: Option<String>,
    /// `inspectors` ranks by inspector-adjusted rates (admins only).
    adjust: Option<String>,
    /// The dashboard's hall table: its page, order, county and search.
    page: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    district: Option<String>,
    q: Option<String>,
    /// `all`: the county table lists every county, not only those of a
    /// manager's own city.
    districts: Option<String>,
}

/// A `<select>` option.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A ranking row as a table shows it.
pub struct Line {
    pub rank: String,
    pub rank_value: String,
    /// The possible ranks, "(3–15)", or nothing.
    pub rank_range: String,
    /// The 95% interval as a small bar, its text and its low end to sort by.
    pub interval_bar: String,
    pub interval_text: String,
    pub interval_value: String,
    /// The inspector-adjusted rate, for admins.
    pub adjusted: String,
    pub adjusted_value: String,
    pub code: String,
    pub name: String,
    pub district: String,
    pub city: String,
    pub visits: u32,
    pub rate: String,
    pub rate_value: String,
    pub sections: Vec<(String, String)>,
    pub previous: String,
    pub change: String,
    pub change_class: &'static str,
    pub change_value: String,
    pub mark: &'static str,
    pub branches: String,
    pub link: String,
}

/// The query that keeps a report link on the same period and checklist.
pub fn report_query(period: &Period, checklist: &str) -> String {
    format!("period={period}&checklist={checklist}")
}

/// [`report_query`], and the ranking by adjusted rates when it is on.
fn page_query(period: &Period, checklist: &str, adjust: bool) -> String {
    page_params(period, checklist, adjust)
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The parameters of [`page_query`], one by one.
fn page_params(period: &Period, checklist: &str, adjust: bool) -> Vec<(&'static str, String)> {
    let mut params = vec![
        ("period", period.to_string()),
        ("checklist", checklist.to_string()),
    ];
    if adjust {
        params.push(("adjust", "inspectors".to_string()));
    }
    params
}

/// The scale of the interval bars of the reports' rows, shared so that
/// bars in different tables of a page compare.
fn bar_scale(reports: &[&RankingsReport]) -> (f64, f64) {
    charts::interval_scale(
        reports
            .iter()
            .flat_map(|r| &r.rows)
            .filter_map(|row| row.interval.map(|i| i[0])),
    )
}

/// Each unit's overall rate at a level, by code.
fn rates_by_code(analysis: &Analysis, level: Level) -> HashMap<String, Option<f64>> {
    analysis
        .units(level)
        .iter()
        .map(|u| (u.code.to_string(), u.standing.rate().map(round4)))
        .collect()
}

/// The rates by code that rows show besides a ranking at `level`: the
/// plain ones when it ranks adjusted rates, and the `adjusted` ones when
/// the reader sees them.
type ShownRates = (
    Option<HashMap<String, Option<f64>>>,
    Option<HashMap<String, Option<f64>>>,
);

fn shown_rates(current: &Analysis, admin: bool, adjust: bool, level: Level) -> ShownRates {
    let codes = || current.units(level).into_iter().map(|u| u.code.to_string());
    (
        adjust.then(|| rates_by_code(current, level)),
        admin.then(|| {
            codes()
                .zip(
                    current
                        .adjusted_rates(level)
                        .into_iter()
                        .map(|r| r.map(round4)),
                )
                .collect()
        }),
    )
}

/// What ranking rows show besides the report's own figures.
struct RowFigures<'a> {
    t: &'static Text,
    /// The region's rate, marked on every interval bar.
    region: Option<f64>,
    /// The scale every interval bar of the page shares.
    scale: (f64, f64),
    /// The plain rates, when the report ranks adjusted ones.
    plain: Option<&'a HashMap<String, Option<f64>>>,
    /// The inspector-adjusted rates, for admins.
    adjusted: Option<&'a HashMap<String, Option<f64>>>,
}

impl RowFigures<'_> {
    /// The rate a row shows: the plain one, also when the report ranks
    /// adjusted rates.
    fn rate(&self, row: &RankingRow) -> Option<f64> {
        match self.plain {
            Some(plain) => plain.get(&row.code).copied().flatten(),
            None => row.rate,
        }
    }

    /// The inspector-adjusted rate a row shows, for admins.
    fn adjusted(&self, row: &RankingRow) -> Option<f64> {
        self.adjusted
            .and_then(|adjusted| adjusted.get(&row.code).copied().flatten())
    }
}

/// The page of a county or hall, on the period and checklist of `query`.
fn unit_link(level: Level, code: &str, query: &str) -> String {
    format!("{}?{query}", unit_path(level, code))
}

/// The page of a hall or a district.
fn unit_path(level: Level, code: &str) -> String {
    match level {
        Level::Branch => format!("/halls/{code}"),
        _ => format!("/districts/{code}"),
    }
}

/// A ranking table's rows, and the scale of their interval bars.
pub struct Ranking {
    pub lines: Vec<Line>,
    pub scale: String,
}

/// The table lines of `rows`, rows of `report`.
fn lines<'r>(
    report: &RankingsReport,
    rows: impl Iterator<Item = &'r RankingRow>,
    query: &str,
    figures: &RowFigures,
) -> Ranking {
    let (t, scale) = (figures.t, figures.scale);
    let total = report.top_bottom.first();
    let listed = |row: &RankingRow, top: bool| {
        total.is_some_and(|c| {
            let list = if top { &c.top } else { &c.bottom };
            list.iter().any(|u| u.code == row.code)
        })
    };
    let lines = rows
        .map(|row| {
            let rate = figures.rate(row);
            let adjusted = figures.adjusted(row);
            let interval = row.interval.zip(row.rate);
            Line {
                rank: row.rank.map_or("—".into(), |r| r.to_string()),
                rank_value: row.rank.map_or(String::new(), |r| r.to_string()),
                rank_range: row
                    .rank_range
                    .map_or(String::new(), |range| format!("({})", rank_span(range))),
                interval_bar: interval.map_or(String::new(), |([low, high], rate)| {
                    charts::interval_bar(
                        rate,
                        crate::domain::uncertainty::Interval { low, high },
                        figures.region,
                        scale,
                        &t.interval_title(
                            &percent(Some(rate)),
                            &percent(Some(low)),
                            &percent(Some(high)),
                        ),
                    )
                }),
                interval_text: row.interval.map_or(String::new(), interval_text),
                interval_value: row
                    .interval
                    .map_or(String::new(), |[low, _]| low.to_string()),
                adjusted: percent(adjusted),
                adjusted_value: adjusted.map_or(String::new(), |r| r.to_string()),
                code: row.code.clone(),
                name: row.name.clone(),
                district: row.district.clone().unwrap_or_default(),
                city: row.city.clone().unwrap_or_default(),
                visits: row.visits,
                rate: percent(rate),
                rate_value: rate.map_or(String::new(), |r| r.to_string()),
                sections: row
                    .sections
                    .values()
                    .map(|v| (percent(v), v.map_or(String::new(), |r| r.to_string())))
                    .collect(),
                previous: row.previous_rank.map_or("—".into(), |r| r.to_string()),
                change: change(row.rank_change),
                change_class: match row.rank_change {
                    Some(n) if n > 0 => "up",
                    Some(n) if n < 0 => "down",
                    _ => "",
                },
                change_value: row.rank_change.map_or(String::new(), |c| c.to_string()),
                mark: if listed(row, true) {
                    "top"
                } else if listed(row, false) {
                    "bottom"
                } else {
                    ""
                },
                branches: row.branches.map_or(String::new(), |b| b.to_string()),
                link: unit_link(report.level, &row.code, query),
            }
        })
        .collect();
    Ranking {
        lines,
        scale: scale_text(scale),
    }
}

/// The interval bars' scale as a header says it: "40%–100%".
fn scale_text(scale: (f64, f64)) -> String {
    format!("{:.0}%–{:.0}%", scale.0 * 100.0, scale.1 * 100.0)
}

/// The call-outs of one level: a row per metric.
pub struct CalloutGrid {
    pub heading: &'static str,
    pub rows: Vec<CalloutRow>,
}

/// One metric's best and weakest units, as the call-out grid shows them.
pub struct CalloutRow {
    pub title: String,
    pub top: CalloutCell,
    pub bottom: CalloutCell,
}

/// The units of a call-out, by name; or, when ties make them too many to
/// list, how many they are and the ranking in the metric's order.
pub struct CalloutCell {
    pub names: Vec<CalloutName>,
    pub many: Option<(String, String)>,
}

/// A grid cell lists at most this many names.
const CELL_NAMES: usize = 10;

pub struct CalloutName {
    pub name: String,
    pub rate: String,
    pub link: String,
}

/// The grid rows of `report`'s call-outs. With `ordered` (the link to the
/// ranking by the n-th metric, best or weakest first), a cell of more
/// than [`CELL_NAMES`] units gives their number and that link instead.
fn callout_rows(
    report: &RankingsReport,
    query: &str,
    lang: Lang,
    ordered: Option<&dyn Fn(usize, bool) -> String>,
) -> Vec<CalloutRow> {
    let cell = |units: &[CalloutUnit], metric: usize, best: bool| match ordered {
        Some(link) if units.len() > CELL_NAMES => CalloutCell {
            names: Vec::new(),
            many: Some((lang.text().halls_tied(units.len()), link(metric, best))),
        },
        _ => CalloutCell {
            names: units
                .iter()
                .map(|u| CalloutName {
                    name: u.name.clone(),
                    rate: percent(u.rate),
                    link: unit_link(report.level, &u.code, query),
                })
                .collect(),
            many: None,
        },
    };
    report
        .top_bottom
        .iter()
        .enumerate()
        .map(|(metric, c): (usize, &Callout)| CalloutRow {
            title: c.title_in(lang).to_string(),
            top: cell(&c.top, metric, true),
            bottom: cell(&c.bottom, metric, false),
        })
        .collect()
}

/// The period and checklist choices of a report page, and where they go.
pub struct Filters {
    pub action: String,
    pub periods: Vec<Choice>,
    pub checklists: Vec<Choice>,
    pub from: String,
    pub to: String,
    /// Whether the switch to adjusted rates is offered (admins' dashboard).
    pub adjust_offered: bool,
    /// Whether the ranking is by adjusted rates.
    pub adjust: bool,
    /// Parameters of the page that another period or checklist keeps (the
    /// dashboard's hall table order, county and search).
    pub keep: Vec<(&'static str, String)>,
}

impl Filters {
    fn new(
        t: &Text,
        action: String,
        last: Option<NaiveDate>,
        period: &Period,
        checklists: &[(String, u32, String)],
        checklist: &str,
    ) -> Filters {
        let mut choices: Vec<Choice> = Vec::new();
        for (id, _, title) in checklists {
            if !choices.iter().any(|c| c.value == *id) {
                choices.push(Choice {
                    value: id.clone(),
                    label: t.checklist_choice(title, id),
                    selected: id == checklist,
                });
            }
        }
        let custom = |day: NaiveDate| {
            if period.kind == PeriodKind::Custom {
                day.to_string()
            } else {
                String::new()
            }
        };
        Filters {
            action,
            periods: period_choices(last, period),
            checklists: choices,
            from: custom(period.from),
            to: custom(period.to),
            adjust_offered: false,
            adjust: false,
            keep: Vec::new(),
        }
    }

    /// The filters keeping the ranking by adjusted rates, with the switch
    /// to turn it on or off when `offered`.
    fn with_adjust(self, offered: bool, adjust: bool) -> Filters {
        Filters {
            adjust_offered: offered,
            adjust,
            ..self
        }
    }

    /// The filters keeping `keep` when they change the period or checklist.
    fn keeping(self, keep: Vec<(&'static str, String)>) -> Filters {
        Filters { keep, ..self }
    }
}

/// The periods offered: quarters, months and years that have visits, newest
/// first, and the one chosen.
pub(super) fn period_choices(last: Option<NaiveDate>, chosen: &Period) -> Vec<Choice> {
    let Some(last) = last else {
        return vec![Choice {
            value: chosen.to_string(),
            label: chosen.to_string(),
            selected: true,
        }];
    };
    let mut periods: Vec<Period> = Vec::new();
    let quarter = |d: NaiveDate| Period::parse(&format!("{}-Q{}", d.year(), d.month0() / 3 + 1));
    let month = |d: NaiveDate| Period::parse(&format!("{}-{:02}", d.year(), d.month()));
    if let Ok(mut p) = quarter(last) {
        for _ in 0..8 {
            periods.push(p);
            p = p.previous();
        }
    }
    if let Ok(mut p) = month(last) {
        for _ in 0..12 {
            periods.push(p);
            p = p.previous();
        }
    }
    if let Ok(mut p) = Period::parse(&last.year().to_string()) {
        for _ in 0..3 {
            periods.push(p);
            p = p.previous();
        }
    }
    if !periods.contains(chosen) {
        periods.insert(0, *chosen);
    }
    periods
        .into_iter()
        .map(|p| Choice {
            value: p.to_string(),
            label: p.to_string(),
            selected: p == *chosen,
        })
        .collect()
}

/// The period a request asks for: a custom range, a named period, or the
/// latest ended quarter with visits (see [`Period::opening_quarter`]).
fn chosen_period(query: &DashboardQuery, store: &Reader) -> Result<Period, Error> {
    if let (Some(from), Some(to)) = (
        query.from.as_deref().filter(|s| !s.is_empty()),
        query.to.as_deref().filter(|s| !s.is_empty()),
    ) {
        return Period::parse(&format!("{from}..{to}")).map_err(|e| Error::invalid(e.to_string()));
    }
    if let Some(text) = query.period.as_deref().filter(|s| !s.is_empty()) {
        return Period::parse(text).map_err(|e| Error::invalid(e.to_string()));
    }
    opening_period(store)
}

/// The period reports open on today (see [`Period::opening_quarter`]).
pub(super) fn opening_period(store: &Reader) -> Result<Period, Error> {
    let today = chrono::Local::now().date_naive();
    let ended = store.last_visit_day_before(Period::quarter_of(today).from)?;
    Ok(Period::opening_quarter(today, ended))
}

/// What a report page reads before its figures: the period asked for, the
/// newest visit's day (for the periods offered) and the checklists.
struct Context {
    period: Period,
    last: Option<NaiveDate>,
    checklists: Vec<(String, u32, String)>,
}

fn context(store: &Reader, query: &DashboardQuery) -> Result<Context, Error> {
    Ok(Context {
        period: chosen_period(query, store)?,
        last: store.last_visit_day()?,
        checklists: store.checklist_versions()?,
    })
}

/// The period a download asks for (see [`chosen_period`]).
async fn requested_period(
    state: &AppState,
    query: DashboardQuery,
    lang: Lang,
) -> Result<Period, PageError> {
    state
        .db
        .read(move |store| chosen_period(&query, store))
        .await
        .page(lang)
}

/// The `n` weakest rated items of a short-board report, as chart bars.
fn weakest_bars(boards: &report::ShortboardsReport, n: usize) -> Vec<Bar> {
    boards
        .items
        .iter()
        .filter(|b| b.rate.is_some())
        .take(n)
        .map(|b| Bar {
            label: format!("{} {}", b.code, b.title),
            rate: b.rate.unwrap_or(0.0),
            short: b.short,
        })
        .collect()
}

/// The scope a manager's short boards and headline speak for.
fn own_scope(user: &User) -> String {
    match user.visibility() {
        Visibility::City(name) => format!("city:{name}"),
        Visibility::District(name) => format!("district:{name}"),
        _ => "all".into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    filters: Filters,
    /// The period's dates, the previous period's and the checklist.
    period_line: String,
    /// How many of the period's visits wait for review, if any do.
    pending: Option<String>,
    scope: String,
    scope_rate: String,
    scope_visits: u32,
    section_titles: Vec<String>,
    districts: Ranking,
    /// Which counties the county table lists, and the link to the others.
    district_switch: Option<DistrictSwitch>,
    /// Whether the county table has a city column (its counties are of
    /// several cities).
    district_cities: bool,
    /// The lines of the hall table's page, and the table around them.
    halls: Ranking,
    hall_table: HallTable,
    /// Whether rows have an adjusted rate column (admins).
    show_adjusted: bool,
    callout_grids: Vec<CalloutGrid>,
    district_sentences: Vec<String>,
    hall_sentences: Vec<String>,
    funnel: Funnel,
    weakest_chart: String,
    pareto_chart: String,
    /// The waits' heading and the header of their unit column.
    waits_heading: (&'static str, &'static str),
    waits: Vec<report::WaitJson>,
    /// The unit every wait is measured in, for the table's headers; none
    /// when items differ, and each row says its own.
    wait_unit: Option<String>,
    calibration: Vec<report::CalibrationJson>,
    query: String,
    /// The period's rectification figures, or why there are none.
    rectify: super::rectify::Summary,
}

/// What the county table lists, and a link to list the others.
struct DistrictSwitch {
    note: String,
    label: String,
    href: String,
}

/// The dashboard's funnel plot, the halls outside its 99.8% limits, or why
/// there is none.
struct Funnel {
    chart: String,
    above: Vec<CalloutName>,
    below: Vec<CalloutName>,
    /// In place of the plot when the spread is unknown.
    missing: Option<String>,
}

/// The funnel of the halls in `halls` (those the reader sees), against
/// limits around the whole region's rate.
fn funnel(analysis: &Analysis, halls: &RankingsReport, query: &str, t: &Text) -> Funnel {
    let u = analysis.uncertainty();
    let target = analysis.region.rate();
    let (Some(_), Some(target)) = (u.spread.sigma, target) else {
        return Funnel {
            chart: String::new(),
            above: Vec::new(),
            below: Vec::new(),
            missing: Some(t.no_spread(u.spread.df)),
        };
    };
    let index: HashMap<&str, usize> = analysis
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.code.as_str(), i))
        .collect();
    let mut points = Vec::new();
    let (mut above, mut below) = (Vec::new(), Vec::new());
    for row in &halls.rows {
        let (Some(rate), Some(&i)) = (row.rate, index.get(row.code.as_str())) else {
            continue;
        };
        let signal = row.hall.as_ref().and_then(|h| h.signal);
        let visits = u.rated[i];
        let shown = percent(Some(rate));
        points.push(FunnelPoint {
            title: t.funnel_point(&row.name, visits, &shown),
            visits,
            rate,
            signal,
        });
        if let Some(signal) = signal {
            let name = CalloutName {
                name: row.name.clone(),
                rate: shown,
                link: unit_link(Level::Branch, &row.code, query),
            };
            match signal {
                Signal::Above => above.push(name),
                Signal::Below => below.push(name),
            }
        }
    }
    // The axis runs over every hall's visit count, one more on each side.
    let counts = u.rated.iter().copied().filter(|&n| n > 0);
    let fewest = counts.clone().min().unwrap_or(1);
    let most = counts.max().unwrap_or(1);
    let limits: Vec<_> = (fewest.saturating_sub(1).max(1)..=most + 1)
        .filter_map(|n| u.spread.limits(target, n).map(|l| (n, l)))
        .collect();
    let average = t.funnel_average(&percent(Some(target)));
    Funnel {
        chart: charts::funnel(
            &points,
            &limits,
            &FunnelWords {
                title: t.funnel_heading,
                visits_axis: t.funnel_visits_axis,
                average: &average,
                inner: t.funnel_inner,
                outer: t.funnel_outer,
            },
        ),
        above,
        below,
        missing: None,
    }
}

/// What the report pages show of a period: every hall with a visit, the
/// top and bottom three.
fn page_options(period: Period, checklist: Option<String>) -> Options {
    Options {
        period,
        checklist,
        min_visits: 1,
        top: 3,
    }
}

async fn analyses_for(
    state: &AppState,
    period: Period,
    checklist: Option<String>,
) -> Result<(std::sync::Arc<Analysis>, std::sync::Arc<Analysis>), Error> {
    super::api::analyses(state, page_options(period, checklist)).await
}

/// Whether a report page ranks by adjusted rates: asked for and an admin.
/// A manager's request for it is ignored, as the figures rest on inspector
/// data they do not see; an unknown value is a mistake in the address.
fn adjust_for(query: &DashboardQuery, user: &User) -> Result<bool, Error> {
    Ok(super::api::parse_adjust(query.adjust.as_deref())? && user.sees_inspectors())
}

pub async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let adjust = adjust_for(&query, &authed.user).page(lang)?;
    let all_districts = all_districts(&query, lang.text()).page(lang)?;
    let cache = state.analyses.clone();
    // A national page is tens of milliseconds of work: made on a blocking
    // thread with its figures, not on the async threads, which serve every
    // other connection meanwhile.
    state
        .db
        .report(move |store| {
            let context = context(store, &query)?;
            let options = page_options(context.period, query.checklist.clone());
            let (current, previous) = super::api::analyse(&cache, store, &options)?;
            let rectify = super::rectify::summary(
                store,
                &authed.user,
                &current.checklist_id,
                current.period,
                lang,
            )?;
            let sections = current.catalogue.sections.len();
            let asked = Asked {
                halls: hall_view(&query, sections, authed.user.sees_inspectors(), lang.text())?,
                adjust,
                all_districts,
            };
            let page = dashboard_page(
                authed,
                lang,
                &context,
                &asked,
                (&current, &previous),
                rectify,
            )?;
            Ok(page.into_response())
        })
        .await
        .page(lang)
}

/// What a reader asked the dashboard for, besides period and checklist.
struct Asked {
    halls: HallView,
    /// Ranked by inspector-adjusted rates.
    adjust: bool,
    /// Every county in the county table, not only the manager's city's.
    all_districts: bool,
}

impl Asked {
    /// `params` and the choice of every county, when it was made.
    fn keeping(&self, mut params: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        if self.all_districts {
            params.push(("districts", "all".into()));
        }
        params
    }
}

/// Whether `districts=all` asks for every county; any other value is a
/// mistake in the address.
fn all_districts(query: &DashboardQuery, t: &Text) -> Result<bool, Error> {
    match query.districts.as_deref().map(str::trim) {
        None | Some("") => Ok(false),
        Some("all") => Ok(true),
        Some(other) => Err(Error::invalid(t.bad_districts(other))),
    }
}

/// The county table's rows and the waits beside them. A manager compares
/// the counties of their own city, and may ask for all; the waits are by
/// county while the rows are one city's, else by city (every county's
/// waits are in the workbook).
struct Compared<'r> {
    rows: Vec<&'r RankingRow>,
    /// The manager's own city, if they have one: the rows are only its
    /// counties unless they asked for all.
    city: Option<&'r str>,
    /// How many counties the reader may compare in all.
    all: usize,
    /// Whether the rows are of several cities, so each says its own.
    several_cities: bool,
    /// The waits' heading and the header of their unit column.
    waits_heading: (&'static str, &'static str),
    waits: Vec<report::WaitJson>,
}

fn compared<'r>(
    districts: &'r RankingsReport,
    current: &Analysis,
    visibility: &Visibility,
    all_asked: bool,
    t: &Text,
) -> Compared<'r> {
    let city_of = |district: &str| {
        districts
            .rows
            .iter()
            .find(|r| r.code == district)
            .and_then(|r| r.city.as_deref())
    };
    let home = match visibility {
        Visibility::City(city) => districts
            .rows
            .iter()
            .find_map(|r| r.city.as_deref().filter(|c| c == city)),
        Visibility::District(district) => city_of(district),
        _ => None,
    };
    let city = home.filter(|_| !all_asked);
    let rows: Vec<&RankingRow> = districts
        .rows
        .iter()
        .filter(|r| city.is_none_or(|c| r.city.as_deref() == Some(c)))
        .collect();
    let mut cities: Vec<&str> = rows.iter().filter_map(|r| r.city.as_deref()).collect();
    cities.sort_unstable();
    cities.dedup();
    let several_cities = cities.len() > 1;
    let (waits_heading, waits) = if several_cities {
        (
            (t.waits_by_city, t.city_column),
            current.waits_json(Level::City, &[]),
        )
    } else {
        let shown: std::collections::HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        let waits = districts
            .waits
            .iter()
            .filter(|w| shown.contains(w.code.as_str()))
            .cloned()
            .collect();
        ((t.waits_heading, t.district), waits)
    };
    Compared {
        rows,
        city: home,
        all: districts.rows.len(),
        several_cities,
        waits_heading,
        waits,
    }
}

/// The line above the county table that says which counties it lists,
/// with the link to the others; only where a manager's city is not the
/// whole roster.
fn district_switch(
    compared: &Compared,
    asked: &Asked,
    plain: &[(&'static str, String)],
    t: &Text,
) -> Option<DistrictSwitch> {
    let narrowed = asked.all_districts || compared.rows.len() < compared.all;
    let city = compared.city.filter(|_| narrowed)?;
    let mut params = asked.halls.kept();
    let (note, label) = if asked.all_districts {
        (
            t.all_districts_listed(compared.all),
            t.only_city_districts(city),
        )
    } else {
        params.push(("districts", "all".into()));
        (
            t.city_districts(city, compared.rows.len(), compared.all),
            t.show_every_district.to_string(),
        )
    };
    Some(DistrictSwitch {
        note,
        label,
        href: hall_table::dashboard_at(plain, &params, "district-ranking"),
    })
}

/// The dashboard's period and checklist form: the adjusted ranking offered
/// to admins, and the table choices in `kept` carried along.
fn dashboard_filters(
    t: &'static Text,
    context: &Context,
    current: &Analysis,
    (offered, adjust): (bool, bool),
    kept: Vec<(&'static str, String)>,
) -> Filters {
    Filters::new(
        t,
        "/dashboard".into(),
        context.last,
        &current.period,
        &context.checklists,
        &current.checklist_id,
    )
    .with_adjust(offered, adjust)
    .keeping(kept)
}

/// The halls' and the counties' rankings of `current` beside `previous`
/// as the dashboard shows them to a reader: only the rows the reader may
/// see (national rows are many), the counties' waits (the page lists no
/// hall's), and the inspectors' calibration once, for admins.
fn page_rankings(
    (current, previous): (&Analysis, &Analysis),
    visibility: &Visibility,
    admin: bool,
) -> (RankingsReport, RankingsReport) {
    let halls = Extras {
        waits: false,
        calibration: admin,
    };
    let districts = Extras {
        waits: true,
        calibration: false,
    };
    (
        current.rankings_for(previous, Level::Branch, 3, visibility, halls),
        current.rankings_for(previous, Level::District, 3, visibility, districts),
    )
}

/// The dashboard of `current`'s period (beside `previous`) for a
/// signed-in reader, as `asked`, with the period's rectification figures.
fn dashboard_page(
    authed: Authed,
    lang: Lang,
    context: &Context,
    asked: &Asked,
    (current, previous): (&Analysis, &Analysis),
    rectify: super::rectify::Summary,
) -> Result<DashboardPage, Error> {
    let (view, adjust) = (&asked.halls, asked.adjust);
    let period = current.period;
    let admin = authed.user.sees_inspectors();
    let visibility = authed.user.visibility();
    // Admins see the adjusted rates beside the plain ones, and may rank by
    // them: then every ranked figure is of the adjusted copies.
    let adjusted = adjust.then(|| {
        (
            current.adjusted_for_inspectors(),
            previous.adjusted_for_inspectors(),
        )
    });
    let (ranked, ranked_previous) = match &adjusted {
        Some((a, p)) => (&**a, &**p),
        None => (current, previous),
    };
    let t = lang.text();
    let section_titles = section_titles(current);
    let (halls, districts) = page_rankings((ranked, ranked_previous), &visibility, admin);
    let query = page_query(&period, &current.checklist_id, adjust);
    let plain = page_params(&period, &current.checklist_id, adjust);
    let (base, kept) = (asked.keeping(plain.clone()), asked.keeping(view.kept()));
    let compared = compared(&districts, current, &visibility, asked.all_districts, t);
    // Shown only to those who see every hall, for whom nothing was left out.
    let everything = visibility == Visibility::Everything;
    let scope = own_scope(&authed.user);
    let boards = current
        .shortboards(&scope)
        .or_else(|_| current.shortboards("all"))
        .map_err(Error::invalid)?;
    let rates = |level| shown_rates(current, admin, adjust, level);
    let (hall_rates, district_rates) = (rates(Level::Branch), rates(Level::District));
    let scale = bar_scale(&[&halls, &districts]);
    let row_figures = |plain, adjusted| RowFigures {
        t,
        region: ranked.region.rate(),
        scale,
        plain,
        adjusted,
    };
    let hall_figures = row_figures(hall_rates.0.as_ref(), hall_rates.1.as_ref());
    let (page_rows, hall_table) = hall_table::hall_table(
        &halls.rows,
        view,
        &hall_figures,
        &TableFrame {
            base: &base,
            sections: &section_titles,
            adjusted_shown: admin,
        },
    );
    Ok(DashboardPage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        filters: dashboard_filters(t, context, current, (admin, adjust), kept),
        period_line: period_line(current, previous, t),
        pending: (current.pending > 0).then(|| t.pending_visits(current.pending)),
        scope: scope_label(&scope, t),
        scope_rate: percent(boards.rate),
        scope_visits: boards.visits,
        section_titles,
        district_sentences: sentences(&districts, true, lang),
        hall_sentences: if everything {
            sentences(&halls, false, lang)
        } else {
            Vec::new()
        },
        callout_grids: callout_grids(
            &districts,
            everything.then_some(&halls),
            &query,
            &base,
            lang,
        ),
        districts: lines(
            &districts,
            compared.rows.iter().copied(),
            &query,
            &row_figures(district_rates.0.as_ref(), district_rates.1.as_ref()),
        ),
        halls: lines(&halls, page_rows.into_iter(), &query, &hall_figures),
        hall_table,
        show_adjusted: admin,
        funnel: funnel(ranked, &halls, &query, t),
        weakest_chart: charts::rate_bars(
            &weakest_bars(&boards, 10),
            boards.pass_mark,
            t.weakest_items,
        ),
        pareto_chart: pareto_chart(&boards, t),
        district_switch: district_switch(&compared, asked, &plain, t),
        district_cities: compared.several_cities,
        wait_unit: shared_unit(&compared.waits),
        waits_heading: compared.waits_heading,
        waits: compared.waits,
        calibration: halls.calibration.clone(),
        query,
        rectify,
        user: Some(authed.user),
    })
}

/// The hall table's view that `query` asks for.
fn hall_view(
    query: &DashboardQuery,
    sections: usize,
    admin: bool,
    t: &Text,
) -> Result<HallView, Error> {
    HallView::parse(
        &HallQuery {
            page: query.page.as_deref(),
            sort: query.sort.as_deref(),
            order: query.order.as_deref(),
            district: query.district.as_deref(),
            search: query.q.as_deref(),
        },
        sections,
        admin,
        t,
    )
}

/// The period shown, the one it is compared with, and the checklist.
fn period_line(current: &Analysis, previous: &Analysis, t: &Text) -> String {
    t.period_line(
        &t.date_range(current.period.from, current.period.to),
        &t.date_range(previous.period.from, previous.period.to),
        &current
            .versions
            .first()
            .map(|c| t.checklist_version(&c.title, &c.id, c.version))
            .unwrap_or_default(),
    )
}

/// A short-boards scope (`all`, `city:…`, `district:…`) in words.
fn scope_label(scope: &str, t: &Text) -> String {
    match scope.split_once(':') {
        Some(("city", name)) => t.city_scope(name),
        Some(("district", name)) => t.district_scope(name),
        _ => t.region.to_string(),
    }
}

/// The best and worst of a ranking, and what the whole says, in sentences.
fn sentences(report: &RankingsReport, districts: bool, lang: Lang) -> Vec<String> {
    report
        .top_bottom
        .iter()
        .filter_map(|c| call_out_sentence(c, 3, districts, lang))
        .chain(summary_sentences(report, 3, lang))
        .collect()
}

/// The districts' call-out grid, and the halls' when they are shown: a
/// hall cell tied past listing links to the hall table in `base`'s
/// period and the metric's order.
fn callout_grids(
    districts: &RankingsReport,
    halls: Option<&RankingsReport>,
    query: &str,
    base: &[(&'static str, String)],
    lang: Lang,
) -> Vec<CalloutGrid> {
    let t = lang.text();
    let mut grids = vec![CalloutGrid {
        heading: t.district_ranking,
        rows: callout_rows(districts, query, lang, None),
    }];
    if let Some(halls) = halls {
        let ordered = |metric, best| hall_table::metric_href(base, metric, best);
        grids.push(CalloutGrid {
            heading: t.hall_ranking,
            rows: callout_rows(halls, query, lang, Some(&ordered)),
        });
    }
    grids
}

/// The items by points lost, most first, as a Pareto chart.
fn pareto_chart(boards: &report::ShortboardsReport, t: &Text) -> String {
    let mut by_lost: Vec<(String, f64)> = boards
        .items
        .iter()
        .map(|b| (b.code.clone(), b.lost))
        .collect();
    by_lost.sort_by(|a, b| b.1.total_cmp(&a.1));
    charts::pareto(&by_lost, t.pareto, t.lost_points, t.cumulative)
}

fn shared_unit(waits: &[report::WaitJson]) -> Option<String> {
    let first = waits.first()?;
    waits
        .iter()
        .all(|w| w.unit == first.unit)
        .then(|| first.unit.clone())
}

/// A hall's or a county's rates and intervals over the last periods of the
/// same kind.
async fn trend(
    state: &AppState,
    period: Period,
    checklist: &str,
    code: &str,
    level: Level,
) -> Result<Vec<TrendPoint>, Error> {
    let mut periods = vec![period];
    for _ in 0..5 {
        let p = periods.last().copied().unwrap_or(period).previous();
        periods.push(p);
    }
    periods.reverse();
    let checklist = checklist.to_string();
    let code = code.to_string();
    state
        .db
        .read(move |store| {
            periods
                .into_iter()
                .map(|p| {
                    let analysis = Analysis::compute(store, &checklist, p, 1)?;
                    let units = analysis.units(level);
                    let found = units.iter().position(|u| u.code == code);
                    Ok(TrendPoint {
                        label: p.to_string(),
                        rate: found.and_then(|i| units[i].standing.rate()),
                        interval: found.and_then(|i| analysis.intervals(level)[i]),
                    })
                })
                .collect()
        })
        .await
}

/// A section's rate here, in the county and in the region.
pub struct Comparison {
    pub title: String,
    pub here: String,
    pub county: String,
    pub region: String,
}

pub struct VisitLink {
    pub link: String,
    pub visited_at: String,
    pub inspector: String,
    pub rate: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "unit.html")]
struct UnitPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    filters: Filters,
    title: String,
    /// The hall's county, linked to its page, or the county's hall count.
    subtitle: String,
    subtitle_link: Option<String>,
    period_label: String,
    rate: String,
    /// The 95% interval of the rate, "69.4%–97.0%", or nothing.
    interval: String,
    rank: String,
    /// Whether the rank is among adjusted rates.
    rank_adjusted: bool,
    /// The possible ranks, "(3–15)", or nothing.
    rank_range: String,
    /// Where a hall stands against the funnel's limits.
    signal: Option<String>,
    signal_class: &'static str,
    /// Why there are no intervals, when the spread is unknown.
    no_spread: Option<String>,
    /// The inspector-adjusted rate, for admins.
    adjusted: Option<String>,
    trend_chart: String,
    comparisons: Vec<Comparison>,
    weakest_chart: String,
    halls: Option<Ranking>,
    section_titles: Vec<String>,
    visits: Vec<VisitLink>,
    /// A hall's tickets still open.
    tickets: Vec<super::rectify::TicketLine>,
    back: String,
}

pub async fn hall_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Path(code): Path<String>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    unit_page(state, lang, authed, Level::Branch, code, query).await
}

pub async fn district_page(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Path(name): Path<String>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    unit_page(state, lang, authed, Level::District, name, query).await
}

/// The section titles of `current`'s checklist, in order.
fn section_titles(current: &Analysis) -> Vec<String> {
    current
        .catalogue
        .sections
        .iter()
        .map(|s| s.title.clone())
        .collect()
}

/// [`context`] from the async threads.
async fn read_context(state: &AppState, query: &DashboardQuery) -> Result<Context, Error> {
    let query = query.clone();
    state.db.read(move |store| context(store, &query)).await
}

/// The index of hall or district `code` among `current`'s, and its
/// district, if the reader may see it: hall rows outside a manager's scope
/// do not exist for them.
fn find_unit(
    current: &Analysis,
    level: Level,
    code: &str,
    visibility: &Visibility,
) -> Option<(usize, String)> {
    let units = current.units(level);
    let index = units.iter().position(|u| u.code == code)?;
    let unit = &units[index];
    let district = match level {
        Level::Branch => unit.district.unwrap_or_default().to_string(),
        _ => unit.name.to_string(),
    };
    let hidden = level == Level::Branch && !visibility.sees_branch(&district, unit.city);
    (!hidden).then_some((index, district))
}

/// Where a hall or district stands among its peers, in words.
struct Placing {
    /// On the inspector-adjusted rates when the page was reached from
    /// that ranking.
    rank: String,
    rank_range: String,
    interval: String,
    /// Above or below the funnel's limits (halls only).
    signal: Option<Option<Signal>>,
    /// The adjusted rate, for those who see figures about inspectors.
    adjusted: Option<String>,
}

fn placing(current: &Analysis, level: Level, index: usize, admin: bool, adjust: bool) -> Placing {
    let adjusted_copy = adjust.then(|| current.adjusted_for_inspectors());
    let ranked: &Analysis = adjusted_copy.as_deref().unwrap_or(current);
    let unit = &current.units(level)[index];
    Placing {
        rank: ranked.ranks(level, 0)[index].map_or("—".into(), |r| r.to_string()),
        rank_range: ranked.rank_ranges(level)[index].map_or(String::new(), |(best, worst)| {
            format!("({})", rank_span([best, worst]))
        }),
        interval: current.intervals(level)[index]
            .map_or(String::new(), |i| interval_text([i.low, i.high])),
        signal: match level {
            Level::Branch => unit
                .standing
                .rate()
                .zip(current.funnel()[index])
                .map(|(rate, limits)| limits.signal(rate)),
            _ => None,
        },
        adjusted: admin.then(|| percent(current.adjusted_rates(level)[index])),
    }
}

async fn unit_page(
    state: AppState,
    lang: Lang,
    authed: Authed,
    level: Level,
    code: String,
    query: DashboardQuery,
) -> Result<Response, PageError> {
    let visibility = authed.user.visibility();
    let admin = authed.user.sees_inspectors();
    let adjust = adjust_for(&query, &authed.user).page(lang)?;
    let context = read_context(&state, &query).await.page(lang)?;
    let period = context.period;
    let (current, previous) = analyses_for(&state, period, query.checklist.clone())
        .await
        .page(lang)?;
    let link_query = page_query(&period, &current.checklist_id, adjust);
    let Some((index, district)) = find_unit(&current, level, &code, &visibility) else {
        return Err(Error::not_found(lang)).page(lang);
    };
    let units = current.units(level);
    let unit = &units[index];
    let placing = placing(&current, level, index, admin, adjust);
    let comparisons = comparisons(&current, unit, &district);
    let boards = current
        .shortboards(&match level {
            Level::Branch => format!("branch:{code}"),
            _ => format!("district:{code}"),
        })
        .map_err(Error::invalid)
        .page(lang)?;
    let trend_points = trend(&state, period, &current.checklist_id, &code, level)
        .await
        .page(lang)?;
    let halls = (level == Level::District && visibility.sees_branch(&district, unit.city))
        .then(|| district_halls(&current, &previous, &district, &link_query, lang.text()));
    let visits = if level == Level::Branch {
        hall_visits(&state, &code, &current, &link_query, visibility.clone())
            .await
            .page(lang)?
    } else {
        Vec::new()
    };
    let t = lang.text();
    let page = UnitPage {
        t,
        lang: lang.code(),
        assets: AssetUrls::new(),
        csrf: authed.csrf.clone().unwrap_or_default(),
        filters: Filters::new(
            t,
            unit_path(level, &code),
            context.last,
            &period,
            &context.checklists,
            &current.checklist_id,
        )
        .with_adjust(false, adjust),
        title: match level {
            Level::Branch => format!("{} {}", unit.code, unit.name),
            _ => t.district_scope(unit.name),
        },
        subtitle: match level {
            Level::Branch => district.clone(),
            _ => t.halls_count(unit.standing.branches as usize),
        },
        subtitle_link: (level == Level::Branch)
            .then(|| unit_link(Level::District, &district, &link_query)),
        period_label: period.to_string(),
        rate: percent(unit.standing.rate()),
        interval: placing.interval,
        rank: placing.rank,
        rank_adjusted: adjust,
        rank_range: placing.rank_range,
        signal: placing
            .signal
            .map(|s| t.hall_signal(s, &percent(current.region.rate()))),
        signal_class: match placing.signal {
            Some(Some(Signal::Above)) => "up",
            Some(Some(Signal::Below)) => "down",
            _ => "",
        },
        no_spread: current
            .uncertainty()
            .spread
            .sigma
            .is_none()
            .then(|| t.no_spread(current.uncertainty().spread.df)),
        adjusted: placing.adjusted,
        trend_chart: charts::trend(&trend_points, t.trend),
        comparisons,
        weakest_chart: charts::rate_bars(
            &weakest_bars(&boards, 8),
            boards.pass_mark,
            t.weakest_here,
        ),
        section_titles: section_titles(&current),
        halls,
        visits,
        tickets: super::rectify::hall_tickets(&state, level, &code, &visibility, lang)
            .await
            .page(lang)?,
        back: format!("/dashboard?{link_query}"),
        user: Some(authed.user),
    };
    Ok(page.into_response())
}

/// Each section's rate here, in the unit's district and in the region.
fn comparisons(current: &Analysis, unit: &Unit<'_>, district: &str) -> Vec<Comparison> {
    let county = current
        .districts
        .iter()
        .find(|g| g.name == district)
        .map(|g| &g.standing);
    current
        .catalogue
        .sections
        .iter()
        .enumerate()
        .map(|(s, m)| {
            let metric = current.catalogue.section_metric(s);
            Comparison {
                title: m.title.clone(),
                here: percent(unit.standing.rates[metric]),
                county: percent(county.and_then(|c| c.rates[metric])),
                region: percent(current.region.rates[metric]),
            }
        })
        .collect()
}

/// The ranking of the halls of `district`, as its page lists them.
fn district_halls(
    current: &Analysis,
    previous: &Analysis,
    district: &str,
    link_query: &str,
    t: &'static Text,
) -> Ranking {
    let mut report = current.rankings(previous, Level::Branch, 3);
    report
        .rows
        .retain(|r| r.district.as_deref() == Some(district));
    lines(
        &report,
        report.rows.iter(),
        link_query,
        &RowFigures {
            t,
            region: current.region.rate(),
            scale: bar_scale(&[&report]),
            plain: None,
            adjusted: None,
        },
    )
}

/// The visits of hall `code` in `current`'s period that the reader may
/// see, each with its rate and a link to its page.
async fn hall_visits(
    state: &AppState,
    code: &str,
    current: &Analysis,
    link_query: &str,
    visibility: Visibility,
) -> Result<Vec<VisitLink>, Error> {
    let (code, from, to) = (code.to_string(), current.period.from, current.period.to);
    let link_query = link_query.to_string();
    let checklists = current.versions.clone();
    state
        .db
        .read(move |store| {
            let mut out = Vec::new();
            for (link, record) in store.branch_visits(&code, from, to, &visibility)? {
                let rate = checklists
                    .iter()
                    .find(|c| c.version == record.checklist_version && c.id == record.checklist_id)
                    .and_then(|c| crate::domain::scoring::score_visit(c, &record.answers).rate());
                out.push(VisitLink {
                    link: format!("/visits/{link}?{link_query}"),
                    visited_at: record.visited_at.format("%Y-%m-%d %H:%M").to_string(),
                    inspector: record.inspector.clone().unwrap_or_default(),
                    rate: percent(rate),
                });
            }
            Ok(out)
        })
        .await
}

/// A spreadsheet download whose name says checklist and period.
pub(super) fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A file name made only of safe characters.
fn file_name(parts: &[&str]) -> String {
    parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `GET /exports/rankings.xlsx`: the ranking workbook of a period, with the
/// hall rows the user may see.
pub async fn rankings_download(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let adjust = adjust_for(&query, &authed.user).page(lang)?;
    let period = requested_period(&state, query.clone(), lang).await?;
    let (current, previous) = analyses_for(&state, period, query.checklist.clone())
        .await
        .page(lang)?;
    let checklist = current.checklist_id.clone();
    let reader = authed.user.visibility();
    let (versions, tickets) = state
        .db
        .read(move |store| {
            Ok((
                store.publications(&checklist, period)?,
                crate::app::rectify::visible(
                    store,
                    &reader,
                    (&checklist, period),
                    crate::storage::Evidence::Read,
                )?,
            ))
        })
        .await
        .page(lang)?;
    let provenance = crate::formats::workbook::Provenance::now(
        authed.user.name.clone(),
        authed.user.visibility(),
        authed.user.sees_inspectors(),
        3,
        &versions,
    )
    .with_tickets(tickets);
    let name = file_name(&[&current.checklist_id, &period.to_string()]) + ".xlsx";
    // The workbook ranks as the page it was downloaded from.
    let bytes = tokio::task::spawn_blocking(move || {
        if adjust {
            crate::formats::workbook::rankings_workbook(
                &current.adjusted_for_inspectors(),
                &previous.adjusted_for_inspectors(),
                &provenance,
            )
        } else {
            crate::formats::workbook::rankings_workbook(&current, &previous, &provenance)
        }
    })
    .await
    .map_err(Error::internal)
    .page(lang)?
    .map_err(Error::internal)
    .page(lang)?;
    Ok(xlsx(bytes, &name))
}

/// `GET /exports/visits.xlsx`: the visits sheet of a period, re-importable,
/// with the halls the user may see.
pub async fn visits_download(
    State(state): State<AppState>,
    lang: Lang,
    Viewer(authed, _): Viewer<ReportReaders>,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let period = requested_period(&state, query.clone(), lang).await?;
    let reader = authed.user.visibility();
    let checklist = query.checklist.clone();
    let (bytes, id) = state
        .db
        .read(move |store| {
            let id = match checklist {
                Some(id) => id,
                None => store.busiest_checklist(period.from, period.to)?,
            };
            let (bytes, _) = crate::formats::write::visits_sheet(
                store,
                &id,
                period,
                crate::formats::write::FileKind::Xlsx,
                &reader,
            )
            .map_err(Error::internal)?;
            Ok((bytes, id))
        })
        .await
        .page(lang)?;
    Ok(xlsx(
        bytes,
        &(file_name(&[&id, &period.to_string(), "visits"]) + ".xlsx"),
    ))
}
