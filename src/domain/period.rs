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

    /// The calendar quarter `day` falls in.
    pub fn quarter_of(day: NaiveDate) -> Period {
        let first = NaiveDate::from_ymd_opt(day.year(), day.month0() / 3 * 3 + 1, 1).unwrap_or(day);
        let to = first
            .checked_add_months(Months::new(3))
            .and_then(|d| d.pred_opt())
            .unwrap_or(day);
        Period {
            kind: PeriodKind::Quarter,
            from: first,
            to,
        }
    }

    /// The period a report opens on when none is asked for: the most recent
    /// quarter that has ended by `today` and has a visit among `visit_days`;
    /// the current quarter when no ended quarter has any. A quarter still
    /// running is left aside because its first visits alone make a thin,
    /// misleading ranking.
    pub fn opening_quarter(
        today: NaiveDate,
        visit_days: impl IntoIterator<Item = NaiveDate>,
    ) -> Period {
        let current = Period::quarter_of(today);
        visit_days
            .into_iter()
            .filter(|day| *day < current.from)
            .max()
            .map_or(current, Period::quarter_of)
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
    fn quarters_of_days() {
        let q = |y, m, d| Period::quarter_of(day(y, m, d)).to_string();
        assert_eq!(q(2026, 1, 1), "2026-Q1");
        assert_eq!(q(2026, 3, 31), "2026-Q1");
        assert_eq!(q(2026, 4, 1), "2026-Q2");
        assert_eq!(q(2026, 11, 30), "2026-Q4");
        assert_eq!(q(2026, 12, 31), "2026-Q4");
        let q4 = Period::quarter_of(day(2026, 11, 30));
        assert_eq!(range(&q4), (day(2026, 10, 1), day(2026, 12, 31)));
    }

    #[test]
    fn reports_open_on_the_last_ended_quarter_with_visits() {
        let open = |today: NaiveDate, days: &[NaiveDate]| {
            Period::opening_quarter(today, days.iter().copied()).to_string()
        };
        let today = day(2026, 11, 30);
        // One visit this quarter does not outweigh a whole ended quarter.
        let days = [day(2026, 5, 2), day(2026, 8, 14), day(2026, 11, 30)];
        assert_eq!(open(today, &days), "2026-Q3");
        // The ended quarter need not be the one just before.
        assert_eq!(open(today, &[day(2026, 2, 3), day(2026, 10, 9)]), "2026-Q1");
        assert_eq!(open(today, &[day(2025, 12, 31)]), "2025-Q4");
        // Only this quarter has visits, or none at all: this quarter.
        assert_eq!(
            open(today, &[day(2026, 10, 1), day(2026, 11, 2)]),
            "2026-Q4"
        );
        assert_eq!(open(today, &[]), "2026-Q4");
        // On the first day of a quarter the one before has just ended.
        assert_eq!(open(day(2026, 10, 1), &[day(2026, 9, 30)]), "2026-Q3");
        assert_eq!(open(day(2026, 9, 30), &[day(2026, 9, 29)]), "2026-Q3");
        // Visits dated after today (a clock set wrong) count as this quarter's.
        assert_eq!(open(today, &[day(2027, 1, 5)]), "2026-Q4");
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
