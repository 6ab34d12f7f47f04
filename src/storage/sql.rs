//! The one seam between the storage code and the two databases it runs on:
//! the embedded SQLite file (rusqlite) and a PostgreSQL server (the
//! `postgres` driver). Storage writes its SQL once, in the dialect both
//! accept, with `?1`-style placeholders; for PostgreSQL they become `$1`.
//! Values cross the seam as SQLite knows them — integers, reals, text,
//! blobs and NULL — and PostgreSQL's columns are declared to match, so no
//! figure can come out differently.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::Poll;

use futures_util::future::{MaybeDone, maybe_done};
use tokio_postgres::Statement;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type};

use super::{Error, Result};

/// A value as it is bound to a statement or read from a row, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// An owned value, for statements whose parameters are gathered at run
/// time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Integer(n)
    }
}

/// What can be bound to a statement's parameter.
pub trait ToValue {
    fn to_value(&self) -> ValueRef<'_>;
}

impl ToValue for ValueRef<'_> {
    fn to_value(&self) -> ValueRef<'_> {
        *self
    }
}

impl ToValue for Value {
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Integer(i64::from(*self))
    }
}

macro_rules! integer_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> ValueRef<'_> {
                // Counts and ids beyond i64 do not occur; saturate rather
                // than wrap if one ever did.
                ValueRef::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
integer_to_value!(i64, i32, u32, u64, usize, u8, u16);

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> ValueRef<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> ValueRef<'_> {
        self.as_ref().map_or(ValueRef::Null, ToValue::to_value)
    }
}

/// What a column's value can be read as.
pub trait FromValue: Sized {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, String>;
}

fn expected(what: &str, value: ValueRef<'_>) -> String {
    format!("应为{what},实为 {value:?}")
}

impl FromValue for i64 {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<i64, String> {
        match value {
            ValueRef::Integer(n) => Ok(n),
            other => Err(expected("整数", other)),
        }
    }
}

macro_rules! integer_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> std::result::Result<$t, String> {
                let n = i64::from_value(value)?;
                <$t>::try_from(n).map_err(|_| format!("整数 {n} 超出范围"))
            }
        }
    )*};
}
integer_from_value!(i32, u32, u64, usize, u8, u16);

