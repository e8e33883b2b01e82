//! The storage conformance suite: every case runs on SQLite and on PostgreSQL, with
//! the same assertions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use masthead_core::article::{
    ArticleContent, ArticleType, CorrectionKind, FeaturedImage, NewArticle, NewCorrection,
    RenderedBody, Seo, Source, Status, Visibility,
};
use masthead_core::auth::{
    session_expiry, AttemptKind, AuditAction, NewAuditEntry, NewSession, NewStaffToken,
    TokenPurpose, SESSION_IDLE,
};
use masthead_core::comment::{CommentStatus, NewComment, Queue};
use masthead_core::ids::{ArticleId, MediaId};
use masthead_core::media::{MediaVariant, NewMedia};
use masthead_core::member::NewMember;
use masthead_core::page::{PageContent, PageStatus};
use masthead_core::people::{NewPerson, Role};
use masthead_core::site::{NavItem, Settings};
use masthead_core::store::{
    ArticleFilter, ArticleQuery, ContentUpdate, Narrowing, PageRequest, Store, Trail,
};
use masthead_core::taxonomy::{NewSection, TagEdit};
use masthead_core::Error;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

fn actor(p: &masthead_core::people::Person) -> masthead_core::workflow::Actor {
    NewsroomFixture::actor(p)
}

fn published(filter: ArticleFilter, number: u32, per_page: u32) -> ArticleQuery {
    ArticleQuery::published(filter, PageRequest::numbered(number, per_page))
}

store_test!(
    integrations_keep_their_keys_until_rotated_or_revoked,
    webhook_deliveries_queue_claim_once_retry_and_give_up,
    audience_figures_add_up,
    bodies_are_stored_as_documents,
    many_tags_resolve_in_order_and_imports_find_renamed_ones,
    settings_round_trip,
    sections_are_ordered_and_unique,
    people_get_unique_slugs_and_normalized_emails,
    article_round_trips_every_field,
    workflow_moves_articles_between_lists,
    lists_are_newest_first_paginated_and_filtered,
    published_slug_change_leaves_redirects_without_chains,
    draft_slug_change_leaves_no_redirect,
    section_move_of_published_article_redirects,
    corrections_are_stamped_and_restricted,
    scheduled_articles_publish_when_due,
    comments_thread_and_moderate,
    bulk_insert_spans_batches,
    members_and_redirects_validate,
    health_and_counts,
    list_totals_follow_every_change,
    concurrent_status_changes_keep_lists_consistent,
    locations_for_sitemaps,
    committed_writes_announce_what_changed,
    static_pages_share_the_top_level_with_sections,
    corrections_log_is_newest_first_and_public_only,
    views_add_up_into_most_read,
    notifications_are_kept_read_and_sent_once,
    sessions_expire_and_end,
    login_failures_count_per_key_and_window,
    revisions_keep_every_save_and_one_working_copy_per_stretch,
    media_library_searches_and_grows_variants,
    emailed_tokens_work_once_and_expire,
    invitations_add_staff_once_and_roll_back_on_conflict,
    two_factor_codes_and_recovery_codes_work_once,
    renamed_sections_and_tags_keep_their_old_addresses,
    merged_tags_keep_every_article_and_count,
    the_bin_stays_out_of_lists_and_narrowing_finds_words_and_types,
    access_taken_away_ends_sessions_and_links,
    edited_and_merged_tags_keep_their_articles_when_articles_are_saved,
    second_step_tries_are_counted_atomically,
);

async fn settings_round_trip(store: S) {
    assert_eq!(store.settings().await.unwrap(), Settings::default());
    let mut settings = Settings {
        title: "The Daily Lantern".into(),
        timezone: "Europe/Lisbon".into(),
        ..Settings::default()
    };
    settings.navigation.push(NavItem {
        label: "About".into(),
        url: "/about/".into(),
    });
    store.save_settings(&settings).await.unwrap();
    assert_eq!(store.settings().await.unwrap(), settings);
    settings.title = "The Lantern".into();
    store.save_settings(&settings).await.unwrap();
    assert_eq!(store.settings().await.unwrap().title, "The Lantern");
    settings.title = " ".into();
    assert!(matches!(
        store.save_settings(&settings).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        store.settings().await.unwrap().title,
        "The Lantern",
        "bad input loses no data"
    );
}

async fn sections_are_ordered_and_unique(store: S) {
    let new = |name: &str, position| NewSection {
        name: name.into(),
        slug: String::new(),
        description: String::new(),
        position,
        in_navigation: true,
    };
    store.create_section(&new("Opinion", 3)).await.unwrap();
    store.create_section(&new("World", 1)).await.unwrap();
    let analysis = store
        .create_section(&new("News Analysis", 2))
        .await
        .unwrap();
    assert_eq!(analysis.slug, "news-analysis");
    let names: Vec<_> = store
        .sections()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["World", "News Analysis", "Opinion"]);
    assert!(matches!(
        store.create_section(&new("World", 9)).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store.create_section(&new("Tag", 9)).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        store.section_by_slug("news-analysis").await.unwrap(),
        Some(analysis)
    );
    assert_eq!(store.section_by_slug("nope").await.unwrap(), None);
}

async fn people_get_unique_slugs_and_normalized_emails(store: S) {
    let a = fixtures::person(&*store, "Maria Silva", Role::Author).await;
    assert_eq!(a.slug, "maria-silva");
    let mut other = masthead_core::people::NewPerson {
        name: "Maria Silva".into(),
        email: " Maria.Silva2@Example.com ".into(),
        role: Role::Editor,
        bio: String::new(),
        job_title: String::new(),
        expertise: vec!["Courts".into(), "Health".into()],
        social_links: vec![masthead_core::people::SocialLink {
            network: "mastodon".into(),
            url: "https://social.example/@maria".into(),
        }],
        password_hash: "hash".into(),
    };
    let b = store.create_person(&other).await.unwrap();
    assert_eq!(b.slug, "maria-silva-2");
    assert_eq!(b.email, "maria.silva2@example.com");
    assert_eq!(b.expertise, ["Courts", "Health"]);
    assert_eq!(b.social_links.len(), 1);
    other.email = "MARIA.SILVA2@example.com".into();
    assert!(matches!(
        store.create_person(&other).await,
        Err(Error::Conflict(_))
    ));
    let (found, hash) = store
        .person_credentials("Maria.Silva2@example.COM")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, hash.as_str()), (b.id, "hash"));
    assert_eq!(
        store.person_by_slug("maria-silva-2").await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(store.person(a.id).await.unwrap(), Some(a));
    assert_eq!(store.people().await.unwrap().len(), 2);
    other.email = "not-an-email".into();
    assert!(matches!(
        store.create_person(&other).await,
        Err(Error::Invalid(_))
    ));
}

async fn article_round_trips_every_field(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let media = store
        .create_media(&NewMedia {
            storage_key: "2026/03/harbour.png".into(),
            mime_type: "image/png".into(),
            width: Some(1600),
            height: Some(900),
            byte_size: 12345,
            alt: "Cranes over the harbour".into(),
            caption: "The harbour at dawn.".into(),
            credit: "Source: Lantern Photo".into(),
            uploaded_by: None,
            variants: [1200, 400, 800]
                .into_iter()
                .map(|w| MediaVariant {
                    width: w,
                    height: w * 9 / 16,
                    mime_type: "image/webp".into(),
                    storage_key: format!("2026/03/harbour-{w}.webp"),
                    byte_size: u64::from(w) * 10,
                })
                .collect(),
        })
        .await
        .unwrap();
    let widths: Vec<u32> = media.variants.iter().map(|v| v.width).collect();
    assert_eq!(widths, [400, 800, 1200], "variants come narrowest first");
    assert_eq!(store.media(media.id).await.unwrap().as_ref(), Some(&media));
    assert_eq!(
        store
            .media_many(&[media.id, MediaId(999_999)])
            .await
            .unwrap(),
        vec![media.clone()]
    );
    assert!(store.media_many(&[]).await.unwrap().is_empty());
    let content = ArticleContent {
        title: "Harbour strike ends after 40 days".into(),
        standfirst: "Dockers accept a 6% raise.".into(),
        body: masthead_core::document::Document::from_markdown(
            "Workers **returned** on Monday.[^1]\n\n[^1]: Union statement.",
        ),
        custom_excerpt: String::new(),
        featured_image: Some(FeaturedImage {
            media_id: media.id,
            alt: media.alt.clone(),
            caption: media.caption.clone(),
            credit: media.credit.clone(),
        }),
        section_id: Some(f.business.id),
        tags: vec!["Labour".into(), "Ports".into(), "Économie".into()],
        authors: vec![f.author.id, f.contributor.id],
        editors: vec![f.editor.id],
        article_type: ArticleType::Analysis,
        visibility: Visibility::Members,
        tiers: Vec::new(),
        seo: Seo {
            meta_title: "Strike ends".into(),
            meta_description: "The 40-day strike is over.".into(),
            social_image: "/media/social.png".into(),
            canonical_url: "https://example.com/strike".into(),
        },
        sources: vec![
            Source {
                name: "Port Authority".into(),
                url: "https://port.example".into(),
                note: "Press release".into(),
            },
            Source {
                name: "Union".into(),
                url: String::new(),
                note: String::new(),
            },
        ],
    };
    // An editor credits several people (writers below editor credit only themselves).
    let id = newsroom
        .create_draft(actor(&f.editor), content.clone(), t0())
        .await
        .unwrap();
    let article = store.article(id).await.unwrap().unwrap();
    assert_eq!(article.content(), content);
    assert_eq!(article.slug, "harbour-strike-ends-after-40-days");
    assert_eq!(article.status, Status::Draft);
    assert_eq!(article.created_at, t0());
    assert_eq!(article.updated_at, t0());
    assert_eq!(article.section.as_ref().unwrap().slug, "business");
    assert_eq!(
        article
            .tags
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>(),
        ["labour", "ports", "economie"]
    );
    assert_eq!(article.authors[0].name, "Ada Author");
    assert_eq!(article.editors[0].name, "Ed Editor");
    assert!(article.body_html.contains("<strong>returned</strong>"));
    assert_eq!(article.excerpt, "Workers returned on Monday.");
    assert_eq!(article.word_count, 4);
    assert_eq!(
        article.path(),
        "/business/harbour-strike-ends-after-40-days/"
    );
    assert_eq!(
        store.article_by_slug(&article.slug).await.unwrap(),
        Some(article.clone())
    );

    // Same title again: the slug gets a number, never a collision.
    let second = newsroom
        .create_draft(actor(&f.editor), content.clone(), t0())
        .await
        .unwrap();
    assert_eq!(
        store.article(second).await.unwrap().unwrap().slug,
        "harbour-strike-ends-after-40-days-2"
    );

    // Replacing the content replaces tags, credits and sources too, and who may read
    // it: here the members of two chosen tiers.
    let patron = fixtures::paid_tier(&*store, "patron").await;
    let backer = fixtures::paid_tier(&*store, "backer").await;
    let mut edited = content.clone();
    edited.visibility = Visibility::Tiers;
    edited.tiers = vec![];
    assert!(matches!(
        newsroom
            .update(
                actor(&f.editor),
                id,
                edited.clone(),
                t0() + Duration::minutes(5)
            )
            .await,
        Err(Error::Invalid(_))
    ));
    edited.tiers = vec![patron, backer];
    edited.tags = vec!["Ports".into()];
    edited.authors = vec![f.author.id];
    edited.editors = Vec::new();
    edited.sources.truncate(1);
    edited.body = masthead_core::document::Document::from_markdown("New body.");
    newsroom
        .update(
            actor(&f.editor),
            id,
            edited.clone(),
            t0() + Duration::minutes(5),
        )
        .await
        .unwrap();
    let article = store.article(id).await.unwrap().unwrap();
    assert_eq!(article.content(), edited);
    assert_eq!(article.body_html.trim(), "<p>New body.</p>");
    assert_eq!(article.updated_at, t0() + Duration::minutes(5));

    // Invalid content is refused and the stored article is untouched.
    let mut bad = edited.clone();
    bad.title = String::new();
    assert!(matches!(
        newsroom.update(actor(&f.author), id, bad, t0()).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.article(id).await.unwrap().unwrap().content(), edited);

    // The contributor was dropped from the byline, so the article is no longer theirs.
    assert!(matches!(
        newsroom
            .update(actor(&f.contributor), id, edited, t0())
            .await,
        Err(Error::Forbidden(_))
    ));
}

async fn workflow_moves_articles_between_lists(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Council votes on budget", "The council met.");
    content.section_id = Some(f.world.id);
    let id = newsroom
        .create_draft(actor(&f.contributor), content, t0())
        .await
        .unwrap();
    let all = published(ArticleFilter::All, 1, 20);
    let latest = || store.list_articles(&all);
    assert_eq!(latest().await.unwrap().total, 0);

    assert!(matches!(
        newsroom
            .transition(actor(&f.contributor), id, Status::Published, None, t0())
            .await,
        Err(Error::Forbidden(_))
    ));
    newsroom
        .transition(actor(&f.contributor), id, Status::InReview, None, t0())
        .await
        .unwrap();
    let in_review = store
        .list_articles(&ArticleQuery {
            filter: ArticleFilter::All,
            status: Some(Status::InReview),
            page: PageRequest::numbered(1, 20),
        })
        .await
        .unwrap();
    assert_eq!(
        in_review.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [id]
    );
    // Creating kept the first revision and an audit entry, with the change.
    assert_eq!(store.revisions(id).await.unwrap().len(), 1);
    let audit = || async {
        store
            .audit_log(PageRequest::numbered(1, 100))
            .await
            .unwrap()
            .items
    };
    let created = audit().await;
    assert!(
        created
            .iter()
            .any(|e| e.action == AuditAction::ArticleCreated
                && e.target == format!("Council votes on budget (#{id})")),
        "{created:?}"
    );

    // A review sent back needs a note; without one nothing moves and nothing is written.
    let from_desk = newsroom.from_address("203.0.113.9");
    let refused = from_desk
        .transition_with_note(actor(&f.editor), id, Status::Draft, None, "  ", t0())
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid(e)) if e[0].field == "note"),
        "{refused:?}"
    );
    assert_eq!(
        store.article(id).await.unwrap().unwrap().status,
        Status::InReview
    );
    assert_eq!(audit().await.len(), created.len());
    from_desk
        .transition_with_note(
            actor(&f.editor),
            id,
            Status::Draft,
            None,
            "Needs a second source.",
            t0(),
        )
        .await
        .unwrap();
    let notes = store.notes(id).await.unwrap();
    assert_eq!(notes[0].note, "Needs a second source.");
    assert_eq!(notes[0].person, Some(f.editor.id));
    let sent_back = &audit().await[0];
    assert_eq!(
        (
            sent_back.action,
            sent_back.target.as_str(),
            sent_back.ip.as_str()
        ),
        (
            AuditAction::StatusChanged,
            format!("Council votes on budget (in review → draft) (#{id})").as_str(),
            "203.0.113.9"
        )
    );
    newsroom
        .transition(actor(&f.contributor), id, Status::InReview, None, t0())
        .await
        .unwrap();

    let at = t0() + Duration::hours(1);
    newsroom
        .transition(actor(&f.editor), id, Status::Published, None, at)
        .await
        .unwrap();
    let page = latest().await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].published_at, Some(at));
    assert_eq!(page.items[0].path(), "/world/council-votes-on-budget/");

    newsroom
        .transition(actor(&f.editor), id, Status::Unpublished, None, at)
        .await
        .unwrap();
    assert_eq!(latest().await.unwrap().total, 0);
    newsroom
        .transition(
            actor(&f.editor),
            id,
            Status::Published,
            None,
            at + Duration::hours(2),
        )
        .await
        .unwrap();
    let article = store.article(id).await.unwrap().unwrap();
    assert_eq!(
        article.published_at,
        Some(at),
        "republishing keeps the first date"
    );
    assert!(matches!(
        newsroom
            .transition(actor(&f.editor), id, Status::InReview, None, at)
            .await,
        Err(Error::Conflict(_))
    ));
}

