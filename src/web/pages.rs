//! What every page shares: error pages in the reader's language, with
//! their navigation, and the front door that sends each reader to their
//! own start page.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::assets::AssetUrls;
use super::auth::{Authed, identify};
use super::error::Error;
use super::extract::Viewer;
use super::i18n::{Lang, Text};
use crate::domain::access::User;

/// An error page, in HTML.
pub(super) struct PageError {
    error: Error,
    lang: Lang,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Text,
    lang: &'a str,
    assets: AssetUrls,
    user: Option<User>,
    csrf: String,
    message: &'a str,
}

/// What an error page said, kept on its response so that
/// [`error_pages_with_reader`] can show it again with the reader's
/// navigation: the error arises where the reader is not known.
#[derive(Clone)]
struct FailedPage {
    message: String,
    lang: Lang,
}

impl FailedPage {
    fn render(&self, status: StatusCode, reader: Option<Authed>) -> Response {
        let (user, csrf) = match reader {
            Some(authed) => (Some(authed.user), authed.csrf.unwrap_or_default()),
            None => (None, String::new()),
        };
        let page = ErrorPage {
            t: self.lang.text(),
            lang: self.lang.code(),
            assets: AssetUrls::new(),
            user,
            csrf,
            message: &self.message,
        };
        match page.render() {
            Ok(html) => {
                let mut response = (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    html,
                )
                    .into_response();
                response.extensions_mut().insert(self.clone());
                response
            }
            Err(e) => Error::internal(e).into_response(),
        }
    }
}

impl PageError {
    pub(super) fn new(error: Error, lang: Lang) -> PageError {
        PageError { error, lang }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        FailedPage {
            message: self.error.message,
            lang: self.lang,
        }
        .render(self.error.status, None)
    }
}

/// Error pages keep the navigation and the signed-in user, like every
/// other page: the page is made again with the reader the request's
/// session or token names.
pub(super) async fn error_pages_with_reader(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(failed) = response.extensions().get::<FailedPage>().cloned() else {
        return response;
    };
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    match identify(&parts, &state).await {
        Ok(Some(reader)) => failed.render(response.status(), Some(reader)),
        _ => response,
    }
}

pub(super) trait InLang<T> {
    fn page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: Into<Error>> InLang<T> for Result<T, E> {
    fn page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError {
            error: e.into(),
            lang,
        })
    }
}

/// `GET /`: those who read reports start at the dashboard, the others
/// (inspectors) at their tasks.
pub async fn home(Viewer(authed, _): Viewer) -> Redirect {
    if authed.user.reads_reports() {
        Redirect::to("/dashboard")
    } else {
        Redirect::to("/inspect/tasks")
    }
}

pub async fn not_found(lang: Lang) -> PageError {
    PageError::new(Error::not_found(lang), lang)
}
