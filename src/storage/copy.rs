//! Moving a whole database into another one, of either kind: every row of
//! every table, ids and all, in one transaction.

use super::sql::{Conn, Value};
use super::{Error, Reader, Result, Store};

/// Every table, parents before the tables that refer to them.
pub const TABLES: &[&str] = &[
    "cities",
    "districts",
    "branches",
    "checklists",
    "users",
    "visits",
    "visit_history",
    "sessions",
    "api_tokens",
    "drafts",
    "photos",
    "audit_log",
    "publications",
    "appeals",
    "assignments",
    "rectifications",
    "rectification_visits",
    "sign_in_failures",
];

/// The tables whose `id` the database numbers itself; after a copy,
/// PostgreSQL must go on numbering after the copied ids.
const NUMBERED: &[&str] = &[
    "cities",
    "districts",
    "branches",
    "users",
    "visits",
    "visit_history",
    "audit_log",
    "appeals",
    "assignments",
    "rectifications",
];

impl Reader {
    /// How many rows each table holds, in [`TABLES`] order.
    pub fn row_counts(&self) -> Result<Vec<(&'static str, u64)>> {
        TABLES
            .iter()
            .map(|table| {
                let count: i64 =
                    self.conn
                        .query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get(0))?;
                Ok((*table, u64::try_from(count).unwrap_or(0)))
            })
            .collect()
    }

    /// Each checklist with the quarters its visits fall in, as `2024-Q3`.
    pub fn visit_quarters(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT checklist_id, substr(visited_at, 1, 7) FROM visits
             ORDER BY 1, 2",
        )?;
        let months: Vec<(String, String)> = stmt
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        let mut quarters: Vec<(String, String)> = months
            .into_iter()
            .filter_map(|(checklist, month)| {
                let (year, month) = month.split_once('-')?;
                let quarter = month.parse::<u32>().ok()?.div_ceil(3);
                Some((checklist, format!("{year}-Q{quarter}")))
            })
            .collect();
        quarters.dedup();
        Ok(quarters)
    }
}

impl Store {
    /// Copies every row of `from` into this database, which must hold no
    /// row at all: it is refused, unchanged, otherwise. `check` then reads
    /// the copy inside the same transaction: when it fails, nothing of the
    /// copy is kept.
    pub fn copy_from<T, E: From<Error>>(
        &mut self,
        from: &Reader,
        check: impl FnOnce(&Reader) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if let Some((table, rows)) = self.row_counts()?.into_iter().find(|(_, n)| *n > 0) {
            return Err(Error::Schema(format!(
                "目标数据库不是空的(表 {table} 已有 {rows} 行):copy 只写入空数据库,目标未作改动"
            ))
            .into());
        }
        self.atomically(|store| {
            for table in TABLES {
                copy_table(&from.conn, &store.conn, table)?;
            }
            if store.conn.is_postgres() {
                for table in NUMBERED {
                    store.conn.query_row(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                    (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                        ),
                        (),
                        |_| Ok(()),
                    )?;
                }
            }
            check(store)
        })
    }
}

/// Copies one table's rows, in the order of its first column.
fn copy_table(from: &Conn, to: &Conn, table: &str) -> Result<()> {
    let mut select = from.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
    let columns = select.column_names();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let mut insert = to.prepare(&format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    ))?;
    let mut rows = select.query(())?;
    let mut values = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next()? {
        values.clear();
        for i in 0..columns.len() {
            values.push(row.get::<Value>(i)?);
        }
        insert.execute(values.as_slice())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_schema_is_copied() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("tables.db")).expect("store");
        let super::super::sql::Conn::Sqlite(conn) = &store.conn else {
            panic!("a SQLite store");
        };
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("tables");
        let mut tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .expect("tables")
            .collect::<rusqlite::Result<_>>()
            .expect("tables");
        tables.retain(|t| !t.starts_with("sqlite_"));
        let mut listed: Vec<&str> = TABLES.to_vec();
        listed.sort_unstable();
        assert_eq!(tables, listed);
    }
}
