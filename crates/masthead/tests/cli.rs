//! The `masthead` binary as operators use it: commands, their output, and failures
//! that must be one clear line with a non-zero exit and nothing half-written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use masthead_testkit::http;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn masthead(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_masthead"));
    cmd.arg("--data-dir").arg(data_dir);
    for var in [
        "MASTHEAD_DATABASE_URL",
        "MASTHEAD_LISTEN",
        "MASTHEAD_BASE_URL",
        "MASTHEAD_CONFIG",
        "MASTHEAD_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A failed command: non-zero exit and exactly one line on stderr, which is returned.
fn fails_with_one_line(output: Output) -> String {
    assert!(
        !output.status.success(),
        "expected failure, got success: {}",
        text(&output.stdout)
    );
    let stderr = text(&output.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line on stderr, got:\n{stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0].to_owned()
}

/// Stops a server with SIGTERM, like an init system does.
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn unknown_config_key_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("masthead.toml");
    std::fs::write(&config, "databse_url = \"sqlite:x.db\"\n").unwrap();
    let data = dir.path().join("data");
    let line = fails_with_one_line(
        masthead(&data)
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .output()
            .unwrap(),
    );
    assert!(line.contains("unknown key `databse_url`"), "{line}");
    assert!(
        line.contains("known keys: database_url, listen, base_url"),
        "{line}"
    );
    assert!(
        !data.exists(),
        "a bad config must not create the data directory"
    );
}

#[test]
fn missing_config_file_and_bad_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let line = fails_with_one_line(
        masthead(dir.path())
            .args(["--config", "/nonexistent/m.toml", "migrate"])
            .output()
            .unwrap(),
    );
    assert!(
        line.contains("/nonexistent/m.toml") && line.contains("does not exist"),
        "{line}"
    );
    let line = fails_with_one_line(
        masthead(dir.path())
            .env("MASTHEAD_LISTEN", "everywhere")
            .arg("serve")
            .output()
            .unwrap(),
    );
    assert!(
        line.contains("listen") && line.contains("everywhere"),
        "{line}"
    );
    let line = fails_with_one_line(
        masthead(dir.path())
            .env("MASTHEAD_DATABASE_URL", "mysql://x")
            .arg("migrate")
            .output()
            .unwrap(),
    );
    assert!(
        line.contains("database_url") && line.contains("sqlite:PATH or postgres://"),
        "{line}"
    );
}

#[test]
fn unreachable_database_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let line = fails_with_one_line(
        masthead(dir.path())
            .env(
                "MASTHEAD_DATABASE_URL",
                "postgres://postgres@127.0.0.1:1/nowhere",
            )
            .arg("migrate")
            .output()
            .unwrap(),
    );
    assert!(
        line.contains("cannot reach PostgreSQL at 127.0.0.1:1/nowhere"),
        "{line}"
    );
}

#[test]
fn port_in_use_is_one_line_and_touches_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let data = dir.path().join("data");
    let line = fails_with_one_line(
        masthead(&data)
            .env("MASTHEAD_LISTEN", addr.to_string())
            .arg("serve")
            .output()
            .unwrap(),
    );
    assert!(
        line.contains(&format!(
            "cannot listen on {addr}: the port is already in use"
        )),
        "{line}"
    );
    assert!(!data.exists(), "nothing written before the port is ours");
}

#[test]
fn corrupt_sqlite_file_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("masthead.db");
    let garbage = b"this is not a database, it is a grocery list: eggs, milk, bread. ".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let line = fails_with_one_line(masthead(dir.path()).arg("migrate").output().unwrap());
    assert!(
        line.contains("is not a Masthead database or is corrupt"),
        "{line}"
    );
    assert!(line.contains("masthead.db"), "{line}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the file must not be modified"
    );
}

#[test]
fn migrate_reports_what_it_did_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../masthead-store/migrations/sqlite"
    );
    let n = std::fs::read_dir(migrations).unwrap().count();
    let versions: Vec<String> = (1..=n).map(|v| v.to_string()).collect();
    let first = masthead(dir.path()).arg("migrate").output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let expected = format!(
        "Applied {n} migration(s) to the sqlite database: {}.",
        versions.join(", ")
    );
    assert!(
        text(&first.stdout).starts_with(&expected),
        "{}",
        text(&first.stdout)
    );
    let second = masthead(dir.path()).arg("migrate").output().unwrap();
    assert!(
        text(&second.stdout).contains("up to date; nothing to do"),
        "{}",
        text(&second.stdout)
    );
}

