//! The one way tests start the web application: [`TestApp`], serving a
//! database on a free loopback port, with request helpers for anonymous
//! callers, API tokens and browser-like clients signed in as a role.
//!
//! It runs in this process (and can be stopped and served again on the same
//! port, as the offline browser tests need), or as the real `hallscore serve`
//! process when a test must kill it, run it under another user or a size
//! limit, or read what it logs.

use std::io::{BufRead as _, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Workspace, attribute_after};

/// The web application serving one database on a loopback port; stopped
/// (or killed) when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    port: u16,
    /// What `--db` takes.
    db: String,
    /// Where the app in this process keeps uploaded photos.
    photos: Option<PathBuf>,
    /// A folder of this app's own for its photos, when its database is not
    /// a file to keep them beside (PostgreSQL).
    photo_dir: Option<tempfile::TempDir>,
    running: Running,
}

enum Running {
    InProcess {
        stop: oneshot::Sender<()>,
        task: JoinHandle<std::io::Result<()>>,
    },
    Process {
        child: Child,
        /// The threads copying its standard output and error.
        readers: Vec<ThreadHandle<String>>,
    },
    Stopped,
}

impl TestApp {
    /// Serves `db` (what `--db` takes) in this process.
    pub async fn spawn(db: &str) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("the bound address").port();
        let mut app = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            port,
            db: db.to_string(),
            photos: None,
            photo_dir: None,
            running: Running::Stopped,
        };
        app.serve(listener);
        app
    }

    /// Runs the real binary, `hallscore --db <db> serve`, behind the command
    /// prefix `wrapper` (such as `setpriv …` or `prlimit …`, empty for none)
    /// and with the extra environment `env`. Waits until it announces its
    /// address.
    pub fn spawn_binary(ws: &Workspace, wrapper: &[&str], env: &[(&str, &str)]) -> TestApp {
        let binary = env!("CARGO_BIN_EXE_hallscore");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        let mut child = command
            .arg("--db")
            .arg(ws.db())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .current_dir(ws.dir.path())
            .env_remove("HALLSCORE_DB")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hallscore serve");
        let (found, address) = mpsc::channel();
        let stdout = child.stdout.take().expect("its standard output");
        let stderr = child.stderr.take().expect("its standard error");
        let readers = vec![copy_lines(stdout, Some(found)), copy_lines(stderr, None)];
        let base: String = address
            .recv_timeout(Duration::from_secs(20))
            .expect("the server announces its address within 20 s");
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("a port in {base}"));
        TestApp {
            base,
            port,
            db: ws.db(),
            photos: None,
            photo_dir: None,
            running: Running::Process { child, readers },
        }
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (stop, stopped) = oneshot::channel::<()>();
        let location: hallscore::storage::Location = self
            .db
            .parse()
            .unwrap_or_else(|e| panic!("--db {}: {e}", self.db));
        let on_server = location.file().is_none();
        let mut state = hallscore::web::AppState::new(location, false);
        if on_server && self.photo_dir.is_none() {
            self.photo_dir = Some(tempfile::tempdir().expect("a photo folder"));
        }
        if let Some(dir) = &self.photo_dir {
            state.photos = dir.path().to_path_buf();
        }
        self.photos = Some(state.photos.clone());
        let task = tokio::spawn(hallscore::web::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        self.running = Running::InProcess { stop, task };
    }

    /// Stops serving (gracefully) and waits until the port refuses
    /// connections, so a browser's requests really fail.
    pub async fn stop(&mut self) {
        let Running::InProcess { stop, task } =
            std::mem::replace(&mut self.running, Running::Stopped)
        else {
            panic!("stop() is for an app running in this process");
        };
        stop.send(())
            .expect("the server is listening for its shutdown");
        tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("the server stops within 15 s of its shutdown signal")
            .expect("the server task did not panic")
            .expect("the server ran without an I/O error");
        let address: SocketAddr = ([127, 0, 0, 1], self.port).into();
        assert!(
            TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_err(),
            "nothing listens on port {} after the server stopped",
            self.port
        );
    }

    /// Serves again on the same port (retrying the bind for a while).
    pub async fn restart(&mut self) {
        assert!(
            matches!(self.running, Running::Stopped),
            "the server is stopped"
        );
        let started = Instant::now();
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    eprintln!("rebinding port {}: {e}; retrying", self.port);
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("could not rebind port {} within 20 s: {e}", self.port),
            }
        };
        self.serve(listener);
    }

    /// SIGKILL to the `hallscore serve` process (no shutdown, no flush);
    /// returns everything it printed.
    pub fn kill(mut self) -> String {
        let Running::Process { mut child, readers } =
            std::mem::replace(&mut self.running, Running::Stopped)
        else {
            panic!("kill() is for an app started with spawn_binary");
        };
        child.kill().expect("kill -9");
        let _ = child.wait();
        readers
            .into_iter()
            .map(|reader| reader.join().expect("the output reader"))
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The folder where the app keeps uploaded photos, as the app itself
    /// chose it for its database.
    pub fn photos(&self) -> PathBuf {
        self.photos
            .clone()
            .expect("photos() is for an app started in this process")
    }

    /// A browser-like session (it keeps cookies), not signed in.
    pub fn session(&self) -> Session {
        Session {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("a client"),
            csrf: String::new(),
            base: self.base.clone(),
        }
    }

    /// `GET path` with an API token: the status and the JSON answer (null
    /// when there is none).
    pub async fn get_json(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let request = reqwest::Client::new().get(self.url(path));
        let response = send(request.bearer_auth(token), &format!("GET {path}")).await;
        status_and_json(response).await
    }

    /// `POST path` with a JSON body and an API token: the status and the
    /// JSON answer (null when there is none).
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let request = reqwest::Client::new().post(self.url(path)).json(body);
        let response = send(request.bearer_auth(token), &format!("POST {path}")).await;
        status_and_json(response).await
    }

    /// Signs in as a bare client does: no cookie store and no redirect
    /// followed, sending `cookie` (if any) with both the sign-in page's
    /// request and the form. The answer is the sign-in's own, so a test sees
    /// exactly which cookies it sets.
    pub async fn bare_sign_in(
        &self,
        cookie: Option<&str>,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let mut request = client.get(self.url("/login"));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let page = send(request, "GET /login").await;
        let form_cookie = format!(
            "login_csrf={}",
            cookie_set(&page, "login_csrf").expect("the sign-in form's cookie")
        );
        let page = page.text().await.expect("the sign-in page");
        let csrf = attribute_after(&page, "name=\"csrf\" value=\"");
        let cookies = match cookie {
            Some(cookie) => format!("{cookie}; {form_cookie}"),
            None => form_cookie,
        };
        let request = client
            .post(self.url("/login"))
            .header("Cookie", cookies)
            .form(&[("name", name), ("password", password), ("csrf", &csrf)]);
        send(request, "POST /login").await
    }

    /// A browser-like session signed in through the sign-in page.
    pub async fn sign_in(&self, name: &str, password: &str) -> Session {
        let mut session = self.session();
        session.sign_in(name, password).await;
        session
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::InProcess { stop, .. } => {
                let _ = stop.send(());
            }
            Running::Process { mut child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Running::Stopped => {}
        }
    }
}

