//! Where the data lives, said wrong: an address that is not a database, a
//! server that cannot be reached, a database newer than the program, a
//! server that refuses writes. Each gets one line naming the problem, and
//! nothing stored changes.

use std::process::{Command, Output};

use crate::helpers::{ROSTER_CSV, Workspace, is_postgres, workspace_with_roster};

/// Runs `hallscore --db DB ARGS`.
fn hallscore_at(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hallscore"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("HALLSCORE_DB")
        .output()
        .expect("run hallscore")
}

/// Runs `hallscore --db DB ARGS`; its one-line error.
fn refused_at(db: &str, args: &[&str]) -> String {
    let output = hallscore_at(db, args);
    assert!(!output.status.success(), "--db {db} was accepted");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    stderr
}

#[test]
fn bad_addresses_and_unreachable_servers_are_named_in_one_line() {
    for (db, says) in [
        ("mysql://h/hallscore", "不支持「mysql://」"),
        ("postgres://hs@127.0.0.1:notaport/x", "数据库地址"),
        ("postgres://hs@127.0.0.1:5432", "没有写数据库名"),
        // Nothing listens on port 1 of the loopback address.
        (
            "postgres://hs@127.0.0.1:1/hallscore",
            "无法连接 PostgreSQL 数据库",
        ),
    ] {
        let stderr = refused_at(db, &["checklist", "list"]);
        assert!(stderr.contains(says), "{db}: {stderr}");
    }
    let stderr = refused_at("postgres://hs:secret@127.0.0.1:1/hallscore", &["init"]);
    assert!(
        !stderr.contains("secret"),
        "the password is never shown: {stderr}"
    );
}

#[test]
fn a_database_newer_than_the_program_is_refused_untouched() {
    let ws = workspace_with_roster();
    if is_postgres(&ws.db()) {
        ws.sql()
            .execute("UPDATE hallscore_schema SET version = 99", &[]);
    } else {
        ws.sql().execute("PRAGMA user_version = 99", &[]);
    }
    let before = ws.snapshot();
    let roster = ws.write("roster.csv", ROSTER_CSV);
    for args in [
        &["import", "roster", roster.as_str()][..],
        &["report", "rankings", "--period", "2024-Q3"],
        &["serve", "--addr", "127.0.0.1:0"],
    ] {
        let stderr = refused_at(&ws.db(), args);
        assert!(
            stderr.contains("数据库结构是第 99 版,比本程序认识的第"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(ws.snapshot(), before, "the database changed");
}

/// A PostgreSQL server that takes no writes (a standby, or a database set
/// read-only) refuses each write in one line and keeps answering reads.
/// SQLite's read-only file is `faults::a_database_the_server_cannot_write…`.
#[test]
fn a_server_that_refuses_writes_is_named_and_reads_go_on() {
    let ws = workspace_with_roster();
    let db = ws.db();
    if !is_postgres(&db) {
        return;
    }
    let name = db.rsplit('/').next().expect("the database's name");
    ws.sql().execute(
        &format!("ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"),
        &[],
    );
    let before = ws.snapshot();
    let roster = ws.write("more.csv", "区县,网点编码,网点名称\n西平,XP09,西平九厅\n");
    let stderr = refused_at(&db, &["import", "roster", &roster]);
    assert!(stderr.contains("数据库只读"), "{stderr}");
    assert_eq!(ws.snapshot(), before, "the database changed");
    let out = ws.run(&["checklist", "list"]).success().stdout;
    assert!(out.contains("small"), "reads go on: {out}");
}

#[test]
fn a_new_workspace_database_starts_empty_on_either_backend() {
    let ws = Workspace::empty();
    let stderr = refused_at(&ws.db(), &["checklist", "list"]);
    assert!(stderr.contains("请先运行 hallscore init"), "{stderr}");
}

/// `copy` moves a whole database out of the workspace's backend into a new
/// SQLite file and back into a fresh database of the workspace's backend;
/// each copy answers exactly as its source, and a target that holds
/// anything is refused untouched.
#[test]
fn a_copy_answers_as_its_source_and_never_writes_over_data() {
    let source = Workspace::empty();
    source.run(&["demo"]).success();
    let source_db = source.db();
    let file = source.path("copy.db").display().to_string();
    let out = source
        .run(&["copy", "--from", &source_db, "--to", &file])
        .success()
        .stdout;
    assert!(out.contains("个期间的排名完全一致"), "{out}");

    // Back into an empty database of the workspace's own kind.
    let target = Workspace::empty();
    let target_db = target.db();
    target
        .run(&["copy", "--from", &file, "--to", &target_db])
        .success();
    for db in [&file, &target_db] {
        for period in ["2026-Q2", "2026-Q3"] {
            for level in ["branch", "district", "city"] {
                let args = [
                    "report", "rankings", "--period", period, "--level", level, "--format", "json",
                ];
                let run = |db: &str| {
                    let output = hallscore_at(db, &args);
                    assert!(output.status.success(), "{db}: {args:?}");
                    String::from_utf8(output.stdout).expect("UTF-8")
                };
                assert_eq!(run(db), run(&source_db), "{db} {period} {level}");
            }
        }
    }
    assert_eq!(
        target.snapshot(),
        source.snapshot(),
        "every row, ids and all"
    );

    // A target holding anything, an existing file, or the source itself.
    let before = target.snapshot();
    let stderr = refused_at(&source_db, &["copy", "--from", &file, "--to", &target_db]);
    let says = if is_postgres(&target_db) {
        "目标数据库不是空的"
    } else {
        "已存在"
    };
    assert!(stderr.contains(says), "{stderr}");
    assert_eq!(target.snapshot(), before, "the target changed");
    let stderr = refused_at(&source_db, &["copy", "--from", &target_db, "--to", &file]);
    assert!(stderr.contains("已存在"), "{stderr}");
    let stderr = refused_at(&source_db, &["copy", "--from", &file, "--to", &file]);
    assert!(stderr.contains("同一个数据库"), "{stderr}");
}
