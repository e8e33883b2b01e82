//! The search page: `/search/?q=...`, through the search port.

use super::{chrome, not_found};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::search::{MAX_QUERY_CHARS, MAX_RESULTS};
use masthead_core::store::{Page, PageRequest};
use masthead_render::views::{PageView, SearchHitView, SearchView, StoryView};
use serde::Deserialize;

/// Results per page.
const PER_PAGE: u32 = 20;

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let query: String = params
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect();
    let Some(number) = crate::paging::page_number(params.page.as_deref()) else {
        return Err(not_found(&state, "/search/").await);
    };
    let request = PageRequest::numbered(number, PER_PAGE);
    let results = state.search.search(&query, request).await?;
    if number > 1 && results.hits.is_empty() {
        return Err(not_found(&state, "/search/").await);
    }
    let mut chrome = chrome(&state, "/search/").await?.chrome;
    let ids: Vec<_> = results.hits.iter().map(|h| h.article).collect();
    // The index may briefly hold an article unpublished a moment ago: the store decides.
    let summaries = state.store.published_summaries(&ids).await?;
    let media_ids: Vec<_> = summaries
        .iter()
        .filter_map(|a| a.featured_media_id)
        .collect();
    let media = state.store.media_many(&media_ids).await?;
    let hits = results
        .hits
        .iter()
        .filter_map(|hit| {
            let summary = summaries.iter().find(|s| s.id == hit.article)?;
            Some(SearchHitView {
                story: StoryView::with_image(summary, &media, chrome.zone),
                snippet_html: hit.snippet_html.clone(),
            })
        })
        .collect();

    chrome.meta.title = if query.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {query}")
    };
    // Result pages are for readers, not for search engines.
    chrome.meta.robots = Some("noindex, follow");
    let encoded = percent_encoding::utf8_percent_encode(&query, percent_encoding::NON_ALPHANUMERIC);
    // Pages end where results do (`MAX_RESULTS`), however many match.
    let numbering = Page::<()> {
        items: Vec::new(),
        total: results.total.min(u64::from(MAX_RESULTS)),
        offset: request.offset,
        limit: request.limit,
    };
    let view = SearchView {
        chrome,
        query: query.clone(),
        base: format!("/search/?q={encoded}"),
        total: results.total,
        hits,
        page: PageView::numbering(&numbering),
    };
    let html = state.theme.render("search.html", &view)?;
    // Not cached here: every query is its own page. Browsers may keep it briefly.
    Ok(([(header::CACHE_CONTROL, "private, max-age=60")], Html(html)).into_response())
}
