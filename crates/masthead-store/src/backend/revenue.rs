//! Tiers and offers (see `masthead_core::tier`).

use super::common::*;
use super::dialect::{ts, FOR_UPDATE};
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::tier::{Discount, Offer, OfferDuration, OfferInput, Tier, TierInput, FREE};
use masthead_core::{Error, Result};

/// A tier's columns, as `TierRow` reads them.
const TIER_COLUMNS: &str = "id, slug, name, description, paid, currency, monthly_price, \
     yearly_price, trial_days, benefits, public, archived, created_at, updated_at";

/// An offer's columns, as `OfferRow` reads them.
const OFFER_COLUMNS: &str = "id, code, name, tier_id, cadence, discount_kind, discount, \
     duration, duration_months, archived, created_at";

fn tier(row: TierRow) -> Result<Tier> {
    row.try_into()
}

/// An offer's discount and duration as their columns keep them.
fn offer_columns(offer: &OfferInput) -> (&'static str, i64, &'static str, i32) {
    let (kind, amount) = match offer.discount {
        Discount::Percent(p) => ("percent", i64::from(p)),
        Discount::Fixed(amount) => ("fixed", amount),
    };
    let (duration, months) = match offer.duration {
        OfferDuration::Once => ("once", 0),
        OfferDuration::Months(m) => ("months", i32::try_from(m).unwrap_or(i32::MAX)),
        OfferDuration::Forever => ("forever", 0),
    };
    (kind, amount, duration, months)
}

#[async_trait]
impl masthead_core::store::RevenueStore for Store {
    async fn tiers(&self, archived_too: bool) -> Result<Vec<Tier>> {
        let rows: Vec<TierRow> = sqlx::query_as(&format!(
            "SELECT {TIER_COLUMNS} FROM tiers WHERE archived = FALSE OR $1 \
             ORDER BY paid, monthly_price, name, id"
        ))
        .bind(archived_too)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("tiers"))?;
        rows.into_iter().map(tier).collect()
    }

    async fn tier(&self, id: TierId) -> Result<Option<Tier>> {
        let row: Option<TierRow> =
            sqlx::query_as(&format!("SELECT {TIER_COLUMNS} FROM tiers WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("tier"))?;
        row.map(tier).transpose()
    }

    async fn tier_by_slug(&self, slug: &str) -> Result<Option<Tier>> {
        let row: Option<TierRow> =
            sqlx::query_as(&format!("SELECT {TIER_COLUMNS} FROM tiers WHERE slug = $1"))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("tier"))?;
        row.map(tier).transpose()
    }

    async fn create_tier(&self, input: &TierInput, now: DateTime<Utc>) -> Result<Tier> {
        input.validate()?;
        if !input.paid {
            return Err(Error::invalid(
                "paid",
                "there is one free tier: make a paid tier",
            ));
        }
        let row: TierRow = sqlx::query_as(&format!(
            "INSERT INTO tiers (slug, name, description, paid, currency, monthly_price, \
             yearly_price, trial_days, benefits, public, archived, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $11) \
             RETURNING {TIER_COLUMNS}"
        ))
        .bind(&input.slug)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(input.paid)
        .bind(&input.currency)
        .bind(input.monthly_price)
        .bind(input.yearly_price)
        .bind(i32::try_from(input.trial_days).unwrap_or(i32::MAX))
        .bind(to_json(&trimmed(&input.benefits))?)
        .bind(input.public)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("tier"))?;
        self.notify(Change::Site).await;
        tier(row)
    }

    async fn update_tier(&self, id: TierId, input: &TierInput, now: DateTime<Utc>) -> Result<Tier> {
        input.validate()?;
        let mut tx = self.begin().await?;
        let current: Option<TierRow> = sqlx::query_as(&format!(
            "SELECT {TIER_COLUMNS} FROM tiers WHERE id = $1{FOR_UPDATE}"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("tier"))?;
        let current = tier(current.ok_or_else(|| Error::not_found("tier"))?)?;
        input.may_replace(&current)?;
        let row: TierRow = sqlx::query_as(&format!(
            "UPDATE tiers SET slug = $2, name = $3, description = $4, currency = $5, \
             monthly_price = $6, yearly_price = $7, trial_days = $8, benefits = $9, \
             public = $10, updated_at = $11 WHERE id = $1 RETURNING {TIER_COLUMNS}"
        ))
        .bind(id.0)
        .bind(&input.slug)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(&input.currency)
        .bind(input.monthly_price)
        .bind(input.yearly_price)
        .bind(i32::try_from(input.trial_days).unwrap_or(i32::MAX))
        .bind(to_json(&trimmed(&input.benefits))?)
        // The free tier is always offered.
        .bind(input.public || current.slug == FREE)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("tier"))?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        tier(row)
    }

    async fn archive_tier(&self, id: TierId, archived: bool, now: DateTime<Utc>) -> Result<()> {
        let current = self
            .tier(id)
            .await?
            .ok_or_else(|| Error::not_found("tier"))?;
        if current.slug == FREE && archived {
            return Err(Error::invalid("tier", "the free tier is always offered"));
        }
        sqlx::query("UPDATE tiers SET archived = $2, updated_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(archived)
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db_error("tier"))?;
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn offers(&self, archived_too: bool) -> Result<Vec<Offer>> {
        let rows: Vec<OfferRow> = sqlx::query_as(&format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE archived = FALSE OR $1 \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(archived_too)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("offers"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn offer_by_code(&self, code: &str) -> Result<Option<Offer>> {
        let row: Option<OfferRow> = sqlx::query_as(&format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("offer"))?;
        row.map(TryInto::try_into).transpose()
    }

    async fn create_offer(&self, input: &OfferInput, now: DateTime<Utc>) -> Result<Offer> {
        let tier = self
            .tier(input.tier)
            .await?
            .ok_or_else(|| Error::invalid("tier", "choose one of the tiers"))?;
        input.validate(&tier)?;
        let (kind, amount, duration, months) = offer_columns(input);
        let row: OfferRow = sqlx::query_as(&format!(
            "INSERT INTO offers (code, name, tier_id, cadence, discount_kind, discount, \
             duration, duration_months, archived, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9) RETURNING {OFFER_COLUMNS}"
        ))
        .bind(&input.code)
        .bind(input.name.trim())
        .bind(input.tier.0)
        .bind(input.cadence.as_str())
        .bind(kind)
        .bind(amount)
        .bind(duration)
        .bind(months)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("offer"))?;
        self.notify(Change::Site).await;
        row.try_into()
    }

    async fn archive_offer(&self, id: OfferId, archived: bool) -> Result<()> {
        let done = sqlx::query("UPDATE offers SET archived = $2 WHERE id = $1")
            .bind(id.0)
            .bind(archived)
            .execute(&self.pool)
            .await
            .map_err(db_error("offer"))?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("offer"));
        }
        self.notify(Change::Site).await;
        Ok(())
    }
}

/// Benefits as stored: each trimmed.
fn trimmed(benefits: &[String]) -> Vec<&str> {
    benefits.iter().map(|b| b.trim()).collect()
}
