//! The dashboard's county table and waits on a roster of several cities:
//! a manager compares the counties of their own city (ranked among all)
//! and may ask for every county; the waits beside them are by county
//! while the table is one city's, else by city, with figures equal to
//! those counted here from the visits.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::driver::{Browser, WAIT, with_browser};
use super::{LAPTOP, TABLET};
use crate::helpers::{TestApp, Workspace};

const PASSWORD: &str = "county-tables-password";
const PERIOD: &str = "2026-Q3";
const CHECKLIST: &str = "wait-and-score";
/// (city, county); two halls in each county.
const COUNTIES: [(&str, &str); 5] = [
    ("驻马店", "驿城区"),
    ("驻马店", "西平"),
    ("驻马店", "上蔡"),
    ("信阳", "浉河区"),
    ("信阳", "平桥区"),
];

/// A score and a queue wait in minutes.
const WAIT_AND_SCORE: &str = r#"
id = "wait-and-score"
version = 1
title = "评分与等候"

[[section]]
code = "A"
title = "服务"

[[section.item]]
code = "S01"
title = "服务评分"
kind = "scale"
points = 100

[[section.item]]
code = "E01"
title = "取号到叫号等候时长"
kind = "measure"
unit = "分钟"
points = 10
bands = [ { max = 10, score = 10 }, { max = 20, score = 5 }, { score = 0 } ]
"#;

