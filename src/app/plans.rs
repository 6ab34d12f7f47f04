//! Visit plans end to end: a period's plan made from the roster and the
//! inspector accounts, shown with the visits that carried it out, written
//! as a sheet an agency can work from, each hall's coverage, and re-visits
//! (复查) added to a plan one hall at a time.
//!
//! Each hall is planned in the hours the roster gives it; where the roster
//! is silent, open 09:00-19:00, busy 11:00-13:00 and 17:00-19:00 on
//! weekdays, and all day at weekends.

use std::collections::HashMap;

use serde::Serialize;

use crate::app::report::PeriodJson;
use crate::domain::period::Period;
use chrono::NaiveDate;

use crate::domain::plan::{self, Hours, PlanError, Planned, Rules, Window};
use crate::domain::roster::Branch;
use crate::formats::write::{FileKind, Out, TableWriter, WriteError};
use crate::storage::{self, PlanEntry, Reader, Store};

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("无法安排暗访计划:{0};未写入任何数据")]
    Plan(#[from] PlanError),
    #[error(
        "不是暗访员账号:{};请先用 hallscore user add 用户名 --role inspector --display-name 姓名 添加,未写入任何数据",
        .0.join("、")
    )]
    UnknownInspectors(Vec<String>),
    #[error(
        "还没有暗访员账号:请先用 hallscore user add 用户名 --role inspector --display-name 姓名 添加,未写入任何数据"
    )]
    NoInspectorAccounts,
    #[error("期间 {0} 还没有暗访计划:请先运行 hallscore plan make --period {0}")]
    NoPlan(String),
    #[error(transparent)]
    Period(#[from] crate::domain::Error),
    #[error("复查日期「{0}」应写成 2026-07-15 这样的日期,未写入任何数据")]
    BadDate(String),
    #[error("复查时段「{0}」应写成 09:00-11:00 这样的时段(开始早于结束),未写入任何数据")]
    BadWindow(String),
    #[error("名单中没有网点编码「{0}」,未写入任何数据")]
    UnknownBranch(String),
    #[error("复查日期 {date} 不在期间 {period} 内,未写入任何数据")]
    DateOutsidePeriod { date: NaiveDate, period: String },
    #[error("复查时段 {window} 不在营业厅 {branch} 的营业时间 {open} 内,未写入任何数据")]
    OutsideHours {
        window: Window,
        branch: String,
        open: Window,
    },
    #[error(transparent)]
    Storage(#[from] storage::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What `plan make` is asked for.
#[derive(Debug, Clone)]
pub struct MakeOptions {
    pub period: Period,
    pub visits_per_hall: u32,
    /// Inspectors by display (or account) name; empty means every one.
    pub inspectors: Vec<String>,
    pub lockout_days: u32,
    pub max_per_day: u32,
    pub peak_share: f64,
    pub seed: u64,
    pub replace: bool,
}

/// What a stored plan holds.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeSummary {
    pub assignments: usize,
    pub halls: usize,
    /// Each inspector's number of assignments.
    pub loads: Vec<(String, usize)>,
    pub peak: usize,
}

/// Plans the period and stores the plan; nothing is stored when the
/// rules cannot be kept or an inspector is unknown.
pub fn make(store: &mut Store, options: &MakeOptions, actor: &str) -> Result<MakeSummary, Failure> {
    let inspectors = inspectors(store, &options.inspectors)?;
    let branches = store.branches()?;
    let hours: Vec<Hours> = branches.iter().map(|b| b.hours()).collect();
    let halls: Vec<(&str, &Hours)> = branches
        .iter()
        .zip(&hours)
        .map(|(b, h)| (b.code.as_str(), h))
        .collect();
    let rules = Rules {
        from: options.period.from,
        to: options.period.to,
        visits_per_hall: options.visits_per_hall,
        lockout_days: options.lockout_days,
        max_per_day: options.max_per_day,
        peak_share: options.peak_share,
        seed: options.seed,
    };
    let assignments = plan::make_plan(&halls, inspectors.len(), &rules)?;
    let planned: Vec<Planned> = assignments
        .iter()
        .map(|a| Planned {
            id: 0,
            branch_code: branches[a.hall].code.clone(),
            inspector: inspectors[a.inspector].clone(),
            date: a.date,
            window: a.window,
            peak: a.peak,
            visit: None,
        })
        .collect();
    let days = (options.period.from, options.period.to);
    store.save_plan(days, &planned, options.replace, actor)?;
    let loads = inspectors
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let load = assignments.iter().filter(|a| a.inspector == i).count();
            (name.clone(), load)
        })
        .collect();
    Ok(MakeSummary {
        assignments: planned.len(),
        halls: branches.len(),
        loads,
        peak: planned.iter().filter(|p| p.peak).count(),
    })
}

/// The hours a hall is planned in: the roster's, or the usual ones.
pub fn hours_of(store: &Reader, branch_code: &str) -> Result<Hours, Failure> {
    store
        .branch_hours(branch_code)?
        .ok_or_else(|| Failure::UnknownBranch(branch_code.to_string()))
}