impl FromValue for bool {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<bool, String> {
        Ok(i64::from_value(value)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<f64, String> {
        match value {
            ValueRef::Real(x) => Ok(x),
            // Integer-valued reals come back as integers from SQLite.
            #[allow(clippy::cast_precision_loss)]
            ValueRef::Integer(n) => Ok(n as f64),
            other => Err(expected("数值", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<String, String> {
        match value {
            ValueRef::Text(t) => Ok(t.to_string()),
            other => Err(expected("文本", other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Vec<u8>, String> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(expected("二进制数据", other)),
        }
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(value: ValueRef<'_>) -> Value {
        match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::Integer(n),
            ValueRef::Real(x) => Value::Real(x),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Value, String> {
        Ok(Value::from(value))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Option<T>, String> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl<'a> ValueRef<'a> {
    pub fn as_str(self) -> Result<&'a str> {
        match self {
            ValueRef::Text(t) => Ok(t),
            other => Err(Error::Value(expected("文本", other))),
        }
    }

    pub fn as_str_or_null(self) -> Result<Option<&'a str>> {
        match self {
            ValueRef::Null => Ok(None),
            other => other.as_str().map(Some),
        }
    }

    pub fn as_blob(self) -> Result<&'a [u8]> {
        match self {
            ValueRef::Blob(b) => Ok(b),
            other => Err(Error::Value(expected("二进制数据", other))),
        }
    }

    pub fn as_blob_or_null(self) -> Result<Option<&'a [u8]>> {
        match self {
            ValueRef::Null => Ok(None),
            other => other.as_blob().map(Some),
        }
    }
}

/// The parameters of one statement.
pub trait Params {
    fn values(&self) -> Vec<ValueRef<'_>>;
}

impl Params for () {
    fn values(&self) -> Vec<ValueRef<'_>> {
        Vec::new()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

impl<T: ToValue> Params for &[T] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

impl<T: ToValue> Params for Vec<T> {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// A statement's parameters as a list of values of mixed types.
macro_rules! params {
    () => { () };
    ($($value:expr),+ $(,)?) => {
        &[$(&$value as &dyn $crate::storage::sql::ToValue),+] as &[&dyn $crate::storage::sql::ToValue]
    };
}
pub(crate) use params;

/// One row of a result.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl<'a> Row<'a> {
    /// The value of column `index` (from 0), borrowed from the row.
    pub fn get_ref(&self, index: usize) -> Result<ValueRef<'a>> {
        match *self {
            Row::Sqlite(row) => Ok(match row.get_ref(index)? {
                rusqlite::types::ValueRef::Null => ValueRef::Null,
                rusqlite::types::ValueRef::Integer(n) => ValueRef::Integer(n),
                rusqlite::types::ValueRef::Real(x) => ValueRef::Real(x),
                rusqlite::types::ValueRef::Text(t) => ValueRef::Text(
                    std::str::from_utf8(t)
                        .map_err(|e| Error::Value(format!("文本不是 UTF-8:{e}")))?,
                ),
                rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
            }),
            Row::Postgres(row) => Ok(row.try_get::<_, Cell_>(index)?.0),
        }
    }

    /// The value of column `index` (from 0) as a `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T> {
        T::from_value(self.get_ref(index)?)
            .map_err(|e| Error::Value(format!("第 {} 列:{e}", index + 1)))
    }
}

/// A PostgreSQL cell read as the value SQLite would give.
struct Cell_<'a>(ValueRef<'a>);

type Boxed = Box<dyn StdError + Sync + Send>;

impl<'a> FromSql<'a> for Cell_<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Cell_<'a>, Boxed> {
        let value = match *ty {
            Type::INT2 => ValueRef::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => ValueRef::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => ValueRef::Integer(i64::from_sql(ty, raw)?),
            Type::BOOL => ValueRef::Integer(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT4 => ValueRef::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => ValueRef::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => ValueRef::Blob(raw),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                ValueRef::Text(<&str>::from_sql(ty, raw)?)
            }
            ref other => return Err(format!("不支持的列类型 {other}").into()),
        };
        Ok(Cell_(value))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Cell_<'a>, Boxed> {
        Ok(Cell_(ValueRef::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A value bound to a PostgreSQL parameter, converted to the type the
/// server inferred for it.
#[derive(Debug)]
struct Bind<'a>(ValueRef<'a>);

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, Boxed> {
        let mismatch =
            || -> Boxed { format!("参数 {:?} 不能作为 {ty} 传给数据库", self.0).into() };
        match (self.0, ty) {
            (ValueRef::Null, _) => Ok(IsNull::Yes),
            (ValueRef::Integer(n), &Type::INT8) => n.to_sql(ty, out),
            (ValueRef::Integer(n), &Type::INT4) => {
                i32::try_from(n).map_err(|_| mismatch())?.to_sql(ty, out)
            }
            (ValueRef::Integer(n), &Type::INT2) => {
                i16::try_from(n).map_err(|_| mismatch())?.to_sql(ty, out)
            }
            (ValueRef::Integer(n), &Type::BOOL) => (n != 0).to_sql(ty, out),
            #[allow(clippy::cast_precision_loss)]
            (ValueRef::Integer(n), &Type::FLOAT8) => (n as f64).to_sql(ty, out),
            (ValueRef::Integer(n), &(Type::TEXT | Type::VARCHAR | Type::UNKNOWN)) => {
                n.to_string().as_str().to_sql(&Type::TEXT, out)
            }
            (ValueRef::Real(x), &Type::FLOAT8) => x.to_sql(ty, out),
            (ValueRef::Real(x), &(Type::TEXT | Type::VARCHAR | Type::UNKNOWN)) => {
                x.to_string().as_str().to_sql(&Type::TEXT, out)
            }
            (ValueRef::Text(t), &(Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME)) => {
                t.to_sql(ty, out)
            }
            (ValueRef::Text(t), &Type::UNKNOWN) => t.to_sql(&Type::TEXT, out),
            (ValueRef::Blob(b), &Type::BYTEA) => b.to_sql(ty, out),
            _ => Err(mismatch()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A PostgreSQL connection with its prepared statements.
///
/// Each statement costs a trip to the server and back, which a write
/// waits for inside the writers' lock (see [`WRITER_LOCK`]): so inside a
/// transaction, statements whose answer nobody needs (savepoints, audit
/// entries, updates whose count is not read) are not sent on their own
/// but kept, and go out in the same trip as the next statement that is
/// waited for — in their order, before it. A kept statement's failure is
/// the failure of that next statement, or of the commit: the database
/// refuses everything after a failure until the transaction, or a
/// savepoint begun before it, is rolled back, so nothing after it is
/// stored either way.
pub struct Pg {
    /// Taken only when the connection is dropped.
    link: Option<Link>,
    statements: RefCell<HashMap<String, Statement>>,
    in_transaction: Cell<bool>,
    kept: RefCell<Vec<Kept>>,
    /// Set when the transaction could not be rolled back to a savepoint:
    /// it may have lost what it wrote before, so it must not commit.
    unsure: Cell<bool>,
    /// Set while rows are handed out one by one, when the connection is
    /// busy receiving them.
    streaming: Cell<bool>,
}

/// The driver's client, and the runtime that carries its messages to and
/// from the server while a statement is waited for.
struct Link {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    connection: tokio::task::JoinHandle<()>,
}

impl Link {
    /// Closes the connection: the server is told goodbye once the client
    /// is gone.
    fn close(self) {
        let Link {
            runtime,
            client,
            connection,
        } = self;
        drop(client);
        let _ = runtime.block_on(connection);
    }
}

/// A statement kept to be sent with the next one (see [`Pg`]).
enum Kept {
    Batch(String),
    Statement(Statement, Vec<Value>),
}

type PgResult<T> = std::result::Result<T, tokio_postgres::Error>;

/// A kept statement on its way to the server.
type Sending<'a> = Pin<Box<dyn Future<Output = PgResult<()>> + 'a>>;

impl Kept {
    fn send<'a>(&'a self, client: &'a tokio_postgres::Client) -> Sending<'a> {
        match self {
            Kept::Batch(sql) => Box::pin(client.batch_execute(sql)),
            Kept::Statement(statement, values) => Box::pin(async move {
                let binds: Vec<Bind<'_>> = values.iter().map(|v| Bind(v.to_value())).collect();
                client.execute_raw(statement, binds.iter()).await.map(drop)
            }),
        }
    }
}

/// Drives `kept`, then `work`, until all are done. The driver sends a
/// statement when it is first polled, so they reach the server in this
/// order, together when they can. The first failure among `kept` when
/// `heed_kept`, else `work`'s outcome.
async fn in_order<T>(
    kept: Vec<Sending<'_>>,
    work: impl Future<Output = PgResult<T>>,
    heed_kept: bool,
) -> PgResult<T> {
    let mut kept: Vec<MaybeDone<Sending<'_>>> = kept.into_iter().map(maybe_done).collect();
    let mut work = pin!(maybe_done(work));
    std::future::poll_fn(|cx| {
        let mut done = true;
        for one in &mut kept {
            done &= Pin::new(one).poll(cx).is_ready();
        }
        done &= work.as_mut().poll(cx).is_ready();
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    let failed = kept
        .iter_mut()
        .find_map(|one| Pin::new(one).take_output().and_then(|sent| sent.err()));
    let out = work
        .as_mut()
        .take_output()
        .expect("a finished statement has its outcome");
    match failed {
        Some(e) if heed_kept => Err(e),
        _ => out,
    }
}

impl Pg {
    /// Connects with `config`; the connection's messages travel on a
    /// runtime of its own, as the callers are threads that block.
    pub fn connect(config: &tokio_postgres::Config) -> std::result::Result<Pg, ConnectError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let (client, connection) = runtime
            .block_on(config.connect(tokio_postgres::NoTls))
            .map_err(ConnectError::Server)?;
        // Its failure reaches the client, whose statements then fail.
        let connection = runtime.spawn(async move {
            let _ = connection.await;
        });
        Ok(Pg {
            link: Some(Link {
                runtime,
                client,
                connection,
            }),
            statements: RefCell::default(),
            in_transaction: Cell::new(false),
            kept: RefCell::default(),
            unsure: Cell::new(false),
            streaming: Cell::new(false),
        })
    }

    fn link(&self) -> &Link {
        self.link
            .as_ref()
            .expect("a connection is used only until it is dropped")
    }

    /// Waits for the outcome of `work`, sent after the kept statements;
    /// their failure is its failure.
    fn wait<'a, T, F>(&'a self, work: impl FnOnce(&'a tokio_postgres::Client) -> F) -> Result<T>
    where
        F: Future<Output = PgResult<T>>,
    {
        self.wait_heeding(work, true)
    }

    fn wait_heeding<'a, T, F>(
        &'a self,
        work: impl FnOnce(&'a tokio_postgres::Client) -> F,
        heed_kept: bool,
    ) -> Result<T>
    where
        F: Future<Output = PgResult<T>>,
    {
        // The rows being received hold the connection: a statement sent
        // now would wait for them forever.
        assert!(
            !self.streaming.get(),
            "a statement was sent on a connection still handing out rows"
        );
        let link = self.link();
        let kept = self.kept.take();
        let out = if kept.is_empty() {
            link.runtime.block_on(work(&link.client))
        } else {
            let sending = kept.iter().map(|k| k.send(&link.client)).collect();
            link.runtime
                .block_on(in_order(sending, work(&link.client), heed_kept))
        };
        Ok(out?)
    }

    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.prepare(sql)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// `sql` prepared anew, not kept: for statements made at run time.
    fn prepare(&self, sql: &str) -> Result<Statement> {
        let text = dollar_placeholders(sql);
        self.wait(|client| client.prepare(&text))
    }

    fn query(
        &self,
        statement: &Statement,
        params: &dyn Params,
    ) -> Result<Vec<tokio_postgres::Row>> {
        let values = params.values();
        let binds: Vec<Bind<'_>> = values.into_iter().map(Bind).collect();
        self.wait(|client| async move {
            let rows = client.query_raw(statement, binds.iter()).await?;
            futures_util::TryStreamExt::try_collect(rows).await
        })
    }

    fn execute(&self, statement: &Statement, params: &dyn Params) -> Result<usize> {
        let values = params.values();
        let binds: Vec<Bind<'_>> = values.into_iter().map(Bind).collect();
        let n = self.wait(|client| client.execute_raw(statement, binds.iter()))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Runs `statement`, or inside a transaction keeps it to be sent with
    /// the next statement waited for.
    fn execute_later(&self, statement: Statement, params: &dyn Params) -> Result<()> {
        if !self.in_transaction.get() {
            return self.execute(&statement, params).map(drop);
        }
        // Parameters the driver would refuse fail now: refused when sent
        // later, the statement would never reach the server, and those
        // sent with it — a commit — would go through.
        let values: Vec<Value> = params.values().into_iter().map(Value::from).collect();
        let types = statement.params();
        if types.len() != values.len() {
            return Err(Error::Value(format!(
                "语句需要 {} 个参数,给了 {} 个",
                types.len(),
                values.len()
            )));
        }
        let mut scratch = bytes::BytesMut::new();
        for (value, ty) in values.iter().zip(types) {
            scratch.clear();
            Bind(value.to_value())
                .to_sql_checked(ty, &mut scratch)
                .map_err(|e| Error::Value(e.to_string()))?;
        }
        self.kept
            .borrow_mut()
            .push(Kept::Statement(statement, values));
        Ok(())
    }

    /// Hands `each` the rows of `statement` one by one as they arrive.
    fn for_each_row(
        &self,
        statement: &Statement,
        params: &dyn Params,
        mut each: impl FnMut(Row<'_>) -> Result<()>,
    ) -> Result<usize> {
        let values = params.values();
        let binds: Vec<Bind<'_>> = values.into_iter().map(Bind).collect();
        let rows = self.wait(|client| client.query_raw(statement, binds.iter()))?;
        let mut rows = pin!(rows);
        let runtime = &self.link().runtime;
        let _streaming = Streaming::begin(&self.streaming);
        let mut count = 0;
        while let Some(row) = runtime.block_on(futures_util::StreamExt::next(&mut rows)) {
            each(Row::Postgres(&row?))?;
            count += 1;
        }
        Ok(count)
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        self.wait(|client| client.batch_execute(sql))
    }

    /// Runs statements that need no answer: inside a transaction, kept to
    /// be sent with the next statement waited for.
    fn batch_later(&self, sql: &str) -> Result<()> {
        if !self.in_transaction.get() {
            return self.batch(sql);
        }
        self.kept.borrow_mut().push(Kept::Batch(sql.to_string()));
        Ok(())
    }

    /// Runs statements that undo (a part of) the transaction: the kept
    /// statements go first, their failures no longer mattering. When
    /// rolling back to a savepoint fails, the transaction may have lost
    /// writes made before it, whatever its caller does next: it will not
    /// commit.
    fn undo(&self, sql: &str) -> Result<()> {
        let out = self.wait_heeding(|client| client.batch_execute(sql), false);
        if out.is_err() && self.in_transaction.get() {
            self.unsure.set(true);
        }
        out
    }

    /// Begins a transaction with `sql`.
    fn begin(&self, sql: &str) -> Result<()> {
        self.unsure.set(false);
        let began = self.batch(sql);
        if began.is_err() {
            // A statement after BEGIN that failed (the writers' lock not
            // taken in time) leaves the transaction begun and failed: end
            // it, or every later statement fails.
            let _ = self.batch("ROLLBACK");
        }
        began?;
        self.in_transaction.set(true);
        Ok(())
    }

    /// Commits the transaction, unless it is unsure (see [`Pg::undo`]):
    /// then, or when the commit fails, it is rolled back, so that no
    /// transaction is left open holding the writers' lock.
    fn commit(&self) -> Result<()> {
        self.in_transaction.set(false);
        let out = if self.unsure.take() {
            Err(Error::RolledBack)
        } else {
            self.batch("COMMIT")
        };
        if out.is_err() {
            let _ = self.undo("ROLLBACK");
        }
        out
    }

    /// Runs a statement whose parameters are the driver's own values —
    /// arrays, say, which SQLite has no counterpart for — and maps its
    /// rows.
    pub fn query_native<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let statement = self.statement(sql)?;
        let rows = self.wait(|client| client.query(&statement, params))?;
        rows.iter().map(|row| map(&Row::Postgres(row))).collect()
    }
}

/// Marks a connection as handing out rows for as long as it lives,
/// however the handing out ends.
struct Streaming<'a>(&'a Cell<bool>);

impl<'a> Streaming<'a> {
    fn begin(flag: &'a Cell<bool>) -> Streaming<'a> {
        flag.set(true);
        Streaming(flag)
    }
}

impl Drop for Streaming<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Why a connection could not be made.
#[derive(Debug)]
pub enum ConnectError {
    /// No runtime for its messages (the system out of threads or files).
    Runtime(std::io::Error),
    /// The server refused or could not be reached.
    Server(tokio_postgres::Error),
}

/// Closing a connection runs its runtime, which may not start on a thread
/// of the server's: there it is closed on a thread of its own.
impl Drop for Pg {
    fn drop(&mut self) {
        let Some(link) = self.link.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || link.close()).join();
        } else {
            link.close();
        }
    }
}

/// `rows` in slices for statements that carry several rows each: as many
/// of `most` (a power of two) as there are, then the rest in powers of two,
/// largest first. A statement's text says how many rows it carries, and each
/// text is prepared once and kept (on PostgreSQL by the server, for as long
/// as the connection lasts): so there are a dozen texts at most, not one for
/// every count.
pub fn batches<T>(rows: &[T], most: usize) -> impl Iterator<Item = &[T]> {
    debug_assert!(most.is_power_of_two());
    let mut rest = rows;
    std::iter::from_fn(move || {
        let size = most.min(1 << rest.len().checked_ilog2()?);
        let (some, left) = rest.split_at(size);
        rest = left;
        Some(some)
    })
}

/// SQLite's `?1` (and bare `?`) placeholders as PostgreSQL's `$1`, outside
/// quoted text.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    let mut next = 0u32;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if digits.is_empty() {
            next += 1;
            digits = next.to_string();
        }
        out.push('$');
        out.push_str(&digits);
    }
    out
}

/// A connection to either database.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

impl Conn {
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(conn) => Ok(Stmt::Sqlite(conn.prepare_cached(sql)?)),
            Conn::Postgres(pg) => Ok(Stmt::Postgres {
                pg,
                statement: pg.statement(sql)?,
            }),
        }
    }

    /// A statement made at run time. SQLite keeps it with the others, as
    /// the cache holds only the most recent; PostgreSQL prepares it anew.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(conn) => Ok(Stmt::Sqlite(conn.prepare_cached(sql)?)),
            Conn::Postgres(pg) => Ok(Stmt::Postgres {
                pg,
                statement: pg.prepare(sql)?,
            }),
        }
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs a statement whose count nobody reads. On PostgreSQL inside a
    /// transaction it is sent with the next statement waited for, and its
    /// failure is that statement's, or the commit's (see [`Pg`]).
    pub fn execute_later(&self, sql: &str, params: impl Params) -> Result<()> {
        match self {
            Conn::Sqlite(_) => self.execute(sql, params).map(drop),
            Conn::Postgres(pg) => pg.execute_later(pg.statement(sql)?, &params),
        }
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, map)
    }

    /// Runs statements without parameters or results, one after another.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(pg) => pg.batch(sql),
        }
    }

    /// [`Conn::execute_batch`] for statements that cannot fail on their
    /// own (a savepoint begun): on PostgreSQL inside a transaction they are
    /// sent with the next statement waited for.
    pub fn execute_batch_later(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(pg) => pg.batch_later(sql),
        }
    }

