//! 我的任务 on the tablet: the inspector signs in to their tasks, today's
//! first, starts one, submits it and sees it done; with the network gone
//! the list still opens and a task can be started, the visit keeping its
//! task until it is sent.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Days, Local, NaiveDate};
use hallscore::domain::plan::{Planned, Window};
use serde_json::{Value, json};

use super::driver::{Browser, SERVICE_WORKER, WAIT, demo_workspace, with_browser};
use super::tablet::{SMALL_CONTROLS, answer_all_but};
use super::{PASSWORD, TABLET, local_visit, review_and_submit};
use crate::helpers::{Sql, TestApp, with_store};

/// The tasks of the test: (hall, inspector, days from today, window, peak).
const TASKS: [(&str, &str, i64, &str, bool); 5] = [
    ("BY003", "王敏", 1, "09:00-11:00", false),
    ("XP002", "王敏", 3, "14:00-16:00", false),
    ("XP001", "王敏", 0, "11:00-13:00", true),
    ("XP003", "王敏", -1, "15:00-17:00", false),
    ("BY004", "李娜", 0, "09:00-11:00", false),
];

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    if offset < 0 {
        today - Days::new(offset.unsigned_abs())
    } else {
        today + Days::new(offset.unsigned_abs())
    }
}

/// Stores a plan of yesterday to a week ahead holding [`TASKS`]; returns
/// their ids by hall.
pub(super) fn plan_tasks(db: &str) -> BTreeMap<String, i64> {
    let today = Local::now().date_naive();
    let planned: Vec<Planned> = TASKS
        .iter()
        .map(|(hall, inspector, offset, window, peak)| Planned {
            id: 0,
            branch_code: hall.to_string(),
            inspector: inspector.to_string(),
            date: day(today, *offset),
            window: Window::parse(window).expect("a window"),
            peak: *peak,
            visit: None,
        })
        .collect();
    with_store(db, |store| {
        store.save_plan((day(today, -1), day(today, 7)), &planned, false, "test")
    })
    .expect("the plan is stored");
    Sql::open(db)
        .rows("SELECT branch_code, id FROM assignments", &[])
        .into_iter()
        .map(|row| {
            let id = row[1].parse().expect("an assignment id");
            (row[0].clone(), id)
        })
        .collect()
}

/// The visit (by its id) linked to the task of `hall`.
fn linked(db: &str, hall: &str) -> Option<String> {
    Sql::open(db).optional_text(
        "SELECT v.visit_id FROM assignments a LEFT JOIN visits v ON v.id = a.visit_id
         WHERE a.branch_code = ?1",
        &[hall.into()],
    )
}

/// Each listed task in page order: (list, hall code, task id, state text).
async fn listed(b: &Browser) -> Vec<(String, String, String, String)> {
    let rows = b
        .js(
            "return [...document.querySelectorAll('ul.tasks li.task')].map((li) => [
               li.closest('ul').id, li.querySelector('.task-where .muted').textContent,
               li.dataset.task, li.querySelector('.task-state').textContent.trim()]);",
        )
        .await;
    serde_json::from_value(rows).expect("rows of four texts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_works_from_their_tasks_online_and_offline() {
    let ws = demo_workspace();
    let db = ws.db();
    let ids = plan_tasks(&db);
    let server = TestApp::spawn(&db).await;
    let base = server.base.clone();
    with_browser(
        "inspector-tasks-768x1024",
        TABLET,
        &base,
        Duration::from_secs(170),
        move |b| async move { tasks_flow(b, server, db, ids).await },
    )
    .await;
}

