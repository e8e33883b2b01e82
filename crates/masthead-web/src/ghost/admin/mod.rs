//! Ghost's Admin API under `/ghost/api/admin/`: what writing tools and the newsroom's
//! own scripts change. Every route but `site` passes the guard (`auth.rs`: an
//! integration's token, or a staff session), and every change goes through the same
//! use cases as the newsroom's pages (`Newsroom`), with its workflow rules, audit
//! entries, revisions and webhooks. Posts (`posts.rs`), uploads (`uploads.rs`), and
//! the smaller resources (`resources.rs`: site, users, tags, webhooks) answer in
//! Ghost's shapes, with Masthead's own fields beside them.

mod auth;
mod posts;
mod resources;
mod uploads;

use crate::AppState;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

/// Each Admin API route: its path under the prefix, and its handlers.
fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("posts", get(posts::browse).post(posts::add)),
        (
            "posts/{id}",
            get(posts::read).put(posts::edit).delete(posts::remove),
        ),
        ("posts/slug/{slug}", get(posts::read_by_slug)),
        (
            "images/upload",
            post(uploads::image).layer(axum::extract::DefaultBodyLimit::max(
                masthead_media::MAX_BYTES + 1024 * 1024,
            )),
        ),
        ("tags", get(resources::tags).post(resources::add_tag)),
        ("tags/{id}", get(resources::tag).put(resources::edit_tag)),
        ("users", get(resources::users)),
        ("users/{id}", get(resources::user)),
        ("users/slug/{slug}", get(resources::user_by_slug)),
        ("webhooks", post(resources::add_webhook)),
        (
            "webhooks/{id}",
            axum::routing::delete(resources::remove_webhook),
        ),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    let mut guarded = Router::new();
    for (path, handler) in routes() {
        // Ghost's clients ask with the trailing slash; people often without.
        guarded = guarded
            .route(&format!("/ghost/api/admin/{path}/"), handler.clone())
            .route(&format!("/ghost/api/admin/{path}"), handler);
    }
    let guarded = guarded.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::guard,
    ));
    Router::new()
        // The site's public facts: Ghost answers them to anyone (clients read them
        // to find the API before they hold a key).
        .route("/ghost/api/admin/site/", get(resources::site))
        .route("/ghost/api/admin/site", get(resources::site))
        .merge(guarded)
        .route(
            "/ghost/api/admin/{*rest}",
            axum::routing::any(super::unknown),
        )
        .route("/ghost/api/admin/", axum::routing::any(super::unknown))
        .layer(axum::middleware::from_fn(no_store))
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
