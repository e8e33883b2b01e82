//! Newsroom notifications (see `masthead_core::notification`): inboxes, choices and
//! the letters' queue.

use super::common::*;
use super::dialect::ts;
use crate::rows::db_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::ids::{ArticleId, PersonId};
use masthead_core::notification::{
    Choices, Event, NewNotification, Notification, PendingLetter, Ways,
};
use masthead_core::Result;
use std::collections::HashMap;

/// The columns `notification` reads, from `notifications n` joined with the article
/// `a` and the actor `p`.
const COLUMNS: &str = "n.id, n.event, n.article_id, a.title, COALESCE(p.name, ''), n.text, \
     n.created_at, n.read_at";

type Row = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn notification(row: Row) -> Result<Notification> {
    let (id, event, article, article_title, actor_name, text, created_at, read_at) = row;
    Ok(Notification {
        id,
        event: event.parse()?,
        article: ArticleId(article),
        article_title,
        actor_name,
        text,
        created_at,
        read_at,
    })
}

/// Writes `notifications` in `conn` (a change's transaction, or their own).
pub(super) async fn insert_notifications(
    conn: &mut Conn,
    notifications: &[NewNotification],
    at: DateTime<Utc>,
) -> Result<()> {
    for n in notifications {
        sqlx::query(
            "INSERT INTO notifications \
             (person_id, event, article_id, actor_id, text, created_at, letter, due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(n.person.0)
        .bind(n.event.as_str())
        .bind(n.article.0)
        .bind(n.actor.map(|a| a.0))
        .bind(&n.text)
        .bind(ts(at))
        .bind(if n.email { "pending" } else { "none" })
        .bind(n.email.then(|| ts(at)))
        .execute(&mut *conn)
        .await
        .map_err(db_error("notification"))?;
    }
    Ok(())
}

#[async_trait]
impl masthead_core::store::NotificationStore for Store {
    async fn add_notifications(
        &self,
        notifications: &[NewNotification],
        at: DateTime<Utc>,
    ) -> Result<()> {
        if notifications.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        insert_notifications(&mut tx, notifications, at).await?;
        commit(tx).await
    }

    async fn notifications(&self, person: PersonId, limit: u32) -> Result<Vec<Notification>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM notifications n JOIN articles a ON a.id = n.article_id \
             LEFT JOIN people p ON p.id = n.actor_id \
             WHERE n.person_id = $1 ORDER BY n.id DESC LIMIT $2"
        ))
        .bind(person.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("notifications"))?;
        rows.into_iter().map(notification).collect()
    }

    async fn unread_notifications(&self, person: PersonId) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL",
        )
        .bind(person.0)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("notifications"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn read_notifications(&self, person: PersonId, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE person_id = $1 AND read_at IS NULL",
        )
        .bind(person.0)
        .bind(ts(at))
        .execute(&self.pool)
        .await
        .map_err(db_error("notifications"))?;
        Ok(())
    }

    async fn notification_choices(
        &self,
        people: &[PersonId],
    ) -> Result<HashMap<PersonId, Choices>> {
        let mut out: HashMap<PersonId, Choices> = HashMap::new();
        for person in people {
            let rows: Vec<(String, bool, bool)> = sqlx::query_as(
                "SELECT event, inbox, email FROM notification_choices WHERE person_id = $1",
            )
            .bind(person.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("notification choices"))?;
            let choices = out.entry(*person).or_default();
            for (event, inbox, email) in rows {
                // An event this version no longer has is left out.
                if let Ok(event) = event.parse::<Event>() {
                    choices.0.insert(event, Ways { inbox, email });
                }
            }
        }
        Ok(out)
    }

    async fn set_notification_choices(&self, person: PersonId, choices: &Choices) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM notification_choices WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("notification choices"))?;
        for event in Event::ALL {
            let ways = choices.ways(*event);
            if ways == Ways::default() {
                continue;
            }
            sqlx::query(
                "INSERT INTO notification_choices (person_id, event, inbox, email) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(person.0)
            .bind(event.as_str())
            .bind(ways.inbox)
            .bind(ways.email)
            .execute(&mut *tx)
            .await
            .map_err(db_error("notification choices"))?;
        }
        commit(tx).await
    }

    async fn claim_letters(
        &self,
        now: DateTime<Utc>,
        hold: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<PendingLetter>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM notifications WHERE letter = 'pending' AND due_at <= $1 \
             ORDER BY due_at, id LIMIT $2",
        )
        .bind(ts(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("notification letters"))?;
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            // Held by moving its time on, if no other sender took it meanwhile.
            let taken = sqlx::query(
                "UPDATE notifications SET due_at = $3, attempts = attempts + 1 \
                 WHERE id = $1 AND letter = 'pending' AND due_at <= $2",
            )
            .bind(id)
            .bind(ts(now))
            .bind(ts(now + hold))
            .execute(&self.pool)
            .await
            .map_err(db_error("notification letters"))?
            .rows_affected();
            if taken == 1 {
                claimed.push(id);
            }
        }
        let mut letters = Vec::with_capacity(claimed.len());
        for id in claimed {
            let row: Option<(Row, String, String, i64)> = sqlx::query_as::<
                _,
                (
                    i64,
                    String,
                    i64,
                    String,
                    String,
                    String,
                    DateTime<Utc>,
                    Option<DateTime<Utc>>,
                    String,
                    String,
                    i64,
                ),
            >(&format!(
                "SELECT {COLUMNS}, r.name, r.email, n.attempts FROM notifications n \
                 JOIN articles a ON a.id = n.article_id \
                 JOIN people r ON r.id = n.person_id \
                 LEFT JOIN people p ON p.id = n.actor_id WHERE n.id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("notification letters"))?
            .map(|(a, b, c, d, e, f, g, h, name, email, attempts)| {
                ((a, b, c, d, e, f, g, h), name, email, attempts)
            });
            if let Some((row, to_name, to_email, attempts)) = row {
                letters.push(PendingLetter {
                    id,
                    to_name,
                    to_email,
                    notification: notification(row)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                });
            }
        }
        Ok(letters)
    }

    async fn settle_letter(
        &self,
        id: i64,
        sent: bool,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let (letter, due) = match (sent, retry_at) {
            (true, _) => ("sent", None),
            (false, Some(at)) => ("pending", Some(ts(at))),
            (false, None) => ("failed", None),
        };
        sqlx::query("UPDATE notifications SET letter = $2, due_at = $3 WHERE id = $1")
            .bind(id)
            .bind(letter)
            .bind(due)
            .execute(&self.pool)
            .await
            .map_err(db_error("notification letters"))?;
        Ok(())
    }
}
