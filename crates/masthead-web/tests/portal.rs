//! The reader portal, in-process, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::article::{ArticleContent, Status};
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::Arc;
use tower::ServiceExt;

fn state(store: Arc<dyn Store>) -> masthead_web::AppState {
    masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    )
}

fn app(store: Arc<dyn Store>) -> masthead_web::App {
    masthead_web::router(state(store))
}

/// `app` with a search index that holds what is published now and follows the store,
/// as a server's does (related stories come from it).
async fn indexed_app(store: Arc<dyn Store>) -> masthead_web::App {
    let index = Arc::new(masthead_search::SearchIndex::in_memory().unwrap());
    tokio::spawn(index.clone().follow(store.clone()));
    index.rebuild(&*store).await.unwrap();
    let mut state = state(store);
    state.search = index;
    masthead_web::router(state)
}

/// A GET as a reader's browser sends it.
async fn read_as_reader(app: &masthead_web::App, path: &str) -> StatusCode {
    let request = Request::get(path)
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        )
        .body(Body::empty())
        .unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

async fn get(app: &masthead_web::App, path: &str) -> (StatusCode, Option<String>, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, location, String::from_utf8(body.to_vec()).unwrap())
}

store_test!(
    home_lists_sections_and_their_articles,
    article_page_shows_credits_and_hides_drafts,
    old_paths_redirect_permanently,
    lists_paginate_with_prev_and_next,
    unknown_pages_are_helpful_404s,
    tag_and_author_pages_list_their_articles,
    feeds_follow_every_list_and_keep_gated_bodies_out,
    robots_and_sitemaps_list_every_public_page,
    pages_carry_canonical_social_and_structured_data,
    gated_bodies_are_withheld_from_the_page,
    every_page_and_feed_follows_a_change_on_the_next_request,
    cached_pages_revalidate_and_compress,
    static_pages_and_the_corrections_log,
    home_has_lead_latest_and_most_read,
    readers_sites_and_searches_are_counted_without_anything_about_them,
    article_page_shares_relates_and_shows_comments,
    images_are_responsive_and_assets_fingerprinted,
    pictures_in_the_text_are_responsive_and_gain_copies_made_later,
    search_finds_articles_and_every_page_offers_it,
    site_changes_reach_every_page_on_the_next_request,
    the_publisher_its_policies_icons_and_pictures_are_in_the_markup,
    a_live_article_shows_its_entries_to_readers_feeds_and_search_engines,
);

/// Search engines and social networks read the publisher's logo and its standards
/// pages (the Trust Project's indicators), a picture on every page, the icons; and no
/// page claims it was modified before it was published.
async fn the_publisher_its_policies_icons_and_pictures_are_in_the_markup(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let app = app(store.clone());
    // Without icons of its own, the site points browsers at the theme's.
    let (status, location, _) = get(&app, "/favicon.ico").await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.unwrap().starts_with("/assets/favicon."));
    let mut settings = store.settings().await.unwrap();
    settings.logo = "/media/logo.png".into();
    settings.social_image = "/media/social.png".into();
    settings.favicon = "/media/icon-32.png".into();
    settings.touch_icon = "/media/icon-180.png".into();
    settings.policies.ethics = "/ethics/".into();
    settings.policies.corrections = "/corrections-policy/".into();
    settings.policies.ownership_funding = "https://owners.example/".into();
    store.save_settings(&settings).await.unwrap();
    for (title, slug) in [
        ("Ethics", "ethics"),
        ("Corrections policy", "corrections-policy"),
    ] {
        store
            .create_page(
                &page_content(title, slug, masthead_core::page::PageStatus::Published),
                "<p>Words.</p>",
                t0(),
            )
            .await
            .unwrap();
    }
    // An article edited before it went out: updated before it was published.
    let mut content = ArticleContent::new("Quiet night", "Nothing happened.");
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.tags = vec!["Elections".into()];
    store
        .create_articles(&[masthead_core::article::NewArticle {
            rendered: newsroom.render(&content).await.unwrap(),
            content,
            slug: "quiet-night".into(),
            status: Status::Published,
            created_at: t0() - chrono::Duration::hours(3),
            published_at: Some(t0()),
            scheduled_at: None,
            corrections: Vec::new(),
        }])
        .await
        .unwrap();
    let app = self::app(store.clone());

    let (_, _, home) = get(&app, "/").await;
    let ld = json_ld(&home);
    let org = &ld[0];
    assert_eq!(org["@type"], "NewsMediaOrganization");
    assert_eq!(org["logo"]["@type"], "ImageObject");
    assert_eq!(org["logo"]["url"], "https://news.example/media/logo.png");
    assert_eq!(org["ethicsPolicy"], "https://news.example/ethics/");
    assert_eq!(
        org["correctionsPolicy"],
        "https://news.example/corrections-policy/"
    );
    assert_eq!(org["ownershipFundingInfo"], "https://owners.example/");
    assert!(
        org.get("diversityPolicy").is_none(),
        "only the policies it has"
    );
    assert!(home.contains(r#"<link rel="icon" href="/media/icon-32.png">"#));
    assert!(home.contains(r#"<link rel="apple-touch-icon" href="/media/icon-180.png">"#));
    let (status, location, _) = get(&app, "/favicon.ico").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some("/media/icon-32.png"));

    // Every kind of page has a picture for social networks.
    let picture = r#"<meta property="og:image" content="https://news.example/media/social.png">"#;
    for path in [
        "/",
        "/world/",
        "/latest/",
        "/tag/elections/",
        "/author/ada-author/",
        "/corrections/",
        "/ethics/",
        "/world/quiet-night/",
    ] {
        let (status, _, html) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(picture), "{path}");
    }

    let (_, _, article) = get(&app, "/world/quiet-night/").await;
    let ld = json_ld(&article);
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        "https://news.example/media/logo.png"
    );
    assert_eq!(
        ld["publisher"]["ethicsPolicy"],
        "https://news.example/ethics/"
    );
    let published =
        chrono::DateTime::parse_from_rfc3339(ld["datePublished"].as_str().unwrap()).unwrap();
    let modified =
        chrono::DateTime::parse_from_rfc3339(ld["dateModified"].as_str().unwrap()).unwrap();
    assert!(modified >= published, "{modified} before {published}");
    assert!(article.contains(&format!(
        r#"<meta property="article:modified_time" content="{}">"#,
        ld["dateModified"].as_str().unwrap()
    )));
}

