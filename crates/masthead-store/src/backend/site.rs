//! The site as a whole: the database itself, publication settings, redirects and static pages.

use super::common::*;
use super::dialect::{self, ts};
use super::BACKEND;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::article::PathMove;
use masthead_core::auth::NewAuditEntry;
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::page::{PageContent, PageStatus, StaticPage};
use masthead_core::site::{Redirect, Settings};
use masthead_core::store::Counts;
use masthead_core::{Error, Result};

#[async_trait]
impl masthead_core::store::SiteStore for Store {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn subscribe(&self) -> masthead_core::change::ChangeReceiver {
        self.changes.subscribe()
    }

    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_error("health check"))?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM sections), \
             (SELECT COUNT(*) FROM tags), (SELECT COUNT(*) FROM people), \
             (SELECT COUNT(*) FROM members), (SELECT COUNT(*) FROM comments)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("counts"))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Counts {
            articles: n(row.0),
            sections: n(row.1),
            tags: n(row.2),
            people: n(row.3),
            members: n(row.4),
            comments: n(row.5),
        })
    }

    async fn analyze(&self) -> Result<()> {
        for statement in dialect::AFTER_BULK_LOAD {
            sqlx::query(statement)
                .execute(&self.pool)
                .await
                .map_err(db_error("analyze"))?;
        }
        Ok(())
    }

    async fn settings(&self) -> Result<Settings> {
        let doc: Option<String> = sqlx::query_scalar("SELECT document FROM settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("settings"))?;
        doc.map_or_else(|| Ok(Settings::default()), |d| json(&d))
    }

    async fn save_settings(&self, settings: &Settings) -> Result<()> {
        settings.validate()?;
        sqlx::query(
            "INSERT INTO settings (id, document) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET document = excluded.document",
        )
        .bind(to_json(settings)?)
        .execute(&self.pool)
        .await
        .map_err(db_error("settings"))?;
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn create_redirect(
        &self,
        from_path: &str,
        to_path: &str,
        status_code: u16,
    ) -> Result<Redirect> {
        if !matches!(status_code, 301 | 302 | 307 | 308) {
            return Err(Error::invalid("status_code", "use 301, 302, 307 or 308"));
        }
        if !from_path.starts_with('/') || from_path == to_path {
            return Err(Error::invalid(
                "from_path",
                "give a path starting with / that differs from the target",
            ));
        }
        let row: RedirectRow = sqlx::query_as(
            "INSERT INTO redirects (from_path, to_path, status_code, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, from_path, to_path, status_code, created_at",
        )
        .bind(from_path)
        .bind(to_path)
        .bind(i64::from(status_code))
        .bind(ts(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("redirect"))?;
        Ok(row.into())
    }

    async fn redirect_for(&self, path: &str) -> Result<Option<Redirect>> {
        let row: Option<RedirectRow> = sqlx::query_as(
            "SELECT id, from_path, to_path, status_code, created_at FROM redirects WHERE from_path = $1",
        )
        .bind(path)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("redirect"))?;
        Ok(row.map(Into::into))
    }

    async fn create_page(
        &self,
        page: &PageContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<StaticPage> {
        let page = page.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "sections", &page.slug).await?;
        let row: PageRow = sqlx::query_as(&format!(
            "INSERT INTO pages (slug, title, description, body_markdown, body_html, status, position, in_footer, created_at, updated_at, body_document) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING {}",
            PAGE_COLUMNS.trim_end_matches(" FROM pages")
        ))
        .bind(&page.slug)
        .bind(page.title.trim())
        .bind(&page.description)
        .bind(page.body.to_markdown())
        .bind(body_html)
        .bind(page.status.as_str())
        .bind(i64::from(page.position))
        .bind(page.in_footer)
        .bind(ts(at))
        .bind(page.body.to_json())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("page"))?;
        commit(tx).await?;
        // Pages are listed in every page's footer.
        self.notify(Change::Site).await;
        row.try_into()
    }

    async fn update_page(
        &self,
        id: PageId,
        page: &PageContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<StaticPage> {
        let page = page.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "sections", &page.slug).await?;
        let before: Option<(String, String)> =
            sqlx::query_as("SELECT slug, status FROM pages WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("page"))?;
        // A published page's address has been shared: a new one leaves a redirect.
        if let Some((slug, status)) = before {
            if slug != page.slug && status == PageStatus::Published.as_str() {
                let moved = PathMove {
                    from: format!("/{slug}/"),
                    to: format!("/{}/", page.slug),
                };
                record_move(&mut tx, &moved, at).await?;
            }
        }
        let row: Option<PageRow> = sqlx::query_as(&format!(
            "UPDATE pages SET slug = $2, title = $3, description = $4, body_markdown = $5, body_html = $6, \
             status = $7, position = $8, in_footer = $9, updated_at = $10, body_document = $11 \
             WHERE id = $1 RETURNING {}",
            PAGE_COLUMNS.trim_end_matches(" FROM pages")
        ))
        .bind(id.0)
        .bind(&page.slug)
        .bind(page.title.trim())
        .bind(&page.description)
        .bind(page.body.to_markdown())
        .bind(body_html)
        .bind(page.status.as_str())
        .bind(i64::from(page.position))
        .bind(page.in_footer)
        .bind(ts(at))
        .bind(page.body.to_json())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("page"))?;
        let row = row.ok_or_else(|| Error::not_found(format!("page {id}")))?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        row.try_into()
    }

    async fn delete_page(&self, id: PageId, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        let gone = sqlx::query("DELETE FROM pages WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("page"))?
            .rows_affected();
        if gone == 0 {
            return Err(Error::not_found(format!("page {id}")));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn page_by_slug(&self, slug: &str) -> Result<Option<StaticPage>> {
        let row: Option<PageRow> =
            sqlx::query_as(&format!("SELECT {PAGE_COLUMNS} WHERE slug = $1"))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("page"))?;
        row.map(StaticPage::try_from).transpose()
    }

    async fn static_pages(&self, published_only: bool) -> Result<Vec<StaticPage>> {
        let filter = if published_only {
            " WHERE status = 'published'"
        } else {
            ""
        };
        let rows: Vec<PageRow> = sqlx::query_as(&format!(
            "SELECT {PAGE_COLUMNS}{filter} ORDER BY position, title, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("pages"))?;
        rows.into_iter().map(StaticPage::try_from).collect()
    }
}
