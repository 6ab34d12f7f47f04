//! The web application over real HTTP on a loopback port: sign-in,
//! sessions, CSRF, the visit API, photos, scope and the security headers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Session, TestApp, Workspace, publish_small_quarter, with_store, workspace_with_roster,
};

const PASSWORD: &str = "correct-horse-1";

/// The CLI workspace (roster XP01, XP02 in 西平, BY01, BY02 in 泌阳; the
/// `small` checklist) with one user of each kind.
async fn app() -> (Workspace, TestApp) {
    let ws = workspace_with_roster();
    ws.add_user("boss", "admin", None, PASSWORD);
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    ws.add_user("by", "manager", Some("district:泌阳"), PASSWORD);
    ws.add_user("wang", "inspector", None, PASSWORD);
    ws.add_user("li", "inspector", None, PASSWORD);
    let app = TestApp::spawn(&ws.db()).await;
    (ws, app)
}

fn visit(id: &str, branch: &str) -> Value {
    json!({
        "id": id,
        "branch_code": branch,
        "checklist": "small",
        "visited_at": "2024-07-03T14:20:00+08:00",
        "notes": "整体不错",
        // A01 fails; B01 良 (2/4); B02 12 minutes (5/10): (0+2+2+5)/20.
        "answers": {"A01": "否", "A02": true, "B01": "良", "B02": "12:00"},
        "item_notes": {"A01": "未着工装"}
    })
}

const V1: &str = "0b6f5a52-3f55-4b8f-9a34-1b2d3c4d5e6f";
const V2: &str = "5d2c9e0a-7b1f-4c3e-8a9d-0e1f2a3b4c5d";

#[tokio::test]
async fn a_visit_is_stored_once_whatever_the_retries() {
    let (ws, app) = app().await;
    let client = app.sign_in("wang", PASSWORD).await;

    let (status, body) = client.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["rate"], 0.45);
    assert_eq!(body["sections"], json!({"A": 0.3333, "B": 0.5}));
    assert_eq!(body["items"]["B02"], json!({"earned": 5.0, "max": 10.0}));
    assert_eq!(
        body["inspector"], "wang",
        "the signed-in inspector by default"
    );
    assert_eq!(body["item_notes"]["A01"], "未着工装");

    let (status, _) = client.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::OK, "the same id and body again");
    let mut changed = visit(V1, "XP01");
    changed["answers"]["A01"] = json!("是");
    let (status, body) = client.post_json("/api/v1/visits", &changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["field"], "id");

    let count = ws.sql().i64(
        "SELECT count(*) FROM visits WHERE visit_id = ?1",
        &[V1.into()],
    );
    assert_eq!(count, 1);

    let fetched: Value = client.get_json(&format!("/api/v1/visits/{V1}")).await;
    assert_eq!(fetched["answers"]["B02"], "12");
    assert_eq!(fetched["rate"], 0.45);
}

