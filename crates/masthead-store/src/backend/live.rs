//! Live coverage (see `masthead_core::live`): a live article's entries.

use super::common::*;
use super::dialect::ts;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::live::{EntryContent, LiveEntry};
use masthead_core::{Error, Result};

/// An entry's columns, as `LiveEntryRow` reads them.
const ENTRY_COLUMNS: &str = "id, article_id, headline, body_document, body_html, author_id, \
     author_name, pinned, posted_at, updated_at";

fn entry(row: LiveEntryRow) -> LiveEntry {
    row.into()
}

impl Store {
    /// Tells the caches that `entry`'s article changed, and hands the entry back.
    async fn changed(&self, entry: LiveEntry) -> LiveEntry {
        self.notify(Change::Live {
            article: entry.article,
        })
        .await;
        entry
    }
}

#[async_trait]
impl masthead_core::store::LiveStore for Store {
    async fn post_live_entry(
        &self,
        article: ArticleId,
        content: &EntryContent,
        body_html: &str,
        (author, author_name): (PersonId, &str),
        at: DateTime<Utc>,
    ) -> Result<LiveEntry> {
        content.validate()?;
        let row: LiveEntryRow = sqlx::query_as(&format!(
            "INSERT INTO live_entries (article_id, headline, body_document, body_html, \
             author_id, author_name, pinned, posted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(article.0)
        .bind(content.headline.trim())
        .bind(content.body.to_json())
        .bind(body_html)
        .bind(author.0)
        .bind(author_name)
        .bind(ts(at))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("live entry"))?;
        Ok(self.changed(entry(row)).await)
    }

    async fn edit_live_entry(
        &self,
        id: LiveEntryId,
        content: &EntryContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<LiveEntry> {
        content.validate()?;
        let row: Option<LiveEntryRow> = sqlx::query_as(&format!(
            "UPDATE live_entries SET headline = $2, body_document = $3, body_html = $4, \
             updated_at = $5 WHERE id = $1 RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(id.0)
        .bind(content.headline.trim())
        .bind(content.body.to_json())
        .bind(body_html)
        .bind(ts(at))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("live entry"))?;
        let row = row.ok_or_else(|| Error::not_found("live entry"))?;
        Ok(self.changed(entry(row)).await)
    }

    async fn pin_live_entry(&self, id: LiveEntryId, pinned: bool) -> Result<LiveEntry> {
        let row: Option<LiveEntryRow> = sqlx::query_as(&format!(
            "UPDATE live_entries SET pinned = $2 WHERE id = $1 RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(id.0)
        .bind(pinned)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("live entry"))?;
        let row = row.ok_or_else(|| Error::not_found("live entry"))?;
        Ok(self.changed(entry(row)).await)
    }

    async fn delete_live_entry(&self, id: LiveEntryId) -> Result<()> {
        let article: Option<(i64,)> =
            sqlx::query_as("DELETE FROM live_entries WHERE id = $1 RETURNING article_id")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("live entry"))?;
        let (article,) = article.ok_or_else(|| Error::not_found("live entry"))?;
        self.notify(Change::Live {
            article: ArticleId(article),
        })
        .await;
        Ok(())
    }

    async fn live_entry(&self, id: LiveEntryId) -> Result<Option<LiveEntry>> {
        let row: Option<LiveEntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("live entry"))?;
        Ok(row.map(entry))
    }

    async fn live_entries(&self, article: ArticleId, limit: u32) -> Result<Vec<LiveEntry>> {
        let rows: Vec<LiveEntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries WHERE article_id = $1 \
             ORDER BY pinned DESC, posted_at DESC, id DESC LIMIT $2"
        ))
        .bind(article.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("live entries"))?;
        Ok(rows.into_iter().map(entry).collect())
    }

    async fn end_live_coverage(&self, article: ArticleId, at: Option<DateTime<Utc>>) -> Result<()> {
        let changed = sqlx::query("UPDATE articles SET live_ended_at = $2 WHERE id = $1")
            .bind(article.0)
            .bind(at.map(ts))
            .execute(&self.pool)
            .await
            .map_err(db_error("live coverage"))?
            .rows_affected();
        if changed == 0 {
            return Err(Error::not_found("article"));
        }
        self.notify(Change::Live { article }).await;
        Ok(())
    }

    async fn live_coverage_ended(&self, article: ArticleId) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(Option<DateTime<Utc>>,)> =
            sqlx::query_as("SELECT live_ended_at FROM articles WHERE id = $1")
                .bind(article.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("live coverage"))?;
        Ok(row.and_then(|(at,)| at))
    }
}
