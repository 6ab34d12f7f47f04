//! The report pages as a district manager and headquarters read them on a
//! laptop (1366×900) and a tablet: the period they open on, links that
//! keep the period, call-outs before the tables, readable charts and
//! tables, error pages inside the usual frame.

use std::time::Duration;

use chrono::Local;
use hallscore::domain::period::Period;
use serde_json::{Value, json};

use super::driver::{Browser, WAIT, demo_workspace, with_browser};
use super::{
    ADMIN_PASSWORD, LAPTOP, PASSWORD, TABLET, appeal_row, assert_table_fits, failed_answer,
    open_appeals, publish_quarter,
};
use crate::helpers::{Sql, TestApp, with_store};

/// The demo's newest quarter, the one reports should open on.
fn demo_quarter() -> String {
    let quarter = hallscore::app::demo::QUARTERS[hallscore::app::demo::QUARTERS.len() - 1];
    let ended = Period::parse(quarter).expect("a quarter").to;
    assert!(
        Local::now().date_naive() > ended,
        "these tests expect {quarter} to have ended"
    );
    quarter.to_string()
}

/// A visit today at a 西平 hall, as an inspector's first visit of the new
/// quarter: a copy of a demo visit with today's date.
fn visit_today(db: &str) {
    let now = Local::now().format("%Y-%m-%d 09:30:00").to_string();
    let added = Sql::open(db).execute(
            "INSERT INTO visits (key, visit_id, branch_id, checklist_id, checklist_version,
                                 visited_at, inspector, notes, answers, created_at, updated_at)
             SELECT 'id:TODAY-XP001', 'TODAY-XP001', v.branch_id, v.checklist_id, v.checklist_version,
                    ?1, v.inspector, v.notes, v.answers, v.created_at, v.updated_at
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE b.code = 'XP001' ORDER BY v.visited_at DESC LIMIT 1",
        &[now.into()],
    );
    assert_eq!(added, 1);
}

async fn wait_for(b: &Browser, path: &str, marker: &str) {
    b.wait_js(
        &format!(
            "decodeURI(location.pathname).startsWith('{path}') && document.readyState === 'complete'
               && document.querySelector('{marker}')"
        ),
        WAIT,
        &format!("{path} with {marker}"),
    )
    .await;
}

