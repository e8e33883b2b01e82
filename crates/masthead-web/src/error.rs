//! Turning domain errors into responses: themed pages for people, and for programs
//! (the APIs, the editor's script) Ghost's JSON envelope. Internal errors are logged
//! with their cause and shown only as "something went wrong".

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
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

    /// A service we depend on (the payment provider) is not answering: a 503 whose
    /// `message` says what to do.
    pub fn unavailable(message: &str) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.to_owned(),
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

/// Marks an error answered without a themed page (its message), so that a surface's
/// middleware may dress it in one.
#[derive(Debug, Clone)]
pub struct Unthemed(pub String);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let unthemed = self.page.is_none().then(|| Unthemed(self.message.clone()));
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
        let mut response = (self.status, Html(body)).into_response();
        if let Some(mark) = unthemed {
            response.extensions_mut().insert(mark);
        }
        response
    }
}

/// An error answered as JSON, in the envelope Ghost's APIs use:
/// `{"errors":[{"message":"...","type":"NotFoundError"}]}`. Handlers that answer
/// programs return `Result<_, ApiError>` and use `?` on domain errors as pages do.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(WebError {
            status,
            message: message.into(),
            page: None,
        })
    }
}

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// Ghost's name for the kind of error a status says.
fn error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequestError",
        401 => "UnauthorizedError",
        403 => "NoPermissionError",
        404 => "NotFoundError",
        409 => "UpdateCollisionError",
        410 => "GoneError",
        413 => "RequestEntityTooLargeError",
        415 => "UnsupportedMediaTypeError",
        422 => "ValidationError",
        429 => "TooManyRequestsError",
        503 => "ServiceUnavailableError",
        _ if status.is_client_error() => "BadRequestError",
        _ => "InternalServerError",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "errors": [{
                "message": self.0.message,
                "type": error_type(self.0.status),
            }]
        });
        (self.0.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn envelope(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        assert_eq!(
            response.headers()[axum::http::header::CONTENT_TYPE],
            "application/json"
        );
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn domain_errors_become_the_ghost_envelope() {
        let cases = [
            (Error::NotFound("article".into()), 404, "NotFoundError"),
            (
                Error::invalid("title", "The title is empty."),
                422,
                "ValidationError",
            ),
            (
                Error::Conflict("changed since".into()),
                409,
                "UpdateCollisionError",
            ),
            (
                Error::Forbidden("not yours".into()),
                403,
                "NoPermissionError",
            ),
            (Error::Unauthenticated, 401, "UnauthorizedError"),
            (
                Error::Internal {
                    message: "disk".into(),
                    source: None,
                },
                500,
                "InternalServerError",
            ),
        ];
        for (error, status, kind) in cases {
            let said = error.to_string();
            let (got, body) = envelope(ApiError::from(error)).await;
            assert_eq!(got.as_u16(), status, "{said}");
            let errors = body["errors"].as_array().unwrap();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0]["type"], kind, "{said}");
            let message = errors[0]["message"].as_str().unwrap();
            assert!(!message.is_empty());
            // The cause of an internal error stays in the log.
            assert!(status != 500 || !message.contains("disk"), "{message}");
        }
        let (status, body) =
            envelope(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Too big.")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["errors"][0]["type"], "RequestEntityTooLargeError");
        assert_eq!(body["errors"][0]["message"], "Too big.");
    }
}
