//! Lists of articles: the home page, "Latest News", section fronts, tag and author pages.

use super::scope::{Kind, Scope};
use super::{chrome, missing, not_found, page};
use crate::cache::Dep;
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::structured;
use masthead_render::views::{
    FeedLink, HomeView, ListView, NavView, PageView, ProfileView, SectionBlock, StoryView,
};
use serde::Deserialize;

/// Stories per section block on the home page.
const HOME_BLOCK: u32 = 4;
/// Stories per page of a list.
const PER_PAGE: u32 = 20;

/// `?page=N`, kept as text so that a bad value is a 404 page, not a bare 400.
#[derive(Deserialize)]
pub struct PageParam {
    page: Option<String>,
}

impl PageParam {
    /// The 1-based page asked for, or `None` for anything that names no page.
    fn number(&self) -> Option<u32> {
        match &self.page {
            None => Some(1),
            Some(text) => text.parse().ok().filter(|n| *n >= 1),
        }
    }
}

pub async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    let super::Context {
        mut chrome,
        settings,
        sections,
    } = chrome(&state, "/").await?;
    chrome.meta.json_ld = Some(structured::to_script(&structured::home(
        &settings,
        &state.base_url,
    )));
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
    let mut deps: Vec<Dep> = vec![Dep::List(ArticleFilter::All)];
    deps.extend(
        sections
            .iter()
            .map(|s| Dep::List(ArticleFilter::Section(s.id))),
    );
    page(&state, "home.html", &HomeView { chrome, blocks }, deps)
}

/// Renders one page of a filtered list of published articles.
async fn list_page(
    state: &AppState,
    mut view: ListView,
    filter: ArticleFilter,
    page: &PageParam,
) -> Result<Response, WebError> {
    let Some(number) = page.number() else {
        return Err(not_found(state, &view.base).await);
    };
    let query = ArticleQuery::published(filter, PageRequest::numbered(number, PER_PAGE));
    let articles = state.store.list_articles(&query).await?;
    // Page 1 of an empty list exists; pages past the end do not.
    if number > 1 && articles.items.is_empty() {
        return Err(not_found(state, &view.base).await);
    }
    view.page = PageView::from(&articles);
    if view.page.number > 1 {
        view.chrome.meta.canonical = state.url(&format!("{}?page={}", view.base, view.page.number));
    }
    super::page(state, "list.html", &view, vec![Dep::List(filter)])
}

/// A list view with everything but its articles; lists other than "Latest News"
/// advertise their own feeds before the site's.
fn list_view(
    mut chrome: masthead_render::views::Chrome,
    heading: String,
    description: String,
    base: String,
) -> ListView {
    if base != "/latest/" {
        let own = FeedLink::all(&base, &heading);
        chrome.feeds.splice(0..0, own);
    }
    chrome.meta.title = heading.clone();
    if !description.is_empty() {
        chrome.meta.description = description.clone();
    }
    ListView {
        chrome,
        heading,
        description,
        base,
        show_sections: true,
        profile: None,
        page: PageView::default(),
    }
}

pub async fn latest(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let view = list_view(
        chrome(&state, "/latest/").await?.chrome,
        "Latest News".into(),
        String::new(),
        "/latest/".into(),
    );
    list_page(&state, view, ArticleFilter::All, &p).await
}

pub async fn section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Section, &slug, &p).await
}

pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Tag, &slug, &p).await
}

pub async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Author, &slug, &p).await
}

/// The list page of a section, tag or author.
async fn scoped(
    state: &AppState,
    kind: Kind,
    slug: &str,
    page: &PageParam,
) -> Result<Response, WebError> {
    let Some(scope) = Scope::find(state, kind, slug).await? else {
        return missing(state, &kind.path(slug)).await;
    };
    let mut chrome = chrome(state, &scope.base).await?.chrome;
    chrome.current_section = scope.section_slug.clone();
    // An author's bio is shown in their profile, not again as the list's description.
    let description = if scope.person.is_some() {
        String::new()
    } else {
        scope.description
    };
    let mut view = list_view(chrome, scope.title, description, scope.base);
    view.show_sections = scope.section_slug.is_none();
    view.profile = scope.person.as_ref().map(ProfileView::from);
    list_page(state, view, scope.filter, page).await
}
