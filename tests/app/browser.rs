//! Real-browser tests: headless Chromium at tablet and laptop sizes,
//! driven through chromedriver, against the real app served from a demo
//! database. Issue 5: the inspector's tablet app never loses a visit, even
//! when the network goes away in the middle. Issue 6: a district manager's
//! dashboards show their own halls, sort, chart, and fit a tablet; an
//! appeal goes from filing to acceptance and a re-issued ranking; uploads
//! list their errors in place or store what they hold.
//!
//! Going offline: the app's server is stopped (graceful shutdown, then the
//! port is checked to refuse connections) so every request fails, the
//! service worker's included; for the first visit chromedriver's Chromium
//! network emulation (`POST /session/{id}/chromium/network_conditions`)
//! also cuts the page off, so `navigator.onLine` is false and `offline` /
//! `online` fire. The emulation alone is not enough: it does not reach the
//! service worker, whose requests still get through to a running server.
//! Coming back: the server is served again on the same port.
//!
//! Screenshots of every step are saved under `target/screenshots/<test>/`.

mod county_tables;
mod driver;
mod hall_pages;
mod plans;
mod rectify;
mod reports;
mod review;
mod tablet;
mod tasks;
mod uncertainty;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hallscore::domain::access::Visibility;
use hallscore::domain::answer::Answer;
use hallscore::domain::checklist::{Checklist, ItemKind};
use hallscore::domain::scoring::score_visit;
use serde_json::{Value, json};

use crate::helpers::{Sql, TestApp, with_store};
use driver::{Browser, SERVICE_WORKER, WAIT, demo_workspace, with_browser};

const TABLET: (u32, u32) = (768, 1024);
const LAPTOP: (u32, u32) = (1366, 900);
const PASSWORD: &str = "hallscore-demo";

/// Opens the review, waits until it lets the visit be sent, and sends it.
async fn review_and_submit(b: &Browser, what: &str) {
    b.click("#to-review").await;
    b.wait_js(
        "!document.getElementById('review').hidden && !document.getElementById('submit').disabled",
        WAIT,
        what,
    )
    .await;
    b.click("#submit").await;
}

/// What the inspector gives for one item.
#[derive(Debug, Clone, PartialEq)]
enum Given {
    Pass,
    Fail,
    NotApplicable,
    Choice(&'static str),
    Number(String),
}

impl Given {
    /// The `data-value` of the button to press, for button answers.
    fn button(&self) -> Option<&str> {
        match self {
            Given::Pass => Some("是"),
            Given::Fail => Some("否"),
            Given::NotApplicable => Some("不适用"),
            Given::Choice(label) => Some(label),
            Given::Number(_) => None,
        }
    }
}

/// The answer planned for an item: a few chosen on purpose (a 否, three
/// 不适用, every choice label, scale values), 是 / 优 / full marks for the
/// rest. Stopwatch items are filled by the stopwatch, not here.
fn planned(code: &str, kind: &str, points: &str) -> Given {
    match code {
        "A02" => Given::Fail,
        "A07" | "C04" | "D07" => Given::NotApplicable,
        "B01" => Given::Number("1.5".into()),
        "G03" => Given::Number("3".into()),
        "C02" => Given::Choice("良"),
        "G04" => Given::Choice("差"),
        _ => match kind {
            "check" => Given::Pass,
            "choice" => Given::Choice("优"),
            "scale" => Given::Number(points.to_string()),
            other => panic!("no answer planned for {code} of kind {other}"),
        },
    }
}

/// Answers every item of `sections` in the form by pressing its buttons or
/// typing its number, as an inspector would, and records what was given.
async fn answer_sections(b: &Browser, sections: &[&str], given: &mut BTreeMap<String, Given>) {
    let items = b
        .js_with(
            "return [...document.querySelectorAll('section.section')]
               .filter((s) => arguments[0].includes(s.dataset.section))
               .flatMap((s) => [...s.querySelectorAll('fieldset.item')])
               .map((f) => [f.dataset.code, f.dataset.kind, f.dataset.points, f.dataset.stopwatch]);",
            vec![json!(sections)],
        )
        .await;
    let items = items.as_array().expect("a list of items").clone();
    assert!(!items.is_empty(), "sections {sections:?} have items");
    for item in items {
        let field = |i: usize| item[i].as_str().unwrap_or_default().to_string();
        let (code, kind, points, stopwatch) = (field(0), field(1), field(2), field(3));
        if stopwatch != "0" {
            continue;
        }
        let answer = planned(&code, &kind, &points);
        let fieldset = format!("fieldset.item[data-code=\"{code}\"]");
        match answer.button() {
            Some(value) => {
                b.click(&format!("{fieldset} button.answer[data-value=\"{value}\"]"))
                    .await
            }
            None => {
                let Given::Number(number) = &answer else {
                    unreachable!()
                };
                b.type_into(&format!("{fieldset} input.number"), number)
                    .await
            }
        }
        given.insert(code, answer);
    }
}

/// What the form shows for each item: the selected button's value or the
/// number typed.
async fn shown_answers(b: &Browser) -> BTreeMap<String, String> {
    let shown = b
        .js("const out = {};
             for (const f of document.querySelectorAll('fieldset.item')) {
               const selected = f.querySelector('button.answer.selected');
               const input = f.querySelector('input.number');
               out[f.dataset.code] = selected ? selected.dataset.value : (input ? input.value : '');
             }
             return out;")
        .await;
    shown
        .as_object()
        .expect("an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn shown_text(answer: &Given) -> String {
    match answer {
        Given::Number(n) => n.clone(),
        other => other.button().unwrap_or_default().to_string(),
    }
}

/// Progress as the form shows it: answered / total.
async fn progress(b: &Browser) -> (u64, u64) {
    let p = b
        .js(
            "return [Number(document.getElementById('progress-count').textContent),
                     Number(document.getElementById('progress-total').textContent)]",
        )
        .await;
    (p[0].as_u64().unwrap_or(0), p[1].as_u64().unwrap_or(0))
}

/// The visit as the browser keeps it in localStorage (null once sent).
async fn local_visit(b: &Browser, id: &str) -> Value {
    b.js_with(
        "return JSON.parse(localStorage.getItem('hallscore:visit:' + arguments[0]));",
        vec![json!(id)],
    )
    .await
}

/// A small JPEG made by the browser's own canvas, as a camera file.
async fn make_jpeg(b: &Browser, path: &Path) {
    let bytes = b
        .js_async(
            "const c = document.createElement('canvas');
             c.width = 640; c.height = 480;
             const g = c.getContext('2d');
             g.fillStyle = '#1f5fa8'; g.fillRect(0, 0, 640, 480);
             g.fillStyle = '#ffffff'; g.font = '48px sans-serif';
             g.fillText('XP001 暗访照片', 60, 250);
             const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.85));
             return Array.from(new Uint8Array(await blob.arrayBuffer()));",
        )
        .await;
    let bytes: Vec<u8> = bytes
        .as_array()
        .expect("the JPEG's bytes")
        .iter()
        .map(|v| u8::try_from(v.as_u64().unwrap_or(0)).unwrap_or(0))
        .collect();
    assert!(
        bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.len() > 1000,
        "the canvas made a JPEG"
    );
    std::fs::write(path, bytes).expect("write the photo file");
}

