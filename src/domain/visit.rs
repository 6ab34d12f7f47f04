//! A recorded visit and its identity.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::answer::Answer;

/// One unannounced inspection of one hall, as stored.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Visit {
    /// The agency's or the tablet's id for the visit, when there is one.
    pub visit_id: Option<String>,
    pub branch_code: String,
    /// Local wall-clock time in the hall.
    pub visited_at: NaiveDateTime,
    pub inspector: Option<String>,
    pub checklist_id: String,
    pub checklist_version: u32,
    pub notes: Option<String>,
    /// Notes on single items, by item code.
    pub item_notes: BTreeMap<String, String>,
    /// One answer per item of the checklist version, in checklist order.
    pub answers: Vec<Answer>,
}

impl Visit {
    /// The key that makes importing the same visit twice a no-op: its
    /// `visit_id`, or else branch, date-time and inspector together.
    pub fn key(&self) -> String {
        match &self.visit_id {
            Some(id) => format!("id:{id}"),
            None => format!(
                "at:{}|{}|{}",
                self.branch_code,
                self.visited_at.format("%Y-%m-%d %H:%M:%S"),
                self.inspector.as_deref().unwrap_or("")
            ),
        }
    }
}
