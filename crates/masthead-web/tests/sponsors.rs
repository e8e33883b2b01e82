//! Sponsors as admins run them and readers see them: made and attached in the
//! newsroom, labelled with their disclosure on the article and section pages and named
//! in the article's structured data, through the page cache, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use masthead_core::store::Store;
use masthead_testkit::browser::Browser;
use masthead_testkit::fixtures;
use masthead_testkit::store_test;
use std::sync::Arc;

mod support;

store_test!(admins_attach_sponsors_that_readers_see);

const BASE: &str = "https://news.example";

async fn admins_attach_sponsors_that_readers_see(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(
        &newsroom,
        "Harbor fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    fixtures::published(
        &newsroom,
        "Rail plan",
        &f.business,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let mut reader = Browser::new(&app, "192.0.2.40", BASE);
    // Cached before any sponsor exists.
    let before = reader.get("/world/harbor-fees/").await;
    assert!(!before.body.contains(r#"class="sponsor""#));
    let mut admin = Browser::new(&app, "192.0.2.41", BASE);
    let cookie = support::staff_cookie(&*store, &f.admin).await;
    let (name, value) = cookie.split_once('=').unwrap();
    admin.keep(name, value);
    // A bad address is refused with words, and nothing is kept.
    let refused = admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors",
            &[
                ("name", "Harbor Bank"),
                ("url", "javascript:alert(1)"),
                ("label", "supported_by"),
                ("disclosure", "Pays for our World coverage; no say in it."),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("url: a sponsor&#39;s address starts with https://"),
        "{}",
        refused.body
    );
    let made = admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors",
            &[
                ("name", "Harbor Bank"),
                ("url", "https://harborbank.example"),
                ("label", "supported_by"),
                ("disclosure", "Pays for our World coverage; no say in it."),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let bank = store.sponsors().await.unwrap()[0].id;
    let attached = admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors/attach",
            &[
                ("sponsor", &bank.0.to_string()),
                ("section", &f.world.id.0.to_string()),
            ],
        )
        .await;
    assert_eq!(attached.status, StatusCode::SEE_OTHER, "{}", attached.body);
    // Readers see it on the section's article (the cached page was refreshed) and on
    // the section page; not in another section.
    let page = reader.get("/world/harbor-fees/").await;
    assert!(
        page.body
            .contains(r#"<aside class="sponsor" aria-label="Supported by Harbor Bank">"#),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"<a href="https://harborbank.example" rel="sponsored noopener">"#));
    assert!(page
        .body
        .contains("Pays for our World coverage; no say in it."));
    assert!(
        page.body.contains(r#""sponsor":{"@type":"Organization","name":"Harbor Bank","url":"https://harborbank.example"}"#),
        "{}",
        page.body
    );
    assert!(reader.get("/world/").await.body.contains("Supported by"));
    assert!(!reader
        .get("/business/rail-plan/")
        .await
        .body
        .contains(r#"class="sponsor""#));
    // An article's own sponsor comes first, labelled as it says.
    admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors",
            &[
                ("name", "Alder Brewery"),
                ("url", ""),
                ("label", "sponsored"),
                ("disclosure", "Paid for by Alder Brewery."),
            ],
        )
        .await;
    let brewery = store
        .sponsors()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Alder Brewery")
        .unwrap()
        .id;
    let own = admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors/attach",
            &[
                ("sponsor", &brewery.0.to_string()),
                ("article", "https://news.example/business/rail-plan/"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    let rail = reader.get("/business/rail-plan/").await;
    assert!(
        rail.body
            .contains(r#"aria-label="Sponsored Alder Brewery""#),
        "{}",
        rail.body
    );
    assert!(rail.body.contains("<strong>Alder Brewery</strong>"));
    // An address that is no article's is refused with words.
    let nowhere = admin
        .post_from(
            "/newsroom/sponsors",
            "/newsroom/sponsors/attach",
            &[
                ("sponsor", &bank.0.to_string()),
                ("article", "/world/no-such-story/"),
            ],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND, "{}", nowhere.body);
    // Removed: readers no longer see it.
    let removed = admin
        .post_from(
            "/newsroom/sponsors",
            &format!("/newsroom/sponsors/{}/delete", bank.0),
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(!reader
        .get("/world/harbor-fees/")
        .await
        .body
        .contains(r#"class="sponsor""#));
}