    /// Runs statements that undo (a part of) the transaction: how the
    /// statements they undo ended no longer matters.
    pub fn undo_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(pg) => pg.undo(sql),
        }
    }

    /// Begins the writer's transaction: no other writer, of this process
    /// or another, runs until it ends.
    pub fn begin_write(&self) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch("BEGIN IMMEDIATE")?),
            Conn::Postgres(pg) => pg.begin(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
            )),
        }
    }

    /// Begins a transaction that only reads, all of it one state of the
    /// database.
    pub fn begin_read(&self) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch("BEGIN")?),
            Conn::Postgres(pg) => pg.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        }
    }

    pub fn commit(&self) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch("COMMIT")?),
            Conn::Postgres(pg) => pg.commit(),
        }
    }

    pub fn rollback(&self) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch("ROLLBACK")?),
            Conn::Postgres(pg) => {
                pg.in_transaction.set(false);
                pg.undo("ROLLBACK")
            }
        }
    }

    /// Whether no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        match self {
            Conn::Sqlite(conn) => conn.is_autocommit(),
            Conn::Postgres(pg) => !pg.in_transaction.get(),
        }
    }

    /// Whether the server closed the connection, which then cannot be used
    /// again.
    pub fn is_broken(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(pg) => pg.link().client.is_closed(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }

    /// The PostgreSQL connection, for what only it can do.
    pub fn postgres(&self) -> Option<&Pg> {
        match self {
            Conn::Sqlite(_) => None,
            Conn::Postgres(pg) => Some(pg),
        }
    }

    /// Begins a part of the transaction that is kept only if
    /// [`Savepoint::commit`] is called; outside a transaction, it is one.
    pub fn savepoint(&self) -> Result<Savepoint<'_>> {
        // SQLite begins a transaction for a savepoint outside one;
        // PostgreSQL wants the transaction begun first.
        let began = self.is_postgres() && self.is_autocommit();
        if began {
            self.begin_write()?;
        }
        self.execute_batch_later("SAVEPOINT part")?;
        Ok(Savepoint {
            conn: self,
            began,
            done: false,
        })
    }
}

