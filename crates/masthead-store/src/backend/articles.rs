//! Articles, the lists readers see them in, corrections and readership.

use super::common::*;
use super::dialect::{self, ts};
use super::revisions::write_trail;
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::article::{
    Article, ArticleSummary, Correction, CorrectionKind, NewArticle, NewCorrection, PathMove,
    Source,
};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::store::{
    ArticleFilter, ArticleLocation, ArticleQuery, ContentUpdate, LoggedCorrection, Narrowing, Page,
    PageRequest, Trail,
};
use masthead_core::workflow::StatusChange;
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

/// What `published_after` runs: the published articles after an id, in id order, and
/// those articles' parts (tags, credits, sources, corrections). Each must read only its
/// batch's rows (`articles_status_id`; tested in `sqlite::tests`).
pub(super) fn published_batch_sql() -> [String; 2] {
    [
        format!(
            "SELECT {ARTICLE_COLUMNS} WHERE a.status = 'published' AND a.id > $1 \
             ORDER BY a.id LIMIT $2"
        ),
        parts_query(
            "IN (SELECT id FROM articles WHERE status = 'published' AND id > $1 AND id <= $2)",
        ),
    ]
}

#[async_trait]
impl masthead_core::store::ArticleStore for Store {
    async fn create_article(&self, article: &NewArticle, trail: &Trail) -> Result<ArticleId> {
        article.content.validate()?;
        let mut tx = self.begin().await?;
        let (ids, lists) = insert_articles(&mut tx, std::slice::from_ref(article))
            .await
            .map_err(|e| match e {
                Error::Conflict(_) => {
                    Error::conflict(format!("the slug {:?} is taken", article.slug))
                }
                other => other,
            })?;
        let id = ids
            .first()
            .map(|id| ArticleId(*id))
            .ok_or_else(|| Error::Internal {
                message: "article not inserted".into(),
                source: None,
            })?;
        write_trail(
            &mut tx,
            id,
            Some(&article.content),
            trail,
            article.created_at,
        )
        .await?;
        commit(tx).await?;
        self.notify(Change::Article { id, lists }).await;
        Ok(id)
    }

    async fn create_articles(&self, articles: &[NewArticle]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_articles(&mut tx, articles).await?;
        commit(tx).await?;
        // A bulk load touches too much to list; everything may be stale.
        self.notify(Change::Site).await;
        Ok(())
    }

