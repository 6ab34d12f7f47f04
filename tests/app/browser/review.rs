//! The dashboard of a period with visits still waiting for review, at a
//! laptop and a tablet size: the figures leave them out and the page says
//! how many there are.

use std::time::Duration;

use super::driver::{Browser, WAIT, with_browser};
use super::{LAPTOP, TABLET};
use crate::helpers::{Sql, TestApp};
use crate::review::{PASSWORD, VISITS_CSV, workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_how_many_visits_wait_for_review() {
    let ws = workspace();
    let visits = ws.write("visits.csv", VISITS_CSV);
    ws.run(&["import", "visits", &visits]).success();
    ws.run(&["review", "accept", "R1", "R2"]).success();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [
        ("review-dashboard-1366x900", LAPTOP),
        ("review-dashboard-768x1024", TABLET),
    ] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(60),
            |b| async move { pending_on_the_dashboard(b).await },
        )
        .await;
    }
}

async fn pending_on_the_dashboard(b: Browser) {
    b.sign_in("boss", PASSWORD).await;
    b.goto("/dashboard?period=2024-Q3&checklist=reviewed").await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('pending-note')",
        WAIT,
        "the dashboard with its pending note",
    )
    .await;
    let note = b.text("#pending-note").await;
    assert!(note.contains("另有 3 次暗访待审核"), "{note}");
    // Only R1 and R2 (both at XP01) count.
    let visits = b.text(".score-line strong:not(#scope-rate)").await;
    assert_eq!(visits.trim(), "2", "the visits counted");
    b.shot("pending-note").await;
    b.assert_no_horizontal_scroll("the dashboard").await;
}

const DEMO_CHECKLIST: &str = include_str!("../../../checklists/hall-visit.toml");

/// The version of the demo checklist as shipped.
fn demo_version() -> u32 {
    DEMO_CHECKLIST
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the demo checklist has a version")
}

/// The demo checklist as a new version whose visits wait for review.
fn reviewed_demo_checklist() -> String {
    let version = demo_version();
    DEMO_CHECKLIST
        .replacen(
            &format!("version = {version}"),
            &format!("version = {}", version + 1),
            1,
        )
        .replacen("pass_mark = 0.8", "pass_mark = 0.8\nreview = true", 1)
}

/// XP001's row of the served rankings since the demo's first quarter:
/// its counted visits, and how many visits of the range wait for review.
fn counted(ws: &crate::helpers::Workspace, range: &str) -> (u64, u64) {
    let report = ws.rankings(range, &[]);
    let visits = crate::helpers::ranking_row(&report, "XP001")["visits"]
        .as_u64()
        .expect("a visit count");
    (visits, report["pending"].as_u64().unwrap_or(0))
}

/// The one visit of the demo checklist's reviewed version, by its id.
fn reviewed_visit(db: &str) -> String {
    Sql::open(db).text(
        "SELECT visit_id FROM visits WHERE checklist_version = ?1",
        &[(demo_version() + 1).into()],
    )
}

/// An inspector carries out a task of a checklist held for review; a
/// reviewer returns it with a comment; the inspector finds it on 我的任务,
/// corrects it and sends it again under the same id; the reviewer accepts
/// it. The ranking counts it only after the accept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_visit_is_corrected_and_counts_only_once_accepted() {
    let ws = super::driver::demo_workspace();
    let checklist = ws.write("reviewed.toml", reviewed_demo_checklist());
    ws.run(&["checklist", "load", &checklist]).success();
    let db = ws.db();
    super::tasks::plan_tasks(&db);
    let today = chrono::Local::now().date_naive();
    let range = format!("2026-04-01..{today}");
    let quarter = hallscore::domain::period::Period::quarter_of(today).to_string();
    let server = TestApp::spawn(&db).await;
    let before = counted(&ws, &range);

    // The inspector carries out today's task and sends it: it waits.
    with_browser(
        "review-flow-submit-768x1024",
        TABLET,
        &server.base,
        Duration::from_secs(90),
        |b| async move { submit_task(b).await },
    )
    .await;
    let visit = reviewed_visit(&db);
    assert_eq!(counted(&ws, &range), (before.0, before.1 + 1), "pending");
    // The tablet resized the photo, which dropped its EXIF, and sent the
    // capture time it had read first.
    let (taken_at, source) = stored_photo_time(&db, &visit);
    assert_eq!(source, "device");
    let yesterday = chrono::Local::now().date_naive() - chrono::Days::new(1);
    assert_eq!(
        taken_at.replacen('T', " ", 1),
        format!("{yesterday} 09:15:00")
    );

    // The reviewer's queue at a laptop: the visit, its rate and flags; it
    // is returned with a comment.
    let (v, q) = (visit.clone(), quarter.clone());
    with_browser(
        "review-flow-queue-1366x900",
        LAPTOP,
        &server.base,
        Duration::from_secs(60),
        |b| async move { return_visit(b, v, q).await },
    )
    .await;
    assert_eq!(
        counted(&ws, &range),
        before,
        "a returned visit counts nowhere"
    );

    // The inspector finds it on 我的任务, corrects it and sends it again.
    let v = visit.clone();
    with_browser(
        "review-flow-fix-768x1024",
        TABLET,
        &server.base,
        Duration::from_secs(90),
        |b| async move { fix_and_resubmit(b, v).await },
    )
    .await;
    assert_eq!(reviewed_visit(&db), visit, "the same visit, not a new one");
    assert_eq!(
        counted(&ws, &range),
        (before.0, before.1 + 1),
        "pending again"
    );

    // The reviewer accepts it at the tablet: only now it counts.
    let (v, q) = (visit.clone(), quarter.clone());
    with_browser(
        "review-flow-accept-768x1024",
        TABLET,
        &server.base,
        Duration::from_secs(60),
        |b| async move { accept_visit(b, v, q).await },
    )
    .await;
    assert_eq!(counted(&ws, &range), (before.0 + 1, before.1), "accepted");
}

