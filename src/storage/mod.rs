//! The SQLite store: the only place that speaks SQL. It takes and returns
//! domain values and reports its own [`Error`].

mod accounts;
mod appeals;
mod audit;
mod codec;
mod copy;
mod database;
mod evidence;
mod import;
mod location;
mod plans;
mod points;
mod postgres_schema;
mod rectify;
mod review;
pub(crate) mod sql;

pub use accounts::Session;
pub use appeals::{Acceptance, Appeal, NewAppeal, Publication};
pub use audit::{AuditEntry, AuditFilter};
pub use database::Database;
pub use evidence::{Draft, Photo, VisitRecord};
pub use import::{Counts, VisitImport};
pub use location::Location;
pub use plans::PlanEntry;
pub use rectify::{Evidence, NewTicket, Ticket, TicketFilter};
pub use review::{Compared, Decided, Queued, Review, StoredFlag};

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::sync::LazyLock;

use chrono::{Local, NaiveDate, NaiveDateTime};
use include_dir::{Dir, include_dir};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, MigrationsBuilder};
use sql::{Conn, Optional, Row, Savepoint, Stmt, params};

use crate::domain::answer::Answer;
use crate::domain::checklist::Checklist;
use crate::domain::plan::{Hours, Window};
use crate::domain::review::Status;
use crate::domain::roster::Branch;
use crate::domain::scoring::Points;
use crate::domain::visit::Visit;

static MIGRATION_DIR: Dir = include_dir!("$CARGO_MANIFEST_DIR/migrations/sqlite");

/// The migration that added each visit's points, whose hook fills them.
const VISIT_POINTS: usize = 10;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    MigrationsBuilder::from_directory(&MIGRATION_DIR)
        .unwrap_or_else(|e| {
            // The directory is embedded at build time and checked by a test.
            panic!("embedded migrations are malformed: {e}")
        })
        .edit(VISIT_POINTS, |m| m.set_up_hook(points::fill))
        .finalize()
});

/// The writer's page cache, in KiB (negative, as SQLite takes it): 16 MB
/// rather than SQLite's 2 MB. A large import then writes fewer of its
/// indexes' pages out to the log before it commits, only to change them
/// again: a half-year of ten times the country imports about 7% faster.
const WRITER_CACHE: i64 = -16 * 1024;

/// How much of a SQLite file a connection reads through memory mapped
/// from it rather than copies of its pages: a year of ten times the
/// country (about 1 GB) is read whole by a workbook. Only for a [`Store`]:
/// the server's pooled [`Reader`]s map nothing, as a connection in WAL mode
/// unmaps the whole file whenever it finds that another one wrote, and
/// under a stream of submissions that is at nearly every request (the
/// unmapping and the faults after it took a tenth of the server's time).
const MMAP_BYTES: i64 = 2 << 30;

/// How long a connection waits for another process's write before it
/// gives up with a busy error.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("无法打开数据库 {path}:{source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("无法连接 PostgreSQL 数据库 {url}:{}", postgres_reason(.source))]
    Connect {
        url: String,
        source: tokio_postgres::Error,
    },
    #[error("数据库地址「{0}」无效:{1}")]
    BadLocation(String, String),
    #[error("无法为数据库连接启动运行时(系统的线程或文件句柄用尽):{0}")]
    Runtime(std::io::Error),
    /// A transaction that could not be brought back to one of its
    /// savepoints after a failure: what it holds is uncertain, so it is
    /// rolled back rather than committed.
    #[error("数据库未能撤销事务中失败的一步,整个事务已撤销,本次操作未保存任何数据")]
    RolledBack,
    #[error("数据库升级失败:{0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    Schema(String),
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error("数据库中的值类型不符:{0}")]
    Value(String),
    #[error("查询没有找到记录")]
    NoRow,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    #[error("检查表 {id} 第 {version} 版已存在且内容不同:修改过的检查表请使用更高的 version")]
    ChecklistConflict { id: String, version: u32 },
    #[error("数据库中的记录已损坏:{0}")]
    Corrupt(String),
    #[error("数据库写入线程已停止,本次操作未保存任何数据")]
    WriterGone,
    /// One failure told to several: the commit of the transaction that
    /// several writes were parts of.
    #[error("{0}")]
    Shared(std::sync::Arc<Error>),
    /// A write that was one part of a transaction the database undid
    /// whole, when another part failed.
    #[error("同一批写入中的另一项失败,数据库撤销了整批,本次操作未保存,请稍后重试")]
    Undone,
}

pub type Result<T> = std::result::Result<T, Error>;

/// Why the database cannot do what was asked right now, through no fault of
/// the request: the one list of such failures, for every caller's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Another connection holds the write lock: trying again shortly works.
    Busy,
    /// The disk is full or cannot be written.
    Disk,
    /// The file is read-only or cannot be opened.
    ReadOnly,
    /// The database server cannot be reached.
    Unreachable,
}

impl Unavailable {
    /// What it means for the person who asked.
    pub fn message(self) -> &'static str {
        match self {
            Unavailable::Busy => "数据库正忙(另一项写入尚未完成),本次操作未保存,请稍后重试",
            Unavailable::Disk => "磁盘已满或无法写入,本次操作未保存任何数据",
            Unavailable::ReadOnly => {
                "数据库只读(文件只读、无法打开,或服务器拒绝写入),本次操作未保存任何数据"
            }
            Unavailable::Unreachable => "无法连接数据库服务器,本次操作未保存任何数据",
        }
    }

    fn of_postgres(e: &tokio_postgres::Error) -> Option<Unavailable> {
        use tokio_postgres::error::SqlState;
        let Some(code) = e.code() else {
            return e.is_closed().then_some(Unavailable::Unreachable);
        };
        match code {
            c if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::LOCK_NOT_AVAILABLE =>
            {
                Some(Unavailable::Busy)
            }
            c if *c == SqlState::DISK_FULL || *c == SqlState::IO_ERROR => Some(Unavailable::Disk),
            c if *c == SqlState::READ_ONLY_SQL_TRANSACTION
                || *c == SqlState::INSUFFICIENT_PRIVILEGE =>
            {
                Some(Unavailable::ReadOnly)
            }
            c if c.code().starts_with("08") || *c == SqlState::ADMIN_SHUTDOWN => {
                Some(Unavailable::Unreachable)
            }
            _ => None,
        }
    }

    fn of(e: &rusqlite::Error) -> Option<Unavailable> {
        use rusqlite::ErrorCode::{
            CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, ReadOnly, SystemIoFailure,
        };
        match e.sqlite_error_code()? {
            DatabaseBusy | DatabaseLocked => Some(Unavailable::Busy),
            DiskFull | SystemIoFailure => Some(Unavailable::Disk),
            ReadOnly | CannotOpen => Some(Unavailable::ReadOnly),
            _ => None,
        }
    }
}

impl Error {
    /// Whether this failure is the database being unavailable for now
    /// (busy, disk full, read-only) rather than a fault.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            Error::Sqlite(e) => Unavailable::of(e),
            Error::Postgres(e) => Unavailable::of_postgres(e),
            Error::Connect { .. } => Some(Unavailable::Unreachable),
            Error::Shared(e) => e.unavailable(),
            Error::Undone => Some(Unavailable::Busy),
            _ => None,
        }
    }
}

/// What a failed SQLite call means for the person who asked, with SQLite's
/// own words after it for whoever looks into it.
fn sqlite_message(e: &rusqlite::Error) -> String {
    let meaning = Unavailable::of(e).map_or("数据库操作失败", Unavailable::message);
    format!("{meaning}:{e}")
}

/// What a failed PostgreSQL call means, with the server's own words.
fn postgres_message(e: &tokio_postgres::Error) -> String {
    let meaning = Unavailable::of_postgres(e).map_or("数据库操作失败", Unavailable::message);
    format!("{meaning}:{}", postgres_reason(e))
}

/// The server's message, or the driver's when there is none: one line.
fn postgres_reason(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                text = format!("{text}:{inner}");
                source = inner.source();
            }
            text.replace('\n', " ")
        }
    }
}

