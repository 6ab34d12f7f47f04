//! Inspector calibration: does an inspector score the same halls higher or
//! lower than the others who visited them?

use std::collections::BTreeMap;

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
    /// negative strict. `None` when no hall was also visited by others.
    pub offset: Option<f64>,
    /// Halls the offset rests on.
    pub halls_compared: usize,
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
            let diffs: Vec<f64> = halls
                .iter()
                .filter_map(|(branch, (own_sum, own_n))| {
                    let (all_sum, all_n) = by_branch[branch];
                    let others_n = all_n - own_n;
                    (others_n > 0)
                        .then(|| own_sum / *own_n as f64 - (all_sum - own_sum) / others_n as f64)
                })
                .collect();
            Calibration {
                inspector: inspector.to_string(),
                visits,
                mean_rate: sum / visits as f64,
                offset: (!diffs.is_empty()).then(|| diffs.iter().sum::<f64>() / diffs.len() as f64),
                halls_compared: diffs.len(),
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
            o("李", 0, 0.7),
            o("王", 1, 0.6),
            o("张", 1, 0.8),
            o("张", 2, 0.5),
        ]);
        let wang = &c.iter().find(|c| c.inspector == "王").expect("王");
        assert_eq!(wang.visits, 3);
        assert!((wang.mean_rate - 2.3 / 3.0).abs() < 1e-12);
        // Hall 0: 0.85 − 0.7 = +0.15; hall 1: 0.6 − 0.8 = −0.2.
        assert!((wang.offset.expect("compared") - (-0.025)).abs() < 1e-12);
        assert_eq!(wang.halls_compared, 2);
        let zhang = &c.iter().find(|c| c.inspector == "张").expect("张");
        assert_eq!(zhang.halls_compared, 1, "hall 2 was his alone");
        assert!((zhang.offset.expect("compared") - 0.2).abs() < 1e-12);
    }

    #[test]
    fn an_inspector_alone_has_no_offset() {
        let c = calibrate(&[o("王", 0, 0.9)]);
        assert_eq!(c[0].offset, None);
        assert_eq!(c[0].halls_compared, 0);
    }
}
