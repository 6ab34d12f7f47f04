//! The inspector's tablet, item by item: the review names every problem
//! the server would refuse and a refused visit returns to the form; no
//! item is silently 不适用; drafts begin with the first answer and can be
//! discarded; a draft resumed from the server names its hall; the hall
//! search reads every pronunciation; red lines are explained; controls
//! are a finger wide and the stopwatch keeps the queue's order; the visit
//! page fits a tablet.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::driver::{Browser, WAIT, demo_workspace, with_browser};
use super::{
    Given, LAPTOP, PASSWORD, TABLET, local_visit, make_jpeg, planned, review_and_submit,
    search_halls, start_visit, visible_halls,
};
use crate::helpers::{Sql, TestApp};

/// Opens a new visit of `hall` from the hall picker; returns its id.
async fn open_form(b: &Browser, hall: &str) -> String {
    b.goto("/inspect").await;
    b.wait_js(
        "document.getElementById('hall-search')",
        WAIT,
        "the hall picker",
    )
    .await;
    start_visit(b, hall, "the visit form").await
}

/// Answers every item but `skip` as planned (stopwatch items with a
/// number), pressing buttons and typing numbers.
pub(super) async fn answer_all_but(
    b: &Browser,
    skip: &[&str],
    given: &mut BTreeMap<String, Given>,
) {
    let items = b
        .js("return [...document.querySelectorAll('fieldset.item')]
               .map((f) => [f.dataset.code, f.dataset.kind, f.dataset.points]);")
        .await;
    for item in items.as_array().expect("the items") {
        let field = |i: usize| item[i].as_str().unwrap_or_default().to_string();
        let (code, kind, points) = (field(0), field(1), field(2));
        if skip.contains(&code.as_str()) {
            continue;
        }
        let answer = if kind == "measure" {
            Given::Number("3".into())
        } else {
            planned(&code, &kind, &points)
        };
        let fieldset = format!("fieldset.item[data-code=\"{code}\"]");
        match (&answer, answer.button()) {
            (_, Some(value)) => {
                b.click(&format!("{fieldset} button.answer[data-value=\"{value}\"]"))
                    .await
            }
            (Given::Number(n), None) => b.fill(&format!("{fieldset} input.number"), n).await,
            _ => unreachable!(),
        }
        given.insert(code, answer);
    }
}

/// Replaces `window.confirm` so the test answers it; what it asked is kept
/// in `window.asked`.
async fn answer_confirm(b: &Browser, yes: bool) {
    b.js_with(
        "window.asked = [];
         window.confirm = (m) => { window.asked.push(m); return arguments[0]; };",
        vec![json!(yes)],
    )
    .await;
}

async fn photos_on_device(b: &Browser, id: &str) -> Value {
    b.js_async(&format!(
        "return await new Promise((resolve, reject) => {{
           const open = indexedDB.open('hallscore', 1);
           open.onupgradeneeded = () => {{
             open.result.createObjectStore('photos', {{ keyPath: 'id' }}).createIndex('visit', 'visit');
           }};
           open.onsuccess = () => {{
             const q = open.result.transaction('photos', 'readonly').objectStore('photos').index('visit').getAll('{id}');
             q.onsuccess = () => resolve(q.result.length);
             q.onerror = () => reject(q.error);
           }};
           open.onerror = () => reject(open.error);
         }});"
    ))
    .await
}

fn drafts_on_server(db: &str, id: &str) -> i64 {
    Sql::open(db).i64("SELECT count(*) FROM drafts WHERE id = ?1", &[id.into()])
}

/// Issue items 7 and 8: a scale item worth 2 given 99 and an item left
/// blank are named in the review (by title), marked in the form, and keep
/// the visit from being submitted; a visit the server refuses after all
/// (checked offline, refused on arrival) says so and returns to the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_names_every_problem_the_server_would_refuse() {
    let ws = demo_workspace();
    let db = ws.db();
    let server = TestApp::spawn(&db).await;
    let base = server.base.clone();
    with_browser(
        "tablet-review-problems-768x1024",
        TABLET,
        &base,
        Duration::from_secs(170),
        move |b| async move { review_flow(b, server, db).await },
    )
    .await;
}

