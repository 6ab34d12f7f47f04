//! Real-browser tests: headless Chromium at tablet and laptop sizes,
//! driven through chromedriver, against the real app served from a demo
//! database. Issue 5: the inspector's tablet app never loses a visit, even
//! when the network goes away in the middle. Issue 6: a district manager's
//! dashboards show their own halls, sort, chart, and fit a tablet.
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

mod driver;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hallscore::domain::answer::Answer;
use hallscore::domain::checklist::{Checklist, ItemKind};
use hallscore::domain::scoring::score_visit;
use serde_json::{Value, json};

use driver::{Browser, Server, WAIT, demo_workspace, with_browser};

const TABLET: (u32, u32) = (768, 1024);
const LAPTOP: (u32, u32) = (1366, 768);
const PASSWORD: &str = "hallscore-demo";

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

/// Decodes the visits table's answer blob (one tag byte per item in
/// checklist order: 0 不适用, 1 是, 2 否, 3 number + f64 LE, 4 choice +
/// u16 LE), independently of the store's own decoder.
fn decode_answers(mut bytes: &[u8]) -> Vec<Answer> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        let (answer, rest) = match tag {
            0 => (Answer::NotApplicable, rest),
            1 => (Answer::Pass, rest),
            2 => (Answer::Fail, rest),
            3 => {
                let (v, rest) = rest.split_first_chunk::<8>().expect("a number's 8 bytes");
                (Answer::Number(f64::from_le_bytes(*v)), rest)
            }
            4 => {
                let (v, rest) = rest.split_first_chunk::<2>().expect("a choice's 2 bytes");
                (Answer::Choice(u16::from_le_bytes(*v)), rest)
            }
            other => panic!("unknown answer tag {other}"),
        };
        out.push(answer);
        bytes = rest;
    }
    out
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

