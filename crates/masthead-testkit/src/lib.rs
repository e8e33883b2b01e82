//! Test support shared by every crate's tests: isolated stores on both backends
//! (`store_test!`), and named fixture builders.
//!
//! Each SQLite test gets its own temporary file; each PostgreSQL test gets its own
//! schema on the server at `MASTHEAD_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards. Without a reachable
//! PostgreSQL the PostgreSQL cases skip with a loud notice, except under `CI=true`,
//! where they fail.

// Test support: a panic with a message is the right way for a fixture to fail.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod browser;
pub mod fixtures;
pub mod http;
pub mod images;
pub mod mail;
pub mod markup;
pub mod oidc;
pub mod stripe;
pub mod tools;

use masthead_core::store::Store;
use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A store that cleans up after itself.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// The URL the store was opened with, for tests that start the binary on it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema { admin_url: String, schema: String },
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Schema { admin_url, schema } = &self.cleanup {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs outside async; a short-lived runtime on its own thread does the work.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            // The store's pool is dropped only after this runs; if a failed
                            // test left a transaction open in it, give up rather than hang.
                            let _ = sqlx::query("SET lock_timeout = '3s'")
                                .execute(&mut conn)
                                .await;
                            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                                .execute(&mut conn)
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A fresh, migrated SQLite store in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("masthead.db").display());
    let connected = masthead_store::connect(&url).await.expect("open SQLite");
    TestStore {
        store: connected.store,
        url,
        cleanup: Cleanup::Dir(dir),
    }
}

/// The PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("MASTHEAD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether a missing PostgreSQL must fail the run rather than skip.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("MASTHEAD_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, migrated PostgreSQL store in its own schema; `None` (with a notice on
/// stderr) when PostgreSQL is unreachable and not required.
pub async fn postgres() -> Option<TestStore> {
    let admin_url = postgres_admin_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) if !postgres_required() => {
            eprintln!(
                "\n*** SKIPPING PostgreSQL test: cannot connect to {admin_url}: {e}\n*** Set CI=true to make this a failure.\n"
            );
            return None;
        }
        Err(e) => panic!("PostgreSQL is required (CI=true) but {admin_url} is unreachable: {e}"),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
    let connected = masthead_store::connect(&url)
        .await
        .expect("open PostgreSQL");
    Some(TestStore {
        store: connected.store,
        url,
        cleanup: Cleanup::Schema { admin_url, schema },
    })
}

/// Writes one conformance case, `async fn name(store: Arc<dyn Store>)`, as a test per
/// backend: `name::sqlite` and `name::postgres`. No backend-specific assertions.
#[macro_export]
macro_rules! store_test {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::sqlite().await;
                super::$name(db.store.clone()).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::postgres().await else { return };
                super::$name(db.store.clone()).await;
            }
        }
    )*};
}

/// A store whose database has gone away: every call fails, as when the database
/// server is down. For health-check and error-page tests.
pub async fn unavailable() -> Arc<dyn Store> {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite");
    pool.close().await;
    Arc::new(masthead_store::sqlite::Store::new(pool))
}
