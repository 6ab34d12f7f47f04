//! Headquarters in the browser: uploads with located errors, publishing a
//! period, appeals from filing to a re-issued ranking, the lock after the
//! appeal window, and the audit log.

use reqwest::StatusCode;

use crate::helpers::{
    Session, TestApp, Workspace, publish_small_quarter, ranking_row, workspace_with_roster,
};

const PASSWORD: &str = "correct-horse-1";

const VISITS: &str = "\
暗访编号,网点编码,暗访日期,暗访员,检查表,A01,A02,B01,B02
V1,XP01,2024-07-03 10:00,王,small,否,是,优,8
V2,XP02,2024-07-04 10:00,王,small,是,是,良,8
V3,BY01,2024-07-05 10:00,李,small,是,是,优,8
";

async fn setup() -> (Workspace, TestApp) {
    let ws = workspace_with_roster();
    let visits = ws.write("visits.csv", VISITS);
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("boss", "admin", None, PASSWORD);
    ws.add_user("xp", "manager", Some("district:西平"), PASSWORD);
    ws.add_user("by", "manager", Some("district:泌阳"), PASSWORD);
    let app = TestApp::spawn(&ws.db()).await;
    (ws, app)
}

/// Uploads a file of `kind` (roster, visits, …) on the imports page.
async fn upload(user: &Session, kind: &str, name: &str, body: &str) -> (StatusCode, String) {
    user.post_multipart(
        &format!("/admin/imports/{kind}"),
        &[],
        Some((name, body.as_bytes().to_vec())),
    )
    .await
}

