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

impl Store {
    /// Makes this store one node among several on its database: their writes reach
    /// this node's change notices, and this node's reach theirs (see `relay`).
    pub async fn join_cluster(mut self) -> masthead_core::Result<Self> {
        let cluster = crate::relay::Cluster::join(self.pool.clone(), self.changes.clone()).await?;
        self.cluster = Some(std::sync::Arc::new(cluster));
        Ok(self)
    }

    /// How many times this node had to listen again after losing the connection.
    pub fn cluster_reconnects(&self) -> u64 {
        self.cluster.as_ref().map_or(0, |c| c.reconnects())
    }

    /// The channel this node talks to the others on, once it joined them.
    pub fn cluster_channel(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.channel())
    }
}
