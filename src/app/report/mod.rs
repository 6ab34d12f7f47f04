//! The figures of a period, computed once from the store and handed to every
//! renderer: the CLI's tables and JSON, the web API and the workbook.
//!
//! - this module: the [`Analysis`] of a period, computed from the store;
//! - [`json`]: the JSON objects made from it;
//! - [`batch`]: visits read to be added up later, on another thread or
//!   by the cache;
//! - [`cache`]: analyses kept between requests and brought up to date;
//! - [`sentences`]: the call-outs and summary as a report words them.

mod batch;
mod cache;
mod json;
mod sentences;

pub use cache::AnalysisCache;
pub use json::*;
pub use sentences::*;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::domain::analytics::{
    Board, Catalogue, Standing, Tally, TopBottom, VersionMap, competition_ranks, group_standing,
    short_boards, top_bottom,
};
pub use crate::domain::analytics::{percent, round4, signed_percent};
use crate::domain::answer::Answer;
use crate::domain::calibration::{Calibration, calibrate};
use crate::domain::checklist::{Checklist, ItemKind};
use crate::domain::period::Period;
use crate::domain::roster::Branch;
use crate::domain::scoring::{VisitPoints, score_visit};
use crate::domain::uncertainty::{
    InspectorEffect, Interval, Limits, RatedVisit, Spread, adjusted_rates, inspector_effects,
    rank_ranges,
};
use crate::domain::waits::{WaitSummary, summarise};
use crate::storage::{self, Decoding, Reader, ScannedVisit};
use batch::{BATCH, Batch};

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

/// Which units a ranking lists: halls, districts or cities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug)]
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
    pub observations: Vec<RatedVisit>,
    /// Visits of the period still waiting for review: they count nowhere
    /// until accepted.
    pub pending: usize,
    /// The inspector effects taken out of the visits when the halls'
    /// overall rates are inspector-adjusted
    /// ([`Analysis::adjusted_for_inspectors`]); `None` for plain rates.
    removed_effects: Option<Vec<InspectorEffect>>,
    /// What the figures are derived from.
    totals: Totals,
    /// Figures kept once asked for, until visits are added.
    memo: Memo,
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

/// The wait summaries of each level, worked out when first asked for;
/// each level at its [`level_slot`].
type Waits = [OnceLock<Vec<(usize, usize, WaitSummary)>>; 3];
/// The units of each level that new visits touched, each level at its
/// [`level_slot`].
type Stale = [HashSet<usize>; 3];

/// Figures of an analysis worked out when first asked for.
#[derive(Debug, Default)]
struct Memo {
    calibration: OnceLock<Vec<Calibration>>,
    uncertainty: OnceLock<Uncertainty>,
    adjusted: OnceLock<Arc<Analysis>>,
    /// Per level (halls, districts, cities): (measure, unit, summary) of
    /// every unit with a measurement, in [`Analysis::waits`] order. Kept
    /// across a new state for the units no new visit touched (see
    /// [`Analysis::carried_waits`]).
    waits: Waits,
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
    /// Branches added to since their standings were worked out, when
    /// there are standings to bring up to date.
    touched: Vec<usize>,
    /// The points of the visit being added, in buffers kept for the next.
    points: VisitPoints,
}

/// A measure item of the checklist and its values in the period.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Index into the catalogue's items.
    pub item: usize,
    pub unit: String,
    /// The first band's limit: the longest wait that earns full points.
    pub limit: Option<f64>,
    /// Per branch, every value measured, in ascending order.
    pub values: Vec<Vec<f64>>,
}

impl Analysis {
    /// One scan over the period's visits, scoring each with its own version:
    /// this thread reads the rows while another adds them up.
    pub fn compute(
        store: &Reader,
        checklist_id: &str,
        period: Period,
        min_visits: u32,
    ) -> storage::Result<Analysis> {
        let mut analysis =
            Analysis::empty(store, checklist_id, period, min_visits)?.add_period(store, BATCH)?;
        analysis.derive();
        Ok(analysis)
    }

