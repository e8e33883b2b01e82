//! The reader portal: public pages, one file per page group.

mod article;
mod feeds;
mod lists;
mod pages;
mod scope;
mod search;
mod sitemaps;

pub(crate) use crate::chrome::{chrome, gone, not_found, Context};
pub(crate) use crate::segments::Segments;

use crate::cache::{cacheable, Dep};
use crate::redirect::{self, Address};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(lists::home))
        .route("/latest/", get(lists::latest))
        .route("/corrections/", get(pages::corrections))
        .route("/search/", get(search::search))
        .route("/support/offer/{code}/", get(pages::offer))
        .route("/support/supporters/", get(pages::supporters))
        .route("/tag/{slug}/", get(lists::tag))
        .route("/author/{slug}/", get(lists::author))
        .route("/robots.txt", get(sitemaps::robots))
        .route("/favicon.ico", get(favicon))
        .route("/sitemap.xml", get(sitemaps::index))
        .route("/sitemap-pages.xml", get(sitemaps::pages))
        .route("/sitemap-news.xml", get(sitemaps::news))
        .route("/{file}", get(top_level_file))
        .route("/{section}/{file}", get(feeds::section))
        .route("/tag/{slug}/{file}", get(feeds::tag))
        .route("/author/{slug}/{file}", get(feeds::author))
        .route("/assets/{name}", get(asset))
        .route("/{section}/", get(lists::section))
        .route("/{section}/{slug}/", get(article::show))
        .route("/{section}/{slug}/entries/", get(article::live_entries))
        .route("/preview/{token}", get(article::preview))
        .fallback(fallback)
        // Who reads, for every page above (and its header); not for media files.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::reader::scope,
        ))
        .nest_service("/media", ServeDir::new(&state.media_dir))
}

/// A sponsor as readers see it, with its logo's file.
pub(crate) async fn sponsor_view(
    state: &AppState,
    sponsor: Option<masthead_core::sponsor::Sponsor>,
) -> Result<Option<masthead_render::views::SponsorView>, WebError> {
    let Some(sponsor) = sponsor else {
        return Ok(None);
    };
    let logo = match sponsor.logo {
        Some(id) => state.store.media_many(&[id]).await?.into_iter().next(),
        None => None,
    };
    Ok(Some(masthead_render::views::SponsorView::new(
        &sponsor,
        logo.as_ref(),
    )))
}

/// The portal's "no such page": the themed 404.
pub(crate) struct NoPage;

impl crate::segments::Missing for NoPage {
    async fn page(state: &AppState, _: &axum::http::request::Parts) -> WebError {
        not_found(state, "/").await
    }
}

/// Files at the top level: the site's feeds and the numbered article sitemaps; any
/// other name is a page address without its trailing slash, or nothing.
async fn top_level_file(
    State(state): State<AppState>,
    address: Address,
    Segments(file, _): Segments<String, NoPage>,
) -> Result<Response, WebError> {
    let sitemap_page = file
        .strip_prefix("sitemap-articles-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<u32>().ok());
    if let Some(n) = sitemap_page {
        if let Some(response) = sitemaps::articles(&state, n).await? {
            return Ok(response);
        }
    }
    feeds::site(&state, &file, &address).await
}

/// Renders a page that shows `deps` (see `cache`), so it can be cached.
pub(crate) fn page(
    state: &AppState,
    template: &str,
    view: &impl serde::Serialize,
    deps: Vec<Dep>,
) -> Result<Response, WebError> {
    Ok(cacheable(
        Html(state.theme.render(template, view)?).into_response(),
        deps,
    ))
}

/// `/favicon.ico`, which browsers ask for on their own: the publication's icon, or the
/// theme's.
async fn favicon(State(state): State<AppState>) -> Result<Response, WebError> {
    let site = state.site.get(&*state.store).await?;
    let icon = if site.settings.favicon.is_empty() {
        state.theme.asset_path("favicon.svg")
    } else {
        site.settings.favicon.clone()
    };
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, icon),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
    )
        .into_response())
}

async fn asset(
    State(state): State<AppState>,
    Segments(name, _): Segments<String, NoPage>,
) -> Response {
    use masthead_render::theme::AssetName;
    let Some((asset, named)) = state.theme.asset(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache_control = match named {
        // New content gets a new address, so this one never changes.
        AssetName::Fingerprinted => "public, max-age=31536000, immutable",
        AssetName::Plain => "public, max-age=300",
    };
    // Through the page cache, which keeps it compressed and answers revalidations.
    cacheable(
        (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, cache_control),
            ],
            asset.bytes.clone(),
        )
            .into_response(),
        Vec::new(),
    )
}

/// Paths no route matched: maybe a missing trailing slash.
async fn fallback(State(state): State<AppState>, address: Address) -> Result<Response, WebError> {
    fallback_for(&state, &address).await
}

/// A path that names no page: a recorded redirect, the same path with its trailing
/// slash (built from the path as sent, with its query), or a helpful 404.
pub(crate) async fn fallback_for(
    state: &AppState,
    address: &Address,
) -> Result<Response, WebError> {
    let raw = &address.raw_path;
    let looks_like_page =
        !raw.ends_with('/') && !raw.rsplit('/').next().unwrap_or_default().contains('.');
    if looks_like_page && state.store.redirect_for(&address.path).await?.is_none() {
        let slashed = format!("{raw}/");
        return match redirect::to(
            StatusCode::PERMANENT_REDIRECT,
            &slashed,
            address.query.as_deref(),
        ) {
            Some(response) => Ok(response),
            None => Err(not_found(state, &address.path).await),
        };
    }
    missing(state, address).await
}

/// Answers for an address with nothing on it: a recorded redirect (keeping the
/// query), or a helpful 404.
pub(crate) async fn missing(state: &AppState, address: &Address) -> Result<Response, WebError> {
    if let Some(r) = state.store.redirect_for(&address.path).await? {
        let status = StatusCode::from_u16(r.status_code).unwrap_or(StatusCode::MOVED_PERMANENTLY);
        if let Some(response) = redirect::to(status, &r.to_path, address.query.as_deref()) {
            return Ok(response);
        }
    }
    Err(not_found(state, &address.path).await)
}
