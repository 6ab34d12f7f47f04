//! CSS, JavaScript and the service worker, embedded in the binary. Assets
//! are served under names that carry a hash of their content, so browsers
//! may keep them for a year; the service worker is served fresh.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::credentials::secret_hash;

struct Asset {
    /// e.g. `app.3f2a9c1d.css`
    name: String,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: &[(&str, &str, &[u8])] = &[
    ("app", "css", include_bytes!("static/app.css")),
    ("app", "js", include_bytes!("static/app.js")),
    ("visit", "js", include_bytes!("static/visit.js")),
    ("dashboard", "js", include_bytes!("static/dashboard.js")),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(stem, extension, body)| {
            let digest = secret_hash(&String::from_utf8_lossy(body));
            Asset {
                name: format!("{stem}.{}.{extension}", &digest[..10]),
                content_type: match *extension {
                    "css" => "text/css; charset=utf-8",
                    _ => "text/javascript; charset=utf-8",
                },
                body,
            }
        })
        .collect()
});

/// The URL of an asset by its plain name (`app.css`).
pub fn asset_url(plain: &str) -> String {
    let (stem, extension) = plain.split_once('.').unwrap_or((plain, ""));
    ASSETS
        .iter()
        .find(|a| {
            a.name.starts_with(&format!("{stem}.")) && a.name.ends_with(&format!(".{extension}"))
        })
        .map_or_else(
            || format!("/static/{plain}"),
            |a| format!("/static/{}", a.name),
        )
}

/// Asset URLs as the templates use them.
pub struct AssetUrls {
    pub css: String,
    pub app_js: String,
    pub visit_js: String,
    pub dashboard_js: String,
}

impl AssetUrls {
    pub fn new() -> AssetUrls {
        AssetUrls {
            css: asset_url("app.css"),
            app_js: asset_url("app.js"),
            visit_js: asset_url("visit.js"),
            dashboard_js: asset_url("dashboard.js"),
        }
    }
}

pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

const SERVICE_WORKER: &str = include_str!("static/sw.js");

/// The service worker, told which versioned files make the app shell.
pub async fn service_worker() -> Response {
    let shell: Vec<String> = ASSETS
        .iter()
        .map(|a| format!("\"/static/{}\"", a.name))
        .collect();
    let version = ASSETS
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("|");
    let body = SERVICE_WORKER
        .replace("__SHELL__", &shell.join(", "))
        .replace("__VERSION__", &secret_hash(&version)[..12]);
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
