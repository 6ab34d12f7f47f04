//! Faults: the server killed with SIGKILL mid-burst, an import killed
//! mid-file, a database the server may not write, a full disk, and a backup
//! taken while visits keep arriving. Nothing acknowledged may be lost or doubled.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, Workspace, is_postgres, workspace_with_roster};

/// Checks the database is sound after a fault. SQLite checks its file;
/// a PostgreSQL server keeps its own files whole through its write-ahead
/// log, whatever becomes of a client, so there is nothing for a test to ask.
fn assert_sound(ws: &Workspace) {
    if !is_postgres(&ws.db()) {
        assert_eq!(ws.sql().text("PRAGMA integrity_check", &[]), "ok");
    }
}

pub(crate) fn visit(id: &str, branch: &str) -> serde_json::Value {
    json!({
        "id": id, "branch_code": branch, "checklist": "small",
        "visited_at": "2024-07-03T14:20:00+08:00",
        "answers": {"A01": "是", "A02": "是", "B01": "优", "B02": 8}
    })
}

/// Inspectors submitting with API tokens as fast as they can, until
/// `stop`; returns the ids the server acknowledged.
pub(crate) async fn burst(
    base: String,
    token: String,
    workers: usize,
    stop: Instant,
) -> Vec<String> {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (base, token, acknowledged) = (base.clone(), token.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client");
            let mut n = 0u32;
            while Instant::now() < stop && n < 10_000 {
                n += 1;
                let id = uuid::Uuid::new_v4().to_string();
                let branch = ["XP01", "XP02", "BY01", "BY02"][(worker + n as usize) % 4];
                match client
                    .post(format!("{base}/api/v1/visits"))
                    .bearer_auth(&token)
                    .json(&visit(&id, branch))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        acknowledged.lock().expect("lock").push(id);
                    }
                    Ok(r) => panic!("unexpected answer {}", r.status()),
                    // The server died under us: this one was never acknowledged.
                    Err(_) => break,
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a worker");
    }
    acknowledged.lock().expect("lock").clone()
}

pub(crate) fn stored_count(ws: &Workspace, id: &str) -> i64 {
    ws.sql().i64(
        "SELECT count(*) FROM visits WHERE visit_id = ?1",
        &[id.into()],
    )
}