/// What saving a roster did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RosterOutcome {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What importing one visit did, or would do.
#[derive(Debug, Clone, PartialEq)]
pub enum Disposition {
    New,
    Unchanged,
    Replaced,
    /// The key is stored already with other content, and replacing was not
    /// asked for.
    Conflict(Box<Visit>),
}

/// One line of `checklist list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistSummary {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub items: usize,
    pub visits: u64,
}

/// A stored visit as a scan hands it out, borrowed to keep a year's scan
/// free of per-row allocations: with its answers and points as stored
/// ([`StoredVisit`]) or decoded ([`ScannedVisit`]).
#[derive(Debug)]
pub struct ScanRow<'a, A: ?Sized, P: ?Sized> {
    pub visit_id: Option<&'a str>,
    pub branch_code: &'a str,
    pub visited_at: NaiveDateTime,
    pub inspector: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub checklist_version: u32,
    pub answers: &'a A,
    /// Its items' points as stored with the answers; `None` where they are
    /// not known, and the answers must be scored.
    pub points: Option<&'a P>,
}

impl<A: ?Sized, P: ?Sized> Clone for ScanRow<'_, A, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: ?Sized, P: ?Sized> Copy for ScanRow<'_, A, P> {}

/// A visit as stored: a few hundred bytes to hand from one thread to
/// another, where decoded it takes several thousand.
pub type StoredVisit<'a> = ScanRow<'a, [u8], [u8]>;

/// A visit with its answers and points decoded.
pub type ScannedVisit<'a> = ScanRow<'a, [Answer], [Option<Points>]>;

/// The buffers stored visits are decoded into, one visit after another.
#[derive(Debug, Default)]
pub struct Decoding {
    answers: Vec<Answer>,
    points: Vec<Option<Points>>,
}

impl<'a> StoredVisit<'a> {
    /// The visit with its answers and points decoded into `into`.
    pub fn decode<'b>(&self, into: &'b mut Decoding) -> Result<ScannedVisit<'b>>
    where
        'a: 'b,
    {
        codec::decode_into(self.answers, &mut into.answers)
            .ok_or_else(|| Error::Corrupt("暗访答案无法解码".into()))?;
        let points = match self.points {
            Some(blob) => {
                codec::decode_points_into(blob, &mut into.points)
                    .ok_or_else(|| Error::Corrupt("暗访得分无法解码".into()))?;
                Some(into.points.as_slice())
            }
            None => None,
        };
        Ok(ScannedVisit {
            visit_id: self.visit_id,
            branch_code: self.branch_code,
            visited_at: self.visited_at,
            inspector: self.inspector,
            notes: self.notes,
            checklist_version: self.checklist_version,
            answers: &into.answers,
            points,
        })
    }
}

/// A connection that can only read: every method here leaves the database
/// as it was. The server's readers are opened with SQLite's `query_only`
/// on as well, so a write slipped in here fails rather than bypassing the
/// one writer (see [`Database`]).
pub struct Reader {
    conn: Conn,
    /// Parsed checklist versions. A stored version never changes (saving it
    /// again with other content is refused), so they are kept for as long
    /// as the connection lives.
    parsed: RefCell<HashMap<(String, u32), Arc<Checklist>>>,
}

/// A connection that reads and writes: the command line's, and the one the
/// server's writer thread holds. Everything a [`Reader`] does, it does too.
pub struct Store {
    reader: Reader,
}

impl Deref for Store {
    type Target = Reader;

    fn deref(&self) -> &Reader {
        &self.reader
    }
}

impl DerefMut for Store {
    fn deref_mut(&mut self) -> &mut Reader {
        &mut self.reader
    }
}

/// A change to what reports are computed from, as the audit log records
/// it. Every change to visits, the roster or the checklists writes an
/// audit entry in its transaction (or, for a checklist, right after it), so
/// the log's ids order all of them, whichever process made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// One new visit: a submission or a one-visit import (see
    /// [`Reader::scan_visits_added_since`]).
    NewVisit,
    /// Nothing reports depend on: accounts, appeals filed or rejected,
    /// publications, visit plans, rectification tickets.
    Unrelated,
    /// Anything else (visits imported in bulk or replaced, an accepted
    /// appeal, the roster, a checklist, or an action not known here).
    Other,
}

/// Audit actions that change nothing reports are computed from; nor does
/// any action on a rectification ticket (see [`RECTIFY_ACTIONS`]).
const UNRELATED_ACTIONS: &[&str] = &[
    "user.add",
    "user.display_name",
    "appeal.file",
    "appeal.reject",
    "period.publish",
    "period.reissue",
    "plan.make",
    "user.can_review",
];

/// The prefix of every action on a rectification ticket: opened when a
/// period is published, settled by the next visit of its hall, and handled
/// by people. Tickets are read beside the figures, never from them.
const RECTIFY_ACTIONS: &str = "rectify.";

/// At most this many visits are looked up one by one when importing;
/// more load the whole roster's ids at once.
const FEW_VISITS: usize = 16;

impl Reader {
    /// Opens a connection that only reads the database at `path`, whose
    /// schema [`Store::open`] brought up to date.
    fn open(location: &Location) -> Result<Reader> {
        let conn = match location {
            Location::Sqlite(path) => {
                let conn = open_sqlite(path, 0)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.pragma_update(None, "query_only", "ON")?;
                Conn::Sqlite(conn)
            }
            Location::Postgres(url) => {
                let conn = postgres_schema::connect(url)?;
                conn.execute_batch("SET default_transaction_read_only = on")?;
                conn
            }
        };
        Ok(Reader {
            conn,
            parsed: RefCell::default(),
        })
    }

    /// Whether the database server closed this connection.
    fn is_broken(&self) -> bool {
        self.conn.is_broken()
    }

