//! Privacy-friendly readership counts for "Most read": each article page served to a
//! reader adds one to that article's count for the day (counted where pages are
//! served, in `cache::layer`). No cookies, no addresses, no per-reader data: only a
//! number per article per day. Counts gather in memory and are written in one batch
//! now and then (`flush`), so reads cost no database write.

use axum::http::{header, HeaderMap};
use masthead_core::ids::ArticleId;
use masthead_core::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long "Most read" looks back.
pub const MOST_READ_DAYS: i64 = 2;

/// How often counts gathered in memory are written to the store.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Default)]
pub struct Readership {
    pending: Mutex<HashMap<ArticleId, u64>>,
}

impl Readership {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ArticleId, u64>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn count(&self, article: ArticleId) {
        *self.lock().entry(article).or_default() += 1;
    }

    /// Writes the counts gathered so far as today's. Counts that cannot be written are
    /// kept for the next try.
    pub async fn flush(&self, store: &dyn Store) -> masthead_core::Result<()> {
        let counts: Vec<(ArticleId, u64)> = self.lock().drain().collect();
        if counts.is_empty() {
            return Ok(());
        }
        let today = chrono::Utc::now().date_naive();
        if let Err(e) = store.record_views(today, &counts).await {
            let mut pending = self.lock();
            for (id, n) in counts {
                *pending.entry(id).or_default() += n;
            }
            return Err(e);
        }
        Ok(())
    }

    /// Flushes every `FLUSH_EVERY` until the task is dropped.
    pub async fn run(self: Arc<Self>, store: Arc<dyn Store>) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.flush(&*store).await {
                tracing::warn!(error = %e, "could not record readership counts");
            }
        }
    }
}

/// Whether a request comes from a person's browser, by its user agent.
pub fn is_reader(request: &HeaderMap) -> bool {
    !is_robot(
        request
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    )
}

/// Crawlers, link previews and monitors are not readers.
fn is_robot(user_agent: &str) -> bool {
    if user_agent.is_empty() {
        return true;
    }
    let ua = user_agent.to_ascii_lowercase();
    [
        "bot",
        "crawl",
        "spider",
        "slurp",
        "externalhit",
        "preview",
        "fetch",
        "monitor",
        "curl",
        "wget",
        "python",
        "headless",
    ]
    .iter()
    .any(|word| ua.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_and_tools_are_not_readers() {
        for ua in [
            "",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "curl/8.5.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
        ] {
            assert!(is_robot(ua), "{ua}");
        }
        assert!(!is_robot(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        ));
    }
}
