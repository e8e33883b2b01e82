//! Serving an article page: Masthead's page cache against nginx serving the very same
//! bytes as a static file, with wrk on loopback in the same run; the CPU time of an
//! uncached render of that page; and the process's peak memory.
//!
//! Usage: page-serving <database-url> [seconds per wrk run, default 10]
//! Needs `nginx` (in PATH or /usr/sbin) and `wrk`; see README.md.

use anyhow::{bail, Context, Result};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

mod memory;
use memory::{peak_memory, resident};

/// Articles rendered for the uncached measurement.
const RENDERS: usize = 2000;
/// Passes over them; the median counts.
const RENDER_PASSES: usize = 3;
/// Different articles served before memory is measured.
const SERVED: usize = 40_000;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: page-serving <database-url> [seconds of wrk per run; 0 skips them]")?;
    let seconds: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    // Two workers, like the server on this two-core machine (wrk takes the rest).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(&url, seconds))
}

async fn run(url: &str, seconds: u32) -> Result<()> {
    let connected = masthead_store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = connected.store;
    let newest = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(1, 1));
    let page = store
        .list_articles(&newest)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(article) = page.items.first() else {
        bail!("the database has no published articles: seed it first");
    };
    println!("articles published: {}", page.total);
    let path = article.path();
    println!("article page: {path}");

    // The index the article pages' related stories come from, as a server holds it.
    let index =
        Arc::new(masthead_search::SearchIndex::in_memory().map_err(|e| anyhow::anyhow!("{e}"))?);
    let indexing = std::time::Instant::now();
    index
        .rebuild(&*store)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "search index built in {:.1} s",
        indexing.elapsed().as_secs_f64()
    );
    let state = masthead_web::AppState::new(
        store.clone(),
        index.clone(),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "http://127.0.0.1".into(),
        masthead_web::mail::Mailer::outbox(
            &masthead_web::mail::Mailer::outbox_dir(&std::env::temp_dir()),
            "Bench <bench@localhost>",
        )
        .map_err(|e| anyhow::anyhow!(e))?,
    );
    // Uncached renders: the same router with a page cache that keeps nothing, so each
    // request is a miss. Each request runs on a runtime worker thread, as the server's
    // requests do.
    let mut uncached = state.clone();
    uncached.cache = Arc::new(masthead_web::cache::PageCache::new(store.subscribe(), 0));
    let render_app = masthead_web::router(uncached);
    let app = masthead_web::router(state);
    let render = |uri: String| get_through(render_app.clone(), uri);
    let get = |uri: String| get_through(app.clone(), uri);
    // Each of the newest RENDERS articles once: every render reads its own article,
    // related stories and pictures. A first pass warms the database's page cache.
    let mut paths = Vec::new();
    for n in 1.. {
        let query = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(n, 100));
        let items = store
            .list_articles(&query)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .items;
        if items.is_empty() || paths.len() >= RENDERS {
            break;
        }
        paths.extend(items.iter().map(|a| a.path()));
    }
    paths.truncate(RENDERS);
    for p in &paths {
        render(p.clone()).await?;
    }
    // Three passes; the median pass counts,
    // as single passes on this machine swing by 15%.
    let mut passes = Vec::new();
    for _ in 0..RENDER_PASSES {
        let cpu_before = process_cpu()?;
        let wall = std::time::Instant::now();
        for p in &paths {
            let (status, _) = render(p.clone()).await?;
            if !status.is_success() {
                bail!("{p} answered {status}");
            }
        }
        let renders = paths.len() as f64;
        passes.push((
            (process_cpu()? - cpu_before).as_secs_f64() * 1000.0 / renders,
            wall.elapsed().as_secs_f64() * 1000.0 / renders,
        ));
    }
    passes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (cpu, wall) = passes[passes.len() / 2];
    println!(
        "uncached render: {cpu:.3} ms CPU, {wall:.3} ms wall per page (median of {RENDER_PASSES} \
         passes over {} articles, each once per pass; passes: {})",
        paths.len(),
        passes
            .iter()
            .map(|(c, _)| format!("{c:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
    );

    breakdown(&store, &*index, &article.slug).await?;

    // Memory at scale: 40,000 different articles served (each rendered, then cached
    // within the page cache's budget).
    let mut served = 0usize;
    let mut n = 0;
    while served < SERVED {
        n += 1;
        let query = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(n, 100));
        let items = store
            .list_articles(&query)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .items;
        if items.is_empty() {
            break;
        }
        for a in &items {
            get(a.path()).await?;
            served += 1;
        }
    }
    println!("after serving {served} different articles: {}", resident()?);

    // The cached page's bytes, as any client without Accept-Encoding gets them.
    let (_, bytes) = get(path.clone()).await?;
    println!("page size: {} bytes", bytes.len());
    let (gzip, brotli) = compression(&bytes);
    println!("  {:32} {gzip:.3} ms", "gzip (first gzip request)");
    println!("  {:32} {brotli:.3} ms", "brotli (first br request)");
    if seconds == 0 {
        // Render measurements only (for profiling): no servers, no wrk.
        println!("peak memory (VmHWM) of this process: {}", peak_memory()?);
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    std::fs::write(root.path().join("article.html"), &bytes)?;

    let app_for_plain = app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let masthead_addr = listener.local_addr()?;
    let server = tokio::spawn(masthead_web::server::serve(
        listener,
        app,
        masthead_web::server::Limits::default(),
        std::future::pending(),
    ));
    // The same app served by plain `axum::serve`, without the server's limits (its
    // timeouts and connection bounds): what those cost on a hit.
    let plain_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let plain_addr = plain_listener.local_addr()?;
    let plain_app = tower::make::Shared::new(app_for_plain);
    let plain_server = tokio::spawn(async move { axum::serve(plain_listener, plain_app).await });
    // The floor for any Rust server here: a bare axum handler returning the bytes.
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_addr = bare_listener.local_addr()?;
    let bare_bytes = bytes.clone();
    let bare = axum::Router::new().route(
        "/article.html",
        axum::routing::get(move || {
            let body = bare_bytes.clone();
            async move { ([("content-type", "text/html; charset=utf-8")], body) }
        }),
    );
    let bare_server = tokio::spawn(async move { axum::serve(bare_listener, bare).await });
    let nginx_port = free_port()?;
    let mut nginx = start_nginx(root.path(), nginx_port)?;

    let masthead_url = format!("http://{masthead_addr}{path}");
    let nginx_url = format!("http://127.0.0.1:{nginx_port}/article.html");
    let bare_url = format!("http://{bare_addr}/article.html");
    let plain_url = format!("http://{plain_addr}{path}");
    // Same bytes from both, checked before timing anything.
    let from_nginx = fetch(&nginx_url)?;
    let from_masthead = fetch(&masthead_url)?;
    if from_nginx != bytes.as_ref() || from_masthead != bytes.as_ref() {
        bail!("nginx and Masthead do not serve the same bytes");
    }

    // A first run of each, not counted: whatever the process still does after the
    // renders above (freeing, its pool's threads settling) fell on the first server
    // measured, and nginx, measured first, read 30-40% slower in its first round than in
    // its second (65,000 against 95,000-115,000 requests/s in one run).
    for url in [&nginx_url, &masthead_url, &plain_url, &bare_url] {
        wrk(url, seconds).await?;
    }
    let mut results = Vec::new();
    // Alternate, so that neither gets the machine warmer or quieter.
    for round in 1..=2 {
        for (name, url) in [
            ("nginx", &nginx_url),
            ("masthead", &masthead_url),
            ("app-on-axum-serve", &plain_url),
            ("bare-axum", &bare_url),
        ] {
            let rps = wrk(url, seconds).await?;
            println!("round {round}: {name:8} {rps:>10.0} requests/s");
            results.push((name, rps));
        }
    }
    let best = |who: &str| {
        results
            .iter()
            .filter(|(n, _)| *n == who)
            .map(|(_, r)| *r)
            .fold(0.0, f64::max)
    };
    let (n, m) = (best("nginx"), best("masthead"));
    println!(
        "best of two: nginx {n:.0} requests/s, Masthead {m:.0} requests/s: {:.2}x nginx \
         (a bare axum handler: {:.2}x nginx; request log off: Masthead / bare axum {:.2}x)",
        m / n,
        best("bare-axum") / n,
        m / best("bare-axum")
    );
    println!(
        "the same app on plain axum::serve (no timeouts or connection bounds): {:.0} \
         requests/s, {:.2}x nginx, {:.2}x Masthead's server",
        best("app-on-axum-serve"),
        best("app-on-axum-serve") / n,
        best("app-on-axum-serve") / m
    );

    // Shared links: a random fbclid on every request, against the same page without.
    // Both go through a Lua script that makes each request, so wrk spends the same on
    // both (wrk shares the machine's two cores with the server).
    let script = root.path().join("fbclid.lua");
    std::fs::write(
        &script,
        format!(
            "request = function()\n  return wrk.format(nil, \"{path}?fbclid=IwAR\" .. math.random(1, 2000000000))\nend\n"
        ),
    )?;
    let plain_script = root.path().join("plain.lua");
    std::fs::write(
        &plain_script,
        format!(
            "request = function()\n  local n = math.random(1, 2000000000)\n  return wrk.format(nil, \"{path}\")\nend\n"
        ),
    )?;
    let mut tagged = Vec::new();
    for round in 1..=2 {
        let plain = wrk_with(&masthead_url, seconds, Some(&plain_script)).await?;
        let with_tags = wrk_with(&masthead_url, seconds, Some(&script)).await?;
        println!("round {round}: plain {plain:>10.0}, random fbclid {with_tags:>10.0} requests/s");
        tagged.push((plain, with_tags));
    }
    let plain = tagged.iter().map(|t| t.0).fold(0.0, f64::max);
    let with_tags = tagged.iter().map(|t| t.1).fold(0.0, f64::max);
    println!(
        "random fbclid on every request: {with_tags:.0} requests/s, {:.2}x the rate without \
         ({:.0} requests with tags served); after them: {}",
        with_tags / plain,
        with_tags * f64::from(seconds) * 2.0,
        resident()?
    );

    // Signed-in members: their pages are theirs (their name in the header, the comment
    // form with their token), so each of their requests goes past the shared cache and
    // is rendered for them.
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: format!("bench-{}@readers.example", std::process::id()),
            name: "Bench Reader".into(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let opened = masthead_web::reader::open_member_session(
        &*store,
        member.id,
        "127.0.0.1",
        "wrk",
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cookie = format!(
        "{}={}",
        masthead_web::reader::MEMBER_SESSION_COOKIE,
        opened.token
    );
    let as_member = fetch_with(&masthead_url, &cookie)?;
    if !String::from_utf8_lossy(&as_member).contains("Bench Reader") {
        bail!("the member's page does not name them: the session was not taken");
    }
    let member_script = root.path().join("member.lua");
    std::fs::write(
        &member_script,
        format!("wrk.headers[\"Cookie\"] = \"{cookie}\"\n"),
    )?;
    let mut members = Vec::new();
    for round in 1..=2 {
        let signed_in = wrk_with(&masthead_url, seconds, Some(&member_script)).await?;
        let anonymous = wrk(&masthead_url, seconds).await?;
        println!(
            "round {round}: signed-in member {signed_in:>10.0}, anonymous {anonymous:>10.0} \
             requests/s"
        );
        members.push((signed_in, anonymous));
    }
    let signed_in = members.iter().map(|t| t.0).fold(0.0, f64::max);
    let anonymous = members.iter().map(|t| t.1).fold(0.0, f64::max);
    println!(
        "signed-in member: {signed_in:.0} requests/s ({:.3}x nginx; each rendered for them, \
         {:.2} ms of wall per request per core); anonymous in the same rounds {anonymous:.0} \
         ({:.2}x nginx)",
        signed_in / n,
        2000.0 / signed_in,
        anonymous / n
    );
    let _ = store.delete_member(member.id, chrono::Utc::now()).await;

    // The default request log: one line per request, as the server writes it (run the
    // bench with stderr to a file).
    let _log = masthead_web::log::init(false, "info,sqlx=warn");
    let mut logged = Vec::new();
    for round in 1..=2 {
        let nginx_now = wrk(&nginx_url, seconds).await?;
        let with_log = wrk(&masthead_url, seconds).await?;
        let bare = wrk(&bare_url, seconds).await?;
        println!(
            "round {round}: request log on: nginx {nginx_now:>10.0}, Masthead {with_log:>10.0}, \
             bare axum {bare:>10.0}"
        );
        logged.push((nginx_now, with_log, bare));
    }
    let nginx_now = logged.iter().map(|t| t.0).fold(0.0, f64::max);
    let with_log = logged.iter().map(|t| t.1).fold(0.0, f64::max);
    let bare = logged.iter().map(|t| t.2).fold(0.0, f64::max);
    println!(
        "request log on: Masthead {with_log:.0} requests/s = {:.2}x nginx in the same rounds \
         ({:.2}x nginx's best of the first rounds), {:.2}x bare axum, {:.2}x itself with the \
         log off",
        with_log / nginx_now,
        with_log / n,
        with_log / bare,
        with_log / m
    );
    println!("peak memory (VmHWM) of this process: {}", peak_memory()?);

    // SIGQUIT: the master stops its workers too (SIGKILL would orphan them).
    let _ = Command::new("kill")
        .args(["-QUIT", &nginx.id().to_string()])
        .status();
    let _ = nginx.wait();
    server.abort();
    plain_server.abort();
    bare_server.abort();
    Ok(())
}

/// Where an uncached render's time goes: each store call the article page makes, and
/// the compression of the page for the cache (wall time, median of 200).
async fn breakdown(
    store: &Arc<dyn masthead_core::store::Store>,
    search: &dyn masthead_core::search::Search,
    slug: &str,
) -> Result<()> {
    use masthead_core::comment::CommentStatus;
    let err = |e: masthead_core::Error| anyhow::anyhow!("{e}");
    let article = store
        .article_by_slug(slug)
        .await
        .map_err(err)?
        .context("article")?;
    async fn median<F, Fut>(mut f: F) -> Result<f64>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        let mut times = Vec::with_capacity(200);
        for _ in 0..200 {
            let t = std::time::Instant::now();
            f().await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        Ok(times[times.len() / 2])
    }
    let id = article.id;
    let related_ids = search.related(&article, 4).await.map_err(err)?;
    let related = store.published_summaries(&related_ids).await.map_err(err)?;
    let media: Vec<_> = article
        .featured_image
        .as_ref()
        .map(|i| i.media_id)
        .into_iter()
        .chain(related.iter().filter_map(|a| a.featured_media_id))
        .collect();
    // The calls the article page makes (settings, sections and static pages come from
    // memory; comments are read only when the article has approved ones).
    let parts = [
        (
            "article_by_slug (2 queries)",
            median(|| async { store.article_by_slug(slug).await.map(|_| ()).map_err(err) }).await?,
        ),
        (
            "related, from the index",
            median(|| async { search.related(&article, 4).await.map(|_| ()).map_err(err) }).await?,
        ),
        (
            "published_summaries (1 query)",
            median(|| async {
                store
                    .published_summaries(&related_ids)
                    .await
                    .map(|_| ())
                    .map_err(err)
            })
            .await?,
        ),
        (
            "media_many, all pictures (1 query)",
            median(|| async { store.media_many(&media).await.map(|_| ()).map_err(err) }).await?,
        ),
        (
            "comments (1 query, when any)",
            median(|| async {
                store
                    .comments(id, CommentStatus::Approved)
                    .await
                    .map(|_| ())
                    .map_err(err)
            })
            .await?,
        ),
    ];
    for (name, ms) in parts {
        println!("  {name:32} {ms:.3} ms");
    }
    Ok(())
}

/// Wall time of compressing `page` as the cache does when a client first asks for
/// each encoding.
fn compression(page: &[u8]) -> (f64, f64) {
    let time = |f: fn(&[u8]) -> axum::body::Bytes| {
        let t = std::time::Instant::now();
        for _ in 0..100 {
            f(page);
        }
        t.elapsed().as_secs_f64() * 1000.0 / 100.0
    };
    (
        time(masthead_web::cache::gzip),
        time(masthead_web::cache::brotli),
    )
}

fn process_cpu() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let after = stat.rsplit_once(") ").context("odd /proc/self/stat")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let per_second = 100; // USER_HZ on Linux
    Ok(Duration::from_millis(ticks * 1000 / per_second))
}

/// One GET through `app` on a runtime worker thread, as the server's requests run.
async fn get_through(
    app: masthead_web::App,
    uri: String,
) -> Result<(axum::http::StatusCode, axum::body::Bytes)> {
    tokio::spawn(async move {
        let response = app.oneshot(Request::get(uri).body(Body::empty())?).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        anyhow::Ok((status, bytes))
    })
    .await?
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn nginx_binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    "nginx".into()
}

/// nginx, tuned as one would to serve one static file fast: a worker per core, no
/// access log, sendfile, keep-alive.
fn start_nginx(root: &Path, port: u16) -> Result<Child> {
    let conf = format!(
        "worker_processes auto;\n\
         pid {root}/nginx.pid;\n\
         error_log stderr error;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
           access_log off;\n\
           sendfile on; tcp_nopush on; tcp_nodelay on;\n\
           keepalive_requests 100000;\n\
           client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;\n\
           uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;\n\
           types {{ text/html html; }}\n\
           server {{ listen 127.0.0.1:{port}; root {root}; }}\n\
         }}\n",
        root = root.display()
    );
    std::fs::create_dir_all(root.join("tmp"))?;
    std::fs::write(root.join("nginx.conf"), conf)?;
    let child = Command::new(nginx_binary())
        .arg("-p")
        .arg(root)
        .arg("-c")
        .arg(root.join("nginx.conf"))
        .args(["-e", "stderr", "-g", "daemon off;"])
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start nginx (install it: bash .ci/tools.sh)")?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("nginx did not start")
}

