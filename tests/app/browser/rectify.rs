//! 整改 in the browser: a period is published; the district manager
//! answers a ticket with photos on a tablet (mistakes are told beside the
//! field and store nothing); headquarters closes it at a laptop; the
//! inspector's next visit to the hall sees the items under rectification
//! marked 整改复查, passes one and fails another, which settles the first
//! ticket as verified and the second as repeated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hallscore::domain::access::Visibility;
use hallscore::domain::checklist::ItemKind;
use hallscore::storage::{Ticket, TicketFilter};
use serde_json::json;

use super::driver::{Browser, SERVICE_WORKER, WAIT, demo_workspace, with_browser};
use super::tablet::answer_all_but;
use super::{LAPTOP, PASSWORD, TABLET, review_and_submit};
use crate::helpers::{Sql, TestApp, with_store};

const ADMIN_PASSWORD: &str = "hallscore-admin";
const PERIOD: &str = "2026-Q3";
const QUERY: &str = "period=2026-Q3&checklist=hall-visit";
const RESPONSE: &str = "已重新培训全体营业员,工装统一更换,店长每日检查";
const DECISION: &str = "照片清楚,整改到位,先行关闭,待复查";

/// A real 8×8 PNG, as a phone's photo would be (only smaller).
const PNG: [u8; 74] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xd0, 0x58, 0x10, 0x85,
    0x15, 0x31, 0x0c, 0x2d, 0x09, 0x00, 0x47, 0xec, 0x48, 0x81, 0x62, 0xd7, 0x79, 0x59, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The tickets the test follows: the one answered and closed, the one
/// left alone, one made overdue, and one outside the manager's district.
#[derive(Debug, Clone)]
struct Chosen {
    hall: String,
    answered: Ticket,
    untouched: Ticket,
    overdue: Ticket,
    elsewhere: Ticket,
}

fn tickets(db: &str, hall: Option<&str>) -> Vec<Ticket> {
    let filter = TicketFilter {
        branch_code: hall.map(str::to_string),
        ..TicketFilter::default()
    };
    with_store(db, |store| store.tickets(&filter, &Visibility::Everything)).expect("the tickets")
}

fn ticket(db: &str, id: i64) -> Ticket {
    with_store(db, |store| store.ticket(id, &Visibility::Everything))
        .expect("read the ticket")
        .expect("the ticket")
}

/// A 西平 hall with two tickets on yes/no items, which the visit form
/// answers with a button, and two more tickets to show other states.
fn choose(db: &str) -> Chosen {
    let checklist = with_store(db, |store| store.checklist("hall-visit")).expect("the checklist");
    let check = |code: &str| {
        checklist
            .items()
            .any(|(_, i)| i.code == code && matches!(i.kind, ItemKind::Check { critical: None }))
    };
    let all = tickets(db, None);
    let hall = ["XP001", "XP002", "XP003"]
        .into_iter()
        .find(|h| {
            all.iter()
                .filter(|t| t.branch_code == *h && check(&t.item_code))
                .count()
                >= 2
        })
        .expect("a 西平 hall with two tickets on yes/no items");
    let mut own = all
        .iter()
        .filter(|t| t.branch_code == hall && check(&t.item_code));
    let answered = own.next().expect("a ticket").clone();
    let untouched = own.next().expect("a second ticket").clone();
    let overdue = all
        .iter()
        .find(|t| t.district == "西平" && t.branch_code != hall)
        .expect("a ticket of another 西平 hall")
        .clone();
    let elsewhere = all
        .iter()
        .find(|t| t.district != "西平")
        .expect("a ticket outside 西平")
        .clone();
    Chosen {
        hall: hall.to_string(),
        answered,
        untouched,
        overdue,
        elsewhere,
    }
}

/// Where the server keeps what a ticket's form may change: its database
/// and the folder of uploaded photos.
#[derive(Clone)]
struct Kept {
    db: String,
    photos: PathBuf,
}

/// Everything a ticket's form may change: the tickets, their photos,
/// the audit log and the photo files.
fn snapshot(kept: &Kept) -> String {
    let mut sql = Sql::open(&kept.db);
    let mut out = String::new();
    for query in [
        "SELECT id, status, coalesce(response, ''), coalesce(decision, ''), coalesce(responded_at, ''), coalesce(decided_at, '') FROM rectifications ORDER BY id",
        "SELECT id, visit_id, file FROM photos ORDER BY id",
        "SELECT count(*), '', '', '', '', '' FROM audit_log",
    ] {
        for row in sql.rows(query, &[]) {
            out.push_str(&row.join("|"));
            out.push('\n');
        }
    }
    out + &photo_files(&kept.photos).join("\n")
}

