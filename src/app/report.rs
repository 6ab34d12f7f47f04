//! The figures of a period, computed once from the store and handed to every
//! renderer: the CLI's tables and JSON, the web API and the workbook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::Serialize;

use crate::domain::access::Visibility;
use crate::domain::analytics::{
    self, Board, Catalogue, Standing, Tally, TopBottom, VersionMap, competition_ranks,
    group_standings, listing_order, short_boards, top_bottom,
};
pub use crate::domain::analytics::{percent, round4, signed_percent};
use crate::domain::answer::Answer;
use crate::domain::calibration::{Calibration, Observation, calibrate};
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::lang::Lang;
use crate::domain::period::Period;
use crate::domain::roster::Branch;
use crate::domain::scoring::score_visit;
use crate::domain::uncertainty::{
    self, InspectorEffect, Interval, Limits, RatedVisit, Signal, Spread, adjusted_rates,
    inspector_effects, rank_ranges,
};
use crate::domain::waits::{WaitSummary, summarise};
use crate::storage::{self, Change, Reader, ScannedVisit};

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
    /// Every visit with an overall rate.
    pub observations: Vec<Observed>,
    /// The inspector effects taken out of the visits when the halls'
    /// overall rates are inspector-adjusted
    /// ([`Analysis::adjusted_for_inspectors`]); `None` for plain rates.
    removed_effects: Option<Vec<InspectorEffect>>,
    /// What the figures are derived from.
    totals: Totals,
    /// Figures kept once asked for, until visits are added.
    memo: Memo,
}

/// One visit with an overall rate, as calibration and the statistics of
/// how sure a ranking is see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Index into [`Analysis::inspectors`]; `None` when the visit names no
    /// inspector.
    pub inspector: Option<usize>,
    /// Index into [`Analysis::branches`].
    pub branch: usize,
    pub rate: f64,
}

/// How sure the period's overall rates are (docs/scoring.md 规则 13–16).
#[derive(Debug, Clone)]
pub struct Uncertainty {
    pub spread: Spread,
    /// Per branch: its visits with a rate.
    pub rated: Vec<usize>,
    /// Per branch: the rate with each visit's inspector effect taken out.
    pub adjusted: Vec<Option<f64>>,
    /// Per inspector, in [`Analysis::inspectors`] order.
    pub inspectors: Vec<InspectorEffect>,
}

/// Figures of an analysis worked out when first asked for.
#[derive(Debug, Default)]
struct Memo {
    calibration: OnceLock<Vec<Calibration>>,
    uncertainty: OnceLock<Uncertainty>,
}

