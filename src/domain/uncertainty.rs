//! How sure a ranking is. A hall visited three to six times a period has a
//! rate that moves by several points from chance alone; these functions say
//! by how much, which rank places a unit could hold, which halls stand out
//! beyond chance (the funnel plot), and how much of a rate comes from who
//! inspected.
//!
//! Everything works on the visit rates of the whole checklist (one number a
//! visit), grouped by hall. Intervals and limits are clipped to [0, 1].

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::analytics::rank_key;

/// Funnel limits: two-sided 95% and 99.8% normal quantiles.
pub const Z_95: f64 = 1.96;
pub const Z_998: f64 = 3.09;
/// An inspector needs this many visits with a rate in the period before an
/// effect is fitted; fewer say too little about how they score.
pub const MIN_FITTED_VISITS: usize = 5;

/// The pooled spread of visit rates around their hall's rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Degrees of freedom: visits with a rate − halls with one.
    pub df: usize,
    /// σ̂; `None` when `df < 2`, too few repeat visits to say anything.
    pub sigma: Option<f64>,
    /// The two-sided 95% t quantile for `df`, worked out once.
    t: Option<f64>,
}

/// A 95% interval around a rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    fn around(rate: f64, half_width: f64) -> Interval {
        Interval {
            low: (rate - half_width).clamp(0.0, 1.0),
            high: (rate + half_width).clamp(0.0, 1.0),
        }
    }
}

/// Where a hall stands against the funnel's 99.8% limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    Above,
    Below,
}

/// The funnel's target and limits for a hall with a given number of visits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub target: f64,
    pub inner: Interval,
    pub outer: Interval,
}

impl Limits {
    /// "Below" under the 99.8% lower limit, "above" over the upper one.
    pub fn signal(&self, rate: f64) -> Option<Signal> {
        if rate < self.outer.low {
            Some(Signal::Below)
        } else if rate > self.outer.high {
            Some(Signal::Above)
        } else {
            None
        }
    }
}

impl Spread {
    /// σ̂² = Σ over halls Σ over their visits (visit rate − hall rate)² / (N − H),
    /// over the halls given (each with at least one visit rate).
    pub fn of<'a>(halls: impl IntoIterator<Item = &'a [f64]>) -> Spread {
        let (mut squares, mut visits, mut groups) = (0.0, 0usize, 0usize);
        for rates in halls {
            if rates.is_empty() {
                continue;
            }
            let mean = rates.iter().sum::<f64>() / rates.len() as f64;
            squares += rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>();
            visits += rates.len();
            groups += 1;
        }
        let df = visits - groups;
        Spread::new(df, (df >= 2).then(|| (squares / df as f64).sqrt()))
    }

    /// A spread of `sigma` with `df` degrees of freedom.
    pub fn new(df: usize, sigma: Option<f64>) -> Spread {
        let t = sigma.and_then(|_| {
            StudentsT::new(0.0, 1.0, df as f64)
                .ok()
                .map(|t| t.inverse_cdf(0.975))
        });
        Spread { df, sigma, t }
    }

    /// σ̂ and the two-sided 95% t quantile for the spread's freedom.
    fn sigma_and_t(&self) -> Option<(f64, f64)> {
        self.sigma.zip(self.t)
    }

    /// A hall's interval: rate ± t · σ̂ / √n over its `visits` visit rates.
    pub fn hall_interval(&self, rate: f64, visits: usize) -> Option<Interval> {
        let (sigma, t) = self.sigma_and_t()?;
        (visits > 0).then(|| Interval::around(rate, t * sigma / (visits as f64).sqrt()))
    }

    /// The interval of a unit whose rate is the plain mean of its halls'
    /// rates: rate ± t · √(Σ σ̂² / nᵢ) / k, `visits` holding nᵢ for each of
    /// its k halls with a rate.
    pub fn group_interval(&self, rate: f64, visits: &[usize]) -> Option<Interval> {
        let (sigma, t) = self.sigma_and_t()?;
        if visits.is_empty() || visits.contains(&0) {
            return None;
        }
        let variance: f64 = visits.iter().map(|&n| sigma * sigma / n as f64).sum();
        Some(Interval::around(
            rate,
            t * variance.sqrt() / visits.len() as f64,
        ))
    }

    /// The funnel around `target` for a hall with `visits` visit rates.
    pub fn limits(&self, target: f64, visits: usize) -> Option<Limits> {
        let sigma = self.sigma?;
        (visits > 0).then(|| {
            let se = sigma / (visits as f64).sqrt();
            Limits {
                target,
                inner: Interval::around(target, Z_95 * se),
                outer: Interval::around(target, Z_998 * se),
            }
        })
    }

    /// How many visits a hall needs for its 95% interval to be at most
    /// ± `margin` (0.05 for five points), at this spread.
    pub fn visits_for_margin(&self, margin: f64) -> Option<usize> {
        let (sigma, t) = self.sigma_and_t()?;
        (margin > 0.0).then(|| ((t * sigma / margin).powi(2).ceil() as usize).max(1))
    }
}