fn photo_files(photos: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![photos.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_answered_closed_and_settled_by_the_next_visit() {
    let ws = demo_workspace();
    let published = ws.run(&["publish", "--period", PERIOD]).success();
    let said = format!("{}{}", published.stdout, published.stderr);
    assert!(
        said.contains("整改"),
        "publish says how many tickets: {said}"
    );
    let db = ws.db();
    let chosen = choose(&db);
    // One ticket of the district is past due with no response.
    let mut sql = Sql::open(&db);
    sql.execute(
        "UPDATE rectifications SET due = '2026-11-01' WHERE id = ?1",
        &[chosen.overdue.id.into()],
    );
    // Another district's ticket waits for an appeal on its answer.
    let visit_row = sql.i64(
        "SELECT visit_row FROM rectification_visits WHERE rectification_id = ?1
         ORDER BY visit_row LIMIT 1",
        &[chosen.elsewhere.id.into()],
    );
    let user_id = sql.i64("SELECT id FROM users WHERE name = 'zhumadian'", &[]);
    with_store(&db, |store| {
        store.file_appeal(
            &hallscore::storage::NewAppeal {
                visit_row,
                item_code: &chosen.elsewhere.item_code,
                current: "否",
                requested: "是",
                reason: "当天已整改到位,记录有误",
                user_id,
            },
            "zhumadian",
        )
    })
    .expect("the appeal is filed");
    let files = ws.write("photo-1.png", PNG);
    let second = ws.write("photo-2.png", PNG);
    let not_image = ws.write("notes.txt", "这不是照片");
    let server = TestApp::spawn(&db).await;
    let kept = Kept {
        db: db.clone(),
        photos: server.photos(),
    };

    // The district manager at a tablet: the list, mistakes, the answer.
    let (c, d) = (chosen.clone(), kept.clone());
    let photos = [PathBuf::from(&files), PathBuf::from(&second)];
    let bad = PathBuf::from(&not_image);
    with_browser(
        "rectify-manager-768x1024",
        TABLET,
        &server.base,
        Duration::from_secs(120),
        |b| async move { manager_answers(b, c, d, photos, bad).await },
    )
    .await;
    let answered = ticket(&db, chosen.answered.id);
    assert_eq!(answered.status.as_str(), "responded");
    assert_eq!(answered.response.as_deref(), Some(RESPONSE));
    assert_eq!(answered.responded_by.as_deref(), Some("xiping"));

    // Headquarters at a laptop closes it, and cannot close it twice.
    let (c, d) = (chosen.clone(), kept);
    with_browser(
        "rectify-hq-1366x900",
        LAPTOP,
        &server.base,
        Duration::from_secs(120),
        |b| async move { hq_closes(b, c, d).await },
    )
    .await;
    let closed = ticket(&db, chosen.answered.id);
    assert_eq!(closed.status.as_str(), "closed");
    assert_eq!(closed.decision.as_deref(), Some(DECISION));

    // The inspector's next visit, after the period, rechecks both items.
    let expected = with_store(&db, |store| store.items_to_recheck(&chosen.hall))
        .expect("the items to recheck");
    let photos: Vec<String> = with_store(&db, |store| {
        store.photos(&format!("rectify-{}", chosen.answered.id))
    })
    .expect("the ticket's photos")
    .into_iter()
    .map(|p| p.id)
    .collect();
    assert_eq!(photos.len(), 2, "both photos are kept");
    let c = chosen.clone();
    with_browser(
        "rectify-inspector-768x1024",
        TABLET,
        &server.base,
        Duration::from_secs(120),
        |b| async move { inspector_rechecks(b, c, expected, photos).await },
    )
    .await;
    let verified = ticket(&db, chosen.answered.id);
    let repeated = ticket(&db, chosen.untouched.id);
    assert_eq!(verified.status.as_str(), "verified", "{verified:?}");
    assert!(!verified.repeated);
    assert_eq!(repeated.status.as_str(), "repeated", "{repeated:?}");
    assert!(repeated.repeated);
    let visit = verified.settled_by.clone().expect("the settling visit");
    assert_eq!(repeated.settled_by.as_deref(), Some(visit.as_str()));

    // The visit settled every ticket of the hall whose item it answered.
    let xiping: Vec<Ticket> = tickets(&db, None)
        .into_iter()
        .filter(|t| t.district == "西平")
        .collect();
    let counts = (
        xiping
            .iter()
            .filter(|t| t.status.as_str() == "verified")
            .count(),
        xiping.iter().filter(|t| t.repeated).count(),
    );
    assert!(counts.0 >= 1 && counts.1 >= 1, "{counts:?}");
    assert!(
        xiping
            .iter()
            .filter(|t| t.settled_by.is_some())
            .all(|t| t.branch_code == chosen.hall),
        "only the visited hall's tickets are settled"
    );
    // Both see the outcome, at both sizes; on the tablet the form keeps
    // its marks offline.
    let c = chosen.clone();
    with_browser(
        "rectify-outcome-1366x900",
        LAPTOP,
        &server.base,
        Duration::from_secs(90),
        move |b| async move { outcome(b, c, counts).await },
    )
    .await;
    let base = server.base.clone();
    with_browser(
        "rectify-outcome-768x1024",
        TABLET,
        &base,
        Duration::from_secs(120),
        move |b| async move {
            outcome(b.clone(), chosen.clone(), counts).await;
            marks_offline(b, server, chosen).await;
        },
    )
    .await;
}

/// The visit form, kept by the service worker, marks the hall's items
/// under rectification with the server gone and the network cut off.
async fn marks_offline(b: Browser, mut server: TestApp, chosen: Chosen) {
    b.wait_js(
        "navigator.serviceWorker.controller !== null",
        SERVICE_WORKER,
        "the service worker to control the page",
    )
    .await;
    server.stop().await;
    b.network_offline(true)
        .await
        .expect("chromedriver emulates an offline network");
    b.wait_js("navigator.onLine === false", WAIT, "the page to be offline")
        .await;
    b.goto(&format!("/inspect/visit?branch={}", chosen.hall))
        .await;
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('progress-total').textContent !== '0'",
        Duration::from_secs(20),
        "the visit form from the service worker",
    )
    .await;
    let marked = format!(
        "return !document.querySelector(\"fieldset.item[data-code='{}'] .recheck-mark\").hidden",
        chosen.untouched.item_code
    );
    assert_eq!(b.js(&marked).await, json!(true), "marked offline");
    b.shot("form-offline").await;
    b.network_offline(false)
        .await
        .expect("chromedriver ends the offline emulation");
}

/// Sends a form of the ticket's page and waits for the page it leads to
/// (not the one it left) to show `ready`.
async fn send(b: &Browser, button: &str, ready: &str, what: &str) {
    b.js("window.leaving = true").await;
    b.click(button).await;
    b.wait_js(
        &format!("!window.leaving && document.readyState === 'complete' && ({ready})"),
        WAIT,
        what,
    )
    .await;
}

async fn wait_ticket(b: &Browser, what: &str) {
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('ticket')",
        WAIT,
        what,
    )
    .await;
}