    async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> =
            sqlx::query_as(&format!("SELECT {ARTICLE_COLUMNS} WHERE a.id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("article"))?;
        self.load_article(row).await
    }

    async fn api_posts(&self, query: &masthead_core::nql::PostQuery) -> Result<Page<Article>> {
        self.api_posts_page(query).await
    }

    async fn published_after(&self, after: ArticleId, limit: u32) -> Result<Vec<Article>> {
        let limit = i64::from(limit.clamp(1, masthead_core::store::WHOLE_BATCH));
        let [articles, parts] = published_batch_sql();
        let rows: Vec<ArticleRow> = sqlx::query_as(&articles)
            .bind(after.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("articles"))?;
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(Vec::new());
        };
        let parts: Vec<PartRow> = sqlx::query_as(&parts)
            .bind(after.0)
            .bind(last)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("article parts"))?;
        let mut parts = ArticleParts::by_article(parts)?;
        rows.into_iter()
            .map(|row| {
                let own = parts.remove(&row.id).unwrap_or_default();
                row.into_article(own)
            })
            .collect()
    }

    async fn last_article_change(&self) -> Result<Option<DateTime<Utc>>> {
        let newest: Option<(DateTime<Utc>,)> =
            sqlx::query_as("SELECT updated_at FROM articles ORDER BY updated_at DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("articles"))?;
        Ok(newest.map(|(t,)| t))
    }

    async fn article_by_slug(&self, slug: &str) -> Result<Option<Article>> {
        let row: Option<ArticleRow> =
            sqlx::query_as(&format!("SELECT {ARTICLE_COLUMNS} WHERE a.slug = $1"))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("article"))?;
        self.load_article(row).await
    }

    async fn slug_taken(&self, slug: &str) -> Result<bool> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("article"))?;
        Ok(id.is_some())
    }

    async fn update_article_content(
        &self,
        id: ArticleId,
        update: &ContentUpdate<'_>,
        trail: &Trail,
    ) -> Result<()> {
        let ContentUpdate {
            content,
            rendered,
            moved,
            updated_at,
            expected,
        } = *update;
        content.validate()?;
        let image = content.featured_image.as_ref();
        let mut tx = self.begin().await?;
        let (status, published_at) = lock_article(&mut tx, id.0).await?;
        if let Some(expected) = expected {
            let current: DateTime<Utc> =
                sqlx::query_scalar("SELECT updated_at FROM articles WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_error("article"))?;
            if current != expected {
                return Err(Error::conflict(
                    "the article was saved by someone else since this version",
                ));
            }
        }
        let mut counts = CountDeltas::default();
        count_article(&mut tx, id.0, -1, &mut counts).await?;
        let affected = sqlx::query(
            "UPDATE articles SET title = $1, standfirst = $2, body_markdown = $3, body_html = $4, \
             custom_excerpt = $5, excerpt = $6, word_count = $7, featured_media_id = $8, featured_alt = $9, \
             featured_caption = $10, featured_credit = $11, section_id = $12, article_type = $13, \
             visibility = $14, meta_title = $15, meta_description = $16, social_image = $17, \
             canonical_url = $18, updated_at = $19, visible_tiers = $21, body_document = $22 \
             WHERE id = $20",
        )
        .bind(&content.title)
        .bind(&content.standfirst)
        .bind(content.body.to_markdown())
        .bind(&rendered.html)
        .bind(&content.custom_excerpt)
        .bind(&rendered.excerpt)
        .bind(i64::from(rendered.word_count))
        .bind(image.map(|i| i.media_id.0))
        .bind(image.map(|i| i.alt.as_str()).unwrap_or_default())
        .bind(image.map(|i| i.caption.as_str()).unwrap_or_default())
        .bind(image.map(|i| i.credit.as_str()).unwrap_or_default())
        .bind(content.section_id.map(|s| s.0))
        .bind(content.article_type.as_str())
        .bind(content.visibility.as_str())
        .bind(&content.seo.meta_title)
        .bind(&content.seo.meta_description)
        .bind(&content.seo.social_image)
        .bind(&content.seo.canonical_url)
        .bind(ts(updated_at))
        .bind(id.0)
        .bind(to_json(&content.tiers)?)
        .bind(content.body.to_json())
        .execute(&mut *tx)
        .await
        .map_err(db_error("article"))?
        .rows_affected();
        not_found_unless_one(affected, "article")?;
        for table in ["article_tags", "article_credits", "article_sources"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE article_id = $1"))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("article"))?;
        }
        let tags = ensure_tags(&mut tx, &content.tags, updated_at).await?;
        let parts = Parts {
            id: id.0,
            content,
            tag_ids: tags.iter().map(|t| t.id.0).collect(),
            status: &status,
            published_at,
        };
        insert_article_parts(&mut tx, &[parts]).await?;
        count_article(&mut tx, id.0, 1, &mut counts).await?;
        let lists = counts.lists();
        counts.apply(&mut tx).await?;
        if let Some(moved) = moved {
            record_move(&mut tx, moved, updated_at).await?;
        }
        write_trail(&mut tx, id, Some(content), trail, updated_at).await?;
        commit(tx).await?;
        self.notify(Change::Article { id, lists }).await;
        Ok(())
    }

    async fn change_status(
        &self,
        id: ArticleId,
        change: &StatusChange,
        trail: &Trail,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (status, _) = lock_article(&mut tx, id.0).await?;
        if let Some(expected) = change.expected {
            if status != expected.as_str() {
                // Let go of the row now, not when the connection is next used.
                tx.rollback().await.map_err(db_error("article"))?;
                return Err(Error::conflict(format!(
                    "the article is no longer {}: someone changed it meanwhile",
                    expected.label().to_lowercase()
                )));
            }
        }
        let mut counts = CountDeltas::default();
        count_article(&mut tx, id.0, -1, &mut counts).await?;
        sqlx::query(
            "UPDATE articles SET status = $1, published_at = $2, scheduled_at = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(change.status.as_str())
        .bind(change.published_at.map(ts))
        .bind(change.scheduled_at.map(ts))
        .bind(ts(change.updated_at))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article"))?;
        for table in ["article_tags", "article_credits"] {
            sqlx::query(&format!(
                "UPDATE {table} SET status = $1, published_at = $2 WHERE article_id = $3"
            ))
            .bind(change.status.as_str())
            .bind(change.published_at.map(ts))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article"))?;
        }
        count_article(&mut tx, id.0, 1, &mut counts).await?;
        let lists = counts.lists();
        counts.apply(&mut tx).await?;
        write_trail(&mut tx, id, None, trail, change.updated_at).await?;
        commit(tx).await?;
        self.notify(Change::Article { id, lists }).await;
        Ok(())
    }

    async fn change_slug(
        &self,
        id: ArticleId,
        new_slug: &str,
        moved: Option<&PathMove>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let affected = sqlx::query("UPDATE articles SET slug = $1, updated_at = $2 WHERE id = $3")
            .bind(new_slug)
            .bind(ts(at))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| match db_error("article")(e) {
                Error::Conflict(_) => Error::conflict(format!("the slug {new_slug:?} is taken")),
                other => other,
            })?
            .rows_affected();
        not_found_unless_one(affected, "article")?;
        if let Some(moved) = moved {
            record_move(&mut tx, moved, at).await?;
        }
        // Every list the article is on links to it by its slug.
        let mut touched = CountDeltas::default();
        count_article(&mut tx, id.0, 0, &mut touched).await?;
        commit(tx).await?;
        self.notify(Change::Article {
            id,
            lists: touched.lists(),
        })
        .await;
        Ok(())
    }

    async fn add_correction(
        &self,
        id: ArticleId,
        kind: CorrectionKind,
        text: &str,
        at: DateTime<Utc>,
        trail: &Trail,
    ) -> Result<Correction> {
        let mut tx = self.begin().await?;
        let row: CorrectionRow = sqlx::query_as(
            "INSERT INTO corrections (article_id, kind, text, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, kind, text, created_at",
        )
        .bind(id.0)
        .bind(kind.as_str())
        .bind(text)
        .bind(ts(at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("article"))?;
        // A correction changes what readers see, so the article counts as updated.
        sqlx::query("UPDATE articles SET updated_at = $1 WHERE id = $2")
            .bind(ts(at))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article"))?;
        write_trail(&mut tx, id, None, trail, at).await?;
        commit(tx).await?;
        self.notify(Change::Article {
            id,
            lists: Vec::new(),
        })
        .await;
        self.notify(Change::Correction { article: id }).await;
        row.try_into()
    }

    async fn list_articles(&self, query: &ArticleQuery) -> Result<Page<ArticleSummary>> {
        let (scope, scope_id) = match query.filter {
            ArticleFilter::All => ("all", 0),
            ArticleFilter::Section(id) => ("section", id.0),
            ArticleFilter::Tag(id) => ("tag", id.0),
            ArticleFilter::Author(id) => ("author", id.0),
        };
        let mut count = QueryBuilder::<Db>::new(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM article_counts WHERE scope = ",
        );
        count
            .push_bind(scope)
            .push(" AND scope_id = ")
            .push_bind(scope_id);
        match query.status {
            Some(status) => {
                count.push(" AND status = ").push_bind(status.as_str());
            }
            None => {
                count.push(" AND status <> 'deleted'");
            }
        }
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("articles"))?;

        let published = query.status == Some(masthead_core::article::Status::Published);
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {SUMMARY_COLUMNS}"));
        match query.filter {
            // Published articles by tag or author come in order from the link table's
            // listing index, however many or few the tag or person has.
            ArticleFilter::Tag(tag) if published => {
                qb.push(" JOIN article_tags x ON x.article_id = a.id WHERE x.tag_id = ")
                    .push_bind(tag.0)
                    .push(" AND x.status = 'published' ORDER BY x.published_at DESC, x.article_id DESC");
            }
            ArticleFilter::Author(person) if published => {
                qb.push(" JOIN article_credits x ON x.article_id = a.id WHERE x.person_id = ")
                    .push_bind(person.0)
                    .push(" AND x.kind = 'author' AND x.status = 'published' ORDER BY x.published_at DESC, x.article_id DESC");
            }
            _ if published => {
                push_article_filter(&mut qb, query);
                qb.push(" ORDER BY a.published_at DESC, a.id DESC");
            }
            _ => {
                push_article_filter(&mut qb, query);
                qb.push(" ORDER BY a.updated_at DESC, a.id DESC");
            }
        }
        self.summary_page(qb, query.page, total).await
    }

    async fn narrowed_articles(
        &self,
        query: &ArticleQuery,
        narrow: &Narrowing,
    ) -> Result<Page<ArticleSummary>> {
        let push_where = |qb: &mut QueryBuilder<'_, Db>| {
            push_article_filter(qb, query);
            if let Some(kind) = narrow.article_type {
                qb.push(" AND a.article_type = ").push_bind(kind.as_str());
            }
            if !narrow.words.trim().is_empty() {
                let pattern = contains_pattern(&narrow.words);
                qb.push(" AND (LOWER(a.title) LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR LOWER(a.standfirst) LIKE ")
                    .push_bind(pattern)
                    .push(" ESCAPE '\\')");
            }
        };
        let mut count = QueryBuilder::<Db>::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM articles a LEFT JOIN sections s ON s.id = a.section_id",
        );
        push_where(&mut count);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("articles"))?;
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {SUMMARY_COLUMNS}"));
        push_where(&mut qb);
        qb.push(" ORDER BY a.updated_at DESC, a.id DESC");
        self.summary_page(qb, query.page, total).await
    }

    async fn published_summaries(&self, ids: &[ArticleId]) -> Result<Vec<ArticleSummary>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        self.summaries_in_order(&ids).await
    }

    async fn article_locations(&self, offset: u64, limit: u32) -> Result<Vec<ArticleLocation>> {
        let rows: Vec<LocationRow> = sqlx::query_as(&format!(
            "SELECT {LOCATION_COLUMNS} WHERE a.status = 'published' \
             ORDER BY a.published_at, a.id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("articles"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn recent_locations(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ArticleLocation>> {
        let rows: Vec<LocationRow> = sqlx::query_as(&format!(
            "SELECT {LOCATION_COLUMNS} WHERE a.status = 'published' AND a.published_at >= $1 \
             ORDER BY a.published_at DESC, a.id DESC LIMIT $2"
        ))
        .bind(ts(since))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("articles"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn corrections_log(&self, page: PageRequest) -> Result<Page<LoggedCorrection>> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM corrections c JOIN articles a ON a.id = c.article_id WHERE a.status = 'published'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("corrections"))?;
        let rows: Vec<LoggedCorrectionRow> = sqlx::query_as(&format!(
            "SELECT c.id AS correction_id, c.kind AS correction_kind, c.text AS correction_text, \
             c.created_at AS correction_at, {} JOIN corrections c ON c.article_id = a.id \
             WHERE a.status = 'published' ORDER BY c.created_at DESC, c.id DESC LIMIT $1 OFFSET $2",
            SUMMARY_COLUMNS
        ))
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("corrections"))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(LoggedCorrection::try_from)
                .collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn record_views(&self, at: DateTime<Utc>, views: &[(ArticleId, u64)]) -> Result<()> {
        if views.is_empty() {
            return Ok(());
        }
        let day = at.date_naive();
        let hour = masthead_core::analytics::hour_of(at);
        let mut tx = self.begin().await?;
        for (article, n) in views {
            let n = i64::try_from(*n).unwrap_or(i64::MAX);
            // An article deleted since it was read is skipped, not an error.
            sqlx::query(
                "INSERT INTO article_views (article_id, day, views) \
                 SELECT id, $2, $3 FROM articles WHERE id = $1 \
                 ON CONFLICT (article_id, day) DO UPDATE SET views = article_views.views + excluded.views",
            )
            .bind(article.0)
            .bind(day)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article views"))?;
            sqlx::query(
                "INSERT INTO article_views_hourly (article_id, hour, views) \
                 SELECT id, $2, $3 FROM articles WHERE id = $1 \
                 ON CONFLICT (article_id, hour) DO UPDATE \
                 SET views = article_views_hourly.views + excluded.views",
            )
            .bind(article.0)
            .bind(ts(hour))
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article views"))?;
        }
        sqlx::query("DELETE FROM article_views_hourly WHERE hour < $1")
            .bind(ts(hour - masthead_core::analytics::HOURLY_KEPT))
            .execute(&mut *tx)
            .await
            .map_err(db_error("article views"))?;
        commit(tx).await?;
        self.notify(Change::Readership).await;
        Ok(())
    }

    async fn most_read(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ArticleSummary>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT v.article_id FROM article_views_hourly v \
             JOIN articles a ON a.id = v.article_id \
             WHERE v.hour >= $1 AND a.status = 'published' \
             GROUP BY v.article_id ORDER BY SUM(v.views) DESC, v.article_id DESC LIMIT $2",
        )
        .bind(ts(masthead_core::analytics::hour_of(since)))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("most read"))?;
        self.summaries_in_order(&ids).await
    }

    async fn due_scheduled(&self, now: DateTime<Utc>) -> Result<Vec<ArticleId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM articles WHERE status = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at, id",
        )
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("scheduled articles"))?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }
}

