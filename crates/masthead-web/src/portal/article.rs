//! The article page.

use super::{chrome, gone, missing, page};
use super::{NoPage, Segments};
use crate::cache::{counts_as_read, Dep};
use crate::reader::Reader;
use crate::redirect::{self, Address};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::access;
use masthead_core::article::{ArticleType, Status};
use masthead_core::comment::{CommentPage, CommentSort, THREADS_PER_PAGE};
use masthead_core::store::PageRequest;
use masthead_render::live::LiveView;
use masthead_render::structured;
use masthead_render::views::{
    media_src, ArticleBody, ArticleView, CommentView, DiscussionView, MeterNote, PageView,
    ShareLink, SortLink, StaffBar, StoryView,
};

/// Related stories shown under an article.
const RELATED: u32 = 4;
/// The visitor's metered reading (`access::Meter`), sent to the whole site.
pub const METER_COOKIE: &str = "masthead_meter";

/// Which page of an article's comments, in which order: `?sort=top&page=2`.
#[derive(serde::Deserialize)]
pub struct DiscussionQuery {
    sort: Option<String>,
    page: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Reader(reader): Reader,
    headers: axum::http::HeaderMap,
    head: Option<axum::Extension<crate::cache::SentAsHead>>,
    address: Address,
    Query(asked): Query<DiscussionQuery>,
    Segments((section, slug), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    // An order we do not know is the usual one; a page that is no page is no page.
    let sort = asked
        .sort
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CommentSort::Oldest);
    let Some(page) = crate::paging::page_number(asked.page.as_deref()) else {
        return missing(&state, &address).await;
    };
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
    // A visitor may read a few members-only stories a month whole, if the
    // publication allows it: their meter decides, on this page only.
    let allowance = state.site.get(&*state.store).await?.settings.free_articles;
    let meter = (reader.is_anonymous()
        && article.visibility == masthead_core::article::Visibility::Members
        && allowance > 0)
        .then(|| {
            let cookie = crate::secrets::cookie(&headers, METER_COOKIE);
            access::Meter::from_cookie(cookie.as_deref(), chrono::Utc::now())
        });
    // A HEAD reads nothing: it is answered as the GET would be, and counts nothing.
    let showing = match &meter {
        Some(meter) if head.is_some() => Showing::Metered(meter, 0),
        Some(meter) => Showing::Metered(meter, allowance),
        None => Showing::Published(&reader),
    };
    render(&state, &article, showing, (sort, page)).await
}

