//! The one gate, walked: every path that can carry an article's words (its page with
//! its share preview and structured data, the feeds, the sitemaps, search, a preview
//! link), for every reader (anonymous, a free member, members paying for one tier or
//! another, staff), twice
//! over in turns so that the page cache is in play, on both backends. A gated body
//! reaches exactly the readers `can_read` lets through, and only on the article's own
//! page; everyone sees the part above the writer's preview cut.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use chrono::Utc;
use masthead_core::article::Visibility;
use masthead_core::member::NewMember;
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::Arc;

mod support;

store_test!(
    no_path_gives_a_gated_body_to_a_reader_without_access,
    a_visitor_reads_a_few_members_stories_a_month,
);

/// A published article of `visibility` whose body has a preview cut: what is above
/// it is `TEASER-…`, what is below `SECRET-…`.
async fn gated(
    store: &Arc<dyn Store>,
    f: &NewsroomFixture,
    title: &str,
    visibility: Visibility,
    tiers: Vec<masthead_core::ids::TierId>,
    word: &str,
) {
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = masthead_core::article::ArticleContent::new(
        title,
        format!("Teaser{word} opens the story.\n\n<!--more-->\n\nSecret{word} is the finding."),
    );
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.tags = vec!["Harbor".into()];
    content.visibility = visibility;
    content.tiers = tiers;
    fixtures::publish(&newsroom, &f.editor, content, t0()).await;
}

/// A member's session cookie; paying members get an active subscription to the tier
/// `pays_for`.
async fn member_cookie(store: &Arc<dyn Store>, email: &str, pays_for: Option<&str>) -> String {
    let member = store
        .create_member(&NewMember {
            email: email.into(),
            name: "Reader".into(),
        })
        .await
        .unwrap();
    if let Some(slug) = pays_for {
        let tier = store.tier_by_slug(slug).await.unwrap().unwrap();
        fixtures::pays(&**store, member.id, tier.id, Utc::now()).await;
    }
    let opened = masthead_web::reader::open_member_session(&**store, member.id, "", "", Utc::now())
        .await
        .unwrap();
    format!(
        "{}={}",
        masthead_web::reader::MEMBER_SESSION_COOKIE,
        opened.token
    )
}

/// A GET with `cookie`: status and body.
async fn get(app: &masthead_web::App, path: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = support::get(app, path, cookie).await;
    (status, body)
}

