//! What stands between a request and a newsroom handler: the session cookie, the role
//! check and CSRF protection, and the secrets and cookies they rest on.

use super::Access;
use crate::{AppState, WebError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use cookie::{Cookie, SameSite};
use masthead_core::auth::{NewSession, Session};
use masthead_core::people::Person;
use masthead_render::newsroom::{DeskChrome, DeskErrorView};
use std::net::SocketAddr;

pub use crate::reader::STAFF_SESSION_COOKIE as SESSION_COOKIE;
use crate::secrets::{cookie, same_secret};
/// Before login: a random token the login form must echo (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "masthead_login";
/// Between a right password and the second step: a token naming who is halfway.
pub const SECOND_STEP_COOKIE: &str = "masthead_second_step";
/// Where the newsroom's cookies are sent: the session to the whole site (reader pages
/// show staff what staff may see, and are then never cached), the rest only to the
/// newsroom.
fn cookie_path(name: &str) -> &'static str {
    if name == SESSION_COOKIE {
        "/"
    } else {
        "/newsroom"
    }
}
/// The largest form body read for its CSRF field.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// What the guard learned about the request, for the handler.
#[derive(Clone)]
pub struct Desk {
    /// The signed-in session, if any (always present on staff routes).
    pub session: Option<Session>,
    /// The client's address, for rate limits and the audit log.
    pub ip: String,
    /// The session cookie's token as sent, valid or not.
    pub token: Option<String>,
}

impl Desk {
    /// The signed-in person. Staff routes always have one (the guard sees to it).
    pub fn person(&self) -> Option<&Person> {
        self.session.as_ref().map(|s| &s.person)
    }

    /// The signed-in person, for handlers of staff routes: the guard admits no one
    /// without, so its absence is a bug answered with a 401 rather than a panic.
    pub fn signed_in(&self) -> Result<&Person, WebError> {
        self.person()
            .ok_or_else(|| WebError::from(masthead_core::Error::Unauthenticated))
    }

    /// The CSRF token forms on this page must carry.
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .unwrap_or_default()
    }
}

/// The chrome of `person`'s staff page titled `title`, with `current` marked in the
/// navigation.
pub async fn chrome(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    title: &str,
    current: &'static str,
) -> Result<DeskChrome, WebError> {
    let site = state.site.get(&*state.store).await?;
    let mut chrome = DeskChrome::new(&site.settings, title, Some(person), desk.csrf());
    chrome.current = current;
    Ok(chrome)
}

/// The newsroom's "no such page", for `Segments` that cannot be what a route expects.
pub struct NoDeskPage;

impl crate::segments::Missing for NoDeskPage {
    async fn page(state: &AppState, parts: &axum::http::request::Parts) -> WebError {
        let person = parts.extensions.get::<Desk>().and_then(Desk::person);
        desk_error(
            state,
            StatusCode::NOT_FOUND,
            person,
            "No such page",
            "There is nothing at this address in the newsroom.",
        )
        .await
    }
}

pub use crate::segments::Segments;

/// `?notice=...`: what a page says after a form sent the browser on to it.
#[derive(serde::Deserialize)]
pub struct NoticeParam {
    pub notice: Option<String>,
}