async fn manager_answers(
    b: Browser,
    chosen: Chosen,
    kept: Kept,
    photos: [PathBuf; 2],
    bad: PathBuf,
) {
    b.sign_in("xiping", PASSWORD).await;
    b.click("nav a[href='/rectify']").await;
    b.wait_js(
        "location.pathname === '/rectify' && document.getElementById('tickets')",
        WAIT,
        "the 整改 page",
    )
    .await;
    // The latest published period by default.
    assert!(b.text("#rectify-period").await.contains(PERIOD));
    let rows = b
        .js("return [...document.querySelectorAll('#tickets tbody tr')].map((tr) => [Number(tr.dataset.ticket), tr.className, tr.querySelector('td.marks').innerText]);")
        .await;
    let rows = rows.as_array().expect("the rows").clone();
    assert_eq!(
        rows[0][0],
        json!(chosen.overdue.id),
        "the overdue ticket comes first"
    );
    assert_eq!(rows[0][1], "overdue");
    assert!(
        rows[0][2].as_str().unwrap_or("").contains("逾期"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r[2].as_str().unwrap_or("").contains("待整改"))
    );
    assert!(
        !rows.iter().any(|r| r[0] == json!(chosen.elsewhere.id)),
        "only 西平's tickets"
    );
    let figures = b.table_rows("#rectify-figures table").await;
    assert_eq!(figures.len(), 1, "one district: {figures:?}");
    assert_eq!(figures[0][0], "西平分公司");
    assert_eq!(figures[0][1], rows.len().to_string(), "tickets");
    assert_eq!(figures[0][5], "1", "overdue");
    let line = b
        .text(&format!(
            "#tickets tr[data-ticket='{}']",
            chosen.answered.id
        ))
        .await;
    assert!(line.contains(&chosen.answered.item_code), "{line}");
    assert!(line.contains(&chosen.hall), "{line}");
    b.shot("list").await;
    b.assert_no_horizontal_scroll("the 整改 page").await;

    // A period not published yet says so, and what to do.
    b.goto("/rectify?period=2026-Q2&checklist=hall-visit").await;
    b.wait_js(
        "document.getElementById('rectify-empty')",
        WAIT,
        "the empty list",
    )
    .await;
    let empty = b.text("#rectify-empty").await;
    assert!(
        empty.contains("尚未发布") && empty.contains("2026-Q2"),
        "{empty}"
    );
    b.shot("unpublished").await;
    b.goto("/rectify").await;
    b.wait_js("document.getElementById('tickets')", WAIT, "the 整改 page")
        .await;

    // Another district's ticket does not exist for this manager.
    assert_eq!(
        b.fetch_status(&format!("/rectify/{}", chosen.elsewhere.id))
            .await,
        404
    );

    b.click(&format!(
        "#tickets tr[data-ticket='{}'] a.button-link",
        chosen.answered.id
    ))
    .await;
    wait_ticket(&b, "the ticket").await;
    assert_eq!(b.text(".ticket-status").await, "待整改");
    b.shot("ticket").await;

    // Nothing written: the page says what is missing, beside the field.
    let before = snapshot(&kept);
    send(
        &b,
        "#respond-form button[type=submit]",
        "document.getElementById('ticket-problem')",
        "the ticket with its problem",
    )
    .await;
    let problem = b.text("#ticket-problem").await;
    assert!(problem.contains("回复内容不能为空"), "{problem}");
    assert_eq!(
        b.js(
            "return document.querySelector('#respond-form textarea').classList.contains('invalid')"
        )
        .await,
        json!(true)
    );
    b.shot("empty-text").await;
    assert_eq!(snapshot(&kept), before, "an empty answer stores nothing");

    // A file that is not a photo: neither the words nor the photos kept.
    b.fill("#respond-form textarea", RESPONSE).await;
    b.choose_file("#respond-form input[type=file]", &photos[0], "工装.png")
        .await;
    b.find("#respond-form input[type=file]")
        .await
        .send_keys(&bad.display().to_string())
        .await
        .expect("add a second file");
    send(
        &b,
        "#respond-form button[type=submit]",
        "document.getElementById('ticket-problem')",
        "the ticket with its problem",
    )
    .await;
    let problem = b.text("#ticket-problem").await;
    assert!(
        problem.contains("notes.txt") && problem.contains("不是 JPEG、PNG 或 WebP"),
        "{problem}"
    );
    assert_eq!(
        b.js("return document.querySelector('#respond-form textarea').value")
            .await,
        json!(RESPONSE),
        "the words are kept for another try"
    );
    b.shot("not-a-photo").await;
    assert_eq!(snapshot(&kept), before, "a bad photo stores nothing");

    // The answer with two photos.
    let both = format!("{}\n{}", photos[0].display(), photos[1].display());
    b.find("#respond-form input[type=file]")
        .await
        .send_keys(&both)
        .await
        .expect("choose two photos");
    send(
        &b,
        "#respond-form button[type=submit]",
        "document.querySelectorAll('#ticket-photos img').length === 2",
        "the answered ticket with its photos",
    )
    .await;
    assert_eq!(
        b.js("return document.getElementById('ticket-problem')")
            .await,
        json!(null)
    );
    assert_eq!(b.text(".ticket-status").await, "已回复");
    let history = b.text("#ticket-history").await;
    assert!(
        history.contains(RESPONSE) && history.contains("xiping"),
        "{history}"
    );
    let loaded = b
        .js("return [...document.querySelectorAll('#ticket-photos img')].every((i) => i.complete && i.naturalWidth === 8);")
        .await;
    assert_eq!(loaded, json!(true), "the photos show");
    b.shot("answered").await;
    b.assert_no_horizontal_scroll("the ticket").await;

    // The hall page lists the hall's open tickets.
    b.goto(&format!("/halls/{}?{QUERY}", chosen.hall)).await;
    b.wait_js(
        "document.getElementById('hall-tickets')",
        WAIT,
        "the hall's tickets",
    )
    .await;
    let listed = b.text("#hall-tickets").await;
    assert!(listed.contains(&chosen.answered.item_code), "{listed}");
    assert!(listed.contains("已回复"), "{listed}");
    b.js("document.getElementById('hall-tickets').scrollIntoView()")
        .await;
    b.shot("hall-tickets").await;
}

