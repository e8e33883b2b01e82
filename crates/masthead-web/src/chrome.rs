//! What every reader-facing page is made in, whichever surface answers it (the
//! portal, the members' pages): its chrome (the site's parts, and the reader in the
//! header, from `reader::current`), and themed error pages that help the reader on.

use crate::site::SiteParts;
use crate::{AppState, WebError};
use masthead_core::access::Reader;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::views::{Chrome, ErrorView, StoryView, Visitor};
use std::sync::Arc;

/// A member's own page, where the header's name leads.
pub const ACCOUNT: &str = "/account";

/// What every page is built from: its chrome, and the site parts the chrome was made
/// of, for pages that need more of them.
pub(crate) struct Context {
    pub chrome: Chrome,
    pub site: Arc<SiteParts>,
}

/// Loads what every page shows around its content, for the page at `path`.
pub(crate) async fn chrome(state: &AppState, path: &str) -> Result<Context, WebError> {
    let site = state.site.get(&*state.store).await?;
    let now = chrono::Utc::now();
    let mut chrome = Chrome::new(&site.settings, &site.sections, &site.pages, now);
    // A banner that ends leaves every page at that moment.
    if let Some(until) = site.settings.breaking.as_ref().and_then(|b| b.until) {
        if until > now {
            state.cache.lapse_at(until.into());
        }
    }
    chrome.meta.canonical = state.url(path);
    chrome.set_here(path);
    chrome.visitor = match crate::reader::current() {
        Reader::Anonymous => None,
        Reader::Staff(person) => Some(Visitor {
            name: person.name,
            href: "/newsroom/".to_owned(),
            staff: true,
        }),
        Reader::Member(member, _) => Some(Visitor {
            name: if member.name.trim().is_empty() {
                "Your account".to_owned()
            } else {
                member.name
            },
            href: ACCOUNT.to_owned(),
            staff: false,
        }),
    };
    // The site's picture for social networks, unless the page has its own.
    if !site.settings.social_image.is_empty() {
        chrome.meta.image = Some(masthead_render::views::absolute(
            &state.base_url,
            &site.settings.social_image,
        ));
    }
    Ok(Context { chrome, site })
}

/// A themed 404 page (falling back to a plain one if even that fails).
pub(crate) async fn not_found(state: &AppState, path: &str) -> WebError {
    error_page(state, path, WebError::not_found(), "Page not found").await
}

/// A themed 410 page: the address held something that has been withdrawn.
pub(crate) async fn gone(state: &AppState, path: &str) -> WebError {
    error_page(state, path, WebError::gone(), "This page has been removed").await
}

/// Dresses `error` in a page that helps the reader on: the latest headlines and links.
pub(crate) async fn error_page(
    state: &AppState,
    path: &str,
    mut error: WebError,
    heading: &str,
) -> WebError {
    let Ok(Context { mut chrome, .. }) = chrome(state, path).await else {
        return error;
    };
    chrome.meta.title = heading.to_owned();
    chrome.meta.robots = Some("noindex");
    let query = ArticleQuery::published(
        ArticleFilter::All,
        PageRequest::numbered(1, ERROR_PAGE_LATEST),
    );
    let latest = match state.store.list_articles(&query).await {
        Ok(page) => page
            .items
            .iter()
            .map(|a| StoryView::new(a, chrome.zone))
            .collect(),
        Err(_) => Vec::new(),
    };
    let view = ErrorView {
        chrome,
        heading: heading.to_owned(),
        message: error.message.clone(),
        latest,
    };
    error.page = state.theme.render("error.html", &view).ok();
    error
}

/// Headlines an error page offers instead.
const ERROR_PAGE_LATEST: u32 = 6;

/// Whether `member` has no name to show with their comments yet.
pub(crate) async fn needs_name(
    state: &AppState,
    member: &masthead_core::member::Member,
) -> Result<bool, WebError> {
    if !member.name.trim().is_empty() {
        return Ok(false);
    }
    let standing = state.store.standing(member.id).await?;
    Ok(standing.is_none_or(|s| s.name_on_comments(member).is_empty()))
}