    /// Copies what SQLite's write-ahead log holds into the database file as
    /// far as readers allow, without waiting for readers or writers.
    /// PostgreSQL does this itself.
    pub fn checkpoint(&self) -> Result<()> {
        if let Conn::Sqlite(conn) = &self.conn {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    // ---- roster ----

    pub fn branches(&self) -> Result<Vec<Branch>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT b.code, b.name, d.name, c.name, b.address, b.branch_type,
                    b.opening_hours, b.peak_hours
             FROM branches b JOIN districts d ON d.id = b.district_id
             LEFT JOIN cities c ON c.id = d.city_id
             ORDER BY b.code",
        )?;
        let rows = stmt.query_map((), |r| {
            Ok((
                Branch {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    district: r.get(2)?,
                    city: r.get(3)?,
                    address: r.get(4)?,
                    branch_type: r.get(5)?,
                    opening_hours: None,
                    peak_hours: None,
                },
                r.get::<Option<String>>(6)?,
                r.get::<Option<String>>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (branch, open, peaks) = row?;
            let corrupt =
                |text: &str| Error::Corrupt(format!("网点 {} 的时段「{text}」", branch.code));
            let opening_hours = match open {
                Some(text) => Some(Window::parse(&text).ok_or_else(|| corrupt(&text))?),
                None => None,
            };
            let peak_hours = match peaks {
                Some(text) => Some(Window::parse_list(&text).ok_or_else(|| corrupt(&text))?),
                None => None,
            };
            Ok(Branch {
                opening_hours,
                peak_hours,
                ..branch
            })
        })
        .collect()
    }

    /// A hall's hours, as its roster row gives them or else the usual ones;
    /// `None` for a code not on the roster.
    pub fn branch_hours(&self, code: &str) -> Result<Option<Hours>> {
        Ok(self
            .branches()?
            .into_iter()
            .find(|b| b.code == code)
            .map(|b| b.hours()))
    }

    pub fn branch_exists(&self, code: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM branches WHERE code = ?1")?
            .exists([code])
    }

    pub fn checklist_version(&self, id: &str, version: u32) -> Result<Checklist> {
        Ok(Checklist::clone(&*self.shared_checklist(id, version)?))
    }

    /// Whether a checklist version holds its visits for review.
    pub fn asks_review(&self, id: &str, version: u32) -> Result<bool> {
        Ok(self.shared_checklist(id, version)?.review)
    }

    /// A checklist version as the connection keeps it, without a copy: for
    /// loops over many visits.
    fn shared_checklist(&self, id: &str, version: u32) -> Result<Arc<Checklist>> {
        let key = (id.to_string(), version);
        if let Some(checklist) = self.parsed.borrow().get(&key) {
            return Ok(Arc::clone(checklist));
        }
        let definition: Option<String> = self
            .conn
            .prepare_cached("SELECT definition FROM checklists WHERE id = ?1 AND version = ?2")?
            .query_row(params![id, version], |r| r.get(0))
            .optional()?;
        let definition = definition
            .ok_or_else(|| Error::NotFound(format!("没有检查表 {id} 的第 {version} 版")))?;
        let checklist: Arc<Checklist> = Arc::new(
            serde_json::from_str(&definition)
                .map_err(|e| Error::Corrupt(format!("检查表 {id} 第 {version} 版:{e}")))?,
        );
        self.parsed.borrow_mut().insert(key, Arc::clone(&checklist));
        Ok(checklist)
    }

    /// The newest version of a checklist.
    pub fn checklist(&self, id: &str) -> Result<Checklist> {
        let version: Option<u32> = self
            .conn
            .prepare_cached("SELECT max(version) FROM checklists WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        match version {
            Some(version) => self.checklist_version(id, version),
            None => Err(Error::NotFound(format!(
                "没有 id 为「{id}」的检查表(用 checklist list 查看已有的检查表)"
            ))),
        }
    }

    /// Every stored checklist version as (id, version, title), newest
    /// version of each id first.
    pub fn checklist_versions(&self) -> Result<Vec<(String, u32, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, version, title FROM checklists ORDER BY id, version DESC",
        )?;
        let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_>>()
    }

    /// [`Reader::checklist_versions`] with their items and visits, as
    /// `checklist list` shows them.
    pub fn checklists(&self) -> Result<Vec<ChecklistSummary>> {
        let versions = self.checklist_versions()?;
        let mut out = Vec::with_capacity(versions.len());
        for (id, version, title) in &versions {
            // A checklist with one stored version is counted from the index
            // alone; counting by version reads every visit row.
            let only = versions.iter().filter(|(other, ..)| other == id).count() == 1;
            let visits: i64 = if only {
                self.conn
                    .prepare_cached("SELECT count(*) FROM visits WHERE checklist_id = ?1")?
                    .query_row([id], |r| r.get(0))?
            } else {
                self.conn
                    .prepare_cached(
                        "SELECT count(*) FROM visits WHERE checklist_id = ?1 AND checklist_version = ?2",
                    )?
                    .query_row(params![id, version], |r| r.get(0))?
            };
            out.push(ChecklistSummary {
                id: id.clone(),
                version: *version,
                title: title.clone(),
                items: self.checklist_version(id, *version)?.item_count(),
                visits: u64::try_from(visits).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// The version a newly loaded checklist with this id gets.
    pub fn next_checklist_version(&self, id: &str) -> Result<u32> {
        let newest: Option<u32> = self.conn.query_row(
            "SELECT max(version) FROM checklists WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        Ok(newest.unwrap_or(0) + 1)
    }

    /// The id of the checklist recorded most often in a range of days (ties
    /// to the smaller id), or of the newest loaded checklist when there is no
    /// visit at all.
    pub fn busiest_checklist(&self, from: NaiveDate, to: NaiveDate) -> Result<String> {
        // With one checklist there is nothing to count.
        let ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT id FROM checklists LIMIT 2")?
            .query_map((), |r| r.get(0))?
            .collect::<Result<_>>()?;
        if let [only] = ids.as_slice() {
            return Ok(only.clone());
        }
        let (start, end) = day_bounds(from, to);
        let busiest: Option<String> = self
            .conn
            .query_row(
                "SELECT checklist_id FROM visits WHERE visited_at >= ?1 AND visited_at < ?2
                 GROUP BY checklist_id ORDER BY count(*) DESC, checklist_id LIMIT 1",
                params![start, end],
                |r| r.get(0),
            )
            .optional()?;
        match busiest {
            Some(id) => Ok(id),
            None => self.newest_checklist_id(),
        }
    }

    /// The id of the checklist loaded last: the default for visits that do
    /// not name theirs.
    pub fn newest_checklist_id(&self) -> Result<String> {
        self.conn
            .query_row(
                "SELECT id FROM checklists ORDER BY loaded_at DESC, id LIMIT 1",
                (),
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound("数据库中还没有检查表:请先运行 init".into()))
    }

    /// The versions of a checklist that visits in a range of days used,
    /// newest first; the newest stored version when there are none.
    pub fn versions_in(&self, id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<Checklist>> {
        // Visits can only use stored versions: with one, it is the answer
        // either way, without reading the period's visit rows.
        let stored: Vec<u32> = self
            .conn
            .prepare_cached("SELECT version FROM checklists WHERE id = ?1 LIMIT 2")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_>>()?;
        if let [only] = stored.as_slice() {
            return Ok(vec![self.checklist_version(id, *only)?]);
        }
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT checklist_version FROM visits
             WHERE checklist_id = ?1 AND visited_at >= ?2 AND visited_at < ?3
             ORDER BY checklist_version DESC",
        )?;
        let versions = stmt
            .query_map(params![id, start, end], |r| r.get::<u32>(0))?
            .collect::<Result<Vec<_>>>()?;
        if versions.is_empty() {
            return Ok(vec![self.checklist(id)?]);
        }
        versions
            .into_iter()
            .map(|v| self.checklist_version(id, v))
            .collect()
    }

    /// A consistent copy of the whole database, taken with SQLite's online
    /// backup while others may keep writing. The copy is written beside
    /// `target` and moved into place only when complete.
    pub fn backup(&self, target: &Path) -> Result<()> {
        let Conn::Sqlite(conn) = &self.conn else {
            return Err(Error::Schema(
                "PostgreSQL 数据库请用 PostgreSQL 自己的工具备份(pg_dump 或 pg_basebackup)".into(),
            ));
        };
        let partial = target.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        conn.backup(rusqlite::MAIN_DB, &partial, None)
            .map_err(|source| Error::Open {
                path: target.display().to_string(),
                source,
            })?;
        std::fs::rename(&partial, target)
            .map_err(|e| Error::Corrupt(format!("备份无法移到 {}:{e}", target.display())))
    }

    /// Counts of stored visits per checklist id in a range of days.
    pub fn visit_count(&self, checklist_id: &str, from: NaiveDate, to: NaiveDate) -> Result<u64> {
        let (start, end) = day_bounds(from, to);
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM visits WHERE checklist_id = ?1 AND visited_at >= ?2 AND visited_at < ?3",
            params![checklist_id, start, end],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Hands every accepted visit of a checklist in a range of days to
    /// `each`, in time order, with its answers decoded into one reused
    /// buffer. Every figure is computed from here: visits pending,
    /// returned or excluded in review count nowhere.
    pub fn scan_visits(
        &self,
        checklist_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        mut each: impl FnMut(ScannedVisit<'_>),
    ) -> Result<()> {
        let mut decoding = Decoding::default();
        self.scan_period(checklist_id, from, to, |visit| {
            each(visit.decode(&mut decoding)?);
            Ok(())
        })
    }

    /// The visits [`Reader::scan_visits`] hands out, as they are stored:
    /// for a scan that decodes them elsewhere.
    pub fn scan_stored_visits(
        &self,
        checklist_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        mut each: impl FnMut(StoredVisit<'_>),
    ) -> Result<()> {
        self.scan_period(checklist_id, from, to, |visit| {
            each(visit);
            Ok(())
        })
    }

    /// The query both scans of a period run.
    fn scan_period(
        &self,
        checklist_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        each: impl FnMut(StoredVisit<'_>) -> Result<()>,
    ) -> Result<()> {
        let (start, end) = day_bounds(from, to);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {STORED_VISIT_COLUMNS}
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE v.checklist_id = ?1 AND v.visited_at >= ?2 AND v.visited_at < ?3
               AND v.status = 'accepted'
             ORDER BY v.visited_at, v.id"
        ))?;
        hand_out(&mut stmt, params![checklist_id, start, end], each)?;
        Ok(())
    }

    /// Hands every visit added after change `stamp` (see
    /// [`Reader::changes_since`]) that [`Reader::scan_stored_visits`] would
    /// hand out for `checklist_id` to `each`, with the stamp of its change,
    /// oldest first.
    pub fn scan_visits_added_since(
        &self,
        stamp: i64,
        checklist_id: &str,
        mut each: impl FnMut(i64, StoredVisit<'_>),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {STORED_VISIT_COLUMNS}, a.id
             FROM audit_log a JOIN visits v ON v.key = a.entity_id
             JOIN branches b ON b.id = v.branch_id
             WHERE a.id > ?1 AND a.action = 'visit.add'
               AND v.checklist_id = ?2 AND v.status = 'accepted'
             ORDER BY a.id"
        ))?;
        stmt.for_each_row(params![stamp, checklist_id], |row| {
            each(row.get(8)?, stored_visit(&row)?);
            Ok(())
        })?;
        Ok(())
    }

    // ---- changes ----

    /// Runs `work` in one read transaction: all it reads is one state of
    /// the database, however others write meanwhile.
    pub fn snapshot<T>(&self, work: impl FnOnce(&Reader) -> Result<T>) -> Result<T> {
        self.conn.begin_read()?;
        let out = work(self);
        // Nothing was written: ending the transaction either way is the same.
        self.conn.rollback()?;
        out
    }

    /// The id of the newest audit entry: it grows with every change (see
    /// [`Change`]), 0 while there is none.
    pub fn change_stamp(&self) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM audit_log")?
            .query_row((), |r| r.get(0))
    }

    /// The changes after `stamp`, oldest first, with their stamps; `None`
    /// when there are more than `limit`.
    pub fn changes_since(&self, stamp: i64, limit: usize) -> Result<Option<Vec<(i64, Change)>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, action, entity_id FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![stamp, fetch], |r| {
            let id: i64 = r.get(0)?;
            let action = r.get_ref(1)?.as_str()?;
            let change = match (action, r.get_ref(2)?.as_str_or_null()?) {
                ("visit.add", Some(_)) => Change::NewVisit,
                (action, _)
                    if UNRELATED_ACTIONS.contains(&action)
                        || action.starts_with(RECTIFY_ACTIONS) =>
                {
                    Change::Unrelated
                }
                _ => Change::Other,
            };
            Ok((id, change))
        })?;
        let changes = rows.collect::<Result<Vec<_>>>()?;
        Ok((changes.len() <= limit).then_some(changes))
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(location: impl Into<Location>) -> Result<Store> {
        let conn = match location.into() {
            Location::Sqlite(path) => {
                Conn::Sqlite(Store::prepare(open_sqlite(&path, MMAP_BYTES)?)?)
            }
            Location::Postgres(url) => {
                let conn = postgres_schema::connect(&url)?;
                postgres_schema::to_latest(&conn)?;
                conn
            }
        };
        Ok(Store {
            reader: Reader {
                conn,
                parsed: RefCell::default(),
            },
        })
    }

    /// Opens a store on a database that must exist with its schema already:
    /// for every command but the one that makes it.
    pub fn open_existing(location: &Location) -> Result<Store> {
        match location {
            Location::Sqlite(path) if !path.exists() => Err(Error::Schema(format!(
                "数据库 {} 不存在:请先运行 hallscore init(或 hallscore demo 生成演示数据)",
                path.display()
            ))),
            Location::Postgres(url) => {
                let conn = postgres_schema::connect(url)?;
                if postgres_schema::version(&conn)?.is_none() {
                    return Err(Error::Schema(format!(
                        "PostgreSQL 数据库 {location} 还没有 hallscore 的表:请先运行 hallscore init(或 hallscore demo 生成演示数据)"
                    )));
                }
                postgres_schema::to_latest(&conn)?;
                Ok(Store {
                    reader: Reader {
                        conn,
                        parsed: RefCell::default(),
                    },
                })
            }
            Location::Sqlite(_) => Store::open(location.clone()),
        }
    }

    /// The SQLite connection set up for this program, its schema brought up
    /// to date.
    fn prepare(mut conn: Connection) -> Result<Connection> {
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = u32::try_from(MIGRATION_DIR.dirs().count()).unwrap_or(u32::MAX);
        if found > known {
            return Err(schema_too_new(found, known));
        }
        // WAL must be set outside a transaction, so before the migrations.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", WRITER_CACHE)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        MIGRATIONS.to_latest(&mut conn)?;
        Ok(conn)
    }

    /// Leaves checkpoints (copying the write-ahead log into the database
    /// file, with an fsync) to [`Reader::checkpoint`], called by someone
    /// else, unless the log grows past `pages` pages: a writer on this
    /// connection then no longer pauses for them at a commit.
    fn defer_checkpoints(&self, pages: u32) -> Result<()> {
        if let Conn::Sqlite(conn) = &self.conn {
            conn.pragma_update_and_check(None, "wal_autocheckpoint", pages, |_| Ok(()))?;
        }
        Ok(())
    }

    /// Runs `work` as one transaction, begun at once as the writer: all it
    /// writes is stored, or (when it fails or panics) none of it. What the
    /// methods called inside write become parts of this transaction.
    fn in_transaction<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.conn.begin_write()?;
        let out = work(self).and_then(|out| {
            self.conn.commit()?;
            Ok(out)
        });
        self.roll_back_unfinished();
        out
    }

    /// Begins the writer's transaction for several writes, each then run
    /// by [`Store::in_part`].
    fn begin_parts(&mut self) -> Result<()> {
        self.conn.begin_write()
    }

    /// Runs `work` as one part of the transaction [`Store::begin_parts`]
    /// began: what it writes is kept if it succeeds and undone if it fails
    /// or panics (a panic is told as [`Error::WriterGone`]), whatever the
    /// other parts do. Kept means stored only once [`Store::end_parts`]
    /// commits. Also says whether the transaction goes on: not when the
    /// part could not be undone alone (the database undid the whole
    /// transaction, as SQLite does on a full disk, or PostgreSQL refuses
    /// all but a rollback), nor when no transaction is open any more.
    fn in_part<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> (std::result::Result<T, E>, bool) {
        if self.conn.is_autocommit() {
            return (Err(Error::Undone.into()), false);
        }
        if let Err(e) = self.conn.execute_batch_later("SAVEPOINT write") {
            return (Err(e.into()), false);
        }
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self)))
            .unwrap_or_else(|_| Err(Error::WriterGone.into()));
        let failed = match out {
            Ok(out) => match self.conn.execute_batch("RELEASE write") {
                Ok(()) => return (Ok(out), !self.conn.is_autocommit()),
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e),
        };
        let undone = self
            .conn
            .undo_batch("ROLLBACK TO write; RELEASE write")
            .is_ok();
        (failed, undone && !self.conn.is_autocommit())
    }

    /// Commits the parts run since [`Store::begin_parts`]; when that
    /// fails, none of them is stored.
    fn end_parts(&mut self) -> Result<()> {
        let out = self.conn.commit();
        self.roll_back_unfinished();
        out
    }

    /// Runs `work` so that all it stores is kept, or none of it: inside the
    /// caller's transaction when there is one.
    pub fn atomically<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.atomically_if(|store| work(store).map(|out| (out, true)))
    }

