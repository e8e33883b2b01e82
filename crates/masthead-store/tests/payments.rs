//! Payments on both backends: checkouts applied once from either path, notices
//! applied once each, subscription states never replaced by older ones, and what a
//! member's subscriptions entitle them to.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use masthead_core::ids::TierId;
use masthead_core::member::NewMember;
use masthead_core::payments::{
    entitlement, Applied, CheckoutOutcome, Entitlement, Gift, PaymentEvent, PaymentRecord, Purpose,
    SubscriptionState, SubscriptionStatus, VerifiedEvent,
};
use masthead_core::store::Store;
use masthead_core::tier::Cadence;
use masthead_testkit::fixtures::t0;
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(
    a_checkout_makes_its_payer_a_member_once,
    a_signed_in_members_checkout_is_theirs,
    notices_apply_once_and_never_go_back_in_time,
    gifts_reach_the_supporters_page_when_public,
);

fn state(reference: &str, tier: TierId, at: DateTime<Utc>) -> SubscriptionState {
    SubscriptionState {
        reference: reference.into(),
        customer: "cus_1".into(),
        member: None,
        purpose: Purpose::Membership,
        tier: Some(tier),
        cadence: Cadence::Month,
        amount: 800,
        currency: "USD".into(),
        status: SubscriptionStatus::Active,
        period_start: at,
        period_end: at + Duration::days(30),
        cancel_at_period_end: false,
        observed_at: at,
    }
}

fn outcome(reference: &str, subscription: Option<SubscriptionState>) -> CheckoutOutcome {
    CheckoutOutcome {
        reference: reference.into(),
        paid: true,
        purpose: Purpose::Membership,
        member: None,
        claim: "hash".into(),
        customer: "cus_1".into(),
        email: " New.Reader@Example.com ".into(),
        name: "New\u{7} Reader".into(),
        subscription,
        gift: None,
    }
}

fn event(id: &str, event: PaymentEvent) -> VerifiedEvent {
    VerifiedEvent {
        id: id.into(),
        kind: "test".into(),
        created: t0(),
        event,
    }
}

async fn a_checkout_makes_its_payer_a_member_once(store: S) {
    let tier = masthead_testkit::fixtures::paid_tier(&*store, "supporter").await;
    let now = t0() + Duration::days(1);
    let done = outcome("cs_1", Some(state("sub_1", tier, now)));
    // The reader comes back before the notice: the checkout makes them a member.
    let Applied::Done {
        member: Some(member),
        joined: true,
    } = store.apply_checkout(&done, now).await.unwrap()
    else {
        panic!("the checkout makes a member");
    };
    let made = store.member(member).await.unwrap().unwrap();
    assert_eq!(made.email, "new.reader@example.com");
    assert_eq!(made.name, "New Reader", "control characters are dropped");
    // Then the notice of the same checkout: the same member, not a second one.
    let again = event(
        "evt_1",
        PaymentEvent::CheckoutCompleted(Box::new(done.clone())),
    );
    assert_eq!(
        store.apply_payment_event(&again, now).await.unwrap(),
        Applied::Done {
            member: Some(member),
            joined: true
        }
    );
    assert_eq!(
        store.apply_payment_event(&again, now).await.unwrap(),
        Applied::Duplicate
    );
    // The paying browser is signed in once.
    assert_eq!(
        store.claim_checkout("cs_1", now).await.unwrap(),
        Some(member)
    );
    assert_eq!(store.claim_checkout("cs_1", now).await.unwrap(), None);
    assert_eq!(store.claim_checkout("cs_unknown", now).await.unwrap(), None);
    // Their subscription is theirs, and entitles them.
    let subscriptions = store.member_subscriptions(member).await.unwrap();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].member, Some(member));
    assert_eq!(entitlement(&subscriptions, now), Entitlement::Paid(tier));
    assert_eq!(
        store.member_customer(member).await.unwrap().as_deref(),
        Some("cus_1")
    );
    // A later checkout with the same address (a second tab, a second plan) finds the
    // member: it does not make another, and signs no one in.
    let second = outcome("cs_2", Some(state("sub_2", tier, now)));
    assert_eq!(
        store.apply_checkout(&second, now).await.unwrap(),
        Applied::Done {
            member: Some(member),
            joined: false
        }
    );
    assert_eq!(store.claim_checkout("cs_2", now).await.unwrap(), None);
    // A checkout not paid for changes nothing.
    let mut unpaid = outcome("cs_3", None);
    unpaid.paid = false;
    unpaid.email = "someone.else@example.com".into();
    store.apply_checkout(&unpaid, now).await.unwrap();
    assert!(store
        .member_by_email("someone.else@example.com")
        .await
        .unwrap()
        .is_none());
    // An address that is no address is refused, and makes no member.
    let mut wrong = outcome("cs_4", None);
    wrong.email = "not an address".into();
    assert!(store.apply_checkout(&wrong, now).await.is_err());
}

