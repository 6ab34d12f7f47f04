//! Every route against every role, injection attempts in every text field,
//! and what the server's log may not contain.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{App, Workspace, sign_in, spawn_app, workspace_with_roster};

const PASSWORD: &str = "correct-horse-1";

async fn setup() -> (Workspace, App) {
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
    rusqlite::Connection::open(ws.db())
        .expect("open the database")
        .execute(
            "UPDATE users SET scope_kind = NULL, scope_name = NULL WHERE name = 'lost'",
            [],
        )
        .expect("drop the scope");
    let app = spawn_app(&ws).await;
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
            "/appeals",
            [Login, FORBIDDEN, Allowed, Allowed, Allowed, FORBIDDEN],
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

async fn call(
    client: &Client,
    app: &App,
    csrf: &str,
    method: &str,
    path: &str,
) -> reqwest::Response {
    let url = format!(
        "{}{}",
        app.base,
        path.replace("{draft}", &uuid::Uuid::new_v4().to_string())
    );
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
    let mut clients = vec![(
        "anonymous",
        Client::builder()
            .cookie_store(true)
            .build()
            .expect("client"),
        String::new(),
    )];
    for name in ["wang", "xp", "by", "boss", "lost"] {
        let (client, csrf) = sign_in(&app, name, PASSWORD).await;
        clients.push((name, client, csrf));
    }
    let mut failures = Vec::new();
    for (method, path, expected) in routes() {
        for ((role, client, csrf), expect) in clients.iter().zip(expected) {
            let response = call(client, &app, csrf, method, path).await;
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
    let (wang, csrf) = sign_in(&app, "wang", PASSWORD).await;
    let (boss, _) = sign_in(&app, "boss", PASSWORD).await;
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
        let response = wang
            .post(format!("{}/api/v1/visits", app.base))
            .header("X-CSRF-Token", &csrf)
            .json(&body)
            .send()
            .await
            .expect("post");
        assert!(
            response.status().is_client_error(),
            "{attack}: {}",
            response.status()
        );
        let encoded: String = attack.bytes().map(|b| format!("%{b:02X}")).collect();
        for path in [
            format!("/api/v1/visits/{encoded}"),
            format!("/api/v1/reports/rankings?period={encoded}"),
            format!("/api/v1/reports/shortboards?period=2024-Q3&scope=district:{encoded}"),
            format!("/dashboard?period=2024-Q3&checklist={encoded}"),
            format!("/halls/{encoded}?period=2024-Q3"),
            format!("/admin/audit?actor={encoded}&action={encoded}"),
        ] {
            let response = boss
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .expect("get");
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
    let anonymous = Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let page = anonymous
        .get(format!("{}/login", app.base))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("text");
    let token = crate::helpers::attribute_after(&page, "name=\"csrf\" value=\"");
    let response = anonymous
        .post(format!("{}/login", app.base))
        .form(&[
            ("name", "' OR '1'='1' --"),
            ("password", "' OR '1'='1"),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let conn = rusqlite::Connection::open(ws.db()).expect("db");
    let (visits, branches): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM branches)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("counts");
    assert_eq!((visits, branches), (2, 4), "every table intact");
}

#[test]
fn the_log_holds_no_passwords_tokens_or_session_ids() {
    let ws = workspace_with_roster();
    ws.add_user("wang", "inspector", None, PASSWORD);
    let token = ws.api_token("wang");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hallscore"))
        .arg("--db")
        .arg(ws.db())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&first).contains('\n') && std::time::Instant::now() < deadline {
        if stdout.read(&mut byte).expect("read") == 0 {
            break;
        }
        first.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&first).to_string();
    let start = line.find("http://").expect("the address");
    let base = line[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let session = runtime.block_on(async {
        let app = App::at(base.clone());
        let anonymous = Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let page = anonymous
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("login")
            .text()
            .await
            .expect("text");
        let csrf = crate::helpers::attribute_after(&page, "name=\"csrf\" value=\"");
        anonymous
            .post(format!("{base}/login"))
            .form(&[
                ("name", "wang"),
                ("password", "wrong-password-9"),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("failed sign-in");
        let raw = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let page = raw
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("login");
        let cookie = page
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("login cookie")
            .to_string();
        let csrf = crate::helpers::attribute_after(
            &page.text().await.expect("text"),
            "name=\"csrf\" value=\"",
        );
        let signed = raw
            .post(format!("{base}/login"))
            .header("Cookie", cookie)
            .form(&[
                ("name", "wang"),
                ("password", PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("sign in");
        let session = signed
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("hallscore_session="))
            .and_then(|c| c.split(';').next())
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .expect("a session");
        raw.get(format!("{}/api/v1/reports/rankings?period=2024", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("token call");
        session
    });
    child.kill().expect("stop");
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).expect("the rest of the log");
    let output = child.wait_with_output().expect("output");
    let log = format!(
        "{line}{}{}",
        String::from_utf8_lossy(&rest),
        String::from_utf8_lossy(&output.stderr)
    );
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
