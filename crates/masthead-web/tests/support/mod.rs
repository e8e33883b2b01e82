//! What several of these test files share.

use masthead_core::auth::{AuditAction, NewAuditEntry, NewSession};
use masthead_core::people::Person;
use masthead_core::store::Store;

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
