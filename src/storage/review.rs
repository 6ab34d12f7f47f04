//! Review before a visit counts: visits' review status, the reviewer's
//! decisions, the flags found for them, and what the flags compare.

use super::sql::{Optional, Row, Value, params};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::evidence::visibility_filter;
use super::{
    Error, Reader, Result, Store, TIME_FORMAT, audit, codec, day_bounds, now, parse_time,
    visit_json,
};
use crate::domain::access::Visibility;
use crate::domain::answer::Answer;
use crate::domain::review::{Decision, Flag, Status, status_word};
use crate::domain::visit::Visit;

/// A flag as stored with its visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFlag {
    pub code: String,
    pub message: String,
}

/// Where a visit stands in review, and what was found and decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub status: Status,
    /// The account that took the last decision, when, and its comment.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub comment: Option<String>,
    pub flags: Vec<StoredFlag>,
    /// Minutes from opening the form at the hall to submitting it.
    pub minutes_at_hall: Option<f64>,
}

/// One visit of the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// The id its page and the API find it by.
    pub id: String,
    pub branch_code: String,
    pub branch_name: String,
    pub district: String,
    pub checklist_id: String,
    pub visited_at: NaiveDateTime,
    pub inspector: Option<String>,
    pub review: Review,
}

/// A reviewer's decision about one visit, as it is to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// The visit's row, and the id it is known by.
    pub row: i64,
    pub id: String,
    pub decision: Decision,
    /// The status the decision leaves the visit in.
    pub status: Status,
    pub comment: Option<String>,
}

/// Another visit, as the flags compare the one under review with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub id: String,
    pub inspector: Option<String>,
    pub branch_code: String,
    pub checklist_version: u32,
    pub visited_at: NaiveDateTime,
    pub answers: Vec<Answer>,
    pub photo_hashes: Vec<String>,
}

/// The review columns of a visit row, in this order, after the columns a
/// query reads first.
pub(super) const REVIEW_COLUMNS: &str =
    "v.status, v.reviewed_by, v.reviewed_at, v.review_comment, v.flags, v.minutes_at_hall";

/// Reads [`REVIEW_COLUMNS`] starting at column `first`.
pub(super) fn review_from_row(r: &Row<'_>, first: usize) -> Result<Review> {
    let status: String = r.get(first)?;
    let flags: Option<String> = r.get(first + 4)?;
    Ok(Review {
        status: Status::parse(&status).unwrap_or(Status::Pending),
        reviewed_by: r.get(first + 1)?,
        reviewed_at: r.get(first + 2)?,
        comment: r.get(first + 3)?,
        flags: flags
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default(),
        minutes_at_hall: r.get(first + 5)?,
    })
}

/// The ids of a checklist's pending visits in a range of days. `status <>
/// 'accepted'` says again what `status = 'pending'` implies, for SQLite to
/// see that the index of visits not accepted holds them all; without it, a
/// year's report read every visit of the year once more to find none.
const PENDING_VISITS: &str = "SELECT coalesce(visit_id, 'n' || id) FROM visits
     WHERE status = 'pending' AND status <> 'accepted'
       AND checklist_id = ?1 AND visited_at >= ?2 AND visited_at < ?3
     ORDER BY visited_at, id";