    /// [`Store::atomically`] for work that says, with what it returns,
    /// whether to keep what it stored: a dry run or a refusal discards it
    /// and still returns.
    fn atomically_if<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<(T, bool), E>,
    ) -> std::result::Result<T, E> {
        // A transaction of its own when there is none to be part of, with
        // nothing inside it to roll back to: ending it undoes it all.
        let began = self.conn.is_autocommit();
        if began {
            self.conn.begin_write()?;
        } else {
            self.conn.execute_batch_later("SAVEPOINT atomically")?;
        }
        let out = work(self).and_then(|(out, keep)| {
            if keep {
                if began {
                    self.conn.commit()?;
                } else {
                    // Waited for: what `work` left to send later fails
                    // here, as its own failure, not the caller's.
                    self.conn.execute_batch("RELEASE atomically")?;
                }
            }
            Ok((out, keep))
        });
        if !matches!(out, Ok((_, true))) {
            // Failing to roll back means the database already did.
            let _ = if began {
                self.conn.rollback()
            } else {
                self.conn
                    .undo_batch("ROLLBACK TO atomically; RELEASE atomically")
            };
        }
        out.map(|(out, _)| out)
    }

    /// Ends a transaction left open (by a failure, a panic or a refused
    /// commit) without storing any of it.
    fn roll_back_unfinished(&mut self) {
        if !self.conn.is_autocommit() {
            // Failing to roll back means the database already did.
            let _ = self.conn.rollback();
        }
    }

    /// Runs `work` in one transaction, committed only if it succeeds and
    /// `commit` is set: a dry run and a failure leave the database as it was.
    fn transaction<T>(
        &mut self,
        commit: bool,
        work: impl FnOnce(&Savepoint<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self.conn.savepoint()?;
        let out = work(&tx)?;
        if commit {
            tx.commit()?;
        }
        Ok(out)
    }

    /// Adds new halls and updates known ones (name, district, city, address,
    /// type, hours); visits stay with their branch code.
    pub fn save_roster(
        &mut self,
        roster: &[Branch],
        commit: bool,
        actor: &str,
    ) -> Result<RosterOutcome> {
        let known: HashMap<String, Branch> = self
            .branches()?
            .into_iter()
            .map(|b| (b.code.clone(), b))
            .collect();
        self.transaction(commit, |tx| {
            let mut outcome = RosterOutcome::default();
            for branch in roster {
                // Optional columns a roster leaves out keep what was stored.
                let branch = match known.get(&branch.code) {
                    Some(old) => {
                        let merged = Branch {
                            city: branch.city.clone().or_else(|| old.city.clone()),
                            address: branch.address.clone().or_else(|| old.address.clone()),
                            branch_type: branch
                                .branch_type
                                .clone()
                                .or_else(|| old.branch_type.clone()),
                            opening_hours: branch.opening_hours.or(old.opening_hours),
                            peak_hours: branch
                                .peak_hours
                                .clone()
                                .or_else(|| old.peak_hours.clone()),
                            ..branch.clone()
                        };
                        if merged == *old {
                            outcome.unchanged += 1;
                            continue;
                        }
                        outcome.updated += 1;
                        audit::record(
                            tx,
                            &audit::Entry {
                                actor,
                                action: "roster.update",
                                entity: "branch",
                                id: Some(&merged.code),
                                before: Some(&branch_json(old)),
                                after: Some(&branch_json(&merged)),
                            },
                        )?;
                        merged
                    }
                    None => {
                        outcome.new += 1;
                        audit::record(
                            tx,
                            &audit::Entry {
                                actor,
                                action: "roster.add",
                                entity: "branch",
                                id: Some(&branch.code),
                                before: None,
                                after: Some(&branch_json(branch)),
                            },
                        )?;
                        branch.clone()
                    }
                };
                let district_id = district_id(tx, &branch)?;
                tx.execute(
                    "INSERT INTO branches (code, name, district_id, address, branch_type,
                        opening_hours, peak_hours)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                        district_id = excluded.district_id, address = excluded.address,
                        branch_type = excluded.branch_type,
                        opening_hours = excluded.opening_hours,
                        peak_hours = excluded.peak_hours",
                    params![
                        branch.code,
                        branch.name,
                        district_id,
                        branch.address,
                        branch.branch_type,
                        branch.opening_hours.map(|w| w.to_string()),
                        branch.peak_hours.as_deref().map(Window::list_text)
                    ],
                )?;
            }
            Ok(outcome)
        })
    }

    // ---- checklists ----

    /// Stores a checklist version. Saving the same version again with the
    /// same content is a no-op (returns `false`); with other content it is
    /// refused, since visits were scored under the stored one.
    pub fn save_checklist(&mut self, checklist: &Checklist, actor: &str) -> Result<bool> {
        let definition = serde_json::to_string(checklist)
            .map_err(|e| Error::Corrupt(format!("检查表无法序列化:{e}")))?;
        match self
            .checklist_version(&checklist.id, checklist.version)
            .optional_found()?
        {
            Some(stored) if stored == *checklist => return Ok(false),
            Some(_) => {
                return Err(Error::ChecklistConflict {
                    id: checklist.id.clone(),
                    version: checklist.version,
                });
            }
            None => {}
        }
        self.conn.execute(
            "INSERT INTO checklists (id, version, title, definition, loaded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                checklist.id,
                checklist.version,
                checklist.title,
                definition,
                // Sub-second precision: the newest loaded checklist is the
                // default for visits that do not name theirs.
                Local::now()
                    .naive_local()
                    .format("%Y-%m-%d %H:%M:%S%.6f")
                    .to_string()
            ],
        )?;
        self.audit(&audit::Entry {
            actor,
            action: "checklist.load",
            entity: "checklist",
            id: Some(&format!("{} v{}", checklist.id, checklist.version)),
            before: None,
            after: serde_json::to_value(checklist).ok().as_ref(),
        })?;
        Ok(true)
    }

    // ---- visits ----

    /// Imports visits in one transaction. Each visit's disposition is
    /// returned in order; nothing is stored on a dry run or when any visit
    /// is a conflict.
    pub fn import_visits(
        &mut self,
        visits: &[Visit],
        options: ImportOptions<'_>,
    ) -> Result<Vec<Disposition>> {
        self.import_visits_then(visits, options, |_| Ok(()))
    }

    /// [`Store::import_visits`], with `also` done in the same transaction
    /// once the visits are in, before it commits: its failure stores nothing.
    fn import_visits_then(
        &mut self,
        visits: &[Visit],
        options: ImportOptions<'_>,
        also: impl FnOnce(&Conn) -> Result<()>,
    ) -> Result<Vec<Disposition>> {
        self.import_in_batches(options, |import| {
            let dispositions = import.store(visits)?;
            if import.keeps() {
                also(import.conn())?;
            }
            Ok((dispositions, true))
        })
    }

    /// Imports visits that come in batches, in one transaction: `feed`
    /// stores each batch with [`VisitImport::store`] as it comes and says,
    /// with what it returns, whether to keep them. Nothing is kept when it
    /// says not to or fails, on a dry run, or when any visit was a conflict.
    pub fn import_in_batches<T, E: From<Error>>(
        &mut self,
        options: ImportOptions<'_>,
        feed: impl FnOnce(&mut VisitImport<'_, '_>) -> std::result::Result<(T, bool), E>,
    ) -> std::result::Result<T, E> {
        self.atomically_if(|store| {
            let mut import = VisitImport::new(store, options);
            let (out, keep) = feed(&mut import)?;
            let keep = keep && import.keeps();
            if keep {
                import.finish()?;
            }
            Ok((out, keep))
        })
    }
}

