//! Reporting periods: a year, a quarter, a month or a custom range of days.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};

use super::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Year,
    Quarter,
    Month,
    Custom,
}

/// An inclusive range of days of a known kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Reads `2024`, `2024-Q3`, `2024-07` or `2024-07-01..2024-09-30`.
    pub fn parse(text: &str) -> Result<Period, Error> {
        let text = text.trim();
        let bad = || Error::Period(text.to_string());
        if let Some((from, to)) = text.split_once("..") {
            let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad());
            let (from, to) = (day(from)?, day(to)?);
            if from > to {
                return Err(bad());
            }
            return Ok(Period {
                kind: PeriodKind::Custom,
                from,
                to,
            });
        }
        let year = |s: &str| {
            (s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()))
                .then(|| s.parse::<i32>().ok())
                .flatten()
                .filter(|y| *y >= 1900)
                .ok_or_else(bad)
        };
        match text.split_once('-') {
            None => Period::span(PeriodKind::Year, year(text)?, 1, 12).ok_or_else(bad),
            Some((y, q)) if q.len() == 2 && q.to_ascii_uppercase().starts_with('Q') => {
                let quarter: u32 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&quarter) {
                    return Err(bad());
                }
                let first = quarter * 3 - 2;
                Period::span(PeriodKind::Quarter, year(y)?, first, 3).ok_or_else(bad)
            }
            Some((y, m)) if m.len() == 2 && m.chars().all(|c| c.is_ascii_digit()) => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(bad());
                }
                Period::span(PeriodKind::Month, year(y)?, month, 1).ok_or_else(bad)
            }
            Some(_) => Err(bad()),
        }
    }

    fn span(kind: PeriodKind, year: i32, first_month: u32, months: u32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, first_month, 1)?;
        let to = from.checked_add_months(Months::new(months))?.pred_opt()?;
        Some(Period { kind, from, to })
    }

    /// Rule 10: the period of the same kind just before this one; a custom
    /// range moves back by its own length in days.
    pub fn previous(&self) -> Period {
        let months = match self.kind {
            PeriodKind::Year => 12,
            PeriodKind::Quarter => 3,
            PeriodKind::Month => 1,
            PeriodKind::Custom => {
                let days = Days::new(self.days());
                return Period {
                    kind: PeriodKind::Custom,
                    from: self.from - days,
                    to: self.to - days,
                };
            }
        };
        let from = self.from - Months::new(months);
        Period {
            kind: self.kind,
            from,
            to: self.from.pred_opt().unwrap_or(self.from),
        }
    }

    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days() + 1).unwrap_or(1)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }
}

impl fmt::Display for Period {
    /// The period as it is written on the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{}", self.from.year()),
            PeriodKind::Quarter => {
                write!(f, "{}-Q{}", self.from.year(), self.from.month0() / 3 + 1)
            }
            PeriodKind::Month => write!(f, "{}", self.from.format("%Y-%m")),
            PeriodKind::Custom => write!(f, "{}..{}", self.from, self.to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn range(p: &Period) -> (NaiveDate, NaiveDate) {
        (p.from, p.to)
    }

    #[test]
    fn parses_every_form() {
        let p = |s| Period::parse(s).expect("valid period");
        assert_eq!(range(&p("2024")), (day(2024, 1, 1), day(2024, 12, 31)));
        assert_eq!(range(&p("2024-Q3")), (day(2024, 7, 1), day(2024, 9, 30)));
        assert_eq!(range(&p("2024-q1")), (day(2024, 1, 1), day(2024, 3, 31)));
        assert_eq!(range(&p("2024-02")), (day(2024, 2, 1), day(2024, 2, 29)));
        assert_eq!(
            range(&p("2024-07-01..2024-09-30")),
            (day(2024, 7, 1), day(2024, 9, 30))
        );
        for s in ["2024-Q3", "2024", "2024-07", "2024-07-05..2024-07-09"] {
            assert_eq!(p(s).to_string(), s);
        }
    }

    #[test]
    fn refuses_nonsense() {
        for s in [
            "",
            "24",
            "2024-Q5",
            "2024-13",
            "2024-7",
            "Q3",
            "2024-09-30..2024-07-01",
            "2024-02-30..2024-03-01",
            "last month",
        ] {
            let err = Period::parse(s).expect_err(s);
            assert!(
                err.to_string().contains("2024-Q3"),
                "the message shows the forms: {err}"
            );
        }
    }

    #[test]
    fn previous_periods() {
        let prev = |s| range(&Period::parse(s).expect("valid").previous());
        assert_eq!(prev("2024"), (day(2023, 1, 1), day(2023, 12, 31)));
        assert_eq!(prev("2024-Q1"), (day(2023, 10, 1), day(2023, 12, 31)));
        assert_eq!(prev("2024-Q3"), (day(2024, 4, 1), day(2024, 6, 30)));
        assert_eq!(prev("2024-03"), (day(2024, 2, 1), day(2024, 2, 29)));
        assert_eq!(prev("2024-01"), (day(2023, 12, 1), day(2023, 12, 31)));
        assert_eq!(
            prev("2024-07-11..2024-07-20"),
            (day(2024, 7, 1), day(2024, 7, 10))
        );
        assert_eq!(
            prev("2024-03-01..2024-03-01"),
            (day(2024, 2, 29), day(2024, 2, 29))
        );
    }
}