impl Reader {
    /// The status of the visit stored under `key`, if there is one.
    pub fn visit_status(&self, key: &str) -> Result<Option<Status>> {
        let status: Option<String> = self
            .conn
            .prepare_cached("SELECT status FROM visits WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        status
            .map(|s| Status::parse(&s).ok_or_else(|| Error::Corrupt(format!("审核状态「{s}」"))))
            .transpose()
    }

    /// The row of the visit stored under `key`, if there is one.
    pub fn visit_row_by_key(&self, key: &str) -> Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM visits WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    /// The visits of every checklist in a range of days in `status` that
    /// the reader may see, oldest first.
    pub fn review_queue(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        status: Status,
        visibility: &Visibility,
    ) -> Result<Vec<Queued>> {
        let (filter, value) = visibility_filter(visibility);
        let (start, end) = day_bounds(from, to);
        let sql = format!(
            "SELECT coalesce(v.visit_id, 'n' || v.id), b.code, b.name, d.name, v.checklist_id,
                    v.visited_at, v.inspector, {REVIEW_COLUMNS}
             FROM visits v JOIN branches b ON b.id = v.branch_id
             JOIN districts d ON d.id = b.district_id LEFT JOIN cities c ON c.id = d.city_id
             WHERE v.status = ? AND v.visited_at >= ? AND v.visited_at < ? AND {filter}
             ORDER BY v.visited_at, v.id"
        );
        let mut params: Vec<Value> =
            vec![status.as_str().to_string().into(), start.into(), end.into()];
        params.extend(value);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                Queued {
                    id: r.get(0)?,
                    branch_code: r.get(1)?,
                    branch_name: r.get(2)?,
                    district: r.get(3)?,
                    checklist_id: r.get(4)?,
                    visited_at: NaiveDateTime::default(),
                    inspector: r.get(6)?,
                    review: review_from_row(r, 7)?,
                },
                r.get::<String>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (queued, at) = row?;
            Ok(Queued {
                visited_at: parse_time(&at)?,
                ..queued
            })
        })
        .collect()
    }

    /// The ids of a checklist's pending visits in a range of days.
    pub fn pending_visits(
        &self,
        checklist_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<String>> {
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(PENDING_VISITS)?;
        let rows = stmt.query_map(params![checklist_id, start, end], |r| r.get(0))?;
        rows.collect::<Result<_>>()
    }

    /// The visits of a checklist in a range of days, whatever their status,
    /// with their photos' hashes: what a visit's flags compare it with.
    pub fn visits_to_compare(
        &self,
        checklist_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Compared>> {
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce(v.visit_id, 'n' || v.id), v.inspector, b.code, v.checklist_version,
                    v.visited_at, v.answers,
                    (SELECT string_agg(p.sha256, ',') FROM photos p
                     WHERE p.visit_id = v.visit_id AND p.sha256 IS NOT NULL)
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.checklist_id = ?1 AND v.visited_at >= ?2 AND v.visited_at < ?3
             ORDER BY v.visited_at, v.id",
        )?;
        let mut rows = stmt.query(params![checklist_id, start, end])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut answers = Vec::new();
            codec::decode_into(r.get_ref(5)?.as_blob()?, &mut answers)
                .ok_or_else(|| Error::Corrupt("暗访答案无法解码".into()))?;
            let hashes: Option<String> = r.get(6)?;
            out.push(Compared {
                id: r.get(0)?,
                inspector: r.get(1)?,
                branch_code: r.get(2)?,
                checklist_version: r.get(3)?,
                visited_at: parse_time(r.get_ref(4)?.as_str()?)?,
                answers,
                photo_hashes: hashes
                    .map(|h| h.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

impl Store {
    /// Records decisions, all or none: a visit that is no longer pending
    /// when written refuses them all.
    pub fn decide(&mut self, decisions: &[Decided], actor: &str) -> Result<()> {
        self.atomically(|store| {
            store.record_decisions(decisions, actor)?;
            // An accepted visit may settle rectification tickets.
            let mut branches = Vec::new();
            for decided in decisions.iter().filter(|d| d.status == Status::Accepted) {
                branches.push(store.conn.query_row(
                    "SELECT b.code FROM visits v JOIN branches b ON b.id = v.branch_id
                     WHERE v.id = ?1",
                    [decided.row],
                    |r| r.get::<String>(0),
                )?);
            }
            branches.sort_unstable();
            branches.dedup();
            let branches: Vec<&str> = branches.iter().map(String::as_str).collect();
            store.settle(&branches, actor)
        })
    }

    fn record_decisions(&mut self, decisions: &[Decided], actor: &str) -> Result<()> {
        self.transaction(true, |tx| {
            let at = now();
            for Decided {
                row,
                id,
                decision,
                status,
                comment,
            } in decisions
            {
                let changed = tx
                    .prepare_cached(
                        "UPDATE visits SET status = ?2, reviewed_by = ?3, reviewed_at = ?4,
                            review_comment = ?5
                         WHERE id = ?1 AND status = 'pending'",
                    )?
                    .execute(params![row, status.as_str(), actor, at, comment])?;
                if changed == 0 {
                    return Err(Error::Duplicate(format!(
                        "暗访 {id} 已不是待审核状态(可能刚被他人审核),本次未做任何修改"
                    )));
                }
                audit::record(
                    tx,
                    &audit::Entry {
                        actor,
                        action: &format!("review.{}", decision.as_str()),
                        entity: "visit",
                        id: Some(id),
                        before: Some(&serde_json::json!({"status": status_word(Status::Pending)})),
                        after: Some(&serde_json::json!({
                            "status": status_word(*status),
                            "comment": comment,
                        })),
                    },
                )?;
            }
            Ok(())
        })
    }

    /// A returned visit submitted again by its inspector under the same
    /// id: the earlier answers go to the visit's history and it waits for
    /// review again.
    pub fn resubmit_visit(&mut self, visit: &Visit, actor: &str) -> Result<()> {
        let key = visit.key();
        let branch_id: i64 = self
            .conn
            .query_row(
                "SELECT id FROM branches WHERE code = ?1",
                [&visit.branch_code],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                Error::NotFound(format!("网点编码「{}」不在网点名单中", visit.branch_code))
            })?;
        let points = self.points_of(visit)?;
        self.transaction(true, |tx| {
            let at = now();
            let row: i64 = tx.query_row(
                "SELECT id FROM visits WHERE key = ?1 AND status = 'returned'",
                [&key],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO visit_history (visit_id, checklist_version, answers, notes, replaced_at, reason)
                 SELECT id, checklist_version, answers, notes, ?2, ?3 FROM visits WHERE id = ?1",
                params![row, at, "退回后重新提交"],
            )?;
            tx.execute(
                "UPDATE visits SET branch_id = ?2, checklist_id = ?3, checklist_version = ?4,
                    visited_at = ?5, inspector = ?6, notes = ?7, answers = ?8, updated_at = ?9,
                    item_notes = ?10, status = 'pending', flags = NULL, points = ?11
                 WHERE id = ?1",
                params![
                    row,
                    branch_id,
                    visit.checklist_id,
                    visit.checklist_version,
                    visit.visited_at.format(TIME_FORMAT).to_string(),
                    visit.inspector,
                    visit.notes,
                    codec::encode(&visit.answers),
                    at,
                    super::item_notes_to(&visit.item_notes),
                    points
                ],
            )?;
            audit::record(
tx,
&audit::Entry {
actor,
action: "visit.resubmit",
entity: "visit",
id: Some(&key),
before: None,
after: Some(&visit_json(visit)),
},
)
        })
    }

    /// Records the minutes the tablet measured at the hall for a visit.
    pub fn set_minutes_at_hall(&mut self, key: &str, minutes: f64) -> Result<()> {
        self.conn.execute(
            "UPDATE visits SET minutes_at_hall = ?2 WHERE key = ?1",
            params![key, minutes],
        )?;
        Ok(())
    }

    /// Stores the flags found for a visit, replacing earlier ones.
    pub fn set_flags(&mut self, row: i64, flags: &[Flag]) -> Result<()> {
        let json = serde_json::to_string(flags)
            .map_err(|e| Error::Corrupt(format!("审核标记无法序列化:{e}")))?;
        self.conn.execute(
            "UPDATE visits SET flags = ?2 WHERE id = ?1",
            params![row, json],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_visits_are_found_by_the_index_of_visits_not_accepted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("review.db")).expect("store");
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {PENDING_VISITS}"))
            .and_then(|mut stmt| {
                stmt.query_map(params!["hall-visit", "2025-01-01", "2026-01-01"], |r| {
                    r.get(3)
                })?
                .collect()
            })
            .expect("plan");
        assert!(
            plan.iter().any(|step| step.contains("visits_by_status")),
            "{plan:?}"
        );
    }
}
