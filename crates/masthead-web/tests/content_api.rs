//! Ghost's Content API, in-process, on both backends: keys as Ghost checks them, the
//! envelope, pagination and errors, every query parameter, filters turned into SQL
//! with bound values, and CORS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use masthead_core::article::{ArticleContent, ArticleType, Visibility};
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::integration::{Keys, NewIntegration, KEY_BYTES};
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use serde_json::Value;
use std::sync::Arc;

mod support;

store_test!(
    keys_are_checked_as_ghost_checks_them,
    posts_browse_read_filter_order_and_page,
    tags_authors_pages_tiers_and_settings,
);

fn audit() -> NewAuditEntry {
    NewAuditEntry {
        at: t0(),
        actor: None,
        action: AuditAction::IntegrationAdded,
        target: "test".into(),
        ip: "192.0.2.1".into(),
    }
}

/// An integration's Content API key.
async fn key(store: &Arc<dyn Store>, n: u8) -> String {
    store
        .create_integration(
            &NewIntegration::new("Test app", Keys::from_random(&[n; KEY_BYTES])),
            &audit(),
        )
        .await
        .unwrap()
        .keys
        .content
}

fn app(store: &Arc<dyn Store>) -> masthead_web::App {
    masthead_web::router(support::state(store.clone(), "https://news.example"))
}

async fn get(app: &masthead_web::App, path: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let (status, headers, body) = support::get(app, path, "").await;
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, headers, json)
}

/// The error's type and status, checking Ghost's envelope.
fn error(status: StatusCode, body: &Value) -> (u16, String) {
    let e = &body["errors"][0];
    for field in [
        "message", "context", "type", "details", "property", "help", "code", "id",
    ] {
        assert!(e.get(field).is_some(), "{field} in {body}");
    }
    (status.as_u16(), e["type"].as_str().unwrap().to_owned())
}

