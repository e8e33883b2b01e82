//! Who is reading. The page cache serves only what is the same for everyone, so any
//! request that may say who its reader is (it carries a session cookie) goes past the
//! cache to the handlers, and what they answer is never stored. Handlers learn the
//! reader through the `Reader` extractor and decide what they may see with
//! `masthead_core::access::can_read`.

use crate::secrets::token_hash;
use crate::AppState;
use axum::http::{header, HeaderMap};
use masthead_core::access;
use masthead_core::auth::Session;
use masthead_core::member::MemberSession;

/// The staff session cookie: a random token whose SHA-256 names the stored session.
/// Sent to the whole site, so that staff reading it see what staff may see.
pub const STAFF_SESSION_COOKIE: &str = "masthead_session";

/// The member session cookie, as the staff one but for members' sessions; sent to the
/// whole site too, so that members read what members may read.
pub const MEMBER_SESSION_COOKIE: &str = "masthead_member";

/// Cookies that may identify a reader; a request carrying one is never answered from,
/// nor stored in, the shared page cache.
const READER_COOKIES: &[&str] = &[STAFF_SESSION_COOKIE, MEMBER_SESSION_COOKIE];

/// Whether a request carries a cookie that may identify its reader (valid or not:
/// that is the handler's to find out).
pub fn may_identify(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim()))
        .any(|name| READER_COOKIES.contains(&name))
}

/// The live staff session a request carries, with its token; else the token sent, if
/// any. A browser may hold two session cookies (one from before sessions were sent to
/// the whole site, under `/newsroom`, which it sends first): the first live one counts.
pub async fn staff_session(
    state: &AppState,
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> masthead_core::Result<(Option<Session>, Option<String>)> {
    let tokens = crate::secrets::cookies(headers, STAFF_SESSION_COOKIE);
    for token in &tokens {
        if let Some(session) = state.store.session(&token_hash(token), now).await? {
            return Ok((Some(session), Some(token.clone())));
        }
    }
    Ok((None, tokens.into_iter().next()))
}

/// A member session just stored: the token its cookie holds (only its hash is kept)
/// and the session's form token.
pub struct OpenedSession {
    pub token: String,
    pub csrf: String,
}

/// Stores a new session for `member`, signed in from `ip` with `user_agent`.
pub async fn open_member_session(
    store: &dyn masthead_core::store::Store,
    member: masthead_core::ids::MemberId,
    ip: &str,
    user_agent: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> masthead_core::Result<OpenedSession> {
    let opened = OpenedSession {
        token: crate::secrets::secret(),
        csrf: crate::secrets::secret(),
    };
    store
        .start_member_session(&masthead_core::member::NewMemberSession {
            token_hash: token_hash(&opened.token),
            owner: member,
            csrf_token: opened.csrf.clone(),
            created_at: now,
            ip: ip.to_owned(),
            user_agent: user_agent.to_owned(),
        })
        .await?;
    Ok(opened)
}

/// The live member session a request carries (the first live one, should a browser
/// send two), with the token it was found by; its expiry is pushed on as it is used
/// (at most once a minute).
pub async fn member_session(
    state: &AppState,
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> masthead_core::Result<Option<(MemberSession, String)>> {
    for token in crate::secrets::cookies(headers, MEMBER_SESSION_COOKIE) {
        if let Some(session) = state.store.member_session(&token_hash(&token), now).await? {
            if session.needs_touch(now) {
                let expires = masthead_core::auth::session_expiry(session.created_at, now);
                state
                    .store
                    .touch_member_session(&session.token_hash, now, expires)
                    .await?;
            }
            return Ok(Some((session, token)));
        }
    }
    Ok(None)
}

/// Who reads a page, with the token their session's forms carry (empty for
/// anonymous readers, who have no session).
#[derive(Debug, Clone)]
pub struct Scope {
    pub reader: access::Reader,
    pub csrf: String,
}

impl Scope {
    pub const ANONYMOUS: Scope = Scope {
        reader: access::Reader::Anonymous,
        csrf: String::new(),
    };

    /// A signed-in member, by their session, with what their payments entitle them
    /// to at `now`.
    pub async fn member(
        state: &AppState,
        session: &MemberSession,
        now: chrono::DateTime<chrono::Utc>,
    ) -> masthead_core::Result<Scope> {
        let subscriptions = state.store.member_subscriptions(session.owner.id).await?;
        Ok(Scope {
            reader: access::Reader::Member(
                Box::new(session.owner.clone()),
                masthead_core::payments::entitlement(&subscriptions, now),
            ),
            csrf: session.csrf_token.clone(),
        })
    }
}

/// Who reads: staff first (a member who is also on staff reads as staff), then a
/// member, else anonymous. Reading a session that cannot be read (the database is
/// down) is an error the caller decides about.
pub async fn identify(state: &AppState, headers: &HeaderMap) -> masthead_core::Result<Scope> {
    if !may_identify(headers) {
        return Ok(Scope::ANONYMOUS);
    }
    let now = chrono::Utc::now();
    if let (Some(session), _) = staff_session(state, headers, now).await? {
        return Ok(Scope {
            reader: access::Reader::Staff(Box::new(session.owner)),
            csrf: session.csrf_token,
        });
    }
    match member_session(state, headers, now).await? {
        Some((session, _)) => Scope::member(state, &session, now).await,
        None => Ok(Scope::ANONYMOUS),
    }
}

tokio::task_local! {
    /// Who reads the portal request being answered (see `scope`).
    static CURRENT: Scope;
}

/// Middleware for the reader portal: learns who reads once per request (no work for
/// requests without a session cookie) and keeps it for the request's handler and for
/// everything it calls, down to the page header and error pages (`current`).
pub async fn scope(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // A session that cannot be read (the database is down) reads as anonymous: the
    // page still answers, with what everyone may see.
    let visit = identify(&state, request.headers())
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read a session on a reader page");
            Scope::ANONYMOUS
        });
    let personal = !visit.reader.is_anonymous();
    let mut response = as_reader(visit, next.run(request)).await;
    if personal {
        // Made for this reader: no cache on the way (a CDN, a shared proxy) may keep it.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// Runs `answer` (a handler) with `visit` as the request's reader (`current`).
pub async fn as_reader<F: std::future::Future>(visit: Scope, answer: F) -> F::Output {
    CURRENT.scope(visit, answer).await
}

/// The reader of the portal request being answered; anonymous outside one.
pub fn current() -> access::Reader {
    CURRENT
        .try_with(|visit| visit.reader.clone())
        .unwrap_or(access::Reader::Anonymous)
}

/// The token the forms on the page being answered carry (the reader's session's).
pub fn current_csrf() -> String {
    CURRENT
        .try_with(|visit| visit.csrf.clone())
        .unwrap_or_default()
}

/// The reader of this request, as `can_read` knows them.
pub struct Reader(pub access::Reader);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(current()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_session_cookies_identify_a_reader() {
        let mut h = HeaderMap::new();
        assert!(!may_identify(&h));
        h.insert(
            header::COOKIE,
            "theme=dark; masthead_login=x".parse().unwrap(),
        );
        assert!(!may_identify(&h));
        h.append(header::COOKIE, "a=b; masthead_session=abc".parse().unwrap());
        assert!(may_identify(&h));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "masthead_member=abc".parse().unwrap());
        assert!(may_identify(&h));
    }
}
