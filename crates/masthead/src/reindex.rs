//! `masthead reindex`: rebuilds this node's search index from the database, with a
//! progress bar. A server keeps its index current by itself (and rebuilds it at start
//! when it is not); this is for an operator who wants it rebuilt now, or timed.

use crate::config::Config;
use crate::serve;
use anyhow::{anyhow, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use std::time::Instant;

pub async fn run(config: &Config) -> Result<()> {
    let store = serve::open_store(config, false).await?;
    let total = store
        .list_articles(&ArticleQuery::published(
            ArticleFilter::All,
            PageRequest::numbered(1, 1),
        ))
        .await
        .map_err(|e| anyhow!("{e}"))?
        .total;
    let dir = config.data_dir.join("search");
    let index = masthead_search::SearchIndex::open(&dir).map_err(|e| match e {
        masthead_core::Error::Conflict(why) => anyhow!(
            "cannot rebuild {}: {why}; stop that server first, or let it be",
            dir.display()
        ),
        e => anyhow!("cannot open the search index {}: {e}", dir.display()),
    })?;
    // Stemmed in the publication's language, as the server does.
    let settings = store.settings().await.map_err(|e| anyhow!("{e}"))?;
    index.use_locale(&settings.locale);
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let indexed = index
        .rebuild_with(&*store, |done| bar.set_position(done))
        .await
        .map_err(|e| anyhow!("the search index was not rebuilt: {e}"))?;
    index
        .close()
        .map_err(|e| anyhow!("the search index was not finished: {e}"))?;
    bar.finish_and_clear();
    println!(
        "Indexed {indexed} published articles in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
