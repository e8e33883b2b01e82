//! Payments: the port through which readers pay (`Payments`, implemented for Stripe by
//! the web layer), what a payment provider tells us (`PaymentEvent`), and the rules
//! that turn a subscription's state into access (`entitlement`).
//!
//! A member pays for a tier through a subscription, or gives: once, or every month.
//! The provider is the source of truth for money; we keep what it told us, newest
//! state first (`SubscriptionState::observed_at`), and every event once (the store
//! records its id in the transaction that applies it).

use crate::article::word_enum;
use crate::error::Validator;
use crate::ids::{MemberId, TierId};
use crate::tier::{Cadence, Offer, Tier, MAX_PRICE};
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How long a member whose renewal failed keeps reading, counted from the start of
/// the period that went unpaid: the provider retries the card meanwhile.
pub const PAST_DUE_GRACE: Duration = Duration::days(7);
/// How long past its period's end an active subscription is trusted without news of
/// its renewal: the provider's renewal notice may come late.
pub const RENEWAL_SLACK: Duration = Duration::days(2);
/// The smallest gift, in minor units.
pub const MIN_GIFT: i64 = 100;
/// Longest name or message a giver leaves for the supporters page, in characters.
pub const MAX_GIFT_NAME_CHARS: usize = 80;
pub const MAX_GIFT_MESSAGE_CHARS: usize = 280;

word_enum!(
    /// A subscription's status, in the words payment providers (Stripe) use.
    SubscriptionStatus {
        Trialing => "trialing" / "Trial",
        Active => "active" / "Active",
        PastDue => "past_due" / "Payment overdue",
        Unpaid => "unpaid" / "Unpaid",
        Canceled => "canceled" / "Ended",
        Incomplete => "incomplete" / "Incomplete",
        IncompleteExpired => "incomplete_expired" / "Never started",
        Paused => "paused" / "Paused",
    }
);

word_enum!(
    /// What money is for: a tier's membership, or a gift.
    Purpose {
        Membership => "membership" / "Membership",
        Donation => "donation" / "Donation",
    }
);

/// A subscription as the provider last described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionState {
    /// The provider's id for it.
    pub reference: String,
    /// The provider's id for the customer paying it.
    pub customer: String,
    /// The member it is for, when the provider's record names one (ours, from the
    /// checkout) or the store knows the customer.
    pub member: Option<MemberId>,
    pub purpose: Purpose,
    /// The tier it pays for (memberships).
    pub tier: Option<TierId>,
    pub cadence: Cadence,
    /// What each period costs, in minor units.
    pub amount: i64,
    pub currency: String,
    pub status: SubscriptionStatus,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// Cancelled by the member: it runs to `period_end` and then ends.
    pub cancel_at_period_end: bool,
    /// When the provider described it so: an older description never replaces a
    /// newer one (its notices may come in any order, and more than once).
    pub observed_at: DateTime<Utc>,
}

impl SubscriptionState {
    /// Whether it lets its member read what its tier gives, at `now`.
    pub fn grants_access(&self, now: DateTime<Utc>) -> bool {
        if self.purpose != Purpose::Membership {
            return false;
        }
        match self.status {
            // Runs until its period ends (a cancelled one ends then; a renewed one
            // moves its period on).
            SubscriptionStatus::Active | SubscriptionStatus::Trialing => {
                now < self.period_end + RENEWAL_SLACK
            }
            SubscriptionStatus::PastDue => {
                now < self.period_start + PAST_DUE_GRACE && now < self.period_end
            }
            SubscriptionStatus::Unpaid
            | SubscriptionStatus::Canceled
            | SubscriptionStatus::Incomplete
            | SubscriptionStatus::IncompleteExpired
            | SubscriptionStatus::Paused => false,
        }
    }

    /// Whether it is over for good (it no longer appears among a member's plans).
    pub fn ended(&self) -> bool {
        matches!(
            self.status,
            SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired
        )
    }
}

/// What a member's payments let them read right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Entitlement {
    /// Whatever is for members.
    #[default]
    Free,
    /// Also what is for paying members, as a member of `TierId`.
    Paid(TierId),
}

impl Entitlement {
    pub fn is_paid(self) -> bool {
        matches!(self, Entitlement::Paid(_))
    }
}

