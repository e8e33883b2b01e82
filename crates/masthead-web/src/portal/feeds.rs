//! Feeds for the whole site, each section, tag and author, in RSS, Atom and JSON Feed:
//! `/feed.xml`, `/atom.xml`, `/feed.json`, and the same names under `/{section}/`,
//! `/tag/{slug}/` and `/author/{slug}/`.

use super::scope::{Kind, Scope};
use super::{NoPage, Segments};
use crate::cache::{cacheable, Dep};
use crate::redirect::Address;
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use masthead_core::access;
use masthead_core::article::ArticleType;
use masthead_core::store::{ArticleQuery, PageRequest};
use masthead_render::feeds::{FeedAuthor, FeedItem, FeedView};

/// Articles per feed.
const FEED_ITEMS: u32 = 20;

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn from_file(file: &str) -> Option<Self> {
        match file {
            "feed.xml" => Some(Self::Rss),
            "atom.xml" => Some(Self::Atom),
            "feed.json" => Some(Self::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }
}

async fn render(
    state: &AppState,
    scope: Scope,
    file: &str,
    address: &Address,
) -> Result<Response, WebError> {
    let Some(format) = Format::from_file(file) else {
        return super::fallback_for(state, address).await;
    };
    let site = state.site.get(&*state.store).await?;
    let settings = &site.settings;
    let query = ArticleQuery::published(scope.filter, PageRequest::numbered(1, FEED_ITEMS));
    let page = state.store.list_articles(&query).await?;
    let media_ids: Vec<_> = page
        .items
        .iter()
        .filter_map(|a| a.featured_media_id)
        .collect();
    let media = state.store.media_many(&media_ids).await?;
    let mut items = Vec::with_capacity(page.items.len());
    // The feed changes with its list, and with the entries of the live articles in it.
    let mut deps = vec![Dep::List(scope.filter)];
    for summary in &page.items {
        let Some(article) = state.store.article(summary.id).await? else {
            continue;
        };
        let readable = access::can_read(&access::Reader::Anonymous, &article);
        let live = if article.article_type == ArticleType::Live && readable {
            deps.push(Dep::Article(article.id));
            state
                .store
                .live_entries(article.id, masthead_core::live::SHOWN)
                .await?
        } else {
            Vec::new()
        };
        let image = article
            .featured_image
            .as_ref()
            .and_then(|i| media.iter().find(|m| m.id == i.media_id))
            .map(|m| state.url(&masthead_render::views::media_src(m)));
        let published = article.published_at.unwrap_or(article.updated_at);
        items.push(FeedItem {
            url: state.url(&article.path()),
            title: article.title.clone(),
            summary: article.summary().to_owned(),
            // Feed readers are anonymous: gated bodies stay on the site, but for the
            // part above the writer's preview cut.
            content_html: if readable {
                let mut html = masthead_render::body::without_cuts(&article.body_html).into_owned();
                if !live.is_empty() {
                    html.push_str(&masthead_render::live::feed_html(&live));
                }
                Some(html)
            } else {
                masthead_render::body::teaser_html(&article.body_html).map(str::to_owned)
            }
            .map(|html| masthead_render::body::absolute_links(&html, &state.base_url)),
            published,
            updated: live
                .iter()
                .map(|e| e.changed_at())
                .fold(article.updated_at.max(published), |a, b| a.max(b)),
            authors: article
                .authors
                .iter()
                .map(|a| FeedAuthor {
                    name: a.name.clone(),
                    url: state.url(&format!("/author/{}/", a.slug)),
                })
                .collect(),
            tags: article.tags.iter().map(|t| t.name.clone()).collect(),
            image,
        });
    }
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or_else(chrono::Utc::now);
    let title = if scope.title.is_empty() {
        settings.title.clone()
    } else {
        format!("{} · {}", scope.title, settings.title)
    };
    let view = FeedView {
        title,
        description: if scope.description.is_empty() {
            settings.description.clone()
        } else {
            scope.description.clone()
        },
        language: settings.locale.clone(),
        home_url: state.url(&scope.base),
        feed_url: state.url(&format!("{}{file}", scope.base)),
        updated,
        items,
    };
    let body = match format {
        Format::Rss => view.rss(),
        Format::Atom => view.atom(),
        Format::Json => view.json(),
    };
    let response = ([(header::CONTENT_TYPE, format.content_type())], body).into_response();
    Ok(cacheable(response, deps))
}

/// The site-wide feed named `file`; other names fall through to `fallback_for`.
pub async fn site(state: &AppState, file: &str, address: &Address) -> Result<Response, WebError> {
    render(state, Scope::site(), file, address).await
}

pub async fn section(
    State(state): State<AppState>,
    address: Address,
    Segments((slug, file), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Section, &slug, &file, &address).await
}

pub async fn tag(
    State(state): State<AppState>,
    address: Address,
    Segments((slug, file), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Tag, &slug, &file, &address).await
}

pub async fn author(
    State(state): State<AppState>,
    address: Address,
    Segments((slug, file), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Author, &slug, &file, &address).await
}

/// The feed `file` of a section, tag or author.
async fn scoped(
    state: &AppState,
    kind: Kind,
    slug: &str,
    file: &str,
    address: &Address,
) -> Result<Response, WebError> {
    match Scope::find(state, kind, slug).await? {
        Some(scope) => render(state, scope, file, address).await,
        None => super::fallback_for(state, address).await,
    }
}
