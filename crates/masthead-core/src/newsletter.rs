//! Newsletters: members choose among those the publication offers
//! (`site::NewsletterOffer`), and editors send an article to one newsletter's
//! subscribers, all of them or a segment (`Segment`: free or paying members).
//!
//! A send is a durable queue: one delivery per recipient, written before the first
//! letter leaves, worked through in batches by the one node that holds the send's
//! lease (`LEASE`, renewed as it goes). The node claims a batch, then hands its letters
//! to the mail server a few at a time (`CONCURRENCY`: a mail server far away answers
//! each letter slowly, so one at a time would take hours). Each delivery is marked
//! `Sending` before its letter is handed over and `Sent` right after, so when a node
//! stops mid-send (a crash, a lost database) only the letters it was handing over, at
//! most `CONCURRENCY`, are of unknown fate. Whoever takes the send up again marks those
//! `Unknown` and never sends them again, and queues the rest of the batch again
//! (`NewsletterStore::take_send`): no reader gets a second copy, and the history says
//! how many may have missed it.
//!
//! The letter is made once, when the send is queued (`SendLetter`): in full for those
//! who may read the article (`access::can_read_visibility`), and cut at the preview cut
//! with an invitation for the rest. Each copy differs only in its one-click
//! unsubscribe link (RFC 8058), whose token is the delivery's own.

use crate::access::{can_read_visibility, Reader};
use crate::article::{word_enum, Visibility};
use crate::error::Validator;
use crate::ids::{ArticleId, MemberId, SendId, TierId};
use crate::member::Member;
use crate::payments::{entitlement, Entitlement, SubscriptionState};
use crate::Result;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How long a node holds a send without renewing it; after that another node (or the
/// same one, restarted) may take it up.
pub const LEASE: Duration = Duration::seconds(15);
/// How often the node sending renews its lease: well within `LEASE`.
pub const RENEW_EVERY: Duration = Duration::seconds(3);
/// Deliveries claimed at once.
pub const BATCH: u32 = 50;
/// Letters a node hands to the mail server at once.
pub const CONCURRENCY: usize = 8;
/// Subscribers read at once while a send's deliveries are written.
pub const PREPARE_BATCH: u32 = 500;
/// Longest subject line, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Stands in the letter for each recipient's unsubscribe address.
pub const UNSUBSCRIBE_MARK: &str = "%%unsubscribe%%";

word_enum!(
    /// Whom of a newsletter's subscribers a send reaches.
    Segment {
        All => "all" / "Every subscriber",
        Free => "free" / "Free members",
        Paid => "paid" / "Paying members",
    }
);

impl Segment {
    /// Whether a subscriber entitled to `entitlement` is in this segment.
    pub fn includes(self, entitlement: Entitlement) -> bool {
        match self {
            Segment::All => true,
            Segment::Free => !entitlement.is_paid(),
            Segment::Paid => entitlement.is_paid(),
        }
    }
}

word_enum!(
    /// Where a send is.
    SendStatus {
        // Its deliveries are being written, one per recipient.
        Preparing => "preparing" / "Preparing",
        Sending => "sending" / "Sending",
        Sent => "sent" / "Sent",
    }
);

word_enum!(
    /// What became of one recipient's letter.
    DeliveryStatus {
        Queued => "queued" / "Waiting",
        // Taken by the node sending, not yet handed over.
        Claimed => "claimed" / "Next",
        // Being handed to the mail server.
        Sending => "sending" / "Sending",
        Sent => "sent" / "Sent",
        // The mail server refused it for good (a bad address).
        Failed => "failed" / "Refused",
        // The node sending it stopped before it knew: not sent again.
        Unknown => "unknown" / "Unknown",
        Bounced => "bounced" / "Bounced",
        Complained => "complained" / "Marked as spam",
        // The recipient unsubscribed (or bounced) before it left: not sent.
        Skipped => "skipped" / "Not sent",
    }
);

/// A letter's two parts, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterParts {
    pub text: String,
    pub html: String,
}

