//! Every route against every role, injection attempts in every text field,
//! and what the server's log may not contain.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Session, TestApp, Workspace, cookie_set, workspace_with_roster};

const PASSWORD: &str = "correct-horse-1";

async fn setup() -> (Workspace, TestApp) {
    let ws = workspace_with_roster();
    let visits = ws.write(
        "v.csv",
        "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nV1,XP01,2024-07-03,small,是,是,优,8\nV2,BY01,2024-07-04,small,是,否,良,12\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("wang", "inspector", None, PASSWORD);
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    ws.add_user("by", "manager", Some("district:泌阳"), PASSWORD);
    ws.add_user("boss", "admin", None, PASSWORD);
    // The command line makes no manager without a scope; an older or
    // hand-edited database may hold one all the same.
    ws.add_user("lost", "manager", Some("district:西平"), PASSWORD);
    ws.sql().execute(
        "UPDATE users SET scope_kind = NULL, scope_name = NULL WHERE name = 'lost'",
        &[],
    );
    let app = TestApp::spawn(&ws.db()).await;
    (ws, app)
}

/// What a role gets from a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// A 2xx (after redirects).
    Ok,
    /// Sent to the sign-in page.
    Login,
    Status(u16),
}

use Expect::{Login, Ok as Allowed, Status};

const NOT_SIGNED_IN: Expect = Status(401);
const FORBIDDEN: Expect = Status(403);
const NOT_FOUND: Expect = Status(404);