/// The halls the picker shows, by code.
async fn visible_halls(b: &Browser) -> Vec<String> {
    let codes = b
        .js("return [...document.querySelectorAll('#halls li')]
               .filter((li) => !li.hidden && li.offsetParent !== null)
               .map((li) => li.querySelector('a').dataset.start);")
        .await;
    codes
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

async fn search_halls(b: &Browser, text: &str) {
    let input = b.find("#hall-search").await;
    let current = input
        .prop("value")
        .await
        .expect("the search box's value")
        .unwrap_or_default();
    let erase: String = std::iter::repeat_n('\u{E003}', current.chars().count()).collect();
    input
        .send_keys(&format!("{erase}{text}"))
        .await
        .expect("type into the search box");
}

/// Starts a new visit of `hall` from the hall picker on screen and waits
/// for its form (`what`, for the message if it never comes); its id.
async fn start_visit(b: &Browser, hall: &str, what: &str) -> String {
    b.click(&format!("#halls a[data-start={hall}]")).await;
    let id = b
        .wait_js(
            "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'
               && new URLSearchParams(location.search).get('id')",
            WAIT,
            what,
        )
        .await;
    id.as_str().expect("the visit id").to_string()
}

fn expected_answer(checklist: &Checklist, code: &str, given: &Given) -> Answer {
    let (_, item) = checklist
        .items()
        .find(|(_, i)| i.code == code)
        .unwrap_or_else(|| panic!("the checklist has {code}"));
    match given {
        Given::Pass => Answer::Pass,
        Given::Fail => Answer::Fail,
        Given::NotApplicable => Answer::NotApplicable,
        Given::Number(n) => Answer::Number(n.parse().expect("a number")),
        Given::Choice(label) => match &item.kind {
            ItemKind::Choice { choices } => Answer::Choice(
                choices
                    .iter()
                    .position(|c| c.label == *label)
                    .and_then(|i| u16::try_from(i).ok())
                    .unwrap_or_else(|| panic!("{code} has a choice {label}")),
            ),
            other => panic!("{code} is not a choice item: {other:?}"),
        },
    }
}

/// Issue 5. An inspector on a portrait tablet finds a hall by its pinyin
/// initials, starts a visit, answers part of it online (with the queue
/// stopwatch, an item note and an item photo), loses the network, keeps
/// answering, reloads the page (the service worker serves the form and the
/// answers come back from the browser's storage), finishes and submits
/// while offline (the visit is queued), and when the network is back the
/// page sends the queued visit by itself and shows it. The database then
/// holds exactly one visit with every answer, the notes and the photos.
/// A second visit is then submitted while only the server is down (the
/// tablet stays online), and the page's 15-second retry sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_tablet_visit_survives_going_offline() {
    let ws = demo_workspace();
    let db = ws.db();
    let photo = ws.path("photo.jpg");
    let server = TestApp::spawn(&db).await;
    let base = server.base.clone();
    with_browser(
        "inspector-offline-768x1024",
        TABLET,
        &base,
        Duration::from_secs(170),
        move |b| async move { inspector_flow(b, server, db, photo).await },
    )
    .await;
}

async fn inspector_flow(b: Browser, mut server: TestApp, db: String, photo: std::path::PathBuf) {
    // Sign in: an inspector lands on their tasks, and reaches the hall
    // picker from there for a visit outside the plan.
    b.sign_in("wangmin", PASSWORD).await;
    b.wait_js(
        "location.pathname === '/inspect/tasks' && document.getElementById('unplanned-visit')",
        WAIT,
        "the inspector's tasks",
    )
    .await;
    b.click("#unplanned-visit").await;
    b.wait_js(
        "location.pathname === '/inspect' && document.getElementById('hall-search')",
        WAIT,
        "the hall picker",
    )
    .await;
    b.shot("hall-picker").await;
    b.assert_no_horizontal_scroll("/inspect").await;

    // The service worker installs, takes the page and caches the form.
    b.wait_js(
        "navigator.serviceWorker.controller !== null",
        SERVICE_WORKER,
        "the service worker to control the page",
    )
    .await;
    b.wait_js(
        "caches.match('/inspect/visit').then((r) => !!r)",
        Duration::from_secs(20),
        "the visit form in the service worker's cache",
    )
    .await;

    // Search by pinyin initials: 西平城关 → xpcg.
    let all = visible_halls(&b).await;
    assert_eq!(all.len(), 37, "every demo hall is listed: {all:?}");
    search_halls(&b, "xpcg").await;
    b.wait_js(
        "[...document.querySelectorAll('#halls li')].filter((li) => !li.hidden).length === 1",
        WAIT,
        "the search to narrow the list",
    )
    .await;
    assert_eq!(
        visible_halls(&b).await,
        vec!["XP001"],
        "xpcg finds 西平城关营业厅"
    );
    b.shot("search-xpcg").await;
    search_halls(&b, "cg").await;
    b.wait_js(
        "[...document.querySelectorAll('#halls li')].filter((li) => !li.hidden).length < 37",
        WAIT,
        "the search to narrow the list",
    )
    .await;
    let cg = visible_halls(&b).await;
    assert!(
        cg.contains(&"XP001".to_string()) && cg.contains(&"BY003".to_string()),
        "cg finds both 城关 halls (西平 and 泌阳): {cg:?}"
    );
    assert!(
        !cg.contains(&"XP002".to_string()),
        "cg leaves out 西平人民路: {cg:?}"
    );
    search_halls(&b, "xpcg").await;
    b.wait_js(
        "[...document.querySelectorAll('#halls li')].filter((li) => !li.hidden).length === 1",
        WAIT,
        "the search to narrow the list",
    )
    .await;

    // The photo file the "camera" takes (made while the page is at hand).
    make_jpeg(&b, &photo).await;

    // Open the hall: a new visit with a client-made id.
    let id = start_visit(&b, "XP001", "the visit form").await;
    assert_eq!(id.len(), 36, "the visit id is a UUID: {id}");
    let hall = b.text("#hall-name").await;
    assert!(
        hall.contains("西平城关营业厅") && hall.contains("XP001"),
        "the form names the hall: {hall}"
    );
    assert_eq!(progress(&b).await, (0, 53), "53 items, none answered yet");
    b.wait_js(
        "navigator.serviceWorker.controller !== null",
        WAIT,
        "the service worker to control the form",
    )
    .await;
    b.shot("visit-form").await;
    b.assert_no_horizontal_scroll("/inspect/visit").await;

    let mut given: BTreeMap<String, Given> = BTreeMap::new();

    // The queue stopwatch: 取号 → 叫号 → 办结 fill the two wait items.
    b.click("button[data-stopwatch=take]").await;
    tokio::time::sleep(Duration::from_millis(3200)).await;
    b.click("button[data-stopwatch=call]").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    b.click("button[data-stopwatch=done]").await;
    let waits = b
        .js(
            "return [...document.querySelectorAll('fieldset.item[data-kind=measure]')]
               .filter((f) => f.dataset.stopwatch !== '0')
               .map((f) => [f.dataset.code, f.querySelector('input.number').value]);",
        )
        .await;
    let waits: Vec<(String, String)> = waits
        .as_array()
        .expect("the stopwatch items")
        .iter()
        .map(|w| {
            (
                w[0].as_str().unwrap_or_default().into(),
                w[1].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        waits.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["E01", "E02"],
        "the stopwatch fills the first two measure items"
    );
    for (code, minutes) in &waits {
        let value: f64 = minutes
            .parse()
            .unwrap_or_else(|_| panic!("{code} holds minutes, not «{minutes}»"));
        assert!(
            (0.0..=0.3).contains(&value),
            "{code}: {value} minutes from a few seconds' wait"
        );
        given.insert(code.clone(), Given::Number(minutes.clone()));
    }
    let times = b.text("#stopwatch-times").await;
    assert!(!times.contains('—'), "the three times are shown: {times}");
    b.shot("stopwatch").await;

    // Online: sections A to C, an item note and an item photo for A02.
    answer_sections(&b, &["A", "B", "C"], &mut given).await;
    b.click("fieldset.item[data-code=A02] details.extra summary")
        .await;
    let item_note = "工装外加穿了灰色毛衣";
    b.type_into("fieldset.item[data-code=A02] textarea.item-note", item_note)
        .await;
    let photo_path = photo.display().to_string();
    b.find("fieldset.item[data-code=A02] input.photo-input")
        .await
        .send_keys(&photo_path)
        .await
        .expect("choose a photo for A02");
    b.wait_js(
        "document.querySelectorAll('[data-thumbs=\"A02\"] img').length === 1",
        WAIT,
        "the A02 photo's thumbnail",
    )
    .await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '已同步到服务器'",
        WAIT,
        "the draft to reach the server",
    )
    .await;
    b.shot("online-answers-note-photo").await;
    {
        assert_eq!(
            Sql::open(&db).i64(
                "SELECT count(*) FROM drafts WHERE id = ?1",
                &[id.as_str().into()]
            ),
            1,
            "the server keeps a copy of the draft"
        );
    }
    let answered_online = given.len() as u64;
    assert_eq!(progress(&b).await.0, answered_online);

    // The network goes away: the server stops (so the service worker's own
    // requests fail too: chromedriver's network emulation does not reach
    // the worker) and chromedriver cuts the page off the network (so the
    // page knows: `navigator.onLine` turns false and `offline` fires).
    server.stop().await;
    b.network_offline(true)
        .await
        .expect("chromedriver emulates an offline network");
    b.wait_js("navigator.onLine === false", WAIT, "the page to be offline")
        .await;
    answer_sections(&b, &["D"], &mut given).await;
    b.wait_js(
        "!document.getElementById('net-status').hidden
           && document.getElementById('net-status').textContent.includes('网络已断开')",
        WAIT,
        "the page to say it is offline",
    )
    .await;
    let kept = local_visit(&b, &id).await;
    assert_eq!(
        kept["answers"]["D11"],
        json!("是"),
        "answers given offline are kept on the device"
    );
    b.shot("offline-answering").await;

    // Reload while offline: the service worker serves the cached form and
    // the answers come back from this device's storage.
    b.client.refresh().await.expect("reload the page");
    b.wait_js(
        "document.readyState === 'complete' && document.getElementById('visit')
           && document.getElementById('progress-total').textContent === '53'",
        Duration::from_secs(20),
        "the form to load from the service worker while offline",
    )
    .await;
    assert_eq!(b.path().await, format!("/inspect/visit?id={id}"));
    let served_by_worker = b
        .js("return navigator.serviceWorker.controller !== null")
        .await;
    assert_eq!(
        served_by_worker,
        json!(true),
        "the reloaded page is the worker's"
    );
    b.wait_js(
        &format!(
            "Number(document.getElementById('progress-count').textContent) === {}",
            given.len()
        ),
        WAIT,
        "the answers to come back after the reload",
    )
    .await;
    let shown = shown_answers(&b).await;
    for (code, answer) in &given {
        assert_eq!(
            shown.get(code),
            Some(&shown_text(answer)),
            "{code} shows its answer after the reload"
        );
    }
    let note = b
        .js("return document.querySelector('fieldset.item[data-code=A02] textarea.item-note').value")
        .await;
    assert_eq!(
        note,
        json!(item_note),
        "the item note comes back after the reload"
    );
    b.wait_js(
        "document.querySelectorAll('[data-thumbs=\"A02\"] img').length === 1",
        WAIT,
        "the A02 photo to come back from the device's storage",
    )
    .await;
    let times_after = b.text("#stopwatch-times").await;
    assert_eq!(times_after, times, "the stopwatch times come back");
    b.shot("reloaded-offline").await;
    b.assert_no_horizontal_scroll("/inspect/visit (offline)")
        .await;

    // Still offline: finish the visit, notes and a second (visit) photo.
    answer_sections(&b, &["E", "F", "G"], &mut given).await;
    let notes = "下午两点到店,等候区客户较多;大堂经理主动引导,整体服务良好。";
    b.type_into("#notes", notes).await;
    b.find("input.photo-input[data-item=\"\"]")
        .await
        .send_keys(&photo_path)
        .await
        .expect("choose a photo for the visit");
    b.wait_js(
        "document.querySelectorAll('[data-thumbs=\"\"] img').length === 1",
        WAIT,
        "the visit photo's thumbnail",
    )
    .await;
    assert_eq!(given.len(), 53, "every item has an answer: {given:?}");
    assert_eq!(progress(&b).await, (53, 53));
    b.shot("offline-finished").await;

    b.click("#to-review").await;
    b.wait_js(
        "!document.getElementById('review').hidden && !document.getElementById('submit').disabled",
        WAIT,
        "the review with nothing missing",
    )
    .await;
    let problems = b
        .js("return document.getElementById('review-problems').hidden")
        .await;
    assert_eq!(problems, json!(true), "the review finds no problems");
    tokio::time::sleep(Duration::from_millis(600)).await; // the smooth scroll
    b.shot("review").await;
    b.click("#submit").await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '已排队,联网后自动提交'",
        WAIT,
        "the page to say the visit is queued",
    )
    .await;
    let banner = b.text("#net-status").await;
    assert!(
        banner.contains("网络已断开"),
        "the page says it is offline: {banner}"
    );
    assert_eq!(
        local_visit(&b, &id).await["status"],
        json!("queued"),
        "the visit waits in the device's queue"
    );
    assert_eq!(
        b.path().await,
        format!("/inspect/visit?id={id}"),
        "still on the form"
    );
    {
        assert_eq!(
            Sql::open(&db).i64(
                "SELECT count(*) FROM visits WHERE visit_id = ?1",
                &[id.as_str().into()]
            ),
            0,
            "nothing reached the server while it was down"
        );
    }
    b.shot("queued-offline").await;

    // The server comes back on the same address and the network returns:
    // the page sends the queued visit by itself (on `online`, or at its
    // 15-second retry) and shows it.
    server.restart().await;
    b.network_offline(false)
        .await
        .expect("chromedriver ends the offline emulation");
    b.wait_js(
        &format!("location.pathname === '/visits/{id}' && document.readyState === 'complete'"),
        Duration::from_secs(40),
        "the queued visit to be sent and its page shown",
    )
    .await;
    b.wait_js(
        "document.getElementById('visit-rate')",
        WAIT,
        "the visit page",
    )
    .await;
    let rate = b.text("#visit-rate").await;
    // 100 points, less A07 2 + C04 1 + D07 1 not applicable = 96; lost:
    // A02 1, B01 0.5, C02 1, G03 1, G04 4 = 7.5; 88.5 / 96 = 92.2%.
    assert_eq!(rate, "92.2%", "the visit page shows the score");
    let a02 = b.text("#answers tr[data-code=A02] td:nth-child(3)").await;
    assert_eq!(a02, "否");
    b.shot("visit-page").await;
    b.assert_no_horizontal_scroll("/visits/{id}").await;
    assert_eq!(
        local_visit(&b, &id).await,
        Value::Null,
        "the sent visit left the queue"
    );
    let photos_left = b
        .js_async(&format!(
            "return await new Promise((resolve, reject) => {{
               const open = indexedDB.open('hallscore', 1);
               open.onsuccess = () => {{
                 const tx = open.result.transaction('photos', 'readonly');
                 const q = tx.objectStore('photos').index('visit').getAll('{id}');
                 q.onsuccess = () => resolve(q.result.length);
                 q.onerror = () => reject(q.error);
               }};
               open.onerror = () => reject(open.error);
             }});"
        ))
        .await;
    assert_eq!(
        photos_left,
        json!(0),
        "the sent photos left the device's storage"
    );
    b.js("window.scrollTo(0, document.body.scrollHeight)").await;
    b.shot("visit-page-photos").await;

    check_stored_visit(&db, &server.photos(), &id, &given, item_note, notes);

    second_visit_while_server_is_down(&b, &mut server, &db, &id).await;
}

