//! The editor's two spellings of a body: the visual editor's document and Markdown.
//! Switching modes asks the server, so that Markdown is read and written in one
//! place (`masthead_core::document`), the same way the form's save reads it.

use super::desk::Desk;
use crate::forms::{one, Fields};
use crate::WebError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use masthead_core::document::Document;

/// The document in `body_document` as Markdown (`text/plain`), for the Markdown mode.
pub async fn as_markdown(
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    Ok(
        match Document::from_json(one(&fields, "body_document"), "body_document") {
            Ok(document) => (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                document.to_markdown(),
            )
                .into_response(),
            Err(e) => refused(e),
        },
    )
}

/// The Markdown in `body_markdown` as a document (JSON), for the visual mode: a 422
/// naming what does not read (a card fence that is not a card), so that the writer
/// stays in Markdown with their text.
pub async fn as_document(
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let markdown = one(&fields, "body_markdown").replace("\r\n", "\n");
    Ok(
        match Document::from_markdown_checked(&markdown, "body_markdown") {
            Ok(document) => (
                [(header::CONTENT_TYPE, "application/json")],
                document.to_json(),
            )
                .into_response(),
            Err(e) => refused(e),
        },
    )
}

/// A body that does not read: 422 with what is wrong, as one sentence.
fn refused(error: masthead_core::Error) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        super::articles::messages(error),
    )
        .into_response()
}
