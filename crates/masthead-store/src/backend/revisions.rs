//! What happens around an article's text: revisions, who is editing, review notes, preview links.

use super::common::*;
use super::dialect::ts;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::article::ArticleContent;
use masthead_core::auth::NewAuditEntry;
use masthead_core::ids::*;
use masthead_core::revision::{
    Note, Presence, Revision, RevisionKind, RevisionSummary, AUTOSAVE_STRETCH, PREVIEW_LIFETIME,
};
use masthead_core::store::Trail;
use masthead_core::{Error, Result};

#[async_trait]
impl masthead_core::store::RevisionStore for Store {
    async fn save_revision(
        &self,
        article: ArticleId,
        person: PersonId,
        kind: RevisionKind,
        content: &ArticleContent,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = insert_revision(&mut tx, article, person, kind, content, at).await?;
        commit(tx).await?;
        Ok(id)
    }

    async fn revisions(&self, article: ArticleId) -> Result<Vec<RevisionSummary>> {
        let rows: Vec<RevisionRow> = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} WHERE r.article_id = $1 ORDER BY r.id DESC"
        ))
        .bind(article.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("revisions"))?;
        rows.into_iter().map(RevisionSummary::try_from).collect()
    }

    async fn revision(&self, id: i64) -> Result<Option<Revision>> {
        let row: Option<RevisionContentRow> = sqlx::query_as(&format!(
            "SELECT r.content, {REVISION_COLUMNS} WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("revision"))?;
        row.map(Revision::try_from).transpose()
    }

    async fn autosave_since(
        &self,
        article: ArticleId,
        person: PersonId,
        since: DateTime<Utc>,
    ) -> Result<Option<Revision>> {
        let row: Option<RevisionContentRow> = sqlx::query_as(&format!(
            "SELECT r.content, {REVISION_COLUMNS} WHERE r.article_id = $1 AND r.person_id = $2 \
             AND r.kind = 'autosave' AND r.updated_at > $3 ORDER BY r.id DESC LIMIT 1"
        ))
        .bind(article.0)
        .bind(person.0)
        .bind(ts(since))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("revision"))?;
        row.map(Revision::try_from).transpose()
    }

    async fn mark_editing(
        &self,
        article: ArticleId,
        person: PersonId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        upsert_editing(&mut tx, article, person, at).await?;
        commit(tx).await
    }

    async fn editing(&self, article: ArticleId, since: DateTime<Utc>) -> Result<Vec<Presence>> {
        let rows: Vec<PresenceRow> = sqlx::query_as(
            "SELECT e.person_id, p.name, e.seen_at FROM article_editing e JOIN people p ON p.id = e.person_id \
             WHERE e.article_id = $1 AND e.seen_at >= $2 ORDER BY e.seen_at DESC, e.person_id",
        )
        .bind(article.0)
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("editing"))?;
        Ok(rows.into_iter().map(Presence::from).collect())
    }

    async fn add_note(&self, article: ArticleId, trail: &Trail, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        write_trail(&mut tx, article, None, trail, at).await?;
        commit(tx).await
    }

    async fn notes(&self, article: ArticleId) -> Result<Vec<Note>> {
        let rows: Vec<NoteRow> = sqlx::query_as(
            "SELECT n.id, n.person_id, p.name AS person_name, n.note, n.created_at \
             FROM article_notes n LEFT JOIN people p ON p.id = n.person_id \
             WHERE n.article_id = $1 ORDER BY n.id DESC",
        )
        .bind(article.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("notes"))?;
        Ok(rows.into_iter().map(Note::from).collect())
    }

    async fn create_preview(
        &self,
        article: ArticleId,
        person: PersonId,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM article_previews WHERE expires_at <= $1")
            .bind(ts(at))
            .execute(&mut *tx)
            .await
            .map_err(db_error("previews"))?;
        sqlx::query(
            "INSERT INTO article_previews (token_hash, article_id, person_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(article.0)
        .bind(person.0)
        .bind(ts(at))
        .bind(ts(at + PREVIEW_LIFETIME))
        .execute(&mut *tx)
        .await
        .map_err(db_error("preview"))?;
        commit(tx).await
    }

    async fn preview_article(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT p.article_id FROM article_previews p JOIN articles a ON a.id = p.article_id \
             WHERE p.token_hash = $1 AND p.expires_at > $2 AND a.status <> 'deleted'",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("preview"))?;
        Ok(id.map(ArticleId))
    }

    async fn end_previews(&self, article: ArticleId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM article_previews WHERE article_id = $1")
            .bind(article.0)
            .execute(&self.pool)
            .await
            .map_err(db_error("previews"))?;
        Ok(done.rows_affected())
    }
}