/// The other way a visit gets stuck: the tablet stays online (Wi-Fi up,
/// `navigator.onLine` true, no `online` event to come) while the server is
/// unreachable. The page's 15-second retry must send the queued visit once
/// the server is back.
async fn second_visit_while_server_is_down(
    b: &Browser,
    server: &mut TestApp,
    db: &str,
    first: &str,
) {
    b.goto("/inspect").await;
    b.wait_js(
        "document.getElementById('hall-search')",
        WAIT,
        "the hall picker",
    )
    .await;
    b.find(&format!("a[href=\"/visits/{first}\"]")).await;
    let id = start_visit(b, "XP002", "the second visit's form").await;
    assert_ne!(id, first, "a new visit gets a new id");
    for step in ["take", "call", "done"] {
        b.click(&format!("button[data-stopwatch={step}]")).await;
    }
    let mut given = BTreeMap::new();
    answer_sections(b, &["A", "B", "C", "D", "E", "F", "G"], &mut given).await;
    assert_eq!(progress(b).await, (53, 53));

    server.stop().await;
    assert_eq!(b.js("return navigator.onLine").await, json!(true));
    review_and_submit(b, "the review with nothing missing").await;
    b.wait_js(
        "document.getElementById('save-state').textContent === '已排队,联网后自动提交'",
        WAIT,
        "the page to say the second visit is queued",
    )
    .await;
    let banner = b.text("#net-status").await;
    assert!(
        banner.contains("网络已断开"),
        "the page says it cannot reach the server: {banner}"
    );
    b.shot("second-visit-queued").await;

    server.restart().await;
    b.wait_js(
        &format!("location.pathname === '/visits/{id}' && document.getElementById('visit-rate')"),
        Duration::from_secs(40),
        "the 15-second retry to send the second visit",
    )
    .await;
    b.shot("second-visit-sent").await;
    let mut sql = Sql::open(db);
    let branch = sql.text(
        "SELECT b.code FROM visits v JOIN branches b ON b.id = v.branch_id WHERE v.visit_id = ?1",
        &[id.as_str().into()],
    );
    assert_eq!(branch, "XP002");
    for visit in [first, id.as_str()] {
        assert_eq!(
            sql.i64(
                "SELECT count(*) FROM visits WHERE visit_id = ?1",
                &[visit.into()]
            ),
            1,
            "exactly one visit {visit}"
        );
    }
}

