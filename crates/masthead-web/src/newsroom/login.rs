//! Logging in and out. Login is rate limited per account and per client address, and
//! answers the same for an unknown email as for a wrong password.

use super::desk::Desk;
use crate::staff::{LOGIN_CSRF_COOKIE, SECOND_STEP_COOKIE, SESSION_COOKIE};
use crate::two_factor;
use crate::{passwords, AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use masthead_core::auth::{
    check_sign_in, AttemptKind, AuditAction, NewAuditEntry, NewSession, NewStaffToken,
    SignInFailures, TokenPurpose, FAILURE_WINDOW, SECOND_STEP_TRIES,
};
use masthead_core::people::{normalize_email, Person};
use masthead_render::newsroom::{AccessView, DeskChrome, LoginView};
use serde::Deserialize;

/// The answer to any login that did not work, whatever the reason.
const WRONG: &str = "That email and password do not match an account. Check both and try again.";
/// Where staff land after logging in, unless the form says otherwise.
const HOME: &str = "/newsroom/";
/// The second sign-in step's form.
const SECOND_STEP: &str = "/newsroom/login/code";
/// Longest email worth looking up (or recording in the audit log).
const MAX_EMAIL: usize = 254;

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
    /// What just happened: "reset" (a new password), "expired" (the second step).
    done: Option<String>,
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

/// Only plain addresses inside the newsroom (no dot segments, encoded slashes or
/// anything that could not be a `Location` header) are followed after login.
pub(super) fn safe_next(next: &str) -> &str {
    let inside = next.starts_with(HOME) && crate::redirect::is_local_path(next);
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
    let notice = match q.done.as_deref() {
        Some("reset") => Some("Your new password is saved. Log in with it."),
        Some("expired") => Some("That took too long: log in again, then enter your code."),
        _ => None,
    };
    login_page(
        &state,
        &headers,
        StatusCode::OK,
        LoginView {
            email: String::new(),
            next,
            error: None,
            notice: notice.map(str::to_owned),
            chrome: blank_chrome(),
        },
    )
    .await
}

/// A chrome for a signed-out page; `login_page` fills it in.
fn blank_chrome() -> DeskChrome {
    DeskChrome::new(&Default::default(), "", None, "")
}

/// The login form, with the login CSRF cookie set if the browser has none yet.
async fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    mut view: LoginView,
) -> Result<Response, WebError> {
    signed_out_page(
        state,
        headers,
        status,
        "Log in",
        "newsroom/login.html",
        |chrome| {
            view.chrome = chrome;
            view
        },
    )
    .await
}

