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
pub mod i18n;
mod pages;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
/// when it has grown this long (40 MB); otherwise a background task does
/// it every [`CHECKPOINT_EVERY`], off the writers' path.
const WAL_PAGES: u32 = 10_000;
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// How many idle connections the pool keeps. Opening one costs more than a
/// request (the schema is checked), so there are enough for every request
/// in flight under load.
const IDLE_CONNECTIONS: usize = 64;

/// SQLite connections for blocking tasks: rusqlite's connection is not
/// `Sync`, so each task borrows one on a blocking thread and gives it back.
#[derive(Clone)]
pub struct Db {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Store>>>,
    /// Held while writing (see [`Db::exclusive`]).
    writing: Arc<Mutex<()>>,
}

impl Db {
    pub fn new(path: PathBuf) -> Db {
        Db {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
            writing: Arc::new(Mutex::new(())),
        }
    }

    /// Runs `work` (a write, on a blocking thread) while no other write of
    /// this process runs. SQLite takes one writer at a time; writers that
    /// queue here instead of in SQLite's busy handler, which sleeps in
    /// steps of milliseconds, get their turn as soon as it is free.
    pub fn exclusive<T>(&self, work: impl FnOnce() -> T) -> T {
        let _turn = self
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        work()
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
                None => {
                    let store = Store::open(&db.path)?;
                    store.defer_checkpoints(WAL_PAGES)?;
                    store
                }
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
    pub analyses: Arc<crate::report::AnalysisCache>,
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
        .fallback(api::not_found);
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang/{lang}", get(pages::switch_language))
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
        .route("/admin/audit", get(admin::audit))
        .route("/admin/publications", post(appeals::publish))
        .route("/admin/appeals/{id}", post(appeals::decide))
        .route("/appeals", get(appeals::appeals_page))
        .route(
            "/visits/{id}/appeals",
            post(appeals::file).layer(DefaultBodyLimit::max(MAX_PHOTO)),
        )
        .route("/inspect", get(pages::inspect))
        .route("/inspect/visit", get(pages::visit_form))
        .route("/visits/{id}", get(pages::visit_page))
        .route("/photos/{id}", get(api::photo))
        .route("/sw.js", get(assets::service_worker))
        .route("/static/{name}", get(assets::asset))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
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
