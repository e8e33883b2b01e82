//! Ghost's Admin API, in-process, on both backends: tokens as Ghost checks them (and
//! the staff session beside them), posts written through the newsroom's workflow
//! with Ghost's collision check, bodies from HTML and Lexical, picture uploads, tags,
//! users and webhooks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::integration::{Integration, Keys, NewIntegration, KEY_BYTES};
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

mod support;

store_test!(
    tokens_are_checked_as_ghost_checks_them,
    posts_go_through_the_workflow,
    what_each_role_may_do,
    pictures_upload_and_become_featured,
    tags_users_and_webhooks,
    pages_members_and_the_newsrooms_own,
);

const BASE: &str = "https://news.example";

/// The Admin API's OpenAPI document as served is the one kept in `docs/`, so that a
/// change of the API shows in review (after an intended change, rewrite it with
/// `MASTHEAD_BLESS=1`).
#[tokio::test]
async fn the_served_openapi_document_is_the_one_in_docs() {
    let kept =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/admin-openapi.json");
    let db = masthead_testkit::sqlite().await;
    let app = masthead_web::router(support::state(db.store.clone(), BASE));
    let (status, served) = send(
        &app,
        "GET",
        "/ghost/api/admin/openapi.json",
        &As::Nobody,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        served,
        serde_json::from_str::<Value>(&masthead_web::ghost::admin_openapi()).unwrap()
    );
    if std::env::var_os("MASTHEAD_BLESS").is_some() {
        std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
        std::fs::write(&kept, masthead_web::ghost::admin_openapi() + "\n").unwrap();
    }
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).unwrap_or_else(|_| {
            panic!("{} is missing: run with MASTHEAD_BLESS=1", kept.display())
        }))
        .unwrap();
    assert!(
        on_disk == served,
        "the Admin API's document changed: review it and rewrite docs/api/admin-openapi.json with MASTHEAD_BLESS=1"
    );
}

fn audit() -> NewAuditEntry {
    NewAuditEntry {
        at: t0(),
        actor: None,
        action: AuditAction::IntegrationAdded,
        target: "test".into(),
        ip: "192.0.2.1".into(),
    }
}

