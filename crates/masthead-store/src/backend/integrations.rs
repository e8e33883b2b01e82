//! Integrations and their API keys (see `masthead_core::integration`).

use super::common::*;
use super::dialect::ts;
use crate::rows::db_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::auth::NewAuditEntry;
use masthead_core::ids::IntegrationId;
use masthead_core::integration::{Integration, Keys, NewIntegration};
use masthead_core::{Error, Result};

const COLUMNS: &str = "id, name, content_key, admin_key_id, admin_secret, rate_limit, \
     created_at, rotated_at, revoked_at";

#[derive(sqlx::FromRow)]
struct IntegrationRow {
    id: i64,
    name: String,
    content_key: String,
    admin_key_id: String,
    admin_secret: String,
    rate_limit: i64,
    created_at: DateTime<Utc>,
    rotated_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<IntegrationRow> for Integration {
    fn from(r: IntegrationRow) -> Self {
        Integration {
            id: IntegrationId(r.id),
            name: r.name,
            keys: Keys {
                content: r.content_key,
                admin_id: r.admin_key_id,
                admin_secret: r.admin_secret,
            },
            rate_limit: u32::try_from(r.rate_limit).unwrap_or(u32::MAX),
            created_at: r.created_at,
            rotated_at: r.rotated_at,
            revoked_at: r.revoked_at,
        }
    }
}

impl Store {
    async fn integration_where(&self, column: &str, value: &str) -> Result<Option<Integration>> {
        let row: Option<IntegrationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM integrations WHERE {column} = $1 AND revoked_at IS NULL"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("integration"))?;
        Ok(row.map(Into::into))
    }
}

#[async_trait]
impl masthead_core::store::IntegrationStore for Store {
    async fn create_integration(
        &self,
        integration: &NewIntegration,
        audit: &NewAuditEntry,
    ) -> Result<Integration> {
        integration.validate()?;
        let mut tx = self.begin().await?;
        let row: IntegrationRow = sqlx::query_as(&format!(
            "INSERT INTO integrations (name, content_key, admin_key_id, admin_secret, \
             rate_limit, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        ))
        .bind(&integration.name)
        .bind(&integration.keys.content)
        .bind(&integration.keys.admin_id)
        .bind(&integration.keys.admin_secret)
        .bind(i64::from(integration.rate_limit))
        .bind(ts(audit.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("integration"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(row.into())
    }

    async fn integrations(&self) -> Result<Vec<Integration>> {
        let rows: Vec<IntegrationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM integrations ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("integrations"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>> {
        let row: Option<IntegrationRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM integrations WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("integration"))?;
        Ok(row.map(Into::into))
    }

    async fn integration_by_content_key(&self, key: &str) -> Result<Option<Integration>> {
        self.integration_where("content_key", key).await
    }

    async fn integration_by_admin_id(&self, id: &str) -> Result<Option<Integration>> {
        self.integration_where("admin_key_id", id).await
    }

    async fn rotate_integration_keys(
        &self,
        id: IntegrationId,
        keys: &Keys,
        audit: &NewAuditEntry,
    ) -> Result<Integration> {
        let mut tx = self.begin().await?;
        let row: Option<IntegrationRow> = sqlx::query_as(&format!(
            "UPDATE integrations SET content_key = $1, admin_key_id = $2, admin_secret = $3, \
             rotated_at = $4 WHERE id = $5 AND revoked_at IS NULL RETURNING {COLUMNS}"
        ))
        .bind(&keys.content)
        .bind(&keys.admin_id)
        .bind(&keys.admin_secret)
        .bind(ts(audit.at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("integration"))?;
        let row = row.ok_or_else(|| Error::not_found("active integration"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(row.into())
    }

    async fn revoke_integration(
        &self,
        id: IntegrationId,
        audit: &NewAuditEntry,
    ) -> Result<Integration> {
        let mut tx = self.begin().await?;
        let row: Option<IntegrationRow> = sqlx::query_as(&format!(
            "UPDATE integrations SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 \
             RETURNING {COLUMNS}"
        ))
        .bind(ts(audit.at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("integration"))?;
        let row = row.ok_or_else(|| Error::not_found("integration"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(row.into())
    }
}