/// The database holds exactly one visit with that id, with every answer,
/// the notes and the photos (their files in `photos`).
fn check_stored_visit(
    db: &str,
    photos: &Path,
    id: &str,
    given: &BTreeMap<String, Given>,
    item_note: &str,
    notes: &str,
) {
    let mut sql = Sql::open(db);
    assert_eq!(
        sql.i64(
            "SELECT count(*) FROM visits WHERE visit_id = ?1",
            &[id.into()]
        ),
        1,
        "exactly one visit with the id"
    );
    // Read back through the store, as the app's own pages read it.
    let (visit, checklist) = with_store(db, |store| {
        let visit = store
            .visit_record(id, &Visibility::Everything)
            .expect("read the visit")
            .expect("the stored visit")
            .visit;
        let checklist = store
            .checklist_version(&visit.checklist_id, visit.checklist_version)
            .expect("the visit's checklist");
        (visit, checklist)
    });
    assert_eq!(visit.branch_code, "XP001");
    // The account's display name is the inspector on its visits.
    assert_eq!(visit.inspector.as_deref(), Some("王敏"));
    assert_eq!(visit.notes.as_deref(), Some(notes));
    assert_eq!(
        visit.item_notes,
        BTreeMap::from([("A02".to_string(), item_note.to_string())])
    );

    assert_eq!(checklist.id, "hall-visit");
    let answers = visit.answers;
    assert_eq!(answers.len(), 53, "an answer per item");
    let by_code: BTreeMap<&str, Answer> = checklist
        .items()
        .map(|(_, item)| item.code.as_str())
        .zip(answers.iter().copied())
        .collect();
    // A handful by name first, so a failure reads plainly.
    assert_eq!(by_code["A01"], Answer::Pass, "A01 是");
    assert_eq!(by_code["A02"], Answer::Fail, "A02 否");
    assert_eq!(by_code["C04"], Answer::NotApplicable, "C04 不适用");
    assert_eq!(by_code["C02"], Answer::Choice(1), "C02 良");
    assert_eq!(by_code["G04"], Answer::Choice(2), "G04 差");
    assert_eq!(by_code["B01"], Answer::Number(1.5), "B01 1.5");
    for code in ["E01", "E02"] {
        match by_code[code] {
            Answer::Number(minutes) => assert!(
                (0.0..=0.3).contains(&minutes),
                "{code}: a few seconds' wait in minutes, got {minutes}"
            ),
            other => panic!("{code} holds minutes, not {other:?}"),
        }
    }
    // Then every answer given.
    for (code, answer) in given {
        assert_eq!(
            by_code[code.as_str()],
            expected_answer(&checklist, code, answer),
            "{code} as given ({answer:?})"
        );
    }
    let rate = score_visit(&checklist, &answers).rate().expect("a score");
    assert_eq!(
        format!("{:.1}%", rate * 100.0),
        "92.2%",
        "the scoring agrees with the page"
    );

    let stored = sql.rows(
        "SELECT coalesce(item_code, ''), file, size FROM photos WHERE visit_id = ?1 ORDER BY 1",
        &[id.into()],
    );
    assert_eq!(
        stored.iter().map(|p| p[0].as_str()).collect::<Vec<_>>(),
        ["", "A02"],
        "the visit photo and the item photo: {stored:?}"
    );
    for photo in &stored {
        let (file, size) = (&photo[1], &photo[2]);
        let bytes = std::fs::read(photos.join(file)).expect("the photo file is kept");
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{file} is a JPEG");
        assert_eq!(&bytes.len().to_string(), size);
    }
    assert_eq!(
        sql.i64("SELECT count(*) FROM drafts WHERE id = ?1", &[id.into()]),
        0,
        "the draft is gone once the visit is in"
    );
}

/// A visit id of a county, from the demo database.
fn visit_of(db: &str, county: &str) -> String {
    Sql::open(db).text(
        "SELECT v.visit_id FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN districts d ON d.id = b.district_id
          WHERE d.name = ?1 ORDER BY v.visited_at DESC LIMIT 1",
        &[county.into()],
    )
}

/// Issue 6. The district manager of 西平 at a laptop size and a portrait
/// tablet size: the dashboard shows only 西平's halls but every county,
/// sorts by a clicked header, the hall page has its trend chart and the
/// section comparison, another county's hall and visit do not exist for
/// them, and no page scrolls sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_manager_dashboards_at_laptop_and_tablet_sizes() {
    let ws = demo_workspace();
    let db = ws.db();
    let own = visit_of(&db, "西平");
    let other = visit_of(&db, "泌阳");
    let server = TestApp::spawn(&db).await;
    for (name, viewport) in [
        ("dashboard-1366x900", LAPTOP),
        ("dashboard-768x1024", TABLET),
    ] {
        let (own, other) = (own.clone(), other.clone());
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(90),
            move |b| async move { dashboard_flow(b, own, other).await },
        )
        .await;
    }
}

