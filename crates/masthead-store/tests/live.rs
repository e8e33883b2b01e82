//! Live coverage on both backends: entries posted, edited (marked updated), pinned on
//! top, deleted; each change tells the caches which article changed; coverage ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use masthead_core::change::Change;
use masthead_core::document::Document;
use masthead_core::ids::LiveEntryId;
use masthead_core::live::EntryContent;
use masthead_core::store::Store;
use masthead_core::Error;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(live_entries_are_posted_edited_pinned_and_deleted);

fn content(headline: &str, body: &str) -> EntryContent {
    EntryContent {
        headline: headline.into(),
        body: Document::from_markdown(body),
    }
}

async fn live_entries_are_posted_edited_pinned_and_deleted(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let storm =
        fixtures::published(&newsroom, "Storm live", &f.world, f.author.id, &f.editor, 0).await;
    let other = fixtures::published(&newsroom, "Other", &f.world, f.author.id, &f.editor, 1).await;
    let mut changes = store.subscribe();
    let by = (f.author.id, f.author.name.as_str());
    let first = store
        .post_live_entry(
            storm,
            &content(" Ferries stop ", "The last boat left at *six*."),
            "<p>The last boat left at <em>six</em>.</p>",
            by,
            t0() + Duration::minutes(10),
        )
        .await
        .unwrap();
    assert_eq!(
        changes.recv().await.unwrap(),
        Change::Live { article: storm }
    );
    assert_eq!(first.headline, "Ferries stop");
    assert_eq!(first.author, Some(f.author.id));
    assert_eq!(first.author_name, f.author.name);
    assert_eq!(
        first.body,
        Document::from_markdown("The last boat left at *six*.")
    );
    assert_eq!(first.posted_at, t0() + Duration::minutes(10));
    assert_eq!(first.updated_at, None);
    assert!(!first.pinned);
    let second = store
        .post_live_entry(
            storm,
            &content("", "Power is out in Eastbank."),
            "<p>Power is out in Eastbank.</p>",
            by,
            t0() + Duration::minutes(20),
        )
        .await
        .unwrap();
    store
        .post_live_entry(
            other,
            &content("Elsewhere", ""),
            "",
            by,
            t0() + Duration::minutes(30),
        )
        .await
        .unwrap();
    // Newest first, and only the article's own.
    let ids = |entries: Vec<masthead_core::live::LiveEntry>| {
        entries.into_iter().map(|e| e.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.live_entries(storm, 10).await.unwrap()),
        [second.id, first.id]
    );
    // Pinned on top; limited.
    let pinned = store.pin_live_entry(first.id, true).await.unwrap();
    assert!(pinned.pinned);
    assert_eq!(
        ids(store.live_entries(storm, 10).await.unwrap()),
        [first.id, second.id]
    );
    assert_eq!(ids(store.live_entries(storm, 1).await.unwrap()), [first.id]);
    // Edited: marked updated, still pinned, still posted when it was.
    let edited = store
        .edit_live_entry(
            first.id,
            &content("Ferries stop", "The last boat left at *five*."),
            "<p>The last boat left at <em>five</em>.</p>",
            t0() + Duration::minutes(40),
        )
        .await
        .unwrap();
    assert_eq!(edited.updated_at, Some(t0() + Duration::minutes(40)));
    assert_eq!(edited.posted_at, first.posted_at);
    assert!(edited.pinned);
    assert_eq!(
        store.live_entry(first.id).await.unwrap().unwrap().body_html,
        "<p>The last boat left at <em>five</em>.</p>"
    );
    // Refused as invalid, leaving the entry as it was.
    match store
        .edit_live_entry(first.id, &content("", ""), "", t0())
        .await
    {
        Err(Error::Invalid(fields)) => assert_eq!(fields[0].field, "body"),
        other => panic!("refused, not {other:?}"),
    }
    assert_eq!(store.live_entry(first.id).await.unwrap().unwrap(), edited);
    // Deleted; a second time it is not found.
    while changes.try_recv().is_ok() {}
    store.delete_live_entry(second.id).await.unwrap();
    assert_eq!(
        changes.recv().await.unwrap(),
        Change::Live { article: storm }
    );
    assert!(matches!(
        store.delete_live_entry(second.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.pin_live_entry(LiveEntryId(999_999), true).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        ids(store.live_entries(storm, 10).await.unwrap()),
        [first.id]
    );
    // Coverage ends, and can go on again.
    assert_eq!(store.live_coverage_ended(storm).await.unwrap(), None);
    let end = t0() + Duration::hours(5);
    store.end_live_coverage(storm, Some(end)).await.unwrap();
    assert_eq!(store.live_coverage_ended(storm).await.unwrap(), Some(end));
    store.end_live_coverage(storm, None).await.unwrap();
    assert_eq!(store.live_coverage_ended(storm).await.unwrap(), None);
    assert!(matches!(
        store
            .end_live_coverage(masthead_core::ids::ArticleId(999_999), None)
            .await,
        Err(Error::NotFound(_))
    ));
}
