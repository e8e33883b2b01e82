//! Static pages (About, Ethics policy, ...) and the site-wide corrections log.

use super::{chrome, not_found, page};
use super::{NoPage, Segments};
use crate::cache::Dep;
use crate::paging::PageParam;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::access::Reader;
use masthead_core::page::PageStatus;
use masthead_core::payments::Entitlement;
use masthead_core::store::{ArticleFilter, PageRequest};
use masthead_core::tier::Tier;
use masthead_render::views::{
    CorrectionsView, GiftFormView, LoggedCorrectionView, OfferPageView, OfferTermsView, PageView,
    StaticPageView, SupporterView, SupportersView, TierCardView, TimeView,
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
    // The page the publication's appeal leads to offers its tiers and takes gifts, and
    // shows a member (to whom this page is theirs alone) which tier is theirs.
    let payments = state.payments.is_some();
    let (tiers, gifts) = if chrome.support.as_ref().is_some_and(|s| s.href == p.path()) {
        let reader = crate::reader::current();
        let yours = |t: &Tier| match &reader {
            Reader::Member(_, Entitlement::Paid(tier)) => *tier == t.id,
            Reader::Member(_, Entitlement::Free) => !t.paid,
            Reader::Anonymous | Reader::Staff(_) => false,
        };
        let all = state.store.tiers(false).await?;
        let tiers = all
            .iter()
            .filter(|t| t.offered())
            .map(|t| TierCardView {
                yours: yours(t),
                ..TierCardView::new(t)
            })
            .collect();
        let gifts =
            payments.then(|| GiftFormView::new(&masthead_core::tier::publication_currency(&all)));
        (tiers, gifts)
    } else {
        (Vec::new(), None)
    };
    let view = StaticPageView {
        chrome,
        title: p.title,
        body_html: masthead_render::pictures::responsive(&p.body_html, &pictures),
        updated: TimeView::new(p.updated_at, zone),
        tiers,
        payments,
        gifts,
    };
    // Pages change only with a site-wide notice (they are in every footer), which
    // empties the whole cache; the page shows no articles, only its pictures.
    let deps = pictures.iter().map(|m| Dep::Media(m.id)).collect();
    page(state, "page.html", &view, deps).map(Some)
}

/// Most supporters the page lists.
const SUPPORTERS_LISTED: u32 = 500;

/// `/support/supporters/`: the givers who asked to be thanked by name, newest first.
/// A named gift is a site-wide change (see `PaymentStore::apply_checkout`).
pub async fn supporters(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let path = "/support/supporters/";
    if p.number() != Some(1) {
        return Err(not_found(&state, path).await);
    }
    let mut chrome = chrome(&state, path).await?.chrome;
    chrome.meta.title = "Our supporters".to_owned();
    chrome.meta.description = "The readers whose gifts keep our reporting free.".to_owned();
    let zone = chrome.zone;
    let supporters = state
        .store
        .supporters(SUPPORTERS_LISTED)
        .await?
        .into_iter()
        .map(|s| SupporterView {
            name: s.name,
            message: s.message,
            monthly: s.monthly,
            since: TimeView::new(s.since, zone),
        })
        .collect();
    page(
        &state,
        "supporters.html",
        &SupportersView { chrome, supporters },
        Vec::new(),
    )
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

/// An offer's own page, `/support/offer/CODE/`: its terms and its tier. An offer
/// that has ended (archived, or its tier no longer offered) says so (410) and leads
/// to the support page; a code that never was, or a page number past 1, is a 404.
pub async fn offer(
    State(state): State<AppState>,
    Query(p): Query<PageParam>,
    Segments(code, _): Segments<String, NoPage>,
) -> Result<Response, WebError> {
    let path = format!("/support/offer/{code}/");
    // One page only: `?page=N` is no page of it (and no copy of it in the cache).
    if p.number() != Some(1) {
        return Err(not_found(&state, &path).await);
    }
    let found = match state.store.offer_by_code(&code).await? {
        Some(offer) => state
            .store
            .tier(offer.tier)
            .await?
            .map(|tier| (offer, tier)),
        None => None,
    };
    let Some((offer, tier)) = found else {
        return Err(not_found(&state, &path).await);
    };
    let ended = offer.archived || !tier.offered();
    let mut chrome = chrome(&state, &path).await?.chrome;
    chrome.meta.title = offer.name.clone();
    let terms = OfferTermsView::new(&offer, &tier);
    chrome.meta.description = format!("{}: {} {}", tier.name, terms.discount, terms.lasts);
    let view = OfferPageView {
        chrome,
        name: offer.name,
        code: offer.code,
        tier: TierCardView::new(&tier),
        terms,
        ended,
        payments: state.payments.is_some(),
    };
    if ended {
        let html = state.theme.render("offer.html", &view)?;
        return Ok((StatusCode::GONE, Html(html)).into_response());
    }
    // Offers and tiers change with a site-wide notice, which empties the whole cache.
    page(&state, "offer.html", &view, Vec::new())
}