impl Clone for Memo {
    /// A copy works its figures out again when asked.
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

/// The running totals of an analysis, kept so that a visit stored later can
/// be added without scanning the period again.
#[derive(Debug, Clone)]
struct Totals {
    tally: Tally,
    /// Branch code → index into [`Analysis::branches`].
    index: HashMap<String, usize>,
    /// Per version: where its sections and items sit in the catalogue.
    maps: HashMap<u32, VersionMap>,
    /// Per version: (item position in that version, measure slot).
    measure_slots: HashMap<u32, Vec<(usize, usize)>>,
    /// Inspector name → index into [`Analysis::inspectors`].
    inspector_index: HashMap<String, usize>,
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
        store: &Reader,
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
        let index: HashMap<String, usize> = branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.code.clone(), i))
            .collect();
        let tally = Tally::new(&catalogue, branches.len());
        let measures = measures_of(&catalogue, &versions, branches.len());
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
        let region = Standing {
            visits: 0,
            branches: 0,
            rates: vec![None; catalogue.metric_count()],
            lost: vec![0.0; catalogue.metric_count()],
        };
        let mut analysis = Analysis {
            period,
            checklist_id: checklist_id.to_string(),
            versions,
            catalogue,
            branches,
            branch: Vec::new(),
            districts: Vec::new(),
            cities: Vec::new(),
            region,
            min_visits,
            measures,
            inspectors: Vec::new(),
            observations: Vec::new(),
            totals: Totals {
                tally,
                index,
                maps,
                measure_slots,
                inspector_index: HashMap::new(),
            },
            removed_effects: None,
            memo: Memo::default(),
        };
        store.scan_visits(checklist_id, period.from, period.to, |visit| {
            analysis.add(&visit);
        })?;
        analysis.derive();
        Ok(analysis)
    }

    /// Adds one visit of the analysis's checklist and period to the running
    /// totals; [`Analysis::derive`] then brings the figures up to date.
    /// `false` when the visit's checklist version is not one the analysis
    /// was built for, and so needs a new catalogue: nothing was added.
    fn add(&mut self, visit: &ScannedVisit<'_>) -> bool {
        let totals = &mut self.totals;
        let (Some(checklist), Some(map)) = (
            self.versions
                .iter()
                .find(|c| c.version == visit.checklist_version),
            totals.maps.get(&visit.checklist_version),
        ) else {
            return false;
        };
        // As in a scan: visits of halls not in the roster are not counted.
        let Some(&b) = totals.index.get(visit.branch_code) else {
            return true;
        };
        let score = score_visit(checklist, visit.answers);
        totals.tally.add(b, map, &score);
        for &(position, slot) in totals
            .measure_slots
            .get(&visit.checklist_version)
            .into_iter()
            .flatten()
        {
            if let Some(Answer::Number(value)) = visit.answers.get(position) {
                self.measures[slot].values[b].push(*value);
            }
        }
        if let Some(rate) = score.rate() {
            let inspector = visit
                .inspector
                .map(|name| match totals.inspector_index.get(name) {
                    Some(&i) => i,
                    None => {
                        self.inspectors.push(name.to_string());
                        totals
                            .inspector_index
                            .insert(name.to_string(), self.inspectors.len() - 1);
                        self.inspectors.len() - 1
                    }
                });
            self.observations.push(Observed {
                inspector,
                branch: b,
                rate,
            });
        }
        true
    }

    /// The standings of halls, districts, cities and the region from the
    /// running totals.
    fn derive(&mut self) {
        self.branch = self.totals.tally.branch_standings();
        self.derive_groups();
    }

    /// Districts, cities and the region from the branches' standings.
    fn derive_groups(&mut self) {
        self.memo = Memo::default();
        self.districts = groups(
            &self.branches,
            &self.branch,
            |b| b.district.clone(),
            |b| b.city.clone(),
        );
        self.cities = groups(
            &self.branches,
            &self.branch,
            |b| b.city.clone().unwrap_or_else(|| NO_CITY.to_string()),
            |_| None,
        );
        let metrics = self.catalogue.metric_count();
        self.region = group_standings(&self.branch, &vec![0; self.branch.len()], 1)
            .pop()
            .unwrap_or_else(|| Standing {
                visits: 0,
                branches: 0,
                rates: vec![None; metrics],
                lost: vec![0.0; metrics],
            });
    }

    /// The figures the options ask for, with the checklist chosen as the
    /// contract says when none is named.
    pub fn for_options(store: &Reader, options: &Options) -> storage::Result<Analysis> {
        let id = checklist_for(store, options)?;
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
        self.waits_of(level, &[])
    }

    /// [`Analysis::waits`] of the units marked in `shown` (all when empty).
    fn waits_of(&self, level: Level, shown: &[bool]) -> Vec<(&Measure, Unit<'_>, WaitSummary)> {
        let units = self.units(level);
        let groups = match level {
            Level::Branch => None,
            Level::District => Some(&self.districts),
            Level::City => Some(&self.cities),
        };
        let mut out = Vec::new();
        let mut pooled = Vec::new();
        for measure in &self.measures {
            for (u, unit) in units.iter().enumerate() {
                if shown.get(u) == Some(&false) {
                    continue;
                }
                // A hall's unit is its place in the roster.
                let values = match groups {
                    None => &measure.values[u],
                    Some(groups) => {
                        pooled.clear();
                        pooled.extend(
                            groups[u]
                                .members
                                .iter()
                                .flat_map(|&b| measure.values[b].iter().copied()),
                        );
                        &pooled
                    }
                };
                if let Some(summary) = summarise(values, measure.limit) {
                    out.push((measure, unit.clone(), summary));
                }
            }
        }
        out
    }

    /// How each inspector's scores compare with the others' at the same halls.
    pub fn calibration(&self) -> Vec<Calibration> {
        self.memo
            .calibration
            .get_or_init(|| {
                let observations: Vec<Observation<'_>> = self
                    .observations
                    .iter()
                    .filter_map(|o| {
                        o.inspector.map(|i| Observation {
                            inspector: &self.inspectors[i],
                            branch: o.branch,
                            rate: o.rate,
                        })
                    })
                    .collect();
                calibrate(&observations)
            })
            .clone()
    }

    /// The spread of visit rates, each hall's visits with a rate, the
    /// inspector effects and the adjusted rates.
    pub fn uncertainty(&self) -> &Uncertainty {
        self.memo.uncertainty.get_or_init(|| {
            let mut by_branch: Vec<Vec<f64>> = vec![Vec::new(); self.branches.len()];
            for o in &self.observations {
                by_branch[o.branch].push(o.rate);
            }
            let visits: Vec<RatedVisit> = self
                .observations
                .iter()
                .map(|o| RatedVisit {
                    branch: o.branch,
                    inspector: o.inspector,
                    rate: o.rate,
                })
                .collect();
            // Adjusted rates already have the effects taken out: they are
            // reported, not fitted again (a refit would find none).
            let (inspectors, adjusted) = match &self.removed_effects {
                Some(removed) => (
                    removed.clone(),
                    self.branch.iter().map(Standing::rate).collect(),
                ),
                None => {
                    let fitted = inspector_effects(&visits, self.inspectors.len());
                    let adjusted = adjusted_rates(&visits, &fitted, self.branches.len());
                    (fitted, adjusted)
                }
            };
            Uncertainty {
                spread: Spread::of(by_branch.iter().map(Vec::as_slice)),
                rated: by_branch.iter().map(Vec::len).collect(),
                adjusted,
                inspectors,
            }
        })
    }

    /// The 95% interval of each unit's overall rate, in [`Analysis::units`]
    /// order: a hall's from its own visits, a group's from its halls'.
    pub fn intervals(&self, level: Level) -> Vec<Option<Interval>> {
        let u = self.uncertainty();
        let group = |members: &[usize], rate: Option<f64>| {
            let visits: Vec<usize> = members
                .iter()
                .filter(|&&b| self.branch[b].rate().is_some())
                .map(|&b| u.rated[b])
                .collect();
            rate.and_then(|rate| u.spread.group_interval(rate, &visits))
        };
        match level {
            Level::Branch => self
                .branch
                .iter()
                .zip(&u.rated)
                .map(|(s, &n)| s.rate().and_then(|rate| u.spread.hall_interval(rate, n)))
                .collect(),
            Level::District => self
                .districts
                .iter()
                .map(|g| group(&g.members, g.standing.rate()))
                .collect(),
            Level::City => self
                .cities
                .iter()
                .map(|g| group(&g.members, g.standing.rate()))
                .collect(),
        }
    }

    /// The region's 95% interval.
    pub fn region_interval(&self) -> Option<Interval> {
        let members: Vec<usize> = (0..self.branches.len()).collect();
        let u = self.uncertainty();
        let visits: Vec<usize> = members
            .iter()
            .filter(|&&b| self.branch[b].rate().is_some())
            .map(|&b| u.rated[b])
            .collect();
        self.region
            .rate()
            .and_then(|rate| u.spread.group_interval(rate, &visits))
    }

    /// The rank places each unit of a level could hold, in
    /// [`Analysis::units`] order.
    pub fn rank_ranges(&self, level: Level) -> Vec<Option<(u32, u32)>> {
        let ranked: Vec<bool> = self.ranks(level, 0).iter().map(Option::is_some).collect();
        rank_ranges(&self.intervals(level), &ranked)
    }

    /// Each hall's funnel limits around the region's rate.
    pub fn funnel(&self) -> Vec<Option<Limits>> {
        let u = self.uncertainty();
        u.rated
            .iter()
            .map(|&n| {
                self.region
                    .rate()
                    .and_then(|target| u.spread.limits(target, n))
            })
            .collect()
    }

    /// Whether the halls' overall rates are inspector-adjusted.
    pub fn is_adjusted(&self) -> bool {
        self.removed_effects.is_some()
    }

    /// The same figures with every hall's overall rate replaced by its
    /// inspector-adjusted rate, and districts, cities and the region
    /// averaged from those: what `--adjust inspectors` ranks.
    pub fn adjusted_for_inspectors(&self) -> Analysis {
        let u = self.uncertainty();
        let adjusted = u.adjusted.clone();
        let effect: Vec<f64> = u
            .inspectors
            .iter()
            .map(|e| e.effect.unwrap_or(0.0))
            .collect();
        let mut copy = self.clone();
        copy.removed_effects = Some(u.inspectors.clone());
        // The visits too, so that the copy's spread and intervals are those
        // of rates without the inspector effects.
        for o in &mut copy.observations {
            o.rate -= o.inspector.map_or(0.0, |i| effect[i]);
        }
        for (standing, rate) in copy.branch.iter_mut().zip(adjusted) {
            if let Some(total) = standing.rates.first_mut() {
                *total = rate;
            }
        }
        copy.derive_groups();
        copy
    }

    /// A copy to add visits to: the running totals without the figures
    /// derived from them, which [`Analysis::derive`] makes anew.
    fn successor(&self) -> Analysis {
        Analysis {
            period: self.period,
            checklist_id: self.checklist_id.clone(),
            versions: self.versions.clone(),
            catalogue: self.catalogue.clone(),
            branches: self.branches.clone(),
            branch: Vec::new(),
            districts: Vec::new(),
            cities: Vec::new(),
            region: self.region.clone(),
            min_visits: self.min_visits,
            measures: self.measures.clone(),
            inspectors: self.inspectors.clone(),
            observations: self.observations.clone(),
            totals: self.totals.clone(),
            removed_effects: None,
            memo: Memo::default(),
        }
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
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut group_of = Vec::with_capacity(branches.len());
    for branch in branches {
        let name = name_of(branch);
        let index = match position.get(&name) {
            Some(&i) => i,
            None => {
                position.insert(name.clone(), names.len());
                names.push((name, city_of(branch)));
                names.len() - 1
            }
        };
        group_of.push(index);
    }
    let standings = group_standings(standings, &group_of, names.len());
    let mut members = vec![Vec::new(); names.len()];
    for (b, &g) in group_of.iter().enumerate() {
        members[g].push(b);
    }
    let mut groups: Vec<Group> = names
        .into_iter()
        .zip(standings)
        .zip(members)
        .map(|(((name, city), standing), members)| Group {
            name,
            city,
            members,
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

/// A rank change with its arrow: ↑2, ↓1, 0.
pub fn change(change: Option<i64>) -> String {
    match change {
        None => "—".into(),
        Some(0) => "0".into(),
        Some(n) if n > 0 => format!("↑{n}"),
        Some(n) => format!("↓{}", -n),
    }
}

// ---- the JSON objects of docs/api.md ----

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
    /// The 95% interval of the overall rate, `[low, high]`.
    pub interval: Option<[f64; 2]>,
    /// The best and worst rank the interval allows, `[best, worst]`.
    pub rank_range: Option<[u32; 2]>,
    /// Hall rows only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub hall: Option<HallFigures>,
}

/// What a hall row adds: the funnel signal and the inspector-adjusted rate.
#[derive(Debug, Clone, Serialize)]
pub struct HallFigures {
    pub signal: Option<Signal>,
    pub adjusted_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpreadJson {
    pub sigma: Option<f64>,
    pub df: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionJson {
    pub rate: Option<f64>,
    pub interval: Option<[f64; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InspectorJson {
    pub name: String,
    pub visits: usize,
    pub effect: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Callout {
    /// `total`, or a section code.
    pub metric: String,
    pub title: String,
    pub top: Vec<CalloutUnit>,
    pub bottom: Vec<CalloutUnit>,
    /// The overall rate only: the ranks `[first, last]` just below the top
    /// call-out that it cannot be told apart from (overlapping rank ranges).
    pub top_indistinct: Option<[u32; 2]>,
    /// The same for the ranks just above the bottom call-out.
    pub bottom_indistinct: Option<[u32; 2]>,
}

impl Callout {
    /// The metric's name: a section's title, or the overall rate's in the
    /// reader's language.
    pub fn title_in(&self, lang: Lang) -> &str {
        if self.metric == "total" {
            total_title(lang)
        } else {
            &self.title
        }
    }
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
    /// `null` with too few visits at halls shared with other inspectors.
    pub offset: Option<f64>,
    pub halls_compared: usize,
    /// The inspector's visits at halls that others visited too.
    pub shared_visits: usize,
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
    /// `"inspectors"` when halls are ranked by inspector-adjusted rates.
    pub adjust: Option<&'static str>,
    /// The pooled spread of visit rates within halls.
    pub spread: SpreadJson,
    /// The whole region's overall rate and its interval.
    pub region: RegionJson,
    /// Fitted inspector effects (shown where calibration is).
    pub inspectors: Vec<InspectorJson>,
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
        std::iter::once((0, "total".to_string(), total_title(Lang::Zh).to_string()))
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
        self.rankings_report(previous, level, top, None, true)
    }

    /// The rankings as a reader sees them: [`Analysis::rankings`] then
    /// [`RankingsReport::restrict`], without making the rows that are not
    /// shown nor the calibration when it is not.
    pub fn rankings_for(
        &self,
        previous: &Analysis,
        level: Level,
        top: u32,
        visibility: &Visibility,
        calibration: bool,
    ) -> RankingsReport {
        let mut report = self.rankings_report(previous, level, top, Some(visibility), calibration);
        report.restrict(visibility, calibration);
        report
    }

    fn rankings_report(
        &self,
        previous: &Analysis,
        level: Level,
        top: u32,
        shown: Option<&Visibility>,
        calibration: bool,
    ) -> RankingsReport {
        let units = self.units(level);
        // The rows `RankingsReport::restrict` keeps.
        let shown: Vec<bool> = units
            .iter()
            .map(|u| match (shown, level) {
                (None, _) => true,
                (Some(v), Level::Branch) => v.sees_branch(u.district.unwrap_or(""), u.city),
                (Some(v), _) => v.sees_groups(),
            })
            .collect();
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
        let intervals = self.intervals(level);
        let ranked: Vec<bool> = ranks.iter().map(Option::is_some).collect();
        let rank_ranges = rank_ranges(&intervals, &ranked);
        let uncertainty = self.uncertainty();
        let funnel = self.funnel();
        let rows = listing_order(&codes, &ranks)
            .into_iter()
            .filter(|&i| shown[i])
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
                    interval: intervals[i].map(interval_json),
                    rank_range: rank_ranges[i].map(|(best, worst)| [best, worst]),
                    hall: (level == Level::Branch).then(|| HallFigures {
                        signal: unit
                            .standing
                            .rate()
                            .zip(funnel[i])
                            .and_then(|(rate, limits)| limits.signal(rate)),
                        adjusted_rate: uncertainty.adjusted[i].map(round4),
                    }),
                }
            })
            .collect();
        let eligible: Vec<bool> = units.iter().map(|u| u.eligible).collect();
        let top_bottom = self
            .headline_metrics()
            .into_iter()
            .map(|(metric, code, title)| {
                // As `Analysis::top_bottom` and `Analysis::ranks`, ranked once.
                let rates: Vec<Option<f64>> =
                    units.iter().map(|u| u.standing.rates[metric]).collect();
                let ranks = competition_ranks(&rates, &eligible);
                let tb = top_bottom(&codes, &rates, &ranks, top);
                let (top_indistinct, bottom_indistinct) = if metric == 0 {
                    indistinct(&codes, &tb, &ranks, &rank_ranges, top)
                } else {
                    (None, None)
                };
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
                    top_indistinct,
                    bottom_indistinct,
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
            waits: self.waits_json(level, &shown),
            calibration: if calibration {
                self.calibration_json()
            } else {
                Vec::new()
            },
            adjust: self.is_adjusted().then_some("inspectors"),
            spread: SpreadJson {
                sigma: uncertainty.spread.sigma.map(round4),
                df: uncertainty.spread.df,
            },
            region: RegionJson {
                rate: self.region.rate().map(round4),
                interval: self.region_interval().map(interval_json),
            },
            inspectors: if calibration {
                let mut inspectors: Vec<InspectorJson> = self
                    .inspectors
                    .iter()
                    .zip(&uncertainty.inspectors)
                    .map(|(name, e)| InspectorJson {
                        name: name.clone(),
                        visits: e.visits,
                        effect: e.effect.map(round4),
                    })
                    .collect();
                inspectors.sort_by(|a, b| a.name.cmp(&b.name));
                inspectors
            } else {
                Vec::new()
            },
        }
    }

    fn waits_json(&self, level: Level, shown: &[bool]) -> Vec<WaitJson> {
        self.waits_of(level, shown)
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
                shared_visits: c.shared_visits,
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
            self.inspectors.clear();
        }
    }
}

/// Whom the overall rate's call-outs cannot be told apart from: the
/// `n` ranked units just below the top call-out and just above the
/// bottom one whose rank ranges overlap a called-out unit's.
fn indistinct(
    codes: &[&str],
    called: &TopBottom,
    ranks: &[Option<u32>],
    ranges: &[Option<(u32, u32)>],
    n: u32,
) -> (Option<[u32; 2]>, Option<[u32; 2]>) {
    let ranked: Vec<usize> = listing_order(codes, ranks)
        .into_iter()
        .filter(|&i| ranks[i].is_some())
        .collect();
    let n = n as usize;
    let outside = |i: &usize| !called.top.contains(i) && !called.bottom.contains(i);
    let below_top: Vec<usize> = ranked.iter().copied().filter(outside).take(n).collect();
    let above_bottom: Vec<usize> = ranked
        .iter()
        .rev()
        .copied()
        .filter(outside)
        .take(n)
        .collect();
    let pair = |p: Option<(u32, u32)>| p.map(|(a, b)| [a, b]);
    (
        pair(uncertainty::indistinct(
            &called.top,
            &below_top,
            ranges,
            ranks,
            true,
        )),
        pair(uncertainty::indistinct(
            &called.bottom,
            &above_bottom,
            ranges,
            ranks,
            false,
        )),
    )
}

/// An interval as published: `[low, high]`, each rounded as rates are.
fn interval_json(interval: Interval) -> [f64; 2] {
    [round4(interval.low), round4(interval.high)]
}

/// The current and previous period's analyses for the options.
pub fn analyse(store: &Reader, options: &Options) -> storage::Result<(Analysis, Analysis)> {
    let current = Analysis::for_options(store, options)?;
    let previous = Analysis::compute(
        store,
        &current.checklist_id,
        options.period.previous(),
        options.min_visits,
    )?;
    Ok((current, previous))
}

/// The checklist the options name (which must exist), or the one with the
/// most visits in the period.
fn checklist_for(store: &Reader, options: &Options) -> storage::Result<String> {
    match &options.checklist {
        Some(id) => {
            store.checklist(id)?;
            Ok(id.clone())
        }
        None => store.busiest_checklist(options.period.from, options.period.to),
    }
}

// ---- analyses kept between requests ----

/// How many analyses a cache keeps (a dashboard uses two), besides a spare
/// of those that change while in use; each holds a period's figures and
/// running totals for every hall, about 10 MB for 3,000 halls.
const CACHED_ANALYSES: usize = 8;
/// More changes than this since an analysis was brought up to date: it is
/// computed anew.
const CACHED_CHANGES: usize = 5_000;

type CacheKey = (String, Period, u32);
/// An analysis and the change stamp it is up to date with.
type Stamped = (i64, Arc<Analysis>);
type Slot = Arc<Mutex<Kept>>;

/// What a cache keeps of one analysis.
#[derive(Default)]
struct Kept {
    latest: Option<Stamped>,
    /// The one before, which requests may still be using: once they are
    /// done, it is brought up to date in place of a copy of the latest
    /// (about 10 MB made and freed again for 3,000 halls).
    spare: Option<Stamped>,
}

/// Analyses kept between requests by the web application. Before one is
/// handed out, the changes the audit log lists since it was brought up to
/// date are applied: new visits of its checklist and period are added to
/// it, every other change to visits, the roster or checklists has it
/// computed anew. Changes made by other processes — an import from the
/// command line while the server runs — are seen the same way.
#[derive(Default)]
pub struct AnalysisCache {
    /// Most recently used last.
    slots: Mutex<Vec<(CacheKey, Slot)>>,
}

impl AnalysisCache {
    /// What [`analyse`] computes, both analyses of one state of the store.
    pub fn analyse(
        &self,
        store: &Reader,
        options: &Options,
    ) -> storage::Result<(Arc<Analysis>, Arc<Analysis>)> {
        store.snapshot(|store| {
            let stamp = store.change_stamp()?;
            let id = checklist_for(store, options)?;
            let (period, min_visits) = (options.period, options.min_visits);
            let current = self.analysis(store, stamp, &id, period, min_visits)?;
            let previous = self.analysis(store, stamp, &id, period.previous(), min_visits)?;
            Ok((current, previous))
        })
    }

    /// The analysis as of change `stamp` (or later), `store` being in a
    /// snapshot taken at `stamp`. One request at a time brings a slot up to
    /// date; others asking for the same analysis wait and share it.
    fn analysis(
        &self,
        store: &Reader,
        stamp: i64,
        checklist_id: &str,
        period: Period,
        min_visits: u32,
    ) -> storage::Result<Arc<Analysis>> {
        let slot = self.slot((checklist_id.to_string(), period, min_visits));
        let mut kept = slot.lock().unwrap_or_else(PoisonError::into_inner);
        // Taken out: an error on the way leaves the slot empty, never half
        // updated.
        let Kept { latest, spare } = std::mem::take(&mut *kept);
        if let Some((seen, analysis)) = latest {
            if seen >= stamp {
                *kept = Kept {
                    latest: Some((seen, analysis.clone())),
                    spare,
                };
                return Ok(analysis);
            }
            if let Some(caught_up) = catch_up(store, (seen, analysis), spare)? {
                let analysis = caught_up.latest.clone();
                *kept = Kept {
                    latest: Some((stamp, caught_up.latest)),
                    spare: caught_up.spare,
                };
                return Ok(analysis);
            }
        }
        let analysis = Arc::new(Analysis::compute(store, checklist_id, period, min_visits)?);
        kept.latest = Some((stamp, analysis.clone()));
        Ok(analysis)
    }

    fn slot(&self, key: CacheKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = match slots.iter().position(|(k, _)| *k == key) {
            Some(i) => slots.remove(i).1,
            None => Slot::default(),
        };
        slots.push((key, slot.clone()));
        if slots.len() > CACHED_ANALYSES {
            slots.remove(0);
        }
        slot
    }
}

/// A stored visit read for [`catch_up`], with the stamp of its change.
struct NewVisit {
    stamp: i64,
    branch_code: String,
    visited_at: chrono::NaiveDateTime,
    inspector: Option<String>,
    checklist_version: u32,
    answers: Vec<Answer>,
}

/// An analysis brought up to date by [`catch_up`], and the spare to keep.
struct CaughtUp {
    latest: Arc<Analysis>,
    spare: Option<Stamped>,
}

/// Applies the changes after `latest` was brought up to date: to it in
/// place when no request uses it; else to `spare`, from its own stamp,
/// when no request uses that any more; else to a copy. `None` when the
/// analysis must be computed anew instead.
fn catch_up(
    store: &Reader,
    latest: Stamped,
    spare: Option<Stamped>,
) -> storage::Result<Option<CaughtUp>> {
    let (seen, analysis) = latest;
    // Requests using an analysis hold it besides the cache.
    let in_use = Arc::strong_count(&analysis) > 1;
    let (spare, reusable) = match spare {
        Some((old, spare)) if in_use && Arc::strong_count(&spare) == 1 => {
            (None, Some((old, spare)))
        }
        other => (other, None),
    };
    let since = reusable.as_ref().map_or(seen, |(old, _)| *old);
    let Some(visits) = new_visits(store, since, &analysis)? else {
        return Ok(None);
    };
    if visits.iter().all(|v| v.stamp <= seen) {
        // Nothing of its checklist and period: as it was.
        return Ok(Some(CaughtUp {
            latest: analysis,
            spare: spare.or(reusable),
        }));
    }
    let (from, mut target, spare) = match reusable {
        Some((old, reusable)) => (old, reusable, Some((seen, analysis))),
        None if in_use => (seen, Arc::new(analysis.successor()), Some((seen, analysis))),
        None => (seen, analysis, spare),
    };
    let Some(writable) = Arc::get_mut(&mut target) else {
        return Ok(None);
    };
    for visit in visits.iter().filter(|v| v.stamp > from) {
        let added = writable.add(&ScannedVisit {
            visit_id: None,
            branch_code: &visit.branch_code,
            visited_at: visit.visited_at,
            inspector: visit.inspector.as_deref(),
            notes: None,
            checklist_version: visit.checklist_version,
            answers: &visit.answers,
        });
        if !added {
            return Ok(None);
        }
    }
    writable.derive();
    Ok(Some(CaughtUp {
        latest: target,
        spare,
    }))
}

/// The visits of `analysis`'s checklist and period stored after change
/// `since`, oldest first; `None` when there were other changes, or too
/// many.
fn new_visits(
    store: &Reader,
    since: i64,
    analysis: &Analysis,
) -> storage::Result<Option<Vec<NewVisit>>> {
    let Some(changes) = store.changes_since(since, CACHED_CHANGES)? else {
        return Ok(None);
    };
    let mut visits = Vec::new();
    for (stamp, change) in changes {
        match change {
            Change::Unrelated => {}
            Change::Other => return Ok(None),
            Change::NewVisit(key) => {
                // Visits of other checklists and periods are not this analysis's.
                store.scan_visit(&key, &analysis.checklist_id, |visit| {
                    if analysis.period.contains(visit.visited_at.date()) {
                        visits.push(NewVisit {
                            stamp,
                            branch_code: visit.branch_code.to_string(),
                            visited_at: visit.visited_at,
                            inspector: visit.inspector.map(str::to_string),
                            checklist_version: visit.checklist_version,
                            answers: visit.answers.to_vec(),
                        });
                    }
                })?;
            }
        }
    }
    Ok(Some(visits))
}

// ---- sentences in the style of a real report ----

/// The name of the whole checklist's metric.
pub fn total_title(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "综合得分率",
        Lang::En => "Overall score rate",
    }
}

/// "泌阳、正阳、遂平分公司" or "A厅、B厅"; in English "A, B and C".
fn name_list(names: &[&str], district_style: bool, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            let suffix = if district_style { "分公司" } else { "" };
            format!("{}{suffix}", names.join("、"))
        }
        Lang::En => match names {
            [] => String::new(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        },
    }
}

/// "is in the top 3" / "位于前三名", for one name or several.
fn placed(lang: Lang, top: bool, n: u32, several: bool) -> String {
    match lang {
        Lang::Zh => format!(
            "位于{}{}名",
            if top { "前" } else { "后" },
            chinese_number(n)
        ),
        Lang::En => format!(
            "{} in the {} {n}",
            if several { "are" } else { "is" },
            if top { "top" } else { "bottom" }
        ),
    }
}

/// A span of places, "4" or "4–6": rank ranges and the places a call-out
/// cannot be told apart from.
pub fn rank_span([first, last]: [u32; 2]) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// A 95% interval as people read it: "62.3%–81.0%".
pub fn interval_text([low, high]: [f64; 2]) -> String {
    format!("{}–{}", percent(Some(low)), percent(Some(high)))
}

/// A funnel signal in words, as tables and the workbook print it.
pub fn signal_text(signal: Signal) -> &'static str {
    match signal {
        Signal::Above => "显著偏高",
        Signal::Below => "显著偏低",
    }
}