/// Writes the parts of articles kept in their own tables: tags, credits, sources.
async fn insert_article_parts(conn: &mut Conn, items: &[Parts<'_>]) -> Result<()> {
    let tag_rows: Vec<(&Parts, i64, i64)> = items
        .iter()
        .flat_map(|p| {
            p.tag_ids
                .iter()
                .enumerate()
                .map(move |(i, t)| (p, *t, i as i64))
        })
        .collect();
    for chunk in tag_rows.chunks(BATCH) {
        QueryBuilder::<Db>::new(
            "INSERT INTO article_tags (article_id, tag_id, position, status, published_at) ",
        )
        .push_values(chunk, |mut b, (p, t, i)| {
            b.push_bind(p.id)
                .push_bind(*t)
                .push_bind(*i)
                .push_bind(p.status)
                .push_bind(p.published_at.map(ts));
        })
        .build()
        .execute(&mut *conn)
        .await
        .map_err(db_error("article tags"))?;
    }
    let credit_rows: Vec<(&Parts, i64, &str, i64)> = items
        .iter()
        .flat_map(|p| {
            let authors = p
                .content
                .authors
                .iter()
                .enumerate()
                .map(move |(i, a)| (p, a.0, "author", i as i64));
            let editors = p
                .content
                .editors
                .iter()
                .enumerate()
                .map(move |(i, e)| (p, e.0, "editor", i as i64));
            authors.chain(editors)
        })
        .collect();
    for chunk in credit_rows.chunks(BATCH) {
        QueryBuilder::<Db>::new(
            "INSERT INTO article_credits (article_id, person_id, kind, position, status, published_at) ",
        )
        .push_values(chunk, |mut b, (p, person, kind, i)| {
            b.push_bind(p.id)
                .push_bind(*person)
                .push_bind(*kind)
                .push_bind(*i)
                .push_bind(p.status)
                .push_bind(p.published_at.map(ts));
        })
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db_error("article credits"))?;
    }
    let source_rows: Vec<(i64, i64, &Source)> = items
        .iter()
        .flat_map(|p| {
            p.content
                .sources
                .iter()
                .enumerate()
                .map(move |(i, s)| (p.id, i as i64, s))
        })
        .collect();
    for chunk in source_rows.chunks(BATCH) {
        QueryBuilder::<Db>::new(
            "INSERT INTO article_sources (article_id, position, name, url, note) ",
        )
        .push_values(chunk, |mut b, (a, i, s)| {
            b.push_bind(*a)
                .push_bind(*i)
                .push_bind(s.name.as_str())
                .push_bind(s.url.as_str())
                .push_bind(s.note.as_str());
        })
        .build()
        .execute(&mut *conn)
        .await
        .map_err(db_error("article sources"))?;
    }
    Ok(())
}

