//! Rankings that say how sure they are, as an HQ analyst and a district
//! manager read them at laptop and tablet sizes: the funnel plot with a
//! point per hall and its limits, the halls outside them named, possible
//! ranks and interval bars on every ranking row as the rankings JSON has
//! them, the admins' adjusted rates and the switch to rank by them, and
//! the hall page's interval, possible ranks and trend whiskers.

use std::time::Duration;

use serde_json::{Value, json};

use super::driver::{Browser, WAIT, demo_workspace, with_browser};
use super::{ADMIN_PASSWORD, LAPTOP, PASSWORD, QUARTER, TABLET};
use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rankings_show_intervals_possible_ranks_and_the_funnel() {
    let ws = demo_workspace();
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [
        ("uncertainty-1366x900", LAPTOP),
        ("uncertainty-768x1024", TABLET),
    ] {
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(150),
            move |b| async move { uncertainty_flow(b).await },
        )
        .await;
    }
}

/// The rankings JSON of the quarter as the signed-in reader gets it.
async fn rankings_json(b: &Browser, query: &str) -> Value {
    b.js_async(&format!(
        "const r = await fetch('/api/v1/reports/rankings?period={QUARTER}{query}',
                              {{credentials: 'same-origin'}});
         return {{status: r.status, body: await r.json()}};"
    ))
    .await
}

async fn open_dashboard(b: &Browser, query: &str) {
    b.goto(&format!("/dashboard?period={QUARTER}{query}")).await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('hall-table')",
        WAIT,
        "the dashboard",
    )
    .await;
}

/// Each row of a ranking table: code, rank cell's text, possible ranks,
/// the interval bar's ends, the 校准后 cell (or null).
async fn table_rows(b: &Browser, table: &str) -> Vec<Value> {
    let rows = b
        .js_with(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map((tr) => {
               const bar = tr.querySelector('svg.interval-bar');
               const adjusted = tr.querySelector('td.adjusted');
               return {code: tr.dataset.code,
                       rank: tr.querySelector('td.rank').dataset.value,
                       range: tr.querySelector('.rank-range')?.textContent ?? null,
                       low: bar ? Number(bar.dataset.low) : null,
                       high: bar ? Number(bar.dataset.high) : null,
                       span: bar ? [Number(bar.querySelector('.span').getAttribute('x1')),
                                    Number(bar.querySelector('.span').getAttribute('x2'))] : null,
                       scale: bar ? [Number(bar.dataset.from), Number(bar.dataset.to)] : null,
                       adjusted: adjusted ? adjusted.dataset.value : null};
             });",
            vec![json!(table)],
        )
        .await;
    serde_json::from_value(rows).expect("rows")
}

/// The table's rows agree with the JSON rows: same order, ranks, possible
/// ranks and intervals, and each bar drawn from low to high on the
/// table's scale, which holds every interval.
fn assert_rows_match(shown: &[Value], json_rows: &Value, what: &str) {
    let expected = json_rows.as_array().expect("rows");
    assert_eq!(shown.len(), expected.len(), "{what}: one row per unit");
    assert!(!shown.is_empty(), "{what}: rows");
    for (row, want) in shown.iter().zip(expected) {
        assert_eq!(row["code"], want["code"], "{what}: order");
        assert_eq!(
            row["rank"].as_str().unwrap_or_default(),
            want["rank"]
                .as_u64()
                .map_or(String::new(), |r| r.to_string()),
            "{what}: rank of {}",
            want["code"]
        );
        let range = &want["rank_range"];
        assert_eq!(
            row["range"],
            json!(format!("({}–{})", range[0], range[1])),
            "{what}: possible ranks of {}",
            want["code"]
        );
        assert_eq!(
            [row["low"].clone(), row["high"].clone()],
            [want["interval"][0].clone(), want["interval"][1].clone()],
            "{what}: interval of {}",
            want["code"]
        );
        let span = &row["span"];
        let from = row["scale"][0].as_f64().unwrap_or(-1.0);
        let to = row["scale"][1].as_f64().unwrap_or(-1.0);
        assert!(
            from >= 0.0 && to == 1.0 && from <= want["interval"][0].as_f64().unwrap_or(-1.0),
            "{what}: the scale holds the interval: {row}"
        );
        for (drawn, end) in [
            (&span[0], &want["interval"][0]),
            (&span[1], &want["interval"][1]),
        ] {
            let (drawn, end) = (drawn.as_f64().unwrap_or(-1.0), end.as_f64().unwrap_or(-1.0));
            assert!(
                (drawn - (end - from) / (to - from) * 100.0).abs() < 0.06,
                "{what}: the bar of {} runs to {drawn}, not {end}",
                want["code"]
            );
        }
    }
}

