//! `robots.txt`, the sitemap index and its children, and the Google News sitemap.

use crate::cache::{cacheable, Dep};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::sitemaps::{
    self, NewsEntry, UrlEntry, NEWS_MAX_URLS, NEWS_WINDOW_HOURS, URLS_PER_SITEMAP,
};

/// An XML response that shows every published article's address.
fn xml(body: String) -> Response {
    let response = (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response();
    cacheable(response, vec![Dep::List(ArticleFilter::All)])
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let body = sitemaps::robots(&state.base_url);
    let response = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
    cacheable(response, Vec::new())
}

/// The index: the pages sitemap, one sitemap per `URLS_PER_SITEMAP` articles, and news.
pub async fn index(State(state): State<AppState>) -> Result<Response, WebError> {
    let published = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(1, 1));
    let total = state.store.list_articles(&published).await?.total;
    let pages = total.div_ceil(u64::from(URLS_PER_SITEMAP));
    let mut children = vec![state.url("/sitemap-pages.xml")];
    children.extend((1..=pages).map(|n| state.url(&format!("/sitemap-articles-{n}.xml"))));
    children.push(state.url("/sitemap-news.xml"));
    Ok(xml(sitemaps::index(&children)))
}

/// Fronts (home, latest, sections, tags and authors), static pages and the
/// corrections log.
pub async fn pages(State(state): State<AppState>) -> Result<Response, WebError> {
    let mut paths = vec![
        "/".to_owned(),
        "/latest/".to_owned(),
        "/corrections/".to_owned(),
    ];
    let site = state.site.get(&*state.store).await?;
    paths.extend(site.pages.iter().map(masthead_core::page::StaticPage::path));
    paths.extend(site.sections.iter().map(|s| format!("/{}/", s.slug)));
    paths.extend(
        state
            .store
            .tags()
            .await?
            .into_iter()
            .map(|t| format!("/tag/{}/", t.slug)),
    );
    paths.extend(state.store.people().await?.into_iter().map(|p| p.path()));
    let entries: Vec<UrlEntry> = paths
        .iter()
        .map(|p| UrlEntry {
            loc: state.url(p),
            lastmod: None,
        })
        .collect();
    Ok(xml(sitemaps::urlset(&entries)))
}

/// Page `n` (1-based) of the articles, oldest first.
pub async fn articles(state: &AppState, n: u32) -> Result<Option<Response>, WebError> {
    if n == 0 {
        return Ok(None);
    }
    let offset = u64::from(n - 1) * u64::from(URLS_PER_SITEMAP);
    let locations = state
        .store
        .article_locations(offset, URLS_PER_SITEMAP)
        .await?;
    if locations.is_empty() && n > 1 {
        return Ok(None);
    }
    let entries: Vec<UrlEntry> = locations
        .iter()
        .map(|l| UrlEntry {
            loc: state.url(&l.path()),
            lastmod: Some(l.updated_at.max(l.published_at)),
        })
        .collect();
    Ok(Some(xml(sitemaps::urlset(&entries))))
}

/// Articles published in the last 48 hours, for Google News.
pub async fn news(State(state): State<AppState>) -> Result<Response, WebError> {
    let site = state.site.get(&*state.store).await?;
    let settings = &site.settings;
    let since = Utc::now() - Duration::hours(NEWS_WINDOW_HOURS);
    let recent = state.store.recent_locations(since, NEWS_MAX_URLS).await?;
    let entries: Vec<NewsEntry> = recent
        .iter()
        .map(|l| NewsEntry {
            loc: state.url(&l.path()),
            title: l.title.clone(),
            published: l.published_at,
        })
        .collect();
    Ok(xml(sitemaps::news(
        &settings.title,
        &sitemaps::news_language(&settings.locale),
        &entries,
    )))
}
