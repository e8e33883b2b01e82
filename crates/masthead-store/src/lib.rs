//! The storage port (`masthead_core::store::Store`) on SQLite and PostgreSQL.
//!
//! Both backends are always compiled and chosen at run time from the database URL.
//! The implementation is written once, in `backend.rs`, and compiled twice, once per
//! driver; the few real differences between the two databases live in each backend's
//! `dialect` module. Nothing outside this crate sees sqlx.

mod rows;

/// SQLite, the embedded default: one file in the data directory, WAL, foreign keys on.
pub mod sqlite {
    pub type Db = sqlx::Sqlite;
    pub const BACKEND: &str = "sqlite";
    mod dialect {
        use chrono::{DateTime, SecondsFormat, Utc};
        /// Times are stored as fixed-width RFC 3339 text, so that text order is time order.
        pub type Ts = String;
        pub fn ts(t: DateTime<Utc>) -> Ts {
            t.to_rfc3339_opts(SecondsFormat::Micros, true)
        }
        pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
        pub const MIGRATIONS_TABLE_EXISTS: &str =
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";
        /// Takes the write lock at the start, so a transaction that reads before it
        /// writes waits its turn instead of failing when another writer got there first.
        pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
        /// SQLite has one writer at a time (see `BEGIN_WRITE`), so rows need no locks.
        pub const FOR_UPDATE: &str = "";
        /// After a bulk load: fresh planner statistics.
        pub const AFTER_BULK_LOAD: &[&str] = &["ANALYZE"];
    }
    include!("backend.rs");
}

/// PostgreSQL, for when one machine is not enough.
pub mod postgres {
    pub type Db = sqlx::Postgres;
    pub const BACKEND: &str = "postgres";
    mod dialect {
        use chrono::{DateTime, Utc};
        pub type Ts = DateTime<Utc>;
        pub fn ts(t: DateTime<Utc>) -> Ts {
            t
        }
        pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
        pub const MIGRATIONS_TABLE_EXISTS: &str =
            "SELECT 1::BIGINT FROM information_schema.tables \
             WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()";
        pub const BEGIN_WRITE: &str = "BEGIN";
        /// Locks the rows read, so concurrent changes to one article apply one by one.
        pub const FOR_UPDATE: &str = " FOR UPDATE";
        /// After a bulk load: fresh planner statistics, and for the tables the listing
        /// indexes cover a visibility map, without which every index-only scan still
        /// visits the table for each row. (Named tables: only this schema's.)
        pub const AFTER_BULK_LOAD: &[&str] = &[
            "VACUUM (ANALYZE) articles, article_tags, article_credits",
            "ANALYZE",
        ];
    }
    include!("backend.rs");
}

mod connect;
pub use connect::{connect, redact, ConnectError, Connected};
