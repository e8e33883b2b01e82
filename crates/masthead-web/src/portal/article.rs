//! The article page.

use super::{chrome, gone, missing, page};
use super::{NoPage, Segments};
use crate::cache::{counts_as_read, Dep};
use crate::reader::Reader;
use crate::redirect::{self, Address};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::access;
use masthead_core::article::Status;
use masthead_core::comment::CommentStatus;
use masthead_render::structured;
use masthead_render::views::{
    media_src, ArticleBody, ArticleView, CommentView, ShareLink, StaffBar, StoryView,
};

/// Related stories shown under an article.
const RELATED: u32 = 4;

pub async fn show(
    State(state): State<AppState>,
    Reader(reader): Reader,
    address: Address,
    Segments((section, slug), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    let article = match state.store.article_by_slug(&slug).await? {
        Some(a) if a.is_live() => a,
        // Withdrawn after publication: say so (410), unless it was moved away.
        Some(a)
            if matches!(a.status, Status::Unpublished | Status::Deleted)
                && a.published_at.is_some()
                && a.path() == format!("/{section}/{slug}/") =>
        {
            return Err(gone(&state, &a.path()).await)
        }
        _ => return missing(&state, &address).await,
    };
    // One canonical URL per article: other section prefixes redirect to it.
    let canonical = article.path();
    if canonical != format!("/{section}/{slug}/") {
        if let Some(response) = redirect::to(
            StatusCode::PERMANENT_REDIRECT,
            &canonical,
            address.query.as_deref(),
        ) {
            return Ok(response);
        }
    }
    render(&state, &article, Showing::Published(&reader)).await
}

/// How an article page is being shown.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Showing<'r> {
    /// At its address, to this reader: for anonymous readers cached and counted; for
    /// anyone else made for them alone.
    Published(&'r access::Reader),
    /// Through a secret preview link, whatever its status: whole (even when gated),
    /// marked as a preview, never indexed or cached.
    Preview,
}

/// A secret preview link: the article as readers will see it, before it is public.
pub async fn preview(
    State(state): State<AppState>,
    Segments(token, _): Segments<String, NoPage>,
) -> Result<Response, WebError> {
    let hash = crate::secrets::token_hash(&token);
    let found = match state
        .store
        .preview_article(&hash, chrono::Utc::now())
        .await?
    {
        Some(id) => state.store.article(id).await?,
        None => None,
    };
    let Some(article) = found else {
        return Err(super::not_found(&state, "/preview/").await);
    };
    render(&state, &article, Showing::Preview).await
}

pub(crate) async fn render(
    state: &AppState,
    article: &masthead_core::article::Article,
    showing: Showing<'_>,
) -> Result<Response, WebError> {
    // Members-only and paid bodies are withheld from readers who may not read them:
    // left out of the page, not hidden in it.
    let readable = match showing {
        Showing::Published(reader) => access::can_read(reader, article),
        Showing::Preview => true,
    };
    let canonical = article.path();
    // The featured image and the related stories' pictures, in one call.
    let related = state.store.related_articles(article, RELATED).await?;
    let featured_id = article.featured_image.as_ref().map(|i| i.media_id);
    let media_ids: Vec<_> = featured_id
        .into_iter()
        .chain(related.iter().filter_map(|a| a.featured_media_id))
        .collect();
    let all_media = state.store.media_many(&media_ids).await?;
    let media = featured_id.and_then(|id| all_media.iter().find(|m| m.id == id));
    // The pictures in the text, offered in every size stored (only in a body shown).
    let keys = if readable {
        masthead_render::pictures::stored_in(&article.body_html)
    } else {
        Vec::new()
    };
    let pictures = state.store.media_by_keys(&keys).await?;
    let super::Context { mut chrome, site } = chrome(state, &canonical).await?;
    if showing == Showing::Preview {
        chrome.meta.robots = Some("noindex, nofollow");
    }
    chrome.current_section = article.section.as_ref().map(|s| s.slug.clone());
    let meta = &mut chrome.meta;
    meta.title = article.title.clone();
    meta.description = article.summary().to_owned();
    meta.og_type = "article";
    let social = &article.seo.social_image;
    let site_picture = meta.image.take();
    meta.image = if !social.is_empty() {
        Some(masthead_render::views::absolute(&state.base_url, social))
    } else {
        media.map(|m| state.url(&media_src(m))).or(site_picture)
    };
    // The featured picture's words describe only the featured picture.
    meta.image_alt = article
        .featured_image
        .as_ref()
        .filter(|_| social.is_empty())
        .map(|i| i.alt.clone())
        .unwrap_or_default();
    meta.published = article.published_at.map(|t| t.to_rfc3339());
    meta.modified = Some(article.modified_at().to_rfc3339());
    meta.section = article.section.as_ref().map(|s| s.name.clone());
    meta.tags = article.tags.iter().map(|t| t.name.clone()).collect();
    let json_ld = structured::article(article, media, &site.settings, &state.base_url);
    meta.json_ld = Some(structured::to_script(&json_ld));
    // Staff reading the site get a way into the newsroom's editor.
    let staff = match showing {
        Showing::Published(reader) => reader.staff(),
        Showing::Preview => None,
    };
    let comments = if article.approved_comments > 0 {
        state
            .store
            .comments(article.id, CommentStatus::Approved)
            .await?
    } else {
        Vec::new()
    };
    let zone = chrome.zone;
    let view = ArticleView {
        share: ShareLink::all(&chrome.meta.canonical, &article.title),
        chrome,
        a: ArticleBody::new(article, media, &pictures, readable, zone),
        related: related
            .iter()
            .map(|r| StoryView::with_image(r, &all_media, zone))
            .collect(),
        comments: CommentView::threads(&comments, zone),
        preview: showing == Showing::Preview,
        staff: staff.map(|person| StaffBar {
            name: person.name.clone(),
            edit_url: format!("/newsroom/articles/{}", article.id.0),
        }),
    };
    if showing == Showing::Preview || staff.is_some() {
        // Made for one reader: a preview link can be ended and shows what is not
        // public; a staff member's page is theirs. Never stored, by anyone.
        let mut response = Html(state.theme.render("article.html", &view)?).into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
        return Ok(response);
    }
    // The article itself, then the related stories shown, so that editing or
    // unpublishing one of them also refreshes this page; and every picture shown, so
    // that a copy made after the page was (a smaller one, a WebP) is offered.
    let deps = std::iter::once(article.id)
        .chain(related.iter().map(|r| r.id))
        .map(Dep::Article)
        .chain(all_media.iter().chain(&pictures).map(|m| Dep::Media(m.id)))
        .collect();
    page(state, "article.html", &view, deps).map(|r| counts_as_read(r, article.id))
}
