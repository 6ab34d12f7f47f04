//! Inspector calibration: does an inspector score the same halls higher or
//! lower than the others who visited them?

use super::uncertainty::RatedVisit;

/// The fewest visits at halls that other inspectors visited too for an
/// inspector's offset to mean something. Below it, the difference from
/// the others is mostly which few visits happened to be compared (two
/// halls can easily differ by 15 points by chance), so none is given.
pub const MIN_SHARED_VISITS: usize = 5;

/// An inspector's figures for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub inspector: String,
    pub visits: usize,
    pub mean_rate: f64,
    /// Mean over shared halls of (this inspector's mean rate at the hall −
    /// the other inspectors' mean rate there): positive is lenient,
    /// negative strict. `None` when this inspector has fewer than
    /// [`MIN_SHARED_VISITS`] visits at halls also visited by others.
    pub offset: Option<f64>,
    /// Halls the offset rests on.
    pub halls_compared: usize,
    /// This inspector's visits at those halls.
    pub shared_visits: usize,
}

/// Calibration of every inspector with a visit, in the order of their
/// names; `names[i]` names inspector `i` of the visits. Visits that name
/// nobody count nowhere.
pub fn calibrate(names: &[String], visits: &[RatedVisit]) -> Vec<Calibration> {
    // (inspector, visit) of the visits that name one.
    let observations: Vec<(usize, &RatedVisit)> = visits
        .iter()
        .filter_map(|v| v.inspector.map(|inspector| (inspector, v)))
        .collect();
    let halls = observations
        .iter()
        .map(|(_, o)| o.branch + 1)
        .max()
        .unwrap_or(0);
    // Each hall's (Σ rate, visits) over everybody, and where its visits
    // start among all visits laid out hall by hall.
    let mut by_branch = vec![(0.0, 0usize); halls];
    for (_, o) in &observations {
        let all = &mut by_branch[o.branch];
        all.0 += o.rate;
        all.1 += 1;
    }
    let mut next: Vec<usize> = by_branch
        .iter()
        .scan(0, |start, &(_, n)| {
            *start += n;
            Some(*start - n)
        })
        .collect();
    let mut by_hall = vec![0; observations.len()];
    for (place, (_, o)) in observations.iter().enumerate() {
        by_hall[next[o.branch]] = place;
        next[o.branch] += 1;
    }
    // Each inspector's visits as (hall, rate), hall by hall and in the
    // order they came: every sum is added up in that order.
    let mut by_inspector: Vec<Vec<(usize, f64)>> = vec![Vec::new(); names.len()];
    for &place in &by_hall {
        let (inspector, o) = observations[place];
        by_inspector[inspector].push((o.branch, o.rate));
    }
    let mut out: Vec<Calibration> = by_inspector
        .iter()
        .zip(names)
        .filter(|(visits, _)| !visits.is_empty())
        .map(|(visits, name)| {
            // (hall, Σ own rates there, own visits there), by hall.
            let halls: Vec<(usize, f64, usize)> = visits
                .chunk_by(|a, b| a.0 == b.0)
                .map(|cell| {
                    let sum = cell.iter().fold(0.0, |sum, &(_, rate)| sum + rate);
                    (cell[0].0, sum, cell.len())
                })
                .collect();
            calibration(name, &halls, &by_branch)
        })
        .collect();
    out.sort_by(|a, b| a.inspector.cmp(&b.inspector));
    out
}