async fn lists_are_newest_first_paginated_and_filtered(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut world = Vec::new();
    for i in 0..7 {
        let author = if i % 2 == 0 { f.author.id } else { f.editor.id };
        world.push(
            fixtures::published(
                &newsroom,
                &format!("World story {i}"),
                &f.world,
                author,
                &f.editor,
                i,
            )
            .await,
        );
    }
    let business = fixtures::published(
        &newsroom,
        "Markets rally",
        &f.business,
        f.author.id,
        &f.editor,
        100,
    )
    .await;
    // Two stories published in the same instant keep a stable order (newest id first).
    let tie = fixtures::published(&newsroom, "Tie", &f.business, f.editor.id, &f.editor, 100).await;

    let all = store
        .list_articles(&published(ArticleFilter::All, 1, 4))
        .await
        .unwrap();
    assert_eq!(all.total, 9);
    assert_eq!(all.page_count(), 3);
    assert_eq!(
        all.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [tie, business, world[6], world[5]]
    );
    let last = store
        .list_articles(&published(ArticleFilter::All, 3, 4))
        .await
        .unwrap();
    assert_eq!(
        last.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [world[0]]
    );
    assert_eq!(last.number(), 3);

    let by_section = store
        .list_articles(&published(ArticleFilter::Section(f.world.id), 1, 3))
        .await
        .unwrap();
    assert_eq!(by_section.total, 7);
    assert_eq!(
        by_section.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [world[6], world[5], world[4]]
    );
    assert!(by_section
        .items
        .iter()
        .all(|a| a.section.as_ref().unwrap().name == "World"));

    let by_author = store
        .list_articles(&published(ArticleFilter::Author(f.author.id), 1, 20))
        .await
        .unwrap();
    assert_eq!(
        by_author.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [business, world[6], world[4], world[2], world[0]]
    );

    let tag = store.tag_by_slug("elections").await.unwrap().unwrap();
    let by_tag = store
        .list_articles(&published(ArticleFilter::Tag(tag.id), 2, 5))
        .await
        .unwrap();
    assert_eq!(by_tag.total, 9);
    assert_eq!(by_tag.items.len(), 4);
    assert_eq!(
        store
            .tags()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Elections", "Europe"]
    );

    let beyond = store
        .list_articles(&published(ArticleFilter::All, 99, 4))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 9);
}

async fn published_slug_change_leaves_redirects_without_chains(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id =
        fixtures::published(&newsroom, "First name", &f.world, f.author.id, &f.editor, 0).await;
    let ed = actor(&f.editor);
    newsroom
        .change_slug(ed, id, "second-name", t0())
        .await
        .unwrap();
    newsroom
        .change_slug(ed, id, "third-name", t0())
        .await
        .unwrap();
    for old in ["/world/first-name/", "/world/second-name/"] {
        let r = store.redirect_for(old).await.unwrap().unwrap();
        assert_eq!(
            (r.to_path.as_str(), r.status_code),
            ("/world/third-name/", 301),
            "{old}"
        );
    }
    // Going back to an earlier name must not leave a redirect loop.
    newsroom
        .change_slug(ed, id, "first-name", t0())
        .await
        .unwrap();
    assert_eq!(
        store.redirect_for("/world/first-name/").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .redirect_for("/world/third-name/")
            .await
            .unwrap()
            .unwrap()
            .to_path,
        "/world/first-name/"
    );
    assert_eq!(
        store
            .redirect_for("/world/second-name/")
            .await
            .unwrap()
            .unwrap()
            .to_path,
        "/world/first-name/"
    );

    let other = fixtures::published(&newsroom, "Other", &f.world, f.author.id, &f.editor, 1).await;
    assert!(matches!(
        newsroom.change_slug(ed, other, "first-name", t0()).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        newsroom.change_slug(ed, other, "Bad Slug", t0()).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.article(other).await.unwrap().unwrap().slug, "other");
}

async fn draft_slug_change_leaves_no_redirect(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Draft title", "Body");
    content.section_id = Some(f.world.id);
    let id = newsroom
        .create_draft(actor(&f.author), content, t0())
        .await
        .unwrap();
    newsroom
        .change_slug(actor(&f.author), id, "better-title", t0())
        .await
        .unwrap();
    assert_eq!(
        store.article(id).await.unwrap().unwrap().slug,
        "better-title"
    );
    assert_eq!(
        store.redirect_for("/world/draft-title/").await.unwrap(),
        None
    );
}

async fn section_move_of_published_article_redirects(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id =
        fixtures::published(&newsroom, "Trade deal", &f.world, f.author.id, &f.editor, 0).await;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.section_id = Some(f.business.id);
    newsroom
        .update(actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    let r = store
        .redirect_for("/world/trade-deal/")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.to_path, "/business/trade-deal/");
}

async fn corrections_are_stamped_and_restricted(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Bridge opens",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let at = t0() + Duration::days(1);
    assert!(matches!(
        newsroom
            .add_correction(actor(&f.author), id, CorrectionKind::Correction, "x", at)
            .await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        newsroom
            .add_correction(actor(&f.editor), id, CorrectionKind::Correction, "  ", at)
            .await,
        Err(Error::Invalid(_))
    ));
    newsroom
        .add_correction(
            actor(&f.editor),
            id,
            CorrectionKind::Correction,
            "The bridge is 2 km long, not 3 km.",
            at,
        )
        .await
        .unwrap();
    newsroom
        .add_correction(
            actor(&f.editor),
            id,
            CorrectionKind::Update,
            "Traffic figures added.",
            at + Duration::hours(1),
        )
        .await
        .unwrap();
    let article = store.article(id).await.unwrap().unwrap();
    assert_eq!(article.corrections.len(), 2);
    assert_eq!(article.corrections[0].kind, CorrectionKind::Correction);
    assert_eq!(article.corrections[0].created_at, at);
    assert_eq!(article.corrections[1].text, "Traffic figures added.");
    assert_eq!(article.updated_at, at + Duration::hours(1));

    let draft = newsroom
        .create_draft(
            actor(&f.author),
            ArticleContent::new("Unpublished", "b"),
            t0(),
        )
        .await
        .unwrap();
    assert!(matches!(
        newsroom
            .add_correction(actor(&f.editor), draft, CorrectionKind::Correction, "x", at)
            .await,
        Err(Error::Conflict(_))
    ));
}

async fn scheduled_articles_publish_when_due(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = newsroom
        .create_draft(
            actor(&f.author),
            ArticleContent::new("Embargoed report", "b"),
            t0(),
        )
        .await
        .unwrap();
    let at = t0() + Duration::hours(2);
    assert!(matches!(
        newsroom
            .transition(actor(&f.author), id, Status::Scheduled, Some(t0()), t0())
            .await,
        Err(Error::Invalid(_))
    ));
    newsroom
        .transition(actor(&f.author), id, Status::Scheduled, Some(at), t0())
        .await
        .unwrap();
    assert!(store
        .due_scheduled(at - Duration::seconds(1))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        newsroom
            .publish_due(at - Duration::seconds(1))
            .await
            .unwrap(),
        0
    );
    // The server was down at `at` and comes back ten minutes later.
    let later = at + Duration::minutes(10);
    assert_eq!(store.due_scheduled(later).await.unwrap(), [id]);
    assert_eq!(newsroom.publish_due(later).await.unwrap(), 1);
    let article = store.article(id).await.unwrap().unwrap();
    assert_eq!(article.status, Status::Published);
    assert_eq!(
        article.published_at,
        Some(at),
        "published at its scheduled time"
    );
    assert_eq!(article.scheduled_at, None);
    assert!(store.due_scheduled(later).await.unwrap().is_empty());
    // The byline scheduled it, so hears only of its publication, by no one.
    let told = store.notifications(f.author.id, 10).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].event, masthead_core::notification::Event::Published);
    assert_eq!(told[0].actor_name, "");
    assert_eq!(
        told[0].summary(),
        "“Embargoed report” was published as scheduled."
    );
}