impl Reader {
    /// Each visit made ready to store under its checklist version. A visit
    /// the store has no checklist for is refused by the insert itself.
    fn prepare(&self, visits: &[Visit]) -> Result<Vec<Prepared>> {
        let mut versions: HashMap<(&str, u32), Option<Arc<Checklist>>> = HashMap::new();
        let mut prepared = Vec::with_capacity(visits.len());
        for v in visits {
            let key = (v.checklist_id.as_str(), v.checklist_version);
            let checklist = match versions.get(&key) {
                Some(checklist) => checklist,
                None => {
                    let checklist = self.shared_checklist(key.0, key.1).optional_found()?;
                    versions.entry(key).or_insert(checklist)
                }
            };
            prepared.push(Prepared::of(v, checklist.as_deref()));
        }
        Ok(prepared)
    }

    /// A visit's points as stored, scored under its checklist version;
    /// `None` when the store has no such version (writing the visit then
    /// fails on its own).
    fn points_of(&self, visit: &Visit) -> Result<Option<Vec<u8>>> {
        Ok(self
            .checklist_version(&visit.checklist_id, visit.checklist_version)
            .optional_found()?
            .map(|c| points::stored(&c, &visit.answers)))
    }

    /// Adds to `ids` the id of each hall `visits` name that it lacks, by
    /// code; unknown codes are left out. A submission needs its own hall's
    /// id, not the whole roster's; a larger batch reads the whole roster.
    fn look_up_branches(&self, visits: &[Visit], ids: &mut HashMap<String, i64>) -> Result<()> {
        let mut missing: Vec<&str> = visits
            .iter()
            .map(|v| v.branch_code.as_str())
            .filter(|code| !ids.contains_key(*code))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if visits.len() > FEW_VISITS {
            let mut stmt = self.conn.prepare("SELECT code, id FROM branches")?;
            for pair in stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (code, id) = pair?;
                ids.insert(code, id);
            }
            return Ok(());
        }
        missing.sort_unstable();
        missing.dedup();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM branches WHERE code = ?1")?;
        for code in missing {
            let id: Option<i64> = stmt.query_row([code], |r| r.get(0)).optional()?;
            if let Some(id) = id {
                ids.insert(code.to_string(), id);
            }
        }
        Ok(())
    }
}

