//! One log line per request: method, path, status and duration (target
//! `masthead::request`; `MASTHEAD_LOG=info,masthead::request=off` turns it off).

use axum::http::{Method, StatusCode};
use std::time::Instant;

/// Logs one answered request; costs nothing when the target is off.
pub fn request(method: &Method, path: &str, status: StatusCode, started: Instant) {
    tracing::info!(
        target: "masthead::request",
        %method,
        path = loggable(path),
        status = status.as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
}

/// Addresses whose last segment is a secret (preview links, reset links,
/// invitations): logs keep only the part before it.
const SECRET_TAILS: &[(&str, &str)] = &[
    ("/preview/", "/preview/…"),
    ("/newsroom/reset/", "/newsroom/reset/…"),
    ("/newsroom/invitation/", "/newsroom/invitation/…"),
];

/// The path as logs may keep it: a link's secret is not written down.
fn loggable(path: &str) -> &str {
    SECRET_TAILS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or(path, |(_, masked)| masked)
}

#[cfg(test)]
mod tests {
    #[test]
    fn preview_secrets_stay_out_of_the_logs() {
        assert_eq!(super::loggable("/preview/3f9c0a"), "/preview/…");
        assert_eq!(
            super::loggable("/newsroom/reset/3f9c0a"),
            "/newsroom/reset/…"
        );
        assert_eq!(
            super::loggable("/newsroom/invitation/3f9c0a"),
            "/newsroom/invitation/…"
        );
        assert_eq!(super::loggable("/newsroom/reset"), "/newsroom/reset");
        assert_eq!(super::loggable("/world/story/"), "/world/story/");
    }
}
