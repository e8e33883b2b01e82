//! Privacy-friendly readership counts for "Most read": each article page served to a
//! reader adds one to that article's count for the day and for the hour (counted
//! where pages are served, in `cache`). A client address counts once per article per
//! `WINDOW`, so a script cannot push a story up the list; what tells them apart is a
//! keyed hash of address and article, held in memory for the window only (the key is
//! new each window). No cookies, no stored addresses, no per-reader data: only a
//! number per article per day and per hour. Counts gather in memory and are written
//! in one batch now and then (`flush`), so reads cost no database write.

use axum::http::{header, HeaderMap};
use masthead_core::ids::ArticleId;
use masthead_core::store::Store;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often counts gathered in memory are written to the store.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// How long one address counts once per article.
pub const WINDOW: Duration = Duration::from_secs(60 * 60);

/// The most (address, article) pairs remembered at once; a window that fills up
/// starts again early, so memory stays bounded (a few MB) whatever the traffic.
const MAX_SEEN: usize = 100_000;

pub struct Readership {
    pending: Mutex<Counts>,
}

struct Counts {
    per_article: HashMap<ArticleId, u64>,
    /// Readers counted above, by the site they came from (its domain).
    referrers: HashMap<String, u64>,
    /// Searches on the site, by their words.
    searches: HashMap<String, u64>,
    /// Keyed hashes of (address, article) counted in this window.
    seen: HashSet<u64>,
    /// A fresh random key per window, so the hashes say nothing after it.
    key: std::collections::hash_map::RandomState,
    window_started: Instant,
}

impl Default for Readership {
    fn default() -> Self {
        Self {
            pending: Mutex::new(Counts {
                per_article: HashMap::new(),
                referrers: HashMap::new(),
                searches: HashMap::new(),
                seen: HashSet::new(),
                key: std::collections::hash_map::RandomState::new(),
                window_started: Instant::now(),
            }),
        }
    }
}

impl Readership {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a read of `article` by `client` (when its address is known), unless that
    /// address was counted for that article in this window; and the site the reader
    /// came from (`referrer`, a domain: `analytics::referring_domain`), with it.
    pub fn count(&self, article: ArticleId, client: Option<IpAddr>, referrer: Option<String>) {
        let mut counts = self.lock();
        let seen = client.map(|ip| counts.key.hash_one((ip, article)));
        if !counts.first_in_window(seen) {
            return;
        }
        *counts.per_article.entry(article).or_default() += 1;
        if let Some(domain) = referrer {
            bump(&mut counts.referrers, domain);
        }
    }

    /// Counts a search on the site (its words: `analytics::search_term`) by `client`,
    /// once per address and words in a window.
    pub fn count_search(&self, term: String, client: Option<IpAddr>) {
        let mut counts = self.lock();
        let seen = client.map(|ip| counts.key.hash_one((ip, &term)));
        if counts.first_in_window(seen) {
            bump(&mut counts.searches, term);
        }
    }

    /// Writes the counts gathered so far as today's. Counts that cannot be written are
    /// kept for the next try.
    pub async fn flush(&self, store: &dyn Store) -> masthead_core::Result<()> {
        let (views, referrers, searches) = {
            let mut pending = self.lock();
            let views: Vec<(ArticleId, u64)> = pending.per_article.drain().collect();
            let referrers: Vec<(String, u64)> = pending.referrers.drain().collect();
            let searches: Vec<(String, u64)> = pending.searches.drain().collect();
            (views, referrers, searches)
        };
        let now = chrono::Utc::now();
        let today = now.date_naive();
        let mut failed = None;
        if !views.is_empty() {
            if let Err(e) = store.record_views(now, &views).await {
                put_back(&mut self.lock().per_article, views);
                failed = Some(e);
            }
        }
        if let Err(e) = store.record_referrers(today, &referrers).await {
            put_back(&mut self.lock().referrers, referrers);
            failed = Some(e);
        }
        if let Err(e) = store.record_searches(today, &searches).await {
            put_back(&mut self.lock().searches, searches);
            failed = Some(e);
        }
        failed.map_or(Ok(()), Err)
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

/// The most different referring sites or searches gathered between two flushes; more
/// are not counted until the next, so memory stays bounded whatever the traffic.
const MAX_KEYS: usize = 10_000;

/// Counts that could not be written, back among those waiting for the next try.
fn put_back<K: std::hash::Hash + Eq>(pending: &mut HashMap<K, u64>, counts: Vec<(K, u64)>) {
    for (key, n) in counts {
        *pending.entry(key).or_default() += n;
    }
}

fn bump(counts: &mut HashMap<String, u64>, key: String) {
    if counts.len() < MAX_KEYS || counts.contains_key(&key) {
        *counts.entry(key).or_default() += 1;
    }
}

impl Counts {
    /// Whether `seen` (a keyed hash of an address and what it read) is new in this
    /// window; always, for a reader whose address is unknown. Starts a new window
    /// when this one is over or full.
    fn first_in_window(&mut self, seen: Option<u64>) -> bool {
        if self.window_started.elapsed() > WINDOW || self.seen.len() >= MAX_SEEN {
            self.seen.clear();
            self.key = std::collections::hash_map::RandomState::new();
            self.window_started = Instant::now();
        }
        seen.is_none_or(|seen| self.seen.insert(seen))
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
    fn an_address_counts_once_per_article_per_window() {
        let readership = Readership::default();
        let one: IpAddr = [192, 0, 2, 1].into();
        let two: IpAddr = [192, 0, 2, 2].into();
        for _ in 0..2_000 {
            readership.count(ArticleId(1), Some(one), None);
        }
        readership.count(ArticleId(2), Some(one), None);
        readership.count(ArticleId(1), Some(two), None);
        let counts = &readership.lock().per_article;
        assert_eq!(
            counts[&ArticleId(1)],
            2,
            "2,000 reads from one address are one"
        );
        assert_eq!(counts[&ArticleId(2)], 1);
    }

    #[test]
    fn remembered_pairs_stay_bounded() {
        let readership = Readership::default();
        for n in 0..(MAX_SEEN as u32 + 10) {
            readership.count(ArticleId(1), Some(IpAddr::from(n.to_be_bytes())), None);
        }
        assert!(readership.lock().seen.len() <= MAX_SEEN);
    }

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
