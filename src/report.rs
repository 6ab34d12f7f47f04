//! The figures of a period, computed once from the store and handed to every
//! renderer: the CLI's tables and JSON, the web API and the workbook.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::access::Visibility;
use crate::domain::analytics::{
    self, Board, Catalogue, Standing, Tally, TopBottom, competition_ranks, group_standings,
    listing_order, short_boards, top_bottom,
};
use crate::domain::answer::Answer;
use crate::domain::calibration::{Calibration, Observation, calibrate};
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::period::Period;
use crate::domain::scoring::score_visit;
use crate::domain::waits::{WaitSummary, summarise};
use crate::storage::{self, Branch, Store};

/// Name of the city group for halls whose roster gave no city.
pub const NO_CITY: &str = "未分地市";

/// What to compute.
#[derive(Debug, Clone)]
pub struct Options {
    pub period: Period,
    /// Default: the checklist with the most visits in the period.
    pub checklist: Option<String>,
    pub min_visits: u32,
    /// How many make the top and bottom call-outs.
    pub top: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Branch,
    District,
    City,
}

/// A district or a city and the branches in it.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// The city a district belongs to.
    pub city: Option<String>,
    pub members: Vec<usize>,
    pub standing: Standing,
}

/// Every figure of one checklist over one period.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub period: Period,
    pub checklist_id: String,
    /// The versions the period's visits used, newest first.
    pub versions: Vec<Checklist>,
    pub catalogue: Catalogue,
    pub branches: Vec<Branch>,
    pub branch: Vec<Standing>,
    pub districts: Vec<Group>,
    pub cities: Vec<Group>,
    pub region: Standing,
    pub min_visits: u32,
    /// The measure items (queue waits) and every value measured, by branch.
    pub measures: Vec<Measure>,
    /// Inspector names; observations refer to them by index.
    pub inspectors: Vec<String>,
    /// (inspector, branch, visit rate) of every visit with a rate.
    pub observations: Vec<(usize, usize, f64)>,
}

/// A measure item of the checklist and its values in the period.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Index into the catalogue's items.
    pub item: usize,
    pub unit: String,
    /// The first band's limit: the longest wait that earns full points.
    pub limit: Option<f64>,
    /// Per branch, every value measured.
    pub values: Vec<Vec<f64>>,
}

