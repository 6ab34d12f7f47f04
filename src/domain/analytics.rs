//! Rates over many visits, rankings, top and bottom call-outs and short
//! boards (docs/scoring.md, rules 4–9).
//!
//! Everything is keyed by *metric*: index 0 is the whole checklist, then one
//! per section, then one per item, as laid out by a [`Catalogue`]. One pass
//! over the visits fills a [`Tally`]; the rest is arithmetic on its totals.

use std::collections::HashMap;

use super::checklist::Checklist;
use super::scoring::{Points, VisitPoints};

/// The metrics of a report. Visits of several versions of one checklist are
/// compared by section and item code; titles and order follow the newest
/// version, and codes found only in older versions follow after.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    pub pass_mark: f64,
    pub sections: Vec<MetricInfo>,
    pub items: Vec<ItemInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricInfo {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemInfo {
    pub code: String,
    pub title: String,
    /// Index into [`Catalogue::sections`].
    pub section: usize,
}

/// Where one checklist version's sections and items sit in a catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionMap {
    sections: Vec<usize>,
    items: Vec<usize>,
}

impl Catalogue {
    /// Builds the catalogue for `versions`, newest first.
    pub fn new(versions: &[&Checklist]) -> Catalogue {
        let mut catalogue = Catalogue {
            pass_mark: versions
                .first()
                .map_or(super::checklist::DEFAULT_PASS_MARK, |c| c.pass_mark),
            sections: Vec::new(),
            items: Vec::new(),
        };
        for checklist in versions {
            for section in &checklist.sections {
                let s = match catalogue
                    .sections
                    .iter()
                    .position(|m| m.code == section.code)
                {
                    Some(s) => s,
                    None => {
                        catalogue.sections.push(MetricInfo {
                            code: section.code.clone(),
                            title: section.title.clone(),
                        });
                        catalogue.sections.len() - 1
                    }
                };
                for item in &section.items {
                    if !catalogue.items.iter().any(|m| m.code == item.code) {
                        catalogue.items.push(ItemInfo {
                            code: item.code.clone(),
                            title: item.title.clone(),
                            section: s,
                        });
                    }
                }
            }
        }
        catalogue
    }

    /// Number of metrics: the whole checklist, the sections, the items.
    pub fn metric_count(&self) -> usize {
        1 + self.sections.len() + self.items.len()
    }

    pub fn section_metric(&self, section: usize) -> usize {
        1 + section
    }

    pub fn item_metric(&self, item: usize) -> usize {
        1 + self.sections.len() + item
    }

    /// Maps a version of the catalogue's checklist onto the catalogue. Codes
    /// the catalogue lacks are impossible when the version was one of those
    /// it was built from.
    pub fn map(&self, checklist: &Checklist) -> VersionMap {
        let sections = checklist
            .sections
            .iter()
            .map(|s| {
                let index = self.sections.iter().position(|m| m.code == s.code);
                self.section_metric(index.unwrap_or(0))
            })
            .collect();
        let items = checklist
            .items()
            .map(|(_, item)| {
                let index = self.items.iter().position(|m| m.code == item.code);
                self.item_metric(index.unwrap_or(0))
            })
            .collect();
        VersionMap { sections, items }
    }
}

/// Running totals of one metric for one branch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct MetricTally {
    rate_sum: f64,
    rated: u32,
    lost: f64,
}

/// Totals per branch and metric, filled one visit at a time.
#[derive(Debug, Clone)]
pub struct Tally {
    metrics: usize,
    visits: Vec<u32>,
    /// `branches × metrics`, row by row.
    totals: Vec<MetricTally>,
}

impl Tally {
    pub fn new(catalogue: &Catalogue, branches: usize) -> Tally {
        Tally {
            metrics: catalogue.metric_count(),
            visits: vec![0; branches],
            totals: vec![MetricTally::default(); branches * catalogue.metric_count()],
        }
    }

