//! Ghost's Admin API under `/ghost/api/admin/`: what writing tools and the newsroom's
//! own scripts change. Every route but `site` passes the guard (`auth.rs`: an
//! integration's token, or a staff session), and every change goes through the same
//! use cases as the newsroom's pages (`Newsroom`), with its workflow rules, audit
//! entries, revisions and webhooks. Posts (`posts.rs`), pages (`pages.rs`), members
//! (`members.rs`), uploads (`uploads.rs`) and the smaller resources (`resources.rs`:
//! site, users, tags, webhooks) answer in Ghost's shapes, with Masthead's own fields
//! beside them; Masthead's own resources (`newsroom.rs`: sections, article types,
//! corrections) live under the same prefix. The OpenAPI document (`openapi.rs`) is
//! made from the handlers' annotations and held to the route table by a test.

mod auth;
mod members;
mod newsroom;
pub mod openapi;
mod pages;
mod posts;
mod resources;
mod uploads;

use crate::AppState;
use axum::http::Method;
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;

/// The one item of a `{"<resource>": [{...}]}` body, as Ghost's writes send it;
/// anything else (or a NUL in any text of it) is Ghost's 422.
fn the_one<'a>(
    body: &'a serde_json::Value,
    resource: &str,
) -> Result<&'a serde_json::Map<String, serde_json::Value>, super::ApiError> {
    super::without_nul(body)?;
    match body
        .get(resource)
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
    {
        Some([serde_json::Value::Object(item)]) => Ok(item),
        _ => Err(super::ApiError::validation_of(
            "Validation error, cannot save.",
            format!("The body is {{\"{resource}\": [{{...}}]}}, with one item."),
        )),
    }
}

/// Whether a write's query says `source=html` (its body comes as HTML); any other
/// source is Ghost's 422.
fn source_html(params: &super::Params) -> Result<bool, super::ApiError> {
    match params.source.as_deref() {
        None => Ok(false),
        Some("html") => Ok(true),
        Some(other) => Err(super::ApiError::validation_of(
            "Validation error, cannot save.",
            format!("source={other} is not taken: send html with source=html, or lexical"),
        )),
    }
}

/// Whether a route needs a caller (`auth.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Anyone: the site's public facts.
    Public,
    /// An integration's token or a staff session.
    Caller,
}

/// The Admin API: each route's method, path under the prefix, guard and handler.
/// Drives the router, and a test holds the OpenAPI document to it.
fn routes() -> Vec<(Method, &'static str, Guard, MethodRouter<AppState>)> {
    use Guard::{Caller, Public};
    vec![
        (Method::GET, "site", Public, get(resources::site)),
        (Method::GET, "posts", Caller, get(posts::browse)),
        (Method::POST, "posts", Caller, post(posts::add)),
        (Method::GET, "posts/{id}", Caller, get(posts::read)),
        (Method::PUT, "posts/{id}", Caller, put(posts::edit)),
        (Method::DELETE, "posts/{id}", Caller, delete(posts::remove)),
        (
            Method::GET,
            "posts/slug/{slug}",
            Caller,
            get(posts::read_by_slug),
        ),
        (
            Method::POST,
            "images/upload",
            Caller,
            post(uploads::image).layer(axum::extract::DefaultBodyLimit::max(
                masthead_media::MAX_BYTES + 1024 * 1024,
            )),
        ),
        (Method::GET, "tags", Caller, get(resources::tags)),
        (Method::POST, "tags", Caller, post(resources::add_tag)),
        (Method::GET, "tags/{id}", Caller, get(resources::tag)),
        (Method::PUT, "tags/{id}", Caller, put(resources::edit_tag)),
        (
            Method::DELETE,
            "tags/{id}",
            Caller,
            delete(resources::remove_tag),
        ),
        (Method::GET, "users", Caller, get(resources::users)),
        (Method::GET, "users/{id}", Caller, get(resources::user)),
        (
            Method::GET,
            "users/slug/{slug}",
            Caller,
            get(resources::user_by_slug),
        ),
        (Method::GET, "pages", Caller, get(pages::browse)),
        (Method::POST, "pages", Caller, post(pages::add)),
        (Method::GET, "pages/{id}", Caller, get(pages::read)),
        (Method::PUT, "pages/{id}", Caller, put(pages::edit)),
        (Method::DELETE, "pages/{id}", Caller, delete(pages::remove)),
        (Method::GET, "members", Caller, get(members::browse)),
        (Method::POST, "members", Caller, post(members::add)),
        (Method::GET, "members/{id}", Caller, get(members::read)),
        (Method::PUT, "members/{id}", Caller, put(members::edit)),
        (
            Method::DELETE,
            "members/{id}",
            Caller,
            delete(members::remove),
        ),
        (Method::GET, "sections", Caller, get(newsroom::sections)),
        (
            Method::GET,
            "article_types",
            Caller,
            get(newsroom::article_types),
        ),
        (
            Method::GET,
            "corrections",
            Caller,
            get(newsroom::corrections),
        ),
        (
            Method::POST,
            "posts/{id}/corrections",
            Caller,
            post(newsroom::add_correction),
        ),
        (
            Method::POST,
            "webhooks",
            Caller,
            post(resources::add_webhook),
        ),
        (
            Method::PUT,
            "webhooks/{id}",
            Caller,
            put(resources::edit_webhook),
        ),
        (
            Method::DELETE,
            "webhooks/{id}",
            Caller,
            delete(resources::remove_webhook),
        ),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    let (mut public, mut guarded) = (Router::new(), Router::new());
    for (_, path, guard, handler) in routes() {
        let router = match guard {
            Guard::Public => &mut public,
            Guard::Caller => &mut guarded,
        };
        // Ghost's clients ask with the trailing slash; people often without.
        *router = std::mem::take(router)
            .route(&format!("/ghost/api/admin/{path}/"), handler.clone())
            .route(&format!("/ghost/api/admin/{path}"), handler);
    }
    let guarded = guarded.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::guard,
    ));
    public
        .route("/ghost/api/admin/openapi.json", get(openapi_json))
        .merge(guarded)
        .route(
            "/ghost/api/admin/{*rest}",
            axum::routing::any(super::unknown),
        )
        .route("/ghost/api/admin/", axum::routing::any(super::unknown))
        .layer(axum::middleware::from_fn(no_store))
}

/// The API's OpenAPI document (public, like Ghost's own reference).
async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi::document(),
    )
        .into_response()
}

/// Admin answers are never stored by a cache between.
async fn no_store(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache, private, no-store, must-revalidate"),
    );
    response.headers_mut().insert(
        "content-version",
        axum::http::HeaderValue::from_static("v6.0"),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeSet;

    /// The document names every route of the table, with its method and whether it
    /// needs a caller, and nothing else: neither can drift from the other.
    #[test]
    fn the_openapi_document_is_the_route_table() {
        let doc: serde_json::Value = serde_json::from_str(&openapi::document()).unwrap();
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let table: BTreeSet<(String, String, bool)> = routes()
            .into_iter()
            .map(|(method, path, guard, _)| {
                (
                    format!("/ghost/api/admin/{path}/"),
                    method.as_str().to_lowercase(),
                    guard == Guard::Public,
                )
            })
            .collect();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let public = operation["security"] == serde_json::json!([{}]);
                documented.insert((path.clone(), method.clone(), public));
                // Every operation says how it refuses, in Ghost's error envelope.
                assert_eq!(
                    operation["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Errors",
                    "{method} {path}"
                );
            }
        }
        assert_eq!(table, documented);
    }
}
