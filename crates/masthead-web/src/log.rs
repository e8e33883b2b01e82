//! Logging: the process's subscriber (`init`), and one log line per request: method,
//! path, status and duration (target `masthead::request`;
//! `MASTHEAD_LOG=info,masthead::request=off` turns it off).
//!
//! Every line goes into one shared buffer, which a thread of its own writes to stderr
//! in batches: when it holds `WRITE_BYTES`, or `GATHER` after its first line, so a
//! request never waits on a write to stderr and the writer wakes a few times a second
//! rather than once a line (waking it for every line, as a channel does, cost a fifth
//! of a cached page's throughput). The request line, made for every request, is put
//! together here in the subscriber's own shape (text or JSON) rather than by its
//! general formatter, which cost as much again.

use axum::http::{Method, StatusCode};
use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// What the writer gathers before it writes, at most.
const WRITE_BYTES: usize = 64 * 1024;
/// The most buffer kept between batches.
const KEPT_BYTES: usize = 1024 * 1024;
/// How long a line may wait for others to go out with it.
const GATHER: Duration = Duration::from_millis(50);
/// Lines waiting past this make whoever logs wait for the writer: a burst far beyond
/// what stderr takes slows requests rather than dropping their lines or growing
/// without bound.
const MAX_WAITING: usize = 8 * 1024 * 1024;
/// The request log's target, as filters name it.
const TARGET: &str = "masthead::request";

/// Where request lines go, and in which shape: set by `init`.
struct RequestLog {
    writer: Batched,
    json: bool,
}

static REQUEST_LOG: OnceLock<RequestLog> = OnceLock::new();

/// Installs the process's log subscriber: human-readable lines or JSON objects, as
/// `filter` (the `MASTHEAD_LOG` syntax) selects, on stderr. Keep the guard for the
/// life of the process: dropping it writes out what is waiting.
pub fn init(json: bool, filter: &str) -> LogGuard {
    let (writer, guard) = Batched::start(std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal: a file or a journal gets plain lines,
    // which are also cheaper to make.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer.clone());
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
    // Whether request lines are wanted is settled now, once: asking the subscriber on
    // every request cost more than the rest of the line.
    if tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        let _ = REQUEST_LOG.set(RequestLog { writer, json });
    }
    guard
}

/// Logs one answered request, when the request log is on (`init` was called with a
/// filter that lets `masthead::request` through at INFO); costs next to nothing when off.
pub fn request(method: &Method, path: &str, status: StatusCode, started: Instant) {
    let Some(log) = REQUEST_LOG.get() else {
        return;
    };
    thread_local! {
        /// Each thread makes its lines here, so making one allocates nothing.
        static LINE: RefCell<(Vec<u8>, Stamp)> =
            RefCell::new((Vec::with_capacity(256), Stamp::default()));
    }
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    LINE.with_borrow_mut(|(text, stamp)| {
        text.clear();
        line(
            text,
            stamp,
            log.json,
            chrono::Utc::now(),
            method,
            loggable(path),
            status,
            micros,
        );
        log.writer.append(text);
    });
}

/// A line's timestamp up to its seconds ("2026-12-03T12:02:15"), made once a second:
/// the request log writes one for every request.
#[derive(Default)]
struct Stamp {
    second: Option<i64>,
    text: String,
}

impl Stamp {
    /// `at` as the subscriber writes it: RFC 3339, microseconds, `Z`.
    fn write(&mut self, text: &mut Vec<u8>, at: chrono::DateTime<chrono::Utc>) {
        let second = at.timestamp();
        if self.second != Some(second) {
            self.text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
            self.second = Some(second);
        }
        text.extend_from_slice(self.text.as_bytes());
        let micros = at.timestamp_subsec_micros().min(999_999);
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(micros);
        text.push(b'.');
        text.extend(std::iter::repeat_n(b'0', 6 - digits.len()));
        text.extend_from_slice(digits.as_bytes());
        text.push(b'Z');
    }
}

