//! The dashboard's hall ranking a page at a time, as headquarters reads a
//! case with more halls than one page holds: 100 rows a page in rank
//! order, page links that reach the last hall, an order by any column and
//! a county or search that hold across pages and across another period,
//! while the call-outs above still speak for every hall (and, when ties
//! make them too many to list, say how many and link to them).

use std::time::Duration;

use serde_json::{Value, json};

use super::driver::{Browser, WAIT, with_browser};
use super::{LAPTOP, TABLET};
use crate::helpers::{TestApp, Workspace};

const PASSWORD: &str = "hall-pages-password";
const PERIOD: &str = "2026-Q3";
const CHECKLIST: &str = "two-parts";
const DISTRICTS: [&str; 5] = ["驿城区", "西平", "上蔡", "泌阳", "正阳"];
const HALLS: usize = 250;

/// Two 0–100 scale items in two sections.
const TWO_PARTS: &str = r#"
id = "two-parts"
version = 1
title = "两项评分"

[[section]]
code = "A"
title = "服务"

[[section.item]]
code = "S01"
title = "服务评分"
kind = "scale"
points = 100

[[section]]
code = "B"
title = "环境"

[[section.item]]
code = "S02"
title = "环境评分"
kind = "scale"
points = 100
"#;

/// 250 halls in five counties, each visited twice in the quarter; every
/// fifth hall tied at 100% for 环境.
fn workspace() -> Workspace {
    let ws = Workspace::new();
    let mut roster = String::from("区县,网点编码,网点名称,地市\n");
    let mut visits = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,S01,S02\n");
    for hall in 0..HALLS {
        let district = DISTRICTS[hall % DISTRICTS.len()];
        let code = format!("H{hall:03}");
        roster.push_str(&format!(
            "{district},{code},{district}{}号厅,驻马店\n",
            hall + 1
        ));
        // Every hall a rate of its own, in an order unlike the codes'.
        let level = 45.0 + ((hall * 37) % HALLS) as f64 * 0.2;
        for visit in 0..2 {
            let noise = if visit == 0 { -1.5 } else { 2.0 };
            let surroundings = if hall % 5 == 0 {
                100.0
            } else {
                100.0 - level / 2.0 + noise
            };
            visits.push_str(&format!(
                "V{hall:03}{visit},{code},2026-08-{:02} 10:00,{},{CHECKLIST},{:.1},{surroundings:.1}\n",
                3 + visit * 9,
                ["王敏", "李娜", "张伟"][(hall + visit) % 3],
                level + noise,
            ));
        }
    }
    let checklist = ws.write("two-parts.toml", TWO_PARTS);
    ws.run(&["checklist", "load", &checklist]).success();
    let roster = ws.write("roster.csv", roster);
    ws.run(&["import", "roster", &roster]).success();
    let visits = ws.write("visits.csv", visits);
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("总部", "admin", None, PASSWORD);
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_ranking_pages_reach_every_hall_and_keep_the_order_and_filters() {
    let ws = workspace();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [
        ("hall-pages-1366x900", LAPTOP),
        ("hall-pages-768x1024", TABLET),
    ] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(150),
            move |b| async move { hall_pages_flow(b).await },
        )
        .await;
    }
}

/// Opens `path` and waits for the hall table.
async fn open(b: &Browser, path: &str) {
    b.goto(path).await;
    loaded(b, path).await;
}

async fn loaded(b: &Browser, what: &str) {
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('hall-table')",
        WAIT,
        what,
    )
    .await;
}

/// The rows of the hall table: code, county and rate.
async fn rows(b: &Browser) -> Vec<(String, String, f64)> {
    let rows = b
        .js(
            "return [...document.querySelectorAll('#hall-table tbody tr')].map((tr) =>
               [tr.dataset.code, tr.cells[1].textContent, Number(tr.cells[4].dataset.value)]);",
        )
        .await;
    serde_json::from_value(rows).expect("rows")
}

fn codes(rows: &[(String, String, f64)]) -> Vec<String> {
    rows.iter().map(|r| r.0.clone()).collect()
}

/// The page's address parameter `name`, or null.
async fn param(b: &Browser, name: &str) -> Value {
    b.js_with(
        "return new URLSearchParams(location.search).get(arguments[0]);",
        vec![json!(name)],
    )
    .await
}

async fn summary(b: &Browser) -> String {
    b.text("#hall-ranking nav.pager .rows").await
}

