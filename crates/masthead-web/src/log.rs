//! One log line per request: method, path, status and duration (target
//! `masthead::request`; `MASTHEAD_LOG=info,masthead::request=off` turns it off).

use axum::http::{Method, StatusCode};
use std::time::Instant;

/// Logs one answered request; costs nothing when the target is off.
pub fn request(method: &Method, path: &str, status: StatusCode, started: Instant) {
    tracing::info!(
        target: "masthead::request",
        %method,
        path,
        status = status.as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
}