/// The period the filters show as chosen.
async fn chosen_period(b: &Browser) -> String {
    b.js("return document.querySelector('#report-filters select[name=period]').value")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every link of the page to a report page or a download that does not
/// carry `period` and `checklist` as given.
async fn links_without(b: &Browser, period: &str, checklist: &str) -> Value {
    b.js_with(
        "return [...document.querySelectorAll('main a[href]')]
           .map((a) => new URL(a.href))
           .filter((u) => /^\\/(halls|districts|exports|dashboard|visits)\\//.test(u.pathname + '/'))
           .filter((u) => u.searchParams.get('period') !== arguments[0]
                          || u.searchParams.get('checklist') !== arguments[1])
           .map((u) => u.pathname + u.search);",
        vec![json!(period), json!(checklist)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_pages_open_on_the_last_ended_quarter_and_keep_the_period() {
    let ws = demo_workspace();
    let db = ws.db();
    visit_today(&db);
    let server = TestApp::spawn(&db).await;
    for (name, viewport) in [("reports-1366x900", LAPTOP), ("reports-768x1024", TABLET)] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(120),
            move |b| async move { report_flow(b).await },
        )
        .await;
    }
}

async fn report_flow(b: Browser) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);
    let quarter = demo_quarter();
    b.sign_in("xiping", PASSWORD).await;
    wait_for(&b, "/dashboard", "#hall-table").await;
    b.shot("dashboard-default").await;

    // Item 1: the last ended quarter with visits, not today's with one.
    assert_eq!(
        chosen_period(&b).await,
        quarter,
        "the dashboard opens on {quarter} ({size})"
    );
    let visits = b.text("main .score-line div:nth-child(2) strong").await;
    assert!(
        visits.parse::<u32>().unwrap_or(0) > 10,
        "the quarter's visits, not today's one: {visits}"
    );
    let missing = links_without(&b, &quarter, "hall-visit").await;
    assert_eq!(missing, json!([]), "every report link keeps the period");
    // Downloads without a period get the same default.
    let (status, _, bytes) = b.fetch_bytes("/exports/rankings.xlsx").await;
    assert_eq!(status, 200);
    let sheets = hallscore::formats::read::read_workbook("r.xlsx", bytes).expect("a workbook");
    let notes: String = sheets
        .iter()
        .flat_map(|s| {
            s.rows
                .iter()
                .flat_map(|r| r.cells.iter().map(|c| c.display()))
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        notes.contains(&quarter) && !notes.contains("2026-Q4"),
        "the default download is of {quarter}"
    );

    // So do the hall and county pages opened without one.
    for path in ["/halls/XP001", "/districts/西平"] {
        b.goto(path).await;
        wait_for(&b, path, "#unit-rate").await;
        assert_eq!(
            chosen_period(&b).await,
            quarter,
            "{path} opens on {quarter}"
        );
    }
    b.goto("/dashboard").await;
    wait_for(&b, "/dashboard", "#hall-table").await;

    // Item 4: call-outs as a grid, sentences on demand; the first table in
    // the first screen at the laptop size.
    let grid = b
        .js("const g = document.querySelector('#callouts table.callout-grid');
             const d = document.querySelector('#callouts details');
             return g && d ? {rows: g.tBodies[0].rows.length, open: d.open,
                              top: document.getElementById('district-table').getBoundingClientRect().top} : null;")
        .await;
    assert!(
        grid.is_object(),
        "a call-out grid with sentences in <details>: {grid}"
    );
    assert_eq!(grid["rows"], json!(8), "total and seven sections: {grid}");
    assert_eq!(grid["open"], json!(false), "sentences are folded: {grid}");
    if b.viewport == LAPTOP {
        assert!(
            grid["top"].as_f64().unwrap_or(f64::MAX) < f64::from(b.viewport.1),
            "the county ranking starts on the first screen: {grid}"
        );
        assert_table_fits(&b, "#hall-table", "the hall ranking").await;
        assert_table_fits(&b, "#district-table", "the county ranking").await;
    }
    // Sortable headers say their order.
    let header = "#district-table thead th:nth-child(5)";
    b.click(header).await;
    let sort = b
        .js_with(
            "const th = document.querySelector(arguments[0]);
             return [th.getAttribute('aria-sort'), getComputedStyle(th, '::after').content];",
            vec![json!(header)],
        )
        .await;
    assert_eq!(sort, json!(["ascending", "\" ▲\""]), "{sort}");
    // Chart text is at least 12 px on screen; the Pareto has a 失分 axis.
    let smallest = b
        .js("return Math.min(...[...document.querySelectorAll('svg.chart text')].map((t) =>
               parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getBoundingClientRect().width
                 / t.ownerSVGElement.viewBox.baseVal.width));")
        .await;
    assert!(
        smallest.as_f64().unwrap_or(0.0) >= 12.0,
        "chart text is {smallest}px at {size}"
    );
    let axis = b
        .js("const svg = [...document.querySelectorAll('svg.chart')].find((s) => s.getAttribute('aria-label') === '失分帕累托');
             return [[...svg.querySelectorAll('text')].some((t) => t.textContent === '失分'),
                     svg.querySelectorAll('text.lost-tick').length];")
        .await;
    assert_eq!(axis[0], json!(true), "the Pareto names its axis 失分");
    assert!(axis[1].as_u64().unwrap_or(0) >= 3, "with ticks: {axis}");
    let waits = b
        .js("const h = [...document.querySelectorAll('h2')].find((h) => h.textContent.startsWith('等候时长'));
             return [...h.parentElement.querySelectorAll('thead th')].map((th) => th.textContent);")
        .await;
    let waits: Vec<String> = serde_json::from_value(waits).expect("wait headers");
    assert_eq!(
        waits.iter().filter(|h| h.contains("分钟")).count(),
        3,
        "mean, median and p90 say 分钟: {waits:?}"
    );
    b.js("document.querySelector('#callouts details').open = true")
        .await;
    b.shot("dashboard-sentences-open").await;
    b.js("document.getElementById('hall-table').scrollIntoView()")
        .await;
    b.shot("dashboard-hall-table").await;
    b.js("document.querySelector('svg.chart').scrollIntoView()")
        .await;
    b.shot("dashboard-charts").await;
    b.assert_no_horizontal_scroll("/dashboard").await;

    // Item 5: English pages give the call-out sentences in English.
    b.goto("/lang/en").await;
    b.goto("/dashboard").await;
    wait_for(&b, "/dashboard", "#hall-table").await;
    b.js("document.querySelector('#callouts details').open = true")
        .await;
    let sentences = b.text("#callouts details").await;
    assert!(
        sentences.contains("Overall score rate:") && sentences.contains("in the top 3"),
        "English call-outs: {sentences}"
    );
    assert!(
        !sentences.contains("位于前"),
        "no Chinese sentence on an English page: {sentences}"
    );
    let metric = b
        .text("#callouts table.callout-grid tbody tr:first-child th")
        .await;
    assert_eq!(metric, "Overall score rate", "the grid's metric in English");
    b.shot("dashboard-english-sentences").await;
    b.goto("/lang/zh").await;

    // Item 3: another quarter chosen, then hall → county → hall → visit
    // and back, all on that quarter.
    let earlier = Period::parse(&quarter)
        .expect("a quarter")
        .previous()
        .to_string();
    b.select("#report-filters select[name=period]", &earlier)
        .await;
    b.click("#report-filters button[type=submit]").await;
    b.wait_js(
        &format!("new URLSearchParams(location.search).get('period') === '{earlier}'"),
        WAIT,
        "the earlier quarter",
    )
    .await;
    assert_eq!(links_without(&b, &earlier, "hall-visit").await, json!([]));
    b.click("#hall-table tr[data-code=XP001] a").await;
    wait_for(&b, "/halls/XP001", "#unit-rate").await;
    assert_eq!(
        chosen_period(&b).await,
        earlier,
        "the hall page keeps {earlier}"
    );
    assert_eq!(links_without(&b, &earlier, "hall-visit").await, json!([]));
    b.shot("hall-earlier-quarter").await;
    b.assert_no_horizontal_scroll("/halls/XP001").await;
    b.click("#district-link").await;
    wait_for(&b, "/districts/西平", "#unit-rate").await;
    assert_eq!(
        chosen_period(&b).await,
        earlier,
        "the county page keeps {earlier}"
    );
    assert_eq!(links_without(&b, &earlier, "hall-visit").await, json!([]));
    b.shot("district-earlier-quarter").await;
    b.assert_no_horizontal_scroll("/districts/西平").await;
    b.click("#hall-table a").await;
    wait_for(&b, "/halls/", "#unit-rate").await;
    let visit = b
        .js("const h = [...document.querySelectorAll('h2')].find((h) => h.textContent === '本期暗访');
             return h.parentElement.querySelector('tbody a').getAttribute('href');")
        .await;
    b.goto(visit.as_str().expect("a visit link")).await;
    wait_for(&b, "/visits/", "#visit-rate").await;
    b.shot("visit-with-back-link").await;
    b.click("#back").await;
    wait_for(&b, "/halls/", "#unit-rate").await;
    assert_eq!(
        chosen_period(&b).await,
        earlier,
        "back from the visit on {earlier}"
    );
    b.click("#back").await;
    wait_for(&b, "/dashboard", "#hall-table").await;
    assert_eq!(
        chosen_period(&b).await,
        earlier,
        "← 看板 goes back to {earlier}"
    );
    b.sign_out().await;

    // Headquarters: call-outs of counties and of halls side by side, and
    // every hall of the region ranked at the page's width.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.goto("/dashboard").await;
    wait_for(&b, "/dashboard", "#hall-table").await;
    assert_eq!(chosen_period(&b).await, quarter);
    let grids = b
        .js("return [...document.querySelectorAll('#callouts table.callout-grid')].map((g) => g.caption.textContent);")
        .await;
    assert_eq!(grids, json!(["区县排名", "营业厅排名"]), "{grids}");
    b.shot("dashboard-headquarters").await;
    if b.viewport == LAPTOP {
        assert_table_fits(&b, "#hall-table", "the region's hall ranking").await;
    }
    b.js("document.getElementById('hall-table').scrollIntoView()")
        .await;
    b.shot("dashboard-headquarters-halls").await;
    b.assert_no_horizontal_scroll("/dashboard (headquarters)")
        .await;
}

/// Item 6: a 404 and a 403 keep the navigation and the signed-in user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_keep_the_navigation_and_the_user() {
    let ws = demo_workspace();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [("errors-1366x900", LAPTOP), ("errors-768x1024", TABLET)] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(60),
            |b| async move {
                b.sign_in("xiping", PASSWORD).await;
                wait_for(&b, "/dashboard", "#hall-table").await;
                for (path, status, message) in [
                    ("/halls/BY001", 404, "找不到该页面或记录"),
                    ("/no-such-page", 404, "找不到该页面或记录"),
                    ("/admin/audit", 403, "权限"),
                ] {
                    assert_eq!(b.fetch_status(path).await, status, "{path}");
                    b.goto(path).await;
                    b.wait_js("document.readyState === 'complete'", WAIT, "the page")
                        .await;
                    assert!(b.text("main").await.contains(message), "{path}");
                    let nav = b.text("header.top nav").await;
                    assert!(
                        nav.contains("xiping") && nav.contains("看板") && nav.contains("退出"),
                        "{path} shows who is signed in and the navigation: {nav}"
                    );
                    b.shot(&format!("error-{status}{}", path.replace('/', "-")))
                        .await;
                    b.assert_no_horizontal_scroll(path).await;
                }
            },
        )
        .await;
    }
}

/// The requested-answer control of the appeal form after choosing `item`:
/// its tag, its options (a list) or its bounds (a number).
async fn requested_control(b: &Browser, item: &str) -> Value {
    b.select("#appeal select[name=item]", item).await;
    b.js(
        "const c = document.querySelector('#appeal [name=requested]');
          return {tag: c.tagName, type: c.type || '', min: c.min || '', max: c.max || '',
                  options: c.options ? [...c.options].map((o) => o.value) : []};",
    )
    .await
}

/// Items 22 and 21: the admin publishes a period chosen from a list; the
/// manager's appeal form offers the item's valid answers and says when
/// appeals close; 采纳 asks first; the audit log says what changed in the
/// checklist's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appeals_offer_valid_answers_and_the_audit_log_reads_in_words() {
    for (name, viewport) in [
        ("appeal-answers-1366x900", LAPTOP),
        ("appeal-answers-768x1024", TABLET),
    ] {
        let ws = demo_workspace();
        let server = TestApp::spawn(&ws.db()).await;
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(180),
            |b| async move { appeal_answers_flow(b).await },
        )
        .await;
    }
}

