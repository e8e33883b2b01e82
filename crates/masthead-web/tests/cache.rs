//! The page cache as readers, link unfurlers and shared links meet it, in-process, on
//! both backends: HEAD never blanks a page, tracking tags never split or miss the
//! cache, redirects keep the query, and a page made for one reader is never shared.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::article::Visibility;
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::Arc;
use tower::ServiceExt;

mod support;
use support::staff_cookie;

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

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(
    app: &masthead_web::App,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A page without the moment it was made (the masthead's dateline shows the time):
/// what two renders of one page share.
fn timeless(body: &str) -> String {
    const MARK: &str = r#"class="dateline"><time datetime=""#;
    match body.find(MARK) {
        Some(at) => {
            let start = at + MARK.len();
            let end = start + body[start..].find('"').unwrap_or(0);
            format!("{}{}", &body[..start], &body[end..])
        }
        None => body.to_owned(),
    }
}

async fn get(app: &masthead_web::App, path: &str) -> Reply {
    send(app, Method::GET, path, &[]).await
}

/// A small publication: 25 stories (two pages of lists), one of them for members,
/// a correction for the log, and a static page.
async fn publication(store: &Arc<dyn Store>) -> NewsroomFixture {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let editor = NewsroomFixture::actor(&f.editor);
    for n in 0..25 {
        fixtures::published(
            &newsroom,
            &format!("Story number {n}"),
            &f.world,
            f.author.id,
            &f.editor,
            n,
        )
        .await;
    }
    let id = fixtures::published(
        &newsroom,
        "Members briefing",
        &f.world,
        f.author.id,
        &f.editor,
        30,
    )
    .await;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.visibility = Visibility::Members;
    content.body = masthead_core::document::Document::from_markdown(&format!(
        "{}\n\nThe members-only finding.",
        "Opening paragraph for everyone. ".repeat(12)
    ));
    newsroom.update(editor, id, content, t0()).await.unwrap();
    newsroom
        .add_correction(
            editor,
            id,
            masthead_core::article::CorrectionKind::Correction,
            "An earlier version misspelled a name.",
            t0() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    f
}

/// Every kind of page a reader, a crawler or a feed reader asks for.
const PAGE_TYPES: &[&str] = &[
    "/",
    "/latest/",
    "/latest/?page=2",
    "/world/",
    "/world/?page=2",
    "/tag/elections/",
    "/author/ada-author/",
    "/world/story-number-3/",
    "/world/members-briefing/",
    "/corrections/",
    "/feed.xml",
    "/atom.xml",
    "/feed.json",
    "/world/feed.xml",
    "/tag/elections/atom.xml",
    "/author/ada-author/feed.json",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemap-pages.xml",
    "/sitemap-news.xml",
    "/sitemap-articles-1.xml",
    "/search/?q=story",
];

store_test!(
    head_never_blanks_a_page,
    tracking_parameters_get_the_canonical_page_from_the_cache,
    redirects_keep_the_query,
    pages_made_for_one_reader_are_never_shared,
    no_header_outside_the_key_changes_a_page,
    every_answer_carries_the_security_headers,
    assets_are_compressed_and_kept_for_ever,
);

/// The stylesheet was sent uncompressed (Lighthouse: "enable text compression"):
/// assets now go through the page cache, compressed, with their own caching rules.
async fn assets_are_compressed_and_kept_for_ever(store: Arc<dyn Store>) {
    publication(&store).await;
    let app = masthead_web::router(state(store));
    let home = get(&app, "/").await.body;
    let css = home
        .split(r#"<link rel="stylesheet" href=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let plain = get(&app, &css).await;
    assert_eq!(plain.status, StatusCode::OK);
    for encoding in ["br", "gzip"] {
        let reply = send(&app, Method::GET, &css, &[("accept-encoding", encoding)]).await;
        assert_eq!(reply.headers["content-encoding"], encoding);
        assert_eq!(
            reply.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert!(reply.body.len() < plain.body.len() / 2, "{encoding}");
    }
    let etag = plain.headers["etag"].to_str().unwrap().to_owned();
    let again = send(&app, Method::GET, &css, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

/// A strict Content-Security-Policy, `nosniff`, a referrer policy, framing rules and
/// (the site is on HTTPS) HSTS on every kind of answer, cached or not.
async fn every_answer_carries_the_security_headers(store: Arc<dyn Store>) {
    publication(&store).await;
    let media = tempfile::tempdir().unwrap();
    std::fs::write(media.path().join("note.png"), b"not really a png").unwrap();
    let mut state = state(store.clone());
    state.media_dir = media.path().to_owned();
    let app = masthead_web::router(state);
    let mut paths: Vec<&str> = PAGE_TYPES.to_vec();
    paths.extend([
        "/no-such-page/",
        "/world",
        "/newsroom/login",
        "/newsroom/",
        "/media/note.png",
        "/favicon.ico",
    ]);
    for path in paths {
        for method in [Method::GET, Method::GET, Method::HEAD] {
            let reply = send(&app, method.clone(), path, &[]).await;
            let h = &reply.headers;
            let csp = h
                .get("content-security-policy")
                .unwrap_or_else(|| panic!("{method} {path}: no CSP"))
                .to_str()
                .unwrap();
            for part in ["object-src 'none'", "base-uri 'self'", "default-src"] {
                assert!(
                    csp.contains(part) || path.starts_with("/media/"),
                    "{path}: {part} in {csp}"
                );
            }
            assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'unsafe-inline'"));
            assert_eq!(h["x-content-type-options"], "nosniff", "{method} {path}");
            assert!(h.contains_key("referrer-policy"), "{path}");
            assert!(h.contains_key("strict-transport-security"), "{path}");
            if path.starts_with("/newsroom") {
                assert!(csp.contains("frame-ancestors 'none'"), "{path}");
                assert_eq!(h["x-frame-options"], "DENY");
            } else if path.starts_with("/media/") {
                assert!(csp.contains("sandbox"), "{path}");
            } else {
                assert!(h.contains_key("x-frame-options"), "{path}");
            }
        }
    }
}

/// An uptime monitor's HEAD, first on a cold page then on a cached one, answers with
/// the page's headers and no body, and every GET after it gets the whole page.
async fn head_never_blanks_a_page(store: Arc<dyn Store>) {
    publication(&store).await;
    let reference = masthead_web::router(state(store.clone()));
    let app = masthead_web::router(state(store.clone()));
    for path in PAGE_TYPES {
        let whole = get(&reference, path).await;
        assert_eq!(whole.status, StatusCode::OK, "{path}");
        assert!(!whole.body.is_empty(), "{path}");
        for round in ["cold", "cached"] {
            let head = send(&app, Method::HEAD, path, &[]).await;
            assert_eq!(head.status, StatusCode::OK, "HEAD {path} ({round})");
            assert!(head.body.is_empty(), "HEAD {path} has no body ({round})");
            assert_eq!(
                head.headers["content-length"],
                whole.body.len().to_string().as_str(),
                "HEAD {path} says how long the page is ({round})"
            );
            let after = get(&app, path).await;
            assert_eq!(after.status, StatusCode::OK, "{path}");
            assert!(
                timeless(&after.body) == timeless(&whole.body),
                "GET {path} after HEAD ({round}) is another page"
            );
        }
    }
}

/// A shared link's tracking tags neither reach the handler nor make a new entry: the
/// canonical page comes from the cache, and the cache stays within its budget.
async fn tracking_parameters_get_the_canonical_page_from_the_cache(store: Arc<dyn Store>) {
    publication(&store).await;
    let state = state(store.clone());
    let cache = state.cache.clone();
    let app = masthead_web::router(state);
    for path in PAGE_TYPES.iter().filter(|p| !p.starts_with("/search/")) {
        let canonical = get(&app, path).await;
        let entries = cache.len();
        let joiner = if path.contains('?') { '&' } else { '?' };
        for n in 0..20 {
            let tagged = format!(
                "{path}{joiner}fbclid=IwAR{n}x&utm_source=news{n}&utm_medium=social&gclid={n}"
            );
            let reply = get(&app, &tagged).await;
            assert_eq!(reply.status, StatusCode::OK, "{tagged}");
            assert!(reply.body == canonical.body, "{tagged} is another page");
        }
        assert_eq!(cache.len(), entries, "{path}: no entry per tracking tag");
    }
    // One page, however its parameters are spelled.
    let two = get(&app, "/latest/?page=2").await.body;
    for spelling in [
        "/latest/?utm_campaign=x&page=2",
        "/latest/?page=02",
        "/latest/?page=2&page=3",
        "/latest/?PAGE=9&page=2",
    ] {
        assert!(get(&app, spelling).await.body == two, "{spelling}");
    }
    assert!(get(&app, "/latest/?page=1&fbclid=1").await.body == get(&app, "/latest/").await.body);
    // An article's comment order is read only when it names one other than the
    // usual: anything else is the article itself, from its one entry.
    let article = "/world/story-number-3/";
    let plain = get(&app, article).await.body;
    let entries = cache.len();
    for n in 0..20 {
        for spelling in [
            format!("{article}?sort=junk{n}"),
            format!("{article}?sort=oldest&x={n}"),
        ] {
            assert!(get(&app, &spelling).await.body == plain, "{spelling}");
        }
    }
    assert_eq!(cache.len(), entries, "no entry per unknown order");
    get(&app, &format!("{article}?sort=top")).await;
    assert_eq!(
        cache.len(),
        entries + 1,
        "a real order is a page of its own"
    );
    // A bad page number is still the themed 404, tags or not.
    assert_eq!(
        get(&app, "/latest/?page=0&utm_source=x").await.status,
        StatusCode::NOT_FOUND
    );

    // The budget counts what entries really hold: filled far past it with distinct
    // pages, the cache keeps to it.
    let small = masthead_web::cache::PageCache::new(store.subscribe(), 64 * 1024);
    let mut state = self::state(store.clone());
    let small = Arc::new(small);
    state.cache = small.clone();
    let app = masthead_web::router(state);
    for path in PAGE_TYPES {
        for encoding in ["gzip", "br", "gzip, br"] {
            send(&app, Method::GET, path, &[("accept-encoding", encoding)]).await;
        }
    }
    assert!(small.bytes() <= 64 * 1024, "{} bytes", small.bytes());
    assert!(!small.is_empty());
}

/// Every redirect keeps the query it was sent with: search words, page numbers, and
/// the tags of whoever shared the link.
async fn redirects_keep_the_query(store: Arc<dyn Store>) {
    let f = publication(&store).await;
    let app = masthead_web::router(state(store.clone()));
    let cases = [
        ("/search?q=harbor", "/search/?q=harbor"),
        (
            "/tag/elections?page=2&utm_source=x",
            "/tag/elections/?page=2&utm_source=x",
        ),
        ("/latest?page=2", "/latest/?page=2"),
        ("/world?fbclid=abc", "/world/?fbclid=abc"),
        (
            "/business/story-number-3/?utm_source=x",
            "/world/story-number-3/?utm_source=x",
        ),
    ];
    for (from, to) in cases {
        let reply = get(&app, from).await;
        assert!(reply.status.is_redirection(), "{from}: {}", reply.status);
        assert_eq!(reply.headers["location"], to, "{from}");
    }
    let search = get(&app, "/search/?q=harbor").await;
    assert!(search.body.contains("value=\"harbor\""), "the words arrive");

    // A recorded redirect (an article's old address) keeps it too.
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = store
        .article_by_slug("story-number-4")
        .await
        .unwrap()
        .unwrap()
        .id;
    newsroom
        .change_slug(
            NewsroomFixture::actor(&f.editor),
            id,
            "story-four",
            t0() + chrono::Duration::hours(2),
        )
        .await
        .unwrap();
    let reply = get(&app, "/world/story-number-4/?utm_source=x").await;
    assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(reply.headers["location"], "/world/story-four/?utm_source=x");
}

/// What a staff member sees on the site (the members-only body, the way into the
/// editor) never reaches anonymous readers through the cache, whichever came first.
async fn pages_made_for_one_reader_are_never_shared(store: Arc<dyn Store>) {
    let f = publication(&store).await;
    let cookie = staff_cookie(&*store, &f.contributor).await;
    let path = "/world/members-briefing/";
    let staff_sees = |r: &Reply| r.body.contains("members-only finding");
    let edit_link = "Edit this article";

    // Staff first, on a cold cache: theirs is not stored.
    let state = state(store.clone());
    let cache = state.cache.clone();
    let app = masthead_web::router(state);
    let staff = send(&app, Method::GET, path, &[("cookie", &cookie)]).await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(staff_sees(&staff) && staff.body.contains(edit_link));
    assert_eq!(staff.headers["cache-control"], "private, no-store");
    assert!(cache.is_empty(), "nothing stored for a signed-in reader");
    let anonymous = get(&app, path).await;
    assert!(!staff_sees(&anonymous) && !anonymous.body.contains(edit_link));
    assert_eq!(cache.len(), 1, "the anonymous page is");

    // Anonymous first: staff still get theirs, not the stored page.
    let staff = send(&app, Method::GET, path, &[("cookie", &cookie)]).await;
    assert!(staff_sees(&staff) && staff.body.contains(edit_link));
    let head = send(&app, Method::HEAD, path, &[("cookie", &cookie)]).await;
    assert!(head.body.is_empty());
    assert!(!staff_sees(&get(&app, path).await));

    // A session cookie that names no session is an anonymous reader, served past the
    // cache (never stored under it either).
    let stale = send(
        &app,
        Method::GET,
        path,
        &[("cookie", "masthead_session=0000")],
    )
    .await;
    assert!(!staff_sees(&stale) && !stale.body.contains(edit_link));
    assert_eq!(cache.len(), 1);
}

/// Pages are keyed on the path and page parameters only, so nothing else a request
/// carries may change what is rendered: each of these, on a cold cache, gets the very
/// page a bare request gets.
async fn no_header_outside_the_key_changes_a_page(store: Arc<dyn Store>) {
    publication(&store).await;
    let headers: &[&[(&str, &str)]] = &[
        &[("accept-language", "de-DE,de;q=0.9")],
        &[("user-agent", "Googlebot/2.1")],
        &[("cookie", "theme=dark; masthead_login=abc")],
        &[("x-forwarded-for", "203.0.113.9")],
        &[("authorization", "Bearer x")],
        &[("referer", "https://facebook.com/")],
        &[("accept", "application/json")],
        &[("x-forwarded-proto", "http"), ("host", "evil.example")],
    ];
    for path in PAGE_TYPES {
        let bare = get(&masthead_web::router(state(store.clone())), path).await;
        for set in headers {
            let app = masthead_web::router(state(store.clone()));
            let reply = send(&app, Method::GET, path, set).await;
            assert_eq!(reply.status, bare.status, "{path} with {set:?}");
            assert!(
                timeless(&reply.body) == timeless(&bare.body),
                "{path} with {set:?} is another page"
            );
        }
    }
}
