//! Turning domain errors into responses: themed pages on the portal. Internal errors
//! are logged with their cause and shown to readers only as "something went wrong".

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::Error;

/// An error on its way to becoming a page.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    /// A themed page, when one could be rendered.
    pub page: Option<String>,
}

impl WebError {
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message:
                "We could not find that page. It may have moved, or the address may be mistyped."
                    .into(),
            page: None,
        }
    }

    /// A failure on our side (logged with `cause`), answered with a 500.
    pub fn internal(cause: &str) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Something went wrong on our side. Please try again in a moment.".into(),
            page: None,
        }
    }

    pub fn gone() -> Self {
        Self {
            status: StatusCode::GONE,
            message: "What was published here has been withdrawn by the editors.".into(),
            page: None,
        }
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        let (status, message) = match &e {
            Error::NotFound(_) => return Self::not_found(),
            Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            Error::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
            Error::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "Please log in first.".to_owned()),
            Error::Internal { .. } => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again in a moment.".to_owned(),
                )
            }
        };
        Self {
            status,
            message,
            page: None,
        }
    }
}

impl From<masthead_render::ThemeError> for WebError {
    fn from(e: masthead_render::ThemeError) -> Self {
        tracing::error!(error = %e, "template error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Something went wrong on our side. Please try again in a moment.".into(),
            page: None,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let body = self.page.unwrap_or_else(|| {
            let escaped = self
                .message
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(
                "<!doctype html><title>{}</title><h1>{}</h1><p>{escaped}</p>",
                self.status, self.status
            )
        });
        (self.status, Html(body)).into_response()
    }
}