    /// Adds the points of one visit of `branch`, whose version is laid out
    /// by `map`.
    pub fn add(&mut self, branch: usize, map: &VersionMap, points: &VisitPoints) {
        self.visits[branch] += 1;
        let row = &mut self.totals[branch * self.metrics..(branch + 1) * self.metrics];
        let mut add = |metric: usize, earned: Option<Points>| {
            if let Some(earned) = earned {
                let tally = &mut row[metric];
                tally.rate_sum += earned.rate();
                tally.rated += 1;
                tally.lost += earned.lost();
            }
        };
        // Three plain loops rather than one chained iterator: a year's
        // report runs this for every metric of every visit.
        add(0, points.total);
        for (&metric, &earned) in map.sections.iter().zip(&points.sections) {
            add(metric, earned);
        }
        for (&metric, &earned) in map.items.iter().zip(&points.items) {
            add(metric, earned);
        }
    }

    /// Rule 5: each branch's rates, visits and lost points.
    pub fn branch_standings(&self) -> Vec<Standing> {
        (0..self.visits.len())
            .map(|branch| self.branch_standing(branch))
            .collect()
    }

    /// Rule 5 for one branch.
    pub fn branch_standing(&self, branch: usize) -> Standing {
        let row = &self.totals[branch * self.metrics..(branch + 1) * self.metrics];
        Standing {
            visits: self.visits[branch],
            branches: 1,
            rates: row
                .iter()
                .map(|t| (t.rated > 0).then(|| t.rate_sum / f64::from(t.rated)))
                .collect(),
            lost: row.iter().map(|t| t.lost).collect(),
        }
    }
}

/// The figures of one unit (a branch, a district, a city, the region).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    pub visits: u32,
    /// Branches of the roster in this unit.
    pub branches: u32,
    /// Per metric; `None` where no visit had it.
    pub rates: Vec<Option<f64>>,
    /// Per metric: Σ (maximum − earned) over the unit's visits.
    pub lost: Vec<f64>,
}

impl Standing {
    pub fn rate(&self) -> Option<f64> {
        self.rates.first().copied().flatten()
    }
}

/// Rule 6: a group's rate is the plain mean of its branches' rates, each
/// branch weighing the same; its visits and points lost are its branches'
/// added up. `members` are the group's branches' standings, in roster
/// order, each with `metrics` rates.
pub fn group_standing<'a>(
    members: impl IntoIterator<Item = &'a Standing>,
    metrics: usize,
) -> Standing {
    let mut sums = vec![(0.0, 0u32); metrics];
    let mut standing = Standing {
        visits: 0,
        branches: 0,
        rates: vec![None; metrics],
        lost: vec![0.0; metrics],
    };
    for branch in members {
        standing.visits += branch.visits;
        standing.branches += 1;
        for (lost, branch_lost) in standing.lost.iter_mut().zip(&branch.lost) {
            *lost += branch_lost;
        }
        for (sum, rate) in sums.iter_mut().zip(&branch.rates) {
            if let Some(rate) = rate {
                sum.0 += rate;
                sum.1 += 1;
            }
        }
    }
    for (rate, (sum, n)) in standing.rates.iter_mut().zip(sums) {
        *rate = (n > 0).then(|| sum / f64::from(n));
    }
    standing
}

/// Rule 7's one rounding: a figure to 4 decimal places (0.01 percentage
/// point of a rate), halves away from zero on the decimal value, as a whole
/// number of ten-thousandths. Ranks compare it, and [`round4`] publishes
/// it. The tiny nudge away from zero keeps float noise from the order of
/// summation from pushing an exact half (0.66875) below the line.
pub fn rank_key(value: f64) -> i64 {
    let scaled = value * 10_000.0;
    (scaled + scaled.signum() * 1e-7).round() as i64
}

/// A figure as published: the very number that [`rank_key`] ranks.
pub fn round4(value: f64) -> f64 {
    rank_key(value) as f64 / 10_000.0
}