/// A visit made ready to store: its row's values besides the visit's own
/// fields, worked out without the database, so that a file's reader can
/// make them while the writer stores the visits read before.
pub struct Prepared {
    key: String,
    visited_at: String,
    blob: Vec<u8>,
    item_notes: Option<String>,
    /// Pending when its checklist version asks for review, accepted
    /// otherwise.
    status: Status,
    /// Its points; `None` without a checklist.
    points: Option<Vec<u8>>,
}

impl Prepared {
    /// `visit` made ready to store under `checklist`, its checklist
    /// version (`None` when the store has none: storing it then fails).
    pub fn of(visit: &Visit, checklist: Option<&Checklist>) -> Prepared {
        Prepared {
            key: visit.key(),
            visited_at: visit.visited_at.format(TIME_FORMAT).to_string(),
            blob: codec::encode(&visit.answers),
            item_notes: item_notes_to(&visit.item_notes),
            status: Status::on_arrival(checklist.is_some_and(|c| c.review)),
            points: checklist.map(|c| points::stored(c, &visit.answers)),
        }
    }

    /// Whether the visit waits for review when it is stored.
    pub fn held_for_review(&self) -> bool {
        self.status == Status::Pending
    }
}

/// How [`Store::import_visits`] treats what it is given.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// Replace a stored visit that differs (keeping the old one in its
    /// history) instead of reporting it as a conflict.
    pub replace: bool,
    /// Check only: report each visit's disposition and store nothing.
    pub dry_run: bool,
    /// The account that submitted the visits, for a submission.
    pub recorded_by: Option<i64>,
    /// Who the audit log names.
    pub actor: &'a str,
}

impl<'a> ImportOptions<'a> {
    /// Stores new visits, keeps stored ones and records no submitter:
    /// change a field for anything else.
    pub fn by(actor: &'a str) -> ImportOptions<'a> {
        ImportOptions {
            replace: false,
            dry_run: false,
            recorded_by: None,
            actor,
        }
    }
}

/// The statements an import runs for each visit, prepared once.
struct VisitStatements<'c> {
    find: Stmt<'c>,
    keep_history: Stmt<'c>,
    update: Stmt<'c>,
    tx: &'c Conn,
    now: String,
    /// Reused for decoding stored answers.
    answers: Vec<Answer>,
}