/// A page for people not signed in: `template` showing the view `make` builds around
/// the chrome, with the login CSRF cookie set if the browser has none yet.
async fn signed_out_page<V: serde::Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    template: &str,
    make: impl FnOnce(DeskChrome) -> V,
) -> Result<Response, WebError> {
    let (chrome, cookie) = signed_out_chrome(state, headers, title).await?;
    let view = make(chrome);
    let mut response = (status, Html(state.theme.render(template, &view)?)).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `response` with `Retry-After`, for answers to rate-limited requests.
fn retry_after(mut response: Response, seconds: i64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The chrome of a page for people not signed in, whose forms carry the login CSRF
/// token (double submit), with the cookie to set if the browser has none yet.
pub(super) async fn signed_out_chrome(
    state: &AppState,
    headers: &HeaderMap,
    title: &str,
) -> Result<(DeskChrome, Option<HeaderValue>), WebError> {
    let existing = crate::secrets::cookie(headers, LOGIN_CSRF_COOKIE).filter(|t| t.len() == 64);
    let token = existing.clone().unwrap_or_else(crate::secrets::secret);
    let site = state.site.get(&*state.store).await?;
    let chrome = DeskChrome::new(&site.settings, title, None, &token);
    let cookie = existing
        .is_none()
        .then(|| crate::staff::set_cookie(state, LOGIN_CSRF_COOKIE, Some(&token)));
    Ok((chrome, cookie))
}

/// A signed-out form page (`newsroom/access.html`): second step, reset, invitation.
pub(super) async fn access_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    mut view: AccessView,
) -> Result<Response, WebError> {
    signed_out_page(
        state,
        headers,
        status,
        title,
        "newsroom/access.html",
        |chrome| {
            view.chrome = chrome;
            view
        },
    )
    .await
}

/// A signed-out form shown again because of the rate limit: 429, when to come back.
pub(super) async fn access_too_many(
    state: &AppState,
    headers: &HeaderMap,
    title: &str,
    mut view: AccessView,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Response, WebError> {
    let (message, seconds) = too_many_message(now, until);
    view.error = Some(message);
    let response = access_page(state, headers, StatusCode::TOO_MANY_REQUESTS, title, view).await?;
    Ok(retry_after(response, seconds))
}

/// An empty `AccessView` showing `form`, sent to `action`.
pub(super) fn access_view(form: &'static str, action: String) -> AccessView {
    AccessView {
        chrome: blank_chrome(),
        form,
        action,
        next: String::new(),
        email: String::new(),
        name: String::new(),
        role_label: String::new(),
        error: None,
    }
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
    let found = store.person_credentials(&email).await?;
    let second_factor = match &found {
        Some((person, _)) => store.two_factor(person.id).await?.is_some(),
        None => false,
    };
    // Too many failures lately (see `check_sign_in`): no check at all.
    if let Some(until) = limited(&state, &desk, &email, second_factor, now).await? {
        return too_many(&state, &headers, email, next, now, until).await;
    }
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    // Unknown emails check a dummy hash (same time, same answer).
    let verified = passwords::verify_off_thread(form.password, stored).await;
    let person = match found {
        // Staff whose access was taken away get the same answer as a wrong password.
        Some((person, _)) if verified && person.is_active() => person,
        _ => {
            failed(&state, &desk, &email, now).await?;
            let view = LoginView {
                email,
                next,
                error: Some(WRONG.to_owned()),
                notice: None,
                chrome: blank_chrome(),
            };
            return login_page(&state, &headers, StatusCode::UNAUTHORIZED, view).await;
        }
    };
    if second_factor {
        // The password was right; the session waits for the second step.
        let token = crate::secrets::secret();
        store
            .create_staff_token(
                &NewStaffToken {
                    token_hash: crate::secrets::token_hash(&token),
                    purpose: TokenPurpose::SecondStep,
                    person: Some(person.id),
                    email: String::new(),
                    name: String::new(),
                    role: None,
                    created_by: None,
                    created_at: now,
                },
                None,
            )
            .await?;
        let to = format!(
            "{SECOND_STEP}?next={}",
            percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC)
        );
        let mut response = Redirect::to(&to).into_response();
        response.headers_mut().append(
            header::SET_COOKIE,
            crate::staff::set_cookie(&state, SECOND_STEP_COOKIE, Some(&token)),
        );
        return Ok(response);
    }
    begin_session(&state, &desk, &headers, &person, &email, now, &next).await
}

/// Records a failed attempt (a wrong password or second-step code) against the
/// account, the client's address, and the two together.
async fn failed(
    state: &AppState,
    desk: &Desk,
    account: &str,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let keys = SignInFailures::keys(account, &desk.ip);
    let keys: Vec<(AttemptKind, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    state
        .store
        .record_login_failure(
            &keys,
            now,
            Some(&NewAuditEntry {
                at: now,
                actor: None,
                action: AuditAction::LoginFailed,
                target: account.to_owned(),
                ip: desk.ip.clone(),
            }),
        )
        .await?;
    Ok(())
}

/// Whether this sign-in attempt is stopped by recent failures (`check_sign_in`); the
/// time the next attempt is allowed if so.
pub(super) async fn limited(
    state: &AppState,
    desk: &Desk,
    account: &str,
    second_factor: bool,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, WebError> {
    let since = now - FAILURE_WINDOW;
    let [(k1, v1), (k2, v2), (k3, v3)] = SignInFailures::keys(account, &desk.ip);
    let store = &state.store;
    let failures = SignInFailures {
        account_from_ip: store.login_failures(k1, &v1, since).await?,
        ip: store.login_failures(k2, &v2, since).await?,
        account: store.login_failures(k3, &v3, since).await?,
    };
    Ok(check_sign_in(failures, second_factor).err())
}

/// Signs `person` in: a fresh session (any session the browser already had, perhaps
/// planted, is ended, never reused), then on to `next`.
pub(super) async fn begin_session(
    state: &AppState,
    desk: &Desk,
    headers: &HeaderMap,
    person: &Person,
    account_key: &str,
    now: DateTime<Utc>,
    next: &str,
) -> Result<Response, WebError> {
    let store = &state.store;
    if let Some(old) = &desk.token {
        if let Some(old_session) = store.session(&crate::secrets::token_hash(old), now).await? {
            store
                .end_session(
                    &old_session.token_hash,
                    &audit(now, &old_session.owner, AuditAction::LoggedOut, &desk.ip),
                )
                .await?;
        }
    }
    let token = crate::secrets::secret();
    let user_agent = crate::client::user_agent(headers);
    store
        .start_session(
            &NewSession {
                token_hash: crate::secrets::token_hash(&token),
                owner: person.id,
                csrf_token: crate::secrets::secret(),
                created_at: now,
                ip: desk.ip.clone(),
                user_agent,
            },
            account_key,
            &audit(now, person, AuditAction::LoggedIn, &desk.ip),
        )
        .await?;
    // (The login form's cookie stays: another tab's login form still works.)
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        crate::staff::set_cookie(state, SESSION_COOKIE, Some(&token)),
    );
    if crate::secrets::cookie(headers, SECOND_STEP_COOKIE).is_some() {
        response.headers_mut().append(
            header::SET_COOKIE,
            crate::staff::set_cookie(state, SECOND_STEP_COOKIE, None),
        );
    }
    Ok(response)
}

pub(super) fn audit(
    at: DateTime<Utc>,
    person: &Person,
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
pub(super) fn too_many_message(now: DateTime<Utc>, until: DateTime<Utc>) -> (String, i64) {
    let (seconds, minutes) = masthead_core::auth::wait_until(now, until);
    let message = format!(
        "Too many failed attempts. For your account's safety, try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    );
    (message, seconds)
}

async fn too_many(
    state: &AppState,
    headers: &HeaderMap,
    email: String,
    next: String,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Response, WebError> {
    let (message, seconds) = too_many_message(now, until);
    let view = LoginView {
        email,
        next,
        error: Some(message),
        notice: None,
        chrome: blank_chrome(),
    };
    let response = login_page(state, headers, StatusCode::TOO_MANY_REQUESTS, view).await?;
    Ok(retry_after(response, seconds))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Who is between the password and the second step, by the cookie's token.
async fn halfway(
    state: &AppState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Option<(String, Person)>, WebError> {
    let Some(token) = crate::secrets::cookie(headers, SECOND_STEP_COOKIE) else {
        return Ok(None);
    };
    let hash = crate::secrets::token_hash(&token);
    let Some(pending) = state
        .store
        .staff_token(&hash, TokenPurpose::SecondStep, now)
        .await?
    else {
        return Ok(None);
    };
    let Some(id) = pending.person else {
        return Ok(None);
    };
    let person = state.store.person(id).await?.filter(Person::is_active);
    Ok(person.map(|p| (hash, p)))
}

fn start_again() -> Response {
    Redirect::to("/newsroom/login?done=expired").into_response()
}

/// The second step's form: a code from the authenticator app or a recovery code.
pub async fn code_form(
    State(state): State<AppState>,
    Query(q): Query<NextParam>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if halfway(&state, &headers, Utc::now()).await?.is_none() {
        return Ok(start_again());
    }
    let mut view = access_view("second_step", SECOND_STEP.to_owned());
    view.next = safe_next(q.next.as_deref().unwrap_or(HOME)).to_owned();
    access_page(&state, &headers, StatusCode::OK, "Sign-in code", view).await
}

pub async fn code_submit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let Some((hash, person)) = halfway(&state, &headers, now).await? else {
        return Ok(start_again());
    };
    let next = safe_next(&form.next).to_owned();
    let mut view = access_view("second_step", SECOND_STEP.to_owned());
    view.next = next.clone();
    // Halfway through a sign-in with a second factor.
    if let Some(until) = limited(&state, &desk, &person.email, true, now).await? {
        return access_too_many(&state, &headers, "Sign-in code", view, now, until).await;
    }
    let store = &state.store;
    let Some(second) = store.two_factor(person.id).await? else {
        // Turned off meanwhile: the password alone was enough.
        return begin_second(&state, &desk, &headers, &hash, &person, now, &next).await;
    };
    // A few tries per password step, counted atomically: codes sent all at once
    // cannot outrun the count of failed logins.
    if !store
        .try_staff_token(&hash, TokenPurpose::SecondStep, now, SECOND_STEP_TRIES)
        .await?
    {
        failed(&state, &desk, &person.email, now).await?;
        return Ok(start_again());
    }
    let typed = form.code.trim();
    let accepted = if two_factor::looks_like_recovery_code(typed) {
        let used = store
            .use_recovery_code(person.id, &two_factor::recovery_hash(typed), now)
            .await?;
        if used {
            store
                .record_audit(&audit(
                    now,
                    &person,
                    AuditAction::RecoveryCodeUsed,
                    &desk.ip,
                ))
                .await?;
        }
        used
    } else {
        match two_factor::check(&second.secret, typed, two_factor::now()) {
            Some(step) => store.accept_code_step(person.id, step).await?,
            None => false,
        }
    };
    if !accepted {
        failed(&state, &desk, &person.email, now).await?;
        view.error = Some(
            "That code is not right, or was used already. Check the app for the current code and try again."
                .to_owned(),
        );
        return access_page(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            "Sign-in code",
            view,
        )
        .await;
    }
    begin_second(&state, &desk, &headers, &hash, &person, now, &next).await
}

/// Ends the second-step token (only one request may use it) and signs in.
async fn begin_second(
    state: &AppState,
    desk: &Desk,
    headers: &HeaderMap,
    hash: &str,
    person: &Person,
    now: DateTime<Utc>,
    next: &str,
) -> Result<Response, WebError> {
    let used = state
        .store
        .use_staff_token(hash, TokenPurpose::SecondStep, now, None)
        .await?;
    if !used {
        return Ok(start_again());
    }
    begin_session(state, desk, headers, person, &person.email, now, next).await
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
                &audit(Utc::now(), &session.owner, AuditAction::LoggedOut, &desk.ip),
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
                session.owner.id,
                &audit(
                    Utc::now(),
                    &session.owner,
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
        crate::staff::set_cookie(state, SESSION_COOKIE, None),
    );
    response
}
