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
mod pager;
mod pages;
mod plans;
mod rectifications;
mod rectify;
mod reviews;
mod session;
mod upload;
mod visit_page;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::Error;

use crate::storage::{self, Reader, Store};

/// The most a JSON or form request may carry.
pub const MAX_BODY: usize = 1024 * 1024;
/// The most a spreadsheet upload may carry: a year of national visits as
/// .xlsx is about 40 MB.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;
/// The most a photo upload may carry (the tablet resizes before sending).
pub const MAX_PHOTO: usize = 5 * 1024 * 1024;

/// How long a client should wait before trying again after a 503.
const RETRY_AFTER_SECONDS: &str = "1";

/// How often the background task checkpoints the write-ahead log (see
/// [`storage::Database::checkpoint`]).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// The database for async handlers: each read or write runs on a blocking
/// thread, reads on a connection that cannot write, writes on the one
/// writer thread, each as one transaction.
#[derive(Clone)]
pub struct Db {
    database: Arc<storage::Database>,
    /// Turns for [`Db::report`]: as many as the machine has cores.
    reports: Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn new(location: storage::Location) -> Db {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Db {
            database: Arc::new(storage::Database::new(location)),
            reports: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// [`Db::read`] for work on a period's analyses (rankings, the
    /// dashboard, the report pages): up to tens of milliseconds each at
    /// national scale. At most as many run at once as there are cores, the
    /// others waiting their turn, first come first served: more would only
    /// share the same cores, each taking longer, and keep the submissions
    /// (well under a millisecond each) waiting for a core. Under the load
    /// bench (4 managers reading while 32 inspectors submit, 2 cores) this
    /// took submissions from about 870 to 1,130 a second.
    pub async fn report<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Reader) -> Result<T, Error> + Send + 'static,
    {
        let _turn = self
            .reports
            .acquire()
            .await
            .map_err(|e| Error::internal(e.to_string()))?;
        self.read(work).await
    }

    /// Runs `work` with a connection that only reads, on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Reader) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        blocking(move || db.database.read(work)).await
    }

    /// Runs `work` on the writer thread as one transaction and waits for
    /// it: all it writes is stored, or nothing when it fails.
    pub async fn write<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        blocking(move || db.write_now(work)).await
    }

    /// [`Db::write`] from a thread that may block (inside a read).
    pub fn write_now<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Error> + Send + 'static,
    {
        self.database.write(work)
    }
}

/// Runs `work` on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::internal(format!("后台任务失败:{e}")))?
}

impl From<storage::Error> for Error {
    fn from(e: storage::Error) -> Error {
        Error::from_storage(e)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where uploaded photos are kept: beside a SQLite database; for
    /// PostgreSQL, the `photos` folder of the working directory, which every
    /// server of the database shares.
    pub photos: PathBuf,
    /// Mark cookies `Secure` (set when served over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Served behind a reverse proxy: a client's address is the one the
    /// proxy appended to `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// The analyses of recent requests, brought up to date on every use.
    pub analyses: Arc<crate::app::report::AnalysisCache>,
}

impl AppState {
    pub fn new(location: storage::Location, secure_cookies: bool) -> AppState {
        let photos = location
            .file()
            .and_then(std::path::Path::parent)
            .map_or_else(|| PathBuf::from("photos"), |p| p.join("photos"));
        AppState {
            db: Db::new(location),
            photos,
            secure_cookies,
            behind_proxy: false,
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
        .route("/visits/{id}/review", post(reviews::decide))
        .route("/reviews", get(reviews::queue))
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
        .route("/rectifications", get(rectifications::list))
        .route(
            "/rectifications/{id}",
            get(rectifications::get).post(rectifications::act),
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
        .merge(rectify::routes())
        .route("/reviews", get(reviews::queue_page))
        .route("/reviews/unflagged", post(reviews::accept_unflagged))
        .route("/reviews/{id}", post(reviews::decide_form))
        .route(
            "/visits/{id}/appeals",
            post(appeals::file).layer(DefaultBodyLimit::max(MAX_PHOTO)),
        )
        .route("/inspect", get(inspect::inspect))
        .route("/inspect/tasks", get(inspect::tasks))
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
        // Whatever is unavailable for now (a busy database, a full disk)
        // tells clients when to try again.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::RETRY_AFTER,
            |response: &axum::response::Response| {
                (response.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE)
                    .then_some(HeaderValue::from_static(RETRY_AFTER_SECONDS))
            },
        ))
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
            let database = db.database.clone();
            match blocking(move || Ok(database.checkpoint()?)).await {
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