async fn review_flow(b: Browser, mut server: TestApp, db: String) {
    b.sign_in("wangmin", PASSWORD).await;
    let id = open_form(&b, "XP001").await;
    let bounds = b
        .js(
            "const i = document.querySelector('fieldset.item[data-code=B01] input.number');
             return [i.min, i.max];",
        )
        .await;
    assert_eq!(bounds, json!(["0", "2"]), "B01 is a scale item worth 2");

    let mut given = BTreeMap::new();
    answer_all_but(&b, &["A07"], &mut given).await;
    b.fill("fieldset.item[data-code=B01] input.number", "99")
        .await;
    // The running check marks the value as soon as it is typed.
    b.wait_js(
        "document.querySelector('fieldset.item[data-code=B01]').classList.contains('invalid')",
        WAIT,
        "B01 marked while answering",
    )
    .await;
    b.shot("b01-marked").await;

    b.click("#to-review").await;
    b.wait_js(
        "!document.getElementById('review').hidden && !document.getElementById('review-problems').hidden",
        WAIT,
        "the review with its problems",
    )
    .await;
    let listed = b.text("#review-problems").await;
    let a07 = b
        .js("return document.querySelector('fieldset.item[data-code=A07] .title').textContent")
        .await;
    let a07 = a07.as_str().expect("A07's title");
    assert!(
        listed.contains("未作答") && listed.contains(&format!("A07 {a07}")),
        "the review lists A07 (which allows 不适用) by title as unanswered: {listed}"
    );
    assert!(
        listed.contains("检查项 B01:「99」不是 0 到 2 之间的数"),
        "the review names B01's value as the server does: {listed}"
    );
    let marked = b
        .js("return [...document.querySelectorAll('fieldset.item.invalid')].map((f) => f.dataset.code)")
        .await;
    assert_eq!(marked, json!(["B01"]), "the field at fault is marked");
    let note = b.text("fieldset.item[data-code=B01] p.item-problem").await;
    assert!(note.contains("不是 0 到 2 之间的数"), "{note}");
    assert_eq!(
        b.js("return document.getElementById('submit').disabled")
            .await,
        json!(true),
        "no submitting with problems"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    b.shot("review-lists-problems").await;
    b.js("document.getElementById('review').scrollIntoView()")
        .await;
    b.shot("review-problems-box").await;

    // Fixed: 1.5 for B01, an explicit 不适用 for A07.
    b.fill("fieldset.item[data-code=B01] input.number", "1.5")
        .await;
    b.click("fieldset.item[data-code=A07] button.answer[data-value=\"不适用\"]")
        .await;
    b.click("#to-review").await;
    b.wait_js(
        "!document.getElementById('review').hidden && document.getElementById('review-problems').hidden
           && !document.getElementById('submit').disabled",
        WAIT,
        "the review with nothing to fix",
    )
    .await;
    assert_eq!(
        b.js("return document.querySelectorAll('fieldset.item.invalid').length")
            .await,
        json!(0),
        "the marks are gone"
    );

    // The server goes away: the review can only check what the device
    // knows, and the visit time was moved into the future by mistake.
    server.stop().await;
    b.js("const t = document.getElementById('visited-at');
          const d = new Date(Date.now() + 3 * 86400000);
          d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
          t.value = d.toISOString().slice(0, 16);
          t.dispatchEvent(new Event('input', { bubbles: true }));")
        .await;
    review_and_submit(&b, "the review without the server").await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '已排队,联网后自动提交'",
        WAIT,
        "the visit queued",
    )
    .await;
    server.restart().await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '提交失败'",
        Duration::from_secs(40),
        "the page to say the server refused the visit",
    )
    .await;
    let banner = b.text("#net-status").await;
    assert!(
        banner.contains("提交失败,请按提示改正后再提交") && banner.contains("暗访时间不能晚于现在"),
        "the refusal says what to fix: {banner}"
    );
    assert_eq!(
        b.js("return document.getElementById('review').hidden")
            .await,
        json!(true),
        "back to the form"
    );
    assert_eq!(local_visit(&b, &id).await["status"], json!("draft"));
    assert_eq!(
        b.js("return document.getElementById('visited-at').classList.contains('invalid')")
            .await,
        json!(true),
        "the visit time is marked"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    b.shot("refused-back-to-form").await;

    // Fixed again: submitted and shown, A07 stored as 不适用.
    b.js("const t = document.getElementById('visited-at');
          const d = new Date(Date.now() - 3600000);
          d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
          t.value = d.toISOString().slice(0, 16);
          t.dispatchEvent(new Event('input', { bubbles: true }));")
        .await;
    review_and_submit(&b, "the review").await;
    b.wait_js(
        &format!("location.pathname === '/visits/{id}' && document.getElementById('visit-rate')"),
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
    assert_eq!(
        b.text("#answers tr[data-code=A07] td:nth-child(3)").await,
        "不适用"
    );
    assert_eq!(drafts_on_server(&db, &id), 0);
}

/// Issue items 9 and 10: opening a form makes no draft; the first answer
/// does; discarding (after a confirmation) removes it from the device, its
/// photos and the server, from the form and from the list on /inspect; a
/// draft resumed from the server names its hall.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_begin_with_the_first_answer_and_can_be_discarded() {
    let ws = demo_workspace();
    let db = ws.db();
    let photo = ws.path("photo.jpg");
    let server = TestApp::spawn(&db).await;
    let base = server.base.clone();
    with_browser(
        "tablet-drafts-768x1024",
        TABLET,
        &base,
        Duration::from_secs(150),
        move |b| async move {
            drafts_flow(b, db, photo).await;
            drop(server);
        },
    )
    .await;
}

async fn drafts_flow(b: Browser, db: String, photo: std::path::PathBuf) {
    let local_drafts =
        "return Object.keys(localStorage).filter((k) => k.startsWith('hallscore:visit:')).length";
    b.sign_in("wangmin", PASSWORD).await;
    let id = open_form(&b, "XP002").await;
    tokio::time::sleep(Duration::from_millis(2500)).await; // past the draft's sync delay
    assert_eq!(b.js(local_drafts).await, json!(0), "no draft on the device");
    assert_eq!(drafts_on_server(&db, &id), 0, "no draft on the server");
    b.goto("/inspect").await;
    b.wait_js("document.getElementById('drafts')", WAIT, "the list")
        .await;
    assert_eq!(
        b.js("return document.querySelectorAll('#drafts [data-draft]').length")
            .await,
        json!(0),
        "backing out leaves no unfinished visit"
    );
    b.js("document.getElementById('drafts').scrollIntoView({ block: 'center' })")
        .await;
    b.shot("no-phantom-draft").await;

    // The first answer and a photo make the draft; discarding removes all.
    make_jpeg(&b, &photo).await;
    let id = open_form(&b, "XP002").await;
    b.click("fieldset.item[data-code=A01] button.answer[data-value=\"是\"]")
        .await;
    b.click("fieldset.item[data-code=A02] details.extra summary")
        .await;
    b.find("fieldset.item[data-code=A02] input.photo-input")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose a photo");
    b.wait_js(
        "document.getElementById('save-state').textContent === '已同步到服务器'",
        WAIT,
        "the draft on the server",
    )
    .await;
    assert_eq!(drafts_on_server(&db, &id), 1);
    assert_eq!(photos_on_device(&b, &id).await, json!(1));
    b.shot("draft-with-answer").await;
    answer_confirm(&b, true).await;
    b.click("#discard").await;
    b.wait_js(
        "location.pathname === '/inspect' && document.readyState === 'complete'",
        WAIT,
        "back at the hall picker",
    )
    .await;
    assert_eq!(b.js(local_drafts).await, json!(0), "gone from the device");
    assert_eq!(photos_on_device(&b, &id).await, json!(0), "photos gone");
    assert_eq!(drafts_on_server(&db, &id), 0, "gone from the server");

    // A draft on the server only (another tablet, or storage cleared).
    let id = open_form(&b, "BY003").await;
    b.click("fieldset.item[data-code=A01] button.answer[data-value=\"是\"]")
        .await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '已同步到服务器'",
        WAIT,
        "the draft on the server",
    )
    .await;
    b.js("localStorage.clear()").await;
    b.goto("/inspect").await;
    let row = b.text(&format!("#drafts [data-draft=\"{id}\"]")).await;
    assert!(row.contains("泌阳城关"), "the list names the hall: {row}");
    b.js("document.getElementById('drafts').scrollIntoView({ block: 'center' })")
        .await;
    b.shot("server-draft-listed").await;
    b.click(&format!("#drafts [data-draft=\"{id}\"] a")).await;
    b.wait_js(
        "document.querySelector('fieldset.item[data-code=A01] button.answer.selected')",
        WAIT,
        "the server's draft in the form",
    )
    .await;
    let hall = b.text("#hall-name").await;
    assert!(
        hall.contains("泌阳城关") && hall.contains("BY003"),
        "the resumed draft names its hall: {hall}"
    );
    b.shot("resumed-draft-names-hall").await;

    // Discarded from the list: asked first; a "no" keeps it.
    b.goto("/inspect").await;
    answer_confirm(&b, false).await;
    b.click(&format!("#drafts [data-draft=\"{id}\"] button.discard"))
        .await;
    assert_eq!(drafts_on_server(&db, &id), 1, "kept when the answer is no");
    answer_confirm(&b, true).await;
    b.click(&format!("#drafts [data-draft=\"{id}\"] button.discard"))
        .await;
    b.wait_js(
        "document.querySelectorAll('#drafts [data-draft]').length === 0",
        WAIT,
        "the draft gone from the list",
    )
    .await;
    let asked = b.js("return window.asked").await;
    assert!(
        asked[0].as_str().is_some_and(|m| m.contains("确定放弃")),
        "asked first: {asked}"
    );
    assert_eq!(b.js(local_drafts).await, json!(0));
    for _ in 0..50 {
        if drafts_on_server(&db, &id) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(drafts_on_server(&db, &id), 0, "gone from the server");
    assert_eq!(b.text("#drafts").await, "没有未完成的暗访");
    b.js("document.getElementById('drafts').scrollIntoView({ block: 'center' })")
        .await;
    b.shot("draft-discarded-from-list").await;
}

/// Issue item 11: 泌阳 reads Bìyáng and Mìyáng; both find its halls,
/// spaces in the query are ignored, and no match says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_search_reads_every_pronunciation() {
    let ws = demo_workspace();
    let server = TestApp::spawn(&ws.db()).await;
    let base = server.base.clone();
    with_browser(
        "tablet-pinyin-search-768x1024",
        TABLET,
        &base,
        Duration::from_secs(90),
        move |b| async move {
            b.sign_in("wangmin", PASSWORD).await;
            b.goto("/inspect").await;
            b.wait_js("document.getElementById('hall-search')", WAIT, "the picker")
                .await;
            let everything = visible_halls(&b).await;
            let biyang: Vec<String> = everything
                .iter()
                .filter(|c| c.starts_with("BY"))
                .cloned()
                .collect();
            assert!(biyang.len() >= 4, "the demo has 泌阳 halls: {everything:?}");
            for query in ["bycg", "by cg", "mycg"] {
                search_halls(&b, query).await;
                let shown = visible_halls(&b).await;
                assert_eq!(shown, vec!["BY003"], "«{query}» finds 泌阳城关营业厅");
            }
            search_halls(&b, "by").await;
            let shown = visible_halls(&b).await;
            for code in &biyang {
                assert!(shown.contains(code), "«by» finds {code}: {shown:?}");
            }
            assert_eq!(
                b.js("return document.getElementById('no-match').hidden")
                    .await,
                json!(true)
            );
            b.shot("search-by").await;
            search_halls(&b, "qqq").await;
            assert!(visible_halls(&b).await.is_empty());
            assert_eq!(b.text("#no-match").await, "无匹配");
            b.shot("search-no-match").await;
            drop(server);
        },
    )
    .await;
}

/// Issue items 12 and 14: a failed red-line item is explained in the form
/// and on the visit page, where the items it zeroed say so; the visit
/// page's answers table fits a tablet with one-line headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_lines_are_explained_and_the_visit_page_fits() {
    let ws = demo_workspace();
    let db = ws.db();
    let server = TestApp::spawn(&db).await;
    let base = server.base.clone();
    let visit = Arc::new(Mutex::new(String::new()));
    let shared = visit.clone();
    with_browser(
        "tablet-red-lines-768x1024",
        TABLET,
        &base,
        Duration::from_secs(150),
        move |b| async move {
            let id = red_line_flow(&b).await;
            *shared.lock().expect("the visit id") = id;
        },
    )
    .await;
    let id = visit.lock().expect("the visit id").clone();
    with_browser(
        "tablet-visit-page-1366x900",
        LAPTOP,
        &base,
        Duration::from_secs(60),
        move |b| async move {
            b.sign_in("wangmin", PASSWORD).await;
            b.goto(&format!("/visits/{id}")).await;
            b.wait_js(
                "document.getElementById('visit-rate')",
                WAIT,
                "the visit page",
            )
            .await;
            assert_headers_on_one_line(&b).await;
            b.assert_no_horizontal_scroll("/visits/ID at 1366").await;
            b.shot("visit-page").await;
            b.js("document.getElementById('answers').scrollIntoView()")
                .await;
            b.shot("visit-page-answers").await;
        },
    )
    .await;
    drop(server);
}

