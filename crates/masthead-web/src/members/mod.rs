//! Members' own pages: signing in (and up) by an emailed link, signing out, the
//! account page, and their comments. Every route passes `guard`, which learns who is signed in, checks
//! that forms came from our own pages with their token, and sends signed-out readers
//! of member-only pages to sign in.
//!
//! Three cookies, each sent only where it is needed:
//! - `masthead_member` (the session; the whole site, so members read what members
//!   may; `reader::MEMBER_SESSION_COOKIE`);
//! - `masthead_browser` (under `/signin` only): this browser's own secret. A link is
//!   stored with the hash of the secret of the browser that asked for it, and works
//!   only there. Signed-out forms carry a token derived from it (double submit).

mod account;
mod comments;
mod passkeys;
mod signin;
mod support;

use crate::forms::{same_origin, sent_csrf};
use crate::reader::MEMBER_SESSION_COOKIE;
use crate::secrets::{same_secret, token_hash};
use crate::{AppState, WebError};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use masthead_core::member::MemberSession;

pub(crate) use crate::chrome::ACCOUNT;
/// The sign-in form; everything under it receives the browser cookie.
pub const SIGN_IN: &str = "/signin";
/// This browser's secret (see the module's notes).
const BROWSER_COOKIE: &str = "masthead_browser";
/// This browser's secret at the checkout: whoever holds it may be signed in as the
/// member a checkout they paid for made.
const CHECKOUT_COOKIE: &str = "masthead_checkout";

/// Who may use a member route.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone: the sign-in pages.
    Anyone,
    /// Signed-in members only.
    Member,
}

pub fn router(state: &AppState) -> Router<AppState> {
    let anyone = Router::new()
        .route(SIGN_IN, get(signin::form).post(signin::ask))
        .route("/signup", get(signin::join))
        .route("/signin/link/{token}", get(signin::open))
        .route("/signin/again", post(signin::again))
        .route("/signin/external", get(signin::external))
        .route("/signin/external/callback", get(signin::external_back))
        .route("/signin/passkey/start", answer(passkeys::sign_in_start))
        .route("/signin/passkey", answer(passkeys::sign_in_finish))
        .route(
            support::CHECKOUT_FORM,
            get(support::review).post(support::checkout),
        )
        .route(support::THANKS, get(support::thanks))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), Access::Anyone),
            guard,
        ));
    let members = Router::new()
        .route(ACCOUNT, get(account::show).post(account::save))
        .route("/account/data", get(account::data))
        .route("/account/delete", post(account::delete))
        .route("/account/sessions/end", post(account::sign_out_others))
        .route("/account/passkeys/start", answer(passkeys::add_start))
        .route("/account/passkeys", answer(passkeys::add_finish))
        .route("/account/passkeys/{id}/remove", post(passkeys::remove))
        .route("/signin/email", post(account::change_email))
        .route("/signout", post(signin::sign_out))
        .route("/account/plans", post(support::plans))
        .route("/comments", post(comments::post))
        .route("/comments/{id}/reply", get(comments::reply_form))
        .route(
            "/comments/{id}/edit",
            get(comments::edit_form).post(comments::edit),
        )
        .route(
            "/comments/{id}/delete",
            get(comments::delete_form).post(comments::delete),
        )
        .route("/comments/{id}/like", post(comments::like))
        .route(
            "/comments/{id}/report",
            get(comments::report_form).post(comments::report),
        )
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), Access::Member),
            guard,
        ));
    anyone.merge(members)
}

/// A route taking a browser's JSON answer to a passkey ceremony (small, bounded).
fn answer<H, T>(handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    post(handler).layer(axum::extract::DefaultBodyLimit::max(
        passkeys::MAX_ANSWER_BYTES,
    ))
}

/// What the guard learned about a request, for its handler.
#[derive(Clone)]
pub(crate) struct Visit {
    /// The client's address, for rate limits.
    pub ip: String,
    /// The signed-in member's session (always there on member routes).
    pub session: Option<MemberSession>,
    /// This browser's secret (under `/signin`; made now if it had none).
    pub browser: Option<String>,
}