/// The workspace, and each city's measured waits as the visits hold them.
fn workspace() -> (Workspace, BTreeMap<&'static str, Vec<f64>>) {
    let ws = Workspace::new();
    let mut roster = String::from("区县,网点编码,网点名称,地市\n");
    let mut visits = String::from("暗访编号,网点编码,暗访日期,暗访员,检查表,S01,E01\n");
    let mut waits: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (n, (city, county)) in COUNTIES.iter().enumerate() {
        for hall in 0..2 {
            let code = format!("C{n}{hall}");
            roster.push_str(&format!(
                "{county},{code},{county}{}号厅,{city}\n",
                hall + 1
            ));
            for visit in 0..2 {
                let wait = 4.0 + (n * 4 + hall * 2 + visit) as f64 * 1.5;
                waits.entry(city).or_default().push(wait);
                visits.push_str(&format!(
                    "V{n}{hall}{visit},{code},2026-08-{:02} 10:00,王敏,{CHECKLIST},{},{wait}\n",
                    3 + visit * 9,
                    60 + n * 7 + hall * 3 + visit,
                ));
            }
        }
    }
    let checklist = ws.write("wait-and-score.toml", WAIT_AND_SCORE);
    ws.run(&["checklist", "load", &checklist]).success();
    let roster = ws.write("roster.csv", roster);
    ws.run(&["import", "roster", &roster]).success();
    let visits = ws.write("visits.csv", visits);
    ws.run(&["import", "visits", &visits]).success();
    ws.add_user("总部", "admin", None, PASSWORD);
    ws.add_user("驻马店经理", "manager", Some("city:驻马店"), PASSWORD);
    ws.add_user("西平经理", "manager", Some("district:西平"), PASSWORD);
    (ws, waits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_compare_their_citys_counties_and_may_ask_for_all() {
    let (ws, waits) = workspace();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [
        ("county-tables-1366x900", LAPTOP),
        ("county-tables-768x1024", TABLET),
    ] {
        let waits = waits.clone();
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(150),
            move |b| async move { county_tables_flow(b, waits).await },
        )
        .await;
    }
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// The county table's county names, in its order.
async fn counties(b: &Browser) -> Vec<String> {
    b.table_rows("#district-table")
        .await
        .into_iter()
        .map(|cells| cells[1].clone())
        .collect()
}

/// The county table's column headers.
async fn district_headers(b: &Browser) -> Vec<String> {
    let headers = b
        .js("return [...document.querySelectorAll('#district-table thead th')].map((th) => th.textContent.trim());")
        .await;
    serde_json::from_value(headers).expect("headers")
}

/// The waits section: its heading, its unit column's header and its rows.
async fn waits_table(b: &Browser) -> (String, String, Vec<Vec<String>>) {
    let found = b
        .js("const h = [...document.querySelectorAll('h2')].find((h) => h.textContent.startsWith('等候时长'));
             const table = h.parentElement.querySelector('table');
             return [h.textContent, table.tHead.rows[0].cells[1].textContent,
                     [...table.tBodies[0].rows].map((tr) => [...tr.cells].map((c) => c.innerText.trim()))];")
        .await;
    serde_json::from_value(found).expect("the waits table")
}

async fn open_dashboard(b: &Browser, query: &str) {
    b.goto(&format!(
        "/dashboard?period={PERIOD}&checklist={CHECKLIST}{query}"
    ))
    .await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('district-table')",
        WAIT,
        "the dashboard",
    )
    .await;
}

async fn county_tables_flow(b: Browser, waits: BTreeMap<&'static str, Vec<f64>>) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);
    let zhumadian = sorted(vec!["驿城区".into(), "西平".into(), "上蔡".into()]);
    let every = sorted(COUNTIES.iter().map(|(_, c)| c.to_string()).collect());

    // The city manager: their three counties, ranked among all five.
    b.sign_in("驻马店经理", PASSWORD).await;
    open_dashboard(&b, "").await;
    assert_eq!(sorted(counties(&b).await), zhumadian, "{size}");
    let ranks: Vec<u32> = b
        .table_rows("#district-table")
        .await
        .iter()
        .map(|cells| {
            cells[0]
                .split_whitespace()
                .next()
                .and_then(|r| r.parse().ok())
                .expect("a rank")
        })
        .collect();
    // 驻马店's counties have the lowest rates: places 3 to 5 of all five,
    // not 1 to 3 of their city.
    let mut ranks = ranks;
    ranks.sort_unstable();
    assert_eq!(ranks, [3, 4, 5], "ranked among all counties ({size})");
    assert_eq!(
        b.text("#district-switch").await,
        "列出驻马店的 3 个区县;名次是在全部 5 个区县中的名次。 显示全部区县"
    );
    let (heading, column, rows) = waits_table(&b).await;
    assert_eq!(
        (heading.as_str(), column.as_str()),
        ("等候时长(区县)", "区县")
    );
    let waited = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(sorted(waited), zhumadian, "{rows:?}");
    b.js("document.getElementById('district-ranking').scrollIntoView()")
        .await;
    b.shot("city-manager-own-counties").await;
    b.assert_no_horizontal_scroll("/dashboard (city manager)")
        .await;

    assert_eq!(
        district_headers(&b).await[2],
        "网点数",
        "one city: no 地市 column"
    );

    // Every county on asking, each with its city; the waits of two cities
    // are by city.
    b.follow("#district-switch a", "#district-table").await;
    assert_eq!(sorted(counties(&b).await), every, "{size}");
    assert_eq!(district_headers(&b).await[2], "地市");
    for cells in b.table_rows("#district-table").await {
        let city = COUNTIES
            .iter()
            .find(|(_, c)| *c == cells[1])
            .map(|(city, _)| *city);
        assert_eq!(Some(cells[2].as_str()), city, "{cells:?}");
    }
    assert_eq!(
        b.text("#district-switch").await,
        "列出全部 5 个区县。 只看驻马店的区县"
    );
    let (heading, column, rows) = waits_table(&b).await;
    assert_eq!(
        (heading.as_str(), column.as_str()),
        ("等候时长(地市)", "地市")
    );
    for (city, values) in &waits {
        let row = rows
            .iter()
            .find(|r| r[1] == *city)
            .unwrap_or_else(|| panic!("no waits row for {city}: {rows:?}"));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert_eq!(row[2], values.len().to_string(), "{city}: {row:?}");
        assert_eq!(row[3], format!("{mean:.1}"), "{city}: {row:?}");
    }
    assert_eq!(rows.len(), waits.len(), "{rows:?}");
    // The hall table's links and the period form keep the choice.
    // The hall table's sort links, its filter form and the period form keep
    // the choice.
    let kept = b
        .js("const links = [...document.querySelectorAll('#hall-table thead a.sort')];
             return [links.length, links.every((a) => a.href.includes('districts=all')),
                     document.querySelector('#hall-filters input[name=districts]')?.value ?? null,
                     document.querySelector('#report-filters input[name=districts]')?.value ?? null];")
        .await;
    assert!(
        kept[0].as_u64().unwrap_or(0) > 0,
        "the hall table has sort links: {kept}"
    );
    assert_eq!(
        kept[1],
        json!(true),
        "sort links keep districts=all ({size})"
    );
    assert_eq!(kept[2], json!("all"), "the hall filter keeps districts=all");
    assert_eq!(kept[3], json!("all"), "the period form keeps districts=all");
    b.js("document.getElementById('district-ranking').scrollIntoView()")
        .await;
    b.shot("city-manager-every-county").await;
    b.follow("#district-switch a", "#district-table").await;
    assert_eq!(sorted(counties(&b).await), zhumadian, "back to 驻马店");

    // An address that asks for something else is named, not guessed.
    assert_eq!(
        b.fetch_status(&format!(
            "/dashboard?period={PERIOD}&checklist={CHECKLIST}&districts=驻马店"
        ))
        .await,
        422
    );
    b.sign_out().await;

    // A county's manager compares the counties of their county's city.
    b.sign_in("西平经理", PASSWORD).await;
    open_dashboard(&b, "").await;
    assert_eq!(sorted(counties(&b).await), zhumadian, "西平经理 ({size})");
    b.sign_out().await;

    // Headquarters: every county, no switch, the waits by city.
    b.sign_in("总部", PASSWORD).await;
    open_dashboard(&b, "").await;
    assert_eq!(sorted(counties(&b).await), every, "总部 ({size})");
    let switch = b
        .js("return document.getElementById('district-switch') === null;")
        .await;
    assert_eq!(switch, json!(true), "no switch for headquarters");
    let (heading, _, rows) = waits_table(&b).await;
    assert_eq!(heading, "等候时长(地市)");
    assert_eq!(rows.len(), 2, "{rows:?}");
    b.js("document.querySelector('.note a[href^=\"/exports/rankings.xlsx\"]').scrollIntoView()")
        .await;
    b.shot("headquarters-waits-by-city").await;
}
