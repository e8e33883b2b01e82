//! Lists of articles: the home page, "Latest News", section fronts, tag and author pages.

use super::scope::{Kind, Scope};
use super::{chrome, missing, not_found, page};
use super::{NoPage, Segments};
use crate::cache::Dep;
use crate::paging::PageParam;
use crate::redirect::Address;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::response::Response;
use masthead_core::curation::{self, Front};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::structured;
use masthead_render::views::{
    FeedLink, HomeView, ListView, NavView, PageView, ProfileView, SectionBlock, StoryView,
};

/// Stories per section block on the home page.
const HOME_BLOCK: u32 = 4;
/// Newest stories at the top of the home page: the lead, the secondary stories with
/// pictures, then the "Latest News" headlines.
const HOME_TOP: u32 = 14;
const HOME_SECONDARY: u32 = 5;
/// Stories in the "Most read" list.
const MOST_READ: u32 = 5;
/// Stories per page of a list.
const PER_PAGE: u32 = 20;

pub async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    let super::Context { mut chrome, site } = chrome(&state, "/").await?;
    chrome.meta.json_ld = Some(structured::to_script(&structured::home(
        &site.settings,
        &state.base_url,
    )));
    let newest = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(1, HOME_TOP));
    let newest = state.store.list_articles(&newest).await?.items;
    // The editors' choices first, in their slots; newest first around them.
    let (slots, chosen) = state.store.front_stories(Front::Home).await?;
    let now = chrono::Utc::now();
    lapses(&state, &slots, now);
    let top = curation::arrange(&slots, &chosen, &newest, HOME_TOP as usize, now);
    let lead_chosen = slots.iter().any(|s| s.position == 0 && s.holds_at(now))
        && top
            .first()
            .is_some_and(|a| chosen.iter().any(|c| c.id == a.id));
    let since = masthead_core::analytics::most_read_since(now, site.settings.most_read_hours);
    let most_read = state.store.most_read(since, MOST_READ).await?;
    let navigation: Vec<_> = site.sections.iter().filter(|s| s.in_navigation).collect();
    let mut section_lists = Vec::with_capacity(navigation.len());
    for s in &navigation {
        // A few extra, to make up for stories already shown at the top.
        let query = ArticleQuery::published(
            ArticleFilter::Section(s.id),
            PageRequest::numbered(1, HOME_BLOCK + HOME_SECONDARY + 1),
        );
        section_lists.push(state.store.list_articles(&query).await?.items);
    }
    let media_ids: Vec<_> = top
        .iter()
        .chain(section_lists.iter().flatten())
        .filter_map(|a| a.featured_media_id)
        .collect();
    let media = state.store.media_many(&media_ids).await?;
    let zone = chrome.zone;
    let story = |a: &masthead_core::article::ArticleSummary| StoryView::with_image(a, &media, zone);

    // The lead is the one chosen, else the newest story with a picture; the next few
    // come with theirs.
    let lead_index = if lead_chosen {
        0
    } else {
        top.iter()
            .position(|a| a.featured_media_id.is_some())
            .unwrap_or(0)
    };
    let lead = top.get(lead_index).map(story);
    let rest: Vec<_> = top
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != lead_index)
        .map(|(_, a)| a)
        .collect();
    let secondary: Vec<StoryView> = rest
        .iter()
        .take(HOME_SECONDARY as usize)
        .map(|a| story(a))
        .collect();
    let latest: Vec<StoryView> = rest
        .iter()
        .skip(HOME_SECONDARY as usize)
        .map(|a| story(a))
        .collect();
    let at_top: Vec<_> = top
        .iter()
        .take(HOME_SECONDARY as usize + 1)
        .map(|a| a.id)
        .collect();
    let blocks = navigation
        .iter()
        .zip(&section_lists)
        .map(|(s, items)| SectionBlock {
            section: NavView {
                name: s.name.clone(),
                slug: s.slug.clone(),
            },
            articles: items
                .iter()
                .filter(|a| !at_top.contains(&a.id))
                .take(HOME_BLOCK as usize)
                .map(story)
                .collect(),
        })
        .collect();
    let view = HomeView {
        chrome,
        lead,
        secondary,
        latest,
        most_read: most_read.iter().map(|a| StoryView::new(a, zone)).collect(),
        blocks,
    };
    // Every article is on the "all" list, so a change to any of them reaches this page.
    let mut deps: Vec<Dep> = vec![Dep::List(ArticleFilter::All), Dep::MostRead];
    deps.extend(
        site.sections
            .iter()
            .map(|s| Dep::List(ArticleFilter::Section(s.id))),
    );
    deps.extend(media.iter().map(|m| Dep::Media(m.id)));
    page(&state, "home.html", &view, deps)
}

/// Tells the page cache when the chosen slots a page shows end (`until`), so the page
/// changes at that moment.
fn lapses(state: &AppState, slots: &[curation::Slot], now: chrono::DateTime<chrono::Utc>) {
    for until in slots.iter().filter_map(|s| s.until).filter(|t| *t > now) {
        state.cache.lapse_at(until.into());
    }
}

