//! The JSON objects of `docs/api.md`, made from an [`Analysis`]: the
//! rankings and short-board reports every renderer shares.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Analysis, Level, Unit, round4, sentences::total_title};
use crate::domain::access::Visibility;
use crate::domain::analytics::{
    self, Board, TopBottom, competition_ranks, listing_order, top_bottom,
};
use crate::domain::lang::Lang;
use crate::domain::period::Period;
use crate::domain::uncertainty::{self, Interval, Signal, rank_ranges};

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
    pub sections: SectionRates,
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

/// A row's rate of every section, published as an object by section code.
/// The codes are the report's, shared by all its rows.
#[derive(Debug, Clone)]
pub struct SectionRates {
    codes: Arc<[String]>,
    rates: Vec<Option<f64>>,
}

impl SectionRates {
    /// The rates in the checklist's order of sections.
    pub fn values(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.rates.iter().copied()
    }
}

impl Serialize for SectionRates {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.codes.iter().zip(&self.rates))
    }
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
    /// Visits of the period waiting for review, not counted in any figure.
    pub pending: usize,
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

/// The parts of a rankings report besides its rows and call-outs that a
/// reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extras {
    /// The queue waits of every unit shown.
    pub waits: bool,
    /// Inspector calibration and effects: for those who see inspectors.
    pub calibration: bool,
}

impl Extras {
    pub const ALL: Extras = Extras {
        waits: true,
        calibration: true,
    };
}