/// Inserts articles with everything they carry; returns their ids in input order and
/// the lists they joined.
async fn insert_articles(
    conn: &mut Conn,
    articles: &[NewArticle],
) -> Result<(Vec<i64>, Vec<ArticleFilter>)> {
    let now = Utc::now();
    // Tags first, once per distinct name in the batch.
    let mut names: Vec<String> = articles
        .iter()
        .flat_map(|a| a.content.tags.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    let tags: std::collections::HashMap<String, i64> = resolve_tags(conn, &names, now)
        .await?
        .into_iter()
        .map(|(slug, tag)| (slug, tag.id.0))
        .collect();
    let tag_id = |name: &str| -> Option<i64> {
        let slug = masthead_core::slug::slugify(name.trim())?;
        tags.get(&slug).copied()
    };

    let mut ids = Vec::with_capacity(articles.len());
    let mut counts = CountDeltas::default();
    for chunk in articles.chunks(BATCH) {
        let tiers = chunk
            .iter()
            .map(|a| to_json(&a.content.tiers))
            .collect::<Result<Vec<String>>>()?;
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO articles (slug, title, standfirst, body_markdown, body_document, body_html, custom_excerpt, \
             excerpt, word_count, featured_media_id, featured_alt, featured_caption, featured_credit, \
             section_id, article_type, status, visibility, visible_tiers, meta_title, \
             meta_description, social_image, canonical_url, created_at, updated_at, published_at, \
             scheduled_at) ",
        );
        // Each body's Markdown rendition and stored form, made before the statement.
        let bodies: Vec<(String, String)> = chunk
            .iter()
            .map(|a| (a.content.body.to_markdown(), a.content.body.to_json()))
            .collect();
        qb.push_values(
            chunk.iter().zip(tiers).zip(bodies),
            |mut b, ((a, tiers), (markdown, document))| {
                let c = &a.content;
                let image = c.featured_image.as_ref();
                b.push_bind(a.slug.as_str())
                    .push_bind(c.title.as_str())
                    .push_bind(c.standfirst.as_str())
                    .push_bind(markdown)
                    .push_bind(document)
                    .push_bind(a.rendered.html.as_str())
                    .push_bind(c.custom_excerpt.as_str())
                    .push_bind(a.rendered.excerpt.as_str())
                    .push_bind(i64::from(a.rendered.word_count))
                    .push_bind(image.map(|i| i.media_id.0))
                    .push_bind(image.map(|i| i.alt.as_str()).unwrap_or_default())
                    .push_bind(image.map(|i| i.caption.as_str()).unwrap_or_default())
                    .push_bind(image.map(|i| i.credit.as_str()).unwrap_or_default())
                    .push_bind(c.section_id.map(|s| s.0))
                    .push_bind(c.article_type.as_str())
                    .push_bind(a.status.as_str())
                    .push_bind(c.visibility.as_str())
                    .push_bind(tiers)
                    .push_bind(c.seo.meta_title.as_str())
                    .push_bind(c.seo.meta_description.as_str())
                    .push_bind(c.seo.social_image.as_str())
                    .push_bind(c.seo.canonical_url.as_str())
                    .push_bind(ts(a.created_at))
                    // Last changed when it was published, if that came after it was made.
                    .push_bind(ts(a
                        .published_at
                        .map_or(a.created_at, |p| p.max(a.created_at))))
                    .push_bind(a.published_at.map(ts))
                    .push_bind(a.scheduled_at.map(ts));
            },
        );
        qb.push(" RETURNING id, slug");
        let returned: Vec<(i64, String)> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error("article"))?;
        // RETURNING promises no order, so match rows back by their unique slug.
        let by_slug: std::collections::HashMap<&str, i64> = returned
            .iter()
            .map(|(id, slug)| (slug.as_str(), *id))
            .collect();
        let mut parts = Vec::with_capacity(chunk.len());
        for a in chunk {
            let id = *by_slug
                .get(a.slug.as_str())
                .ok_or_else(|| Error::Internal {
                    message: "inserted article not returned".into(),
                    source: None,
                })?;
            let tag_ids = a
                .content
                .tags
                .iter()
                .filter_map(|t| tag_id(t))
                .collect::<Vec<_>>();
            let mut unique = Vec::with_capacity(tag_ids.len());
            for t in tag_ids {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            let authors: Vec<i64> = a.content.authors.iter().map(|p| p.0).collect();
            counts.add(
                a.status.as_str(),
                a.content.section_id.map(|s| s.0),
                &unique,
                &authors,
                1,
            );
            parts.push(Parts {
                id,
                content: &a.content,
                tag_ids: unique,
                status: a.status.as_str(),
                published_at: a.published_at,
            });
            ids.push(id);
        }
        insert_article_parts(conn, &parts).await?;
        let corrections: Vec<(i64, &NewCorrection)> = chunk
            .iter()
            .zip(parts.iter())
            .flat_map(|(a, p)| a.corrections.iter().map(move |c| (p.id, c)))
            .collect();
        for batch in corrections.chunks(BATCH) {
            QueryBuilder::<Db>::new(
                "INSERT INTO corrections (article_id, kind, text, created_at) ",
            )
            .push_values(batch, |mut b, (id, c)| {
                b.push_bind(*id)
                    .push_bind(c.kind.as_str())
                    .push_bind(c.text.as_str())
                    .push_bind(ts(c.created_at));
            })
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db_error("correction"))?;
        }
    }
    let lists = counts.lists();
    counts.apply(conn).await?;
    Ok((ids, lists))
}