#[tokio::test]
async fn bad_visits_are_refused_with_the_field_and_nothing_is_stored() {
    let (ws, app) = app().await;
    let client = app.sign_in("wang", PASSWORD).await;
    let before = ws.snapshot();
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            {
                let mut v = visit(V2, "XP01");
                v["answers"]["B01"] = json!("中");
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers.B01",
            "不是该项的选项",
        ),
        (
            {
                let mut v = visit(V2, "XP01");
                v["answers"]["Z99"] = json!("是");
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers.Z99",
            "没有检查项 Z99",
        ),
        (
            {
                let mut v = visit(V2, "XP01");
                v["answers"].as_object_mut().expect("answers").remove("A01");
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers.A01",
            "未作答",
        ),
        (
            visit(V2, "ZZ99"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "branch_code",
            "不在网点名单中",
        ),
        (
            visit("not-a-uuid", "XP01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
            "UUID",
        ),
        (
            {
                let mut v = visit(V2, "XP01");
                v["visited_at"] = json!("昨天");
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "visited_at",
            "无法识别",
        ),
        (
            {
                let mut v = visit(V2, "XP01");
                v["inspector"] = json!("li");
                v
            },
            StatusCode::FORBIDDEN,
            "inspector",
            "没有权限",
        ),
    ];
    for (body, status, field, message) in cases {
        let (got, error) = client.post_json("/api/v1/visits", &body).await;
        assert_eq!(got, status, "{error}");
        assert_eq!(error["error"]["field"], field, "{error}");
        let text = error["error"]["message"].as_str().expect("a message");
        assert!(text.contains(message), "{text}");
    }
    // Malformed and oversized bodies.
    let response = client
        .client
        .post(client.url("/api/v1/visits"))
        .header("X-CSRF-Token", &client.csrf)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.expect("json error");
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("message")
            .contains("JSON")
    );
    let huge = json!({"id": V2, "branch_code": "XP01", "visited_at": "2024-07-03", "notes": "x".repeat(2 * 1024 * 1024)});
    let (status, _) = client.post_json("/api/v1/visits", &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(ws.snapshot(), before, "nothing stored by refused requests");
}

/// Every item needs an explicit answer through the API, 不适用 items too;
/// a refusal lists every problem with its item, and the preview lists the
/// same problems before anything is sent.
#[tokio::test]
async fn every_problem_is_named_and_no_item_may_be_left_out() {
    let (ws, app) = app().await;
    let client = app.sign_in("wang", PASSWORD).await;
    let before = ws.snapshot();
    let mut body = visit(V2, "XP01");
    let answers = body["answers"].as_object_mut().expect("answers");
    answers.remove("B02"); // allows 不适用, but is left out
    answers.insert("A02".into(), json!("否")); // the red line of section A
    answers.insert("B01".into(), json!("中")); // not a label
    let (status, error) = client.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let problems: Vec<(String, String)> = error["error"]["problems"]
        .as_array()
        .expect("every problem listed")
        .iter()
        .map(|p| {
            (
                p["item"].as_str().unwrap_or_default().to_string(),
                p["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
        ["B01", "B02"],
        "{error}"
    );
    assert!(problems[0].1.contains("不是该项的选项"), "{problems:?}");
    assert!(problems[1].1.contains("未作答"), "{problems:?}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("共 2 处问题")),
        "{error}"
    );
    assert_eq!(ws.snapshot(), before, "nothing stored");

    // The preview of the same draft: the same problems, the score of what
    // is answered, and which red line zeroed what.
    let (_, preview) = client.post_json("/api/v1/visits/preview", &body).await;
    assert_eq!(preview["problems"], error["error"]["problems"], "{preview}");
    assert_eq!(preview["required_missing"], json!(["B02"]));
    assert_eq!(preview["sections"]["A"], 0.0, "{preview}");
    assert_eq!(
        preview["red_lines"],
        json!([{
            "item": "A02",
            "scope": "section",
            "section": "A",
            "message": "红线项 A02「戴工牌」不合格,本大项(A 仪容)得分清零"
        }])
    );

    // Blank is not an answer either; 不适用 is.
    body["answers"]["B01"] = json!("良");
    body["answers"]["B02"] = json!(" ");
    let (status, error) = client.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["field"], "answers.B02");
    body["answers"]["B02"] = json!("不适用");
    let (status, stored) = client.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["answers"]["B02"], "不适用");
}

/// A spreadsheet keeps its convention (a blank cell of an item that allows
/// 不适用 is 不适用), and the upload's result says how many blanks were
/// read that way.
#[tokio::test]
async fn an_upload_says_how_many_blanks_it_read_as_not_applicable() {
    let (_ws, app) = app().await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let csv = "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\n\
               W1,XP01,2024-07-03,small,是,是,优,\n\
               W2,XP02,2024-07-03,small,是,是,优, \n\
               W3,BY01,2024-07-03,small,是,是,优,8\n";
    let (status, page) = boss
        .post_multipart(
            "/admin/imports/visits",
            &[],
            Some(("暗访.csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("3 次暗访:新增 3,未变 0,替换 0;2 个空白答案按表格约定记为「不适用」"),
        "{page}"
    );
}

#[tokio::test]
async fn sign_in_sessions_and_csrf() {
    let (ws, app) = app().await;
    let (status, _) = app
        .session()
        .post_json("/api/v1/visits", &visit(V1, "XP01"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let client = app.sign_in("wang", PASSWORD).await;
    // A cookie session without the form token cannot change anything.
    let response = client
        .client
        .post(client.url("/api/v1/visits"))
        .json(&visit(V1, "XP01"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = client.with_csrf("forged").post_form("/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // An expired session is no session.
    ws.sql().execute(
        "UPDATE sessions SET expires_at = '2000-01-01 00:00:00'",
        &[],
    );
    let (status, _) = client.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = client.get("/inspect").await;
    assert!(
        page.url().as_str().ends_with("/login?expired=1"),
        "{}",
        page.url()
    );

    // Signing out ends the session.
    let client = app.sign_in("wang", PASSWORD).await;
    let response = client.post_form("/logout", &[]).await;
    assert!(response.url().as_str().ends_with("/login"));
    let (status, _) = client.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_planted_session_id_never_becomes_a_session() {
    let (_ws, app) = app().await;
    let planted = "a".repeat(64);
    let response = app
        .bare_sign_in(
            Some(&format!("hallscore_session={planted}")),
            "wang",
            PASSWORD,
        )
        .await;
    let issued: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|c| c.starts_with("hallscore_session="))
        .map(str::to_string)
        .collect();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert!(
        !issued[0].contains(&planted),
        "a new id is issued at sign-in"
    );
    assert!(issued[0].contains("HttpOnly") && issued[0].contains("SameSite=Lax"));
}

#[tokio::test]
async fn sign_in_is_throttled_after_repeated_failures() {
    let (_ws, app) = app().await;
    let client = app.session();
    let attempt = |password| client.attempt_sign_in("wang", password);
    for _ in 0..5 {
        let response = attempt("wrong-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response
                .text()
                .await
                .expect("text")
                .contains("用户名或密码不正确")
        );
    }
    let response = attempt(PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(response.text().await.expect("text").contains("15 分钟"));
}

#[tokio::test]
async fn scope_is_enforced_for_visits_and_reports() {
    let (ws, app) = app().await;
    let wang = app.sign_in("wang", PASSWORD).await;
    assert_eq!(
        wang.post_json("/api/v1/visits", &visit(V1, "XP01")).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        wang.post_json("/api/v1/visits", &visit(V2, "BY01")).await.0,
        StatusCode::CREATED
    );

    let xp = app.sign_in("xp", PASSWORD).await;
    let li = app.sign_in("li", PASSWORD).await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let url = |id: &str| format!("/api/v1/visits/{id}");
    assert_eq!(
        xp.get(&url(V1)).await.status(),
        StatusCode::OK,
        "西平's own visit"
    );
    assert_eq!(
        xp.get(&url(V2)).await.status(),
        StatusCode::NOT_FOUND,
        "泌阳's visit by URL"
    );
    assert_eq!(
        li.get(&url(V1)).await.status(),
        StatusCode::NOT_FOUND,
        "another inspector's visit"
    );
    assert_eq!(boss.get(&url(V2)).await.status(), StatusCode::OK);
    assert_eq!(
        xp.get(&format!("/visits/{V2}")).await.status(),
        StatusCode::NOT_FOUND,
        "the visit page too"
    );

    let rankings: Value = xp.get_json("/api/v1/reports/rankings?period=2024-Q3").await;
    let codes: Vec<&str> = rankings["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["XP01", "XP02"], "only 西平's halls");
    assert_eq!(
        rankings["calibration"],
        json!([]),
        "calibration is for admins"
    );
    let districts: Value = xp
        .get_json("/api/v1/reports/rankings?period=2024-Q3&level=district")
        .await;
    assert_eq!(
        districts["rows"].as_array().map(Vec::len),
        Some(2),
        "every district"
    );
    assert_eq!(
        xp.get("/api/v1/reports/shortboards?period=2024-Q3&scope=branch:BY01")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        wang.get("/api/v1/reports/rankings?period=2024-Q3")
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "inspectors record, they do not read reports"
    );
    let bad = xp.get("/api/v1/reports/rankings?period=2024-Q9").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = bad.json().await.expect("json");
    assert_eq!(error["error"]["field"], "period");

    // A district manager's workbook download holds only their halls.
    let bytes = xp.download("/exports/rankings.xlsx?period=2024-Q3").await;
    let sheets = hallscore::formats::read::read_workbook("r.xlsx", bytes).expect("a workbook");
    let halls = &sheets[1];
    assert_eq!(halls.name, "网点排名");
    assert_eq!(halls.rows.len(), 3, "a header and 西平's two halls");
    drop(ws);
}

#[tokio::test]
async fn the_api_answers_bearer_tokens_with_the_cli_s_figures() {
    let (ws, app) = app().await;
    let visits = ws.write(
        "v.csv",
        "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nT1,XP01,2024-07-03,small,是,是,优,8\nT2,BY01,2024-07-04,small,否,是,差,20\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    let token = ws.api_token("boss");
    let (_, api) = app
        .get_json(
            "/api/v1/reports/rankings?period=2024-Q3&level=district",
            &token,
        )
        .await;
    let cli = ws.rankings("2024-Q3", &["--level", "district"]);
    assert_eq!(api, cli, "one code path for the figures");
    let (wrong, _) = app
        .get_json("/api/v1/reports/rankings?period=2024-Q3", &"0".repeat(64))
        .await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    let stored = ws.sql().text("SELECT token_hash FROM api_tokens", &[]);
    assert_ne!(stored, token, "only a hash is kept");
}

/// A 1×1 JPEG.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

/// Uploads a photo of item A01 of a visit through the API.
async fn upload_photo(user: &Session, visit: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let (status, body) = user
        .post_multipart(
            "/api/v1/photos",
            &[("visit_id", visit), ("item_code", "A01")],
            Some(("p.jpg", bytes)),
        )
        .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn photos_are_checked_and_kept_in_scope() {
    let (_ws, app) = app().await;
    let wang = app.sign_in("wang", PASSWORD).await;
    let (status, body) = upload_photo(&wang, V2, b"%PDF-1.4 not an image".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("不是 JPEG")
    );
    let (status, _) = upload_photo(&wang, V2, vec![0xFF; 6 * 1024 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = upload_photo(&wang, "../../etc", JPEG.to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, photo) = upload_photo(&wang, V2, JPEG.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    assert_eq!(
        wang.post_json("/api/v1/visits", &visit(V2, "BY01")).await.0,
        StatusCode::CREATED
    );
    let url = photo["url"].as_str().expect("url");
    let image = wang.get(url).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    assert_eq!(image.bytes().await.expect("bytes").as_ref(), JPEG);
    let xp = app.sign_in("xp", PASSWORD).await;
    assert_eq!(
        xp.get(url).await.status(),
        StatusCode::NOT_FOUND,
        "泌阳's photo"
    );
    let by = app.sign_in("by", PASSWORD).await;
    assert_eq!(by.get(url).await.status(), StatusCode::OK);
    let traversal = by.get("/photos/..%2F..%2Fhallscore.db").await;
    assert_eq!(traversal.status(), StatusCode::NOT_FOUND);
    let files: Vec<_> = std::fs::read_dir(app.photos().join(V2))
        .expect("the photo folder")
        .collect();
    assert_eq!(files.len(), 1, "only the accepted photo is kept");
}

#[tokio::test]
async fn evidence_rules_are_enforced_before_a_visit_is_stored() {
    let (ws, app) = app().await;
    let strict = ws.write(
        "strict.toml",
        crate::helpers::SMALL_CHECKLIST.replace(
            "version = 1",
            "version = 2\nmin_photos = 1\ncomment_min_chars = 10",
        ),
    );
    ws.run(&["checklist", "load", &strict]).success();
    let wang = app.sign_in("wang", PASSWORD).await;
    let (status, body) = wang.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "notes", "{body}");
    let mut long = visit(V1, "XP01");
    long["notes"] = json!("营业厅整体环境整洁,员工服务热情");
    let (status, body) = wang.post_json("/api/v1/visits", &long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "photos", "{body}");
    assert_eq!(
        upload_photo(&wang, V1, JPEG.to_vec()).await.0,
        StatusCode::CREATED
    );
    let (status, body) = wang.post_json("/api/v1/visits", &long).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["checklist"]["version"], 2);
}

#[tokio::test]
async fn drafts_belong_to_their_inspector() {
    let (_ws, app) = app().await;
    let wang = app.sign_in("wang", PASSWORD).await;
    let draft = json!({"id": V1, "branch_code": "XP01", "answers": {"A01": "是"}});
    let (status, _) = wang.put_json(&format!("/api/v1/drafts/{V1}"), &draft).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let back: Value = wang.get_json(&format!("/api/v1/drafts/{V1}")).await;
    assert_eq!(back, draft);
    let page = wang.get_text("/inspect").await.1;
    assert!(
        page.contains(&format!("data-draft=\"{V1}\"")),
        "listed for its inspector"
    );

    let li = app.sign_in("li", PASSWORD).await;
    assert_eq!(
        li.get(&format!("/api/v1/drafts/{V1}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = li
        .put_json(&format!("/api/v1/drafts/{V1}"), &json!({"answers": {}}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another's draft cannot be overwritten"
    );

    // Submitting the visit clears its draft.
    let mut full = visit(V1, "XP01");
    full["answers"]["A01"] = json!("是");
    assert_eq!(
        wang.post_json("/api/v1/visits", &full).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        wang.get(&format!("/api/v1/drafts/{V1}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The demo's inspector signs in as wangmin and visits halls as 王敏: the
/// demo visits under that name are theirs, and so is what they submit.
#[tokio::test]
async fn an_inspector_s_visits_are_those_under_their_display_name() {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    let app = TestApp::spawn(&ws.db()).await;
    let client = app.sign_in("wangmin", "hallscore-demo").await;
    let page = client.get_text("/inspect").await.1;
    let ids: Vec<&str> = page
        .split("href=\"/visits/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(ids.len() >= 10, "the demo visits are listed: {ids:?}");
    let mut shown = None;
    for id in &ids {
        let visit = client.get_json(&format!("/api/v1/visits/{id}")).await;
        assert_eq!(visit["inspector"], "王敏", "{visit}");
        shown = Some(visit);
    }

    // Another inspector's visit stays out of reach.
    let checklist = with_store(&ws.db(), |store| store.checklist("hall-visit")).expect("checklist");
    let others = hallscore::app::demo::visits(&checklist)
        .into_iter()
        .find(|v| v.inspector.as_deref() != Some("王敏"))
        .and_then(|v| v.visit_id)
        .expect("a visit by someone else");
    assert_eq!(
        client
            .get(&format!("/api/v1/visits/{others}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A visit from the tablet carries the display name, and calibration
    // knows one 王敏.
    let shown = shown.expect("a visit");
    let body = json!({
        "id": V2,
        "branch_code": shown["branch_code"],
        "checklist": "hall-visit",
        "visited_at": "2026-09-29T10:00:00+08:00",
        "answers": shown["answers"],
    });
    let (status, stored) = client.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["inspector"], "王敏");
    let page = client.get_text("/inspect").await.1;
    assert!(page.contains(&format!("href=\"/visits/{V2}\"")), "{page}");
    let report = ws.rankings("2026-Q3", &[]);
    let names: Vec<&str> = report["calibration"]
        .as_array()
        .expect("calibration")
        .iter()
        .filter_map(|c| c["inspector"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "王敏").count(),
        1,
        "{names:?}"
    );
    assert!(!names.contains(&"wangmin"), "{names:?}");
}

/// The plan of July 2024 (one visit per hall, shared by wang and li) and
/// its assignments as `plan show` gives them.
fn july_plan(ws: &Workspace) -> Vec<Value> {
    ws.run(&[
        "plan",
        "make",
        "--period",
        "2024-07-01..2024-07-31",
        "--visits-per-hall",
        "1",
        "--seed=1",
    ])
    .success();
    let plan = ws
        .run(&[
            "plan",
            "show",
            "--period",
            "2024-07-01..2024-07-31",
            "--format",
            "json",
        ])
        .success()
        .json();
    plan["assignments"].as_array().expect("assignments").clone()
}

/// The visit row linked to an assignment, read straight from the database.
fn linked_visit(ws: &Workspace, assignment: &Value) -> Option<String> {
    ws.sql().optional_text(
        "SELECT v.visit_id FROM assignments a LEFT JOIN visits v ON v.id = a.visit_id
         WHERE a.id = ?1",
        &[assignment["id"].as_i64().expect("an assignment id").into()],
    )
}

fn visit_count(ws: &Workspace) -> i64 {
    ws.sql().i64("SELECT count(*) FROM visits", &[])
}

#[tokio::test]
async fn a_visit_from_a_task_carries_its_assignment_and_links_it() {
    let (ws, app) = app().await;
    let plan = july_plan(&ws);
    let of = |who: &str| -> Vec<Value> {
        plan.iter()
            .filter(|a| a["inspector"] == who)
            .cloned()
            .collect()
    };
    let (wang_tasks, li_tasks) = (of("wang"), of("li"));
    assert!(!wang_tasks.is_empty() && !li_tasks.is_empty(), "{plan:?}");
    let task = &wang_tasks[0];
    let hall = task["branch_code"].as_str().expect("a hall");
    let other_hall = ["XP01", "XP02", "BY01", "BY02"]
        .into_iter()
        .find(|h| *h != hall)
        .expect("another hall");
    let wang = app.sign_in("wang", PASSWORD).await;
    let before = visit_count(&ws);

    // Another's task, a task of another hall, a task that does not exist:
    // refused, naming the field, and nothing stored.
    let mut body = visit(V1, li_tasks[0]["branch_code"].as_str().expect("a hall"));
    body["assignment"] = li_tasks[0]["id"].clone();
    let (status, refused) = wang.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "assignment", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("任务 {}", li_tasks[0]["id"]))
            && message.contains("不是分派给 wang"),
        "{message}"
    );
    let mut body = visit(V1, other_hall);
    body["assignment"] = task["id"].clone();
    let (status, refused) = wang.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "assignment", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("是网点 {hall} 的任务")) && message.contains(other_hall),
        "{message}"
    );
    let mut body = visit(V1, hall);
    body["assignment"] = json!(99_999);
    let (status, refused) = wang.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["message"], "没有编号为 99999 的任务");
    assert_eq!(visit_count(&ws), before, "nothing stored");
    assert_eq!(linked_visit(&ws, &li_tasks[0]), None);
    assert_eq!(linked_visit(&ws, task), None);

    // Its own task at its hall: stored and linked at once.
    body["assignment"] = task["id"].clone();
    let (status, stored) = wang.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["assignment"], task["id"], "{stored}");
    assert_eq!(linked_visit(&ws, task).as_deref(), Some(V1));
    let (status, _) = wang.post_json("/api/v1/visits", &body).await;
    assert_eq!(status, StatusCode::OK, "the same visit sent again");
    let fetched = wang.get_json(&format!("/api/v1/visits/{V1}")).await;
    assert_eq!(fetched["assignment"], task["id"]);
    let page = wang.get_text(&format!("/visits/{V1}")).await.1;
    assert!(
        page.contains(&format!("任务 #{}", task["id"])) && !page.contains("计划外"),
        "the visit page names its task"
    );

    // A second visit cannot carry out the same task.
    let mut again = visit(V2, hall);
    again["assignment"] = task["id"].clone();
    let (status, refused) = wang.post_json("/api/v1/visits", &again).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        format!("任务 {} 已由另一次暗访({V1})完成", task["id"])
    );
    assert_eq!(visit_count(&ws), before + 1);
}

#[tokio::test]
async fn a_visit_without_an_assignment_is_kept_and_marked_unplanned() {
    let (ws, app) = app().await;
    july_plan(&ws);
    let wang = app.sign_in("wang", PASSWORD).await;
    let (status, stored) = wang.post_json("/api/v1/visits", &visit(V2, "XP02")).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["assignment"], Value::Null, "{stored}");
    assert!(
        stored
            .as_object()
            .expect("an object")
            .contains_key("assignment"),
        "the field is there, null: {stored}"
    );
    let page = wang.get_text(&format!("/visits/{V2}")).await.1;
    assert!(page.contains("计划外"), "the visit page marks it unplanned");
    let list = wang.get_text("/inspect").await.1;
    let line = list
        .split(&format!("href=\"/visits/{V2}\""))
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .expect("the visit in the inspector's list");
    assert!(line.contains("计划外"), "{line}");
}

#[tokio::test]
async fn pages_carry_security_headers_and_speak_both_languages() {
    let (_ws, app) = app().await;
    let client = app.session();
    let response = client.get("/login").await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        response.text().await.expect("text").contains("登录"),
        "Chinese first"
    );
    let english = client.get_text("/lang/en").await.1;
    assert!(english.contains("Sign in"), "{english}");
    let missing = client.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_reads_every_report_page_in_english() {
    let ws = workspace_with_roster();
    let visits = ws.write(
        "visits.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         E1,XP01,2024-07-03 10:00,王,small,否,是,优,8\n\
         E2,XP02,2024-07-04 10:00,王,small,是,是,良,8\n\
         E3,BY01,2024-07-05 10:00,李,small,是,是,优,8\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("boss", "admin", None, PASSWORD);
    let app = TestApp::spawn(&ws.db()).await;
    let mut client = app.session();
    assert_eq!(client.get("/lang/en").await.status(), StatusCode::OK);
    client.sign_in("boss", PASSWORD).await;
    report_pages_are_in_english(&client).await;
    admin_pages_are_in_english(&client).await;
}

/// The status of `GET path` is 200: its page.
async fn ok_page(session: &Session, path: &str) -> String {
    let (status, page) = session.get_text(path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    page
}

/// The page speaks English: it says every one of `present` and none of
/// `absent`.
fn english(page: &str, path: &str, present: &[&str], absent: &[&str]) {
    assert!(page.contains("<html lang=\"en\">"), "{path}: {page}");
    for text in present {
        assert!(page.contains(text), "{path} says {text:?}: {page}");
    }
    for text in absent {
        assert!(!page.contains(text), "{path} has no {text:?}: {page}");
    }
}

/// The dashboard and a county's page, in English.
async fn report_pages_are_in_english(client: &Session) {
    let dashboard = ok_page(client, "/dashboard?period=2024-Q3&checklist=small").await;
    english(
        &dashboard,
        "/dashboard",
        &[
            "<label>Period",
            ">Show</button>",
            "2024-07-01 to 2024-09-30 (previous period 2024-04-01 to 2024-06-30) · ",
            "(small version 1)",
            "Whole region Score rate",
            "Download the ranking workbook",
            "Top three and bottom three",
            "<h2>County ranking</h2>",
            "<h2>Hall ranking</h2>",
            "<th>Rank (possible ranks)</th><th>County</th><th class=\"num\">Halls</th>",
            "<th class=\"num adjusted\">Adjusted</th>",
            "Funnel plot: score rate by number of visits",
            "Rank by inspector-adjusted rates",
            "Weak spots: the items with the lowest score rate",
            "aria-label=\"Items with the lowest score rate\"",
            "Pareto of lost points",
            "Waiting times by county",
            "90th percentile",
        ],
        &[
            "期间",
            " 至 ",
            "上期",
            "全区",
            "暗访次数",
            "下载排名工作簿",
            "前三名与后三名",
            "区县排名",
            "营业厅排名",
            "短板",
            "得分率最低的检查项",
            "失分帕累托",
            "超时率",
            "中位数",
            "第 1 版",
        ],
    );

    let county = ok_page(client, "/districts/西平?period=2024-Q3").await;
    english(
        &county,
        "/districts/西平",
        &[
            "<h1>西平 county</h1>",
            "2 halls",
            "Score rate over the last six periods",
            "Weakest items",
            "Sections: here / the county / the whole region",
        ],
        &[
            "分公司",
            "个营业厅",
            "近六期得分率",
            "最弱的检查项",
            "各大项",
            "本单位",
        ],
    );
}

/// Publishing, the imports page with a failed and a checked upload, and
/// the audit log, in English.
async fn admin_pages_are_in_english(client: &Session) {
    let appeals = publish_small_quarter(client).await;
    english(
        &appeals,
        "/appeals",
        &[
            "<h1>Publish the results of a period</h1>",
            "Appeal window (days)",
            "Publish / re-issue",
            "<th>Published by</th><th>Appeal window and changes</th>",
            "7 days; 0 changes",
            "<h1>Appeals</h1>",
            "No appeals.",
            "<th>Requested answer</th><th>Reason</th><th>Filed by</th>",
        ],
        &[
            "发布期间结果",
            "申诉期",
            "发布人",
            "天;变更",
            "没有申诉",
            "申诉答案",
            "申诉人",
            "待处理",
        ],
    );

    let imports = ok_page(client, "/admin/imports").await;
    english(
        &imports,
        "/admin/imports",
        &[
            "<h2>Hall roster</h2>",
            "Check only, write nothing",
            "Upload the roster",
            "Upload the visit results",
            "Scoring rules (checklist)",
            "Pass mark",
            "Load the checklist",
        ],
        &[
            "网点名单",
            "只检查",
            "上传",
            "评分细则",
            "达标线",
            "载入检查表",
        ],
    );
    let (status, failed) = client
        .post_multipart(
            "/admin/imports/visits",
            &[],
            Some((
                "bad.csv",
                "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nW1,ZZ9,2024-07-03,small,是,是,优,8\n"
                    .as_bytes()
                    .to_vec(),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    english(
        &failed,
        "a failed upload",
        &[
            "bad.csv: 1 error, nothing was written",
            "<th>Sheet</th><th class=\"num\">Row</th><th>Column</th>",
        ],
        &["处错误", "未写入任何数据", "工作表", "表头"],
    );
    let (_, checked) = client
        .post_multipart(
            "/admin/imports/roster",
            &[("dry_run", "on")],
            Some((
                "roster.csv",
                "区县,网点编码,网点名称\n西平,XP09,西平九厅\n"
                    .as_bytes()
                    .to_vec(),
            )),
        )
        .await;
    english(
        &checked,
        "a checked roster",
        &[
            "Hall roster “roster.csv”: sheet “",
            ": 1 new, 0 updated, ",
            "(dry run, nothing written)",
        ],
        &["网点名单「", "新增", "试运行"],
    );

    let audit = ok_page(client, "/admin/audit").await;
    english(
        &audit,
        "/admin/audit",
        &[
            "<h1>Audit log</h1>",
            "<label>Actor",
            ">Filter</button>",
            "<th>Time</th><th>Actor</th><th>Action</th><th>Object</th><th>Id</th><th>Change (before → after)</th>",
        ],
        &["审计日志", "操作人", "筛选", "之前", "之后"],
    );
}

/// Four more halls, each visited six times in 2024-Q3: six ordinary halls
/// scoring 100%, 45%, 100%, 45%, 65%, 65% (a 70% hall whose visits spread
/// widely), XP03 at 100% every time and BY04 at 0% every time. The region
/// is at 65% and σ̂ about 21.6 points, so the funnel's 99.8% limits for six
/// visits run from about 38% to 92%: XP03 is above, BY04 below.
fn workspace_with_outliers() -> Workspace {
    let ws = workspace_with_roster();
    let roster = ws.write(
        "more.csv",
        "区县,网点编码,网点名称,地市\n\
         西平,XP03,西平三厅,驻马店\n西平,XP04,西平四厅,驻马店\n\
         泌阳,BY03,泌阳三厅,驻马店\n泌阳,BY04,泌阳四厅,驻马店\n",
    );
    ws.run(&["import", "roster", &roster]).success();
    let full = "是,是,优,8";
    let (low, middle) = ("否,是,良,12", "是,是,良,12");
    let zero = "否,否,差,20";
    let mut csv = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n");
    for hall in [
        "XP01", "XP02", "XP04", "BY01", "BY02", "BY03", "XP03", "BY04",
    ] {
        let answers = match hall {
            "XP03" => [full; 6],
            "BY04" => [zero; 6],
            _ => [full, low, full, low, middle, middle],
        };
        for (i, a) in answers.iter().enumerate() {
            csv.push_str(&format!(
                "{hall}-{i},{hall},2024-08-{:02},王,small,{a}\n",
                i + 1
            ));
        }
    }
    let visits = ws.write("visits.csv", csv);
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("boss", "admin", None, PASSWORD);
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    ws
}

/// The `data-limits` of the funnel's limit curves in a page.
fn funnel_limits(page: &str) -> Vec<String> {
    page.split("<polyline class=\"limit ")
        .skip(1)
        .map(|p| crate::helpers::attribute_after(p, "data-limits=\""))
        .collect()
}

#[tokio::test]
async fn the_funnel_names_the_halls_outside_its_limits_for_each_reader() {
    let ws = workspace_with_outliers();
    let app = TestApp::spawn(&ws.db()).await;
    let token = ws.api_token("boss");
    let (_, rankings) = app
        .get_json("/api/v1/reports/rankings?period=2024-Q3", &token)
        .await;
    let signals: Vec<(&str, &Value)> = rankings["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["code"].as_str().unwrap_or_default(), &r["signal"]))
        .filter(|(_, s)| !s.is_null())
        .collect();
    assert_eq!(
        signals,
        [("XP03", &json!("above")), ("BY04", &json!("below"))],
        "{rankings}"
    );

    let admin = app.sign_in("boss", PASSWORD).await;
    let page = admin.get_text("/dashboard?period=2024-Q3").await.1;
    assert_eq!(page.matches("<circle class=\"point").count(), 8, "{page}");
    let outside = page
        .split("id=\"funnel-outside\"")
        .nth(1)
        .and_then(|p| p.split("</div>").next())
        .expect("the list under the funnel");
    assert!(
        outside.contains("显著偏高</strong> <a href=\"/halls/XP03?")
            && outside.contains("显著偏低</strong> <a href=\"/halls/BY04?"),
        "{outside}"
    );
    assert!(!outside.contains("没有营业厅超出"), "{outside}");
    let limits = funnel_limits(&page);
    assert_eq!(limits.len(), 4, "the 95% and the 99.8% pair of curves");

    // The 西平 manager: their four halls' points, XP03 named, the same limits.
    let manager = app.sign_in("xp", PASSWORD).await;
    let mine = manager.get_text("/dashboard?period=2024-Q3").await.1;
    assert_eq!(mine.matches("<circle class=\"point").count(), 4);
    assert!(mine.contains("/halls/XP03?") && !mine.contains("泌阳四厅"));
    assert_eq!(
        funnel_limits(&mine),
        limits,
        "the same limits for every reader"
    );
    // A 西平 hall inside the limits says so on its page; XP03 says it is high.
    for (hall, words) in [("XP01", "控制限以内"), ("XP03", "显著偏高")] {
        let page = manager
            .get_text(&format!("/halls/{hall}?period=2024-Q3"))
            .await
            .1;
        let signal = page
            .split("id=\"unit-signal\">")
            .nth(1)
            .and_then(|p| p.split("</p>").next())
            .expect("a funnel line");
        assert!(signal.contains(words), "{hall}: {signal}");
    }
}

#[tokio::test]
async fn without_repeat_visits_there_is_no_funnel_and_the_pages_say_why() {
    let (ws, app) = app().await;
    let visits = ws.write(
        "visits.csv",
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         N1,XP01,2024-07-03,王,small,是,是,优,8\n\
         N2,XP02,2024-07-04,王,small,否,是,良,12\n\
         N3,BY01,2024-07-05,李,small,是,否,优,8\n",
    );
    ws.run(&["import", "visits", &visits]).success();
    let token = ws.api_token("boss");
    let (_, rankings) = app
        .get_json("/api/v1/reports/rankings?period=2024-Q3", &token)
        .await;
    assert_eq!(rankings["spread"], json!({"sigma": null, "df": 0}));
    let admin = app.sign_in("boss", PASSWORD).await;
    for path in ["/dashboard?period=2024-Q3", "/halls/XP01?period=2024-Q3"] {
        let page = admin.get_text(path).await.1;
        assert!(
            page.contains("重复暗访太少(自由度 0,至少需要 2)"),
            "{path}: {page}"
        );
        assert!(!page.contains("svg class=\"chart funnel\""), "{path}");
        assert!(!page.contains("class=\"rank-range\""), "{path}");
        assert!(!page.contains("<svg class=\"interval-bar\""), "{path}");
    }
}

#[tokio::test]
async fn only_admins_rank_by_adjusted_rates() {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    let app = TestApp::spawn(&ws.db()).await;
    let get = async |token: &str, query: &str| {
        app.get_json(
            &format!("/api/v1/reports/rankings?period=2026-Q3{query}"),
            token,
        )
        .await
    };
    let admin = ws.api_token("admin");
    let (status, plain) = get(&admin, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plain["adjust"], Value::Null);
    let (status, adjusted) = get(&admin, "&adjust=inspectors").await;
    assert_eq!(status, StatusCode::OK, "{adjusted}");
    assert_eq!(adjusted["adjust"], "inspectors");
    // Ranked by the adjusted rates, which are the plain report's.
    let rows = adjusted["rows"].as_array().expect("rows");
    let rates: Vec<f64> = rows.iter().filter_map(|r| r["rate"].as_f64()).collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    for row in rows {
        let before = plain["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["code"] == row["code"])
            .expect("the same hall");
        assert_eq!(row["rate"], before["adjusted_rate"], "{}", row["code"]);
    }
    let order = |r: &Value| -> Vec<Value> {
        r["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["code"].clone())
            .collect()
    };
    assert_ne!(order(&adjusted), order(&plain));

    // Unknown values are a mistake; a manager may not ask at all.
    for query in ["&adjust=halls", "&adjust="] {
        let (status, body) = get(&admin, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], "adjust");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("应为 inspectors")),
            "{body}"
        );
    }
    let manager = ws.api_token("xiping");
    let (status, body) = get(&manager, "&adjust=inspectors").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["field"], "adjust");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("仅限管理员")),
        "{body}"
    );
    let (status, own) = get(&manager, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["inspectors"], json!([]), "no inspector effects");

    // The workbook downloaded from the adjusted page ranks as it does.
    let boss = app.sign_in("admin", "hallscore-admin").await;
    let hall_order = |bytes: Vec<u8>| -> Vec<Value> {
        let sheets = hallscore::formats::read::read_workbook("r.xlsx", bytes).expect("a workbook");
        let halls = sheets
            .iter()
            .find(|s| s.name == "网点排名")
            .expect("a hall ranking sheet");
        let codes = order(&plain);
        halls
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| json!(c.display())))
            .filter(|c| codes.contains(c))
            .collect()
    };
    for (query, report) in [("", &plain), ("&adjust=inspectors", &adjusted)] {
        let bytes = boss
            .download(&format!("/exports/rankings.xlsx?period=2026-Q3{query}"))
            .await;
        assert_eq!(hall_order(bytes), order(report), "{query}");
    }

    // On the pages a manager's request for it changes nothing.
    let client = app.sign_in("xiping", "hallscore-demo").await;
    for query in ["", "&adjust=inspectors"] {
        let page = ok_page(&client, &format!("/dashboard?period=2026-Q3{query}")).await;
        assert!(!page.contains("校准后"), "{query}");
        assert!(!page.contains("adjust=inspectors"), "{query}");
    }
    let wrong = client.get("/dashboard?period=2026-Q3&adjust=halls").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .expect("text")
            .contains("应为 inspectors")
    );
}
