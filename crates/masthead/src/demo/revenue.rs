//! A year of the demo paper's reader revenue, for the dashboard and the supporters
//! page: members joining the paid tiers month by month (some leaving again), their
//! monthly and yearly invoices, and gifts, some named. Made through the same store
//! calls the payment provider's checkouts and notices go through, from a fixed seed,
//! so every demo has the same history.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use masthead_core::payments::{
    CheckoutOutcome, Gift, PaymentEvent, PaymentRecord, Purpose, SubscriptionState,
    SubscriptionStatus, VerifiedEvent,
};
use masthead_core::store::Store;
use masthead_core::tier::Cadence;
use rand::{Rng, SeedableRng};

/// How many readers took a paid membership over the year.
const SUPPORTERS: usize = 90;
/// How many gifts came in.
const GIFTS: usize = 40;

const FIRST: [&str; 16] = [
    "Alma", "Bruno", "Chidi", "Dana", "Emil", "Farah", "Gus", "Hana", "Ivo", "Jude", "Kemi",
    "Lars", "Mina", "Noor", "Otto", "Pia",
];
const LAST: [&str; 12] = [
    "Abbott",
    "Brandt",
    "Costa",
    "Dlamini",
    "Ekwueme",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
];
const MESSAGES: [&str; 5] = [
    "For the harbor reporting.",
    "Local news matters. Keep going.",
    "",
    "Thank you for the council coverage.",
    "",
];

/// Records the history, ending at `now`.
pub async fn populate(store: &dyn Store, now: DateTime<Utc>) -> Result<()> {
    let tiers: Vec<_> = store
        .tiers(false)
        .await?
        .into_iter()
        .filter(|t| t.paid)
        .collect();
    if tiers.is_empty() {
        return Ok(());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut event = 0u32;
    let mut notice = |event_at: DateTime<Utc>, meaning: PaymentEvent| {
        event += 1;
        VerifiedEvent {
            id: format!("evt_demo_{event}"),
            kind: "demo".into(),
            created: event_at,
            event: meaning,
        }
    };
    for n in 0..SUPPORTERS {
        // More readers joined lately than a year ago.
        let days_ago = 365 - (rng.gen_range(0.0f64..1.0).sqrt() * 364.0) as i64;
        let started = now - Duration::days(days_ago) - Duration::minutes(rng.gen_range(0..1440));
        let tier = &tiers[rng.gen_range(0..tiers.len())];
        let cadence = if rng.gen_bool(0.2) {
            Cadence::Year
        } else {
            Cadence::Month
        };
        let period = match cadence {
            Cadence::Month => Duration::days(30),
            Cadence::Year => Duration::days(365),
        };
        // Some leave after a few periods.
        let leaves_after = rng.gen_bool(0.25).then(|| rng.gen_range(1..6));
        let mut periods = 0;
        let mut period_start = started;
        let (customer, reference) = (format!("cus_demo_{n}"), format!("sub_demo_{n}"));
        let state = |status, start: DateTime<Utc>, observed| SubscriptionState {
            reference: reference.clone(),
            customer: customer.clone(),
            member: None,
            purpose: Purpose::Membership,
            tier: Some(tier.id),
            cadence,
            amount: tier.price(cadence),
            currency: tier.currency.clone(),
            status,
            period_start: start,
            period_end: start + period,
            cancel_at_period_end: false,
            observed_at: observed,
        };
        let name = format!(
            "{} {}",
            FIRST[rng.gen_range(0..FIRST.len())],
            LAST[rng.gen_range(0..LAST.len())]
        );
        store
            .apply_checkout(
                &CheckoutOutcome {
                    reference: format!("cs_demo_{n}"),
                    paid: true,
                    purpose: Purpose::Membership,
                    member: None,
                    claim: String::new(),
                    customer: customer.clone(),
                    email: format!("supporter{n}@readers.example"),
                    name,
                    subscription: Some(state(SubscriptionStatus::Active, started, started)),
                    gift: None,
                },
                started,
            )
            .await?;
        while period_start <= now {
            periods += 1;
            let paid = PaymentRecord {
                reference: format!("in_demo_{n}_{periods}"),
                purpose: Purpose::Membership,
                customer: customer.clone(),
                subscription: Some(reference.clone()),
                amount: tier.price(cadence),
                currency: tier.currency.clone(),
                paid_at: period_start,
            };
            store
                .apply_payment_event(
                    &notice(period_start, PaymentEvent::Paid(paid)),
                    period_start,
                )
                .await?;
            let next = period_start + period;
            if leaves_after == Some(periods) && next <= now {
                let ended = state(SubscriptionStatus::Canceled, period_start, next);
                store
                    .apply_payment_event(
                        &notice(next, PaymentEvent::Subscription(Box::new(ended))),
                        next,
                    )
                    .await?;
                break;
            }
            if next > now {
                let current = state(SubscriptionStatus::Active, period_start, period_start);
                store
                    .apply_payment_event(
                        &notice(period_start, PaymentEvent::Subscription(Box::new(current))),
                        period_start,
                    )
                    .await?;
            }
            period_start = next;
        }
    }
    let currency = masthead_core::tier::publication_currency(&tiers);
    for n in 0..GIFTS {
        let at = now - Duration::days(rng.gen_range(0..365)) - Duration::minutes(n as i64);
        let amount = [500, 1000, 2500, 2500, 5000, 10000][rng.gen_range(0..6)];
        let public = rng.gen_bool(0.6);
        let name = format!(
            "{} {}",
            FIRST[rng.gen_range(0..FIRST.len())],
            LAST[rng.gen_range(0..LAST.len())]
        );
        let reference = format!("cs_demo_gift_{n}");
        store
            .apply_checkout(
                &CheckoutOutcome {
                    reference: reference.clone(),
                    paid: true,
                    purpose: Purpose::Donation,
                    member: None,
                    claim: String::new(),
                    customer: format!("cus_demo_gift_{n}"),
                    email: format!("giver{n}@readers.example"),
                    name: name.clone(),
                    subscription: None,
                    gift: Some(Gift {
                        reference,
                        amount,
                        currency: currency.clone(),
                        monthly: false,
                        name,
                        public,
                        message: MESSAGES[n % MESSAGES.len()].to_owned(),
                    }),
                },
                at,
            )
            .await?;
    }
    Ok(())
}
