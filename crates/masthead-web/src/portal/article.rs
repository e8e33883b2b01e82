//! The article page.

use super::{chrome, missing, page};
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use masthead_render::views::{ArticleBody, ArticleView};

pub async fn show(
    State(state): State<AppState>,
    Path((section, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let article = match state.store.article_by_slug(&slug).await? {
        Some(a) if a.is_live() => a,
        _ => return missing(&state, &format!("/{section}/{slug}/")).await,
    };
    // One canonical URL per article: other section prefixes redirect to it.
    let canonical = article.path();
    if canonical != format!("/{section}/{slug}/") {
        return Ok(Redirect::permanent(&canonical).into_response());
    }
    let media = match &article.featured_image {
        Some(image) => state.store.media(image.media_id).await?,
        None => None,
    };
    let mut chrome = chrome(&state).await?;
    chrome.current_section = article.section.as_ref().map(|s| s.slug.clone());
    let view = ArticleView {
        chrome,
        a: ArticleBody::new(&article, media.as_ref()),
    };
    page(&state, "article.html", &view)
}