/// A re-visit (复查) of one hall, to add to a period's plan.
#[derive(Debug, Clone)]
pub struct Revisit {
    pub period: Period,
    pub branch_code: String,
    /// By display or account name.
    pub inspector: String,
    pub date: NaiveDate,
    /// The hall's opening hours when not given.
    pub window: Option<Window>,
}

impl Revisit {
    /// A re-visit as a form or the command line gives it, in words.
    pub fn read(
        period: &str,
        branch_code: &str,
        inspector: &str,
        date: &str,
        window: Option<&str>,
    ) -> Result<Revisit, Failure> {
        let date = date.trim();
        Ok(Revisit {
            period: Period::parse(period)?,
            branch_code: branch_code.trim().to_string(),
            inspector: inspector.trim().to_string(),
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| Failure::BadDate(date.to_string()))?,
            window: match window.map(str::trim).filter(|w| !w.is_empty()) {
                Some(text) => {
                    Some(Window::parse(text).ok_or_else(|| Failure::BadWindow(text.to_string()))?)
                }
                None => None,
            },
        })
    }
}

/// Adds a re-visit to the period's plan; nothing is stored when there is
/// no plan, the hall or inspector is unknown, or the date or window falls
/// outside the period or the hall's hours. Returns the stored assignment.
pub fn revisit(store: &mut Store, revisit: &Revisit, actor: &str) -> Result<Planned, Failure> {
    let period = &revisit.period;
    if store.plan(period.from, period.to)?.is_empty() {
        return Err(Failure::NoPlan(period.to_string()));
    }
    let code = revisit.branch_code.as_str();
    let hours = hours_of(store, code)?;
    let inspector = inspectors(store, std::slice::from_ref(&revisit.inspector))?.remove(0);
    if !period.contains(revisit.date) {
        return Err(Failure::DateOutsidePeriod {
            date: revisit.date,
            period: period.to_string(),
        });
    }
    let window = revisit.window.unwrap_or(hours.open);
    if !hours.is_open(window) {
        return Err(Failure::OutsideHours {
            window,
            branch: code.to_string(),
            open: hours.open,
        });
    }
    let mut planned = Planned {
        id: 0,
        branch_code: code.to_string(),
        inspector,
        date: revisit.date,
        window,
        peak: hours.is_peak(revisit.date, window),
        visit: None,
    };
    planned.id = store.add_revisit((period.from, period.to), &planned, actor)?;
    Ok(planned)
}

/// The display names of the inspectors named (by display or account
/// name), or of every inspector account when none is named.
fn inspectors(store: &Reader, named: &[String]) -> Result<Vec<String>, Failure> {
    let accounts = store.inspectors()?;
    if named.is_empty() {
        if accounts.is_empty() {
            return Err(Failure::NoInspectorAccounts);
        }
        return Ok(accounts.into_iter().map(|u| u.display_name).collect());
    }
    let mut found: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for name in named.iter().map(|n| n.trim()) {
        match accounts
            .iter()
            .find(|u| u.display_name == name || u.name == name)
        {
            Some(user) if !found.contains(&user.display_name) => {
                found.push(user.display_name.clone())
            }
            Some(_) => {}
            None => unknown.push(format!("「{name}」")),
        }
    }
    if unknown.is_empty() {
        Ok(found)
    } else {
        Err(Failure::UnknownInspectors(unknown))
    }
}

/// The plan of a period, with the visits found to carry it out linked
/// first: a visit of the hall by the assigned inspector on the assigned day.
pub fn entries(store: &mut Store, period: &Period) -> Result<Vec<PlanEntry>, Failure> {
    let entries = store.plan(period.from, period.to)?;
    if entries.is_empty() {
        return Err(Failure::NoPlan(period.to_string()));
    }
    let planned: Vec<Planned> = entries.iter().map(|e| e.planned.clone()).collect();
    let links = plan::match_visits(&planned, &store.visits_for_plan(period.from, period.to)?);
    if links.is_empty() {
        return Ok(entries);
    }
    store.link_visits(&links)?;
    Ok(store.plan(period.from, period.to)?)
}

/// `plan show --format json`.
#[derive(Debug, Serialize)]
pub struct PlanJson {
    pub period: PeriodJson,
    pub assignments: Vec<AssignmentJson>,
}

#[derive(Debug, Serialize)]
pub struct AssignmentJson {
    pub id: i64,
    pub branch_code: String,
    pub inspector: String,
    pub date: String,
    pub window: String,
    pub peak: bool,
    pub visit: Option<String>,
    /// `visit` for the plan's own, `revisit` for a re-visit (复查).
    pub kind: &'static str,
}

