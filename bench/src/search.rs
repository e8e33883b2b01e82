//! Search at scale (issue 15): rebuilding the index from the store (how long, the most
//! memory the process held, and whether an old article is found by its own headline
//! afterwards: the rebuild once stopped after the newest 100), then two-word queries
//! with their facets, timed in the index (server-side) and over HTTP through the
//! server's own router and connection loop on loopback.
//!
//! Usage: search <database-url> [queries]

use anyhow::{bail, Context, Result};
use masthead_core::ids::ArticleId;
use masthead_core::search::{Search, SearchQuery};
use masthead_core::store::PageRequest;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod memory;
use memory::{peak_memory, resident, status_field};

/// The seed's words (`masthead seed`), which every two-word query is made of: each is
/// in a large part of the seeded articles, so each query matches thousands.
const WORDS: &[&str] = &[
    "council",
    "harbour",
    "budget",
    "minister",
    "court",
    "report",
    "market",
    "energy",
    "school",
    "hospital",
    "election",
    "trade",
    "river",
    "storm",
    "league",
    "festival",
    "research",
    "vaccine",
    "climate",
    "housing",
    "transport",
    "workers",
    "union",
    "bank",
    "inflation",
    "ferry",
    "bridge",
    "museum",
    "police",
    "data",
];

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: search <database-url> [queries]")?;
    let queries: usize = args.next().map_or(Ok(400), |n| n.parse())?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(&url, queries))
}

/// Two different words of `WORDS` for each `i`, spread over every pair.
fn query(i: usize) -> String {
    let a = WORDS[i % WORDS.len()];
    let b = WORDS[(i * 7 + 1 + i / WORDS.len()) % WORDS.len()];
    let b = if a == b {
        WORDS[(i + 1) % WORDS.len()]
    } else {
        b
    };
    format!("{a} {b}")
}

/// The median and the 99th percentile of `times`, in milliseconds.
fn spread(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.99))
}

async fn run(url: &str, queries: usize) -> Result<()> {
    let err = |e: masthead_core::Error| anyhow::anyhow!("{e}");
    let store = masthead_store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .store;
    let Some(oldest) = store
        .published_after(ArticleId(0), 1)
        .await
        .map_err(err)?
        .into_iter()
        .next()
    else {
        bail!("the database has no published articles: seed it first");
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("search");
    let index = masthead_search::SearchIndex::open(&path).map_err(err)?;
    println!(
        "before the rebuild: peak {}, now {}",
        status_field("VmHWM:")?,
        resident()?
    );
    let started = Instant::now();
    let count = index.rebuild(&*store).await.map_err(err)?;
    let took = started.elapsed();
    println!(
        "rebuilt the index of {count} published articles in {:.1} s; peak memory of the \
         process (VmHWM) {}",
        took.as_secs_f64(),
        peak_memory()?
    );
    let results = index
        .search(
            &SearchQuery::words(&format!("\"{}\"", oldest.title)),
            PageRequest::numbered(1, 20),
        )
        .await
        .map_err(err)?;
    let found = results.hits.iter().any(|h| h.article == oldest.id);
    println!(
        "search for the oldest article's own headline ({:?}): {} ({} results)",
        oldest.title,
        if found { "found" } else { "NOT FOUND" },
        results.total
    );
    if !found {
        bail!("the oldest article is not found by its headline");
    }
    // The index as a server finds it after a restart: its background merges done
    // (they would otherwise take cores from the queries timed below).
    let merging = Instant::now();
    index.close().map_err(err)?;
    drop(index);
    let index = Arc::new(masthead_search::SearchIndex::open(&path).map_err(err)?);
    println!(
        "merges finished {:.1} s after the rebuild; the index has {} articles",
        merging.elapsed().as_secs_f64(),
        index.len()
    );

    // In the index: what the search page asks of the port (20 hits with their
    // snippets, the facets, "did you mean"), a warm-up pass then a timed one.
    let page = PageRequest::numbered(1, 20);
    let mut matched = Vec::with_capacity(queries);
    for pass in 0..2 {
        let mut times = Vec::with_capacity(queries);
        for i in 0..queries {
            let q = SearchQuery::words(&query(i));
            let t = Instant::now();
            let results = index.search(&q, page).await.map_err(err)?;
            times.push(t.elapsed());
            if results.facets.sections.is_empty() {
                bail!("{:?} found no facets", q.text);
            }
            if pass == 1 {
                matched.push(results.total);
            }
        }
        if pass == 1 {
            let (median, p99) = spread(times);
            matched.sort_unstable();
            println!(
                "server-side, {queries} two-word queries with facets: median {median:.2} ms, \
                 p99 {p99:.2} ms (matches per query: median {}, most {})",
                matched[matched.len() / 2],
                matched.last().copied().unwrap_or(0)
            );
        }
    }

    // Over HTTP: the search page, through the server as `masthead serve` runs it, one
    // request at a time on one kept-alive connection.
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(masthead_web::server::serve(
        listener,
        masthead_web::router(state),
        masthead_web::server::Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::builder().build()?;
    for pass in 0..2 {
        let mut times = Vec::with_capacity(queries);
        for i in 0..queries {
            let url = format!("http://{address}/search/?q={}", query(i).replace(' ', "+"));
            let t = Instant::now();
            let response = client.get(&url).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            times.push(t.elapsed());
            if !status.is_success() || !body.windows(7).any(|w| w == b"Refine<") {
                bail!("{url}: {status}, no facets in the page");
            }
        }
        if pass == 1 {
            let (median, p99) = spread(times);
            println!(
                "over HTTP, the search page for the same queries: median {median:.2} ms, \
                 p99 {p99:.2} ms"
            );
        }
    }
    let _ = stop.send(());
    server.await??;
    println!("peak memory of the process (VmHWM) {}", peak_memory()?);
    index.close().map_err(err)?;
    Ok(())
}
