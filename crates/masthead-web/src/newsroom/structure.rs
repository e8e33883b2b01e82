//! Sections and tags, run by editors: create, rename (old addresses redirect),
//! describe, and merge tags.

use super::desk::{chrome, form_refusal, Desk, NoDeskPage, NoticeParam, Segments};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use masthead_core::ids::{SectionId, TagId};
use masthead_core::people::Person;
use masthead_core::taxonomy::{NewSection, TagEdit};
use masthead_core::Error;
use masthead_render::newsroom::{SectionRowView, StructureView, TagRowView};
use serde::Deserialize;

async fn page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Sections and tags", "structure").await?;
    let sections = state
        .store
        .sections()
        .await?
        .into_iter()
        .map(|s| SectionRowView {
            id: s.id.0,
            name: s.name,
            slug: s.slug,
            description: s.description,
            position: s.position,
            in_navigation: s.in_navigation,
        })
        .collect();
    let tags = state
        .store
        .tag_usage()
        .await?
        .into_iter()
        .map(|(t, articles)| TagRowView {
            id: t.id.0,
            name: t.name,
            slug: t.slug,
            description: t.description,
            articles,
        })
        .collect();
    let view = StructureView {
        chrome,
        sections,
        tags,
        notice,
        error,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/structure.html", &view)?),
    )
        .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let notice = match q.notice.as_deref() {
        Some("section") => Some("Section saved; the site shows it now."),
        Some("tag") => Some("Tag saved."),
        Some("merged") => Some("Tags merged; the old tag's page redirects to the other."),
        _ => None,
    };
    page(
        &state,
        &desk,
        person,
        StatusCode::OK,
        notice.map(str::to_owned),
        None,
    )
    .await
}

/// The answer to a change: on to the page with a notice, or the page again with
/// what was wrong (422 for a bad form, 409 for a taken address, 404 for no such).
async fn answer(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    result: Result<(), Error>,
    notice: &str,
) -> Result<Response, WebError> {
    let (status, message) = match result {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/newsroom/structure?notice={notice}")).into_response(),
            )
        }
        Err(e) => form_refusal(e)?,
    };
    page(state, desk, person, status, None, Some(message)).await
}

#[derive(Deserialize)]
pub struct SectionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    position: Option<String>,
    #[serde(default)]
    in_navigation: Option<String>,
}

impl SectionForm {
    fn section(&self, default_position: i64) -> Result<NewSection, Error> {
        let position = match self.position.as_deref().map(str::trim) {
            None | Some("") => default_position,
            Some(p) => p
                .parse()
                .map_err(|_| Error::invalid("position", "give the position as a whole number"))?,
        };
        Ok(NewSection {
            name: self.name.trim().to_owned(),
            slug: self.slug.trim().to_owned(),
            description: self.description.trim().to_owned(),
            position,
            in_navigation: self.in_navigation.is_some(),
        })
    }
}

pub async fn create_section(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<SectionForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let last = state
        .store
        .sections()
        .await?
        .iter()
        .map(|s| s.position)
        .max()
        .unwrap_or(0);
    let result = match form.section(last.saturating_add(1)) {
        Ok(section) => state.store.create_section(&section).await.map(|_| ()),
        Err(e) => Err(e),
    };
    answer(&state, &desk, person, result, "section").await
}

pub async fn update_section(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<SectionForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = match form.section(0) {
        Ok(section) => state
            .store
            .update_section(SectionId(id), &section)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    answer(&state, &desk, person, result, "section").await
}

#[derive(Deserialize)]
pub struct TagForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
}

pub async fn create_tag(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<TagForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let name = form.name.trim().to_owned();
    let result = if name.is_empty() {
        Err(Error::invalid("name", "a tag needs a name"))
    } else {
        state.store.ensure_tags(&[name]).await.map(|_| ())
    };
    answer(&state, &desk, person, result, "tag").await
}

pub async fn update_tag(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<TagForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let edit = TagEdit {
        name: form.name,
        slug: form.slug,
        description: form.description,
    };
    let result = state.store.update_tag(TagId(id), &edit).await.map(|_| ());
    answer(&state, &desk, person, result, "tag").await
}

#[derive(Deserialize)]
pub struct MergeForm {
    /// The surviving tag's name (or its slug).
    #[serde(default)]
    into: String,
}

pub async fn merge_tags(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<MergeForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let wanted = form.into.trim().to_lowercase();
    let into = state
        .store
        .tags()
        .await?
        .into_iter()
        .find(|t| t.name.to_lowercase() == wanted || t.slug == wanted);
    let result = match into {
        Some(into) => state.store.merge_tags(TagId(id), into.id).await.map(|_| ()),
        None => Err(Error::invalid(
            "into",
            format!("there is no tag named {:?} to merge into", form.into.trim()),
        )),
    };
    answer(&state, &desk, person, result, "merged").await
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

/// Tag names containing what is typed, for the editor's suggestions (JSON list).
pub async fn suggest_tags(
    State(state): State<AppState>,
    Query(q): Query<SuggestParams>,
) -> Result<Response, WebError> {
    let words: String = q.q.trim().chars().take(100).collect();
    let names: Vec<String> = if words.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .tags_matching(&words, 10)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    Ok(axum::Json(names).into_response())
}
