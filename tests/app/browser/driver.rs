//! A small harness for the browser tests: the real app served in-process
//! from a demo database (the tests' [`TestApp`](crate::helpers::TestApp)), chromedriver started on a free loopback port, and
//! a headless Chromium session at a fixed viewport that saves a screenshot
//! of every step under `target/screenshots/<test>/`.

use std::future::Future;
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::Workspace;

/// How long one wait may take unless a step says otherwise.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long the service worker may take to install and take a page: it
/// fetches the pages it keeps, and the page tries a failed install again
/// after 1, 2, 4, 8 and 16 s.
pub const SERVICE_WORKER: Duration = Duration::from_secs(45);

/// A workspace whose database holds the demo data (halls, visits and the
/// demo accounts), made by the real binary's `demo` command.
pub fn demo_workspace() -> Workspace {
    let ws = Workspace::empty();
    ws.run(&["demo"]).success();
    ws
}

/// chromedriver, started by us on a free port and killed when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    fn start(log: &Path) -> Chromedriver {
        let port = free_port();
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let log_file = std::fs::File::create(log).expect("create the chromedriver log");
        let mut command = Command::new(&program);
        command
            .arg(format!("--port={port}"))
            // Chromium on Linux takes its locale (date inputs, times,
            // Accept-Language) from the environment, not from --lang.
            .env("LANGUAGE", "zh_CN:zh")
            .env("LANG", "zh_CN.UTF-8")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone the log file"))
            .stderr(log_file);
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("could not start {program} (install chromium-driver, see .ci/run): {e}")
        });
        let mut driver = Chromedriver { child, port };
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited with {status}; log:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `POST /session/{id}/chromium/network_conditions`: chromedriver's own
/// command to emulate a network, here used to go offline and back.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"network_conditions": {
            "offline": self.offline,
            "latency": 0,
            "download_throughput": -1,
            "upload_throughput": -1,
        }});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// A browser session at one viewport. Cheap to clone: clones drive the
/// same browser window.
#[derive(Clone)]
pub struct Browser {
    pub client: Client,
    base: Arc<std::sync::Mutex<String>>,
    shots: Arc<Shots>,
    pub viewport: (u32, u32),
}

struct Shots {
    dir: PathBuf,
    count: AtomicUsize,
}

/// Where a test's screenshots go: `target/screenshots/<test>/`.
pub fn screenshot_dir(test: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .to_path_buf();
    target.join("screenshots").join(test)
}

/// Opens headless Chromium at `viewport` (CSS pixels), runs `body` with
/// it, then ends the browser session and chromedriver whatever happened,
/// and fails the test if `body` failed or took longer than `limit`.
pub async fn with_browser<F, Fut>(
    test: &str,
    viewport: (u32, u32),
    base: &str,
    limit: Duration,
    body: F,
) where
    F: FnOnce(Browser) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = screenshot_dir(test);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear old screenshots");
    }
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    let profile = tempfile::tempdir().expect("a temporary browser profile");
    let driver = Chromedriver::start(&dir.join("chromedriver.log"));

    let (width, height) = viewport;
    let mut chrome = json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            format!("--user-data-dir={}", profile.path().display()),
            "--lang=zh-CN",
            format!("--window-size={width},{height}"),
        ],
        "prefs": {"intl.accept_languages": "zh-CN,zh"},
    });
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&binary).exists() {
        chrome["binary"] = json!(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), chrome);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "could not start a Chromium session: {e}\nchromedriver log:\n{}",
                std::fs::read_to_string(dir.join("chromedriver.log")).unwrap_or_default()
            )
        });
    let browser = Browser {
        client: client.clone(),
        base: Arc::new(std::sync::Mutex::new(base.to_string())),
        shots: Arc::new(Shots {
            dir,
            count: AtomicUsize::new(0),
        }),
        viewport,
    };
    let outcome = {
        let browser = browser.clone();
        let task = tokio::spawn(async move {
            browser.fit_viewport().await;
            let language = browser.js("return navigator.language").await;
            assert_eq!(
                language,
                json!("zh-CN"),
                "the browser runs in Simplified Chinese"
            );
            body(browser).await;
        });
        tokio::time::timeout(limit, task).await
    };
    // End the session (Chromium quits) before chromedriver is killed.
    let closed = tokio::time::timeout(Duration::from_secs(20), client.close()).await;
    drop(browser);
    drop(driver);
    drop(profile);
    match outcome {
        Err(_) => panic!("the browser test {test} took longer than {limit:?}"),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("the browser test {test} was cancelled: {e}"),
        Ok(Ok(())) => {}
    }
    closed
        .expect("the browser session closes within 20 s")
        .expect("the browser session closes cleanly");
}