/// What the call-outs cannot be told apart from, to close their sentence:
/// ";前三名与第 4–6 名差异不显著", or "" when they stand clear.
fn indistinct_clause(callout: &Callout, top: u32, lang: Lang) -> String {
    let spans: Vec<(bool, [u32; 2])> = [
        (true, callout.top_indistinct, callout.top.is_empty()),
        (false, callout.bottom_indistinct, callout.bottom.is_empty()),
    ]
    .into_iter()
    .filter_map(|(is_top, span, empty)| span.filter(|_| !empty).map(|s| (is_top, s)))
    .collect();
    if spans.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = spans
        .iter()
        .map(|&(is_top, span)| match lang {
            Lang::Zh => format!(
                "{}{}名与第 {} 名",
                if is_top { "前" } else { "后" },
                chinese_number(top),
                rank_span(span)
            ),
            Lang::En => format!(
                "the {} {top} are not clearly {} rank{} {}",
                if is_top { "top" } else { "bottom" },
                if is_top { "ahead of" } else { "behind" },
                if span[0] == span[1] { "" } else { "s" },
                rank_span(span)
            ),
        })
        .collect();
    match lang {
        Lang::Zh => format!(";{}差异不显著", parts.join("、")),
        Lang::En => format!("; {}", parts.join(" and ")),
    }
}

