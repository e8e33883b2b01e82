//! Sponsors on both backends: made within their rules, attached to sections and
//! articles (an article's own first, else its section's), and removed cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_core::change::Change;
use masthead_core::ids::SponsorId;
use masthead_core::sponsor::{SponsorInput, SponsorLabel};
use masthead_core::store::Store;
use masthead_core::Error;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(sponsors_attach_to_sections_and_articles);

fn bank() -> SponsorInput {
    SponsorInput {
        name: " Harbor Bank ".into(),
        url: "https://harborbank.example".into(),
        logo: None,
        disclosure: "Harbor Bank pays for this section; it has no say in it.".into(),
        label: SponsorLabel::SupportedBy,
    }
}

async fn sponsors_attach_to_sections_and_articles(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let story = fixtures::published(
        &newsroom,
        "Harbor fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let other = fixtures::published(
        &newsroom,
        "Rail plan",
        &f.business,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    // Refused with the field named, and nothing kept.
    let wrong = SponsorInput {
        url: "javascript:alert(1)".into(),
        ..bank()
    };
    match store.create_sponsor(&wrong, t0()).await {
        Err(Error::Invalid(fields)) => assert_eq!(fields[0].field, "url"),
        other => panic!("refused, not {other:?}"),
    }
    assert!(store.sponsors().await.unwrap().is_empty());
    let mut changes = store.subscribe();
    let bank = store.create_sponsor(&bank(), t0()).await.unwrap();
    assert_eq!(bank.name, "Harbor Bank");
    assert_eq!(changes.recv().await.unwrap(), Change::Site);
    let brewery = store
        .create_sponsor(
            &SponsorInput {
                name: "Alder Brewery".into(),
                label: SponsorLabel::Sponsored,
                disclosure: "Paid for by Alder Brewery.".into(),
                ..self::bank()
            },
            t0(),
        )
        .await
        .unwrap();
    // A section's sponsor is its articles' too; an article's own comes first.
    store
        .sponsor_section(f.world.id, Some(bank.id))
        .await
        .unwrap();
    assert_eq!(
        store.article_sponsor(story).await.unwrap().map(|s| s.id),
        Some(bank.id)
    );
    assert_eq!(store.article_sponsor(other).await.unwrap(), None);
    store
        .sponsor_article(story, Some(brewery.id))
        .await
        .unwrap();
    assert_eq!(
        store.article_sponsor(story).await.unwrap().map(|s| s.id),
        Some(brewery.id)
    );
    assert_eq!(
        store
            .section_sponsor(f.world.id)
            .await
            .unwrap()
            .map(|s| s.id),
        Some(bank.id)
    );
    // A newsletter's sponsor, set, replaced and named among the sponsorships.
    store
        .sponsor_newsletter("morning", Some(bank.id))
        .await
        .unwrap();
    store
        .sponsor_newsletter("morning", Some(brewery.id))
        .await
        .unwrap();
    assert_eq!(
        store
            .newsletter_sponsor("morning")
            .await
            .unwrap()
            .map(|s| s.id),
        Some(brewery.id)
    );
    assert_eq!(store.newsletter_sponsor("weekly").await.unwrap(), None);
    let uses = store.sponsorships().await.unwrap();
    assert_eq!(
        uses,
        vec![
            (bank.id, "World".to_owned(), "/world/".to_owned()),
            (
                brewery.id,
                "The morning newsletter".to_owned(),
                "/newsroom/newsletters/morning".to_owned()
            ),
            (
                brewery.id,
                "Harbor fees".to_owned(),
                "/world/harbor-fees/".to_owned()
            ),
        ]
    );
    // An unknown sponsor or article is an error, and changes nothing.
    assert!(store
        .sponsor_article(story, Some(SponsorId(9999)))
        .await
        .is_err());
    assert!(matches!(
        store
            .sponsor_article(masthead_core::ids::ArticleId(9999), Some(bank.id))
            .await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        store.article_sponsor(story).await.unwrap().map(|s| s.id),
        Some(brewery.id)
    );
    // Changed, then removed: what it sponsored falls back, then is unsponsored.
    let renamed = store
        .update_sponsor(
            brewery.id,
            &SponsorInput {
                name: "Alder Brewing Co.".into(),
                label: SponsorLabel::Sponsored,
                disclosure: "Paid for by Alder Brewing.".into(),
                ..self::bank()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Alder Brewing Co.");
    store.delete_sponsor(brewery.id).await.unwrap();
    assert_eq!(
        store.article_sponsor(story).await.unwrap().map(|s| s.id),
        Some(bank.id)
    );
    assert_eq!(store.newsletter_sponsor("morning").await.unwrap(), None);
    store
        .sponsor_newsletter("weekly", Some(bank.id))
        .await
        .unwrap();
    store.sponsor_newsletter("weekly", None).await.unwrap();
    assert_eq!(store.newsletter_sponsor("weekly").await.unwrap(), None);
    store.sponsor_section(f.world.id, None).await.unwrap();
    assert_eq!(store.article_sponsor(story).await.unwrap(), None);
    assert!(matches!(
        store.delete_sponsor(brewery.id).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(store.sponsors().await.unwrap().len(), 1);
}
