//! Webhooks (issue 15): an integration subscribes a URL of its own to an event, and is
//! told of each one by a JSON POST signed with the webhook's secret, like Stripe's
//! scheme: `Masthead-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
//! (and Ghost's `X-Ghost-Signature` for Ghost's clients). Deliveries wait in a
//! durable queue in the database, written with the change that caused them, so a
//! restart loses none; a failed one is tried again later and later
//! (`retry_after`), up to `MAX_ATTEMPTS`. Pure rules, table-tested.

use crate::article::{word_enum, Status};
use crate::error::Validator;
use crate::ids::IntegrationId;
use crate::Result;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

word_enum!(
    /// What a webhook is told of.
    Event {
        PostPublished => "post.published" / "An article is published",
        PostEdited => "post.edited" / "A published article is edited",
        PostUnpublished => "post.unpublished" / "An article is unpublished",
        PostDeleted => "post.deleted" / "A published article is deleted",
        MemberAdded => "member.added" / "A reader becomes a member",
        CommentAdded => "comment.added" / "A comment is added",
    }
);

/// The event a change of an article's status is, if it is one webhooks hear of:
/// going out, coming in, or going from readers to the bin.
pub fn status_event(from: Status, to: Status) -> Option<Event> {
    match (from, to) {
        (Status::Published, Status::Published) => None,
        (_, Status::Published) => Some(Event::PostPublished),
        (Status::Published, Status::Deleted) => Some(Event::PostDeleted),
        (Status::Published, _) => Some(Event::PostUnpublished),
        _ => None,
    }
}

/// Tries of one delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long a receiver has to answer, in seconds.
pub const TIMEOUT_SECONDS: u64 = 10;
/// Longest target URL, in characters.
pub const MAX_URL_CHARS: usize = 2_000;

/// How long after its `attempts`-th failed try a delivery is due again: 30 s,
/// doubling each time, at most six hours (eight tries span about two hours).
pub fn retry_after(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    Duration::seconds((30_i64 << doublings).min(6 * 3_600))
}

/// The text a signature is made over: the time, a dot, the body (Stripe's scheme).
pub fn signed_text(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub integration: IntegrationId,
    pub event: Event,
    pub target_url: String,
    /// Signs each delivery; never shown again once made.
    #[serde(skip)]
    pub secret: String,
}

/// A delivery taken from the queue to be sent (`WebhookStore::claim_webhook_deliveries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook: Webhook,
    pub event: Event,
    /// The article, member or comment the event is about.
    pub subject: i64,
    pub created_at: DateTime<Utc>,
    /// Tries so far, this one included.
    pub attempts: u32,
}

/// How a try went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx with this status.
    Sent(u16),
    /// It did not: the status it answered with, if any, and why, in words; due again
    /// at `retry_at`, or given up with none.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// A delivery as the newsroom's log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedDelivery {
    pub id: i64,
    pub integration: String,
    pub event: Event,
    pub target_url: String,
    pub subject: i64,
    pub created_at: DateTime<Utc>,
    /// "pending", "sent" or "failed".
    pub state: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: String,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A new subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub integration: IntegrationId,
    pub event: Event,
    pub target_url: String,
    pub secret: String,
}

impl NewWebhook {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        let url = url_parts(&self.target_url);
        v.check(
            url.is_some(),
            "target_url",
            "an http:// or https:// address, without a name or password in it",
        );
        v.check(
            self.target_url.chars().count() <= MAX_URL_CHARS,
            "target_url",
            "the address is too long",
        );
        v.check(self.secret.len() >= 16, "secret", "at least 16 characters");
        v.finish()
    }
}

/// The scheme and host of an http(s) address without credentials, read without a URL
/// crate (core parses nothing else): `None` for anything else.
fn url_parts(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty()
        || host.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some((scheme, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_changes_webhooks_hear_of() {
        use Status::*;
        for (from, to, expected) in [
            (Draft, Published, Some(Event::PostPublished)),
            (Scheduled, Published, Some(Event::PostPublished)),
            (Unpublished, Published, Some(Event::PostPublished)),
            (Published, Unpublished, Some(Event::PostUnpublished)),
            (Published, Draft, Some(Event::PostUnpublished)),
            (Published, Deleted, Some(Event::PostDeleted)),
            (Published, Published, None),
            (Draft, InReview, None),
            (Draft, Deleted, None),
            (InReview, Scheduled, None),
        ] {
            assert_eq!(status_event(from, to), expected, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn retries_back_off_to_six_hours() {
        let s = |n| retry_after(n).num_seconds();
        assert_eq!([s(1), s(2), s(3), s(4)], [30, 60, 120, 240]);
        assert_eq!(s(10), 15_360);
        assert_eq!(s(11), 6 * 3_600);
        assert_eq!(s(u32::MAX), 6 * 3_600);
        let total: i64 = (1..MAX_ATTEMPTS).map(s).sum();
        assert!(total < 3 * 3_600, "{total}");
    }

    #[test]
    fn events_read_as_apis_write_them() {
        for e in Event::ALL {
            assert_eq!(e.as_str().parse::<Event>().ok(), Some(*e));
        }
        assert!("post.anything".parse::<Event>().is_err());
    }

    #[test]
    fn a_webhook_needs_an_http_address_and_a_secret() {
        let hook = |url: &str, secret: &str| NewWebhook {
            integration: IntegrationId(1),
            event: Event::PostPublished,
            target_url: url.into(),
            secret: secret.into(),
        };
        let secret = "0123456789abcdef";
        for url in [
            "https://hooks.example/masthead",
            "http://127.0.0.1:9000/in?x=1",
        ] {
            assert!(hook(url, secret).validate().is_ok(), "{url}");
        }
        for url in [
            "",
            "ftp://hooks.example/",
            "https://user:pass@hooks.example/",
            "https:///path",
            "https://hooks.example/a b",
            "javascript:alert(1)",
        ] {
            assert!(hook(url, secret).validate().is_err(), "{url}");
        }
        assert!(hook("https://hooks.example/", "short").validate().is_err());
        assert_eq!(signed_text(1_700_000_000, "{}"), "1700000000.{}");
    }
}
