//! Webhook deliveries (`masthead_core::webhook`): queued in the store with the change
//! that caused them, sent from there by each node's sender (`run`), so each goes once
//! whichever node takes it, none is lost to a restart, and a receiver that is down
//! gets it when it is back (tried again later and later, up to `MAX_ATTEMPTS`).
//!
//! Each is a JSON POST in Ghost's shape (`{"post": {"current": {...}}}`; a post as the
//! Content API shows it to a key, so a gated body stops at its cut), signed with the
//! webhook's secret twice: `Masthead-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of
//! "t.body">` (Stripe's scheme) and Ghost's `X-Ghost-Signature: sha256=<hex HMAC of
//! body + milliseconds>, t=<milliseconds>`. Redirects are not followed.

use crate::api_json::{self as json, Context};
use crate::AppState;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use masthead_core::access::Reader;
use masthead_core::ids::{ArticleId, CommentId, MemberId};
use masthead_core::webhook::{retry_after, signed_text, Delivery, Event, Outcome, MAX_ATTEMPTS};
use serde_json::{json, Value};
use std::time::Duration;

/// How often the sender looks for deliveries.
const POLL: Duration = Duration::from_secs(2);
/// How long a sender holds what it took; one it has not settled by then (its node
/// gone) is due again.
const HOLD: chrono::Duration = chrono::Duration::minutes(5);
/// Deliveries taken at a time.
const BATCH: u32 = 20;

/// The sender: sends due deliveries until the task is dropped.
pub async fn run(state: AppState) {
    let client = match client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "webhooks cannot be sent: no HTTP client");
            return;
        }
    };
    loop {
        match send_due(&state, &client, Utc::now()).await {
            Ok(n) if n == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not look for webhook deliveries"),
        }
        tokio::time::sleep(POLL).await;
    }
}

fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(masthead_core::webhook::TIMEOUT_SECONDS))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "Masthead/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks)"
        ))
        .build()
}

/// Sends the deliveries due at `now`; how many it took.
pub async fn send_due(
    state: &AppState,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> masthead_core::Result<usize> {
    let due = state
        .store
        .claim_webhook_deliveries(now, HOLD, BATCH)
        .await?;
    for delivery in &due {
        let outcome = match payload(state, delivery).await {
            Ok(body) => send(client, delivery, &body, now).await,
            Err(e) => Err((None, e.to_string())),
        };
        let outcome = match outcome {
            Ok(status) => Outcome::Sent(status),
            Err((status, error)) => {
                tracing::warn!(
                    url = %delivery.webhook.target_url,
                    attempt = delivery.attempts,
                    error = %error,
                    "a webhook delivery did not go"
                );
                Outcome::Failed {
                    status,
                    error,
                    retry_at: (delivery.attempts < MAX_ATTEMPTS)
                        .then(|| now + retry_after(delivery.attempts)),
                }
            }
        };
        state
            .store
            .settle_webhook_delivery(delivery.id, &outcome, Utc::now())
            .await?;
    }
    Ok(due.len())
}

/// The JSON body of `delivery`, as its subject is now.
async fn payload(state: &AppState, delivery: &Delivery) -> masthead_core::Result<String> {
    let site = state.site.get(&*state.store).await?;
    let body = match delivery.event {
        Event::PostPublished | Event::PostEdited | Event::PostUnpublished | Event::PostDeleted => {
            let article = state
                .store
                .article(ArticleId(delivery.subject))
                .await?
                .ok_or_else(|| masthead_core::Error::not_found("the article"))?;
            let media: Vec<_> = article.featured_image.iter().map(|f| f.media_id).collect();
            let media = state.store.media_many(&media).await?;
            let (formats, include) = (
                vec!["html".to_owned(), "plaintext".to_owned()],
                vec!["tags".to_owned(), "authors".to_owned()],
            );
            let ctx = Context {
                base_url: &state.base_url,
                zone: site.settings.zone(),
                media: &media,
                formats: &formats,
                include: &include,
                reader: &Reader::Anonymous,
            };
            let mut post = json::post(&ctx, &article);
            if let Value::Object(o) = &mut post {
                o.insert("status".into(), json!(article.status.as_str()));
            }
            let previous = match delivery.event {
                Event::PostPublished => json!({"status": "draft"}),
                Event::PostUnpublished | Event::PostDeleted => json!({"status": "published"}),
                _ => json!({}),
            };
            json!({"post": {"current": post, "previous": previous}})
        }
        Event::MemberAdded => {
            let member = state
                .store
                .member(MemberId(delivery.subject))
                .await?
                .ok_or_else(|| masthead_core::Error::not_found("the member"))?;
            json!({"member": {"current": {
                "id": json::id(member.id.0),
                "email": member.email,
                "name": member.name,
                "created_at": member.created_at.to_rfc3339(),
            }, "previous": {}}})
        }
        Event::CommentAdded => {
            let comment = state
                .store
                .comment(CommentId(delivery.subject))
                .await?
                .ok_or_else(|| masthead_core::Error::not_found("the comment"))?;
            json!({"comment": {"current": {
                "id": json::id(comment.id.0),
                "post_id": json::id(comment.article_id.0),
                "parent_id": comment.parent_id.map(|p| json::id(p.0)),
                "author_name": comment.author_name,
                "text": comment.body,
                "status": comment.status.as_str(),
                "created_at": comment.created_at.to_rfc3339(),
            }, "previous": {}}})
        }
    };
    Ok(body.to_string())
}

/// Hex HMAC-SHA256 of `text` under `secret`.
fn mac(secret: &str, text: &str) -> String {
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes a key of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The signature headers of `body` sent at `now`: Masthead's and Ghost's.
pub fn signatures(secret: &str, body: &str, now: DateTime<Utc>) -> (String, String) {
    let seconds = now.timestamp();
    let millis = now.timestamp_millis();
    (
        format!(
            "t={seconds},v1={}",
            mac(secret, &signed_text(seconds, body))
        ),
        format!(
            "sha256={}, t={millis}",
            mac(secret, &format!("{body}{millis}"))
        ),
    )
}

/// POSTs `body`; the status of a 2xx answer, else what went wrong.
async fn send(
    client: &reqwest::Client,
    delivery: &Delivery,
    body: &str,
    now: DateTime<Utc>,
) -> Result<u16, (Option<u16>, String)> {
    let (masthead, ghost) = signatures(&delivery.webhook.secret, body, now);
    let answer = client
        .post(&delivery.webhook.target_url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Masthead-Event", delivery.event.as_str())
        .header("Masthead-Delivery", delivery.id.to_string())
        .header("Masthead-Signature", masthead)
        .header("X-Ghost-Signature", ghost)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| (None, e.to_string()))?;
    let status = answer.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err((
            Some(status.as_u16()),
            status.canonical_reason().unwrap_or("refused").to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signatures_are_stripes_and_ghosts() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (masthead, ghost) = signatures("whsec", "{\"a\":1}", at);
        let expected = mac("whsec", "1796464800.{\"a\":1}");
        assert_eq!(masthead, format!("t=1796464800,v1={expected}"));
        assert_eq!(expected.len(), 64);
        assert!(
            ghost.starts_with("sha256=") && ghost.ends_with(", t=1796464800000"),
            "{ghost}"
        );
        // Another secret or body, another signature.
        assert_ne!(signatures("other", "{\"a\":1}", at).0, masthead);
        assert_ne!(signatures("whsec", "{\"a\":2}", at).0, masthead);
    }
}
