//! Static pages (About, Ethics policy, ...) and the site-wide corrections log.

use super::{chrome, not_found, page};
use crate::cache::Dep;
use crate::paging::PageParam;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::response::Response;
use masthead_core::page::PageStatus;
use masthead_core::store::{ArticleFilter, PageRequest};
use masthead_render::views::{
    CorrectionsView, LoggedCorrectionView, PageView, StaticPageView, TierCardView, TimeView,
};

/// Corrections per page of the log.
const CORRECTIONS_PER_PAGE: u32 = 25;

/// The published static page at `/{slug}/`, if there is one.
pub async fn static_page(state: &AppState, slug: &str) -> Result<Option<Response>, WebError> {
    let Some(p) = state.store.page_by_slug(slug).await? else {
        return Ok(None);
    };
    if p.status != PageStatus::Published {
        return Ok(None);
    }
    let mut chrome = chrome(state, &p.path()).await?.chrome;
    chrome.meta.title = p.title.clone();
    if !p.description.is_empty() {
        chrome.meta.description = p.description.clone();
    }
    let zone = chrome.zone;
    let pictures = state
        .store
        .media_by_keys(&masthead_render::pictures::stored_in(&p.body_html))
        .await?;
    // The page the publication's appeal leads to offers its tiers.
    let tiers = if chrome.support.as_ref().is_some_and(|s| s.href == p.path()) {
        state
            .store
            .tiers(false)
            .await?
            .iter()
            .filter(|t| t.offered())
            .map(TierCardView::new)
            .collect()
    } else {
        Vec::new()
    };
    let view = StaticPageView {
        chrome,
        title: p.title,
        body_html: masthead_render::pictures::responsive(&p.body_html, &pictures),
        updated: TimeView::new(p.updated_at, zone),
        tiers,
        payments: false,
    };
    // Pages change only with a site-wide notice (they are in every footer), which
    // empties the whole cache; the page shows no articles, only its pictures.
    let deps = pictures.iter().map(|m| Dep::Media(m.id)).collect();
    page(state, "page.html", &view, deps).map(Some)
}

/// Every correction and update, newest first.
pub async fn corrections(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let base = "/corrections/";
    let Some(number) = p.number() else {
        return Err(not_found(&state, base).await);
    };
    let log = state
        .store
        .corrections_log(PageRequest::numbered(number, CORRECTIONS_PER_PAGE))
        .await?;
    if number > 1 && log.items.is_empty() {
        return Err(not_found(&state, base).await);
    }
    let mut chrome = chrome(&state, base).await?.chrome;
    let heading = "Corrections and updates".to_owned();
    chrome.meta.title = heading.clone();
    chrome.meta.description = format!(
        "Every correction and update {} has made to its published journalism, newest first.",
        chrome.site.title
    );
    if number > 1 {
        chrome.meta.canonical = state.url(&format!("{base}?page={number}"));
    }
    let zone = chrome.zone;
    let view = CorrectionsView {
        chrome,
        heading,
        base: base.to_owned(),
        entries: log
            .items
            .iter()
            .map(|c| LoggedCorrectionView::new(c, zone))
            .collect(),
        page: PageView::numbering(&log),
    };
    // New corrections, and any change to an article (its headline, or unpublishing it).
    page(
        &state,
        "corrections.html",
        &view,
        vec![Dep::Corrections, Dep::List(ArticleFilter::All)],
    )
}