impl Visit {
    /// The token this page's forms carry: the session's when signed in, else one
    /// derived from the browser's secret.
    pub fn csrf(&self) -> String {
        match (&self.session, &self.browser) {
            (Some(session), _) => session.csrf_token.clone(),
            (None, Some(browser)) => form_token(browser),
            (None, None) => String::new(),
        }
    }

    /// The signed-in member's session; member routes always have one (the guard sees
    /// to it), so its absence is answered as "sign in", not a panic.
    pub fn signed_in(&self) -> Result<&MemberSession, WebError> {
        self.session
            .as_ref()
            .ok_or_else(|| WebError::from(masthead_core::Error::Unauthenticated))
    }

    /// The hash a link is stored with, naming this browser (a fresh secret's, which
    /// matches nothing, when it has none).
    pub fn browser_hash(&self) -> String {
        token_hash(&self.browser.clone().unwrap_or_else(crate::secrets::secret))
    }
}

/// The signed-out forms' token for a browser secret: derived, so the page does not
/// show the secret itself.
fn form_token(browser: &str) -> String {
    token_hash(&format!("form:{browser}"))
}

/// Checks a request to a member route and runs it, refusals included, as its reader
/// (so every page it answers names them in the header); member pages are never
/// stored by anyone.
async fn guard(
    State((state, access)): State<(AppState, Access)>,
    request: Request,
    next: Next,
) -> Response {
    let now = Utc::now();
    let session = match crate::reader::member_session(&state, request.headers(), now).await {
        Ok(found) => found.map(|(session, _)| session),
        Err(e) => return no_store(WebError::from(e).into_response()),
    };
    let visit = match &session {
        Some(session) => match crate::reader::Scope::member(&state, session, now).await {
            Ok(visit) => visit,
            Err(e) => return no_store(WebError::from(e).into_response()),
        },
        None => crate::reader::Scope::ANONYMOUS,
    };
    let answer = async {
        match check(&state, access, request, session).await {
            Ok((request, new_browser)) => {
                let mut response = next.run(request).await;
                // A handler's refusal without a page of its own gets the site's.
                if let Some(crate::error::Unthemed(message)) = response
                    .extensions()
                    .get::<crate::error::Unthemed>()
                    .cloned()
                {
                    response = refuse(&state, response.status(), &message).await;
                }
                if let Some(cookie) = new_browser {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
                response
            }
            Err(refusal) => refusal,
        }
    };
    no_store(crate::reader::as_reader(visit, answer).await)
}

/// `response`, marked for no cache anywhere to keep.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The request carrying its `Visit`, and a browser secret's cookie to set if one was
/// made; or the answer refusing it.
async fn check(
    state: &AppState,
    access: Access,
    request: Request,
    session: Option<MemberSession>,
) -> Result<(Request, Option<HeaderValue>), Response> {
    let ip = crate::client::address_of(&state.proxies, &request);
    // Only where the browser sends its secret may one be made: anywhere else, a new
    // one would replace the secret pending links (or a checkout) were asked with.
    let kept = browser_cookie_for(request.uri().path());
    let sent_browser = kept
        .and_then(|(name, _)| crate::secrets::cookie(request.headers(), name))
        .filter(|b| b.len() == 64 && b.bytes().all(|c| c.is_ascii_hexdigit()));
    let new_browser = match (kept, &sent_browser) {
        (Some((name, path)), None) => Some((name, path, crate::secrets::secret())),
        _ => None,
    };
    let visit = Visit {
        ip,
        session,
        browser: sent_browser.or_else(|| new_browser.as_ref().map(|(_, _, s)| s.clone())),
    };
    let new_browser =
        new_browser.map(|(name, path, secret)| browser_cookie(state, name, path, &secret));
    let mut request = request;
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let checked = sent_csrf(request).await;
        let (checked, sent) = match checked {
            Ok(ok) => ok,
            Err(bad) => return Err(refuse(state, bad.status, bad.message).await),
        };
        request = checked;
        if !same_origin(&state.base_url, request.headers()) {
            return Err(refuse(
                state,
                StatusCode::FORBIDDEN,
                "This form was sent from another site, so it was not taken.",
            )
            .await);
        }
        let signed_out_member_form = access == Access::Member && visit.session.is_none();
        if !signed_out_member_form
            && !same_secret(&visit.csrf(), sent.as_deref().unwrap_or_default())
        {
            return Err(refuse(
                state,
                StatusCode::FORBIDDEN,
                "This form has expired or your browser did not send its cookies. Go back, \
                 reload the page and send it again.",
            )
            .await);
        }
    }
    if access == Access::Member && visit.session.is_none() {
        let here = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| ACCOUNT.to_owned());
        return Err(match *request.method() {
            Method::GET | Method::HEAD => {
                Redirect::to(&masthead_render::views::sign_in_href(&here)).into_response()
            }
            _ => {
                refuse(
                    state,
                    StatusCode::UNAUTHORIZED,
                    "You are signed out, so this was not saved. Sign in and try again.",
                )
                .await
            }
        });
    }
    request.extensions_mut().insert(visit);
    Ok((request, new_browser))
}