/// A part of a transaction: rolled back when dropped uncommitted.
pub struct Savepoint<'c> {
    conn: &'c Conn,
    /// Whether the savepoint began the transaction itself.
    began: bool,
    done: bool,
}

impl Savepoint<'_> {
    /// Keeps what was done since the savepoint began.
    pub fn commit(mut self) -> Result<()> {
        // Not done until released: a release that fails (on PostgreSQL,
        // a statement sent with it that failed) is rolled back on drop.
        self.conn.execute_batch("RELEASE part")?;
        self.done = true;
        if self.began {
            self.conn.commit()?;
        }
        Ok(())
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Failing to roll back means the database already did.
        let _ = self.conn.undo_batch("ROLLBACK TO part; RELEASE part");
        if self.began {
            let _ = self.conn.rollback();
        }
    }
}

impl std::ops::Deref for Savepoint<'_> {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.conn
    }
}

/// The advisory lock every PostgreSQL write transaction holds: writes run
/// one at a time, as they do on SQLite, whichever server makes them.
const WRITER_LOCK: i64 = 0x6861_6c6c; // "hall"

/// A prepared statement.
pub enum Stmt<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres { pg: &'c Pg, statement: Statement },
}

fn sqlite_params(params: &dyn Params) -> Vec<SqliteBind<'_>> {
    params.values().into_iter().map(SqliteBind).collect()
}