/// Renders one page of a filtered list of published articles; the first page of a
/// curated `front` (a section's) starts with the editors' choices in their slots.
async fn list_page(
    state: &AppState,
    mut view: ListView,
    filter: ArticleFilter,
    front: Option<Front>,
    page: &PageParam,
) -> Result<Response, WebError> {
    let Some(number) = page.number() else {
        return Err(not_found(state, &view.base).await);
    };
    let query = ArticleQuery::published(filter, PageRequest::numbered(number, PER_PAGE));
    let mut articles = state.store.list_articles(&query).await?;
    // Page 1 of an empty list exists; pages past the end do not.
    if number > 1 && articles.items.is_empty() {
        return Err(not_found(state, &view.base).await);
    }
    let mut deps = vec![Dep::List(filter)];
    if let (1, Some(front)) = (number, front) {
        let (slots, chosen) = state.store.front_stories(front).await?;
        let now = chrono::Utc::now();
        lapses(state, &slots, now);
        // The chosen stories come on top of the page's own, so none of the newest is
        // pushed off it (and missed between page 1 and page 2).
        let len = articles.items.len() + chosen.len();
        articles.items = curation::arrange(&slots, &chosen, &articles.items, len, now);
        // A chosen story may be from another section: its changes reach this page.
        deps.extend(chosen.iter().map(|a| Dep::Article(a.id)));
    }
    let media_ids: Vec<_> = articles
        .items
        .iter()
        .filter_map(|a| a.featured_media_id)
        .collect();
    let media = state.store.media_many(&media_ids).await?;
    view.page = PageView::numbering(&articles);
    view.page.items = articles
        .items
        .iter()
        .map(|a| StoryView::with_image(a, &media, view.chrome.zone))
        .collect();
    if view.page.number > 1 {
        view.chrome.meta.canonical = state.url(&format!("{}?page={}", view.base, view.page.number));
    }
    deps.extend(
        media
            .iter()
            .map(|m| m.id)
            .chain(view.profile_photo)
            .map(Dep::Media),
    );
    super::page(state, "list.html", &view, deps)
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
        profile_photo: None,
        sponsor: None,
        page: PageView::default(),
    }
}

pub async fn latest(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let mut chrome = chrome(&state, "/latest/").await?.chrome;
    chrome.current_section = Some("latest".into());
    let view = list_view(
        chrome,
        "Latest News".into(),
        String::new(),
        "/latest/".into(),
    );
    list_page(&state, view, ArticleFilter::All, None, &p).await
}

pub async fn section(
    State(state): State<AppState>,
    address: Address,
    Segments(slug, _): Segments<String, NoPage>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Section, &slug, &p, &address).await
}

pub async fn tag(
    State(state): State<AppState>,
    address: Address,
    Segments(slug, _): Segments<String, NoPage>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Tag, &slug, &p, &address).await
}

pub async fn author(
    State(state): State<AppState>,
    address: Address,
    Segments(slug, _): Segments<String, NoPage>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    scoped(&state, Kind::Author, &slug, &p, &address).await
}

/// The list page of a section, tag or author.
async fn scoped(
    state: &AppState,
    kind: Kind,
    slug: &str,
    page: &PageParam,
    address: &Address,
) -> Result<Response, WebError> {
    let Some(scope) = Scope::find(state, kind, slug).await? else {
        // Static pages share the top level with sections. A page has one page: any
        // other `?page=` is no page (each would be another copy in the cache).
        if kind == Kind::Section && page.number() == Some(1) {
            if let Some(response) = super::pages::static_page(state, slug).await? {
                return Ok(response);
            }
        }
        return missing(state, address).await;
    };
    let super::Context { mut chrome, site } = chrome(state, &scope.base).await?;
    chrome.current_section = scope.section_slug.clone();
    if let Some(person) = &scope.person {
        chrome.meta.json_ld = Some(structured::to_script(&structured::profile_page(
            person,
            &site.settings,
            &state.base_url,
        )));
    }
    // An author's bio is shown in their profile, not again as the list's description.
    let description = if scope.person.is_some() {
        String::new()
    } else {
        scope.description
    };
    let mut view = list_view(chrome, scope.title, description, scope.base);
    view.show_sections = scope.section_slug.is_none();
    if let Some(person) = &scope.person {
        let photo = match person.avatar {
            Some(id) => state.store.media(id).await?,
            None => None,
        };
        view.profile = Some(ProfileView::new(person, photo.as_ref()));
        view.profile_photo = photo.map(|m| m.id);
    }
    let mut front = None;
    if let ArticleFilter::Section(id) = scope.filter {
        view.sponsor = super::sponsor_view(state, state.store.section_sponsor(id).await?).await?;
        front = Some(Front::Section(id));
    }
    list_page(state, view, scope.filter, front, page).await
}