async fn uncertainty_flow(b: Browser) {
    // Headquarters: every hall on the funnel, the halls outside named.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_dashboard(&b, "").await;
    let halls = rankings_json(&b, "").await;
    assert_eq!(halls["status"], 200);
    let halls = &halls["body"];
    let funnel = b
        .js("const svg = document.querySelector('#funnel svg.funnel');
             return {points: [...svg.querySelectorAll('circle.point')].map((c) => c.querySelector('title').textContent),
                     limits: svg.querySelectorAll('polyline.limit.inner').length + '+' + svg.querySelectorAll('polyline.limit.outer').length,
                     target: svg.querySelectorAll('line.target').length,
                     above: [...document.querySelectorAll('#funnel-outside .signal.above a')].map((a) => a.textContent),
                     below: [...document.querySelectorAll('#funnel-outside .signal.below a')].map((a) => a.textContent),
                     none: !!document.getElementById('funnel-none')};")
        .await;
    let rows = halls["rows"].as_array().expect("hall rows");
    let rated: Vec<&Value> = rows.iter().filter(|r| r["rate"].is_number()).collect();
    let points = funnel["points"].as_array().expect("points");
    assert_eq!(points.len(), rated.len(), "a point per hall: {funnel}");
    assert_eq!(funnel["limits"], "2+2", "95% and 99.8% limit pairs");
    assert_eq!(funnel["target"], 1, "the region's rate as a line");
    for row in &rated {
        let name = row["name"].as_str().unwrap_or_default();
        assert!(
            points.iter().any(|p| {
                let p = p.as_str().unwrap_or_default();
                p.starts_with(&format!("{name}:暗访 ")) && p.contains("次,得分率 ")
            }),
            "{name} has a point saying its visits and rate: {funnel}"
        );
    }
    let named = |signal: &str| -> Vec<Value> {
        rows.iter()
            .filter(|r| r["signal"] == signal)
            .map(|r| r["name"].clone())
            .collect()
    };
    assert_eq!(funnel["above"], json!(named("above")), "{funnel}");
    assert_eq!(funnel["below"], json!(named("below")), "{funnel}");
    assert!(
        !named("below").is_empty() || !named("above").is_empty(),
        "the demo quarter has a hall outside the limits"
    );
    assert_eq!(funnel["none"], json!(false));
    // A tap a little beside a point, as a finger lands, writes its text
    // under the plot.
    b.js("document.querySelector('#funnel').scrollIntoView()")
        .await;
    let tapped = b
        .js(
            "const point = [...document.querySelectorAll('#funnel circle.point')].at(-1);
             const box = point.getBoundingClientRect();
             const [x, y] = [box.left + box.width / 2 + 9, box.top + box.height / 2 + 6];
             document.elementFromPoint(x, y).dispatchEvent(
               new MouseEvent('click', {bubbles: true, clientX: x, clientY: y}));
             return point.querySelector('title').textContent;",
        )
        .await;
    let readout = b.text("#funnel-readout").await;
    assert_eq!(json!(readout), tapped, "the tapped point's text");
    b.js("document.getElementById('funnel').scrollIntoView()")
        .await;
    b.shot("funnel-headquarters").await;

    // Possible ranks and interval bars as the JSON has them, both levels,
    // on one scale so that bars of the two tables compare.
    let hall_rows = table_rows(&b, "#hall-table").await;
    assert_rows_match(&hall_rows, &halls["rows"], "halls");
    let districts = rankings_json(&b, "&level=district").await;
    let district_rows = table_rows(&b, "#district-table").await;
    assert_rows_match(&district_rows, &districts["body"]["rows"], "districts");
    assert_eq!(hall_rows[0]["scale"], district_rows[0]["scale"]);
    b.js("document.getElementById('hall-table').scrollIntoView()")
        .await;
    b.shot("hall-ranking-headquarters").await;
    b.assert_no_horizontal_scroll("/dashboard (headquarters)")
        .await;

    // Admins see 校准后 beside the rate; the switch ranks by it.
    let plain_rows = table_rows(&b, "#hall-table").await;
    assert!(
        plain_rows.iter().all(|r| r["adjusted"].is_string()),
        "a 校准后 cell on every hall row"
    );
    let header = b
        .js("return [...document.querySelectorAll('#hall-table thead th')].map((th) => th.textContent);")
        .await;
    assert!(
        header
            .as_array()
            .expect("headers")
            .contains(&json!("校准后")),
        "{header}"
    );
    b.click("#adjust-switch").await;
    b.wait_js(
        "location.search.includes('adjust=inspectors') && document.readyState === 'complete'
           && document.getElementById('adjusted-note')",
        WAIT,
        "the ranking by adjusted rates",
    )
    .await;
    b.shot("adjusted-ranking").await;
    b.js("document.getElementById('hall-table').scrollIntoView()")
        .await;
    b.shot("adjusted-hall-ranking").await;
    let adjusted_rows = table_rows(&b, "#hall-table").await;
    let adjusted: Vec<f64> = adjusted_rows
        .iter()
        .filter_map(|r| r["adjusted"].as_str()?.parse().ok())
        .collect();
    assert_eq!(adjusted.len(), adjusted_rows.len(), "every hall adjusted");
    assert!(
        adjusted.windows(2).all(|w| w[0] >= w[1]),
        "rows in order of the adjusted rate: {adjusted:?}"
    );
    let order = |rows: &[Value]| rows.iter().map(|r| r["code"].clone()).collect::<Vec<_>>();
    assert_ne!(
        order(&adjusted_rows),
        order(&plain_rows),
        "the adjusted order differs from the plain one in the demo"
    );
    let by_adjusted = rankings_json(&b, "&adjust=inspectors").await;
    assert_eq!(by_adjusted["body"]["adjust"], "inspectors");
    assert_rows_match(
        &adjusted_rows,
        &by_adjusted["body"]["rows"],
        "adjusted halls",
    );
    let without = b
        .js("return [...document.querySelectorAll('main a[href]')].map((a) => new URL(a.href))
               .filter((u) => /^\\/(halls|districts|exports|dashboard)\\//.test(u.pathname + '/'))
               .filter((u) => u.searchParams.get('adjust') !== 'inspectors').map((u) => u.pathname);")
        .await;
    assert_eq!(without, json!([]), "every report link keeps adjust");
    // A hall whose place moved: its page, reached from here, gives the
    // adjusted rank and says so, and shows the adjusted rate.
    let moved = adjusted_rows
        .iter()
        .find(|r| {
            plain_rows
                .iter()
                .any(|p| p["code"] == r["code"] && p["rank"] != r["rank"])
        })
        .expect("a hall whose rank moved");
    b.click(&format!(
        "#hall-table tr[data-code='{}'] a",
        moved["code"].as_str().unwrap_or_default()
    ))
    .await;
    b.wait_js(
        "location.pathname.startsWith('/halls/') && document.readyState === 'complete'
           && document.getElementById('unit-rank')",
        WAIT,
        "the hall page from the adjusted ranking",
    )
    .await;
    let hall_page = b
        .js("const rank = document.getElementById('unit-rank');
             return [rank.previousElementSibling.textContent, rank.textContent,
                     !!document.getElementById('unit-adjusted')];")
        .await;
    assert_eq!(hall_page, json!(["校准后排名", moved["rank"], true]));
    b.shot("hall-page-adjusted").await;
    b.sign_out().await;

    // A district manager: their halls' points, the same limits, no 校准后.
    b.sign_in("xiping", PASSWORD).await;
    open_dashboard(&b, "&adjust=inspectors").await;
    let mine = rankings_json(&b, "").await;
    let mine_rows = mine["body"]["rows"].as_array().expect("rows").clone();
    assert!(
        mine_rows.iter().all(|r| r["district"] == "西平"),
        "the manager's halls"
    );
    let seen = b
        .js("return {points: document.querySelectorAll('#funnel circle.point').length,
                     limits: [...document.querySelectorAll('#funnel polyline.limit')].map((p) => p.getAttribute('points')),
                     adjusted: document.querySelectorAll('.adjusted, #adjust-switch, #adjusted-note').length,
                     none: document.getElementById('funnel-none')?.textContent ?? null};")
        .await;
    assert_eq!(seen["points"], json!(mine_rows.len()), "{seen}");
    assert_eq!(
        seen["adjusted"], 0,
        "no adjusted rates for a manager: {seen}"
    );
    assert!(
        seen["none"]
            .as_str()
            .is_some_and(|s| s.contains("没有营业厅超出")),
        "no 西平 hall is outside the limits, and the page says so: {seen}"
    );
    assert_rows_match(
        &table_rows(&b, "#hall-table").await,
        &mine["body"]["rows"],
        "the manager's halls (adjust ignored)",
    );
    let refused = rankings_json(&b, "&adjust=inspectors").await;
    assert_eq!(refused["status"], 403, "{refused}");
    assert!(
        refused["body"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("仅限管理员")),
        "{refused}"
    );
    b.js("document.getElementById('funnel').scrollIntoView()")
        .await;
    b.shot("funnel-manager").await;
    b.js("document.getElementById('hall-table').scrollIntoView()")
        .await;
    b.shot("hall-ranking-manager").await;
    b.assert_no_horizontal_scroll("/dashboard (manager)").await;

    // The hall page: interval, possible ranks, funnel line, whiskers.
    let hall = mine_rows[0].clone();
    let code = hall["code"].as_str().unwrap_or_default().to_string();
    b.goto(&format!("/halls/{code}?period={QUARTER}")).await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('unit-rate')",
        WAIT,
        "the hall page",
    )
    .await;
    let page = b
        .js(
            "return {interval: document.getElementById('unit-interval').textContent,
                     range: document.getElementById('unit-rank-range').textContent,
                     signal: document.getElementById('unit-signal').textContent,
                     whiskers: [...document.querySelectorAll('svg.chart path.whisker')]
                       .map((p) => [Number(p.dataset.low), Number(p.dataset.high)]),
                     adjusted: document.getElementById('unit-adjusted')};",
        )
        .await;
    let pct = |v: &Value| format!("{:.1}%", v.as_f64().unwrap_or(-1.0) * 100.0);
    assert_eq!(
        page["interval"],
        json!(format!(
            "{}–{}",
            pct(&hall["interval"][0]),
            pct(&hall["interval"][1])
        )),
        "{page}"
    );
    assert_eq!(
        page["range"],
        json!(format!(
            "({}–{})",
            hall["rank_range"][0], hall["rank_range"][1]
        )),
        "{page}"
    );
    assert!(
        page["signal"].as_str().is_some_and(|s| s.contains("99.8%")),
        "{page}"
    );
    let whiskers = page["whiskers"].as_array().expect("whiskers");
    assert_eq!(
        whiskers.len(),
        2,
        "a whisker for each quarter with visits: {page}"
    );
    let newest = whiskers.last().expect("a whisker");
    for end in 0..2 {
        let (drawn, want) = (
            newest[end].as_f64().unwrap_or(-1.0),
            hall["interval"][end].as_f64().unwrap_or(-2.0),
        );
        assert!(
            (drawn - want).abs() < 1e-4,
            "the newest whisker is the quarter's interval: {page}"
        );
    }
    assert_eq!(
        page["adjusted"],
        Value::Null,
        "no adjusted rate for a manager"
    );
    b.shot("hall-page").await;
    b.assert_no_horizontal_scroll("/halls/… (manager)").await;
}
