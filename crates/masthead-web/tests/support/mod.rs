//! What several of these test files share.

// Each test file takes what it needs of these.
#![allow(dead_code)]

use axum::http::{HeaderMap, StatusCode};
use masthead_core::auth::{AuditAction, NewAuditEntry, NewSession};
use masthead_core::people::Person;
use masthead_core::store::Store;
use std::sync::Arc;
use tower::ServiceExt;

/// The site's state on `store` at `base`, with an empty search index; letters go to
/// an outbox in the temporary directory.
pub fn state(store: Arc<dyn Store>, base: &str) -> masthead_web::AppState {
    masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().expect("a search index")),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        base.to_owned(),
        masthead_web::mail::Mailer::outbox(&std::env::temp_dir(), "Paper <news@paper.example>")
            .expect("an outbox"),
    )
}

/// A GET as a browser sends it, with `cookie` (`name=value`, or empty): status,
/// headers and body.
pub async fn get(
    app: &masthead_web::App,
    path: &str,
    cookie: &str,
) -> (StatusCode, HeaderMap, String) {
    let mut request = axum::http::Request::get(path).header(
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    );
    if !cookie.is_empty() {
        request = request.header("cookie", cookie);
    }
    let request = request.body(axum::body::Body::empty()).expect("a request");
    let response = app.clone().oneshot(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("a body");
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// A signed-in staff member's session cookie (`name=value`).
pub async fn staff_cookie(store: &dyn Store, person: &Person) -> String {
    let token = masthead_web::secrets::secret();
    let now = chrono::Utc::now();
    store
        .start_session(
            &NewSession {
                token_hash: masthead_web::secrets::token_hash(&token),
                owner: person.id,
                csrf_token: masthead_web::secrets::secret(),
                created_at: now,
                ip: "192.0.2.1".into(),
                user_agent: "test".into(),
            },
            &person.email,
            &NewAuditEntry {
                at: now,
                actor: Some(person.id),
                action: AuditAction::LoggedIn,
                target: person.email.clone(),
                ip: "192.0.2.1".into(),
            },
        )
        .await
        .expect("a staff session");
    format!("{}={token}", masthead_web::reader::STAFF_SESSION_COOKIE)
}
