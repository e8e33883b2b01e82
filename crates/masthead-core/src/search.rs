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