/// A `Set-Cookie` value for one of the newsroom's cookies; `None` removes it.
pub fn set_cookie(state: &AppState, name: &'static str, value: Option<&str>) -> HeaderValue {
    let mut c = Cookie::build((name, value.unwrap_or_default().to_owned()))
        .path(cookie_path(name))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.base_url.starts_with("https://"))
        .build();
    match value {
        Some(_) if name == SESSION_COOKIE => {
            let days = masthead_core::auth::SESSION_MAX.num_days();
            c.set_max_age(cookie::time::Duration::days(days));
        }
        Some(_) => {}
        None => c.make_removal(),
    }
    // A cookie built from our own names and hex values is always a valid header.
    HeaderValue::from_str(&c.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The guard in front of every newsroom route (see `super::routes`).
pub async fn guard(
    State((state, access)): State<(AppState, Access)>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match check(&state, access, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    };
    // Staff pages are private (their framing rules and the rest of the security
    // headers come with every newsroom answer, see `security`).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn check(state: &AppState, access: Access, request: Request) -> Result<Request, Response> {
    let now = Utc::now();
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| {
            state
                .proxies
                .client(c.0.ip(), request.headers())
                .to_string()
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let (session, token) = crate::reader::staff_session(state, request.headers(), now)
        .await
        .map_err(internal)?;
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    let mut request = request;
    if changes_state {
        let (checked, sent) = csrf_field(request).await?;
        request = checked;
        if !same_origin(state, request.headers()) {
            return Err(refuse(
                state,
                None,
                "This request did not come from the newsroom's own pages.",
            )
            .await);
        }
        let expected = match (access, &session) {
            (Access::Anyone, _) => cookie(request.headers(), LOGIN_CSRF_COOKIE),
            (Access::Staff(_), Some(s)) => Some(s.csrf_token.clone()),
            (Access::Staff(_), None) => None,
        };
        let signed_in_route = matches!(access, Access::Staff(_));
        if (session.is_some() || !signed_in_route)
            && !same_secret(
                expected.as_deref().unwrap_or_default(),
                sent.as_deref().unwrap_or_default(),
            )
        {
            let person = session.as_ref().map(|s| &s.person);
            return Err(refuse(
                state,
                person,
                "The form had expired or did not come from this newsroom. Go back, reload the page and try again.",
            )
            .await);
        }
    }
    if let Access::Staff(role) = access {
        let Some(session) = &session else {
            let next = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default();
            return Err(log_in_first(state, &next, changes_state).await);
        };
        if !session.person.role.at_least(role) {
            return Err(desk_error(
                state,
                StatusCode::FORBIDDEN,
                Some(&session.person),
                "Not for your role",
                &format!(
                    "This part of the newsroom is for the {} role and above; you are signed in as {}.",
                    role.label().to_lowercase(),
                    session.person.role.label().to_lowercase()
                ),
            )
            .await
            .into_response());
        }
        if session.needs_touch(now) {
            let expires = NewSession::expiry(session.created_at, now);
            state
                .store
                .touch_session(&session.token_hash, now, expires)
                .await
                .map_err(internal)?;
        }
    }
    request.extensions_mut().insert(Desk { session, ip, token });
    Ok(request)
}

/// The CSRF token a state-changing request carries: the `csrf` field of a form (the
/// body is read and put back), or the `X-CSRF-Token` header for anything else.
async fn csrf_field(request: Request) -> Result<(Request, Option<String>), Response> {
    #[derive(serde::Deserialize)]
    struct Field {
        csrf: Option<String>,
    }
    let header_token = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        // A file upload form posted without script cannot set a header: its action
        // carries the token (`?csrf=`), on our own origin only (checked by the caller).
        let query_token = request.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Field>(q)
                .ok()
                .and_then(|f| f.csrf)
        });
        return Ok((request, header_token.or(query_token)));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response())?;
    let sent = serde_urlencoded::from_bytes::<Field>(&bytes)
        .ok()
        .and_then(|f| f.csrf)
        .or(header_token);
    Ok((Request::from_parts(parts, Body::from(bytes)), sent))
}

/// Whether a state-changing request came from our own pages, as far as the browser
/// says: `Sec-Fetch-Site` when sent, else `Origin` when sent.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    origin == state.base_url || origin.split_once("://").map(|(_, h)| h) == host
}

/// No session: pages send the reader to the login form (and back after); anything
/// else is refused.
async fn log_in_first(state: &AppState, next: &str, changes_state: bool) -> Response {
    if !changes_state {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
        return Redirect::to(&format!("/newsroom/login?{query}")).into_response();
    }
    desk_error(
        state,
        StatusCode::UNAUTHORIZED,
        None,
        "Please log in",
        "Your session has ended. Log in again, then repeat what you were doing.",
    )
    .await
    .into_response()
}

async fn refuse(state: &AppState, person: Option<&Person>, message: &str) -> Response {
    desk_error(
        state,
        StatusCode::FORBIDDEN,
        person,
        "Request refused",
        message,
    )
    .await
    .into_response()
}

fn internal(e: masthead_core::Error) -> Response {
    crate::WebError::from(e).into_response()
}

/// A newsroom page that says what went wrong, as an error handlers return with `?`
/// (without a page when even the page cannot be made: the message is then shown).
pub async fn desk_error(
    state: &AppState,
    status: StatusCode,
    person: Option<&Person>,
    heading: &str,
    message: &str,
) -> WebError {
    let page = match state.site.get(&*state.store).await {
        Ok(site) => {
            let view = DeskErrorView {
                chrome: DeskChrome::new(&site.settings, heading, person, ""),
                heading: heading.to_owned(),
                message: message.to_owned(),
            };
            state.theme.render("newsroom/error.html", &view).ok()
        }
        Err(_) => None,
    };
    WebError {
        status,
        message: message.to_owned(),
        page,
    }
}
