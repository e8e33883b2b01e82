//! Rebuilding the search index from the store: how long it takes, the most memory the
//! process held while it ran, and whether an old article is found by its own headline
//! afterwards (the rebuild once stopped after the newest 100).
//!
//! Usage: search-rebuild <database-url>

use anyhow::{bail, Context, Result};
use masthead_core::ids::ArticleId;
use masthead_core::search::Search;
use masthead_core::store::PageRequest;

mod memory;
use memory::{peak_memory, resident, status_field};

fn main() -> Result<()> {
    let url = std::env::args()
        .nth(1)
        .context("usage: search-rebuild <database-url>")?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(&url))
}

async fn run(url: &str) -> Result<()> {
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
    let index = masthead_search::SearchIndex::open(&dir.path().join("search")).map_err(err)?;
    println!(
        "before the rebuild: peak {}, now {}",
        status_field("VmHWM:")?,
        resident()?
    );
    let started = std::time::Instant::now();
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
            &masthead_core::search::SearchQuery::words(&format!("\"{}\"", oldest.title)),
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
    index.close().map_err(err)?;
    Ok(())
}
