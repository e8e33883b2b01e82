//! The APIs Ghost's clients speak, under `/ghost/api/`: the Content API
//! (`content.rs`: published posts, pages, tags, authors, tiers and settings, read with
//! an integration's Content API key), the Admin API (`admin/`), and what they share
//! here: Ghost's error envelope, its query parameters, its pagination, and each key's
//! rate limit (`limits.rs`: `429` with `Retry-After`). Their JSON shapes are the
//! neutral `api_json.rs` (webhooks send them too). The page cache passes these
//! requests through as sent (their query is theirs).

mod admin;
mod content;
mod limits;

pub use admin::openapi::document as admin_openapi;
pub use limits::KeyLimits;

use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use masthead_core::store::{Page, PageRequest};
use serde_json::{json, Value};

pub fn router(state: &AppState) -> Router<AppState> {
    content::router()
        .merge(admin::router(state))
        .layer(axum::middleware::from_fn(json_errors))
}

/// Every refusal in Ghost's JSON, including those axum writes as text before a
/// handler runs (a body that is not JSON, a form without its boundary, a method the
/// route does not take, a body too large).
async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    // No text the APIs store or look up may hold a NUL (PostgreSQL refuses it).
    let uri = request.uri();
    let decoded = percent_encoding::percent_decode_str(uri.path())
        .chain(percent_encoding::percent_decode_str(
            uri.query().unwrap_or_default(),
        ))
        .any(|b| b == 0);
    if decoded {
        return ApiError::bad_request("No part of the address may hold a NUL character.")
            .into_response();
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let kind = match status {
        StatusCode::NOT_FOUND => "NotFoundError",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowedError",
        StatusCode::PAYLOAD_TOO_LARGE => "RequestEntityTooLargeError",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaTypeError",
        StatusCode::UNPROCESSABLE_ENTITY => "ValidationError",
        _ => "BadRequestError",
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("The request was refused.")
            .to_owned()
    } else {
        text
    };
    let mut response = ApiError::new(status, kind, message).into_response();
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// Refuses a JSON body with a NUL character in any text of it, key or value: none
/// may be stored (PostgreSQL refuses it), and the whole body is refused, not a part.
fn without_nul(body: &Value) -> Result<(), ApiError> {
    let mut stack = vec![body];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) if s.contains('\0') => {
                return Err(ApiError::validation_of(
                    "Validation error, cannot save.",
                    "No field may hold a NUL character.",
                ))
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                if map.keys().any(|k| k.contains('\0')) {
                    return Err(ApiError::validation_of(
                        "Validation error, cannot save.",
                        "No field may hold a NUL character.",
                    ));
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
    Ok(())
}

/// An address under an API's prefix that it does not have: Ghost's JSON 404, not a
/// reader's page.
async fn unknown() -> ApiError {
    ApiError::not_found("Resource not found")
}

/// The most a page holds (Ghost 6: `limit=all` and anything larger give 100).
const MAX_LIMIT: u32 = 100;
/// A page's size when the request names none.
const DEFAULT_LIMIT: u32 = 15;

/// An error as Ghost writes it: `{"errors": [{message, context, type, ...}]}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    context: Option<String>,
    code: Option<&'static str>,
    /// Seconds until a rate-limited key may ask again.
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            context: None,
            code: None,
            retry_after: None,
        }
    }

    /// A key past its rate limit, told when to come back.
    pub fn too_many(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            "Too many requests with this key: try again later.",
        )
        .context(format!("Try again in {seconds} s."));
        e.retry_after = Some(seconds);
        e
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    /// A parameter with a value it does not take.
    pub fn validation(context: impl Into<String>) -> Self {
        Self::validation_of(
            "Validation error, cannot list or read the resource.",
            context,
        )
    }

    /// Input that cannot be taken: `message` says what could not be done, `context`
    /// why.
    fn validation_of(message: &str, context: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message).context(context)
    }

    fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

impl From<masthead_core::Error> for ApiError {
    fn from(e: masthead_core::Error) -> Self {
        use masthead_core::Error;
        match e {
            Error::NotFound(what) => Self::not_found(format!("{what} not found.")),
            Error::Invalid(_) => Self::bad_request(e.to_string()),
            e => {
                tracing::error!(error = %e, "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    "The server has encountered an error.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "errors": [{
                "message": self.message,
                "context": self.context,
                "type": self.kind,
                "details": null,
                "property": null,
                "help": null,
                "code": self.code,
                "id": crate::secrets::secret()[..32].to_owned(),
                "ghostErrorCode": null,
            }]
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(
                "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0",
            ),
        );
        response
    }
}

/// The query parameters Ghost's APIs take, read from the raw query so that a
/// parameter sent twice is seen (`key` twice is refused, as Ghost does).
#[derive(Debug, Default)]
pub struct Params {
    pub keys: Vec<String>,
    pub include: Vec<String>,
    pub fields: Vec<String>,
    pub formats: Vec<String>,
    pub filter: Option<String>,
    pub limit: Option<String>,
    pub page: Option<String>,
    pub order: Option<String>,
    /// The Admin API's `source` (`html`: the body comes as HTML).
    pub source: Option<String>,
}

impl Params {
    pub fn read(query: Option<&str>) -> Self {
        let mut params = Self::default();
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "key" => params.keys.push(value.into_owned()),
                "include" => params.include.extend(list(&value)),
                "fields" => params.fields.extend(list(&value)),
                "formats" => params.formats.extend(list(&value)),
                "filter" => params.filter = Some(value.into_owned()),
                "limit" => params.limit = Some(value.into_owned()),
                "page" => params.page = Some(value.into_owned()),
                "order" => params.order = Some(value.into_owned()),
                "source" => params.source = Some(value.into_owned()),
                _ => {}
            }
        }
        params
    }