async fn home_lists_sections_and_their_articles(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(
        &newsroom,
        "Ceasefire holds in the north",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    fixtures::published(
        &newsroom,
        "Port profits & <losses>",
        &f.business,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    // Enough stories that the section blocks have some beyond those at the top.
    for n in 0..6 {
        let section = if n % 2 == 0 { &f.world } else { &f.business };
        fixtures::published(
            &newsroom,
            &format!("Older story {n}"),
            section,
            f.author.id,
            &f.editor,
            -10 - n,
        )
        .await;
    }
    let app = app(store);
    let (status, _, html) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let world = html.find("id=\"s-world\"").unwrap();
    let business = html.find("id=\"s-business\"").unwrap();
    assert!(world < business, "sections in navigation order");
    assert!(
        html.contains("href=\"/world/ceasefire-holds-in-the-north/\""),
        "{html}"
    );
    assert!(
        html.contains("Port profits &amp; &lt;losses&gt;"),
        "titles are escaped"
    );
    let (status, _, section) = get(&app, "/business/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(section.contains("Port profits") && !section.contains("Ceasefire"));
    assert!(section.contains("aria-current=\"page\""));
}

async fn article_page_shows_credits_and_hides_drafts(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new(
        "Water rates to rise",
        "Bills go up **4%**.\n\n<script>alert(1)</script>",
    );
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.editors = vec![f.editor.id];
    // Credited by an editor: writers below editor credit only themselves.
    let id = newsroom
        .create_draft(NewsroomFixture::actor(&f.editor), content, t0())
        .await
        .unwrap();
    let app = app(store.clone());
    assert_eq!(
        get(&app, "/world/water-rates-to-rise/").await.0,
        StatusCode::NOT_FOUND,
        "drafts are not public"
    );
    newsroom
        .transition(
            NewsroomFixture::actor(&f.editor),
            id,
            Status::Published,
            None,
            t0(),
        )
        .await
        .unwrap();
    let (status, _, html) = get(&app, "/world/water-rates-to-rise/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Water rates to rise</h1>"));
    assert!(html.contains("href=\"/author/ada-author/\" rel=\"author\">Ada Author</a>"));
    assert!(html.contains("Edited by <a href=\"/author/ed-editor/\">Ed Editor</a>"));
    assert!(html.contains("<strong>4%</strong>"));
    assert!(!html.contains("<script>alert"), "bodies are sanitized");
    assert!(html.contains("datetime=\"2026-03-02T09:00:00Z\""));
    // The same slug under another section redirects to the canonical URL.
    let (status, location, _) = get(&app, "/business/water-rates-to-rise/").await;
    assert_eq!(
        (status, location.as_deref()),
        (
            StatusCode::PERMANENT_REDIRECT,
            Some("/world/water-rates-to-rise/")
        )
    );
}

async fn old_paths_redirect_permanently(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(&newsroom, "Old name", &f.world, f.author.id, &f.editor, 0).await;
    newsroom
        .change_slug(NewsroomFixture::actor(&f.editor), id, "new-name", t0())
        .await
        .unwrap();
    store
        .create_redirect("/about-us/", "/about/", 301)
        .await
        .unwrap();
    let app = app(store);
    let (status, location, _) = get(&app, "/world/old-name/").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::MOVED_PERMANENTLY, Some("/world/new-name/"))
    );
    let (status, location, _) = get(&app, "/about-us/").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::MOVED_PERMANENTLY, Some("/about/"))
    );
    let (status, location, _) = get(&app, "/world").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::PERMANENT_REDIRECT, Some("/world/"))
    );
}

async fn lists_paginate_with_prev_and_next(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    for i in 0..45 {
        fixtures::published(
            &newsroom,
            &format!("Story {i}"),
            &f.world,
            f.author.id,
            &f.editor,
            i,
        )
        .await;
    }
    let app = app(store);
    let (_, _, first) = get(&app, "/latest/").await;
    assert!(first.contains("Page 1 of 3"));
    assert!(
        first.contains("rel=\"next\" href=\"/latest/?page=2\"") && !first.contains("rel=\"prev\"")
    );
    assert!(first.contains("Story 44") && !first.contains("Story 24<"));
    let (_, _, second) = get(&app, "/world/?page=2").await;
    assert!(
        second.contains("rel=\"prev\" href=\"/world/\"")
            && second.contains("rel=\"next\" href=\"/world/?page=3\"")
    );
    assert!(second.contains(">Story 24</a>"));
    // Pages that do not exist are helpful 404s, not errors or empty pages.
    for path in [
        "/latest/?page=4",
        "/latest/?page=0",
        "/latest/?page=abc",
        "/world/?page=-1",
    ] {
        let (status, _, html) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Page not found"), "{path}: {html}");
    }
}

async fn unknown_pages_are_helpful_404s(store: Arc<dyn Store>) {
    fixtures::newsroom(&*store).await;
    let app = app(store);
    // Addresses that are not UTF-8 once decoded cannot name a page either.
    for path in [
        "/no-such-section/",
        "/world/no-such-story/",
        "/%FF/",
        "/world/%C3%28/",
        "/tag/%FF/",
        "/author/%FF/rss.xml",
        "/%FF",
    ] {
        let (status, _, html) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            html.contains("Page not found") && html.contains("href=\"/latest/\""),
            "{html}"
        );
    }
}

#[tokio::test]
async fn health_is_503_when_the_database_is_down() {
    let app = app(masthead_testkit::unavailable().await);
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    );
    let (status, _, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("Something went wrong on our side"), "{body}");
}

#[tokio::test]
async fn health_is_200_when_the_database_answers() {
    let db = masthead_testkit::sqlite().await;
    let (status, _, _) = get(&app(db.store.clone()), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

async fn tag_and_author_pages_list_their_articles(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(&newsroom, "By Ada", &f.world, f.author.id, &f.editor, 0).await;
    fixtures::published(&newsroom, "By Ed", &f.business, f.editor.id, &f.editor, 1).await;
    let app = app(store);
    let (status, _, html) = get(&app, "/author/ada-author/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Ada Author</h1>"));
    assert!(html.contains("Ada Author writes for the paper."), "the bio");
    assert!(
        html.contains("<strong>Covers:</strong> Politics"),
        "the expertise"
    );
    assert!(html.contains(">By Ada</a>") && !html.contains(">By Ed</a>"));
    let (status, _, html) = get(&app, "/tag/elections/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Elections</h1>"));
    assert!(html.contains(">By Ada</a>") && html.contains(">By Ed</a>"));
    assert_eq!(
        get(&app, "/tag/no-such-tag/").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, "/author/nobody/").await.0, StatusCode::NOT_FOUND);
}