async fn appeal_answers_flow(b: Browser) {
    let quarter = demo_quarter();
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_appeals(&b).await;
    let offered = b
        .js(
            "const s = document.querySelector('#publish-form select[name=period]');
             return s ? [s.value, [...s.options].map((o) => o.value)] : null;",
        )
        .await;
    assert_eq!(
        offered[0],
        json!(quarter),
        "the last ended quarter is chosen: {offered}"
    );
    assert!(
        offered[1]
            .as_array()
            .is_some_and(|o| o.contains(&json!("2026-Q2"))),
        "earlier periods with visits are offered: {offered}"
    );
    b.shot("publish-period-select").await;
    publish_quarter(&b, 1).await;
    let published = b.table_rows("#publications").await;
    let closes = published[0].last().cloned().unwrap_or_default();
    let today = Local::now().date_naive();
    assert!(
        closes.starts_with(&(today + chrono::Days::new(7)).to_string()),
        "the window closes 7 days after publishing: {published:?}"
    );
    let label = b
        .js("return document.querySelector('#publish-form select[name=period]').selectedOptions[0].text")
        .await;
    assert!(
        label
            .as_str()
            .is_some_and(|l| l.contains("已发布") && l.contains("第 1 版")),
        "a published period says so: {label}"
    );
    b.shot("published").await;
    b.sign_out().await;

    b.sign_in("xiping", PASSWORD).await;
    wait_for(&b, "/dashboard", "#hall-table").await;
    let (_, visit_page, item) = failed_answer(&b).await;
    b.goto(&visit_page).await;
    b.find("#appeal").await;
    let closes_text = b.text("#appeal-closes").await;
    assert!(
        closes_text.contains("申诉截止") && closes_text.contains(&closes),
        "the form says when appeals close: {closes_text}"
    );
    // A 是/否 item: the other answer; a choice item: its other labels; a
    // scale item: a number from 0 to its points.
    let check = requested_control(&b, &item).await;
    assert_eq!(check["tag"], json!("SELECT"), "{check}");
    assert!(
        check["options"]
            .as_array()
            .is_some_and(|o| o.contains(&json!("是")) && !o.contains(&json!("否"))),
        "{item} is 否 now: 是 may be asked for: {check}"
    );
    let choice = requested_control(&b, "C02").await;
    let options: Vec<String> = serde_json::from_value(choice["options"].clone()).expect("options");
    assert!(
        options.len() == 2
            && options
                .iter()
                .all(|o| ["优", "良", "差"].contains(&o.as_str())),
        "C02's choices: {choice}"
    );
    let scale = requested_control(&b, "B01").await;
    assert_eq!(
        (&scale["tag"], &scale["type"], &scale["min"], &scale["max"]),
        (&json!("INPUT"), &json!("number"), &json!("0"), &json!("2")),
        "B01 is scored 0 to 2: {scale}"
    );
    b.select("#appeal select[name=item]", &item).await;
    b.select("#appeal select[name=requested]", "是").await;
    b.type_into("#appeal textarea[name=reason]", "当天已整改到位,记录有误")
        .await;
    b.js("document.getElementById('appeal').scrollIntoView({block: 'center'})")
        .await;
    b.shot("appeal-form-choices").await;
    b.assert_no_horizontal_scroll("/visits/… (appeal form)")
        .await;
    b.click("#appeal button[type=submit]").await;
    let id = b
        .wait_js(
            "location.pathname === '/appeals'
               && document.querySelector('#appeals-table tr[data-appeal]')?.dataset.appeal",
            WAIT,
            "the filed appeal",
        )
        .await;
    let id = id.as_str().expect("the appeal's id").to_string();
    b.sign_out().await;

    // 采纳 asks first: dismissed, nothing changes; confirmed, accepted.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_appeals(&b).await;
    let accept = format!("#appeals-table tr[data-appeal=\"{id}\"] button[value=accept]");
    b.click(&accept).await;
    let question = b.client.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("确定采纳"), "{question}");
    b.client.dismiss_alert().await.expect("dismiss");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let row = appeal_row(&b, &id).await.expect("the appeal");
    assert!(
        row[7].starts_with("待处理"),
        "still open after 取消: {row:?}"
    );
    b.click(&accept).await;
    b.client.accept_alert().await.expect("confirm");
    b.wait_js(
        &format!(
            "document.querySelector('#appeals-table tr[data-appeal=\"{id}\"]')?.dataset.status === 'accepted'"
        ),
        WAIT,
        "the appeal to be accepted",
    )
    .await;

    // The audit log: item and answers in words, nothing cut off.
    b.goto("/admin/audit").await;
    wait_for(&b, "/admin/audit", "#audit-table").await;
    let rows = b.table_rows("#audit-table").await;
    let accepted = rows
        .iter()
        .find(|r| r[2] == "采纳申诉")
        .unwrap_or_else(|| panic!("an appeal.accept entry: {rows:?}"));
    let change = &accepted[5];
    assert!(
        change.contains(&format!("{item} ")) && change.contains("否 → 是"),
        "the change names the item and the answers: {change}"
    );
    assert!(!change.contains('{'), "no raw JSON: {change}");
    let loaded = rows
        .iter()
        .find(|r| r[2] == "载入检查表")
        .unwrap_or_else(|| panic!("a checklist.load entry: {rows:?}"));
    assert!(!loaded[5].contains('{'), "no raw JSON: {loaded:?}");
    b.shot("audit").await;
    assert_table_fits(&b, "#audit-table", "the audit log").await;
    b.assert_no_horizontal_scroll("/admin/audit").await;
}