async fn hq_closes(b: Browser, chosen: Chosen, kept: Kept) {
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.goto(&format!("/dashboard?{QUERY}")).await;
    b.wait_js(
        "document.getElementById('rectify-summary')",
        WAIT,
        "the dashboard's 整改 figures",
    )
    .await;
    let figures = b.table_rows("#rectify-summary table").await;
    assert!(
        figures.iter().any(|r| r[0] == "西平分公司" && r[5] == "1"),
        "{figures:?}"
    );
    assert!(figures.iter().any(|r| r[0] == "驻马店市"), "{figures:?}");
    b.js("document.getElementById('rectify-summary').scrollIntoView()")
        .await;
    b.shot("dashboard").await;
    b.click("#rectify-link").await;
    b.wait_js(
        "location.pathname === '/rectify' && document.getElementById('tickets')",
        WAIT,
        "the 整改 page",
    )
    .await;
    // HQ sees every ticket, a hundred to a page.
    let all = tickets(&kept.db, None).len();
    assert!(all > 200, "the demo has several pages of tickets: {all}");
    let rows = || b.js("return document.querySelectorAll('#tickets tbody tr').length");
    assert_eq!(rows().await, json!(100));
    let summary = b.text("nav.pager .rows").await;
    assert_eq!(summary, format!("第 1–100 张,共 {all} 张整改单"));
    b.shot("list").await;
    b.assert_no_horizontal_scroll("the 整改 page").await;
    // Page after page to the ticket under appeal; none is listed twice.
    let mut seen = std::collections::HashSet::new();
    for page in 1..=all.div_ceil(100) {
        let ids = b
            .js("return [...document.querySelectorAll('#tickets tbody tr')].map((tr) => Number(tr.dataset.ticket))")
            .await;
        for id in ids.as_array().expect("the ids") {
            assert!(
                seen.insert(id.as_i64()),
                "ticket {id} listed twice (page {page})"
            );
        }
        let found = b
            .js(&format!(
                "return !!document.querySelector(\"#tickets tr[data-ticket='{}']\")",
                chosen.elsewhere.id
            ))
            .await;
        if found == json!(true) {
            break;
        }
        b.follow("nav.pager a[rel=next]", "#tickets").await;
    }
    let appealed = b
        .text(&format!(
            "#tickets tr[data-ticket='{}'] td.marks",
            chosen.elsewhere.id
        ))
        .await;
    assert!(appealed.contains("申诉中"), "{appealed}");
    // The last page holds what is left.
    // A page number that is not one is said; one past the end is the last.
    let (status, _, body) = b.fetch_bytes(&format!("/rectify?{QUERY}&page=0")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("页码「0」无效"), "{body}");
    b.goto(&format!("/rectify?{QUERY}&page={}", all.div_ceil(100) + 5))
        .await;
    b.wait_js("document.getElementById('tickets')", WAIT, "the last page")
        .await;
    let left = (all - 1) % 100 + 1;
    assert_eq!(rows().await, json!(left));
    assert_eq!(
        b.text("nav.pager .rows").await,
        format!("第 {}–{all} 张,共 {all} 张整改单", all - left + 1)
    );
    assert_eq!(
        b.js("return document.querySelectorAll('nav.pager').length")
            .await,
        json!(2),
        "the pager above and below the list"
    );
    b.js("document.querySelector('nav.pager:last-of-type').scrollIntoView({block: 'end'})")
        .await;
    b.shot("list-last-page").await;
    b.goto(&format!("/rectify?{QUERY}")).await;
    b.wait_js("document.getElementById('tickets')", WAIT, "the 整改 page")
        .await;
    // A district's row lists its tickets alone.
    b.js("window.leaving = true").await;
    b.click("#rectify-figures tr[data-scope='西平分公司'] a")
        .await;
    b.wait_js(
        "!window.leaving && document.getElementById('district-filter')",
        WAIT,
        "西平's tickets",
    )
    .await;
    let districts = b
        .js("return [...new Set([...document.querySelectorAll('#tickets tbody tr td:nth-child(4) .muted')].map((s) => s.innerText))]")
        .await;
    assert_eq!(districts, json!(["西平"]));
    b.shot("list-district").await;

    b.goto(&format!("/rectify/{}", chosen.answered.id)).await;
    wait_ticket(&b, "the ticket").await;
    assert_eq!(
        b.js("return document.querySelectorAll('#ticket-photos img').length")
            .await,
        json!(2),
        "HQ sees the manager's photos"
    );
    b.wait_js(
        "[...document.querySelectorAll('#ticket-photos img')].every((i) => i.complete && i.naturalWidth === 8)",
        WAIT,
        "the manager's photos, shown to headquarters",
    )
    .await;
    assert_eq!(
        b.js("return document.getElementById('respond-form')").await,
        json!(null),
        "HQ does not answer for the district"
    );
    b.shot("answered").await;
    b.fill("#decide-form textarea", DECISION).await;
    send(
        &b,
        "#decide-form button[value=close]",
        "document.getElementById('ticket').dataset.status === 'closed'",
        "the closed ticket",
    )
    .await;
    assert_eq!(b.text(".ticket-status").await, "已关闭");
    assert!(b.text("#ticket-history").await.contains(DECISION));
    b.shot("closed").await;

    // Closing it again (a second tab, an old page): told, nothing stored.
    let before = snapshot(&kept);
    let refused = b
        .js_async(&format!(
            "const form = new FormData();
             form.append('csrf', document.querySelector('meta[name=csrf-token]').content);
             form.append('action', 'close');
             form.append('text', '再关一次');
             const r = await fetch('/rectify/{}', {{method: 'POST', body: form}});
             return [r.status, await r.text()];",
            chosen.answered.id
        ))
        .await;
    assert_eq!(refused[0], json!(409), "{refused}");
    assert!(
        refused[1]
            .as_str()
            .unwrap_or_default()
            .contains("整改单状态为「已关闭」"),
        "{refused}"
    );
    assert_eq!(
        snapshot(&kept),
        before,
        "a closed ticket is not closed again"
    );

    // The audit log says what happened to tickets in words.
    b.goto("/admin/audit").await;
    b.wait_js("document.readyState === 'complete'", WAIT, "the audit log")
        .await;
    let log = b.text("main").await;
    assert!(
        log.contains("关闭整改单") && log.contains("整改回复") && !log.contains("rectify."),
        "{}",
        log.chars().take(600).collect::<String>()
    );
}

