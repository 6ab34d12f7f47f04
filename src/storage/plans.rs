//! Visit plans: a period's assignments, and the visits that carry them out.

use super::sql::{ToValue, batches, params};
use chrono::{NaiveDate, NaiveTime};

use super::{Disposition, Error, ImportOptions, Reader, Result, Store, audit, day_bounds, now};
use crate::domain::plan::{Kind, Made, Planned, Window};
use crate::domain::visit::Visit;

/// An assignment as shown: with the id of the visit that carried it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub planned: Planned,
    pub kind: Kind,
    /// The visit's id as pages and the API address it.
    pub visit_id: Option<String>,
}

const TIME: &str = "%H:%M";

/// How many assignments one statement stores or links: a year's plan for
/// the whole country is 72,000, and on a database server each statement
/// waits for its answer.
const ROWS_A_STATEMENT: usize = 512;

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

impl Reader {
    /// The assignments of the plan of the days `from` to `to`, by date,
    /// hall and inspector.
    pub fn plan(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PlanEntry>> {
        self.entries_where(
            "a.period = ?1 ORDER BY a.date, a.branch_code, a.inspector, a.id",
            &[&key(from, to)],
        )
    }

    /// An inspector's assignments (by display name, as plans name them)
    /// from `today` on, and those of earlier days still open, by date and
    /// time window.
    pub fn tasks(&self, inspector: &str, today: NaiveDate) -> Result<Vec<PlanEntry>> {
        self.entries_where(
            "a.inspector = ?1 AND (a.date >= ?2 OR a.visit_id IS NULL)
             ORDER BY a.date, a.window_start, a.id",
            &[&inspector, &today.to_string()],
        )
    }

    /// One assignment, by its id.
    pub fn assignment(&self, id: i64) -> Result<Option<PlanEntry>> {
        Ok(self.entries_where("a.id = ?1", &[&id])?.pop())
    }

    fn entries_where(&self, condition: &str, values: &[&dyn ToValue]) -> Result<Vec<PlanEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.id, a.branch_code, a.inspector, a.date, a.window_start, a.window_end,
                    a.peak, a.visit_id, coalesce(v.visit_id, 'n' || v.id), a.kind
             FROM assignments a LEFT JOIN visits v ON v.id = a.visit_id
             WHERE {condition}"
        ))?;
        let rows = stmt.query_map(values, |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                (r.get::<String>(4)?, r.get::<String>(5)?),
                r.get::<bool>(6)?,
                r.get::<Option<i64>>(7)?,
                (r.get::<Option<String>>(8)?, r.get::<String>(9)?),
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

    /// Every accepted visit between two days (inclusive) that has an
    /// inspector.
    pub fn visits_for_plan(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Made>> {
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, b.code, v.inspector, substr(v.visited_at, 1, 10)
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.visited_at >= ?1 AND v.visited_at < ?2 AND v.inspector IS NOT NULL
               AND v.status = 'accepted'
             ORDER BY v.visited_at, v.id",
        )?;
        let rows = stmt.query_map([start, end], |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<Option<String>>(2)?,
                r.get::<String>(3)?,
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
}

impl Store {
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
            let id: i64 = tx.query_row(
                "INSERT INTO assignments (period, branch_code, inspector, date, window_start,
                    window_end, peak, created_at, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
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
                |r| r.get(0),
            )?;
            audit::record(
                tx,
                &audit::Entry {
                    actor,
                    action: "plan.revisit",
                    entity: "assignment",
                    id: Some(&id.to_string()),
                    before: None,
                    after: Some(&serde_json::json!({
                        "period": period,
                        "branch_code": revisit.branch_code,
                        "inspector": revisit.inspector,
                        "date": revisit.date.to_string(),
                        "window": revisit.window.to_string(),
                    })),
                },
            )?;
            Ok(id)
        })
    }

    /// Stores a visit sent from the tablet and, in the same transaction,
    /// links it to the assignment it carries out: both or neither. The
    /// assignment must still be open or carried out by this very visit.
    pub fn submit_visit(
        &mut self,
        visit: &Visit,
        assignment: Option<i64>,
        recorded_by: i64,
        actor: &str,
    ) -> Result<Option<Disposition>> {
        let key = visit.key();
        let dispositions = self.import_visits_then(
            std::slice::from_ref(visit),
            ImportOptions {
                recorded_by: Some(recorded_by),
                ..ImportOptions::by(actor)
            },
            |tx| {
                let Some(assignment) = assignment else {
                    return Ok(());
                };
                let linked = tx.execute(
                    "UPDATE assignments SET visit_id = v.id FROM visits v
                     WHERE assignments.id = ?1 AND v.key = ?2
                       AND (assignments.visit_id IS NULL OR assignments.visit_id = v.id)",
                    params![assignment, key],
                )?;
                if linked == 0 {
                    return Err(Error::Duplicate(format!(
                        "任务 {assignment} 已由另一次暗访完成,未保存这次暗访"
                    )));
                }
                Ok(())
            },
        )?;
        Ok(dispositions.into_iter().next())
    }

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
                .collect::<Result<_>>()?;
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
            let created = now();
            for some in batches(plan, ROWS_A_STATEMENT) {
                let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; some.len()].join(", ");
                let texts: Vec<[String; 3]> = some
                    .iter()
                    .map(|p| {
                        [
                            p.date.to_string(),
                            p.window.start.format(TIME).to_string(),
                            p.window.end.format(TIME).to_string(),
                        ]
                    })
                    .collect();
                let mut values: Vec<&dyn ToValue> = Vec::with_capacity(some.len() * 8);
                for (p, [date, start, end]) in some.iter().zip(&texts) {
                    values.extend([
                        &period as &dyn ToValue,
                        &p.branch_code,
                        &p.inspector,
                        date,
                        start,
                        end,
                        &p.peak,
                        &created,
                    ]);
                }
                tx.execute(
                    &format!(
                        "INSERT INTO assignments (period, branch_code, inspector, date,
                            window_start, window_end, peak, created_at) VALUES {rows}"
                    ),
                    values.as_slice(),
                )?;
            }
            audit::record(
                tx,
                &audit::Entry {
                    actor,
                    action: "plan.make",
                    entity: "plan",
                    id: Some(&period),
                    before: (before > 0)
                        .then(|| serde_json::json!({ "plans": overlapping, "assignments": before }))
                        .as_ref(),
                    after: Some(&serde_json::json!({ "assignments": plan.len() })),
                },
            )
        })
    }

    /// Records which visit carried out which assignment.
    pub fn link_visits(&mut self, links: &[(i64, i64)]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        self.transaction(true, |tx| {
            for some in batches(links, ROWS_A_STATEMENT) {
                let rows = vec!["(CAST(? AS BIGINT), CAST(? AS BIGINT))"; some.len()].join(", ");
                let values: Vec<i64> = some.iter().flat_map(|&(a, v)| [a, v]).collect();
                tx.execute(
                    &format!(
                        "UPDATE assignments SET visit_id = s.column2 FROM (VALUES {rows}) AS s
                         WHERE assignments.id = s.column1"
                    ),
                    values.as_slice(),
                )?;
            }
            Ok(())
        })
    }
}
