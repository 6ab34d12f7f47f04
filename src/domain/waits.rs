//! Measured waits (the queue's 取号→叫号 and 叫号→办结 minutes): how long,
//! and how often over the limit.

/// Figures of one measure item over a set of visits.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitSummary {
    pub count: usize,
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    /// Share of visits whose value is above the limit (超时率); `None`
    /// when the item has no limit.
    pub over_share: Option<f64>,
}

/// Summarises measured values, `sorted` in ascending order (as
/// `f64::total_cmp` orders them, so that the mean adds them up in one
/// order whoever sorted them); `limit` is the item's first band's `max`,
/// the wait that still earns full points. `None` for no values.
///
/// Percentiles interpolate linearly between the two nearest ranks, as
/// Excel's PERCENTILE.INC does, so the sheet and a spreadsheet formula
/// agree.
pub fn summarise(sorted: &[f64], limit: Option<f64>) -> Option<WaitSummary> {
    debug_assert!(sorted.is_sorted_by(|a, b| a.total_cmp(b).is_le()));
    if sorted.is_empty() {
        return None;
    }
    let count = sorted.len();
    Some(WaitSummary {
        count,
        mean: sorted.iter().sum::<f64>() / count as f64,
        median: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        over_share: limit
            .map(|limit| sorted.iter().filter(|&&v| v > limit).count() as f64 / count as f64),
    })
}

/// The `p` percentile (0..=1) of sorted values, interpolated.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_a_small_sample() {
        let s = summarise(&[4.0, 6.0, 8.0, 12.0, 20.0], Some(10.0)).expect("values");
        assert_eq!(s.count, 5);
        assert_eq!(s.mean, 10.0);
        assert_eq!(s.median, 8.0);
        // Position 0.9 × 4 = 3.6 between 12 and 20.
        assert!((s.p90 - 16.8).abs() < 1e-12);
        assert_eq!(
            s.over_share,
            Some(0.4),
            "12 and 20 are over 10; 10 itself is not"
        );
    }

    #[test]
    fn edges() {
        assert_eq!(summarise(&[], Some(10.0)), None);
        let one = summarise(&[7.5], None).expect("one value");
        assert_eq!((one.median, one.p90, one.over_share), (7.5, 7.5, None));
        let even = summarise(&[1.0, 2.0, 3.0, 4.0], Some(10.0)).expect("values");
        assert_eq!(even.median, 2.5);
        assert_eq!(even.over_share, Some(0.0));
    }
}