/// A live article's entries alone (`/{section}/{slug}/entries/`), for its page's
/// script to ask for: shared by every reader and cached until an entry changes, so
/// only for a published live story everyone may read.
pub async fn live_entries(
    State(state): State<AppState>,
    address: Address,
    Segments((section, slug), _): Segments<(String, String), NoPage>,
) -> Result<Response, WebError> {
    let article = match state.store.article_by_slug(&slug).await? {
        Some(a)
            if a.is_live()
                && a.article_type == ArticleType::Live
                && a.path() == format!("/{section}/{slug}/")
                && access::can_read(&access::Reader::Anonymous, &a) =>
        {
            a
        }
        _ => return missing(&state, &address).await,
    };
    let entries = state
        .store
        .live_entries(article.id, masthead_core::live::SHOWN)
        .await?;
    let ended = state.store.live_coverage_ended(article.id).await?;
    let zone = state.site.get(&*state.store).await?.settings.zone();
    #[derive(serde::Serialize)]
    struct Entries {
        live: LiveView,
    }
    let view = Entries {
        live: LiveView::new(&entries, ended, None, zone),
    };
    page(
        &state,
        "live_entries.html",
        &view,
        vec![Dep::Article(article.id)],
    )
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
    /// A members-only story at its address, to a visitor with this meter and this
    /// many free stories a month: made for them alone.
    Metered(&'r access::Meter, u32),
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
    render(&state, &article, Showing::Preview, (CommentSort::Oldest, 1)).await
}

pub(crate) async fn render(
    state: &AppState,
    article: &masthead_core::article::Article,
    showing: Showing<'_>,
    comments: (CommentSort, u32),
) -> Result<Response, WebError> {
    // Members-only and paid bodies are withheld from readers who may not read them:
    // left out of the page, not hidden in it.
    // A preview link shows a draft whole (it is how the newsroom shares one before it
    // is out), but once the article is published its link is no way around the gate.
    let mut admitted = None;
    let readable = match showing {
        Showing::Published(reader) => access::can_read(reader, article),
        Showing::Preview => {
            !article.is_live() || access::can_read(&crate::reader::current(), article)
        }
        Showing::Metered(meter, allowance) => {
            admitted = meter.admit(article.id, article.visibility, allowance);
            admitted.is_some()
        }
    };
    let meter_note = match showing {
        Showing::Metered(meter, allowance) => {
            let read = admitted.as_ref().unwrap_or(meter).read.len();
            Some(MeterNote {
                allowance,
                left: allowance.saturating_sub(u32::try_from(read).unwrap_or(u32::MAX)),
            })
        }
        Showing::Published(_) | Showing::Preview => None,
    };
    let canonical = article.path();
    let super::Context { mut chrome, site } = chrome(state, &canonical).await?;
    // The featured image, the related stories' pictures and the bylines' photos (in
    // their order), in one call.
    let related = related(state, article).await?;
    let featured_id = article.featured_image.as_ref().map(|i| i.media_id);
    let photo_ids: Vec<_> = article
        .authors
        .iter()
        .filter_map(|a| site.photos.get(&a.id).copied())
        .collect();
    let media_ids: Vec<_> = featured_id
        .into_iter()
        .chain(related.iter().filter_map(|a| a.featured_media_id))
        .chain(photo_ids.iter().copied())
        .collect();
    let all_media = state.store.media_many(&media_ids).await?;
    let media = featured_id.and_then(|id| all_media.iter().find(|m| m.id == id));
    // The pictures in the text, offered in every size stored (only in a body shown).
    let shown = if readable {
        Some(article.body_html.as_str())
    } else {
        masthead_render::body::teaser_html(&article.body_html)
    };
    let keys = shown.map_or_else(Vec::new, masthead_render::pictures::stored_in);
    let pictures = state.store.media_by_keys(&keys).await?;
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
    let mut json_ld = structured::article(article, media, &site.settings, &state.base_url);
    let sponsor = state.store.article_sponsor(article.id).await?;
    if let Some(s) = &sponsor {
        json_ld["sponsor"] = structured::sponsor(s);
    }
    let sponsor = super::sponsor_view(state, sponsor).await?;
    // A live article's entries, with the body: where it is readable.
    let live = if article.article_type == ArticleType::Live && readable {
        let entries = state
            .store
            .live_entries(article.id, masthead_core::live::SHOWN)
            .await?;
        let ended = state.store.live_coverage_ended(article.id).await?;
        structured::live_blog(&mut json_ld, article, &entries, ended, &state.base_url);
        // Only a story everyone may read is asked for by the page's script (the
        // entries' own page is shared by all).
        let poll = (showing != Showing::Preview
            && access::can_read(&access::Reader::Anonymous, article))
        .then(|| format!("{canonical}entries/"));
        Some(LiveView::new(&entries, ended, poll, chrome.zone))
    } else {
        None
    };
    meta.json_ld = Some(structured::to_script(&json_ld));
    // Staff reading the site get a way into the newsroom's editor.
    let staff = match showing {
        Showing::Published(reader) => reader.staff(),
        Showing::Preview | Showing::Metered(..) => None,
    };
    let zone = chrome.zone;
    let discussion = discussion(state, article, showing, comments, zone).await?;
    // Pages of comments past the last do not exist (page 1 always does).
    if discussion.page.number > discussion.page.count {
        return Err(super::not_found(state, &canonical).await);
    }
    let view = ArticleView {
        share: ShareLink::all(&chrome.meta.canonical, &article.title),
        chrome,
        a: ArticleBody::new(article, media, &pictures, readable, zone),
        related: related
            .iter()
            .map(|r| StoryView::with_image(r, &all_media, zone))
            .collect(),
        discussion,
        preview: showing == Showing::Preview,
        staff: staff.map(|person| StaffBar {
            name: person.name.clone(),
            edit_url: format!("/newsroom/articles/{}", article.id.0),
        }),
        sponsor,
        meter: meter_note,
        live,
        byline_photos: photo_ids
            .iter()
            .filter_map(|id| all_media.iter().find(|m| m.id == *id))
            .map(|m| masthead_render::views::ImageView::new(m, "", "", ""))
            .collect(),
    };
    // A page made for one reader is never stored, by anyone: a preview link can be
    // ended and shows what is not public; a staff member's page is theirs; a
    // visitor's metered reading is theirs, and what they read whole is counted in
    // their meter.
    let metered = matches!(showing, Showing::Metered(..));
    if metered || showing == Showing::Preview || staff.is_some() {
        let mut response = Html(state.theme.render("article.html", &view)?).into_response();
        let headers = response.headers_mut();
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
        if let Some(meter) = admitted {
            headers.insert(
                axum::http::header::SET_COOKIE,
                crate::secrets::set_cookie(
                    METER_COOKIE,
                    Some(&meter.to_cookie()),
                    "/",
                    Some(35),
                    state.base_url.starts_with("https://"),
                ),
            );
        }
        return Ok(if metered {
            counts_as_read(response, article.id)
        } else {
            response
        });
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

/// The stories most like `article` (shared tags and words, from the search index),
/// best first; those unpublished since the index took them in are left out.
async fn related(
    state: &AppState,
    article: &masthead_core::article::Article,
) -> Result<Vec<masthead_core::article::ArticleSummary>, WebError> {
    let ids = state.search.related(article, RELATED).await?;
    Ok(state.store.published_summaries(&ids).await?)
}

/// The comments area of `article` as `showing` shows it: one page of threads in
/// `sort` order. A member sees their own comments still waiting for a moderator, what
/// they like, and a form; everyone else sees what all see, which the cache may keep.
async fn discussion(
    state: &AppState,
    article: &masthead_core::article::Article,
    showing: Showing<'_>,
    (sort, number): (CommentSort, u32),
    zone: chrono_tz::Tz,
) -> Result<DiscussionView, WebError> {
    let member = match showing {
        Showing::Published(reader) => reader.member().map(|m| m.id),
        Showing::Preview | Showing::Metered(..) => None,
    };
    let needs_name = match showing {
        Showing::Published(reader) => match reader.member() {
            Some(m) => crate::chrome::needs_name(state, m).await?,
            None => false,
        },
        Showing::Preview | Showing::Metered(..) => false,
    };
    let request = PageRequest::numbered(number, THREADS_PER_PAGE);
    // Nothing to show anyone but a member, who may have comments waiting.
    let page = if article.approved_comments > 0 || member.is_some() {
        state
            .store
            .comment_page(article.id, sort, request, member)
            .await?
    } else {
        CommentPage::default()
    };
    let path = article.path();
    let numbering = masthead_core::store::Page {
        items: Vec::<()>::new(),
        total: page.threads,
        offset: request.offset,
        limit: request.limit,
    };
    Ok(DiscussionView {
        count: article.approved_comments,
        comments: CommentView::threads(&page, member, chrono::Utc::now(), zone),
        page: PageView::numbering(&numbering),
        sort: sort.as_str(),
        sorts: SortLink::all(&path, sort),
        open: article.comments_open && showing != Showing::Preview,
        csrf: member.map(|_| crate::reader::current_csrf()),
        needs_name,
        article_id: article.id.0,
        base: match sort {
            CommentSort::Oldest => path,
            other => format!("{path}?sort={}", other.as_str()),
        },
    })
}
