//! The search port: full-text search over published articles. Implemented by
//! `masthead-search` (tantivy, one index per node, rebuildable from the store).

use crate::error::Result;
use crate::ids::ArticleId;
use crate::store::PageRequest;
use async_trait::async_trait;

/// Longest query we take; anything longer is cut, not refused.
pub const MAX_QUERY_CHARS: usize = 200;

/// The deepest result a search reaches (`offset + limit`): pages beyond it have no
/// results, so no page number can make the engine reserve room for more.
pub const MAX_RESULTS: u32 = 1_000;

/// How fast freshness fades, in days: see `freshness`.
pub const FRESHNESS_HALF_LIFE_DAYS: f64 = 30.0;

/// What an old story keeps of its text score: see `freshness`.
pub const FRESHNESS_FLOOR: f64 = 0.7;

/// Ranking weighs fresher stories over older ones. A match's text score (headline
/// over standfirst and tags over body) is multiplied by
/// `FRESHNESS_FLOOR + (1 - FRESHNESS_FLOOR) * 2^(-age / FRESHNESS_HALF_LIFE_DAYS)`:
/// a story published now counts whole, a month-old one 0.85, a year-old one just
/// over 0.7. Text still decides between a close match and a loose one (a year-old
/// headline beats today's passing mention); freshness decides between equals.
/// `age_seconds` below zero (a clock ahead) counts as now.
pub fn freshness(age_seconds: i64) -> f32 {
    let days = age_seconds.max(0) as f64 / 86_400.0;
    (FRESHNESS_FLOOR + (1.0 - FRESHNESS_FLOOR) * (-days / FRESHNESS_HALF_LIFE_DAYS).exp2()) as f32
}

#[async_trait]
pub trait Search: Send + Sync {
    /// Published articles matching `text`, best match first. Any text is a valid
    /// query: operators that do not parse are taken as words. Results beyond
    /// `MAX_RESULTS` are not returned (`total` still counts every match).
    async fn search(&self, text: &str, page: PageRequest) -> Result<SearchResults>;
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// How many articles match in all.
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub article: ArticleId,
    /// A passage of the article around the matched words: HTML with the text escaped
    /// and the matches in `<b>`, safe to place in a page as it is.
    pub snippet_html: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_halves_its_bonus_every_half_life() {
        let day = 86_400;
        for (age, weight) in [
            (-day, 1.0),
            (0, 1.0),
            (30 * day, 0.85),
            (60 * day, 0.775),
            (365 * day, 0.7001),
            (i64::MAX, 0.7),
        ] {
            assert!(
                (freshness(age) - weight).abs() < 0.001,
                "{age}: {}",
                freshness(age)
            );
        }
        // Always between the floor and one, never rising with age.
        let mut last = 1.0;
        for days in 0..2000 {
            let w = freshness(days * day);
            assert!((0.7..=1.0).contains(&w) && w <= last, "{days}");
            last = w;
        }
    }
}
