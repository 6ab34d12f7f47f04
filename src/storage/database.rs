//! The database as the server shares it: connections that only read, as
//! many as requests need, and one thread that does every write.

use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, PoisonError, mpsc};

use super::{Error, Location, Reader, Result, Store};

/// The server's connections checkpoint the write-ahead log themselves only
/// when it has grown this long (200 MB); otherwise [`Database::checkpoint`],
/// called by a background task, does it off the writer's path. The log
/// starts over only once a writer finds it all copied and no reader in it,
/// which steady reading and writing seldom allow: then the writer
/// checkpoints, pausing every write for some 30 ms. At 1,500 submissions a
/// second (about nine pages each) that is every four seconds, where 40 MB
/// made it every 0.7 s and so the slowest percent of submissions; the log
/// file keeps its largest size on disk.
const WAL_PAGES: u32 = 50_000;

/// How many idle readers are kept. Opening one costs more than a request,
/// so there are enough for every request in flight under load.
const IDLE_READERS: usize = 64;

/// A write for the writer thread, with that thread's connection.
type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// The database shared by the server's requests. Reads run on a pooled
/// [`Reader`], which has no method that writes; every write runs on the one
/// writer thread, each as one transaction. SQLite takes one writer at a
/// time: writes queue here, first come first served, instead of in SQLite's
/// busy handler, which sleeps in steps of milliseconds and gives up after a
/// few seconds — so a long write (a whole spreadsheet) delays the writes
/// behind it but never makes them fail. The writer's connection also keeps
/// what it read, where a connection forgets its cached pages whenever
/// another one wrote.
pub struct Database {
    location: Location,
    idle: Mutex<Vec<Reader>>,
    /// The writer thread's queue, started by the first use.
    writes: Mutex<Option<mpsc::Sender<Job>>>,
}

impl Database {
    /// The database at `location`; nothing is opened before the first use.
    pub fn new(location: impl Into<Location>) -> Database {
        Database {
            location: location.into(),
            idle: Mutex::new(Vec::new()),
            writes: Mutex::new(None),
        }
    }

    /// Runs `work` with a connection that only reads, on this thread.
    pub fn read<T, E: From<Error>>(
        &self,
        work: impl FnOnce(&Reader) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let reader = match taken {
            Some(reader) => reader,
            None => {
                // The writer brings the schema up to date before anyone reads.
                self.writer()?;
                Reader::open(&self.location)?
            }
        };
        let out = work(&reader);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_READERS {
            idle.push(reader);
        }
        out
    }

    /// Runs `work` on the writer thread as one transaction and waits for
    /// it: everything it writes is stored, or (when it fails) nothing.
    pub fn write<T, E>(
        &self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E> + Send + 'static,
    ) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (done, outcome) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |store| {
            // Nobody to tell if the one who asked is gone.
            let _ = done.send(store.in_transaction(work));
        });
        self.writer()?.send(job).map_err(|_| Error::WriterGone)?;
        outcome.recv().map_err(|_| Error::WriterGone)?
    }

    /// Copies what the write-ahead log holds into the database file as far
    /// as readers allow, without waiting for readers or the writer.
    pub fn checkpoint(&self) -> Result<()> {
        self.read(Reader::checkpoint)
    }

    /// The writer thread's queue, started with its connection if it is not
    /// running yet.
    fn writer(&self) -> Result<mpsc::Sender<Job>> {
        let mut writes = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(queue) = &*writes {
            return Ok(queue.clone());
        }
        let mut store = Store::open(self.location.clone())?;
        store.defer_checkpoints(WAL_PAGES)?;
        let (queue, received) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("hallscore-writer".into())
            .spawn(move || {
                for job in received {
                    // A write that panics fails alone: the one who asked is
                    // told (its answer channel drops), its transaction is
                    // rolled back, the thread goes on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut store)));
                    store.roll_back_unfinished();
                }
            })
            .map_err(|_| Error::WriterGone)?;
        Ok(writes.insert(queue).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Unavailable;

    fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = Database::new(dir.path().join("hallscore.db"));
        (dir, database)
    }

    fn halls(database: &Database) -> usize {
        database
            .read(|reader| reader.branches())
            .expect("branches")
            .len()
    }

    #[test]
    fn a_write_that_fails_stores_none_of_its_parts() {
        let (_dir, database) = database();
        let out: Result<()> = database.write(|store| {
            store.save_roster(&crate::app::demo::roster(), true, "测试")?;
            Err(Error::NotFound("第二步失败".into()))
        });
        assert!(matches!(out, Err(Error::NotFound(_))));
        assert_eq!(halls(&database), 0, "the roster went with the failure");

        database
            .write(|store| store.save_roster(&crate::app::demo::roster(), true, "测试"))
            .expect("a write that succeeds");
        assert_eq!(halls(&database), crate::app::demo::roster().len());
    }

    #[test]
    fn a_write_that_panics_is_rolled_back_and_the_writer_goes_on() {
        let (_dir, database) = database();
        let out: Result<()> = database.write(|store| {
            store.save_roster(&crate::app::demo::roster(), true, "测试")?;
            panic!("a bug in a write");
        });
        assert!(matches!(out, Err(Error::WriterGone)));
        assert_eq!(halls(&database), 0);
        database
            .write(|store| store.save_roster(&crate::app::demo::roster(), true, "测试"))
            .expect("the next write");
        assert_eq!(halls(&database), crate::app::demo::roster().len());
    }

    #[test]
    fn readers_cannot_write_even_in_sql() {
        let (_dir, database) = database();
        let refused = database
            .read(|reader| {
                Ok::<_, Error>(reader.conn.execute(
                    "INSERT INTO audit_log (at, actor, action, entity) VALUES ('', '', '', '')",
                    (),
                ))
            })
            .expect("a reader");
        let e = refused.expect_err("a reader refuses writes");
        assert_eq!(e.unavailable(), Some(Unavailable::ReadOnly), "{e}");
    }

    #[test]
    fn a_locked_database_is_busy_not_a_fault() {
        for code in [rusqlite::ffi::SQLITE_BUSY, rusqlite::ffi::SQLITE_LOCKED] {
            let e = Error::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                None,
            ));
            assert_eq!(e.unavailable(), Some(Unavailable::Busy));
            assert!(e.to_string().contains("数据库正忙"), "{e}");
        }
    }
}