/// The rank places each ranked unit could hold given the intervals:
/// best = 1 + the other ranked units whose low end lies above its high end;
/// worst = 1 + the other ranked units whose high end is at or above its low
/// end. Ends are compared as published (rounded to 0.01 point), so the range
/// always holds the unit's rank. `None` for unranked units and units
/// without an interval.
pub fn rank_ranges(intervals: &[Option<Interval>], ranked: &[bool]) -> Vec<Option<(u32, u32)>> {
    let ends: Vec<Option<(i64, i64)>> = intervals
        .iter()
        .zip(ranked)
        .map(|(interval, &ranked)| {
            interval
                .filter(|_| ranked)
                .map(|i| (rank_key(i.low), rank_key(i.high)))
        })
        .collect();
    let mut lows: Vec<i64> = ends.iter().flatten().map(|e| e.0).collect();
    let mut highs: Vec<i64> = ends.iter().flatten().map(|e| e.1).collect();
    lows.sort_unstable();
    highs.sort_unstable();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX - 1);
    ends.iter()
        .map(|end| {
            end.map(|(low, high)| {
                let above = lows.len() - lows.partition_point(|&l| l <= high);
                // Its own high end is at or above its own low end: not counted.
                let overlapping = highs.len() - highs.partition_point(|&h| h < low) - 1;
                (count(above) + 1, count(overlapping) + 1)
            })
        })
        .collect()
}

/// Which of the units just past a call-out its units cannot be told apart
/// from: those of `next` whose rank range overlaps the range of one of
/// `called`, as (first, last) of their ranks. `next` lies below the called
/// units when `below`, above them otherwise (for a bottom call-out).
pub fn indistinct(
    called: &[usize],
    next: &[usize],
    ranges: &[Option<(u32, u32)>],
    ranks: &[Option<u32>],
    below: bool,
) -> Option<(u32, u32)> {
    let overlapping: Vec<u32> = next
        .iter()
        .filter(|&&n| {
            called.iter().any(|&c| match (ranges[c], ranges[n]) {
                (Some(c), Some(n)) if below => c.1 >= n.0,
                (Some(c), Some(n)) => n.1 >= c.0,
                _ => false,
            })
        })
        .filter_map(|&n| ranks[n])
        .collect();
    Some((*overlapping.iter().min()?, *overlapping.iter().max()?))
}

/// One visit with an overall rate, as the inspector fit, the spread and
/// calibration see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatedVisit {
    /// The hall's index in the roster.
    pub branch: usize,
    /// The inspector's index; `None` when the visit names nobody.
    pub inspector: Option<usize>,
    pub rate: f64,
}

/// An inspector's fitted effect: how many points above (+) or below (−)
/// the halls' own level this inspector scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InspectorEffect {
    /// Visits with a rate in the period.
    pub visits: usize,
    /// `None` for inspectors with fewer than [`MIN_FITTED_VISITS`].
    pub effect: Option<f64>,
}

