//! Visit plans: a period's assignments, and the visits that carry them out.

use chrono::{NaiveDate, NaiveTime};
use rusqlite::params;

use super::{Error, Result, Store, audit, day_bounds, now};
use crate::domain::plan::{Kind, Made, Planned, Window};

/// An assignment as shown: with the id of the visit that carried it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub planned: Planned,
    pub kind: Kind,
    /// The visit's id as pages and the API address it.
    pub visit_id: Option<String>,
}

const TIME: &str = "%H:%M";

fn day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::Corrupt(format!("日期「{text}」")))
}

fn time(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text, TIME).map_err(|_| Error::Corrupt(format!("时间「{text}」")))
}

/// What a plan is stored under: its days, however the period was written
/// (`2026-Q3` and `2026-07-01..2026-09-30` are one plan).
fn key(from: NaiveDate, to: NaiveDate) -> String {
    format!("{}..{}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
}

impl Store {
    /// Stores the plan of the days `from` to `to`. Plans whose days overlap
    /// them are kept unless `replace` is set, when they give way to this
    /// one; either way, all or nothing.
    pub fn save_plan(
        &mut self,
        (from, to): (NaiveDate, NaiveDate),
        plan: &[Planned],
        replace: bool,
        actor: &str,
    ) -> Result<()> {
        let period = key(from, to);
        self.transaction(true, |tx| {
            let overlapping: Vec<(String, i64)> = tx
                .prepare_cached(
                    "SELECT period, count(*) FROM assignments
                     WHERE substr(period, 1, 10) <= ?2 AND substr(period, 13) >= ?1
                     GROUP BY period ORDER BY period",
                )?
                .query_map([from.to_string(), to.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let before: i64 = overlapping.iter().map(|(_, n)| n).sum();
            if before > 0 && !replace {
                let plans: Vec<String> = overlapping
                    .iter()
                    .map(|(p, n)| format!("{p}(共 {n} 次)"))
                    .collect();
                return Err(Error::Duplicate(format!(
                    "期间 {period} 已有暗访计划:{},未作改动;要用新计划替换请加 --replace",
                    plans.join("、")
                )));
            }
            for (old, _) in &overlapping {
                tx.execute("DELETE FROM assignments WHERE period = ?1", [old])?;
            }
            let mut insert = tx.prepare_cached(
                "INSERT INTO assignments (period, branch_code, inspector, date, window_start,
                    window_end, peak, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let created = now();
            for p in plan {
                insert.execute(params![
                    period,
                    p.branch_code,
                    p.inspector,
                    p.date.to_string(),
                    p.window.start.format(TIME).to_string(),
                    p.window.end.format(TIME).to_string(),
                    p.peak,
                    created
                ])?;
            }
            audit::record(
                tx,
                actor,
                "plan.make",
                "plan",
                Some(&period),
                (before > 0)
                    .then(|| serde_json::json!({ "plans": overlapping, "assignments": before }))
                    .as_ref(),
                Some(&serde_json::json!({ "assignments": plan.len() })),
            )
        })
    }

    /// The assignments of the plan of the days `from` to `to`, by date,
    /// hall and inspector.
    pub fn plan(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PlanEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.branch_code, a.inspector, a.date, a.window_start, a.window_end,
                    a.peak, a.visit_id, coalesce(v.visit_id, 'n' || v.id), a.kind
             FROM assignments a LEFT JOIN visits v ON v.id = a.visit_id
             WHERE a.period = ?1 ORDER BY a.date, a.branch_code, a.inspector, a.id",
        )?;
        let rows = stmt.query_map([key(from, to)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                (r.get::<_, String>(4)?, r.get::<_, String>(5)?),
                r.get::<_, bool>(6)?,
                r.get::<_, Option<i64>>(7)?,
                (r.get::<_, Option<String>>(8)?, r.get::<_, String>(9)?),
            ))
        })?;
        rows.map(|row| {
            let (id, branch_code, inspector, date, (start, end), peak, visit, (visit_id, kind)) =
                row?;
            Ok(PlanEntry {
                kind: Kind::parse(&kind)
                    .ok_or_else(|| Error::Corrupt(format!("安排类型「{kind}」")))?,
                planned: Planned {
                    id,
                    branch_code,
                    inspector,
                    date: day(&date)?,
                    window: Window {
                        start: time(&start)?,
                        end: time(&end)?,
                    },
                    peak,
                    visit,
                },
                visit_id,
            })
        })
        .collect()
    }

    /// Adds a re-visit to the stored plan of the days `from` to `to`;
    /// returns its id.
    pub fn add_revisit(
        &mut self,
        (from, to): (NaiveDate, NaiveDate),
        revisit: &Planned,
        actor: &str,
    ) -> Result<i64> {
        let period = key(from, to);
        self.transaction(true, |tx| {
            tx.execute(
                "INSERT INTO assignments (period, branch_code, inspector, date, window_start,
                    window_end, peak, created_at, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    period,
                    revisit.branch_code,
                    revisit.inspector,
                    revisit.date.to_string(),
                    revisit.window.start.format(TIME).to_string(),
                    revisit.window.end.format(TIME).to_string(),
                    revisit.peak,
                    now(),
                    Kind::Revisit.as_str()
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::record(
                tx,
                actor,
                "plan.revisit",
                "assignment",
                Some(&id.to_string()),
                None,
                Some(&serde_json::json!({
                    "period": period,
                    "branch_code": revisit.branch_code,
                    "inspector": revisit.inspector,
                    "date": revisit.date.to_string(),
                    "window": revisit.window.to_string(),
                })),
            )?;
            Ok(id)
        })
    }

    /// Every visit between two days (inclusive) that has an inspector.
    pub fn visits_for_plan(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Made>> {
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, b.code, v.inspector, substr(v.visited_at, 1, 10)
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.visited_at >= ?1 AND v.visited_at < ?2 AND v.inspector IS NOT NULL
             ORDER BY v.visited_at, v.id",
        )?;
        let rows = stmt.query_map([start, end], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (row, branch_code, inspector, date) = row?;
            Ok(Made {
                row,
                branch_code,
                inspector,
                date: day(&date)?,
            })
        })
        .collect()
    }

    /// Records which visit carried out which assignment.
    pub fn link_visits(&mut self, links: &[(i64, i64)]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        self.transaction(true, |tx| {
            let mut update =
                tx.prepare_cached("UPDATE assignments SET visit_id = ?2 WHERE id = ?1")?;
            for (assignment, visit) in links {
                update.execute(params![assignment, visit])?;
            }
            Ok(())
        })
    }
}
