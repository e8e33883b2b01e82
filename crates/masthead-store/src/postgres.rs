//! PostgreSQL, for when one machine is not enough.
//!
//! The store's areas (`backend/`) are written once and compiled into this module and
//! its twin; `Db`, `BACKEND` and `dialect` are what they see of the database.

pub type Db = sqlx::Postgres;
pub const BACKEND: &str = "postgres";
mod dialect {
    use chrono::{DateTime, Utc};
    pub type Ts = DateTime<Utc>;
    pub fn ts(t: DateTime<Utc>) -> Ts {
        t
    }
    pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
    pub const MIGRATIONS_TABLE_EXISTS: &str = "SELECT 1::BIGINT FROM information_schema.tables \
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

#[path = "backend/articles.rs"]
mod articles;
#[path = "backend/comments.rs"]
mod comments;
#[path = "backend/common.rs"]
mod common;
#[path = "backend/media.rs"]
mod media;
#[path = "backend/revisions.rs"]
mod revisions;
#[path = "backend/site.rs"]
mod site;
#[path = "backend/staff.rs"]
mod staff;
#[path = "backend/taxonomy.rs"]
mod taxonomy;

pub use common::Store;