/// Fits visit rate = hall effect + inspector effect by least squares over
/// the visits of inspectors with at least [`MIN_FITTED_VISITS`] visits.
/// Within each group of halls and fitted inspectors linked by visits, the
/// visit-weighted mean of the inspector effects is 0, which makes the fit
/// unique. One entry per inspector index below `inspectors`.
pub fn inspector_effects(visits: &[RatedVisit], inspectors: usize) -> Vec<InspectorEffect> {
    let mut counts = vec![0usize; inspectors];
    for i in visits.iter().filter_map(|v| v.inspector) {
        counts[i] += 1;
    }
    // Fitted inspectors get a place in the fit: `slot[i]`.
    let mut fitted = 0;
    let slot: Vec<Option<usize>> = counts
        .iter()
        .map(|&n| {
            (n >= MIN_FITTED_VISITS).then(|| {
                fitted += 1;
                fitted - 1
            })
        })
        .collect();
    let effects = fit(visits, &slot, fitted);
    counts
        .iter()
        .zip(&slot)
        .map(|(&visits, slot)| InspectorEffect {
            visits,
            effect: slot.map(|s| effects[s]),
        })
        .collect()
}

/// A hall's visits by fitted inspectors: Σ rate, visits, and visits per
/// inspector in the order of their places (a hall sees a handful).
#[derive(Clone, Default)]
struct HallVisits {
    sum: f64,
    n: f64,
    by_inspector: Vec<(usize, f64)>,
}

/// The effects of the fitted inspectors, by their place in the fit.
fn fit(visits: &[RatedVisit], slot: &[Option<usize>], inspectors: usize) -> Vec<f64> {
    if inspectors == 0 {
        return Vec::new();
    }
    let branches = visits.iter().map(|v| v.branch + 1).max().unwrap_or(0);
    let mut halls = vec![HallVisits::default(); branches];
    let mut per_inspector = vec![(0.0, 0.0); inspectors];
    for v in visits {
        let Some(j) = v.inspector.and_then(|i| slot[i]) else {
            continue;
        };
        let hall = &mut halls[v.branch];
        hall.sum += v.rate;
        hall.n += 1.0;
        match hall.by_inspector.binary_search_by_key(&j, |&(k, _)| k) {
            Ok(at) => hall.by_inspector[at].1 += 1.0,
            Err(at) => hall.by_inspector.insert(at, (j, 1.0)),
        }
        per_inspector[j].0 += v.rate;
        per_inspector[j].1 += 1.0;
    }
    // With the hall effects solved out: M b = r, where
    // M = diag(m) − Σ_h c_h c_hᵀ / n_h and r = Z − Σ_h c_h · Ȳ_h.
    let mut m = vec![vec![0.0; inspectors]; inspectors];
    let mut r: Vec<f64> = per_inspector.iter().map(|p| p.0).collect();
    for (j, p) in per_inspector.iter().enumerate() {
        m[j][j] = p.1;
    }
    let mut component = Components::new(inspectors);
    for hall in halls.iter().filter(|hall| hall.n > 0.0) {
        let (n, by_inspector) = (hall.n, &hall.by_inspector);
        let mean = hall.sum / n;
        let mut linked = by_inspector.iter().map(|&(j, _)| j);
        if let Some(first) = linked.next() {
            for other in linked {
                component.join(first, other);
            }
        }
        for &(j, cj) in by_inspector {
            r[j] -= cj * mean;
            for &(k, ck) in by_inspector {
                m[j][k] -= cj * ck / n;
            }
        }
    }
    // M is singular along each group's constant; adding w wᵀ per group
    // (w = visit counts) pins the weighted mean at 0 without moving the
    // least-squares solution, because r sums to 0 over every group.
    for j in 0..inspectors {
        for k in 0..inspectors {
            if component.root(j) == component.root(k) {
                m[j][k] += per_inspector[j].1 * per_inspector[k].1;
            }
        }
    }
    solve(m, r)
}

