//! Contention: a large visits spreadsheet uploaded through the web while 32
//! inspectors keep submitting visits. Every write goes through the one
//! writer, so nobody meets a locked database: no answer is a 500, every
//! acknowledged visit is stored exactly once, and a 503 (allowed only with
//! its message) succeeds when tried again.

use std::fmt::Write as _;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, Workspace, is_postgres, workspace_with_roster};

const PASSWORD: &str = "correct-horse-1";
const INSPECTORS: usize = 32;
/// Submissions per inspector: bounded, and enough to overlap the upload.
const SUBMISSIONS: usize = 12;
/// Tries of one submission answered 503.
const TRIES: usize = 20;
/// Rows of the uploaded sheet: a year of national visits (3,000 halls, 24
/// each), on the small checklist.
const UPLOADED: usize = 72_000;

/// Adds `count` inspectors to the workspace; their API tokens.
fn inspectors(ws: &Workspace, count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            let name = format!("inspector{n}");
            ws.add_user(&name, "inspector", None, PASSWORD);
            ws.api_token(&name)
        })
        .collect()
}

/// A visits sheet of `rows` visits over the test roster's four halls.
fn big_visits_csv(rows: usize) -> String {
    let mut csv = String::from("暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\n");
    let halls = ["XP01", "XP02", "BY01", "BY02"];
    let choices = ["优", "良", "差"];
    for n in 0..rows {
        let _ = writeln!(
            csv,
            "U{n:06},{},2024-06-{:02},small,{},是,{},{}",
            halls[n % 4],
            1 + n % 28,
            if n % 3 == 0 { "否" } else { "是" },
            choices[n % 3],
            n % 20,
        );
    }
    csv
}

/// Submits one visit, trying again (after the advised pause) while the
/// server answers 503 with its message, until it is acknowledged.
async fn submit(client: &reqwest::Client, base: &str, token: &str, id: &str) {
    let body = json!({
        "id": id, "branch_code": "XP01", "checklist": "small",
        "visited_at": "2024-07-03T14:20:00+08:00",
        "answers": {"A01": "是", "A02": "是", "B01": "优", "B02": 8}
    });
    for _ in 0..TRIES {
        let response = client
            .post(format!("{base}/api/v1/visits"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("submitting {id}: {e}"));
        let status = response.status();
        if status != StatusCode::SERVICE_UNAVAILABLE {
            assert!(
                status.is_success(),
                "submitting {id} answered {status}, not 2xx: {}",
                response.text().await.unwrap_or_default()
            );
            return;
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("a 503 for {id} without Retry-After"));
        let text = response.text().await.expect("text");
        assert!(
            text.contains("数据库正忙"),
            "a 503 for {id} says why: {text}"
        );
        tokio::time::sleep(Duration::from_secs(retry_after.min(2))).await;
    }
    panic!("{id} still answered 503 after {TRIES} tries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_and_32_inspectors_submitting_all_succeed() {
    let ws = workspace_with_roster();
    ws.add_user("boss", "admin", None, PASSWORD);
    let tokens = inspectors(&ws, INSPECTORS);
    let app = TestApp::spawn(&ws.db()).await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let csrf = boss.csrf.clone();

    let upload = tokio::spawn({
        let base = app.base.clone();
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(big_visits_csv(UPLOADED).into_bytes())
                .file_name("全国暗访.csv"),
        );
        async move {
            let response = boss
                .client
                .post(format!("{base}/admin/imports/visits"))
                .timeout(Duration::from_secs(300))
                .multipart(form)
                .send()
                .await
                .expect("upload");
            (response.status(), response.text().await.expect("text"))
        }
    });
    let submitters: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let base = app.base.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(300))
                    .build()
                    .expect("client");
                let mut acknowledged = Vec::new();
                for _ in 0..SUBMISSIONS {
                    let id = uuid::Uuid::new_v4().to_string();
                    submit(&client, &base, &token, &id).await;
                    acknowledged.push(id);
                }
                acknowledged
            })
        })
        .collect();

    let mut acknowledged = Vec::new();
    for submitter in submitters {
        acknowledged.extend(submitter.await.expect("a submitter"));
    }
    let (status, page) = upload.await.expect("the upload");
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(acknowledged.len(), INSPECTORS * SUBMISSIONS);

    let mut sql = ws.sql();
    for id in &acknowledged {
        let stored = sql.i64(
            "SELECT count(*) FROM visits WHERE visit_id = ?1",
            &[id.into()],
        );
        assert_eq!(stored, 1, "acknowledged visit {id}");
    }
    let uploaded = sql.i64("SELECT count(*) FROM visits WHERE visit_id LIKE 'U%'", &[]);
    assert_eq!(uploaded, i64::try_from(UPLOADED).expect("fits"));
}

