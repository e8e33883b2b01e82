//! Webhooks and the queue of their deliveries (see `masthead_core::webhook`).

use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::{db_error, word};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::auth::NewAuditEntry;
use masthead_core::ids::IntegrationId;
use masthead_core::store::{Page, PageRequest};
use masthead_core::webhook::{Delivery, Event, LoggedDelivery, NewWebhook, Outcome, Webhook};
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

const COLUMNS: &str = "w.id, w.integration_id, w.event, w.target_url, w.secret";

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: i64,
    integration_id: i64,
    event: String,
    target_url: String,
    secret: String,
}

impl WebhookRow {
    fn into_webhook(self) -> Result<Webhook> {
        Ok(Webhook {
            id: self.id,
            integration: IntegrationId(self.integration_id),
            event: word(&self.event)?,
            target_url: self.target_url,
            secret: self.secret,
        })
    }
}

/// A delivery with its webhook (`d` joined with `w`).
#[derive(sqlx::FromRow)]
struct DeliveryRow {
    #[sqlx(flatten)]
    webhook: WebhookRow,
    delivery_id: i64,
    delivery_event: String,
    subject_id: i64,
    created_at: DateTime<Utc>,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: i64,
    integration: String,
    event: String,
    target_url: String,
    subject_id: i64,
    created_at: DateTime<Utc>,
    state: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: String,
    sent_at: Option<DateTime<Utc>>,
}

fn attempts(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Queues a delivery of `event` about `subject` for every webhook of an active
/// integration listening for it, on `conn` (inside the change's own transaction when
/// there is one: `write_trail`); how many.
pub(super) async fn queue_in(
    conn: &mut Conn,
    event: Event,
    subject: i64,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event, subject_id, created_at, state, due_at) \
         SELECT w.id, w.event, $2, $3, 'pending', $3 FROM webhooks w \
         JOIN integrations i ON i.id = w.integration_id \
         WHERE w.event = $1 AND i.revoked_at IS NULL",
    )
    .bind(event.as_str())
    .bind(subject)
    .bind(ts(at))
    .execute(&mut *conn)
    .await
    .map_err(db_error("webhook deliveries"))?
    .rows_affected())
}

#[async_trait]
impl masthead_core::store::WebhookStore for Store {
    async fn create_webhook(&self, webhook: &NewWebhook, audit: &NewAuditEntry) -> Result<Webhook> {
        webhook.validate()?;
        let mut tx = self.begin().await?;
        let row: WebhookRow = sqlx::query_as(
            "INSERT INTO webhooks (integration_id, event, target_url, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, integration_id, event, target_url, secret",
        )
        .bind(webhook.integration.0)
        .bind(webhook.event.as_str())
        .bind(&webhook.target_url)
        .bind(&webhook.secret)
        .bind(ts(audit.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("webhook"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        row.into_webhook()
    }

    async fn webhooks(&self, integration: Option<IntegrationId>) -> Result<Vec<Webhook>> {
        let mut query = QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM webhooks w"));
        if let Some(integration) = integration {
            query.push(" WHERE w.integration_id = ");
            query.push_bind(integration.0);
        }
        query.push(" ORDER BY w.id");
        let rows: Vec<WebhookRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("webhooks"))?;
        rows.into_iter().map(WebhookRow::into_webhook).collect()
    }

    async fn delete_webhook(&self, id: i64, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        // Its deliveries go with it (foreign keys are not enforced on every SQLite).
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_error("webhook deliveries"))?;
        let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_error("webhook"))?
            .rows_affected();
        if gone == 0 {
            return Err(Error::not_found("webhook"));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn update_webhook(
        &self,
        id: i64,
        event: Event,
        target_url: &str,
        audit: &NewAuditEntry,
    ) -> Result<Webhook> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE webhooks SET event = $2, target_url = $3 WHERE id = $1")
            .bind(id)
            .bind(event.as_str())
            .bind(target_url)
            .execute(&mut *tx)
            .await
            .map_err(db_error("webhook"))?
            .rows_affected();
        if changed == 0 {
            return Err(Error::not_found("webhook"));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.webhooks(None)
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| Error::not_found("webhook"))
    }

    async fn queue_webhook_event(
        &self,
        event: Event,
        subject: i64,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(db_error("webhook deliveries"))?;
        queue_in(&mut conn, event, subject, at).await
    }

    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        hold: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        const DELIVERIES: Queue = Queue {
            table: "webhook_deliveries",
            state: "state",
            what: "webhook deliveries",
        };
        let claimed = self.claim_due(&DELIVERIES, now, hold, limit).await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Db>::new(format!(
            "SELECT {COLUMNS}, d.id AS delivery_id, d.event AS delivery_event, d.subject_id, \
             d.created_at, d.attempts FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN ("
        ));
        let mut ids = query.separated(", ");
        for id in &claimed {
            ids.push_bind(*id);
        }
        query.push(") ORDER BY d.id");
        let rows: Vec<DeliveryRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("webhook deliveries"))?;
        rows.into_iter()
            .map(|r| {
                Ok(Delivery {
                    id: r.delivery_id,
                    event: word(&r.delivery_event)?,
                    subject: r.subject_id,
                    created_at: r.created_at,
                    attempts: attempts(r.attempts),
                    webhook: r.webhook.into_webhook()?,
                })
            })
            .collect()
    }

    async fn settle_webhook_delivery(
        &self,
        id: i64,
        outcome: &Outcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let query = match outcome {
            Outcome::Sent(status) => sqlx::query(
                "UPDATE webhook_deliveries SET state = 'sent', due_at = NULL, last_status = $2, \
                 last_error = '', sent_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(i64::from(*status))
            .bind(ts(at)),
            Outcome::Failed {
                status,
                error,
                retry_at,
            } => sqlx::query(
                "UPDATE webhook_deliveries SET state = $2, due_at = $3, last_status = $4, \
                 last_error = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(if retry_at.is_some() {
                "pending"
            } else {
                "failed"
            })
            .bind(retry_at.map(ts))
            .bind(status.map(i64::from))
            .bind(error.chars().take(500).collect::<String>()),
        };
        query
            .execute(&self.pool)
            .await
            .map_err(db_error("webhook deliveries"))?;
        Ok(())
    }

    async fn webhook_deliveries(&self, page: PageRequest) -> Result<Page<LoggedDelivery>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("webhook deliveries"))?;
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT d.id, i.name AS integration, d.event, w.target_url, d.subject_id, \
             d.created_at, d.state, d.attempts, d.last_status, d.last_error, d.sent_at \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             JOIN integrations i ON i.id = w.integration_id \
             ORDER BY d.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("webhook deliveries"))?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(LoggedDelivery {
                    id: r.id,
                    integration: r.integration,
                    event: word(&r.event)?,
                    target_url: r.target_url,
                    subject: r.subject_id,
                    created_at: r.created_at,
                    state: r.state,
                    attempts: attempts(r.attempts),
                    last_status: r.last_status.and_then(|s| u16::try_from(s).ok()),
                    last_error: r.last_error,
                    sent_at: r.sent_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }
}
