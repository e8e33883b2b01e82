//! Newsletters: subscriptions, and sends as durable queues of deliveries (see
//! `masthead_core::newsletter` for the rules of the lease and of recovery).

use super::common::*;
use super::dialect::{ts, FOR_UPDATE};
use super::members::MEMBER_COLUMNS;
use super::payments::SUBSCRIPTION_COLUMNS;
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::ids::*;
use masthead_core::member::Member;
use masthead_core::newsletter::{
    Delivery, DeliveryCounts, DeliveryStatus, MailReport, NewDelivery, NewSend, Outcome,
    SendStatus, SendSummary, Subscriber, TakenSend, Unsubscribed,
};
use masthead_core::payments::SubscriptionState;
use masthead_core::people::normalize_email;
use masthead_core::Result;
use sqlx::QueryBuilder;

/// The columns of `newsletter_sends` that `SendSummaryRow` reads.
const SUMMARY_COLUMNS: &str = "id, newsletter, article_id, subject, segment, status, queued_by, \
     queued_at, started_at, finished_at";

#[async_trait]
impl masthead_core::store::NewsletterStore for Store {
    async fn subscriber_counts(&self) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT ns.newsletter, COUNT(*) FROM newsletter_subscriptions ns \
             JOIN members m ON m.id = ns.member_id WHERE m.deleted_at IS NULL \
             GROUP BY ns.newsletter ORDER BY ns.newsletter",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("newsletter subscribers"))?;
        Ok(rows
            .into_iter()
            .map(|(slug, n)| (slug, u64::try_from(n).unwrap_or_default()))
            .collect())
    }

    async fn subscribers(
        &self,
        newsletter: &str,
        after: MemberId,
        limit: u32,
    ) -> Result<Vec<Subscriber>> {
        let columns = MEMBER_COLUMNS
            .split(", ")
            .map(|c| format!("m.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let members: Vec<MemberRow> = sqlx::query_as(&format!(
            "SELECT {columns} FROM newsletter_subscriptions ns \
             JOIN members m ON m.id = ns.member_id \
             WHERE ns.newsletter = $1 AND ns.member_id > $2 AND m.deleted_at IS NULL \
             ORDER BY ns.member_id LIMIT $3"
        ))
        .bind(newsletter)
        .bind(after.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("newsletter subscribers"))?;
        let (Some(first), Some(last)) = (members.first(), members.last()) else {
            return Ok(Vec::new());
        };
        // The page's subscriptions in one read: those of members in its id range.
        let plans: Vec<SubscriptionRow> = sqlx::query_as(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions \
             WHERE member_id >= $1 AND member_id <= $2 ORDER BY member_id, period_end DESC"
        ))
        .bind(first.id)
        .bind(last.id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("subscriptions"))?;
        let mut by_member: std::collections::HashMap<MemberId, Vec<SubscriptionState>> =
            std::collections::HashMap::new();
        for plan in plans {
            let plan = SubscriptionState::try_from(plan)?;
            if let Some(member) = plan.member {
                by_member.entry(member).or_default().push(plan);
            }
        }
        Ok(members
            .into_iter()
            .map(|row| {
                let member: Member = row.into();
                Subscriber {
                    subscriptions: by_member.remove(&member.id).unwrap_or_default(),
                    member,
                }
            })
            .collect())
    }

    async fn queue_send(&self, send: &NewSend) -> Result<SendId> {
        send.validate()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO newsletter_sends (newsletter, article_id, visibility, segment, subject, \
             letter, status, queued_by, queued_at, tiers) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&send.newsletter)
        .bind(send.article.0)
        .bind(send.visibility.as_str())
        .bind(send.segment.as_str())
        .bind(send.letter.subject.trim())
        .bind(to_json(&send.letter)?)
        .bind(SendStatus::Preparing.as_str())
        .bind(&send.queued_by)
        .bind(ts(send.queued_at))
        .bind(to_json(&send.tiers)?)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("newsletter send"))?;
        Ok(SendId(id))
    }

    async fn sends(&self, newsletter: Option<&str>, limit: u32) -> Result<Vec<SendSummary>> {
        let which = "($1 = '' OR newsletter = $1)";
        let rows: Vec<SendSummaryRow> = sqlx::query_as(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM newsletter_sends WHERE {which} \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(newsletter.unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("newsletter sends"))?;
        let counted: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT send_id, status, COUNT(*), COUNT(unsubscribed_at) FROM newsletter_deliveries \
             WHERE send_id IN (SELECT id FROM newsletter_sends WHERE {which} \
               ORDER BY id DESC LIMIT $2) \
             GROUP BY send_id, status"
        ))
        .bind(newsletter.unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("newsletter deliveries"))?;
        rows.into_iter()
            .map(|row| {
                let mut counts = DeliveryCounts::default();
                for (_, status, n, unsubscribed) in counted.iter().filter(|c| c.0 == row.id) {
                    let n = u64::try_from(*n).unwrap_or_default();
                    counts.add(word::<DeliveryStatus>(status)?, n);
                    counts.unsubscribed += u64::try_from(*unsubscribed).unwrap_or_default();
                }
                row.summary(counts)
            })
            .collect()
    }

    async fn take_send(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<TakenSend>> {
        let mut tx = self.begin().await?;
        let row: Option<TakenSendRow> = sqlx::query_as(&format!(
            "SELECT id, newsletter, visibility, tiers, segment, status, letter, sender \
             FROM newsletter_sends \
             WHERE status <> 'sent' AND (lease_until IS NULL OR lease_until < $1) \
             ORDER BY id LIMIT 1{FOR_UPDATE}"
        ))
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("newsletter send"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id = row.id;
        // Its last holder stopped: what it was handing over may have left (it is not
        // sent again); what it had only claimed had not.
        let unknown = if row.sender.is_empty() {
            0
        } else {
            let unknown = sqlx::query(
                "UPDATE newsletter_deliveries SET status = 'unknown', done_at = $2 \
                 WHERE send_id = $1 AND status = 'sending'",
            )
            .bind(id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter deliveries"))?
            .rows_affected();
            sqlx::query(
                "UPDATE newsletter_deliveries SET status = 'queued', claimed_by = '' \
                 WHERE send_id = $1 AND status = 'claimed'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter deliveries"))?;
            unknown
        };
        sqlx::query("UPDATE newsletter_sends SET sender = $2, lease_until = $3 WHERE id = $1")
            .bind(id)
            .bind(node)
            .bind(ts(until))
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter send"))?;
        commit(tx).await?;
        row.taken(unknown).map(Some)
    }

    async fn renew_send(&self, send: SendId, node: &str, until: DateTime<Utc>) -> Result<bool> {
        let renewed = sqlx::query(
            "UPDATE newsletter_sends SET lease_until = $3 \
             WHERE id = $1 AND sender = $2 AND status <> 'sent'",
        )
        .bind(send.0)
        .bind(node)
        .bind(ts(until))
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter send"))?
        .rows_affected();
        Ok(renewed == 1)
    }

    async fn prepared_up_to(&self, send: SendId) -> Result<MemberId> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(member_id) FROM newsletter_deliveries WHERE send_id = $1",
        )
        .bind(send.0)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("newsletter deliveries"))?;
        Ok(MemberId(last.unwrap_or_default()))
    }

    async fn add_deliveries(
        &self,
        send: SendId,
        node: &str,
        deliveries: &[NewDelivery],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        if !holds(&mut tx, send, node, SendStatus::Preparing).await? {
            return Ok(false);
        }
        for chunk in deliveries.chunks(500) {
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO newsletter_deliveries (send_id, member_id, email, name, whole, \
                 token, status) ",
            );
            qb.push_values(chunk, |mut b, d| {
                b.push_bind(send.0)
                    .push_bind(d.recipient.member.0)
                    .push_bind(&d.recipient.email)
                    .push_bind(&d.recipient.name)
                    .push_bind(d.recipient.full)
                    .push_bind(&d.token)
                    .push_bind(DeliveryStatus::Queued.as_str());
            });
            qb.push(" ON CONFLICT (send_id, member_id) DO NOTHING");
            qb.build()
                .execute(&mut *tx)
                .await
                .map_err(db_error("newsletter deliveries"))?;
        }
        commit(tx).await?;
        Ok(true)
    }

    async fn start_sending(&self, send: SendId, node: &str, now: DateTime<Utc>) -> Result<bool> {
        let started = sqlx::query(
            "UPDATE newsletter_sends SET status = 'sending', started_at = $3 \
             WHERE id = $1 AND sender = $2 AND status = 'preparing'",
        )
        .bind(send.0)
        .bind(node)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter send"))?
        .rows_affected();
        Ok(started == 1)
    }

    async fn claim_deliveries(
        &self,
        send: SendId,
        node: &str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>> {
        let mut tx = self.begin().await?;
        if !holds(&mut tx, send, node, SendStatus::Sending).await? {
            return Ok(Vec::new());
        }
        let next = "member_id IN (SELECT member_id FROM newsletter_deliveries \
             WHERE send_id = $1 AND status = 'queued' ORDER BY member_id LIMIT $2)";
        // Whoever unsubscribed (or bounced) since the send was queued gets nothing.
        sqlx::query(&format!(
            "UPDATE newsletter_deliveries SET status = 'skipped', done_at = $3 \
             WHERE send_id = $1 AND status = 'queued' AND {next} AND NOT EXISTS (\
               SELECT 1 FROM newsletter_subscriptions ns \
               JOIN newsletter_sends s ON s.newsletter = ns.newsletter \
               WHERE s.id = $1 AND ns.member_id = newsletter_deliveries.member_id)"
        ))
        .bind(send.0)
        .bind(i64::from(limit))
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error("newsletter deliveries"))?;
        let mut claimed: Vec<DeliveryRow> = sqlx::query_as(&format!(
            "UPDATE newsletter_deliveries SET status = 'claimed', claimed_by = $3 \
             WHERE send_id = $1 AND status = 'queued' AND {next} \
             RETURNING member_id, email, name, whole, token"
        ))
        .bind(send.0)
        .bind(i64::from(limit))
        .bind(node)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error("newsletter deliveries"))?;
        commit(tx).await?;
        claimed.sort_by_key(|d| d.member_id);
        Ok(claimed.into_iter().map(Delivery::from).collect())
    }

    async fn start_delivery(&self, send: SendId, member: MemberId, node: &str) -> Result<bool> {
        let started = sqlx::query(
            "UPDATE newsletter_deliveries SET status = 'sending' \
             WHERE send_id = $1 AND member_id = $2 AND status = 'claimed' AND claimed_by = $3",
        )
        .bind(send.0)
        .bind(member.0)
        .bind(node)
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter delivery"))?
        .rows_affected();
        Ok(started == 1)
    }

    async fn delivered(
        &self,
        send: SendId,
        member: MemberId,
        node: &str,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (status, message_id, error, done_at) = match outcome {
            Outcome::Sent { message_id } => (
                DeliveryStatus::Sent,
                Some(message_id.as_str()),
                "",
                Some(ts(now)),
            ),
            Outcome::Failed { error } => {
                (DeliveryStatus::Failed, None, error.as_str(), Some(ts(now)))
            }
            Outcome::Again => (DeliveryStatus::Queued, None, "", None),
        };
        let marked = sqlx::query(
            "UPDATE newsletter_deliveries SET status = $4, message_id = $5, error = $6, \
             done_at = $7, claimed_by = CASE WHEN $4 = 'queued' THEN '' ELSE claimed_by END \
             WHERE send_id = $1 AND member_id = $2 AND status = 'sending' AND claimed_by = $3",
        )
        .bind(send.0)
        .bind(member.0)
        .bind(node)
        .bind(status.as_str())
        .bind(message_id)
        .bind(error)
        .bind(done_at)
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter delivery"))?
        .rows_affected();
        Ok(marked == 1)
    }

    async fn release_deliveries(&self, send: SendId, node: &str) -> Result<()> {
        sqlx::query(
            "UPDATE newsletter_deliveries SET status = 'queued', claimed_by = '' \
             WHERE send_id = $1 AND status = 'claimed' AND claimed_by = $2",
        )
        .bind(send.0)
        .bind(node)
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter deliveries"))?;
        Ok(())
    }

    async fn finish_send(&self, send: SendId, node: &str, now: DateTime<Utc>) -> Result<bool> {
        let finished = sqlx::query(
            "UPDATE newsletter_sends SET status = 'sent', finished_at = $3, lease_until = NULL \
             WHERE id = $1 AND sender = $2 AND status = 'sending' AND NOT EXISTS (\
               SELECT 1 FROM newsletter_deliveries \
               WHERE send_id = $1 AND status IN ('queued', 'claimed', 'sending'))",
        )
        .bind(send.0)
        .bind(node)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_error("newsletter send"))?
        .rows_affected();
        Ok(finished == 1)
    }

    async fn unsubscribe_target(&self, token: &str) -> Result<Option<Unsubscribed>> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT s.newsletter, d.email FROM newsletter_deliveries d \
             JOIN newsletter_sends s ON s.id = d.send_id WHERE d.token = $1",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("newsletter delivery"))?;
        Ok(found.map(|(newsletter, email)| Unsubscribed { newsletter, email }))
    }

    async fn unsubscribe(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Unsubscribed>> {
        let mut tx = self.begin().await?;
        let found: Option<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT d.send_id, d.member_id, s.newsletter, d.email FROM newsletter_deliveries d \
             JOIN newsletter_sends s ON s.id = d.send_id WHERE d.token = $1",
        )
        .bind(token)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("newsletter delivery"))?;
        let Some((send, member, newsletter, email)) = found else {
            return Ok(None);
        };
        sqlx::query(
            "DELETE FROM newsletter_subscriptions WHERE member_id = $1 AND newsletter = $2",
        )
        .bind(member)
        .bind(&newsletter)
        .execute(&mut *tx)
        .await
        .map_err(db_error("newsletter subscription"))?;
        sqlx::query(
            "UPDATE newsletter_deliveries SET unsubscribed_at = $3 \
             WHERE send_id = $1 AND member_id = $2 AND unsubscribed_at IS NULL",
        )
        .bind(send)
        .bind(member)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error("newsletter delivery"))?;
        commit(tx).await?;
        Ok(Some(Unsubscribed { newsletter, email }))
    }

    async fn apply_mail_report(&self, report: &MailReport, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let member: Option<i64> =
            sqlx::query_scalar("SELECT id FROM members WHERE email = $1 AND deleted_at IS NULL")
                .bind(normalize_email(&report.email))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("member"))?;
        let Some(member) = member else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM newsletter_subscriptions WHERE member_id = $1")
            .bind(member)
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter subscriptions"))?;
        let status = match report.kind {
            masthead_core::newsletter::ReportKind::Bounce => DeliveryStatus::Bounced,
            masthead_core::newsletter::ReportKind::Complaint => DeliveryStatus::Complained,
        };
        // The letter the report is about: by its Message-ID, else their latest.
        let marked = match report.letter() {
            Some(message_id) => sqlx::query(
                "UPDATE newsletter_deliveries SET status = $3, done_at = $4 \
                 WHERE member_id = $1 AND message_id = $2",
            )
            .bind(member)
            .bind(message_id)
            .bind(status.as_str())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter delivery"))?
            .rows_affected(),
            None => 0,
        };
        if marked == 0 {
            sqlx::query(
                "UPDATE newsletter_deliveries SET status = $2, done_at = $3 \
                 WHERE member_id = $1 AND send_id = (SELECT MAX(send_id) \
                   FROM newsletter_deliveries WHERE member_id = $1 AND status = 'sent')",
            )
            .bind(member)
            .bind(status.as_str())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_error("newsletter delivery"))?;
        }
        commit(tx).await?;
        Ok(true)
    }
}

/// Whether `node` holds `send` and the send is `status`.
async fn holds(
    tx: &mut sqlx::Transaction<'static, Db>,
    send: SendId,
    node: &str,
    status: SendStatus,
) -> Result<bool> {
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM newsletter_sends WHERE id = $1 AND sender = $2 AND status = $3",
    )
    .bind(send.0)
    .bind(node)
    .bind(status.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_error("newsletter send"))?;
    Ok(held.is_some())
}