/// Appends one row to the first sheet of an .xlsx with openpyxl, as a
/// person filling in the template in a spreadsheet program would.
fn fill_row(bytes: &[u8], row: &[Value], dir: &std::path::Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("save the template");
    let script = "import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb.worksheets[0].append(json.loads(sys.argv[2]))
wb.save(sys.argv[1])";
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .arg(serde_json::to_string(row).expect("a JSON row"))
        .status()
        .expect("run python3");
    assert!(status.success(), "openpyxl filled {name}");
    std::fs::read(&path).expect("read the filled template")
}

/// The headers of a downloaded template's first sheet (its last header-like
/// row: the 评分细则 sheet has a title line above).
fn template_headers(bytes: &[u8], name: &str) -> Vec<String> {
    let sheets = hallscore::formats::read::read_workbook(name, bytes.to_vec()).expect("a workbook");
    let row = sheets[0].rows.last().expect("a header row");
    row.cells.iter().map(|c| c.display()).collect()
}

fn no_rows(failure: hallscore::app::imports::Failure) -> String {
    match failure {
        hallscore::app::imports::Failure::Problems { problems, .. } => problems
            .iter()
            .map(|p| p.reason.clone())
            .collect::<Vec<_>>()
            .join(";"),
        other => panic!("a list of problems, not {other}"),
    }
}