/// The numbers in a table column (by `data-value`), top to bottom.
async fn column_values(b: &Browser, table: &str, column: usize) -> Vec<f64> {
    let values = b
        .js_with(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')]
               .map((tr) => tr.cells[arguments[1]].dataset.value ?? tr.cells[arguments[1]].textContent.trim())
               .filter((v) => v !== '')
               .map(Number);",
            vec![json!(table), json!(column)],
        )
        .await;
    values
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

async fn dashboard_flow(b: Browser, own_visit: String, other_visit: String) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);
    b.sign_in("xiping", PASSWORD).await;
    b.wait_js(
        "location.pathname === '/dashboard' && document.getElementById('hall-table')",
        WAIT,
        "the dashboard",
    )
    .await;
    b.shot("dashboard").await;

    // Only 西平's halls, every county.
    let halls = b
        .js("return [...document.querySelectorAll('#hall-table tbody tr')].map((tr) => tr.dataset.code);")
        .await;
    let mut halls: Vec<String> = serde_json::from_value(halls).expect("hall codes");
    halls.sort();
    assert_eq!(
        halls,
        ["XP001", "XP002", "XP003"],
        "xiping sees 西平's halls only ({size})"
    );
    let counties = b
        .js("return [...document.querySelectorAll('#district-table tbody tr')].map((tr) => tr.cells[1].textContent.trim());")
        .await;
    let mut counties: Vec<String> = serde_json::from_value(counties).expect("county names");
    counties.sort();
    let mut expected = vec![
        "驿城区",
        "西平",
        "上蔡",
        "平舆",
        "正阳",
        "确山",
        "泌阳",
        "汝南",
        "遂平",
        "新蔡",
    ];
    expected.sort();
    assert_eq!(
        counties, expected,
        "the county table has all 10 counties ({size})"
    );
    b.assert_no_horizontal_scroll("/dashboard").await;

    // Sorting: the county table by its rate column, up then down.
    let rate_header = "#district-table thead th:nth-child(5)";
    assert_eq!(b.text(rate_header).await, "得分率");
    b.click(rate_header).await;
    b.wait_js(
        "document.querySelector('#district-table thead th:nth-child(5)').dataset.sort === 'asc'",
        WAIT,
        "the rate column to sort up",
    )
    .await;
    let up = column_values(&b, "#district-table", 4).await;
    assert_eq!(up.len(), 10);
    assert!(
        up.windows(2).all(|w| w[0] <= w[1]),
        "rates ascend after one click: {up:?}"
    );
    b.click(rate_header).await;
    b.wait_js(
        "document.querySelector('#district-table thead th:nth-child(5)').dataset.sort === 'desc'",
        WAIT,
        "the rate column to sort down",
    )
    .await;
    let down = column_values(&b, "#district-table", 4).await;
    assert!(
        down.windows(2).all(|w| w[0] >= w[1]),
        "rates descend after two clicks: {down:?}"
    );
    assert!(up.first() < up.last(), "the counties' rates differ: {up:?}");
    // The hall table is ordered on the server, by rank first: its rank
    // header, a link, orders it the other way.
    let rank_header = "#hall-table thead th:nth-child(1)";
    assert_eq!(
        b.js("return document.querySelector('#hall-table thead th:nth-child(1)').getAttribute('aria-sort');")
            .await,
        json!("ascending")
    );
    b.click(&format!("{rank_header} a")).await;
    b.wait_js(
        "document.readyState === 'complete'
           && document.querySelector('#hall-table thead th:nth-child(1)')?.getAttribute('aria-sort') === 'descending'",
        WAIT,
        "the hall ranks to sort down",
    )
    .await;
    let ranks = column_values(&b, "#hall-table", 0).await;
    assert_eq!(ranks.len(), 3);
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "hall ranks descend: {ranks:?}"
    );
    b.js("document.getElementById('district-table').scrollIntoView()")
        .await;
    b.shot("dashboard-sorted").await;

    // A hall's page: the trend chart and the section comparison.
    b.goto("/halls/XP001").await;
    b.wait_js(
        "document.getElementById('unit-rate')",
        WAIT,
        "the hall page",
    )
    .await;
    let title = b.text("h1").await;
    assert!(
        title.contains("XP001") && title.contains("西平城关营业厅"),
        "{title}"
    );
    let trend = b
        .js("const h = [...document.querySelectorAll('section.card h2')].find((h) => h.textContent === '近六期得分率');
             const svg = h && h.parentElement.querySelector('svg.chart');
             return svg ? {points: svg.querySelectorAll('circle').length,
                           width: svg.getBoundingClientRect().width,
                           height: svg.getBoundingClientRect().height} : null;")
        .await;
    assert!(
        trend.is_object(),
        "the hall page has a trend chart ({size})"
    );
    assert!(
        trend["points"].as_u64().unwrap_or(0) >= 2,
        "the trend shows the two demo quarters: {trend}"
    );
    assert!(
        trend["width"].as_f64().unwrap_or(0.0) > 200.0
            && trend["height"].as_f64().unwrap_or(0.0) > 50.0,
        "the trend chart is drawn at a readable size: {trend}"
    );
    let comparison = b
        .js("const h = [...document.querySelectorAll('section.card h2')].find((h) => h.textContent.startsWith('各大项'));
             const rows = h ? [...h.parentElement.querySelectorAll('tbody tr')] : [];
             return rows.map((tr) => [...tr.cells].map((c) => c.textContent.trim()));")
        .await;
    let comparison: Vec<Vec<String>> =
        serde_json::from_value(comparison).expect("the comparison rows");
    assert_eq!(comparison.len(), 7, "one row per section: {comparison:?}");
    assert_eq!(comparison[0][0], "仪容仪表");
    for row in &comparison {
        assert_eq!(row.len(), 4, "section, hall, county, region: {row:?}");
        for cell in &row[1..] {
            assert!(cell.ends_with('%'), "a rate in every column: {row:?}");
        }
    }
    b.shot("hall-XP001").await;
    b.assert_no_horizontal_scroll("/halls/XP001").await;
    b.js("window.scrollTo(0, document.body.scrollHeight)").await;
    b.shot("hall-XP001-bottom").await;

    // The county's own page fits too.
    b.goto("/districts/%E8%A5%BF%E5%B9%B3").await;
    b.wait_js(
        "document.getElementById('unit-rate')",
        WAIT,
        "the 西平 page",
    )
    .await;
    b.shot("district-xiping").await;
    b.assert_no_horizontal_scroll("/districts/西平").await;

    // Another county's hall does not exist for xiping.
    b.goto("/halls/BY001").await;
    b.wait_js("document.readyState === 'complete'", WAIT, "the page")
        .await;
    let message = b.text("main").await;
    assert!(
        message.contains("找不到该页面或记录"),
        "a not-found page: {message}"
    );
    assert_eq!(b.fetch_status("/halls/BY001").await, 404);
    assert_eq!(b.fetch_status("/halls/XP001").await, 200);
    b.shot("hall-BY001-not-found").await;

    // Nor does another county's visit, in the API or as a page.
    assert_eq!(
        b.fetch_status(&format!("/api/v1/visits/{other_visit}"))
            .await,
        404
    );
    assert_eq!(b.fetch_status(&format!("/visits/{other_visit}")).await, 404);
    assert_eq!(
        b.fetch_status(&format!("/api/v1/visits/{own_visit}")).await,
        200
    );
    b.goto(&format!("/api/v1/visits/{other_visit}")).await;
    let body = b.text("body").await;
    assert!(
        !body.contains("泌阳"),
        "nothing of the 泌阳 visit shows: {body}"
    );
}

const ADMIN_PASSWORD: &str = "hallscore-admin";
/// The demo's latest quarter (`hallscore::app::demo::QUARTERS`), the one
/// published and appealed here.
const QUARTER: &str = "2026-Q3";

/// Fails unless a table inside a sideways-scrolling box shows every
/// column without scrolling: what it says is meant to be read at a glance.
async fn assert_table_fits(b: &Browser, table: &str, what: &str) {
    let m = b
        .js_with(
            "const t = document.querySelector(arguments[0]);
             const w = t.closest('.table-wrap') || t.parentElement;
             const cut = [...t.querySelectorAll('th, td')]
               .filter((c) => c.getBoundingClientRect().right > w.getBoundingClientRect().right + 0.5)
               .map((c) => c.innerText.trim().slice(0, 20));
             return [w.scrollWidth, w.clientWidth, cut.slice(0, 6)];",
            vec![json!(table)],
        )
        .await;
    assert!(
        m[0].as_f64() <= m[1].as_f64(),
        "{what} table must be scrolled sideways at {}×{} (scrollWidth {} > clientWidth {}); cut off: {}",
        b.viewport.0,
        b.viewport.1,
        m[0],
        m[1],
        m[2]
    );
}

/// A rate as a page shows it ("87.3%"), as a number.
fn percent(text: &str) -> f64 {
    text.trim()
        .strip_suffix('%')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("«{text}» is not a rate"))
}

/// Publishes (or re-issues) the quarter of `hall-visit` through the
/// publish form with a 7-day appeal window, and waits for the reloaded
/// page to list `versions` publications.
async fn publish_quarter(b: &Browser, versions: usize) {
    b.select("#publish-form select[name=checklist]", "hall-visit")
        .await;
    b.select("#publish-form select[name=period]", QUARTER).await;
    b.fill("#publish-form input[name=appeal_days]", "7").await;
    b.shot(&format!("publish-form-v{versions}")).await;
    b.click("#publish-form button[type=submit]").await;
    b.wait_js(
        &format!(
            "location.pathname === '/appeals' && document.readyState === 'complete'
               && document.querySelectorAll('#publications tbody tr').length === {versions}"
        ),
        WAIT,
        &format!("the publications table to list {versions} version(s)"),
    )
    .await;
}

/// The appeals page's row of one appeal, cell by cell (none when the
/// reader does not see it).
async fn appeal_row(b: &Browser, id: &str) -> Option<Vec<String>> {
    let row = b
        .js_with(
            "const tr = document.querySelector(`#appeals-table tr[data-appeal=\"${arguments[0]}\"]`);
             return tr ? [...tr.cells].map((c) => c.innerText.trim()) : null;",
            vec![json!(id)],
        )
        .await;
    serde_json::from_value(row).expect("a row or null")
}