#[tokio::test]
async fn migrate_reports_what_it_did_on_postgres() {
    // A migrated schema from the testkit: `migrate` must find nothing to do...
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = masthead(dir.path())
        .env("MASTHEAD_DATABASE_URL", &db.url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("postgres database is up to date"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn staff_add_generates_a_password_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let add = |email: &str, role: &str| {
        masthead(dir.path())
            .args([
                "staff",
                "add",
                "--email",
                email,
                "--name",
                "Noor Haddad",
                "--role",
                role,
            ])
            .output()
            .unwrap()
    };
    let out = add("Noor@Lantern.example", "editor");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Added Noor Haddad <noor@lantern.example> as editor."),
        "{stdout}"
    );
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .unwrap();
    assert_eq!(password.len(), 20);
    let line = fails_with_one_line(add("noor@lantern.example", "editor"));
    assert!(
        line.contains("already") && line.contains("noor@lantern.example"),
        "{line}"
    );
    let line = fails_with_one_line(add("other@lantern.example", "boss"));
    assert!(line.contains("unknown role \"boss\""), "{line}");
    let line = fails_with_one_line(add("not-an-email", "author"));
    assert!(line.contains("email"), "{line}");
}

#[test]
fn seed_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        let out = masthead(dir.path())
            .args(["seed", "--articles", "1500", "--seed", "7"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("Seeded 1500 articles"),
            "{}",
            text(&out.stdout)
        );
    }
    let dump = |dir: &Path| {
        let conn = rusqlite_free_dump(&dir.join("masthead.db"));
        assert!(!conn.is_empty());
        conn
    };
    assert_eq!(dump(a.path()), dump(b.path()));
    let out = masthead(a.path())
        .args(["seed", "--articles", "0"])
        .output()
        .unwrap();
    assert!(fails_with_one_line(out).contains("--articles must be between 1 and"));
}

/// Titles, slugs, sections and publication times of every article, read through the
/// store itself.
fn rusqlite_free_dump(db: &Path) -> Vec<String> {
    let url = format!("sqlite:{}", db.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = masthead_store::connect(&url).await.unwrap().store;
        let query = masthead_core::store::ArticleQuery {
            filter: masthead_core::store::ArticleFilter::All,
            status: None,
            page: masthead_core::store::PageRequest {
                offset: 0,
                limit: 100,
            },
        };
        let mut out = Vec::new();
        let mut query = query;
        loop {
            let page = store.list_articles(&query).await.unwrap();
            if page.items.is_empty() {
                break;
            }
            for a in &page.items {
                out.push(format!(
                    "{} {} {:?} {:?} {}",
                    a.slug,
                    a.title,
                    a.section.as_ref().map(|s| &s.name),
                    a.published_at,
                    a.excerpt
                ));
            }
            query.page.offset += 100;
        }
        out.sort();
        out
    })
}

/// Starts `serve` on a free port; returns the child and its address.
fn start_server(data: &Path, extra: &[&str]) -> (Child, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", http::free_port()).parse().unwrap();
    let child = masthead(data)
        .args(extra)
        .arg("serve")
        .env("MASTHEAD_LISTEN", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    http::wait_for(addr);
    (child, addr)
}

#[test]
fn serve_answers_health_checks_and_logs_one_json_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start_server(dir.path(), &["--log-format", "json"]);
    let health = http::get(addr, "/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    assert_eq!(http::get(addr, "/").status, 200);
    terminate(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let requests: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .unwrap_or_else(|e| panic!("not JSON: {l}: {e}"))
        })
        .filter(|v| v["target"] == "masthead::request")
        .collect();
    assert_eq!(requests.len(), 2, "{stderr}");
    assert_eq!(requests[0]["path"], "/healthz");
    assert_eq!(requests[0]["status"], 200);
    assert_eq!(requests[0]["method"], "GET");
}