/// Union–find over inspectors linked by shared halls.
struct Components {
    parent: Vec<usize>,
}

impl Components {
    fn new(n: usize) -> Components {
        Components {
            parent: (0..n).collect(),
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        self.parent[a] = b;
    }
}

/// Gaussian elimination with partial pivoting on a small dense system that
/// is non-singular by construction.
fn solve(mut m: Vec<Vec<f64>>, mut r: Vec<f64>) -> Vec<f64> {
    let n = r.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        m.swap(col, pivot);
        r.swap(col, pivot);
        let diagonal = m[col][col];
        if diagonal == 0.0 {
            continue;
        }
        let (done, rest) = m.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let factor = row[col] / diagonal;
            if factor == 0.0 {
                continue;
            }
            for (value, above) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *value -= factor * above;
            }
            r[col + 1 + offset] -= factor * r[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| m[row][k] * x[k]).sum();
        x[row] = if m[row][row] == 0.0 {
            0.0
        } else {
            (r[row] - tail) / m[row][row]
        };
    }
    x
}

/// Each branch's inspector-adjusted rate: the mean over its visits of
/// (visit rate − that visit's inspector effect), clipped to [0, 1]. Visits
/// of unfitted inspectors, or with none, have effect 0.
pub fn adjusted_rates(
    visits: &[RatedVisit],
    effects: &[InspectorEffect],
    branches: usize,
) -> Vec<Option<f64>> {
    let effect_of = |inspector: Option<usize>| {
        inspector
            .and_then(|i| effects.get(i).and_then(|e| e.effect))
            .unwrap_or(0.0)
    };
    let mut sums = vec![(0.0, 0usize); branches];
    for v in visits {
        let sum = &mut sums[v.branch];
        sum.0 += v.rate - effect_of(v.inspector);
        sum.1 += 1;
    }
    sums.into_iter()
        .map(|(sum, n)| (n > 0).then(|| (sum / n as f64).clamp(0.0, 1.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn pooled_spread_matches_a_worked_example() {
        // Hall 1: 0.6, 0.8 (mean 0.7); hall 2: 0.5, 0.7, 0.9 (mean 0.7);
        // hall 3: one visit, no spread. Σ squares = 0.02 + 0.08 = 0.10,
        // N − H = 6 − 3 = 3, σ̂ = √(0.1 / 3).
        let halls: [&[f64]; 3] = [&[0.6, 0.8], &[0.5, 0.7, 0.9], &[0.4]];
        let spread = Spread::of(halls);
        assert_eq!(spread.df, 3);
        assert!(close(
            spread.sigma.expect("df 3"),
            (0.1f64 / 3.0).sqrt(),
            1e-12
        ));
    }

    #[test]
    fn too_few_repeat_visits_give_no_spread_and_no_intervals() {
        let halls: [&[f64]; 2] = [&[0.6, 0.8], &[0.5]];
        let spread = Spread::of(halls);
        assert_eq!((spread.df, spread.sigma), (1, None));
        assert_eq!(spread.hall_interval(0.7, 2), None);
        assert_eq!(spread.limits(0.7, 2), None);
        assert_eq!(spread.group_interval(0.7, &[2, 1]), None);
    }

    #[test]
    fn hall_interval_uses_the_t_quantile() {
        // t(0.975, 10) = 2.228139 (any statistics table).
        let spread = Spread::new(10, Some(0.1));
        let interval = spread.hall_interval(0.7, 4).expect("an interval");
        assert!(close(interval.high - 0.7, 2.228_139 * 0.1 / 2.0, 1e-6));
        assert!(close(0.7 - interval.low, 2.228_139 * 0.1 / 2.0, 1e-6));
    }

    #[test]
    fn intervals_contain_the_rate_narrow_with_visits_and_stay_within_0_and_1() {
        let spread = Spread::new(40, Some(0.15));
        let mut previous = f64::INFINITY;
        for visits in 1..12 {
            let i = spread.hall_interval(0.9, visits).expect("an interval");
            assert!(i.low <= 0.9 && 0.9 <= i.high);
            assert!(i.high <= 1.0 && i.low >= 0.0);
            let width = 0.9 - i.low;
            assert!(width < previous);
            previous = width;
        }
    }

    #[test]
    fn a_group_interval_is_narrower_than_its_halls() {
        let spread = Spread::new(30, Some(0.12));
        let hall = spread.hall_interval(0.7, 3).expect("hall");
        let group = spread.group_interval(0.7, &[3, 3, 3, 3]).expect("group");
        // Four halls of three visits each: half the width of one hall.
        assert!(close(0.7 - group.low, (0.7 - hall.low) / 2.0, 1e-12));
    }

    #[test]
    fn funnel_limits_flag_only_halls_beyond_the_outer_limit() {
        let spread = Spread::new(50, Some(0.1));
        let limits = spread.limits(0.75, 4).expect("limits");
        assert!(close(limits.inner.high, 0.75 + 1.96 * 0.05, 1e-12));
        assert!(close(limits.outer.low, 0.75 - 3.09 * 0.05, 1e-12));
        assert_eq!(limits.signal(0.75 - 3.1 * 0.05), Some(Signal::Below));
        assert_eq!(limits.signal(0.75 + 3.1 * 0.05), Some(Signal::Above));
        assert_eq!(limits.signal(0.75 + 2.5 * 0.05), None);
    }

    #[test]
    fn visits_for_a_five_point_margin() {
        let spread = Spread::new(1000, Some(0.1));
        // t ≈ 1.962: (1.962 · 0.1 / 0.05)² = 15.4 → 16 visits.
        assert_eq!(spread.visits_for_margin(0.05), Some(16));
        let interval = spread.hall_interval(0.5, 16).expect("an interval");
        assert!(interval.high - 0.5 <= 0.05);
        let interval = spread.hall_interval(0.5, 15).expect("an interval");
        assert!(interval.high - 0.5 > 0.05);
    }

    #[test]
    fn rank_ranges_count_clear_leaders_and_overlaps() {
        let i = |low, high| Some(Interval { low, high });
        // a clearly first; b and c overlap; d unranked; e clearly last.
        let intervals = [
            i(0.90, 0.95),
            i(0.70, 0.80),
            i(0.75, 0.85),
            i(0.10, 0.99),
            i(0.40, 0.50),
        ];
        let ranked = [true, true, true, false, true];
        let ranges = rank_ranges(&intervals, &ranked);
        assert_eq!(ranges[0], Some((1, 1)));
        assert_eq!(ranges[1], Some((2, 3)));
        assert_eq!(ranges[2], Some((2, 3)));
        assert_eq!(ranges[3], None);
        assert_eq!(ranges[4], Some((4, 4)));
    }

    #[test]
    fn a_call_out_is_indistinct_from_the_units_whose_ranges_overlap_it() {
        // Ranks 1..=6; the top three's ranges reach down to rank 4 only.
        let ranges = [
            Some((1, 2)),
            Some((1, 3)),
            Some((2, 4)),
            Some((3, 5)),
            Some((5, 6)),
            Some((5, 6)),
        ];
        let ranks: Vec<Option<u32>> = (1..=6).map(Some).collect();
        assert_eq!(
            indistinct(&[0, 1, 2], &[3, 4, 5], &ranges, &ranks, true),
            Some((4, 4))
        );
        // The bottom one (rank 6) overlaps ranks 4 and 5 above it.
        assert_eq!(
            indistinct(&[5], &[3, 4], &ranges, &ranks, false),
            Some((4, 5))
        );
        let apart = [Some((1, 1)), Some((2, 2))];
        assert_eq!(
            indistinct(&[0], &[1], &apart, &ranks[..2], true),
            None,
            "clearly apart"
        );
    }

    /// Inspectors of the planted case: 0 lenient, 1 fair, 2 strict.
    const LENIENT: usize = 0;
    const FAIR: usize = 1;
    const STRICT: usize = 2;

    fn planted(lenient: f64) -> (Vec<RatedVisit>, Vec<f64>) {
        // Six halls, three inspectors rotating through all of them; hall
        // levels differ, the lenient one adds `lenient`, the strict one
        // subtracts half of it.
        let levels = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85];
        let bias = [lenient, 0.0, -lenient / 2.0];
        let mut visits = Vec::new();
        for (branch, level) in levels.iter().enumerate() {
            for j in [LENIENT, FAIR, STRICT] {
                // Unbalanced on purpose: some pairs visit twice.
                let times = 1 + (branch + j) % 2;
                for _ in 0..times {
                    visits.push(RatedVisit {
                        branch,
                        inspector: Some(j),
                        rate: level + bias[j],
                    });
                }
            }
        }
        (visits, levels.to_vec())
    }

    #[test]
    fn the_fit_recovers_a_planted_lenient_inspector() {
        let (visits, levels) = planted(0.10);
        let effects = inspector_effects(&visits, 3);
        let effect = |i: usize| effects[i].effect.expect("fitted");
        // Exact data: the differences between inspectors come back exactly;
        // the weighted mean of the effects is 0.
        assert!(close(effect(LENIENT) - effect(FAIR), 0.10, 1e-9));
        assert!(close(effect(FAIR) - effect(STRICT), 0.05, 1e-9));
        let weighted: f64 = effects
            .iter()
            .map(|e| e.visits as f64 * e.effect.unwrap_or(0.0))
            .sum();
        assert!(close(weighted, 0.0, 1e-9));
        // Adjusted rates keep the halls' order and spacing.
        let adjusted = adjusted_rates(&visits, &effects, levels.len());
        for pair in adjusted.windows(2) {
            let (a, b) = (pair[0].expect("rate"), pair[1].expect("rate"));
            assert!(close(b - a, 0.05, 1e-9));
        }
    }

    #[test]
    fn with_no_inspector_effect_adjusted_rates_equal_plain_ones() {
        let (visits, levels) = planted(0.0);
        let effects = inspector_effects(&visits, 3);
        let adjusted = adjusted_rates(&visits, &effects, levels.len());
        for (adjusted, level) in adjusted.iter().zip(&levels) {
            assert!(close(adjusted.expect("rate"), *level, 1e-9));
        }
    }

    #[test]
    fn inspectors_with_few_visits_are_not_fitted() {
        let visits: Vec<RatedVisit> = (0..4)
            .map(|branch| RatedVisit {
                branch,
                inspector: Some(0),
                rate: 0.5,
            })
            .chain([RatedVisit {
                branch: 0,
                inspector: None,
                rate: 0.9,
            }])
            .collect();
        let effects = inspector_effects(&visits, 1);
        assert_eq!(
            effects,
            vec![InspectorEffect {
                visits: 4,
                effect: None
            }]
        );
        let adjusted = adjusted_rates(&visits, &effects, 4);
        assert!(close(adjusted[0].expect("rate"), 0.7, 1e-12));
    }

    #[test]
    fn one_hall_with_one_visit_gives_nulls_not_nan() {
        let spread = Spread::of([&[0.5][..]]);
        assert_eq!((spread.df, spread.sigma), (0, None));
        assert_eq!(spread.hall_interval(0.5, 1), None);
        assert_eq!(spread.group_interval(0.5, &[1]), None);
        assert_eq!(spread.limits(0.5, 1), None);
        assert_eq!(spread.visits_for_margin(0.05), None);
        assert_eq!(rank_ranges(&[None], &[true]), vec![None]);
        let visits = [RatedVisit {
            branch: 0,
            inspector: Some(0),
            rate: 0.5,
        }];
        let effects = inspector_effects(&visits, 1);
        assert_eq!(effects[0].effect, None);
        assert_eq!(adjusted_rates(&visits, &effects, 1), vec![Some(0.5)]);
        assert_eq!(inspector_effects(&[], 0), Vec::new());
    }

    #[test]
    fn disconnected_groups_are_each_centred_on_zero() {
        // Inspectors 0 and 1 only ever visit halls 0–2; inspectors 2 and 3
        // only halls 3–5. Each pair is pinned to a weighted mean of 0.
        let mut visits = Vec::new();
        for hall in 0..6 {
            let pair = if hall < 3 { [0, 1] } else { [2, 3] };
            for (k, inspector) in pair.into_iter().enumerate() {
                for _ in 0..3 {
                    visits.push(RatedVisit {
                        branch: hall,
                        inspector: Some(inspector),
                        rate: 0.6 + 0.05 * hall as f64 + if k == 0 { 0.04 } else { 0.0 },
                    });
                }
            }
        }
        let effects = inspector_effects(&visits, 4);
        for group in [[0, 1], [2, 3]] {
            let weighted: f64 = group
                .iter()
                .map(|&i| effects[i].visits as f64 * effects[i].effect.expect("fitted"))
                .sum();
            assert!(close(weighted, 0.0, 1e-9), "{effects:?}");
            let gap = effects[group[0]].effect.expect("fitted")
                - effects[group[1]].effect.expect("fitted");
            assert!(close(gap, 0.04, 1e-9), "{effects:?}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use crate::domain::analytics::competition_ranks;

        fn halls() -> impl Strategy<Value = Vec<Vec<f64>>> {
            prop::collection::vec(prop::collection::vec(0.0..=1.0f64, 1..7), 2..25)
        }

        proptest! {
            #[test]
            fn every_interval_holds_its_rate_and_narrows_with_more_visits(halls in halls()) {
                let spread = Spread::of(halls.iter().map(Vec::as_slice));
                for rates in &halls {
                    let rate = rates.iter().sum::<f64>() / rates.len() as f64;
                    let Some(interval) = spread.hall_interval(rate, rates.len()) else {
                        continue;
                    };
                    prop_assert!(interval.low <= rate && rate <= interval.high);
                    let wider = spread.hall_interval(0.5, rates.len()).expect("interval");
                    let narrower = spread.hall_interval(0.5, rates.len() + 1).expect("interval");
                    prop_assert!(narrower.high - narrower.low <= wider.high - wider.low);
                }
            }

            #[test]
            fn any_inspector_mix_gives_finite_effects_and_rates_within_0_and_1(
                visits in prop::collection::vec((0usize..8, prop::option::of(0usize..5), 0.0..=1.0f64), 0..80)
            ) {
                let visits: Vec<RatedVisit> = visits
                    .into_iter()
                    .map(|(branch, inspector, rate)| RatedVisit { branch, inspector, rate })
                    .collect();
                let effects = inspector_effects(&visits, 5);
                for e in &effects {
                    prop_assert!(e.effect.is_none_or(f64::is_finite), "{effects:?}");
                }
                for rate in adjusted_rates(&visits, &effects, 8).into_iter().flatten() {
                    prop_assert!((0.0..=1.0).contains(&rate));
                }
            }

            #[test]
            fn every_rank_range_holds_the_rank(halls in halls()) {
                let spread = Spread::of(halls.iter().map(Vec::as_slice));
                let rates: Vec<Option<f64>> = halls
                    .iter()
                    .map(|r| Some(r.iter().sum::<f64>() / r.len() as f64))
                    .collect();
                let ranked = vec![true; halls.len()];
                let ranks = competition_ranks(&rates, &ranked);
                let intervals: Vec<Option<Interval>> = rates
                    .iter()
                    .zip(&halls)
                    .map(|(rate, r)| spread.hall_interval(rate.unwrap_or(0.0), r.len()))
                    .collect();
                for (range, rank) in rank_ranges(&intervals, &ranked).iter().zip(&ranks) {
                    if let (Some((best, worst)), Some(rank)) = (range, rank) {
                        prop_assert!(best <= rank && rank <= worst, "{best} ≤ {rank} ≤ {worst}");
                    }
                }
            }
        }
    }
}