async fn open_appeals(b: &Browser) {
    b.goto("/appeals").await;
    b.wait_js(
        "location.pathname === '/appeals' && document.getElementById('appeals-table')",
        WAIT,
        "the appeals page",
    )
    .await;
}

/// The hall page's rate and rank (its score line).
async fn hall_standing(b: &Browser, hall: &str) -> (f64, String) {
    if b.path().await != format!("/halls/{hall}") {
        b.goto(&format!("/halls/{hall}")).await;
    }
    b.wait_js(
        &format!("location.pathname === '/halls/{hall}' && document.getElementById('unit-rate')"),
        WAIT,
        "the hall page",
    )
    .await;
    let line = b
        .js("return [document.getElementById('unit-rate').textContent,
                     document.querySelector('.score-line div:nth-child(2) strong').textContent];")
        .await;
    (
        percent(line[0].as_str().unwrap_or_default()),
        line[1].as_str().unwrap_or_default().trim().to_string(),
    )
}

/// A visit the reader may appeal with an answer of 否, looked for through
/// the 西平 halls' pages (their lists of this quarter's visits): the hall,
/// the visit's page and the item.
async fn failed_answer(b: &Browser) -> (String, String, String) {
    for hall in ["XP001", "XP002", "XP003"] {
        hall_standing(b, hall).await;
        let links = b
            .js("const card = [...document.querySelectorAll('section.card')]
                   .find((s) => s.querySelector('h2')?.textContent === '本期暗访');
                 return card ? [...card.querySelectorAll('tbody a')].map((a) => a.pathname) : [];")
            .await;
        let links: Vec<String> = serde_json::from_value(links).expect("visit links");
        assert!(
            !links.is_empty(),
            "{hall}'s page lists this quarter's visits"
        );
        for link in links {
            b.goto(&link).await;
            b.wait_js(
                "document.getElementById('visit-rate')",
                WAIT,
                "the visit page",
            )
            .await;
            let appealable = b
                .js("return document.getElementById('appeal') !== null")
                .await;
            assert_eq!(
                appealable,
                json!(true),
                "{link}, a visit of the published quarter, has the appeal form"
            );
            let item = b
                .js(
                    "const tr = [...document.querySelectorAll('#answers tbody tr')]
                       .find((tr) => tr.cells[2].textContent.trim() === '否');
                     return tr ? tr.dataset.code : null;",
                )
                .await;
            if let Some(item) = item.as_str() {
                return (hall.to_string(), link, item.to_string());
            }
        }
    }
    panic!("no visit of 西平 in {QUARTER} has an answer of 否 to appeal");
}

/// Issue 6 (appeals), at a laptop and a tablet size: the admin publishes
/// the demo's latest quarter; the district manager of 西平 contests a 否
/// on one of their visits (with a reason and a photo); the appeal is 待处理
/// for them and for the admin, absent for the manager of 泌阳 and present
/// for the city manager; the admin accepts it; the manager sees 已采纳, the
/// visit's answer is now 是 and its rate and the hall's went up; the admin
/// re-issues the quarter as version 2 with one change, and the ranking
/// workbook downloaded in the browser says so on its 说明 sheet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appeal_from_filing_to_acceptance_and_the_reissued_ranking() {
    for (name, viewport) in [("appeal-1366x900", LAPTOP), ("appeal-768x1024", TABLET)] {
        let ws = demo_workspace();
        // Added with the real binary before the server starts.
        ws.add_user("biyang", "manager", Some("district:泌阳"), PASSWORD);
        let db = ws.db();
        let photo = ws.path("appeal-photo.jpg");
        let mut server = TestApp::spawn(&db).await;
        let photos = server.photos();
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(240),
            move |b| async move { appeal_flow(b, db, photo, photos).await },
        )
        .await;
        server.stop().await;
    }
}

