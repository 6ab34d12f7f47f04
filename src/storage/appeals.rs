//! Published periods and appeals against single answers.

use super::sql::{FromValue, Optional, Row, ToValue, Value as SqlValue, ValueRef, params};
use chrono::NaiveDateTime;
use serde_json::Value;
use serde_json::json;

use super::{Error, OptionalFound, Reader, Result, Store, audit, codec, now, parse_time, points};
use crate::domain::access::Visibility;
use crate::domain::answer::Answer;
use crate::domain::appeal::{AppealStatus, AppealWindow, ChangeLog};
use crate::domain::checklist::Checklist;
use crate::domain::period::Period;

/// One version of a period's published results.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub checklist_id: String,
    pub period: Period,
    pub version: u32,
    pub published_at: NaiveDateTime,
    pub published_by: String,
    pub appeal_days: u32,
    /// The branch rankings object of this version.
    pub rankings: Value,
    /// What changed since the version before (None for the first).
    pub changes: Option<ChangeLog>,
}

impl Publication {
    /// The appeal window this version opens, which is the period's when
    /// this is its first version.
    pub fn appeal_window(&self) -> AppealWindow {
        AppealWindow {
            opened: self.published_at,
            days: self.appeal_days,
        }
    }
}

/// When a version of a period's results came out, without its contents:
/// what deciding whether a period is locked needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedVersion {
    pub checklist_id: String,
    pub period: Period,
    pub version: u32,
    /// The appeal window this version opens.
    pub window: AppealWindow,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Appeal {
    pub id: i64,
    /// The visit's page id (its visit id, or `n<row>`).
    pub visit: String,
    pub branch_code: String,
    pub branch_name: String,
    pub district: String,
    pub visited_at: String,
    pub item_code: String,
    pub requested: String,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: String,
    pub status: AppealStatus,
    pub decided_by: Option<String>,
    pub decision: Option<String>,
    /// The answer when the appeal was filed, and the one replaced when it
    /// was accepted.
    pub old_answer: Option<String>,
    /// Ids of the photos filed with it.
    pub photos: Vec<String>,
}

/// An appeal as it is filed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAppeal<'a> {
    pub visit_row: i64,
    pub item_code: &'a str,
    /// The answer's text as it stands when the appeal is filed.
    pub current: &'a str,
    pub requested: &'a str,
    pub reason: &'a str,
    pub user_id: i64,
}

/// An accepted appeal's change to its visit: the item at `index` of the
/// visit's checklist becomes `answer`, replacing the one written `old`.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptance {
    pub index: usize,
    pub answer: Answer,
    pub old: String,
}

impl ToValue for AppealStatus {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self.as_str())
    }
}

impl FromValue for AppealStatus {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<AppealStatus, String> {
        let text = String::from_value(value)?;
        AppealStatus::parse(&text).ok_or_else(|| format!("申诉状态「{text}」无法识别"))
    }
}

impl Reader {
    pub fn publications(&self, checklist_id: &str, period: Period) -> Result<Vec<Publication>> {
        let mut stmt = self.conn.prepare(
            "SELECT checklist_id, period, version, published_at, published_by, appeal_days, rankings, changes
             FROM publications WHERE checklist_id = ?1 AND period = ?2 ORDER BY version",
        )?;
        let rows = stmt.query_map(params![checklist_id, period.to_string()], publication_row)?;
        rows.collect::<Result<Vec<_>>>()?.into_iter().collect()
    }

