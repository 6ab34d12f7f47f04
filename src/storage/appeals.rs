//! Published periods and appeals against single answers.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

use super::{Error, Reader, Result, Store, audit, codec, now, parse_time};
use crate::domain::access::Visibility;
use crate::domain::answer::Answer;

/// One version of a period's published results.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub checklist_id: String,
    pub period: String,
    pub version: u32,
    pub published_at: NaiveDateTime,
    pub published_by: String,
    pub appeal_days: u32,
    /// The branch rankings object of this version.
    pub rankings: Value,
    /// What changed since the version before (None for the first).
    pub changes: Option<Value>,
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
    pub status: String,
    pub decided_by: Option<String>,
    pub decision: Option<String>,
    /// The answer when the appeal was filed, and the one replaced when it
    /// was accepted.
    pub old_answer: Option<String>,
    /// Ids of the photos filed with it.
    pub photos: Vec<String>,
}

impl Reader {
    pub fn publications(&self, checklist_id: &str, period: &str) -> Result<Vec<Publication>> {
        let mut stmt = self.conn.prepare(
            "SELECT checklist_id, period, version, published_at, published_by, appeal_days, rankings, changes
             FROM publications WHERE checklist_id = ?1 AND period = ?2 ORDER BY version",
        )?;
        let rows = stmt.query_map(params![checklist_id, period], publication_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
    }

    pub fn all_publications(&self) -> Result<Vec<Publication>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT checklist_id, period, version, published_at, published_by, appeal_days, rankings, changes
             FROM publications ORDER BY published_at DESC, version DESC",
        )?;
        let rows = stmt.query_map([], publication_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect()
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
        mut values: Vec<rusqlite::types::Value>,
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
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
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
        let mut appeals: Vec<Appeal> = rows.collect::<rusqlite::Result<_>>()?;
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
        period: &str,
        appeal_days: u32,
        rankings: &Value,
        changes: Option<&Value>,
        actor: &str,
    ) -> Result<u32> {
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
                changes.map(Value::to_string)
            ],
        )?;
        if let Some(ids) = changes
            .and_then(|c| c.get("appeals"))
            .and_then(Value::as_array)
        {
            for id in ids.iter().filter_map(Value::as_i64) {
                tx.execute(
                    "UPDATE appeals SET issued_in = ?1 WHERE id = ?2",
                    params![version, id],
                )?;
            }
        }
        audit::record(
            &tx,
            actor,
            if version == 1 {
                "period.publish"
            } else {
                "period.reissue"
            },
            "publication",
            Some(&format!("{checklist_id} {period} v{version}")),
            None,
            Some(&json!({"appeal_days": appeal_days, "changes": changes})),
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Files an appeal against one item of a visit.
    /// `current` is the answer's text as it stands when the appeal is filed.
    #[allow(clippy::too_many_arguments)]
    pub fn file_appeal(
        &mut self,
        visit_row: i64,
        item_code: &str,
        current: &str,
        requested: &str,
        reason: &str,
        user_id: i64,
        actor: &str,
    ) -> Result<i64> {
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO appeals (visit_row, item_code, requested, reason, filed_by, filed_at, status, old_answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)",
            params![visit_row, item_code, requested, reason, user_id, now(), current],
        )?;
        let id = tx.last_insert_rowid();
        audit::record(
            &tx,
            actor,
            "appeal.file",
            "appeal",
            Some(&id.to_string()),
            None,
            Some(
                &json!({"visit_row": visit_row, "item": item_code, "requested": requested, "reason": reason}),
            ),
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
        accepted: Option<(usize, Answer, String)>,
        decision: &str,
        admin: i64,
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.savepoint()?;
        let (visit_row, status): (i64, String) = tx
            .query_row(
                "SELECT visit_row, status FROM appeals WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("没有申诉 #{id}")))?;
        if status != "open" {
            return Err(Error::Duplicate(format!("申诉 #{id} 已处理过")));
        }
        let old_text = accepted.as_ref().map(|(_, _, old)| old.clone());
        if let Some((index, answer, _)) = &accepted {
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
                "UPDATE visits SET answers = ?2, updated_at = ?3 WHERE id = ?1",
                params![visit_row, codec::encode(&answers), now()],
            )?;
        }
        tx.execute(
            "UPDATE appeals SET status = ?2, decided_by = ?3, decided_at = ?4, decision = ?5, old_answer = ?6
             WHERE id = ?1",
            params![
                id,
                if accepted.is_some() { "accepted" } else { "rejected" },
                admin,
                now(),
                decision,
                old_text
            ],
        )?;
        audit::record(
            &tx,
            actor,
            if accepted.is_some() {
                "appeal.accept"
            } else {
                "appeal.reject"
            },
            "appeal",
            Some(&id.to_string()),
            Some(&json!({"status": "open"})),
            Some(&json!({"decision": decision, "old_answer": old_text})),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn publication_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Publication>> {
    let published_at: String = r.get(3)?;
    let rankings: String = r.get(6)?;
    let changes: Option<String> = r.get(7)?;
    Ok((|| {
        Ok(Publication {
            checklist_id: r.get(0)?,
            period: r.get(1)?,
            version: r.get(2)?,
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

/// When a published period stops taking appeals and edits: its first
/// version's date plus the appeal window.
pub fn closes_at(first: &Publication) -> NaiveDateTime {
    first.published_at + chrono::Duration::days(i64::from(first.appeal_days))
}