/// One request line, in the shape the subscriber writes its other lines, onto `text`.
#[allow(clippy::too_many_arguments)]
fn line(
    text: &mut Vec<u8>,
    stamp: &mut Stamp,
    json: bool,
    at: chrono::DateTime<chrono::Utc>,
    method: &Method,
    path: &str,
    status: StatusCode,
    micros: u64,
) {
    if json {
        let mut timestamp = Vec::with_capacity(32);
        stamp.write(&mut timestamp, at);
        let object = serde_json::json!({
            "timestamp": String::from_utf8_lossy(&timestamp),
            "level": "INFO",
            "message": "request",
            "method": method.as_str(),
            "path": path,
            "status": status.as_u16(),
            "micros": micros,
            "target": TARGET,
        });
        // Writing into a Vec cannot fail.
        let _ = writeln!(text, "{object}");
        return;
    }
    stamp.write(text, at);
    text.extend_from_slice(b"  INFO ");
    text.extend_from_slice(TARGET.as_bytes());
    text.extend_from_slice(b": request method=");
    text.extend_from_slice(method.as_str().as_bytes());
    text.extend_from_slice(b" path=");
    // As `{:?}` writes it: paths are printable ASCII but for rare exceptions, which
    // take the general way.
    if path
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    {
        text.push(b'"');
        text.extend_from_slice(path.as_bytes());
        text.push(b'"');
    } else {
        let _ = write!(text, "{path:?}");
    }
    text.extend_from_slice(b" status=");
    text.extend_from_slice(itoa::Buffer::new().format(status.as_u16()).as_bytes());
    text.extend_from_slice(b" micros=");
    text.extend_from_slice(itoa::Buffer::new().format(micros).as_bytes());
    text.push(b'\n');
}

/// A writer whose lines a thread of its own writes out in batches (see the module).
#[derive(Clone)]
struct Batched {
    shared: Arc<Shared>,
}

struct Shared {
    waiting: Mutex<Waiting>,
    /// The writer is told: the first line arrived, `WRITE_BYTES` are waiting, or the
    /// end came.
    ready: Condvar,
    /// Whoever waits for room is told: the writer took the lines.
    room: Condvar,
}

#[derive(Default)]
struct Waiting {
    lines: Vec<u8>,
    ended: bool,
}