/// A difference of rates as people read it: "+5.3%", "-0.4%", "0.0%".
pub fn signed_percent(difference: Option<f64>) -> String {
    let text = percent(difference);
    match difference {
        Some(d) if d > 0.0 && text != "0.0%" => format!("+{text}"),
        _ => text,
    }
}

/// A rate as people read it: a percentage with one decimal (70.7%), halves
/// away from zero as spreadsheet programs show them; "—" for no rate.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "—".to_string(),
        |rate| {
            let scaled = rate * 1_000.0;
            let tenths = (scaled + scaled.signum() * 1e-7).round() as i64;
            let sign = if tenths < 0 { "-" } else { "" };
            format!("{sign}{}.{}%", tenths.abs() / 10, tenths.abs() % 10)
        },
    )
}

/// Rule 7: standard competition ranks (1, 2, 2, 4) by rounded rate, highest
/// first; units without a rate or not `eligible` get no rank.
pub fn competition_ranks(rates: &[Option<f64>], eligible: &[bool]) -> Vec<Option<u32>> {
    let mut ranked: Vec<(i64, usize)> = rates
        .iter()
        .zip(eligible)
        .enumerate()
        .filter_map(|(i, (rate, &ok))| rate.filter(|_| ok).map(|r| (rank_key(r), i)))
        .collect();
    ranked.sort_unstable_by_key(|&(key, _)| std::cmp::Reverse(key));
    let mut ranks = vec![None; rates.len()];
    let mut rank = 0;
    for (place, &(key, i)) in ranked.iter().enumerate() {
        // A tie shares the rank of the first unit with its key.
        if place == 0 || key != ranked[place - 1].0 {
            rank = u32::try_from(place).unwrap_or(u32::MAX - 1) + 1;
        }
        ranks[i] = Some(rank);
    }
    ranks
}

/// Rule 7's listing order: ranked units by rank, then code; unranked units
/// after them by code.
pub fn listing_order(codes: &[&str], ranks: &[Option<u32>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..codes.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (ranks[i].is_none(), ranks[i].unwrap_or(0));
        key(a).cmp(&key(b)).then_with(|| codes[a].cmp(codes[b]))
    });
    order
}

/// Rule 8: the units in the top `n` and in the bottom `n` of a metric, ties
/// included, each list in listing order (the bottom list worst first). No
/// unit is named in both: when few units are ranked (or ties stretch the
/// top), the bottom keeps only the units the top leaves, and may be empty.
/// A single ranked unit is neither top nor bottom of anything: both are
/// empty, and there is nothing to call out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopBottom {
    pub top: Vec<usize>,
    pub bottom: Vec<usize>,
}

pub fn top_bottom(
    codes: &[&str],
    rates: &[Option<f64>],
    ranks: &[Option<u32>],
    n: u32,
) -> TopBottom {
    let keys: Vec<Option<i64>> = rates
        .iter()
        .zip(ranks)
        .map(|(rate, rank)| rank.and(rate.map(rank_key)))
        .collect();
    let mut top: Vec<usize> = (0..codes.len())
        .filter(|&i| ranks[i].is_some_and(|r| r <= n))
        .collect();
    top.sort_by(|&a, &b| ranks[a].cmp(&ranks[b]).then_with(|| codes[a].cmp(codes[b])));
    let mut ascending: Vec<i64> = keys.iter().flatten().copied().collect();
    if ascending.len() < 2 {
        return TopBottom::default();
    }
    // A unit is in the bottom `n` when fewer than `n` rank below it: when
    // its key is at most the `n`-th lowest.
    let n = n as usize;
    let highest_bottom = match n {
        0 => None,
        n if n >= ascending.len() => Some(i64::MAX),
        n => Some(*ascending.select_nth_unstable(n - 1).1),
    };
    let mut bottom: Vec<usize> = (0..codes.len())
        .filter(|&i| keys[i].is_some_and(|k| highest_bottom.is_some_and(|h| k <= h)))
        .collect();
    bottom.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then_with(|| codes[a].cmp(codes[b])));
    bottom.retain(|i| !top.contains(i));
    TopBottom { top, bottom }
}

