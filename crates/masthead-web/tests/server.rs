//! The server's connection limits against clients that never finish: unfinished
//! headers, a body sent a byte at a time, an idle keep-alive, and more clients than
//! the server takes at once. (About 20,000 such connections once exhausted the file
//! descriptors and the site stopped answering.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_web::server::{serve, Limits};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn start(limits: Limits) -> SocketAddr {
    let db = masthead_testkit::sqlite().await;
    let store = db.store.clone();
    let state = masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "http://127.0.0.1".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = masthead_web::router(state);
    tokio::spawn(async move {
        let _db = db;
        serve(listener, app, limits, std::future::pending()).await
    });
    addr
}

fn limits() -> Limits {
    Limits {
        max_connections: 3,
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(600),
        drain_time: Duration::from_secs(1),
    }
}

/// Whether the server closes `stream` within `within` (it reads end of stream).
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while started.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
    false
}

/// A plain GET, answered on a fresh connection.
fn health(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_finish_are_let_go() {
    let addr = start(limits()).await;
    tokio::task::spawn_blocking(move || {
        // Headers that never end.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        assert!(closed_within(&mut slow, Duration::from_secs(5)), "unfinished headers");

        // A body sent a byte at a time, then not at all.
        let mut trickle = TcpStream::connect(addr).unwrap();
        trickle
            .write_all(
                b"POST /newsroom/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ne",
            )
            .unwrap();
        assert!(closed_within(&mut trickle, Duration::from_secs(5)), "a stalled body");

        // A keep-alive connection left idle after its answer.
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = [0u8; 1024];
        idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let n = idle.read(&mut answer).unwrap();
        assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
        assert!(closed_within(&mut idle, Duration::from_secs(5)), "idle keep-alive");

        assert!(health(addr).starts_with("HTTP/1.1 200"));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_clients_than_the_limit_wait_their_turn() {
    let addr = start(limits()).await;
    tokio::task::spawn_blocking(move || {
        // Three clients hold every slot with headers they never finish...
        let mut holders: Vec<TcpStream> = (0..3)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        // ...a fourth is queued, not refused, and served once their time is up.
        let started = Instant::now();
        let answer = health(addr);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "it waited for a slot"
        );
        for h in &mut holders {
            assert!(closed_within(h, Duration::from_secs(5)));
        }
        // Many more at once than the limit: every one is answered.
        let clients: Vec<_> = (0..20)
            .map(|_| std::thread::spawn(move || health(addr)))
            .collect();
        for c in clients {
            assert!(c.join().unwrap().starts_with("HTTP/1.1 200"));
        }
    })
    .await
    .unwrap();
}
