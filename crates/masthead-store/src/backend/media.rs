//! The media library.

use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::Utc;
use masthead_core::auth::NewAuditEntry;
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::media::{Media, MediaVariant, NewMedia};
use masthead_core::store::{Page, PageRequest};
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

#[async_trait]
impl masthead_core::store::MediaStore for Store {
    async fn create_media(&self, media: &NewMedia) -> Result<Media> {
        let mut tx = self.begin().await?;
        let row: MediaRow = sqlx::query_as(&format!(
            "INSERT INTO media (storage_key, mime_type, width, height, byte_size, alt, caption, credit, \
             created_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {}",
            MEDIA_COLUMNS.trim_end_matches(" FROM media")
        ))
        .bind(&media.storage_key)
        .bind(&media.mime_type)
        .bind(media.width.map(i64::from))
        .bind(media.height.map(i64::from))
        .bind(i64::try_from(media.byte_size).unwrap_or(i64::MAX))
        .bind(&media.alt)
        .bind(&media.caption)
        .bind(&media.credit)
        .bind(ts(Utc::now()))
        .bind(media.uploaded_by.map(|p| p.0))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("media"))?;
        for v in &media.variants {
            sqlx::query(
                "INSERT INTO media_variants (media_id, width, height, mime_type, storage_key, byte_size) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(i64::from(v.width))
            .bind(i64::from(v.height))
            .bind(&v.mime_type)
            .bind(&v.storage_key)
            .bind(i64::try_from(v.byte_size).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db_error("media variant"))?;
        }
        commit(tx).await?;
        let mut created = Media::from(row);
        created.variants = media.variants.clone();
        created
            .variants
            .sort_by(|a, b| (a.width, &a.mime_type).cmp(&(b.width, &b.mime_type)));
        Ok(created)
    }

    async fn media(&self, id: MediaId) -> Result<Option<Media>> {
        Ok(self.media_many(&[id]).await?.pop())
    }

    async fn media_many(&self, ids: &[MediaId]) -> Result<Vec<Media>> {
        self.media_where("m.id", ids.iter().map(|id| id.0)).await
    }

    async fn media_by_keys(&self, keys: &[String]) -> Result<Vec<Media>> {
        self.media_where("m.storage_key", keys.iter().map(String::as_str))
            .await
    }

    async fn add_media_variant(&self, media: MediaId, v: &MediaVariant) -> Result<()> {
        let added = sqlx::query(
            "INSERT INTO media_variants (media_id, width, height, mime_type, storage_key, byte_size) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (media_id, width, mime_type) DO NOTHING",
        )
        .bind(media.0)
        .bind(i64::from(v.width))
        .bind(i64::from(v.height))
        .bind(&v.mime_type)
        .bind(&v.storage_key)
        .bind(i64::try_from(v.byte_size).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await
        .map_err(db_error("media variant"))?;
        if added.rows_affected() > 0 {
            self.notify(Change::Media { id: media }).await;
        }
        Ok(())
    }

    async fn media_library(&self, search: &str, page: PageRequest) -> Result<Page<Media>> {
        let pattern = contains_pattern(search);
        let filter = "WHERE $1 = '%%' OR LOWER(alt) LIKE $1 ESCAPE '\\' OR LOWER(caption) LIKE $1 ESCAPE '\\' \
                      OR LOWER(credit) LIKE $1 ESCAPE '\\'";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM media {filter}"))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("media"))?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM media {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("media"))?;
        let ids: Vec<MediaId> = ids.into_iter().map(MediaId).collect();
        let mut items = self.media_many(&ids).await?;
        items.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn update_media_text(
        &self,
        id: MediaId,
        alt: &str,
        caption: &str,
        credit: &str,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE media SET alt = $2, caption = $3, credit = $4 WHERE id = $1")
                .bind(id.0)
                .bind(alt.trim())
                .bind(caption.trim())
                .bind(credit.trim())
                .execute(&mut *tx)
                .await
                .map_err(db_error("media"))?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(format!("media {id}")));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }
}

impl Store {
    /// The media whose `column` is one of `values`, each with its variants, in one query
    /// (each media row comes once per variant, or once with none).
    async fn media_where<'v, T>(
        &self,
        column: &str,
        values: impl ExactSizeIterator<Item = T>,
    ) -> Result<Vec<Media>>
    where
        T: 'v + sqlx::Encode<'v, Db> + sqlx::Type<Db> + Send,
    {
        if values.len() == 0 {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<Db>::new(format!("SELECT {MEDIA_WITH_VARIANTS} WHERE {column} IN ("));
        let mut list = qb.separated(", ");
        for value in values {
            list.push_bind(value);
        }
        qb.push(") ORDER BY m.id, v.width, v.mime_type");
        let rows: Vec<MediaVariantRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("media"))?;
        let mut media: Vec<Media> = Vec::new();
        for row in rows {
            let variant = row.variant();
            if media.last().is_none_or(|m| m.id.0 != row.media.id) {
                media.push(row.media.into());
            }
            if let (Some(m), Some(v)) = (media.last_mut(), variant) {
                m.variants.push(v);
            }
        }
        Ok(media)
    }
}