async fn inspector_rechecks(
    b: Browser,
    chosen: Chosen,
    expected: Vec<String>,
    photos: Vec<String>,
) {
    b.sign_in("wangmin", PASSWORD).await;
    b.goto(&format!("/inspect/visit?branch={}", chosen.hall))
        .await;
    b.wait_js(
        "document.getElementById('progress-total').textContent !== '0'",
        WAIT,
        "the visit form",
    )
    .await;
    let marked = b
        .js("return [...document.querySelectorAll('fieldset.item')].filter((f) => !f.querySelector('.recheck-mark').hidden).map((f) => f.dataset.code);")
        .await;
    assert_eq!(
        marked,
        json!(expected),
        "the hall's items under rectification"
    );
    for code in [&chosen.answered.item_code, &chosen.untouched.item_code] {
        assert!(
            marked.as_array().expect("codes").contains(&json!(code)),
            "{code} is marked"
        );
    }
    assert!(b.text("#recheck-note").await.contains("整改复查"));
    // A ticket's photos are for those who look after its hall.
    for photo in &photos {
        assert_eq!(b.fetch_status(&format!("/photos/{photo}")).await, 404);
    }
    b.shot("form-marked").await;
    let (pass, fail) = (&chosen.answered.item_code, &chosen.untouched.item_code);
    answer_all_but(&b, &[pass.as_str(), fail.as_str()], &mut BTreeMap::new()).await;
    for (code, value) in [(pass, "是"), (fail, "否")] {
        b.click(&format!(
            "fieldset.item[data-code='{code}'] button.answer[data-value='{value}']"
        ))
        .await;
    }
    b.js(&format!(
        "document.querySelector(\"fieldset.item[data-code='{pass}']\").scrollIntoView()"
    ))
    .await;
    b.shot("rechecked-items").await;
    review_and_submit(&b, "the review").await;
    b.wait_js(
        "location.pathname.startsWith('/visits/')",
        Duration::from_secs(20),
        "the visit page",
    )
    .await;
}