/// One sentence per metric in the style of a real report: who is in the top
/// `top`, then who else is in the bottom `top` (left out when nobody is).
/// `None` when the metric calls nobody out, as with a single ranked unit.
pub fn call_out_sentence(
    callout: &Callout,
    top: u32,
    districts: bool,
    lang: Lang,
) -> Option<String> {
    fn names(units: &[CalloutUnit]) -> Vec<&str> {
        units.iter().map(|u| u.name.as_str()).collect()
    }
    let (best, worst) = (names(&callout.top), names(&callout.bottom));
    if best.is_empty() && worst.is_empty() {
        return None;
    }
    let title = callout.title_in(lang);
    let parts: Vec<String> = [(true, best), (false, worst)]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(is_top, names)| {
            let list = name_list(&names, districts, lang);
            let placed = placed(lang, is_top, top, names.len() > 1);
            match lang {
                Lang::Zh => format!("{list}{placed}"),
                Lang::En => format!("{list} {placed}"),
            }
        })
        .collect();
    let caveat = indistinct_clause(callout, top, lang);
    Some(match lang {
        Lang::Zh => format!("{title}:{}{caveat}。", parts.join(",")),
        Lang::En => format!("{title}: {}{caveat}.", parts.join("; ")),
    })
}

pub fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    DIGITS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |d| d.to_string())
}