    /// The analysis of the period before any visit is added.
    fn empty(
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
        Ok(Analysis {
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
                touched: Vec::new(),
                points: VisitPoints::default(),
            },
            removed_effects: None,
            memo: Memo::default(),
            pending: store
                .pending_visits(checklist_id, period.from, period.to)?
                .len(),
        })
    }

    /// Adds every visit of the period, in the order stored: this thread
    /// reads the rows and hands them over `size` at a time to another,
    /// which adds them up.
    fn add_period(self, store: &Reader, size: usize) -> storage::Result<Analysis> {
        let (checklist_id, period) = (self.checklist_id.clone(), self.period);
        let mut analysis = self;
        std::thread::scope(|scope| {
            let (hand_over, handed) = std::sync::mpsc::sync_channel::<Batch>(2);
            let adding = scope.spawn(move || {
                let mut decoding = Decoding::default();
                for batch in handed {
                    for visit in batch.visits() {
                        analysis.add(&visit.decode(&mut decoding)?);
                    }
                }
                Ok(analysis)
            });
            let mut batch = Batch::default();
            let read = store.scan_stored_visits(&checklist_id, period.from, period.to, |visit| {
                batch.push(&visit);
                if batch.len() == size {
                    // The adding thread stops early only by panicking,
                    // which the join below passes on.
                    let _ = hand_over.send(std::mem::take(&mut batch));
                }
            });
            let _ = hand_over.send(batch);
            drop(hand_over);
            let added = adding
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            read.and(added)
        })
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
        // Points stored with the visit are the very ones scoring its answers
        // gives.
        let scored;
        let points = match visit.points {
            Some(items) => {
                totals.points.add_up_again(checklist, items);
                &totals.points
            }
            None => {
                scored = score_visit(checklist, visit.answers).points;
                &scored
            }
        };
        totals.tally.add(b, map, points);
        // Before the first derive, the whole period is being added.
        let whole = self.branch.is_empty();
        if !whole {
            totals.touched.push(b);
        }
        for &(position, slot) in totals
            .measure_slots
            .get(&visit.checklist_version)
            .into_iter()
            .flatten()
        {
            if let Some(&Answer::Number(value)) = visit.answers.get(position) {
                // Kept in order, so that summaries sort what is sorted
                // already: in a whole period's scan, by one sort of each
                // hall's values when it is derived, rather than a search
                // among them for every value.
                let values = &mut self.measures[slot].values[b];
                if whole {
                    values.push(value);
                } else {
                    let at = values.partition_point(|v| v.total_cmp(&value).is_lt());
                    values.insert(at, value);
                }
            }
        }
        if let Some(rate) = points.rate() {
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
            self.observations.push(RatedVisit {
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
        let touched = std::mem::take(&mut self.totals.touched);
        if self.branch.is_empty() {
            self.branch = self.totals.tally.branch_standings();
            for values in self.measures.iter_mut().flat_map(|m| &mut m.values) {
                values.sort_unstable_by(f64::total_cmp);
            }
            self.derive_groups(None);
        } else {
            for &b in &touched {
                self.branch[b] = self.totals.tally.branch_standing(b);
            }
            // A new visit changes only its hall's, its district's and its
            // city's figures.
            let branches = self.branches.len();
            let stale = [
                touched.iter().copied().collect(),
                stale_groups(&self.districts, branches, &touched),
                stale_groups(&self.cities, branches, &touched),
            ];
            let waits = self.carried_waits(&stale);
            self.derive_groups(Some(&stale));
            self.memo.waits = waits;
        }
    }

    /// The wait summaries of the state before, where it had worked them
    /// out, with those of the `stale` units worked out anew.
    fn carried_waits(&mut self, stale: &Stale) -> Waits {
        let mut out = Waits::default();
        let mut pooled = Vec::new();
        for level in [Level::Branch, Level::District, Level::City] {
            let slot = level_slot(level);
            let Some(before) = std::mem::take(&mut self.memo.waits[slot]).into_inner() else {
                continue;
            };
            let stale = &stale[slot];
            let mut waits: Vec<_> = before
                .into_iter()
                .filter(|(_, u, _)| !stale.contains(u))
                .collect();
            for m in 0..self.measures.len() {
                for &u in stale {
                    if let Some(summary) = self.wait_summary(level, m, u, &mut pooled) {
                        waits.push((m, u, summary));
                    }
                }
            }
            waits.sort_by_key(|&(m, u, _)| (m, u));
            out[slot] = OnceLock::from(waits);
        }
        out
    }

    /// Districts, cities and the region from the branches' standings: of
    /// the districts and cities, only the `stale` ones when given (the
    /// others' members are as they were). The groups' members are the
    /// roster's, worked out once.
    fn derive_groups(&mut self, stale: Option<&Stale>) {
        self.memo = Memo::default();
        let stale = if self.districts.is_empty() {
            self.districts = groups(&self.branches, |b| b.district.clone(), |b| b.city.clone());
            self.cities = groups(
                &self.branches,
                |b| b.city.clone().unwrap_or_else(|| NO_CITY.to_string()),
                |_| None,
            );
            None
        } else {
            stale
        };
        let metrics = self.catalogue.metric_count();
        let of = |level| stale.map(|stale| &stale[level_slot(level)]);
        stand(
            &mut self.districts,
            &self.branch,
            of(Level::District),
            metrics,
        );
        stand(&mut self.cities, &self.branch, of(Level::City), metrics);
        self.region = group_standing(&self.branch, metrics);
    }

    /// The figures the options ask for, with the checklist chosen as the
    /// contract says when none is named.
    pub fn for_options(store: &Reader, options: &Options) -> storage::Result<Analysis> {
        let id = checklist_for(store, options.checklist.as_deref(), options.period)?;
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
        self.wait_summaries(level)
            .iter()
            .filter(|&&(_, u, _)| shown.get(u) != Some(&false))
            .map(|(m, u, summary)| (&self.measures[*m], units[*u].clone(), summary.clone()))
            .collect()
    }

    /// The summaries of [`Analysis::waits`] by measure and unit index,
    /// worked out once per level.
    fn wait_summaries(&self, level: Level) -> &[(usize, usize, WaitSummary)] {
        self.memo.waits[level_slot(level)].get_or_init(|| {
            let units = match level {
                Level::Branch => self.branches.len(),
                Level::District => self.districts.len(),
                Level::City => self.cities.len(),
            };
            let mut out = Vec::new();
            let mut pooled = Vec::new();
            for m in 0..self.measures.len() {
                for u in 0..units {
                    if let Some(summary) = self.wait_summary(level, m, u, &mut pooled) {
                        out.push((m, u, summary));
                    }
                }
            }
            out
        })
    }

    /// The summary of measure `m`'s values at unit `u` of `level`, if it
    /// has any; `pooled` is room for a group's values.
    fn wait_summary(
        &self,
        level: Level,
        m: usize,
        u: usize,
        pooled: &mut Vec<f64>,
    ) -> Option<WaitSummary> {
        let measure = &self.measures[m];
        let members = match level {
            // A hall's unit is its place in the roster, and its values are
            // kept in order.
            Level::Branch => return summarise(&measure.values[u], measure.limit),
            Level::District => &self.districts[u].members,
            Level::City => &self.cities[u].members,
        };
        pooled.clear();
        pooled.extend(
            members
                .iter()
                .flat_map(|&b| measure.values[b].iter().copied()),
        );
        // Its halls' runs in order, which this sort merges rather than
        // sorts afresh.
        pooled.sort_by(f64::total_cmp);
        summarise(pooled, measure.limit)
    }

    /// How each inspector's scores compare with the others' at the same halls.
    pub fn calibration(&self) -> Vec<Calibration> {
        self.memo
            .calibration
            .get_or_init(|| calibrate(&self.inspectors, &self.observations))
            .clone()
    }

    /// The spread of visit rates, each hall's visits with a rate, the
    /// inspector effects and the adjusted rates.
    pub fn uncertainty(&self) -> &Uncertainty {
        self.memo.uncertainty.get_or_init(|| {
            // Every hall's visit rates in the order they came, laid end to
            // end: hall b's are rates[start[b]..start[b + 1]].
            let mut rated = vec![0usize; self.branches.len()];
            for o in &self.observations {
                rated[o.branch] += 1;
            }
            let start: Vec<usize> = std::iter::once(0)
                .chain(rated.iter().scan(0, |end, n| {
                    *end += n;
                    Some(*end)
                }))
                .collect();
            let mut rates = vec![0.0; self.observations.len()];
            let mut next = start.clone();
            for o in &self.observations {
                rates[next[o.branch]] = o.rate;
                next[o.branch] += 1;
            }
            let visits = &self.observations;
            // Adjusted rates already have the effects taken out: they are
            // reported, not fitted again (a refit would find none).
            let (inspectors, adjusted) = match &self.removed_effects {
                Some(removed) => (
                    removed.clone(),
                    self.branch.iter().map(Standing::rate).collect(),
                ),
                None => {
                    let fitted = inspector_effects(visits, self.inspectors.len());
                    let adjusted = adjusted_rates(visits, &fitted, self.branches.len());
                    (fitted, adjusted)
                }
            };
            Uncertainty {
                spread: Spread::of(start.windows(2).map(|w| &rates[w[0]..w[1]])),
                rated,
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
    /// averaged from those: what `--adjust inspectors` ranks. Made once per
    /// state of the analysis and shared: every admin's page shows it.
    pub fn adjusted_for_inspectors(&self) -> Arc<Analysis> {
        self.memo
            .adjusted
            .get_or_init(|| Arc::new(self.adjusted_copy()))
            .clone()
    }

    /// Each unit's inspector-adjusted overall rate, in [`Analysis::units`]
    /// order: the figures [`Analysis::adjusted_for_inspectors`] ranks,
    /// without making the copy. A group's is the mean of its halls' (rule 6).
    pub fn adjusted_rates(&self, level: Level) -> Vec<Option<f64>> {
        let halls = &self.uncertainty().adjusted;
        let groups = match level {
            Level::Branch => return halls.clone(),
            Level::District => &self.districts,
            Level::City => &self.cities,
        };
        let overall: Vec<Standing> = self
            .branch
            .iter()
            .zip(halls)
            .map(|(standing, &rate)| Standing {
                visits: standing.visits,
                branches: 1,
                rates: vec![rate],
                lost: vec![0.0],
            })
            .collect();
        groups
            .iter()
            .map(|g| group_standing(g.members.iter().map(|&b| &overall[b]), 1).rate())
            .collect()
    }

    fn adjusted_copy(&self) -> Analysis {
        let u = self.uncertainty();
        let adjusted = u.adjusted.clone();
        let effect: Vec<f64> = u
            .inspectors
            .iter()
            .map(|e| e.effect.unwrap_or(0.0))
            .collect();
        // Never added to: it shares no running totals.
        let mut copy = self.copy_with(Totals::unused(&self.catalogue));
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
        copy.derive_groups(None);
        copy
    }

    /// A copy to add visits to, with the running totals: [`Analysis::derive`]
    /// then works out the standings of the branches added to.
    fn successor(&self) -> Analysis {
        self.copy_with(self.totals.clone())
    }

    /// A copy with `totals` as its running totals, this analysis's
    /// branches' figures, and its districts and cities, whose standings
    /// [`Analysis::derive_groups`] works out anew; of the memo, only the
    /// wait summaries, which [`Analysis::derive`] brings up to date.
    fn copy_with(&self, totals: Totals) -> Analysis {
        Analysis {
            period: self.period,
            checklist_id: self.checklist_id.clone(),
            versions: self.versions.clone(),
            catalogue: self.catalogue.clone(),
            branches: self.branches.clone(),
            branch: self.branch.clone(),
            districts: self.districts.clone(),
            cities: self.cities.clone(),
            region: self.region.clone(),
            min_visits: self.min_visits,
            measures: self.measures.clone(),
            inspectors: self.inspectors.clone(),
            observations: self.observations.clone(),
            totals,
            removed_effects: self.removed_effects.clone(),
            memo: Memo {
                waits: self.memo.waits.clone(),
                ..Memo::default()
            },
            pending: self.pending,
        }
    }
}

impl Totals {
    /// The totals of a copy that is never added to: none.
    fn unused(catalogue: &Catalogue) -> Totals {
        Totals {
            tally: Tally::new(catalogue, 0),
            index: HashMap::new(),
            maps: HashMap::new(),
            measure_slots: HashMap::new(),
            inspector_index: HashMap::new(),
            touched: Vec::new(),
            points: VisitPoints::default(),
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

/// The groups `name_of` puts the roster's branches in, sorted by name,
/// without standings yet: see [`stand`].
fn groups(
    branches: &[Branch],
    name_of: impl Fn(&Branch) -> String,
    city_of: impl Fn(&Branch) -> Option<String>,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for (b, branch) in branches.iter().enumerate() {
        let name = name_of(branch);
        let index = match position.get(&name) {
            Some(&i) => i,
            None => {
                position.insert(name.clone(), groups.len());
                groups.push(Group {
                    name,
                    city: city_of(branch),
                    members: Vec::new(),
                    standing: Standing::default(),
                });
                groups.len() - 1
            }
        };
        groups[index].members.push(b);
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

/// Each group's standing from its members' (rule 6), every one of the
/// roster's branches being a member of one group; only of the `stale`
/// groups when given.
fn stand(
    groups: &mut [Group],
    branches: &[Standing],
    stale: Option<&HashSet<usize>>,
    metrics: usize,
) {
    for (g, group) in groups.iter_mut().enumerate() {
        if stale.is_none_or(|stale| stale.contains(&g)) {
            group.standing = group_standing(group.members.iter().map(|&b| &branches[b]), metrics);
        }
    }
}

/// Where [`Waits`] and [`Stale`] keep a level's figures.
fn level_slot(level: Level) -> usize {
    match level {
        Level::Branch => 0,
        Level::District => 1,
        Level::City => 2,
    }
}

/// The groups with a member among the branches `changed`, of `branches`.
fn stale_groups(groups: &[Group], branches: usize, changed: &[usize]) -> HashSet<usize> {
    let group_of = group_of(groups, branches);
    changed.iter().map(|&b| group_of[b]).collect()
}

/// Each of `branches` branches' place among `groups`.
fn group_of(groups: &[Group], branches: usize) -> Vec<usize> {
    let mut group_of = vec![0; branches];
    for (g, group) in groups.iter().enumerate() {
        for &b in &group.members {
            group_of[b] = g;
        }
    }
    group_of
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

/// The checklist a request names (which must exist), or the one with the
/// most visits in the period.
pub fn checklist_for(
    store: &Reader,
    checklist: Option<&str>,
    period: Period,
) -> storage::Result<String> {
    match checklist {
        Some(id) => {
            store.checklist(id)?;
            Ok(id.to_string())
        }
        None => store.busiest_checklist(period.from, period.to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Visibility;
    use crate::storage::Store;
    pub(super) const ACTOR: &str = "测试";

    /// A store with the demo roster and visits, and a second connection to
    /// it, as another request or process would have.
    pub(super) fn demo_store() -> (tempfile::TempDir, Store, Store) {
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

    pub(super) fn options() -> Options {
        Options {
            period: Period::parse(crate::app::demo::QUARTERS[1]).expect("period"),
            checklist: None,
            min_visits: 1,
            top: 3,
        }
    }

    #[test]
    fn visits_added_up_on_another_thread_give_every_figure_adding_them_here_gives() {
        let (_dir, store, _) = demo_store();
        let id = checklist_for(&store, None, options().period).expect("checklist");
        let year = Period::parse("2026").expect("year");
        let previous = Analysis::compute(&store, &id, year.previous(), 1).expect("previous");
        let mut here = Analysis::empty(&store, &id, year, 1).expect("empty");
        store
            .scan_visits(&id, year.from, year.to, |visit| {
                here.add(&visit);
            })
            .expect("scan");
        here.derive();
        assert!(
            here.observations.len() > 100,
            "{} visits: many batches of 7",
            here.observations.len()
        );
        for size in [1, 7, BATCH] {
            let mut there = Analysis::empty(&store, &id, year, 1)
                .and_then(|a| a.add_period(&store, size))
                .expect("added");
            there.derive();
            assert_eq!(there.observations, here.observations, "batches of {size}");
            assert_eq!(there.inspectors, here.inspectors, "batches of {size}");
            for level in [Level::Branch, Level::District, Level::City] {
                assert_eq!(
                    serde_json::to_value(there.rankings(&previous, level, 3)).expect("json"),
                    serde_json::to_value(here.rankings(&previous, level, 3)).expect("json"),
                    "batches of {size}, {level:?}"
                );
            }
        }
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
                    let extras = Extras {
                        waits: true,
                        calibration,
                    };
                    let got = current.rankings_for(&previous, level, 3, &visibility, extras);
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
    fn adjusted_rates_are_those_the_adjusted_copy_ranks() {
        let (_dir, store, _) = demo_store();
        let (current, _) = analyse(&store, &options()).expect("analyse");
        let copy = current.adjusted_for_inspectors();
        assert!(
            copy.branch
                .iter()
                .zip(&current.branch)
                .any(|(a, p)| a.rate() != p.rate()),
            "the demo's inspectors move some rates"
        );
        for level in [Level::Branch, Level::District, Level::City] {
            let ranked: Vec<Option<f64>> = copy
                .units(level)
                .iter()
                .map(|u| u.standing.rate())
                .collect();
            assert_eq!(current.adjusted_rates(level), ranked, "{level:?}");
        }
    }

    #[test]
    fn stored_points_give_every_figure_that_scoring_the_answers_gives() {
        let (dir, store, _) = demo_store();
        let (stored, _) = analyse(&store, &options()).expect("analyse");
        // The same visits with no stored points: every answer is scored.
        rusqlite::Connection::open(dir.path().join("cache.db"))
            .and_then(|c| c.execute("UPDATE visits SET points = NULL", []))
            .expect("forget the points");
        let (scored, previous) = analyse(&store, &options()).expect("analyse");
        // The figures come from the stored points where there are some:
        // points saying no item applied leave no rate.
        rusqlite::Connection::open(dir.path().join("cache.db"))
            .and_then(|c| c.execute("UPDATE visits SET points = x'00'", []))
            .expect("points of nothing");
        let (nothing, _) = analyse(&store, &options()).expect("analyse");
        assert_eq!(nothing.region.rate(), None);
        assert!(stored.region.visits > 100);
        assert_eq!(stored.branch, scored.branch);
        assert_eq!(stored.region, scored.region);
        assert_eq!(stored.observations, scored.observations);
        for level in [Level::Branch, Level::District, Level::City] {
            assert_eq!(
                serde_json::to_value(stored.rankings(&previous, level, 3)).expect("json"),
                serde_json::to_value(scored.rankings(&previous, level, 3)).expect("json"),
                "{level:?}"
            );
        }
    }
}