/// Copies a stream's lines into a string on a thread; sends the first
/// `http://host:port` it sees to `address`.
fn copy_lines(
    stream: impl Read + Send + 'static,
    address: Option<mpsc::Sender<String>>,
) -> ThreadHandle<String> {
    std::thread::spawn(move || {
        let mut copy = String::new();
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(sender), Some(start)) = (&address, line.find("http://")) {
                let rest = &line[start + "http://".len()..];
                let host = rest.split(['/', ' ']).next().unwrap_or_default();
                let _ = sender.send(format!("http://{host}"));
            }
            copy.push_str(&line);
            copy.push('\n');
        }
        copy
    })
}

async fn status_and_json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn status_and_text(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.expect("the answer's text"))
}

/// A browser-like client (it keeps cookies) and, once signed in, the
/// page's CSRF token: pages' forms carry it as a `csrf` field, API calls as
/// the `X-CSRF-Token` header.
#[derive(Clone)]
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    base: String,
}

impl Session {
    /// Fills in and sends the sign-in form: the answer, whatever it is.
    pub async fn attempt_sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        let (_, page) = self.get_text("/login").await;
        let token = attribute_after(&page, "name=\"csrf\" value=\"");
        self.client
            .post(self.url("/login"))
            .form(&[
                ("name", name),
                ("password", password),
                ("csrf", token.as_str()),
            ])
            .send()
            .await
            .expect("sign in")
    }

    /// Signs in, in the language chosen so far, and keeps the CSRF token.
    pub async fn sign_in(&mut self, name: &str, password: &str) {
        let response = self.attempt_sign_in(name, password).await;
        let home = response.text().await.expect("text");
        self.csrf = attribute_after(&home, "name=\"csrf-token\" content=\"");
        assert!(!self.csrf.is_empty(), "signed in as {name}: {home}");
    }

    /// The same session (its cookies and token) sent to another server
    /// of the same database, as a load balancer may send it.
    pub fn on(&self, app: &TestApp) -> Session {
        Session {
            base: app.base.clone(),
            ..self.clone()
        }
    }

    /// The same session sending another CSRF token (a forged form).
    pub fn with_csrf(&self, csrf: &str) -> Session {
        Session {
            csrf: csrf.to_string(),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        send(self.client.get(self.url(path)), &format!("GET {path}")).await
    }

    /// The status and text of `GET path`.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        status_and_text(self.get(path).await).await
    }

    /// The bytes of a file downloaded with `GET path`, which must answer 200.
    pub async fn download(&self, path: &str) -> Vec<u8> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.bytes().await.expect("the file").to_vec()
    }

    /// The JSON answer to `GET path` (null when there is none).
    pub async fn get_json(&self, path: &str) -> Value {
        status_and_json(self.get(path).await).await.1
    }

    /// An API write: `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// An API write: `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let what = format!("{method} {path}");
        let response = send(self.write(method, path).json(body), &what).await;
        status_and_json(response).await
    }

    /// A page's form: `POST path` with the fields and the CSRF field.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        send(
            self.write(reqwest::Method::POST, path).form(&form),
            &format!("POST {path}"),
        )
        .await
    }

    /// A multipart `POST path`: the CSRF token (as a field and as the
    /// header, so pages and the API both take it), the fields, and a file
    /// if there is one (`(file name, bytes)`, sent as the `file` field).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new().text("csrf", self.csrf.clone());
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        let request = self.write(reqwest::Method::POST, path).multipart(form);
        status_and_text(send(request, &format!("POST {path}")).await).await
    }

    /// A request that may change something: to `path`, with the CSRF
    /// header (pages' forms add the field too).
    fn write(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }
}

/// The value of the cookie `name` that a response sets, if it sets one.
pub fn cookie_set(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_string())
}

/// Sends a request; a failure to get any answer at all fails the test.
async fn send(request: reqwest::RequestBuilder, what: &str) -> reqwest::Response {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}