const DEMO_PASSWORD: &str = "hallscore-demo";
const ADMIN_PASSWORD: &str = "hallscore-admin";
const COMMENT: &str = "A01 工装照片看不清,请核对后重新作答";

async fn submit_task(b: Browser) {
    b.sign_in("wangmin", DEMO_PASSWORD).await;
    b.wait_js(
        "location.pathname === '/inspect/tasks' && document.querySelector('#tasks-today li.task')",
        WAIT,
        "the inspector's tasks",
    )
    .await;
    b.click("#tasks-today li.task a.task-start").await;
    b.wait_js(
        "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'",
        WAIT,
        "the visit form",
    )
    .await;
    super::tablet::answer_all_but(&b, &[], &mut std::collections::BTreeMap::new()).await;
    add_photo_taken(&b, &photo_time()).await;
    super::review_and_submit(&b, "the review").await;
    b.wait_js(
        "location.pathname.startsWith('/visits/') && document.getElementById('review-status')",
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
    assert_eq!(b.text("#review-status").await, "待审核");
    assert!(
        b.js("return document.getElementById('decide') === null")
            .await
            == true,
        "an inspector is not offered decisions"
    );
    b.shot("submitted-pending").await;
}

/// When the test's photo says it was taken: yesterday at 09:15, more
/// than 2 hours before any visit of today.
fn photo_time() -> String {
    let yesterday = chrono::Local::now().date_naive() - chrono::Days::new(1);
    format!("{} 09:15:00", yesterday.format("%Y:%m:%d"))
}

/// Adds a photo to the form as the camera gives it: a JPEG that the
/// browser can decode, its EXIF saying it was taken at `when`
/// (`YYYY:MM:DD HH:MM:SS`).
async fn add_photo_taken(b: &Browser, when: &str) {
    b.js_async(&format!(
        "const canvas = document.createElement('canvas');
         canvas.width = 64; canvas.height = 48;
         const ctx = canvas.getContext('2d');
         ctx.fillStyle = '#2a6'; ctx.fillRect(0, 0, 64, 48);
         const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.9));
         const jpeg = new Uint8Array(await blob.arrayBuffer());
         const date = [...'{when}'].map((c) => c.charCodeAt(0)).concat([0]);
         const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8,
           0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0,
           0, 1, 0x90, 0x03, 0, 2, 0, 0, 0, 20, 0, 0, 0, 44, 0, 0, 0, 0, ...date];
         const app1 = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
         const length = app1.length + 2;
         const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe1, length >> 8, length & 255, ...app1, ...jpeg.slice(2)]);
         const input = document.querySelector('input.photo-input[data-item=\"\"]');
         const files = new DataTransfer();
         files.items.add(new File([bytes], 'camera.jpg', {{ type: 'image/jpeg' }}));
         input.files = files.files;
         input.dispatchEvent(new Event('change', {{ bubbles: true }}));
         return true;"
    ))
    .await;
    b.wait_js(
        "document.querySelector('[data-thumbs=\"\"] img')",
        WAIT,
        "the photo's thumbnail",
    )
    .await;
}

/// The capture time the server stored for the visit's photo, and where
/// it came from.
fn stored_photo_time(db: &str, visit: &str) -> (String, String) {
    match Sql::open(db)
        .rows(
            "SELECT taken_at, taken_from FROM photos WHERE visit_id = ?1",
            &[visit.into()],
        )
        .as_slice()
    {
        [row] => (row[0].clone(), row[1].clone()),
        rows => panic!("one photo of {visit}: {rows:?}"),
    }
}

