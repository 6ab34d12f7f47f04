//! A PostgreSQL server the benchmarks create their own databases on.

use std::cell::RefCell;
use std::collections::BTreeSet;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The server named by `--postgres URL` (the URL of its maintenance
/// database). Databases made here are called `bench_<pid>_<what>`; every
/// one of them is dropped when this goes away, also when the benchmark
/// fails, unless it was kept.
pub struct PgServer {
    url: url::Url,
    created: RefCell<BTreeSet<String>>,
}

impl PgServer {
    /// Checks that the server answers.
    pub fn new(url: &str) -> Result<PgServer, Error> {
        let url = url::Url::parse(url).map_err(|e| format!("--postgres: not a URL ({e})"))?;
        let server = PgServer {
            url,
            created: RefCell::default(),
        };
        server.connect()?;
        Ok(server)
    }

    /// A connection to the maintenance database.
    pub fn connect(&self) -> Result<postgres::Client, Error> {
        self.connect_to(self.url.as_str())
    }

    fn connect_to(&self, url: &str) -> Result<postgres::Client, Error> {
        postgres::Client::connect(url, postgres::NoTls)
            .map_err(|e| format!("cannot connect to PostgreSQL at {}: {e}", self.address()).into())
    }

    /// Host and port, to show without the URL's password.
    pub fn address(&self) -> String {
        format!(
            "{}:{}",
            self.url.host_str().unwrap_or("localhost"),
            self.url.port().unwrap_or(5432)
        )
    }

    /// The name of this process's database for `what`.
    pub fn name(what: &str) -> String {
        format!("bench_{}_{what}", std::process::id())
    }

    /// The URL of the database `name` on this server, as `--db` takes it.
    pub fn url_of(&self, name: &str) -> String {
        let mut url = self.url.clone();
        url.set_path(name);
        url.into()
    }

    /// An empty database `name`, dropping the one made here before.
    pub fn fresh(&self, name: &str) -> Result<(), Error> {
        let mut client = self.connect()?;
        if self.created.borrow_mut().remove(name) {
            client.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))?;
        }
        client.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
        self.created.borrow_mut().insert(name.to_string());
        Ok(())
    }

    /// Leaves the database `name` in place when this goes away.
    pub fn keep(&self, name: &str) {
        self.created.borrow_mut().remove(name);
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let created = self.created.borrow();
        if created.is_empty() {
            return;
        }
        let mut client = match self.connect() {
            Ok(client) => client,
            Err(e) => {
                eprintln!("could not drop the databases {created:?}: {e}");
                return;
            }
        };
        for name in created.iter() {
            if let Err(e) = client.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            {
                eprintln!("could not drop the database {name}: {e}");
            }
        }
    }
}
