//! The staff guard, for every surface staff use (the newsroom today, the Admin API
//! next): who is signed in, whether their role may use the route, and for anything
//! but GET/HEAD whether the request came from our own pages with the right CSRF
//! token. It decides; each surface says no in its own way (a themed page, JSON).

use crate::forms::{same_origin, sent_csrf};
use crate::secrets::{cookie, same_secret};
use crate::AppState;
use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use chrono::Utc;
use masthead_core::auth::{AuditAction, NewAuditEntry, Session};
use masthead_core::people::{Person, Role};

pub use crate::reader::STAFF_SESSION_COOKIE as SESSION_COOKIE;
/// Before login: a random token the login form must echo (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "masthead_login";
/// Between a right password and the second step: a token naming who is halfway.
pub const SECOND_STEP_COOKIE: &str = "masthead_second_step";

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the login form).
    Anyone,
    /// Staff with at least this role.
    Staff(Role),
}

/// What the guard learned about the request, for the handler.
#[derive(Clone)]
pub struct Desk {
    /// The signed-in session, if any (always present on staff routes).
    pub session: Option<Session>,
    /// The client's address, for rate limits and the audit log.
    pub ip: String,
    /// The session cookie's token as sent, valid or not.
    pub token: Option<String>,
    /// The signed-in person's unread notifications, counted for the pages of staff
    /// routes (GET), whose navigation shows it; 0 elsewhere.
    pub unread: u64,
}

impl Desk {
    /// The signed-in person. Staff routes always have one (the guard sees to it).
    pub fn person(&self) -> Option<&Person> {
        self.session.as_ref().map(|s| &s.owner)
    }

    /// The audit log's entry for `action` on `target` (in words) by whoever is signed
    /// in, now, from this request's address.
    pub fn audit(&self, action: AuditAction, target: String) -> NewAuditEntry {
        NewAuditEntry {
            at: Utc::now(),
            actor: self.person().map(|p| p.id),
            action,
            target,
            ip: self.ip.clone(),
        }
    }

    /// The signed-in person, for handlers of staff routes: the guard admits no one
    /// without, so its absence is a bug answered with a 401 rather than a panic.
    pub fn signed_in(&self) -> Result<&Person, crate::WebError> {
        self.person()
            .ok_or_else(|| crate::WebError::from(masthead_core::Error::Unauthenticated))
    }

    /// The CSRF token forms on this page must carry.
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .unwrap_or_default()
    }

    /// The chrome of a newsroom page titled `title` for whoever is signed in, with
    /// their unread notifications in the navigation.
    pub fn chrome(
        &self,
        settings: &masthead_core::site::Settings,
        title: &str,
    ) -> masthead_render::newsroom::DeskChrome {
        let mut chrome =
            masthead_render::newsroom::DeskChrome::new(settings, title, self.person(), self.csrf());
        chrome.unread = self.unread;
        chrome
    }
}

/// Why the guard turned a request away.
pub enum Refusal {
    /// Not signed in, on a staff route. `next` is where to come back to.
    SignIn { next: String, changes_state: bool },
    /// A state-changing request from another site.
    CrossSite,
    /// A state-changing request without the right CSRF token.
    StaleForm { person: Option<Person> },
    /// Signed in, but the route needs at least `needed`.
    Role { person: Person, needed: Role },
    /// A form that cannot be taken (too large to read, or holding a NUL).
    BadForm(crate::forms::BadForm),
    /// The store failed.
    Internal(masthead_core::Error),
}

/// Where the staff cookies are sent: the session to the whole site (reader pages
/// show staff what staff may see, and are then never cached), the rest only to the
/// newsroom.
fn cookie_path(name: &str) -> &'static str {
    if name == SESSION_COOKIE {
        "/"
    } else {
        "/newsroom"
    }
}

/// A `Set-Cookie` value for one of the staff cookies; `None` removes it. The session
/// lasts as sessions do; the others end with the browser.
pub fn set_cookie(state: &AppState, name: &'static str, value: Option<&str>) -> HeaderValue {
    let days = (name == SESSION_COOKIE).then(|| masthead_core::auth::SESSION_MAX.num_days());
    crate::secrets::set_cookie(
        name,
        value,
        cookie_path(name),
        days,
        state.base_url.starts_with("https://"),
    )
}

/// Checks a request against the route's `access`; on success the request carries a
/// [`Desk`] for its handler.
pub async fn check(state: &AppState, access: Access, request: Request) -> Result<Request, Refusal> {
    let now = Utc::now();
    let ip = crate::client::address_of(&state.proxies, &request);
    let (session, token) = crate::reader::staff_session(state, request.headers(), now)
        .await
        .map_err(Refusal::Internal)?;
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    let mut request = request;
    if changes_state {
        let (checked, sent) = sent_csrf(request).await.map_err(Refusal::BadForm)?;
        request = checked;
        if !same_origin(&state.base_url, request.headers()) {
            return Err(Refusal::CrossSite);
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
            let person = session.map(|s| s.owner);
            return Err(Refusal::StaleForm { person });
        }
    }
    let mut unread = 0;
    if let Access::Staff(needed) = access {
        let Some(session) = &session else {
            let next = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default();
            return Err(Refusal::SignIn {
                next,
                changes_state,
            });
        };
        if !session.owner.role.at_least(needed) {
            return Err(Refusal::Role {
                person: session.owner.clone(),
                needed,
            });
        }
        if session.needs_touch(now) {
            let expires = masthead_core::auth::session_expiry(session.created_at, now);
            state
                .store
                .touch_session(&session.token_hash, now, expires)
                .await
                .map_err(Refusal::Internal)?;
        }
        if request.method() == axum::http::Method::GET {
            unread = state
                .store
                .unread_notifications(session.owner.id)
                .await
                .map_err(Refusal::Internal)?;
        }
    }
    request.extensions_mut().insert(Desk {
        session,
        ip,
        token,
        unread,
    });
    Ok(request)
}
