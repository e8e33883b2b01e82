//! Live coverage in the newsroom: the entries of a live article, posted from its
//! editor page (the same visual editor, or Markdown), edited on a page of their own,
//! pinned, deleted, and the coverage ended. The rules are `core::live`'s, through the
//! `Newsroom` use cases.

use super::articles::{actor, body_from, editable, messages};
use super::desk::{desk_error, Desk, NoDeskPage, Segments};
use crate::forms::{one, Fields};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::article::Article;
use masthead_core::document::Document;
use masthead_core::ids::LiveEntryId;
use masthead_core::live::EntryContent;
use masthead_core::people::Person;
use masthead_core::Error;
use masthead_render::newsroom::{
    document_for_script, LiveDeskView, LiveEntryDeskView, LiveEntryFormView,
};
use masthead_render::views::TimeView;

/// The coverage as the editor page shows it.
pub(super) async fn desk_view(
    state: &AppState,
    article: &Article,
    zone: chrono_tz::Tz,
) -> Result<LiveDeskView, WebError> {
    let entries = state
        .store
        .live_entries(article.id, masthead_core::live::SHOWN)
        .await?;
    let ended = state.store.live_coverage_ended(article.id).await?;
    Ok(LiveDeskView {
        ended: ended.map(|t| TimeView::new(t, zone)),
        entries: entries
            .into_iter()
            .map(|e| LiveEntryDeskView {
                id: e.id.0,
                excerpt: masthead_render::body::excerpt(&e.body.plain_text(), 160),
                headline: e.headline,
                author_name: e.author_name,
                pinned: e.pinned,
                posted: TimeView::new(e.posted_at, zone),
                updated: e.updated_at.map(|t| TimeView::new(t, zone)),
            })
            .collect(),
        new_document: document_for_script(&Document::default()),
    })
}

/// Where the editor shows the coverage.
fn back(article: &Article, notice: &str) -> Response {
    Redirect::to(&format!(
        "/newsroom/articles/{}?notice={notice}#live",
        article.id
    ))
    .into_response()
}

/// The entry form again, with what was typed and what is wrong (nothing is lost).
async fn form_page(
    state: &AppState,
    desk: &Desk,
    article: &Article,
    entry: Option<LiveEntryId>,
    content: &EntryContent,
    problem: Option<String>,
) -> Result<Response, WebError> {
    let site = state.site.get(&*state.store).await?;
    let title = if entry.is_some() {
        "Edit a live entry"
    } else {
        "Post a live entry"
    };
    let mut chrome = desk.chrome(&site.settings, title);
    chrome.current = "articles";
    let view = LiveEntryFormView {
        chrome,
        article_id: article.id.0,
        article_title: article.title.clone(),
        action: match entry {
            Some(id) => format!("/newsroom/articles/{}/entries/{id}", article.id),
            None => format!("/newsroom/articles/{}/entries", article.id),
        },
        headline: content.headline.clone(),
        body_markdown: content.body.to_markdown(),
        body_document: document_for_script(&content.body),
        problem: problem.clone(),
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/live_entry.html", &view)?),
    )
        .into_response())
}

/// The entry a form holds; the typed words kept when they do not read.
fn content_from(fields: &Fields) -> (EntryContent, Option<String>) {
    let headline = one(fields, "headline").trim().to_owned();
    match body_from(fields) {
        Ok(body) => (EntryContent { headline, body }, None),
        Err(e) => (
            EntryContent {
                headline,
                body: Document::from_markdown(&one(fields, "body_markdown").replace("\r\n", "\n")),
            },
            Some(messages(e)),
        ),
    }
}

/// What a refused change shows: the form again for what can be fixed, the desk's
/// pages for the rest.
async fn refused(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    article: &Article,
    entry: Option<LiveEntryId>,
    content: &EntryContent,
    error: Error,
) -> Result<Response, WebError> {
    match error {
        Error::Invalid(_) => {
            let said = messages(error);
            form_page(state, desk, article, entry, content, Some(said)).await
        }
        Error::Forbidden(message) => Err(desk_error(
            state,
            StatusCode::FORBIDDEN,
            Some(person),
            "Not yours to post",
            &message,
        )
        .await),
        Error::NotFound(_) => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such entry",
            "That entry is not one of this article's; it may have been deleted.",
        )
        .await),
        other => Err(other.into()),
    }
}

