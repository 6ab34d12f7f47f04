//! The audit log: who changed what, when, and what it was before.

use super::sql::{Conn, ToValue, batches};
use serde_json::Value;

use super::{Reader, Result, Store, now};

/// One change as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What to look for in the log; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: u32,
}

/// One entry to write: who did what to which record, and the record
/// before and after.
pub(super) struct Entry<'a> {
    pub actor: &'a str,
    /// What was done, such as `visit.add`.
    pub action: &'a str,
    /// The kind of record, such as `visit`.
    pub entity: &'a str,
    /// Which record of its kind.
    pub id: Option<&'a str>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// Writes one entry on `conn`, inside whatever transaction it is in.
pub(super) fn record(conn: &Conn, entry: &Entry<'_>) -> Result<()> {
    record_all(conn, std::slice::from_ref(entry))
}

/// How many entries one statement writes.
const ENTRIES_A_STATEMENT: usize = 512;

/// Writes `entries` on `conn` in their order, inside whatever transaction
/// it is in: as few statements as a few hundred entries to each, since on
/// a database server each statement waits for its answer.
pub(super) fn record_all(conn: &Conn, entries: &[Entry<'_>]) -> Result<()> {
    let at = now();
    for some in batches(entries, ENTRIES_A_STATEMENT) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; some.len()].join(", ");
        let texts: Vec<[Option<String>; 2]> = some
            .iter()
            .map(|e| [e.before, e.after].map(|json| json.map(Value::to_string)))
            .collect();
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(some.len() * 7);
        for (entry, [before, after]) in some.iter().zip(&texts) {
            values.extend([
                &at as &dyn ToValue,
                &entry.actor,
                &entry.action,
                &entry.entity,
                &entry.id,
                before,
                after,
            ]);
        }
        // Nothing reads an entry back in the transaction that writes it.
        conn.execute_later(
            &format!(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)
                 VALUES {rows}"
            ),
            values.as_slice(),
        )?;
    }
    Ok(())
}

impl Reader {
    /// Log entries matching the filter, newest first.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log WHERE 1 = 1",
        );
        let mut values: Vec<String> = Vec::new();
        for (column, value) in [
            ("actor = ?", &filter.actor),
            ("action = ?", &filter.action),
            ("entity = ?", &filter.entity),
            ("at >= ?", &filter.from),
            ("at < ?", &filter.to),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                sql.push_str(" AND ");
                sql.push_str(column);
                values.push(value.clone());
            }
        }
        sql.push_str(&format!(
            " ORDER BY id DESC LIMIT {}",
            filter.limit.clamp(1, 5000)
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(values, |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                before: r.get(6)?,
                after: r.get(7)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }
}

impl Store {
    /// Writes one entry to the log on its own.
    pub(super) fn audit(&mut self, entry: &Entry<'_>) -> Result<()> {
        record(&self.conn, entry)
    }
}
