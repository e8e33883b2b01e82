//! The newsroom against the real binary, on both backends: the editor never loses
//! work (the server is killed with SIGKILL while a writer's browser autosaves, and
//! after a restart the writer gets back what was last acknowledged, with every earlier
//! save still in the history), and scheduled articles publish on time, also when the
//! server was down at that time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use masthead_testkit::http;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{add_staff, field, serve, Session};

/// The body the writer has typed after `n` autosaves.
fn typed(n: usize) -> String {
    (1..=n)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn killed_while_autosaving_loses_nothing_acknowledged(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let password = add_staff(&data, database_url, "ana@example.com", "author");
    let addr: SocketAddr = format!("127.0.0.1:{}", http::free_port()).parse().unwrap();
    let mut server = serve(&data, database_url, addr);
    let mut writer = Session::log_in(addr, "ana@example.com", &password);

    // A draft, saved once on purpose.
    let form = writer.get("/newsroom/articles/new");
    let csrf = field(&form.body, "csrf");
    let byline = {
        let marker = r#"name="authors" value=""#;
        let start = form.body.find(marker).unwrap() + marker.len();
        form.body[start..start + form.body[start..].find('"').unwrap()].to_owned()
    };
    let fields = |body: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf.as_str()),
            ("title", "Storm closes the coast road"),
            ("body_markdown", body),
            ("article_type", "news"),
            ("visibility", "public"),
            ("authors", byline.as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let created = {
        let f = fields("The first paragraph, saved.");
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        writer.post("/newsroom/articles", &refs).unwrap()
    };
    assert_eq!(created.status, 303, "{}", created.body);
    let editor_path = created
        .header("location")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The browser autosaves as the writer types, until the server dies under it.
    let acked = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    let typist = {
        let (acked, dead) = (acked.clone(), dead.clone());
        let mut session = Session {
            addr,
            cookies: writer.cookies.clone(),
        };
        let path = format!("{editor_path}/autosave");
        let all = fields("");
        std::thread::spawn(move || {
            for n in 1.. {
                let mut f = all.clone();
                for (k, v) in f.iter_mut() {
                    if k == "body_markdown" {
                        *v = format!("The first paragraph, saved.\n\n{}", typed(n));
                    }
                }
                let refs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                match session.post(&path, &refs) {
                    Ok(r) if r.status == 200 => acked.store(n, Ordering::SeqCst),
                    Ok(r) => panic!("autosave {n} answered {}: {}", r.status, r.body),
                    Err(_) => {
                        dead.store(true, Ordering::SeqCst);
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    typist.join().unwrap();
    assert!(dead.load(Ordering::SeqCst));
    let last_acked = acked.load(Ordering::SeqCst);

    // After a restart, the writer gets back everything the server acknowledged.
    let mut server = serve(&data, database_url, addr);
    let mut writer = Session::log_in(addr, "ana@example.com", &password);
    let page = writer.get(&editor_path);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Restored your unsaved changes"),
        "{}",
        page.body
    );
    let start = page
        .body
        .find("The first paragraph, saved.\n\n")
        .expect("the restored body")
        + "The first paragraph, saved.\n\n".len();
    // (The body's Markdown ends with a line break.)
    let restored =
        page.body[start..start + page.body[start..].find("</textarea>").unwrap()].trim_end();
    let words = restored.split_whitespace().count();
    assert!(
        restored == typed(words) && (last_acked..=last_acked + 1).contains(&words),
        "acknowledged {last_acked} autosaves, got back {words}: {restored}"
    );
    // The earlier, deliberate save is still there, untouched.
    let history = writer.get(&format!("{editor_path}/history"));
    assert_eq!(
        history.body.matches("<td>Saved</td>").count(),
        1,
        "{}",
        history.body
    );
    assert_eq!(history.body.matches("<td>Autosaved</td>").count(), 1);
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn sqlite_killed_while_autosaving_loses_nothing_acknowledged() {
    killed_while_autosaving_loses_nothing_acknowledged(None);
}

#[test]
fn postgres_killed_while_autosaving_loses_nothing_acknowledged() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(masthead_testkit::postgres()) else {
        return;
    };
    killed_while_autosaving_loses_nothing_acknowledged(Some(&db.url));
    drop(db);
}

/// Creates a draft through the editor as `session`; returns the editor's path.
fn new_draft(session: &mut Session, title: &str) -> String {
    let form = session.get("/newsroom/articles/new");
    let csrf = field(&form.body, "csrf");
    let marker = r#"name="authors" value=""#;
    let start = form.body.find(marker).unwrap() + marker.len();
    let byline = form.body[start..start + form.body[start..].find('"').unwrap()].to_owned();
    let r = session
        .post(
            "/newsroom/articles",
            &[
                ("csrf", &csrf),
                ("title", title),
                ("body_markdown", "Words."),
                ("article_type", "news"),
                ("visibility", "public"),
                ("authors", &byline),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    r.header("location")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// Schedules the article for `at` (UTC, the default time zone) through the editor.
fn schedule(session: &mut Session, editor_path: &str, at: chrono::DateTime<chrono::Utc>) {
    let page = session.get(editor_path);
    let csrf = field(&page.body, "csrf");
    let when = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let r = session
        .post(
            &format!("{editor_path}/status"),
            &[("csrf", &csrf), ("to", "scheduled"), ("schedule_at", &when)],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Waits (up to `limit`) until the editor shows the article published; returns when.
fn published_by(session: &mut Session, editor_path: &str, limit: Duration) -> Option<Instant> {
    let give_up = Instant::now() + limit;
    while Instant::now() < give_up {
        if session
            .get(editor_path)
            .body
            .contains("status status-published")
        {
            return Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn scheduled_articles_publish_on_time_even_after_downtime(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let password = add_staff(&data, database_url, "ed@example.com", "editor");
    let addr: SocketAddr = format!("127.0.0.1:{}", http::free_port()).parse().unwrap();
    let mut server = serve(&data, database_url, addr);
    let mut editor = Session::log_in(addr, "ed@example.com", &password);

    // Up at the time: published within 5 s of it.
    let on_time = new_draft(&mut editor, "Ferry strike called off");
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    schedule(&mut editor, &on_time, at);
    assert!(editor
        .get(&on_time)
        .body
        .contains("status status-scheduled"));
    let due = Instant::now() + (at - chrono::Utc::now()).to_std().unwrap_or_default();
    let seen = published_by(&mut editor, &on_time, Duration::from_secs(15)).expect("published");
    let late = seen.saturating_duration_since(due);
    assert!(
        late <= Duration::from_secs(5),
        "published {late:?} after its time"
    );

    // Down at the time: published within 5 s of starting again.
    let missed = new_draft(&mut editor, "Bridge reopens after repairs");
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    schedule(&mut editor, &missed, at);
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_secs(3)); // the time passes while it is down
    assert!(chrono::Utc::now() > at);
    let mut server = serve(&data, database_url, addr);
    let started = Instant::now();
    let mut editor = Session::log_in(addr, "ed@example.com", &password);
    let seen = published_by(&mut editor, &missed, Duration::from_secs(15)).expect("published");
    let after_start = seen.duration_since(started);
    assert!(
        after_start <= Duration::from_secs(5),
        "published {after_start:?} after the start"
    );
    let latest = http::get(addr, "/latest/");
    assert!(latest.body.contains("Bridge reopens after repairs"));
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn sqlite_scheduled_articles_publish_on_time_even_after_downtime() {
    scheduled_articles_publish_on_time_even_after_downtime(None);
}

#[test]
fn postgres_scheduled_articles_publish_on_time_even_after_downtime() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(masthead_testkit::postgres()) else {
        return;
    };
    scheduled_articles_publish_on_time_even_after_downtime(Some(&db.url));
    drop(db);
}
