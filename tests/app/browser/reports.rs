//! The report pages as a district manager and headquarters read them on a
//! laptop (1366×900) and a tablet: the period they open on, links that
//! keep the period, call-outs before the tables, readable charts and
//! tables, error pages inside the usual frame.

use std::path::Path;
use std::time::Duration;

use chrono::Local;
use hallscore::domain::period::Period;
use serde_json::{Value, json};

use super::driver::{Browser, Server, WAIT, demo_workspace, with_browser};
use super::{LAPTOP, PASSWORD, TABLET, assert_table_fits};

/// The demo's newest quarter, the one reports should open on.
fn demo_quarter() -> String {
    let quarter = hallscore::demo::QUARTERS[hallscore::demo::QUARTERS.len() - 1];
    let ended = Period::parse(quarter).expect("a quarter").to;
    assert!(
        Local::now().date_naive() > ended,
        "these tests expect {quarter} to have ended"
    );
    quarter.to_string()
}

/// A visit today at a 西平 hall, as an inspector's first visit of the new
/// quarter: a copy of a demo visit with today's date.
fn visit_today(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let now = Local::now().format("%Y-%m-%d 09:30:00").to_string();
    let added = conn
        .execute(
            "INSERT INTO visits (key, visit_id, branch_id, checklist_id, checklist_version,
                                 visited_at, inspector, notes, answers, created_at, updated_at)
             SELECT 'id:TODAY-XP001', 'TODAY-XP001', v.branch_id, v.checklist_id, v.checklist_version,
                    ?1, v.inspector, v.notes, v.answers, v.created_at, v.updated_at
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE b.code = 'XP001' ORDER BY v.visited_at DESC LIMIT 1",
            [now],
        )
        .expect("add today's visit");
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
    let server = Server::start(&db).await;
    for (name, viewport) in [("reports-1366x900", LAPTOP), ("reports-768x1024", TABLET)] {
        with_browser(
            name,
            viewport,
            &server.base(),
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
    let sheets = hallscore::excel::read::read_workbook("r.xlsx", bytes).expect("a workbook");
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
}

/// Item 6: a 404 and a 403 keep the navigation and the signed-in user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_keep_the_navigation_and_the_user() {
    let ws = demo_workspace();
    let server = Server::start(&ws.db()).await;
    for (name, viewport) in [("errors-1366x900", LAPTOP), ("errors-768x1024", TABLET)] {
        with_browser(
            name,
            viewport,
            &server.base(),
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