/// One inspector's figures from their `(hall, Σ rate, visits)` per hall,
/// in hall order, and everybody's `(Σ rate, visits)` per hall.
fn calibration(
    name: &str,
    halls: &[(usize, f64, usize)],
    everybody: &[(f64, usize)],
) -> Calibration {
    let (sum, visits) = halls
        .iter()
        .fold((0.0, 0), |(s, n), &(_, hs, hn)| (s + hs, n + hn));
    // (difference at the hall, own visits there) per shared hall.
    let shared: Vec<(f64, usize)> = halls
        .iter()
        .filter_map(|&(branch, own_sum, own_n)| {
            let (all_sum, all_n) = everybody[branch];
            let others_n = all_n - own_n;
            (others_n > 0).then(|| {
                let diff = own_sum / own_n as f64 - (all_sum - own_sum) / others_n as f64;
                (diff, own_n)
            })
        })
        .collect();
    let shared_visits = shared.iter().map(|&(_, n)| n).sum();
    Calibration {
        inspector: name.to_string(),
        visits,
        mean_rate: sum / visits as f64,
        offset: (shared_visits >= MIN_SHARED_VISITS)
            .then(|| shared.iter().map(|&(diff, _)| diff).sum::<f64>() / shared.len() as f64),
        halls_compared: shared.len(),
        shared_visits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(inspector: &str, branch: usize, rate: f64) -> (&str, usize, f64) {
        (inspector, branch, rate)
    }

    /// Calibration of visits that name their inspectors, who get indices
    /// in the order they first come (not their names' order).
    fn calibrate_named(visits: &[(&str, usize, f64)]) -> Vec<Calibration> {
        let mut names: Vec<String> = Vec::new();
        let observations: Vec<RatedVisit> = visits
            .iter()
            .map(|&(name, branch, rate)| {
                let inspector = names.iter().position(|n| n == name).unwrap_or_else(|| {
                    names.push(name.to_string());
                    names.len() - 1
                });
                RatedVisit {
                    inspector: Some(inspector),
                    branch,
                    rate,
                }
            })
            .collect();
        calibrate(&names, &observations)
    }

    #[test]
    fn lenient_and_strict_inspectors_show_up() {
        let c = calibrate_named(&[
            o("王", 0, 0.9),
            o("王", 0, 0.8),
            o("王", 0, 0.85),
            o("王", 0, 0.85),
            o("李", 0, 0.7),
            o("王", 1, 0.6),
            o("张", 1, 0.8),
            o("张", 1, 0.8),
            o("张", 1, 0.8),
            o("张", 1, 0.8),
            o("张", 1, 0.8),
            o("张", 2, 0.5),
        ]);
        let wang = &c.iter().find(|c| c.inspector == "王").expect("王");
        assert_eq!(wang.visits, 5);
        assert!((wang.mean_rate - 4.0 / 5.0).abs() < 1e-12);
        // Hall 0: 0.85 − 0.7 = +0.15; hall 1: 0.6 − 0.8 = −0.2.
        assert!((wang.offset.expect("compared") - (-0.025)).abs() < 1e-12);
        assert_eq!((wang.halls_compared, wang.shared_visits), (2, 5));
        let zhang = &c.iter().find(|c| c.inspector == "张").expect("张");
        assert_eq!(zhang.halls_compared, 1, "hall 2 was his alone");
        assert_eq!(zhang.shared_visits, 5, "nor does his visit there count");
        assert!((zhang.offset.expect("compared") - 0.2).abs() < 1e-12);
    }

    #[test]
    fn too_few_shared_visits_give_no_offset() {
        // Four visits at shared halls and many alone: no offset yet.
        let mut visits = vec![o("王", 0, 0.9), o("王", 0, 0.9), o("王", 1, 0.9)];
        visits.extend([o("王", 1, 0.9), o("李", 0, 0.5), o("李", 1, 0.5)]);
        visits.extend((2..10).map(|hall| o("王", hall, 0.9)));
        let c = calibrate_named(&visits);
        let wang = &c.iter().find(|c| c.inspector == "王").expect("王");
        assert_eq!((wang.visits, wang.shared_visits), (12, 4));
        assert_eq!(wang.halls_compared, 2);
        assert_eq!(
            wang.offset, None,
            "{MIN_SHARED_VISITS} shared visits needed"
        );
        let li = &c.iter().find(|c| c.inspector == "李").expect("李");
        assert_eq!((li.shared_visits, li.offset), (2, None));
        // The fifth shared visit gives an offset.
        visits.push(o("王", 1, 0.9));
        let c = calibrate_named(&visits);
        let wang = &c.iter().find(|c| c.inspector == "王").expect("王");
        assert_eq!(wang.shared_visits, MIN_SHARED_VISITS);
        assert!((wang.offset.expect("enough") - 0.4).abs() < 1e-12);
    }

    #[test]
    fn an_inspector_alone_has_no_offset() {
        let c = calibrate_named(&[o("王", 0, 0.9)]);
        assert_eq!(c[0].offset, None);
        assert_eq!((c[0].halls_compared, c[0].shared_visits), (0, 0));
    }

    /// Calibration as first written, over maps keyed by name and hall: the
    /// oracle for the indexed one.
    fn by_maps(visits: &[(&str, usize, f64)]) -> Vec<Calibration> {
        use std::collections::BTreeMap;
        let mut by_inspector: BTreeMap<&str, BTreeMap<usize, (f64, usize)>> = BTreeMap::new();
        let mut by_branch: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
        for &(inspector, branch, rate) in visits {
            let cell = by_inspector
                .entry(inspector)
                .or_default()
                .entry(branch)
                .or_default();
            cell.0 += rate;
            cell.1 += 1;
            let all = by_branch.entry(branch).or_default();
            all.0 += rate;
            all.1 += 1;
        }
        let halls = by_branch.keys().last().map_or(0, |&b| b + 1);
        let everybody: Vec<(f64, usize)> = (0..halls)
            .map(|b| by_branch.get(&b).copied().unwrap_or_default())
            .collect();
        by_inspector
            .into_iter()
            .map(|(name, halls)| {
                let halls: Vec<(usize, f64, usize)> =
                    halls.into_iter().map(|(b, (sum, n))| (b, sum, n)).collect();
                calibration(name, &halls, &everybody)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn indexed_calibration_gives_every_figure_the_maps_give(
            visits in proptest::collection::vec(
                (0usize..6, 0usize..9, 0u32..=20),
                0..120,
            ),
        ) {
            const NAMES: [&str; 6] = ["周", "王", "李", "赵", "Anna", "陈"];
            let visits: Vec<(&str, usize, f64)> = visits
                .into_iter()
                .map(|(i, branch, score)| (NAMES[i], branch, f64::from(score) / 20.0 + 0.001))
                .collect();
            proptest::prop_assert_eq!(calibrate_named(&visits), by_maps(&visits));
        }
    }
}