async fn outcome(b: Browser, chosen: Chosen, counts: (usize, usize)) {
    b.sign_in("admin", ADMIN_PASSWORD).await;
    // 西平's tickets, all on one page.
    b.goto(&format!("/rectify?{QUERY}&district=西平")).await;
    b.wait_js("document.getElementById('tickets')", WAIT, "the 整改 page")
        .await;
    let status = |id: i64| {
        format!("return document.querySelector(\"#tickets tr[data-ticket='{id}']\").dataset.status")
    };
    assert_eq!(b.js(&status(chosen.answered.id)).await, json!("verified"));
    assert_eq!(b.js(&status(chosen.untouched.id)).await, json!("repeated"));
    let figures = b.table_rows("#rectify-figures table").await;
    let xiping = figures
        .iter()
        .find(|r| r[0] == "西平分公司")
        .expect("西平's figures");
    assert_eq!(xiping[3], counts.0.to_string(), "verified: {xiping:?}");
    assert_eq!(xiping[4], counts.1.to_string(), "repeated: {xiping:?}");
    b.shot("list").await;
    b.goto(&format!("/rectify/{}", chosen.answered.id)).await;
    wait_ticket(&b, "the verified ticket").await;
    assert_eq!(b.text(".ticket-status").await, "复查通过");
    assert!(b.text("#ticket-settled").await.contains("已办结"));
    b.shot("verified").await;
    b.goto(&format!("/rectify/{}", chosen.untouched.id)).await;
    wait_ticket(&b, "the repeated ticket").await;
    assert_eq!(b.text(".ticket-status").await, "顽固短板");
    assert!(b.text("#ticket-history").await.contains("再次失分"));
    b.shot("repeated").await;
    b.goto(&format!("/halls/{}?{QUERY}", chosen.hall)).await;
    b.wait_js(
        "document.getElementById('hall-tickets')",
        WAIT,
        "the hall page",
    )
    .await;
    let listed = b.text("#hall-tickets").await;
    assert!(listed.contains(&chosen.untouched.item_code), "{listed}");
    assert!(
        !listed.contains(&format!("{} ", chosen.answered.item_code)),
        "a verified ticket is not open: {listed}"
    );
    b.js("document.getElementById('hall-tickets').scrollIntoView()")
        .await;
    b.shot("hall").await;
    b.goto(&format!("/dashboard?{QUERY}")).await;
    b.wait_js(
        "document.getElementById('rectify-summary')",
        WAIT,
        "the dashboard's 整改 figures",
    )
    .await;
    b.js("document.getElementById('rectify-summary').scrollIntoView()")
        .await;
    b.shot("dashboard").await;
    b.assert_no_horizontal_scroll("the dashboard").await;
    // The same pages in English.
    b.goto("/lang/en").await;
    b.goto(&format!("/rectify/{}", chosen.untouched.id)).await;
    wait_ticket(&b, "the ticket in English").await;
    assert_eq!(b.text(".ticket-status").await, "Repeated weakness");
    b.shot("ticket-en").await;
    b.goto(&format!("/rectify?{QUERY}")).await;
    b.wait_js(
        "document.getElementById('tickets')",
        WAIT,
        "the list in English",
    )
    .await;
    let summary = b.text("nav.pager .rows").await;
    assert!(summary.starts_with("Tickets 1–100 of "), "{summary}");
    b.shot("list-en").await;
    b.goto("/lang/zh").await;
    b.sign_out().await;
    // The inspector's form still marks the repeated item.
    b.sign_in("wangmin", PASSWORD).await;
    b.goto(&format!("/inspect/visit?branch={}", chosen.hall))
        .await;
    b.wait_js(
        "document.getElementById('progress-total').textContent !== '0'",
        WAIT,
        "the visit form",
    )
    .await;
    let marked = |code: &str| {
        format!(
            "return !document.querySelector(\"fieldset.item[data-code='{code}'] .recheck-mark\").hidden"
        )
    };
    assert_eq!(
        b.js(&marked(&chosen.untouched.item_code)).await,
        json!(true)
    );
    assert_eq!(
        b.js(&marked(&chosen.answered.item_code)).await,
        json!(false)
    );
    b.shot("form").await;
}