/// A refusal, as a themed page whose message says what to do.
async fn refuse(state: &AppState, status: StatusCode, message: &str) -> Response {
    let error = WebError {
        status,
        message: message.to_owned(),
        page: None,
    };
    crate::chrome::error_page(state, SIGN_IN, error, "That did not work")
        .await
        .into_response()
}

/// Which browser secret a path receives, as (cookie, path): the sign-in pages' (for
/// links asked for there), and the checkout's (for the member a checkout makes).
fn browser_cookie_for(path: &str) -> Option<(&'static str, &'static str)> {
    if path == SIGN_IN || path.starts_with("/signin/") {
        Some((BROWSER_COOKIE, SIGN_IN))
    } else if path.starts_with(support::CHECKOUT) {
        Some((CHECKOUT_COOKIE, support::CHECKOUT))
    } else {
        None
    }
}

/// A browser secret's cookie, under its path for a year.
fn browser_cookie(
    state: &AppState,
    name: &'static str,
    path: &'static str,
    secret: &str,
) -> HeaderValue {
    let secure = state.base_url.starts_with("https://");
    crate::secrets::set_cookie(name, Some(secret), path, Some(365), secure)
}

/// The member session cookie (`None` removes it).
fn session_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let days = masthead_core::auth::SESSION_MAX.num_days();
    let secure = state.base_url.starts_with("https://");
    crate::secrets::set_cookie(MEMBER_SESSION_COOKIE, token, "/", Some(days), secure)
}

/// Longest address kept to return to (it is stored with each link).
const MAX_RETURN: usize = 2000;

/// Where a reader may be sent back to after signing in: a plain local path, not too
/// long to keep, that is not itself part of signing in; else the front page.
pub(crate) fn safe_return(path: &str) -> String {
    let own = ["/signin", "/signup", "/signout", "/newsroom"]
        .iter()
        .any(|p| {
            path == *p || path.starts_with(&format!("{p}/")) || path.starts_with(&format!("{p}?"))
        });
    if path.len() <= MAX_RETURN && crate::redirect::is_local_path(path) && !own {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_local_pages_are_returned_to() {
        for (sent, kept) in [
            ("/world/harbor-fees/", "/world/harbor-fees/"),
            ("/latest/?page=2", "/latest/?page=2"),
            ("/account", "/account"),
            ("//evil.example/", "/"),
            ("https://evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("/signin", "/"),
            ("/signin/link/abc", "/"),
            ("/signout", "/"),
            ("/newsroom/", "/"),
            ("/a/../newsroom/", "/"),
            ("/%2f%2fevil.example", "/"),
            ("", "/"),
            ("/x\r\nSet-Cookie: a=b", "/"),
        ] {
            assert_eq!(safe_return(sent), kept, "{sent:?}");
        }
        // An address too long to keep with a link is not kept.
        let long = format!("/{}", "a".repeat(MAX_RETURN));
        assert_eq!(safe_return(&long), "/");
        assert_eq!(safe_return(&long[..MAX_RETURN]), &long[..MAX_RETURN]);
    }
}