pub(crate) fn inspector_token(ws: &Workspace) -> String {
    ws.add_user("wang", "inspector", None, "correct-horse-1");
    ws.api_token("wang")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_visits_survive_a_kill_during_a_burst() {
    let ws = workspace_with_roster();
    let token = inspector_token(&ws);
    let server = TestApp::spawn_binary(&ws, &[], &[]);
    let run = tokio::spawn(burst(
        server.base.clone(),
        token.clone(),
        8,
        Instant::now() + Duration::from_secs(20),
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    let acknowledged = run.await.expect("the burst");
    assert!(
        acknowledged.len() > 20,
        "the burst got going: {}",
        acknowledged.len()
    );
    assert_sound(&ws);

    let server = TestApp::spawn_binary(&ws, &[], &[]);
    for id in &acknowledged {
        assert_eq!(stored_count(&ws, id), 1, "acknowledged visit {id}");
    }
    // A retry of an acknowledged visit after the restart stores nothing new.
    let (status, _) = server
        .post_json(
            "/api/v1/visits",
            &token,
            &visit(&acknowledged[0], ["XP01", "XP02", "BY01", "BY02"][1]),
        )
        .await;
    assert!(
        matches!(status, StatusCode::OK | StatusCode::CONFLICT),
        "{status}"
    );
    assert_eq!(stored_count(&ws, &acknowledged[0]), 1);
}

#[test]
fn a_killed_import_stores_nothing_and_imports_cleanly_afterwards() {
    let ws = workspace_with_roster();
    // 30,000 visits × 80 answers: long enough to be killed in the middle.
    let checklist = (1..=80)
        .map(|i| format!("[[section.item]]\ncode = \"K{i:02}\"\ntitle = \"项{i}\"\nkind = \"check\"\npoints = 1\n"))
        .collect::<String>();
    let toml = format!(
        "id = \"wide\"\nversion = 1\ntitle = \"宽表\"\n\n[[section]]\ncode = \"K\"\ntitle = \"全部\"\n\n{checklist}"
    );
    let file = ws.write("wide.toml", toml);
    ws.run(&["checklist", "load", &file]).success();
    let mut csv = String::from("暗访编号,网点编码,暗访日期,检查表");
    for i in 1..=80 {
        csv.push_str(&format!(",K{i:02}"));
    }
    csv.push('\n');
    for n in 0..30_000 {
        csv.push_str(&format!(
            "N{n},XP0{},2024-07-0{},wide",
            1 + n % 2,
            1 + n % 9
        ));
        for i in 0..80 {
            csv.push_str(if (n + i) % 7 == 0 { ",否" } else { ",是" });
        }
        csv.push('\n');
    }
    let path = ws.write("national.csv", csv);
    let before = ws.snapshot();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hallscore"))
        .arg("--db")
        .arg(ws.db())
        .args(["import", "visits", &path])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the import");
    // The import stores what it has read while a second thread reads on:
    // once that thread is there, the import is writing.
    let threads = format!("/proc/{}/task", child.id());
    let writing = (0..30_000).any(|_| {
        std::thread::sleep(Duration::from_millis(1));
        std::fs::read_dir(&threads).map_or(0, Iterator::count) >= 2
    });
    assert!(writing, "the import never began to store");
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        child.try_wait().expect("status").is_none(),
        "the import must still be running when it is killed"
    );
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert_sound(&ws);
    assert_eq!(
        ws.snapshot(),
        before,
        "nothing of the killed import is stored"
    );
    let out = ws.run(&["import", "visits", &path]).success().stdout;
    assert!(out.contains("新增 30000"), "{out}");
    assert_sound(&ws);
}

#[tokio::test]
async fn a_database_the_server_cannot_write_refuses_writes_and_keeps_reading() {
    let ws = workspace_with_roster();
    let token = inspector_token(&ws);
    ws.add_user("boss", "admin", None, "correct-horse-1");
    let admin = ws.api_token("boss");
    let visits = ws.write(
        "v.csv",
        "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nR1,XP01,2024-07-03,small,是,是,优,8\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    let before = ws.snapshot();
    let server = TestApp::spawn_binary(&ws, &read_only_database(&ws), &[]);
    let (status, error) = server
        .post_json(
            "/api/v1/visits",
            &token,
            &visit("6c1f8e5a-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "XP01"),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("message")
            .contains("数据未保存"),
        "{error}"
    );
    let (status, _) = server
        .get_json("/api/v1/reports/rankings?period=2024-Q3", &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "reads still work");
    drop(server);
    assert_eq!(ws.snapshot(), before);
    assert_sound(&ws);
}

/// Makes the workspace's database one the server may read but not write,
/// and returns the command prefix to run the server with (empty for none).
///
/// File permissions bind everyone but root. As another user the database
/// file is simply made read-only. As root, which writes whatever the
/// permissions say, the server runs as the unprivileged user nobody
/// (`setpriv`), with the file root's and read-only for others. Either way
/// the folder stays open: SQLite keeps its -wal and -shm files there.
fn read_only_database(ws: &Workspace) -> Vec<&'static str> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
    };
    let db = std::path::PathBuf::from(ws.db());
    // The test made the database, so its owner is the user the test runs as.
    let as_root = std::fs::metadata(&db).expect("the database").uid() == 0;
    if !as_root {
        mode(&db, 0o444);
        return Vec::new();
    }
    mode(ws.dir.path(), 0o777);
    mode(&db, 0o644);
    for name in ["hallscore.db-wal", "hallscore.db-shm"] {
        if ws.path(name).exists() {
            mode(&ws.path(name), 0o666);
        }
    }
    assert!(
        Command::new("setpriv").arg("--version").output().is_ok(),
        "run as root, this test needs setpriv (util-linux) to start the server as the \
         unprivileged user nobody, since root may write a read-only database"
    );
    vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ]
}

/// A command prefix that runs a program on a disk that is all but full:
/// the kernel refuses to let its files grow (RLIMIT_FSIZE, with SIGXFSZ
/// ignored so that a refused write is an error, not the end of the
/// process). SQLite meets the same failed writes as on a disk out of space.
/// There is room for SQLite's 32 KiB shared-memory file and a few pages
/// more than the database holds now.
fn full_disk(ws: &Workspace) -> Vec<String> {
    let size = std::fs::metadata(ws.db()).expect("database").len();
    let limit = size.max(32 * 1024) + 64 * 1024;
    vec![
        "sh".into(),
        "-c".into(),
        "trap '' XFSZ; exec prlimit \"$0\" \"$@\"".into(),
        format!("--fsize={limit}:{limit}"),
    ]
}

#[test]
fn an_import_onto_a_full_disk_stores_nothing_and_says_so() {
    let ws = workspace_with_roster();
    let mut csv = String::from("暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\n");
    for n in 0..3_000 {
        csv.push_str(&format!("F{n},XP01,2024-07-03,small,是,否,优,{}\n", n % 10));
    }
    let path = ws.write("full.csv", csv);
    let before = ws.snapshot();
    let full = full_disk(&ws);
    let out = Command::new(&full[0])
        .args(&full[1..])
        .arg(env!("CARGO_BIN_EXE_hallscore"))
        .arg("--db")
        .arg(ws.db())
        .args(["import", "visits", &path])
        .current_dir(ws.dir.path())
        .output()
        .expect("run the import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("磁盘已满或无法写入,本次操作未保存任何数据"),
        "{stderr}"
    );
    assert_sound(&ws);
    assert_eq!(ws.snapshot(), before, "nothing of the import is stored");
    let out = ws.run(&["import", "visits", &path]).success().stdout;
    assert!(out.contains("新增 3000"), "{out}");
}

/// The server on a full disk (see [`full_disk`]): writes are refused with
/// a clear answer, reads go on, and nothing acknowledged is lost.
#[tokio::test]
async fn a_full_disk_refuses_writes_loses_nothing_and_keeps_reading() {
    let ws = workspace_with_roster();
    let token = inspector_token(&ws);
    ws.add_user("boss", "admin", None, "correct-horse-1");
    let admin = ws.api_token("boss");
    let full = full_disk(&ws);
    let server = TestApp::spawn_binary(
        &ws,
        &full.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let mut acknowledged = Vec::new();
    let mut refused = None;
    for _ in 0..2_000 {
        let id = uuid::Uuid::new_v4().to_string();
        let (status, body) = server
            .post_json("/api/v1/visits", &token, &visit(&id, "XP01"))
            .await;
        if status == StatusCode::CREATED {
            acknowledged.push(id);
        } else {
            refused = Some((id, status, body));
            break;
        }
    }
    let (refused_id, status, body) = refused.expect("the disk fills up");
    assert!(!acknowledged.is_empty(), "some visits fit before it did");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.to_string().contains("磁盘已满"), "{body}");
    let (status, rows) = server
        .get_json("/api/v1/reports/rankings?period=2024-Q3", &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "reads still work");
    let visits: u64 = rows["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["visits"].as_u64().expect("visits"))
        .sum();
    assert_eq!(visits, acknowledged.len() as u64, "{rows}");
    server.kill();

    // With room again, nothing acknowledged is missing or doubled, the
    // refused visit is absent, and the same submission now succeeds.
    assert_sound(&ws);
    for id in &acknowledged {
        assert_eq!(stored_count(&ws, id), 1, "acknowledged visit {id}");
    }
    assert_eq!(stored_count(&ws, &refused_id), 0);
    let server = TestApp::spawn_binary(&ws, &[], &[]);
    let (status, _) = server
        .post_json("/api/v1/visits", &token, &visit(&refused_id, "XP01"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored_count(&ws, &refused_id), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_is_complete_and_sound() {
    let ws = workspace_with_roster();
    let token = inspector_token(&ws);
    let server = TestApp::spawn_binary(&ws, &[], &[]);
    let first = burst(
        server.base.clone(),
        token.clone(),
        4,
        Instant::now() + Duration::from_millis(500),
    )
    .await;
    let during = tokio::spawn(burst(
        server.base.clone(),
        token,
        4,
        Instant::now() + Duration::from_millis(1500),
    ));
    let copy = ws.path("backup.db");
    ws.run(&["backup", copy.to_str().expect("path")]).success();
    let later = during.await.expect("burst");
    drop(server);

    let conn = rusqlite::Connection::open(&copy).expect("the copy opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    for id in &first {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM visits WHERE visit_id = ?1",
                [id],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n, 1, "every visit acknowledged before the backup is in it");
    }
    let in_copy: i64 = conn
        .query_row("SELECT count(*) FROM visits", [], |r| r.get(0))
        .expect("count");
    assert!(in_copy as usize >= first.len());
    assert!((in_copy as usize) <= first.len() + later.len() + 10);

    // The documented restore: stop the server, copy the backup over the database.
    std::fs::copy(&copy, ws.path("restored.db")).expect("restore");
    let restored = rusqlite::Connection::open(ws.path("restored.db")).expect("open");
    let n: i64 = restored
        .query_row("SELECT count(*) FROM visits", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, in_copy);
}
