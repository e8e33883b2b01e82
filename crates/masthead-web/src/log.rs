//! One log line per request: method, path, status and duration.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub async fn one_line_per_request(request: Request, next: Next) -> Response {
    // Off (e.g. MASTHEAD_LOG=info,masthead::request=off): cost nothing.
    if !tracing::enabled!(target: "masthead::request", tracing::Level::INFO) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        target: "masthead::request",
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