impl Analysis {
    /// One scan over the period's visits, scoring each with its own version.
    pub fn compute(
        store: &Store,
        checklist_id: &str,
        period: Period,
        min_visits: u32,
    ) -> storage::Result<Analysis> {
        let versions = store.versions_in(checklist_id, period.from, period.to)?;
        let refs: Vec<&Checklist> = versions.iter().collect();
        let catalogue = Catalogue::new(&refs);
        let maps: HashMap<u32, _> = versions
            .iter()
            .map(|c| (c.version, catalogue.map(c)))
            .collect();
        let branches = store.branches()?;
        let index: HashMap<&str, usize> = branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.code.as_str(), i))
            .collect();
        let mut tally = Tally::new(&catalogue, branches.len());
        let by_version: HashMap<u32, &Checklist> =
            versions.iter().map(|c| (c.version, c)).collect();
        let mut measures = measures_of(&catalogue, &versions, branches.len());
        // Per version: (item position in that version, measure slot).
        let measure_slots: HashMap<u32, Vec<(usize, usize)>> = versions
            .iter()
            .map(|c| {
                let slots = c
                    .items()
                    .enumerate()
                    .filter_map(|(position, (_, item))| {
                        measures
                            .iter()
                            .position(|m| catalogue.items[m.item].code == item.code)
                            .map(|slot| (position, slot))
                    })
                    .collect();
                (c.version, slots)
            })
            .collect();
        let mut inspectors: Vec<String> = Vec::new();
        let mut inspector_index: HashMap<String, usize> = HashMap::new();
        let mut observations = Vec::new();
        store.scan_visits(checklist_id, period.from, period.to, |visit| {
            let (Some(&b), Some(checklist), Some(map)) = (
                index.get(visit.branch_code),
                by_version.get(&visit.checklist_version),
                maps.get(&visit.checklist_version),
            ) else {
                return;
            };
            let score = score_visit(checklist, visit.answers);
            tally.add(b, map, &score);
            for &(position, slot) in measure_slots
                .get(&visit.checklist_version)
                .into_iter()
                .flatten()
            {
                if let Some(Answer::Number(value)) = visit.answers.get(position) {
                    measures[slot].values[b].push(*value);
                }
            }
            if let (Some(name), Some(rate)) = (visit.inspector, score.rate()) {
                let i = match inspector_index.get(name) {
                    Some(&i) => i,
                    None => {
                        inspectors.push(name.to_string());
                        inspector_index.insert(name.to_string(), inspectors.len() - 1);
                        inspectors.len() - 1
                    }
                };
                observations.push((i, b, rate));
            }
        })?;
        let branch = tally.branch_standings();
        let districts = groups(
            &branches,
            &branch,
            |b| b.district.clone(),
            |b| b.city.clone(),
        );
        let cities = groups(
            &branches,
            &branch,
            |b| b.city.clone().unwrap_or_else(|| NO_CITY.to_string()),
            |_| None,
        );
        let region = group_standings(&branch, &vec![0; branch.len()], 1)
            .pop()
            .unwrap_or_else(|| Standing {
                visits: 0,
                branches: 0,
                rates: vec![None; catalogue.metric_count()],
                lost: vec![0.0; catalogue.metric_count()],
            });
        Ok(Analysis {
            period,
            checklist_id: checklist_id.to_string(),
            versions,
            catalogue,
            branches,
            branch,
            districts,
            cities,
            region,
            min_visits,
            measures,
            inspectors,
            observations,
        })
    }

    /// The figures the options ask for, with the checklist chosen as the
    /// contract says when none is named.
    pub fn for_options(store: &Store, options: &Options) -> storage::Result<Analysis> {
        let id = match &options.checklist {
            Some(id) => {
                store.checklist(id)?;
                id.clone()
            }
            None => store.busiest_checklist(options.period.from, options.period.to)?,
        };
        Analysis::compute(store, &id, options.period, options.min_visits)
    }

    /// The units of a level with their standings, codes and names.
    pub fn units(&self, level: Level) -> Vec<Unit<'_>> {
        match level {
            Level::Branch => self
                .branches
                .iter()
                .zip(&self.branch)
                .map(|(b, standing)| Unit {
                    code: &b.code,
                    name: &b.name,
                    district: Some(&b.district),
                    city: b.city.as_deref(),
                    standing,
                    eligible: standing.visits >= self.min_visits.max(1),
                })
                .collect(),
            Level::District | Level::City => {
                let groups = if level == Level::District {
                    &self.districts
                } else {
                    &self.cities
                };
                groups
                    .iter()
                    .map(|g| Unit {
                        code: &g.name,
                        name: &g.name,
                        district: None,
                        city: g.city.as_deref(),
                        standing: &g.standing,
                        eligible: true,
                    })
                    .collect()
            }
        }
    }

    /// Ranks of `metric` at a level, per unit in [`Analysis::units`] order.
    pub fn ranks(&self, level: Level, metric: usize) -> Vec<Option<u32>> {
        let units = self.units(level);
        let rates: Vec<Option<f64>> = units.iter().map(|u| u.standing.rates[metric]).collect();
        let eligible: Vec<bool> = units.iter().map(|u| u.eligible).collect();
        competition_ranks(&rates, &eligible)
    }

    /// The top and bottom units of `metric` at a level.
    pub fn top_bottom(&self, level: Level, metric: usize, n: u32) -> TopBottom {
        let units = self.units(level);
        let codes: Vec<&str> = units.iter().map(|u| u.code).collect();
        let rates: Vec<Option<f64>> = units.iter().map(|u| u.standing.rates[metric]).collect();
        top_bottom(&codes, &rates, &self.ranks(level, metric), n)
    }

    /// The standing of a scope: `all`, `city:NAME`, `district:NAME` or
    /// `branch:CODE`.
    pub fn scope(&self, scope: &str) -> Result<&Standing, String> {
        let (kind, name) = scope.split_once(':').unwrap_or((scope, ""));
        let found = match kind {
            "all" if name.is_empty() => Some(&self.region),
            "city" => self
                .cities
                .iter()
                .find(|g| g.name == name)
                .map(|g| &g.standing),
            "district" => self
                .districts
                .iter()
                .find(|g| g.name == name)
                .map(|g| &g.standing),
            "branch" => self
                .branches
                .iter()
                .position(|b| b.code == name)
                .map(|i| &self.branch[i]),
            _ => {
                return Err(format!(
                    "无法识别的范围「{scope}」:请写成 all、city:名称、district:名称 或 branch:网点编码"
                ));
            }
        };
        found.ok_or_else(|| format!("找不到范围「{scope}」:名单中没有这个地市、区县或网点"))
    }

    /// Rule 9 for a scope.
    pub fn short_boards(&self, standing: &Standing) -> (Vec<Board>, Vec<Board>) {
        short_boards(&self.catalogue, standing)
    }

    /// Wait figures of every measure item for every unit of a level that
    /// had a measurement; a group pools its halls' visits.
    pub fn waits(&self, level: Level) -> Vec<(&Measure, Unit<'_>, WaitSummary)> {
        let units = self.units(level);
        let members: Vec<Vec<usize>> = match level {
            Level::Branch => (0..self.branches.len()).map(|b| vec![b]).collect(),
            Level::District => self.districts.iter().map(|g| g.members.clone()).collect(),
            Level::City => self.cities.iter().map(|g| g.members.clone()).collect(),
        };
        let mut out = Vec::new();
        for measure in &self.measures {
            for (unit, members) in units.iter().zip(&members) {
                let values: Vec<f64> = members
                    .iter()
                    .flat_map(|&b| measure.values[b].iter().copied())
                    .collect();
                if let Some(summary) = summarise(&values, measure.limit) {
                    out.push((measure, unit.clone(), summary));
                }
            }
        }
        out
    }

    /// How each inspector's scores compare with the others' at the same halls.
    pub fn calibration(&self) -> Vec<Calibration> {
        let observations: Vec<Observation<'_>> = self
            .observations
            .iter()
            .map(|&(inspector, branch, rate)| Observation {
                inspector: &self.inspectors[inspector],
                branch,
                rate,
            })
            .collect();
        calibrate(&observations)
    }
}