/// A value bound to a SQLite parameter.
struct SqliteBind<'a>(ValueRef<'a>);

impl rusqlite::ToSql for SqliteBind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as R};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            ValueRef::Null => R::Null,
            ValueRef::Integer(n) => R::Integer(n),
            ValueRef::Real(x) => R::Real(x),
            ValueRef::Text(t) => R::Text(t.as_bytes()),
            ValueRef::Blob(b) => R::Blob(b),
        }))
    }
}

impl Stmt<'_> {
    /// The names of the columns the statement returns.
    pub fn column_names(&self) -> Vec<String> {
        match self {
            Stmt::Sqlite(stmt) => stmt
                .column_names()
                .into_iter()
                .map(str::to_string)
                .collect(),
            Stmt::Postgres { statement, .. } => statement
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
        }
    }

    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        match self {
            Stmt::Sqlite(stmt) => {
                Ok(stmt.execute(rusqlite::params_from_iter(sqlite_params(&params)))?)
            }
            Stmt::Postgres { pg, statement } => pg.execute(statement, &params),
        }
    }

    /// Every row, each mapped by `map`.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut out = Vec::new();
        let mut rows = self.query(params)?;
        while let Some(row) = rows.next()? {
            out.push(map(&row));
        }
        Ok(out.into_iter())
    }

    /// The first row mapped by `map`; [`Error::NoRow`] when there is none.
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => map(&row),
            None => Err(Error::NoRow),
        }
    }

    pub fn exists(&mut self, params: impl Params) -> Result<bool> {
        let mut rows = self.query(params)?;
        Ok(rows.next()?.is_some())
    }

    /// The rows, read one at a time.
    /// Hands `each` the rows of the query one by one as they arrive: a
    /// PostgreSQL server's rows are decoded while it is still sending the
    /// rest, rather than all received first as [`Stmt::query`] does. `each`
    /// must not use the connection. How many rows there were.
    pub fn for_each_row(
        &mut self,
        params: impl Params,
        mut each: impl FnMut(Row<'_>) -> Result<()>,
    ) -> Result<usize> {
        match self {
            Stmt::Sqlite(stmt) => {
                let mut rows = stmt.query(rusqlite::params_from_iter(sqlite_params(&params)))?;
                let mut count = 0;
                while let Some(row) = rows.next()? {
                    each(Row::Sqlite(row))?;
                    count += 1;
                }
                Ok(count)
            }
            Stmt::Postgres { pg, statement } => pg.for_each_row(statement, &params, each),
        }
    }

    pub fn query(&mut self, params: impl Params) -> Result<Rows<'_>> {
        match self {
            Stmt::Sqlite(stmt) => Ok(Rows::Sqlite(
                stmt.query(rusqlite::params_from_iter(sqlite_params(&params)))?,
            )),
            Stmt::Postgres { pg, statement } => Ok(Rows::Postgres {
                rows: pg.query(statement, &params)?,
                next: 0,
            }),
        }
    }
}