async fn keys_are_checked_as_ghost_checks_them(store: Arc<dyn Store>) {
    fixtures::newsroom(&*store).await;
    let key = key(&store, 1).await;
    let app = app(&store);
    let (status, headers, body) = get(&app, "/ghost/api/content/posts/").await;
    assert_eq!(error(status, &body), (403, "NoPermissionError".into()));
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let (status, _, body) = get(
        &app,
        "/ghost/api/content/posts/?key=0123456789abcdef0123456789",
    )
    .await;
    assert_eq!(error(status, &body), (401, "UnauthorizedError".into()));
    assert_eq!(body["errors"][0]["code"], "UNKNOWN_CONTENT_API_KEY");
    let (status, _, body) = get(&app, "/ghost/api/content/posts/?key=%27%20OR%201%3D1--").await;
    assert_eq!(error(status, &body), (401, "UnauthorizedError".into()));
    let (status, _, body) = get(
        &app,
        &format!("/ghost/api/content/posts/?key={key}&key={key}"),
    )
    .await;
    assert_eq!(error(status, &body), (400, "BadRequestError".into()));
    let (status, headers, body) = get(&app, &format!("/ghost/api/content/posts/?key={key}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(headers["content-version"], "v6.0");
    assert_eq!(body["posts"], Value::Array(vec![]));
    assert_eq!(
        body["meta"]["pagination"],
        serde_json::json!({"page": 1, "limit": 15, "pages": 1, "total": 0, "next": null, "prev": null})
    );
    // An address the API does not have: Ghost's JSON 404, not a reader's page.
    for path in [
        "/ghost/api/content/nothing/",
        "/ghost/api/content/",
        "/ghost/api/content/posts/slug/a/b/",
    ] {
        let (status, _, body) = get(&app, &format!("{path}?key={key}")).await;
        assert_eq!(
            error(status, &body),
            (404, "NotFoundError".into()),
            "{path}"
        );
    }
    // Without the trailing slash too.
    assert_eq!(
        get(&app, &format!("/ghost/api/content/posts?key={key}"))
            .await
            .0,
        StatusCode::OK
    );
    // A preflight from a browser.
    let preflight = axum::http::Request::builder()
        .method("OPTIONS")
        .uri("/ghost/api/content/posts/")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), preflight)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("Accept-Version"));
    // Each key has its rate limit: past it, 429 with Retry-After; other keys go on.
    let limited = store
        .create_integration(
            &NewIntegration {
                rate_limit: 3,
                ..NewIntegration::new("Busy app", Keys::from_random(&[9; KEY_BYTES]))
            },
            &audit(),
        )
        .await
        .unwrap()
        .keys
        .content;
    for _ in 0..3 {
        let (status, _, _) = get(&app, &format!("/ghost/api/content/tags/?key={limited}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, body) =
        get(&app, &format!("/ghost/api/content/tags/?key={limited}")).await;
    assert_eq!(error(status, &body), (429, "TooManyRequestsError".into()));
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(
        get(&app, &format!("/ghost/api/content/tags/?key={key}"))
            .await
            .0,
        StatusCode::OK
    );
    // A revoked integration's key stops working at once.
    let id = store
        .integration_by_content_key(&key)
        .await
        .unwrap()
        .unwrap()
        .id;
    store.revoke_integration(id, &audit()).await.unwrap();
    let (status, _, body) = get(&app, &format!("/ghost/api/content/settings/?key={key}")).await;
    assert_eq!(error(status, &body), (401, "UnauthorizedError".into()));
}

async fn posts_browse_read_filter_order_and_page(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let at = |minutes| t0() + chrono::Duration::minutes(minutes);
    let publish = |title: &'static str, tags: &[&str]| {
        let mut c = ArticleContent::new(title, format!("{title}: the story.\n\nMore of it."));
        c.section_id = Some(f.world.id);
        c.authors = vec![f.author.id];
        c.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        c
    };
    let mut ids = Vec::new();
    for (i, (title, tags)) in [
        ("Harbour strike", vec!["Ports", "Labour"]),
        ("Dock wages rise", vec!["Labour"]),
        ("Ferry timetable", vec!["Ports"]),
        ("Budget vote", vec!["Politics"]),
        ("100% of 50_50 votes", vec!["Politics"]),
    ]
    .into_iter()
    .enumerate()
    {
        ids.push(
            fixtures::publish(&newsroom, &f.editor, publish(title, &tags), at(i as i64)).await,
        );
    }
    let mut opinion = publish("Pay the dockers", &["Labour"]);
    opinion.article_type = ArticleType::Opinion;
    opinion.section_id = Some(f.business.id);
    opinion.authors = vec![f.editor.id, f.author.id];
    opinion.visibility = Visibility::Members;
    opinion.body = masthead_core::document::Document::from_markdown(
        "Everyone reads this.\n\n<!--members-only-->\n\nSecretWords for members.",
    );
    let gated = fixtures::publish(&newsroom, &f.editor, opinion, at(10)).await;
    let mut settings = store.settings().await.unwrap();
    settings.timezone = "America/New_York".into();
    store.save_settings(&settings).await.unwrap();
    let key = key(&store, 2).await;
    let app = app(&store);
    let api = |q: &str| format!("/ghost/api/content/posts/?key={key}&{q}");
    let slugs = |body: &Value| -> Vec<String> {
        body["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let ok = |(status, _, body): (StatusCode, axum::http::HeaderMap, Value)| {
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    };

    // Newest first, paged, with Ghost's pagination.
    let first = ok(get(&app, &api("limit=2")).await);
    assert_eq!(slugs(&first), ["pay-the-dockers", "100-of-50-50-votes"]);
    assert_eq!(
        first["meta"]["pagination"],
        serde_json::json!({"page": 1, "limit": 2, "pages": 3, "total": 6, "next": 2, "prev": null})
    );
    let last = ok(get(&app, &api("limit=2&page=3")).await);
    assert_eq!(slugs(&last), ["dock-wages-rise", "harbour-strike"]);
    assert_eq!(last["meta"]["pagination"]["next"], Value::Null);
    assert_eq!(last["meta"]["pagination"]["prev"], 2);
    let beyond = ok(get(&app, &api("page=4000000000")).await);
    assert_eq!(slugs(&beyond), Vec::<String>::new());
    // The page asked for comes back, however far past the end (it was the page the
    // store's offset stopped at: 42949672).
    for page in [4_000_000_000_u64, 99_999_999_999_999] {
        let beyond = ok(get(&app, &api(&format!("limit=2&page={page}"))).await);
        assert_eq!(
            beyond["meta"]["pagination"],
            serde_json::json!({"page": page, "limit": 2, "pages": 3, "total": 6,
                               "next": null, "prev": page - 1})
        );
    }
    assert_eq!(
        ok(get(&app, &api("limit=all")).await)["meta"]["pagination"]["limit"],
        100
    );

    // A post's shape: Ghost's fields, Masthead's additions, its body gated.
    let post = &first["posts"][0];
    assert_eq!(post["id"], masthead_core::nql::ghost_id(gated.0));
    assert_eq!(
        post["url"],
        "https://news.example/business/pay-the-dockers/"
    );
    assert_eq!(post["visibility"], "members");
    assert_eq!(post["access"], false);
    assert_eq!(post["article_type"], "opinion");
    assert_eq!(post["section"]["slug"], "business");
    assert_eq!(post["meta_title"], Value::Null, "empty texts are null");
    assert!(post["html"]
        .as_str()
        .unwrap()
        .contains("Everyone reads this."));
    assert!(!post.to_string().contains("SecretWords"), "{post}");
    assert!(post.get("tags").is_none() && post.get("plaintext").is_none());
    assert!(
        post["published_at"].as_str().unwrap().ends_with("-05:00"),
        "{post}"
    );

    // include, fields, formats.
    let full = ok(get(&app, &api("limit=1&include=tags,authors&formats=plaintext")).await);
    let p = &full["posts"][0];
    assert_eq!(p["primary_author"]["slug"], f.editor.slug);
    assert_eq!(p["authors"].as_array().unwrap().len(), 2);
    assert_eq!(p["primary_tag"]["slug"], "labour");
    assert!(p.get("html").is_none() && p["plaintext"].as_str().unwrap().contains("Everyone"));
    let few = ok(get(&app, &api("limit=1&fields=title,url")).await);
    let keys: Vec<&str> = few["posts"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "title", "url"]);

    // Filters: Ghost's documented shapes, each value bound.
    for (filter, expected) in [
        ("tag:ports", vec!["ferry-timetable", "harbour-strike"]),
        (
            "tag:[politics,ports]+title:~vote",
            vec!["100-of-50-50-votes", "budget-vote"],
        ),
        ("tag:-labour+tag:-politics", vec!["ferry-timetable"]),
        (
            "-tag:labour+section:world",
            vec!["100-of-50-50-votes", "budget-vote", "ferry-timetable"],
        ),
        (
            "primary_tag:labour",
            vec!["pay-the-dockers", "dock-wages-rise"],
        ),
        (
            "primary_author:ada-author+tag:labour",
            vec!["dock-wages-rise", "harbour-strike"],
        ),
        ("visibility:members", vec!["pay-the-dockers"]),
        (
            "article_type:opinion,slug:ferry-timetable",
            vec!["pay-the-dockers", "ferry-timetable"],
        ),
        ("title:~%", vec!["100-of-50-50-votes"]),
        ("title:~_", vec!["100-of-50-50-votes"]),
        ("title:~^dock", vec!["dock-wages-rise"]),
        ("title:~$rike", vec!["harbour-strike"]),
        ("title:-~a", vec!["100-of-50-50-votes", "budget-vote"]),
        ("featured:true", vec![]),
        (
            "published_at:>'2026-03-02 09:03:00'",
            vec!["pay-the-dockers", "100-of-50-50-votes"],
        ),
        (
            "published_at:<=now-1d+slug:budget-vote",
            vec!["budget-vote"],
        ),
        ("slug:'x\\' OR 1=1 --'", vec![]),
        ("custom_excerpt:null+slug:budget-vote", vec!["budget-vote"]),
    ] {
        let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let body = ok(get(&app, &api(&format!("limit=all&filter={encoded}"))).await);
        assert_eq!(slugs(&body), expected, "{filter}");
    }
    // Order.
    let ordered = ok(get(&app, &api("limit=3&order=title%20asc")).await);
    assert_eq!(
        slugs(&ordered),
        ["100-of-50-50-votes", "budget-vote", "dock-wages-rise"]
    );
    let ordered = ok(get(&app, &api("limit=1&order=published_at%20ASC")).await);
    assert_eq!(slugs(&ordered), ["harbour-strike"]);

    // Reads: by slug, by id (Ghost's 24 hexadecimal characters), a miss is 404.
    let read = ok(get(
        &app,
        &format!("/ghost/api/content/posts/slug/budget-vote/?key={key}"),
    )
    .await);
    assert_eq!(read["posts"].as_array().unwrap().len(), 1);
    assert!(read.get("meta").is_none());
    let id = masthead_core::nql::ghost_id(ids[0].0);
    let read = ok(get(
        &app,
        &format!("/ghost/api/content/posts/{id}/?key={key}&include=tags"),
    )
    .await);
    assert_eq!(read["posts"][0]["slug"], "harbour-strike");
    assert_eq!(read["posts"][0]["tags"][1]["slug"], "labour");
    for path in [
        "/ghost/api/content/posts/slug/nothing-here/",
        "/ghost/api/content/posts/ffffffffffffffffffffffff/",
        "/ghost/api/content/posts/not-an-id/",
    ] {
        let (status, _, body) = get(&app, &format!("{path}?key={key}")).await;
        assert_eq!(
            error(status, &body),
            (404, "NotFoundError".into()),
            "{path}"
        );
    }

    // Mistakes: clear errors, in Ghost's envelope.
    for (query, expected) in [
        ("filter=tag:", (400, "BadRequestError")),
        ("filter=email:x", (400, "BadRequestError")),
        ("filter=published_at:%3Esoon", (400, "BadRequestError")),
        ("filter=tag:%5Ba", (400, "BadRequestError")),
        ("include=password", (422, "ValidationError")),
        ("formats=mobiledocx", (422, "ValidationError")),
        ("limit=0", (422, "ValidationError")),
        ("page=-1", (422, "ValidationError")),
        ("order=email%20desc", (422, "ValidationError")),
    ] {
        let (status, _, body) = get(&app, &api(query)).await;
        assert_eq!(
            error(status, &body),
            (expected.0, expected.1.to_owned()),
            "{query}"
        );
    }
    let (_, _, body) = get(&app, &api("filter=tag:")).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Query Error:"),
        "{body}"
    );
}

