//! Review before a visit counts, end to end: visits of a checklist with
//! `review = true` wait as pending, count nowhere until accepted, are
//! flagged when they or their photos arrive, and are decided from the
//! command line and the API; every refusal changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    SMALL_CHECKLIST, Session, TestApp, Workspace, ranking_row, run_python, workspace_with_roster,
};

pub const PASSWORD: &str = "correct-horse-1";

const V1: &str = "0b6f5a52-3f55-4b8f-9a34-1b2d3c4d5e6f";
const V2: &str = "5d2c9e0a-7b1f-4c3e-8a9d-0e1f2a3b4c5d";
const V3: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const V4: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/// The small checklist under another id, its visits held for review.
fn reviewed_checklist() -> String {
    SMALL_CHECKLIST
        .replacen("id = \"small\"", "id = \"reviewed\"", 1)
        .replacen(
            "title = \"小检查表\"",
            "title = \"需审核\"\nreview = true",
            1,
        )
}

/// The CLI workspace with the `reviewed` checklist loaded, an admin, two
/// inspectors, a reviewing manager for each district and one who may not
/// review.
pub fn workspace() -> Workspace {
    let ws = workspace_with_roster();
    let checklist = ws.write("reviewed.toml", reviewed_checklist());
    ws.run(&["checklist", "load", &checklist]).success();
    ws.add_user("boss", "admin", None, PASSWORD);
    ws.add_user("wang", "inspector", None, PASSWORD);
    ws.add_user("li", "inspector", None, PASSWORD);
    for (name, scope) in [("xp", "district:西平"), ("by", "district:泌阳")] {
        ws.run_with_input(
            &[
                "user",
                "add",
                name,
                "--role",
                "manager",
                "--scope",
                scope,
                "--can-review",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .success();
    }
    ws.add_user("plain", "manager", Some("district:西平"), PASSWORD);
    ws
}

/// A visit of the `reviewed` checklist at 14:20 on 2024-07-03: A01 fails,
/// the stopwatch (B02) measured 12 minutes.
fn visit(id: &str, branch: &str) -> Value {
    json!({
        "id": id,
        "branch_code": branch,
        "checklist": "reviewed",
        "visited_at": "2024-07-03T14:20:00+08:00",
        "answers": {"A01": "否", "A02": "是", "B01": "良", "B02": "12:00"},
    })
}

fn codes(visit: &Value) -> Vec<String> {
    visit["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

fn flag_message(visit: &Value, code: &str) -> String {
    visit["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no flag {code} in {visit}"))["message"]
        .as_str()
        .expect("message")
        .to_string()
}

fn rankings(ws: &Workspace) -> Value {
    ws.rankings("2024-Q3", &["--checklist", "reviewed"])
}

async fn review(session: &Session, id: &str, body: Value) -> (StatusCode, Value) {
    session
        .post_json(&format!("/api/v1/visits/{id}/review"), &body)
        .await
}

/// A JPEG whose EXIF says it was taken at `when` (`YYYY:MM:DD HH:MM:SS`).
fn jpeg_taken_at(when: &str) -> Vec<u8> {
    let mut date = when.as_bytes().to_vec();
    date.push(0);
    assert_eq!(date.len(), 20);
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: the EXIF IFD at 26; the EXIF IFD: DateTimeOriginal at 44.
    tiff.extend_from_slice(&[0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 1, 0x90, 0x03, 0, 2, 0, 0, 0, 20, 0, 0, 0, 44, 0, 0, 0, 0]);
    tiff.extend_from_slice(&date);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

/// A photo without EXIF, different for each `seed`.
fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[seed; 16]);
    bytes
}

async fn upload(session: &Session, visit: &str, bytes: Vec<u8>, taken_at: Option<&str>) -> Value {
    let mut fields = vec![("visit_id", visit)];
    if let Some(taken_at) = taken_at {
        fields.push(("taken_at", taken_at));
    }
    let (status, body) = session
        .post_multipart("/api/v1/photos", &fields, Some(("photo.jpg", bytes)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

#[tokio::test]
async fn a_visit_counts_only_once_accepted_and_every_bad_decision_changes_nothing() {
    let ws = workspace();
    let app = TestApp::spawn(&ws.db()).await;
    let wang = app.sign_in("wang", PASSWORD).await;

    let mut first = visit(V1, "XP01");
    first["minutes_at_hall"] = json!(5);
    let (status, body) = wang.post_json("/api/v1/visits", &first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "pending");
    assert_eq!(codes(&body), ["stopwatch_over_stay"]);
    assert!(flag_message(&body, "stopwatch_over_stay").contains("12.0"));

    // Pending: no figure has it, and the reports say so, the server's
    // cached analyses too.
    let boss = app.sign_in("boss", PASSWORD).await;
    let served = "/api/v1/reports/rankings?period=2024-Q3&checklist=reviewed";
    let before_accept = boss.get_json(served).await;
    assert_eq!(before_accept["pending"], 1);
    let report = rankings(&ws);
    assert_eq!(report["pending"], 1);
    assert_eq!(ranking_row(&report, "XP01")["visits"], 0);
    assert_eq!(ranking_row(&report, "XP01")["rate"], Value::Null);
    let table = ws
        .run(&[
            "report",
            "rankings",
            "--period",
            "2024-Q3",
            "--checklist",
            "reviewed",
        ])
        .success()
        .stdout;
    assert!(table.contains("另有 1 次暗访待审核"), "{table}");

    // The queue: a reviewer sees the visits in their scope, others are
    // turned away.
    let xp = app.sign_in("xp", PASSWORD).await;
    let by = app.sign_in("by", PASSWORD).await;
    let queue = xp.get_json("/api/v1/reviews?period=2024-Q3").await;
    assert_eq!(queue["status"], "pending");
    assert_eq!(queue["visits"][0]["id"], V1);
    assert_eq!(
        queue["visits"][0]["flags"][0]["code"],
        "stopwatch_over_stay"
    );
    let elsewhere = by
        .get_json("/api/v1/reviews?period=2024-Q3&status=pending")
        .await;
    assert_eq!(elsewhere["visits"], json!([]));
    for (name, session) in [
        ("wang", &wang),
        ("plain", &app.sign_in("plain", PASSWORD).await),
    ] {
        let response = session.get("/api/v1/reviews?period=2024-Q3").await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
    }

    // Bad decisions: each says what is wrong, in Chinese, and stores nothing.
    let before = ws.snapshot();
    let refusals = [
        (
            &by,
            json!({"decision": "accept"}),
            StatusCode::NOT_FOUND,
            "不在您的审核范围内",
        ),
        (
            &xp,
            json!({"decision": "approve"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "不是审核决定",
        ),
        (
            &xp,
            json!({"decision": "return"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "退回必须写明",
        ),
        (
            &xp,
            json!({"decision": "exclude", "comment": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "剔除必须写明原因",
        ),
        (
            &wang,
            json!({"decision": "accept"}),
            StatusCode::FORBIDDEN,
            "",
        ),
    ];
    for (session, body, expected, words) in refusals {
        let (status, answer) = review(session, V1, body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().expect("a message");
        assert!(message.contains(words), "{body}: {message}");
    }
    assert_eq!(ws.snapshot(), before, "refused decisions change nothing");

    // Returned with a comment; a second decision on it is refused.
    let (status, answer) = review(
        &xp,
        V1,
        json!({"decision": "return", "comment": "补拍门头照片"}),
    )
    .await;
    assert_eq!(
        (status, &answer["status"]),
        (StatusCode::OK, &json!("returned")),
        "{answer}"
    );
    let before = ws.snapshot();
    let (status, answer) = review(&xp, V1, json!({"decision": "accept"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .expect("message")
            .contains("只有待审核的暗访可以审核"),
        "{answer}"
    );
    assert_eq!(ws.snapshot(), before);
    let fetched = wang.get_json(&format!("/api/v1/visits/{V1}")).await;
    assert_eq!(fetched["status"], "returned");
    assert_eq!(fetched["review_comment"], "补拍门头照片");

    // The inspector corrects it and sends it again under the same id: it
    // waits again, the earlier answers in its history.
    let mut corrected = visit(V1, "XP01");
    corrected["answers"]["A01"] = json!("是");
    let (status, body) = wang.post_json("/api/v1/visits", &corrected).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["history"][0]["reason"], "退回后重新提交");
    assert_eq!(rankings(&ws)["pending"], 1);

    // Publishing waits for the review, naming the visit.
    let before = ws.snapshot();
    let response = boss
        .post_form(
            "/admin/publications",
            &[
                ("checklist", "reviewed"),
                ("period", "2024-Q3"),
                ("appeal_days", "7"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.expect("page");
    assert!(page.contains(V1) && page.contains("待审核"), "{page}");
    assert_eq!(ws.snapshot(), before, "nothing published");

    // Accepted: only now does the ranking change.
    let (status, answer) = review(&boss, V1, json!({"decision": "accept"})).await;
    assert_eq!(
        (status, &answer["status"]),
        (StatusCode::OK, &json!("accepted")),
        "{answer}"
    );
    let report = rankings(&ws);
    assert_eq!(report["pending"], 0);
    assert_eq!(ranking_row(&report, "XP01")["visits"], 1);
    // A01 passes now: (4 + 2 + 2 + 5) / 20.
    assert_eq!(ranking_row(&report, "XP01")["rate"], 0.65);
    let served = boss.get_json(served).await;
    assert_eq!(served["pending"], 0);
    assert_eq!(ranking_row(&served, "XP01")["rate"], 0.65);
    let response = boss
        .post_form(
            "/admin/publications",
            &[
                ("checklist", "reviewed"),
                ("period", "2024-Q3"),
                ("appeal_days", "7"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Every decision is in the audit log, in words.
    let audit = boss.get_text("/admin/audit").await.1;
    for words in ["审核退回", "审核通过", "退回后重新提交", "补拍门头照片"] {
        assert!(audit.contains(words), "{words} in the audit page");
    }
}

#[tokio::test]
async fn every_flag_is_raised_where_it_should_be() {
    let ws = workspace();
    let app = TestApp::spawn(&ws.db()).await;
    let wang = app.sign_in("wang", PASSWORD).await;
    let xp = app.sign_in("xp", PASSWORD).await;

    // V1 at 14:20 with a photo taken (EXIF) at 09:15: over two hours apart.
    let photo = upload(
        &wang,
        V1,
        jpeg_taken_at("2024:07:03 09:15:00"),
        Some("2024-07-03T14:00:00"),
    )
    .await;
    assert_eq!(
        photo["taken_from"], "exif",
        "EXIF wins over the device's time"
    );
    let (status, body) = wang.post_json("/api/v1/visits", &visit(V1, "XP01")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(codes(&body), ["photo_time"]);
    assert!(flag_message(&body, "photo_time").contains("EXIF"));

    // V2 by li at 20:30, after closing; then a photo sent for V1 too, and
    // one whose time only the tablet read.
    let mut late = visit(V2, "BY01");
    late["visited_at"] = json!("2024-07-04T20:30:00+08:00");
    late["answers"]["B01"] = json!("优");
    let li = app.sign_in("li", PASSWORD).await;
    let (status, body) = li.post_json("/api/v1/visits", &late).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(codes(&body), ["outside_hours"]);
    upload(&li, V2, jpeg_taken_at("2024:07:03 09:15:00"), None).await;
    let photo = upload(&li, V2, png(7), Some("2024-07-01T08:00:00+08:00")).await;
    assert_eq!(photo["taken_from"], "device");
    let by = app.sign_in("by", PASSWORD).await;
    let fetched = by.get_json(&format!("/api/v1/visits/{V2}")).await;
    assert_eq!(
        codes(&fetched),
        ["outside_hours", "photo_reused", "photo_time", "photo_time"],
        "{fetched}"
    );
    assert!(flag_message(&fetched, "photo_reused").contains(V1));
    // Photos sent within a second have no fixed order: find each source.
    let times: Vec<&str> = fetched["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter(|f| f["code"] == "photo_time")
        .map(|f| f["message"].as_str().expect("message"))
        .collect();
    assert!(
        times.iter().any(|m| m.contains("EXIF"))
            && times.iter().any(|m| m.contains("由平板在压缩前读取")),
        "{times:?}"
    );

    // V3: wang at XP01 again a week later, with the same answers as V1.
    let mut again = visit(V3, "XP01");
    again["visited_at"] = json!("2024-07-10T10:00:00+08:00");
    let (status, body) = wang.post_json("/api/v1/visits", &again).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(codes(&body), ["lockout", "same_answers"]);
    assert!(flag_message(&body, "lockout").contains(V1));

    // V4: another hall, other answers, within hours: nothing to flag.
    let mut plain = visit(V4, "XP02");
    plain["answers"]["A01"] = json!("是");
    let (status, body) = wang.post_json("/api/v1/visits", &plain).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(codes(&body), Vec::<String>::new());

    // The reviewer's queue shows the flags; a visit of a checklist without
    // review is accepted at once and never flagged.
    let queue = xp.get_json("/api/v1/reviews?period=2024-Q3").await;
    let ids: Vec<&str> = queue["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [V1, V4, V3], "西平's visits only, oldest first");
    let mut unreviewed = visit("77777777-7777-4777-8777-777777777777", "XP01");
    unreviewed["checklist"] = json!("small");
    unreviewed["visited_at"] = json!("2024-07-03T22:00:00+08:00");
    let (status, body) = wang.post_json("/api/v1/visits", &unreviewed).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (&body["status"], &body["flags"]),
        (&json!("accepted"), &json!([]))
    );
}

/// The 说明 sheet's rows (first two cells), read by openpyxl.
const READ_NOTES: &str = r#"
import json, sys, openpyxl
sheet = openpyxl.load_workbook(sys.argv[1])["说明"]
print(json.dumps([[c for c in row[:2]] for row in sheet.iter_rows(values_only=True)], default=str))
"#;

/// Five visits of the `reviewed` checklist in 2024-Q3, as an agency's sheet.
pub const VISITS_CSV: &str = "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01 着工装,A02、戴工牌,微笑,B02
R1,XP01,2024-07-03 10:00,王,reviewed,是,是,优,8
R2,XP01,2024/7/20 15:00,李,reviewed,否,√,良,12:00
R3,XP02,2024-08-01 09:30,王,reviewed,Y,否,优,不适用
R4,BY01,2024-09-10 11:00,李,reviewed,1,是,差,16
R5,BY01,2024-09-11 11:00,王,reviewed,pass,是,优,10
";

#[test]
fn the_command_line_reviews_imported_visits() {
    let ws = workspace();
    let visits = ws.write("visits.csv", VISITS_CSV);
    ws.run(&["import", "visits", &visits]).success();
    let report = rankings(&ws);
    assert_eq!(report["pending"], 5);
    assert!(
        report["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["visits"] == 0),
        "no pending visit counts: {report}"
    );

    // The workbook's 说明 sheet says so too.
    let book = ws.path("reviewed.xlsx").display().to_string();
    ws.run(&[
        "export",
        "rankings",
        "--period",
        "2024-Q3",
        "--checklist",
        "reviewed",
        "--out",
        &book,
    ])
    .success();
    let notes = run_python(READ_NOTES, &[&book]);
    let pending = notes
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row[0] == "待审核")
        .unwrap_or_else(|| panic!("no 待审核 row in {notes}"));
    assert!(
        pending[1]
            .as_str()
            .expect("text")
            .contains("另有 5 次暗访待审核"),
        "{pending}"
    );

    let listed = ws
        .run(&["review", "list", "--period", "2024-Q3", "--format", "json"])
        .success()
        .json();
    let ids: Vec<&str> = listed["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["R1", "R2", "R3", "R4", "R5"]);
    let table = ws
        .run(&["review", "list", "--period", "2024-Q3"])
        .success()
        .stdout;
    assert!(
        table.contains("待审核的暗访") && table.contains("R5"),
        "{table}"
    );

    // Refused: nothing changes, and the message says why.
    let before = ws.snapshot();
    for (args, words) in [
        (vec!["review", "return", "R1"], "退回必须写明"),
        (vec!["review", "exclude", "R2"], "剔除必须写明原因"),
        (vec!["review", "accept", "R1", "NOPE"], "没有暗访 NOPE"),
        (
            vec!["review", "list", "--period", "2024-Q3", "--status", "done"],
            "无效的审核状态",
        ),
    ] {
        let error = ws.run(&args).failure();
        assert!(error.contains(words), "{args:?}: {error}");
    }
    assert_eq!(ws.snapshot(), before);

    ws.run(&["review", "accept", "R1", "R2"]).success();
    let out = ws
        .run(&["review", "exclude", "R4", "--comment", "暗访员未到店"])
        .success()
        .stdout;
    assert!(out.contains("R4:已剔除"), "{out}");
    ws.run(&["review", "return", "R5", "--comment", "补录等候时长"])
        .success();
    let error = ws.run(&["review", "accept", "R4"]).failure();
    assert!(error.contains("已剔除"), "{error}");

    // XP01 counts R1 and R2 now ((1.0 + 0.45) / 2); BY01 has none: R4 is
    // excluded and R5 is back with its inspector.
    let report = rankings(&ws);
    assert_eq!(report["pending"], 1, "R3 still waits");
    assert_eq!(ranking_row(&report, "XP01")["rate"], 0.725);
    assert_eq!(ranking_row(&report, "BY01")["visits"], 0);
    let returned = ws
        .run(&[
            "review", "list", "--period", "2024-Q3", "--status", "returned", "--format", "json",
        ])
        .success()
        .json();
    assert_eq!(returned["visits"][0]["id"], "R5");
    assert_eq!(returned["visits"][0]["comment"], "补录等候时长");

    // A manager is given the right only with a scope of their own.
    let error = ws
        .run_with_input(
            &[
                "user",
                "add",
                "lin",
                "--role",
                "inspector",
                "--can-review",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .failure();
    assert!(error.contains("--can-review 只用于经理"), "{error}");
}

#[test]
fn unflagged_visits_are_accepted_at_once_and_flagged_ones_wait() {
    let ws = workspace();
    // R6: 王 at XP01 two days after R1: both are flagged.
    let sheet = format!("{VISITS_CSV}R6,XP01,2024-07-05 10:00,王,reviewed,否,是,优,8\n");
    let visits = ws.write("visits.csv", sheet);
    ws.run(&["import", "visits", &visits]).success();
    let out = ws
        .run(&["review", "accept", "--unflagged", "--period", "2024-Q3"])
        .success()
        .stdout;
    for id in ["R2", "R3", "R4", "R5"] {
        assert!(out.contains(&format!("暗访 {id}:已通过")), "{out}");
    }
    let waiting = ws
        .run(&["review", "list", "--period", "2024-Q3", "--format", "json"])
        .success()
        .json();
    let visits = waiting["visits"].as_array().expect("visits");
    let ids: Vec<&str> = visits
        .iter()
        .map(|v| v["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["R1", "R6"]);
    assert!(
        visits.iter().all(|v| v["flags"][0]["code"] == "lockout"),
        "{waiting}"
    );
    assert_eq!(rankings(&ws)["pending"], 2);
    let error = ws.run(&["review", "accept", "--unflagged"]).failure();
    assert!(error.contains("--period"), "{error}");
}

#[test]
fn a_planned_visit_is_done_only_once_accepted() {
    let ws = workspace();
    ws.run(&[
        "plan",
        "make",
        "--period",
        "2024-Q3",
        "--visits-per-hall",
        "1",
        "--inspector",
        "wang",
    ])
    .success();
    let plan = ws
        .run(&["plan", "show", "--period", "2024-Q3", "--format", "json"])
        .success()
        .json();
    let first = &plan["assignments"][0];
    let (hall, day) = (
        first["branch_code"].as_str().expect("code"),
        first["date"].as_str().expect("date"),
    );
    let sheet = format!(
        "暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02\n\
         P1,{hall},{day} 10:30,wang,reviewed,是,是,优,5\n"
    );
    let file = ws.write("visits.csv", sheet);
    ws.run(&["import", "visits", &file]).success();
    let done = |ws: &Workspace| {
        ws.run(&[
            "report", "coverage", "--period", "2024-Q3", "--format", "json",
        ])
        .success()
        .json()["done"]
            .clone()
    };
    assert_eq!(done(&ws), 0, "a pending visit has done nothing yet");
    ws.run(&["review", "accept", "P1"]).success();
    assert_eq!(done(&ws), 1);
}

/// The reviewer's pages: the queue lists the pending visits in scope with
/// their flags; a decision without its comment is refused in Chinese and
/// changes nothing; accepting the unflagged ones leaves the flagged
/// waiting; a returned visit is back on the inspector's 我的任务 and in
/// the form with its answers.
#[tokio::test]
async fn reviewers_decide_from_the_queue_page() {
    let ws = workspace();
    let app = TestApp::spawn(&ws.db()).await;
    let wang = app.sign_in("wang", PASSWORD).await;
    let li = app.sign_in("li", PASSWORD).await;
    let mut flagged = visit(V1, "XP01");
    flagged["minutes_at_hall"] = json!(5);
    assert_eq!(
        wang.post_json("/api/v1/visits", &flagged).await.0,
        StatusCode::CREATED
    );
    let (status, body) = li.post_json("/api/v1/visits", &visit(V2, "XP02")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(codes(&body), Vec::<String>::new(), "{body}");
    let status_of = |v: &'static str| {
        let boss = app.sign_in("boss", PASSWORD);
        async move { boss.await.get_json(&format!("/api/v1/visits/{v}")).await["status"].clone() }
    };

    let boss = app.sign_in("boss", PASSWORD).await;
    let (status, page) = boss.get_text("/reviews?period=2024-Q3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(V1) && page.contains(V2), "{page}");
    assert!(
        page.contains("stopwatch_over_stay"),
        "the flag is on the queue"
    );
    assert!(
        page.contains("href=\"/reviews\""),
        "reviewers have it in the navigation"
    );
    let (_, own) = wang.get_text("/inspect/tasks").await;
    assert!(!own.contains("href=\"/reviews\""), "inspectors do not");

    let response = boss
        .post_form(
            &format!("/reviews/{V1}"),
            &[
                ("decision", "return"),
                ("comment", " "),
                ("period", "2024-Q3"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal = response.text().await.expect("the page");
    assert!(
        refusal.contains("退回必须写明要暗访员修改什么"),
        "{refusal}"
    );
    assert_eq!(status_of(V1).await, "pending");

    let response = boss
        .post_form("/reviews/unflagged", &[("period", "2024-Q3")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let queue = response.text().await.expect("the queue");
    assert!(queue.contains("1 次暗访已通过"), "{queue}");
    assert!(queue.contains(V1) && !queue.contains(V2), "{queue}");
    assert_eq!(status_of(V2).await, "accepted");
    assert_eq!(status_of(V1).await, "pending");

    let xp = app.sign_in("xp", PASSWORD).await;
    let response = xp
        .post_form(
            &format!("/reviews/{V1}"),
            &[
                ("decision", "return"),
                ("comment", "请补拍门头照片"),
                ("period", "2024-Q3"),
            ],
        )
        .await;
    let queue = response.text().await.expect("the queue");
    assert!(queue.contains("1 次暗访已退回"), "{queue}");
    let (_, tasks) = wang.get_text("/inspect/tasks").await;
    assert!(tasks.contains("请补拍门头照片"), "{tasks}");
    assert!(
        tasks.contains(&format!("/inspect/visit?id={V1}")),
        "{tasks}"
    );
    let (_, form) = wang.get_text(&format!("/inspect/visit?id={V1}")).await;
    assert!(
        form.contains("returned-data") && form.contains("\"A01\":\"否\""),
        "{form}"
    );
    let (_, other) = li.get_text(&format!("/inspect/visit?id={V1}")).await;
    assert!(!other.contains("returned-data"), "not someone else's visit");
}

#[test]
fn the_command_line_publishes_only_once_every_visit_is_reviewed() {
    let ws = workspace();
    let visits = ws.write("visits.csv", VISITS_CSV);
    ws.run(&["import", "visits", &visits]).success();
    let publish = |extra: &[&str]| {
        let mut args = vec!["publish", "--period", "2024-Q3", "--checklist", "reviewed"];
        args.extend_from_slice(extra);
        ws.run(&args)
    };

    // Refused, naming why, and nothing is stored.
    let before = ws.snapshot();
    let error = publish(&[]).failure();
    assert!(
        error.contains("审核完毕后才能发布") && error.contains("R1"),
        "{error}"
    );
    ws.run(&["review", "accept", "R1", "R2", "R3", "R4", "R5"])
        .success();
    let accepted = ws.snapshot();
    assert_ne!(accepted, before);
    let error = publish(&["--appeal-days", "91"]).failure();
    assert!(error.contains("最长 90 天"), "{error}");
    let error = ws
        .run(&["publish", "--period", "2024-Q5", "--checklist", "reviewed"])
        .failure();
    assert!(error.contains("2024-Q5"), "{error}");
    assert_eq!(ws.snapshot(), accepted);

    let first = publish(&["--appeal-days", "10"]).success().stdout;
    assert!(
        first.contains("已发布 reviewed 2024-Q3 第 1 版") && first.contains("申诉截止"),
        "{first}"
    );
    let again = publish(&[]).success().stdout;
    assert!(again.contains("第 2 版"), "{again}");
}