impl<'c> VisitStatements<'c> {
    fn prepare(tx: &'c Conn, now: &str) -> Result<VisitStatements<'c>> {
        Ok(VisitStatements {
            find: tx.prepare_cached(&format!(
                "SELECT {VISIT_COLUMNS} FROM visits v JOIN branches b ON b.id = v.branch_id
                 WHERE v.key = ?1"
            ))?,
            keep_history: tx.prepare_cached(
                "INSERT INTO visit_history (visit_id, checklist_version, answers, notes, replaced_at, reason)
                 SELECT id, checklist_version, answers, notes, ?2, ?3 FROM visits WHERE id = ?1",
            )?,
            update: tx.prepare_cached(
                "UPDATE visits SET branch_id = ?2, checklist_id = ?3, checklist_version = ?4,
                    visited_at = ?5, inspector = ?6, notes = ?7, answers = ?8, updated_at = ?9,
                    item_notes = ?10, status = ?11, flags = NULL, points = ?12
                 WHERE id = ?1",
            )?,
            tx,
            now: now.to_string(),
            answers: Vec::new(),
        })
    }

    /// Inserts the visits of `rows` whose keys are new, many in each
    /// statement; the keys it inserted. Of visits sharing a key, the first
    /// is the one inserted.
    fn insert_new(
        &mut self,
        rows: &[VisitRowToStore<'_>],
        options: &ImportOptions<'_>,
    ) -> Result<HashSet<String>> {
        let mut inserted = HashSet::new();
        match self.tx.postgres() {
            Some(pg) => {
                for batch in rows.chunks(ARRAY_BATCH) {
                    inserted.extend(insert_as_arrays(pg, batch, &self.now, options)?);
                }
            }
            None => {
                for batch in rows.chunks(INSERT_BATCH) {
                    inserted.extend(self.insert_as_values(batch, options)?);
                }
            }
        }
        Ok(inserted)
    }

    /// Inserts the visits of `batch` whose keys are new, in one statement
    /// with a row of values for each; the keys it inserted.
    fn insert_as_values(
        &mut self,
        batch: &[VisitRowToStore<'_>],
        options: &ImportOptions<'_>,
    ) -> Result<Vec<String>> {
        let rows: Vec<String> = (0..batch.len())
            .map(|i| {
                let p = |n: usize| format!("?{}", i * INSERT_COLUMNS + n);
                format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9),
                    p(10),
                    p(10),
                    p(11),
                    p(12),
                    p(13),
                    p(14)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO visits (key, visit_id, branch_id, checklist_id, checklist_version,
                visited_at, inspector, notes, answers, created_at, updated_at, recorded_by,
                item_notes, status, points)
             VALUES {} ON CONFLICT (key) DO NOTHING RETURNING key",
            rows.join(", ")
        );
        let mut values: Vec<&dyn sql::ToValue> = Vec::with_capacity(batch.len() * INSERT_COLUMNS);
        for row in batch {
            values.extend([
                &row.prepared.key as &dyn sql::ToValue,
                &row.visit.visit_id,
                &row.branch_id,
                &row.visit.checklist_id,
                &row.visit.checklist_version,
                &row.prepared.visited_at,
                &row.visit.inspector,
                &row.visit.notes,
                &row.prepared.blob,
                &self.now,
                &options.recorded_by,
                &row.prepared.item_notes,
                &row.status,
                &row.prepared.points,
            ]);
        }
        self.tx
            .prepare_cached(&sql)?
            .query_map(values.as_slice(), |r| r.get(0))?
            .collect()
    }

    /// Stores a visit whose key is taken: compared with the stored one,
    /// and replaced if asked.
    fn store_taken(
        &mut self,
        row: &VisitRowToStore<'_>,
        options: &ImportOptions<'_>,
    ) -> Result<Disposition> {
        let visit = row.visit;
        let (id, stored) = self.stored(&row.prepared.key)?;
        if stored == *visit {
            return Ok(Disposition::Unchanged);
        }
        if !options.replace {
            return Ok(Disposition::Conflict(Box::new(stored)));
        }
        audit::record(
            self.tx,
            &audit::Entry {
                actor: options.actor,
                action: "visit.replace",
                entity: "visit",
                id: Some(&row.prepared.key),
                before: Some(&visit_json(&stored)),
                after: Some(&visit_json(visit)),
            },
        )?;
        self.keep_history
            .execute(params![id, self.now, "导入时替换"])?;
        self.update.execute(params![
            id,
            row.branch_id,
            visit.checklist_id,
            visit.checklist_version,
            row.prepared.visited_at,
            visit.inspector,
            visit.notes,
            row.prepared.blob,
            self.now,
            row.prepared.item_notes,
            row.status,
            row.prepared.points
        ])?;
        Ok(Disposition::Replaced)
    }

    /// The visit stored under `key`, with its row id.
    fn stored(&mut self, key: &str) -> Result<(i64, Visit)> {
        self.find
            .query_row([key], VisitRow::read)?
            .into_visit(&mut self.answers)
    }
}

/// PostgreSQL: inserts the visits of `batch` whose keys are new in one
/// statement whose parameters are a column of values each, bound as
/// arrays. The server then parses one short statement and a dozen arrays
/// rather than fourteen parameters a visit; the keys it inserted.
fn insert_as_arrays(
    pg: &sql::Pg,
    batch: &[VisitRowToStore<'_>],
    now: &str,
    options: &ImportOptions<'_>,
) -> Result<Vec<String>> {
    let keys: Vec<&str> = batch.iter().map(|r| r.prepared.key.as_str()).collect();
    let visit_ids: Vec<Option<&str>> = batch.iter().map(|r| r.visit.visit_id.as_deref()).collect();
    let branch_ids: Vec<i64> = batch.iter().map(|r| r.branch_id).collect();
    let checklist_ids: Vec<&str> = batch
        .iter()
        .map(|r| r.visit.checklist_id.as_str())
        .collect();
    let versions: Vec<i64> = batch
        .iter()
        .map(|r| i64::from(r.visit.checklist_version))
        .collect();
    let visited_at: Vec<&str> = batch
        .iter()
        .map(|r| r.prepared.visited_at.as_str())
        .collect();
    let inspectors: Vec<Option<&str>> =
        batch.iter().map(|r| r.visit.inspector.as_deref()).collect();
    let notes: Vec<Option<&str>> = batch.iter().map(|r| r.visit.notes.as_deref()).collect();
    let answers: Vec<&[u8]> = batch.iter().map(|r| r.prepared.blob.as_slice()).collect();
    let item_notes: Vec<Option<&str>> = batch
        .iter()
        .map(|r| r.prepared.item_notes.as_deref())
        .collect();
    let statuses: Vec<&str> = batch.iter().map(|r| r.status).collect();
    let points: Vec<Option<&[u8]>> = batch.iter().map(|r| r.prepared.points.as_deref()).collect();
    // unnest keeps the arrays' order, and rows are inserted in the order
    // they are selected: the first of a key is the one inserted.
    pg.query_native(
        "INSERT INTO visits (key, visit_id, branch_id, checklist_id, checklist_version,
            visited_at, inspector, notes, answers, created_at, updated_at, recorded_by,
            item_notes, status, points)
         SELECT key, visit_id, branch_id, checklist_id, checklist_version, visited_at,
            inspector, notes, answers, $13, $13, $14, item_notes, status, points
         FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::int8[], $6::text[],
            $7::text[], $8::text[], $9::bytea[], $10::text[], $11::text[], $12::bytea[])
            AS r (key, visit_id, branch_id, checklist_id, checklist_version, visited_at,
                  inspector, notes, answers, item_notes, status, points)
         ON CONFLICT (key) DO NOTHING RETURNING key",
        &[
            &keys,
            &visit_ids,
            &branch_ids,
            &checklist_ids,
            &versions,
            &visited_at,
            &inspectors,
            &notes,
            &answers,
            &item_notes,
            &statuses,
            &points,
            &now,
            &options.recorded_by,
        ],
        |row| row.get(0),
    )
}

/// How many visits one insert statement carries: fewer statements, and so
/// fewer round trips to a database server, for a large import.
const INSERT_BATCH: usize = 500;

/// How many visits one insert statement carries on PostgreSQL, whose
/// statement has a parameter a column, not a visit.
const ARRAY_BATCH: usize = 2048;

/// The parameters of one visit in the insert.
const INSERT_COLUMNS: usize = 14;

/// A visit as it is written: the visit, its hall's id and the rest of its
/// row.
struct VisitRowToStore<'v> {
    visit: &'v Visit,
    branch_id: i64,
    prepared: &'v Prepared,
    status: &'static str,
}

impl<'v> VisitRowToStore<'v> {
    fn of(visit: &'v Visit, branch_id: i64, prepared: &'v Prepared) -> VisitRowToStore<'v> {
        VisitRowToStore {
            visit,
            branch_id,
            prepared,
            status: prepared.status.as_str(),
        }
    }
}

/// The columns of a visit that [`VisitRow::read`] reads, first in a query;
/// `v` is the visits table and `b` the branches table.
pub(super) const VISIT_COLUMNS: &str =
    "v.id, v.visit_id, b.code, v.checklist_id, v.checklist_version,
    v.visited_at, v.inspector, v.notes, v.answers, v.item_notes";

/// A visit as its row holds it, before its time, answers and item notes
/// are read.
pub(super) struct VisitRow {
    row: i64,
    visit_id: Option<String>,
    branch_code: String,
    checklist_id: String,
    checklist_version: u32,
    visited_at: String,
    inspector: Option<String>,
    notes: Option<String>,
    answers: Vec<u8>,
    item_notes: Option<String>,
}

impl VisitRow {
    /// The first columns of `r`, [`VISIT_COLUMNS`].
    pub(super) fn read(r: &Row<'_>) -> Result<VisitRow> {
        Ok(VisitRow {
            row: r.get(0)?,
            visit_id: r.get(1)?,
            branch_code: r.get(2)?,
            checklist_id: r.get(3)?,
            checklist_version: r.get(4)?,
            visited_at: r.get(5)?,
            inspector: r.get(6)?,
            notes: r.get(7)?,
            answers: r.get(8)?,
            item_notes: r.get(9)?,
        })
    }

    /// The visit and its row id, its answers decoded through `buffer`.
    pub(super) fn into_visit(self, buffer: &mut Vec<Answer>) -> Result<(i64, Visit)> {
        codec::decode_into(&self.answers, buffer)
            .ok_or_else(|| Error::Corrupt(format!("暗访 {} 的答案", self.row)))?;
        let visit = Visit {
            visit_id: self.visit_id,
            branch_code: self.branch_code,
            visited_at: parse_time(&self.visited_at)?,
            inspector: self.inspector,
            checklist_id: self.checklist_id,
            checklist_version: self.checklist_version,
            notes: self.notes,
            item_notes: item_notes_from(self.item_notes.as_deref())?,
            answers: buffer.clone(),
        };
        Ok((self.row, visit))
    }
}

