//! Times the store's list queries on a seeded database: latest articles, by section,
//! by tag, by author, and an article by slug, through the same `Store` the server
//! uses. Prints the median, 95th percentile and maximum of each, in milliseconds.
//!
//! Usage: store-queries DATABASE_URL [ITERATIONS]

use anyhow::{anyhow, Context, Result};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use std::time::{Duration, Instant};

struct Stats {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        max: at(1.0),
    }
}

async fn time<F, Fut>(iterations: usize, mut f: F) -> Result<Stats>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = masthead_core::Result<()>>,
{
    // Warm the caches as a running server would have them.
    for i in 0..iterations.min(20) {
        f(i).await.map_err(|e| anyhow!("{e}"))?;
    }
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let started = Instant::now();
        f(i).await.map_err(|e| anyhow!("{e}"))?;
        samples.push(started.elapsed());
    }
    Ok(stats(samples))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: store-queries DATABASE_URL [ITERATIONS]")?;
    let iterations: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(200);
    let store = masthead_store::connect(&url).await?.store;
    let counts = store.counts().await.map_err(|e| anyhow!("{e}"))?;
    let sections = store.sections().await.map_err(|e| anyhow!("{e}"))?;
    let people = store.people().await.map_err(|e| anyhow!("{e}"))?;
    let tags = store.tags().await.map_err(|e| anyhow!("{e}"))?;
    if counts.articles == 0 || sections.is_empty() || tags.is_empty() {
        return Err(anyhow!(
            "the database is empty: run `masthead seed --articles N` first"
        ));
    }
    println!(
        "{} backend, {} articles, {} sections, {} tags; {iterations} iterations each",
        store.backend(),
        counts.articles,
        sections.len(),
        tags.len()
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10}",
        "query (20 per page, with total)", "median ms", "p95 ms", "max ms"
    );

    let list = |filter: ArticleFilter, page: u32| {
        let store = &store;
        async move {
            store
                .list_articles(&ArticleQuery::published(
                    filter,
                    PageRequest::numbered(page, 20),
                ))
                .await
                .map(|_| ())
        }
    };
    let cases: Vec<(&str, Stats)> = vec![
        (
            "latest, page 1",
            time(iterations, |_| list(ArticleFilter::All, 1)).await?,
        ),
        (
            "latest, page 50",
            time(iterations, |_| list(ArticleFilter::All, 50)).await?,
        ),
        (
            "by section, page 1",
            time(iterations, |i| {
                list(ArticleFilter::Section(sections[i % sections.len()].id), 1)
            })
            .await?,
        ),
        (
            "by section, page 10",
            time(iterations, |i| {
                list(ArticleFilter::Section(sections[i % sections.len()].id), 10)
            })
            .await?,
        ),
        (
            "by tag, page 1",
            time(iterations, |i| {
                list(ArticleFilter::Tag(tags[i % tags.len()].id), 1)
            })
            .await?,
        ),
        (
            "by author, page 1",
            time(iterations, |i| {
                list(ArticleFilter::Author(people[i % people.len()].id), 1)
            })
            .await?,
        ),
    ];
    for (name, s) in &cases {
        println!(
            "{name:<34} {:>10.3} {:>10.3} {:>10.3}",
            ms(s.median),
            ms(s.p95),
            ms(s.max)
        );
    }
    let latest = store
        .list_articles(&ArticleQuery::published(
            ArticleFilter::All,
            PageRequest::numbered(1, 20),
        ))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let slugs: Vec<String> = latest.items.iter().map(|a| a.slug.clone()).collect();
    let by_slug = time(iterations, |i| {
        let (store, slug) = (&store, slugs[i % slugs.len()].clone());
        async move { store.article_by_slug(&slug).await.map(|_| ()) }
    })
    .await?;
    println!(
        "{:<34} {:>10.3} {:>10.3} {:>10.3}",
        "article by slug (all parts)",
        ms(by_slug.median),
        ms(by_slug.p95),
        ms(by_slug.max)
    );
    Ok(())
}