/// Another program (here a plain SQLite connection) holding the write lock
/// of the SQLite file past the wait: the submission is answered 503 with the reason and when
/// to try again, nothing is stored, and trying again once the lock is gone
/// stores it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_program_answers_503_and_a_retry_succeeds() {
    let ws = workspace_with_roster();
    ws.add_user("wang", "inspector", None, PASSWORD);
    let token = ws.api_token("wang");
    let app = TestApp::spawn(&ws.db()).await;
    let client = reqwest::Client::new();
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "id": id, "branch_code": "XP01", "checklist": "small",
        "visited_at": "2024-07-03T14:20:00+08:00",
        "answers": {"A01": "是", "A02": "是", "B01": "优", "B02": 8}
    });

    let other = rusqlite::Connection::open(ws.db()).expect("db");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let response = client
        .post(format!("{}/api/v1/visits", app.base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("submit");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let answer: serde_json::Value = response.json().await.expect("json");
    assert_eq!(answer["error"]["code"], "storage_busy", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("数据库正忙") && m.contains("请稍后重试")),
        "{answer}"
    );
    other.execute_batch("ROLLBACK").expect("let go");

    let response = client
        .post(format!("{}/api/v1/visits", app.base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("submit again");
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: i64 = other
        .query_row(
            "SELECT count(*) FROM visits WHERE visit_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(stored, 1);
}

/// Makes the database refuse to delete a draft whose body asks it to.
fn keep_marked_drafts(ws: &Workspace) {
    let mut sql = ws.sql();
    if is_postgres(&ws.db()) {
        sql.execute(
            "CREATE FUNCTION keep_marked_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF OLD.body LIKE '%\"keep\":true%' THEN
                     RAISE EXCEPTION '这份草稿不许删除';
                 END IF;
                 RETURN OLD;
             END $$",
            &[],
        );
        sql.execute(
            "CREATE TRIGGER keep_marked_drafts BEFORE DELETE ON drafts
             FOR EACH ROW EXECUTE FUNCTION keep_marked_drafts()",
            &[],
        );
    } else {
        sql.execute(
            "CREATE TRIGGER keep_marked_drafts BEFORE DELETE ON drafts
             WHEN OLD.body LIKE '%\"keep\":true%'
             BEGIN SELECT RAISE(ABORT, '这份草稿不许删除'); END",
            &[],
        );
    }
}

/// Saves a draft (one the database will not delete when `keep`), then
/// submits it as a visit: its id, `keep`, and the answer.
async fn submit_with_draft(
    base: &str,
    token: &str,
    keep: bool,
) -> (String, bool, StatusCode, String) {
    let client = reqwest::Client::new();
    let id = uuid::Uuid::new_v4().to_string();
    let draft = client
        .put(format!("{base}/api/v1/drafts/{id}"))
        .bearer_auth(token)
        .json(&json!({"branch_code": "XP01", "keep": keep}))
        .send()
        .await
        .expect("save a draft");
    assert!(
        draft.status().is_success(),
        "draft {id}: {}",
        draft.status()
    );
    let response = client
        .post(format!("{base}/api/v1/visits"))
        .bearer_auth(token)
        .json(&json!({
            "id": id, "branch_code": "XP01", "checklist": "small",
            "visited_at": "2024-07-03T14:20:00+08:00",
            "answers": {"A01": "是", "A02": "是", "B01": "优", "B02": 8}
        }))
        .send()
        .await
        .expect("submit");
    let status = response.status();
    (id, keep, status, response.text().await.expect("text"))
}

/// A submission that fails at its last statement (deleting its draft,
/// which the database here refuses for some drafts) fails alone: its visit
/// is not stored and its draft stays, while the submissions made beside it
/// — parts of the same transactions of the writer — are each stored once
/// and their drafts gone. On PostgreSQL that statement is sent with the
/// savepoint's release, or with the commit when the write is alone (as a
/// draft deleted by itself is), and its failure must be caught there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_failing_at_its_last_statement_fails_alone() {
    const SUBMITTERS: usize = 8;
    const EACH: usize = 6;
    let ws = workspace_with_roster();
    keep_marked_drafts(&ws);
    let tokens = inspectors(&ws, SUBMITTERS);
    let app = TestApp::spawn(&ws.db()).await;
    let submitters: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (base, token) = (app.base.clone(), token.clone());
            tokio::spawn(async move {
                let mut answered = Vec::new();
                for n in 0..EACH {
                    answered.push(submit_with_draft(&base, &token, n % 3 == 1).await);
                }
                answered
            })
        })
        .collect();
    let mut answered = Vec::new();
    for submitter in submitters {
        answered.extend(submitter.await.expect("a submitter"));
    }
    // One alone, a transaction of its own: its failure is the commit's.
    answered.push(submit_with_draft(&app.base, &tokens[0], true).await);
    let mut sql = ws.sql();
    for (id, keep, status, text) in &answered {
        let visits = sql.i64(
            "SELECT count(*) FROM visits WHERE visit_id = ?1",
            &[id.into()],
        );
        let drafts = sql.i64("SELECT count(*) FROM drafts WHERE id = ?1", &[id.into()]);
        if *keep {
            assert_eq!(*status, StatusCode::INTERNAL_SERVER_ERROR, "{id}: {text}");
            assert_eq!((visits, drafts), (0, 1), "{id}: nothing of it stored");
        } else {
            assert_eq!(*status, StatusCode::CREATED, "{id}: {text}");
            assert_eq!((visits, drafts), (1, 0), "{id}: stored once");
        }
    }
    let stored = sql.i64("SELECT count(*) FROM visits", &[]);
    let accepted = answered.iter().filter(|(_, keep, ..)| !keep).count();
    assert_eq!(stored, i64::try_from(accepted).expect("fits"));

    // Deleting a kept draft alone, where the delete is the transaction's
    // last statement before its commit: refused, and the draft is there.
    let (id, ..) = answered.last().expect("the lone submission");
    let deleted = reqwest::Client::new()
        .delete(format!("{}/api/v1/drafts/{id}", app.base))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .expect("delete the draft");
    assert_eq!(deleted.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let drafts = sql.i64("SELECT count(*) FROM drafts WHERE id = ?1", &[id.into()]);
    assert_eq!(drafts, 1, "the draft the database kept");
}