#[tokio::test]
async fn uploads_list_every_error_and_store_nothing_or_everything() {
    let (ws, app) = setup().await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let before = ws.snapshot();
    let (status, page) = upload(&boss, "visits",
        "坏.csv",
        "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nW1,ZZ9,2024-07-03,small,是,是,优,8\nW2,XP01,2024-07-03,small,是,是,中,8\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("共 2 处错误,未写入任何数据"), "{page}");
    assert!(
        page.contains("<td>ZZ9</td>") && page.contains("网点编码不在网点名单中"),
        "{page}"
    );
    assert!(
        page.contains("<td>G</td>") && page.contains("不是该项的选项"),
        "{page}"
    );
    assert_eq!(ws.snapshot(), before);

    let (status, page) = upload(
        &boss,
        "roster",
        "名单.csv",
        "区县,网点编码,网点名称\n西平,XP03,西平三厅\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("新增 1"), "{page}");

    let xp = app.sign_in("xp", PASSWORD).await;
    let (status, _) = upload(
        &xp,
        "roster",
        "名单.csv",
        "区县,网点编码,网点名称\n西平,XP04,四厅\n",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "uploads are headquarters' work"
    );
    let (status, _) = upload(
        &boss.with_csrf("forged"),
        "roster",
        "名单.csv",
        "区县,网点编码,网点名称\n西平,XP05,五厅\n",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "CSRF on every form");
}

async fn appeal(user: &Session, visit: &str) -> (StatusCode, String) {
    user.post_multipart(
        &format!("/visits/{visit}/appeals"),
        &[
            ("item", "A01"),
            ("requested", "是"),
            ("reason", "当天已统一着工装,暗访员看错了"),
        ],
        None,
    )
    .await
}

fn rate(ws: &Workspace, code: &str) -> (serde_json::Value, serde_json::Value) {
    let report = ws.rankings("2024-Q3", &[]);
    let row = ranking_row(&report, code);
    (row["rate"].clone(), row["rank"].clone())
}

#[tokio::test]
async fn an_appeal_from_filing_to_a_reissued_ranking_then_the_lock() {
    let (ws, app) = setup().await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let xp = app.sign_in("xp", PASSWORD).await;
    let by = app.sign_in("by", PASSWORD).await;

    let (status, page) = appeal(&xp, "V1").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not published yet"
    );
    assert!(page.contains("尚未发布"), "{page}");

    publish_small_quarter(&boss).await;
    // V1: A01 fails, 16/20 = 0.8 → XP01 ranks last of three.
    assert_eq!(
        rate(&ws, "XP01"),
        (serde_json::json!(0.8), serde_json::json!(3))
    );

    let (status, _) = appeal(&by, "V1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another district's visit");
    let (status, page) = appeal(&xp, "V1").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("待处理") && page.contains("暗访员看错了"),
        "{page}"
    );
    let by_page = by.get_text("/appeals").await.1;
    assert!(!by_page.contains("暗访员看错了"), "appeals stay in scope");

    let id = crate::helpers::attribute_after(&page, "data-appeal=\"");
    let response = boss
        .post_form(
            &format!("/admin/appeals/{id}"),
            &[("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        rate(&ws, "XP01"),
        (serde_json::json!(1.0), serde_json::json!(1)),
        "scores follow the answer"
    );
    let visit = ws.snapshot();
    assert!(
        visit.contains("申诉 #1 采纳"),
        "the old answer stays in the visit's history"
    );

    let outcome = xp.get_text("/appeals").await.1;
    assert!(outcome.contains("已采纳"), "the manager sees the outcome");

    publish_small_quarter(&boss).await;
    let bytes = boss
        .download("/exports/rankings.xlsx?period=2024-Q3&checklist=small")
        .await;
    let sheets = hallscore::formats::read::read_workbook("r.xlsx", bytes).expect("workbook");
    let notes: String = sheets[0]
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.display()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(notes.contains("第 2 版"), "{notes}");
    assert!(notes.contains("检查项 A01 由「否」改为「是」"), "{notes}");
    assert!(notes.contains("网点 XP01:名次 3 → 1"), "{notes}");

    // After the appeal window the period is locked.
    ws.sql().execute(
        "UPDATE publications SET published_at = '2024-10-01 00:00:00'",
        &[],
    );
    let (status, page) = appeal(&xp, "V2").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("申诉期已结束"), "{page}");
    let before = ws.snapshot();
    let late = ws.write(
        "late.csv",
        "暗访编号,网点编码,暗访日期,检查表,A01,A02,B01,B02\nV9,XP01,2024-08-01,small,是,是,优,8\n",
    );
    let stderr = ws.run(&["import", "visits", &late]).failure();
    assert!(stderr.contains("已锁定"), "{stderr}");
    assert_eq!(ws.snapshot(), before);
}

/// Every file under `dir`, however deep.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map_while(Result::ok)
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[tokio::test]
async fn an_appeal_whose_photo_cannot_be_stored_leaves_no_file_and_no_appeal() {
    let (ws, app) = setup().await;
    let boss = app.sign_in("boss", PASSWORD).await;
    let xp = app.sign_in("xp", PASSWORD).await;
    publish_small_quarter(&boss).await;
    ws.sql().refuse_inserts("photos");
    let png = b"\x89PNG\r\n\x1a\n appeal evidence".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", xp.csrf.clone())
        .text("item", "A01")
        .text("requested", "是")
        .text("reason", "当天已统一着工装,暗访员看错了")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(png).file_name("工装.png"),
        );
    let response = xp
        .client
        .post(xp.url("/visits/V1/appeals"))
        .multipart(form)
        .send()
        .await
        .expect("appeal");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(files_under(&app.photos()), Vec::<std::path::PathBuf>::new());
    // The appeal and its photo are one request, so one transaction: neither
    // is kept.
    assert_eq!(ws.sql().i64("SELECT count(*) FROM appeals", &[]), 0);
}

#[tokio::test]
async fn the_audit_log_records_changes_for_admins_only() {
    let (ws, app) = setup().await;
    let boss = app.sign_in("boss", PASSWORD).await;
    publish_small_quarter(&boss).await;
    let page = boss.get_text("/admin/audit").await.1;
    // Actions in words, each with its code for the filter.
    for (code, words) in [
        ("roster.add", "新增网点"),
        ("checklist.load", "载入检查表"),
        ("visit.add", "新增暗访"),
        ("user.add", "新增账号"),
        ("period.publish", "发布期间"),
    ] {
        assert!(
            page.contains(&format!("<td title=\"{code}\">{words}</td>")),
            "{code} in the log"
        );
    }
    let filtered = boss.get_text("/admin/audit?action=period.publish").await.1;
    assert!(filtered.contains("发布期间") && !filtered.contains("新增网点"));
    let xp = app.sign_in("xp", PASSWORD).await;
    assert_eq!(xp.get("/admin/audit").await.status(), StatusCode::FORBIDDEN);
    drop(ws);
}