/// One line of a short-board analysis (rule 9).
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// Index into the catalogue's items or sections.
    pub index: usize,
    pub rate: Option<f64>,
    pub lost: f64,
    pub lost_share: f64,
    pub short: bool,
}

/// Rule 9's mark: the published rate is below the pass mark, so an item
/// shown as 80.00% is not a short board at a pass mark of 0.8.
pub fn is_short(rate: Option<f64>, pass_mark: f64) -> bool {
    rate.is_some_and(|r| round4(r) < pass_mark)
}

/// Rule 9 for one scope: items and sections, lowest rate first (metrics
/// that never applied last), with lost points, lost share and the
/// short-board mark.
pub fn short_boards(catalogue: &Catalogue, scope: &Standing) -> (Vec<Board>, Vec<Board>) {
    let item_metrics: Vec<usize> = (0..catalogue.items.len())
        .map(|i| catalogue.item_metric(i))
        .collect();
    let all_lost: f64 = item_metrics.iter().map(|&m| scope.lost[m]).sum();
    let boards = |metrics: Vec<usize>| {
        let mut boards: Vec<Board> = metrics
            .iter()
            .enumerate()
            .map(|(index, &metric)| {
                let rate = scope.rates[metric];
                let lost = scope.lost[metric];
                Board {
                    index,
                    rate,
                    lost,
                    lost_share: if all_lost > 0.0 { lost / all_lost } else { 0.0 },
                    short: is_short(rate, catalogue.pass_mark),
                }
            })
            .collect();
        boards.sort_by(|a, b| match (a.rate, b.rate) {
            (Some(x), Some(y)) => x.total_cmp(&y).then(a.index.cmp(&b.index)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.index.cmp(&b.index),
        });
        boards
    };
    let section_metrics = (0..catalogue.sections.len())
        .map(|s| catalogue.section_metric(s))
        .collect();
    (boards(item_metrics), boards(section_metrics))
}

/// Previous ranks by unit code, and rule 10's rank change.
pub fn rank_change(current: Option<u32>, previous: Option<u32>) -> Option<i64> {
    Some(i64::from(previous?) - i64::from(current?))
}

/// Looks up each code's rank in a previous ranking.
pub fn previous_ranks<'a>(
    codes: impl IntoIterator<Item = &'a str>,
    previous: &HashMap<&str, Option<u32>>,
) -> Vec<Option<u32>> {
    codes
        .into_iter()
        .map(|code| previous.get(code).copied().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_rate_is_the_ranked_rate() {
        // 0.70005 is shown as 70.01% and ranked as 0.7001, never 0.7000.
        assert_eq!(round4(0.70005), 0.7001);
        assert_eq!(rank_key(0.70005), 7001);
        // Halves go away from zero, in spite of float noise.
        assert_eq!(round4(0.66875), 0.6688);
        assert_eq!(round4((1.0 / 15.0 + 13.0 / 48.0) / 2.0), 0.1688);
        assert_eq!(round4(-0.66875), -0.6688);
        assert_eq!(round4(0.66874), 0.6687);
        // Shown as a spreadsheet's 0.0% shows it, not rounded to even.
        assert_eq!(percent(Some(0.6625)), "66.3%");
        assert_eq!(percent(Some(0.7066)), "70.7%");
        assert_eq!(percent(Some(-0.0525)), "-5.3%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(None), "—");
        assert_eq!(signed_percent(Some(0.05249)), "+5.2%");
        assert_eq!(signed_percent(Some(0.0525)), "+5.3%");
        assert_eq!(signed_percent(Some(-0.004)), "-0.4%");
        assert_eq!(signed_percent(Some(0.0004)), "0.0%");
        let rates = [Some(0.70005), Some(0.7001), Some(0.70004)];
        assert_eq!(
            competition_ranks(&rates, &[true; 3]),
            vec![Some(1), Some(1), Some(3)]
        );
    }
    use crate::domain::answer::Answer::{self, Choice, Fail, NotApplicable as Na, Number, Pass};
    use crate::domain::checklist::tests::sample;
    use crate::domain::scoring::score_visit;

    fn ranks(rates: &[Option<f64>]) -> Vec<Option<u32>> {
        competition_ranks(rates, &vec![true; rates.len()])
    }

    #[test]
    fn competition_ranking_with_rounding() {
        let rates = [
            Some(0.9),
            Some(0.95),
            Some(0.90004),
            None,
            Some(0.8),
            Some(0.95),
        ];
        assert_eq!(
            ranks(&rates),
            vec![Some(3), Some(1), Some(3), None, Some(5), Some(1)]
        );
        // 0.90005 rounds up to 0.9001 and no longer ties with 0.9.
        assert_eq!(ranks(&[Some(0.9), Some(0.90005)]), vec![Some(2), Some(1)]);
    }

    #[test]
    fn ineligible_units_are_listed_unranked() {
        let r = competition_ranks(&[Some(0.5), Some(0.9), Some(0.7)], &[true, false, true]);
        assert_eq!(r, vec![Some(2), None, Some(1)]);
        let order = listing_order(&["B", "A", "C"], &r);
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn ties_list_by_code() {
        let r = ranks(&[Some(0.8), Some(0.8), Some(0.9)]);
        assert_eq!(listing_order(&["Z", "M", "A"], &r), vec![2, 1, 0]);
    }

    #[test]
    fn top_and_bottom_three_grow_with_ties() {
        let codes = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let rates = [
            Some(0.9),
            Some(0.8),
            Some(0.7),
            Some(0.7),
            Some(0.6),
            Some(0.5),
            Some(0.5),
            None,
        ];
        let r = ranks(&rates);
        let tb = top_bottom(&codes, &rates, &r, 3);
        assert_eq!(tb.top, vec![0, 1, 2, 3], "a tie at third place makes four");
        // From the bottom: f and g share 1st, e is 3rd.
        assert_eq!(tb.bottom, vec![5, 6, 4]);
        let tb = top_bottom(&codes, &rates, &r, 1);
        assert_eq!(tb.top, vec![0]);
        assert_eq!(tb.bottom, vec![5, 6]);
    }

    #[test]
    fn a_single_ranked_unit_is_called_out_nowhere() {
        // The other units have no rate, or too few visits to be ranked.
        let rates = [None, Some(0.9), Some(0.5)];
        let r = competition_ranks(&rates, &[true, true, false]);
        let tb = top_bottom(&["a", "b", "c"], &rates, &r, 3);
        assert_eq!(tb, TopBottom::default());
        let tb = top_bottom(&["b"], &[Some(0.9)], &[Some(1)], 1);
        assert_eq!(tb, TopBottom::default());
    }

    #[test]
    fn few_units_are_never_both_top_and_bottom() {
        let codes = ["a", "b", "c", "d", "e"];
        let rates = [Some(0.9), Some(0.8), Some(0.7), Some(0.6), Some(0.5)];
        // 2 to 5 ranked units against a top and bottom three (2N = 6).
        for ranked in 2..=5 {
            let rates = &rates[..ranked];
            let tb = top_bottom(&codes[..ranked], rates, &ranks(rates), 3);
            assert_eq!(tb.top, (0..ranked.min(3)).collect::<Vec<_>>());
            // Worst first, and only what the top left.
            let rest: Vec<usize> = (3..ranked).rev().collect();
            assert_eq!(tb.bottom, rest, "{ranked} ranked units");
        }
        // Six make two lists of three that do not meet.
        let rates = [
            Some(0.9),
            Some(0.8),
            Some(0.7),
            Some(0.6),
            Some(0.5),
            Some(0.4),
        ];
        let tb = top_bottom(&["a", "b", "c", "d", "e", "f"], &rates, &ranks(&rates), 3);
        assert_eq!((tb.top, tb.bottom), (vec![0, 1, 2], vec![5, 4, 3]));
    }

    #[test]
    fn ties_never_put_a_unit_in_both_lists() {
        // Four share third place: the top takes all six, nothing is left.
        let codes = ["a", "b", "c", "d", "e", "f"];
        let rates = [
            Some(0.9),
            Some(0.8),
            Some(0.7),
            Some(0.7),
            Some(0.7),
            Some(0.7),
        ];
        let tb = top_bottom(&codes, &rates, &ranks(&rates), 3);
        assert_eq!(tb.top, vec![0, 1, 2, 3, 4, 5]);
        assert!(tb.bottom.is_empty());
        // Every unit tied: all top, none bottom.
        let rates = [Some(0.7); 3];
        let tb = top_bottom(&codes[..3], &rates, &ranks(&rates), 1);
        assert_eq!((tb.top, tb.bottom), (vec![0, 1, 2], vec![]));
        // A tie at the bottom that reaches into the top keeps the rest.
        let rates = [Some(0.9), Some(0.8), Some(0.5), Some(0.5)];
        let tb = top_bottom(&codes[..4], &rates, &ranks(&rates), 2);
        assert_eq!((tb.top, tb.bottom), (vec![0, 1], vec![2, 3]));
        let tb = top_bottom(&codes[..4], &rates, &ranks(&rates), 3);
        assert_eq!((tb.top, tb.bottom), (vec![0, 1, 2, 3], vec![]));
    }

    fn tally_of(visits: &[(usize, [Answer; 7])], branches: usize) -> (Catalogue, Tally) {
        let checklist = sample();
        let catalogue = Catalogue::new(&[&checklist]);
        let map = catalogue.map(&checklist);
        let mut tally = Tally::new(&catalogue, branches);
        for (branch, answers) in visits {
            tally.add(*branch, &map, &score_visit(&checklist, answers).points);
        }
        (catalogue, tally)
    }

    #[test]
    fn branch_rate_is_the_mean_of_visit_rates() {
        let (catalogue, tally) = tally_of(
            &[
                // 25 / 25
                (
                    0,
                    [Pass, Pass, Pass, Choice(0), Number(5.0), Pass, Number(3.0)],
                ),
                // A: 0 (critical) / 5; B: 10/10; C: 0/10 → 10 / 25
                (
                    0,
                    [Pass, Fail, Pass, Choice(0), Number(5.0), Pass, Number(20.0)],
                ),
                // no visits for branch 1
            ],
            2,
        );
        let standings = tally.branch_standings();
        assert_eq!(standings[0].visits, 2);
        assert_eq!(standings[0].rate(), Some((1.0 + 0.4) / 2.0));
        assert_eq!(standings[0].rates[catalogue.section_metric(0)], Some(0.5));
        assert_eq!(standings[0].lost[0], 15.0);
        assert_eq!(standings[1].rate(), None);
        assert_eq!(standings[1].visits, 0);
    }

    #[test]
    fn groups_weigh_every_branch_the_same() {
        let (catalogue, tally) = tally_of(
            &[
                (
                    0,
                    [Pass, Pass, Pass, Choice(0), Number(5.0), Pass, Number(3.0)],
                ),
                (
                    0,
                    [Pass, Pass, Pass, Choice(0), Number(5.0), Pass, Number(3.0)],
                ),
                (
                    0,
                    [Pass, Pass, Pass, Choice(0), Number(5.0), Pass, Number(3.0)],
                ),
                // 0 / 24: a critical visit failure
                (
                    1,
                    [Pass, Pass, Na, Choice(0), Number(5.0), Fail, Number(3.0)],
                ),
            ],
            3,
        );
        let group = group_standing(&tally.branch_standings(), catalogue.metric_count());
        assert_eq!(group.rate(), Some(0.5), "(1.0 + 0.0) / 2, not 3/4");
        assert_eq!(group.visits, 4);
        assert_eq!(group.branches, 3);
    }

    #[test]
    fn short_boards_lowest_first_with_lost_share() {
        let (catalogue, tally) = tally_of(
            &[
                (
                    0,
                    [Fail, Pass, Na, Choice(2), Number(5.0), Pass, Number(12.0)],
                ),
                (0, [Pass, Pass, Na, Choice(1), Number(4.0), Pass, Na]),
            ],
            1,
        );
        let standing = &tally.branch_standings()[0];
        let (items, sections) = short_boards(&catalogue, standing);
        let code = |b: &Board| catalogue.items[b.index].code.as_str();
        // Lost: A01 2, B01 4+2, B02 0+1, C01 5 → 14.
        assert_eq!(code(&items[0]), "B01");
        assert_eq!(items[0].rate, Some(0.25));
        assert_eq!(items[0].lost, 6.0);
        assert!((items[0].lost_share - 6.0 / 14.0).abs() < 1e-12);
        assert!(items[0].short);
        // A01 (0/2 and 2/2) and C01 (5/10, then N/A) tie at 0.5: checklist order.
        assert_eq!(code(&items[1]), "A01");
        assert_eq!(items[1].rate, Some(0.5));
        assert_eq!(code(&items[2]), "C01");
        assert_eq!(items[2].rate, Some(0.5));
        assert_eq!(
            code(items.last().expect("items")),
            "A03",
            "never applied: last"
        );
        assert_eq!(items.last().map(|b| b.rate), Some(None));
        let b = sections.iter().find(|b| b.index == 1).expect("section B");
        assert_eq!(b.lost, 7.0);
        let a = sections.iter().find(|b| b.index == 0).expect("section A");
        assert_eq!(a.rate, Some(0.75), "(2/4 + 4/4) / 2");
        assert!(a.short, "below the 0.8 pass mark");
        assert!(
            (b.rate.expect("rated") - 0.65).abs() < 1e-12,
            "(6/10 + 7/10) / 2"
        );
        assert!(b.short);
        let c = sections.iter().find(|b| b.index == 2).expect("section C");
        assert_eq!((c.rate, c.short), (Some(0.5), true));
    }

    #[test]
    fn a_short_board_is_judged_on_the_published_rate() {
        assert!(!is_short(Some(0.799_996), 0.8), "published as 0.8000");
        assert!(is_short(Some(0.799_94), 0.8), "published as 0.7999");
        assert!(!is_short(None, 0.8));
    }

    #[test]
    fn catalogue_merges_versions_by_code() {
        let newer = sample();
        let mut older = sample();
        older.version = 0;
        older.sections[0]
            .items
            .push(crate::domain::checklist::Item {
                code: "A99".into(),
                title: "旧项".into(),
                points: 1.0,
                na: false,
                kind: crate::domain::checklist::ItemKind::Scale,
                rectify_days: None,
            });
        let catalogue = Catalogue::new(&[&newer, &older]);
        assert_eq!(catalogue.items.len(), 8);
        assert_eq!(catalogue.items[7].code, "A99");
        let map = catalogue.map(&older);
        assert_eq!(map.items[3], catalogue.item_metric(7));
        assert_eq!(map.items[4], catalogue.item_metric(3));
    }

    #[test]
    fn rank_change_is_previous_minus_current() {
        assert_eq!(rank_change(Some(1), Some(3)), Some(2));
        assert_eq!(rank_change(Some(4), Some(2)), Some(-2));
        assert_eq!(rank_change(None, Some(2)), None);
        assert_eq!(rank_change(Some(2), None), None);
    }
}