    /// The page asked for: `limit` (a number, or `all`; at most 100) and `page`.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some("all") => MAX_LIMIT,
            Some(n) => match n.parse::<u64>() {
                Ok(n) if n >= 1 => u32::try_from(n.min(u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT),
                _ => {
                    return Err(ApiError::validation(
                        "Validation (isInt) failed for limit: a number from 1, or all",
                    ))
                }
            },
        };
        let number = self.asked_page()?;
        // Past the last row any store can hold: an empty page, never an overflow.
        let offset = (number - 1)
            .saturating_mul(u64::from(limit))
            .min(u64::from(u32::MAX - MAX_LIMIT));
        Ok(PageRequest {
            offset: u32::try_from(offset).unwrap_or(u32::MAX - MAX_LIMIT),
            limit,
        })
    }

    /// The page number asked for (1 when none is), as `meta.pagination` gives it back,
    /// however far past the last row.
    pub fn page_number(&self) -> u64 {
        self.asked_page().unwrap_or(1)
    }

    fn asked_page(&self) -> Result<u64, ApiError> {
        match self.page.as_deref() {
            None => Ok(1),
            Some(n) => match n.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(ApiError::validation(
                    "Validation (isInt) failed for page: a number from 1",
                )),
            },
        }
    }

    /// `include`, each value checked against what the resource `allowed`.
    pub fn includes(&self, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
        for value in &self.include {
            if !allowed.contains(&value.as_str()) {
                return Err(ApiError::validation(format!(
                    "Validation (AllowedValues) failed for include: {value:?} is not one of {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(self.include.clone())
    }

    /// `formats`: `html` (the default) and `plaintext`; `mobiledoc` and `lexical` are
    /// taken and give nothing, as in Ghost's Content API.
    pub fn formats(&self) -> Result<Vec<String>, ApiError> {
        for value in &self.formats {
            if !["html", "plaintext", "mobiledoc", "lexical"].contains(&value.as_str()) {
                return Err(ApiError::validation(format!(
                    "Validation (AllowedValues) failed for formats: {value:?}"
                )));
            }
        }
        Ok(if self.formats.is_empty() {
            vec!["html".to_owned()]
        } else {
            self.formats.clone()
        })
    }

    /// The parsed filter, if any.
    pub fn filter(&self) -> Result<Option<masthead_core::nql::Filter>, ApiError> {
        match self.filter.as_deref() {
            None => Ok(None),
            Some(text) => {
                masthead_core::nql::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))
            }
        }
    }
}

/// `meta.pagination` of `page`, page `number` of those asked for: page numbers, or
/// null past either end.
fn pagination<T>(page: &Page<T>, number: u64) -> Value {
    let limit = u64::from(page.limit.max(1));
    let pages = page.total.div_ceil(limit).max(1);
    json!({
        "page": number,
        "limit": page.limit,
        "pages": pages,
        "total": page.total,
        "next": if number < pages { Some(number + 1) } else { None },
        "prev": if number > 1 { Some(number - 1) } else { None },
    })
}

/// Keeps only `fields` of `object` (all when none are asked for).
fn only(mut object: Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return object;
    }
    if let Value::Object(map) = &mut object {
        map.retain(|k, _| fields.iter().any(|f| f == k));
    }
    object
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_and_pages_as_ghost_reads_them() {
        let page = |q: &str| Params::read(Some(q)).page();
        assert_eq!(
            page("").unwrap(),
            PageRequest {
                offset: 0,
                limit: 15
            }
        );
        assert_eq!(
            page("limit=3&page=2").unwrap(),
            PageRequest {
                offset: 3,
                limit: 3
            }
        );
        assert_eq!(page("limit=all").unwrap().limit, 100);
        assert_eq!(page("limit=500").unwrap().limit, 100);
        assert!(page("page=99999999999999999999").is_err());
        let far = page("page=18446744073709551615&limit=100").unwrap();
        assert_eq!(far.offset, u32::MAX - MAX_LIMIT);
        for bad in [
            "limit=0", "limit=-1", "limit=x", "page=0", "page=-2", "page=1.5",
        ] {
            assert!(page(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pagination_counts_as_ghost_does() {
        let p = |offset, limit, total| Page::<()> {
            items: vec![],
            total,
            offset,
            limit,
        };
        assert_eq!(
            pagination(&p(3, 3, 7), 2),
            json!({"page": 2, "limit": 3, "pages": 3, "total": 7, "next": 3, "prev": 1})
        );
        assert_eq!(
            pagination(&p(0, 15, 0), 1),
            json!({"page": 1, "limit": 15, "pages": 1, "total": 0, "next": null, "prev": null})
        );
        // Far past the last row: the page asked for, as Ghost gives it back (the
        // store's offset stops at what it can hold).
        let far = Params::read(Some("page=99999999999999&limit=10"));
        let request = far.page().unwrap();
        assert_eq!(
            pagination(&p(request.offset, request.limit, 25), far.page_number()),
            json!({"page": 99_999_999_999_999_u64, "limit": 10, "pages": 3, "total": 25,
                   "next": null, "prev": 99_999_999_999_998_u64})
        );
    }
}