async fn integration(store: &Arc<dyn Store>, n: u8) -> Integration {
    store
        .create_integration(
            &NewIntegration::new("Writer app", Keys::from_random(&[n; KEY_BYTES])),
            &audit(),
        )
        .await
        .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token as `@tryghost/admin-api` makes it, with the times and audience given.
fn token_with(keys: &Keys, iat: i64, exp: i64, aud: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(keys.admin_id.clone());
    jsonwebtoken::encode(
        &header,
        &json!({"iat": iat, "exp": exp, "aud": aud}),
        &EncodingKey::from_secret(&hex::decode(&keys.admin_secret).unwrap()),
    )
    .unwrap()
}

fn token(keys: &Keys) -> String {
    token_with(keys, now(), now() + 300, "/admin/")
}

/// Who sends a request.
enum As<'a> {
    Nobody,
    Token(&'a str),
    /// A staff session's cookie, and its CSRF token (empty: none sent).
    Staff(&'a str, &'a str),
}

async fn send(
    app: &masthead_web::App,
    method: &str,
    path: &str,
    who: &As<'_>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    match who {
        As::Nobody => {}
        As::Token(t) => request = request.header("authorization", format!("Ghost {t}")),
        As::Staff(cookie, csrf) => {
            request = request.header("cookie", *cookie).header("origin", BASE);
            if !csrf.is_empty() {
                request = request.header("x-csrf-token", *csrf);
            }
        }
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, json)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

fn kind(body: &Value) -> &str {
    body["errors"][0]["type"].as_str().unwrap_or_default()
}

async fn tokens_are_checked_as_ghost_checks_them(store: Arc<dyn Store>) {
    fixtures::newsroom(&*store).await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let integration = integration(&store, 1).await;
    let keys = &integration.keys;
    let posts = "/ghost/api/admin/posts/";

    let (status, body) = send(&app, "GET", posts, &As::Nobody, None).await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::FORBIDDEN, "NoPermissionError")
    );
    // The site's public facts need nothing.
    let (status, body) = send(&app, "GET", "/ghost/api/admin/site/", &As::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["site"]["url"], format!("{BASE}/"));

    let request = |auth: &str| {
        Request::get(posts)
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap()
    };
    let status_of = |auth: String| {
        let app = app.clone();
        async move {
            let response = app.oneshot(request(&auth)).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, body) = status_of(format!("Bearer {}", token(keys))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "INVALID_AUTH_HEADER")
    );
    let (status, body) = status_of("Ghost not.a.jwt".into()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_JWT")
    );
    // No kid.
    let no_kid = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iat": now(), "exp": now() + 300, "aud": "/admin/"}),
        &EncodingKey::from_secret(&hex::decode(&keys.admin_secret).unwrap()),
    )
    .unwrap();
    let (status, body) = status_of(format!("Ghost {no_kid}")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "MISSING_ADMIN_API_KID")
    );
    // An unknown key.
    let stranger = Keys::from_random(&[9; KEY_BYTES]);
    let (status, body) = status_of(format!("Ghost {}", token(&stranger))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNKNOWN_ADMIN_API_KEY")
    );
    // Expired; older than five minutes though not expired; for another audience.
    for bad in [
        token_with(keys, now() - 600, now() - 300, "/admin/"),
        token_with(keys, now() - 400, now() + 300, "/admin/"),
        token_with(keys, now(), now() + 300, "/content/"),
    ] {
        let (status, body) = status_of(format!("Ghost {bad}")).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, "INVALID_JWT")
        );
    }
    // Signed with the secret's hexadecimal text rather than its bytes.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(keys.admin_id.clone());
    let hex_signed = jsonwebtoken::encode(
        &header,
        &json!({"iat": now(), "exp": now() + 300, "aud": "/admin/"}),
        &EncodingKey::from_secret(keys.admin_secret.as_bytes()),
    )
    .unwrap();
    let (status, _) = status_of(format!("Ghost {hex_signed}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Another algorithm (HS512), and none at all.
    let mut header = Header::new(Algorithm::HS512);
    header.kid = Some(keys.admin_id.clone());
    let other = jsonwebtoken::encode(
        &header,
        &json!({"iat": now(), "exp": now() + 300, "aud": "/admin/"}),
        &EncodingKey::from_secret(&hex::decode(&keys.admin_secret).unwrap()),
    )
    .unwrap();
    let (status, _) = status_of(format!("Ghost {other}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    use base64::Engine;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": keys.admin_id})),
        b64(json!({"iat": now(), "exp": now() + 300, "aud": "/admin/"}))
    );
    let (status, _) = status_of(format!("Ghost {unsigned}")).await;
    assert!(status.is_client_error() && status != StatusCode::OK);
    // The right token, with the scheme in any case.
    let (status, body) = status_of(format!("ghost {}", token(keys))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["posts"].is_array());
    // Rotated keys: the old ones stop at once.
    store
        .rotate_integration_keys(
            integration.id,
            &Keys::from_random(&[3; KEY_BYTES]),
            &audit(),
        )
        .await
        .unwrap();
    let (status, body) = status_of(format!("Ghost {}", token(keys))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNKNOWN_ADMIN_API_KEY")
    );
}

