//! Audience figures (`masthead_core::analytics`): counts per day, summed over days.

use super::common::*;
use crate::rows::*;
use async_trait::async_trait;
use chrono::NaiveDate;
use masthead_core::article::ArticleSummary;
use masthead_core::ids::ArticleId;
use masthead_core::Result;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn counts(rows: Vec<(String, i64)>) -> Vec<(String, u64)> {
    rows.into_iter().map(|(k, n)| (k, count(n))).collect()
}

impl Store {
    /// Adds `counts` of `day` to `table`'s (`day`, `key_column`, `count_column`).
    async fn add_day_counts(
        &self,
        table: &str,
        key_column: &str,
        count_column: &str,
        day: NaiveDate,
        counts: &[(String, u64)],
    ) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (key, n) in counts {
            sqlx::query(&format!(
                "INSERT INTO {table} (day, {key_column}, {count_column}) VALUES ($1, $2, $3) \
                 ON CONFLICT (day, {key_column}) DO UPDATE SET {count_column} = {table}.{count_column} + excluded.{count_column}"
            ))
            .bind(day)
            .bind(key)
            .bind(i64::try_from(*n).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db_error("audience figures"))?;
        }
        commit(tx).await
    }

    /// The keys of `table` with the most counted from `from` to `to`.
    async fn top_day_counts(
        &self,
        table: &str,
        key_column: &str,
        count_column: &str,
        (from, to): (NaiveDate, NaiveDate),
        limit: u32,
    ) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT {key_column}, CAST(SUM({count_column}) AS BIGINT) AS n FROM {table} \
             WHERE day >= $1 AND day <= $2 GROUP BY {key_column} \
             ORDER BY n DESC, {key_column} LIMIT $3"
        ))
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("audience figures"))?;
        Ok(counts(rows))
    }
}

#[async_trait]
impl masthead_core::store::AnalyticsStore for Store {
    async fn daily_views(
        &self,
        article: Option<ArticleId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u64)>> {
        let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(
            "SELECT day, CAST(SUM(views) AS BIGINT) FROM article_views \
             WHERE day >= $1 AND day <= $2 AND ($3 IS NULL OR article_id = $3) \
             GROUP BY day ORDER BY day",
        )
        .bind(from)
        .bind(to)
        .bind(article.map(|a| a.0))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("daily views"))?;
        Ok(rows.into_iter().map(|(d, n)| (d, count(n))).collect())
    }

    async fn top_articles(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(ArticleSummary, u64)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT article_id, CAST(SUM(views) AS BIGINT) AS n FROM article_views \
             WHERE day >= $1 AND day <= $2 GROUP BY article_id \
             ORDER BY n DESC, article_id DESC LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("top articles"))?;
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        let summaries = self.summaries_in_order(&ids).await?;
        Ok(summaries
            .into_iter()
            .filter_map(|s| {
                let n = rows.iter().find(|(id, _)| *id == s.id.0)?.1;
                Some((s, count(n)))
            })
            .collect())
    }

    async fn views_by_section(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT s.name, CAST(SUM(v.views) AS BIGINT) AS n FROM article_views v \
             JOIN articles a ON a.id = v.article_id LEFT JOIN sections s ON s.id = a.section_id \
             WHERE v.day >= $1 AND v.day <= $2 GROUP BY s.name ORDER BY n DESC, s.name",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("views by section"))?;
        Ok(rows
            .into_iter()
            .map(|(name, n)| (name.unwrap_or_else(|| "No section".to_owned()), count(n)))
            .collect())
    }

    async fn views_by_author(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT p.name, CAST(SUM(v.views) AS BIGINT) AS n FROM article_views v \
             JOIN article_credits c ON c.article_id = v.article_id AND c.kind = 'author' \
             JOIN people p ON p.id = c.person_id \
             WHERE v.day >= $1 AND v.day <= $2 GROUP BY p.id, p.name ORDER BY n DESC, p.name LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("views by author"))?;
        Ok(counts(rows))
    }

    async fn record_referrers(&self, day: NaiveDate, counts: &[(String, u64)]) -> Result<()> {
        self.add_day_counts("referrer_views", "domain", "views", day, counts)
            .await
    }

    async fn top_referrers(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>> {
        self.top_day_counts("referrer_views", "domain", "views", (from, to), limit)
            .await
    }

    async fn record_searches(&self, day: NaiveDate, counts: &[(String, u64)]) -> Result<()> {
        self.add_day_counts("search_counts", "term", "searches", day, counts)
            .await
    }

    async fn top_searches(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>> {
        self.top_day_counts("search_counts", "term", "searches", (from, to), limit)
            .await
    }
}
