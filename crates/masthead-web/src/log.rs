//! Logging: the process's subscriber (`init`), and one log line per request: method,
//! path, status and duration (target `masthead::request`;
//! `MASTHEAD_LOG=info,masthead::request=off` turns it off).
//!
//! Lines are written by a thread of their own through a buffer, so a request never
//! waits on a write to stderr: with the request log on, cached pages are served at
//! nearly the rate they are with it off.

use axum::http::{Method, StatusCode};
use std::time::Instant;

/// Lines waiting to be written before a request waits for the writer (so none is
/// lost; a burst far beyond this slows requests rather than dropping their lines).
const BUFFERED_LINES: usize = 128 * 1024;
/// The most written to stderr at once by the log's thread.
const WRITE_BYTES: usize = 64 * 1024;

/// Installs the process's log subscriber: human-readable lines or JSON objects, as
/// `filter` (the `MASTHEAD_LOG` syntax) selects, on stderr. Keep the guard for the
/// life of the process: dropping it writes out what is buffered.
pub fn init(json: bool, filter: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("masthead-log")
        // Lines gathered while more are waiting go out in one write; the writer
        // flushes whenever it has caught up, so nothing waits in the buffer.
        .finish(std::io::BufWriter::with_capacity(
            WRITE_BYTES,
            std::io::stderr(),
        ));
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal: a file or a journal gets plain lines,
    // which are also cheaper to make.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
    guard
}

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