async fn hall_pages_flow(b: Browser) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);
    b.sign_in("总部", PASSWORD).await;
    let dashboard = format!("/dashboard?period={PERIOD}&checklist={CHECKLIST}");
    open(&b, &dashboard).await;
    let ranking = b
        .js_async(&format!(
            "const r = await fetch('/api/v1/reports/rankings?period={PERIOD}&checklist={CHECKLIST}&level=branch',
                                   {{credentials: 'same-origin'}});
             return await r.json();"
        ))
        .await;
    let ranked: Vec<String> = ranking["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["code"].as_str().expect("a code").to_string())
        .collect();
    assert_eq!(ranked.len(), HALLS, "every hall is ranked");

    // The first page: the first 100 of the ranking, and the call-outs of
    // all 250 (the weakest halls are on the last page).
    let first = rows(&b).await;
    assert_eq!(
        codes(&first),
        ranked[..100],
        "page 1 in rank order ({size})"
    );
    assert_eq!(summary(&b).await, "第 1–100 行,共 250 个营业厅");
    let bottom = b
        .js(
            "const grid = [...document.querySelectorAll('#callouts table.callout-grid')]
               .find((g) => g.caption.textContent === '营业厅排名');
             return [...grid.tBodies[0].rows[0].querySelectorAll('td.bottom a')]
               .map((a) => a.textContent);",
        )
        .await;
    let expected: Vec<Value> = ranking["top_bottom"][0]["bottom"]
        .as_array()
        .expect("the bottom call-out")
        .iter()
        .map(|u| u["name"].clone())
        .collect();
    assert_eq!(bottom, json!(expected), "the bottom three of all halls");
    let last_name = &ranking["rows"][HALLS - 1]["name"];
    assert!(
        expected.contains(last_name),
        "the last hall {last_name} is called out from page 1"
    );
    let links = b
        .js("return [...document.querySelectorAll('nav.pager a')].map((a) => a.getAttribute('href'))
               .filter((h) => { const q = new URL(h, location.href).searchParams;
                                return q.get('period') !== '2026-Q3' || q.get('checklist') !== 'two-parts'; });")
        .await;
    assert_eq!(links, json!([]), "page links keep the period and checklist");
    b.shot("first-page").await;
    b.js("document.getElementById('hall-ranking').scrollIntoView()")
        .await;
    b.shot("first-page-pager").await;
    b.assert_no_horizontal_scroll("/dashboard, page 1").await;

    // The last page link reaches the last hall; the one before, the rest.
    b.follow("#hall-ranking nav.pager a[data-page='3']", "#hall-table")
        .await;
    assert_eq!(param(&b, "page").await, json!("3"));
    assert_eq!(codes(&rows(&b).await), ranked[200..], "page 3 ({size})");
    assert_eq!(summary(&b).await, "第 201–250 行,共 250 个营业厅");
    b.js("document.querySelector('#hall-ranking nav.pager:last-of-type').scrollIntoView({block: 'end'})")
        .await;
    b.shot("last-page").await;
    b.follow("#hall-ranking nav.pager a[rel=prev]", "#hall-table")
        .await;
    assert_eq!(codes(&rows(&b).await), ranked[100..200], "page 2 ({size})");

    // Ordered by the rate, lowest first, over all halls; the order holds
    // on the next page.
    b.follow("#hall-table thead th:nth-child(5) a", "#hall-table")
        .await;
    assert_eq!(
        [
            param(&b, "sort").await,
            param(&b, "order").await,
            param(&b, "page").await
        ],
        [json!("rate"), json!("asc"), Value::Null],
        "a new order starts on page 1"
    );
    let ascending = rows(&b).await;
    assert!(
        ascending.windows(2).all(|w| w[0].2 <= w[1].2),
        "lowest rate first: {ascending:?}"
    );
    assert_eq!(ascending[0].0, ranked[HALLS - 1], "the lowest of all halls");
    let header = b
        .js("const th = document.querySelector('#hall-table thead th:nth-child(5)');
             return [th.getAttribute('aria-sort'), getComputedStyle(th.querySelector('a'), '::after').content];")
        .await;
    assert_eq!(
        header,
        json!(["ascending", "\" ▲\""]),
        "the header says its order"
    );
    b.follow("#hall-table thead th:nth-child(5) a", "#hall-table")
        .await;
    assert_eq!(param(&b, "order").await, json!("desc"));
    let descending = rows(&b).await;
    assert_eq!(descending[0].0, ranked[0], "the highest of all halls first");
    b.follow("#hall-ranking nav.pager a[rel=next]", "#hall-table")
        .await;
    assert_eq!(
        [
            param(&b, "sort").await,
            param(&b, "order").await,
            param(&b, "page").await
        ],
        [json!("rate"), json!("desc"), json!("2")],
        "the order holds on page 2"
    );
    let next = rows(&b).await;
    assert!(
        next.windows(2).all(|w| w[0].2 >= w[1].2) && next[0].2 <= descending[99].2,
        "page 2 goes on where page 1 ended"
    );

    // A county: its halls alone, still by rate, on one page.
    b.select("#hall-filters select[name=district]", "正阳")
        .await;
    b.click("#hall-filters button[type=submit]").await;
    b.wait_js(
        "new URLSearchParams(location.search).get('district') === '正阳' && document.readyState === 'complete'",
        WAIT,
        "the county's halls",
    )
    .await;
    assert_eq!(param(&b, "sort").await, json!("rate"), "the order holds");
    let county = rows(&b).await;
    assert_eq!(county.len(), HALLS / DISTRICTS.len());
    assert!(county.iter().all(|r| r.1 == "正阳"), "{county:?}");
    assert!(county.windows(2).all(|w| w[0].2 >= w[1].2), "by rate");
    assert_eq!(
        summary(&b).await,
        "第 1–50 行,共 50 个符合条件的营业厅(排名共 250 个)"
    );
    b.shot("county-by-rate").await;
    b.assert_no_horizontal_scroll("/dashboard, one county")
        .await;
    // Another look at the period keeps the county and the order.
    b.click("#report-filters button[type=submit]").await;
    b.wait_js(
        "new URLSearchParams(location.search).has('from') && document.readyState === 'complete'",
        WAIT,
        "the period shown again",
    )
    .await;
    assert_eq!(
        [param(&b, "district").await, param(&b, "sort").await],
        [json!("正阳"), json!("rate")]
    );
    assert_eq!(rows(&b).await.len(), HALLS / DISTRICTS.len());

    // A search reaches a hall on the last page, by code or by the pinyin
    // initials of its name.
    b.follow("#hall-filter-clear", "#hall-table").await;
    assert_eq!(rows(&b).await.len(), 100, "all halls again");
    let last = &ranked[HALLS - 1];
    b.fill("#hall-filters input[name=q]", &last.to_lowercase())
        .await;
    b.click("#hall-filters button[type=submit]").await;
    b.wait_js(
        "new URLSearchParams(location.search).has('q') && document.readyState === 'complete'",
        WAIT,
        "the search",
    )
    .await;
    assert_eq!(codes(&rows(&b).await), [last.as_str()], "found by its code");
    b.shot("search-by-code").await;
    open(&b, &format!("{dashboard}&q=zy")).await;
    let initials = rows(&b).await;
    assert!(
        initials.len() == 50 && initials.iter().all(|r| r.1 == "正阳"),
        "zy finds the halls of 正阳: {initials:?}"
    );

    // Fifty halls tie for the top of 环境: the grid says so and links to
    // them, first in the ranking by 环境.
    open(&b, &dashboard).await;
    let tied = b
        .js(
            "const grid = [...document.querySelectorAll('#callouts table.callout-grid')]
               .find((g) => g.caption.textContent === '营业厅排名');
             const row = [...grid.tBodies[0].rows].find((r) => r.cells[0].textContent === '环境');
             return [row.cells[1].textContent, row.cells[1].querySelectorAll('a').length];",
        )
        .await;
    assert_eq!(tied, json!(["50 个营业厅(含并列),在排名中查看", 1]));
    b.shot("tied-call-out").await;
    b.follow("#callouts td.top a.many", "#hall-table").await;
    assert_eq!(
        [param(&b, "sort").await, param(&b, "order").await],
        [json!("s2"), json!("desc")]
    );
    let surroundings = b
        .js(
            "return [...document.querySelectorAll('#hall-table tbody tr')].slice(0, 51)
               .map((tr) => tr.cells[8].textContent);",
        )
        .await;
    let surroundings: Vec<String> = serde_json::from_value(surroundings).expect("cells");
    assert!(
        surroundings[..50].iter().all(|c| c == "100.0%") && surroundings[50] != "100.0%",
        "the fifty tied halls first: {surroundings:?}"
    );

    // A page number that is not one is said, not guessed.
    let (status, _, body) = b.fetch_bytes(&format!("{dashboard}&page=0")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("页码「0」无效"), "{body}");

    // In English.
    b.goto("/lang/en").await;
    open(&b, &format!("{dashboard}&page=2")).await;
    assert_eq!(summary(&b).await, "Rows 101–200 of 250 halls");
    b.js("document.getElementById('hall-ranking').scrollIntoView()")
        .await;
    b.shot("english-page-2").await;
    b.goto("/lang/zh").await;
}
