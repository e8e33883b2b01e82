//! A newsletter send survives its server's crash: `masthead serve` is killed (SIGKILL,
//! no chance to tidy up) in the middle of a send, another node on the same database
//! takes the send up once the first one's lease lapses, and every subscriber gets at
//! most one letter: the few being handed over at the crash are marked unknown and
//! never sent again, and everyone else gets theirs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use masthead_core::newsletter::SendStatus;
use masthead_core::site::NewsletterOffer;
use masthead_testkit::fixtures;
use masthead_testkit::http;
use masthead_testkit::mail::SmtpServer;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{add_staff, field, masthead, Session};

const SUBSCRIBERS: u32 = 3_000;

fn node(data: &Path, database_url: &str, smtp: &SmtpServer) -> (Child, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", http::free_port()).parse().unwrap();
    let child = masthead(data, Some(database_url))
        .arg("serve")
        .env("MASTHEAD_LISTEN", addr.to_string())
        .env("MASTHEAD_SMTP_URL", smtp.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    http::wait_for(addr);
    (child, addr)
}

#[test]
fn a_send_resumes_after_a_crash_without_a_second_copy() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(masthead_testkit::sqlite());
    let article = runtime.block_on(async {
        let store = &*db.store;
        let mut settings = store.settings().await.unwrap();
        settings.newsletters = vec![NewsletterOffer {
            slug: "morning".into(),
            name: "Morning Briefing".into(),
            description: "The day's news.".into(),
        }];
        store.save_settings(&settings).await.unwrap();
        let f = fixtures::newsroom(store).await;
        let newsroom = fixtures::newsroom_service(db.store.clone());
        let id = fixtures::published(
            &newsroom,
            "Harbour reopens",
            &f.world,
            f.author.id,
            &f.editor,
            0,
        )
        .await;
        fixtures::bulk_subscribers_sqlite(&db.url, SUBSCRIBERS, "morning").await;
        id
    });
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let password = add_staff(&data_a, Some(&db.url), "vic@example.com", "editor");
    let (mut node_a, addr_a) = node(&data_a, &db.url, &smtp);

    let mut editor = Session::log_in(addr_a, "vic@example.com", &password);
    let csrf = field(&editor.get("/newsroom/newsletters").body, "csrf");
    let r = editor
        .post(
            "/newsroom/newsletters/send",
            &[
                ("csrf", &csrf),
                ("article", &article.0.to_string()),
                ("newsletter", "morning"),
                ("segment", "all"),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);

    // Node A dies a third of the way through.
    let count = |settle| runtime.block_on(smtp.count_after(settle));
    let started = Instant::now();
    while count(Duration::ZERO) < SUBSCRIBERS as usize / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "node A sent too little"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    node_a.kill().unwrap();
    node_a.wait().unwrap();
    let at_crash = count(Duration::from_millis(500));
    assert!(
        at_crash < SUBSCRIBERS as usize,
        "A finished before it was stopped"
    );

    // Node B, on the same database, takes the send up and finishes it.
    let (mut node_b, _) = node(&data_b, &db.url, &smtp);
    let summary = runtime.block_on(async {
        let started = Instant::now();
        loop {
            let s = db.store.sends(None, 1).await.unwrap().remove(0);
            if s.status == SendStatus::Sent {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "not taken up: {s:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    node_b.kill().unwrap();
    node_b.wait().unwrap();

    // Nobody got two; everyone but the few of unknown fate got one.
    let c = summary.counts;
    assert_eq!(c.recipients, u64::from(SUBSCRIBERS));
    assert_eq!(c.sent + c.unknown, u64::from(SUBSCRIBERS), "{c:?}");
    assert!(
        c.unknown <= masthead_core::newsletter::CONCURRENCY as u64,
        "{c:?}"
    );
    // The newsletter's letters (a list's); the publication also told the story's
    // byline by a letter of its own, which is no copy of the newsletter.
    let letters: Vec<_> = runtime.block_on(async {
        let started = Instant::now();
        loop {
            let all = smtp.letters(c.sent as usize).await;
            let issues: Vec<_> = all
                .into_iter()
                .filter(|l| l.header("List-Id").is_some())
                .collect();
            if issues.len() as u64 >= c.sent || started.elapsed() > Duration::from_secs(10) {
                break issues;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut per_reader: HashMap<&str, usize> = HashMap::new();
    for letter in &letters {
        *per_reader.entry(letter.to.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = per_reader.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "a second copy reached {twice:?}");
    let received = letters.len() as u64;
    assert!(
        received >= c.sent && received <= c.sent + c.unknown,
        "{received} letters arrived; {c:?}"
    );
    eprintln!(
        "crash: {at_crash} letters before the crash, {} after; {} of unknown fate",
        received as usize - at_crash,
        c.unknown
    );
}