async fn return_visit(b: Browser, visit: String, quarter: String) {
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.click("header.top a[href='/reviews']").await;
    b.wait_js(
        "location.pathname === '/reviews' && document.readyState === 'complete'",
        WAIT,
        "the queue",
    )
    .await;
    b.goto(&format!("/reviews?period={quarter}")).await;
    let row = format!("#review-queue tr[data-visit='{visit}']");
    let line = b.text(&row).await;
    assert!(
        line.contains("XP001") && line.contains("王敏") && line.contains('%'),
        "the queue names the hall, inspector and rate: {line}"
    );
    assert!(
        line.contains("photo_time"),
        "the photo's time is flagged: {line}"
    );
    b.shot("queue").await;
    b.assert_no_horizontal_scroll("/reviews").await;
    b.click(&format!("{row} a.button-link")).await;
    b.wait_js(
        "document.getElementById('decide') !== null",
        WAIT,
        "the visit with its decisions",
    )
    .await;
    assert_eq!(
        b.find("#back-to-queue")
            .await
            .attr("href")
            .await
            .expect("the link")
            .as_deref(),
        Some(format!("/reviews?period={quarter}").as_str()),
        "the reviewer goes back to the queue"
    );
    b.shot("visit-to-review").await;
    // A return without a comment is refused on the server, saying why,
    // and changes nothing.
    b.js("document.querySelector('#review-return textarea').required = false;")
        .await;
    b.click("#review-return button").await;
    b.wait_js(
        "document.querySelector('section.card.error')",
        WAIT,
        "the refusal",
    )
    .await;
    let refusal = b.text("section.card.error").await;
    assert!(refusal.contains("退回必须写明"), "{refusal}");
    b.shot("return-refused").await;
    b.client.back().await.expect("back to the visit");
    b.goto(&format!("/visits/{visit}?period={quarter}")).await;
    assert_eq!(b.text("#review-status").await, "待审核");
    b.type_into("#review-return textarea", COMMENT).await;
    b.click("#review-return button").await;
    b.wait_js(
        "location.pathname === '/reviews' && document.getElementById('review-notice')",
        WAIT,
        "the queue with its notice",
    )
    .await;
    assert_eq!(b.text("#review-notice").await, "1 次暗访已退回");
    b.shot("returned").await;
}

async fn fix_and_resubmit(b: Browser, visit: String) {
    b.sign_in("wangmin", DEMO_PASSWORD).await;
    let item = format!("#returned li[data-visit='{visit}']");
    b.wait_js(
        &format!("document.querySelector(\"{item}\")"),
        WAIT,
        "the returned visit on 我的任务",
    )
    .await;
    let line = b.text(&item).await;
    assert!(line.contains(COMMENT) && line.contains("XP001"), "{line}");
    assert_eq!(
        b.text("#tasks-today li.task .task-state").await,
        "已退回,需修改",
        "today's task is not done while its visit is returned"
    );
    b.assert_no_horizontal_scroll("/inspect/tasks").await;
    b.shot("tasks-with-returned").await;
    b.click(&format!("{item} a")).await;
    b.wait_js(
        "location.pathname === '/inspect/visit' && document.getElementById('progress-count').textContent !== '0'",
        WAIT,
        "the returned visit in the form",
    )
    .await;
    assert!(b.text("#returned-comment").await.contains(COMMENT));
    assert_eq!(
        b.text("#progress-count").await,
        b.text("#progress-total").await,
        "every answer is back in the form"
    );
    assert!(b.text("#hall-name").await.contains("XP001"));
    b.shot("form-returned").await;
    b.click("fieldset.item[data-code='A01'] button.answer[data-value='否']")
        .await;
    super::review_and_submit(&b, "the review").await;
    b.wait_js(
        &format!(
            "location.pathname === '/visits/{visit}' && document.getElementById('review-status')"
        ),
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
    assert_eq!(b.text("#review-status").await, "待审核");
    b.shot("resubmitted").await;
}

async fn accept_visit(b: Browser, visit: String, quarter: String) {
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.goto(&format!("/reviews?period={quarter}")).await;
    let row = format!("#review-queue tr[data-visit='{visit}']");
    b.click(&format!("{row} a.button-link")).await;
    b.wait_js(
        "document.getElementById('decide') !== null",
        WAIT,
        "the visit with its decisions",
    )
    .await;
    let answer = b.text("#answers tr[data-code='A01'] td.answer").await;
    assert_eq!(answer, "否", "the corrected answer");
    b.js("document.getElementById('decide').scrollIntoView({block: 'end'});")
        .await;
    b.shot("decisions").await;
    b.click("#review-accept button").await;
    b.wait_js(
        "location.pathname === '/reviews' && document.getElementById('review-notice')",
        WAIT,
        "the queue with its notice",
    )
    .await;
    assert_eq!(b.text("#review-notice").await, "1 次暗访已通过");
    b.assert_no_horizontal_scroll("/reviews").await;
    b.shot("accepted").await;
}
