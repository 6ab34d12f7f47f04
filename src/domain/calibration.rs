//! Inspector calibration: does an inspector score the same halls higher or
//! lower than the others who visited them?

use std::collections::BTreeMap;

/// The fewest visits at halls that other inspectors visited too for an
/// inspector's offset to mean something. Below it, the difference from
/// the others is mostly which few visits happened to be compared (two
/// halls can easily differ by 15 points by chance), so none is given.
pub const MIN_SHARED_VISITS: usize = 5;

/// One scored visit, as calibration sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation<'a> {
    pub inspector: &'a str,
    pub branch: usize,
    pub rate: f64,
}

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

/// Calibration of every inspector, by name.
pub fn calibrate(observations: &[Observation<'_>]) -> Vec<Calibration> {
    // inspector → branch → (sum, count); and branch → (sum, count) overall.
    let mut by_inspector: BTreeMap<&str, BTreeMap<usize, (f64, usize)>> = BTreeMap::new();
    let mut by_branch: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    for o in observations {
        let cell = by_inspector
            .entry(o.inspector)
            .or_default()
            .entry(o.branch)
            .or_default();
        cell.0 += o.rate;
        cell.1 += 1;
        let all = by_branch.entry(o.branch).or_default();
        all.0 += o.rate;
        all.1 += 1;
    }
    by_inspector
        .into_iter()
        .map(|(inspector, halls)| {
            let (sum, visits) = halls
                .values()
                .fold((0.0, 0), |(s, n), (hs, hn)| (s + hs, n + hn));
            // (difference at the hall, own visits there) per shared hall.
            let shared: Vec<(f64, usize)> = halls
                .iter()
                .filter_map(|(branch, &(own_sum, own_n))| {
                    let (all_sum, all_n) = by_branch[branch];
                    let others_n = all_n - own_n;
                    (others_n > 0).then(|| {
                        let diff = own_sum / own_n as f64 - (all_sum - own_sum) / others_n as f64;
                        (diff, own_n)
                    })
                })
                .collect();
            let shared_visits = shared.iter().map(|&(_, n)| n).sum();
            Calibration {
                inspector: inspector.to_string(),
                visits,
                mean_rate: sum / visits as f64,
                offset: (shared_visits >= MIN_SHARED_VISITS).then(|| {
                    shared.iter().map(|&(diff, _)| diff).sum::<f64>() / shared.len() as f64
                }),
                halls_compared: shared.len(),
                shared_visits,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(inspector: &str, branch: usize, rate: f64) -> Observation<'_> {
        Observation {
            inspector,
            branch,
            rate,
        }
    }

    #[test]
    fn lenient_and_strict_inspectors_show_up() {
        let c = calibrate(&[
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
        let c = calibrate(&visits);
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
        let c = calibrate(&visits);
        let wang = &c.iter().find(|c| c.inspector == "王").expect("王");
        assert_eq!(wang.shared_visits, MIN_SHARED_VISITS);
        assert!((wang.offset.expect("enough") - 0.4).abs() < 1e-12);
    }

    #[test]
    fn an_inspector_alone_has_no_offset() {
        let c = calibrate(&[o("王", 0, 0.9)]);
        assert_eq!(c[0].offset, None);
        assert_eq!((c[0].halls_compared, c[0].shared_visits), (0, 0));
    }
}
