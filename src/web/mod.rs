//! The web application: the inspectors' tablet app, the managers' and
//! headquarters' pages, and the JSON API. Handlers only parse requests,
//! call the core or the store, and render.

mod admin;
mod api;
mod appeals;
mod assets;
mod auth;
mod charts;
mod dashboard;
mod error;
mod extract;
mod hall_search;
pub mod i18n;
mod inspect;
mod pages;
mod plans;
mod session;
mod upload;
mod visit_page;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::Error;

use crate::storage::{self, Store};

/// The most a JSON or form request may carry.
pub const MAX_BODY: usize = 1024 * 1024;
/// The most a spreadsheet upload may carry: a year of national visits as
/// .xlsx is about 40 MB.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;
/// The most a photo upload may carry (the tablet resizes before sending).
pub const MAX_PHOTO: usize = 5 * 1024 * 1024;

/// The server's connections checkpoint the write-ahead log themselves only
/// when it has grown this long (200 MB); otherwise a background task does
/// it every [`CHECKPOINT_EVERY`], off the writers' path. The log starts
/// over only once a writer finds it all copied and no reader in it, which
/// steady reading and writing seldom allow: then the writer checkpoints,
/// pausing every write for some 30 ms. At 1,500 submissions a second (about
/// nine pages each) that is every four seconds, where 40 MB made it every
/// 0.7 s and so the slowest percent of submissions; the log file keeps
/// its largest size on disk.
const WAL_PAGES: u32 = 50_000;
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// How many idle connections the pool keeps. Opening one costs more than a
/// request (the schema is checked), so there are enough for every request
/// in flight under load.
const IDLE_CONNECTIONS: usize = 64;

/// A write for the thread that writes, with that thread's connection.
type Write = Box<dyn FnOnce(&mut Store) + Send>;

/// SQLite connections for blocking tasks: rusqlite's connection is not
/// `Sync`, so each task borrows one on a blocking thread and gives it back.
#[derive(Clone)]
pub struct Db {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Store>>>,
    /// The queue of the thread that writes (see [`Db::exclusive`]), started
    /// by the first write.
    writes: Arc<Mutex<Option<mpsc::Sender<Write>>>>,
}

impl Db {
    pub fn new(path: PathBuf) -> Db {
        Db {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
            writes: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `work` (a write, from a blocking thread) on the one thread that
    /// writes, with its own connection, and waits for it. SQLite takes one
    /// writer at a time: writes queue here, first come first served,
    /// instead of in SQLite's busy handler, which sleeps in steps of
    /// milliseconds, and the thread goes from one to the next without
    /// waiting to be woken for each, however busy the processors are. Its
    /// connection also keeps what it read, where a connection forgets its
    /// cached pages whenever another one wrote.
    pub fn exclusive<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (done, outcome) = mpsc::sync_channel(1);
        let write: Write = Box::new(move |store| {
            // Nobody to tell if the one who asked is gone.
            let _ = done.send(work(store));
        });
        self.writer()?
            .send(write)
            .map_err(|_| Error::internal("写入线程已停止"))?;
        outcome
            .recv()
            .map_err(|_| Error::internal("写入任务失败"))?
    }

    /// The queue of the thread that writes, started with its connection if
    /// it is not running yet.
    fn writer(&self) -> Result<mpsc::Sender<Write>, Error> {
        let mut writes = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(queue) = &*writes {
            return Ok(queue.clone());
        }
        let mut store = self.open()?;
        let (queue, received) = mpsc::channel::<Write>();
        std::thread::Builder::new()
            .name("hallscore-writer".into())
            .spawn(move || {
                for write in received {
                    // A write that panics fails alone: its transaction is
                    // rolled back, the one who asked is told, the thread
                    // goes on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| write(&mut store)));
                }
            })
            .map_err(Error::internal)?;
        Ok(writes.insert(queue).clone())
    }

    /// A new connection for the server.
    fn open(&self) -> Result<Store, storage::Error> {
        let store = Store::open(&self.path)?;
        store.defer_checkpoints(WAL_PAGES)?;
        Ok(store)
    }

    /// Runs `work` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let taken = db.idle.lock().ok().and_then(|mut idle| idle.pop());
            let mut store = match taken {
                Some(store) => store,
                None => db.open()?,
            };
            let out = work(&mut store);
            if let Ok(mut idle) = db.idle.lock()
                && idle.len() < IDLE_CONNECTIONS
            {
                idle.push(store);
            }
            out
        })
        .await
        .map_err(|e| Error::internal(format!("后台任务失败:{e}")))?
    }
}

