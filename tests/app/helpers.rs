//! Shared helpers: a scratch folder with its own database, running the
//! real `hallscore` binary against it, and the web application serving it
//! ([`TestApp`]).

mod app;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use app::{Session, TestApp, cookie_set};

/// A scratch workspace: a temporary folder holding the database and any
/// files a test writes.
pub struct Workspace {
    pub dir: tempfile::TempDir,
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

    /// A workspace without a database.
    pub fn empty() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("hallscore.db")
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
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
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

    /// Every row of every table, as text: two equal snapshots mean the
    /// database holds exactly the same data.
    pub fn snapshot(&self) -> String {
        snapshot(&self.db())
    }
}

pub fn snapshot(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("list tables");
    tables.retain(|t| !t.starts_with("sqlite_"));
    let mut out = String::new();
    for table in tables {
        out.push_str(&format!("## {table}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1, 2"))
            .expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            let cells: Vec<String> = (0..columns)
                .map(|i| match row.get_ref(i).expect("cell") {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
                .collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
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
