//! Webhook deliveries, on both backends, to a real HTTP receiver on loopback: queued
//! with the change that caused them, kept while the receiver is down, sent once when
//! it is back (by a sender that knows nothing of the one before it, as after a
//! restart), signed so that the receiver can check them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use masthead_core::article::{ArticleContent, Status};
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::integration::{Keys, NewIntegration, KEY_BYTES};
use masthead_core::store::{PageRequest, Store};
use masthead_core::webhook::{Event, NewWebhook};
use masthead_testkit::fixtures::{self, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::{Arc, Mutex};

mod support;

store_test!(deliveries_wait_for_a_receiver_that_is_down_and_go_once,);

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver on `port` that records what it is sent and answers 204.
async fn receiver(port: u16, received: Received) -> tokio::task::JoinHandle<()> {
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let received = received.clone();
            async move {
                received
                    .lock()
                    .unwrap()
                    .push((headers, String::from_utf8(body.to_vec()).unwrap()));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    })
}

fn audit(action: AuditAction) -> NewAuditEntry {
    NewAuditEntry {
        at: Utc::now(),
        actor: None,
        action,
        target: "test".into(),
        ip: String::new(),
    }
}

async fn deliveries_wait_for_a_receiver_that_is_down_and_go_once(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    // A port with nobody listening: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = store
        .create_integration(
            &NewIntegration::new("Receiver", Keys::from_random(&[5; KEY_BYTES])),
            &audit(AuditAction::IntegrationAdded),
        )
        .await
        .unwrap();
    let secret = "whsec_0123456789abcdef";
    for event in [Event::PostPublished, Event::PostUnpublished] {
        store
            .create_webhook(
                &NewWebhook {
                    integration: app.id,
                    event,
                    target_url: format!("http://127.0.0.1:{port}/hooks"),
                    secret: secret.into(),
                },
                &audit(AuditAction::WebhookAdded),
            )
            .await
            .unwrap();
    }
    // Publishing queues a delivery, in the same transaction (a draft queues none).
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Harbour reopens", "Ships are back.\n\nMore.");
    content.authors = vec![f.author.id];
    let now = Utc::now();
    let id = fixtures::publish(&newsroom, &f.editor, content, now).await;
    let client = reqwest::Client::new();

    // The first sender finds the receiver down: the delivery waits, to be tried again.
    let first = support::state(store.clone(), "https://news.example");
    assert_eq!(
        masthead_web::deliveries::send_due(&first, &client, Utc::now())
            .await
            .unwrap(),
        1
    );
    let log = store
        .webhook_deliveries(PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(log.total, 1);
    let entry = &log.items[0];
    assert_eq!(
        (entry.state.as_str(), entry.attempts, entry.last_status),
        ("pending", 1, None)
    );
    assert!(!entry.last_error.is_empty());
    // Not yet due again.
    assert_eq!(
        masthead_web::deliveries::send_due(&first, &client, Utc::now())
            .await
            .unwrap(),
        0
    );
    drop(first);

    // The receiver comes back; a new sender (a restarted server: nothing in memory)
    // sends the delivery when it is due, once.
    let received: Received = Arc::default();
    let server = receiver(port, received.clone()).await;
    let second = support::state(store.clone(), "https://news.example");
    let later = Utc::now() + Duration::seconds(31);
    assert_eq!(
        masthead_web::deliveries::send_due(&second, &client, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        masthead_web::deliveries::send_due(&second, &client, later + Duration::hours(1))
            .await
            .unwrap(),
        0,
        "sent once"
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert_eq!(headers["masthead-event"], "post.published");
    assert_eq!(headers["content-type"], "application/json");
    // The receiver checks the signature with the secret: Stripe's scheme.
    let signature = headers["masthead-signature"].to_str().unwrap();
    let (t, v1) = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap();
    let at = chrono::DateTime::from_timestamp(t.parse().unwrap(), 0).unwrap();
    assert_eq!(
        masthead_web::deliveries::signatures(secret, body, at).0,
        signature
    );
    assert_eq!(v1.len(), 64);
    assert_ne!(
        masthead_web::deliveries::signatures("not the secret", body, at).0,
        signature
    );
    assert!(headers["x-ghost-signature"]
        .to_str()
        .unwrap()
        .starts_with("sha256="));
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let post = &json["post"]["current"];
    assert_eq!(post["slug"], "harbour-reopens");
    assert_eq!(post["id"], masthead_core::nql::ghost_id(id.0));
    assert_eq!(post["status"], "published");
    let log = store
        .webhook_deliveries(PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(
        (
            log.items[0].state.as_str(),
            log.items[0].attempts,
            log.items[0].last_status
        ),
        ("sent", 2, Some(204))
    );

    // Unpublishing is heard too; an edit of a draft is not.
    newsroom
        .transition(
            NewsroomFixture::actor(&f.editor),
            id,
            Status::Unpublished,
            None,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        masthead_web::deliveries::send_due(&second, &client, Utc::now())
            .await
            .unwrap(),
        1
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].0["masthead-event"], "post.unpublished");
    server.abort();
}
