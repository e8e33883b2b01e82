//! Members' comments.

use super::common::*;
use super::dialect::ts;
use crate::rows::*;
use async_trait::async_trait;
use masthead_core::change::Change;
use masthead_core::comment::{Comment, CommentStatus, CommentToModerate, NewComment};
use masthead_core::ids::*;
use masthead_core::store::{Page, PageRequest};
use masthead_core::{Error, Result};

#[async_trait]
impl masthead_core::store::CommentStore for Store {
    async fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        comment.validate()?;
        let mut tx = self.begin().await?;
        if let Some(parent) = comment.parent_id {
            let parent_article: Option<i64> =
                sqlx::query_scalar("SELECT article_id FROM comments WHERE id = $1")
                    .bind(parent.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error("comment"))?;
            if parent_article != Some(comment.article_id.0) {
                return Err(Error::invalid(
                    "parent_id",
                    "you can only reply to a comment on the same article",
                ));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, member_id, parent_id, body, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(comment.article_id.0)
        .bind(comment.member_id.0)
        .bind(comment.parent_id.map(|p| p.0))
        .bind(&comment.body)
        .bind(comment.status.as_str())
        .bind(ts(comment.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        let row: CommentRow = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        commit(tx).await?;
        self.notify(Change::Article {
            id: comment.article_id,
            lists: Vec::new(),
        })
        .await;
        row.try_into()
    }

    async fn comments(&self, article: ArticleId, status: CommentStatus) -> Result<Vec<Comment>> {
        let rows: Vec<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.article_id = $1 AND c.status = $2 ORDER BY c.created_at, c.id"
        ))
        .bind(article.0)
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        rows.into_iter().map(Comment::try_from).collect()
    }

    async fn set_comment_status(&self, id: CommentId, status: CommentStatus) -> Result<()> {
        let article: Option<i64> = sqlx::query_scalar(
            "UPDATE comments SET status = $1 WHERE id = $2 RETURNING article_id",
        )
        .bind(status.as_str())
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("comment"))?;
        let article = article.ok_or_else(|| Error::not_found("comment"))?;
        self.notify(Change::Article {
            id: ArticleId(article),
            lists: Vec::new(),
        })
        .await;
        Ok(())
    }

    async fn comments_to_moderate(&self, page: PageRequest) -> Result<Page<CommentToModerate>> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("comments"))?;
        let rows: Vec<ModerationRow> = sqlx::query_as(
            &format!(
                "SELECT {COMMENT_COLUMNS}, a.title AS article_title, a.slug AS article_slug, \
                 s.slug AS section_slug FROM {COMMENT_TABLES} \
                 JOIN articles a ON a.id = c.article_id LEFT JOIN sections s ON s.id = a.section_id \
                 WHERE c.status = 'pending' ORDER BY c.created_at, c.id LIMIT $1 OFFSET $2"
            ),
        )
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(CommentToModerate::try_from)
                .collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }
}