async fn no_path_gives_a_gated_body_to_a_reader_without_access(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let patron = fixtures::paid_tier(&*store, "patron").await;
    fixtures::paid_tier(&*store, "backer").await;
    gated(
        &store,
        &f,
        "Open report",
        Visibility::Public,
        vec![],
        "Public",
    )
    .await;
    gated(
        &store,
        &f,
        "Members note",
        Visibility::Members,
        vec![],
        "Members",
    )
    .await;
    gated(&store, &f, "Paid probe", Visibility::Paid, vec![], "Paid").await;
    // For the patrons only: paying for another tier is not enough.
    gated(
        &store,
        &f,
        "Tier probe",
        Visibility::Tiers,
        vec![patron],
        "Tier",
    )
    .await;
    let paid_id = store
        .article_by_slug("paid-probe")
        .await
        .unwrap()
        .expect("the paid article")
        .id;
    let preview_token = masthead_web::secrets::secret();
    store
        .create_preview(
            paid_id,
            f.editor.id,
            &masthead_web::secrets::token_hash(&preview_token),
            Utc::now(),
        )
        .await
        .unwrap();
    let search = Arc::new(masthead_search::SearchIndex::in_memory().unwrap());
    search.rebuild(&*store).await.unwrap();
    let mut state = support::state(store.clone(), "https://news.example");
    state.search = search;
    let app = masthead_web::router(state);
    // Each reader, and what they may read (public, members, paid, the patrons').
    let readers = [
        ("anonymous", String::new(), [true, false, false, false]),
        (
            "free member",
            member_cookie(&store, "free@example.com", None).await,
            [true, true, false, false],
        ),
        (
            "patron",
            member_cookie(&store, "paying@example.com", Some("patron")).await,
            [true, true, true, true],
        ),
        (
            "backer",
            member_cookie(&store, "backer@example.com", Some("backer")).await,
            [true, true, true, false],
        ),
        (
            "staff",
            support::staff_cookie(&*store, &f.author).await,
            [true, true, true, true],
        ),
    ];
    let articles = [
        ("/world/open-report/", "Public"),
        ("/world/members-note/", "Members"),
        ("/world/paid-probe/", "Paid"),
        ("/world/tier-probe/", "Tier"),
    ];
    // Paths that show no body whole, whoever asks (feeds are read anonymously).
    let elsewhere = [
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/world/feed.xml",
        "/tag/harbor/feed.xml",
        "/author/ada-author/feed.json",
        "/sitemap-news.xml",
        "/sitemap-articles-1.xml",
        "/latest/",
        "/world/",
        "/",
    ];
    let mut checked = 0;
    for round in 0..2 {
        for (who, cookie, may) in &readers {
            for (i, (path, word)) in articles.iter().enumerate() {
                let (status, page) = get(&app, path, cookie).await;
                assert_eq!(status, StatusCode::OK, "{who} {path}");
                let secret = format!("Secret{word}");
                assert_eq!(
                    page.contains(&secret),
                    may[i],
                    "round {round}: {who} reading {path}: the body is {}",
                    if may[i] { "missing" } else { "given away" }
                );
                assert!(
                    page.contains(&format!("Teaser{word}")),
                    "{who} sees the part above the cut of {path}"
                );
                checked += 1;
            }
            for path in elsewhere {
                let (status, page) = get(&app, path, cookie).await;
                assert!(status.is_success(), "{who} {path}: {status}");
                for word in ["Members", "Paid", "Tier"] {
                    assert!(
                        !page.contains(&format!("Secret{word}")),
                        "round {round}: {path} gives {who} the {word} body:\n{page}"
                    );
                }
                checked += 1;
            }
            // Search matches and shows a gated body's words to those who may read it,
            // and to no one else. (Lowercase: the results page repeats the query, and
            // matching ignores case.)
            for path in [
                "/search/?q=secretmembers",
                "/search/?q=secretpaid",
                "/search/?q=secrettier",
                "/search/?q=finding",
                "/search/?q=finding&tag=harbor&section=world",
            ] {
                let (status, page) = get(&app, path, cookie).await;
                assert!(status.is_success(), "{who} {path}: {status}");
                for (i, word) in [(1, "Members"), (2, "Paid"), (3, "Tier")] {
                    let shown = page.contains(&format!("Secret{word}"));
                    let asked = path == format!("/search/?q=secret{}", word.to_lowercase());
                    assert!(
                        if asked {
                            shown == may[i]
                        } else {
                            !shown || may[i]
                        },
                        "round {round}: {path} for {who}: the {word} body is {}:\n{page}",
                        if shown { "given away" } else { "missing" }
                    );
                }
                checked += 1;
            }
            // The preview link of the published paid article is no way around the gate.
            let (status, page) = get(&app, &format!("/preview/{preview_token}"), cookie).await;
            assert_eq!(status, StatusCode::OK, "{who} preview");
            assert_eq!(
                page.contains("SecretPaid"),
                may[2],
                "{who} via the preview link"
            );
            // Search finds a public body's words, and shows them: the check above
            // would see a gated one.
            let (_, found) = get(&app, "/search/?q=secretpublic", cookie).await;
            assert!(found.contains("SecretPublic"), "{found}");
            // The public body is in its feeds: the check above can see a body.
            let (_, feed) = get(&app, "/feed.xml", cookie).await;
            assert!(
                feed.contains("SecretPublic"),
                "the public body is in the feed"
            );
            assert!(
                feed.contains("TeaserPaid"),
                "the paid teaser is in the feed"
            );
        }
    }
    assert_eq!(
        checked,
        2 * readers.len() * (articles.len() + elsewhere.len() + 5)
    );

    // The Content API reads as a key, whoever holds it: every post route, with every
    // combination of fields, formats and include, gives no gated body, even to a
    // browser that also carries a member's or staff session.
    let key = store
        .create_integration(
            // Allowed the whole walk in a minute (the rate limit is tested on its own).
            &masthead_core::integration::NewIntegration {
                rate_limit: masthead_core::integration::MAX_RATE_LIMIT,
                ..masthead_core::integration::NewIntegration::new(
                    "Walker",
                    masthead_core::integration::Keys::from_random(
                        &[7; masthead_core::integration::KEY_BYTES],
                    ),
                )
            },
            &masthead_core::auth::NewAuditEntry {
                at: Utc::now(),
                actor: None,
                action: masthead_core::auth::AuditAction::IntegrationAdded,
                target: "Walker".into(),
                ip: String::new(),
            },
        )
        .await
        .unwrap()
        .keys
        .content;
    let mut routes = vec!["/ghost/api/content/posts/".to_owned()];
    for (path, _) in &articles {
        let slug = path.trim_end_matches('/').rsplit('/').next().unwrap();
        let id = store.article_by_slug(slug).await.unwrap().unwrap().id;
        routes.push(format!("/ghost/api/content/posts/slug/{slug}/"));
        routes.push(format!(
            "/ghost/api/content/posts/{}/",
            masthead_core::nql::ghost_id(id.0)
        ));
    }
    let fields = [
        "",
        "html",
        "plaintext",
        "excerpt",
        "html,plaintext,excerpt,title",
    ];
    let formats = [
        "",
        "html",
        "plaintext",
        "html,plaintext",
        "mobiledoc,lexical",
    ];
    let includes = ["", "tags", "authors", "tiers", "tags,authors,tiers"];
    let mut walked = 0;
    let mut seen_public = 0;
    for route in &routes {
        for field in fields {
            for format in formats {
                for include in includes {
                    let path = format!(
                        "{route}?key={key}&fields={field}&formats={format}&include={include}"
                    );
                    let cookie = &readers[walked % readers.len()].1;
                    let (status, body) = get(&app, &path, cookie).await;
                    assert_eq!(status, StatusCode::OK, "{path}: {body}");
                    for word in ["Members", "Paid", "Tier"] {
                        assert!(
                            !body.contains(&format!("Secret{word}")),
                            "{path} gives the {word} body away:\n{body}"
                        );
                    }
                    seen_public += usize::from(body.contains("SecretPublic"));
                    walked += 1;
                }
            }
        }
    }
    assert_eq!(walked, routes.len() * 125);
    assert!(seen_public > 0, "the walk can see a body");

    // The Admin API is staff's and integrations' only: a Content API key, a member's
    // session or none get Ghost's refusal on every post route, with every
    // combination, and no body at all.
    let admin_routes: Vec<String> = routes
        .iter()
        .map(|r| r.replace("/ghost/api/content/", "/ghost/api/admin/"))
        .collect();
    let formats = ["", "html", "plaintext", "lexical", "html,plaintext,lexical"];
    let mut walked = 0;
    for route in &admin_routes {
        for field in fields {
            for format in formats {
                for include in includes {
                    let path = format!(
                        "{route}?key={key}&fields={field}&formats={format}&include={include}"
                    );
                    // Everyone but staff.
                    let cookie = &readers[walked % (readers.len() - 1)].1;
                    let (status, body) = get(&app, &path, cookie).await;
                    assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
                    assert!(!body.contains("Secret"), "{path}: {body}");
                    walked += 1;
                }
            }
        }
    }
    assert_eq!(walked, admin_routes.len() * 125);
    // The same routes do show bodies to those they are for: the check can see one.
    let admin_keys = store
        .create_integration(
            &masthead_core::integration::NewIntegration::new(
                "Admin walker",
                masthead_core::integration::Keys::from_random(
                    &[8; masthead_core::integration::KEY_BYTES],
                ),
            ),
            &masthead_core::auth::NewAuditEntry {
                at: Utc::now(),
                actor: None,
                action: masthead_core::auth::AuditAction::IntegrationAdded,
                target: "Admin walker".into(),
                ip: String::new(),
            },
        )
        .await
        .unwrap()
        .keys;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(admin_keys.admin_id.clone());
    let now = Utc::now().timestamp();
    let token = jsonwebtoken::encode(
        &header,
        &serde_json::json!({"iat": now, "exp": now + 300, "aud": "/admin/"}),
        &jsonwebtoken::EncodingKey::from_secret(&hex::decode(&admin_keys.admin_secret).unwrap()),
    )
    .unwrap();
    let request = axum::http::Request::get("/ghost/api/admin/posts/?formats=html&limit=all")
        .header("authorization", format!("Ghost {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&body).contains("SecretMembers"));
}

/// The meter, the one way past the gate that is not `can_read`: with two free stories
/// a month, a visitor reads two members-only stories whole (again as often as they
/// like), then meets the wall; paid stories are never free; each visitor has their
/// own meter, and no metered page is ever stored for anyone else.
async fn a_visitor_reads_a_few_members_stories_a_month(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    for (title, word) in [
        ("First note", "One"),
        ("Second note", "Two"),
        ("Third note", "Three"),
    ] {
        gated(&store, &f, title, Visibility::Members, vec![], word).await;
    }
    gated(&store, &f, "Paid probe", Visibility::Paid, vec![], "Paid").await;
    let mut settings = store.settings().await.unwrap();
    settings.free_articles = 2;
    store.save_settings(&settings).await.unwrap();
    let app = masthead_web::router(support::state(store.clone(), "https://news.example"));
    let mut visitor =
        masthead_testkit::browser::Browser::new(&app, "198.51.100.7", "https://news.example");
    let read = |page: &masthead_testkit::browser::Reply, word: &str| {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("Teaser{word}")));
        page.body.contains(&format!("Secret{word}"))
    };
    let first = visitor.get("/world/first-note/").await;
    assert!(read(&first, "One"), "the first free story is whole");
    assert_eq!(
        first.headers.get("cache-control").unwrap(),
        "private, no-store"
    );
    assert!(first.body.contains("1 left this month"), "{}", first.body);
    // A HEAD (a link checker, a prefetch) reads nothing and spends nothing.
    let head = visitor
        .send(axum::http::Method::HEAD, "/world/second-note/", &[], &[])
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(
        head.headers.get("set-cookie").is_none(),
        "{:?}",
        head.headers
    );
    assert_eq!(
        visitor
            .cookie("masthead_meter")
            .map(|c| c.split('.').count()),
        Some(2)
    );
    assert!(read(&visitor.get("/world/second-note/").await, "Two"));
    let third = visitor.get("/world/third-note/").await;
    assert!(!read(&third, "Three"), "the third is past the meter");
    assert!(third
        .body
        .contains("You have read your 2 free members' stories this month."));
    assert!(
        read(&visitor.get("/world/first-note/").await, "One"),
        "read again"
    );
    assert!(
        !read(&visitor.get("/world/paid-probe/").await, "Paid"),
        "never metered"
    );
    // Another visitor has a meter of their own: the third story is their first, and
    // what the first visitor was shown was kept for no one.
    let mut other =
        masthead_testkit::browser::Browser::new(&app, "198.51.100.8", "https://news.example");
    assert!(read(&other.get("/world/third-note/").await, "Three"));
    let (_, anonymous) = get(&app, "/world/third-note/", "").await;
    assert!(
        anonymous.contains("SecretThree"),
        "a cookieless visitor's first"
    );
    // No meter: the wall for everyone.
    settings.free_articles = 0;
    store.save_settings(&settings).await.unwrap();
    let (_, walled) = get(&app, "/world/first-note/", "").await;
    assert!(walled.contains("TeaserOne") && !walled.contains("SecretOne"));
}
