//! Newsletters, for editors: who subscribes to what, sending a published article to a
//! newsletter's subscribers (all, or the free or paying ones), and each newsletter's
//! sending history. Sending queues the send and returns at once; this node's sender
//! (`crate::newsletters::run`) is woken and works it in the background.

use super::desk::{chrome, form_refusal, Desk, NoticeParam};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::ids::ArticleId;
use masthead_core::newsletter::{NewSend, Segment};
use masthead_core::people::Person;
use masthead_core::site::NewsletterOffer;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_core::Error;
use masthead_render::newsroom::{
    NewsletterHistoryView, NewsletterRowView, NewslettersView, SendRowView,
};
use serde::Deserialize;

/// Articles the send form offers: the latest published.
const ARTICLES_OFFERED: u32 = 50;
/// Sends the pages list.
const SENDS_LISTED: u32 = 100;

/// The offered newsletters with their subscriber counts and sponsors.
async fn rows(
    state: &AppState,
    offered: &[NewsletterOffer],
) -> Result<Vec<NewsletterRowView>, WebError> {
    let counts = state.store.subscriber_counts().await?;
    let mut rows = Vec::with_capacity(offered.len());
    for n in offered {
        rows.push(NewsletterRowView {
            slug: n.slug.clone(),
            name: n.name.clone(),
            description: n.description.clone(),
            subscribers: counts
                .iter()
                .find(|(slug, _)| *slug == n.slug)
                .map_or(0, |(_, count)| *count),
            sponsor: state
                .store
                .newsletter_sponsor(&n.slug)
                .await?
                .map(|s| s.name),
        });
    }
    Ok(rows)
}

/// What the send form holds.
#[derive(Deserialize, Default)]
pub struct SendForm {
    #[serde(default)]
    article: String,
    #[serde(default)]
    newsletter: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    subject: String,
}

#[derive(Deserialize)]
pub struct ShowParams {
    /// The article to preselect (the editor's "Send as a newsletter" link).
    article: Option<i64>,
    notice: Option<String>,
}

async fn page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    form: &SendForm,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Newsletters", "newsletters").await?;
    let site = state.site.get(&*state.store).await?;
    let zone = site.settings.zone();
    let offered = &site.settings.newsletters;
    let mut articles: Vec<(i64, String)> = state
        .store
        .list_articles(&ArticleQuery::published(
            ArticleFilter::All,
            PageRequest::numbered(1, ARTICLES_OFFERED),
        ))
        .await?
        .items
        .into_iter()
        .map(|a| (a.id.0, a.title))
        .collect();
    // The article the editor came from ("Send as a newsletter"), however old.
    if let Ok(chosen) = form.article.trim().parse::<i64>() {
        if !articles.iter().any(|(id, _)| *id == chosen) {
            if let Some(a) = state.store.article(ArticleId(chosen)).await? {
                if a.is_live() {
                    articles.insert(0, (a.id.0, a.title));
                }
            }
        }
    }
    let name_of = |slug: &str| {
        offered
            .iter()
            .find(|n| n.slug == slug)
            .map_or_else(|| slug.to_owned(), |n| n.name.clone())
    };
    let sends = state
        .store
        .sends(None, SENDS_LISTED)
        .await?
        .iter()
        .map(|s| SendRowView::new(s, &name_of(&s.newsletter), zone))
        .collect();
    let view = NewslettersView {
        chrome,
        newsletters: rows(state, offered).await?,
        articles,
        article: form.article.parse().unwrap_or_default(),
        newsletter: form.newsletter.clone(),
        segment: form.segment.clone(),
        subject: form.subject.clone(),
        segments: Segment::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        sends,
        mail_leaves: state.mailer.sends(),
        notice,
        error,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/newsletters.html", &view)?),
    )
        .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<ShowParams>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let form = SendForm {
        article: q.article.map(|a| a.to_string()).unwrap_or_default(),
        ..SendForm::default()
    };
    let notice = (q.notice.as_deref() == Some("queued"))
        .then(|| "Sending: the letters go out in the background.".to_owned());
    page(&state, &desk, person, StatusCode::OK, &form, notice, None).await
}

/// Queues a send of a published article to one newsletter's subscribers.
pub async fn send(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let queued = queue(&state, person, &form).await;
    match queued {
        Ok(slug) => {
            state
                .store
                .record_audit(&NewAuditEntry {
                    at: Utc::now(),
                    actor: Some(person.id),
                    action: AuditAction::NewsletterSent,
                    target: format!("newsletter {slug}: article {}", form.article.trim()),
                    ip: desk.ip.clone(),
                })
                .await?;
            state.dispatch.ring();
            Ok(
                Redirect::to(&format!("/newsroom/newsletters/{slug}?notice=queued"))
                    .into_response(),
            )
        }
        Err(e) => {
            let (status, message) = form_refusal(e)?;
            page(&state, &desk, person, status, &form, None, Some(message)).await
        }
    }
}

/// Checks the form, makes the letter and queues the send; the newsletter's slug.
async fn queue(state: &AppState, person: &Person, form: &SendForm) -> Result<String, Error> {
    let site = state.site.get(&*state.store).await?;
    let newsletter = site
        .settings
        .newsletters
        .iter()
        .find(|n| n.slug == form.newsletter)
        .ok_or_else(|| Error::invalid("newsletter", "choose one of the newsletters offered"))?;
    let segment: Segment = form
        .segment
        .parse()
        .map_err(|_| Error::invalid("segment", "choose whom to send it to"))?;
    let article = match form.article.trim().parse::<i64>() {
        Ok(id) => state.store.article(ArticleId(id)).await?,
        Err(_) => None,
    }
    .filter(|a| a.is_live())
    .ok_or_else(|| Error::invalid("article", "choose a published article"))?;
    let subject = match form.subject.trim() {
        "" => article.title.clone(),
        subject => subject.to_owned(),
    };
    let letter = crate::newsletters::compose(state, &article, newsletter, &subject).await?;
    state
        .store
        .queue_send(&NewSend {
            newsletter: newsletter.slug.clone(),
            article: article.id,
            visibility: article.visibility,
            tiers: article.tiers.clone(),
            segment,
            letter,
            queued_by: person.name.clone(),
            queued_at: Utc::now(),
        })
        .await?;
    Ok(newsletter.slug.clone())
}

/// One newsletter's sending history.
pub async fn history(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Path(slug): Path<String>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let site = state.site.get(&*state.store).await?;
    let offered = &site.settings.newsletters;
    let Some(newsletter) = offered.iter().find(|n| n.slug == slug) else {
        return Err(WebError::not_found());
    };
    let chrome = chrome(&state, &desk, person, &newsletter.name, "newsletters").await?;
    let zone = site.settings.zone();
    let sends = state
        .store
        .sends(Some(&slug), SENDS_LISTED)
        .await?
        .iter()
        .map(|s| SendRowView::new(s, &newsletter.name, zone))
        .collect();
    let view = NewsletterHistoryView {
        chrome,
        newsletter: rows(&state, std::slice::from_ref(newsletter))
            .await?
            .remove(0),
        sends,
        notice: (q.notice.as_deref() == Some("queued"))
            .then(|| "Sending: the letters go out in the background; reload to follow.".to_owned()),
    };
    Ok(Html(state.theme.render("newsroom/newsletter.html", &view)?).into_response())
}