/// The rows of a result, read one at a time.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres {
        rows: Vec<tokio_postgres::Row>,
        next: usize,
    },
}

impl Rows<'_> {
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Postgres { rows, next } => {
                let row = rows.get(*next);
                *next += 1;
                Ok(row.map(Row::Postgres))
            }
        }
    }
}

/// `Ok(None)` for a query that found no row.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_in_batches_of_few_sizes() {
        let sizes = |n: usize| -> Vec<usize> {
            let rows: Vec<usize> = (0..n).collect();
            let out: Vec<&[usize]> = batches(&rows, 8).collect();
            assert_eq!(out.concat(), rows, "every row once, in order");
            out.iter().map(|b| b.len()).collect()
        };
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(7), [4, 2, 1]);
        assert_eq!(sizes(8), [8]);
        assert_eq!(sizes(21), [8, 8, 4, 1]);
    }

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quoted_text() {
        assert_eq!(
            dollar_placeholders("SELECT '?' FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?' FROM t WHERE a = $1 AND b = $12"
        );
        assert_eq!(dollar_placeholders("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}

/// How [`Pg`] sends statements later, on a real server: the PostgreSQL
/// pass of `tests/run.sh` runs these (`--ignored`), each in a database of
/// its own on the server `HALLSCORE_TEST_POSTGRES` names.
#[cfg(test)]
mod postgres_tests {
    use super::*;

    const WHY: &str = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it";

    fn connect(url: &str) -> Conn {
        let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
        Conn::Postgres(Box::new(Pg::connect(&config).expect("connect")))
    }

    /// A fresh database `name` with a table `t` of non-negative numbers,
    /// handed to `work` with a second connection to look from outside;
    /// dropped afterwards.
    fn with_database(name: &str, work: impl FnOnce(&Conn, &Conn)) {
        let server = std::env::var("HALLSCORE_TEST_POSTGRES").expect(WHY);
        let admin = connect(&server);
        let drop_it = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        admin.execute_batch(&drop_it).expect("drop");
        admin
            .execute_batch(&format!("CREATE DATABASE {name}"))
            .expect("create");
        let (base, _) = server.rsplit_once('/').expect("a database in the URL");
        let url = format!("{base}/{name}");
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (conn, outside) = (connect(&url), connect(&url));
            conn.execute_batch(
                "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))",
            )
            .expect("the table");
            work(&conn, &outside);
        }));
        admin.execute_batch(&drop_it).expect("drop");
        if let Err(panic) = out {
            std::panic::resume_unwind(panic);
        }
    }

    fn numbers(conn: &Conn) -> String {
        conn.query_row(
            "SELECT coalesce(string_agg(n::text, ',' ORDER BY id), '') FROM t",
            (),
            |r| r.get(0),
        )
        .expect("the numbers")
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn kept_statements_go_before_the_next_one_in_their_order() {
        with_database("hs_unit_order", |conn, outside| {
            conn.begin_write().expect("begin");
            for n in [3, 1, 2] {
                conn.execute_later("INSERT INTO t (n) VALUES (?1)", [n])
                    .expect("kept");
            }
            conn.execute_batch_later("SAVEPOINT a").expect("kept");
            conn.execute_later("INSERT INTO t (n) VALUES (?1)", [7])
                .expect("kept");
            assert_eq!(numbers(outside), "", "nothing sent yet is visible");
            assert_eq!(numbers(conn), "3,1,2,7");
            conn.commit().expect("commit");
            assert_eq!(numbers(outside), "3,1,2,7");
        });
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn a_kept_statement_that_fails_fails_the_commit() {
        with_database("hs_unit_commit", |conn, outside| {
            conn.begin_write().expect("begin");
            conn.execute("INSERT INTO t (n) VALUES (1)", ())
                .expect("waited");
            conn.execute_later("INSERT INTO t (n) VALUES (?1)", [-1])
                .expect("kept");
            let failed = conn.commit().expect_err("the commit fails");
            assert!(failed.to_string().contains("t_n_check"), "{failed}");
            assert_eq!(numbers(outside), "", "nothing stored");
            assert!(conn.is_autocommit());
            conn.execute("INSERT INTO t (n) VALUES (2)", ())
                .expect("the connection goes on");
            assert_eq!(numbers(outside), "2");
        });
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn parameters_the_driver_refuses_fail_when_the_statement_is_kept() {
        with_database("hs_unit_params", |conn, outside| {
            conn.begin_write().expect("begin");
            conn.execute("INSERT INTO t (n) VALUES (1)", ())
                .expect("waited");
            let refused = conn
                .execute_later("INSERT INTO t (n) VALUES (?1)", [5, 6])
                .expect_err("two values for one parameter");
            assert!(refused.to_string().contains("1 个参数"), "{refused}");
            let refused = conn
                .execute_later("INSERT INTO t (n) VALUES (?1)", ["five"])
                .expect_err("text for a number");
            assert!(refused.to_string().contains("不能作为"), "{refused}");
            conn.rollback().expect("rollback");
            assert_eq!(numbers(outside), "");
        });
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn a_transaction_not_brought_back_to_its_savepoint_does_not_commit() {
        with_database("hs_unit_undo", |conn, outside| {
            conn.begin_write().expect("begin");
            conn.execute("INSERT INTO t (n) VALUES (1)", ())
                .expect("waited");
            conn.execute_later("INSERT INTO t (n) VALUES (?1)", [-1])
                .expect("kept");
            // A part begun after the failure and undone at once: the
            // savepoint was refused, so rolling back to it fails.
            conn.execute_batch_later("SAVEPOINT part").expect("kept");
            assert!(conn.undo_batch("ROLLBACK TO part; RELEASE part").is_err());
            let refused = conn.commit().expect_err("not committed");
            assert!(matches!(refused, Error::RolledBack), "{refused}");
            assert_eq!(numbers(outside), "");
            conn.execute("INSERT INTO t (n) VALUES (2)", ())
                .expect("the connection goes on");
            assert_eq!(numbers(outside), "2");
        });
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn a_savepoint_whose_release_fails_is_rolled_back_to() {
        with_database("hs_unit_release", |conn, outside| {
            conn.begin_write().expect("begin");
            conn.execute("INSERT INTO t (n) VALUES (1)", ())
                .expect("waited");
            {
                let part = conn.savepoint().expect("savepoint");
                part.execute_later("INSERT INTO t (n) VALUES (?1)", [-1])
                    .expect("kept");
                assert!(part.commit().is_err(), "the release tells the failure");
            }
            assert_eq!(numbers(conn), "1", "the transaction goes on");
            conn.commit().expect("commit");
            assert_eq!(numbers(outside), "1");
        });
    }

    #[test]
    #[ignore = "needs HALLSCORE_TEST_POSTGRES; tests/run.sh runs it"]
    fn a_statement_sent_while_rows_arrive_panics_instead_of_waiting_forever() {
        with_database("hs_unit_stream", |conn, _| {
            let mut rows = conn
                .prepare_cached("SELECT generate_series(1, 100000)")
                .expect("prepare");
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rows.for_each_row((), |_| {
                    conn.query_row("SELECT 1", (), |r| r.get::<i64>(0))
                        .map(drop)
                })
            }));
            assert!(out.is_err(), "the second statement panics");
            assert!(
                !conn.postgres().expect("PostgreSQL").streaming.get(),
                "and the connection no longer counts as streaming"
            );
        });
    }
}
