//! Nodes sharing one PostgreSQL database: each node's writes reach the others' change
//! notices before the write returns; a node that lost its connection drops what it
//! cached and listens again; scheduled articles are published once, whichever node
//! gets there first. (PostgreSQL only: SQLite is one process's file.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_core::article::{ArticleContent, Status};
use masthead_core::change::{take_pending, Change};
use masthead_core::store::areas::*;
use masthead_store::postgres::Store as PgStore;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use std::sync::Arc;
use std::time::Duration;

/// A node on the test database's schema.
async fn node(url: &str) -> PgStore {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(url)
        .await
        .unwrap();
    PgStore::new(pool).join_cluster().await.unwrap()
}

#[tokio::test]
async fn a_write_reaches_the_other_nodes_before_it_returns() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let (a, b) = (node(&db.url).await, node(&db.url).await);
    let mut on_b = b.subscribe();
    let f = fixtures::newsroom(&a).await;
    take_pending(&mut on_b);
    let mut settings = a.settings().await.unwrap();
    settings.title = "Two nodes".into();
    a.save_settings(&settings).await.unwrap();
    // No waiting: the write returned, so B has it.
    assert_eq!(take_pending(&mut on_b), [Change::Site]);

    let newsroom = fixtures::newsroom_service(Arc::new(a.clone()));
    let id = fixtures::published(&newsroom, "Harbour", &f.world, f.author.id, &f.editor, 0).await;
    let got = take_pending(&mut on_b);
    assert!(
        got.iter()
            .any(|c| matches!(c, Change::Article { id: changed, .. } if *changed == id)),
        "{got:?}"
    );
    // A picture's copy made on A (variants come after an upload): B's pages showing it
    // hear of it.
    let picture = a
        .create_media(&masthead_core::media::NewMedia {
            storage_key: "uploads/harbour.png".into(),
            mime_type: "image/png".into(),
            width: Some(1200),
            height: Some(800),
            byte_size: 10,
            alt: String::new(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: None,
            variants: Vec::new(),
        })
        .await
        .unwrap();
    take_pending(&mut on_b);
    a.add_media_variant(
        picture.id,
        &masthead_core::media::MediaVariant {
            width: 480,
            height: 320,
            mime_type: "image/webp".into(),
            storage_key: "uploads/harbour-480.webp".into(),
            byte_size: 1,
        },
    )
    .await
    .unwrap();
    assert_eq!(take_pending(&mut on_b), [Change::Media { id: picture.id }]);
    // B's own writes are not echoed back to B, and reach A.
    let mut on_a = a.subscribe();
    b.save_settings(&settings).await.unwrap();
    assert_eq!(take_pending(&mut on_a), [Change::Site]);
    assert_eq!(take_pending(&mut on_b), [Change::Site], "once, its own");
}

#[tokio::test]
async fn a_node_that_lost_its_connection_drops_everything_and_listens_again() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let (a, b) = (node(&db.url).await, node(&db.url).await);
    let f = fixtures::newsroom(&a).await;
    let mut on_b = b.subscribe();
    take_pending(&mut on_b);
    let channel = b.cluster_channel().unwrap().to_owned();
    // The database ends the nodes' listening connections (a restart, a network cut).
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'masthead-node' AND query LIKE '%' || $1 || '%'",
    )
    .bind(&channel)
    .fetch_all(&sqlx::PgPool::connect(&db.url).await.unwrap())
    .await
    .unwrap();
    assert_eq!(ended.len(), 2, "both nodes were listening");
    // B notices, listens again, and tells its caches that anything may have changed.
    let mut told = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        told.extend(take_pending(&mut on_b));
        if b.cluster_reconnects() > 0 && told.contains(&Change::Site) {
            break;
        }
    }
    assert!(b.cluster_reconnects() > 0);
    assert!(told.contains(&Change::Site), "{told:?}");
    // And follows A again.
    while a.cluster_reconnects() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let newsroom = fixtures::newsroom_service(Arc::new(a.clone()));
    let id = fixtures::published(&newsroom, "Back", &f.world, f.author.id, &f.editor, 0).await;
    assert!(take_pending(&mut on_b)
        .iter()
        .any(|c| matches!(c, Change::Article { id: changed, .. } if *changed == id)));
}

#[tokio::test]
async fn scheduled_articles_are_published_once_across_nodes() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let (a, b) = (node(&db.url).await, node(&db.url).await);
    let f = fixtures::newsroom(&a).await;
    let on_a = fixtures::newsroom_service(Arc::new(a.clone()));
    let on_b = fixtures::newsroom_service(Arc::new(b.clone()));
    let editor = NewsroomFixture::actor(&f.editor);
    let due = t0() + chrono::Duration::hours(1);
    let mut ids = Vec::new();
    for n in 0..12 {
        let mut content = ArticleContent::new(format!("Scheduled {n}"), "Words.");
        content.section_id = Some(f.world.id);
        content.authors = vec![f.author.id];
        let id = on_a.create_draft(editor, content, t0()).await.unwrap();
        on_a.transition(editor, id, Status::Scheduled, Some(due), t0())
            .await
            .unwrap();
        ids.push(id);
    }
    let now = due + chrono::Duration::seconds(1);
    let (first, second) = tokio::join!(on_a.publish_due(now), on_b.publish_due(now));
    assert_eq!(first.unwrap() + second.unwrap(), ids.len(), "each once");
    // And its byline is told once of each: scheduled by the editor, then published.
    let told = a.notifications(f.author.id, 100).await.unwrap();
    for event in [
        masthead_core::notification::Event::Scheduled,
        masthead_core::notification::Event::Published,
    ] {
        assert_eq!(
            told.iter().filter(|n| n.event == event).count(),
            ids.len(),
            "{event:?}"
        );
    }
    for id in &ids {
        assert_eq!(
            a.article(*id).await.unwrap().unwrap().status,
            Status::Published
        );
    }
    // A change decided on an article that another node changed meanwhile is refused.
    let id = ids[0];
    on_b.transition(editor, id, Status::Unpublished, None, now)
        .await
        .unwrap();
    let stale = masthead_core::workflow::StatusChange {
        expected: Some(Status::Published),
        status: Status::Unpublished,
        published_at: Some(due),
        scheduled_at: None,
        updated_at: now,
    };
    assert!(matches!(
        a.change_status(id, &stale, &masthead_core::store::Trail::default())
            .await,
        Err(masthead_core::Error::Conflict(_))
    ));
}