async fn feeds_follow_every_list_and_keep_gated_bodies_out(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(&newsroom, "Open story", &f.world, f.author.id, &f.editor, 0).await;
    let gated = fixtures::published(
        &newsroom,
        "Members story",
        &f.business,
        f.editor.id,
        &f.editor,
        1,
    )
    .await;
    let mut content = store.article(gated).await.unwrap().unwrap().content();
    content.visibility = masthead_core::article::Visibility::Members;
    // Gated feed items carry the opening as a teaser (the excerpt), never the rest.
    content.body = masthead_core::document::Document::from_markdown(&format!(
        "{}\n\nThe secret ingredient is patience.",
        "Members read on. ".repeat(25)
    ));
    newsroom
        .update(NewsroomFixture::actor(&f.editor), gated, content, t0())
        .await
        .unwrap();
    let app = app(store.clone());

    let (_, _, home) = get(&app, "/").await;
    assert!(home.contains(r#"<link rel="alternate" type="application/rss+xml" title="Masthead (RSS)" href="/feed.xml">"#), "{home}");
    for (path, titles) in [
        ("/", vec!["Members story", "Open story"]),
        ("/world/", vec!["Open story"]),
        ("/tag/elections/", vec!["Members story", "Open story"]),
        ("/author/ed-editor/", vec!["Members story"]),
    ] {
        for file in ["feed.xml", "atom.xml", "feed.json"] {
            let (status, _, body) = get(&app, &format!("{path}{file}")).await;
            assert_eq!(status, StatusCode::OK, "{path}{file}");
            let feed = feed_rs::parser::parse(body.as_bytes())
                .unwrap_or_else(|e| panic!("{path}{file}: {e}"));
            let got: Vec<_> = feed
                .entries
                .iter()
                .map(|e| e.title.as_ref().unwrap().content.clone())
                .collect();
            assert_eq!(got, titles, "{path}{file}");
            assert!(
                !body.contains("secret ingredient"),
                "{path}{file} leaks a gated body"
            );
            if path == "/" {
                assert!(
                    body.contains("https://news.example/world/open-story/"),
                    "{path}{file}: absolute links"
                );
                assert!(
                    body.contains("A second paragraph of reporting."),
                    "{path}{file}: public bodies in full"
                );
            }
        }
    }
    let (_, _, section_page) = get(&app, "/world/").await;
    assert!(
        section_page.contains(r#"href="/world/feed.xml""#),
        "section pages advertise their feed"
    );
    assert_eq!(get(&app, "/world/notes.txt").await.0, StatusCode::NOT_FOUND);

    // A new publication is in the feed on the very next request.
    fixtures::published(&newsroom, "Breaking", &f.world, f.author.id, &f.editor, 5).await;
    let (_, _, body) = get(&app, "/feed.json").await;
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "Breaking");
}

async fn robots_and_sitemaps_list_every_public_page(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let old =
        fixtures::published(&newsroom, "Old story", &f.world, f.author.id, &f.editor, 0).await;
    let mut content = ArticleContent::new("Fresh story", "Just in.");
    content.section_id = Some(f.business.id);
    fixtures::publish(&newsroom, &f.editor, content, chrono::Utc::now()).await;
    newsroom
        .create_draft(
            NewsroomFixture::actor(&f.editor),
            ArticleContent::new("Secret draft", "x"),
            t0(),
        )
        .await
        .unwrap();
    let app = app(store.clone());

    let (status, _, robots) = get(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        robots.contains("Sitemap: https://news.example/sitemap.xml"),
        "{robots}"
    );
    assert!(robots.contains("Disallow: /newsroom/"), "{robots}");

    let (_, _, index) = get(&app, "/sitemap.xml").await;
    for child in [
        "/sitemap-pages.xml",
        "/sitemap-articles-1.xml",
        "/sitemap-news.xml",
    ] {
        assert!(
            index.contains(&format!("<loc>https://news.example{child}</loc>")),
            "{index}"
        );
    }
    assert!(!index.contains("sitemap-articles-2.xml"), "{index}");

    let (_, _, pages) = get(&app, "/sitemap-pages.xml").await;
    for path in [
        "/",
        "/latest/",
        "/world/",
        "/business/",
        "/tag/elections/",
        "/author/ada-author/",
    ] {
        assert!(
            pages.contains(&format!("<loc>https://news.example{path}</loc>")),
            "{path} in {pages}"
        );
    }

    let (status, _, articles) = get(&app, "/sitemap-articles-1.xml").await;
    assert_eq!(status, StatusCode::OK);
    let old_at = articles
        .find("https://news.example/world/old-story/")
        .expect("old story listed");
    let fresh_at = articles
        .find("https://news.example/business/fresh-story/")
        .expect("fresh story listed");
    assert!(
        old_at < fresh_at,
        "oldest first, so full pages stay the same"
    );
    assert!(!articles.contains("secret-draft"), "drafts are not listed");
    assert!(articles.contains("<lastmod>"), "{articles}");
    assert_eq!(
        get(&app, "/sitemap-articles-2.xml").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/sitemap-articles-0.xml").await.0,
        StatusCode::NOT_FOUND
    );

    let (_, _, news) = get(&app, "/sitemap-news.xml").await;
    assert!(
        news.contains("<loc>https://news.example/business/fresh-story/</loc>"),
        "{news}"
    );
    assert!(
        news.contains("<news:title>Fresh story</news:title>"),
        "{news}"
    );
    assert!(!news.contains("old-story"), "older than 48 hours: {news}");
    let _ = old;
}

/// The JSON-LD of a page, parsed.
fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script type="application/ld+json">"#)
        .expect("JSON-LD present");
    let rest = &html[start + r#"<script type="application/ld+json">"#.len()..];
    let end = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[..end]).unwrap()
}

async fn pages_carry_canonical_social_and_structured_data(store: Arc<dyn Store>) {
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
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.standfirst = "The span links the two halves of the city.".into();
    content.editors = vec![f.editor.id];
    content.article_type = masthead_core::article::ArticleType::Analysis;
    content.sources = vec![masthead_core::article::Source {
        name: "City engineers".into(),
        url: "https://city.example/bridge".into(),
        note: String::new(),
    }];
    newsroom
        .update(NewsroomFixture::actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    newsroom
        .add_correction(
            NewsroomFixture::actor(&f.editor),
            id,
            masthead_core::article::CorrectionKind::Correction,
            "The bridge is 2 km long.",
            t0(),
        )
        .await
        .unwrap();
    for i in 0..25 {
        fixtures::published(
            &newsroom,
            &format!("Filler {i}"),
            &f.world,
            f.author.id,
            &f.editor,
            10 + i,
        )
        .await;
    }
    let app = app(store);

    let (_, _, html) = get(&app, "/world/bridge-opens/").await;
    assert!(
        html.contains(r#"<link rel="canonical" href="https://news.example/world/bridge-opens/">"#)
    );
    assert!(html.contains(
        r#"<meta name="description" content="The span links the two halves of the city.">"#
    ));
    assert!(html.contains(r#"<meta property="og:type" content="article">"#));
    assert!(html.contains(r#"<meta property="og:title" content="Bridge opens">"#));
    assert!(html.contains(r#"<meta property="article:section" content="World">"#));
    assert!(html.contains(r#"<meta name="twitter:card" content="summary">"#));
    let ld = json_ld(&html);
    assert_eq!(
        ld["@type"],
        serde_json::json!(["NewsArticle", "AnalysisNewsArticle"])
    );
    assert_eq!(ld["headline"], "Bridge opens");
    assert_eq!(ld["author"][0]["name"], "Ada Author");
    assert_eq!(
        ld["author"][0]["url"],
        "https://news.example/author/ada-author/"
    );
    assert_eq!(ld["editor"][0]["name"], "Ed Editor");
    assert_eq!(ld["publisher"]["@type"], "NewsMediaOrganization");
    assert_eq!(ld["articleSection"], "World");
    assert_eq!(ld["keywords"], serde_json::json!(["Elections", "Europe"]));
    assert_eq!(ld["isAccessibleForFree"], true);
    assert_eq!(ld["datePublished"], "2026-03-02T09:00:00+00:00");
    assert_eq!(ld["citation"][0]["url"], "https://city.example/bridge");
    assert_eq!(ld["correction"][0]["text"], "The bridge is 2 km long.");

    let (_, _, home) = get(&app, "/").await;
    let ld = json_ld(&home);
    assert_eq!(ld[0]["@type"], "NewsMediaOrganization");
    assert_eq!(ld[1]["@type"], "WebSite");
    assert!(home.contains(r#"<link rel="canonical" href="https://news.example/">"#));

    let (_, _, second) = get(&app, "/world/?page=2").await;
    assert!(second.contains(r#"<link rel="canonical" href="https://news.example/world/?page=2">"#));
    assert!(second.contains(r#"<meta property="og:title" content="World">"#));
}

async fn gated_bodies_are_withheld_from_the_page(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Members briefing",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.visibility = masthead_core::article::Visibility::Paid;
    content.body = masthead_core::document::Document::from_markdown(&format!(
        "{}\n\nThe paid-only finding.",
        "Opening paragraph for everyone. ".repeat(12)
    ));
    newsroom
        .update(NewsroomFixture::actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    let (status, _, html) = get(&app(store), "/world/members-briefing/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("paid-only finding"),
        "the gated body is not in the page at all"
    );
    assert!(
        html.contains("Opening paragraph for everyone."),
        "the teaser is"
    );
    assert!(html.contains(r#"class="paywall""#));
    assert!(html.contains("This article is for paying subscribers"));
    let ld = json_ld(&html);
    assert_eq!(ld["isAccessibleForFree"], false);
    assert_eq!(ld["hasPart"]["cssSelector"], ".paywall");
}

async fn get_with(
    app: &masthead_web::App,
    path: &str,
    headers: &[(&str, &str)],
) -> axum::response::Response {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// Publishing, editing and unpublishing show on every page and feed at once, although
/// all of them are cached.
async fn every_page_and_feed_follows_a_change_on_the_next_request(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let editor = NewsroomFixture::actor(&f.editor);
    fixtures::published(
        &newsroom,
        "Earlier story",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let state = state(store.clone());
    let cache = state.cache.clone();
    let app = masthead_web::router(state);
    let pages = [
        "/",
        "/latest/",
        "/world/",
        "/tag/elections/",
        "/author/ada-author/",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/world/feed.xml",
        "/tag/elections/atom.xml",
        "/author/ada-author/feed.json",
    ];
    let body = |path: &'static str| {
        let app = app.clone();
        async move { get(&app, path).await.2 }
    };
    for path in pages {
        assert!(!body(path).await.contains("Harbour reopens"), "{path}");
    }
    assert!(!body("/sitemap-articles-1.xml")
        .await
        .contains("harbour-reopens"));
    assert!(cache.len() > pages.len(), "every page is cached");

    let mut content = ArticleContent::new("Harbour reopens", "Ships are moving again.");
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.tags = vec!["Elections".into()];
    let id = newsroom.create_draft(editor, content, t0()).await.unwrap();
    newsroom
        .transition(
            editor,
            id,
            Status::Published,
            None,
            t0() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    for path in pages {
        assert!(
            body(path).await.contains("Harbour reopens"),
            "published: {path}"
        );
    }
    assert!(body("/sitemap-articles-1.xml")
        .await
        .contains("/world/harbour-reopens/"));
    assert!(body("/world/harbour-reopens/")
        .await
        .contains("Ships are moving again."));

    let mut edited = store.article(id).await.unwrap().unwrap().content();
    edited.title = "Harbour reopens after storm".into();
    edited.body =
        masthead_core::document::Document::from_markdown("Ships are moving again, slowly.");
    newsroom
        .update(editor, id, edited, t0() + chrono::Duration::hours(2))
        .await
        .unwrap();
    for path in pages {
        assert!(
            body(path).await.contains("Harbour reopens after storm"),
            "edited: {path}"
        );
    }
    assert!(body("/world/harbour-reopens/").await.contains("slowly"));

    newsroom
        .transition(
            editor,
            id,
            Status::Unpublished,
            None,
            t0() + chrono::Duration::hours(3),
        )
        .await
        .unwrap();
    for path in pages {
        assert!(
            !body(path).await.contains("Harbour reopens"),
            "unpublished: {path}"
        );
    }
    assert!(!body("/sitemap-articles-1.xml")
        .await
        .contains("harbour-reopens"));
    assert_eq!(
        get(&app, "/world/harbour-reopens/").await.0,
        StatusCode::GONE,
        "withdrawn, not missing"
    );
    // The earlier story's pages were not needlessly dropped by changes to other lists.
    assert!(body("/world/earlier-story/")
        .await
        .contains("Earlier story"));
}

async fn cached_pages_revalidate_and_compress(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(&newsroom, "Compressed", &f.world, f.author.id, &f.editor, 0).await;
    let app = app(store);
    let first = get_with(&app, "/world/compressed/", &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(
        first.headers()["cache-control"],
        "public, max-age=60, stale-while-revalidate=300"
    );
    // Varying on the cookie too: whoever signs in is not shown the stored copy.
    assert_eq!(first.headers()["vary"], "Accept-Encoding, Cookie");
    let plain = first.into_body().collect().await.unwrap().to_bytes();

    let again = get_with(&app, "/world/compressed/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    let br = get_with(
        &app,
        "/world/compressed/",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(br.headers()["content-encoding"], "br");
    let compressed = br.into_body().collect().await.unwrap().to_bytes();
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut decoded).unwrap();
    assert_eq!(decoded, plain);

    let gz = get_with(&app, "/world/compressed/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let compressed = gz.into_body().collect().await.unwrap().to_bytes();
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, plain);
    assert!(compressed.len() < plain.len() / 2);

    // The render that fills the cache answers as it is, even to a client that accepts
    // compression; the next request gets the compressed form.
    let miss = get_with(&app, "/world/?fresh", &[("accept-encoding", "br")]).await;
    assert_eq!(miss.status(), StatusCode::OK);
    assert!(miss.headers().get("content-encoding").is_none());
    let hit = get_with(&app, "/world/?fresh", &[("accept-encoding", "br")]).await;
    assert_eq!(hit.headers()["content-encoding"], "br");
}

fn page_content(
    title: &str,
    slug: &str,
    status: masthead_core::page::PageStatus,
) -> masthead_core::page::PageContent {
    masthead_core::page::PageContent {
        slug: slug.into(),
        title: title.into(),
        description: format!("{title}: how we work."),
        body: masthead_core::document::Document::from_markdown(&format!(
            "We **check** everything in {title}."
        )),
        status,
        position: 0,
        in_footer: true,
    }
}

async fn static_pages_and_the_corrections_log(store: Arc<dyn Store>) {
    use masthead_core::article::CorrectionKind;
    use masthead_core::page::PageStatus;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let app = app(store.clone());
    // Cached before the pages exist: creating one must reach every page's footer.
    assert!(!get(&app, "/").await.2.contains("href=\"/ethics/\""));
    newsroom
        .create_page(
            page_content("Ethics policy", "ethics", PageStatus::Published),
            t0(),
        )
        .await
        .unwrap();
    newsroom
        .create_page(page_content("Contact", "contact", PageStatus::Draft), t0())
        .await
        .unwrap();
    let (status, _, html) = get(&app, "/ethics/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Ethics policy</h1>"), "{html}");
    assert!(html.contains("<strong>check</strong>"));
    assert!(
        html.contains("content=\"Ethics policy: how we work.\""),
        "its own description"
    );
    assert!(
        get(&app, "/")
            .await
            .2
            .contains("<a href=\"/ethics/\">Ethics policy</a>"),
        "in the footer"
    );
    assert_eq!(
        get(&app, "/contact/").await.0,
        StatusCode::NOT_FOUND,
        "drafts are not public"
    );
    // A page has one page: `?page=2` (or nonsense) is no page, so a crawler with
    // made-up numbers cannot fill the cache with copies; `?page=1` is the page.
    for other in ["/ethics/?page=2", "/ethics/?page=99999", "/ethics/?page=-1"] {
        assert_eq!(get(&app, other).await.0, StatusCode::NOT_FOUND, "{other}");
    }
    assert_eq!(get(&app, "/ethics/?page=1").await.0, StatusCode::OK);
    assert!(get(&app, "/sitemap-pages.xml")
        .await
        .2
        .contains("https://news.example/ethics/</loc>"));

    let bridge = fixtures::published(
        &newsroom,
        "Bridge opens",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let (status, _, log) = get(&app, "/corrections/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(log.contains("No corrections have been published."));
    newsroom
        .add_correction(
            NewsroomFixture::actor(&f.editor),
            bridge,
            CorrectionKind::Correction,
            "The bridge is 2 km long, not 3 km.",
            t0() + chrono::Duration::hours(2),
        )
        .await
        .unwrap();
    let log = get(&app, "/corrections/").await.2;
    assert!(
        log.contains("The bridge is 2 km long, not 3 km."),
        "the next request shows it: {log}"
    );
    assert!(log.contains("href=\"/world/bridge-opens/\""));
    assert!(log.contains("datetime=\"2026-03-02T11:00:00Z\""));
    assert_eq!(
        get(&app, "/corrections/?page=2").await.0,
        StatusCode::NOT_FOUND
    );
    let article = get(&app, "/world/bridge-opens/").await.2;
    assert!(article.contains("The bridge is 2 km long, not 3 km."));
}

async fn home_has_lead_latest_and_most_read(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(
            fixtures::published(
                &newsroom,
                &format!("Story number {n}"),
                &f.world,
                f.author.id,
                &f.editor,
                n,
            )
            .await,
        );
    }
    let state = state(store.clone());
    let app = masthead_web::router(state.clone());
    let home = get(&app, "/").await.2;
    // No pictures here, so the lead is simply the newest story.
    let lead = home.find("class=\"lead\"").unwrap();
    assert!(home[lead..].trim_start().contains("Story number 7"));
    assert!(home.contains("id=\"latest-h\""), "a Latest News list");
    assert!(
        !home.contains("id=\"most-read-h\""),
        "no Most read before anyone read anything"
    );

    // Readers read story 2 three times and story 5 once; robots and HEADs do not count.
    for _ in 0..3 {
        assert_eq!(
            read_as_reader(&app, "/world/story-number-2/").await,
            StatusCode::OK
        );
    }
    assert_eq!(
        read_as_reader(&app, "/world/story-number-5/").await,
        StatusCode::OK
    );
    for _ in 0..5 {
        get(&app, "/world/story-number-6/").await; // no user agent: a tool
    }
    state.readership.flush(&*store).await.unwrap();
    let home = get(&app, "/").await.2;
    let most_read = &home[home
        .find("id=\"most-read-h\"")
        .expect("Most read appears on the next request")..];
    let two = most_read.find("Story number 2").unwrap();
    let five = most_read.find("Story number 5").unwrap();
    assert!(two < five, "most read first");
    assert!(!most_read[..most_read.find("</ol>").unwrap()].contains("Story number 6"));
}

async fn article_page_shares_relates_and_shows_comments(store: Arc<dyn Store>) {
    use masthead_core::comment::{CommentStatus, NewComment};
    use masthead_core::member::NewMember;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Harbour & dock news",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let related = fixtures::published(
        &newsroom,
        "Dock strike",
        &f.business,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let member = store
        .create_member(&NewMember {
            name: "Rita Reader".into(),
            email: "rita@example.com".into(),
        })
        .await
        .unwrap();
    let comment = |body: &str, status, parent| {
        NewComment::plain(
            id,
            masthead_core::comment::Author::Member(member.id),
            parent,
            body,
            status,
            t0() + chrono::Duration::hours(1),
        )
    };
    let first = store
        .add_comment(&comment(
            "Great <b>reporting</b>.\n\nSecond paragraph.",
            CommentStatus::Approved,
            None,
        ))
        .await
        .unwrap();
    store
        .add_comment(&comment(
            "I agree.",
            CommentStatus::Approved,
            Some(first.id),
        ))
        .await
        .unwrap();
    store
        .add_comment(&comment("Buy pills", CommentStatus::Pending, None))
        .await
        .unwrap();
    let app = indexed_app(store.clone()).await;
    let html = get(&app, "/world/harbour-dock-news/").await.2;

    let url = "https%3A%2F%2Fnews%2Eexample%2Fworld%2Fharbour%2Ddock%2Dnews%2F";
    let title = "Harbour%20%26%20dock%20news";
    for href in [
        format!("https://x.com/intent/tweet?url={url}&amp;text={title}"),
        format!("https://www.facebook.com/sharer/sharer.php?u={url}"),
        format!("https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        format!("https://wa.me/?text={title}%20{url}"),
        format!("https://t.me/share/url?url={url}&amp;text={title}"),
        format!("mailto:?subject={title}&amp;body={url}"),
        "https://news.example/world/harbour-dock-news/\" data-copy".to_owned(),
    ] {
        assert!(
            html.contains(&format!("href=\"{href}")),
            "share link {href} in {html}"
        );
    }
    assert!(
        !html.contains("<script src=\"http"),
        "no third-party scripts"
    );

    // Comments: approved ones in threads, escaped, pending ones not at all.
    assert!(html.contains("Comments (2)"));
    assert!(
        html.contains("<p>Great &lt;b&gt;reporting&lt;/b&gt;.</p><p>Second paragraph.</p>"),
        "{html}"
    );
    assert!(html.contains("class=\"comment depth-1\""));
    assert!(!html.contains("Buy pills"));
    // Signed-out readers are led to sign in, and back to this article.
    assert!(
        html.contains(r#"<a href="/signin?return_to=%2Fworld%2F"#),
        "{html}"
    );
    assert!(html.contains("Sign in to join the conversation"));

    // Related: shares the fixture's tags. Unpublishing it refreshes this page.
    let related_at = html.find("id=\"related-h\"").unwrap();
    assert!(html[related_at..].contains("href=\"/business/dock-strike/\""));
    newsroom
        .transition(
            NewsroomFixture::actor(&f.editor),
            related,
            Status::Unpublished,
            None,
            t0(),
        )
        .await
        .unwrap();
    let html = get(&app, "/world/harbour-dock-news/").await.2;
    assert!(
        !html.contains("dock-strike"),
        "the next request no longer shows it"
    );
}

/// A picture placed in an article's (or a static page's) text is offered like a
/// featured one: every stored copy, a WebP source, its dimensions. Copies made after the
/// page was cached (variants come after the upload) reach it on the next request.
async fn pictures_in_the_text_are_responsive_and_gain_copies_made_later(store: Arc<dyn Store>) {
    use masthead_core::media::{MediaVariant, NewMedia};
    use masthead_core::page::PageStatus;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let media = store
        .create_media(&NewMedia {
            storage_key: "uploads/quay.png".into(),
            mime_type: "image/png".into(),
            width: Some(1600),
            height: Some(900),
            byte_size: 10,
            alt: String::new(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: None,
            variants: Vec::new(),
        })
        .await
        .unwrap();
    let body = "The quay at dawn.\n\n![The quay](/media/uploads/quay.png)\n\n\
                ![Elsewhere](https://elsewhere.example/x.png)";
    let mut content = ArticleContent::new("Quay at dawn", body);
    content.section_id = Some(f.world.id);
    fixtures::publish(&newsroom, &f.editor, content, t0()).await;
    let mut page = page_content("About us", "about", PageStatus::Published);
    page.body = masthead_core::document::Document::from_markdown(
        "Our office: ![The office](/media/uploads/quay.png)",
    );
    newsroom.create_page(page, t0()).await.unwrap();
    let app = app(store.clone());
    let sizes = "sizes=\"(min-width: 44rem) 42rem, 100vw\"";
    let article = get(&app, "/world/quay-at-dawn/").await.2;
    assert!(
        article.contains(&format!(
            "<img src=\"/media/uploads/quay.png\" alt=\"The quay\" loading=\"lazy\" \
             decoding=\"async\" srcset=\"/media/uploads/quay.png 1600w\" {sizes} \
             width=\"1600\" height=\"900\">"
        )),
        "{article}"
    );
    assert!(
        article.contains("<img src=\"https://elsewhere.example/x.png\" alt=\"Elsewhere\" loading=\"lazy\" decoding=\"async\">"),
        "a picture from elsewhere is left as written"
    );
    assert!(!article.contains("<picture><source"), "no WebP copy yet");
    assert!(get(&app, "/about/")
        .await
        .2
        .contains("width=\"1600\" height=\"900\""));

    // The copies are made after the upload, one by one.
    for (width, ext) in [(480, "png"), (480, "webp")] {
        store
            .add_media_variant(
                media.id,
                &MediaVariant {
                    width,
                    height: 270,
                    mime_type: format!("image/{ext}"),
                    storage_key: format!("uploads/quay-480.{ext}"),
                    byte_size: 1,
                },
            )
            .await
            .unwrap();
    }
    let article = get(&app, "/world/quay-at-dawn/").await.2;
    assert!(
        article.contains(&format!(
            "<picture><source type=\"image/webp\" srcset=\"/media/uploads/quay-480.webp 480w\" {sizes}>\
             <img src=\"/media/uploads/quay.png\" alt=\"The quay\" loading=\"lazy\" decoding=\"async\" \
             srcset=\"/media/uploads/quay-480.png 480w, /media/uploads/quay.png 1600w\" {sizes} \
             width=\"1600\" height=\"900\"></picture>"
        )),
        "the cached page was dropped when the copies came: {article}"
    );
    assert!(get(&app, "/about/")
        .await
        .2
        .contains("srcset=\"/media/uploads/quay-480.webp 480w\""));

    // A hostile writer's body naming 40,000 different pictures: the page still answers
    // (looking them all up was past the database's limit on query parameters).
    let crowd: String = (0..40_000)
        .map(|i| format!("![](/media/p{i}.png) "))
        .collect();
    let mut content = ArticleContent::new("Crowd", &crowd);
    content.section_id = Some(f.world.id);
    fixtures::publish(&newsroom, &f.editor, content, t0()).await;
    let (status, _, crowded) = get(&app, "/world/crowd/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crowded.matches("loading=\"lazy\"").count(), 40_000);
}

async fn images_are_responsive_and_assets_fingerprinted(store: Arc<dyn Store>) {
    use masthead_core::media::{MediaVariant, NewMedia};
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let variant = |w: u32, mime: &str, ext: &str| MediaVariant {
        width: w,
        height: w / 2,
        mime_type: mime.into(),
        storage_key: format!("p/pier-{w}.{ext}"),
        byte_size: 1,
    };
    let media = store
        .create_media(&NewMedia {
            storage_key: "p/pier.jpg".into(),
            mime_type: "image/jpeg".into(),
            width: Some(1600),
            height: Some(800),
            byte_size: 10,
            alt: "The pier".into(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: None,
            variants: vec![
                variant(480, "image/jpeg", "jpg"),
                variant(480, "image/webp", "webp"),
                variant(960, "image/jpeg", "jpg"),
            ],
        })
        .await
        .unwrap();
    for n in 0..3 {
        let mut content = ArticleContent::new(format!("Pier {n}"), "The pier reopened.");
        content.section_id = Some(f.world.id);
        content.featured_image = Some(masthead_core::article::FeaturedImage {
            media_id: media.id,
            alt: format!("The pier, view {n}"),
            caption: "Caption".into(),
            credit: "Credit".into(),
        });
        fixtures::publish(
            &newsroom,
            &f.editor,
            content,
            t0() + chrono::Duration::minutes(n),
        )
        .await;
    }
    let app = app(store.clone());
    let article = get(&app, "/world/pier-0/").await.2;
    assert!(
        article.contains("<source type=\"image/webp\" srcset=\"/media/p/pier-480.webp 480w\""),
        "{article}"
    );
    assert!(article.contains(
        "src=\"/media/p/pier.jpg\" srcset=\"/media/p/pier-480.jpg 480w, /media/p/pier-960.jpg 960w, /media/p/pier.jpg 1600w\" sizes=\""
    ));
    assert!(
        article.contains(
            "alt=\"The pier, view 0\" width=\"1600\" height=\"800\" fetchpriority=\"high\">"
        ),
        "the featured image loads at once, first"
    );
    // On a list, pictures below the first few load lazily; all have dimensions.
    let list = get(&app, "/world/").await.2;
    assert!(list.contains("alt=\"The pier, view 2\" width=\"1600\" height=\"800\" decoding"));
    let home = get(&app, "/").await.2;
    assert!(home.contains("width=\"1600\" height=\"800\""));

    // The stylesheet is linked by a fingerprinted address, cached for ever.
    let href = article
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        href.starts_with("/assets/style.") && href.len() > "/assets/style.css".len(),
        "{href}"
    );
    let response = app
        .clone()
        .oneshot(Request::get(&href).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(
        get(&app, "/assets/style.0123456789abcdef.css").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn search_finds_articles_and_every_page_offers_it(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    for n in 0..23 {
        fixtures::published(
            &newsroom,
            &format!("Tide report {n}"),
            &f.world,
            f.author.id,
            &f.editor,
            n,
        )
        .await;
    }
    fixtures::published(
        &newsroom,
        "Budget & <taxes>",
        &f.business,
        f.author.id,
        &f.editor,
        30,
    )
    .await;
    let index = Arc::new(masthead_search::SearchIndex::in_memory().unwrap());
    index.rebuild(&*store).await.unwrap();
    let app = masthead_web::router(masthead_web::AppState::new(
        store.clone(),
        index.clone(),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    ));

    let (status, _, html) = get(&app, "/search/?q=budget").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("role=\"search\""));
    assert!(
        html.contains("value=\"budget\""),
        "the query stays in the box"
    );
    assert!(html.contains("1 article matches"), "{html}");
    assert!(html.contains("href=\"/business/budget-taxes/\">Budget &amp; &lt;taxes&gt;</a>"));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, follow\">"));

    // Paginated, with the query kept in the links.
    let first = get(&app, "/search/?q=tide").await.2;
    assert!(
        first.contains("24 articles match") || first.contains("23 articles match"),
        "{first}"
    );
    assert!(
        first.contains("rel=\"next\" href=\"/search/?q=tide&amp;page=2\""),
        "{first}"
    );
    let second = get(&app, "/search/?q=tide&page=2").await.2;
    assert!(second.contains("rel=\"prev\" href=\"/search/?q=tide\""));
    assert_eq!(
        get(&app, "/search/?q=tide&page=9").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/search/?q=tide&page=x").await.0,
        StatusCode::NOT_FOUND
    );

    // Odd input is a query like any other, escaped on the way back.
    let (status, _, odd) = get(&app, "/search/?q=%22%3Cscript%3E(").await;
    assert_eq!(status, StatusCode::OK);
    assert!(odd.contains("value=\"&quot;&lt;script&gt;(\""));
    assert!(odd.contains("Nothing matches"));
    let (status, _, empty) = get(&app, "/search/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!empty.contains("Nothing matches"), "no query, no verdict");

    // Facets: counts beside each, as links that narrow the search.
    assert!(
        first.contains("<h2 id=\"refine-heading\">Refine</h2>"),
        "{first}"
    );
    assert!(
        first.contains(
            r#"<a href="/search/?q=tide&amp;section=world">World</a> <span class="count">"#
        ),
        "{first}"
    );
    assert!(first.contains(r#"<a href="/search/?q=tide&amp;type=news">News</a>"#));
    assert!(first.contains(r#"<a href="/search/?q=tide&amp;author=ada-author">Ada Author</a>"#));
    // A filter narrows, shows itself with a way to take it off, and keeps the words.
    let world = get(&app, "/search/?q=budget&section=business").await.2;
    assert!(world.contains("1 article matches"), "{world}");
    assert!(
        world.contains(r#"<a href="/search/?q=budget" aria-label="Remove filter: Business">"#),
        "{world}"
    );
    assert!(world.contains(r#"<input type="hidden" name="section" value="business">"#));
    let elsewhere = get(&app, "/search/?q=budget&section=world").await.2;
    assert!(elsewhere.contains("0 articles match") && elsewhere.contains("Nothing matches"));
    assert!(get(&app, "/search/?q=budget&type=opinion")
        .await
        .2
        .contains("0 articles match"));
    // No words: the filter alone lists its stories.
    let browse = get(&app, "/search/?section=business").await.2;
    assert!(browse.contains("1 article matches"), "{browse}");
    assert!(browse.contains("href=\"/business/budget-taxes/\""));
    // Dates are the publication's days, both ends included.
    assert!(get(&app, "/search/?q=budget&from=2026-03-02&to=2026-03-02")
        .await
        .2
        .contains("1 article matches"));
    assert!(get(&app, "/search/?q=budget&to=2026-03-01")
        .await
        .2
        .contains("0 articles match"));
    // Tracking parameters neither change the results nor follow the links.
    let tracked = get(&app, "/search/?q=tide&utm_source=news&fbclid=x")
        .await
        .2;
    assert!(
        tracked.contains("/search/?q=tide&amp;section=world") && !tracked.contains("utm_source")
    );
    // Filters that cannot be read are refused, naming the problem.
    for (path, field) in [
        ("/search/?q=tide&from=yesterday", "from"),
        ("/search/?q=tide&to=2026-02-30", "to"),
        ("/search/?q=tide&type=gossip", "ArticleType"),
    ] {
        let (status, _, page) = get(&app, path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(page.contains(field), "{path}: {page}");
    }
    // A misspelling: "did you mean", linked to the search for the words put right.
    let misspelled = get(&app, "/search/?q=budgte").await.2;
    assert!(
        misspelled.contains(r#"Did you mean <a href="/search/?q=budget"><q>budget</q></a>?"#),
        "{misspelled}"
    );

    // Every page has the search box; a 404 offers it in the page too; the home page
    // tells search engines how to search the site.
    let home = get(&app, "/").await.2;
    assert!(home.contains("<form class=\"site-search\" role=\"search\" action=\"/search/\""));
    assert!(
        home.contains("\"urlTemplate\":\"https://news.example/search/?q={search_term_string}\""),
        "{home}"
    );
    let (status, _, missing) = get(&app, "/no-such-page/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("id=\"error-q\""));
}

async fn site_changes_reach_every_page_on_the_next_request(store: Arc<dyn Store>) {
    use masthead_core::taxonomy::NewSection;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(
        &newsroom,
        "Bridge opens",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let app = app(store.clone());
    let pages = [
        "/",
        "/world/",
        "/world/bridge-opens/",
        "/latest/",
        "/feed.xml",
    ];
    for path in pages {
        assert!(
            !get(&app, path).await.2.contains("The Harbour Gazette"),
            "{path}"
        );
    }
    // Every page (and the site parts kept in memory) must follow the new settings.
    let mut settings = store.settings().await.unwrap();
    settings.title = "The Harbour Gazette".into();
    store.save_settings(&settings).await.unwrap();
    for path in pages {
        assert!(
            get(&app, path).await.2.contains("The Harbour Gazette"),
            "renamed: {path}"
        );
    }
    // A new section reaches the navigation of every page, and has its own page.
    store
        .create_section(&NewSection {
            name: "Climate".into(),
            slug: String::new(),
            description: "Our warming world.".into(),
            position: 9,
            in_navigation: true,
        })
        .await
        .unwrap();
    for path in ["/", "/world/", "/world/bridge-opens/", "/latest/"] {
        assert!(
            get(&app, path).await.2.contains("href=\"/climate/\""),
            "in the navigation: {path}"
        );
    }
    assert_eq!(get(&app, "/climate/").await.0, StatusCode::OK);
}

/// A reader's visit counts for the article, and for the site they came from (by its
/// domain, never a path or this site itself); a search counts by its words; robots
/// count for nothing. Hits and misses of the page cache alike.
async fn readers_sites_and_searches_are_counted_without_anything_about_them(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Harbour fees rise",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let state = state(store.clone());
    let app = masthead_web::router(state.clone());
    let reader = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let path = "/world/harbour-fees-rise/";
    for referer in [
        "https://www.google.com/search?q=secret+words",
        "https://www.google.com/",
        "https://t.co/AbC",
        "https://news.example/world/",
        "",
    ] {
        let mut headers = vec![("user-agent", reader), ("host", "news.example")];
        if !referer.is_empty() {
            headers.push(("referer", referer));
        }
        assert_eq!(
            get_with(&app, path, &headers).await.status(),
            StatusCode::OK
        );
    }
    // A robot, and a tool without a user agent.
    get_with(
        &app,
        path,
        &[
            ("user-agent", "Googlebot/2.1"),
            ("referer", "https://bing.com/"),
        ],
    )
    .await;
    get_with(&app, path, &[("referer", "https://bing.com/")]).await;
    for q in ["Harbour+FEES", "harbour%20fees", "ferry", ""] {
        let r = get_with(&app, &format!("/search/?q={q}"), &[("user-agent", reader)]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    get_with(&app, "/search/?q=robots", &[("user-agent", "curl/8.0")]).await;
    state.readership.flush(&*store).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        store.daily_views(Some(id), today, today).await.unwrap(),
        vec![(today, 5)]
    );
    assert_eq!(
        store.top_referrers(today, today, 10).await.unwrap(),
        vec![("google.com".to_owned(), 2), ("t.co".to_owned(), 1)]
    );
    assert_eq!(
        store.top_searches(today, today, 10).await.unwrap(),
        vec![("harbour fees".to_owned(), 2), ("ferry".to_owned(), 1)]
    );
}

/// A live article's page: its entries (pinned first, "updated" marked), its
/// `LiveBlogPosting` with every entry and the coverage's times, the entries' own page
/// for the script, each new entry reaching the cached page and the feed at once; the
/// entries stay behind a gate with the body.
async fn a_live_article_shows_its_entries_to_readers_feeds_and_search_engines(
    store: Arc<dyn Store>,
) {
    use masthead_core::article::{ArticleType, Visibility};
    use masthead_core::document::Document;
    use masthead_core::live::EntryContent;
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let app = app(store.clone());
    let mut content = ArticleContent::new("Storm live", "Updates as they come.");
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.article_type = ArticleType::Live;
    let storm = fixtures::publish(&newsroom, &f.editor, content, t0()).await;
    let editor = NewsroomFixture::actor(&f.editor);
    let entry = |headline: &str, body: &str| EntryContent {
        headline: headline.into(),
        body: Document::from_markdown(body),
    };
    let at = |m| t0() + chrono::Duration::minutes(m);
    let first = newsroom
        .post_live_entry(
            editor,
            &f.editor.name,
            storm,
            entry("Ferries stop", "The last boat left at *six*."),
            at(5),
        )
        .await
        .unwrap();
    newsroom
        .post_live_entry(
            editor,
            &f.editor.name,
            storm,
            entry("", "Power is out in Eastbank & Kestrel."),
            at(10),
        )
        .await
        .unwrap();
    newsroom
        .pin_live_entry(editor, storm, first.id, true)
        .await
        .unwrap();
    let path = "/world/storm-live/";
    let (status, _, html) = get(&app, path).await;
    assert_eq!(status, StatusCode::OK);
    let pinned = html.find("Ferries stop").unwrap();
    let newer = html
        .find("Power is out in Eastbank &amp; Kestrel.")
        .expect("escaped");
    assert!(pinned < newer, "pinned first");
    assert!(html.contains("<em>six</em>"));
    assert!(html.contains("data-live-entries=\"/world/storm-live/entries/\""));
    assert!(
        html.contains("/assets/live."),
        "the script that asks for new entries"
    );
    // Search engines read a LiveBlogPosting with every entry.
    let ld = json_ld_of(&html);
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert_eq!(ld["coverageStartTime"], t0().to_rfc3339());
    assert!(ld.get("coverageEndTime").is_none());
    let updates = ld["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["@type"], "BlogPosting");
    assert_eq!(updates[0]["headline"], "Ferries stop");
    assert_eq!(
        updates[1]["headline"],
        "Power is out in Eastbank & Kestrel."
    );
    assert_eq!(
        updates[0]["url"],
        format!("https://news.example{path}#entry-{}", first.id)
    );
    assert_eq!(ld["dateModified"], at(10).to_rfc3339());
    // The entries alone, for the script; cached like the page, and both refreshed by
    // the next entry (and by nothing else's).
    let (status, _, entries) = get(&app, "/world/storm-live/entries/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(entries.contains("Ferries stop") && !entries.contains("<html"));
    let (_, _, feed) = get(&app, "/world/feed.xml").await;
    assert!(
        feed.contains("Live updates") && feed.contains("Ferries stop"),
        "{feed}"
    );
    let third = newsroom
        .post_live_entry(
            editor,
            &f.editor.name,
            storm,
            entry("Seawall holds", "It held."),
            at(20),
        )
        .await
        .unwrap();
    assert!(get(&app, path).await.2.contains("Seawall holds"));
    assert!(get(&app, "/world/storm-live/entries/")
        .await
        .2
        .contains("Seawall holds"));
    assert!(get(&app, "/world/feed.xml")
        .await
        .2
        .contains("Seawall holds"));
    // Edited: marked updated where readers see it.
    newsroom
        .edit_live_entry(
            editor,
            storm,
            third.id,
            entry("Seawall holds", "It held at high tide."),
            at(30),
        )
        .await
        .unwrap();
    let html = get(&app, path).await.2;
    assert!(html.contains("It held at high tide.") && html.contains("live-updated"));
    // Ended: the end time is said, and the page stops asking.
    newsroom
        .end_live_coverage(editor, storm, true, at(40))
        .await
        .unwrap();
    let html = get(&app, path).await.2;
    assert!(html.contains("Live coverage ended"));
    assert!(!html.contains("data-live-entries") && !html.contains("/assets/live."));
    assert!(json_ld_of(&html).get("coverageEndTime").is_some());
    // Only live articles have an entries page.
    let plain = fixtures::published(
        &newsroom,
        "Plain story",
        &f.world,
        f.author.id,
        &f.editor,
        50,
    )
    .await;
    let plain_path = store.article(plain).await.unwrap().unwrap().path();
    assert_eq!(
        get(&app, &format!("{plain_path}entries/")).await.0,
        StatusCode::NOT_FOUND
    );
    // Behind a gate, the entries are too: not on the page, not on a page of their own.
    let mut gated = ArticleContent::new("Members live", "For members.");
    gated.section_id = Some(f.world.id);
    gated.authors = vec![f.author.id];
    gated.article_type = ArticleType::Live;
    gated.visibility = Visibility::Members;
    let gated = fixtures::publish(&newsroom, &f.editor, gated, at(60)).await;
    newsroom
        .post_live_entry(
            editor,
            &f.editor.name,
            gated,
            entry("Members only entry", "Secret."),
            at(61),
        )
        .await
        .unwrap();
    let (_, _, html) = get(&app, "/world/members-live/").await;
    assert!(!html.contains("Members only entry"), "{html}");
    assert_eq!(
        get(&app, "/world/members-live/entries/").await.0,
        StatusCode::NOT_FOUND
    );
}

/// The article's JSON-LD (the page's first block).
fn json_ld_of(html: &str) -> serde_json::Value {
    let text = html
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .find(|v| v.get("liveBlogUpdate").is_some() || v["@type"] != "BreadcrumbList")
            .unwrap(),
        v => v,
    }
}