/// Records that `person` has the article's editor open at `at`.
/// Keeps `person`'s revision of `content` inside `tx` (their autosave of this stretch
/// is replaced, not added to), and marks them as editing the article.
pub(super) async fn insert_revision(
    tx: &mut Conn,
    article: ArticleId,
    person: PersonId,
    kind: RevisionKind,
    content: &ArticleContent,
    at: DateTime<Utc>,
) -> Result<i64> {
    let json = to_json(content)?;
    // The newest revision: replaced when it is this person's autosave of this stretch.
    let newest: Option<(i64, i64, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, COALESCE(person_id, 0), kind, updated_at FROM article_revisions \
         WHERE article_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(article.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error("revision"))?;
    let replace = match newest {
        Some((id, by, newest_kind, updated_at))
            if kind == RevisionKind::Autosave
                && newest_kind == RevisionKind::Autosave.as_str()
                && by == person.0
                && at - updated_at < AUTOSAVE_STRETCH =>
        {
            Some(id)
        }
        _ => None,
    };
    let id = match replace {
        Some(id) => {
            sqlx::query("UPDATE article_revisions SET title = $2, content = $3, updated_at = $4 WHERE id = $1")
                .bind(id)
                .bind(&content.title)
                .bind(&json)
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .map_err(db_error("revision"))?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO article_revisions (article_id, person_id, kind, title, content, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(article.0)
        .bind(person.0)
        .bind(kind.as_str())
        .bind(&content.title)
        .bind(&json)
        .bind(ts(at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("revision"))?,
    };
    upsert_editing(tx, article, person, at).await?;
    Ok(id)
}

async fn upsert_editing(
    tx: &mut Conn,
    article: ArticleId,
    person: PersonId,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO article_editing (article_id, person_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (article_id, person_id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(article.0)
    .bind(person.0)
    .bind(ts(at))
    .execute(&mut *tx)
    .await
    .map_err(db_error("editing"))?;
    Ok(())
}

/// Adds a note for the article's people inside `tx`; an empty one is refused.
pub(super) async fn insert_note(
    tx: &mut Conn,
    article: ArticleId,
    person: PersonId,
    note: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if note.trim().is_empty() {
        return Err(Error::invalid("note", "say what needs changing"));
    }
    sqlx::query(
        "INSERT INTO article_notes (article_id, person_id, note, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(article.0)
    .bind(person.0)
    .bind(note.trim())
    .bind(ts(at))
    .execute(&mut *tx)
    .await
    .map_err(db_error("note"))?;
    Ok(())
}

/// Writes what a change to `article` leaves behind (see `Trail`) inside the change's
/// own transaction: the revision of `content`, the note, the audit entry.
pub(super) async fn write_trail(
    tx: &mut Conn,
    article: ArticleId,
    content: Option<&ArticleContent>,
    trail: &Trail,
    at: DateTime<Utc>,
) -> Result<()> {
    if let (Some(person), Some(content)) = (trail.revision_by, content) {
        insert_revision(tx, article, person, RevisionKind::Save, content, at).await?;
    }
    if let Some((person, note)) = &trail.note {
        insert_note(tx, article, *person, note, at).await?;
    }
    if let Some(entry) = &trail.audit {
        let entry = NewAuditEntry {
            target: format!("{} (#{article})", entry.target),
            ..entry.clone()
        };
        insert_audit(tx, &entry).await?;
    }
    super::notifications::insert_notifications(tx, &trail.notifications, at).await?;
    if let Some(event) = trail.webhook {
        super::webhooks::queue_in(tx, event, article.0, at).await?;
    }
    Ok(())
}
