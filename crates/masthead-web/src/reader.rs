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

/// The staff session cookie: a random token whose SHA-256 names the stored session.
/// Sent to the whole site, so that staff reading it see what staff may see.
pub const STAFF_SESSION_COOKIE: &str = "masthead_session";

/// Cookies that may identify a reader; a request carrying one is never answered from,
/// nor stored in, the shared page cache.
const READER_COOKIES: &[&str] = &[STAFF_SESSION_COOKIE];

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

/// The reader of this request, as `can_read` knows them.
pub struct Reader(pub access::Reader);

impl axum::extract::FromRequestParts<AppState> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !may_identify(&parts.headers) {
            return Ok(Self(access::Reader::Anonymous));
        }
        // A session that cannot be read (the database is down) reads as anonymous:
        // the page still answers, with what everyone may see.
        let reader = match staff_session(state, &parts.headers, chrono::Utc::now()).await {
            Ok((Some(session), _)) => access::Reader::Staff(Box::new(session.owner)),
            Ok((None, _)) => access::Reader::Anonymous,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a staff session on a reader page");
                access::Reader::Anonymous
            }
        };
        Ok(Self(reader))
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
    }
}
