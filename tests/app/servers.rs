//! Several `hallscore serve` processes on one database, as a province runs
//! them behind a load balancer: whichever server a request lands on, the
//! answer is the same, and one server dying loses nothing the other keeps.
//! On PostgreSQL this is the deployment the README describes; on SQLite
//! the two processes share the file.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::faults::{burst, inspector_token, stored_count, visit};
use crate::helpers::{TestApp, workspace_with_roster};

const PASSWORD: &str = "correct-horse-1";

/// The smallest JPEG the photo check accepts.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_answer_one_user_alike_whichever_they_reach() {
    let ws = workspace_with_roster();
    ws.add_user("wang", "inspector", None, PASSWORD);
    ws.add_user("hq", "admin", None, PASSWORD);
    let a = TestApp::spawn_binary(&ws, &[], &[]);
    let b = TestApp::spawn_binary(&ws, &[], &[]);

    // Signed in through one server, the session is good on the other.
    let wang_a = a.sign_in("wang", PASSWORD).await;
    let wang_b = wang_a.on(&b);
    let (status, page) = wang_b.get_text("/inspect").await;
    assert_eq!(status, StatusCode::OK, "the other server knows the session");
    assert!(page.contains("hall-search"), "the hall picker: {page}");

    // A draft saved through one is read back through the other.
    let id = uuid::Uuid::new_v4().to_string();
    let draft = json!({"id": id, "branch_code": "XP01", "answers": {"A01": "是"}});
    let (status, _) = wang_a
        .put_json(&format!("/api/v1/drafts/{id}"), &draft)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        wang_b.get_json(&format!("/api/v1/drafts/{id}")).await,
        draft
    );

    // A photo uploaded through one is served by the other.
    let (status, body) = wang_a
        .post_multipart(
            "/api/v1/photos",
            &[("visit_id", &id), ("item_code", "A01")],
            Some(("p.jpg", JPEG.to_vec())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let photo: Value = serde_json::from_str(&body).expect("the photo's JSON");
    let url = photo["url"].as_str().expect("the photo's address");
    let image = wang_b.get(url).await;
    assert_eq!(
        image.status(),
        StatusCode::OK,
        "{url} through the other server"
    );
    assert_eq!(image.bytes().await.expect("bytes").as_ref(), JPEG);

    // Every visit sent to both servers (a retry through the other one) is
    // stored once, and both servers' rankings count it at once.
    let hq_a = a.sign_in("hq", PASSWORD).await;
    let hq_b = hq_a.on(&b);
    let rankings = "/api/v1/reports/rankings?period=2024-Q3&checklist=small";
    let mut ids = Vec::new();
    for (n, branch) in ["XP01", "XP02", "BY01", "BY02", "XP01", "BY02"]
        .iter()
        .enumerate()
    {
        let id = uuid::Uuid::new_v4().to_string();
        let (first, second) = if n % 2 == 0 {
            (&wang_a, &wang_b)
        } else {
            (&wang_b, &wang_a)
        };
        let (status, body) = first.post_json("/api/v1/visits", &visit(&id, branch)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = second
            .post_json("/api/v1/visits", &visit(&id, branch))
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the retry through the other server: {body}"
        );
        ids.push(id);
        let (from_a, from_b) = (hq_a.get_json(rankings).await, hq_b.get_json(rankings).await);
        assert_eq!(from_a, from_b, "both servers give the same rankings");
        let visits: u64 = from_b["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["visits"].as_u64().expect("visits"))
            .sum();
        assert_eq!(
            visits,
            n as u64 + 1,
            "the other server counts the new visit"
        );
    }
    for id in &ids {
        assert_eq!(stored_count(&ws, id), 1, "visit {id}");
    }

    // Failed sign-ins count on every server: five spread over the two lock
    // the name on both.
    for n in 0..5 {
        let server = if n % 2 == 0 { &a } else { &b };
        let response = server.session().attempt_sign_in("wang", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for server in [&a, &b] {
        let response = server.session().attempt_sign_in("wang", PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "locked on {}",
            server.base
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_burst_loses_nothing_and_the_other_serves_on() {
    let ws = workspace_with_roster();
    let token = inspector_token(&ws);
    let a = TestApp::spawn_binary(&ws, &[], &[]);
    let b = TestApp::spawn_binary(&ws, &[], &[]);
    let until = Instant::now() + Duration::from_secs(20);
    let on_a = tokio::spawn(burst(a.base.clone(), token.clone(), 4, until));
    let on_b = tokio::spawn(burst(b.base.clone(), token.clone(), 4, until));
    // Killed mid-burst: once the two have stored some visits, however
    // slowly a busy machine starts them.
    let stored = || ws.sql().i64("SELECT count(*) FROM visits", &[]);
    let started = Instant::now();
    while stored() < 40 && started.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.kill();
    let at_kill = stored();
    let from_a = on_a.await.expect("the burst on the killed server");
    let from_b = on_b.await.expect("the burst on the other server");
    assert!(
        !from_a.is_empty(),
        "the killed server had acknowledged visits"
    );
    assert!(
        stored() > at_kill + 10,
        "the other server kept storing after the kill: {at_kill} then {}",
        stored()
    );
    let counts: std::collections::HashMap<String, String> = ws
        .sql()
        .rows(
            "SELECT visit_id, count(*) FROM visits GROUP BY visit_id",
            &[],
        )
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    for id in from_a.iter().chain(&from_b) {
        assert_eq!(
            counts.get(id).map(String::as_str),
            Some("1"),
            "acknowledged visit {id}"
        );
    }
    // A visit the killed server acknowledged, sent again to the survivor,
    // is recognised and not stored twice.
    let (status, _) = b
        .post_json("/api/v1/visits", &token, &visit(&from_a[0], "XP01"))
        .await;
    assert!(
        matches!(status, StatusCode::OK | StatusCode::CONFLICT),
        "{status}"
    );
    assert_eq!(stored_count(&ws, &from_a[0]), 1);
}