/// Item 23: blank templates download from the imports page, their columns
/// are explained there, and each goes back in through the importer: empty,
/// it says there are no rows; with a row filled in, it imports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_templates_download_and_import_again() {
    let ws = demo_workspace();
    let db = ws.db();
    let server = TestApp::spawn(&db).await;
    for (name, viewport) in [
        ("templates-1366x900", LAPTOP),
        ("templates-768x1024", TABLET),
    ] {
        // The filled templates are kept beside the screenshots.
        let (db, dir) = (db.clone(), super::driver::screenshot_dir(name));
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(120),
            move |b| async move { templates_flow(b, db, dir).await },
        )
        .await;
    }
}

async fn templates_flow(b: Browser, db: String, dir: std::path::PathBuf) {
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.goto("/admin/imports").await;
    wait_for(&b, "/admin/imports", "#template-roster").await;
    let guides = b
        .js("return [...document.querySelectorAll('p.guide')].map((p) => p.textContent);")
        .await;
    let guides: Vec<String> = serde_json::from_value(guides).expect("guides");
    assert_eq!(guides.len(), 3, "a column guide per upload: {guides:?}");
    assert!(
        guides[0].contains("网点编码") && guides[1].contains("暗访日期"),
        "{guides:?}"
    );
    b.shot("imports-guides").await;
    b.assert_no_horizontal_scroll("/admin/imports").await;
    let checklist =
        with_store(&db, |store| store.checklist("hall-visit")).expect("the demo checklist");

    // The roster.
    let href = b
        .js("return document.getElementById('template-roster').getAttribute('href')")
        .await;
    let (status, _, roster) = b.fetch_bytes(href.as_str().expect("a link")).await;
    assert_eq!(status, 200);
    let headers = template_headers(&roster, "roster.xlsx");
    assert!(
        ["区县", "网点编码", "网点名称"]
            .iter()
            .all(|h| headers.contains(&h.to_string())),
        "{headers:?}"
    );
    let empty = with_store(&db, |store| {
        hallscore::app::imports::roster(store, "roster.xlsx", roster.clone(), true, "admin")
    })
    .expect_err("an empty roster");
    assert!(
        no_rows(empty).contains("没有数据行"),
        "the empty roster says so"
    );
    let row: Vec<Value> = headers
        .iter()
        .map(|h| match h.as_str() {
            "区县" => json!("西平"),
            "网点编码" => json!(format!("XPT{}", b.viewport.0)),
            "网点名称" => json!("西平模板测试营业厅"),
            _ => Value::Null,
        })
        .collect();
    let filled = fill_row(&roster, &row, &dir, "roster.xlsx");
    let report = with_store(&db, |store| {
        hallscore::app::imports::roster(store, "roster.xlsx", filled, false, "admin")
    })
    .expect("the filled roster imports");
    assert_eq!((report.branches, report.outcome.new), (1, 1));

    // The visits of the chosen checklist.
    let action = "/admin/templates/visits?checklist=hall-visit";
    assert_eq!(
        b.js("const f = document.getElementById('template-visits');
              return f.getAttribute('action') + '?checklist=' + f.elements.checklist.value;")
            .await,
        json!(action)
    );
    let (status, _, visits) = b.fetch_bytes(action).await;
    assert_eq!(status, 200);
    let headers = template_headers(&visits, "visits.xlsx");
    let items: Vec<_> = checklist.items().map(|(_, item)| item).collect();
    for item in &items {
        assert!(
            headers.contains(&format!("{} {}", item.code, item.title)),
            "a column for {}: {headers:?}",
            item.code
        );
    }
    let options = |dry_run| hallscore::app::imports::VisitOptions {
        dry_run,
        replace: false,
        actor: "admin",
    };
    let empty = with_store(&db, |store| {
        hallscore::app::imports::visits(
            store,
            "visits.xlsx",
            visits.clone(),
            options(true),
            &mut |_, _| {},
        )
    })
    .expect_err("an empty visits sheet");
    assert!(
        no_rows(empty).contains("没有数据行"),
        "the empty sheet says so"
    );
    let row: Vec<Value> = headers
        .iter()
        .map(|h| {
            let code = h.split(' ').next().unwrap_or_default();
            match (h.as_str(), items.iter().find(|i| i.code == code)) {
                ("网点编码", _) => json!("XP001"),
                ("暗访日期", _) => json!(Local::now().format("%Y-%m-%d 10:00").to_string()),
                ("暗访编号", _) => json!(format!("TEMPLATE-{}", b.viewport.0)),
                (_, Some(item)) => match &item.kind {
                    hallscore::domain::checklist::ItemKind::Check { .. } => json!("是"),
                    hallscore::domain::checklist::ItemKind::Choice { choices } => {
                        json!(choices[0].label)
                    }
                    hallscore::domain::checklist::ItemKind::Scale => json!(item.points),
                    hallscore::domain::checklist::ItemKind::Measure { .. } => json!(5),
                },
                _ => Value::Null,
            }
        })
        .collect();
    let filled = fill_row(&visits, &row, &dir, "visits.xlsx");
    let report = with_store(&db, |store| {
        hallscore::app::imports::visits(
            store,
            "visits.xlsx",
            filled,
            options(false),
            &mut |_, _| {},
        )
    })
    .expect("the filled visits sheet imports");
    assert_eq!((report.visits, report.new), (1, 1));

    // The 评分细则 of the chosen checklist loads again as it is.
    let (status, _, sheet) = b
        .fetch_bytes("/admin/templates/checklist?checklist=hall-visit")
        .await;
    assert_eq!(status, 200);
    let meta = hallscore::app::imports::SheetMeta {
        id: Some("hall-visit"),
        title: Some(&checklist.title),
        pass_mark: checklist.pass_mark,
    };
    let loaded = with_store(&db, |store| {
        hallscore::app::imports::checklist(store, "checklist.xlsx", sheet, meta, "admin")
    })
    .expect("the 评分细则 loads again");
    assert_eq!(loaded.checklist.item_count(), checklist.item_count());
    // A sheet always loads as the next version; its items are the same.
    assert_eq!(loaded.checklist.sections, checklist.sections);
    assert_eq!(loaded.checklist.version, checklist.version + 1);
    b.js("document.getElementById('template-visits').scrollIntoView({block: 'center'})")
        .await;
    b.shot("imports-templates").await;
}
