//! Logging: the process's subscriber (`init`), and one log line per request: method,
//! path, status and duration (target `masthead::request`;
//! `MASTHEAD_LOG=info,masthead::request=off` turns it off).
//!
//! Lines are written by a thread of their own through a buffer, so a request never
//! waits on a write to stderr. The request line, made for every request, is put
//! together here in the subscriber's own shape (text or JSON) rather than by its
//! general formatter, which cost a fifth of a cached page's throughput.

use axum::http::{Method, StatusCode};
use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;
use tracing_appender::non_blocking::NonBlocking;

/// Lines waiting to be written before a request waits for the writer (so none is
/// lost; a burst far beyond this slows requests rather than dropping their lines).
const BUFFERED_LINES: usize = 128 * 1024;
/// The most written to stderr at once by the log's thread.
const WRITE_BYTES: usize = 64 * 1024;
/// The request log's target, as filters name it.
const TARGET: &str = "masthead::request";

/// Where request lines go, and in which shape: set by `init`.
struct RequestLog {
    writer: NonBlocking,
    json: bool,
}

static REQUEST_LOG: OnceLock<RequestLog> = OnceLock::new();

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
    let _ = REQUEST_LOG.set(RequestLog {
        writer: writer.clone(),
        json,
    });
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

/// Logs one answered request, when the request log is on (`init` was called and the
/// filter lets `masthead::request` through at INFO); costs next to nothing when off.
pub fn request(method: &Method, path: &str, status: StatusCode, started: Instant) {
    let Some(log) = REQUEST_LOG.get() else {
        return;
    };
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return;
    }
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let text = line(
        log.json,
        chrono::Utc::now(),
        method,
        loggable(path),
        status,
        micros,
    );
    // The writer only queues the line; it fails only once the process is ending.
    let _ = log.writer.clone().write_all(text.as_bytes());
}

/// One request line, in the shape the subscriber writes its other lines.
fn line(
    json: bool,
    at: chrono::DateTime<chrono::Utc>,
    method: &Method,
    path: &str,
    status: StatusCode,
    micros: u64,
) -> String {
    let timestamp = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    if json {
        let mut text = serde_json::json!({
            "timestamp": timestamp,
            "level": "INFO",
            "message": "request",
            "method": method.as_str(),
            "path": path,
            "status": status.as_u16(),
            "micros": micros,
            "target": TARGET,
        })
        .to_string();
        text.push('\n');
        text
    } else {
        format!(
            "{timestamp}  INFO {TARGET}: request method={method} path={path:?} status={} micros={micros}\n",
            status.as_u16()
        )
    }
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
    use super::*;

    #[test]
    fn request_lines_have_the_subscribers_shape() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:02:15.685209Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let text = line(
            false,
            at,
            &Method::GET,
            "/world/a \"b\"/",
            StatusCode::OK,
            17,
        );
        assert_eq!(
            text,
            "2026-12-03T12:02:15.685209Z  INFO masthead::request: request method=GET \
             path=\"/world/a \\\"b\\\"/\" status=200 micros=17\n"
        );
        let json = line(true, at, &Method::HEAD, "/x\n", StatusCode::NOT_FOUND, 3);
        assert!(json.ends_with('\n') && json.lines().count() == 1, "{json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["target"], TARGET);
        assert_eq!(value["method"], "HEAD");
        assert_eq!(value["path"], "/x\n");
        assert_eq!(value["status"], 404);
        assert_eq!(value["micros"], 3);
        assert_eq!(value["level"], "INFO");
        assert_eq!(value["timestamp"], "2026-12-03T12:02:15.685209Z");
    }

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