#[test]
fn demo_serves_the_lantern_and_cleans_up_its_temporary_directory() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["demo", "--port", "0"])
        .env_remove("MASTHEAD_DATA_DIR")
        .env_remove("MASTHEAD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    let mut data_dir = None;
    let mut login = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Masthead demo: The Lantern is running at ") {
            url = Some(rest.trim_end_matches('/').to_owned());
        } else if let Some(rest) = line.strip_prefix("Data directory: ") {
            data_dir = Some(std::path::PathBuf::from(rest));
        } else if let Some(rest) = line.strip_prefix("Staff login: ") {
            login = Some(rest.to_owned());
        }
        if line.starts_with("Press Ctrl+C") {
            break;
        }
    }
    let url = url.expect("demo prints its URL");
    let data_dir = data_dir.expect("demo prints its data directory");
    let login = login.expect("demo prints a staff login");
    assert!(login.contains("@lantern.example / "));
    let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let home = http::get(addr, "/");
    assert_eq!(home.status, 200);
    let mut last = 0;
    for (name, _) in [
        ("World", ()),
        ("Business", ()),
        ("Technology", ()),
        ("Science", ()),
        ("Health", ()),
        ("Sports", ()),
        ("Entertainment", ()),
        ("Environment", ()),
        ("Opinion", ()),
        ("News Analysis", ()),
        ("Blog", ()),
    ] {
        let at = home
            .body
            .find(&format!(">{name}</a></li>"))
            .unwrap_or_else(|| panic!("{name} missing from the navigation"));
        assert!(at > last, "{name} out of navigation order");
        last = at;
    }
    assert!(home.body.contains("Latest News"));
    let latest = http::get(addr, "/latest/");
    assert_eq!(latest.status, 200);
    assert!(
        latest.body.contains("Page 1 of"),
        "at least two pages of demo articles"
    );
    // Follow the first story of the latest list to its page.
    let href = latest
        .body
        .split("<h2><a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let article = http::get(addr, &href);
    assert_eq!(article.status, 200, "{href}");
    assert!(article.body.contains("class=\"byline\""));
    assert!(article.body.contains("Edited by"));
    assert!(article.body.contains("<figcaption>"));
    let img = article
        .body
        .split("<img src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let image = http::get(addr, &img);
    assert_eq!(
        (image.status, image.header("content-type")),
        (200, Some("image/jpeg"))
    );
    // Drawn as uploads are made: WebP variants for every width in the srcset.
    assert!(article
        .body
        .contains(r#"<source type="image/webp" srcset=""#));
    assert!(article.body.contains("-640.webp 640w"));
    assert_eq!(http::get(addr, "/healthz").status, 200);
    // Two newsletters, each with subscribers.
    let (email, password) = login.split_once(" / ").unwrap();
    let mut admin = support::Session::log_in(addr, email, password);
    let newsletters = admin.get("/newsroom/newsletters");
    assert_eq!(newsletters.status, 200);
    for name in ["Morning Briefing", "World Weekly"] {
        let row = newsletters
            .body
            .split(&format!(">{name}</a>"))
            .nth(1)
            .unwrap_or_else(|| panic!("{name} in {}", newsletters.body));
        let count: u32 = row
            .split("<td>")
            .nth(1)
            .and_then(|c| c.split('<').next())
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name}'s subscribers in {row}"));
        assert!(count >= 10, "{name} has {count} subscribers");
    }

    terminate(&mut child);
    assert!(
        !data_dir.exists(),
        "the temporary demo directory is removed on exit"
    );
}

#[test]
fn demo_refuses_a_data_directory_that_holds_a_publication() {
    let dir = tempfile::tempdir().unwrap();
    let out = masthead(dir.path())
        .args(["seed", "--articles", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = fails_with_one_line(
        masthead(dir.path())
            .args(["demo", "--port", "0"])
            .output()
            .unwrap(),
    );
    assert!(line.contains("the demo needs an empty database"), "{line}");
}

#[test]
fn reindex_rebuilds_the_search_index_and_waits_for_no_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = masthead(dir.path())
        .args(["seed", "--articles", "40"])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let out = masthead(dir.path()).arg("reindex").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let indexed: u64 = said
        .strip_prefix("Indexed ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        (1..=40).contains(&indexed) && said.contains("published articles in"),
        "{said}"
    );
    // The index holds them.
    let index = masthead_search::SearchIndex::open(&dir.path().join("search")).unwrap();
    assert_eq!(index.len(), indexed);
    index.close().unwrap();
    drop(index);
    // A running server writes the index itself: a reindex meanwhile says so and
    // changes nothing.
    let (mut child, _) = start_server(dir.path(), &[]);
    let line = fails_with_one_line(masthead(dir.path()).arg("reindex").output().unwrap());
    assert!(line.contains("in use by another process"), "{line}");
    assert!(line.contains("stop that server first"), "{line}");
    terminate(&mut child);
}

#[test]
fn integration_add_prints_keys_of_ghosts_shapes_and_refuses_a_bad_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = masthead(dir.path())
        .args(["integration", "add", "--name", "Mobile app"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let line = |prefix: &str| {
        said.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {prefix:?} in {said}"))
            .to_owned()
    };
    let content = line("Content API key:");
    let admin = line("Admin API key:");
    assert!(
        masthead_core::integration::is_content_key(&content),
        "{content}"
    );
    let (id, secret) = admin.split_once(':').unwrap();
    assert!(masthead_core::integration::is_admin_id(id), "{admin}");
    assert_eq!(secret.len(), 64);
    assert!(
        said.contains("Added the integration \"Mobile app\"."),
        "{said}"
    );
    // A second one gets keys of its own.
    let again = masthead(dir.path())
        .args(["integration", "add", "--name", "Newsletter tool"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(!text(&again.stdout).contains(&content));
    // A name that is no name: one line naming the problem, nothing stored.
    let line = fails_with_one_line(
        masthead(dir.path())
            .args(["integration", "add", "--name", "  "])
            .output()
            .unwrap(),
    );
    assert!(line.contains("name"), "{line}");
    // A rate limit of its own, within bounds.
    let limited = masthead(dir.path())
        .args([
            "integration",
            "add",
            "--name",
            "Busy app",
            "--rate-limit",
            "5000",
        ])
        .output()
        .unwrap();
    assert!(limited.status.success(), "{}", text(&limited.stderr));
    let line = fails_with_one_line(
        masthead(dir.path())
            .args([
                "integration",
                "add",
                "--name",
                "Greedy",
                "--rate-limit",
                "0",
            ])
            .output()
            .unwrap(),
    );
    assert!(line.contains("rate_limit"), "{line}");
}

/// A webhook delivery queued while no server runs (or before one stopped) is sent by
/// the next server that starts, to a real receiver on loopback.
#[test]
fn queued_webhook_deliveries_are_sent_after_a_restart() {
    use masthead_core::webhook::{Event, NewWebhook};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let seeded = masthead(dir.path())
        .args(["seed", "--articles", "3"])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = received.clone();
    let receiver = axum::Router::new().route(
        "/in",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let got = got.clone();
            async move {
                let event = headers["masthead-event"].to_str().unwrap().to_owned();
                got.lock().unwrap().push((event, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    runtime.spawn(async move { axum::serve(listener, receiver).await });
    let url = format!("sqlite:{}", dir.path().join("masthead.db").display());
    let article = runtime.block_on(async {
        let store = masthead_store::connect(&url).await.unwrap().store;
        let app = store
            .create_integration(
                &masthead_core::integration::NewIntegration::new(
                    "Receiver",
                    masthead_web::secrets::integration_keys(),
                ),
                &masthead_core::auth::NewAuditEntry {
                    at: chrono::Utc::now(),
                    actor: None,
                    action: masthead_core::auth::AuditAction::IntegrationAdded,
                    target: "Receiver".into(),
                    ip: String::new(),
                },
            )
            .await
            .unwrap();
        store
            .create_webhook(
                &NewWebhook {
                    integration: app.id,
                    event: Event::PostEdited,
                    target_url: format!("http://127.0.0.1:{port}/in"),
                    secret: "whsec_restart_0123456789".into(),
                },
                &masthead_core::auth::NewAuditEntry {
                    at: chrono::Utc::now(),
                    actor: None,
                    action: masthead_core::auth::AuditAction::WebhookAdded,
                    target: "hook".into(),
                    ip: String::new(),
                },
            )
            .await
            .unwrap();
        let article = store
            .published_after(masthead_core::ids::ArticleId(0), 1)
            .await
            .unwrap()
            .remove(0)
            .id;
        assert_eq!(
            store
                .queue_webhook_event(Event::PostEdited, article.0, chrono::Utc::now())
                .await
                .unwrap(),
            1
        );
        article
    });
    assert!(received.lock().unwrap().is_empty());
    let (mut child, _) = start_server(dir.path(), &[]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while received.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(&mut child);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "the queued delivery, once");
    assert_eq!(got[0].0, "post.edited");
    let body: serde_json::Value = serde_json::from_str(&got[0].1).unwrap();
    assert_eq!(
        body["post"]["current"]["id"],
        masthead_core::nql::ghost_id(article.0)
    );
}