/// The catalogue's measure items, with unit and limit from the newest
/// version that has them.
fn measures_of(catalogue: &Catalogue, versions: &[Checklist], branches: usize) -> Vec<Measure> {
    catalogue
        .items
        .iter()
        .enumerate()
        .filter_map(|(index, info)| {
            let item = versions
                .iter()
                .find_map(|c| c.items().map(|(_, i)| i).find(|i| i.code == info.code))?;
            let ItemKind::Measure { unit, bands } = &item.kind else {
                return None;
            };
            Some(Measure {
                item: index,
                unit: unit.clone(),
                limit: bands.first().and_then(|b| b.max),
                values: vec![Vec::new(); branches],
            })
        })
        .collect()
}

fn groups(
    branches: &[Branch],
    standings: &[Standing],
    name_of: impl Fn(&Branch) -> String,
    city_of: impl Fn(&Branch) -> Option<String>,
) -> Vec<Group> {
    let mut names: Vec<(String, Option<String>)> = Vec::new();
    let mut group_of = Vec::with_capacity(branches.len());
    for branch in branches {
        let name = name_of(branch);
        let index = match names.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                names.push((name, city_of(branch)));
                names.len() - 1
            }
        };
        group_of.push(index);
    }
    let standings = group_standings(standings, &group_of, names.len());
    let mut groups: Vec<Group> = names
        .into_iter()
        .zip(standings)
        .enumerate()
        .map(|(g, ((name, city), standing))| Group {
            name,
            city,
            members: (0..branches.len()).filter(|&b| group_of[b] == g).collect(),
            standing,
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

/// A unit of any level as the renderers see it.
#[derive(Clone)]
pub struct Unit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub district: Option<&'a str>,
    pub city: Option<&'a str>,
    pub standing: &'a Standing,
    pub eligible: bool,
}

/// A rate as people read it: 70.7%.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// A rank change with its arrow: ↑2, ↓1, 0.
pub fn change(change: Option<i64>) -> String {
    match change {
        None => "—".into(),
        Some(0) => "0".into(),
        Some(n) if n > 0 => format!("↑{n}"),
        Some(n) => format!("↓{}", -n),
    }
}

/// Rates and points as they are published: 4 decimal places, which is
/// what ranks compare, without float noise.
pub fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

// ---- the JSON objects of CONTRACT §6 ----

#[derive(Debug, Clone, Serialize)]
pub struct PeriodJson {
    pub from: String,
    pub to: String,
    pub label: String,
}

impl From<Period> for PeriodJson {
    fn from(p: Period) -> PeriodJson {
        PeriodJson {
            from: p.from.to_string(),
            to: p.to.to_string(),
            label: p.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistJson {
    pub id: String,
    pub version: u32,
    pub versions: Vec<u32>,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankingRow {
    pub rank: Option<u32>,
    pub code: String,
    pub name: String,
    pub district: Option<String>,
    pub city: Option<String>,
    pub visits: u32,
    pub rate: Option<f64>,
    pub sections: serde_json::Map<String, serde_json::Value>,
    pub previous_rank: Option<u32>,
    pub rank_change: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branches: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Callout {
    /// `total`, or a section code.
    pub metric: String,
    pub title: String,
    pub top: Vec<CalloutUnit>,
    pub bottom: Vec<CalloutUnit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalloutUnit {
    pub code: String,
    pub name: String,
    pub rate: Option<f64>,
    pub rank: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaitJson {
    /// The measure item.
    pub item: String,
    pub title: String,
    pub unit: String,
    pub limit: Option<f64>,
    /// The hall, district or city.
    pub code: String,
    pub name: String,
    pub count: usize,
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub over_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationJson {
    pub inspector: String,
    pub visits: usize,
    pub mean_rate: f64,
    /// Mean difference from other inspectors at the same halls: + lenient.
    pub offset: Option<f64>,
    pub halls_compared: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankingsReport {
    pub period: PeriodJson,
    pub previous_period: PeriodJson,
    pub checklist: ChecklistJson,
    pub level: Level,
    pub min_visits: u32,
    pub rows: Vec<RankingRow>,
    /// Top and bottom units of the overall rate and of every section.
    pub top_bottom: Vec<Callout>,
    /// Queue waits per unit of the level.
    pub waits: Vec<WaitJson>,
    /// Inspector calibration over the period.
    pub calibration: Vec<CalibrationJson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoardJson {
    pub code: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub rate: Option<f64>,
    pub lost: f64,
    pub lost_share: f64,
    pub short: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShortboardsReport {
    pub period: PeriodJson,
    pub checklist: ChecklistJson,
    pub scope: String,
    pub pass_mark: f64,
    pub rate: Option<f64>,
    pub visits: u32,
    pub items: Vec<BoardJson>,
    pub sections: Vec<BoardJson>,
}

impl Analysis {
    fn checklist_json(&self) -> ChecklistJson {
        let newest = self.versions.first();
        ChecklistJson {
            id: self.checklist_id.clone(),
            version: newest.map_or(0, |c| c.version),
            versions: self.versions.iter().map(|c| c.version).collect(),
            title: newest.map(|c| c.title.clone()).unwrap_or_default(),
        }
    }

    /// The metrics that get call-outs: the whole checklist, then each section.
    pub fn headline_metrics(&self) -> Vec<(usize, String, String)> {
        std::iter::once((0, "total".to_string(), "综合得分率".to_string()))
            .chain(self.catalogue.sections.iter().enumerate().map(|(s, m)| {
                (
                    self.catalogue.section_metric(s),
                    m.code.clone(),
                    m.title.clone(),
                )
            }))
            .collect()
    }

    /// The `report rankings` object, ranks compared with `previous`.
    pub fn rankings(&self, previous: &Analysis, level: Level, top: u32) -> RankingsReport {
        let units = self.units(level);
        let ranks = self.ranks(level, 0);
        let previous_units = previous.units(level);
        let previous_ranks = previous.ranks(level, 0);
        let previous_by_code: HashMap<&str, Option<u32>> = previous_units
            .iter()
            .map(|u| u.code)
            .zip(previous_ranks)
            .collect();
        let codes: Vec<&str> = units.iter().map(|u| u.code).collect();
        let before = analytics::previous_ranks(codes.iter().copied(), &previous_by_code);
        let rows = listing_order(&codes, &ranks)
            .into_iter()
            .map(|i| {
                let unit = &units[i];
                let sections = self
                    .catalogue
                    .sections
                    .iter()
                    .enumerate()
                    .map(|(s, m)| {
                        let rate = unit.standing.rates[self.catalogue.section_metric(s)];
                        (m.code.clone(), rate.map(round4).into())
                    })
                    .collect();
                RankingRow {
                    rank: ranks[i],
                    code: unit.code.to_string(),
                    name: unit.name.to_string(),
                    district: unit.district.map(str::to_string),
                    city: unit.city.map(str::to_string),
                    visits: unit.standing.visits,
                    rate: unit.standing.rate().map(round4),
                    sections,
                    previous_rank: before[i],
                    rank_change: analytics::rank_change(ranks[i], before[i]),
                    branches: (level != Level::Branch).then_some(unit.standing.branches),
                }
            })
            .collect();
        let top_bottom = self
            .headline_metrics()
            .into_iter()
            .map(|(metric, code, title)| {
                let tb = self.top_bottom(level, metric, top);
                let ranks = self.ranks(level, metric);
                let unit = |i: usize| CalloutUnit {
                    code: units[i].code.to_string(),
                    name: units[i].name.to_string(),
                    rate: units[i].standing.rates[metric].map(round4),
                    rank: ranks[i],
                };
                Callout {
                    metric: code,
                    title,
                    top: tb.top.into_iter().map(unit).collect(),
                    bottom: tb.bottom.into_iter().map(unit).collect(),
                }
            })
            .collect();
        RankingsReport {
            period: self.period.into(),
            previous_period: previous.period.into(),
            checklist: self.checklist_json(),
            level,
            min_visits: self.min_visits,
            rows,
            top_bottom,
            waits: self.waits_json(level),
            calibration: self.calibration_json(),
        }
    }

    fn waits_json(&self, level: Level) -> Vec<WaitJson> {
        self.waits(level)
            .into_iter()
            .map(|(measure, unit, s)| {
                let item = &self.catalogue.items[measure.item];
                WaitJson {
                    item: item.code.clone(),
                    title: item.title.clone(),
                    unit: measure.unit.clone(),
                    limit: measure.limit,
                    code: unit.code.to_string(),
                    name: unit.name.to_string(),
                    count: s.count,
                    mean: round4(s.mean),
                    median: round4(s.median),
                    p90: round4(s.p90),
                    over_share: s.over_share.map(round4),
                }
            })
            .collect()
    }

    fn calibration_json(&self) -> Vec<CalibrationJson> {
        self.calibration()
            .into_iter()
            .map(|c| CalibrationJson {
                inspector: c.inspector,
                visits: c.visits,
                mean_rate: round4(c.mean_rate),
                offset: c.offset.map(round4),
                halls_compared: c.halls_compared,
            })
            .collect()
    }

    /// The `report shortboards` object for a scope.
    pub fn shortboards(&self, scope: &str) -> Result<ShortboardsReport, String> {
        let standing = self.scope(scope)?;
        let (items, sections) = self.short_boards(standing);
        let board = |b: &Board, code: &str, title: &str, section: Option<String>| BoardJson {
            code: code.to_string(),
            title: title.to_string(),
            section,
            rate: b.rate.map(round4),
            lost: round4(b.lost),
            lost_share: round4(b.lost_share),
            short: b.short,
        };
        Ok(ShortboardsReport {
            period: self.period.into(),
            checklist: self.checklist_json(),
            scope: scope.to_string(),
            pass_mark: self.catalogue.pass_mark,
            rate: standing.rate().map(round4),
            visits: standing.visits,
            items: items
                .iter()
                .map(|b| {
                    let item = &self.catalogue.items[b.index];
                    let section = self.catalogue.sections[item.section].code.clone();
                    board(b, &item.code, &item.title, Some(section))
                })
                .collect(),
            sections: sections
                .iter()
                .map(|b| {
                    let section = &self.catalogue.sections[b.index];
                    board(b, &section.code, &section.title, None)
                })
                .collect(),
        })
    }
}

impl RankingsReport {
    /// Removes what a reader may not see: hall rows (and their waits and
    /// call-outs) outside their scope, and calibration unless `calibration`.
    pub fn restrict(&mut self, visibility: &Visibility, calibration: bool) {
        let level = self.level;
        self.rows.retain(|row| match level {
            Level::Branch => {
                visibility.sees_branch(row.district.as_deref().unwrap_or(""), row.city.as_deref())
            }
            Level::District | Level::City => visibility.sees_groups(),
        });
        let shown: std::collections::HashSet<&str> =
            self.rows.iter().map(|r| r.code.as_str()).collect();
        self.waits.retain(|w| shown.contains(w.code.as_str()));
        for callout in &mut self.top_bottom {
            callout.top.retain(|u| shown.contains(u.code.as_str()));
            callout.bottom.retain(|u| shown.contains(u.code.as_str()));
        }
        if !calibration {
            self.calibration.clear();
        }
    }
}

/// The current and previous period's analyses for the options.
pub fn analyse(store: &Store, options: &Options) -> storage::Result<(Analysis, Analysis)> {
    let current = Analysis::for_options(store, options)?;
    let previous = Analysis::compute(
        store,
        &current.checklist_id,
        options.period.previous(),
        options.min_visits,
    )?;
    Ok((current, previous))
}

// ---- sentences in the style of a real report ----

/// "泌阳、正阳、遂平分公司" or "A厅、B厅".
fn name_list(units: &[CalloutUnit], district_style: bool) -> String {
    let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
    if names.is_empty() {
        return "(无)".into();
    }
    let joined = names.join("、");
    if district_style {
        format!("{joined}分公司")
    } else {
        joined
    }
}

/// One sentence per metric in the style of a real report.
pub fn call_out_sentence(callout: &Callout, top: u32, districts: bool) -> String {
    format!(
        "{}:{}位于前{}名,{}位于后{}名。",
        callout.title,
        name_list(&callout.top, districts),
        chinese_number(top),
        name_list(&callout.bottom, districts),
        chinese_number(top)
    )
}

pub fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    DIGITS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |d| d.to_string())
}

/// Units that are in the top (or bottom) on several metrics.
pub fn summary_sentences(report: &RankingsReport, top: u32) -> Vec<String> {
    let metrics = report.top_bottom.len();
    let mut sentences = Vec::new();
    for (word, pick) in [
        (
            "前",
            (|c: &Callout| &c.top) as fn(&Callout) -> &Vec<CalloutUnit>,
        ),
        ("后", |c: &Callout| &c.bottom),
    ] {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for callout in &report.top_bottom {
            for unit in pick(callout) {
                match counts.iter_mut().find(|(name, _)| *name == unit.name) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((unit.name.clone(), 1)),
                }
            }
        }
        counts.retain(|(_, n)| *n >= 2);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let suffix = if report.level == Level::District {
            "分公司"
        } else {
            ""
        };
        for (name, n) in counts {
            sentences.push(if n == metrics {
                format!(
                    "{name}{suffix}在全部 {metrics} 项指标中均位于{word}{}名。",
                    chinese_number(top)
                )
            } else {
                format!(
                    "{name}{suffix}在 {n} 项指标中位于{word}{}名。",
                    chinese_number(top)
                )
            });
        }
    }
    sentences
}