impl Browser {
    /// Makes the page's viewport exactly the requested size.
    async fn fit_viewport(&self) {
        let (width, height) = self.viewport;
        for _ in 0..3 {
            let inner = self
                .js("return [window.innerWidth, window.innerHeight]")
                .await;
            let (w, h) = (
                inner[0].as_u64().unwrap_or(0) as u32,
                inner[1].as_u64().unwrap_or(0) as u32,
            );
            if (w, h) == (width, height) {
                return;
            }
            let (outer_w, outer_h) = self
                .client
                .get_window_size()
                .await
                .expect("the window size");
            let grow = |outer: u64, want: u32, have: u32| {
                u32::try_from((outer as i64 + i64::from(want) - i64::from(have)).max(100))
                    .unwrap_or(want)
            };
            self.client
                .set_window_size(grow(outer_w, width, w), grow(outer_h, height, h))
                .await
                .expect("resize the window");
        }
        let inner = self
            .js("return [window.innerWidth, window.innerHeight]")
            .await;
        panic!("the viewport is {inner}, not {width}×{height}");
    }

    pub fn base(&self) -> String {
        self.base.lock().expect("the base URL").clone()
    }

    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base());
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Saves a screenshot of the viewport as `<nn>-<step>.png`.
    pub async fn shot(&self, step: &str) -> PathBuf {
        let n = self.shots.count.fetch_add(1, Ordering::SeqCst) + 1;
        let png = self.client.screenshot().await.expect("take a screenshot");
        let path = self.shots.dir.join(format!("{n:02}-{step}.png"));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&png))
            .expect("save the screenshot");
        path
    }

    /// Runs a script (a function body: `return …`) in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.js_with(script, Vec::new()).await
    }

    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs an async script: `script` is the body of an async function
    /// whose result is returned.
    pub async fn js_async(&self, script: &str) -> Value {
        let wrapped = format!(
            "const done = arguments[arguments.length - 1];\n\
             (async () => {{ {script} }})().then(done, (e) => done({{__error: String(e)}}));"
        );
        let value = self
            .client
            .execute_async(&wrapped, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"));
        if let Some(error) = value.get("__error") {
            panic!("async script threw {error}\n{script}");
        }
        value
    }

    /// Polls a JavaScript expression until it is truthy and returns its
    /// value; fails after `timeout` saying what was awaited.
    pub async fn wait_js(&self, expression: &str, timeout: Duration, what: &str) -> Value {
        let script = format!("return ({expression});");
        let started = Instant::now();
        let mut last;
        loop {
            match self.client.execute(&script, Vec::new()).await {
                Ok(value) if truthy(&value) => return value,
                Ok(value) => last = value.to_string(),
                // A page being replaced has no script context for a moment.
                Err(e) => last = format!("error: {e}"),
            }
            if started.elapsed() > timeout {
                let path = self.path().await;
                self.shot("timeout").await;
                panic!("waited {timeout:?} for {what} on {path}: `{expression}` was {last}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if started.elapsed() > WAIT => {
                    let path = self.path().await;
                    panic!("no element {css} on {path}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Clicks an element after scrolling it to the middle of the viewport,
    /// as a person would (the form's sticky header covers the top).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        let handle = serde_json::to_value(&element).expect("an element reference");
        self.js_with(
            "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
            vec![handle],
        )
        .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Follows the link `css` as a person would, and waits until another
    /// address has loaded in which the element `ready` is present.
    pub async fn follow(&self, css: &str, ready: &str) {
        let before = self.path().await;
        self.click(css).await;
        self.wait_js(
            &format!(
                "location.pathname + location.search !== {} && document.readyState === 'complete'
                   && document.querySelector({})",
                json!(before),
                json!(ready)
            ),
            WAIT,
            css,
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Signs in through the sign-in form and waits to leave it.
    pub async fn sign_in(&self, name: &str, password: &str) {
        self.goto("/login").await;
        self.type_into("input[name=name]", name).await;
        self.type_into("input[name=password]", password).await;
        self.shot("sign-in").await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.wait_js(
            "location.pathname !== '/login' && document.readyState === 'complete'",
            WAIT,
            "the sign-in to finish",
        )
        .await;
    }

    /// Signs out through the header's sign-out button and waits for the
    /// sign-in page.
    pub async fn sign_out(&self) {
        self.click("form[action='/logout'] button[type=submit]")
            .await;
        self.wait_js(
            "location.pathname === '/login' && document.readyState === 'complete'",
            WAIT,
            "the sign-out to finish",
        )
        .await;
    }

    /// Replaces what a text or number field holds with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Picks the option with `value` in a `<select>`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Chooses a file for a file input, as a person picking it would, and
    /// gives it the name `shown` in the browser. chromedriver refuses paths
    /// outside ASCII unless the system has a UTF-8 locale of the language
    /// (it reports "File not found"), so a file with a Chinese name is
    /// written under an ASCII name and renamed in the page.
    pub async fn choose_file(&self, css: &str, path: &Path, shown: &str) {
        self.find(css)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("choose {} for {css}: {e}", path.display()));
        let renamed = self
            .js_with(
                "const input = document.querySelector(arguments[0]);
                 const file = input.files[0];
                 const list = new DataTransfer();
                 list.items.add(new File([file], arguments[1], {type: file.type, lastModified: file.lastModified}));
                 input.files = list.files;
                 return [input.files.length, input.files[0].name, input.files[0].size];",
                vec![json!(css), json!(shown)],
            )
            .await;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        assert_eq!(
            renamed,
            json!([1, shown, size]),
            "{css} holds the chosen file as {shown}"
        );
    }

    /// A same-origin GET from the page (with its cookies): the status, the
    /// content type and the body's bytes.
    pub async fn fetch_bytes(&self, path: &str) -> (u64, String, Vec<u8>) {
        let path = serde_json::to_string(path).expect("a JSON string");
        let got = self
            .js_async(&format!(
                "const r = await fetch({path}, {{credentials: 'same-origin'}});
                 const bytes = new Uint8Array(await r.arrayBuffer());
                 let hex = '';
                 for (const b of bytes) hex += b.toString(16).padStart(2, '0');
                 return {{status: r.status, type: r.headers.get('content-type') || '', hex}};"
            ))
            .await;
        let hex = got["hex"].as_str().expect("the body as hex");
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("a hex byte"))
            .collect();
        (
            got["status"].as_u64().expect("a status number"),
            got["type"].as_str().unwrap_or_default().to_string(),
            bytes,
        )
    }

    /// The text of every body row of a table, cell by cell.
    pub async fn table_rows(&self, table: &str) -> Vec<Vec<String>> {
        let rows = self
            .js_with(
                "return [...document.querySelectorAll(arguments[0] + ' tbody tr')]
                   .map((tr) => [...tr.cells].map((c) => c.innerText.trim()));",
                vec![json!(table)],
            )
            .await;
        serde_json::from_value(rows).expect("rows of cells")
    }

    /// chromedriver's network emulation: `offline` true cuts the page off.
    pub async fn network_offline(&self, offline: bool) -> Result<Value, String> {
        self.client
            .issue_cmd(NetworkConditions { offline })
            .await
            .map_err(|e| e.to_string())
    }

    /// The HTTP status of a same-origin GET from the page (with its
    /// cookies).
    pub async fn fetch_status(&self, path: &str) -> u64 {
        let path = serde_json::to_string(path).expect("a JSON string");
        self.js_async(&format!(
            "const r = await fetch({path}, {{credentials: 'same-origin'}}); return r.status;"
        ))
        .await
        .as_u64()
        .expect("a status number")
    }

    /// Fails unless the page fits its viewport's width; names the
    /// elements that stick out (those inside a scrolling box such as
    /// `.table-wrap` are allowed to).
    pub async fn assert_no_horizontal_scroll(&self, page: &str) {
        let report = self.js(OVERFLOW_SCRIPT).await;
        let scroll = report["scrollWidth"].as_f64().unwrap_or(f64::MAX);
        let inner = report["innerWidth"].as_f64().unwrap_or(0.0);
        assert!(
            scroll <= inner,
            "{page} scrolls sideways at {}×{}: scrollWidth {scroll} > innerWidth {inner}; \
             elements sticking out: {}",
            self.viewport.0,
            self.viewport.1,
            report["culprits"]
        );
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Measures the page's width and lists the outermost elements that reach
/// past the viewport without a scrolling box around them.
const OVERFLOW_SCRIPT: &str = r#"
const inner = window.innerWidth;
const clipped = (el) => {
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
  }
  return false;
};
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const culprits = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.right <= inner + 0.5 || clipped(el)) continue;
  const parent = el.parentElement;
  if (parent && parent !== document.body && parent.getBoundingClientRect().right > inner + 0.5 && !clipped(parent)) continue;
  culprits.push(name(el) + ' (right ' + Math.round(r.right) + 'px, width ' + Math.round(r.width) + 'px)');
  if (culprits.length >= 8) break;
}
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: inner, culprits};
"#;
