//! The roster: the halls under inspection and where they belong.

use super::plan::{Hours, Window};

/// A hall of the roster, with the district and city it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub code: String,
    pub name: String,
    pub district: String,
    pub city: Option<String>,
    pub address: Option<String>,
    pub branch_type: Option<String>,
    /// When the hall is open, if the roster says.
    pub opening_hours: Option<Window>,
    /// The hall's busy hours on weekdays, if the roster says.
    pub peak_hours: Option<Vec<Window>>,
}

impl Branch {
    /// The hours visits to this hall are planned in: the roster's, and the
    /// usual ones where it is silent.
    pub fn hours(&self) -> Hours {
        let usual = Hours::default();
        Hours {
            open: self.opening_hours.unwrap_or(usual.open),
            weekday_peaks: self.peak_hours.clone().unwrap_or(usual.weekday_peaks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hall() -> Branch {
        Branch {
            code: "XP01".into(),
            name: "西平中心厅".into(),
            district: "西平".into(),
            city: None,
            address: None,
            branch_type: None,
            opening_hours: None,
            peak_hours: None,
        }
    }

    #[test]
    fn a_hall_without_hours_keeps_the_usual_ones() {
        assert_eq!(hall().hours(), Hours::default());
    }

    #[test]
    fn the_roster_hours_replace_the_usual_ones_one_by_one() {
        let open = Window::parse("08:30-17:30");
        let late = Branch {
            opening_hours: open,
            ..hall()
        };
        assert_eq!(late.hours().open, open.expect("a window"));
        assert_eq!(late.hours().weekday_peaks, Hours::default().weekday_peaks);
        let peaks = Window::parse_list("10:00-11:30").expect("windows");
        let busy = Branch {
            peak_hours: Some(peaks.clone()),
            ..hall()
        };
        assert_eq!(busy.hours().open, Hours::default().open);
        assert_eq!(busy.hours().weekday_peaks, peaks);
    }
}