const RED_LINE: &str = "红线项 A08「佩戴工卡或工号牌」不合格,本大项(A 仪容仪表)得分清零";

async fn red_line_flow(b: &Browser) -> String {
    b.sign_in("wangmin", PASSWORD).await;
    let id = open_form(b, "XP003").await;
    let mut given = BTreeMap::new();
    answer_all_but(b, &["A08"], &mut given).await;
    b.click("fieldset.item[data-code=A08] button.answer[data-value=\"否\"]")
        .await;
    // Long item notes crowd the answers table on the visit page.
    for code in ["A08", "G04"] {
        b.click(&format!(
            "fieldset.item[data-code={code}] details.extra summary"
        ))
        .await;
        b.type_into(
            &format!("fieldset.item[data-code={code}] textarea.item-note"),
            "工牌放在抽屉里,客户问起才拿出来,整个接待过程都没有佩戴,大堂经理也没有提醒",
        )
        .await;
    }
    let shown = b
        .wait_js(
            "!document.getElementById('red-lines').hidden && document.getElementById('red-lines').textContent",
            WAIT,
            "the red line explained in the form",
        )
        .await;
    let section = b
        .js("return document.querySelector('section.section[data-section=A] h2').textContent")
        .await;
    assert_eq!(
        shown.as_str(),
        Some(RED_LINE),
        "the form names the item and what it zeroed (section {section})"
    );
    b.js("window.scrollTo(0, 0)").await;
    b.shot("form-red-line").await;
    review_and_submit(b, "the review").await;
    b.wait_js(
        &format!("location.pathname === '/visits/{id}' && document.getElementById('visit-rate')"),
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
    let explained = b.text("p.red-line").await;
    assert_eq!(explained, RED_LINE, "the visit page explains the red line");
    let a01 = b.table_rows("#answers").await;
    let a01 = a01
        .iter()
        .find(|r| r[0] == "A01")
        .expect("A01's row")
        .clone();
    assert_eq!(a01[2], "是");
    assert!(
        a01[3].contains('0') && a01[3].contains("红线清零"),
        "A01 answered 是 shows why it earned 0: {a01:?}"
    );
    let b02 = b.table_rows("#answers").await;
    let b02 = b02.iter().find(|r| r[0] == "B02").expect("B02's row");
    assert!(
        !b02[3].contains("红线清零"),
        "section B is not zeroed: {b02:?}"
    );
    b.shot("visit-page-red-line").await;
    assert_headers_on_one_line(b).await;
    b.assert_no_horizontal_scroll("/visits/ID at 768").await;
    b.js("document.getElementById('answers').scrollIntoView()")
        .await;
    b.shot("visit-page-answers").await;
    id
}

/// Every header of the answers table sits on one line (at 768 px they
/// wrapped one character per line: 编/码, 得/分).
async fn assert_headers_on_one_line(b: &Browser) {
    let wrapped = b
        .js(
            "return [...document.querySelectorAll('#answers thead th')].filter((th) => {
               const r = document.createRange();
               r.selectNodeContents(th);
               const lines = r.getClientRects();
               const tops = new Set([...lines].map((l) => Math.round(l.top)));
               return tops.size > 1;
             }).map((th) => th.textContent);",
        )
        .await;
    assert_eq!(wrapped, json!([]), "headers that wrap");
}

