//! Signing in and out, and the language the pages speak: what the
//! browser's cookies carry.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Duration, Local};
use serde::Deserialize;

use super::AppState;
use super::assets::AssetUrls;
use super::auth::{self, SESSION_COOKIE};
use super::error::Error;
use super::extract::Caller;
use super::i18n::{Lang, Text};
use super::pages::{InLang, PageError};
use crate::app::credentials::{new_secret, secret_hash, verify_password};
use crate::domain::access::User;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Text,
    lang: &'static str,
    assets: AssetUrls,
    user: Option<User>,
    /// No session yet: empty, so the page's scripts know it.
    csrf: String,
    login_csrf: String,
    message: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
}

const LOGIN_CSRF: &str = "login_csrf";

pub async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<LoginQuery>,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let t = lang.text();
    let has_admin = state
        .db
        .read(|store| Ok(store.has_admin()?))
        .await
        .page(lang)?;
    login_page(
        &state,
        lang,
        jar,
        query.expired.map(|_| t.session_expired),
        (!has_admin).then_some(t.no_admin_yet),
        StatusCode::OK,
    )
}

fn login_page(
    state: &AppState,
    lang: Lang,
    jar: CookieJar,
    message: Option<&'static str>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    // Sign-in has no session yet: its form token is a cookie of its own
    // that the form must echo.
    let csrf = new_secret();
    let cookie = Cookie::build((LOGIN_CSRF, csrf.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .build();
    let page = LoginPage {
        t: lang.text(),
        lang: lang.code(),
        assets: AssetUrls::new(),
        user: None,
        csrf: String::new(),
        login_csrf: csrf,
        message,
        notice,
    };
    Ok((status, jar.add(cookie), page).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<std::net::SocketAddr>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let t = lang.text();
    let expected = jar.get(LOGIN_CSRF).map(|c| c.value().to_string());
    if expected.as_deref() != Some(form.csrf.as_str()) {
        return login_page(
            &state,
            lang,
            jar,
            Some(t.error_csrf),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    let address = address.ip().to_string();
    let name = form.name.trim().to_string();
    let (who, from) = (name.clone(), address.clone());
    let allowed = state
        .db
        .read(move |reader| Ok(auth::throttle::allowed(reader, &who, &from)?))
        .await
        .page(lang)?;
    if !allowed {
        return login_page(
            &state,
            lang,
            jar,
            Some(t.sign_in_throttled),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let lookup = name.clone();
    let found = state
        .db
        .read(move |store| Ok(store.user_with_password(&lookup)?))
        .await
        .page(lang)?;
    let password = form.password;
    // Hash checking is slow on purpose: keep it off the async threads.
    let user = tokio::task::spawn_blocking(move || {
        found.and_then(|(user, hash)| hash.filter(|h| verify_password(&password, h)).map(|_| user))
    })
    .await
    .map_err(Error::internal)
    .page(lang)?;
    let Some(user) = user else {
        let (who, from) = (name.clone(), address.clone());
        state
            .db
            .write(move |store| Ok(auth::throttle::failed(store, &who, &from)?))
            .await
            .page(lang)?;
        tracing::info!(user = %name, %address, "sign-in failed");
        return login_page(
            &state,
            lang,
            jar,
            Some(t.sign_in_failed),
            None,
            StatusCode::UNAUTHORIZED,
        );
    };
    // A fresh session id at every sign-in: an id planted before sign-in
    // never becomes a session.
    let old = jar.get(SESSION_COOKIE).map(|c| secret_hash(c.value()));
    let token = new_secret();
    let (hash, csrf, id) = (secret_hash(&token), new_secret(), user.id);
    let expires = Local::now().naive_local() + Duration::hours(auth::SESSION_HOURS);
    state
        .db
        .write(move |store| {
            auth::throttle::succeeded(store, &name)?;
            if let Some(old) = old {
                store.delete_session(&old)?;
            }
            Ok(store.create_session(&hash, id, &csrf, expires)?)
        })
        .await
        .page(lang)?;
    tracing::info!(user = %user.name, "signed in");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF).path("/login"))
        .add(auth::session_cookie(token, state.secure_cookies));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    Caller(authed, _): Caller,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    authed.check_csrf(Some(&form.csrf), lang).page(lang)?;
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let hash = secret_hash(cookie.value());
        state
            .db
            .write(move |store| Ok(store.delete_session(&hash)?))
            .await
            .page(lang)?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

pub async fn switch_language(
    Path(lang): Path<String>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    // Back to the page the switch was pressed on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let cookie = Cookie::build(("lang", lang))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}
