//! Comments: threads under articles, likes and reports, and the moderators' queue.

use super::articles::lists_of;
use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::auth::{Failures, NewAuditEntry};
use masthead_core::change::Change;
use masthead_core::comment::{
    self, Activity, Author, Comment, CommentEdit, CommentPage, CommentSort, CommentStatus,
    CommentToModerate, NewComment, NewReport, OpenReport, Queue, QueueCounts, EDIT_WINDOW,
    MAX_REPLIES_PER_PAGE, RATE_WINDOW, REPEAT_WINDOW, REPORTS_SHOWN,
};
use masthead_core::ids::*;
use masthead_core::member::Commenting;
use masthead_core::store::{Page, PageRequest};
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Which comments a reader sees: the approved, and their own still waiting (or taken
/// as spam, which they are not told). The reader's member id (or -1) goes between
/// the two halves.
const VISIBLE_TO: &str = "(c.status = 'approved' OR (c.member_id = ";
const VISIBLE_END: &str = " AND c.status IN ('pending', 'spam')))";

#[async_trait]
impl masthead_core::store::CommentStore for Store {
    async fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        comment.validate()?;
        let mut tx = self.begin().await?;
        let root = match comment.parent_id {
            None => None,
            Some(parent) => {
                let found: Option<(i64, Option<i64>, Option<DateTime<Utc>>)> = sqlx::query_as(
                    "SELECT article_id, root_id, deleted_at FROM comments WHERE id = $1",
                )
                .bind(parent.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("comment"))?;
                match found {
                    Some((article, root, None)) if article == comment.article_id.0 => {
                        Some(root.unwrap_or(parent.0))
                    }
                    Some((article, _, Some(_))) if article == comment.article_id.0 => {
                        return Err(Error::invalid(
                            "parent_id",
                            "that comment was deleted, so it cannot be answered",
                        ))
                    }
                    _ => {
                        return Err(Error::invalid(
                            "parent_id",
                            "you can only reply to a comment on the same article",
                        ))
                    }
                }
            }
        };
        let (member, person) = match comment.author {
            Author::Member(m) => (Some(m.0), None),
            Author::Staff(p) => (None, Some(p.0)),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, member_id, person_id, parent_id, root_id, body, \
             status, created_at, ip_hash, body_hash, held_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(comment.article_id.0)
        .bind(member)
        .bind(person)
        .bind(comment.parent_id.map(|p| p.0))
        .bind(root)
        .bind(&comment.body)
        .bind(comment.status.as_str())
        .bind(ts(comment.created_at))
        .bind(&comment.ip_hash)
        .bind(&comment.body_hash)
        .bind(comment.held_reason.map(|r| r.as_str()).unwrap_or_default())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        let row = comment_row(&mut tx, id).await?;
        let change = recount(&mut tx, comment.article_id.0).await?;
        // Webhooks hear of every comment but spam, with the change.
        if comment.status != masthead_core::comment::CommentStatus::Spam {
            super::webhooks::queue_in(
                &mut tx,
                masthead_core::webhook::Event::CommentAdded,
                id,
                comment.created_at,
            )
            .await?;
        }
        commit(tx).await?;
        self.notify(change).await;
        row.try_into()
    }

    async fn comment(&self, id: CommentId) -> Result<Option<Comment>> {
        let row: Option<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("comment"))?;
        row.map(Comment::try_from).transpose()
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

    async fn comment_page(
        &self,
        article: ArticleId,
        sort: CommentSort,
        page: PageRequest,
        viewer: Option<MemberId>,
    ) -> Result<CommentPage> {
        let viewer_id = viewer.map_or(-1, |m| m.0);
        // A thread whose first comment was deleted shows while replies hang from it.
        let threads = format!(
            "c.article_id = $1 AND c.parent_id IS NULL AND {VISIBLE_TO}$2{VISIBLE_END} AND \
             (c.deleted_at IS NULL OR EXISTS (SELECT 1 FROM comments r WHERE r.root_id = c.id \
             AND r.status = 'approved' AND r.deleted_at IS NULL))"
        );
        let order = match sort {
            CommentSort::Oldest => "c.created_at, c.id",
            CommentSort::Newest => "c.created_at DESC, c.id DESC",
            CommentSort::Top => "c.likes DESC, c.created_at, c.id",
        };
        let roots: Vec<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE {threads} \
             ORDER BY {order} LIMIT $3 OFFSET $4"
        ))
        .bind(article.0)
        .bind(viewer_id)
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        // A first page that is not full holds every thread: no need to count them.
        let shown = i64::try_from(roots.len()).unwrap_or(i64::MAX);
        let total: i64 = if page.offset == 0 && shown < i64::from(page.limit) {
            shown
        } else {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM comments c WHERE {threads}"))
                .bind(article.0)
                .bind(viewer_id)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("comments"))?
        };
        let mut rows = roots;
        let root_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        if !root_ids.is_empty() {
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE "
            ));
            qb.push(VISIBLE_TO)
                .push_bind(viewer_id)
                .push(VISIBLE_END)
                .push(" AND c.root_id IN (");
            let mut list = qb.separated(", ");
            for id in &root_ids {
                list.push_bind(*id);
            }
            qb.push(") ORDER BY c.created_at, c.id LIMIT ")
                .push_bind(i64::from(MAX_REPLIES_PER_PAGE));
            let replies: Vec<CommentRow> = qb
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("comments"))?;
            rows.extend(replies);
        }
        let liked = match viewer {
            Some(member) if !rows.is_empty() => {
                let mut qb = QueryBuilder::<Db>::new(
                    "SELECT comment_id FROM comment_likes WHERE member_id = ",
                );
                qb.push_bind(member.0).push(" AND comment_id IN (");
                let mut list = qb.separated(", ");
                for row in &rows {
                    list.push_bind(row.id);
                }
                qb.push(")");
                let ids: Vec<i64> = qb
                    .build_query_scalar()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error("comment likes"))?;
                ids.into_iter().map(CommentId).collect()
            }
            _ => Vec::new(),
        };
        Ok(CommentPage {
            comments: rows
                .into_iter()
                .map(Comment::try_from)
                .collect::<Result<_>>()?,
            threads: u64::try_from(total).unwrap_or(0),
            liked,
        })
    }

    async fn comment_activity(&self, member: MemberId, comment: &NewComment) -> Result<Activity> {
        let now = comment.created_at;
        let by_member = self.recent_comments(Recent::Member(member), now).await?;
        let from_address = if comment.ip_hash.is_empty() {
            Failures::default()
        } else {
            self.recent_comments(Recent::Address(&comment.ip_hash), now)
                .await?
        };
        let duplicate: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM comments WHERE member_id = $1 AND article_id = $2 AND body_hash = $3 \
             AND COALESCE(parent_id, 0) = $4 AND created_at > $5 AND deleted_at IS NULL \
             ORDER BY id LIMIT 1",
        )
        .bind(member.0)
        .bind(comment.article_id.0)
        .bind(&comment.body_hash)
        .bind(comment.parent_id.map_or(0, |p| p.0))
        .bind(ts(now - EDIT_WINDOW))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        let same_text: i64 = if comment.body_hash.is_empty() {
            0
        } else {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM comments WHERE body_hash = $1 AND created_at > $2",
            )
            .bind(&comment.body_hash)
            .bind(ts(now - REPEAT_WINDOW))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("comments"))?
        };
        let (approved, joined_at): (i64, DateTime<Utc>) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comments WHERE member_id = $1 AND status = 'approved'), \
             joined_at FROM member_standing WHERE member_id = $1",
        )
        .bind(member.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("member"))?
        .ok_or_else(|| Error::not_found("member"))?;
        Ok(Activity {
            by_member,
            from_address,
            duplicate: duplicate.map(CommentId),
            same_text: u32::try_from(same_text).unwrap_or(u32::MAX),
            approved: u32::try_from(approved).unwrap_or(u32::MAX),
            joined_at,
        })
    }

    async fn edit_comment(&self, id: CommentId, edit: &CommentEdit) -> Result<()> {
        edit.validate()?;
        let mut tx = self.begin().await?;
        let article: Option<i64> = sqlx::query_scalar(
            "UPDATE comments SET body = $1, body_hash = $2, status = $3, held_reason = $4, \
             edited_at = $5 WHERE id = $6 AND deleted_at IS NULL RETURNING article_id",
        )
        .bind(&edit.body)
        .bind(&edit.body_hash)
        .bind(edit.status.as_str())
        .bind(edit.held_reason.map(|r| r.as_str()).unwrap_or_default())
        .bind(ts(edit.at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        self.settle(tx, article).await
    }

    async fn delete_comment(&self, id: CommentId, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        let article: Option<i64> = sqlx::query_scalar(
            "UPDATE comments SET body = '', body_hash = '', deleted_at = $1 \
             WHERE id = $2 AND deleted_at IS NULL RETURNING article_id",
        )
        .bind(ts(at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        self.settle(tx, article).await
    }

    async fn like_comment(
        &self,
        id: CommentId,
        member: MemberId,
        like: bool,
        at: DateTime<Utc>,
    ) -> Result<u32> {
        let mut tx = self.begin().await?;
        let article: Option<i64> = sqlx::query_scalar(
            "SELECT article_id FROM comments WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        let article = article.ok_or_else(|| Error::not_found("comment"))?;
        let changed = if like {
            sqlx::query(
                "INSERT INTO comment_likes (comment_id, member_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (comment_id, member_id) DO NOTHING",
            )
            .bind(id.0)
            .bind(member.0)
            .bind(ts(at))
        } else {
            sqlx::query("DELETE FROM comment_likes WHERE comment_id = $1 AND member_id = $2")
                .bind(id.0)
                .bind(member.0)
        }
        .execute(&mut *tx)
        .await
        .map_err(db_error("comment like"))?
        .rows_affected();
        let delta: i64 = if changed == 0 {
            0
        } else if like {
            1
        } else {
            -1
        };
        let likes: i64 = sqlx::query_scalar(
            "UPDATE comments SET likes = likes + $1 WHERE id = $2 RETURNING likes",
        )
        .bind(delta)
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        commit(tx).await?;
        if changed > 0 {
            // Likes show on the article page and order its "top" threads.
            self.notify(Change::Article {
                id: ArticleId(article),
                lists: Vec::new(),
            })
            .await;
        }
        Ok(u32::try_from(likes).unwrap_or(0))
    }

    async fn report_comment(&self, report: &NewReport) -> Result<()> {
        report.validate()?;
        sqlx::query(
            "INSERT INTO comment_reports (comment_id, member_id, reason, note, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (comment_id, member_id) DO UPDATE SET \
             reason = excluded.reason, note = excluded.note, created_at = excluded.created_at, \
             resolved_at = NULL",
        )
        .bind(report.comment_id.0)
        .bind(report.member_id.0)
        .bind(report.reason.as_str())
        .bind(report.note.trim())
        .bind(ts(report.created_at))
        .execute(&self.pool)
        .await
        .map_err(db_error("comment"))?;
        Ok(())
    }

    async fn moderate_comment(
        &self,
        id: CommentId,
        status: CommentStatus,
        audit: &NewAuditEntry,
    ) -> Result<Comment> {
        let mut tx = self.begin().await?;
        // Decided under the comment's row lock, so two moderators at once cannot both
        // act on what it was before.
        sqlx::query(&format!(
            "SELECT id FROM comments WHERE id = $1{}",
            super::dialect::FOR_UPDATE
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("comment"))?;
        let before: Comment = match sqlx::query_as::<_, CommentRow>(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("comment"))?
        {
            Some(row) => row.try_into()?,
            None => return Err(Error::not_found("comment")),
        };
        let reason = comment::moderated(before.status, before.held_reason, status)?;
        sqlx::query("UPDATE comments SET status = $1, held_reason = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(reason.map(|r| r.as_str()).unwrap_or_default())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("comment"))?;
        sqlx::query(
            "UPDATE comment_reports SET resolved_at = $1 WHERE comment_id = $2 AND resolved_at IS NULL",
        )
        .bind(ts(audit.at))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("comment reports"))?;
        insert_audit(&mut tx, audit).await?;
        self.settle(tx, Some(before.article_id.0)).await?;
        Ok(before)
    }

    async fn moderation_queue(
        &self,
        queue: Queue,
        page: PageRequest,
    ) -> Result<Page<CommentToModerate>> {
        // Reported: comments with an open report, by their oldest one. The others by
        // status. Deleted comments have nothing left to moderate.
        let (filter, order) = match queue {
            Queue::Held => ("c.status = 'pending'", "c.created_at, c.id"),
            Queue::Spam => ("c.status = 'spam'", "c.created_at DESC, c.id DESC"),
            Queue::Reported => (
                "c.id IN (SELECT r.comment_id FROM comment_reports r WHERE r.resolved_at IS NULL)",
                "(SELECT MIN(r.created_at) FROM comment_reports r WHERE r.comment_id = c.id \
                 AND r.resolved_at IS NULL), c.id",
            ),
        };
        let filter = format!("{filter} AND c.deleted_at IS NULL");
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM comments c WHERE {filter}"))
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("comments"))?;
        let rows: Vec<ModerationRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS}, a.title AS article_title, a.slug AS article_slug, \
             s.slug AS section_slug, a.comments_open, st.commenting, \
             (SELECT COUNT(*) FROM comment_reports r WHERE r.comment_id = c.id \
             AND r.resolved_at IS NULL) AS report_count FROM {COMMENT_TABLES} \
             JOIN articles a ON a.id = c.article_id LEFT JOIN sections s ON s.id = a.section_id \
             WHERE {filter} ORDER BY {order} LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        let mut items = rows
            .into_iter()
            .map(CommentToModerate::try_from)
            .collect::<Result<Vec<_>>>()?;
        let reported: Vec<i64> = items
            .iter()
            .filter(|c| c.report_count > 0)
            .map(|c| c.comment.id.0)
            .collect();
        if !reported.is_empty() {
            // At most REPORTS_SHOWN of each comment's open reports, newest first,
            // however many it has.
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT comment_id, reason, note, created_at FROM (SELECT comment_id, reason, \
                 note, created_at, ROW_NUMBER() OVER (PARTITION BY comment_id \
                 ORDER BY created_at DESC, id DESC) AS n FROM comment_reports \
                 WHERE resolved_at IS NULL AND comment_id IN (",
            );
            let mut list = qb.separated(", ");
            for id in &reported {
                list.push_bind(*id);
            }
            qb.push(")) shown WHERE n <= ")
                .push_bind(i64::try_from(REPORTS_SHOWN).unwrap_or(i64::MAX))
                .push(" ORDER BY comment_id, n");
            let reports: Vec<(i64, String, String, DateTime<Utc>)> = qb
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("comment reports"))?;
            let at: HashMap<i64, usize> = items
                .iter()
                .enumerate()
                .map(|(i, c)| (c.comment.id.0, i))
                .collect();
            for (comment, reason, note, created_at) in reports {
                if let Some(&i) = at.get(&comment) {
                    items[i].reports.push(OpenReport {
                        reason: word(&reason)?,
                        note,
                        at: created_at,
                    });
                }
            }
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn queue_counts(&self) -> Result<QueueCounts> {
        let (held, spam, reported): (i64, i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM comments WHERE status = 'pending' AND deleted_at IS NULL), \
             (SELECT COUNT(*) FROM comments WHERE status = 'spam' AND deleted_at IS NULL), \
             (SELECT COUNT(DISTINCT r.comment_id) FROM comment_reports r \
              JOIN comments c ON c.id = r.comment_id \
              WHERE r.resolved_at IS NULL AND c.deleted_at IS NULL)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(QueueCounts {
            held: count(held),
            reported: count(reported),
            spam: count(spam),
        })
    }

    async fn set_commenting(
        &self,
        member: MemberId,
        commenting: Commenting,
        audit: &NewAuditEntry,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE member_standing SET commenting = $1 WHERE member_id = $2 \
             AND member_id IN (SELECT id FROM members WHERE deleted_at IS NULL)",
        )
        .bind(commenting.as_str())
        .bind(member.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("member"))?
        .rows_affected();
        if changed == 0 {
            return Err(Error::not_found("member"));
        }
        // Nothing readers see changes: held comments are counted nowhere.
        let rejected = if commenting == Commenting::Banned {
            sqlx::query(
                "UPDATE comments SET status = 'rejected' WHERE member_id = $1 AND status = 'pending'",
            )
            .bind(member.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("comments"))?
            .rows_affected()
        } else {
            0
        };
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(rejected)
    }

    async fn set_comments_open(
        &self,
        article: ArticleId,
        open: bool,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE articles SET comments_open = $1 WHERE id = $2")
            .bind(open)
            .bind(article.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article"))?
            .rows_affected();
        if changed == 0 {
            return Err(Error::not_found("article"));
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        // Only the article's own page shows whether its comments are open.
        self.notify(Change::Article {
            id: article,
            lists: Vec::new(),
        })
        .await;
        Ok(())
    }
}

/// Whose recent comments to count.
enum Recent<'a> {
    Member(MemberId),
    /// The hash of the address they came from.
    Address(&'a str),
}

impl Store {
    /// Ends a change to a comment on `article` (none: no comment was changed): counts
    /// the article's comments again, commits, and says what changed.
    async fn settle(
        &self,
        mut tx: sqlx::Transaction<'static, Db>,
        article: Option<i64>,
    ) -> Result<()> {
        let article = article.ok_or_else(|| Error::not_found("comment"))?;
        let change = recount(&mut tx, article).await?;
        commit(tx).await?;
        self.notify(change).await;
        Ok(())
    }

    /// The comments of `who` in the rate window before `now`.
    async fn recent_comments(&self, who: Recent<'_>, now: DateTime<Utc>) -> Result<Failures> {
        let query = match who {
            Recent::Member(id) => sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM comments \
                 WHERE member_id = $1 AND created_at > $2",
            )
            .bind(id.0),
            Recent::Address(hash) => sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM comments \
                 WHERE ip_hash = $1 AND created_at > $2",
            )
            .bind(hash),
        };
        let (count, oldest): (i64, Option<DateTime<Utc>>) = query
            .bind(ts(now - RATE_WINDOW))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("comments"))?;
        Ok(Failures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest,
        })
    }
}

async fn comment_row(conn: &mut Conn, id: i64) -> Result<CommentRow> {
    sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error("comment"))
}

/// Counts again the comments readers see under `article`, and says what changed: its
/// page, and the lists it is in when the count they show changed.
async fn recount(conn: &mut Conn, article: i64) -> Result<Change> {
    let (before, after): (i64, i64) = sqlx::query_as(
        "SELECT comment_count, (SELECT COUNT(*) FROM comments c WHERE c.article_id = $1 \
         AND c.status = 'approved' AND c.deleted_at IS NULL) FROM articles WHERE id = $1",
    )
    .bind(article)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error("article"))?;
    let lists = if before == after {
        Vec::new()
    } else {
        sqlx::query("UPDATE articles SET comment_count = $1 WHERE id = $2")
            .bind(after)
            .bind(article)
            .execute(&mut *conn)
            .await
            .map_err(db_error("article"))?;
        lists_of(conn, article).await?
    };
    Ok(Change::Article {
        id: ArticleId(article),
        lists,
    })
}