pub async fn post(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let (mut content, problem) = content_from(&fields);
    if problem.is_some() {
        return form_page(&state, &desk, &article, None, &content, problem).await;
    }
    crate::embeds::resolve(&state, &mut content.body, Some(person.id)).await;
    match state
        .newsroom
        .post_live_entry(
            actor(person),
            &person.name,
            article.id,
            content.clone(),
            Utc::now(),
        )
        .await
    {
        Ok(_) => Ok(back(&article, "entry-posted")),
        Err(e) => refused(&state, &desk, person, &article, None, &content, e).await,
    }
}

/// The entry of the article the address names.
async fn stored_entry(
    state: &AppState,
    person: &Person,
    article: &Article,
    entry: i64,
) -> Result<masthead_core::live::LiveEntry, WebError> {
    match state.store.live_entry(LiveEntryId(entry)).await? {
        Some(e) if e.article == article.id => Ok(e),
        _ => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such entry",
            "That entry is not one of this article's; it may have been deleted.",
        )
        .await),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, entry), _): Segments<(String, i64), NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let stored = stored_entry(&state, person, &article, entry).await?;
    let content = EntryContent {
        headline: stored.headline,
        body: stored.body,
    };
    form_page(&state, &desk, &article, Some(stored.id), &content, None).await
}

pub async fn save(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, entry), _): Segments<(String, i64), NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let entry = stored_entry(&state, person, &article, entry).await?.id;
    let (mut content, problem) = content_from(&fields);
    if problem.is_some() {
        return form_page(&state, &desk, &article, Some(entry), &content, problem).await;
    }
    crate::embeds::resolve(&state, &mut content.body, Some(person.id)).await;
    match state
        .newsroom
        .edit_live_entry(
            actor(person),
            article.id,
            entry,
            content.clone(),
            Utc::now(),
        )
        .await
    {
        Ok(_) => Ok(back(&article, "entry-saved")),
        Err(e) => refused(&state, &desk, person, &article, Some(entry), &content, e).await,
    }
}

/// Where a pin, a delete or the coverage's end leads: back to the article with its
/// notice, or the desk's page saying why not (these forms have no words to keep).
async fn acted(
    state: &AppState,
    person: &Person,
    article: &Article,
    done: masthead_core::Result<()>,
    notice: &str,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(back(article, notice)),
        Err(Error::NotFound(_)) => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such entry",
            "That entry is not one of this article's; it may have been deleted.",
        )
        .await),
        Err(Error::Forbidden(message)) => Err(desk_error(
            state,
            StatusCode::FORBIDDEN,
            Some(person),
            "Not yours to post",
            &message,
        )
        .await),
        Err(e @ Error::Invalid(_)) => Err(desk_error(
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Not a live article",
            &messages(e),
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

/// Pins an entry on top (`pinned=true`) or unpins it. The use case checks that the
/// entry is the article's.
pub async fn pin(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, entry), _): Segments<(String, i64), NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let pinned = one(&fields, "pinned") == "true";
    let done = state
        .newsroom
        .pin_live_entry(actor(person), article.id, LiveEntryId(entry), pinned)
        .await
        .map(drop);
    let notice = if pinned {
        "entry-pinned"
    } else {
        "entry-unpinned"
    };
    acted(&state, person, &article, done, notice).await
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, entry), _): Segments<(String, i64), NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let done = state
        .newsroom
        .delete_live_entry(actor(person), article.id, LiveEntryId(entry))
        .await;
    acted(&state, person, &article, done, "entry-deleted").await
}

/// Ends the coverage (`ended=true`) or opens it again.
pub async fn coverage(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let ended = one(&fields, "ended") == "true";
    let done = state
        .newsroom
        .end_live_coverage(actor(person), article.id, ended, Utc::now())
        .await;
    let notice = if ended {
        "coverage-ended"
    } else {
        "coverage-resumed"
    };
    acted(&state, person, &article, done, notice).await
}