    /// Every published version without its rankings, newest first: for
    /// checks made on every submission, which should not read and parse a
    /// national rankings object for each period published.
    pub fn published_versions(&self) -> Result<Vec<PublishedVersion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT checklist_id, period, version, published_at, appeal_days
             FROM publications ORDER BY published_at DESC, version DESC",
        )?;
        let rows = stmt.query_map((), |r| {
            let checklist_id: String = r.get(0)?;
            let period: String = r.get(1)?;
            let version: u32 = r.get(2)?;
            let published_at: String = r.get(3)?;
            let appeal_days: u32 = r.get(4)?;
            Ok((|| {
                Ok(PublishedVersion {
                    period: published_period(&checklist_id, version, &period)?,
                    window: AppealWindow {
                        opened: parse_time(&published_at)?,
                        days: appeal_days,
                    },
                    checklist_id,
                    version,
                })
            })())
        })?;
        rows.collect::<Result<Vec<_>>>()?.into_iter().collect()
    }

    pub fn all_publications(&self) -> Result<Vec<Publication>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT checklist_id, period, version, published_at, published_by, appeal_days, rankings, changes
             FROM publications ORDER BY published_at DESC, version DESC",
        )?;
        let rows = stmt.query_map((), publication_row)?;
        rows.collect::<Result<Vec<_>>>()?.into_iter().collect()
    }

    /// Accepted appeals of a checklist's visits in a range of days that no
    /// published version includes yet.
    pub fn unissued_appeals(
        &self,
        checklist_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<Appeal>> {
        let (start, end) = super::day_bounds(from, to);
        self.appeals_where(
            "a.status = 'accepted' AND a.issued_in IS NULL AND v.checklist_id = ? AND v.visited_at >= ? AND v.visited_at < ?",
            vec![checklist_id.to_string().into(), start.into(), end.into()],
            &Visibility::Everything,
        )
    }

    /// The appeals a reader may see (a manager: those on visits in scope),
    /// open ones first.
    pub fn appeals(&self, visibility: &Visibility) -> Result<Vec<Appeal>> {
        self.appeals_where("1 = 1", Vec::new(), visibility)
    }

    pub fn appeal(&self, id: i64) -> Result<Option<(Appeal, i64)>> {
        let row: Option<i64> = self
            .conn
            .query_row("SELECT visit_row FROM appeals WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(visit_row) = row else {
            return Ok(None);
        };
        let found = self.appeals_where("a.id = ?", vec![id.into()], &Visibility::Everything)?;
        Ok(found.into_iter().next().map(|a| (a, visit_row)))
    }

    fn appeals_where(
        &self,
        condition: &str,
        mut values: Vec<SqlValue>,
        visibility: &Visibility,
    ) -> Result<Vec<Appeal>> {
        let (scope, value) = super::evidence::visibility_filter(visibility);
        // Appeals are a managers' matter: an inspector's own-visits scope
        // reads as the appeals they may see on their own visits.
        values.extend(value);
        let sql = format!(
            "SELECT a.id, coalesce(v.visit_id, 'n' || v.id), b.code, b.name, d.name,
                    substr(v.visited_at, 1, 16), a.item_code, a.requested, a.reason, fu.name,
                    substr(a.filed_at, 1, 16), a.status,
                    du.name, a.decision, a.old_answer
             FROM appeals a JOIN visits v ON v.id = a.visit_row
             JOIN branches b ON b.id = v.branch_id JOIN districts d ON d.id = b.district_id
             LEFT JOIN cities c ON c.id = d.city_id
             JOIN users fu ON fu.id = a.filed_by LEFT JOIN users du ON du.id = a.decided_by
             WHERE {condition} AND {scope}
             ORDER BY a.status != 'open', a.id DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(values, |r| {
            let id: i64 = r.get(0)?;
            Ok(Appeal {
                photos: Vec::new(),
                id,
                visit: r.get(1)?,
                branch_code: r.get(2)?,
                branch_name: r.get(3)?,
                district: r.get(4)?,
                visited_at: r.get(5)?,
                item_code: r.get(6)?,
                requested: r.get(7)?,
                reason: r.get(8)?,
                filed_by: r.get(9)?,
                filed_at: r.get(10)?,
                status: r.get(11)?,
                decided_by: r.get(12)?,
                decision: r.get(13)?,
                old_answer: r.get(14)?,
            })
        })?;
        let mut appeals: Vec<Appeal> = rows.collect::<Result<_>>()?;
        for appeal in &mut appeals {
            appeal.photos = self
                .photos(&format!("appeal-{}", appeal.id))?
                .into_iter()
                .map(|p| p.id)
                .collect();
        }
        Ok(appeals)
    }

    /// The row id of a visit by its page id, if the reader may see it.
    pub fn visit_row(&self, page_id: &str, visibility: &Visibility) -> Result<Option<i64>> {
        Ok(self.visit_record(page_id, visibility)?.map(|r| r.row))
    }
}

impl Store {
    /// Stores the next version of a period's results; accepted appeals not
    /// yet in a version are marked as issued in this one.
    pub fn publish(
        &mut self,
        checklist_id: &str,
        period: Period,
        appeal_days: u32,
        rankings: &Value,
        changes: Option<&ChangeLog>,
        actor: &str,
    ) -> Result<u32> {
        let period = period.to_string();
        let changes_text = changes
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::Corrupt(format!("变更记录:{e}")))?;
        let tx = self.conn.savepoint()?;
        let version: u32 = tx.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM publications WHERE checklist_id = ?1 AND period = ?2",
            params![checklist_id, period],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO publications (checklist_id, period, version, published_at, published_by,
                appeal_days, rankings, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                checklist_id,
                period,
                version,
                now(),
                actor,
                appeal_days,
                rankings.to_string(),
                changes_text
            ],
        )?;
        for id in changes.iter().flat_map(|c| &c.appeals) {
            tx.execute(
                "UPDATE appeals SET issued_in = ?1 WHERE id = ?2",
                params![version, id],
            )?;
        }
        audit::record(
            &tx,
            &audit::Entry {
                actor,
                action: if version == 1 {
                    "period.publish"
                } else {
                    "period.reissue"
                },
                entity: "publication",
                id: Some(&format!("{checklist_id} {period} v{version}")),
                before: None,
                after: Some(&json!({"appeal_days": appeal_days, "changes": changes})),
            },
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Files an appeal against one item of a visit.
    pub fn file_appeal(&mut self, appeal: &NewAppeal<'_>, actor: &str) -> Result<i64> {
        let NewAppeal {
            visit_row,
            item_code,
            current,
            requested,
            reason,
            user_id,
        } = *appeal;
        let tx = self.conn.savepoint()?;
        let id: i64 = tx.query_row(
            "INSERT INTO appeals (visit_row, item_code, requested, reason, filed_by, filed_at, status, old_answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            params![
                visit_row,
                item_code,
                requested,
                reason,
                user_id,
                now(),
                AppealStatus::Open,
                current
            ],
            |r| r.get(0),
        )?;
        audit::record(
            &tx,
            &audit::Entry {
                actor,
                action: "appeal.file",
                entity: "appeal",
                id: Some(&id.to_string()),
                before: None,
                after: Some(
                    &json!({"visit_row": visit_row, "item": item_code, "requested": requested, "reason": reason}),
                ),
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Settles an open appeal. Accepting sets the item at `index` of the
    /// visit's checklist to `answer`, keeps the old answers in the visit's
    /// history, and records the old answer's text.
    pub fn decide_appeal(
        &mut self,
        id: i64,
        accepted: Option<Acceptance>,
        decision: &str,
        admin: i64,
        actor: &str,
    ) -> Result<()> {
        self.atomically(|store| {
            let changed = store.record_appeal_decision(id, accepted, decision, admin, actor)?;
            match changed {
                Some((visit_row, item_code)) => store.after_appeal(visit_row, &item_code, actor),
                None => Ok(()),
            }
        })
    }

    /// Stores an appeal's decision; the visit row and item code whose
    /// answer it changed, if it did.
    fn record_appeal_decision(
        &mut self,
        id: i64,
        accepted: Option<Acceptance>,
        decision: &str,
        admin: i64,
        actor: &str,
    ) -> Result<Option<(i64, String)>> {
        // The visit's checklist version scores the changed answers.
        let checklist = if accepted.is_some() {
            self.appealed_checklist(id)?
        } else {
            None
        };
        let tx = self.conn.savepoint()?;
        let (visit_row, status, item_code): (i64, AppealStatus, String) = tx
            .query_row(
                "SELECT visit_row, status, item_code FROM appeals WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("没有申诉 #{id}")))?;
        if status != AppealStatus::Open {
            return Err(Error::Duplicate(format!("申诉 #{id} 已处理过")));
        }
        let old_text = accepted.as_ref().map(|a| a.old.clone());
        let changed = accepted.is_some();
        if let Some(Acceptance { index, answer, .. }) = &accepted {
            let blob: Vec<u8> = tx.query_row(
                "SELECT answers FROM visits WHERE id = ?1",
                [visit_row],
                |r| r.get(0),
            )?;
            let mut answers = Vec::new();
            codec::decode_into(&blob, &mut answers)
                .ok_or_else(|| Error::Corrupt(format!("暗访 {visit_row} 的答案")))?;
            let slot = answers
                .get_mut(*index)
                .ok_or_else(|| Error::Corrupt(format!("暗访 {visit_row} 没有第 {index} 项")))?;
            *slot = *answer;
            tx.execute(
                "INSERT INTO visit_history (visit_id, checklist_version, answers, notes, replaced_at, reason)
                 SELECT id, checklist_version, answers, notes, ?2, ?3 FROM visits WHERE id = ?1",
                params![visit_row, now(), format!("申诉 #{id} 采纳")],
            )?;
            tx.execute(
                "UPDATE visits SET answers = ?2, updated_at = ?3, points = ?4 WHERE id = ?1",
                params![
                    visit_row,
                    codec::encode(&answers),
                    now(),
                    checklist.as_ref().map(|c| points::stored(c, &answers))
                ],
            )?;
        }
        tx.execute(
            "UPDATE appeals SET status = ?2, decided_by = ?3, decided_at = ?4, decision = ?5, old_answer = ?6
             WHERE id = ?1",
            params![
                id,
                if accepted.is_some() {
                    AppealStatus::Accepted
                } else {
                    AppealStatus::Rejected
                },
                admin,
                now(),
                decision,
                old_text
            ],
        )?;
        audit::record(
            &tx,
            &audit::Entry {
                actor,
                action: if accepted.is_some() {
                    "appeal.accept"
                } else {
                    "appeal.reject"
                },
                entity: "appeal",
                id: Some(&id.to_string()),
                before: Some(&json!({"status": AppealStatus::Open})),
                after: Some(&json!({"decision": decision, "old_answer": old_text})),
            },
        )?;
        tx.commit()?;
        Ok(changed.then_some((visit_row, item_code)))
    }
}

impl Reader {
    /// The checklist version of the visit an appeal is against, if both
    /// are there.
    fn appealed_checklist(&self, id: i64) -> Result<Option<Checklist>> {
        let version: Option<(String, u32)> = self
            .conn
            .query_row(
                "SELECT v.checklist_id, v.checklist_version
                 FROM appeals a JOIN visits v ON v.id = a.visit_row WHERE a.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match version {
            Some((checklist, version)) => {
                self.checklist_version(&checklist, version).optional_found()
            }
            None => Ok(None),
        }
    }
}

fn publication_row(r: &Row<'_>) -> Result<Result<Publication>> {
    let checklist_id: String = r.get(0)?;
    let period: String = r.get(1)?;
    let version: u32 = r.get(2)?;
    let published_at: String = r.get(3)?;
    let rankings: String = r.get(6)?;
    let changes: Option<String> = r.get(7)?;
    Ok((|| {
        let period = published_period(&checklist_id, version, &period)?;
        Ok(Publication {
            checklist_id,
            period,
            version,
            published_at: parse_time(&published_at)?,
            published_by: r.get(4)?,
            appeal_days: r.get(5)?,
            rankings: serde_json::from_str(&rankings)
                .map_err(|e| Error::Corrupt(format!("发布的排名:{e}")))?,
            changes: changes
                .map(|c| serde_json::from_str(&c))
                .transpose()
                .map_err(|e| Error::Corrupt(format!("发布的变更记录:{e}")))?,
        })
    })())
}

/// The period of a publication record, or an error naming the record.
fn published_period(checklist_id: &str, version: u32, period: &str) -> Result<Period> {
    Period::parse(period).map_err(|e| {
        Error::Corrupt(format!(
            "检查表 {checklist_id} 第 {version} 版发布记录的期间:{e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appeal::{ChangedHall, ChangedItem};

    const ACTOR: &str = "测试";

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("appeals.db")).expect("store");
        (dir, store)
    }

    #[test]
    fn a_publication_reads_back_its_period_and_change_log() {
        let (_dir, mut store) = store();
        let period = Period::parse("2024-Q3").expect("period");
        let log = ChangeLog {
            appeals: Vec::new(),
            items: vec![ChangedItem {
                appeal: 7,
                visit: "V-1".into(),
                branch: "B01".into(),
                item: "A1".into(),
                old: None,
                new: "是".into(),
            }],
            halls: vec![ChangedHall {
                code: "B01".into(),
                old_rank: Some(3),
                new_rank: None,
            }],
        };
        store
            .publish("hall-visit", period, 7, &json!({"rows": []}), None, ACTOR)
            .expect("first");
        store
            .publish(
                "hall-visit",
                period,
                7,
                &json!({"rows": []}),
                Some(&log),
                ACTOR,
            )
            .expect("second");
        let versions = store.publications("hall-visit", period).expect("read");
        assert_eq!(versions.len(), 2);
        assert!(versions.iter().all(|v| v.period == period));
        assert_eq!(versions[0].changes, None);
        assert_eq!(versions[1].changes.as_ref(), Some(&log));
    }

    #[test]
    fn a_stored_period_that_cannot_be_read_is_an_error_naming_it() {
        let (_dir, mut store) = store();
        let period = Period::parse("2024-Q3").expect("period");
        store
            .publish("hall-visit", period, 7, &json!({"rows": []}), None, ACTOR)
            .expect("publish");
        store
            .conn
            .execute("UPDATE publications SET period = '2024-Q5'", ())
            .expect("spoil");
        for message in [
            store.all_publications().expect_err("spoilt").to_string(),
            store.published_versions().expect_err("spoilt").to_string(),
        ] {
            assert!(
                message.contains("hall-visit") && message.contains("2024-Q5"),
                "{message}"
            );
        }
    }
}