async fn tags_authors_pages_tiers_and_settings(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    for (title, tags) in [
        ("Harbour strike", vec!["Ports", "Labour"]),
        ("Ferry", vec!["Ports"]),
    ] {
        let mut c = ArticleContent::new(title, "Words.\n\nMore.");
        c.section_id = Some(f.world.id);
        c.authors = vec![f.author.id];
        c.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        fixtures::publish(&newsroom, &f.editor, c, t0()).await;
    }
    store.ensure_tags(&["Unused".to_owned()]).await.unwrap();
    fixtures::paid_tier(&*store, "patron").await;
    let key = key(&store, 3).await;
    let app = app(&store);
    let ok = |(status, _, body): (StatusCode, axum::http::HeaderMap, Value)| {
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    };
    let api = |path: &str, q: &str| format!("/ghost/api/content/{path}/?key={key}&{q}");

    let tags = ok(get(&app, &api("tags", "include=count.posts&limit=all")).await);
    let counts: Vec<(String, u64)> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap().to_owned(),
                t["count"]["posts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("labour".to_owned(), 1),
            ("ports".to_owned(), 2),
            ("unused".to_owned(), 0)
        ]
    );
    let ports = ok(get(
        &app,
        &format!("/ghost/api/content/tags/slug/ports/?key={key}"),
    )
    .await);
    assert_eq!(ports["tags"][0]["url"], "https://news.example/tag/ports/");
    assert_eq!(ports["tags"][0]["description"], Value::Null);
    let filtered = ok(get(
        &app,
        &api("tags", "filter=slug:[ports,unused]&order=slug%20desc"),
    )
    .await);
    let names: Vec<&str> = filtered["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Unused", "Ports"]);
    let (status, _, _) = get(&app, &api("tags", "include=authors")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let authors = ok(get(
        &app,
        &api("authors", "include=count.posts&filter=slug:ada-author"),
    )
    .await);
    let ada = &authors["authors"][0];
    assert_eq!(
        (ada["name"].as_str(), ada["count"]["posts"].as_u64()),
        (Some(f.author.name.as_str()), Some(2))
    );
    assert!(ada.get("email").is_none(), "never an email: {ada}");
    let by_id = ok(get(
        &app,
        &format!(
            "/ghost/api/content/authors/{}/?key={key}",
            masthead_core::nql::ghost_id(f.author.id.0)
        ),
    )
    .await);
    assert_eq!(by_id["authors"][0]["slug"], f.author.slug);
    let (status, _, _) = get(
        &app,
        &format!("/ghost/api/content/authors/slug/nobody/?key={key}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&app, &api("authors", "filter=email:x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let tiers = ok(get(&app, &api("tiers", "")).await);
    let patron = tiers["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "patron")
        .expect("the paid tier");
    assert_eq!(patron["type"], "paid");
    assert!(patron["monthly_price"].as_i64().unwrap() > 0);

    let settings = ok(get(&app, &api("settings", "")).await);
    assert_eq!(settings["meta"], serde_json::json!({}));
    assert_eq!(settings["settings"]["url"], "https://news.example/");
    assert!(settings["settings"]["navigation"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["url"] == "/world/"));

    let pages = ok(get(&app, &api("pages", "")).await);
    assert!(pages["pages"].is_array() && pages["meta"]["pagination"].is_object());
}