/// Issue item 13: every control of the form and the picker is at least
/// 44 px high; the stopwatch refuses taps out of order and asks before
/// resetting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controls_fit_a_finger_and_the_stopwatch_keeps_order() {
    let ws = demo_workspace();
    let server = TestApp::spawn(&ws.db()).await;
    let base = server.base.clone();
    with_browser(
        "tablet-touch-stopwatch-768x1024",
        TABLET,
        &base,
        Duration::from_secs(120),
        move |b| async move {
            touch_flow(&b).await;
            drop(server);
        },
    )
    .await;
}

pub(super) const SMALL_CONTROLS: &str = "return [...document.querySelectorAll(
    'main button, main input:not([type=file]), main textarea, main select, main summary, main label.photo-button, main a')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => el.getBoundingClientRect().height < 44)
  .map((el) => el.tagName.toLowerCase() + '.' + el.className + ' «' + (el.textContent || el.value || '').trim().slice(0, 12) + '» '
     + Math.round(el.getBoundingClientRect().height) + 'px')
  .slice(0, 12);";

async fn touch_flow(b: &Browser) {
    b.sign_in("wangmin", PASSWORD).await;
    open_form(b, "XP001").await;
    b.js("for (const d of document.querySelectorAll('details.extra')) d.open = true;")
        .await;
    assert_eq!(
        b.js(SMALL_CONTROLS).await,
        json!([]),
        "form controls under 44 px"
    );
    b.click("fieldset.item[data-code=A01] details.extra summary")
        .await;
    b.shot("controls-44px").await;

    // Out of order: refused, with a message, nothing recorded.
    let nothing = "— → — → —";
    b.click("button[data-stopwatch=call]").await;
    assert_eq!(
        b.text("#stopwatch-message").await,
        "请先点「取号」,再点「叫号」"
    );
    assert_eq!(b.text("#stopwatch-times").await, nothing);
    b.shot("stopwatch-call-first-refused").await;
    b.click("button[data-stopwatch=done]").await;
    assert_eq!(
        b.text("#stopwatch-message").await,
        "请先点「叫号」,再点「办结」"
    );
    b.click("button[data-stopwatch=take]").await;
    b.click("button[data-stopwatch=done]").await;
    assert_eq!(
        b.text("#stopwatch-message").await,
        "请先点「叫号」,再点「办结」",
        "办结 before 叫号 is refused"
    );
    b.click("button[data-stopwatch=call]").await;
    b.click("button[data-stopwatch=done]").await;
    assert_eq!(
        b.js("return document.getElementById('stopwatch-message').hidden")
            .await,
        json!(true)
    );
    let times = b.text("#stopwatch-times").await;
    assert!(!times.contains('—'), "three times: {times}");

    // Reset asks first; "no" keeps the times.
    answer_confirm(b, false).await;
    b.click("button[data-stopwatch=reset]").await;
    assert_eq!(b.text("#stopwatch-times").await, times, "kept");
    let asked = b.js("return window.asked").await;
    assert!(
        asked[0]
            .as_str()
            .is_some_and(|m| m.contains("重新计时会清除")),
        "asked first: {asked}"
    );
    answer_confirm(b, true).await;
    b.click("button[data-stopwatch=reset]").await;
    assert_eq!(b.text("#stopwatch-times").await, nothing, "cleared");
    b.shot("stopwatch").await;

    b.goto("/inspect").await;
    b.wait_js("document.getElementById('hall-search')", WAIT, "the picker")
        .await;
    assert_eq!(
        b.js(SMALL_CONTROLS).await,
        json!([]),
        "picker controls under 44 px"
    );
}
