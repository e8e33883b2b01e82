//! Redirects that stay on this site. Every `Location` we build from what a client sent
//! (a missing trailing slash, a login's `next`) goes through `is_local_path`, which
//! takes the path as sent, still percent-encoded, and refuses anything a browser could
//! read as another site or that could not be a header: `//host`, `/\host`, dot
//! segments, encoded slashes and backslashes, control characters. The query the
//! client sent (tracking tags included) is kept.

use crate::cache::SentQuery;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

/// Whether `path` (as sent, percent-encoded) is a plain path on this site that a
/// redirect may point at.
pub fn is_local_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.starts_with('/') || path.contains('\\') {
        return false;
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") {
        return false;
    }
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return false;
    };
    if decoded.chars().any(char::is_control) {
        return false;
    }
    !decoded
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
}

/// The address a request was sent to: its path as sent (percent-encoded), the same
/// path decoded (for looking up stored redirects), and its whole query.
#[derive(Debug, Clone)]
pub struct Address {
    pub raw_path: String,
    pub path: String,
    pub query: Option<String>,
}

impl Address {
    pub fn of(parts: &axum::http::request::Parts) -> Self {
        let raw_path = parts.uri.path().to_owned();
        let path = percent_decode_str(&raw_path)
            .decode_utf8_lossy()
            .into_owned();
        let query = parts
            .extensions
            .get::<SentQuery>()
            .map(|q| q.0.clone())
            .or_else(|| parts.uri.query().map(str::to_owned))
            .filter(|q| !q.is_empty());
        Self {
            raw_path,
            path,
            query,
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Address {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// A redirect to `path` on this site with `status`, keeping `query`; `None` when the
/// path is not local (see `is_local_path`) or cannot be a header.
pub fn to(status: StatusCode, path: &str, query: Option<&str>) -> Option<Response> {
    if !is_local_path(path) {
        return None;
    }
    let location = match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    };
    let location = HeaderValue::from_str(&location).ok()?;
    Some((status, [(header::LOCATION, location)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_local_paths() {
        for good in [
            "/",
            "/world/",
            "/tag/ai",
            "/caf%C3%A9/",
            "/newsroom/articles?x=1",
        ] {
            assert!(is_local_path(good), "{good}");
        }
        for bad in [
            "",
            "world/",
            "//attacker.example/login",
            "/\\attacker.example",
            "/%2Fattacker.example%2Flogin",
            "/%2fattacker.example",
            "/%5Cattacker.example",
            "/newsroom/../%2fattacker.example%2fphish",
            "/newsroom/../admin",
            "/newsroom/%2e%2e/admin",
            "/./x",
            "/%09/evil",
            "/%0Aevil",
            "/a b",
            "/%FF/",
        ] {
            assert!(!is_local_path(bad), "{bad}");
        }
    }

    #[test]
    fn redirects_keep_the_query() {
        let r = to(StatusCode::PERMANENT_REDIRECT, "/search/", Some("q=harbor")).unwrap();
        assert_eq!(r.headers()[header::LOCATION], "/search/?q=harbor");
        assert!(to(StatusCode::PERMANENT_REDIRECT, "//evil/", None).is_none());
    }
}
