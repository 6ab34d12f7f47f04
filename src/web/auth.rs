//! Who is asking: session cookies for the browser, bearer tokens for
//! scripts, CSRF tokens for cookie-authenticated changes, and sign-in
//! throttling.

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

/// Failed sign-ins allowed per user name, and per address, in the window.
const PER_USER: usize = 5;
const PER_ADDRESS: usize = 20;
/// How long a failed sign-in counts.
const WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// Sign-in throttling: failed sign-ins are counted per user name and per
/// address, in the database, so that every server of it refuses more
/// attempts for a while once there were too many.
pub mod throttle {
    use super::{PER_ADDRESS, PER_USER, WINDOW};
    use crate::storage::{Reader, Result, Store};

    /// The keys a sign-in counts under, with the failures each allows.
    fn keys(user: &str, address: &str) -> [(String, usize); 2] {
        [
            (user_key(user), PER_USER),
            (format!("ip:{address}"), PER_ADDRESS),
        ]
    }

    fn user_key(user: &str) -> String {
        format!("user:{}", user.to_lowercase())
    }

    fn window_start() -> chrono::NaiveDateTime {
        chrono::Local::now().naive_local() - WINDOW
    }

    /// Whether `user` may try to sign in from `address` now.
    pub fn allowed(reader: &Reader, user: &str, address: &str) -> Result<bool> {
        let since = window_start();
        for (key, limit) in keys(user, address) {
            if reader.sign_in_failures(&key, since)? >= limit {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub fn failed(store: &mut Store, user: &str, address: &str) -> Result<()> {
        let keys: Vec<String> = keys(user, address).into_iter().map(|(k, _)| k).collect();
        store.record_sign_in_failure(&keys, window_start())
    }

    /// A sign-in that succeeded clears the name's failures (not the
    /// address's: others may share it).
    pub fn succeeded(store: &mut Store, user: &str) -> Result<()> {
        store.forget_sign_in_failures(&user_key(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_after_five_failures_per_user_on_any_connection() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("throttle.db");
        let mut one = crate::storage::Store::open(&path).expect("one server");
        let other = crate::storage::Store::open(&path).expect("another server");
        for _ in 0..PER_USER {
            assert!(throttle::allowed(&other, "王", "1.2.3.4").expect("read"));
            throttle::failed(&mut one, "王", "1.2.3.4").expect("write");
        }
        assert!(
            !throttle::allowed(&other, "王", "5.6.7.8").expect("read"),
            "the name is locked wherever from, on every server"
        );
        assert!(
            throttle::allowed(&other, "李", "1.2.3.4").expect("read"),
            "others may still sign in"
        );
        throttle::succeeded(&mut one, "王").expect("write");
        assert!(throttle::allowed(&other, "王", "1.2.3.4").expect("read"));
    }

    #[test]
    fn tokens_compare_in_constant_time() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