impl From<storage::Error> for Error {
    fn from(e: storage::Error) -> Error {
        Error::from_storage(e)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where uploaded photos are kept: beside the database.
    pub photos: PathBuf,
    pub throttle: Arc<auth::Throttle>,
    /// Mark cookies `Secure` (set when served over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// The analyses of recent requests, brought up to date on every use.
    pub analyses: Arc<crate::app::report::AnalysisCache>,
}

impl AppState {
    pub fn new(db_path: PathBuf, secure_cookies: bool) -> AppState {
        let photos = db_path
            .parent()
            .map(|p| p.join("photos"))
            .unwrap_or_else(|| PathBuf::from("photos"));
        AppState {
            db: Db::new(db_path),
            photos,
            throttle: Arc::new(auth::Throttle::default()),
            secure_cookies,
            analyses: Arc::default(),
        }
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/visits", post(api::submit_visit))
        .route("/visits/preview", post(api::preview_visit))
        .route("/visits/{id}", get(api::get_visit))
        .route(
            "/drafts/{id}",
            get(api::get_draft)
                .put(api::save_draft)
                .delete(api::delete_draft),
        )
        .route(
            "/photos",
            post(api::upload_photo).layer(DefaultBodyLimit::max(MAX_PHOTO)),
        )
        .route("/reports/rankings", get(api::rankings))
        .route("/reports/shortboards", get(api::shortboards))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found);
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{lang}", get(session::switch_language))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/halls/{code}", get(dashboard::hall_page))
        .route("/districts/{name}", get(dashboard::district_page))
        .route("/exports/rankings.xlsx", get(dashboard::rankings_download))
        .route("/exports/visits.xlsx", get(dashboard::visits_download))
        .route("/admin/imports", get(admin::imports_form))
        .route(
            "/admin/imports/{kind}",
            post(admin::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/admin/templates/{kind}", get(admin::template))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/admin/plans",
            get(plans::plans_page).post(plans::post_form),
        )
        .route("/admin/plans/sheet.xlsx", get(plans::plan_sheet))
        .route("/admin/publications", post(appeals::publish))
        .route("/admin/appeals/{id}", post(appeals::decide))
        .route("/appeals", get(appeals::appeals_page))
        .route(
            "/visits/{id}/appeals",
            post(appeals::file).layer(DefaultBodyLimit::max(MAX_PHOTO)),
        )
        .route("/inspect", get(inspect::inspect))
        .route("/inspect/visit", get(inspect::visit_form))
        .route("/visits/{id}", get(visit_page::visit_page))
        .route("/photos/{id}", get(api::photo))
        .route("/sw.js", get(assets::service_worker))
        .route("/static/{name}", get(assets::asset))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::error_pages_with_reader,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; \
                 script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
                 base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let db = state.db.clone();
    let checkpoints = tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        let mut failing = false;
        loop {
            every.tick().await;
            match db.run(|store| Ok(store.checkpoint()?)).await {
                // Said once, not twice a second (a read-only database).
                Err(e) if !failing => {
                    tracing::warn!("checkpoint failed: {}", e.message);
                    failing = true;
                }
                Err(_) => {}
                Ok(()) => failing = false,
            }
        }
    });
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    checkpoints.abort();
    served
}
