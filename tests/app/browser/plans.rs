//! Headquarters plans a period in the browser at laptop and tablet sizes:
//! an impossible plan refused with its reason, a plan made from the form,
//! coverage by district and hall with the overdue assignments marked, a
//! visit arriving and counting at once, and a re-visit added.

use std::sync::Arc;

use chrono::{Duration as Days, Local};
use serde_json::{Value, json};

use super::driver::{Browser, WAIT, demo_workspace, with_browser};
use super::{ADMIN_PASSWORD, LAPTOP, TABLET, assert_table_fits};
use crate::helpers::{Sql, TestApp, Workspace};

/// Eight weeks around today: some assignments past, some to come.
fn period() -> String {
    let today = Local::now().date_naive();
    format!("{}..{}", today - Days::days(27), today + Days::days(28))
}

fn plan(ws: &Workspace, period: &str) -> Vec<Value> {
    let shown = ws
        .run(&["plan", "show", "--period", period, "--format", "json"])
        .success()
        .json();
    shown["assignments"]
        .as_array()
        .expect("assignments")
        .clone()
}

/// A visit as the assignment asks: its hall, inspector and day, a copy of
/// one of the hall's demo visits.
fn carry_out(db: &str, id: &str, assignment: &Value) {
    let at = format!("{} 10:15:00", assignment["date"].as_str().expect("date"));
    let added = Sql::open(db).execute(
        "INSERT INTO visits (key, visit_id, branch_id, checklist_id, checklist_version,
                                 visited_at, inspector, notes, answers, created_at, updated_at)
             SELECT ?1, ?2, v.branch_id, v.checklist_id, v.checklist_version,
                    ?3, ?4, v.notes, v.answers, v.created_at, v.updated_at
             FROM visits v JOIN branches b ON b.id = v.branch_id
             WHERE b.code = ?5 ORDER BY v.visited_at DESC LIMIT 1",
        &[
            format!("id:{id}").into(),
            id.into(),
            at.into(),
            assignment["inspector"].as_str().into(),
            assignment["branch_code"].as_str().into(),
        ],
    );
    assert_eq!(added, 1);
}

async fn wait_for_page(b: &Browser, marker: &str) {
    b.wait_js(
        &format!(
            "location.pathname.startsWith('/admin/plans') && document.readyState === 'complete'
               && document.querySelector('{marker}')"
        ),
        WAIT,
        &format!("the plan page with {marker}"),
    )
    .await;
}