/// Hands each row of a visit query to `each` as it is stored; how many
/// there were.
fn hand_out(
    stmt: &mut Stmt<'_>,
    params: impl sql::Params,
    mut each: impl FnMut(StoredVisit<'_>) -> Result<()>,
) -> Result<usize> {
    stmt.for_each_row(params, |row| each(stored_visit(&row)?))
}

/// What a query selects first for [`stored_visit`] to read (`v` the
/// visit, `b` its hall).
const STORED_VISIT_COLUMNS: &str = "v.visit_id, b.code, v.visited_at, v.inspector, v.notes,
     v.checklist_version, v.answers, v.points";

/// A visit as stored, from a row whose first columns are
/// [`STORED_VISIT_COLUMNS`].
fn stored_visit<'r>(row: &'r sql::Row<'_>) -> Result<StoredVisit<'r>> {
    Ok(StoredVisit {
        visit_id: row.get_ref(0)?.as_str_or_null()?,
        branch_code: row.get_ref(1)?.as_str()?,
        visited_at: parse_time(row.get_ref(2)?.as_str()?)?,
        inspector: row.get_ref(3)?.as_str_or_null()?,
        notes: row.get_ref(4)?.as_str_or_null()?,
        checklist_version: row.get(5)?,
        answers: row.get_ref(6)?.as_blob()?,
        points: row.get_ref(7)?.as_blob_or_null()?,
    })
}

/// A hall as the audit log records it.
fn branch_json(b: &Branch) -> serde_json::Value {
    serde_json::json!({
        "code": b.code, "name": b.name, "district": b.district, "city": b.city,
        "address": b.address, "branch_type": b.branch_type,
        "opening_hours": b.opening_hours.map(|w| w.to_string()),
        "peak_hours": b.peak_hours.as_deref().map(Window::list_text),
    })
}

/// A visit as the audit log records it.
fn visit_json(v: &Visit) -> serde_json::Value {
    let answers: Vec<serde_json::Value> = v
        .answers
        .iter()
        .map(|a| match a {
            Answer::Pass => "是".into(),
            Answer::Fail => "否".into(),
            Answer::NotApplicable => "不适用".into(),
            Answer::Number(n) => (*n).into(),
            Answer::Choice(i) => serde_json::json!({ "choice": i }),
        })
        .collect();
    serde_json::json!({
        "visit_id": v.visit_id, "branch_code": v.branch_code,
        "visited_at": v.visited_at.format(TIME_FORMAT).to_string(),
        "inspector": v.inspector, "checklist": v.checklist_id, "version": v.checklist_version,
        "notes": v.notes, "item_notes": v.item_notes, "answers": answers,
    })
}

/// Item notes as stored: a JSON object, or NULL when there are none.
fn item_notes_to(notes: &std::collections::BTreeMap<String, String>) -> Option<String> {
    (!notes.is_empty()).then(|| serde_json::to_string(notes).unwrap_or_default())
}

fn item_notes_from(text: Option<&str>) -> Result<std::collections::BTreeMap<String, String>> {
    text.map_or_else(
        || Ok(Default::default()),
        |t| serde_json::from_str(t).map_err(|e| Error::Corrupt(format!("检查项备注:{e}"))),
    )
}

/// The current local time as stored.
/// The id of a hall's district, stored (with its city) if new, its city
/// updated if the roster names one.
fn district_id(tx: &Conn, branch: &Branch) -> Result<i64> {
    let city_id = match &branch.city {
        Some(city) => {
            tx.execute(
                "INSERT INTO cities (name) VALUES (?1) ON CONFLICT DO NOTHING",
                [city],
            )?;
            Some(
                tx.query_row("SELECT id FROM cities WHERE name = ?1", [city], |r| {
                    r.get::<i64>(0)
                })?,
            )
        }
        None => None,
    };
    tx.execute(
        "INSERT INTO districts (name, city_id) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET city_id = coalesce(excluded.city_id, districts.city_id)",
        params![branch.district, city_id],
    )?;
    let district_id: i64 = tx.query_row(
        "SELECT id FROM districts WHERE name = ?1",
        [&branch.district],
        |r| r.get(0),
    )?;
    Ok(district_id)
}

/// A database whose schema is newer than this program's, which it leaves
/// alone.
fn schema_too_new(found: u32, known: u32) -> Error {
    Error::Schema(format!(
        "数据库结构是第 {found} 版,比本程序认识的第 {known} 版新:请改用更新的 hallscore,数据库未作改动"
    ))
}

/// Opens the SQLite file at `path`, reading up to `mapped` bytes of it
/// through memory mapped from it.
fn open_sqlite(path: &Path, mapped: i64) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|source| Error::Open {
        path: path.display().to_string(),
        source,
    })?;
    conn.pragma_update(None, "mmap_size", mapped)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    Ok(conn)
}

/// How many prepared statements a SQLite connection keeps for reuse. A
/// submission alone runs about twenty on the writer's connection: with
/// rusqlite's default of 16, taken in turn, each was prepared anew every
/// time. Statements that name a number of rows (a batch of tickets, of
/// log entries) are one for each number.
const STATEMENTS_KEPT: usize = 256;

fn now() -> String {
    Local::now().naive_local().format(TIME_FORMAT).to_string()
}

/// The text bounds of an inclusive range of days, for `visited_at` columns.
fn day_bounds(from: NaiveDate, to: NaiveDate) -> (String, String) {
    let end = to.succ_opt().unwrap_or(to);
    (
        format!("{} 00:00:00", from.format("%Y-%m-%d")),
        format!("{} 00:00:00", end.format("%Y-%m-%d")),
    )
}

fn parse_time(text: &str) -> Result<NaiveDateTime> {
    fixed_time(text)
        .or_else(|| NaiveDateTime::parse_from_str(text, TIME_FORMAT).ok())
        .ok_or_else(|| Error::Corrupt(format!("时间「{text}」")))
}

/// A time as [`TIME_FORMAT`] writes it, read digit by digit; `None` for
/// any other text. A year's scan reads one per visit, and chrono's parser
/// reads the format string anew each time.
fn fixed_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let layout = b.len() == 19
        && [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')]
            .iter()
            .all(|&(at, c)| b[at] == c);
    if !layout {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?.and_hms_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
    )
}

/// `NotFound` as `None`, every other error as itself.
trait OptionalFound<T> {
    fn optional_found(self) -> Result<Option<T>>;
}

impl<T> OptionalFound<T> for Result<T> {
    fn optional_found(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        assert!(MIGRATIONS.validate().is_ok());
    }

    #[test]
    fn stored_times_read_as_chrono_reads_them() {
        for text in [
            "2025-07-03 14:20:05",
            "1999-12-31 23:59:59",
            "2024-02-29 00:00:00",
            "2025-02-29 10:00:00",
            "2025-13-01 10:00:00",
            "2025-07-03 24:00:00",
            "2025-07-03 14:20:60",
            "2025-7-03 14:20:05",
            "2025-07-03T14:20:05",
            "+025-07-03 14:20:05",
            "2025-07-03 14:20:0x",
            "",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, TIME_FORMAT).ok();
            assert_eq!(parse_time(text).ok(), chrono, "{text}");
            if let Some(fixed) = fixed_time(text) {
                assert_eq!(Some(fixed), chrono, "{text}");
            }
        }
    }

    #[test]
    fn a_stored_visit_decodes_to_its_answers_and_points_or_says_which_is_damaged() {
        let answers = [Answer::Pass, Answer::Number(7.5), Answer::NotApplicable];
        let points = [
            Some(Points {
                earned: 2.0,
                max: 2.0,
            }),
            None,
            None,
        ];
        let (answer_blob, point_blob) = (codec::encode(&answers), codec::encode_points(&points));
        let stored = StoredVisit {
            visit_id: Some("V1"),
            branch_code: "H01",
            visited_at: parse_time("2025-07-03 14:20:05").expect("time"),
            inspector: Some("甲"),
            notes: None,
            checklist_version: 3,
            answers: &answer_blob,
            points: Some(&point_blob),
        };
        let mut decoding = Decoding::default();
        let visit = stored.decode(&mut decoding).expect("decodes");
        assert_eq!(visit.answers, answers);
        assert_eq!(visit.points, Some(&points[..]));
        assert_eq!((visit.branch_code, visit.checklist_version), ("H01", 3));

        // The number loses its last byte.
        let cut = &answer_blob[..answer_blob.len() - 2];
        let broken = StoredVisit {
            answers: cut,
            ..stored
        };
        let error = broken.decode(&mut decoding).err().map(|e| e.to_string());
        assert!(
            error.is_some_and(|e| e.contains("暗访答案")),
            "answers cut short"
        );
        let broken = StoredVisit {
            points: Some(&[0xFF]),
            ..stored
        };
        let error = broken.decode(&mut decoding).err().map(|e| e.to_string());
        assert!(
            error.is_some_and(|e| e.contains("暗访得分")),
            "points unreadable"
        );
    }
}