/// The body at `url`, by a plain HTTP/1.1 GET.
fn fetch(url: &str) -> Result<Vec<u8>> {
    fetch_with(url, "")
}

/// The body `url` answers with, sending `cookie` (when not empty).
fn fetch_with(url: &str, cookie: &str) -> Result<Vec<u8>> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").context("http only")?;
    let (host, path) = rest.split_once('/').context("no path")?;
    let mut stream = std::net::TcpStream::connect(host)?;
    let cookie = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}\r\n")
    };
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\n{cookie}Connection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no header end")?;
    Ok(raw[split + 4..].to_vec())
}

/// Requests per second wrk measures at `url` with two threads and 32 connections.
async fn wrk(url: &str, seconds: u32) -> Result<f64> {
    wrk_with(url, seconds, None).await
}

/// `wrk`, with a Lua `script` shaping each request when given.
async fn wrk_with(url: &str, seconds: u32, script: Option<&Path>) -> Result<f64> {
    let url = url.to_owned();
    let script = script.map(Path::to_path_buf);
    let output = tokio::task::spawn_blocking(move || {
        let mut wrk = Command::new("wrk");
        wrk.args(["-t2", "-c32", &format!("-d{seconds}s")]);
        if let Some(script) = &script {
            wrk.arg("-s").arg(script);
        }
        wrk.arg(&url).output()
    })
    .await?
    .context("cannot run wrk (install it: bash .ci/tools.sh)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        bail!("wrk saw errors:\n{text}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))
}
