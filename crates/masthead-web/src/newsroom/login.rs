//! Logging in and out. Login is rate limited per account and per client address, and
//! answers the same for an unknown email as for a wrong password.

use super::desk::{self, Desk, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::{passwords, AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use masthead_core::auth::{
    check_limits, AttemptKind, AuditAction, NewAuditEntry, NewSession, FAILURE_WINDOW,
};
use masthead_core::people::normalize_email;
use masthead_render::newsroom::{DeskChrome, LoginView};
use serde::Deserialize;

/// The answer to any login that did not work, whatever the reason.
const WRONG: &str = "That email and password do not match an account. Check both and try again.";
/// Where staff land after logging in, unless the form says otherwise.
const HOME: &str = "/newsroom/";
/// Longest email worth looking up (or recording in the audit log).
const MAX_EMAIL: usize = 254;

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only addresses inside the newsroom, in plain visible ASCII (anything else could not
/// be a `Location` header), are followed after login.
fn safe_next(next: &str) -> &str {
    let inside = next.starts_with(HOME)
        && !next.contains("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic());
    if inside {
        next
    } else {
        HOME
    }
}

pub async fn form(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NextParam>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let next = safe_next(q.next.as_deref().unwrap_or(HOME)).to_owned();
    if desk.session.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_page(&state, &headers, StatusCode::OK, String::new(), next, None).await
}

/// The login form, with the login CSRF cookie set if the browser has none yet.
async fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
) -> Result<Response, WebError> {
    let existing = desk::cookie(headers, LOGIN_CSRF_COOKIE).filter(|t| t.len() == 64);
    let token = existing.clone().unwrap_or_else(desk::secret);
    let site = state.site.get(&*state.store).await?;
    let view = LoginView {
        chrome: DeskChrome::new(&site.settings, "Log in", None, &token),
        email,
        next,
        error,
    };
    let mut response = (
        status,
        Html(state.theme.render("newsroom/login.html", &view)?),
    )
        .into_response();
    if existing.is_none() {
        response.headers_mut().append(
            header::SET_COOKIE,
            desk::set_cookie(state, LOGIN_CSRF_COOKIE, Some(&token)),
        );
    }
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let email = normalize_email(&form.email);
    let email: String = email.chars().take(MAX_EMAIL).collect();
    let next = safe_next(&form.next).to_owned();
    let store = &state.store;
    // Too many failures lately, for this account or from this address: no check at all.
    let since = now - FAILURE_WINDOW;
    let account = store
        .login_failures(AttemptKind::Account, &email, since)
        .await?;
    let from_ip = store
        .login_failures(AttemptKind::Ip, &desk.ip, since)
        .await?;
    if let Err(until) = check_limits(account, from_ip) {
        return too_many(&state, &headers, email, next, now, until).await;
    }
    let found = store.person_credentials(&email).await?;
    let password = form.password;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    // Hashing is CPU work: off the async threads. Unknown emails check a dummy hash.
    let verified =
        tokio::task::spawn_blocking(move || passwords::verify(&password, stored.as_deref()))
            .await
            .unwrap_or(false);
    let person = match found {
        Some((person, _)) if verified => person,
        _ => {
            store
                .record_login_failure(
                    &[(AttemptKind::Account, &email), (AttemptKind::Ip, &desk.ip)],
                    &NewAuditEntry {
                        at: now,
                        actor: None,
                        action: AuditAction::LoginFailed,
                        target: email.clone(),
                        ip: desk.ip.clone(),
                    },
                )
                .await?;
            return login_page(
                &state,
                &headers,
                StatusCode::UNAUTHORIZED,
                email,
                next,
                Some(WRONG.to_owned()),
            )
            .await;
        }
    };
    // A session the browser already had (perhaps planted) is ended, never reused: the
    // login always gets a fresh token.
    if let Some(old) = &desk.token {
        if let Some(old_session) = store.session(&desk::token_hash(old), now).await? {
            store
                .end_session(
                    &old_session.token_hash,
                    &audit(now, &old_session.person, AuditAction::LoggedOut, &desk.ip),
                )
                .await?;
        }
    }
    let token = desk::secret();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    store
        .start_session(
            &NewSession {
                token_hash: desk::token_hash(&token),
                person: person.id,
                csrf_token: desk::secret(),
                created_at: now,
                ip: desk.ip.clone(),
                user_agent,
            },
            &email,
            &audit(now, &person, AuditAction::LoggedIn, &desk.ip),
        )
        .await?;
    // (The login form's cookie stays: another tab's login form still works.)
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        desk::set_cookie(&state, SESSION_COOKIE, Some(&token)),
    );
    Ok(response)
}

fn audit(
    at: DateTime<Utc>,
    person: &masthead_core::people::Person,
    action: AuditAction,
    ip: &str,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: Some(person.id),
        action,
        target: person.email.clone(),
        ip: ip.to_owned(),
    }
}

/// Rate limited: the same answer for every email, with when to come back.
async fn too_many(
    state: &AppState,
    headers: &HeaderMap,
    email: String,
    next: String,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Response, WebError> {
    let seconds = (until - now).num_seconds().max(1);
    let minutes = (seconds + 59) / 60;
    let message = format!(
        "Too many failed logins. For your account's safety, try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    );
    let mut response = login_page(
        state,
        headers,
        StatusCode::TOO_MANY_REQUESTS,
        email,
        next,
        Some(message),
    )
    .await?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    Ok(response)
}

/// Ends this session.
pub async fn logout(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    if let Some(session) = &desk.session {
        state
            .store
            .end_session(
                &session.token_hash,
                &audit(
                    Utc::now(),
                    &session.person,
                    AuditAction::LoggedOut,
                    &desk.ip,
                ),
            )
            .await?;
    }
    Ok(logged_out(&state))
}

/// Ends every session of the signed-in person, on every device.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    if let Some(session) = &desk.session {
        state
            .store
            .end_sessions(
                session.person.id,
                &audit(
                    Utc::now(),
                    &session.person,
                    AuditAction::LoggedOutEverywhere,
                    &desk.ip,
                ),
            )
            .await?;
    }
    Ok(logged_out(&state))
}

fn logged_out(state: &AppState) -> Response {
    let mut response = Redirect::to("/newsroom/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        desk::set_cookie(state, SESSION_COOKIE, None),
    );
    response
}
