//! Sections and tags.

use super::common::*;
use super::dialect::{self, ts};
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::Utc;
use masthead_core::article::PathMove;
use masthead_core::auth::NewAuditEntry;
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::taxonomy::{NewSection, Section, Tag, TagEdit};
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

#[async_trait]
impl masthead_core::store::TaxonomyStore for Store {
    async fn create_section(&self, section: &NewSection) -> Result<Section> {
        let section = section.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "pages", &section.slug).await?;
        let row: SectionRow = sqlx::query_as(
            "INSERT INTO sections (slug, name, description, position, in_navigation, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, slug, name, description, position, in_navigation",
        )
        .bind(&section.slug)
        .bind(section.name.trim())
        .bind(&section.description)
        .bind(section.position)
        .bind(section.in_navigation)
        .bind(ts(Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(row.into())
    }

    async fn sections(&self) -> Result<Vec<Section>> {
        let rows: Vec<SectionRow> = sqlx::query_as(
            "SELECT id, slug, name, description, position, in_navigation FROM sections ORDER BY position, name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sections"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        let row: Option<SectionRow> = sqlx::query_as(
            "SELECT id, slug, name, description, position, in_navigation FROM sections WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("section"))?;
        Ok(row.map(Into::into))
    }

    async fn ensure_tags(&self, names: &[String]) -> Result<Vec<Tag>> {
        let mut tx = self.begin().await?;
        let tags = ensure_tags(&mut tx, names, Utc::now()).await?;
        commit(tx).await?;
        Ok(tags)
    }

    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        let row: Option<TagRow> =
            sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("tag"))?;
        Ok(row.map(Into::into))
    }

    async fn tags_by_slugs(&self, slugs: &[String]) -> Result<Vec<Tag>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<Db>::new("SELECT id, slug, name, description FROM tags WHERE slug IN (");
        let mut list = qb.separated(", ");
        for slug in slugs {
            list.push_bind(slug);
        }
        qb.push(")");
        let rows: Vec<TagRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("tags"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn tags(&self) -> Result<Vec<Tag>> {
        let rows: Vec<TagRow> =
            sqlx::query_as("SELECT id, slug, name, description FROM tags ORDER BY name, id")
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("tags"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn update_section(&self, id: SectionId, section: &NewSection) -> Result<Section> {
        let section = section.clone().prepare()?;
        let mut tx = self.begin().await?;
        let before: Option<SectionRow> = sqlx::query_as(&format!(
            "SELECT id, slug, name, description, position, in_navigation FROM sections WHERE id = $1{}",
            dialect::FOR_UPDATE
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        let Some(before) = before else {
            return Err(Error::not_found(format!("section {}", id.0)));
        };
        let moved = before.slug != section.slug;
        if moved {
            top_level_slug_free(&mut tx, "pages", &section.slug).await?;
        }
        let row: SectionRow = sqlx::query_as(
            "UPDATE sections SET slug = $2, name = $3, description = $4, position = $5, \
             in_navigation = $6 WHERE id = $1 \
             RETURNING id, slug, name, description, position, in_navigation",
        )
        .bind(id.0)
        .bind(&section.slug)
        .bind(section.name.trim())
        .bind(section.description.trim())
        .bind(section.position)
        .bind(section.in_navigation)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        if moved {
            let now = Utc::now();
            let slugs: Vec<String> = sqlx::query_scalar(
                "SELECT slug FROM articles WHERE section_id = $1 AND status = 'published'",
            )
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error("articles"))?;
            let section_move = PathMove {
                from: format!("/{}/", before.slug),
                to: format!("/{}/", section.slug),
            };
            record_move(&mut tx, &section_move, now).await?;
            for slug in slugs {
                let moved = PathMove {
                    from: masthead_core::article::article_path(Some(&before.slug), &slug),
                    to: masthead_core::article::article_path(Some(&section.slug), &slug),
                };
                record_move(&mut tx, &moved, now).await?;
            }
        }
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(row.into())
    }

    async fn update_tag(&self, id: TagId, tag: &TagEdit) -> Result<Tag> {
        let tag = tag.clone().prepare()?;
        let mut tx = self.begin().await?;
        let before: Option<String> = sqlx::query_scalar("SELECT slug FROM tags WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error("tag"))?;
        let Some(before) = before else {
            return Err(Error::not_found(format!("tag {}", id.0)));
        };
        let same_name: Option<i64> =
            sqlx::query_scalar("SELECT id FROM tags WHERE LOWER(name) = LOWER($1) AND id <> $2")
                .bind(&tag.name)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("tag"))?;
        if same_name.is_some() {
            return Err(Error::conflict(format!(
                "another tag is called {:?}: merge into it instead",
                tag.name
            )));
        }
        let row: TagRow = sqlx::query_as(
            "UPDATE tags SET slug = $2, name = $3, description = $4 WHERE id = $1 \
             RETURNING id, slug, name, description",
        )
        .bind(id.0)
        .bind(&tag.slug)
        .bind(&tag.name)
        .bind(tag.description.trim())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_error("tag")(e) {
            Error::Conflict(_) => Error::conflict(format!(
                "another tag has the address /tag/{}/: merge into it instead",
                tag.slug
            )),
            other => other,
        })?;
        if before != tag.slug {
            let moved = PathMove {
                from: format!("/tag/{before}/"),
                to: format!("/tag/{}/", tag.slug),
            };
            record_move(&mut tx, &moved, Utc::now()).await?;
        }
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(row.into())
    }

    async fn merge_tags(&self, from: TagId, into: TagId) -> Result<Tag> {
        if from == into {
            return Err(Error::invalid("into", "a tag cannot be merged into itself"));
        }
        let mut tx = self.begin().await?;
        let mut slugs = Vec::new();
        for id in [from, into] {
            let slug: Option<String> = sqlx::query_scalar("SELECT slug FROM tags WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("tag"))?;
            slugs.push(slug.ok_or_else(|| Error::not_found(format!("tag {}", id.0)))?);
        }
        // Articles with both keep one; the others take the surviving tag in place.
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id, position, status, published_at) \
             SELECT article_id, $2, position, status, published_at FROM article_tags x \
             WHERE x.tag_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM article_tags y WHERE y.article_id = x.article_id AND y.tag_id = $2)",
        )
        .bind(from.0)
        .bind(into.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article tags"))?;
        sqlx::query("DELETE FROM tags WHERE id = $1")
            .bind(from.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("tag"))?;
        sqlx::query(
            "DELETE FROM article_counts WHERE scope = 'tag' AND (scope_id = $1 OR scope_id = $2)",
        )
        .bind(from.0)
        .bind(into.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article counts"))?;
        sqlx::query(
            "INSERT INTO article_counts (scope, scope_id, status, n) \
             SELECT 'tag', x.tag_id, a.status, COUNT(*) FROM article_tags x \
             JOIN articles a ON a.id = x.article_id WHERE x.tag_id = $1 GROUP BY x.tag_id, a.status",
        )
        .bind(into.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article counts"))?;
        let moved = PathMove {
            from: format!("/tag/{}/", slugs[0]),
            to: format!("/tag/{}/", slugs[1]),
        };
        record_move(&mut tx, &moved, Utc::now()).await?;
        let row: TagRow =
            sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE id = $1")
                .bind(into.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error("tag"))?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(row.into())
    }

    async fn delete_tag(&self, id: TagId, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        // Its links and counts go with it (foreign keys are not enforced on every
        // SQLite).
        sqlx::query("DELETE FROM article_tags WHERE tag_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article tags"))?;
        sqlx::query("DELETE FROM article_counts WHERE scope = 'tag' AND scope_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article counts"))?;
        let gone = sqlx::query("DELETE FROM tags WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("tag"))?
            .rows_affected();
        if gone == 0 {
            return Err(Error::not_found(format!("tag {}", id.0)));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn tags_matching(&self, words: &str, limit: u32) -> Result<Vec<Tag>> {
        let rows: Vec<TagRow> = sqlx::query_as(
            "SELECT id, slug, name, description FROM tags WHERE LOWER(name) LIKE $1 ESCAPE '\\' \
             ORDER BY name, id LIMIT $2",
        )
        .bind(contains_pattern(words))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("tags"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn tag_usage(&self) -> Result<Vec<(Tag, u64)>> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT t.id, t.slug, t.name, t.description, \
             CAST((SELECT COUNT(*) FROM article_tags x WHERE x.tag_id = t.id \
             AND x.status <> 'deleted') AS BIGINT) \
             FROM tags t ORDER BY t.name, t.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("tags"))?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, name, description, n)| {
                let tag = TagRow {
                    id,
                    slug,
                    name,
                    description,
                }
                .into();
                (tag, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }
}