/// Units that are in the top (or bottom) on several metrics. They come from
/// the call-outs, which never name a unit in both lists of one metric.
pub fn summary_sentences(report: &RankingsReport, top: u32, lang: Lang) -> Vec<String> {
    let metrics = report.top_bottom.len();
    let districts = report.level == Level::District;
    let mut sentences = Vec::new();
    for is_top in [true, false] {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for callout in &report.top_bottom {
            let units = if is_top {
                &callout.top
            } else {
                &callout.bottom
            };
            for unit in units {
                match counts.iter_mut().find(|(name, _)| *name == unit.name) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((&unit.name, 1)),
                }
            }
        }
        counts.retain(|(_, n)| *n >= 2);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        for (name, n) in counts {
            let name = name_list(&[name], districts, lang);
            let placed = placed(lang, is_top, top, false);
            sentences.push(match (lang, n == metrics) {
                (Lang::Zh, true) => format!("{name}在全部 {metrics} 项指标中均{placed}。"),
                (Lang::Zh, false) => format!("{name}在 {n} 项指标中{placed}。"),
                (Lang::En, true) => format!("{name} {placed} on all {metrics} metrics."),
                (Lang::En, false) => format!("{name} {placed} on {n} metrics."),
            });
        }
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::visit::Visit;
    use crate::storage::Store;

    const ACTOR: &str = "测试";

    /// A store with the demo roster and visits, and a second connection to
    /// it, as another request or process would have.
    fn demo_store() -> (tempfile::TempDir, Store, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.db");
        let mut store = Store::open(&path).expect("store");
        let built_in =
            crate::formats::checklist::load_dir(&dir.path().join("none")).expect("built in");
        for checklist in &built_in {
            store.save_checklist(checklist, ACTOR).expect("checklist");
        }
        let checklist = store.checklist("hall-visit").expect("hall-visit");
        store
            .save_roster(&crate::app::demo::roster(), true, ACTOR)
            .expect("roster");
        store
            .import_visits(
                &crate::app::demo::visits(&checklist),
                storage::ImportOptions::by(ACTOR),
            )
            .expect("visits");
        let other = Store::open(&path).expect("second connection");
        (dir, store, other)
    }

    fn options() -> Options {
        Options {
            period: Period::parse(crate::app::demo::QUARTERS[1]).expect("period"),
            checklist: None,
            min_visits: 1,
            top: 3,
        }
    }

    /// Everything the reports show of a pair of analyses.
    fn figures(current: &Analysis, previous: &Analysis) -> serde_json::Value {
        serde_json::json!({
            "branches": current.rankings(previous, Level::Branch, 3),
            "districts": current.rankings(previous, Level::District, 3),
            "cities": current.rankings(previous, Level::City, 3),
            "shortboards": current.shortboards("all").expect("all"),
        })
    }

    /// The cache's figures must be those of a computation from scratch.
    #[track_caller]
    fn assert_fresh(cache: &AnalysisCache, store: &Reader) -> (Arc<Analysis>, Arc<Analysis>) {
        let (current, previous) = cache.analyse(store, &options()).expect("cached");
        let (fresh, fresh_previous) = analyse(store, &options()).expect("fresh");
        assert_eq!(
            figures(&current, &previous),
            figures(&fresh, &fresh_previous)
        );
        (current, previous)
    }

    /// A new visit of the current quarter: a copy of a demo visit under a
    /// new id, with its first answer turned round.
    fn new_visit(store: &Reader, id: &str) -> Visit {
        let checklist = store.checklist("hall-visit").expect("checklist");
        let quarter = options().period;
        let mut visit = crate::app::demo::visits(&checklist)
            .into_iter()
            .find(|v| quarter.contains(v.visited_at.date()))
            .expect("a visit of the quarter");
        visit.visit_id = Some(id.to_string());
        visit.answers[0] = match visit.answers[0] {
            Answer::Pass => Answer::Fail,
            _ => Answer::Pass,
        };
        visit
    }

    fn callout(metric: &str, title: &str, top: &[&str], bottom: &[&str]) -> Callout {
        let units = |names: &[&str]| {
            names
                .iter()
                .map(|name| CalloutUnit {
                    code: name.to_string(),
                    name: name.to_string(),
                    rate: None,
                    rank: None,
                })
                .collect()
        };
        Callout {
            metric: metric.into(),
            title: title.into(),
            top: units(top),
            bottom: units(bottom),
            top_indistinct: None,
            bottom_indistinct: None,
        }
    }

    #[test]
    fn call_out_sentences_in_both_languages() {
        let both = callout(
            "total",
            "综合得分率",
            &["泌阳", "正阳", "遂平"],
            &["新蔡", "驿城区", "上蔡"],
        );
        assert_eq!(
            call_out_sentence(&both, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:泌阳、正阳、遂平分公司位于前三名,新蔡、驿城区、上蔡分公司位于后三名。"
            )
        );
        assert_eq!(
            call_out_sentence(&both, 3, true, Lang::En).as_deref(),
            Some(
                "Overall score rate: 泌阳, 正阳 and 遂平 are in the top 3; \
                 新蔡, 驿城区 and 上蔡 are in the bottom 3."
            )
        );
        // Too few units for a bottom call-out: the sentence names only the top.
        let top_only = callout("A", "营业环境", &["甲厅", "乙厅"], &[]);
        assert_eq!(
            call_out_sentence(&top_only, 3, false, Lang::Zh).as_deref(),
            Some("营业环境:甲厅、乙厅位于前三名。")
        );
        assert_eq!(
            call_out_sentence(&top_only, 3, false, Lang::En).as_deref(),
            Some("营业环境: 甲厅 and 乙厅 are in the top 3.")
        );
        let one_each = callout("A", "营业环境", &["甲厅"], &["乙厅"]);
        assert_eq!(
            call_out_sentence(&one_each, 1, false, Lang::En).as_deref(),
            Some("营业环境: 甲厅 is in the top 1; 乙厅 is in the bottom 1.")
        );
        // A single ranked unit: nothing to say, in either language.
        let nobody = callout("total", "综合得分率", &[], &[]);
        assert_eq!(call_out_sentence(&nobody, 3, true, Lang::Zh), None);
        assert_eq!(call_out_sentence(&nobody, 3, true, Lang::En), None);
    }

    #[test]
    fn call_outs_say_when_they_cannot_be_told_apart_from_their_neighbours() {
        let mut unsure = callout(
            "total",
            "综合得分率",
            &["甲", "乙", "丙"],
            &["辛", "壬", "癸"],
        );
        unsure.top_indistinct = Some([4, 6]);
        unsure.bottom_indistinct = Some([7, 7]);
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:甲、乙、丙分公司位于前三名,辛、壬、癸分公司位于后三名;\
                 前三名与第 4–6 名、后三名与第 7 名差异不显著。"
            )
        );
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::En).as_deref(),
            Some(
                "Overall score rate: 甲, 乙 and 丙 are in the top 3; 辛, 壬 and 癸 are in the \
                 bottom 3; the top 3 are not clearly ahead of ranks 4–6 and the bottom 3 are \
                 not clearly behind rank 7."
            )
        );
        unsure.top_indistinct = None;
        assert_eq!(
            call_out_sentence(&unsure, 3, true, Lang::Zh).as_deref(),
            Some(
                "综合得分率:甲、乙、丙分公司位于前三名,辛、壬、癸分公司位于后三名;后三名与第 7 名差异不显著。"
            )
        );
    }

    #[test]
    fn summary_sentences_follow_the_call_outs_in_both_languages() {
        let (_dir, store, _) = demo_store();
        let (current, previous) = analyse(&store, &options()).expect("analyse");
        let mut report = current.rankings(&previous, Level::District, 3);
        report.top_bottom = vec![
            callout("total", "综合得分率", &["西平", "泌阳"], &["新蔡"]),
            callout("A", "营业环境", &["西平"], &["新蔡"]),
            callout("B", "服务规范", &["西平"], &["泌阳"]),
        ];
        assert_eq!(
            summary_sentences(&report, 3, Lang::Zh),
            vec![
                "西平分公司在全部 3 项指标中均位于前三名。",
                "新蔡分公司在 2 项指标中位于后三名。",
            ]
        );
        assert_eq!(
            summary_sentences(&report, 3, Lang::En),
            vec![
                "西平 is in the top 3 on all 3 metrics.",
                "新蔡 is in the bottom 3 on 2 metrics.",
            ]
        );
        report.top_bottom = vec![callout("total", "综合得分率", &[], &[]); 3];
        assert!(summary_sentences(&report, 3, Lang::En).is_empty());
    }

    #[test]
    fn rankings_for_a_reader_are_the_restricted_rankings() {
        let (_dir, store, _) = demo_store();
        let (current, previous) = analyse(&store, &options()).expect("analyse");
        for visibility in [
            Visibility::Everything,
            Visibility::City(crate::app::demo::CITY.into()),
            Visibility::City("别处".into()),
            Visibility::District("西平".into()),
            Visibility::OwnVisits {
                user: 1,
                inspector: "王敏".into(),
            },
        ] {
            for level in [Level::Branch, Level::District, Level::City] {
                for calibration in [true, false] {
                    let mut expected = current.rankings(&previous, level, 3);
                    expected.restrict(&visibility, calibration);
                    let got = current.rankings_for(&previous, level, 3, &visibility, calibration);
                    assert_eq!(
                        serde_json::to_value(&got).expect("json"),
                        serde_json::to_value(&expected).expect("json"),
                        "{visibility:?} {level:?} {calibration}"
                    );
                }
            }
        }
    }

    #[test]
    fn cached_analyses_follow_every_change() {
        let (_dir, store, mut other) = demo_store();
        let cache = AnalysisCache::default();
        let (current, previous) = assert_fresh(&cache, &store);

        // Nothing changed: the same analyses, not computed again.
        let (again, again_previous) = cache.analyse(&store, &options()).expect("cached");
        assert!(Arc::ptr_eq(&current, &again) && Arc::ptr_eq(&previous, &again_previous));

        // A submission (one new visit) on another connection is added; the
        // previous quarter, which it does not touch, is kept as it was.
        let visit = new_visit(&store, "NEW-1");
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit");
        let (added, added_previous) = assert_fresh(&cache, &store);
        assert_eq!(added.region.visits, current.region.visits + 1);
        assert!(Arc::ptr_eq(&previous, &added_previous));
        let first = Arc::as_ptr(&current);
        drop((current, again));

        // Signing up a user changes nothing reports show.
        other
            .add_user(
                "新用户",
                "新用户",
                crate::domain::access::Role::Inspector,
                None,
                None,
                ACTOR,
            )
            .expect("user");
        let (unchanged, _) = cache.analyse(&store, &options()).expect("cached");
        assert!(Arc::ptr_eq(&added, &unchanged));

        // Another submission while the latest is in use: the analysis before
        // it, which nothing uses any more, is brought up to date from its own
        // stamp instead of a copy of the latest being made.
        let visit = new_visit(&store, "NEW-5");
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit");
        let (reused, _) = assert_fresh(&cache, &store);
        assert_eq!(reused.region.visits, added.region.visits + 1);
        assert_eq!(Arc::as_ptr(&reused), first);

        // A replaced visit, visits imported in bulk, a renamed hall and a
        // district moved to another city: each is seen.
        let mut replaced = new_visit(&store, "NEW-1");
        replaced.answers[1] = Answer::Fail;
        replaced.answers[2] = Answer::Fail;
        other
            .import_visits(
                &[replaced],
                storage::ImportOptions {
                    replace: true,
                    ..storage::ImportOptions::by(ACTOR)
                },
            )
            .expect("replace");
        assert_fresh(&cache, &store);
        let bulk = [new_visit(&store, "NEW-2"), new_visit(&store, "NEW-3")];
        other
            .import_visits(&bulk, storage::ImportOptions::by(ACTOR))
            .expect("bulk");
        assert_fresh(&cache, &store);
        let mut roster = crate::app::demo::roster();
        roster[0].name = "改名后的营业厅".into();
        roster[1].city = Some("新地市".into());
        other.save_roster(&roster, true, ACTOR).expect("roster");
        let (renamed, _) = assert_fresh(&cache, &store);
        let hall = renamed.branches.iter().find(|b| b.code == roster[0].code);
        assert_eq!(hall.map(|b| b.name.as_str()), Some("改名后的营业厅"));

        // A new checklist version, and a visit scored by it.
        let mut checklist = store.checklist("hall-visit").expect("checklist");
        checklist.version += 1;
        checklist.sections[0].title = "仪容仪表(新版)".into();
        other.save_checklist(&checklist, ACTOR).expect("version 2");
        let mut visit = new_visit(&store, "NEW-4");
        visit.checklist_version = checklist.version;
        other
            .import_visits(&[visit], storage::ImportOptions::by(ACTOR))
            .expect("submit under version 2");
        let (newer, _) = assert_fresh(&cache, &store);
        assert_eq!(newer.versions.len(), 2);

        // And the cache keeps a bounded number of analyses.
        for month in 1..=12 {
            let options = Options {
                period: Period::parse(&format!("2025-{month:02}")).expect("month"),
                ..options()
            };
            cache.analyse(&store, &options).expect("month");
        }
        let kept = cache.slots.lock().expect("slots").len();
        assert!(kept <= CACHED_ANALYSES, "{kept} analyses kept");
    }
}