/// What `subscriptions` (one member's) entitle them to at `now`: the first that
/// grants access, newest first.
pub fn entitlement(subscriptions: &[SubscriptionState], now: DateTime<Utc>) -> Entitlement {
    let mut granting: Vec<&SubscriptionState> = subscriptions
        .iter()
        .filter(|s| s.grants_access(now))
        .collect();
    granting.sort_by_key(|s| std::cmp::Reverse(s.period_end));
    granting
        .first()
        .and_then(|s| s.tier)
        .map_or(Entitlement::Free, Entitlement::Paid)
}

/// A gift as the reader describes it on the support page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftInput {
    /// In the publication's currency's minor units.
    pub amount: i64,
    /// Every month, rather than once.
    pub monthly: bool,
    /// The name the supporters page shows, when `public`.
    pub name: String,
    pub public: bool,
    pub message: String,
}

impl GiftInput {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            (MIN_GIFT..=MAX_PRICE).contains(&self.amount),
            "amount",
            "give at least 1.00, and less than a million",
        );
        v.check(
            self.name.trim().chars().count() <= MAX_GIFT_NAME_CHARS
                && !self.name.chars().any(char::is_control),
            "name",
            "keep the name under 80 characters, on one line",
        );
        v.check(
            !self.public || !self.name.trim().is_empty(),
            "name",
            "give the name the supporters page should show",
        );
        v.check(
            self.message.trim().chars().count() <= MAX_GIFT_MESSAGE_CHARS
                && !self.message.chars().any(|c| c.is_control() && c != '\n'),
            "message",
            "keep the message under 280 characters",
        );
        v.finish()
    }
}

/// What a reader is about to pay for.
#[derive(Debug, Clone)]
pub enum Purchase {
    Membership {
        tier: Box<Tier>,
        cadence: Cadence,
        offer: Option<Box<Offer>>,
    },
    Gift(GiftInput),
}

/// A checkout to open at the provider.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub purchase: Purchase,
    pub currency: String,
    /// The signed-in member paying, with the provider's customer id when they have one.
    pub member: Option<(MemberId, String, Option<String>)>,
    /// The SHA-256 of a secret the paying browser holds: whoever comes back with it
    /// may be signed in as the member the checkout made.
    pub claim: String,
    /// Where the provider sends the reader after paying; `{CHECKOUT}` stands for the
    /// checkout's id.
    pub success_url: String,
    pub cancel_url: String,
}

/// A checkout opened at the provider: where to send the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutStarted {
    pub reference: String,
    pub url: String,
}

/// A checkout the reader completed: paid for, or not yet (the provider has not
/// taken the money).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutOutcome {
    /// The provider's id for the checkout.
    pub reference: String,
    pub paid: bool,
    pub purpose: Purpose,
    /// The member who started it, signed in.
    pub member: Option<MemberId>,
    /// The browser secret's hash the checkout was opened with.
    pub claim: String,
    pub customer: String,
    /// The address the payer gave the provider.
    pub email: String,
    pub name: String,
    /// The subscription it started (memberships, monthly gifts).
    pub subscription: Option<SubscriptionState>,
    /// The gift it was (gifts), for the supporters page and the revenue figures.
    pub gift: Option<Gift>,
}

/// A gift received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gift {
    /// The provider's id for the checkout that took it.
    pub reference: String,
    pub amount: i64,
    pub currency: String,
    pub monthly: bool,
    pub name: String,
    pub public: bool,
    pub message: String,
}

/// A giver who asked to be named on the supporters page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supporter {
    pub name: String,
    pub message: String,
    pub monthly: bool,
    pub since: DateTime<Utc>,
}

/// Money received: a subscription's invoice, or a one-time gift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRecord {
    /// The provider's id for the invoice or payment.
    pub reference: String,
    pub purpose: Purpose,
    pub customer: String,
    /// The subscription it paid, if any.
    pub subscription: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
}

/// What a provider's notice means for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    CheckoutCompleted(Box<CheckoutOutcome>),
    /// A subscription was made, changed, or ended.
    Subscription(Box<SubscriptionState>),
    /// An invoice or one-time payment was paid.
    Paid(PaymentRecord),
    /// Something we do not act on (its id is still recorded).
    Other,
}

/// A provider's notice whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEvent {
    pub id: String,
    /// The provider's name for what happened (e.g. `invoice.paid`).
    pub kind: String,
    pub created: DateTime<Utc>,
    pub event: PaymentEvent,
}