/// The appeal from filing to the reissued ranking; `photos` is the folder
/// where the server keeps uploaded photos.
async fn appeal_flow(
    b: Browser,
    db: String,
    photo: std::path::PathBuf,
    photos: std::path::PathBuf,
) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);

    // The admin publishes the quarter with a 7-day appeal window.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_appeals(&b).await;
    assert!(
        b.table_rows("#publications").await.is_empty(),
        "nothing is published yet"
    );
    b.shot("appeals-admin-empty").await;
    b.assert_no_horizontal_scroll("/appeals (admin)").await;
    make_jpeg(&b, &photo).await;
    publish_quarter(&b, 1).await;
    let published = b.table_rows("#publications").await;
    assert_eq!(published.len(), 1, "{published:?}");
    let v1 = &published[0];
    assert_eq!(
        (
            v1[0].as_str(),
            v1[1].as_str(),
            v1[2].as_str(),
            v1[4].as_str()
        ),
        ("hall-visit", QUARTER, "1", "admin"),
        "version 1 is listed: {v1:?}"
    );
    assert_eq!(v1[5], "7 天;变更 0 项", "{v1:?}");
    b.shot("published-v1").await;
    b.assert_no_horizontal_scroll("/appeals (published)").await;
    b.sign_out().await;

    // The manager of 西平 finds a 否 on one of their visits and appeals it.
    b.sign_in("xiping", PASSWORD).await;
    b.wait_js(
        "location.pathname === '/dashboard' && document.getElementById('hall-table')",
        WAIT,
        "the dashboard",
    )
    .await;
    b.click("#hall-table tr[data-code=XP001] a").await;
    let (hall, visit_page, item) = failed_answer(&b).await;
    let visit = visit_page
        .strip_prefix("/visits/")
        .expect("a visit page")
        .to_string();
    let rate_before = percent(&b.text("#visit-rate").await);
    b.shot("visit-before-appeal").await;
    b.assert_no_horizontal_scroll("/visits/… (appealable)")
        .await;
    let (hall_rate_before, hall_rank_before) = hall_standing(&b, &hall).await;
    b.goto(&visit_page).await;
    b.find("#appeal").await;
    b.select("#appeal select[name=item]", &item).await;
    let chosen = b
        .js("const s = document.querySelector('#appeal select[name=item]'); return s.options[s.selectedIndex].text;")
        .await;
    assert!(
        chosen
            .as_str()
            .is_some_and(|t| t.starts_with(&item) && t.contains("现为 否")),
        "the item list shows the current answer: {chosen}"
    );
    b.select("#appeal select[name=requested]", "是").await;
    let reason = format!("{item} 当天已整改到位,暗访员记录有误,附现场照片");
    b.type_into("#appeal textarea[name=reason]", &reason).await;
    b.find("#appeal input[name=photo]")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the appeal's photo");
    b.js("document.getElementById('appeal').scrollIntoView({block: 'center'})")
        .await;
    b.shot("appeal-form-filled").await;
    b.assert_no_horizontal_scroll("/visits/… (appeal form)")
        .await;
    b.click("#appeal button[type=submit]").await;
    let id = b
        .wait_js(
            "location.pathname === '/appeals'
               && document.querySelector('#appeals-table tr[data-appeal]')?.dataset.appeal",
            WAIT,
            "the filed appeal on the appeals page",
        )
        .await;
    let id = id.as_str().expect("the appeal's id").to_string();
    let row = appeal_row(&b, &id)
        .await
        .expect("the manager sees the appeal");
    assert!(
        row[1].contains(&hall) && row[3] == item && row[4].starts_with('是'),
        "the row names the hall, the item and the requested answer: {row:?}"
    );
    assert_eq!(row[5], reason);
    assert!(row[6].starts_with("xiping"), "filed by xiping: {row:?}");
    assert!(row[7].starts_with("待处理"), "open: {row:?}");
    b.shot("appeal-filed-xiping").await;
    assert_table_fits(&b, "#appeals-table", "the appeals (manager)").await;
    b.assert_no_horizontal_scroll("/appeals (manager)").await;
    {
        let files = Sql::open(&db).rows(
            "SELECT file FROM photos WHERE visit_id = ?1",
            &[format!("appeal-{id}").into()],
        );
        assert_eq!(files.len(), 1, "the appeal's photo is kept: {files:?}");
        let stored = photos.join(&files[0][0]);
        let bytes = std::fs::read(&stored).expect("the appeal photo's file");
        assert_eq!(
            bytes,
            std::fs::read(&photo).expect("the photo sent"),
            "the photo stored is the one chosen"
        );
    }
    b.sign_out().await;

    // The manager of 泌阳 does not see it, nor the visit; the city's does.
    b.sign_in("biyang", PASSWORD).await;
    open_appeals(&b).await;
    assert_eq!(appeal_row(&b, &id).await, None, "outside 泌阳's scope");
    let page = b.text("main").await;
    assert!(
        !page.contains(&reason) && !page.contains(&visit),
        "nothing of the 西平 appeal shows for 泌阳: {page}"
    );
    assert_eq!(b.fetch_status(&visit_page).await, 404);
    b.shot("appeals-biyang").await;
    b.sign_out().await;
    b.sign_in("zhumadian", PASSWORD).await;
    open_appeals(&b).await;
    let row = appeal_row(&b, &id).await;
    assert!(
        row.as_ref().is_some_and(|r| r[7].starts_with("待处理")),
        "the city manager of 驻马店 sees the open appeal: {row:?}"
    );
    b.sign_out().await;

    // The admin accepts it.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_appeals(&b).await;
    let row = appeal_row(&b, &id)
        .await
        .expect("the admin sees the appeal");
    assert!(row[7].starts_with("待处理"), "open: {row:?}");
    let accept = format!("#appeals-table tr[data-appeal=\"{id}\"] button[value=accept]");
    assert_eq!(b.text(&accept).await, "采纳");
    b.shot("appeal-open-admin").await;
    // The decision is in view: no sideways scrolling to reach 采纳, and
    // room to type a reason for 驳回.
    assert_table_fits(&b, "#appeals-table", "the appeals (admin)").await;
    let input = b
        .js_with(
            "return document.querySelector(`#appeals-table tr[data-appeal=\"${arguments[0]}\"] input[name=reason]`)
               .getBoundingClientRect().width;",
            vec![json!(id)],
        )
        .await;
    assert!(
        input.as_f64().unwrap_or(0.0) >= 120.0,
        "the reason box for 驳回 is wide enough to type in: {input}px ({size})"
    );
    b.assert_no_horizontal_scroll("/appeals (admin, an open appeal)")
        .await;
    b.click(&accept).await;
    b.client.accept_alert().await.expect("confirm 采纳");
    b.wait_js(
        &format!(
            "location.pathname === '/appeals' && document.readyState === 'complete'
               && document.querySelector('#appeals-table tr[data-appeal=\"{id}\"]')?.dataset.status === 'accepted'"
        ),
        WAIT,
        "the appeal to be accepted",
    )
    .await;
    let row = appeal_row(&b, &id)
        .await
        .expect("the admin sees the appeal");
    assert!(row[7].starts_with("已采纳"), "accepted: {row:?}");
    assert!(
        row[4].starts_with('是') && row[4].contains("原:否"),
        "the old answer is kept beside the new: {row:?}"
    );
    let buttons = b
        .js_with(
            "return document.querySelectorAll(`#appeals-table tr[data-appeal=\"${arguments[0]}\"] button`).length",
            vec![json!(id)],
        )
        .await;
    assert_eq!(buttons, json!(0), "a decided appeal has no buttons");
    b.shot("appeal-accepted-admin").await;
    b.sign_out().await;

    // The manager sees the outcome, the new answer and the higher rates.
    b.sign_in("xiping", PASSWORD).await;
    open_appeals(&b).await;
    let row = appeal_row(&b, &id)
        .await
        .expect("the manager sees the appeal");
    assert!(row[7].starts_with("已采纳"), "xiping sees 已采纳: {row:?}");
    b.shot("appeal-accepted-xiping").await;
    b.click(&format!(
        "#appeals-table tr[data-appeal=\"{id}\"] a[href=\"{visit_page}\"]"
    ))
    .await;
    b.wait_js(
        &format!("location.pathname === '{visit_page}' && document.getElementById('visit-rate')"),
        WAIT,
        "the appealed visit's page",
    )
    .await;
    let answer = b
        .text(&format!(
            "#answers tr[data-code=\"{item}\"] td:nth-child(3)"
        ))
        .await;
    assert_eq!(answer, "是", "{item} is now 是");
    let rate_after = percent(&b.text("#visit-rate").await);
    assert!(
        rate_after > rate_before,
        "the visit's rate went up: {rate_before}% → {rate_after}% ({size})"
    );
    let history = b.text("main").await;
    assert!(
        history.contains(&format!("申诉 #{id} 采纳")),
        "the visit's history keeps the old answers: {history}"
    );
    b.shot("visit-after-appeal").await;
    let (hall_rate_after, hall_rank_after) = hall_standing(&b, &hall).await;
    assert!(
        hall_rate_after > hall_rate_before,
        "the hall's rate went up: {hall_rate_before}% → {hall_rate_after}%"
    );
    b.sign_out().await;

    // The admin re-issues the quarter: version 2 with one change.
    b.sign_in("admin", ADMIN_PASSWORD).await;
    open_appeals(&b).await;
    publish_quarter(&b, 2).await;
    let published = b.table_rows("#publications").await;
    let v2 = published
        .iter()
        .find(|r| r[2] == "2")
        .unwrap_or_else(|| panic!("version 2 is listed: {published:?}"));
    assert_eq!(
        (v2[0].as_str(), v2[1].as_str(), v2[4].as_str()),
        ("hall-visit", QUARTER, "admin"),
        "{v2:?}"
    );
    assert_eq!(v2[5], "7 天;变更 1 项", "{v2:?}");
    let v1 = published
        .iter()
        .find(|r| r[2] == "1")
        .unwrap_or_else(|| panic!("version 1 is still listed: {published:?}"));
    assert_eq!(v1[5], "7 天;变更 0 项", "{v1:?}");
    b.shot("published-v2").await;
    b.assert_no_horizontal_scroll("/appeals (version 2)").await;

    // The ranking workbook, downloaded with the browser's session.
    let (status, content_type, bytes) = b
        .fetch_bytes(&format!(
            "/exports/rankings.xlsx?period={QUARTER}&checklist=hall-visit"
        ))
        .await;
    assert_eq!(status, 200, "the workbook downloads");
    assert!(
        content_type.contains("spreadsheetml"),
        "an xlsx: {content_type}"
    );
    let sheets = hallscore::formats::read::read_workbook("rankings.xlsx", bytes)
        .expect("a readable workbook");
    let notes = sheets.iter().find(|s| s.name == "说明").unwrap_or_else(|| {
        panic!(
            "a 说明 sheet among {:?}",
            sheets.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    });
    let notes: String = notes
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.display()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(notes.contains("第 2 版,"), "the version: {notes}");
    assert!(notes.contains("第 2 版的变更:"), "{notes}");
    let change = format!("申诉 #{id}:暗访 {visit}(网点 {hall})检查项 {item} 由「否」改为「是」");
    assert!(notes.contains(&change), "«{change}» in: {notes}");
    let ranks = format!("网点 {hall}:名次 {hall_rank_before} → {hall_rank_after}");
    assert!(notes.contains(&ranks), "«{ranks}» in: {notes}");
}

/// A visits file for the demo's checklist with two mistakes: row 2's hall
/// code is not in the roster (column B), row 3's A01 is not a 是/否 answer
/// (column F). Every other cell is a valid answer.
fn visits_with_errors(db: &str) -> String {
    let checklist =
        with_store(db, |store| store.checklist("hall-visit")).expect("the demo's checklist");
    let items: Vec<_> = checklist.items().map(|(_, item)| item).collect();
    assert_eq!(items[0].code, "A01", "A01 is column F");
    let header: Vec<String> = ["暗访编号", "网点编码", "暗访日期", "暗访员", "检查表"]
        .into_iter()
        .map(String::from)
        .chain(items.iter().map(|i| i.code.clone()))
        .collect();
    let answers = |a01: &str| -> Vec<String> {
        items
            .iter()
            .map(|item| match &item.kind {
                _ if item.code == "A01" => a01.to_string(),
                ItemKind::Check { .. } => "是".to_string(),
                ItemKind::Scale => item.points.to_string(),
                ItemKind::Choice { choices } => choices[0].label.clone(),
                ItemKind::Measure { .. } => "5".to_string(),
            })
            .collect()
    };
    let row = |id: &str, hall: &str, a01: &str| {
        [id, hall, "2026-09-21 10:30", "王敏", "hall-visit"]
            .into_iter()
            .map(String::from)
            .chain(answers(a01))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "{}\n{}\n{}\n",
        header.join(","),
        row("UP-1", "ZZ999", "是"),
        row("UP-2", "XP001", "也许")
    )
}

