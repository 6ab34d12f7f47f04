//! Who is asking: session cookies for the browser, bearer tokens for
//! scripts, CSRF tokens for cookie-authenticated changes, and sign-in
//! throttling.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::AppState;
use super::error::Error;
use super::i18n::Lang;
use crate::app::credentials::secret_hash;
use crate::domain::access::User;

pub const SESSION_COOKIE: &str = "hallscore_session";
/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;

/// A signed-in request.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    /// The session's form token; `None` for bearer-token requests, which
    /// no other site can forge.
    pub csrf: Option<String>,
}

impl Authed {
    /// Cookie-authenticated changes must echo the session's token.
    pub fn check_csrf(&self, provided: Option<&str>, lang: Lang) -> Result<(), Error> {
        match &self.csrf {
            None => Ok(()),
            Some(expected) if provided.is_some_and(|p| constant_time_eq(p, expected)) => Ok(()),
            Some(_) => Err(Error::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf",
                lang.text().error_csrf,
            )),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Finds the user of a request, if any.
pub async fn identify(parts: &Parts, state: &AppState) -> Result<Option<Authed>, Error> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| secret_hash(t.trim()));
    if let Some(hash) = bearer {
        let user = state
            .db
            .read(move |store| Ok(store.token_user(&hash)?))
            .await?;
        return Ok(user.map(|user| Authed { user, csrf: None }));
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = secret_hash(cookie.value());
    let session = state
        .db
        .read(move |store| Ok(store.session(&hash)?))
        .await?;
    Ok(session.map(|s| Authed {
        user: s.user,
        csrf: Some(s.csrf),
    }))
}

/// The session cookie for a new sign-in.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time_hours(SESSION_HOURS))
        .build()
}

fn time_hours(hours: i64) -> cookie::time::Duration {
    cookie::time::Duration::hours(hours)
}

/// Counts failed sign-ins per user name and per address, and refuses more
/// attempts for a while once there were too many.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

/// Failed sign-ins allowed per user name, and per address, in the window.
const PER_USER: usize = 5;
const PER_ADDRESS: usize = 20;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    fn keys(user: &str, address: &str) -> [(String, usize); 2] {
        [
            (format!("user:{}", user.to_lowercase()), PER_USER),
            (format!("ip:{address}"), PER_ADDRESS),
        ]
    }

    pub fn allowed(&self, user: &str, address: &str) -> bool {
        let Ok(mut failures) = self.failures.lock() else {
            return false;
        };
        let now = Instant::now();
        Throttle::keys(user, address).iter().all(|(key, limit)| {
            let list = failures.entry(key.clone()).or_default();
            list.retain(|t| now.duration_since(*t) < WINDOW);
            list.len() < *limit
        })
    }

    pub fn failed(&self, user: &str, address: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            for (key, _) in Throttle::keys(user, address) {
                failures.entry(key).or_default().push(Instant::now());
            }
        }
    }

    pub fn succeeded(&self, user: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&format!("user:{}", user.to_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_after_five_failures_per_user() {
        let t = Throttle::default();
        for _ in 0..PER_USER {
            assert!(t.allowed("王", "1.2.3.4"));
            t.failed("王", "1.2.3.4");
        }
        assert!(
            !t.allowed("王", "5.6.7.8"),
            "the name is locked wherever from"
        );
        assert!(t.allowed("李", "1.2.3.4"), "others may still sign in");
        t.succeeded("王");
        assert!(t.allowed("王", "1.2.3.4"));
    }

    #[test]
    fn tokens_compare_in_constant_time() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