/// What applying an event or a checkout did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Recorded now; for a checkout, the member it was for and whether the checkout
    /// made them (a new reader).
    Done {
        member: Option<MemberId>,
        joined: bool,
    },
    /// Seen before: nothing changed.
    Duplicate,
}

/// A payment provider: where readers pay, change their card and cancel.
#[async_trait]
pub trait Payments: Send + Sync {
    /// Opens a checkout for `request`; the reader goes to its `url`.
    async fn start_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutStarted>;
    /// What became of checkout `reference` (the reader is back from paying).
    async fn checkout(&self, reference: &str) -> Result<CheckoutOutcome>;
    /// A page of the provider's where `customer` manages their plans and card; it
    /// links back to `return_url`.
    async fn portal(&self, customer: &str, return_url: &str) -> Result<String>;
    /// Ends subscription `reference` now, charging nothing more (its member deleted
    /// their account).
    async fn cancel(&self, reference: &str) -> Result<()>;
    /// The origins of the provider's pages readers are sent to (its checkout and
    /// portal): the site's forms lead there, so its pages' policy names them.
    fn pages(&self) -> Vec<String>;
    /// Subscription `reference` as the provider holds it now (`observed_at` is now).
    /// A notice about a subscription is applied as this, not as the notice describes
    /// it: notices come in any order, timed to the second.
    async fn subscription(&self, reference: &str) -> Result<SubscriptionState>;
    /// The notice `payload`, if its `signature` header proves it came from the
    /// provider within the tolerance at `now`; else an `Unauthenticated` error.
    fn verify(&self, payload: &[u8], signature: &str, now: DateTime<Utc>) -> Result<VerifiedEvent>;
}

impl fmt::Debug for dyn Payments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Payments")
    }
}

/// Months the revenue dashboard shows, the current one last.
pub const REPORT_MONTHS: u32 = 12;

/// What the store holds for the revenue figures: every subscription not ended before
/// the report's first month (with when we first heard of it), and the money received
/// since then.
#[derive(Debug, Clone, Default)]
pub struct RevenueFacts {
    pub subscriptions: Vec<(SubscriptionState, DateTime<Utc>)>,
    pub payments: Vec<PaymentRecord>,
}

/// One month of the revenue dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    /// Its first day.
    pub month: chrono::NaiveDate,
    /// Memberships that started, and that ended, in it.
    pub new: u32,
    pub churned: u32,
    /// Money received in it: for memberships, and as gifts (minor units).
    pub membership_revenue: i64,
    pub donations: i64,
}

/// The revenue dashboard's figures, in the publication's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevenueReport {
    pub currency: String,
    /// Members whose membership grants access now, by tier (tiers with none left out).
    pub members_by_tier: Vec<(TierId, u32)>,
    /// Monthly recurring revenue of the memberships that grant access now (a yearly
    /// price counts a twelfth), and of monthly gifts that are active.
    pub membership_mrr: i64,
    pub gifts_mrr: i64,
    pub months: Vec<MonthFigures>,
}

/// The first day of `t`'s month.
fn month_of(t: DateTime<Utc>) -> chrono::NaiveDate {
    use chrono::Datelike;
    t.date_naive().with_day(1).unwrap_or_else(|| t.date_naive())
}

/// `t`'s month among `months`, if the report shows it.
fn month_in(months: &mut [MonthFigures], t: DateTime<Utc>) -> Option<&mut MonthFigures> {
    let month = month_of(t);
    months.iter_mut().find(|f| f.month == month)
}

/// The first day of the report's first month: `REPORT_MONTHS - 1` months before `now`'s.
pub fn report_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = month_of(now)
        .checked_sub_months(chrono::Months::new(REPORT_MONTHS - 1))
        .unwrap_or_else(|| month_of(now));
    first.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The revenue figures at `now` from `facts`, counting amounts in `currency` only.