/// What a send delivers, made once when it is queued: the whole article, and for
/// recipients who may not read it (a paid article to free members), the part above
/// its preview cut with an invitation. Both hold `UNSUBSCRIBE_MARK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendLetter {
    pub subject: String,
    pub full: LetterParts,
    pub teaser: LetterParts,
}

impl SendLetter {
    /// The copy for one recipient: whole or not, with their unsubscribe address as
    /// text (`url`) and as it stands in HTML (`url_html`, escaped).
    pub fn copy(&self, full: bool, url: &str, url_html: &str) -> LetterParts {
        let parts = if full { &self.full } else { &self.teaser };
        LetterParts {
            text: parts.text.replace(UNSUBSCRIBE_MARK, url),
            html: parts.html.replace(UNSUBSCRIBE_MARK, url_html),
        }
    }
}

/// A send as an editor asks for it.
#[derive(Debug, Clone)]
pub struct NewSend {
    /// The newsletter's slug.
    pub newsletter: String,
    pub article: ArticleId,
    /// Who may read the article's body, as it was when the letter was made.
    pub visibility: Visibility,
    /// The tiers it was for, when `visibility` is `Tiers`.
    pub tiers: Vec<TierId>,
    pub segment: Segment,
    pub letter: SendLetter,
    /// The staff member who sent it (their name, for the history).
    pub queued_by: String,
    pub queued_at: DateTime<Utc>,
}

impl NewSend {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        let subject = self.letter.subject.trim();
        v.check(
            !subject.is_empty() && subject.chars().count() <= MAX_SUBJECT_CHARS,
            "subject",
            "give the letter a subject of at most 200 characters",
        );
        v.check(
            !subject.chars().any(char::is_control),
            "subject",
            "write the subject on one line",
        );
        v.finish()
    }
}

/// A newsletter's subscriber, with what they pay for.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub member: Member,
    pub subscriptions: Vec<SubscriptionState>,
}

/// One recipient of a send, as its delivery is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub member: MemberId,
    pub email: String,
    pub name: String,
    /// Whether they get the whole article.
    pub full: bool,
}

/// Which of `subscribers` a send of an article of `visibility` (for `tiers`) to
/// `segment` reaches at `now`, and whether each gets it whole: exactly those `can_read`
/// lets read it.
pub fn recipients(
    subscribers: Vec<Subscriber>,
    segment: Segment,
    visibility: Visibility,
    tiers: &[TierId],
    now: DateTime<Utc>,
) -> Vec<Recipient> {
    subscribers
        .into_iter()
        .filter_map(|s| {
            let entitled = entitlement(&s.subscriptions, now);
            if !segment.includes(entitled) {
                return None;
            }
            let member = s.member;
            let (id, email, name) = (member.id, member.email.clone(), member.name.clone());
            let reader = Reader::Member(Box::new(member), entitled);
            let full = can_read_visibility(&reader, visibility, tiers);
            Some(Recipient {
                member: id,
                email,
                name,
                full,
            })
        })
        .collect()
}

/// A delivery as it is written: a recipient and their unsubscribe token (a secret the
/// web layer makes).
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub recipient: Recipient,
    pub token: String,
}

/// A delivery claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub recipient: Recipient,
    pub token: String,
}

/// What the mail server made of one letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted, under this Message-ID.
    Sent { message_id: String },
    /// Refused for good.
    Failed { error: String },
    /// Not handed over (the mail server could not be reached): queued again.
    Again,
}

/// A send a node took up (see `NewsletterStore::take_send`).
#[derive(Debug, Clone)]
pub struct TakenSend {
    pub id: SendId,
    pub newsletter: String,
    pub visibility: Visibility,
    pub tiers: Vec<TierId>,
    pub segment: Segment,
    pub status: SendStatus,
    pub letter: SendLetter,
    /// Deliveries marked `Unknown` in taking it up: the previous holder stopped while
    /// handing them over.
    pub recovered_unknown: u64,
}

