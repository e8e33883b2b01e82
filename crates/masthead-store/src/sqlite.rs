//! SQLite, the embedded default: one file in the data directory, WAL, foreign keys on.
//!
//! The store's areas (`backend/`) are written once and compiled into this module and
//! its twin; `Db`, `BACKEND` and `dialect` are what they see of the database.

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

#[path = "backend/analytics.rs"]
mod analytics;
#[path = "backend/api.rs"]
mod api;
#[path = "backend/articles.rs"]
mod articles;
#[path = "backend/comments.rs"]
mod comments;
#[path = "backend/common.rs"]
mod common;
#[path = "backend/fronts.rs"]
mod fronts;
#[path = "backend/integrations.rs"]
mod integrations;
#[path = "backend/live.rs"]
mod live;
#[path = "backend/media.rs"]
mod media;
#[path = "backend/members.rs"]
mod members;
#[path = "backend/newsletters.rs"]
mod newsletters;
#[path = "backend/notifications.rs"]
mod notifications;
#[path = "backend/payments.rs"]
mod payments;
#[path = "backend/revenue.rs"]
mod revenue;
#[path = "backend/revisions.rs"]
mod revisions;
#[path = "backend/site.rs"]
mod site;
#[path = "backend/sponsors.rs"]
mod sponsors;
#[path = "backend/staff.rs"]
mod staff;
#[path = "backend/taxonomy.rs"]
mod taxonomy;
#[path = "backend/webhooks.rs"]
mod webhooks;

pub use common::Store;