/// A roster with one new hall in 西平.
const NEW_HALL_CSV: &str = "区县,网点编码,网点名称,地市\n西平,XP004,西平新华街营业厅,驻马店\n";

fn table_count(db: &str, table: &str) -> i64 {
    Sql::open(db).i64(&format!("SELECT count(*) FROM {table}"), &[])
}

/// Issue 6 (uploads), at a laptop and a tablet size: the admin uploads a
/// visits file with mistakes and the page lists each with its row, column
/// letter and reason while nothing is stored; then a roster with a new
/// 西平 hall, which the district manager's dashboard then lists, unvisited
/// and unranked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_with_errors_and_without() {
    for (name, viewport) in [("imports-1366x900", LAPTOP), ("imports-768x1024", TABLET)] {
        let ws = demo_workspace();
        let db = ws.db();
        let bad = ws.path("visits-with-errors.csv");
        std::fs::write(&bad, visits_with_errors(&db)).expect("write the visits file");
        let roster = ws.path("new-hall.csv");
        std::fs::write(&roster, NEW_HALL_CSV).expect("write the roster file");
        let mut server = TestApp::spawn(&db).await;
        with_browser(
            name,
            viewport,
            &server.base,
            Duration::from_secs(120),
            move |b| async move { imports_flow(b, db, bad, roster).await },
        )
        .await;
        server.stop().await;
    }
}

async fn imports_flow(b: Browser, db: String, bad: std::path::PathBuf, roster: std::path::PathBuf) {
    let size = format!("{}×{}", b.viewport.0, b.viewport.1);
    b.sign_in("admin", ADMIN_PASSWORD).await;
    b.goto("/admin/imports").await;
    b.wait_js(
        "location.pathname === '/admin/imports' && document.querySelector('form[action=\"/admin/imports/visits\"]')",
        WAIT,
        "the uploads page",
    )
    .await;
    b.shot("imports").await;
    let boxes = b
        .js("return [...document.querySelectorAll('input[type=checkbox]')]
               .map((c) => [c.name, Math.round(c.getBoundingClientRect().width),
                            Math.round(c.getBoundingClientRect().left - c.closest('label').getBoundingClientRect().left)]);")
        .await;
    let boxes: Vec<(String, f64, f64)> = serde_json::from_value(boxes).expect("the checkboxes");
    assert_eq!(boxes.len(), 3, "{boxes:?}");
    for (name, width, left) in &boxes {
        assert!(
            *width <= 30.0 && *left <= 6.0,
            "the {name} checkbox sits at the start of its label, box-sized: {boxes:?} ({size})"
        );
    }
    b.assert_no_horizontal_scroll("/admin/imports").await;

    // A visits file with mistakes: every one listed, nothing stored.
    let (visits_before, branches_before) =
        (table_count(&db, "visits"), table_count(&db, "branches"));
    b.choose_file(
        "form[action='/admin/imports/visits'] input[type=file]",
        &bad,
        "暗访结果-有错.csv",
    )
    .await;
    b.shot("visits-file-chosen").await;
    b.click("form[action='/admin/imports/visits'] button[type=submit]")
        .await;
    b.wait_js(
        "location.pathname === '/admin/imports/visits' && document.getElementById('import-failure')",
        WAIT,
        "the upload's failure",
    )
    .await;
    let failure = b.text("#import-failure").await;
    assert_eq!(
        failure, "暗访结果-有错.csv:共 2 处错误,未写入任何数据",
        "the page says what failed ({size})"
    );
    let problems = b.table_rows("#import-problems").await;
    assert_eq!(problems.len(), 2, "one line per mistake: {problems:?}");
    let (hall, answer) = (&problems[0], &problems[1]);
    assert_eq!(
        (hall[1].as_str(), hall[2].as_str(), hall[4].as_str()),
        ("2", "B", "ZZ999"),
        "the unknown hall: row 2, column B: {hall:?}"
    );
    assert!(hall[3].contains("网点编码"), "{hall:?}");
    assert_eq!(hall[5], "网点编码不在网点名单中(请先导入网点名单)");
    assert_eq!(
        (
            answer[1].as_str(),
            answer[2].as_str(),
            answer[3].as_str(),
            answer[4].as_str()
        ),
        ("3", "F", "A01", "也许"),
        "the bad answer: row 3, column F: {answer:?}"
    );
    assert!(
        answer[5].starts_with("检查项 A01:「也许」不是是/否答案"),
        "{answer:?}"
    );
    assert!(
        b.js("return document.getElementById('import-outcome') === null")
            .await
            == json!(true),
        "no outcome beside the failure"
    );
    b.shot("visits-upload-failed").await;
    assert_table_fits(&b, "#import-problems", "the problems").await;
    b.assert_no_horizontal_scroll("/admin/imports/visits (failure)")
        .await;
    assert_eq!(
        table_count(&db, "visits"),
        visits_before,
        "no visit was stored"
    );
    assert_eq!(table_count(&db, "branches"), branches_before);

    // A valid roster with one new hall, from the failure page's own form.
    b.choose_file(
        "form[action='/admin/imports/roster'] input[type=file]",
        &roster,
        "网点名单-新增.csv",
    )
    .await;
    b.click("form[action='/admin/imports/roster'] button[type=submit]")
        .await;
    b.wait_js(
        "location.pathname === '/admin/imports/roster' && document.getElementById('import-outcome')",
        WAIT,
        "the roster upload's outcome",
    )
    .await;
    let outcome = b.text("#import-outcome").await;
    assert!(
        outcome.starts_with("网点名单「网点名单-新增.csv」") && outcome.contains("新增 1"),
        "one hall added: {outcome}"
    );
    assert!(
        b.js("return document.getElementById('import-failure') === null")
            .await
            == json!(true),
        "no failure beside the outcome"
    );
    b.shot("roster-uploaded").await;
    b.assert_no_horizontal_scroll("/admin/imports/roster (outcome)")
        .await;
    assert_eq!(table_count(&db, "branches"), branches_before + 1);
    assert_eq!(table_count(&db, "visits"), visits_before);
    b.sign_out().await;

    // The manager of 西平 sees the new hall, unvisited and unranked.
    b.sign_in("xiping", PASSWORD).await;
    b.wait_js(
        "location.pathname === '/dashboard' && document.getElementById('hall-table')",
        WAIT,
        "the dashboard",
    )
    .await;
    let halls = b
        .js("return [...document.querySelectorAll('#hall-table tbody tr')].map((tr) => tr.dataset.code).sort();")
        .await;
    assert_eq!(
        halls,
        json!(["XP001", "XP002", "XP003", "XP004"]),
        "the new hall is on 西平's dashboard ({size})"
    );
    let row = b
        .js(
            "const tr = document.querySelector('#hall-table tr[data-code=XP004]');
             return [...tr.cells].map((c) => c.textContent.trim());",
        )
        .await;
    let row: Vec<String> = serde_json::from_value(row).expect("the new hall's cells");
    assert_eq!(row[0], "—", "unranked: {row:?}");
    assert_eq!(row[1], "西平", "{row:?}");
    assert!(row[2].contains("西平新华街营业厅"), "{row:?}");
    assert_eq!(row[3], "0", "unvisited: {row:?}");
    assert_eq!(row[4], "—", "no rate: {row:?}");
    b.js("document.querySelector('#hall-table tr[data-code=XP004]').scrollIntoView({block: 'center'})")
        .await;
    b.shot("dashboard-new-hall").await;
    b.assert_no_horizontal_scroll("/dashboard (new hall)").await;
}
