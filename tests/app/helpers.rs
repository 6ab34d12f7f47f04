//! Shared helpers: a scratch folder with its own database, running the
//! real `hallscore` binary against it, the web application serving it
//! ([`TestApp`]) and a direct look into the database ([`Sql`]).
//!
//! The database is a SQLite file in the folder, or, when
//! `HALLSCORE_TEST_POSTGRES` names a PostgreSQL server
//! (`postgres://user@host:port/dbname`), a fresh database of its own on
//! that server, dropped with the workspace.

mod app;
mod sql;

use std::path::PathBuf;
use std::process::{Command, Output};

pub use app::{Session, TestApp, cookie_set};
pub use sql::{Sql, is_postgres, off_runtime, postgres_error};

/// A scratch workspace: a temporary folder holding the database (or
/// naming its PostgreSQL database) and any files a test writes.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    postgres: Option<ScratchDatabase>,
}

/// The SQLite file of a workspace that has no PostgreSQL database.
const SQLITE_FILE: &str = "hallscore.db";

/// A database created for one workspace on the PostgreSQL server the
/// tests are given, and dropped with it.
struct ScratchDatabase {
    /// The server's URL as given, to connect for the drop.
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// A new database on the server `HALLSCORE_TEST_POSTGRES` names, if it
    /// names one.
    fn create() -> Option<ScratchDatabase> {
        let server = std::env::var("HALLSCORE_TEST_POSTGRES")
            .ok()
            .filter(|s| !s.is_empty())?;
        let name = format!("hs_{}", uuid::Uuid::new_v4().simple());
        let mut url = url::Url::parse(&server)
            .unwrap_or_else(|e| panic!("HALLSCORE_TEST_POSTGRES={server}: not a URL: {e}"));
        url.set_path(&name);
        off_runtime(|| {
            postgres::Client::connect(&server, postgres::NoTls)
                .and_then(|mut client| client.batch_execute(&format!("CREATE DATABASE {name}")))
                .unwrap_or_else(|e| {
                    panic!(
                        "create the database {name} on {server}: {}",
                        postgres_error(e)
                    )
                })
        });
        Some(ScratchDatabase {
            server,
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for ScratchDatabase {
    /// Drops the database even while a server the test started still holds
    /// connections to it.
    fn drop(&mut self) {
        let dropped = off_runtime(|| {
            postgres::Client::connect(&self.server, postgres::NoTls).and_then(|mut client| {
                client.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
            })
        });
        if let Err(e) = dropped {
            let e = postgres_error(e);
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

/// What a command printed and whether it succeeded.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the command succeeded.
    pub fn success(self) -> Run {
        assert!(
            self.ok,
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the command failed, and returns its error output.
    pub fn failure(self) -> String {
        assert!(
            !self.ok,
            "command should have failed\nstdout:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains("panicked"),
            "a panic: {}",
            self.stderr
        );
        self.stderr
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).expect("the command printed JSON")
    }
}

impl Workspace {
    /// A workspace with an initialised database (the built-in checklists
    /// loaded).
    pub fn new() -> Workspace {
        let ws = Workspace::empty();
        ws.run(&["init"]).success();
        ws
    }

    /// A workspace whose database holds nothing yet: no SQLite file, or an
    /// empty PostgreSQL database.
    pub fn empty() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary folder"),
            postgres: ScratchDatabase::create(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The workspace's database as `--db` takes it: a PostgreSQL URL or the
    /// SQLite file's path.
    pub fn db(&self) -> String {
        match &self.postgres {
            Some(database) => database.url.clone(),
            None => self.path(SQLITE_FILE).display().to_string(),
        }
    }

    /// Whether anything made the database yet: the SQLite file exists, or
    /// the PostgreSQL database holds a table.
    pub fn has_database(&self) -> bool {
        match &self.postgres {
            Some(_) => !self.sql().tables().is_empty(),
            None => self.path(SQLITE_FILE).exists(),
        }
    }

    /// A direct connection to the workspace's database.
    pub fn sql(&self) -> Sql {
        Sql::open(&self.db())
    }

    /// Writes a file into the workspace and returns its path as text.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        std::fs::write(&path, content).expect("write a test file");
        path.display().to_string()
    }

    /// Runs `hallscore --db <workspace db> ARGS` in the workspace folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_hallscore"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("HALLSCORE_DB")
            .output()
            .expect("run hallscore");
        Run::from(output)
    }

    /// Runs a command with `input` on its standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_hallscore"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("HALLSCORE_DB")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run hallscore");
        // A command that refuses its arguments exits before it reads its
        // input; its answer is then what the test looks at.
        match child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
        {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            written => written.expect("write stdin"),
        }
        Run::from(child.wait_with_output().expect("wait for hallscore"))
    }

    /// Adds a user with a password.
    pub fn add_user(&self, name: &str, role: &str, scope: Option<&str>, password: &str) {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        if let Some(scope) = scope {
            args.extend(["--scope", scope]);
        }
        self.run_with_input(&args, &format!("{password}\n"))
            .success();
    }

    /// Adds an inspector account whose visits and tasks carry
    /// `display_name`.
    pub fn add_inspector(&self, name: &str, display_name: &str) {
        self.run_with_input(
            &[
                "user",
                "add",
                name,
                "--role",
                "inspector",
                "--display-name",
                display_name,
                "--password-stdin",
            ],
            "secret-password\n",
        )
        .success();
    }

    /// A new API token for an existing user.
    pub fn api_token(&self, name: &str) -> String {
        self.run(&["token", "create", name])
            .success()
            .stdout
            .trim()
            .to_string()
    }

    /// `hallscore report rankings --period PERIOD --format json EXTRA…`.
    pub fn rankings(&self, period: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["report", "rankings", "--period", period, "--format", "json"];
        args.extend_from_slice(extra);
        self.run(&args).success().json()
    }

    /// Every row of every table, as text (see [`Sql::snapshot`]).
    pub fn snapshot(&self) -> String {
        self.sql().snapshot()
    }
}

/// Runs `work` with the application's own store of `db` (what `--db`
/// takes), on a thread of its own so that an async test may call it.
pub fn with_store<T: Send>(
    db: &str,
    work: impl FnOnce(&mut hallscore::storage::Store) -> T + Send,
) -> T {
    off_runtime(|| {
        let location: hallscore::storage::Location =
            db.parse().unwrap_or_else(|e| panic!("--db {db}: {e}"));
        let mut store = hallscore::storage::Store::open(location)
            .unwrap_or_else(|e| panic!("open the store {db}: {e}"));
        work(&mut store)
    })
}

/// The row of a unit (a hall's code, a district's or a city's name) in a
/// ranking report.
pub fn ranking_row<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code} in {report}"))
}

/// The roster every CLI test starts from: two districts, four halls.
pub const ROSTER_CSV: &str = "\
区县,网点编码,网点名称,地市
西平,XP01,西平一厅,驻马店
西平,XP02,西平二厅,驻马店
泌阳,BY01,泌阳一厅,驻马店
泌阳,BY02,泌阳二厅,驻马店
";

/// A workspace with the roster and the small test checklist loaded.
pub fn workspace_with_roster() -> Workspace {
    let ws = Workspace::new();
    let roster = ws.write("roster.csv", ROSTER_CSV);
    ws.run(&["import", "roster", &roster]).success();
    let checklist = ws.write("small.toml", SMALL_CHECKLIST);
    ws.run(&["checklist", "load", &checklist]).success();
    ws
}

/// A checklist small enough to score by hand: 20 points
/// (tests/fixtures/small.toml, shared with the import fuzz target).
pub const SMALL_CHECKLIST: &str = include_str!("../fixtures/small.toml");

/// An admin publishes 2024-Q3 of the `small` checklist with a 7-day appeal
/// window; the page it lands on (the publications and appeals).
pub async fn publish_small_quarter(admin: &Session) -> String {
    let response = admin
        .post_form(
            "/admin/publications",
            &[
                ("checklist", "small"),
                ("period", "2024-Q3"),
                ("appeal_days", "7"),
            ],
        )
        .await;
    let status = response.status();
    let page = response.text().await.expect("the page");
    assert_eq!(status, reqwest::StatusCode::OK, "{page}");
    page
}

/// The value of `name="…" value="…"` or `name="…" content="…"` in a page.
pub fn attribute_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Runs a Python script (`python3 -c`) with arguments and reads the JSON it
/// prints: the independent readers of what the tool writes.
pub fn run_python(script: &str, args: &[&str]) -> serde_json::Value {
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs (tests/run.sh installs what it needs)");
    assert!(
        output.status.success(),
        "the Python reader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the reader prints JSON")
}