/// Fills the make-plan form: the period, visits per hall, lockout days.
async fn fill_plan_form(b: &Browser, period: &str, per_hall: &str, lockout: &str) {
    b.fill("#plan-form input[name=period]", period).await;
    b.fill("#plan-form input[name=visits_per_hall]", per_hall)
        .await;
    b.fill("#plan-form input[name=lockout_days]", lockout).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headquarters_plans_a_period_and_follows_its_coverage() {
    let ws = demo_workspace();
    for (name, shown) in [("lina", "李娜"), ("zhangwei", "张伟")] {
        ws.add_inspector(name, shown);
    }
    let ws = Arc::new(ws);
    let server = TestApp::spawn(&ws.db()).await;
    for (name, viewport) in [("plans-1366x900", LAPTOP), ("plans-768x1024", TABLET)] {
        let ws = ws.clone();
        with_browser(
            name,
            viewport,
            &server.base,
            std::time::Duration::from_secs(120),
            move |b| async move { plan_flow(b, ws, name).await },
        )
        .await;
    }
}

async fn plan_flow(b: Browser, ws: Arc<Workspace>, run: &str) {
    let period = period();
    // The tablet run finds the laptop's plan: it replaces it.
    let replacing = run.ends_with("768x1024");
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.click("header nav a[href='/admin/plans']").await;
    wait_for_page(&b, "#plan-form").await;
    b.shot("plan-page").await;

    // Each of the three inspectors may see a hall once in 60 days: four
    // visits a hall cannot be planned.
    let before = ws.snapshot();
    fill_plan_form(&b, &period, "4", "60").await;
    b.click("#plan-form button[type=submit]").await;
    wait_for_page(&b, "#plan-failure").await;
    let refusal = b.text("#plan-failure").await;
    assert!(
        refusal.contains("60 天内不得重复") && refusal.contains("未写入任何数据"),
        "{refusal}"
    );
    assert_eq!(
        b.js("return document.querySelector('#plan-form input[name=visits_per_hall]').value")
            .await,
        json!("4"),
        "the form keeps what was typed"
    );
    b.shot("impossible-plan-refused").await;
    assert_eq!(ws.snapshot(), before, "nothing stored");

    fill_plan_form(&b, &period, "2", "30").await;
    if replacing {
        b.click("#plan-form input[name=replace]").await;
    }
    b.click("#plan-form button[type=submit]").await;
    wait_for_page(&b, "#plan-outcome").await;
    let outcome = b.text("#plan-outcome").await;
    assert!(
        outcome.contains("37 个营业厅各 2 次,共 74 次") && outcome.contains("3 名暗访员"),
        "{outcome}"
    );
    let assignments = plan(&ws, &period);
    assert_eq!(assignments.len(), 74);
    let today = Local::now().date_naive().to_string();
    // The laptop's visit may carry out the tablet's plan too: the figures
    // are read from the plan the command line shows.
    let done = assignments.iter().filter(|a| !a["visit"].is_null()).count();
    let past: Vec<&Value> = assignments
        .iter()
        .filter(|a| a["visit"].is_null() && a["date"].as_str().is_some_and(|d| d < today.as_str()))
        .collect();
    assert!(!past.is_empty(), "some assignments lie before today");
    let totals = b.text("#plan-totals").await;
    assert!(
        totals.contains(&format!(
            "计划 74 次,已完成 {done},未完成 {}(其中逾期 {})",
            74 - done,
            past.len()
        )),
        "{totals}"
    );
    let districts = b.table_rows("#coverage-districts").await;
    assert_eq!(districts.len(), 10, "{districts:?}");
    let planned: u32 = districts
        .iter()
        .map(|r| r[2].parse::<u32>().unwrap_or(0))
        .sum();
    assert_eq!(planned, 74);
    assert_eq!(b.table_rows("#overdue").await.len(), past.len());
    let marked = b
        .js("return document.querySelectorAll('#coverage-halls tr.overdue').length")
        .await;
    let overdue_halls: std::collections::HashSet<&str> = past
        .iter()
        .filter_map(|a| a["branch_code"].as_str())
        .collect();
    assert_eq!(marked, json!(overdue_halls.len()));
    b.assert_no_horizontal_scroll("the plan page").await;
    assert_table_fits(&b, "#coverage-districts", "the district coverage").await;
    b.shot("plan-made").await;
    b.js("document.querySelector('#coverage-halls').scrollIntoView()")
        .await;
    b.shot("hall-coverage").await;

    // The agency's visits arrive: the page counts them at once.
    let first = past[0];
    carry_out(&ws.db(), &format!("AGENCY-{run}"), first);
    b.goto(&format!("/admin/plans?period={period}")).await;
    wait_for_page(&b, "#plan-totals").await;
    let totals = b.text("#plan-totals").await;
    assert!(
        totals.contains(&format!(
            "已完成 {},未完成 {}(其中逾期 {})",
            done + 1,
            73 - done,
            past.len() - 1
        )),
        "{totals}"
    );
    let hall = first["branch_code"].as_str().expect("code");
    let row = b
        .table_rows("#coverage-halls")
        .await
        .into_iter()
        .find(|r| r[1] == hall)
        .expect("the hall's row");
    let done_before = assignments
        .iter()
        .filter(|a| a["branch_code"] == hall && !a["visit"].is_null())
        .count();
    assert_eq!(row[4], (done_before + 1).to_string(), "{row:?}");

    // A re-visit of the hall, on a day to come.
    let later = (Local::now().date_naive() + Days::days(3)).to_string();
    b.fill("#revisit-form input[name=branch]", hall).await;
    b.select("#revisit-form select[name=inspector]", "李娜")
        .await;
    b.js_with(
        "document.querySelector('#revisit-form input[name=date]').value = arguments[0];",
        vec![json!(later)],
    )
    .await;
    b.fill("#revisit-form input[name=window]", "10:00-12:00")
        .await;
    b.click("#revisit-form button[type=submit]").await;
    wait_for_page(&b, "#plan-outcome").await;
    let outcome = b.text("#plan-outcome").await;
    assert!(
        outcome.contains(&format!("已为营业厅 {hall} 加一次复查")),
        "{outcome}"
    );
    assert!(b.text("#plan-totals").await.contains("计划 75 次"));
    b.shot("revisit-added").await;
    let revisits = plan(&ws, &period)
        .into_iter()
        .filter(|a| a["kind"] == "revisit")
        .count();
    assert_eq!(revisits, 1);

    // In English, the same page.
    b.click("header a.lang").await;
    wait_for_page(&b, "#plan-totals").await;
    assert_eq!(b.text("main h1").await, "Visit plans");
    assert!(b.text("#plan-totals").await.contains("75 planned"));
    b.assert_no_horizontal_scroll("the plan page in English")
        .await;
    b.shot("in-english").await;
    b.click("header a.lang").await;
    wait_for_page(&b, "#plan-totals").await;
}
