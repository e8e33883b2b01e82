//! Sponsors, run by admins: made, described, removed, and attached to sections and
//! articles. Every change goes into the audit log.

use super::desk::{audited, chrome, Desk, NoDeskPage, NoticeParam, Segments};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::ids::{MediaId, SectionId, SponsorId};
use masthead_core::people::Person;
use masthead_core::sponsor::{SponsorInput, SponsorLabel};
use masthead_core::Error;
use masthead_render::newsroom::{SponsorRowView, SponsorsView};
use serde::Deserialize;

async fn page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Sponsors", "sponsors").await?;
    let sponsorships = state.store.sponsorships().await?;
    let view = SponsorsView {
        chrome,
        sponsors: state
            .store
            .sponsors()
            .await?
            .into_iter()
            .map(|s| SponsorRowView {
                uses: sponsorships
                    .iter()
                    .filter(|(id, _, _)| *id == s.id)
                    .map(|(_, what, path)| (what.clone(), path.clone()))
                    .collect(),
                id: s.id.0,
                name: s.name,
                url: s.url,
                logo: s.logo.map(|m| m.0.to_string()).unwrap_or_default(),
                disclosure: s.disclosure,
                label: s.label.as_str(),
            })
            .collect(),
        labels: SponsorLabel::ALL
            .iter()
            .map(|l| (l.as_str(), l.label()))
            .collect(),
        sections: state
            .store
            .sections()
            .await?
            .into_iter()
            .map(|s| (s.id.0, s.name))
            .collect(),
        newsletters: state
            .site
            .get(&*state.store)
            .await?
            .settings
            .newsletters
            .iter()
            .map(|n| (n.slug.clone(), n.name.clone()))
            .collect(),
        notice: notice.map(str::to_owned),
        error,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/sponsors.html", &view)?),
    )
        .into_response())
}

/// On to the page with a notice (and an audit entry), or the page again with what
/// was wrong.
async fn answer(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    result: Result<String, Error>,
) -> Result<Response, WebError> {
    match audited(
        state,
        desk,
        person,
        result,
        "/newsroom/sponsors?notice=saved",
    )
    .await?
    {
        Ok(onward) => Ok(onward),
        Err((status, message)) => page(state, desk, person, status, None, Some(message)).await,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let notice = (q.notice.as_deref() == Some("saved"))
        .then_some("Saved; readers see it on the pages it sponsors now.");
    page(&state, &desk, person, StatusCode::OK, notice, None).await
}

#[derive(Deserialize)]
pub struct SponsorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    logo: String,
    #[serde(default)]
    disclosure: String,
    #[serde(default)]
    label: String,
}

impl SponsorForm {
    fn input(&self) -> Result<SponsorInput, Error> {
        let logo = match self.logo.trim() {
            "" => None,
            id => Some(MediaId(id.parse().map_err(|_| {
                Error::invalid("logo", "give the logo's number in the media library")
            })?)),
        };
        Ok(SponsorInput {
            name: self.name.clone(),
            url: self.url.clone(),
            logo,
            disclosure: self.disclosure.clone(),
            label: self.label.parse()?,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<SponsorForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = async {
        let made = state
            .store
            .create_sponsor(&form.input()?, Utc::now())
            .await?;
        Ok(format!("sponsor {}: added", made.id))
    }
    .await;
    answer(&state, &desk, person, result).await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<SponsorForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = async {
        let changed = state
            .store
            .update_sponsor(SponsorId(id), &form.input()?)
            .await?;
        Ok(format!("sponsor {}: changed", changed.id))
    }
    .await;
    answer(&state, &desk, person, result).await
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = state
        .store
        .delete_sponsor(SponsorId(id))
        .await
        .map(|()| format!("sponsor {id}: removed"));
    answer(&state, &desk, person, result).await
}

#[derive(Deserialize)]
pub struct AttachForm {
    /// The sponsor's id, or empty to take the sponsor away.
    #[serde(default)]
    sponsor: String,
    /// A section's id, or empty.
    #[serde(default)]
    section: String,
    /// A newsletter's slug, or empty.
    #[serde(default)]
    newsletter: String,
    /// An article's address on the site (`/world/slug/`, or a full URL), or empty.
    #[serde(default)]
    article: String,
}

/// `POST /newsroom/sponsors/attach`: a newsletter's, a section's or an article's
/// sponsor, set or taken away.
pub async fn attach(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<AttachForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = attach_as(&state, &form).await;
    answer(&state, &desk, person, result).await
}

async fn attach_as(state: &AppState, form: &AttachForm) -> Result<String, Error> {
    let sponsor = match form.sponsor.trim() {
        "" => None,
        id => {
            Some(SponsorId(id.parse().map_err(|_| {
                Error::invalid("sponsor", "choose a sponsor")
            })?))
        }
    };
    let who = sponsor.map_or_else(|| "none".to_owned(), |s| s.to_string());
    let newsletter = form.newsletter.trim();
    if !newsletter.is_empty() {
        let site = state.site.get(&*state.store).await?;
        if !site
            .settings
            .newsletters
            .iter()
            .any(|n| n.slug == newsletter)
        {
            return Err(Error::invalid(
                "newsletter",
                "choose one of the newsletters offered",
            ));
        }
        state.store.sponsor_newsletter(newsletter, sponsor).await?;
        return Ok(format!("newsletter {newsletter}: sponsor {who}"));
    }
    if let Ok(id) = form.section.trim().parse::<i64>() {
        state.store.sponsor_section(SectionId(id), sponsor).await?;
        return Ok(format!("section {id}: sponsor {who}"));
    }
    // The article by its address: the last path segment is its slug.
    let slug = form
        .article
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if slug.is_empty() {
        return Err(Error::invalid(
            "article",
            "choose a section, or give an article's address",
        ));
    }
    let article = state
        .store
        .article_by_slug(slug)
        .await?
        .ok_or_else(|| Error::not_found("article at that address"))?;
    state.store.sponsor_article(article.id, sponsor).await?;
    Ok(format!("article {}: sponsor {who}", article.id))
}