async fn comments_thread_and_moderate(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let a = fixtures::published(&newsroom, "Story A", &f.world, f.author.id, &f.editor, 0).await;
    let b = fixtures::published(&newsroom, "Story B", &f.world, f.author.id, &f.editor, 1).await;
    let reader = store
        .create_member(&NewMember {
            email: "Reader@Example.com".into(),
            name: "Rita Reader".into(),
        })
        .await
        .unwrap();
    let comment = |article, parent, body: &str, minutes| {
        NewComment::plain(
            article,
            masthead_core::comment::Author::Member(reader.id),
            parent,
            body,
            CommentStatus::Approved,
            t0() + Duration::minutes(minutes),
        )
    };
    let first = store
        .add_comment(&comment(a, None, "Great reporting.", 0))
        .await
        .unwrap();
    assert_eq!(first.author_name, "Rita Reader");
    let reply = store
        .add_comment(&comment(a, Some(first.id), "Agreed!", 1))
        .await
        .unwrap();
    assert_eq!(reply.parent_id, Some(first.id));
    assert!(matches!(
        store
            .add_comment(&comment(b, Some(first.id), "Wrong thread", 2))
            .await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store.add_comment(&comment(a, None, "   ", 2)).await,
        Err(Error::Invalid(_))
    ));
    let approved = store.comments(a, CommentStatus::Approved).await.unwrap();
    assert_eq!(
        approved.iter().map(|c| c.id).collect::<Vec<_>>(),
        [first.id, reply.id]
    );
    let approved_count = |id| {
        let store = store.clone();
        async move { store.article(id).await.unwrap().unwrap().approved_comments }
    };
    assert_eq!(approved_count(a).await, 2, "counted on the article");
    assert_eq!(approved_count(b).await, 0);
    store
        .moderate_comment(reply.id, CommentStatus::Spam, &moderated())
        .await
        .unwrap();
    assert_eq!(
        store
            .comments(a, CommentStatus::Approved)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.comments(a, CommentStatus::Spam).await.unwrap().len(),
        1
    );
    assert_eq!(approved_count(a).await, 1, "spam is not counted");
    assert!(matches!(
        store
            .moderate_comment(
                masthead_core::ids::CommentId(999_999),
                CommentStatus::Spam,
                &moderated()
            )
            .await,
        Err(Error::NotFound(_))
    ));
    // Waiting for a moderator: every article's pending comments, oldest first, with
    // where they are.
    let pending = |article, body: &str, minutes| NewComment {
        status: CommentStatus::Pending,
        ..comment(article, None, body, minutes)
    };
    let later = store
        .add_comment(&pending(a, "Second in line", 9))
        .await
        .unwrap();
    let sooner = store
        .add_comment(&pending(b, "First in line", 5))
        .await
        .unwrap();
    let queue = store
        .moderation_queue(Queue::Held, PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(queue.total, 2);
    let ids: Vec<_> = queue.items.iter().map(|c| c.comment.id).collect();
    assert_eq!(ids, [sooner.id, later.id]);
    assert_eq!(queue.items[0].article_title, "Story B");
    assert_eq!(queue.items[0].article_path, "/world/story-b/");
    store
        .moderate_comment(sooner.id, CommentStatus::Approved, &moderated())
        .await
        .unwrap();
    let queue = store
        .moderation_queue(Queue::Held, PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!((queue.total, queue.items[0].comment.id), (1, later.id));
}

async fn bulk_insert_spans_batches(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let renderer = masthead_render::DocumentRenderer::default();
    let batch: Vec<NewArticle> = (0..1203)
        .map(|i| {
            let mut content = ArticleContent::new(format!("Bulk {i}"), format!("Body {i}"));
            content.section_id = Some(if i % 3 == 0 {
                f.world.id
            } else {
                f.business.id
            });
            content.authors = vec![f.author.id];
            content.tags = vec![format!("Topic {}", i % 10), "Bulk".into()];
            let rendered: RenderedBody = renderer.render_now(&content.body, "").unwrap();
            NewArticle {
                content,
                rendered,
                slug: format!("bulk-{i}"),
                status: Status::Published,
                created_at: t0(),
                published_at: Some(t0() + Duration::seconds(i)),
                scheduled_at: None,
                corrections: if i == 7 {
                    vec![NewCorrection {
                        kind: CorrectionKind::Correction,
                        text: "Fixed a name.".into(),
                        created_at: t0(),
                    }]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    store.create_articles(&batch).await.unwrap();
    let all = store
        .list_articles(&published(ArticleFilter::All, 1, 10))
        .await
        .unwrap();
    assert_eq!(all.total, 1203);
    assert_eq!(all.items[0].slug, "bulk-1202");
    let world = store
        .list_articles(&published(ArticleFilter::Section(f.world.id), 1, 10))
        .await
        .unwrap();
    assert_eq!(world.total, 401);
    let topic = store.tag_by_slug("topic-3").await.unwrap().unwrap();
    let tagged = store
        .list_articles(&published(ArticleFilter::Tag(topic.id), 1, 10))
        .await
        .unwrap();
    assert_eq!(tagged.total, 120);
    let seven = store.article_by_slug("bulk-7").await.unwrap().unwrap();
    assert_eq!(
        seven
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Topic 7", "Bulk"]
    );
    assert_eq!(seven.corrections.len(), 1);
    assert_eq!(store.counts().await.unwrap().articles, 1203);
    // A batch with a taken slug is refused whole.
    let again = vec![batch[0].clone()];
    assert!(matches!(
        store.create_articles(&again).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(store.counts().await.unwrap().articles, 1203);
}

async fn members_and_redirects_validate(store: S) {
    let m = NewMember {
        email: "a@example.com".into(),
        name: "A".into(),
    };
    let member = store.create_member(&m).await.unwrap();
    assert_eq!(
        store.member_by_email("A@EXAMPLE.com").await.unwrap(),
        Some(member)
    );
    assert!(matches!(
        store.create_member(&m).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_member(&NewMember {
                email: "nope".into(),
                ..m.clone()
            })
            .await,
        Err(Error::Invalid(_))
    ));
    let r = store.create_redirect("/old/", "/new/", 302).await.unwrap();
    assert_eq!(store.redirect_for("/old/").await.unwrap(), Some(r));
    assert!(matches!(
        store.create_redirect("/old/", "/x/", 301).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store.create_redirect("/a/", "/b/", 200).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store.create_redirect("a", "/b/", 301).await,
        Err(Error::Invalid(_))
    ));
}

async fn health_and_counts(store: S) {
    store.health().await.unwrap();
    store.analyze().await.unwrap();
    assert!(matches!(store.backend(), "sqlite" | "postgres"));
    let before = store.counts().await.unwrap();
    assert_eq!(before.articles, 0);
    fixtures::newsroom(&*store).await;
    let after = store.counts().await.unwrap();
    assert_eq!((after.sections, after.people), (2, 4));
}

/// Every list's total matches the rows it actually holds, whatever happened to the
/// articles: publication, unpublication, section moves, tag and byline changes.
async fn list_totals_follow_every_change(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let ed = actor(&f.editor);
    let a = fixtures::published(&newsroom, "A", &f.world, f.author.id, &f.editor, 0).await;
    let b = fixtures::published(&newsroom, "B", &f.world, f.editor.id, &f.editor, 1).await;
    let c = newsroom
        .create_draft(actor(&f.author), ArticleContent::new("C", "c"), t0())
        .await
        .unwrap();
    newsroom
        .transition(ed, b, Status::Unpublished, None, t0())
        .await
        .unwrap();
    let mut content = store.article(a).await.unwrap().unwrap().content();
    content.section_id = Some(f.business.id);
    content.tags = vec!["Europe".into(), "Trade".into()];
    content.authors = vec![f.editor.id];
    newsroom.update(ed, a, content, t0()).await.unwrap();
    newsroom
        .transition(ed, c, Status::Published, None, t0())
        .await
        .unwrap();

    let tags = store.tags().await.unwrap();
    let mut filters = vec![ArticleFilter::All];
    filters.extend([&f.world, &f.business].map(|s| ArticleFilter::Section(s.id)));
    filters.extend(tags.iter().map(|t| ArticleFilter::Tag(t.id)));
    filters.extend([&f.author, &f.editor, &f.contributor].map(|p| ArticleFilter::Author(p.id)));
    let statuses = [
        None,
        Some(Status::Published),
        Some(Status::Unpublished),
        Some(Status::Draft),
    ];
    let mut nonzero = 0;
    for filter in &filters {
        for status in statuses {
            let query = ArticleQuery {
                filter: *filter,
                status,
                page: PageRequest {
                    offset: 0,
                    limit: 100,
                },
            };
            let page = store.list_articles(&query).await.unwrap();
            assert_eq!(page.total, page.items.len() as u64, "{filter:?} {status:?}");
            nonzero += usize::from(page.total > 0);
        }
    }
    assert!(nonzero > 10, "the lists are not all empty");
    for (filter, expected) in [
        (ArticleFilter::Section(f.world.id), 0),
        (ArticleFilter::Section(f.business.id), 1),
        (ArticleFilter::Author(f.editor.id), 1),
        (ArticleFilter::Author(f.author.id), 1),
    ] {
        let total = store
            .list_articles(&published(filter, 1, 10))
            .await
            .unwrap()
            .total;
        assert_eq!(total, expected, "{filter:?}");
    }
}

/// Many writers flipping two articles that share a section, a tag and a byline between
/// published and unpublished at once, in opposite directions: each change applies whole
/// and none deadlocks, so every list's total still matches its rows.
async fn concurrent_status_changes_keep_lists_consistent(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let a = fixtures::published(&newsroom, "Contested", &f.world, f.author.id, &f.editor, 0).await;
    let b = fixtures::published(
        &newsroom,
        "Also contested",
        &f.world,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..6 {
                let id = if writer % 2 == 0 { a } else { b };
                let status = if (writer / 2 + round) % 2 == 0 {
                    Status::Unpublished
                } else {
                    Status::Published
                };
                let change = masthead_core::workflow::StatusChange {
                    expected: None,
                    status,
                    published_at: Some(t0()),
                    scheduled_at: None,
                    updated_at: t0(),
                };
                store
                    .change_status(id, &change, &Trail::default())
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let tag = store.tag_by_slug("elections").await.unwrap().unwrap();
    let mut live = 0;
    for id in [a, b] {
        live += u64::from(store.article(id).await.unwrap().unwrap().status == Status::Published);
    }
    for filter in [
        ArticleFilter::All,
        ArticleFilter::Section(f.world.id),
        ArticleFilter::Tag(tag.id),
        ArticleFilter::Author(f.author.id),
    ] {
        for (status, expected) in [(Status::Published, live), (Status::Unpublished, 2 - live)] {
            let query = ArticleQuery {
                filter,
                status: Some(status),
                page: PageRequest::numbered(1, 10),
            };
            let page = store.list_articles(&query).await.unwrap();
            assert_eq!(
                (page.total, page.items.len() as u64),
                (expected, expected),
                "{filter:?} {status:?}"
            );
        }
    }
}

async fn locations_for_sitemaps(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    for i in 0..5 {
        fixtures::published(
            &newsroom,
            &format!("Story {i}"),
            &f.world,
            f.author.id,
            &f.editor,
            i * 60,
        )
        .await;
    }
    newsroom
        .create_draft(actor(&f.author), ArticleContent::new("Draft", "x"), t0())
        .await
        .unwrap();
    let all = store.article_locations(0, 100).await.unwrap();
    let slugs: Vec<_> = all.iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(
        slugs,
        ["story-0", "story-1", "story-2", "story-3", "story-4"],
        "published only, oldest first"
    );
    assert_eq!(all[0].path(), "/world/story-0/");
    assert_eq!(all[0].published_at, t0());
    let second_page = store.article_locations(2, 2).await.unwrap();
    assert_eq!(
        second_page
            .iter()
            .map(|l| l.slug.as_str())
            .collect::<Vec<_>>(),
        ["story-2", "story-3"]
    );
    let recent = store
        .recent_locations(t0() + Duration::minutes(120), 10)
        .await
        .unwrap();
    assert_eq!(
        recent.iter().map(|l| l.slug.as_str()).collect::<Vec<_>>(),
        ["story-4", "story-3", "story-2"]
    );
    assert_eq!(
        store.recent_locations(t0(), 2).await.unwrap().len(),
        2,
        "limited"
    );
}

/// Every write that changes what readers see announces it, naming the article and
/// every list it was or is on, before the call returns.
async fn committed_writes_announce_what_changed(store: S) {
    use masthead_core::change::Change;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(&newsroom, "Announced", &f.world, f.author.id, &f.editor, 0).await;
    let tag = store.tag_by_slug("europe").await.unwrap().unwrap();
    let mut changes = store.subscribe();
    let next = |changes: &mut masthead_core::change::ChangeReceiver| {
        changes.try_recv().expect("a change notice")
    };

    // Moving the article to Business: both sections' lists are stale.
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.section_id = Some(f.business.id);
    newsroom
        .update(actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    let Change::Article { id: changed, lists } = next(&mut changes) else {
        panic!("expected an article change")
    };
    assert_eq!(changed, id);
    for list in [
        ArticleFilter::All,
        ArticleFilter::Section(f.world.id),
        ArticleFilter::Section(f.business.id),
        ArticleFilter::Tag(tag.id),
        ArticleFilter::Author(f.author.id),
    ] {
        assert!(lists.contains(&list), "{list:?} missing from {lists:?}");
    }

    newsroom
        .transition(actor(&f.editor), id, Status::Unpublished, None, t0())
        .await
        .unwrap();
    assert!(
        matches!(next(&mut changes), Change::Article { id: changed, lists } if changed == id && lists.contains(&ArticleFilter::All))
    );
    newsroom
        .change_slug(actor(&f.editor), id, "renamed", t0())
        .await
        .unwrap();
    assert!(matches!(next(&mut changes), Change::Article { id: changed, .. } if changed == id));
    store.save_settings(&Settings::default()).await.unwrap();
    assert_eq!(next(&mut changes), Change::Site);
    assert!(changes.try_recv().is_err(), "one notice per write");
    // A refused write announces nothing.
    assert!(newsroom
        .update(
            actor(&f.contributor),
            id,
            ArticleContent::new("x", "y"),
            t0()
        )
        .await
        .is_err());
    assert!(changes.try_recv().is_err());
}

fn page(title: &str, slug: &str, status: PageStatus, position: i32) -> PageContent {
    PageContent {
        slug: slug.into(),
        title: title.into(),
        description: format!("{title} of the paper."),
        body: masthead_core::document::Document::from_markdown(&format!(
            "## {title}\n\nWe **mean** it."
        )),
        status,
        position,
        in_footer: true,
    }
}

async fn static_pages_share_the_top_level_with_sections(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let about = newsroom
        .create_page(page("About us", "about", PageStatus::Published, 2), t0())
        .await
        .unwrap();
    assert_eq!(about.path(), "/about/");
    assert!(
        about.body_html.contains("<strong>mean</strong>"),
        "{}",
        about.body_html
    );
    let ethics = newsroom
        .create_page(page("Ethics policy", "", PageStatus::Published, 1), t0())
        .await
        .unwrap();
    assert_eq!(ethics.slug, "ethics-policy");
    newsroom
        .create_page(page("Contact", "contact", PageStatus::Draft, 0), t0())
        .await
        .unwrap();
    assert_eq!(
        store.page_by_slug("about").await.unwrap(),
        Some(about.clone())
    );
    assert_eq!(store.page_by_slug("nothing").await.unwrap(), None);
    let published: Vec<String> = store
        .static_pages(true)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(
        published,
        ["ethics-policy", "about"],
        "by position, drafts left out"
    );
    assert_eq!(store.static_pages(false).await.unwrap().len(), 3);

    // One address, one owner: a page may not take a section's slug, nor the reverse.
    assert!(matches!(
        newsroom
            .create_page(page("World", "world", PageStatus::Published, 0), t0())
            .await,
        Err(Error::Conflict(_))
    ));
    let section = NewSection {
        name: "About".into(),
        slug: "about".into(),
        description: String::new(),
        position: 9,
        in_navigation: true,
    };
    assert!(matches!(
        store.create_section(&section).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        newsroom
            .create_page(page("About again", "about", PageStatus::Published, 0), t0())
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        newsroom
            .create_page(page("Latest", "latest", PageStatus::Published, 0), t0())
            .await,
        Err(Error::Invalid(_))
    ));

    // Editing renders the new body and keeps the creation time.
    let later = t0() + Duration::hours(1);
    let mut content = page("About The Lantern", "about", PageStatus::Published, 2);
    content.body = masthead_core::document::Document::from_markdown("Founded in *2026*.");
    let edited = newsroom
        .update_page(about.id, content.clone(), later)
        .await
        .unwrap();
    assert_eq!(edited.title, "About The Lantern");
    assert!(edited.body_html.contains("<em>2026</em>"));
    assert_eq!((edited.created_at, edited.updated_at), (t0(), later));
    content.slug = "business".into();
    assert!(matches!(
        newsroom.update_page(about.id, content.clone(), later).await,
        Err(Error::Conflict(_))
    ));
    content.slug = "about".into();
    assert!(matches!(
        newsroom
            .update_page(masthead_core::ids::PageId(999_999), content, later)
            .await,
        Err(Error::NotFound(_))
    ));
    let _ = f;
}

async fn corrections_log_is_newest_first_and_public_only(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let bridge = fixtures::published(
        &newsroom,
        "Bridge opens",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let budget = fixtures::published(
        &newsroom,
        "Budget passes",
        &f.business,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let mut changes = store.subscribe();
    let day = |n| t0() + Duration::days(n);
    newsroom
        .add_correction(
            actor(&f.editor),
            bridge,
            CorrectionKind::Correction,
            "2 km, not 3 km.",
            day(1),
        )
        .await
        .unwrap();
    assert!(
        matches!(changes.try_recv().unwrap(), masthead_core::change::Change::Article { id, .. } if id == bridge)
    );
    assert_eq!(
        changes.try_recv().unwrap(),
        masthead_core::change::Change::Correction { article: bridge }
    );
    newsroom
        .add_correction(
            actor(&f.editor),
            budget,
            CorrectionKind::Update,
            "Vote count added.",
            day(2),
        )
        .await
        .unwrap();
    newsroom
        .add_correction(
            actor(&f.editor),
            bridge,
            CorrectionKind::Update,
            "Opening hours added.",
            day(3),
        )
        .await
        .unwrap();
    let log = store
        .corrections_log(PageRequest::numbered(1, 2))
        .await
        .unwrap();
    assert_eq!(log.total, 3);
    let texts: Vec<&str> = log
        .items
        .iter()
        .map(|c| c.correction.text.as_str())
        .collect();
    assert_eq!(texts, ["Opening hours added.", "Vote count added."]);
    assert_eq!(log.items[0].article.id, bridge);
    assert_eq!(log.items[0].correction.kind, CorrectionKind::Update);
    assert_eq!(log.items[1].article.title, "Budget passes");
    let second = store
        .corrections_log(PageRequest::numbered(2, 2))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].correction.created_at, day(1));

    // Unpublished articles leave the public log.
    newsroom
        .transition(actor(&f.editor), budget, Status::Unpublished, None, day(4))
        .await
        .unwrap();
    let log = store
        .corrections_log(PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(log.total, 2);
    assert!(log.items.iter().all(|c| c.article.id == bridge));
}

async fn views_add_up_into_most_read(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let a = fixtures::published(&newsroom, "Alpha", &f.world, f.author.id, &f.editor, 0).await;
    let b = fixtures::published(&newsroom, "Beta", &f.world, f.author.id, &f.editor, 1).await;
    let c = fixtures::published(&newsroom, "Gamma", &f.world, f.author.id, &f.editor, 2).await;
    // Reads at minute 30 of an hour `n` hours after t0.
    let hour = |n: i64| t0() + Duration::hours(n) + Duration::minutes(30);
    let mut changes = store.subscribe();
    store
        .record_views(hour(0), &[(a, 50), (b, 5)])
        .await
        .unwrap();
    assert_eq!(
        changes.try_recv().unwrap(),
        masthead_core::change::Change::Readership
    );
    store
        .record_views(hour(25), &[(b, 10), (c, 12), (ArticleId(999_999), 7)])
        .await
        .unwrap();
    store.record_views(hour(25), &[(b, 10)]).await.unwrap();
    store.record_views(hour(25), &[]).await.unwrap();

    let titles = |list: Vec<masthead_core::article::ArticleSummary>| {
        list.into_iter().map(|a| a.title).collect::<Vec<_>>()
    };
    assert_eq!(
        titles(store.most_read(hour(0), 10).await.unwrap()),
        ["Alpha", "Beta", "Gamma"]
    );
    // The hour `since` falls in counts whole: reads at :30 are in from :59.
    assert_eq!(
        titles(
            store
                .most_read(hour(25) + Duration::minutes(29), 10)
                .await
                .unwrap()
        ),
        ["Beta", "Gamma"],
        "views of the same hour add up"
    );
    assert_eq!(
        titles(store.most_read(hour(1), 10).await.unwrap()),
        ["Beta", "Gamma"],
        "24 hours later, the first hour's reads are out"
    );
    assert_eq!(
        titles(store.most_read(hour(0), 1).await.unwrap()),
        ["Alpha"]
    );
    assert!(store.most_read(hour(26), 10).await.unwrap().is_empty());
    // The per-day counts keep them all.
    let day = t0().date_naive();
    let two_days = || async {
        let days = store
            .daily_views(None, day, day + Duration::days(1))
            .await
            .unwrap();
        days.iter().map(|(_, n)| n).sum::<u64>()
    };
    assert_eq!(two_days().await, 87);
    newsroom
        .transition(actor(&f.editor), b, Status::Unpublished, None, t0())
        .await
        .unwrap();
    assert_eq!(
        titles(store.most_read(hour(25), 10).await.unwrap()),
        ["Gamma"]
    );
    // Hours older than a week and a day go as new ones are written; days stay.
    store
        .record_views(hour(25) + masthead_core::analytics::HOURLY_KEPT, &[(c, 1)])
        .await
        .unwrap();
    assert_eq!(
        titles(store.most_read(hour(0), 10).await.unwrap()),
        ["Gamma"],
        "only the new hour is left"
    );
    assert_eq!(two_days().await, 87);
}

fn moderated() -> NewAuditEntry {
    audit(t0(), None, AuditAction::CommentModerated, "a comment")
}

fn audit(
    at: chrono::DateTime<chrono::Utc>,
    actor: Option<&masthead_core::people::Person>,
    action: AuditAction,
    target: &str,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: actor.map(|p| p.id),
        action,
        target: target.to_owned(),
        ip: "192.0.2.7".to_owned(),
    }
}

fn new_session(
    hash: &str,
    person: &masthead_core::people::Person,
    at: chrono::DateTime<chrono::Utc>,
) -> NewSession {
    NewSession {
        token_hash: hash.to_owned(),
        owner: person.id,
        csrf_token: format!("csrf-{hash}"),
        created_at: at,
        ip: "192.0.2.7".to_owned(),
        user_agent: "test".to_owned(),
    }
}

async fn sessions_expire_and_end(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    let login = |p| audit(t, Some(p), AuditAction::LoggedIn, "");
    store
        .start_session(
            &new_session("h1", &f.editor, t),
            &f.editor.email,
            &login(&f.editor),
        )
        .await
        .unwrap();
    store
        .start_session(
            &new_session("h2", &f.editor, t),
            &f.editor.email,
            &login(&f.editor),
        )
        .await
        .unwrap();
    store
        .start_session(
            &new_session("h3", &f.author, t),
            &f.author.email,
            &login(&f.author),
        )
        .await
        .unwrap();
    let s = store
        .session("h1", t + Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.owner.id, s.csrf_token.as_str()),
        (f.editor.id, "csrf-h1")
    );
    assert_eq!(s.expires_at, t + SESSION_IDLE);
    assert!(store.session("nope", t).await.unwrap().is_none());
    // Idle for longer than allowed: gone, unless it was used in between.
    let late = t + SESSION_IDLE + Duration::minutes(1);
    assert!(store.session("h1", late).await.unwrap().is_none());
    let seen = t + Duration::days(6);
    store
        .touch_session("h1", seen, session_expiry(t, seen))
        .await
        .unwrap();
    let s = store.session("h1", late).await.unwrap().unwrap();
    assert_eq!(s.last_seen_at, seen);
    // Logging out ends one session; logging out everywhere ends all of one person's.
    store
        .end_session(
            "h1",
            &audit(seen, Some(&f.editor), AuditAction::LoggedOut, ""),
        )
        .await
        .unwrap();
    assert!(store.session("h1", seen).await.unwrap().is_none());
    assert!(store.session("h2", seen).await.unwrap().is_some());
    store
        .start_session(
            &new_session("h4", &f.editor, seen),
            &f.editor.email,
            &login(&f.editor),
        )
        .await
        .unwrap();
    let ended = store
        .end_sessions(
            f.editor.id,
            &audit(seen, Some(&f.editor), AuditAction::LoggedOutEverywhere, ""),
        )
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(store.session("h4", seen).await.unwrap().is_none());
    assert!(
        store.session("h3", seen).await.unwrap().is_some(),
        "others stay"
    );
    // Starting a session drops expired ones.
    let much_later = t + Duration::days(40);
    store
        .start_session(
            &new_session("h5", &f.admin, much_later),
            &f.admin.email,
            &audit(much_later, Some(&f.admin), AuditAction::LoggedIn, ""),
        )
        .await
        .unwrap();
    assert!(
        store.session("h3", t).await.unwrap().is_none(),
        "h3 was removed"
    );
    // Every call left its audit entry, newest first, with the actor's name.
    let log = store.audit_log(PageRequest::numbered(1, 3)).await.unwrap();
    assert_eq!(log.total, 7);
    assert_eq!(log.items.len(), 3);
    assert_eq!(log.items[0].action, AuditAction::LoggedIn);
    assert_eq!(log.items[0].actor_name, f.admin.name);
    assert_eq!(log.items[1].action, AuditAction::LoggedOutEverywhere);
    assert_eq!(log.items[1].actor, Some(f.editor.id));
    assert_eq!(log.items[1].ip, "192.0.2.7");
}

async fn login_failures_count_per_key_and_window(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    for minute in 0..3 {
        let at = t + Duration::minutes(minute);
        store
            .record_login_failure(
                &[
                    (AttemptKind::Account, "ana@example.com"),
                    (AttemptKind::Ip, "192.0.2.7"),
                ],
                at,
                Some(&audit(
                    at,
                    None,
                    AuditAction::LoginFailed,
                    "ana@example.com",
                )),
            )
            .await
            .unwrap();
    }
    store
        .record_login_failure(
            &[
                (AttemptKind::Account, "bo@example.com"),
                (AttemptKind::Ip, "192.0.2.7"),
            ],
            t,
            Some(&audit(t, None, AuditAction::LoginFailed, "bo@example.com")),
        )
        .await
        .unwrap();
    let ana = store
        .login_failures(AttemptKind::Account, "ana@example.com", t)
        .await
        .unwrap();
    assert_eq!((ana.count, ana.oldest), (3, Some(t)));
    let ip = store
        .login_failures(AttemptKind::Ip, "192.0.2.7", t)
        .await
        .unwrap();
    assert_eq!(ip.count, 4);
    let recent = store
        .login_failures(
            AttemptKind::Account,
            "ana@example.com",
            t + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (recent.count, recent.oldest),
        (2, Some(t + Duration::minutes(1)))
    );
    let none = store
        .login_failures(AttemptKind::Account, "cy@example.com", t)
        .await
        .unwrap();
    assert_eq!((none.count, none.oldest), (0, None));
    // A successful login clears its account's failures, not the address's.
    store
        .start_session(
            &new_session("h", &f.author, t + Duration::minutes(5)),
            "ana@example.com",
            &audit(t, Some(&f.author), AuditAction::LoggedIn, ""),
        )
        .await
        .unwrap();
    let ana = store
        .login_failures(AttemptKind::Account, "ana@example.com", t)
        .await
        .unwrap();
    assert_eq!(ana.count, 0);
    let ip = store
        .login_failures(AttemptKind::Ip, "192.0.2.7", t)
        .await
        .unwrap();
    assert_eq!(ip.count, 4);
    // Failures older than a day are forgotten at the next failure.
    store
        .record_login_failure(
            &[(AttemptKind::Ip, "198.51.100.1")],
            t + Duration::days(2),
            None,
        )
        .await
        .unwrap();
    let ip = store
        .login_failures(AttemptKind::Ip, "192.0.2.7", t - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(ip.count, 0);
    let log = store.audit_log(PageRequest::numbered(1, 10)).await.unwrap();
    assert_eq!(log.items[0].action, AuditAction::LoginFailed);
    assert_eq!(
        (log.items[0].actor, log.items[0].actor_name.as_str()),
        (None, "")
    );
    // A role change is stored with its audit entry.
    let promoted = store
        .set_role(
            f.author.id,
            Role::Editor,
            &audit(
                t,
                Some(&f.admin),
                AuditAction::RoleChanged,
                "Ada Author: author → editor",
            ),
        )
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Editor);
    assert_eq!(
        store.person(f.author.id).await.unwrap().unwrap().role,
        Role::Editor
    );
    let log = store.audit_log(PageRequest::numbered(1, 10)).await.unwrap();
    assert!(log
        .items
        .iter()
        .any(|e| e.action == AuditAction::RoleChanged && e.actor_name == f.admin.name));
    assert!(matches!(
        store
            .set_role(
                masthead_core::ids::PersonId(999_999),
                Role::Admin,
                &audit(t, Some(&f.admin), AuditAction::RoleChanged, "")
            )
            .await,
        Err(Error::NotFound(_))
    ));
}

async fn revisions_keep_every_save_and_one_working_copy_per_stretch(store: S) {
    use masthead_core::revision::{RevisionKind, AUTOSAVE_STRETCH, PRESENCE_WINDOW};
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let t = t0();
    let id = newsroom
        .create_draft(actor(&f.author), ArticleContent::new("Draft", "One."), t)
        .await
        .unwrap();
    let mut content = ArticleContent::new("Draft", "One two.");
    let first = store
        .save_revision(id, f.author.id, RevisionKind::Autosave, &content, t)
        .await
        .unwrap();
    // Typing on: the same working copy, brought up to date.
    content.body = masthead_core::document::Document::from_markdown("One two three.");
    let again = store
        .save_revision(
            id,
            f.author.id,
            RevisionKind::Autosave,
            &content,
            t + Duration::minutes(4),
        )
        .await
        .unwrap();
    assert_eq!(again, first);
    // Someone else's autosave, a save, or a pause: new revisions; nothing replaced.
    let other = store
        .save_revision(
            id,
            f.editor.id,
            RevisionKind::Autosave,
            &content,
            t + Duration::minutes(5),
        )
        .await
        .unwrap();
    assert_ne!(other, first);
    content.body = masthead_core::document::Document::from_markdown("Saved text.");
    let saved = store
        .save_revision(
            id,
            f.author.id,
            RevisionKind::Save,
            &content,
            t + Duration::minutes(6),
        )
        .await
        .unwrap();
    let late = t + Duration::minutes(6) + AUTOSAVE_STRETCH + Duration::minutes(1);
    content.body = masthead_core::document::Document::from_markdown("After a pause.");
    let after_pause = store
        .save_revision(id, f.author.id, RevisionKind::Autosave, &content, late)
        .await
        .unwrap();
    let list = store.revisions(id).await.unwrap();
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    // (The oldest is the draft's creation, saved by the newsroom.)
    assert_eq!(ids[..4], [after_pause, saved, other, first]);
    assert_eq!((ids.len(), list[4].kind), (5, RevisionKind::Save));
    assert_eq!(list[1].kind, RevisionKind::Save);
    assert_eq!(list[3].person_name, f.author.name);
    assert_eq!(
        (list[3].created_at, list[3].updated_at),
        (t, t + Duration::minutes(4))
    );
    let working = store.revision(first).await.unwrap().unwrap();
    assert_eq!(working.content.body.to_markdown(), "One two three.\n");
    assert_eq!(working.content.title, "Draft");
    assert!(store.revision(999_999).await.unwrap().is_none());
    // The person's newest autosave newer than a time, for restoring unsaved work.
    let newest = store
        .autosave_since(id, f.author.id, late - Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.content.body.to_markdown(), "After a pause.\n");
    assert!(store
        .autosave_since(id, f.author.id, late)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .autosave_since(id, f.admin.id, t - Duration::days(1))
        .await
        .unwrap()
        .is_none());
    // Who has the editor open: whoever saved lately, or marked it.
    store
        .mark_editing(id, f.admin.id, late + Duration::seconds(1))
        .await
        .unwrap();
    let editing = store.editing(id, late - PRESENCE_WINDOW).await.unwrap();
    let names: Vec<&str> = editing.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, [f.admin.name.as_str(), f.author.name.as_str()]);
    // A save made on an older version loses against one made since, under the lock.
    let article = store.article(id).await.unwrap().unwrap();
    let renderer = masthead_render::DocumentRenderer::default();
    let newer = ArticleContent::new("Draft", "Saved first.");
    let rendered = renderer
        .render_now(
            &masthead_core::document::Document::from_markdown("Saved first."),
            "",
        )
        .unwrap();
    let mut newer = newer;
    newer.authors = vec![f.author.id];
    let saved_at = t + Duration::hours(1);
    let update = |at, expected| ContentUpdate {
        content: &newer,
        rendered: &rendered,
        moved: None,
        updated_at: at,
        expected,
    };
    // A change's trail (revision, note, audit entry) is written with it or not at all.
    let trail = Trail {
        revision_by: Some(f.author.id),
        note: Some((f.author.id, "Tightened the top.".into())),
        audit: Some(NewAuditEntry {
            at: saved_at,
            actor: Some(f.author.id),
            action: AuditAction::StatusChanged,
            target: "Draft".into(),
            ip: "192.0.2.7".into(),
        }),
        notifications: Vec::new(),
        webhook: None,
    };
    let revisions_before = store.revisions(id).await.unwrap().len();
    let audit_before = store
        .audit_log(PageRequest::numbered(1, 100))
        .await
        .unwrap()
        .total;
    let notes_before = store.notes(id).await.unwrap().len();
    store
        .update_article_content(id, &update(saved_at, Some(article.updated_at)), &trail)
        .await
        .unwrap();
    assert_eq!(
        store.revisions(id).await.unwrap().len(),
        revisions_before + 1
    );
    assert_eq!(store.notes(id).await.unwrap().len(), notes_before + 1);
    let log = store
        .audit_log(PageRequest::numbered(1, 100))
        .await
        .unwrap();
    assert_eq!(log.total, audit_before + 1);
    assert_eq!(log.items[0].target, format!("Draft (#{id})"));
    assert_eq!(log.items[0].ip, "192.0.2.7");
    let stale = store
        .update_article_content(
            id,
            &update(saved_at + Duration::seconds(1), Some(article.updated_at)),
            &trail,
        )
        .await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    assert_eq!(
        store.article(id).await.unwrap().unwrap().updated_at,
        saved_at
    );
    // The refused save left nothing behind.
    assert_eq!(
        store.revisions(id).await.unwrap().len(),
        revisions_before + 1
    );
    assert_eq!(store.notes(id).await.unwrap().len(), notes_before + 1);
    assert_eq!(
        store
            .audit_log(PageRequest::numbered(1, 100))
            .await
            .unwrap()
            .total,
        audit_before + 1
    );
    // Notes between staff travel with a change, newest first; an empty one is refused,
    // and the change with it.
    let with_note = |person, note: &str| Trail {
        note: Some((person, note.into())),
        ..Trail::default()
    };
    for (person, note, hours) in [
        (f.editor.id, " Check the second quote. ", 2),
        (f.admin.id, "Needs a picture.", 3),
    ] {
        store
            .update_article_content(
                id,
                &update(saved_at + Duration::hours(hours), None),
                &with_note(person, note),
            )
            .await
            .unwrap();
    }
    let last_saved = store.article(id).await.unwrap().unwrap().updated_at;
    assert!(matches!(
        store
            .update_article_content(
                id,
                &update(saved_at + Duration::hours(4), None),
                &with_note(f.editor.id, "  "),
            )
            .await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        store.article(id).await.unwrap().unwrap().updated_at,
        last_saved
    );
    let notes = store.notes(id).await.unwrap();
    let said: Vec<(&str, &str)> = notes
        .iter()
        .map(|n| (n.person_name.as_str(), n.note.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            (f.admin.name.as_str(), "Needs a picture."),
            (f.editor.name.as_str(), "Check the second quote."),
            (f.author.name.as_str(), "Tightened the top."),
        ]
    );
    // Preview links: by token hash, until they expire or are ended.
    use masthead_core::revision::PREVIEW_LIFETIME;
    store
        .create_preview(id, f.author.id, "hash-1", t)
        .await
        .unwrap();
    store
        .create_preview(id, f.editor.id, "hash-2", t)
        .await
        .unwrap();
    assert_eq!(store.preview_article("hash-1", t).await.unwrap(), Some(id));
    assert_eq!(store.preview_article("other", t).await.unwrap(), None);
    assert_eq!(
        store
            .preview_article("hash-1", t + PREVIEW_LIFETIME)
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.end_previews(id).await.unwrap(), 2);
    assert_eq!(store.preview_article("hash-2", t).await.unwrap(), None);
}

async fn media_library_searches_and_grows_variants(store: S) {
    let picture = |alt: &str, caption: &str, credit: &str| NewMedia {
        storage_key: format!("uploads/{}.jpg", alt.replace(' ', "-")),
        mime_type: "image/jpeg".into(),
        width: Some(1200),
        height: Some(800),
        byte_size: 1000,
        alt: alt.into(),
        caption: caption.into(),
        credit: credit.into(),
        uploaded_by: None,
        variants: Vec::new(),
    };
    let harbour = store
        .create_media(&picture(
            "Boats in the harbour",
            "Morning at the quay",
            "Ana Photo",
        ))
        .await
        .unwrap();
    let council = store
        .create_media(&picture("Council chamber", "The vote", "City Archive"))
        .await
        .unwrap();
    let odd = store
        .create_media(&picture("100% cotton_flag", "", ""))
        .await
        .unwrap();
    let all = store
        .media_library("", PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    let ids: Vec<_> = all.items.iter().map(|m| m.id).collect();
    assert_eq!(ids, [odd.id, council.id, harbour.id], "newest first");
    let found = store
        .media_library("QUAY", PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!((found.total, found.items[0].id), (1, harbour.id));
    let by_credit = store
        .media_library("archive", PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(by_credit.items[0].id, council.id);
    // LIKE's wildcards are searched for as text.
    let percent = store
        .media_library("0% c", PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!((percent.total, percent.items[0].id), (1, odd.id));
    assert_eq!(
        store
            .media_library("n_f", PageRequest::numbered(1, 10))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .media_library("_", PageRequest::numbered(1, 10))
            .await
            .unwrap()
            .total,
        1
    );
    let page2 = store
        .media_library("", PageRequest::numbered(2, 2))
        .await
        .unwrap();
    assert_eq!((page2.total, page2.items.len()), (3, 1));
    // Pictures placed in a text are found by where they are stored; a key that names
    // a variant or nothing finds nothing.
    let mut by_key = store
        .media_by_keys(&[
            council.storage_key.clone(),
            "uploads/nothing.jpg".into(),
            harbour.storage_key.clone(),
        ])
        .await
        .unwrap();
    by_key.sort_by_key(|m| m.id);
    let found: Vec<_> = by_key.iter().map(|m| m.id).collect();
    assert_eq!(found, [harbour.id, council.id]);
    assert!(store.media_by_keys(&[]).await.unwrap().is_empty());
    // Variants arrive one by one after the upload; adding one twice is harmless. Each
    // says the picture changed, so pages showing it can offer the new copy.
    let mut changes = store.subscribe();
    for (width, mime) in [
        (640, "image/webp"),
        (320, "image/jpeg"),
        (320, "image/webp"),
        (640, "image/webp"),
    ] {
        store
            .add_media_variant(
                harbour.id,
                &MediaVariant {
                    width,
                    height: width * 2 / 3,
                    mime_type: mime.into(),
                    storage_key: format!("uploads/harbour-{width}.{mime}"),
                    byte_size: 100,
                },
            )
            .await
            .unwrap();
    }
    for _ in 0..3 {
        assert_eq!(
            changes.try_recv().unwrap(),
            masthead_core::change::Change::Media { id: harbour.id }
        );
    }
    assert!(
        changes.try_recv().is_err(),
        "the repeated one changed nothing"
    );
    let stored = store.media(harbour.id).await.unwrap().unwrap();
    assert_eq!(
        store
            .media_by_keys(std::slice::from_ref(&harbour.storage_key))
            .await
            .unwrap(),
        std::slice::from_ref(&stored),
        "with its variants"
    );
    assert!(store
        .media_by_keys(&["uploads/harbour-640.image/webp".into()])
        .await
        .unwrap()
        .is_empty());
    let variants: Vec<_> = stored
        .variants
        .iter()
        .map(|v| (v.width, v.mime_type.as_str()))
        .collect();
    assert_eq!(
        variants,
        [
            (320, "image/jpeg"),
            (320, "image/webp"),
            (640, "image/webp")
        ]
    );
    // The words that travel with a picture can be changed.
    store
        .update_media_text(
            council.id,
            " Council chamber, empty ",
            "Before the vote",
            "City Archive",
            &audit(t0(), None, AuditAction::MediaDescribed, "picture"),
        )
        .await
        .unwrap();
    let council = store.media(council.id).await.unwrap().unwrap();
    // With its audit entry, in the same transaction.
    let log = store.audit_log(PageRequest::numbered(1, 5)).await.unwrap();
    assert_eq!(log.items[0].action, AuditAction::MediaDescribed);
    assert_eq!(
        (council.alt.as_str(), council.caption.as_str()),
        ("Council chamber, empty", "Before the vote")
    );
    assert!(matches!(
        store
            .update_media_text(
                MediaId(999_999),
                "a",
                "",
                "",
                &audit(t0(), None, AuditAction::MediaDescribed, "picture"),
            )
            .await,
        Err(Error::NotFound(_))
    ));
}

fn token(
    hash: &str,
    purpose: TokenPurpose,
    person: Option<&masthead_core::people::Person>,
    at: chrono::DateTime<chrono::Utc>,
) -> NewStaffToken {
    NewStaffToken {
        token_hash: hash.to_owned(),
        purpose,
        person: person.map(|p| p.id),
        email: person
            .map(|p| p.email.clone())
            .unwrap_or_else(|| "new@example.com".into()),
        name: "New Person".into(),
        role: (purpose == TokenPurpose::Invitation).then_some(Role::Author),
        created_by: None,
        created_at: at,
    }
}

async fn emailed_tokens_work_once_and_expire(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    let reset = TokenPurpose::Reset;
    store
        .create_staff_token(&token("r1", reset, Some(&f.editor), t), None)
        .await
        .unwrap();
    let found = store.staff_token("r1", reset, t).await.unwrap().unwrap();
    assert_eq!(found.person, Some(f.editor.id));
    assert_eq!(found.expires_at, t + reset.lifetime());
    // Purpose matters; expiry matters.
    assert!(store
        .staff_token("r1", TokenPurpose::Invitation, t)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .staff_token("r1", reset, t + reset.lifetime())
        .await
        .unwrap()
        .is_none());
    // A reset sets the password and ends every session of the person, once.
    store
        .start_session(
            &new_session("s1", &f.editor, t),
            &f.editor.email,
            &audit(t, Some(&f.editor), AuditAction::LoggedIn, ""),
        )
        .await
        .unwrap();
    let entry = audit(t, Some(&f.editor), AuditAction::PasswordReset, "");
    let person = store
        .reset_password("r1", "new-hash", t, &entry)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.id, f.editor.id);
    assert!(store.session("s1", t).await.unwrap().is_none());
    let (_, hash) = store
        .person_credentials(&f.editor.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash, "new-hash");
    assert!(store
        .reset_password("r1", "other-hash", t, &entry)
        .await
        .unwrap()
        .is_none());
    // Of two uses racing for one token, one wins.
    store
        .create_staff_token(
            &token("q1", TokenPurpose::SecondStep, Some(&f.author), t),
            None,
        )
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.use_staff_token("q1", TokenPurpose::SecondStep, t, None),
        store.use_staff_token("q1", TokenPurpose::SecondStep, t, None)
    );
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().filter(|w| **w).count(),
        1,
        "exactly one use"
    );
    // A token without a person (asked for an unknown email) resets nothing.
    store
        .create_staff_token(&token("r2", reset, None, t), None)
        .await
        .unwrap();
    assert!(store
        .reset_password("r2", "x", t, &entry)
        .await
        .unwrap()
        .is_none());
    // Changing one's password keeps only the session that did it, and ends the links
    // sent before.
    store
        .create_staff_token(&token("r3", reset, Some(&f.author), t), None)
        .await
        .unwrap();
    for h in ["k1", "k2"] {
        store
            .start_session(
                &new_session(h, &f.author, t),
                &f.author.email,
                &audit(t, Some(&f.author), AuditAction::LoggedIn, ""),
            )
            .await
            .unwrap();
    }
    store
        .change_password(
            f.author.id,
            "changed",
            "k1",
            &audit(t, Some(&f.author), AuditAction::PasswordChanged, ""),
        )
        .await
        .unwrap();
    assert!(store.session("k1", t).await.unwrap().is_some());
    assert!(store.session("k2", t).await.unwrap().is_none());
    assert!(store.staff_token("r3", reset, t).await.unwrap().is_none());
}

async fn invitations_add_staff_once_and_roll_back_on_conflict(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    let invite = TokenPurpose::Invitation;
    store
        .create_staff_token(
            &token("i1", invite, None, t),
            Some(&audit(
                t,
                Some(&f.editor),
                AuditAction::Invited,
                "new@example.com",
            )),
        )
        .await
        .unwrap();
    let mut taken = token("i2", invite, None, t - Duration::minutes(1));
    taken.email = f.author.email.clone();
    store.create_staff_token(&taken, None).await.unwrap();
    let listed = store.invitations(t).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|i| i.token_hash.as_str())
            .collect::<Vec<_>>(),
        ["i1", "i2"],
        "newest first"
    );
    assert_eq!(listed[0].role, Some(Role::Author));
    let chosen = NewPerson {
        name: "Nia Okafor".into(),
        email: "ignored@example.com".into(),
        role: Role::Admin,
        bio: String::new(),
        job_title: String::new(),
        expertise: Vec::new(),
        social_links: Vec::new(),
        password_hash: "hash".into(),
    };
    let entry = audit(t, None, AuditAction::InvitationAccepted, "");
    let added = store
        .accept_invitation("i1", &chosen, t, &entry)
        .await
        .unwrap()
        .unwrap();
    // The invitation decides the email and the role, not the form.
    assert_eq!(added.email, "new@example.com");
    assert_eq!(added.role, Role::Author);
    assert_eq!(added.name, "Nia Okafor");
    assert!(store
        .accept_invitation("i1", &chosen, t, &entry)
        .await
        .unwrap()
        .is_none());
    // An email that joined meanwhile: a conflict, and the invitation is not used up.
    let e = store
        .accept_invitation("i2", &chosen, t, &entry)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e:?}");
    assert!(store.staff_token("i2", invite, t).await.unwrap().is_some());
    // Expired invitations are not listed.
    assert!(store
        .invitations(t + invite.lifetime())
        .await
        .unwrap()
        .is_empty());
    let log = store.audit_log(PageRequest::numbered(1, 10)).await.unwrap();
    let accepted = log
        .items
        .iter()
        .find(|e| e.action == AuditAction::InvitationAccepted)
        .unwrap();
    assert_eq!(
        accepted.actor,
        Some(added.id),
        "the new person is the actor"
    );
}

async fn two_factor_codes_and_recovery_codes_work_once(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    let on = audit(t, Some(&f.editor), AuditAction::TwoFactorOn, "");
    assert!(store.two_factor(f.editor.id).await.unwrap().is_none());
    store
        .enable_two_factor(f.editor.id, "SECRET", 100, &["c1".into(), "c2".into()], &on)
        .await
        .unwrap();
    let tf = store.two_factor(f.editor.id).await.unwrap().unwrap();
    assert_eq!(
        (tf.secret.as_str(), tf.last_step, tf.recovery_left),
        ("SECRET", 100, 2)
    );
    // Steps only move forward: the confirming code's step and older ones are refused.
    assert!(!store.accept_code_step(f.editor.id, 100).await.unwrap());
    assert!(!store.accept_code_step(f.editor.id, 99).await.unwrap());
    assert!(store.accept_code_step(f.editor.id, 101).await.unwrap());
    assert!(!store.accept_code_step(f.editor.id, 101).await.unwrap());
    assert!(
        !store.accept_code_step(f.author.id, 500).await.unwrap(),
        "not on"
    );
    assert!(store.use_recovery_code(f.editor.id, "c1", t).await.unwrap());
    assert!(!store.use_recovery_code(f.editor.id, "c1", t).await.unwrap());
    assert!(
        !store.use_recovery_code(f.author.id, "c2", t).await.unwrap(),
        "not theirs"
    );
    assert_eq!(
        store
            .two_factor(f.editor.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_left,
        1
    );
    // Setting it up again replaces the secret and every code.
    store
        .enable_two_factor(f.editor.id, "OTHER", 200, &["c3".into()], &on)
        .await
        .unwrap();
    assert!(!store.use_recovery_code(f.editor.id, "c2", t).await.unwrap());
    let tf = store.two_factor(f.editor.id).await.unwrap().unwrap();
    assert_eq!((tf.secret.as_str(), tf.recovery_left), ("OTHER", 1));
    store
        .disable_two_factor(
            f.editor.id,
            &audit(t, Some(&f.editor), AuditAction::TwoFactorOff, ""),
        )
        .await
        .unwrap();
    assert!(store.two_factor(f.editor.id).await.unwrap().is_none());
    assert!(!store.use_recovery_code(f.editor.id, "c3", t).await.unwrap());
}

async fn renamed_sections_and_tags_keep_their_old_addresses(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id =
        fixtures::published(&newsroom, "Trade deal", &f.world, f.author.id, &f.editor, 0).await;
    let edit = NewSection {
        name: "World news".into(),
        slug: "world-news".into(),
        description: "Reporting from everywhere.".into(),
        position: 3,
        in_navigation: true,
    };
    let section = store.update_section(f.world.id, &edit).await.unwrap();
    assert_eq!(section.slug, "world-news");
    assert_eq!(section.description, "Reporting from everywhere.");
    assert_eq!(
        store.article(id).await.unwrap().unwrap().path(),
        "/world-news/trade-deal/"
    );
    for (old, new) in [
        ("/world/", "/world-news/"),
        ("/world/trade-deal/", "/world-news/trade-deal/"),
    ] {
        let r = store.redirect_for(old).await.unwrap().unwrap();
        assert_eq!((r.to_path.as_str(), r.status_code), (new, 301));
    }
    // Back again: no redirect chains, and the live addresses redirect nowhere.
    let back = NewSection {
        slug: "world".into(),
        ..edit.clone()
    };
    store.update_section(f.world.id, &back).await.unwrap();
    assert!(store
        .redirect_for("/world/trade-deal/")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .redirect_for("/world-news/trade-deal/")
            .await
            .unwrap()
            .unwrap()
            .to_path,
        "/world/trade-deal/"
    );
    // Another section's address is taken; a bad one is invalid; unknown ids are not found.
    let clash = NewSection {
        slug: "business".into(),
        ..edit.clone()
    };
    assert!(store.update_section(f.world.id, &clash).await.is_err());
    let bad = NewSection {
        slug: "Not A Slug".into(),
        ..edit.clone()
    };
    assert!(matches!(
        store.update_section(f.world.id, &bad).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store
            .update_section(masthead_core::ids::SectionId(9999), &edit)
            .await,
        Err(Error::NotFound(_))
    ));
    // Tags.
    let tags = store
        .ensure_tags(&["Trade".into(), "Tariffs".into()])
        .await
        .unwrap();
    let renamed = store
        .update_tag(
            tags[0].id,
            &TagEdit {
                name: "Trade policy".into(),
                slug: String::new(),
                description: "Deals and disputes.".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.slug, "trade-policy");
    assert_eq!(
        store
            .redirect_for("/tag/trade/")
            .await
            .unwrap()
            .unwrap()
            .to_path,
        "/tag/trade-policy/"
    );
    let taken = store
        .update_tag(
            tags[1].id,
            &TagEdit {
                name: "Tariffs".into(),
                slug: "trade-policy".into(),
                description: String::new(),
            },
        )
        .await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
}

async fn merged_tags_keep_every_article_and_count(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let tags = store
        .ensure_tags(&["Climate".into(), "Climate change".into()])
        .await
        .unwrap();
    let (from, into) = (&tags[0], &tags[1]);
    let mut ids = Vec::new();
    for (n, title) in ["Floods", "Heat", "Drought"].iter().enumerate() {
        let id =
            fixtures::published(&newsroom, title, &f.world, f.author.id, &f.editor, n as i64).await;
        let mut content = store.article(id).await.unwrap().unwrap().content();
        content.tags = match n {
            0 => vec![from.name.clone()],
            1 => vec![from.name.clone(), into.name.clone()],
            _ => vec![into.name.clone()],
        };
        newsroom
            .update(actor(&f.editor), id, content, t0())
            .await
            .unwrap();
        ids.push(id);
    }
    let survivor = store.merge_tags(from.id, into.id).await.unwrap();
    assert_eq!(survivor.id, into.id);
    assert!(store.tag_by_slug(&from.slug).await.unwrap().is_none());
    let list = store
        .list_articles(&published(ArticleFilter::Tag(into.id), 1, 10))
        .await
        .unwrap();
    assert_eq!(list.total, 3, "every article, once");
    assert_eq!(list.items.len(), 3);
    let heat = store.article(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        heat.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Climate change"]
    );
    assert_eq!(
        store
            .redirect_for(&format!("/tag/{}/", from.slug))
            .await
            .unwrap()
            .unwrap()
            .to_path,
        format!("/tag/{}/", into.slug)
    );
    let usage = store.tag_usage().await.unwrap();
    assert!(usage.contains(&(survivor.clone(), 3)), "{usage:?}");
    assert!(!usage.iter().any(|(t, _)| t.id == from.id));
    assert!(matches!(
        store.merge_tags(into.id, into.id).await,
        Err(Error::Invalid(_))
    ));
}

async fn the_bin_stays_out_of_lists_and_narrowing_finds_words_and_types(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut ids = Vec::new();
    for (title, kind) in [
        ("Budget: 100% of the cuts", ArticleType::News),
        ("Why the budget_cuts fail", ArticleType::Opinion),
        ("Harbour reopens", ArticleType::News),
    ] {
        let mut content = ArticleContent::new(title, "Words.");
        content.article_type = kind;
        content.authors = vec![f.author.id];
        ids.push(
            newsroom
                .create_draft(actor(&f.author), content, t0())
                .await
                .unwrap(),
        );
    }
    let every = |page| ArticleQuery {
        filter: ArticleFilter::All,
        status: None,
        page,
    };
    let all = store
        .list_articles(&every(PageRequest::numbered(1, 10)))
        .await
        .unwrap();
    assert_eq!((all.total, all.items.len()), (3, 3));
    newsroom
        .transition(actor(&f.author), ids[2], Status::Deleted, None, t0())
        .await
        .unwrap();
    // The bin is out of "every status", in its own list, and the counts agree.
    let all = store
        .list_articles(&every(PageRequest::numbered(1, 10)))
        .await
        .unwrap();
    assert_eq!((all.total, all.items.len()), (2, 2));
    let bin = store
        .list_articles(&ArticleQuery {
            filter: ArticleFilter::Author(f.author.id),
            status: Some(Status::Deleted),
            page: PageRequest::numbered(1, 10),
        })
        .await
        .unwrap();
    assert_eq!(bin.items.iter().map(|a| a.id).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(bin.total, 1);
    let narrowed = |words: &str, kind: Option<ArticleType>| {
        let store = store.clone();
        let narrow = Narrowing {
            article_type: kind,
            words: words.to_owned(),
        };
        async move {
            store
                .narrowed_articles(&every(PageRequest::numbered(1, 10)), &narrow)
                .await
                .unwrap()
        }
    };
    let found = narrowed("BUDGET", None).await;
    assert_eq!(found.total, 2, "case aside");
    // `%` and `_` are taken literally.
    assert_eq!(narrowed("100%", None).await.items[0].id, ids[0]);
    assert_eq!(narrowed("%", None).await.total, 1);
    assert_eq!(narrowed("budget_", None).await.items[0].id, ids[1]);
    assert_eq!(narrowed("t_c", None).await.total, 1);
    let opinion = narrowed("", Some(ArticleType::Opinion)).await;
    assert_eq!(
        opinion.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [ids[1]]
    );
    // Words in the bin are found only in the bin.
    assert_eq!(narrowed("harbour", None).await.total, 0);
    let in_bin = store
        .narrowed_articles(
            &ArticleQuery {
                filter: ArticleFilter::All,
                status: Some(Status::Deleted),
                page: PageRequest::numbered(1, 10),
            },
            &Narrowing {
                article_type: None,
                words: "harbour".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(in_bin.total, 1);
    // Restored as a draft, it is back in the lists.
    newsroom
        .transition(actor(&f.author), ids[2], Status::Draft, None, t0())
        .await
        .unwrap();
    let all = store
        .list_articles(&every(PageRequest::numbered(1, 10)))
        .await
        .unwrap();
    assert_eq!(all.total, 3);
}

async fn access_taken_away_ends_sessions_and_links(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    store
        .start_session(
            &new_session("s1", &f.author, t),
            &f.author.email,
            &audit(t, Some(&f.author), AuditAction::LoggedIn, ""),
        )
        .await
        .unwrap();
    store
        .create_staff_token(&token("r1", TokenPurpose::Reset, Some(&f.author), t), None)
        .await
        .unwrap();
    // An invitation the leaver sent and nobody accepted.
    let mut invited = token("i1", TokenPurpose::Invitation, None, t);
    invited.created_by = Some(f.author.id);
    store.create_staff_token(&invited, None).await.unwrap();
    let ended = audit(t, Some(&f.admin), AuditAction::AccessEnded, &f.author.email);
    let person = store
        .set_access(f.author.id, false, t, &ended)
        .await
        .unwrap();
    assert_eq!(person.deactivated_at, Some(t));
    assert!(!person.is_active());
    assert!(store.session("s1", t).await.unwrap().is_none());
    assert!(store
        .staff_token("r1", TokenPurpose::Reset, t)
        .await
        .unwrap()
        .is_none());
    assert!(store.invitations(t).await.unwrap().is_empty());
    // A reset link that slipped through (made just before) sets no password.
    store
        .create_staff_token(&token("r2", TokenPurpose::Reset, Some(&f.author), t), None)
        .await
        .unwrap();
    let reset = audit(t, Some(&f.author), AuditAction::PasswordReset, "");
    assert!(store
        .reset_password("r2", "sneaky", t, &reset)
        .await
        .unwrap()
        .is_none());
    // Even a session started afterwards (a race with a login) is not honoured.
    store
        .start_session(
            &new_session("s2", &f.author, t),
            &f.author.email,
            &audit(t, Some(&f.author), AuditAction::LoggedIn, ""),
        )
        .await
        .unwrap();
    assert!(store.session("s2", t).await.unwrap().is_none());
    // Bylines stay: the person is still there, findable by slug.
    assert!(store
        .person_by_slug(&f.author.slug)
        .await
        .unwrap()
        .is_some());
    let back = audit(
        t,
        Some(&f.admin),
        AuditAction::AccessRestored,
        &f.author.email,
    );
    let person = store.set_access(f.author.id, true, t, &back).await.unwrap();
    assert!(person.is_active());
    assert!(matches!(
        store
            .set_access(masthead_core::ids::PersonId(9999), false, t, &back)
            .await,
        Err(Error::NotFound(_))
    ));
}

async fn edited_and_merged_tags_keep_their_articles_when_articles_are_saved(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(&newsroom, "Floods", &f.world, f.author.id, &f.editor, 0).await;
    let tags = store
        .ensure_tags(&["Climate".into(), "NYC".into(), "New York".into()])
        .await
        .unwrap();
    let (climate, nyc, new_york) = (&tags[0], &tags[1], &tags[2]);
    // Renamed, its address kept.
    store
        .update_tag(
            climate.id,
            &TagEdit {
                name: "Climate change".into(),
                slug: "climate".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    store.merge_tags(nyc.id, new_york.id).await.unwrap();
    let save = |names: &[&str]| {
        let (newsroom, store, editor) = (newsroom.clone(), store.clone(), f.editor.clone());
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        async move {
            let mut content = store.article(id).await.unwrap().unwrap().content();
            content.tags = names;
            newsroom
                .update(actor(&editor), id, content, t0())
                .await
                .unwrap();
            let article = store.article(id).await.unwrap().unwrap();
            article.tags.iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    // The new name, the old name (a stale editor) and a merged-away name all find
    // the tag that is meant; no second tag is made.
    assert_eq!(save(&["Climate change"]).await, [climate.id]);
    assert_eq!(save(&["climate"]).await, [climate.id]);
    assert_eq!(save(&["NYC", "New York"]).await, [new_york.id]);
    assert!(store.tag_by_slug("climate-change").await.unwrap().is_none());
    assert!(store.tag_by_slug("nyc").await.unwrap().is_none());
    // Two tags cannot share a name.
    let taken = store
        .update_tag(
            new_york.id,
            &TagEdit {
                name: "climate change".into(),
                slug: "new-york".into(),
                description: String::new(),
            },
        )
        .await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    // Binned articles are not counted on the tag list.
    newsroom
        .transition(actor(&f.editor), id, Status::Unpublished, None, t0())
        .await
        .unwrap();
    newsroom
        .transition(actor(&f.editor), id, Status::Deleted, None, t0())
        .await
        .unwrap();
    let usage = store.tag_usage().await.unwrap();
    let (_, n) = usage.iter().find(|(t, _)| t.id == new_york.id).unwrap();
    assert_eq!(*n, 0);
}

async fn second_step_tries_are_counted_atomically(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let t = t0();
    let step = TokenPurpose::SecondStep;
    store
        .create_staff_token(&token("q1", step, Some(&f.author), t), None)
        .await
        .unwrap();
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let store = store.clone();
        tries.spawn(async move { store.try_staff_token("q1", step, t, 5).await.unwrap() });
    }
    let allowed = tries.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(allowed, 5);
    assert!(!store.try_staff_token("q1", step, t, 5).await.unwrap());
    // Another token has its own count; used or expired ones allow nothing.
    store
        .create_staff_token(&token("q2", step, Some(&f.author), t), None)
        .await
        .unwrap();
    assert!(store.try_staff_token("q2", step, t, 5).await.unwrap());
    assert!(!store
        .try_staff_token("q2", step, t + step.lifetime(), 5)
        .await
        .unwrap());
}

/// Tags are found or made a batch at a time (saving 8,000 once took 12.5 s, one by
/// one), in the order written, each once; and an imported article's tag written with
/// a renamed tag's old name lands on that tag (it was dropped).
async fn many_tags_resolve_in_order_and_imports_find_renamed_ones(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let first = store
        .ensure_tags(&["Climate".into(), "Ports".into()])
        .await
        .unwrap();
    // Renamed to a new address: the old one redirects.
    store
        .update_tag(
            first[0].id,
            &TagEdit {
                name: "Climate change".into(),
                slug: "climate-change".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let mut names: Vec<String> = (0..1_200).map(|n| format!("Subject {n}")).collect();
    names.insert(0, "climate".into());
    names.insert(700, "PORTS".into());
    names.push("Subject 5".into());
    names.push(" subject 5 ".into());
    let tags = store.ensure_tags(&names).await.unwrap();
    assert_eq!(tags.len(), 1_202, "each tag once");
    assert_eq!(
        tags[0].id, first[0].id,
        "the old name finds the renamed tag"
    );
    assert_eq!(tags[1].name, "Subject 0");
    assert_eq!(
        tags[700].id, first[1].id,
        "found by slug, whatever the case"
    );
    assert_eq!(tags[1_201].name, "Subject 1199", "in the order written");
    // Again: nothing new is made.
    let again = store.ensure_tags(&names).await.unwrap();
    assert_eq!(again, tags);
    assert_eq!(store.tags().await.unwrap().len(), 1_202);

    // An import credits the renamed tag under its old name.
    let renderer = masthead_render::DocumentRenderer::default();
    let mut content = ArticleContent::new("Flood defences", "Walls rise.");
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.tags = vec!["Climate".into(), "Ports".into()];
    let rendered = renderer.render_now(&content.body, "").unwrap();
    store
        .create_articles(&[NewArticle {
            content,
            rendered,
            slug: "flood-defences".into(),
            status: Status::Published,
            created_at: t0(),
            published_at: Some(t0()),
            scheduled_at: None,
            corrections: Vec::new(),
        }])
        .await
        .unwrap();
    let imported = store
        .article_by_slug("flood-defences")
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<_> = imported.tags.iter().map(|t| t.id).collect();
    assert_eq!(ids, [first[0].id, first[1].id]);
}

/// A body is stored as its document, cards and all, with its Markdown rendition
/// beside it; an edit and its revision keep the document too.
async fn bodies_are_stored_as_documents(store: S) {
    use masthead_core::document::{Block, Document, PullQuoteCard};
    use masthead_core::revision::RevisionKind;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Quay", "## The quay\n\nShips *wait*.");
    content.body.content.push(Block::PullQuote {
        attrs: PullQuoteCard {
            text: "We stay.".into(),
            attribution: "The mayor".into(),
        },
    });
    let id = newsroom
        .create_draft(actor(&f.author), content.clone(), t0())
        .await
        .unwrap();
    let stored = store.article(id).await.unwrap().unwrap();
    assert_eq!(stored.document(), content.body);
    assert_eq!(
        Document::from_json(stored.body_document.as_deref().unwrap(), "body").unwrap(),
        content.body
    );
    assert!(
        stored.body_markdown.contains("```masthead:pull_quote"),
        "{}",
        stored.body_markdown
    );
    assert!(
        stored.body_html.contains("We stay."),
        "{}",
        stored.body_html
    );
    let mut content = stored.content();
    content.body.content.remove(0);
    newsroom
        .update(
            actor(&f.author),
            id,
            content.clone(),
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.article(id).await.unwrap().unwrap().content().body,
        content.body
    );
    let revision = store
        .save_revision(
            id,
            f.author.id,
            RevisionKind::Save,
            &content,
            t0() + Duration::minutes(2),
        )
        .await
        .unwrap();
    let revision = store.revision(revision).await.unwrap().unwrap();
    assert_eq!(revision.content.body, content.body);
}

/// A body saved before the document format (no stored document; its Markdown in
/// `body_markdown`), and a revision saved then (its body under `body_markdown`), read
/// as documents made from their Markdown.
async fn bodies_from_before_documents_read_from_markdown(store: S, url: &str) {
    use masthead_core::document::Document;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = newsroom
        .create_draft(actor(&f.author), ArticleContent::new("Old", "New."), t0())
        .await
        .unwrap();
    let old = "Old *words* with [a link](/x).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    let revision = serde_json::json!({
        "title": "Old", "standfirst": "", "body_markdown": old, "custom_excerpt": "",
        "featured_image": null, "section_id": null, "tags": [], "authors": [f.author.id.0],
        "editors": [], "article_type": "news", "visibility": "public",
        "seo": {"meta_title": "", "meta_description": "", "social_image": "", "canonical_url": ""},
        "sources": []
    })
    .to_string();
    let statements = [
        format!(
            "UPDATE articles SET body_document = NULL, body_markdown = '{}' WHERE id = {}",
            old.replace('\'', "''"),
            id.0
        ),
        format!(
            "UPDATE article_revisions SET content = '{}' WHERE article_id = {}",
            revision.replace('\'', "''"),
            id.0
        ),
    ];
    for sql in statements {
        if url.starts_with("sqlite:") {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        } else {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        }
    }
    let stored = store.article(id).await.unwrap().unwrap();
    assert_eq!(stored.body_document, None);
    assert_eq!(stored.document(), Document::from_markdown(old));
    let revisions = store.revisions(id).await.unwrap();
    let revision = store.revision(revisions[0].id).await.unwrap().unwrap();
    assert_eq!(revision.content.body, Document::from_markdown(old));
}

#[tokio::test]
async fn bodies_from_before_documents_read_from_markdown_on_sqlite() {
    let db = masthead_testkit::sqlite().await;
    bodies_from_before_documents_read_from_markdown(db.store.clone(), &db.url).await;
}

#[tokio::test]
async fn bodies_from_before_documents_read_from_markdown_on_postgres() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    bodies_from_before_documents_read_from_markdown(db.store.clone(), &db.url).await;
}

/// Audience figures: views per day (site and article), the most read, by section and
/// by author, referring sites and searches, each summed over the days asked for.
async fn audience_figures_add_up(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let a = fixtures::published(
        &newsroom,
        "Harbour fees",
        &f.world,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let b = fixtures::published(
        &newsroom,
        "Bank rates",
        &f.business,
        f.contributor.id,
        &f.editor,
        2,
    )
    .await;
    let d = |n| chrono::NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let noon = |n| d(n).and_hms_opt(12, 0, 0).unwrap().and_utc();
    store
        .record_views(noon(1), &[(a, 5), (b, 2)])
        .await
        .unwrap();
    store.record_views(noon(2), &[(a, 1)]).await.unwrap();
    store.record_views(noon(2), &[(a, 1)]).await.unwrap();
    store.record_views(noon(9), &[(b, 40)]).await.unwrap();
    assert_eq!(
        store.daily_views(None, d(1), d(2)).await.unwrap(),
        vec![(d(1), 7), (d(2), 2)]
    );
    assert_eq!(
        store.daily_views(Some(b), d(1), d(2)).await.unwrap(),
        vec![(d(1), 2)]
    );
    let top: Vec<(String, u64)> = store
        .top_articles(d(1), d(2), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, n)| (s.title, n))
        .collect();
    assert_eq!(
        top,
        vec![("Harbour fees".to_owned(), 7), ("Bank rates".to_owned(), 2)]
    );
    assert_eq!(store.top_articles(d(1), d(9), 1).await.unwrap()[0].0.id, b);
    assert_eq!(
        store.views_by_section(d(1), d(2)).await.unwrap(),
        vec![(f.world.name.clone(), 7), (f.business.name.clone(), 2)]
    );
    assert_eq!(
        store.views_by_author(d(1), d(2), 10).await.unwrap(),
        vec![(f.author.name.clone(), 7), (f.contributor.name.clone(), 2)]
    );
    let counts = |pairs: &[(&str, u64)]| -> Vec<(String, u64)> {
        pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    };
    store
        .record_referrers(d(1), &counts(&[("google.com", 3), ("t.co", 1)]))
        .await
        .unwrap();
    store
        .record_referrers(d(2), &counts(&[("google.com", 1)]))
        .await
        .unwrap();
    store.record_referrers(d(2), &[]).await.unwrap();
    assert_eq!(
        store.top_referrers(d(1), d(2), 10).await.unwrap(),
        counts(&[("google.com", 4), ("t.co", 1)])
    );
    assert_eq!(
        store.top_referrers(d(2), d(2), 1).await.unwrap(),
        counts(&[("google.com", 1)])
    );
    store
        .record_searches(d(1), &counts(&[("harbour fees", 2)]))
        .await
        .unwrap();
    store
        .record_searches(d(1), &counts(&[("harbour fees", 1), ("ferry", 1)]))
        .await
        .unwrap();
    assert_eq!(
        store.top_searches(d(1), d(1), 10).await.unwrap(),
        counts(&[("harbour fees", 3), ("ferry", 1)])
    );
    assert!(store.top_searches(d(3), d(8), 10).await.unwrap().is_empty());
}

/// Notifications come with the change that caused them; the inbox counts and reads
/// them; choices round-trip; each letter is claimed by one sender, retried when it
/// fails and given up after its tries.
async fn notifications_are_kept_read_and_sent_once(store: S) {
    use masthead_core::notification::{Choices, Event, NewNotification, Ways};
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(&newsroom, "Alpha", &f.world, f.author.id, &f.editor, 0).await;
    // Publishing told the byline, with the change (its letter is sent here first).
    let published = store
        .claim_letters(t0(), Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].notification.event, Event::Published);
    assert_eq!(published[0].to_email, f.author.email);
    store
        .settle_letter(published[0].id, true, None)
        .await
        .unwrap();
    store.read_notifications(f.author.id, t0()).await.unwrap();
    let new = |person, event, email| NewNotification {
        person,
        event,
        article: id,
        actor: Some(f.editor.id),
        text: "Look at the second quote.".into(),
        email,
    };
    // With a change: a note's trail, written together.
    store
        .add_note(
            id,
            &Trail {
                note: Some((f.editor.id, "Look at the second quote, @ada.".into())),
                notifications: vec![
                    new(f.author.id, Event::Mention, true),
                    new(f.contributor.id, Event::Mention, false),
                ],
                ..Trail::default()
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(store.notes(id).await.unwrap().len(), 1);
    store
        .add_notifications(
            &[new(f.author.id, Event::Comment, true)],
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    let inbox = store.notifications(f.author.id, 10).await.unwrap();
    assert_eq!(
        inbox.iter().map(|n| n.event).collect::<Vec<_>>(),
        [Event::Comment, Event::Mention, Event::Published]
    );
    assert_eq!(inbox[1].article_title, "Alpha");
    assert_eq!(inbox[1].actor_name, f.editor.name);
    assert_eq!(inbox[1].created_at, t0());
    assert_eq!(store.unread_notifications(f.author.id).await.unwrap(), 2);
    store.read_notifications(f.author.id, t0()).await.unwrap();
    assert_eq!(store.unread_notifications(f.author.id).await.unwrap(), 0);
    assert_eq!(
        store.unread_notifications(f.contributor.id).await.unwrap(),
        1
    );

    // Choices: what is not the default is kept.
    let mut choices = Choices::default();
    choices.0.insert(
        Event::Comment,
        Ways {
            inbox: true,
            email: false,
        },
    );
    choices.0.insert(Event::Published, Ways::default());
    store
        .set_notification_choices(f.author.id, &choices)
        .await
        .unwrap();
    let read = store
        .notification_choices(&[f.author.id, f.editor.id])
        .await
        .unwrap();
    assert_eq!(
        read[&f.author.id].ways(Event::Comment),
        Ways {
            inbox: true,
            email: false
        }
    );
    assert_eq!(read[&f.author.id].ways(Event::Published), Ways::default());
    assert_eq!(read[&f.editor.id], Choices::default());

    // Letters: two due (the contributor chose the inbox only); two senders at once
    // take each once.
    let now = t0() + Duration::minutes(2);
    let hold = Duration::minutes(5);
    let (a, b) = tokio::join!(
        store.claim_letters(now, hold, 10),
        store.claim_letters(now, hold, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut taken: Vec<i64> = a.iter().chain(&b).map(|l| l.id).collect();
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(a.len() + b.len(), 2, "each once");
    assert_eq!(taken.len(), 2);
    let letter = a
        .iter()
        .chain(&b)
        .find(|l| l.notification.event == Event::Mention)
        .unwrap()
        .clone();
    assert_eq!(letter.to_email, f.author.email);
    assert_eq!(letter.attempts, 1);
    let comment = taken.iter().copied().find(|i| *i != letter.id).unwrap();
    assert!(
        store.claim_letters(now, hold, 10).await.unwrap().is_empty(),
        "held"
    );
    // One is sent; the other fails and is due again later.
    store.settle_letter(letter.id, true, None).await.unwrap();
    store
        .settle_letter(comment, false, Some(now + Duration::minutes(1)))
        .await
        .unwrap();
    assert!(store.claim_letters(now, hold, 10).await.unwrap().is_empty());
    let again = store
        .claim_letters(now + Duration::minutes(1), hold, 10)
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|l| (l.id, l.attempts)).collect::<Vec<_>>(),
        [(comment, 2)]
    );
    // A sender that vanished: its letters are due again once the hold is over.
    let later = now + Duration::minutes(1) + hold;
    assert_eq!(store.claim_letters(later, hold, 10).await.unwrap().len(), 1);
    store.settle_letter(comment, false, None).await.unwrap();
    assert!(
        store
            .claim_letters(later + Duration::days(1), hold, 10)
            .await
            .unwrap()
            .is_empty(),
        "given up"
    );
    assert_eq!(
        store.notifications(f.author.id, 10).await.unwrap().len(),
        3,
        "the inbox keeps it"
    );
}

async fn integrations_keep_their_keys_until_rotated_or_revoked(store: S) {
    use masthead_core::integration::{Keys, NewIntegration, KEY_BYTES};
    let f = fixtures::newsroom(&*store).await;
    let keys = |n: u8| Keys::from_random(&[n; KEY_BYTES]);
    let added = store
        .create_integration(
            &NewIntegration::new("Mobile app", keys(1)),
            &audit(
                t0(),
                Some(&f.admin),
                AuditAction::IntegrationAdded,
                "Mobile app",
            ),
        )
        .await
        .unwrap();
    assert_eq!(added.name, "Mobile app");
    assert_eq!(added.keys, keys(1));
    assert_eq!(
        added.rate_limit,
        masthead_core::integration::DEFAULT_RATE_LIMIT
    );
    assert!(added.is_active() && added.rotated_at.is_none());
    let other = store
        .create_integration(
            &NewIntegration::new("Newsletter tool", keys(2)),
            &audit(
                t0(),
                Some(&f.admin),
                AuditAction::IntegrationAdded,
                "Newsletter tool",
            ),
        )
        .await
        .unwrap();
    // Keys are unique: the same key twice is a conflict, and nothing is stored.
    assert!(matches!(
        store
            .create_integration(
                &NewIntegration::new("Copy", keys(1)),
                &audit(t0(), None, AuditAction::IntegrationAdded, "Copy"),
            )
            .await,
        Err(Error::Conflict(_))
    ));
    // An invalid one is refused before the database.
    assert!(matches!(
        store
            .create_integration(
                &NewIntegration::new("", keys(3)),
                &audit(t0(), None, AuditAction::IntegrationAdded, ""),
            )
            .await,
        Err(Error::Invalid(_))
    ));
    let names = |list: Vec<masthead_core::integration::Integration>| {
        list.into_iter().map(|i| i.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.integrations().await.unwrap()),
        ["Newsletter tool", "Mobile app"]
    );
    let by_content = |key: String| {
        let store = store.clone();
        async move {
            store
                .integration_by_content_key(&key)
                .await
                .unwrap()
                .map(|i| i.id)
        }
    };
    let by_admin = |id: String| {
        let store = store.clone();
        async move {
            store
                .integration_by_admin_id(&id)
                .await
                .unwrap()
                .map(|i| i.id)
        }
    };
    assert_eq!(by_content(keys(1).content).await, Some(added.id));
    assert_eq!(by_admin(keys(2).admin_id).await, Some(other.id));
    assert_eq!(by_content(keys(9).content).await, None);

    // Rotation: new keys work, the old ones at once do not.
    let later = t0() + Duration::hours(1);
    let rotated = store
        .rotate_integration_keys(
            added.id,
            &keys(4),
            &audit(
                later,
                Some(&f.admin),
                AuditAction::IntegrationKeysRotated,
                "Mobile app",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (rotated.keys.clone(), rotated.rotated_at),
        (keys(4), Some(later))
    );
    assert_eq!(by_content(keys(1).content).await, None);
    assert_eq!(by_admin(keys(1).admin_id).await, None);
    assert_eq!(by_content(keys(4).content).await, Some(added.id));

    // Revocation: no key works; the row stays, and it cannot be rotated back.
    let revoked = store
        .revoke_integration(
            added.id,
            &audit(
                later,
                Some(&f.admin),
                AuditAction::IntegrationRevoked,
                "Mobile app",
            ),
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(later));
    assert_eq!(by_content(keys(4).content).await, None);
    assert_eq!(by_admin(keys(4).admin_id).await, None);
    assert!(matches!(
        store
            .rotate_integration_keys(
                added.id,
                &keys(5),
                &audit(
                    later,
                    None,
                    AuditAction::IntegrationKeysRotated,
                    "Mobile app"
                ),
            )
            .await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        store
            .integration(added.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(later)
    );
    assert!(store
        .revoke_integration(
            masthead_core::ids::IntegrationId(999_999),
            &audit(later, None, AuditAction::IntegrationRevoked, "?"),
        )
        .await
        .is_err());
    // Every change is in the audit log, with who did it.
    let log = store.audit_log(PageRequest::numbered(1, 50)).await.unwrap();
    let actions: Vec<_> = log.items.iter().map(|e| e.action).collect();
    for action in [
        AuditAction::IntegrationAdded,
        AuditAction::IntegrationKeysRotated,
        AuditAction::IntegrationRevoked,
    ] {
        assert!(actions.contains(&action), "{action:?} in {actions:?}");
    }
}

async fn webhook_deliveries_queue_claim_once_retry_and_give_up(store: S) {
    use masthead_core::integration::{Keys, NewIntegration, KEY_BYTES};
    use masthead_core::webhook::{Event, NewWebhook, Outcome};
    let f = fixtures::newsroom(&*store).await;
    let app = |name: &str, n: u8| {
        let store = store.clone();
        let name = name.to_owned();
        async move {
            store
                .create_integration(
                    &NewIntegration::new(&name, Keys::from_random(&[n; KEY_BYTES])),
                    &audit(t0(), None, AuditAction::IntegrationAdded, &name),
                )
                .await
                .unwrap()
        }
    };
    let (listener, other, gone) = (
        app("Listener", 1).await,
        app("Other", 2).await,
        app("Gone", 3).await,
    );
    let hook =
        |integration: &masthead_core::integration::Integration, event, url: &str| NewWebhook {
            integration: integration.id,
            event,
            target_url: url.to_owned(),
            secret: "0123456789abcdef0123".to_owned(),
        };
    let added = |action| audit(t0(), Some(&f.admin), action, "hook");
    let published = store
        .create_webhook(
            &hook(&listener, Event::PostPublished, "https://a.example/in"),
            &added(AuditAction::WebhookAdded),
        )
        .await
        .unwrap();
    store
        .create_webhook(
            &hook(&other, Event::PostPublished, "https://b.example/in"),
            &added(AuditAction::WebhookAdded),
        )
        .await
        .unwrap();
    store
        .create_webhook(
            &hook(&other, Event::MemberAdded, "https://b.example/members"),
            &added(AuditAction::WebhookAdded),
        )
        .await
        .unwrap();
    store
        .create_webhook(
            &hook(&gone, Event::PostPublished, "https://c.example/in"),
            &added(AuditAction::WebhookAdded),
        )
        .await
        .unwrap();
    store
        .revoke_integration(
            gone.id,
            &audit(t0(), None, AuditAction::IntegrationRevoked, "Gone"),
        )
        .await
        .unwrap();
    // A bad address is refused before the database.
    assert!(matches!(
        store
            .create_webhook(
                &hook(&listener, Event::PostEdited, "ftp://x.example/"),
                &added(AuditAction::WebhookAdded)
            )
            .await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.webhooks(None).await.unwrap().len(), 4);
    assert_eq!(store.webhooks(Some(other.id)).await.unwrap().len(), 2);

    // An event queues one delivery per listening webhook of an active integration.
    assert_eq!(
        store
            .queue_webhook_event(Event::PostPublished, 42, t0())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .queue_webhook_event(Event::CommentAdded, 7, t0())
            .await
            .unwrap(),
        0
    );

    // Two senders claiming at once take each delivery once.
    let hold = Duration::minutes(5);
    let (a, b) = tokio::join!(
        store.claim_webhook_deliveries(t0(), hold, 10),
        store.claim_webhook_deliveries(t0(), hold, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut ids: Vec<i64> = a.iter().chain(&b).map(|d| d.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2, "{a:?} {b:?}");
    assert_eq!(a.len() + b.len(), 2);
    let claimed: Vec<_> = a.into_iter().chain(b).collect();
    assert!(claimed
        .iter()
        .all(|d| d.subject == 42 && d.event == Event::PostPublished && d.attempts == 1));
    let mine = claimed
        .iter()
        .find(|d| d.webhook.id == published.id)
        .unwrap()
        .clone();
    let theirs = claimed
        .iter()
        .find(|d| d.webhook.id != published.id)
        .unwrap()
        .clone();
    assert_eq!(mine.webhook.secret, "0123456789abcdef0123");
    // Held: nothing is due until the hold ends (a sender that died lets it go then).
    assert!(store
        .claim_webhook_deliveries(t0(), hold, 10)
        .await
        .unwrap()
        .is_empty());
    let later = t0() + Duration::minutes(1);
    store
        .settle_webhook_delivery(mine.id, &Outcome::Sent(204), later)
        .await
        .unwrap();
    store
        .settle_webhook_delivery(
            theirs.id,
            &Outcome::Failed {
                status: Some(503),
                error: "Service Unavailable".into(),
                retry_at: Some(later + Duration::seconds(30)),
            },
            later,
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_webhook_deliveries(later, hold, 10)
            .await
            .unwrap()
            .is_empty(),
        "not yet due"
    );
    let again = store
        .claim_webhook_deliveries(later + Duration::seconds(30), hold, 10)
        .await
        .unwrap();
    assert_eq!(
        (again.len(), again[0].id, again[0].attempts),
        (1, theirs.id, 2)
    );
    store
        .settle_webhook_delivery(
            theirs.id,
            &Outcome::Failed {
                status: None,
                error: "connection refused".into(),
                retry_at: None,
            },
            later,
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_webhook_deliveries(t0() + Duration::days(1), hold, 10)
            .await
            .unwrap()
            .is_empty(),
        "given up"
    );

    // The log, newest first, says how each went.
    let log = store
        .webhook_deliveries(PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(log.total, 2);
    let by_id = |id| log.items.iter().find(|d| d.id == id).unwrap();
    let sent = by_id(mine.id);
    assert_eq!(
        (sent.state.as_str(), sent.last_status, sent.sent_at),
        ("sent", Some(204), Some(later))
    );
    assert_eq!(sent.integration, "Listener");
    let failed = by_id(theirs.id);
    assert_eq!(
        (failed.state.as_str(), failed.attempts, failed.last_status),
        ("failed", 2, None)
    );
    assert_eq!(failed.last_error, "connection refused");

    // A new member and a comment queue their events with them (spam does not).
    let member = store
        .create_member(&NewMember {
            email: "new@example.com".into(),
            name: "New".into(),
        })
        .await
        .unwrap();
    let due = |at| {
        let store = store.clone();
        async move {
            store
                .claim_webhook_deliveries(at, Duration::minutes(5), 50)
                .await
                .unwrap()
        }
    };
    let joined = due(t0() + Duration::days(400)).await;
    assert_eq!(
        joined
            .iter()
            .map(|d| (d.event, d.subject))
            .collect::<Vec<_>>(),
        [(Event::MemberAdded, member.id.0)]
    );
    store
        .settle_webhook_delivery(joined[0].id, &Outcome::Sent(200), t0())
        .await
        .unwrap();
    store
        .create_webhook(
            &hook(&listener, Event::CommentAdded, "https://a.example/c"),
            &added(AuditAction::WebhookAdded),
        )
        .await
        .unwrap();
    let article = fixtures::published(
        &fixtures::newsroom_service(store.clone()),
        "Commented on",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    for (body, status) in [
        ("Fine work.", CommentStatus::Approved),
        ("Buy pills", CommentStatus::Spam),
    ] {
        store
            .add_comment(&NewComment::plain(
                article,
                masthead_core::comment::Author::Member(member.id),
                None,
                body,
                status,
                t0(),
            ))
            .await
            .unwrap();
    }
    let mut heard: Vec<_> = due(t0() + Duration::days(401))
        .await
        .iter()
        .map(|d| (d.event.as_str(), d.subject))
        .collect();
    heard.sort_unstable();
    assert_eq!(
        heard,
        [
            ("comment.added", heard[0].1),
            ("post.published", article.0),
            ("post.published", article.0),
        ],
        "publishing, for each active listener, with the change; the approved comment, not the spam"
    );

    // Deleting a webhook takes its waiting deliveries; a missing one is not found.
    store
        .queue_webhook_event(Event::PostPublished, 43, t0())
        .await
        .unwrap();
    store
        .delete_webhook(published.id, &added(AuditAction::WebhookDeleted))
        .await
        .unwrap();
    let left = store
        .claim_webhook_deliveries(t0() + Duration::days(1), hold, 10)
        .await
        .unwrap();
    assert!(
        left.iter().all(|d| d.webhook.id != published.id),
        "{left:?}"
    );
    assert!(matches!(
        store
            .delete_webhook(published.id, &added(AuditAction::WebhookDeleted))
            .await,
        Err(Error::NotFound(_))
    ));
}