/// Writes out what is waiting when dropped, and stops the writer.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Batched {
    /// A writer and the thread that writes its lines to `sink`.
    fn start(sink: impl Write + Send + 'static) -> (Self, LogGuard) {
        let shared = Arc::new(Shared {
            waiting: Mutex::new(Waiting::default()),
            ready: Condvar::new(),
            room: Condvar::new(),
        });
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("masthead-log".into())
            .spawn(move || write_out(&writer, sink))
            .ok();
        if thread.is_none() {
            shared.lock().ended = true;
        }
        let guard = LogGuard {
            shared: shared.clone(),
            thread,
        };
        (Self { shared }, guard)
    }

    /// Adds whole lines to what is waiting; once the writer has stopped (the process
    /// is ending, or its thread could not start), writes them to stderr at once.
    fn append(&self, bytes: &[u8]) {
        let mut waiting = self.shared.lock();
        if waiting.ended {
            drop(waiting);
            let _ = std::io::stderr().write_all(bytes);
            return;
        }
        while waiting.lines.len() >= MAX_WAITING && !waiting.ended {
            waiting = self
                .shared
                .room
                .wait(waiting)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let before = waiting.lines.len();
        waiting.lines.extend_from_slice(bytes);
        let after = waiting.lines.len();
        drop(waiting);
        if before == 0 || (before < WRITE_BYTES && after >= WRITE_BYTES) {
            self.shared.ready.notify_one();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // A thread that panicked while appending left whole bytes behind.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The writer's thread: waits for a first line, gathers for `GATHER` or until
/// `WRITE_BYTES` wait, writes them in one go; until the end, with nothing left.
fn write_out(shared: &Shared, mut sink: impl Write) {
    let mut batch = Vec::with_capacity(WRITE_BYTES);
    loop {
        let mut waiting = shared.lock();
        while waiting.lines.is_empty() && !waiting.ended {
            waiting = shared
                .ready
                .wait(waiting)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if !waiting.ended {
            waiting = shared
                .ready
                .wait_timeout_while(waiting, GATHER, |w| w.lines.len() < WRITE_BYTES && !w.ended)
                .map(|(w, _)| w)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        std::mem::swap(&mut waiting.lines, &mut batch);
        let ended = waiting.ended;
        drop(waiting);
        shared.room.notify_all();
        if !batch.is_empty() {
            // Nowhere to report a failing stderr; the lines are let go.
            let _ = sink.write_all(&batch).and_then(|()| sink.flush());
            batch.clear();
            // Kept for the next batch, so a busy log does not grow a buffer again every
            // time; a burst's larger one is not kept for the quiet that follows.
            batch.shrink_to(KEPT_BYTES);
        }
        if ended && shared.lock().lines.is_empty() {
            return;
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().ended = true;
        self.shared.ready.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Write for Batched {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Batched {
    type Writer = Batched;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
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

    fn made(
        json: bool,
        at: chrono::DateTime<chrono::Utc>,
        method: &Method,
        path: &str,
        status: StatusCode,
        micros: u64,
    ) -> String {
        let mut text = b"left from the line before".to_vec();
        text.clear();
        line(
            &mut text,
            &mut Stamp::default(),
            json,
            at,
            method,
            path,
            status,
            micros,
        );
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn request_lines_have_the_subscribers_shape() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:02:15.685209Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let text = made(
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
        // Paths that need escaping are written as `{:?}` writes them.
        let odd = made(false, at, &Method::GET, "/a\tb\\c\u{7f}", StatusCode::OK, 1);
        assert!(
            odd.contains(r#"path="/a\tb\\c\u{7f}" status=200 micros=1"#),
            "{odd}"
        );
        // One stamp serves the lines of one second, and is made again for the next.
        let mut stamp = Stamp::default();
        let mut text = Vec::new();
        for (at, expected) in [
            ("2026-12-03T12:02:15.000001Z", "2026-12-03T12:02:15.000001Z"),
            ("2026-12-03T12:02:15.999999Z", "2026-12-03T12:02:15.999999Z"),
            ("2026-12-03T12:02:16.5Z", "2026-12-03T12:02:16.500000Z"),
        ] {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&chrono::Utc);
            text.clear();
            stamp.write(&mut text, at);
            assert_eq!(String::from_utf8_lossy(&text), expected);
        }
        // Whole seconds and the first microsecond keep their zeros.
        let early = chrono::DateTime::parse_from_rfc3339("0999-01-02T03:04:05.000001Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert!(made(false, early, &Method::GET, "/", StatusCode::OK, 0)
            .starts_with("0999-01-02T03:04:05.000001Z  INFO"));
        let json = made(true, at, &Method::HEAD, "/x\n", StatusCode::NOT_FOUND, 3);
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

    /// A sink the tests can read, writing slowly when asked to.
    #[derive(Clone, Default)]
    struct Sink {
        written: Arc<Mutex<Vec<u8>>>,
        writes: Arc<std::sync::atomic::AtomicUsize>,
        slow: bool,
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.slow {
                std::thread::sleep(Duration::from_millis(2));
            }
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.written.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.written.lock().unwrap().clone()).unwrap()
        }
    }

    /// Lines from `threads` threads, `each` apiece, `width` bytes long, through a
    /// writer on `sink`; every line arrives whole, each thread's in its order.
    fn every_line_arrives(sink: Sink, threads: usize, each: usize, width: usize) -> Sink {
        let (writer, guard) = Batched::start(sink.clone());
        std::thread::scope(|scope| {
            for t in 0..threads {
                let mut writer = writer.clone();
                scope.spawn(move || {
                    for n in 0..each {
                        let line = format!("{t} {n:>width$}\n");
                        writer.write_all(line.as_bytes()).unwrap();
                    }
                });
            }
        });
        drop(guard);
        let text = sink.text();
        let mut next = vec![0; threads];
        for line in text.lines() {
            let (t, n) = line.split_once(' ').expect("a whole line");
            let (t, n): (usize, usize) = (t.parse().unwrap(), n.trim().parse().unwrap());
            assert_eq!(n, next[t], "thread {t}'s lines out of order or lost");
            next[t] += 1;
        }
        assert_eq!(next, vec![each; threads]);
        sink
    }

    #[test]
    fn lines_from_many_threads_go_out_whole_in_order_and_in_batches() {
        let lines = 4 * 20_000;
        let sink = every_line_arrives(Sink::default(), 4, 20_000, 8);
        let writes = sink.writes.load(std::sync::atomic::Ordering::Relaxed);
        assert!(writes < lines / 20, "{writes} writes for {lines} lines");
    }

    #[test]
    fn past_the_limit_loggers_wait_for_a_slow_stderr_and_lose_nothing() {
        // 3 x 4,000 lines of 1 KB: past MAX_WAITING while each write takes 2 ms.
        let sink = Sink {
            slow: true,
            ..Sink::default()
        };
        let sink = every_line_arrives(sink, 3, 4_000, 1_000);
        assert!(sink.written.lock().unwrap().len() > MAX_WAITING);
    }

    #[test]
    fn a_lone_line_goes_out_soon_and_after_the_end_at_once() {
        let sink = Sink::default();
        let (mut writer, guard) = Batched::start(sink.clone());
        writer.write_all(b"alone\n").unwrap();
        let asked = Instant::now();
        while !sink.text().contains("alone") {
            assert!(asked.elapsed() < Duration::from_secs(5), "the line waits");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(guard);
        // The writer has stopped: nothing is left waiting for it.
        writer.write_all(b"late\n").unwrap();
        assert!(writer.shared.lock().lines.is_empty());
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