/// How a send's deliveries stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounts {
    pub recipients: u64,
    pub waiting: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    pub bounced: u64,
    pub complained: u64,
    pub skipped: u64,
    /// Recipients who unsubscribed through this send's letter.
    pub unsubscribed: u64,
}

impl DeliveryCounts {
    /// Adds `n` deliveries of `status` to the counts.
    pub fn add(&mut self, status: DeliveryStatus, n: u64) {
        self.recipients += n;
        match status {
            DeliveryStatus::Queued | DeliveryStatus::Claimed | DeliveryStatus::Sending => {
                self.waiting += n
            }
            DeliveryStatus::Sent => self.sent += n,
            DeliveryStatus::Failed => self.failed += n,
            DeliveryStatus::Unknown => self.unknown += n,
            DeliveryStatus::Bounced => self.bounced += n,
            DeliveryStatus::Complained => self.complained += n,
            DeliveryStatus::Skipped => self.skipped += n,
        }
    }
}

/// A send, for the newsletter's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendSummary {
    pub id: SendId,
    pub newsletter: String,
    pub article: ArticleId,
    pub subject: String,
    pub segment: Segment,
    pub status: SendStatus,
    pub queued_by: String,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: DeliveryCounts,
}

/// Whom a one-click unsubscribe took off which newsletter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    pub newsletter: String,
    pub email: String,
}

word_enum!(
    /// What a mail service reports back about a letter after it left.
    ReportKind {
        // The address does not take mail (a hard bounce).
        Bounce => "bounce" / "Bounce",
        // The reader marked the letter as spam.
        Complaint => "complaint" / "Complaint",
    }
);

impl MailReport {
    /// The letter's Message-ID as we wrote it, `<...>`, however the service gives it.
    pub fn letter(&self) -> Option<String> {
        let id = self.message_id.as_deref()?.trim();
        let bare = id.trim_start_matches('<').trim_end_matches('>').trim();
        (!bare.is_empty()).then(|| format!("<{bare}>"))
    }
}