async fn posts_go_through_the_workflow(store: Arc<dyn Store>) {
    let people = fixtures::newsroom(&*store).await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let integration = integration(&store, 1).await;
    let t = token(&integration.keys);
    let who = As::Token(&t);

    // Created from HTML, with tags by name and an author by email.
    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/?source=html",
        &who,
        Some(json!({"posts": [{
            "title": "Harbour reopens",
            "html": "<p>The <strong>harbour</strong> reopened today.</p><!--members-only--><p>Members read on.</p>",
            "tags": [{"name": "Ports"}, "Shipping"],
            "authors": [{"email": people.author.email}],
            "custom_excerpt": "Ships are back.",
            "visibility": "members",
            "article_type": "analysis",
            "section": "world",
            "sources": [{"name": "Port authority", "url": "https://port.example/", "note": ""}],
        }]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let post = &body["posts"][0];
    assert_eq!(post["status"], "draft");
    assert_eq!(post["title"], "Harbour reopens");
    assert_eq!(post["visibility"], "members");
    assert_eq!(post["article_type"], "analysis");
    assert_eq!(post["section"]["slug"], "world");
    assert_eq!(post["tags"][0]["name"], "Ports");
    assert_eq!(post["tags"][1]["name"], "Shipping");
    assert_eq!(post["authors"][0]["slug"], people.author.slug);
    assert_eq!(post["sources"][0]["name"], "Port authority");
    assert!(post["lexical"].as_str().unwrap().contains("harbour"));
    let id = post["id"].as_str().unwrap().to_owned();
    let stored = store
        .article(masthead_core::ids::ArticleId(
            masthead_core::nql::post_id(&id).unwrap(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.body_html.contains("<strong>harbour</strong>"));
    assert!(
        stored
            .document()
            .content
            .iter()
            .any(|b| matches!(b, masthead_core::document::Block::PreviewCut)),
        "the paywall is the preview cut"
    );
    // A draft is not the Content API's.
    let path = format!("/ghost/api/admin/posts/{id}/");
    let updated_at = post["updated_at"].as_str().unwrap().to_owned();

    // An edit without the version it was made on, or on an older one, is refused.
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{"title": "X"}]})),
    )
    .await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ValidationError")
    );
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{"title": "X", "updated_at": "2020-01-01T00:00:00.000Z"}]})),
    )
    .await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::CONFLICT, "UpdateCollisionError")
    );
    // Edited with Lexical, and published in the same request.
    let lexical = json!({"root": {"type": "root", "children": [
        {"type": "paragraph", "children": [{"type": "text", "text": "Rewritten in Lexical.", "format": 2}]}
    ]}})
    .to_string();
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{
            "title": "Harbour reopens to ships",
            "lexical": lexical,
            "updated_at": updated_at,
            "status": "published",
            "tags": [{"name": "Ports"}],
        }]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let post = &body["posts"][0];
    assert_eq!(post["status"], "published");
    assert_eq!(post["title"], "Harbour reopens to ships");
    assert_eq!(
        post["tags"].as_array().unwrap().len(),
        1,
        "tags are replaced"
    );
    assert!(!post["published_at"].is_null());
    let stored = store
        .article_by_slug(post["slug"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.body_html.contains("<em>Rewritten in Lexical.</em>"));
    // The same edit again is on an old version now.
    let (status, _) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{"title": "Again", "updated_at": updated_at}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Reads: by id, by slug, and in the browse with a filter on status.
    let (status, body) = send(&app, "GET", &format!("{path}?formats=html"), &who, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["posts"][0]["html"]
        .as_str()
        .unwrap()
        .contains("Rewritten"));
    let slug = body["posts"][0]["slug"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &app,
        "GET",
        &format!("/ghost/api/admin/posts/slug/{slug}/"),
        &who,
        None,
    )
    .await;
    assert_eq!(
        (status, body["posts"][0]["id"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    let (_, body) = send(
        &app,
        "GET",
        "/ghost/api/admin/posts/?filter=status:published",
        &who,
        None,
    )
    .await;
    assert_eq!(body["meta"]["pagination"]["total"], 1);

    // Unpublished by setting it to draft; scheduled; deleted.
    let updated_at = body["posts"][0]["updated_at"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{"status": "draft", "updated_at": updated_at}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["posts"][0]["status"], "draft");
    assert_eq!(body["posts"][0]["workflow_status"], "unpublished");
    let when = (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let updated_at = body["posts"][0]["updated_at"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"posts": [{"status": "scheduled", "published_at": when, "updated_at": updated_at}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["posts"][0]["status"], "scheduled");
    assert_eq!(body["posts"][0]["published_at"], when);
    let (status, body) = send(&app, "DELETE", &path, &who, None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, body) = send(&app, "GET", &path, &who, None).await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::NOT_FOUND, "NotFoundError")
    );

    // Bad input: a clear 422, nothing stored.
    let before = store.counts().await.unwrap();
    for (query, post) in [
        ("", json!({"title": ""})),
        ("", json!({"title": "T", "mobiledoc": "{}"})),
        ("", json!({"title": "T", "visibility": "secret"})),
        (
            "",
            json!({"title": "T", "authors": [{"email": "nobody@example.com"}]}),
        ),
        ("", json!({"title": "T", "lexical": "not json"})),
        ("", json!({"title": "T", "status": "live"})),
        (
            "",
            json!({"title": "T", "feature_image": "https://elsewhere.example/a.jpg"}),
        ),
        ("?source=lexical", json!({"title": "T"})),
        // No stored text may hold a NUL (PostgreSQL refuses it).
        ("", json!({"title": "T\u{0}"})),
        (
            "?source=html",
            json!({"title": "T", "html": "<p>a\u{0}b</p>"}),
        ),
        ("", json!({"title": "T", "tags": ["a\u{0}"]})),
    ] {
        let (status, body) = send(
            &app,
            "POST",
            &format!("/ghost/api/admin/posts/{query}"),
            &who,
            Some(json!({"posts": [post.clone()]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{post}: {body}");
        assert_eq!(kind(&body), "ValidationError");
    }
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/",
        &who,
        Some(json!({"post": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.counts().await.unwrap(), before, "nothing was stored");
    // A picture without words for those who cannot see it: the field named as Ghost
    // names it.
    let media = store
        .create_media(&masthead_core::media::NewMedia {
            storage_key: "uploads/2026/12/quay.jpg".into(),
            mime_type: "image/jpeg".into(),
            width: Some(800),
            height: Some(600),
            byte_size: 1000,
            alt: String::new(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: None,
            variants: Vec::new(),
        })
        .await
        .unwrap();
    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/",
        &who,
        Some(json!({"posts": [{"title": "T", "feature_image": format!("{BASE}/media/{}", media.storage_key)}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"][0]["context"]
            .as_str()
            .unwrap()
            .starts_with("feature_image_alt:"),
        "{body}"
    );
    assert_eq!(store.counts().await.unwrap(), before);
}

async fn what_each_role_may_do(store: Arc<dyn Store>) {
    let people = fixtures::newsroom(&*store).await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let newsroom = fixtures::newsroom_service(store.clone());
    let theirs = fixtures::published(
        &newsroom,
        "Someone else's",
        &people.world,
        people.author.id,
        &people.editor,
        1,
    )
    .await;
    let cookie = support::staff_cookie(&*store, &people.contributor).await;
    let session = store
        .session(
            &masthead_web::secrets::token_hash(cookie.split_once('=').unwrap().1),
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let csrf = session.csrf_token;
    let contributor = As::Staff(&cookie, &csrf);

    // A contributor's session writes a draft of their own.
    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/",
        &contributor,
        Some(json!({"posts": [{"title": "My first draft"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["posts"][0]["authors"][0]["slug"],
        people.contributor.slug
    );
    let mine = body["posts"][0]["id"].as_str().unwrap().to_owned();
    let updated_at = body["posts"][0]["updated_at"].as_str().unwrap().to_owned();
    // ... cannot slip script or frames in through HTML or Lexical, nor credit the
    // piece to someone else.
    for (query, post) in [
        (
            "?source=html",
            json!({"title": "Hostile", "html": "<p>Hi</p><script>alert(1)</script><iframe src=\"https://evil.example/\"></iframe><img src=x onerror=alert(1)>"}),
        ),
        (
            "",
            json!({"title": "Hostile", "lexical": json!({"root": {"children": [{"type": "html", "html": "<script>alert(1)</script>"}]}}).to_string()}),
        ),
        (
            "",
            json!({"title": "Hostile", "authors": [{"email": people.editor.email}]}),
        ),
    ] {
        let (status, body) = send(
            &app,
            "POST",
            &format!("/ghost/api/admin/posts/{query}"),
            &contributor,
            Some(json!({"posts": [post]})),
        )
        .await;
        if status == StatusCode::CREATED {
            let id = masthead_core::nql::post_id(body["posts"][0]["id"].as_str().unwrap()).unwrap();
            let stored = store
                .article(masthead_core::ids::ArticleId(id))
                .await
                .unwrap()
                .unwrap();
            let html = stored.body_html.to_lowercase();
            assert!(
                !html.contains("<script") && !html.contains("<iframe") && !html.contains("onerror"),
                "{html}"
            );
            assert!(stored.authors.iter().any(|a| a.id == people.contributor.id));
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        }
    }
    // ... may send it for review, not publish it.
    let (status, body) = send(
        &app,
        "PUT",
        &format!("/ghost/api/admin/posts/{mine}/"),
        &contributor,
        Some(json!({"posts": [{"status": "published", "updated_at": updated_at}]})),
    )
    .await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::FORBIDDEN, "NoPermissionError")
    );
    // ... and sees nobody else's work.
    let other = masthead_core::nql::ghost_id(theirs.0);
    let (status, _) = send(
        &app,
        "GET",
        &format!("/ghost/api/admin/posts/{other}/"),
        &contributor,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = send(
        &app,
        "GET",
        "/ghost/api/admin/posts/?filter=title:%27My%20first%20draft%27",
        &contributor,
        None,
    )
    .await;
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    let (_, body) = send(
        &app,
        "GET",
        "/ghost/api/admin/posts/?limit=all",
        &contributor,
        None,
    )
    .await;
    assert!(!body.to_string().contains("Someone else"), "{body}");
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/ghost/api/admin/posts/{other}/"),
        &contributor,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // ... nor manages tags.
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/tags/",
        &contributor,
        Some(json!({"tags": [{"name": "Mine"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A session's change without its CSRF token, or from another site, is refused.
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/",
        &As::Staff(&cookie, ""),
        Some(json!({"posts": [{"title": "Forged"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let forged = Request::post("/ghost/api/admin/posts/")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"posts": [{"title": "Forged"}]}).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(forged).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let (_, body) = send(
        &app,
        "GET",
        "/ghost/api/admin/posts/?limit=all",
        &contributor,
        None,
    )
    .await;
    assert!(!body.to_string().contains("Forged"));
}

/// A small PNG.
fn png() -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn pictures_upload_and_become_featured(store: Arc<dyn Store>) {
    fixtures::newsroom(&*store).await;
    let media_dir = tempfile::tempdir().unwrap();
    let mut state = support::state(store.clone(), BASE);
    state.media_dir = media_dir.path().to_owned();
    let app = masthead_web::router(state);
    let integration = integration(&store, 1).await;
    let t = token(&integration.keys);
    let upload = |bytes: Vec<u8>| {
        let mut body = Vec::new();
        body.extend_from_slice(
            b"--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nimage\r\n\
              --b\r\nContent-Disposition: form-data; name=\"ref\"\r\n\r\nharbour.png\r\n\
              --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"harbour.png\"\r\n\
              Content-Type: image/png\r\n\r\n",
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n--b--\r\n");
        Request::post("/ghost/api/admin/images/upload/")
            .header("authorization", format!("Ghost {t}"))
            .header("content-type", "multipart/form-data; boundary=b")
            .body(Body::from(body))
            .unwrap()
    };
    let response = app.clone().oneshot(upload(png())).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let url = body["images"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(body["images"][0]["ref"], "harbour.png");
    assert!(url.starts_with(&format!("{BASE}/media/")), "{url}");
    // Not a picture: refused, nothing stored.
    let response = app
        .clone()
        .oneshot(upload(b"%PDF-1.4 not a picture".to_vec()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/posts/?source=html",
        &As::Token(&t),
        Some(json!({"posts": [{
            "title": "Pictured",
            "html": format!("<p>Text.</p><figure class=\"kg-card kg-image-card\"><img src=\"{url}\" alt=\"Quay\"><figcaption>The quay</figcaption></figure>"),
            "feature_image": url,
            "feature_image_alt": "Cranes at the quay",
            "feature_image_caption": "<i>Cranes</i> at dawn",
            "status": "published",
        }]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let post = &body["posts"][0];
    assert_eq!(post["feature_image"], url);
    assert_eq!(post["feature_image_alt"], "Cranes at the quay");
    assert_eq!(post["feature_image_caption"], "Cranes at dawn");
    let stored = store
        .article_by_slug(post["slug"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.featured_image.is_some());
    assert!(stored
        .document()
        .content
        .iter()
        .any(|b| matches!(b, masthead_core::document::Block::Picture { attrs } if attrs.caption == "The quay")));
}

async fn tags_users_and_webhooks(store: Arc<dyn Store>) {
    let people = fixtures::newsroom(&*store).await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let integration = integration(&store, 1).await;
    let t = token(&integration.keys);
    let who = As::Token(&t);

    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/tags/",
        &who,
        Some(json!({"tags": [{"name": "Climate desk", "description": "Our climate coverage"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["tags"][0]["slug"], "climate-desk");
    let id = body["tags"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &app,
        "PUT",
        &format!("/ghost/api/admin/tags/{id}/"),
        &who,
        Some(json!({"tags": [{"name": "Climate"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tags"][0]["name"], "Climate");
    assert_eq!(body["tags"][0]["description"], "Our climate coverage");
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/tags/",
        &who,
        Some(json!({"tags": [{"name": "Climate"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a taken slug");
    // Deleted: gone from the list and from its posts, and said in the audit log.
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = masthead_core::article::ArticleContent::new("Tagged", "Text.");
    content.tags = vec!["Climate".into(), "Weather".into()];
    content.section_id = Some(people.world.id);
    content.authors = vec![people.author.id];
    let tagged = fixtures::publish(&newsroom, &people.editor, content, t0()).await;
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/ghost/api/admin/tags/{id}/"),
        &who,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(
        &app,
        "GET",
        &format!("/ghost/api/admin/tags/{id}/"),
        &who,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let names: Vec<String> = store
        .article(tagged)
        .await
        .unwrap()
        .unwrap()
        .tags
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(names, ["Weather"]);
    let log = store
        .audit_log(masthead_core::store::PageRequest {
            offset: 0,
            limit: 5,
        })
        .await
        .unwrap();
    assert!(log
        .items
        .iter()
        .any(|e| e.action == AuditAction::TagDeleted && e.target == "Climate"));

    let (status, body) = send(&app, "GET", "/ghost/api/admin/users/", &who, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["meta"]["pagination"]["total"], 4);
    let (_, body) = send(
        &app,
        "GET",
        &format!("/ghost/api/admin/users/slug/{}/", people.editor.slug),
        &who,
        None,
    )
    .await;
    assert_eq!(body["users"][0]["email"], people.editor.email);
    assert_eq!(body["users"][0]["roles"][0]["slug"], "editor");

    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/webhooks/",
        &who,
        Some(json!({"webhooks": [{"event": "post.published", "target_url": "https://hooks.example/in"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let hook = body["webhooks"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(store.webhooks(Some(integration.id)).await.unwrap().len(), 1);
    for bad in [
        json!({"event": "post.exploded", "target_url": "https://hooks.example/in"}),
        json!({"event": "post.published", "target_url": "ftp://hooks.example/in"}),
    ] {
        let (status, _) = send(
            &app,
            "POST",
            "/ghost/api/admin/webhooks/",
            &who,
            Some(json!({"webhooks": [bad]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Pointed elsewhere; a bad address refused.
    let (status, body) = send(
        &app,
        "PUT",
        &format!("/ghost/api/admin/webhooks/{hook}/"),
        &who,
        Some(json!({"webhooks": [{"target_url": "https://hooks.example/other", "event": "post.unpublished"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["webhooks"][0]["event"], "post.unpublished");
    let stored = store.webhooks(Some(integration.id)).await.unwrap();
    assert_eq!(stored[0].target_url, "https://hooks.example/other");
    let (status, _) = send(
        &app,
        "PUT",
        &format!("/ghost/api/admin/webhooks/{hook}/"),
        &who,
        Some(json!({"webhooks": [{"target_url": "javascript:alert(1)"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another integration cannot change or delete it.
    let other = self::integration(&store, 2).await;
    let t2 = token(&other.keys);
    let (status, _) = send(
        &app,
        "PUT",
        &format!("/ghost/api/admin/webhooks/{hook}/"),
        &As::Token(&t2),
        Some(json!({"webhooks": [{"event": "post.published"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/ghost/api/admin/webhooks/{hook}/"),
        &As::Token(&t2),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/ghost/api/admin/webhooks/{hook}/"),
        &who,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(store
        .webhooks(Some(integration.id))
        .await
        .unwrap()
        .is_empty());
    // Nor may an address (a slug, a filter) hold one, in either API.
    for path in [
        "/ghost/api/admin/posts/slug/a%00b/",
        "/ghost/api/admin/posts/?filter=slug:%27a%00%27",
        "/ghost/api/admin/users/slug/a%00/",
        "/ghost/api/content/posts/slug/a%00b/",
        "/ghost/api/content/posts/?filter=title:~%27%00%27",
    ] {
        let (status, body) = send(&app, "GET", path, &who, None).await;
        assert_eq!(
            (status, kind(&body)),
            (StatusCode::BAD_REQUEST, "BadRequestError"),
            "{path}"
        );
    }
    // An address the API does not have.
    let (status, body) = send(&app, "GET", "/ghost/api/admin/nothing/", &who, None).await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::NOT_FOUND, "NotFoundError")
    );
}

async fn pages_members_and_the_newsrooms_own(store: Arc<dyn Store>) {
    let people = fixtures::newsroom(&*store).await;
    let app = masthead_web::router(support::state(store.clone(), BASE));
    let integration = integration(&store, 1).await;
    let t = token(&integration.keys);
    let who = As::Token(&t);

    // Pages: made from HTML, edited with the collision check.
    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/pages/?source=html&formats=html",
        &who,
        Some(json!({"pages": [{"title": "Our standards", "html": "<h2>Accuracy</h2><p>We correct <em>openly</em>.</p>", "status": "published"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let page = &body["pages"][0];
    assert_eq!(page["status"], "published");
    assert!(page["html"].as_str().unwrap().contains("<em>openly</em>"));
    let path = format!("/ghost/api/admin/pages/{}/", page["id"].as_str().unwrap());
    let updated_at = page["updated_at"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(json!({"pages": [{"title": "Stale", "updated_at": "2020-01-01T00:00:00Z"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &who,
        Some(
            json!({"pages": [{"title": "Standards", "updated_at": updated_at, "status": "draft"}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["pages"][0]["title"].as_str(),
            body["pages"][0]["status"].as_str()
        ),
        (Some("Standards"), Some("draft"))
    );
    let (_, body) = send(&app, "GET", "/ghost/api/admin/pages/", &who, None).await;
    assert_eq!(body["meta"]["pagination"]["total"], 1, "drafts too");
    let (status, _) = send(&app, "DELETE", &path, &who, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, "GET", &path, &who, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(store.page_by_slug("our-standards").await.unwrap().is_none());

    // Members: added, listed, renamed, deleted; a taken address refused.
    let (status, body) = send(
        &app,
        "POST",
        "/ghost/api/admin/members/",
        &who,
        Some(json!({"members": [{"email": "reader@example.com", "name": "Rita Reader"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["members"][0]["status"], "free");
    let member = format!(
        "/ghost/api/admin/members/{}/",
        body["members"][0]["id"].as_str().unwrap()
    );
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/members/",
        &who,
        Some(json!({"members": [{"email": "READER@example.com"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = send(
        &app,
        "POST",
        "/ghost/api/admin/members/",
        &who,
        Some(json!({"members": [{"email": "not an address"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, body) = send(&app, "GET", "/ghost/api/admin/members/?limit=1", &who, None).await;
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert_eq!(body["members"][0]["email"], "reader@example.com");
    let (status, body) = send(
        &app,
        "PUT",
        &member,
        &who,
        Some(json!({"members": [{"name": "Rita R."}]})),
    )
    .await;
    assert_eq!(
        (status, body["members"][0]["name"].as_str()),
        (StatusCode::OK, Some("Rita R."))
    );
    // An editor's session may not read members' addresses.
    let cookie = support::staff_cookie(&*store, &people.editor).await;
    let (status, _) = send(
        &app,
        "GET",
        "/ghost/api/admin/members/",
        &As::Staff(&cookie, ""),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, "DELETE", &member, &who, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, "GET", &member, &who, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Masthead's own: sections, article types, corrections.
    let (_, body) = send(&app, "GET", "/ghost/api/admin/sections/", &who, None).await;
    let slugs: Vec<&str> = body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["world", "business"]);
    let (_, body) = send(&app, "GET", "/ghost/api/admin/article_types/", &who, None).await;
    assert!(body["article_types"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["slug"] == "opinion"));
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Harbour",
        &people.world,
        people.author.id,
        &people.editor,
        1,
    )
    .await;
    let corrections = format!(
        "/ghost/api/admin/posts/{}/corrections/",
        masthead_core::nql::ghost_id(id.0)
    );
    let (status, body) = send(&app, "POST", &corrections, &who, Some(json!({"corrections": [{"kind": "correction", "text": "The harbour opened on Monday, not Sunday."}]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["corrections"][0]["text"],
        "The harbour opened on Monday, not Sunday."
    );
    let (status, _) = send(
        &app,
        "POST",
        &corrections,
        &who,
        Some(json!({"corrections": [{"kind": "retraction", "text": "x"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = send(
        &app,
        "POST",
        &corrections,
        &who,
        Some(json!({"corrections": [{"text": "  "}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, body) = send(&app, "GET", "/ghost/api/admin/corrections/", &who, None).await;
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert!(body["corrections"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with("/world/harbour/"));
    // A writer's session may not add one.
    let cookie = support::staff_cookie(&*store, &people.author).await;
    let session = store
        .session(
            &masthead_web::secrets::token_hash(cookie.split_once('=').unwrap().1),
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let (status, _) = send(
        &app,
        "POST",
        &corrections,
        &As::Staff(&cookie, &session.csrf_token),
        Some(json!({"corrections": [{"text": "Mine"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
