//! Tiers and offers on both backends: the free tier that always exists, paid tiers
//! made, changed and archived within their rules, and offers for them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use masthead_core::change::Change;
use masthead_core::ids::TierId;
use masthead_core::store::Store;
use masthead_core::tier::{Cadence, Discount, OfferDuration, OfferInput, TierInput, FREE};
use masthead_core::Error;
use masthead_testkit::fixtures::t0;
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(
    tiers_are_made_changed_and_archived_within_their_rules,
    offers_discount_paid_tiers_still_offered,
);

fn supporter() -> TierInput {
    TierInput {
        slug: "supporter".into(),
        name: " Supporter ".into(),
        description: "Keeps the newsroom going".into(),
        paid: true,
        currency: "EUR".into(),
        monthly_price: 500,
        yearly_price: 5000,
        trial_days: 14,
        benefits: vec!["Every story ".into(), "The weekly letter".into()],
        public: true,
    }
}

fn is_invalid(result: Result<impl std::fmt::Debug, Error>, field: &str) {
    match result {
        Err(Error::Invalid(errors)) => assert!(
            errors.iter().any(|e| e.field == field),
            "{errors:?} should name {field}"
        ),
        other => panic!("expected {field} to be refused, got {other:?}"),
    }
}

async fn tiers_are_made_changed_and_archived_within_their_rules(store: S) {
    // A new publication has its free tier, and nothing else.
    let tiers = store.tiers(true).await.unwrap();
    assert_eq!(tiers.len(), 1);
    let free = &tiers[0];
    assert_eq!(
        (free.slug.as_str(), free.paid, free.public),
        (FREE, false, true)
    );
    assert_eq!((free.monthly_price, free.yearly_price), (0, 0));
    assert!(!free.benefits.is_empty());

    let mut changes = store.subscribe();
    let made = store.create_tier(&supporter(), t0()).await.unwrap();
    assert!(
        matches!(changes.try_recv(), Ok(Change::Site)),
        "a site change"
    );
    assert_eq!(made.name, "Supporter", "names are trimmed");
    assert_eq!(made.benefits, vec!["Every story", "The weekly letter"]);
    assert_eq!(
        (made.monthly_price, made.yearly_price, made.trial_days),
        (500, 5000, 14)
    );
    assert_eq!(made.created_at, t0());
    assert_eq!(store.tier(made.id).await.unwrap().as_ref(), Some(&made));
    assert_eq!(
        store.tier_by_slug("supporter").await.unwrap().as_ref(),
        Some(&made)
    );
    assert!(store.tier(TierId(9999)).await.unwrap().is_none());

    // The free tier comes first, then paid ones by price.
    let patron = store
        .create_tier(
            &TierInput {
                slug: "patron".into(),
                name: "Patron".into(),
                monthly_price: 2000,
                yearly_price: 20000,
                ..supporter()
            },
            t0(),
        )
        .await
        .unwrap();
    let cheap = store
        .create_tier(
            &TierInput {
                slug: "reader".into(),
                name: "Reader".into(),
                monthly_price: 300,
                yearly_price: 3000,
                ..supporter()
            },
            t0(),
        )
        .await
        .unwrap();
    let order: Vec<String> = store
        .tiers(false)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.slug)
        .collect();
    assert_eq!(order, ["free", "reader", "supporter", "patron"]);

    // A slug in use, a second free tier, a bad price: refused, nothing stored.
    assert!(matches!(
        store.create_tier(&supporter(), t0()).await,
        Err(Error::Conflict(_))
    ));
    let second_free = TierInput {
        slug: "gratis".into(),
        paid: false,
        monthly_price: 0,
        yearly_price: 0,
        trial_days: 0,
        ..supporter()
    };
    is_invalid(store.create_tier(&second_free, t0()).await, "paid");
    is_invalid(
        store
            .create_tier(
                &TierInput {
                    slug: "cheap".into(),
                    monthly_price: 5,
                    ..supporter()
                },
                t0(),
            )
            .await,
        "monthly_price",
    );
    assert_eq!(store.tiers(true).await.unwrap().len(), 4);

    // Changed: new prices and benefits; a paid tier cannot become free.
    let later = t0() + Duration::hours(1);
    let changed = store
        .update_tier(
            made.id,
            &TierInput {
                monthly_price: 600,
                benefits: vec!["Every story".into()],
                ..supporter()
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!((changed.monthly_price, changed.updated_at), (600, later));
    assert_eq!(changed.created_at, t0());
    assert_eq!(changed.benefits, vec!["Every story"]);
    is_invalid(
        store.update_tier(made.id, &second_free, later).await,
        "paid",
    );
    // Taking another tier's slug is a conflict.
    assert!(matches!(
        store
            .update_tier(
                made.id,
                &TierInput {
                    slug: "patron".into(),
                    ..supporter()
                },
                later
            )
            .await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(store.tier(made.id).await.unwrap().unwrap(), changed);
    assert!(matches!(
        store.update_tier(TierId(9999), &supporter(), later).await,
        Err(Error::NotFound(_))
    ));

    // The free tier keeps its slug, stays free and offered; its words may change.
    let free_input = free.input();
    is_invalid(
        store
            .update_tier(
                free.id,
                &TierInput {
                    slug: "gratis".into(),
                    ..free_input.clone()
                },
                later,
            )
            .await,
        "slug",
    );
    let reworded = store
        .update_tier(
            free.id,
            &TierInput {
                name: "Members".into(),
                public: false,
                ..free_input
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(reworded.name, "Members");
    assert!(reworded.public, "the free tier is always offered");
    is_invalid(store.archive_tier(free.id, true, later).await, "tier");

    // Archived: no longer listed, kept for those who hold it, and offered again.
    store.archive_tier(patron.id, true, later).await.unwrap();
    let offered: Vec<TierId> = store
        .tiers(false)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(offered, [free.id, cheap.id, made.id]);
    let kept = store.tier(patron.id).await.unwrap().unwrap();
    assert!(kept.archived && !kept.offered());
    assert_eq!(store.tiers(true).await.unwrap().len(), 4);
    store.archive_tier(patron.id, false, later).await.unwrap();
    assert!(store.tier(patron.id).await.unwrap().unwrap().offered());
    assert!(matches!(
        store.archive_tier(TierId(9999), true, later).await,
        Err(Error::NotFound(_))
    ));
}

async fn offers_discount_paid_tiers_still_offered(store: S) {
    let tier = store.create_tier(&supporter(), t0()).await.unwrap();
    let free = store.tier_by_slug(FREE).await.unwrap().unwrap();
    let spring = OfferInput {
        code: "spring".into(),
        name: "Spring: half off for three months".into(),
        tier: tier.id,
        cadence: Cadence::Month,
        discount: Discount::Percent(50),
        duration: OfferDuration::Months(3),
    };
    let made = store.create_offer(&spring, t0()).await.unwrap();
    assert_eq!(
        (made.code.as_str(), made.tier, made.cadence),
        ("spring", tier.id, Cadence::Month)
    );
    assert_eq!(
        (made.discount, made.duration),
        (Discount::Percent(50), OfferDuration::Months(3))
    );
    assert_eq!(made.price(&tier), 250);
    let yearly = store
        .create_offer(
            &OfferInput {
                code: "first-year".into(),
                name: "Ten off the first year".into(),
                cadence: Cadence::Year,
                discount: Discount::Fixed(1000),
                duration: OfferDuration::Once,
                ..spring.clone()
            },
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    let forever = store
        .create_offer(
            &OfferInput {
                code: "founders".into(),
                name: "Founders".into(),
                duration: OfferDuration::Forever,
                ..spring.clone()
            },
            t0() + Duration::minutes(2),
        )
        .await
        .unwrap();
    assert_eq!(forever.duration, OfferDuration::Forever);
    assert_eq!(
        store.offer_by_code("first-year").await.unwrap().as_ref(),
        Some(&yearly)
    );
    assert!(store.offer_by_code("winter").await.unwrap().is_none());
    // Newest first.
    let codes: Vec<String> = store
        .offers(false)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.code)
        .collect();
    assert_eq!(codes, ["founders", "first-year", "spring"]);

    // A code in use; the free tier; a tier that is no more; an archived tier.
    assert!(matches!(
        store.create_offer(&spring, t0()).await,
        Err(Error::Conflict(_))
    ));
    let autumn = |tier| OfferInput {
        code: "autumn".into(),
        tier,
        ..spring.clone()
    };
    is_invalid(store.create_offer(&autumn(free.id), t0()).await, "tier");
    is_invalid(
        store.create_offer(&autumn(TierId(9999)), t0()).await,
        "tier",
    );
    store.archive_tier(tier.id, true, t0()).await.unwrap();
    is_invalid(store.create_offer(&autumn(tier.id), t0()).await, "tier");
    assert_eq!(store.offers(true).await.unwrap().len(), 3);

    // Archived offers are kept, and listed only when asked for.
    store.archive_offer(made.id, true).await.unwrap();
    assert_eq!(store.offers(false).await.unwrap().len(), 2);
    assert!(
        store
            .offer_by_code("spring")
            .await
            .unwrap()
            .unwrap()
            .archived
    );
    assert_eq!(store.offers(true).await.unwrap().len(), 3);
    assert!(matches!(
        store
            .archive_offer(masthead_core::ids::OfferId(9999), true)
            .await,
        Err(Error::NotFound(_))
    ));
}