/// Locks an article for the rest of the transaction (see `dialect::FOR_UPDATE`) and
/// returns its status and publication time.
async fn lock_article(conn: &mut Conn, id: i64) -> Result<(String, Option<DateTime<Utc>>)> {
    let state: Option<(String, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "SELECT status, published_at FROM articles WHERE id = $1{}",
        dialect::FOR_UPDATE
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error("article"))?;
    state.ok_or_else(|| Error::not_found("article"))
}

/// Counts the stored article `id`, as it is now in the database, with `delta`.
async fn count_article(
    conn: &mut Conn,
    id: i64,
    delta: i64,
    deltas: &mut CountDeltas,
) -> Result<()> {
    let (status, section): (String, Option<i64>) =
        sqlx::query_as("SELECT status, section_id FROM articles WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error("article"))?;
    let tags: Vec<i64> =
        sqlx::query_scalar("SELECT tag_id FROM article_tags WHERE article_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error("article tags"))?;
    let authors: Vec<i64> = sqlx::query_scalar(
        "SELECT person_id FROM article_credits WHERE article_id = $1 AND kind = 'author'",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error("article credits"))?;
    deltas.add(&status, section, &tags, &authors, delta);
    Ok(())
}

/// The lists `article` appears in (whose pages show it).
pub(super) async fn lists_of(conn: &mut Conn, article: i64) -> Result<Vec<ArticleFilter>> {
    let mut deltas = CountDeltas::default();
    count_article(conn, article, 0, &mut deltas).await?;
    Ok(deltas.lists())
}

fn not_found_unless_one(affected: u64, what: &str) -> Result<()> {
    if affected == 0 {
        Err(Error::not_found(what.to_owned()))
    } else {
        Ok(())
    }
}

/// Adds the WHERE clause of a list query.
fn push_article_filter(qb: &mut QueryBuilder<'_, Db>, query: &ArticleQuery) {
    qb.push(" WHERE 1 = 1");
    match query.status {
        Some(status) => {
            qb.push(" AND a.status = ").push_bind(status.as_str());
        }
        // Lists of every status leave out the bin.
        None => {
            qb.push(" AND a.status <> 'deleted'");
        }
    }
    match query.filter {
        ArticleFilter::All => {}
        ArticleFilter::Section(id) => {
            qb.push(" AND a.section_id = ").push_bind(id.0);
        }
        ArticleFilter::Tag(id) => {
            qb.push(" AND a.id IN (SELECT article_id FROM article_tags WHERE tag_id = ")
                .push_bind(id.0)
                .push(")");
        }
        ArticleFilter::Author(id) => {
            qb.push(" AND a.id IN (SELECT article_id FROM article_credits WHERE kind = 'author' AND person_id = ")
                .push_bind(id.0)
                .push(")");
        }
    }
}