pub fn revenue_report(facts: &RevenueFacts, currency: &str, now: DateTime<Utc>) -> RevenueReport {
    let start = report_start(now);
    let mut months: Vec<MonthFigures> = (0..REPORT_MONTHS)
        .filter_map(|i| month_of(start).checked_add_months(chrono::Months::new(i)))
        .map(|month| MonthFigures {
            month,
            new: 0,
            churned: 0,
            membership_revenue: 0,
            donations: 0,
        })
        .collect();
    let mut by_tier: Vec<(TierId, u32)> = Vec::new();
    let (mut membership_mrr, mut gifts_mrr) = (0i64, 0i64);
    for (s, started) in &facts.subscriptions {
        let monthly = match s.cadence {
            Cadence::Month => s.amount,
            Cadence::Year => s.amount / 12,
        };
        let same_currency = s.currency.eq_ignore_ascii_case(currency);
        match s.purpose {
            Purpose::Membership => {
                if s.grants_access(now) {
                    if let Some(tier) = s.tier {
                        match by_tier.iter_mut().find(|(t, _)| *t == tier) {
                            Some((_, n)) => *n += 1,
                            None => by_tier.push((tier, 1)),
                        }
                    }
                    if same_currency {
                        membership_mrr += monthly;
                    }
                }
                if let Some(f) = month_in(&mut months, *started) {
                    f.new += 1;
                }
                if s.ended() {
                    if let Some(f) = month_in(&mut months, s.observed_at) {
                        f.churned += 1;
                    }
                }
            }
            Purpose::Donation => {
                let running = matches!(
                    s.status,
                    SubscriptionStatus::Active | SubscriptionStatus::Trialing
                );
                if running && same_currency {
                    gifts_mrr += monthly;
                }
            }
        }
    }
    for p in &facts.payments {
        if !p.currency.eq_ignore_ascii_case(currency) {
            continue;
        }
        if let Some(f) = month_in(&mut months, p.paid_at) {
            match p.purpose {
                Purpose::Membership => f.membership_revenue += p.amount,
                Purpose::Donation => f.donations += p.amount,
            }
        }
    }
    by_tier.sort_by_key(|(t, _)| *t);
    RevenueReport {
        currency: currency.to_owned(),
        members_by_tier: by_tier,
        membership_mrr,
        gifts_mrr,
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
            .single()
            .expect("a date")
    }

    fn subscription(status: SubscriptionStatus) -> SubscriptionState {
        SubscriptionState {
            reference: "sub_1".into(),
            customer: "cus_1".into(),
            member: Some(MemberId(1)),
            purpose: Purpose::Membership,
            tier: Some(TierId(2)),
            cadence: Cadence::Month,
            amount: 800,
            currency: "USD".into(),
            status,
            period_start: at(1),
            period_end: at(31),
            cancel_at_period_end: false,
            observed_at: at(1),
        }
    }

    #[test]
    fn access_follows_the_status_and_the_clock() {
        use SubscriptionStatus::*;
        // (status, cancelled at period end, day, reads)
        for (status, cancelling, day, reads) in [
            (Active, false, 2, true),
            (Active, false, 31, true),
            (Trialing, false, 10, true),
            (Active, true, 30, true),
            // Canceled at the period's end: the provider ends it then.
            (Canceled, true, 30, false),
            (Canceled, false, 2, false),
            // A renewal that failed: a week's grace from the unpaid period's start.
            (PastDue, false, 7, true),
            (PastDue, false, 9, false),
            (Unpaid, false, 2, false),
            (Incomplete, false, 2, false),
            (IncompleteExpired, false, 2, false),
            (Paused, false, 2, false),
        ] {
            let mut s = subscription(status);
            s.cancel_at_period_end = cancelling;
            assert_eq!(
                s.grants_access(at(day)),
                reads,
                "{status} (cancelling {cancelling}) on day {day}"
            );
        }
        // Every status is in the table.
        assert_eq!(SubscriptionStatus::ALL.len(), 8);
    }

    #[test]
    fn an_active_subscription_not_heard_of_since_its_period_ended_lapses() {
        let s = subscription(SubscriptionStatus::Active);
        let end = s.period_end;
        assert!(s.grants_access(end + RENEWAL_SLACK - Duration::minutes(1)));
        assert!(!s.grants_access(end + RENEWAL_SLACK));
    }

    #[test]
    fn a_gift_is_no_membership() {
        let mut s = subscription(SubscriptionStatus::Active);
        s.purpose = Purpose::Donation;
        s.tier = None;
        assert!(!s.grants_access(at(2)));
        assert_eq!(entitlement(&[s], at(2)), Entitlement::Free);
    }

    #[test]
    fn the_newest_granting_subscription_names_the_tier() {
        let old = subscription(SubscriptionStatus::Canceled);
        let mut current = subscription(SubscriptionStatus::Active);
        current.tier = Some(TierId(3));
        let mut shorter = subscription(SubscriptionStatus::Active);
        shorter.tier = Some(TierId(4));
        shorter.period_end = at(20);
        assert_eq!(
            entitlement(&[old.clone(), shorter, current], at(10)),
            Entitlement::Paid(TierId(3))
        );
        assert_eq!(entitlement(&[old], at(10)), Entitlement::Free);
        assert_eq!(entitlement(&[], at(10)), Entitlement::Free);
    }

    #[test]
    fn gifts_are_checked() {
        let gift = GiftInput {
            amount: 500,
            monthly: false,
            name: "Ada".into(),
            public: true,
            message: "Keep going".into(),
        };
        assert!(gift.validate().is_ok());
        for (wrong, field) in [
            (
                GiftInput {
                    amount: 99,
                    ..gift.clone()
                },
                "amount",
            ),
            (
                GiftInput {
                    amount: MAX_PRICE + 1,
                    ..gift.clone()
                },
                "amount",
            ),
            (
                GiftInput {
                    name: String::new(),
                    ..gift.clone()
                },
                "name",
            ),
            (
                GiftInput {
                    name: "a\u{7}b".into(),
                    ..gift.clone()
                },
                "name",
            ),
            (
                GiftInput {
                    message: "x".repeat(281),
                    ..gift.clone()
                },
                "message",
            ),
        ] {
            let e = wrong.validate().expect_err("refused");
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        // Anonymous gifts need no name.
        assert!(GiftInput {
            name: String::new(),
            public: false,
            ..gift
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn the_revenue_report_counts_months_members_and_money() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 15, 12, 0, 0)
            .single()
            .expect("a date");
        assert_eq!(
            report_start(now),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("a date")
        );
        let mut live = subscription(SubscriptionStatus::Active);
        live.period_start = now - Duration::days(10);
        live.period_end = now + Duration::days(20);
        let mut yearly = live.clone();
        yearly.cadence = Cadence::Year;
        yearly.amount = 12_000;
        yearly.tier = Some(TierId(3));
        let mut ended = live.clone();
        ended.status = SubscriptionStatus::Canceled;
        ended.observed_at = Utc
            .with_ymd_and_hms(2026, 11, 3, 0, 0, 0)
            .single()
            .expect("a date");
        let mut gift = live.clone();
        gift.purpose = Purpose::Donation;
        gift.tier = None;
        gift.amount = 500;
        let mut euros = live.clone();
        euros.currency = "EUR".into();
        let march = Utc
            .with_ymd_and_hms(2026, 3, 9, 0, 0, 0)
            .single()
            .expect("a date");
        let facts = RevenueFacts {
            subscriptions: vec![
                (live.clone(), march),
                (yearly, now),
                (ended, march),
                (gift, march),
                (euros, now),
            ],
            payments: vec![
                PaymentRecord {
                    reference: "in_1".into(),
                    purpose: Purpose::Membership,
                    customer: "cus_1".into(),
                    subscription: Some("sub_1".into()),
                    amount: 800,
                    currency: "usd".into(),
                    paid_at: march,
                },
                PaymentRecord {
                    reference: "cs_1".into(),
                    purpose: Purpose::Donation,
                    customer: "cus_2".into(),
                    subscription: None,
                    amount: 2500,
                    currency: "USD".into(),
                    paid_at: now,
                },
                // Before the report's first month: not shown.
                PaymentRecord {
                    reference: "in_0".into(),
                    purpose: Purpose::Membership,
                    customer: "cus_1".into(),
                    subscription: None,
                    amount: 800,
                    currency: "USD".into(),
                    paid_at: march - Duration::days(400),
                },
            ],
        };
        let r = revenue_report(&facts, "USD", now);
        assert_eq!(r.months.len(), 12);
        assert_eq!(r.months[2].month.to_string(), "2026-03-01");
        // Members now: two on tier 2 (USD and EUR), one on tier 3; the ended one not.
        assert_eq!(r.members_by_tier, vec![(TierId(2), 2), (TierId(3), 1)]);
        // MRR in USD: 800 a month + 12,000 a year (1,000 a month); the EUR one apart.
        assert_eq!(r.membership_mrr, 1800);
        assert_eq!(r.gifts_mrr, 500);
        assert_eq!((r.months[2].new, r.months[11].new), (2, 2));
        assert_eq!(r.months[10].churned, 1);
        assert_eq!(r.months[2].membership_revenue, 800);
        assert_eq!(r.months[11].donations, 2500);
        let total: i64 = r.months.iter().map(|m| m.membership_revenue).sum();
        assert_eq!(
            total, 800,
            "the payment before the first month is not counted"
        );
    }
}
