//! Sponsors and what they sponsor (see `masthead_core::sponsor`).

use super::common::*;
use super::dialect::ts;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::sponsor::{Sponsor, SponsorInput};
use masthead_core::{Error, Result};

/// A sponsor's columns, as `SponsorRow` reads them.
const SPONSOR_COLUMNS: &str = "id, name, url, logo_media_id, disclosure, label, created_at";

fn sponsor(row: SponsorRow) -> Result<Sponsor> {
    row.try_into()
}

#[async_trait]
impl masthead_core::store::SponsorStore for Store {
    async fn sponsors(&self) -> Result<Vec<Sponsor>> {
        let rows: Vec<SponsorRow> = sqlx::query_as(&format!(
            "SELECT {SPONSOR_COLUMNS} FROM sponsors ORDER BY name, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sponsors"))?;
        rows.into_iter().map(sponsor).collect()
    }

    async fn create_sponsor(&self, input: &SponsorInput, now: DateTime<Utc>) -> Result<Sponsor> {
        input.validate()?;
        let row: SponsorRow = sqlx::query_as(&format!(
            "INSERT INTO sponsors (name, url, logo_media_id, disclosure, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SPONSOR_COLUMNS}"
        ))
        .bind(input.name.trim())
        .bind(input.url.trim())
        .bind(input.logo.map(|m| m.0))
        .bind(input.disclosure.trim())
        .bind(input.label.as_str())
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("sponsor"))?;
        self.notify(Change::Site).await;
        sponsor(row)
    }

    async fn update_sponsor(&self, id: SponsorId, input: &SponsorInput) -> Result<Sponsor> {
        input.validate()?;
        let row: Option<SponsorRow> = sqlx::query_as(&format!(
            "UPDATE sponsors SET name = $2, url = $3, logo_media_id = $4, disclosure = $5, \
             label = $6 WHERE id = $1 RETURNING {SPONSOR_COLUMNS}"
        ))
        .bind(id.0)
        .bind(input.name.trim())
        .bind(input.url.trim())
        .bind(input.logo.map(|m| m.0))
        .bind(input.disclosure.trim())
        .bind(input.label.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("sponsor"))?;
        let row = row.ok_or_else(|| Error::not_found("sponsor"))?;
        self.notify(Change::Site).await;
        sponsor(row)
    }

    async fn delete_sponsor(&self, id: SponsorId) -> Result<()> {
        let gone = sqlx::query("DELETE FROM sponsors WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db_error("sponsor"))?
            .rows_affected();
        if gone == 0 {
            return Err(Error::not_found("sponsor"));
        }
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn sponsor_article(&self, article: ArticleId, sponsor: Option<SponsorId>) -> Result<()> {
        self.attach("articles", article.0, sponsor).await
    }

    async fn sponsor_section(&self, section: SectionId, sponsor: Option<SponsorId>) -> Result<()> {
        self.attach("sections", section.0, sponsor).await
    }

    async fn article_sponsor(&self, article: ArticleId) -> Result<Option<Sponsor>> {
        let row: Option<SponsorRow> = sqlx::query_as(&format!(
            "SELECT {SPONSOR_COLUMNS} FROM sponsors WHERE id = (\
               SELECT COALESCE(a.sponsor_id, s.sponsor_id) FROM articles a \
               LEFT JOIN sections s ON s.id = a.section_id WHERE a.id = $1)"
        ))
        .bind(article.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("sponsor"))?;
        row.map(sponsor).transpose()
    }

    async fn section_sponsor(&self, section: SectionId) -> Result<Option<Sponsor>> {
        let row: Option<SponsorRow> = sqlx::query_as(&format!(
            "SELECT {SPONSOR_COLUMNS} FROM sponsors \
             WHERE id = (SELECT sponsor_id FROM sections WHERE id = $1)"
        ))
        .bind(section.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("sponsor"))?;
        row.map(sponsor).transpose()
    }

    async fn sponsor_newsletter(&self, newsletter: &str, sponsor: Option<SponsorId>) -> Result<()> {
        let query = match sponsor {
            Some(sponsor) => sqlx::query(
                "INSERT INTO newsletter_sponsors (newsletter, sponsor_id) VALUES ($1, $2) \
                 ON CONFLICT (newsletter) DO UPDATE SET sponsor_id = excluded.sponsor_id",
            )
            .bind(newsletter)
            .bind(sponsor.0),
            None => sqlx::query("DELETE FROM newsletter_sponsors WHERE newsletter = $1")
                .bind(newsletter),
        };
        query
            .execute(&self.pool)
            .await
            .map_err(db_error("sponsor"))?;
        Ok(())
    }

    async fn newsletter_sponsor(&self, newsletter: &str) -> Result<Option<Sponsor>> {
        let row: Option<SponsorRow> = sqlx::query_as(&format!(
            "SELECT {SPONSOR_COLUMNS} FROM sponsors \
             WHERE id = (SELECT sponsor_id FROM newsletter_sponsors WHERE newsletter = $1)"
        ))
        .bind(newsletter)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("sponsor"))?;
        row.map(sponsor).transpose()
    }

    async fn sponsorships(&self) -> Result<Vec<(SponsorId, String, String)>> {
        let sections: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT sponsor_id, name, slug FROM sections WHERE sponsor_id IS NOT NULL \
             ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sponsorships"))?;
        let articles: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT a.sponsor_id, a.title, a.slug, s.slug FROM articles a \
             LEFT JOIN sections s ON s.id = a.section_id \
             WHERE a.sponsor_id IS NOT NULL ORDER BY a.title",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sponsorships"))?;
        let newsletters: Vec<(i64, String)> = sqlx::query_as(
            "SELECT sponsor_id, newsletter FROM newsletter_sponsors ORDER BY newsletter",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sponsorships"))?;
        Ok(sections
            .into_iter()
            .map(|(id, name, slug)| (SponsorId(id), name, format!("/{slug}/")))
            .chain(newsletters.into_iter().map(|(id, slug)| {
                let path = format!("/newsroom/newsletters/{slug}");
                (SponsorId(id), format!("The {slug} newsletter"), path)
            }))
            .chain(articles.into_iter().map(|(id, title, slug, section)| {
                let path = match section {
                    Some(section) => format!("/{section}/{slug}/"),
                    None => format!("/stories/{slug}/"),
                };
                (SponsorId(id), title, path)
            }))
            .collect())
    }
}

impl Store {
    /// Sets or clears the sponsor of row `id` of `table` (articles or sections).
    async fn attach(&self, table: &str, id: i64, sponsor: Option<SponsorId>) -> Result<()> {
        let done = sqlx::query(&format!("UPDATE {table} SET sponsor_id = $2 WHERE id = $1"))
            .bind(id)
            .bind(sponsor.map(|s| s.0))
            .execute(&self.pool)
            .await
            .map_err(db_error("sponsor"))?
            .rows_affected();
        if done == 0 {
            return Err(Error::not_found(table.trim_end_matches('s')));
        }
        self.notify(Change::Site).await;
        Ok(())
    }
}