/// (method, path, anonymous, inspector, 西平 manager, 泌阳 manager, admin,
/// a manager whose account lost its scope)
fn routes() -> Vec<(&'static str, &'static str, [Expect; 6])> {
    vec![
        (
            "GET",
            "/inspect",
            [Login, Allowed, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/inspect/tasks",
            [Login, Allowed, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/inspect/visit?branch=XP01",
            [Login, Allowed, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/dashboard?period=2024-Q3",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/halls/XP01?period=2024-Q3",
            [Login, FORBIDDEN, Allowed, NOT_FOUND, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/halls/BY01?period=2024-Q3",
            [Login, FORBIDDEN, NOT_FOUND, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/districts/%E8%A5%BF%E5%B9%B3?period=2024-Q3",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/visits/V1",
            [Login, NOT_FOUND, Allowed, NOT_FOUND, Allowed, NOT_FOUND],
        ),
        (
            "GET",
            "/visits/V2",
            [Login, NOT_FOUND, NOT_FOUND, Allowed, Allowed, NOT_FOUND],
        ),
        (
            "GET",
            "/exports/rankings.xlsx?period=2024-Q3",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/exports/visits.xlsx?period=2024-Q3",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/admin/imports",
            [Login, FORBIDDEN, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/admin/audit",
            [Login, FORBIDDEN, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/admin/plans?period=2024-Q3",
            [Login, FORBIDDEN, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/appeals",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
        ),
        (
            "GET",
            "/reviews?period=2024-Q3",
            [Login, FORBIDDEN, FORBIDDEN, FORBIDDEN, Allowed, FORBIDDEN],
        ),
        ("GET", "/api/v1/openapi.json", [Allowed; 6]),
        (
            "GET",
            "/api/v1/visits/V1",
            [
                NOT_SIGNED_IN,
                NOT_FOUND,
                Allowed,
                NOT_FOUND,
                Allowed,
                NOT_FOUND,
            ],
        ),
        (
            "GET",
            "/api/v1/reports/rankings?period=2024-Q3",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                Allowed,
                Allowed,
                Allowed,
                FORBIDDEN,
            ],
        ),
        (
            "GET",
            "/api/v1/reports/shortboards?period=2024-Q3&scope=branch:XP01",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                Allowed,
                NOT_FOUND,
                Allowed,
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/api/v1/visits",
            [
                NOT_SIGNED_IN,
                Status(201),
                FORBIDDEN,
                FORBIDDEN,
                Status(201),
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/api/v1/visits/preview",
            [NOT_SIGNED_IN, Allowed, Allowed, Allowed, Allowed, Allowed],
        ),
        (
            "PUT",
            "/api/v1/drafts/{draft}",
            [
                NOT_SIGNED_IN,
                Status(204),
                FORBIDDEN,
                FORBIDDEN,
                Status(204),
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/admin/publications",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                Allowed,
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/reviews/unflagged",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                Allowed,
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/reviews/V9",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                NOT_FOUND,
                FORBIDDEN,
            ],
        ),
        (
            "POST",
            "/admin/appeals/999",
            [
                NOT_SIGNED_IN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                NOT_FOUND,
                FORBIDDEN,
            ],
        ),
    ]
}

async fn call(session: &Session, method: &str, path: &str) -> reqwest::Response {
    let url = session.url(&path.replace("{draft}", &uuid::Uuid::new_v4().to_string()));
    let (client, csrf) = (&session.client, session.csrf.as_str());
    let request = match (method, path) {
        ("GET", _) => client.get(url),
        ("PUT", _) => client.put(url).json(&json!({"answers": {}})),
        ("POST", "/api/v1/visits" | "/api/v1/visits/preview") => client.post(url).json(&json!({
            "id": uuid::Uuid::new_v4().to_string(), "branch_code": "XP01", "checklist": "small",
            "visited_at": "2024-07-10T10:00:00+08:00",
            "answers": {"A01": "是", "A02": "是", "B01": "优", "B02": 5}
        })),
        ("POST", "/admin/publications") => client.post(url).form(&[
            ("csrf", csrf),
            ("checklist", "small"),
            ("period", "2024-Q3"),
        ]),
        ("POST", "/reviews/unflagged" | "/reviews/V9") => client.post(url).form(&[
            ("csrf", csrf),
            ("decision", "accept"),
            ("period", "2024-Q3"),
        ]),
        _ => client
            .post(url)
            .form(&[("csrf", csrf), ("decision", "reject"), ("reason", "不成立")]),
    };
    request
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let (_ws, app) = setup().await;
    let mut sessions = vec![("anonymous", app.session())];
    for name in ["wang", "xp", "by", "boss", "lost"] {
        sessions.push((name, app.sign_in(name, PASSWORD).await));
    }
    let mut failures = Vec::new();
    for (method, path, expected) in routes() {
        for ((role, session), expect) in sessions.iter().zip(expected) {
            let response = call(session, method, path).await;
            let status = response.status();
            let at_login = response.url().path() == "/login";
            let got = match expect {
                Allowed => status.is_success() && !at_login,
                Login => at_login && status.is_success(),
                Status(code) => status.as_u16() == code,
            };
            if !got {
                failures.push(format!(
                    "{method} {path} as {role}: expected {expect:?}, got {status} at {}",
                    response.url().path()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn injection_attempts_are_plain_text() {
    let (ws, app) = setup().await;
    let wang = app.sign_in("wang", PASSWORD).await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let attacks = [
        "XP01' OR '1'='1",
        "'; DROP TABLE visits; --",
        "\" OR 1=1 --",
        "XP01); DELETE FROM branches; --",
        "<script>alert(1)</script>",
    ];
    for attack in attacks {
        let body = json!({
            "id": uuid::Uuid::new_v4().to_string(), "branch_code": attack, "checklist": "small",
            "visited_at": "2024-07-10T10:00:00+08:00", "inspector": attack, "notes": attack,
            "answers": {"A01": attack, "A02": "是", "B01": "优", "B02": 5}
        });
        let (status, _) = wang.post_json("/api/v1/visits", &body).await;
        assert!(status.is_client_error(), "{attack}: {status}");
        let encoded: String = attack.bytes().map(|b| format!("%{b:02X}")).collect();
        for path in [
            format!("/api/v1/visits/{encoded}"),
            format!("/api/v1/reports/rankings?period={encoded}"),
            format!("/api/v1/reports/shortboards?period=2024-Q3&scope=district:{encoded}"),
            format!("/dashboard?period=2024-Q3&checklist={encoded}"),
            format!("/halls/{encoded}?period=2024-Q3"),
            format!("/admin/audit?actor={encoded}&action={encoded}"),
        ] {
            let response = boss.get(&path).await;
            assert!(
                response.status().is_client_error() || response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let html = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
            let text = response.text().await.expect("text");
            assert!(
                !(html && text.contains("<script>alert(1)</script>")),
                "escaped on {path}"
            );
        }
    }
    let response = app
        .session()
        .attempt_sign_in("' OR '1'='1' --", "' OR '1'='1")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let counts = ws.sql().rows(
        "SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM branches)",
        &[],
    );
    assert_eq!(counts, [["2", "4"]], "every table intact");
}

#[tokio::test]
async fn the_log_holds_no_passwords_tokens_or_session_ids() {
    let ws = workspace_with_roster();
    ws.add_user("wang", "inspector", None, PASSWORD);
    let token = ws.api_token("wang");
    let app = TestApp::spawn_binary(&ws, &[], &[("RUST_LOG", "debug")]);
    app.session()
        .attempt_sign_in("wang", "wrong-password-9")
        .await;
    // Signed in without following the redirect, to read the session cookie.
    let signed = app.bare_sign_in(None, "wang", PASSWORD).await;
    let session = cookie_set(&signed, "hallscore_session").expect("a session");
    app.get_json("/api/v1/reports/rankings?period=2024", &token)
        .await;
    let log = app.kill();
    assert!(
        log.contains("sign-in failed") && log.contains("signed in"),
        "the log speaks: {log}"
    );
    for secret in [
        PASSWORD,
        "wrong-password-9",
        token.as_str(),
        session.as_str(),
    ] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
}