fn count(conn: &rusqlite::Connection, sql: &str, id: &str) -> i64 {
    conn.query_row(sql, [id], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
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
    let server = Server::start(&db).await;
    let base = server.base();
    with_browser(
        "inspector-offline-768x1024",
        TABLET,
        &base,
        Duration::from_secs(170),
        move |b| async move { inspector_flow(b, server, db, photo).await },
    )
    .await;
}

async fn inspector_flow(
    b: Browser,
    mut server: Server,
    db: std::path::PathBuf,
    photo: std::path::PathBuf,
) {
    // Sign in: an inspector lands on the hall picker.
    b.sign_in("wangmin", PASSWORD).await;
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
        Duration::from_secs(20),
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
    b.click("#halls a[data-start=XP001]").await;
    let id = b
        .wait_js(
            "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'
               && new URLSearchParams(location.search).get('id')",
            WAIT,
            "the visit form",
        )
        .await;
    let id = id.as_str().expect("the visit id").to_string();
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
        let conn = rusqlite::Connection::open(&db).expect("open the database");
        assert_eq!(
            count(&conn, "SELECT count(*) FROM drafts WHERE id = ?1", &id),
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
        let conn = rusqlite::Connection::open(&db).expect("open the database");
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM visits WHERE visit_id = ?1",
                &id
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

    check_stored_visit(&db, &id, &given, item_note, notes);

    second_visit_while_server_is_down(&b, &mut server, &db, &id).await;
}

/// The other way a visit gets stuck: the tablet stays online (Wi-Fi up,
/// `navigator.onLine` true, no `online` event to come) while the server is
/// unreachable. The page's 15-second retry must send the queued visit once
/// the server is back.
async fn second_visit_while_server_is_down(
    b: &Browser,
    server: &mut Server,
    db: &Path,
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
    b.click("#halls a[data-start=XP002]").await;
    let id = b
        .wait_js(
            "location.pathname === '/inspect/visit' && document.getElementById('progress-total').textContent !== '0'
               && new URLSearchParams(location.search).get('id')",
            WAIT,
            "the second visit's form",
        )
        .await;
    let id = id.as_str().expect("the visit id").to_string();
    assert_ne!(id, first, "a new visit gets a new id");
    for step in ["take", "call", "done"] {
        b.click(&format!("button[data-stopwatch={step}]")).await;
    }
    let mut given = BTreeMap::new();
    answer_sections(b, &["A", "B", "C", "D", "E", "F", "G"], &mut given).await;
    assert_eq!(progress(b).await, (53, 53));

    server.stop().await;
    assert_eq!(b.js("return navigator.onLine").await, json!(true));
    b.click("#to-review").await;
    b.wait_js(
        "!document.getElementById('review').hidden && !document.getElementById('submit').disabled",
        WAIT,
        "the review with nothing missing",
    )
    .await;
    b.click("#submit").await;
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
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let branch: String = conn
        .query_row(
            "SELECT b.code FROM visits v JOIN branches b ON b.id = v.branch_id WHERE v.visit_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .expect("the second visit is stored");
    assert_eq!(branch, "XP002");
    for visit in [first, id.as_str()] {
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM visits WHERE visit_id = ?1",
                visit
            ),
            1,
            "exactly one visit {visit}"
        );
    }
}

/// A visit's row as stored.
struct StoredVisit {
    branch: String,
    inspector: Option<String>,
    notes: Option<String>,
    item_notes: Option<String>,
    answers: Vec<u8>,
    checklist_id: String,
    version: u32,
}

/// The database holds exactly one visit with that id, with every answer,
/// the notes and the photos.
fn check_stored_visit(
    db: &Path,
    id: &str,
    given: &BTreeMap<String, Given>,
    item_note: &str,
    notes: &str,
) {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    assert_eq!(
        count(&conn, "SELECT count(*) FROM visits WHERE visit_id = ?1", id),
        1,
        "exactly one visit with the id"
    );
    let row = conn
        .query_row(
            "SELECT b.code, v.inspector, v.notes, v.item_notes, v.answers, v.checklist_id,
                    v.checklist_version
               FROM visits v JOIN branches b ON b.id = v.branch_id
              WHERE v.visit_id = ?1",
            [id],
            |r| {
                Ok(StoredVisit {
                    branch: r.get(0)?,
                    inspector: r.get(1)?,
                    notes: r.get(2)?,
                    item_notes: r.get(3)?,
                    answers: r.get(4)?,
                    checklist_id: r.get(5)?,
                    version: r.get(6)?,
                })
            },
        )
        .expect("the stored visit");
    let StoredVisit {
        branch,
        inspector,
        notes: stored_notes,
        item_notes,
        answers: blob,
        checklist_id,
        version,
    } = row;
    assert_eq!(branch, "XP001");
    assert_eq!(inspector.as_deref(), Some("wangmin"));
    assert_eq!(stored_notes.as_deref(), Some(notes));
    let item_notes: Value =
        serde_json::from_str(item_notes.as_deref().expect("item notes are stored")).expect("JSON");
    assert_eq!(item_notes, json!({"A02": item_note}));

    let checklist = hallscore::storage::Store::open(db)
        .expect("open the store")
        .checklist_version(&checklist_id, version)
        .expect("the visit's checklist");
    assert_eq!(checklist.id, "hall-visit");
    let answers = decode_answers(&blob);
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

    let photos: Vec<(Option<String>, String, i64)> = conn
        .prepare("SELECT item_code, file, size FROM photos WHERE visit_id = ?1 ORDER BY item_code")
        .and_then(|mut s| {
            s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("the visit's photos");
    assert_eq!(
        photos.len(),
        2,
        "the item photo and the visit photo: {photos:?}"
    );
    assert_eq!(
        photos.iter().map(|p| p.0.as_deref()).collect::<Vec<_>>(),
        [None, Some("A02")]
    );
    let folder = db.parent().expect("the database folder").join("photos");
    for (_, file, size) in &photos {
        let bytes =
            std::fs::read(folder.join(file)).expect("the photo file is beside the database");
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{file} is a JPEG");
        assert_eq!(bytes.len() as i64, *size);
    }
    assert_eq!(
        count(&conn, "SELECT count(*) FROM drafts WHERE id = ?1", id),
        0,
        "the draft is gone once the visit is in"
    );
}

/// A visit id of a county, from the demo database.
fn visit_of(db: &Path, county: &str) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.query_row(
        "SELECT v.visit_id FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN districts d ON d.id = b.district_id
          WHERE d.name = ?1 ORDER BY v.visited_at DESC LIMIT 1",
        [county],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("a visit of {county}: {e}"))
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
    let server = Server::start(&db).await;
    for (name, viewport) in [
        ("dashboard-1366x768", LAPTOP),
        ("dashboard-768x1024", TABLET),
    ] {
        let (own, other) = (own.clone(), other.clone());
        with_browser(
            name,
            viewport,
            &server.base(),
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
    // The hall table by rank, descending then ascending.
    let rank_header = "#hall-table thead th:nth-child(1)";
    b.click(rank_header).await;
    b.click(rank_header).await;
    b.wait_js(
        "document.querySelector('#hall-table thead th:nth-child(1)').dataset.sort === 'desc'",
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