pub fn plan_json(period: Period, entries: &[PlanEntry]) -> PlanJson {
    PlanJson {
        period: period.into(),
        assignments: entries
            .iter()
            .map(|e| AssignmentJson {
                id: e.planned.id,
                branch_code: e.planned.branch_code.clone(),
                inspector: e.planned.inspector.clone(),
                date: e.planned.date.to_string(),
                window: e.planned.window.to_string(),
                peak: e.planned.peak,
                visit: e.visit_id.clone(),
                kind: e.kind.as_str(),
            })
            .collect(),
    }
}

/// The columns of the plan sheet.
pub const SHEET_HEADERS: [&str; 8] = [
    "网点编码",
    "网点名称",
    "区县",
    "暗访员",
    "日期",
    "时段",
    "高峰",
    "类型",
];

/// The plan as a sheet an agency can work from, one assignment a row.
pub fn plan_sheet(
    store: &Reader,
    entries: &[PlanEntry],
    kind: FileKind,
) -> Result<Vec<u8>, Failure> {
    let roster = roster(store)?;
    let mut sheet = TableWriter::new(kind, "暗访计划")?;
    sheet.header(&SHEET_HEADERS.map(String::from))?;
    sheet.fit(&["", "", "", "", "2026-07-01", "09:00-11:00"])?;
    for e in entries {
        let p = &e.planned;
        let branch = roster.get(p.branch_code.as_str());
        let text = |s: &str| Out::Text(s.to_string());
        sheet.row(&[
            text(&p.branch_code),
            text(branch.map_or("", |b| b.name.as_str())),
            text(branch.map_or("", |b| b.district.as_str())),
            text(&p.inspector),
            text(&p.date.to_string()),
            text(&p.window.to_string()),
            text(if p.peak { "是" } else { "否" }),
            text(e.kind.word()),
        ])?;
    }
    Ok(sheet.finish()?)
}

fn roster(store: &Reader) -> Result<HashMap<String, Branch>, Failure> {
    Ok(store
        .branches()?
        .into_iter()
        .map(|b| (b.code.clone(), b))
        .collect())
}

/// `report coverage --format json`.
#[derive(Debug, Serialize)]
pub struct CoverageJson {
    pub period: PeriodJson,
    pub rows: Vec<CoverageRow>,
    /// The halls' figures summed by district.
    pub districts: Vec<DistrictCoverage>,
    pub planned: u32,
    pub done: u32,
    pub missing: u32,
    pub overdue: u32,
}

#[derive(Debug, Serialize)]
pub struct CoverageRow {
    pub code: String,
    pub name: String,
    pub district: String,
    pub planned: u32,
    pub done: u32,
    pub missing: u32,
    /// Missing visits whose day has passed.
    pub overdue: u32,
}

#[derive(Debug, Serialize)]
pub struct DistrictCoverage {
    pub district: String,
    pub halls: u32,
    pub planned: u32,
    pub done: u32,
    pub missing: u32,
    pub overdue: u32,
}

/// How far each hall of the plan is visited as planned, on `today`.
pub fn coverage(
    store: &mut Store,
    period: Period,
    today: NaiveDate,
) -> Result<CoverageJson, Failure> {
    let entries = entries(store, &period)?;
    coverage_of(store, period, &entries, today)
}

/// [`coverage`] of a plan already read.
pub fn coverage_of(
    store: &Store,
    period: Period,
    entries: &[PlanEntry],
    today: NaiveDate,
) -> Result<CoverageJson, Failure> {
    let roster = roster(store)?;
    let planned: Vec<Planned> = entries.iter().map(|e| e.planned.clone()).collect();
    let rows: Vec<CoverageRow> = plan::coverage(&planned, today)
        .into_iter()
        .map(|(code, c)| {
            let branch = roster.get(code);
            CoverageRow {
                code: code.to_string(),
                name: branch.map(|b| b.name.clone()).unwrap_or_default(),
                district: branch.map(|b| b.district.clone()).unwrap_or_default(),
                planned: c.planned,
                done: c.done,
                missing: c.missing(),
                overdue: c.overdue,
            }
        })
        .collect();
    let mut districts: Vec<DistrictCoverage> = Vec::new();
    for row in &rows {
        let at = match districts.iter().position(|d| d.district == row.district) {
            Some(at) => at,
            None => {
                districts.push(DistrictCoverage {
                    district: row.district.clone(),
                    halls: 0,
                    planned: 0,
                    done: 0,
                    missing: 0,
                    overdue: 0,
                });
                districts.len() - 1
            }
        };
        let d = &mut districts[at];
        d.halls += 1;
        d.planned += row.planned;
        d.done += row.done;
        d.missing += row.missing;
        d.overdue += row.overdue;
    }
    districts.sort_by(|a, b| a.district.cmp(&b.district));
    Ok(CoverageJson {
        period: period.into(),
        planned: rows.iter().map(|r| r.planned).sum(),
        done: rows.iter().map(|r| r.done).sum(),
        missing: rows.iter().map(|r| r.missing).sum(),
        overdue: rows.iter().map(|r| r.overdue).sum(),
        districts,
        rows,
    })
}
