//! Comment moderation (editors): what readers wrote waits here until approved.

use super::desk::{desk_error, Desk, NoDeskPage, Segments};
use crate::paging::PageParam;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use masthead_core::comment::CommentStatus;
use masthead_core::ids::CommentId;
use masthead_core::store::PageRequest;
use masthead_render::newsroom::{DeskChrome, ModerationItem, ModerationView};
use masthead_render::views::{PageView, TimeView};
use serde::Deserialize;

/// Comments per page of the queue.
const QUEUE_PAGE: u32 = 30;

pub async fn queue(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Some(number) = p.number() else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "The queue has no page by that number.",
        )
        .await);
    };
    let page = state
        .store
        .comments_to_moderate(PageRequest::numbered(number, QUEUE_PAGE))
        .await?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = DeskChrome::new(&site.settings, "Comments", Some(person), desk.csrf());
    chrome.current = "comments";
    let zone = chrome.zone;
    let view = ModerationView {
        items: page
            .items
            .iter()
            .map(|c| ModerationItem {
                id: c.comment.id.0,
                author: c.comment.author_name.clone(),
                body: c.comment.body.clone(),
                at: TimeView::new(c.comment.created_at, zone),
                article_title: c.article_title.clone(),
                article_path: c.article_path.clone(),
            })
            .collect(),
        pages: PageView::numbering(&page),
        notice: None,
        chrome,
    };
    Ok(Html(state.theme.render("newsroom/comments.html", &view)?).into_response())
}

#[derive(Deserialize)]
pub struct Decision {
    status: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<Decision>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Ok(status) = form.status.parse::<CommentStatus>() else {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Unknown decision",
            "Approve, reject or mark as spam.",
        )
        .await);
    };
    state
        .store
        .set_comment_status(CommentId(id), status)
        .await?;
    Ok(Redirect::to("/newsroom/comments").into_response())
}
