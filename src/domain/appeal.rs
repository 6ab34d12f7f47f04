//! Appeals against single answers of published results: where an appeal
//! stands, how long a published period takes them, and the change log a
//! re-issued version carries.

use std::fmt;

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Where an appeal stands. Stored and shown as `open`, `accepted` or
/// `rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppealStatus {
    Open,
    Accepted,
    Rejected,
}

impl AppealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealStatus::Open => "open",
            AppealStatus::Accepted => "accepted",
            AppealStatus::Rejected => "rejected",
        }
    }

    /// The status a stored word names, if it names one.
    pub fn parse(text: &str) -> Option<AppealStatus> {
        [
            AppealStatus::Open,
            AppealStatus::Accepted,
            AppealStatus::Rejected,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

impl fmt::Display for AppealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The appeal window a publication gets when it names none, in days.
pub const DEFAULT_APPEAL_DAYS: u32 = 7;
/// The longest appeal window a publication may set, in days.
pub const MAX_APPEAL_DAYS: u32 = 90;

/// The appeal window, in days, a publication asked for `asked` gets: the
/// default when it names none; refused beyond the longest.
pub fn appeal_days(asked: Option<u32>) -> Result<u32, String> {
    match asked {
        None => Ok(DEFAULT_APPEAL_DAYS),
        Some(days) if days <= MAX_APPEAL_DAYS => Ok(days),
        Some(days) => Err(format!(
            "申诉期 {days} 天太长:最长 {MAX_APPEAL_DAYS} 天,本次未发布"
        )),
    }
}

/// How long a published period takes appeals: from the publication of its
/// first version, for a number of days. Re-issued versions do not move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppealWindow {
    pub opened: NaiveDateTime,
    pub days: u32,
}

impl AppealWindow {
    /// When the period stops taking appeals, and its visits stop taking
    /// edits.
    pub fn closes_at(self) -> NaiveDateTime {
        self.opened + Duration::days(i64::from(self.days))
    }

    /// Whether an appeal may still be filed at `now` (the closing minute
    /// itself included).
    pub fn is_open(self, now: NaiveDateTime) -> bool {
        now <= self.closes_at()
    }
}

/// What a re-issued version changed since the one before: the accepted
/// appeals it takes in, the answers they changed, and the old and new rank
/// of the halls those answers belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeLog {
    /// Ids of the appeals.
    pub appeals: Vec<i64>,
    pub items: Vec<ChangedItem>,
    pub halls: Vec<ChangedHall>,
}

/// One answer an accepted appeal changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedItem {
    pub appeal: i64,
    /// The visit's page id.
    pub visit: String,
    /// The hall's code.
    pub branch: String,
    /// The checklist item's code.
    pub item: String,
    /// The answer before, as written.
    pub old: Option<String>,
    /// The answer after, as written.
    pub new: String,
}

/// A hall an accepted appeal touched, with its rank in both versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedHall {
    pub code: String,
    pub old_rank: Option<u32>,
    pub new_rank: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn a_publication_takes_the_default_window_or_one_up_to_the_longest() {
        assert_eq!(appeal_days(None), Ok(DEFAULT_APPEAL_DAYS));
        assert_eq!(appeal_days(Some(0)), Ok(0));
        assert_eq!(appeal_days(Some(MAX_APPEAL_DAYS)), Ok(MAX_APPEAL_DAYS));
        let refused = appeal_days(Some(91)).expect_err("too long");
        assert!(
            refused.contains("91") && refused.contains("90"),
            "{refused}"
        );
    }

    #[test]
    fn the_window_closes_its_days_after_the_first_version() {
        let window = AppealWindow {
            opened: at("2024-10-08 09:30"),
            days: 7,
        };
        assert_eq!(window.closes_at(), at("2024-10-15 09:30"));
        assert!(window.is_open(at("2024-10-15 09:30")));
        assert!(!window.is_open(at("2024-10-15 09:31")));
        let none = AppealWindow { days: 0, ..window };
        assert!(none.is_open(at("2024-10-08 09:30")));
        assert!(!none.is_open(at("2024-10-08 09:31")));
    }

    #[test]
    fn a_status_is_stored_as_its_word() {
        for status in [
            AppealStatus::Open,
            AppealStatus::Accepted,
            AppealStatus::Rejected,
        ] {
            assert_eq!(AppealStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).expect("json"),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(AppealStatus::parse("Open"), None);
        assert_eq!(AppealStatus::parse(""), None);
    }

    #[test]
    fn a_change_log_keeps_the_json_it_always_had() {
        let text = r#"{"appeals":[3],"items":[{"appeal":3,"visit":"V-1","branch":"B01","item":"A1","old":"否","new":"是"}],"halls":[{"code":"B01","old_rank":4,"new_rank":null}]}"#;
        let log: ChangeLog = serde_json::from_str(text).expect("read");
        assert_eq!(log.items[0].old.as_deref(), Some("否"));
        assert_eq!(log.halls[0].new_rank, None);
        assert_eq!(serde_json::to_string(&log).expect("write"), text);
    }
}
