//! Lists of articles: the home page, "Latest News" and section fronts.

use super::{chrome, missing, page};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::views::{HomeView, ListView, NavView, PageView, SectionBlock, StoryView};
use serde::Deserialize;

/// Stories per section block on the home page.
const HOME_BLOCK: u32 = 4;
/// Stories per page of a list.
const PER_PAGE: u32 = 20;

#[derive(Deserialize)]
pub struct PageParam {
    page: Option<u32>,
}

pub async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    let chrome = chrome(&state).await?;
    let sections = state.store.sections().await?;
    let mut blocks = Vec::new();
    for s in sections.iter().filter(|s| s.in_navigation) {
        let query = ArticleQuery::published(
            ArticleFilter::Section(s.id),
            PageRequest::numbered(1, HOME_BLOCK),
        );
        let items = state.store.list_articles(&query).await?.items;
        blocks.push(SectionBlock {
            section: NavView {
                name: s.name.clone(),
                slug: s.slug.clone(),
            },
            articles: items.iter().map(StoryView::from).collect(),
        });
    }
    page(&state, "home.html", &HomeView { chrome, blocks })
}

pub async fn latest(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let chrome = chrome(&state).await?;
    let query = ArticleQuery::published(
        ArticleFilter::All,
        PageRequest::numbered(p.page.unwrap_or(1), PER_PAGE),
    );
    let articles = state.store.list_articles(&query).await?;
    let view = ListView {
        chrome,
        heading: "Latest News".into(),
        description: String::new(),
        base: "/latest/".into(),
        show_sections: true,
        page: PageView::from(&articles),
    };
    page(&state, "list.html", &view)
}

pub async fn section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let Some(section) = state.store.section_by_slug(&slug).await? else {
        return missing(&state, &format!("/{slug}/")).await;
    };
    let mut chrome = chrome(&state).await?;
    chrome.current_section = Some(section.slug.clone());
    let query = ArticleQuery::published(
        ArticleFilter::Section(section.id),
        PageRequest::numbered(p.page.unwrap_or(1), PER_PAGE),
    );
    let articles = state.store.list_articles(&query).await?;
    let view = ListView {
        chrome,
        heading: section.name,
        description: section.description,
        base: format!("/{}/", section.slug),
        show_sections: false,
        page: PageView::from(&articles),
    };
    page(&state, "list.html", &view)
}
