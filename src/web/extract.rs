//! Who may come in. A handler names the user it needs as an extractor —
//! `Viewer<Admins>`, `Caller<Recorders>` — and the extractor answers
//! everyone else itself: a page sends someone not signed in to the sign-in
//! page and shows a forbidden page to someone whose role does not allow
//! it; the API answers 401 and 403 in JSON. What each role may do is the
//! domain's rule ([`User`]'s methods); here it is only asked.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::AppState;
use super::auth::{Authed, SESSION_COOKIE, identify};
use super::error::Error;
use super::i18n::Lang;
use super::pages::PageError;
use crate::domain::access::User;

/// Which signed-in users a door lets in.
pub(super) trait Rule {
    fn admits(user: &User) -> bool;
}

/// Every signed-in user.
pub(super) struct Anyone;
/// Those who record visits.
pub(super) struct Recorders;
/// Those who read the reports: admins and managers with a scope.
pub(super) struct ReportReaders;
/// Those who may contest an answer.
pub(super) struct Appellants;
/// Those who run the data: imports, the audit log, publishing, decisions.
pub(super) struct Admins;
/// Those who decide about visits held for review.
pub(super) struct Reviewers;

impl Rule for Anyone {
    fn admits(_: &User) -> bool {
        true
    }
}

impl Rule for Recorders {
    fn admits(user: &User) -> bool {
        user.may_record()
    }
}

impl Rule for ReportReaders {
    fn admits(user: &User) -> bool {
        user.reads_reports()
    }
}

impl Rule for Appellants {
    fn admits(user: &User) -> bool {
        user.may_appeal()
    }
}

impl Rule for Admins {
    fn admits(user: &User) -> bool {
        user.administers()
    }
}

impl Rule for Reviewers {
    fn admits(user: &User) -> bool {
        user.may_review()
    }
}

/// Why a request was not let in.
enum Refused {
    /// Nobody is signed in; `expired` when the browser still holds a
    /// session cookie the server no longer knows.
    Nobody {
        expired: bool,
    },
    NotAllowed,
    Failed(Error),
}

/// The request's language and its user, if `R` admits them.
async fn admit<R: Rule>(parts: &mut Parts, state: &AppState) -> (Lang, Result<Authed, Refused>) {
    let lang = Lang::from_request_parts(parts, state)
        .await
        .unwrap_or(Lang::Zh);
    let admitted = match identify(parts, state).await {
        Err(e) => Err(Refused::Failed(e)),
        Ok(None) => Err(Refused::Nobody {
            expired: CookieJar::from_headers(&parts.headers)
                .get(SESSION_COOKIE)
                .is_some(),
        }),
        Ok(Some(authed)) if R::admits(&authed.user) => Ok(authed),
        Ok(Some(_)) => Err(Refused::NotAllowed),
    };
    (lang, admitted)
}

/// How a page turns someone away.
pub(super) enum PageRefusal {
    /// To the sign-in page, saying so when a session had expired.
    SignIn {
        expired: bool,
    },
    Page(PageError),
}

impl IntoResponse for PageRefusal {
    fn into_response(self) -> Response {
        match self {
            PageRefusal::SignIn { expired: true } => {
                Redirect::to("/login?expired=1").into_response()
            }
            PageRefusal::SignIn { expired: false } => Redirect::to("/login").into_response(),
            PageRefusal::Page(page) => page.into_response(),
        }
    }
}

/// The signed-in reader of a page whom `R` admits.
pub(super) struct Viewer<R = Anyone>(pub(super) Authed, pub(super) PhantomData<R>);

impl<R: Rule> FromRequestParts<AppState> for Viewer<R> {
    type Rejection = PageRefusal;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Viewer<R>, PageRefusal> {
        match admit::<R>(parts, state).await {
            (_, Ok(authed)) => Ok(Viewer(authed, PhantomData)),
            (_, Err(Refused::Nobody { expired })) => Err(PageRefusal::SignIn { expired }),
            (lang, Err(Refused::NotAllowed)) => Err(PageRefusal::Page(PageError::new(
                Error::forbidden(lang),
                lang,
            ))),
            (lang, Err(Refused::Failed(e))) => Err(PageRefusal::Page(PageError::new(e, lang))),
        }
    }
}

/// The signed-in caller of the API whom `R` admits; others get 401 or 403
/// in JSON.
pub(super) struct Caller<R = Anyone>(pub(super) Authed, pub(super) PhantomData<R>);

impl<R: Rule> FromRequestParts<AppState> for Caller<R> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller<R>, Error> {
        match admit::<R>(parts, state).await {
            (_, Ok(authed)) => Ok(Caller(authed, PhantomData)),
            (lang, Err(Refused::Nobody { .. })) => Err(Error::unauthorized(lang)),
            (lang, Err(Refused::NotAllowed)) => Err(Error::forbidden(lang)),
            (_, Err(Refused::Failed(e))) => Err(e),
        }
    }
}

/// The sender of a page's form whom `R` admits: as for the API, 401 in
/// JSON when nobody is signed in (a form is sent from a page that was
/// signed in); a forbidden page when the role does not allow it.
pub(super) struct Sender<R>(pub(super) Authed, pub(super) PhantomData<R>);

impl<R: Rule> FromRequestParts<AppState> for Sender<R> {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Sender<R>, Response> {
        match admit::<R>(parts, state).await {
            (_, Ok(authed)) => Ok(Sender(authed, PhantomData)),
            (lang, Err(Refused::Nobody { .. })) => Err(Error::unauthorized(lang).into_response()),
            (lang, Err(Refused::NotAllowed)) => {
                Err(PageError::new(Error::forbidden(lang), lang).into_response())
            }
            (_, Err(Refused::Failed(e))) => Err(e.into_response()),
        }
    }
}
