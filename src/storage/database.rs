//! The database as the server shares it: connections that only read, as
//! many as requests need, and one thread that does every write.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

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

/// At most this many readers are open at once on PostgreSQL, where each is
/// a server connection: two servers and their writers stay well inside a
/// stock server's 100 connections. Requests beyond it wait for a reader.
const POSTGRES_READERS: usize = 16;

/// The most writes the writer runs as one transaction: those that queued
/// while it ran the one before.
const MOST_PARTS: usize = 64;

/// Tells the one who asked for a write how it ended, once the transaction
/// it was part of ended (the commit's failure, or nothing).
type Answer = Box<dyn FnOnce(Result<()>) + Send>;

/// A write for the writer thread, with that thread's connection.
trait Job: Send {
    /// Runs the write as a transaction of its own and tells how it ended.
    fn alone(self: Box<Self>, store: &mut Store);
    /// Runs the write as one part of the writer's open transaction; also
    /// says whether the transaction goes on (see [`Store::in_part`]).
    fn part(self: Box<Self>, store: &mut Store) -> (Answer, bool);
    /// Tells why the write was not run.
    fn refuse(self: Box<Self>, why: Error);
}

/// A write and where its outcome goes.
struct Work<F, T, E> {
    work: F,
    done: mpsc::SyncSender<std::result::Result<T, E>>,
}

impl<F, T, E> Job for Work<F, T, E>
where
    F: FnOnce(&mut Store) -> std::result::Result<T, E> + Send,
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    fn alone(self: Box<Self>, store: &mut Store) {
        // Nobody to tell if the one who asked is gone.
        let _ = self.done.send(store.in_transaction(self.work));
    }

    fn part(self: Box<Self>, store: &mut Store) -> (Answer, bool) {
        let (out, goes_on) = store.in_part(self.work);
        let done = self.done;
        // A part that failed says why; one that worked is stored only if
        // the transaction is.
        let answer: Answer = Box::new(move |committed| {
            let _ = done.send(out.and_then(|out| committed.map(|()| out).map_err(E::from)));
        });
        (answer, goes_on)
    }

    fn refuse(self: Box<Self>, why: Error) {
        let _ = self.done.send(Err(why.into()));
    }
}

/// The readers of a [`Database`]: those idle, and how many are open.
struct Readers {
    idle: Vec<Reader>,
    open: usize,
    limit: usize,
}

/// A reader lent to one piece of work, given back however the work ends
/// (a panic included), so the count of open readers stays right.
struct Lent<'a> {
    database: &'a Database,
    reader: Option<Reader>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            self.database.give_back(reader);
        }
    }
}

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
    readers: Mutex<Readers>,
    /// Signalled when a reader is given back.
    returned: Condvar,
    /// The writer thread's queue, started by the first use.
    writes: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
}

impl Database {
    /// The database at `location`; nothing is opened before the first use.
    pub fn new(location: impl Into<Location>) -> Database {
        let location = location.into();
        let limit = match location {
            Location::Sqlite(_) => usize::MAX,
            Location::Postgres(_) => POSTGRES_READERS,
        };
        Database {
            location,
            readers: Mutex::new(Readers {
                idle: Vec::new(),
                open: 0,
                limit,
            }),
            returned: Condvar::new(),
            writes: Mutex::new(None),
        }
    }

    /// Runs `work` with a connection that only reads, on this thread.
    pub fn read<T, E: From<Error>>(
        &self,
        work: impl FnOnce(&Reader) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let lent = Lent {
            database: self,
            reader: Some(self.take_reader()?),
        };
        work(lent.reader.as_ref().expect("a lent reader"))
    }

    /// Takes a reader back, or closes it: one the server closed is not
    /// given out again.
    fn give_back(&self, reader: Reader) {
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if readers.idle.len() < IDLE_READERS && !reader.is_broken() {
            readers.idle.push(reader);
        } else {
            readers.open -= 1;
        }
        drop(readers);
        self.returned.notify_one();
    }

    /// An idle reader, or a new one while fewer than the limit are open;
    /// otherwise waits for one to be given back.
    fn take_reader(&self) -> Result<Reader> {
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(reader) = readers.idle.pop() {
                return Ok(reader);
            }
            if readers.open < readers.limit {
                readers.open += 1;
                drop(readers);
                // The writer brings the schema up to date before anyone reads.
                let opened = self.writer().and_then(|_| Reader::open(&self.location));
                if opened.is_err() {
                    self.readers
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .open -= 1;
                }
                return opened;
            }
            readers = self
                .returned
                .wait(readers)
                .unwrap_or_else(PoisonError::into_inner);
        }
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
        self.writer()?
            .send(Box::new(Work { work, done }))
            .map_err(|_| Error::WriterGone)?;
        outcome.recv().map_err(|_| Error::WriterGone)?
    }

    /// Copies what the write-ahead log holds into the database file as far
    /// as readers allow, without waiting for readers or the writer.
    pub fn checkpoint(&self) -> Result<()> {
        self.read(Reader::checkpoint)
    }

    /// The writer thread's queue, started with its connection if it is not
    /// running yet.
    fn writer(&self) -> Result<mpsc::Sender<Box<dyn Job>>> {
        let mut writes = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(queue) = &*writes {
            return Ok(queue.clone());
        }
        let mut store = Store::open(self.location.clone())?;
        store.defer_checkpoints(WAL_PAGES)?;
        let location = self.location.clone();
        let (queue, received) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("hallscore-writer".into())
            .spawn(move || {
                for first in &received {
                    let mut jobs = vec![first];
                    jobs.extend(received.try_iter().take(MOST_PARTS - 1));
                    run(&mut store, jobs);
                    // A connection the server closed (a restart, a
                    // failover) is opened again for the next write; until
                    // that succeeds, writes fail as unavailable.
                    if store.is_broken()
                        && let Ok(fresh) = Store::open(location.clone())
                    {
                        store = fresh;
                    }
                }
            })
            .map_err(|_| Error::WriterGone)?;
        Ok(writes.insert(queue).clone())
    }
}

