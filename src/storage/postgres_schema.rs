//! Connecting to PostgreSQL and keeping its schema at the version this
//! program knows. SQLite's schema is kept by its own migrations (see
//! `migrations/sqlite`); PostgreSQL's begins at version 10, the first
//! version this program stored there, and grows by the same numbers.

use std::time::Duration;

use include_dir::{Dir, include_dir};

use super::location::{Location, redacted};
use super::sql::{Conn, ConnectError, Pg};
use super::{Error, Result};

static MIGRATIONS: Dir = include_dir!("$CARGO_MANIFEST_DIR/migrations/postgres");

/// How long a connection attempt may take before the server counts as
/// unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the database at `url`.
pub(super) fn connect(url: &str) -> Result<Conn> {
    let mut config = Location::postgres_config(url)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("hallscore");
    let pg = Pg::connect(&config).map_err(|e| match e {
        ConnectError::Server(source) => Error::Connect {
            url: redacted(url),
            source,
        },
        ConnectError::Runtime(e) => Error::Runtime(e),
    })?;
    Ok(Conn::Postgres(Box::new(pg)))
}

/// The migrations, by the version each brings the schema to, in order.
fn migrations() -> Result<Vec<(u32, &'static str)>> {
    let mut out = Vec::new();
    for file in MIGRATIONS.files() {
        let name = file.path().display().to_string();
        let version = name
            .split('-')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| Error::Schema(format!("迁移文件名「{name}」不以版本号开头")))?;
        let sql = file
            .contents_utf8()
            .ok_or_else(|| Error::Schema(format!("迁移文件「{name}」不是 UTF-8 文本")))?;
        out.push((version, sql));
    }
    out.sort_unstable_by_key(|(version, _)| *version);
    Ok(out)
}

/// The version of the schema this program writes.
fn latest() -> Result<u32> {
    migrations()?
        .last()
        .map(|(version, _)| *version)
        .ok_or_else(|| Error::Schema("没有 PostgreSQL 迁移".into()))
}

/// The schema's version, `None` for a database without hallscore's tables.
pub(super) fn version(conn: &Conn) -> Result<Option<u32>> {
    let exists: Option<String> = conn.query_row(
        "SELECT CAST(to_regclass('hallscore_schema') AS TEXT)",
        (),
        |r| r.get(0),
    )?;
    if exists.is_none() {
        return Ok(None);
    }
    let version: Option<i64> =
        conn.query_row("SELECT max(version) FROM hallscore_schema", (), |r| {
            r.get(0)
        })?;
    Ok(version.map(|v| u32::try_from(v).unwrap_or(u32::MAX)))
}

/// Brings the schema to [`latest`], in one transaction that holds the
/// writers' lock, so that servers starting together migrate once. A
/// database of a newer version is refused, untouched.
pub(super) fn to_latest(conn: &Conn) -> Result<()> {
    let latest = latest()?;
    if version(conn)? == Some(latest) {
        return Ok(());
    }
    conn.begin_write()?;
    let out = migrate(conn, latest).and_then(|()| conn.commit());
    if out.is_err() {
        let _ = conn.rollback();
    }
    out
}

fn migrate(conn: &Conn, latest: u32) -> Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS hallscore_schema (version BIGINT NOT NULL)")?;
    let current = version(conn)?.unwrap_or(0);
    if current > latest {
        return Err(super::schema_too_new(current, latest));
    }
    for (version, sql) in migrations()? {
        if version > current {
            conn.execute_batch(sql)?;
        }
    }
    let updated = conn.execute("UPDATE hallscore_schema SET version = ?1", [latest])?;
    if updated == 0 {
        conn.execute(
            "INSERT INTO hallscore_schema (version) VALUES (?1)",
            [latest],
        )?;
    }
    Ok(())
}
