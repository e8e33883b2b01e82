//! What an attacker's probe tries, in-process, on both backends: each request gets a
//! clear 4xx (or the page), never a 500, a crash or a way off the site.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self};
use masthead_testkit::store_test;
use std::sync::Arc;
use tower::ServiceExt;

fn app(store: Arc<dyn Store>) -> masthead_web::App {
    masthead_web::router(masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    ))
}

/// Status and `Location` of a GET for `path`, which is sent as it is written (the
/// `Uri` keeps percent-encoding as sent).
async fn get(app: &masthead_web::App, path: &str) -> (StatusCode, Option<String>, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

store_test!(
    redirects_never_leave_the_site,
    control_characters_in_paths_are_a_404,
    search_takes_any_query_and_any_page,
);

/// Addresses that once redirected off the site, or put raw control characters into
/// `Location`: every one is now a plain 404 (or a redirect that stays here).
async fn redirects_never_leave_the_site(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(&newsroom, "Harbour", &f.world, f.author.id, &f.editor, 0).await;
    let app = app(store);
    for path in [
        "/%2Fattacker.example%2Flogin",
        "/%2fattacker.example%2flogin",
        "/%5Cattacker.example",
        "/%5C%5Cattacker.example",
        "/%09/evil",
        "/%2F%2Fattacker.example",
        "/world/%2F%2Fattacker.example",
        "/tag/%2Fattacker.example",
        "/..%2F..%2Fattacker.example",
        "/world/..",
    ] {
        let (status, location, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} -> {location:?}");
        assert_eq!(location, None, "{path}");
    }
    // Plain addresses without their slash still get it, and stay on the site.
    let (status, location, _) = get(&app, "/world/harbour").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location.as_deref(), Some("/world/harbour/"));
}

/// Control characters in any segment (they once made a 500 "failed to parse header
/// value" on the way to a redirect) get the themed 404.
async fn control_characters_in_paths_are_a_404(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(&newsroom, "Harbour", &f.world, f.author.id, &f.editor, 0).await;
    let app = app(store);
    for path in [
        "/%0Aevil",
        "/%0D%0ASet-Cookie:%20x=1",
        "/world/%0Ax",
        "/world/%0Ax/",
        "/world/harbour%00",
        "/tag/%0A",
        "/tag/%0A/",
        "/tag/%0A/feed.xml",
        "/author/%7F",
        "/%00",
        "/%1B[31m",
        "/world/%0A/feed.xml",
    ] {
        let (status, location, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} -> {location:?}");
        assert!(body.contains("Page not found"), "{path}: the themed page");
    }
}

/// One anonymous request for a far page of search results once aborted the process
/// (the engine reserved offset + limit slots); syntax it could not run was a 500.
async fn search_takes_any_query_and_any_page(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(&newsroom, "Harbour", &f.world, f.author.id, &f.editor, 0).await;
    let search = Arc::new(masthead_search::SearchIndex::in_memory().unwrap());
    search.refresh(&*store, id).await.unwrap();
    let state = masthead_web::AppState::new(
        store.clone(),
        search,
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    );
    let app = masthead_web::router(state);
    for page in ["100000000", "4294967295", "99999999999999999999", "-1", "0"] {
        let (status, _, _) = get(&app, &format!("/search/?q=harbour&page={page}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "page {page}");
    }
    for q in [
        "slug:*",
        "tags:*",
        "title:",
        "%22unclosed",
        "*",
        "id:%5B1%20TO%205%5D",
    ] {
        let (status, _, _) = get(&app, &format!("/search/?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "q={q}");
    }
    let (_, _, body) = get(&app, "/search/?q=tags:*%20harbour").await;
    assert!(body.contains("/world/harbour/"), "the words are searched");
}
