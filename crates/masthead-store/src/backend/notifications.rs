//! Newsroom notifications (see `masthead_core::notification`): inboxes, choices and
//! the letters' queue.

use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::db_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::ids::{ArticleId, PersonId};
use masthead_core::notification::{
    Choices, Event, NewNotification, Notification, PendingLetter, Ways,
};
use masthead_core::Result;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// The columns `NotificationRow` reads, from `notifications n` joined with the
/// article `a` and the actor `p`.
const COLUMNS: &str = "n.id, n.event, n.article_id, a.title AS article_title, \
     COALESCE(p.name, '') AS actor_name, n.text, n.created_at, n.read_at";

/// The tables `COLUMNS` come from.
const TABLES: &str = "notifications n JOIN articles a ON a.id = n.article_id \
     LEFT JOIN people p ON p.id = n.actor_id";

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    event: String,
    article_id: i64,
    article_title: String,
    actor_name: String,
    text: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification> {
        Ok(Notification {
            id: self.id,
            event: self.event.parse()?,
            article: ArticleId(self.article_id),
            article_title: self.article_title,
            actor_name: self.actor_name,
            text: self.text,
            created_at: self.created_at,
            read_at: self.read_at,
        })
    }
}

/// A notification with the letter's recipient (`r`) and its tries.
#[derive(sqlx::FromRow)]
struct LetterRow {
    #[sqlx(flatten)]
    notification: NotificationRow,
    to_name: String,
    to_email: String,
    attempts: i64,
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
        let rows: Vec<NotificationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM {TABLES} WHERE n.person_id = $1 ORDER BY n.id DESC LIMIT $2"
        ))
        .bind(person.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("notifications"))?;
        rows.into_iter()
            .map(NotificationRow::into_notification)
            .collect()
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
        let mut out: HashMap<PersonId, Choices> =
            people.iter().map(|p| (*p, Choices::default())).collect();
        if people.is_empty() {
            return Ok(out);
        }
        let mut query = QueryBuilder::<Db>::new(
            "SELECT person_id, event, inbox, email FROM notification_choices \
             WHERE person_id IN (",
        );
        let mut ids = query.separated(", ");
        for person in people {
            ids.push_bind(person.0);
        }
        query.push(")");
        let rows: Vec<(i64, String, bool, bool)> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("notification choices"))?;
        for (person, event, inbox, email) in rows {
            // An event this version no longer has is left out.
            if let (Some(choices), Ok(event)) =
                (out.get_mut(&PersonId(person)), event.parse::<Event>())
            {
                choices.0.insert(event, Ways { inbox, email });
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
        const LETTERS: Queue = Queue {
            table: "notifications",
            state: "letter",
            what: "notification letters",
        };
        let claimed = self.claim_due(&LETTERS, now, hold, limit).await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Db>::new(format!(
            "SELECT {COLUMNS}, r.name AS to_name, r.email AS to_email, n.attempts \
             FROM {TABLES} JOIN people r ON r.id = n.person_id WHERE n.id IN ("
        ));
        let mut ids = query.separated(", ");
        for id in &claimed {
            ids.push_bind(*id);
        }
        query.push(") ORDER BY n.id");
        let rows: Vec<LetterRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("notification letters"))?;
        rows.into_iter()
            .map(|row| {
                Ok(PendingLetter {
                    id: row.notification.id,
                    to_name: row.to_name,
                    to_email: row.to_email,
                    attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
                    notification: row.notification.into_notification()?,
                })
            })
            .collect()
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