/// Runs the writes that queued as one transaction, each a part that fails
/// alone, and answers them once it is committed: one commit (and on
/// PostgreSQL one turn of the lock across servers) for all of them instead
/// of one each. When the transaction cannot begin (the database busy or
/// gone), none of them runs and each is told why. When the database undid
/// the transaction whole (a part failed in a way that cannot be undone
/// alone), the parts run so far are told they were not stored and the
/// rest run as transactions of their own. A write alone in the queue is a
/// transaction of its own.
fn run(store: &mut Store, mut jobs: Vec<Box<dyn Job>>) {
    if jobs.len() == 1 {
        let job = jobs.remove(0);
        // A write that panics fails alone: the one who asked is told (its
        // answer channel drops), its transaction is rolled back, the
        // thread goes on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job.alone(store)));
        store.roll_back_unfinished();
        return;
    }
    if let Err(why) = store.begin_parts() {
        let why = Arc::new(why);
        for job in jobs {
            job.refuse(Error::Shared(why.clone()));
        }
        return;
    }
    let mut answers: Vec<Answer> = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    for job in jobs.by_ref() {
        let (answer, goes_on) = job.part(store);
        answers.push(answer);
        if !goes_on {
            store.roll_back_unfinished();
            for answer in answers {
                answer(Err(Error::Undone));
            }
            for job in jobs {
                run(store, vec![job]);
            }
            return;
        }
    }
    let committed = store.end_parts().map_err(Arc::new);
    for answer in answers {
        answer(committed.clone().map_err(Error::Shared));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;
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

    /// A write as the writer thread gets it, and where its outcome arrives.
    fn job<T: Send + 'static>(
        work: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> (Box<dyn Job>, mpsc::Receiver<Result<T>>) {
        let (done, outcome) = mpsc::sync_channel(1);
        (Box::new(Work { work, done }), outcome)
    }

    #[test]
    fn writes_queued_together_are_committed_together_and_each_fails_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hallscore.db");
        let mut store = Store::open(path.clone()).expect("a store");
        let (roster, saved) =
            job(|store| store.save_roster(&crate::app::demo::roster(), true, "测试"));
        let (failing, failed) = job(|store| {
            store.add_user("王五", "王五", Role::Admin, None, None, "测试")?;
            Err::<(), _>(Error::NotFound("第二步失败".into()))
        });
        let (panicking, panicked) = job::<()>(|store| {
            store.add_user("赵六", "赵六", Role::Admin, None, None, "测试")?;
            panic!("a bug in a write");
        });
        let (look, looked) = job(move |_| {
            let elsewhere = Reader::open(&Location::Sqlite(path))?;
            Ok(elsewhere.branches()?.len())
        });
        run(&mut store, vec![roster, failing, panicking, look]);

        saved
            .recv()
            .expect("an answer")
            .expect("the roster is stored");
        assert!(matches!(
            failed.recv().expect("an answer"),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(panicked.recv(), Ok(Err(Error::WriterGone))));
        let seen = looked.recv().expect("an answer").expect("a look");
        assert_eq!(
            seen, 0,
            "another connection sees nothing before the one commit"
        );
        assert_eq!(
            store.branches().expect("halls").len(),
            crate::app::demo::roster().len()
        );
        for name in ["王五", "赵六"] {
            assert!(
                store.user(name).is_err(),
                "{name} went with its write's failure"
            );
        }
    }

    #[test]
    fn when_the_database_undoes_the_whole_batch_no_write_is_told_it_was_stored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(dir.path().join("hallscore.db")).expect("a store");
        let add = |name: &'static str| {
            job(move |store: &mut Store| {
                store.add_user(name, name, Role::Admin, None, None, "测试")?;
                Ok(())
            })
        };
        let (before, first) = add("王五");
        // As SQLite does when the disk fills: the whole transaction undone.
        let (undoing, second) = job(|store| store.conn.execute_batch("ROLLBACK"));
        let (after, third) = add("赵六");
        run(&mut store, vec![before, undoing, after]);

        let first = first.recv().expect("an answer").expect_err("undone");
        assert!(matches!(first, Error::Undone), "{first}");
        assert_eq!(
            first.unavailable(),
            Some(Unavailable::Busy),
            "to be tried again"
        );
        assert!(second.recv().expect("an answer").is_err());
        third.recv().expect("an answer").expect("stored on its own");
        assert!(
            store.user("王五").is_err(),
            "the undone write is not stored"
        );
        assert!(store.user("赵六").is_ok());
        assert!(store.conn.is_autocommit(), "no transaction left open");
    }

    #[test]
    fn writes_queued_while_another_program_holds_the_lock_are_each_told_it_is_busy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hallscore.db");
        let mut store = Store::open(path.clone()).expect("a store");
        let other = rusqlite::Connection::open(&path).expect("another connection");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .expect("the write lock");
        let (first, one) = job(|_| Ok(()));
        let (second, two) = job(|_| Ok(()));
        run(&mut store, vec![first, second]);
        for outcome in [one, two] {
            let e = outcome
                .recv()
                .expect("an answer")
                .expect_err("not run while the lock is held");
            assert_eq!(e.unavailable(), Some(Unavailable::Busy), "{e}");
            assert!(e.to_string().contains("数据库正忙"), "{e}");
        }
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