/// A bounce or complaint, as the mail service's hook reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MailReport {
    #[serde(rename = "type")]
    pub kind: ReportKind,
    pub email: String,
    /// The letter's Message-ID, when the service tells it.
    #[serde(default)]
    pub message_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TierId;
    use crate::payments::{Purpose, SubscriptionStatus};
    use crate::tier::Cadence;

    fn member(id: i64) -> Member {
        Member {
            id: MemberId(id),
            email: format!("m{id}@example.com"),
            name: format!("Member {id}"),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn plan(status: SubscriptionStatus, now: DateTime<Utc>) -> SubscriptionState {
        SubscriptionState {
            reference: "sub_1".into(),
            customer: "cus_1".into(),
            member: None,
            purpose: Purpose::Membership,
            tier: Some(TierId(2)),
            cadence: Cadence::Month,
            amount: 500,
            currency: "EUR".into(),
            status,
            period_start: now - Duration::days(10),
            period_end: now + Duration::days(20),
            cancel_at_period_end: false,
            observed_at: now,
        }
    }

    /// Every segment against every visibility, for a free member, a paying one and one
    /// whose plan ended: who gets a letter, and who gets it whole.
    #[test]
    fn who_gets_what() {
        let now = Utc::now();
        let subscribers = || {
            vec![
                Subscriber {
                    member: member(1),
                    subscriptions: vec![],
                },
                Subscriber {
                    member: member(2),
                    subscriptions: vec![plan(SubscriptionStatus::Active, now)],
                },
                Subscriber {
                    member: member(3),
                    subscriptions: vec![plan(SubscriptionStatus::Canceled, now)],
                },
            ]
        };
        // (segment, visibility, [(member, whole)])
        type Row = (Segment, Visibility, &'static [(i64, bool)]);
        let table: &[Row] = &[
            (
                Segment::All,
                Visibility::Public,
                &[(1, true), (2, true), (3, true)],
            ),
            (
                Segment::All,
                Visibility::Members,
                &[(1, true), (2, true), (3, true)],
            ),
            (
                Segment::All,
                Visibility::Paid,
                &[(1, false), (2, true), (3, false)],
            ),
            (Segment::Free, Visibility::Public, &[(1, true), (3, true)]),
            (Segment::Free, Visibility::Members, &[(1, true), (3, true)]),
            (Segment::Free, Visibility::Paid, &[(1, false), (3, false)]),
            (Segment::Paid, Visibility::Public, &[(2, true)]),
            (Segment::Paid, Visibility::Members, &[(2, true)]),
            (Segment::Paid, Visibility::Paid, &[(2, true)]),
            // For tier 2 (Bob's) only.
            (
                Segment::All,
                Visibility::Tiers,
                &[(1, false), (2, true), (3, false)],
            ),
            (Segment::Free, Visibility::Tiers, &[(1, false), (3, false)]),
            (Segment::Paid, Visibility::Tiers, &[(2, true)]),
        ];
        assert_eq!(table.len(), Segment::ALL.len() * Visibility::ALL.len());
        for (segment, visibility, expected) in table {
            let got: Vec<(i64, bool)> =
                recipients(subscribers(), *segment, *visibility, &[TierId(2)], now)
                    .into_iter()
                    .map(|r| (r.member.0, r.full))
                    .collect();
            assert_eq!(&got, expected, "{segment} {visibility}");
        }
    }

    #[test]
    fn each_copy_carries_its_own_unsubscribe_address() {
        let letter = SendLetter {
            subject: "S".into(),
            full: LetterParts {
                text: format!("whole\n{UNSUBSCRIBE_MARK}"),
                html: format!("<p>whole</p><a href=\"{UNSUBSCRIBE_MARK}\">x</a>"),
            },
            teaser: LetterParts {
                text: format!("part\n{UNSUBSCRIBE_MARK}"),
                html: format!("<p>part</p><a href=\"{UNSUBSCRIBE_MARK}\">x</a>"),
            },
        };
        let (url, url_html) = ("https://x.example/u?a&b", "https://x.example/u?a&amp;b");
        let whole = letter.copy(true, url, url_html);
        assert_eq!(whole.text, format!("whole\n{url}"));
        assert_eq!(
            whole.html,
            format!("<p>whole</p><a href=\"{url_html}\">x</a>")
        );
        let part = letter.copy(false, url, url_html);
        assert_eq!(part.text, format!("part\n{url}"));
        assert_eq!(
            part.html,
            format!("<p>part</p><a href=\"{url_html}\">x</a>")
        );
    }

    #[test]
    fn a_subject_must_be_one_short_line() {
        let send = |subject: &str| NewSend {
            newsletter: "morning".into(),
            article: ArticleId(1),
            visibility: Visibility::Public,
            tiers: Vec::new(),
            segment: Segment::All,
            letter: SendLetter {
                subject: subject.into(),
                full: LetterParts {
                    text: String::new(),
                    html: String::new(),
                },
                teaser: LetterParts {
                    text: String::new(),
                    html: String::new(),
                },
            },
            queued_by: "Ed".into(),
            queued_at: Utc::now(),
        };
        assert!(send("Morning: the harbour").validate().is_ok());
        for bad in ["", "  ", "two\nlines", &"x".repeat(MAX_SUBJECT_CHARS + 1)] {
            assert!(send(bad).validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn counts_add_up() {
        let mut c = DeliveryCounts::default();
        for (status, n) in [
            (DeliveryStatus::Queued, 3),
            (DeliveryStatus::Claimed, 1),
            (DeliveryStatus::Sending, 2),
            (DeliveryStatus::Sent, 10),
            (DeliveryStatus::Failed, 2),
            (DeliveryStatus::Unknown, 1),
            (DeliveryStatus::Bounced, 4),
            (DeliveryStatus::Complained, 5),
            (DeliveryStatus::Skipped, 6),
        ] {
            c.add(status, n);
        }
        assert_eq!(
            (
                c.recipients,
                c.waiting,
                c.sent,
                c.failed,
                c.unknown,
                c.bounced,
                c.complained,
                c.skipped
            ),
            (34, 6, 10, 2, 1, 4, 5, 6)
        );
    }
}
