//! [`Sql`]: the tests' own look into a database, SQLite or PostgreSQL
//! alike, to count rows, read a value, plant a row or snapshot everything.
//!
//! Statements are written once, in SQL both databases accept, with `?1`,
//! `?2`… placeholders (PostgreSQL is given them as `$1`, `$2`…).
//!
//! The `postgres` client runs its own small runtime and may not block a
//! thread that drives async tasks, as a `#[tokio::test]` body does: every
//! PostgreSQL call therefore runs on a short-lived thread of its own
//! ([`off_runtime`]).

use std::fmt;

use postgres::types::{ToSql, Type};

/// One value read from or sent to a database.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// How snapshots and [`Sql::rows`] write a value: the same on both
/// databases, so that their texts compare.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Real(x) => write!(f, "{x:?}"),
            Cell::Text(text) => f.write_str(text),
            Cell::Blob(bytes) => {
                f.write_str("x'")?;
                for byte in bytes {
                    write!(f, "{byte:02x}")?;
                }
                f.write_str("'")
            }
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Cell {
        Cell::Text(text.clone())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Cell {
        Cell::Int(n.into())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Cell {
        value.map_or(Cell::Null, Into::into)
    }
}

/// An open connection to a test's database.
pub struct Sql(Connection);

enum Connection {
    Sqlite(rusqlite::Connection),
    /// `None` only while being dropped.
    Postgres(Option<postgres::Client>),
}

/// The table PostgreSQL's migrations keep their own progress in (SQLite's
/// keep it in the file header): not the application's data.
const MIGRATIONS_TABLE: &str = "hallscore_schema";

impl Sql {
    /// Opens what `--db` takes: a `postgres://` URL or a SQLite file path.
    pub fn open(db: &str) -> Sql {
        if is_postgres(db) {
            let client = off_runtime(|| {
                postgres::Client::connect(db, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("connect to {db}: {}", postgres_error(e)))
            });
            Sql(Connection::Postgres(Some(client)))
        } else {
            let connection = rusqlite::Connection::open(db)
                .unwrap_or_else(|e| panic!("open the database {db}: {e}"));
            Sql(Connection::Sqlite(connection))
        }
    }

    /// Every row the query returns, each value as [`Cell`] writes it.
    pub fn rows(&mut self, sql: &str, params: &[Cell]) -> Vec<Vec<String>> {
        self.cells(sql, params)
            .into_iter()
            .map(|row| row.iter().map(Cell::to_string).collect())
            .collect()
    }

    /// The one integer the query returns.
    pub fn i64(&mut self, sql: &str, params: &[Cell]) -> i64 {
        match self.value(sql, params) {
            Cell::Int(n) => n,
            other => panic!("{sql}: {other:?} is not an integer"),
        }
    }

    /// The one text the query returns.
    pub fn text(&mut self, sql: &str, params: &[Cell]) -> String {
        self.optional_text(sql, params)
            .unwrap_or_else(|| panic!("{sql}: NULL, not a text"))
    }

    /// The one text or NULL the query returns.
    pub fn optional_text(&mut self, sql: &str, params: &[Cell]) -> Option<String> {
        match self.value(sql, params) {
            Cell::Text(text) => Some(text),
            Cell::Null => None,
            other => panic!("{sql}: {other:?} is not a text"),
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Cell]) -> u64 {
        match &mut self.0 {
            Connection::Sqlite(conn) => conn
                .execute(sql, rusqlite::params_from_iter(params))
                .map(|n| n as u64)
                .map_err(|e| e.to_string()),
            Connection::Postgres(client) => {
                let client = client.as_mut().expect("an open connection");
                let sql = numbered_placeholders(sql);
                off_runtime(|| {
                    let statement = client.prepare(&sql)?;
                    let args = postgres_params(&sql, statement.params(), params);
                    client.execute(&statement, &borrowed(&args))
                })
                .map_err(postgres_error)
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Makes every insert into `table` fail, as a fault a test provokes.
    pub fn refuse_inserts(&mut self, table: &str) {
        let statements = match &self.0 {
            Connection::Sqlite(_) => vec![format!(
                "CREATE TRIGGER {table}_refused BEFORE INSERT ON {table}
                 BEGIN SELECT RAISE(ABORT, '{table} refused'); END"
            )],
            Connection::Postgres(_) => vec![
                format!(
                    "CREATE FUNCTION {table}_refused() RETURNS trigger LANGUAGE plpgsql
                     AS $$ BEGIN RAISE EXCEPTION '{table} refused'; END $$"
                ),
                format!(
                    "CREATE TRIGGER {table}_refused BEFORE INSERT ON {table}
                     FOR EACH ROW EXECUTE FUNCTION {table}_refused()"
                ),
            ],
        };
        for statement in statements {
            self.execute(&statement, &[]);
        }
    }

    /// The application's tables, by name.
    pub fn tables(&mut self) -> Vec<String> {
        let (sql, params) = match self.0 {
            Connection::Sqlite(_) => (
                "SELECT name FROM sqlite_master
                 WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_'
                 ORDER BY name",
                Vec::new(),
            ),
            Connection::Postgres(_) => (
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                   AND table_name::text <> ?1
                 ORDER BY table_name::text COLLATE \"C\"",
                vec![Cell::from(MIGRATIONS_TABLE)],
            ),
        };
        self.cells(sql, &params)
            .into_iter()
            .map(|row| match row.as_slice() {
                [Cell::Text(name)] => name.clone(),
                other => panic!("a table name: {other:?}"),
            })
            .collect()
    }

    /// Every row of every table, as text, in an order both databases give:
    /// two equal snapshots mean the database holds exactly the same data.
    pub fn snapshot(&mut self) -> String {
        let mut out = String::new();
        for table in self.tables() {
            out.push_str(&format!("## {table}\n"));
            let columns = self.column_count(&format!("SELECT * FROM \"{table}\""));
            let order = (1..=columns)
                .map(|n| format!("{n} NULLS FIRST"))
                .collect::<Vec<_>>()
                .join(", ");
            for row in self.rows(&format!("SELECT * FROM \"{table}\" ORDER BY {order}"), &[]) {
                out.push_str(&row.join(" | "));
                out.push('\n');
            }
        }
        out
    }

    fn column_count(&mut self, sql: &str) -> usize {
        match &mut self.0 {
            Connection::Sqlite(conn) => conn
                .prepare(sql)
                .map(|s| s.column_count())
                .map_err(|e| e.to_string()),
            Connection::Postgres(client) => {
                let client = client.as_mut().expect("an open connection");
                off_runtime(|| client.prepare(sql).map(|s| s.columns().len()))
                    .map_err(postgres_error)
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The one value of the one row the query returns.
    fn value(&mut self, sql: &str, params: &[Cell]) -> Cell {
        let rows = self.cells(sql, params);
        match <[Vec<Cell>; 1]>::try_from(rows) {
            Ok([row]) => match <[Cell; 1]>::try_from(row) {
                Ok([value]) => value,
                Err(row) => panic!("{sql}: one value wanted, the row is {row:?}"),
            },
            Err(rows) => panic!("{sql}: one row wanted, got {}", rows.len()),
        }
    }

    fn cells(&mut self, sql: &str, params: &[Cell]) -> Vec<Vec<Cell>> {
        match &mut self.0 {
            Connection::Sqlite(conn) => sqlite_cells(conn, sql, params),
            Connection::Postgres(client) => {
                let client = client.as_mut().expect("an open connection");
                let sql = numbered_placeholders(sql);
                off_runtime(|| {
                    let statement = client.prepare(&sql)?;
                    let args = postgres_params(&sql, statement.params(), params);
                    let rows = client.query(&statement, &borrowed(&args))?;
                    Ok::<_, postgres::Error>(
                        rows.iter()
                            .map(|row| (0..row.len()).map(|i| postgres_cell(row, i)).collect())
                            .collect(),
                    )
                })
                .map_err(postgres_error)
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for Sql {
    fn drop(&mut self) {
        if let Connection::Postgres(client) = &mut self.0
            && let Some(client) = client.take()
        {
            off_runtime(move || drop(client));
        }
    }
}

/// Whether `db` (what `--db` takes) names a PostgreSQL database.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// What went wrong, with the server's own message when it sent one
/// (`postgres::Error` alone says only "db error").
pub fn postgres_error(error: postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.to_string(),
        None => error.to_string(),
    }
}

/// Runs `work` on a thread of its own, off any async runtime, and returns
/// what it returns (or goes on with its panic).
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn sqlite_cells(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Cell],
) -> Result<Vec<Vec<Cell>>, String> {
    let mut statement = conn.prepare(sql).map_err(|e| e.to_string())?;
    let columns = statement.column_count();
    statement
        .query_map(rusqlite::params_from_iter(params), |row| {
            (0..columns)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Cell::Null,
                        rusqlite::types::ValueRef::Integer(n) => Cell::Int(n),
                        rusqlite::types::ValueRef::Real(x) => Cell::Real(x),
                        rusqlite::types::ValueRef::Text(t) => {
                            Cell::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        rusqlite::types::ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
                    })
                })
                .collect()
        })
        .and_then(Iterator::collect)
        .map_err(|e| e.to_string())
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Int(n) => ValueRef::Integer(*n),
            Cell::Real(x) => ValueRef::Real(*x),
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
            Cell::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

/// `?1`, `?2`… outside quoted text become `$1`, `$2`….
fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The values for a PostgreSQL statement's parameters, each of the type
/// PostgreSQL inferred for it (an `INTEGER` column takes an `i32`, a
/// `BIGINT` one an `i64`).
fn postgres_params(sql: &str, types: &[Type], params: &[Cell]) -> Vec<Box<dyn ToSql + Sync>> {
    assert_eq!(
        types.len(),
        params.len(),
        "{sql}: {} parameters given",
        params.len()
    );
    types
        .iter()
        .zip(params)
        .map(|(ty, cell)| {
            postgres_param(cell, ty).unwrap_or_else(|| panic!("{sql}: {cell:?} given for a {ty}"))
        })
        .collect()
}

fn postgres_param(cell: &Cell, ty: &Type) -> Option<Box<dyn ToSql + Sync>> {
    // An integer parameter's value, if the cell can be one.
    let int = match cell {
        Cell::Null => Some(None),
        Cell::Int(n) => Some(Some(*n)),
        _ => None,
    };
    let param: Box<dyn ToSql + Sync> = match (ty, cell) {
        (&Type::INT2, _) => Box::new(int?.map(i16::try_from).transpose().ok()?),
        (&Type::INT4, _) => Box::new(int?.map(i32::try_from).transpose().ok()?),
        (&Type::INT8, _) => Box::new(int?),
        (&Type::FLOAT8, Cell::Real(x)) => Box::new(*x),
        (&Type::FLOAT8, Cell::Null) => Box::new(None::<f64>),
        (&Type::TEXT | &Type::VARCHAR | &Type::NAME, Cell::Text(text)) => Box::new(text.clone()),
        (&Type::TEXT | &Type::VARCHAR | &Type::NAME, Cell::Null) => Box::new(None::<String>),
        (&Type::BYTEA, Cell::Blob(bytes)) => Box::new(bytes.clone()),
        (&Type::BYTEA, Cell::Null) => Box::new(None::<Vec<u8>>),
        _ => return None,
    };
    Some(param)
}

fn borrowed(args: &[Box<dyn ToSql + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(AsRef::as_ref).collect()
}

/// Column `i` of a PostgreSQL row, of the types our schema uses.
fn postgres_cell(row: &postgres::Row, i: usize) -> Cell {
    let column = &row.columns()[i];
    let cell = match *column.type_() {
        Type::INT2 => row.get::<_, Option<i16>>(i).map(|n| Cell::Int(n.into())),
        Type::INT4 => row.get::<_, Option<i32>>(i).map(|n| Cell::Int(n.into())),
        Type::INT8 => row.get::<_, Option<i64>>(i).map(Cell::Int),
        Type::FLOAT8 => row.get::<_, Option<f64>>(i).map(Cell::Real),
        Type::TEXT | Type::VARCHAR | Type::NAME => row.get::<_, Option<String>>(i).map(Cell::Text),
        Type::BYTEA => row.get::<_, Option<Vec<u8>>>(i).map(Cell::Blob),
        ref other => panic!(
            "column {} is a {other}: cast it to a type both databases share",
            column.name()
        ),
    };
    cell.unwrap_or(Cell::Null)
}

#[test]
fn placeholders_are_numbered_for_postgres_outside_quoted_text() {
    assert_eq!(
        numbered_placeholders("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12"),
        "SELECT '?1', x FROM t WHERE a = $1 AND b = $12"
    );
}