async fn tasks_flow(b: Browser, mut server: TestApp, db: String, ids: BTreeMap<String, i64>) {
    let id = |hall: &str| ids[hall].to_string();

    // Signing in opens 我的任务: today's task first, then the coming days,
    // the overdue one last; another inspector's task is not there.
    b.sign_in("wangmin", PASSWORD).await;
    b.wait_js(
        "location.pathname === '/inspect/tasks' && document.querySelector('li.task')",
        WAIT,
        "the inspector's tasks",
    )
    .await;
    let shown = listed(&b).await;
    let order: Vec<(&str, &str)> = shown
        .iter()
        .map(|(list, hall, _, _)| (list.as_str(), hall.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("tasks-today", "XP001"),
            ("tasks-coming", "BY003"),
            ("tasks-coming", "XP002"),
            ("tasks-overdue", "XP003"),
        ],
        "{shown:?}"
    );
    assert!(
        shown.iter().all(|(_, _, _, state)| state == "未完成"),
        "{shown:?}"
    );
    let today = b.text("#tasks-today li.task").await;
    assert!(
        today.contains("西平城关营业厅") && today.contains("11:00-13:00") && today.contains("高峰"),
        "today's task names its hall, window and peak: {today}"
    );
    assert_eq!(
        b.js(SMALL_CONTROLS).await,
        json!([]),
        "controls under 44 px"
    );
    b.assert_no_horizontal_scroll("/inspect/tasks").await;
    b.shot("tasks").await;

    // The service worker keeps the list for going offline.
    b.wait_js(
        "navigator.serviceWorker.controller !== null",
        SERVICE_WORKER,
        "the service worker to control the page",
    )
    .await;
    b.wait_js(
        "Promise.all(['/inspect/tasks', '/inspect/visit'].map((p) => caches.match(p))).then((r) => r.every(Boolean))",
        Duration::from_secs(20),
        "the tasks and the form in the service worker's cache",
    )
    .await;

    // Start today's task: the form names it, the visit carries it.
    b.click(&format!(
        "li.task[data-task='{}'] a.task-start",
        id("XP001")
    ))
    .await;
    let visit = b
        .wait_js(
            "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'
               && new URLSearchParams(location.search).get('id')",
            WAIT,
            "the visit form",
        )
        .await;
    let visit = visit.as_str().expect("the visit id").to_string();
    assert_eq!(
        b.text("#visit-plan").await,
        format!(
            "任务 #{} {} 11:00-13:00",
            id("XP001"),
            Local::now().date_naive()
        ),
    );
    assert!(b.text("#hall-name").await.contains("XP001"));
    b.shot("form-from-task").await;
    answer_all_but(&b, &[], &mut BTreeMap::new()).await;
    assert_eq!(
        local_visit(&b, &visit).await["assignment"],
        json!(ids["XP001"]),
        "the draft keeps its task"
    );
    review_and_submit(&b, "the review").await;
    b.wait_js(
        &format!(
            "location.pathname === '/visits/{visit}' && document.getElementById('visit-plan')"
        ),
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
    assert_eq!(
        b.text("#visit-plan").await,
        format!("任务 #{}", id("XP001"))
    );
    assert_eq!(linked(&db, "XP001"), Some(visit.clone()));
    b.shot("visit-page").await;

    // Back on the list, today's task is done.
    b.click("header.top a[href='/inspect/tasks']").await;
    b.wait_js(
        "location.pathname === '/inspect/tasks' && document.querySelector('li.task')",
        WAIT,
        "the tasks",
    )
    .await;
    let done = listed(&b).await;
    assert_eq!(done[0].1, "XP001");
    assert_eq!(done[0].3, "✓ 已完成", "{done:?}");
    assert!(
        done[1..].iter().all(|(_, _, _, state)| state == "未完成"),
        "{done:?}"
    );
    b.shot("task-done").await;

    // Offline (the server stopped, the page cut off): the list opens from
    // the service worker, as last seen, and says so.
    server.stop().await;
    b.network_offline(true)
        .await
        .expect("chromedriver emulates an offline network");
    b.wait_js("navigator.onLine === false", WAIT, "the page to be offline")
        .await;
    b.client.refresh().await.expect("reload the page");
    b.wait_js(
        "document.readyState === 'complete' && document.querySelector('li.task')
           && !document.getElementById('tasks-offline').hidden",
        Duration::from_secs(20),
        "the tasks to open from the service worker while offline",
    )
    .await;
    assert_eq!(listed(&b).await, done, "the list as last seen");
    b.shot("tasks-offline").await;

    // Start tomorrow's task offline: the cached form opens with its task,
    // and the visit waits on the device with it.
    b.click(&format!(
        "li.task[data-task='{}'] a.task-start",
        id("BY003")
    ))
    .await;
    let offline_visit = b
        .wait_js(
            "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'
               && new URLSearchParams(location.search).get('id')",
            Duration::from_secs(20),
            "the visit form from the service worker",
        )
        .await;
    let offline_visit = offline_visit.as_str().expect("the visit id").to_string();
    assert_eq!(
        b.text("#visit-plan").await,
        format!(
            "任务 #{} {} 09:00-11:00",
            id("BY003"),
            day(Local::now().date_naive(), 1)
        ),
    );
    answer_all_but(&b, &[], &mut BTreeMap::new()).await;
    b.shot("form-offline").await;
    review_and_submit(&b, "the review offline").await;
    b.wait_js(
        &format!(
            "JSON.parse(localStorage.getItem('hallscore:visit:{offline_visit}') || '{{}}').status === 'queued'"
        ),
        WAIT,
        "the visit to be queued",
    )
    .await;
    let queued: Value = local_visit(&b, &offline_visit).await;
    assert_eq!(queued["assignment"], json!(ids["BY003"]), "{queued}");

    // The list, still offline, says the task's visit waits to be sent.
    b.goto("/inspect/tasks").await;
    b.wait_js(
        "document.readyState === 'complete' && document.querySelector('li.task')",
        Duration::from_secs(20),
        "the tasks while offline",
    )
    .await;
    let waiting = format!("li.task[data-task='{}']", id("BY003"));
    assert_eq!(
        b.text(&format!("{waiting} .task-state")).await,
        "已排队,联网后自动提交"
    );
    assert_eq!(b.text(&format!("{waiting} a.task-start")).await, "继续");
    b.shot("tasks-offline-queued").await;

    // Back online: the queued visit goes with its task, and the task is done.
    server.restart().await;
    b.network_offline(false)
        .await
        .expect("chromedriver ends the offline emulation");
    let started = std::time::Instant::now();
    while linked(&db, "BY003").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the queued visit was not sent with its task"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(linked(&db, "BY003").as_ref(), Some(&offline_visit));
    b.goto("/inspect/tasks").await;
    b.wait_js(
        &format!("document.querySelector(\"{waiting}.done\")"),
        WAIT,
        "the task done once its visit arrived",
    )
    .await;
    b.shot("tasks-online-again").await;

    // The inspector's own list marks the visits outside the plan.
    b.click("#unplanned-visit").await;
    b.wait_js(
        "document.getElementById('my-visits')",
        WAIT,
        "the hall picker",
    )
    .await;
    let marks = b
        .js_with(
            "return arguments[0].map((id) => document.querySelector(`#my-visits a[href='/visits/${id}']`)
               .parentElement.textContent.includes('计划外'));",
            vec![json!([visit, offline_visit])],
        )
        .await;
    assert_eq!(
        marks,
        json!([false, false]),
        "visits from tasks are planned"
    );
    let unplanned = b
        .js("return [...document.querySelectorAll('#my-visits li')].filter((li) => li.textContent.includes('计划外')).length")
        .await;
    assert!(
        unplanned.as_u64() > Some(0),
        "the demo's visits are unplanned"
    );
    b.js("document.getElementById('my-visits').scrollIntoView()")
        .await;
    b.shot("my-visits-unplanned").await;
    drop(server);
}