async fn a_signed_in_members_checkout_is_theirs(store: S) {
    let tier = masthead_testkit::fixtures::paid_tier(&*store, "supporter").await;
    let member = store
        .create_member(&NewMember {
            email: "ann@example.com".into(),
            name: "Ann".into(),
        })
        .await
        .unwrap();
    let now = t0();
    let mut done = outcome("cs_1", Some(state("sub_1", tier, now)));
    done.member = Some(member.id);
    // The payer typed another address at the provider: the checkout is still Ann's.
    done.email = "other@example.com".into();
    assert_eq!(
        store.apply_checkout(&done, now).await.unwrap(),
        Applied::Done {
            member: Some(member.id),
            joined: false
        }
    );
    assert!(store
        .member_by_email("other@example.com")
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.claim_checkout("cs_1", now).await.unwrap(), None);
    assert_eq!(
        store.member_subscriptions(member.id).await.unwrap()[0].member,
        Some(member.id)
    );
}

async fn notices_apply_once_and_never_go_back_in_time(store: S) {
    let tier = masthead_testkit::fixtures::paid_tier(&*store, "supporter").await;
    let member = store
        .create_member(&NewMember {
            email: "bo@example.com".into(),
            name: "Bo".into(),
        })
        .await
        .unwrap();
    let start = t0();
    // The subscription's notice comes before its checkout's: it names no member yet.
    let created = state("sub_1", tier, start);
    let applied = store
        .apply_payment_event(
            &event(
                "evt_1",
                PaymentEvent::Subscription(Box::new(created.clone())),
            ),
            start,
        )
        .await
        .unwrap();
    assert_eq!(
        applied,
        Applied::Done {
            member: None,
            joined: false
        }
    );
    let mut done = outcome("cs_1", Some(created.clone()));
    done.member = Some(member.id);
    store.apply_checkout(&done, start).await.unwrap();
    assert_eq!(
        entitlement(&store.member_subscriptions(member.id).await.unwrap(), start),
        Entitlement::Paid(tier)
    );
    // Cancelled in the portal, then (late, out of order) an older notice of it active.
    let mut cancelled = created.clone();
    cancelled.status = SubscriptionStatus::Canceled;
    cancelled.observed_at = start + Duration::days(3);
    store
        .apply_payment_event(
            &event("evt_3", PaymentEvent::Subscription(Box::new(cancelled))),
            start,
        )
        .await
        .unwrap();
    let mut stale = created.clone();
    stale.observed_at = start + Duration::days(2);
    stale.member = None;
    store
        .apply_payment_event(
            &event("evt_2", PaymentEvent::Subscription(Box::new(stale))),
            start,
        )
        .await
        .unwrap();
    let now = start + Duration::days(4);
    let subscriptions = store.member_subscriptions(member.id).await.unwrap();
    assert_eq!(subscriptions[0].status, SubscriptionStatus::Canceled);
    assert_eq!(entitlement(&subscriptions, now), Entitlement::Free);
    // A replayed notice (the same id) changes nothing, even with other contents.
    let mut replayed = created;
    replayed.observed_at = start + Duration::days(5);
    assert_eq!(
        store
            .apply_payment_event(
                &event("evt_3", PaymentEvent::Subscription(Box::new(replayed))),
                now,
            )
            .await
            .unwrap(),
        Applied::Duplicate
    );
    assert_eq!(
        store.member_subscriptions(member.id).await.unwrap()[0].status,
        SubscriptionStatus::Canceled
    );
    // A payment's notice sent twice under two ids: the second finds it recorded, and
    // is no error (the provider would retry it for days).
    let payment = PaymentRecord {
        reference: "in_1".into(),
        purpose: Purpose::Membership,
        customer: "cus_1".into(),
        subscription: Some("sub_1".into()),
        amount: 800,
        currency: "USD".into(),
        paid_at: start,
    };
    for id in ["evt_4", "evt_5"] {
        store
            .apply_payment_event(&event(id, PaymentEvent::Paid(payment.clone())), now)
            .await
            .unwrap();
    }
}

async fn gifts_reach_the_supporters_page_when_public(store: S) {
    let now = t0();
    for (i, (reference, name, public)) in [
        ("cs_1", "Ada Lovelace", true),
        ("cs_2", "Hidden Giver", false),
        ("cs_3", "Grace Hopper", true),
    ]
    .into_iter()
    .enumerate()
    {
        let mut done = outcome(reference, None);
        done.purpose = Purpose::Donation;
        done.email = format!("{reference}@example.com");
        done.gift = Some(Gift {
            reference: reference.into(),
            amount: 2500,
            currency: "USD".into(),
            monthly: false,
            name: name.into(),
            public,
            message: " Thank you ".into(),
        });
        store
            .apply_checkout(&done, now + Duration::minutes(i as i64))
            .await
            .unwrap();
        // Its notice as well: still one gift.
        store
            .apply_payment_event(
                &event(
                    &format!("evt_{reference}"),
                    PaymentEvent::CheckoutCompleted(Box::new(done)),
                ),
                now,
            )
            .await
            .unwrap();
    }
    let supporters = store.supporters(10).await.unwrap();
    let names: Vec<&str> = supporters.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names, ["Grace Hopper", "Ada Lovelace"], "newest first");
    assert!(!names.contains(&"Hidden Giver"));
    assert_eq!(supporters[0].message, "Thank you");
    assert_eq!(store.supporters(1).await.unwrap().len(), 1);
}
