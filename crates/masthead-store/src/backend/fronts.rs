//! Curated fronts (see `masthead_core::curation`).

use super::common::*;
use super::dialect::ts;
use crate::rows::db_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::article::ArticleSummary;
use masthead_core::change::Change;
use masthead_core::curation::{self, Front, Slot};
use masthead_core::ids::ArticleId;
use masthead_core::Result;

#[async_trait]
impl masthead_core::store::FrontStore for Store {
    async fn front_slots(&self, front: Front) -> Result<Vec<Slot>> {
        let rows: Vec<(i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT position, article_id, until FROM front_slots WHERE front = $1 \
             ORDER BY position",
        )
        .bind(front.key())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("front"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(position, article, until)| {
                Some(Slot {
                    position: usize::try_from(position).ok()?,
                    article: ArticleId(article),
                    until,
                })
            })
            .collect())
    }

    async fn front_stories(&self, front: Front) -> Result<(Vec<Slot>, Vec<ArticleSummary>)> {
        let slots = self.front_slots(front).await?;
        let ids: Vec<i64> = slots.iter().map(|s| s.article.0).collect();
        let stories = self.summaries_in_order(&ids).await?;
        Ok((slots, stories))
    }

    async fn set_front_slots(
        &self,
        front: Front,
        slots: &[Slot],
        now: DateTime<Utc>,
    ) -> Result<()> {
        curation::validate(slots, now)?;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM front_slots WHERE front = $1")
            .bind(front.key())
            .execute(&mut *tx)
            .await
            .map_err(db_error("front"))?;
        for slot in slots {
            sqlx::query(
                "INSERT INTO front_slots (front, position, article_id, until) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(front.key())
            .bind(i64::try_from(slot.position).unwrap_or(i64::MAX))
            .bind(slot.article.0)
            .bind(slot.until.map(ts))
            .execute(&mut *tx)
            .await
            .map_err(db_error("front"))?;
        }
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(())
    }
}