/// The units of one level as the rankings see them.
struct Ranked<'a> {
    level: Level,
    units: Vec<Unit<'a>>,
    codes: Vec<&'a str>,
    /// Which rows the reader sees.
    shown: Vec<bool>,
    ranks: Vec<Option<u32>>,
    /// Rule 7's listing order of the units.
    order: Vec<usize>,
    intervals: Vec<Option<Interval>>,
    rank_ranges: Vec<Option<(u32, u32)>>,
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
        self.rankings_report(previous, level, top, None, Extras::ALL)
    }

    /// The rankings as a reader sees them: [`Analysis::rankings`] then
    /// [`RankingsReport::restrict`], without making the rows that are not
    /// shown, nor the extras `extras` leaves out (left empty).
    pub fn rankings_for(
        &self,
        previous: &Analysis,
        level: Level,
        top: u32,
        visibility: &Visibility,
        extras: Extras,
    ) -> RankingsReport {
        let mut report = self.rankings_report(previous, level, top, Some(visibility), extras);
        report.restrict(visibility, extras.calibration);
        report
    }

    fn rankings_report(
        &self,
        previous: &Analysis,
        level: Level,
        top: u32,
        shown: Option<&Visibility>,
        extras: Extras,
    ) -> RankingsReport {
        let ranked = self.ranked(level, shown);
        let uncertainty = self.uncertainty();
        RankingsReport {
            period: self.period.into(),
            previous_period: previous.period.into(),
            checklist: self.checklist_json(),
            level,
            min_visits: self.min_visits,
            rows: self.ranking_rows(previous, &ranked),
            top_bottom: self.call_outs(&ranked, top),
            waits: if extras.waits {
                self.waits_json(level, &ranked.shown)
            } else {
                Vec::new()
            },
            calibration: if extras.calibration {
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
            inspectors: if extras.calibration {
                self.inspectors_json()
            } else {
                Vec::new()
            },
            pending: self.pending,
        }
    }

    /// The units of a level with their ranks and intervals, and which of
    /// them a reader sees: the rows `RankingsReport::restrict` keeps.
    fn ranked(&self, level: Level, shown: Option<&Visibility>) -> Ranked<'_> {
        let units = self.units(level);
        let shown = units
            .iter()
            .map(|u| match (shown, level) {
                (None, _) => true,
                (Some(v), Level::Branch) => v.sees_branch(u.district.unwrap_or(""), u.city),
                (Some(v), _) => v.sees_groups(),
            })
            .collect();
        let ranks = self.ranks(level, 0);
        let intervals = self.intervals(level);
        let ranked: Vec<bool> = ranks.iter().map(Option::is_some).collect();
        let rank_ranges = rank_ranges(&intervals, &ranked);
        let codes: Vec<&str> = units.iter().map(|u| u.code).collect();
        Ranked {
            level,
            order: listing_order(&codes, &ranks),
            codes,
            units,
            shown,
            ranks,
            intervals,
            rank_ranges,
        }
    }

    /// The rows a reader sees, in listing order, with their rank in
    /// `previous`.
    fn ranking_rows(&self, previous: &Analysis, ranked: &Ranked<'_>) -> Vec<RankingRow> {
        let Ranked {
            level,
            units,
            codes,
            ranks,
            ..
        } = ranked;
        let level = *level;
        let previous_by_code: HashMap<&str, Option<u32>> = previous
            .units(level)
            .iter()
            .map(|u| u.code)
            .zip(previous.ranks(level, 0))
            .collect();
        let before = analytics::previous_ranks(codes.iter().copied(), &previous_by_code);
        let uncertainty = self.uncertainty();
        let funnel = self.funnel();
        let section_codes: Arc<[String]> = self
            .catalogue
            .sections
            .iter()
            .map(|s| s.code.clone())
            .collect();
        ranked
            .order
            .iter()
            .copied()
            .filter(|&i| ranked.shown[i])
            .map(|i| {
                let unit = &units[i];
                let sections = SectionRates {
                    codes: Arc::clone(&section_codes),
                    rates: (0..section_codes.len())
                        .map(|s| unit.standing.rates[self.catalogue.section_metric(s)].map(round4))
                        .collect(),
                };
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
                    interval: ranked.intervals[i].map(interval_json),
                    rank_range: ranked.rank_ranges[i].map(|(best, worst)| [best, worst]),
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
            .collect()
    }

    /// The top and bottom of every headline metric.
    fn call_outs(&self, ranked: &Ranked<'_>, top: u32) -> Vec<Callout> {
        let Ranked {
            units,
            codes,
            order,
            rank_ranges,
            ..
        } = ranked;
        let eligible: Vec<bool> = units.iter().map(|u| u.eligible).collect();
        self.headline_metrics()
            .into_iter()
            .map(|(metric, code, title)| {
                // As `Analysis::top_bottom` and `Analysis::ranks`, ranked once.
                let rates: Vec<Option<f64>> =
                    units.iter().map(|u| u.standing.rates[metric]).collect();
                let ranks = competition_ranks(&rates, &eligible);
                let tb = top_bottom(codes, &rates, &ranks, top);
                let (top_indistinct, bottom_indistinct) = if metric == 0 {
                    // The overall rate's ranks are the ones listed in `order`.
                    indistinct(order, &tb, &ranks, rank_ranges, top)
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
            .collect()
    }

    fn inspectors_json(&self) -> Vec<InspectorJson> {
        let mut inspectors: Vec<InspectorJson> = self
            .inspectors
            .iter()
            .zip(&self.uncertainty().inspectors)
            .map(|(name, e)| InspectorJson {
                name: name.clone(),
                visits: e.visits,
                effect: e.effect.map(round4),
            })
            .collect();
        inspectors.sort_by(|a, b| a.name.cmp(&b.name));
        inspectors
    }

    /// The waits of a level's units, of those marked in `shown` (all when
    /// empty).
    pub fn waits_json(&self, level: Level, shown: &[bool]) -> Vec<WaitJson> {
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
/// bottom one whose rank ranges overlap a called-out unit's. `order` is
/// the units' listing order by `ranks`.
fn indistinct(
    order: &[usize],
    called: &TopBottom,
    ranks: &[Option<u32>],
    ranges: &[Option<(u32, u32)>],
    n: u32,
) -> (Option<[u32; 2]>, Option<[u32; 2]>) {
    let ranked: Vec<usize> = order
        .iter()
        .copied()
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
