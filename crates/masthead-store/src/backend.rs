// The Store implementation, written once and compiled into both the `sqlite` and the
// `postgres` module (see lib.rs). `Db`, `BACKEND` and `dialect` come from the including
// module. SQL here is portable: `$n` placeholders, `RETURNING`, `ON CONFLICT`.

use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dialect::ts;
use masthead_core::article::{
    Article, ArticleContent, ArticleSummary, Correction, CorrectionKind, NewArticle, NewCorrection,
    PathMove, RenderedBody, Source,
};
use masthead_core::auth::{
    AttemptKind, AuditEntry, Failures, NewAuditEntry, NewSession, NewStaffToken, Session,
    StaffToken, TokenPurpose, TwoFactor,
};
use masthead_core::comment::{Comment, CommentStatus, CommentToModerate, NewComment};
use masthead_core::revision::{
    Note, Presence, Revision, RevisionKind, RevisionSummary, AUTOSAVE_STRETCH, PREVIEW_LIFETIME,
};
use masthead_core::ids::*;
use masthead_core::media::{Media, MediaVariant, NewMedia};
use masthead_core::page::{PageContent, PageStatus, StaticPage};
use masthead_core::people::{normalize_email, Member, NewMember, NewPerson, Person, Profile, Role};
use masthead_core::site::{Redirect, Settings};
use masthead_core::store::{
    ArticleFilter, ArticleLocation, ArticleQuery, Counts, LoggedCorrection, Narrowing, Page,
    PageRequest,
};
use masthead_core::taxonomy::{NewSection, Section, Tag, TagEdit};
use masthead_core::workflow::StatusChange;
use masthead_core::change::{Change, ChangeSender};
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

type Conn = <Db as sqlx::Database>::Connection;

/// Rows per multi-row INSERT: well under both databases' bind-parameter limits.
const BATCH: usize = 500;

const ARTICLE_COLUMNS: &str = "a.id, a.slug, a.title, a.standfirst, a.body_markdown, a.body_html, \
     a.custom_excerpt, a.excerpt, a.word_count, a.featured_media_id, a.featured_alt, \
     a.featured_caption, a.featured_credit, a.section_id, s.name AS section_name, \
     s.slug AS section_slug, a.article_type, a.status, a.visibility, a.meta_title, \
     a.meta_description, a.social_image, a.canonical_url, a.created_at, a.updated_at, \
     a.published_at, a.scheduled_at, \
     (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') \
     AS approved_comments \
     FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

/// An article's tags, credits, sources and corrections in one query (see `PartRow`),
/// each in its order. Credits come in position order; authors and editors are told
/// apart by kind, so each keeps its own order.
/// (PostgreSQL types each column of a UNION from its branches pairwise, left to right,
/// so the first branch gives the timestamp column its type and the second the text.)
const PARTS_QUERY: &str = "\
    SELECT CAST(3 AS BIGINT) AS part, CAST(0 AS BIGINT) AS pos, id, kind AS a, text AS b, \
           NULL AS c, created_at AS made_at \
      FROM corrections WHERE article_id = $1 \
    UNION ALL SELECT CAST(1 AS BIGINT), c.position, p.id, p.name, p.slug, c.kind, NULL \
      FROM article_credits c JOIN people p ON p.id = c.person_id WHERE c.article_id = $1 \
    UNION ALL SELECT CAST(0 AS BIGINT), x.position, t.id, t.name, t.slug, NULL, NULL \
      FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = $1 \
    UNION ALL SELECT CAST(2 AS BIGINT), position, NULL, name, url, note, NULL \
      FROM article_sources WHERE article_id = $1 \
    ORDER BY part, pos, made_at, id";

const SUMMARY_COLUMNS: &str = "a.id, a.slug, a.title, a.standfirst, a.excerpt, a.article_type, \
     a.visibility, a.section_id, s.name AS section_name, s.slug AS section_slug, \
     a.featured_media_id, a.featured_alt, a.word_count, a.published_at, a.updated_at \
     FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

const MEDIA_COLUMNS: &str =
    "id, storage_key, mime_type, width, height, byte_size, alt, caption, credit, created_at FROM media";

const MEDIA_WITH_VARIANTS: &str = "m.id, m.storage_key, m.mime_type, m.width, m.height, m.byte_size, \
     m.alt, m.caption, m.credit, m.created_at, v.width AS v_width, v.height AS v_height, \
     v.mime_type AS v_mime_type, v.storage_key AS v_storage_key, v.byte_size AS v_byte_size \
     FROM media m LEFT JOIN media_variants v ON v.media_id = m.id";

const REVISION_COLUMNS: &str = "r.id, r.article_id, r.person_id, p.name AS person_name, r.kind, \
     r.title, r.created_at, r.updated_at \
     FROM article_revisions r LEFT JOIN people p ON p.id = r.person_id";

const PAGE_COLUMNS: &str = "id, slug, title, description, body_markdown, body_html, status, \
     position, in_footer, created_at, updated_at FROM pages";

const LOCATION_COLUMNS: &str = "a.slug, s.slug AS section_slug, a.title, a.published_at, a.updated_at \
     FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

const PERSON_COLUMNS: &str = "id, slug, name, email, role, bio, expertise, avatar_media_id, \
     social_links, password_hash, created_at, deactivated_at FROM people";

const COMMENT_COLUMNS: &str = "c.id, c.article_id, c.member_id, m.name AS member_name, \
     c.parent_id, c.body, c.status, c.created_at \
     FROM comments c JOIN members m ON m.id = c.member_id";

/// The store on one database pool.
#[derive(Clone)]
pub struct Store {
    pool: sqlx::Pool<Db>,
    changes: ChangeSender,
}

impl Store {
    pub fn new(pool: sqlx::Pool<Db>) -> Self {
        Self { pool, changes: masthead_core::change::channel() }
    }

    /// Tells subscribers what a committed write changed. Nobody listening is fine.
    fn notify(&self, change: Change) {
        let _ = self.changes.send(change);
    }

    /// Applies pending migrations; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let applied_before = self.applied_versions().await?;
        dialect::MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| Error::internal("cannot apply migrations", e))?;
        let applied_after = self.applied_versions().await?;
        Ok(applied_after
            .into_iter()
            .filter(|v| !applied_before.contains(v))
            .collect())
    }

    async fn applied_versions(&self) -> Result<Vec<i64>> {
        let exists: Option<i64> = sqlx::query_scalar(dialect::MIGRATIONS_TABLE_EXISTS)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("migrations"))?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("migrations"))
    }

    pub fn pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }
}

/// Finds tags by name, creating the missing ones; keeps the order of `names`.
async fn ensure_tags(conn: &mut Conn, names: &[String], now: DateTime<Utc>) -> Result<Vec<Tag>> {
    let mut tags: Vec<Tag> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        let slug = masthead_core::slug::slugify(name)
            .ok_or_else(|| Error::invalid("tags", format!("the tag {name:?} has no letters or digits")))?;
        if tags.iter().any(|t| t.slug == slug) {
            continue;
        }
        let found = existing_tag(&mut *conn, name, &slug).await?;
        let row = match found {
            Some(row) => row,
            None => {
                sqlx::query(
                    "INSERT INTO tags (slug, name, description, created_at) VALUES ($1, $2, '', $3) \
                     ON CONFLICT (slug) DO NOTHING",
                )
                .bind(&slug)
                .bind(name)
                .bind(ts(now))
                .execute(&mut *conn)
                .await
                .map_err(db_error("tag"))?;
                sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE slug = $1")
                    .bind(&slug)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db_error("tag"))?
            }
        };
        let tag: Tag = row.into();
        if tags.iter().any(|t| t.id == tag.id) {
            continue;
        }
        tags.push(tag);
    }
    Ok(tags)
}

/// The tag a writer means by `name`: the one at its slug, else the one of that name
/// (a tag renamed without a new address), else the one its old address now leads to
/// (renamed or merged away), so editing tags never splits one into two.
async fn existing_tag(conn: &mut Conn, name: &str, slug: &str) -> Result<Option<TagRow>> {
    let by_slug: Option<TagRow> =
        sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error("tag"))?;
    if by_slug.is_some() {
        return Ok(by_slug);
    }
    let by_name: Option<TagRow> = sqlx::query_as(
        "SELECT id, slug, name, description FROM tags WHERE LOWER(name) = LOWER($1) ORDER BY id LIMIT 1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error("tag"))?;
    if by_name.is_some() {
        return Ok(by_name);
    }
    let moved: Option<String> = sqlx::query_scalar("SELECT to_path FROM redirects WHERE from_path = $1")
        .bind(format!("/tag/{slug}/"))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error("redirect"))?;
    let Some(target) = moved
        .as_deref()
        .and_then(|p| p.strip_prefix("/tag/"))
        .and_then(|p| p.strip_suffix('/'))
        .map(str::to_owned)
    else {
        return Ok(None);
    };
    sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE slug = $1")
        .bind(target)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error("tag"))
}

/// One article's rows in the tables beside `articles`, with the status and publication
/// time those rows carry for the tag and author listings.
struct Parts<'a> {
    id: i64,
    content: &'a ArticleContent,
    tag_ids: Vec<i64>,
    status: &'a str,
    published_at: Option<DateTime<Utc>>,
}

/// Writes the parts of articles kept in their own tables: tags, credits, sources.
async fn insert_article_parts(conn: &mut Conn, items: &[Parts<'_>]) -> Result<()> {
    let tag_rows: Vec<(&Parts, i64, i64)> = items
        .iter()
        .flat_map(|p| p.tag_ids.iter().enumerate().map(move |(i, t)| (p, *t, i as i64)))
        .collect();
    for chunk in tag_rows.chunks(BATCH) {
        QueryBuilder::<Db>::new("INSERT INTO article_tags (article_id, tag_id, position, status, published_at) ")
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
            let authors = p.content.authors.iter().enumerate().map(move |(i, a)| (p, a.0, "author", i as i64));
            let editors = p.content.editors.iter().enumerate().map(move |(i, e)| (p, e.0, "editor", i as i64));
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
        .flat_map(|p| p.content.sources.iter().enumerate().map(move |(i, s)| (p.id, i as i64, s)))
        .collect();
    for chunk in source_rows.chunks(BATCH) {
        QueryBuilder::<Db>::new("INSERT INTO article_sources (article_id, position, name, url, note) ")
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
async fn insert_articles(conn: &mut Conn, articles: &[NewArticle]) -> Result<(Vec<i64>, Vec<ArticleFilter>)> {
    let now = Utc::now();
    // Tags first, once per distinct name in the batch.
    let mut names: Vec<String> = articles.iter().flat_map(|a| a.content.tags.iter().cloned()).collect();
    names.sort();
    names.dedup();
    let tags = ensure_tags(conn, &names, now).await?;
    let tag_id = |name: &str| -> Option<i64> {
        let slug = masthead_core::slug::slugify(name.trim())?;
        tags.iter().find(|t| t.slug == slug).map(|t| t.id.0)
    };

    let mut ids = Vec::with_capacity(articles.len());
    let mut counts = CountDeltas::default();
    for chunk in articles.chunks(BATCH) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO articles (slug, title, standfirst, body_markdown, body_html, custom_excerpt, \
             excerpt, word_count, featured_media_id, featured_alt, featured_caption, featured_credit, \
             section_id, article_type, status, visibility, meta_title, meta_description, social_image, \
             canonical_url, created_at, updated_at, published_at, scheduled_at) ",
        );
        qb.push_values(chunk, |mut b, a| {
            let c = &a.content;
            let image = c.featured_image.as_ref();
            b.push_bind(a.slug.as_str())
                .push_bind(c.title.as_str())
                .push_bind(c.standfirst.as_str())
                .push_bind(c.body_markdown.as_str())
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
                .push_bind(c.seo.meta_title.as_str())
                .push_bind(c.seo.meta_description.as_str())
                .push_bind(c.seo.social_image.as_str())
                .push_bind(c.seo.canonical_url.as_str())
                .push_bind(ts(a.created_at))
                .push_bind(ts(a.created_at))
                .push_bind(a.published_at.map(ts))
                .push_bind(a.scheduled_at.map(ts));
        });
        qb.push(" RETURNING id, slug");
        let returned: Vec<(i64, String)> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error("article"))?;
        // RETURNING promises no order, so match rows back by their unique slug.
        let by_slug: std::collections::HashMap<&str, i64> =
            returned.iter().map(|(id, slug)| (slug.as_str(), *id)).collect();
        let mut parts = Vec::with_capacity(chunk.len());
        for a in chunk {
            let id = *by_slug
                .get(a.slug.as_str())
                .ok_or_else(|| Error::Internal { message: "inserted article not returned".into(), source: None })?;
            let tag_ids = a.content.tags.iter().filter_map(|t| tag_id(t)).collect::<Vec<_>>();
            let mut unique = Vec::with_capacity(tag_ids.len());
            for t in tag_ids {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            let authors: Vec<i64> = a.content.authors.iter().map(|p| p.0).collect();
            counts.add(a.status.as_str(), a.content.section_id.map(|s| s.0), &unique, &authors, 1);
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
            QueryBuilder::<Db>::new("INSERT INTO corrections (article_id, kind, text, created_at) ")
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

/// Records that `moved.from` now lives at `moved.to`, keeping redirects free of chains
/// and loops.
async fn record_move(conn: &mut Conn, moved: &PathMove, at: DateTime<Utc>) -> Result<()> {
    // Earlier redirects to the old path now go straight to the new one.
    sqlx::query("UPDATE redirects SET to_path = $1 WHERE to_path = $2")
        .bind(&moved.to)
        .bind(&moved.from)
        .execute(&mut *conn)
        .await
        .map_err(db_error("redirect"))?;
    // A path that is live again must not redirect anywhere.
    sqlx::query("DELETE FROM redirects WHERE from_path = $1")
        .bind(&moved.to)
        .execute(&mut *conn)
        .await
        .map_err(db_error("redirect"))?;
    sqlx::query(
        "INSERT INTO redirects (from_path, to_path, status_code, created_at) VALUES ($1, $2, 301, $3) \
         ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path, status_code = 301",
    )
    .bind(&moved.from)
    .bind(&moved.to)
    .bind(ts(at))
    .execute(&mut *conn)
    .await
    .map_err(db_error("redirect"))?;
    Ok(())
}

/// Changes to `article_counts`, gathered so that each counter is written once per
/// transaction, in one statement, in key order: concurrent transactions then lock
/// counter rows in the same order and cannot deadlock.
#[derive(Default)]
struct CountDeltas(std::collections::BTreeMap<(&'static str, i64, String), i64>);

impl CountDeltas {
    /// Counts one article (`delta` +1 or -1) in every list it appears in.
    fn add(&mut self, status: &str, section: Option<i64>, tags: &[i64], authors: &[i64], delta: i64) {
        let mut bump = |scope: &'static str, id: i64| {
            *self.0.entry((scope, id, status.to_owned())).or_insert(0) += delta;
        };
        bump("all", 0);
        if let Some(section) = section {
            bump("section", section);
        }
        tags.iter().for_each(|t| bump("tag", *t));
        authors.iter().for_each(|a| bump("author", *a));
    }

    /// Every list touched, whether or not its count changed in the end: an edit that
    /// leaves an article where it was still changes how those lists show it.
    fn lists(&self) -> Vec<ArticleFilter> {
        let mut lists: Vec<ArticleFilter> = self
            .0
            .keys()
            .filter_map(|(scope, id, _)| match *scope {
                "all" => Some(ArticleFilter::All),
                "section" => Some(ArticleFilter::Section(SectionId(*id))),
                "tag" => Some(ArticleFilter::Tag(TagId(*id))),
                "author" => Some(ArticleFilter::Author(PersonId(*id))),
                _ => None,
            })
            .collect();
        lists.dedup();
        lists
    }

    async fn apply(self, conn: &mut Conn) -> Result<()> {
        let rows: Vec<_> = self.0.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in rows.chunks(BATCH) {
            let mut qb = QueryBuilder::<Db>::new("INSERT INTO article_counts (scope, scope_id, status, n) ");
            qb.push_values(chunk, |mut b, ((scope, id, status), n)| {
                b.push_bind(*scope).push_bind(*id).push_bind(status.as_str()).push_bind(*n);
            });
            qb.push(" ON CONFLICT (scope, scope_id, status) DO UPDATE SET n = article_counts.n + excluded.n");
            qb.build().execute(&mut *conn).await.map_err(db_error("article counts"))?;
        }
        Ok(())
    }
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
async fn count_article(conn: &mut Conn, id: i64, delta: i64, deltas: &mut CountDeltas) -> Result<()> {
    let (status, section): (String, Option<i64>) =
        sqlx::query_as("SELECT status, section_id FROM articles WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error("article"))?;
    let tags: Vec<i64> = sqlx::query_scalar("SELECT tag_id FROM article_tags WHERE article_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error("article tags"))?;
    let authors: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM article_credits WHERE article_id = $1 AND kind = 'author'")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error("article credits"))?;
    deltas.add(&status, section, &tags, &authors, delta);
    Ok(())
}

fn not_found_unless_one(affected: u64, what: &str) -> Result<()> {
    if affected == 0 {
        Err(Error::not_found(what.to_owned()))
    } else {
        Ok(())
    }
}

impl Store {
    async fn load_article(&self, row: Option<ArticleRow>) -> Result<Option<Article>> {
        let Some(row) = row else { return Ok(None) };
        let parts: Vec<PartRow> = sqlx::query_as(PARTS_QUERY)
            .bind(row.id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("article parts"))?;
        row.into_article(ArticleParts::from_rows(parts)?).map(Some)
    }

    /// Starts a transaction that will write.
    async fn begin(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.pool
            .begin_with(dialect::BEGIN_WRITE)
            .await
            .map_err(db_error("transaction"))
    }
}

impl Store {
    /// One page of an ordered summary query (`qb`, `SELECT SUMMARY_COLUMNS ... ORDER
    /// BY ...`), with the list's `total` counted beforehand.
    async fn summary_page(
        &self,
        mut qb: QueryBuilder<'_, Db>,
        page: PageRequest,
        total: i64,
    ) -> Result<Page<ArticleSummary>> {
        qb.push(" LIMIT ")
            .push_bind(i64::from(page.limit))
            .push(" OFFSET ")
            .push_bind(i64::from(page.offset));
        let rows: Vec<SummaryRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("articles"))?;
        Ok(Page {
            items: rows.into_iter().map(ArticleSummary::try_from).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Summaries of the published articles among `ids`, in the order of `ids`.
    async fn summaries_in_order(&self, ids: &[i64]) -> Result<Vec<ArticleSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {SUMMARY_COLUMNS} WHERE a.status = 'published' AND a.id IN ("
        ));
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<SummaryRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("articles"))?;
        let mut found: Vec<ArticleSummary> =
            rows.into_iter().map(ArticleSummary::try_from).collect::<Result<_>>()?;
        found.sort_by_key(|a| ids.iter().position(|id| *id == a.id.0));
        Ok(found)
    }
}

/// Fails with a conflict when a section already has `slug` (checked for pages), or a
/// page has it (checked for sections): both live at `/{slug}/`.
async fn top_level_slug_free(conn: &mut Conn, table: &'static str, slug: &str) -> Result<()> {
    let taken: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error("slug"))?;
    match taken {
        Some(_) => Err(Error::conflict(format!(
            "/{slug}/ is taken by a {}; choose another slug",
            if table == "pages" { "page" } else { "section" }
        ))),
        None => Ok(()),
    }
}

async fn commit(tx: sqlx::Transaction<'static, Db>) -> Result<()> {
    tx.commit().await.map_err(db_error("commit"))
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

#[async_trait]
impl masthead_core::store::Store for Store {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn subscribe(&self) -> masthead_core::change::ChangeReceiver {
        self.changes.subscribe()
    }

    async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_error("health check"))?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM sections), \
             (SELECT COUNT(*) FROM tags), (SELECT COUNT(*) FROM people), \
             (SELECT COUNT(*) FROM members), (SELECT COUNT(*) FROM comments)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("counts"))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Counts {
            articles: n(row.0),
            sections: n(row.1),
            tags: n(row.2),
            people: n(row.3),
            members: n(row.4),
            comments: n(row.5),
        })
    }

    async fn analyze(&self) -> Result<()> {
        for statement in dialect::AFTER_BULK_LOAD {
            sqlx::query(statement)
                .execute(&self.pool)
                .await
                .map_err(db_error("analyze"))?;
        }
        Ok(())
    }

    async fn settings(&self) -> Result<Settings> {
        let doc: Option<String> = sqlx::query_scalar("SELECT document FROM settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("settings"))?;
        doc.map_or_else(|| Ok(Settings::default()), |d| json(&d))
    }

    async fn save_settings(&self, settings: &Settings) -> Result<()> {
        settings.validate()?;
        sqlx::query(
            "INSERT INTO settings (id, document) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET document = excluded.document",
        )
        .bind(to_json(settings)?)
        .execute(&self.pool)
        .await
        .map_err(db_error("settings"))?;
        self.notify(Change::Site);
        Ok(())
    }

    async fn create_section(&self, section: &NewSection) -> Result<Section> {
        let section = section.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "pages", &section.slug).await?;
        let row: SectionRow = sqlx::query_as(
            "INSERT INTO sections (slug, name, description, position, in_navigation, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, slug, name, description, position, in_navigation",
        )
        .bind(&section.slug)
        .bind(section.name.trim())
        .bind(&section.description)
        .bind(section.position)
        .bind(section.in_navigation)
        .bind(ts(Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(row.into())
    }

    async fn sections(&self) -> Result<Vec<Section>> {
        let rows: Vec<SectionRow> = sqlx::query_as(
            "SELECT id, slug, name, description, position, in_navigation FROM sections ORDER BY position, name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("sections"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        let row: Option<SectionRow> = sqlx::query_as(
            "SELECT id, slug, name, description, position, in_navigation FROM sections WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("section"))?;
        Ok(row.map(Into::into))
    }

    async fn ensure_tags(&self, names: &[String]) -> Result<Vec<Tag>> {
        let mut tx = self.begin().await?;
        let tags = ensure_tags(&mut tx, names, Utc::now()).await?;
        commit(tx).await?;
        Ok(tags)
    }

    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        let row: Option<TagRow> = sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("tag"))?;
        Ok(row.map(Into::into))
    }

    async fn tags(&self) -> Result<Vec<Tag>> {
        let rows: Vec<TagRow> = sqlx::query_as("SELECT id, slug, name, description FROM tags ORDER BY name, id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("tags"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn update_section(&self, id: SectionId, section: &NewSection) -> Result<Section> {
        let section = section.clone().prepare()?;
        let mut tx = self.begin().await?;
        let before: Option<SectionRow> = sqlx::query_as(&format!(
            "SELECT id, slug, name, description, position, in_navigation FROM sections WHERE id = $1{}",
            dialect::FOR_UPDATE
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        let Some(before) = before else {
            return Err(Error::not_found(format!("section {}", id.0)));
        };
        let moved = before.slug != section.slug;
        if moved {
            top_level_slug_free(&mut tx, "pages", &section.slug).await?;
        }
        let row: SectionRow = sqlx::query_as(
            "UPDATE sections SET slug = $2, name = $3, description = $4, position = $5, \
             in_navigation = $6 WHERE id = $1 \
             RETURNING id, slug, name, description, position, in_navigation",
        )
        .bind(id.0)
        .bind(&section.slug)
        .bind(section.name.trim())
        .bind(section.description.trim())
        .bind(section.position)
        .bind(section.in_navigation)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("section"))?;
        if moved {
            let now = Utc::now();
            let slugs: Vec<String> = sqlx::query_scalar(
                "SELECT slug FROM articles WHERE section_id = $1 AND status = 'published'",
            )
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error("articles"))?;
            let section_move = PathMove {
                from: format!("/{}/", before.slug),
                to: format!("/{}/", section.slug),
            };
            record_move(&mut tx, &section_move, now).await?;
            for slug in slugs {
                let moved = PathMove {
                    from: masthead_core::article::article_path(Some(&before.slug), &slug),
                    to: masthead_core::article::article_path(Some(&section.slug), &slug),
                };
                record_move(&mut tx, &moved, now).await?;
            }
        }
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(row.into())
    }

    async fn update_tag(&self, id: TagId, tag: &TagEdit) -> Result<Tag> {
        let tag = tag.clone().prepare()?;
        let mut tx = self.begin().await?;
        let before: Option<String> = sqlx::query_scalar("SELECT slug FROM tags WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error("tag"))?;
        let Some(before) = before else {
            return Err(Error::not_found(format!("tag {}", id.0)));
        };
        let same_name: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM tags WHERE LOWER(name) = LOWER($1) AND id <> $2",
        )
        .bind(&tag.name)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("tag"))?;
        if same_name.is_some() {
            return Err(Error::conflict(format!(
                "another tag is called {:?}: merge into it instead",
                tag.name
            )));
        }
        let row: TagRow = sqlx::query_as(
            "UPDATE tags SET slug = $2, name = $3, description = $4 WHERE id = $1 \
             RETURNING id, slug, name, description",
        )
        .bind(id.0)
        .bind(&tag.slug)
        .bind(&tag.name)
        .bind(tag.description.trim())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_error("tag")(e) {
            Error::Conflict(_) => Error::conflict(format!(
                "another tag has the address /tag/{}/: merge into it instead",
                tag.slug
            )),
            other => other,
        })?;
        if before != tag.slug {
            let moved = PathMove {
                from: format!("/tag/{before}/"),
                to: format!("/tag/{}/", tag.slug),
            };
            record_move(&mut tx, &moved, Utc::now()).await?;
        }
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(row.into())
    }

    async fn merge_tags(&self, from: TagId, into: TagId) -> Result<Tag> {
        if from == into {
            return Err(Error::invalid("into", "a tag cannot be merged into itself"));
        }
        let mut tx = self.begin().await?;
        let mut slugs = Vec::new();
        for id in [from, into] {
            let slug: Option<String> = sqlx::query_scalar("SELECT slug FROM tags WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("tag"))?;
            slugs.push(slug.ok_or_else(|| Error::not_found(format!("tag {}", id.0)))?);
        }
        // Articles with both keep one; the others take the surviving tag in place.
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id, position, status, published_at) \
             SELECT article_id, $2, position, status, published_at FROM article_tags x \
             WHERE x.tag_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM article_tags y WHERE y.article_id = x.article_id AND y.tag_id = $2)",
        )
        .bind(from.0)
        .bind(into.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article tags"))?;
        sqlx::query("DELETE FROM tags WHERE id = $1")
            .bind(from.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("tag"))?;
        sqlx::query("DELETE FROM article_counts WHERE scope = 'tag' AND (scope_id = $1 OR scope_id = $2)")
            .bind(from.0)
            .bind(into.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("article counts"))?;
        sqlx::query(
            "INSERT INTO article_counts (scope, scope_id, status, n) \
             SELECT 'tag', x.tag_id, a.status, COUNT(*) FROM article_tags x \
             JOIN articles a ON a.id = x.article_id WHERE x.tag_id = $1 GROUP BY x.tag_id, a.status",
        )
        .bind(into.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error("article counts"))?;
        let moved = PathMove {
            from: format!("/tag/{}/", slugs[0]),
            to: format!("/tag/{}/", slugs[1]),
        };
        record_move(&mut tx, &moved, Utc::now()).await?;
        let row: TagRow = sqlx::query_as("SELECT id, slug, name, description FROM tags WHERE id = $1")
            .bind(into.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error("tag"))?;
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(row.into())
    }

    async fn tags_matching(&self, words: &str, limit: u32) -> Result<Vec<Tag>> {
        let rows: Vec<TagRow> = sqlx::query_as(
            "SELECT id, slug, name, description FROM tags WHERE LOWER(name) LIKE $1 ESCAPE '\\' \
             ORDER BY name, id LIMIT $2",
        )
        .bind(contains_pattern(words))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("tags"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn tag_usage(&self) -> Result<Vec<(Tag, u64)>> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT t.id, t.slug, t.name, t.description, \
             CAST((SELECT COUNT(*) FROM article_tags x WHERE x.tag_id = t.id \
             AND x.status <> 'deleted') AS BIGINT) \
             FROM tags t ORDER BY t.name, t.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("tags"))?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, name, description, n)| {
                let tag = TagRow { id, slug, name, description }.into();
                (tag, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }

    async fn create_person(&self, person: &NewPerson) -> Result<Person> {
        let mut tx = self.begin().await?;
        let person = insert_person(&mut tx, person).await?;
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(person)
    }

    async fn person(&self, id: PersonId) -> Result<Option<Person>> {
        let row: Option<PersonRow> = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("person"))?;
        row.map(|r| r.into_person().map(|p| p.0)).transpose()
    }

    async fn person_by_slug(&self, slug: &str) -> Result<Option<Person>> {
        let row: Option<PersonRow> = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("person"))?;
        row.map(|r| r.into_person().map(|p| p.0)).transpose()
    }

    async fn person_credentials(&self, email: &str) -> Result<Option<(Person, String)>> {
        let row: Option<PersonRow> = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE email = $1"))
            .bind(normalize_email(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("person"))?;
        row.map(PersonRow::into_person).transpose()
    }

    async fn people(&self) -> Result<Vec<Person>> {
        let rows: Vec<PersonRow> = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} ORDER BY name, id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("people"))?;
        rows.into_iter().map(|r| r.into_person().map(|p| p.0)).collect()
    }

    async fn start_session(
        &self,
        session: &NewSession,
        account_key: &str,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
            .bind(ts(session.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error("sessions"))?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, person_id, csrf_token, created_at, last_seen_at, \
             expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(&session.token_hash)
        .bind(session.person.0)
        .bind(&session.csrf_token)
        .bind(ts(session.created_at))
        .bind(ts(NewSession::expiry(session.created_at, session.created_at)))
        .bind(&session.ip)
        .bind(&session.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(db_error("session"))?;
        sqlx::query("DELETE FROM login_failures WHERE kind = $1 AND key = $2")
            .bind(AttemptKind::Account.as_str())
            .bind(account_key)
            .execute(&mut *tx)
            .await
            .map_err(db_error("login failures"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, \
             s.expires_at, p.id, p.slug, p.name, p.email, p.role, p.bio, p.expertise, \
             p.avatar_media_id, p.social_links, p.password_hash, p.created_at, p.deactivated_at \
             FROM staff_sessions s JOIN people p ON p.id = s.person_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("session"))?;
        row.map(Session::try_from).transpose()
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE staff_sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(ts(at))
            .bind(ts(expires_at))
            .execute(&self.pool)
            .await
            .map_err(db_error("session"))?;
        Ok(())
    }

    async fn end_session(&self, token_hash: &str, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(db_error("session"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn end_sessions(&self, person: PersonId, audit: &NewAuditEntry) -> Result<u64> {
        let mut tx = self.begin().await?;
        let ended = sqlx::query("DELETE FROM staff_sessions WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("sessions"))?
            .rows_affected();
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(ended)
    }

    async fn record_login_failure(
        &self,
        keys: &[(AttemptKind, &str)],
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(ts(audit.at - chrono::Duration::days(1)))
            .execute(&mut *tx)
            .await
            .map_err(db_error("login failures"))?;
        for (kind, key) in keys {
            sqlx::query("INSERT INTO login_failures (kind, key, at) VALUES ($1, $2, $3)")
                .bind(kind.as_str())
                .bind(*key)
                .bind(ts(audit.at))
                .execute(&mut *tx)
                .await
                .map_err(db_error("login failures"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn login_failures(
        &self,
        kind: AttemptKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Failures> {
        let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE kind = $1 AND key = $2 AND at >= $3",
        )
        .bind(kind.as_str())
        .bind(key)
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("login failures"))?;
        Ok(Failures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest,
        })
    }

    async fn record_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_audit(&mut tx, entry).await?;
        commit(tx).await
    }

    async fn audit_log(&self, page: PageRequest) -> Result<Page<AuditEntry>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("audit log"))?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor_id, actor_name, action, target, ip FROM audit_log \
             ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("audit log"))?;
        Ok(Page {
            items: rows.into_iter().map(AuditEntry::try_from).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn set_role(&self, id: PersonId, role: Role, audit: &NewAuditEntry) -> Result<Person> {
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET role = $2 WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind(role.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        row.into_person().map(|(p, _)| p)
    }

    async fn create_staff_token(
        &self,
        token: &NewStaffToken,
        audit: Option<&NewAuditEntry>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM staff_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL")
            .bind(ts(token.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error("tokens"))?;
        sqlx::query(
            "INSERT INTO staff_tokens (token_hash, purpose, person_id, email, name, role, \
             created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.token_hash)
        .bind(token.purpose.as_str())
        .bind(token.person.map(|p| p.0))
        .bind(normalize_email(&token.email))
        .bind(token.name.trim())
        .bind(token.role.map(|r| r.as_str()))
        .bind(token.created_by.map(|p| p.0))
        .bind(ts(token.created_at))
        .bind(ts(token.created_at + token.purpose.lifetime()))
        .execute(&mut *tx)
        .await
        .map_err(db_error("token"))?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        commit(tx).await
    }

    async fn staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffToken>> {
        let row: Option<StaffTokenRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_TOKEN_COLUMNS} WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3"
        ))
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("token"))?;
        row.map(StaffToken::try_from).transpose()
    }

    async fn use_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let used = take_token(&mut tx, token_hash, purpose, now).await?.is_some();
        if let (true, Some(audit)) = (used, audit) {
            insert_audit(&mut tx, audit).await?;
        }
        commit(tx).await?;
        Ok(used)
    }

    async fn try_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<bool> {
        let counted = sqlx::query(
            "UPDATE staff_tokens SET attempts = attempts + 1 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 AND attempts < $4",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .bind(i64::from(max_attempts))
        .execute(&self.pool)
        .await
        .map_err(db_error("token"))?
        .rows_affected();
        Ok(counted == 1)
    }

    async fn invitations(&self, now: DateTime<Utc>) -> Result<Vec<StaffToken>> {
        let rows: Vec<StaffTokenRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_TOKEN_COLUMNS} WHERE purpose = $1 AND used_at IS NULL \
             AND expires_at > $2 ORDER BY created_at DESC, token_hash"
        ))
        .bind(TokenPurpose::Invitation.as_str())
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("invitations"))?;
        rows.into_iter().map(StaffToken::try_from).collect()
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>> {
        let mut tx = self.begin().await?;
        let Some(token) = take_token(&mut tx, token_hash, TokenPurpose::Reset, now).await? else {
            return Ok(None);
        };
        let Some(person) = token.person else {
            return Ok(None);
        };
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET password_hash = $2 WHERE id = $1 AND deactivated_at IS NULL RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(person.0)
        .bind(password_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        for sql in [
            "DELETE FROM staff_sessions WHERE person_id = $1",
            "DELETE FROM staff_tokens WHERE person_id = $1 AND used_at IS NULL",
        ] {
            sqlx::query(sql)
                .bind(person.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("sessions"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        row.into_person().map(|(p, _)| Some(p))
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        person: &NewPerson,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>> {
        let mut tx = self.begin().await?;
        let Some(token) = take_token(&mut tx, token_hash, TokenPurpose::Invitation, now).await?
        else {
            return Ok(None);
        };
        let invited = NewPerson {
            role: token.invited_role(),
            email: token.email,
            ..person.clone()
        };
        let added = insert_person(&mut tx, &invited).await?;
        let audit = NewAuditEntry {
            actor: Some(added.id),
            ..audit.clone()
        };
        insert_audit(&mut tx, &audit).await?;
        commit(tx).await?;
        self.notify(Change::Site);
        Ok(Some(added))
    }

    async fn change_password(
        &self,
        person: PersonId,
        password_hash: &str,
        keep_session: &str,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
            .bind(person.0)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(db_error("person"))?
            .rows_affected();
        if changed == 0 {
            return Err(Error::not_found(format!("staff member {person}")));
        }
        sqlx::query("DELETE FROM staff_sessions WHERE person_id = $1 AND token_hash <> $2")
            .bind(person.0)
            .bind(keep_session)
            .execute(&mut *tx)
            .await
            .map_err(db_error("sessions"))?;
        // Links sent and second steps begun on the old password end with it.
        sqlx::query("DELETE FROM staff_tokens WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("tokens"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn two_factor(&self, person: PersonId) -> Result<Option<TwoFactor>> {
        let row: Option<TwoFactorRow> = sqlx::query_as(
            "SELECT t.secret, t.last_step, t.enabled_at, \
             (SELECT COUNT(*) FROM staff_recovery_codes c \
              WHERE c.person_id = t.person_id AND c.used_at IS NULL) AS recovery_left \
             FROM staff_two_factor t WHERE t.person_id = $1",
        )
        .bind(person.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("two-factor"))?;
        Ok(row.map(TwoFactor::from))
    }

    async fn enable_two_factor(
        &self,
        person: PersonId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO staff_two_factor (person_id, secret, last_step, enabled_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id) DO UPDATE \
             SET secret = excluded.secret, last_step = excluded.last_step, \
             enabled_at = excluded.enabled_at",
        )
        .bind(person.0)
        .bind(secret)
        .bind(step)
        .bind(ts(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(db_error("two-factor"))?;
        sqlx::query("DELETE FROM staff_recovery_codes WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("recovery codes"))?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO staff_recovery_codes (person_id, code_hash) VALUES ($1, $2)")
                .bind(person.0)
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(db_error("recovery code"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn disable_two_factor(&self, person: PersonId, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM staff_two_factor WHERE person_id = $1",
            "DELETE FROM staff_recovery_codes WHERE person_id = $1",
        ] {
            sqlx::query(sql)
                .bind(person.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("two-factor"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn accept_code_step(&self, person: PersonId, step: i64) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE staff_two_factor SET last_step = $2 WHERE person_id = $1 AND last_step < $2",
        )
        .bind(person.0)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(db_error("two-factor"))?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn use_recovery_code(
        &self,
        person: PersonId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE staff_recovery_codes SET used_at = $3 \
             WHERE person_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(person.0)
        .bind(code_hash)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_error("recovery code"))?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn update_profile(
        &self,
        id: PersonId,
        profile: &Profile,
        audit: &NewAuditEntry,
    ) -> Result<Person> {
        profile.validate()?;
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET name = $2, bio = $3, expertise = $4, social_links = $5 \
             WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind(profile.name.trim())
        .bind(profile.bio.trim())
        .bind(to_json(&profile.expertise)?)
        .bind(to_json(&profile.social_links)?)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        // Bylines and author pages show the name everywhere.
        self.notify(Change::Site);
        row.into_person().map(|(p, _)| p)
    }

    async fn set_access(
        &self,
        id: PersonId,
        active: bool,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Person> {
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET deactivated_at = $2 WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind((!active).then(|| ts(at)))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        if !active {
            for sql in [
                "DELETE FROM staff_sessions WHERE person_id = $1",
                // Their links, and invitations they sent and nobody accepted yet.
                "DELETE FROM staff_tokens WHERE person_id = $1 OR (created_by = $1 AND used_at IS NULL)",
            ] {
                sqlx::query(sql)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error("sessions"))?;
            }
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.notify(Change::Site);
        row.into_person().map(|(p, _)| p)
    }

    async fn create_member(&self, member: &NewMember) -> Result<Member> {
        member.validate()?;
        let row: MemberRow = sqlx::query_as(
            "INSERT INTO members (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, email, name, created_at",
        )
        .bind(normalize_email(&member.email))
        .bind(member.name.trim())
        .bind(member.password_hash.as_deref())
        .bind(ts(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("member"))?;
        Ok(row.into())
    }

    async fn member_by_email(&self, email: &str) -> Result<Option<Member>> {
        let row: Option<MemberRow> =
            sqlx::query_as("SELECT id, email, name, created_at FROM members WHERE email = $1")
                .bind(normalize_email(email))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("member"))?;
        Ok(row.map(Into::into))
    }

    async fn create_media(&self, media: &NewMedia) -> Result<Media> {
        let mut tx = self.begin().await?;
        let row: MediaRow = sqlx::query_as(&format!(
            "INSERT INTO media (storage_key, mime_type, width, height, byte_size, alt, caption, credit, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {}",
            MEDIA_COLUMNS.trim_end_matches(" FROM media")
        ))
        .bind(&media.storage_key)
        .bind(&media.mime_type)
        .bind(media.width.map(i64::from))
        .bind(media.height.map(i64::from))
        .bind(i64::try_from(media.byte_size).unwrap_or(i64::MAX))
        .bind(&media.alt)
        .bind(&media.caption)
        .bind(&media.credit)
        .bind(ts(Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("media"))?;
        for v in &media.variants {
            sqlx::query(
                "INSERT INTO media_variants (media_id, width, height, mime_type, storage_key, byte_size) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.id)
            .bind(i64::from(v.width))
            .bind(i64::from(v.height))
            .bind(&v.mime_type)
            .bind(&v.storage_key)
            .bind(i64::try_from(v.byte_size).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db_error("media variant"))?;
        }
        commit(tx).await?;
        let mut created = Media::from(row);
        created.variants = media.variants.clone();
        created.variants.sort_by(|a, b| (a.width, &a.mime_type).cmp(&(b.width, &b.mime_type)));
        Ok(created)
    }

    async fn media(&self, id: MediaId) -> Result<Option<Media>> {
        Ok(self.media_many(&[id]).await?.pop())
    }

    async fn media_many(&self, ids: &[MediaId]) -> Result<Vec<Media>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Each media row once per variant (or once with none), in one query.
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {MEDIA_WITH_VARIANTS} WHERE m.id IN ("));
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(id.0);
        }
        qb.push(") ORDER BY m.id, v.width, v.mime_type");
        let rows: Vec<MediaVariantRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("media"))?;
        let mut media: Vec<Media> = Vec::new();
        for row in rows {
            let variant = row.variant();
            if media.last().is_none_or(|m| m.id.0 != row.media.id) {
                media.push(row.media.into());
            }
            if let (Some(m), Some(v)) = (media.last_mut(), variant) {
                m.variants.push(v);
            }
        }
        Ok(media)
    }

    async fn add_media_variant(&self, media: MediaId, v: &MediaVariant) -> Result<()> {
        sqlx::query(
            "INSERT INTO media_variants (media_id, width, height, mime_type, storage_key, byte_size) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (media_id, width, mime_type) DO NOTHING",
        )
        .bind(media.0)
        .bind(i64::from(v.width))
        .bind(i64::from(v.height))
        .bind(&v.mime_type)
        .bind(&v.storage_key)
        .bind(i64::try_from(v.byte_size).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await
        .map_err(db_error("media variant"))?;
        Ok(())
    }

    async fn media_library(&self, search: &str, page: PageRequest) -> Result<Page<Media>> {
        let pattern = contains_pattern(search);
        let filter = "WHERE $1 = '%%' OR LOWER(alt) LIKE $1 ESCAPE '\\' OR LOWER(caption) LIKE $1 ESCAPE '\\' \
                      OR LOWER(credit) LIKE $1 ESCAPE '\\'";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM media {filter}"))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("media"))?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM media {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("media"))?;
        let ids: Vec<MediaId> = ids.into_iter().map(MediaId).collect();
        let mut items = self.media_many(&ids).await?;
        items.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn update_media_text(&self, id: MediaId, alt: &str, caption: &str, credit: &str) -> Result<()> {
        let done = sqlx::query("UPDATE media SET alt = $2, caption = $3, credit = $4 WHERE id = $1")
            .bind(id.0)
            .bind(alt.trim())
            .bind(caption.trim())
            .bind(credit.trim())
            .execute(&self.pool)
            .await
            .map_err(db_error("media"))?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(format!("media {id}")));
        }
        Ok(())
    }

    async fn create_article(&self, article: &NewArticle) -> Result<ArticleId> {
        article.content.validate()?;
        let mut tx = self.begin().await?;
        let (ids, lists) = insert_articles(&mut tx, std::slice::from_ref(article))
            .await
            .map_err(|e| match e {
                Error::Conflict(_) => Error::conflict(format!("the slug {:?} is taken", article.slug)),
                other => other,
            })?;
        commit(tx).await?;
        let id = ids
            .first()
            .map(|id| ArticleId(*id))
            .ok_or_else(|| Error::Internal { message: "article not inserted".into(), source: None })?;
        self.notify(Change::Article { id, lists });
        Ok(id)
    }

    async fn create_articles(&self, articles: &[NewArticle]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_articles(&mut tx, articles).await?;
        commit(tx).await?;
        // A bulk load touches too much to list; everything may be stale.
        self.notify(Change::Site);
        Ok(())
    }

    async fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = sqlx::query_as(&format!("SELECT {ARTICLE_COLUMNS} WHERE a.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("article"))?;
        self.load_article(row).await
    }

    async fn article_by_slug(&self, slug: &str) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = sqlx::query_as(&format!("SELECT {ARTICLE_COLUMNS} WHERE a.slug = $1"))
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
        content: &ArticleContent,
        rendered: &RenderedBody,
        moved: Option<&PathMove>,
        updated_at: DateTime<Utc>,
        expected: Option<DateTime<Utc>>,
    ) -> Result<()> {
        content.validate()?;
        let image = content.featured_image.as_ref();
        let mut tx = self.begin().await?;
        let (status, published_at) = lock_article(&mut tx, id.0).await?;
        if let Some(expected) = expected {
            let current: DateTime<Utc> = sqlx::query_scalar("SELECT updated_at FROM articles WHERE id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error("article"))?;
            if current != expected {
                return Err(Error::conflict("the article was saved by someone else since this version"));
            }
        }
        let mut counts = CountDeltas::default();
        count_article(&mut tx, id.0, -1, &mut counts).await?;
        let affected = sqlx::query(
            "UPDATE articles SET title = $1, standfirst = $2, body_markdown = $3, body_html = $4, \
             custom_excerpt = $5, excerpt = $6, word_count = $7, featured_media_id = $8, featured_alt = $9, \
             featured_caption = $10, featured_credit = $11, section_id = $12, article_type = $13, \
             visibility = $14, meta_title = $15, meta_description = $16, social_image = $17, \
             canonical_url = $18, updated_at = $19 WHERE id = $20",
        )
        .bind(&content.title)
        .bind(&content.standfirst)
        .bind(&content.body_markdown)
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
        commit(tx).await?;
        self.notify(Change::Article { id, lists });
        Ok(())
    }

    async fn change_status(&self, id: ArticleId, change: &StatusChange) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_article(&mut tx, id.0).await?;
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
            sqlx::query(&format!("UPDATE {table} SET status = $1, published_at = $2 WHERE article_id = $3"))
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
        commit(tx).await?;
        self.notify(Change::Article { id, lists });
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
        self.notify(Change::Article { id, lists: touched.lists() });
        Ok(())
    }

    async fn add_correction(
        &self,
        id: ArticleId,
        kind: CorrectionKind,
        text: &str,
        at: DateTime<Utc>,
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
        commit(tx).await?;
        self.notify(Change::Article { id, lists: Vec::new() });
        self.notify(Change::Correction { article: id });
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
        count.push_bind(scope).push(" AND scope_id = ").push_bind(scope_id);
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

    async fn recent_locations(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ArticleLocation>> {
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

    async fn related_articles(&self, article: &Article, limit: u32) -> Result<Vec<ArticleSummary>> {
        /// Candidates looked at per shared tag: the tag's newest articles.
        const PER_TAG: i64 = 12;
        if article.tags.is_empty() && article.section.is_none() {
            return Ok(Vec::new());
        }
        // One query: each tag's newest articles count 1 per shared tag, the section's
        // newest count 0 (they fill up); ranked by tags shared, then by date.
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {SUMMARY_COLUMNS} JOIN (SELECT article_id, SUM(w) AS shared, \
             MAX(published_at) AS newest FROM ("
        ));
        let mut branches = 0;
        for tag in &article.tags {
            if branches > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push(
                "SELECT * FROM (SELECT article_id, published_at, 1 AS w FROM article_tags \
                 WHERE status = 'published' AND tag_id = ",
            );
            qb.push_bind(tag.id.0);
            qb.push(" AND article_id <> ");
            qb.push_bind(article.id.0);
            qb.push(" ORDER BY published_at DESC, article_id DESC LIMIT ");
            qb.push_bind(PER_TAG);
            qb.push(format!(") t{branches}"));
            branches += 1;
        }
        if let Some(section) = &article.section {
            if branches > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push(
                "SELECT * FROM (SELECT id AS article_id, published_at, 0 AS w FROM articles \
                 WHERE status = 'published' AND section_id = ",
            );
            qb.push_bind(section.id.0);
            qb.push(" AND id <> ");
            qb.push_bind(article.id.0);
            qb.push(" ORDER BY published_at DESC, id DESC LIMIT ");
            qb.push_bind(i64::from(limit));
            qb.push(") s");
        }
        // Ranked and cut among the candidates, so only the chosen few are joined.
        qb.push(
            ") candidates GROUP BY article_id \
             ORDER BY shared DESC, newest DESC, article_id DESC LIMIT ",
        );
        qb.push_bind(i64::from(limit));
        qb.push(
            ") r ON r.article_id = a.id WHERE a.status = 'published' \
             ORDER BY r.shared DESC, r.newest DESC, a.id DESC",
        );
        let rows: Vec<SummaryRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("related articles"))?;
        rows.into_iter().map(ArticleSummary::try_from).collect()
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
            items: rows.into_iter().map(LoggedCorrection::try_from).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn record_views(&self, day: NaiveDate, views: &[(ArticleId, u64)]) -> Result<()> {
        if views.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (article, n) in views {
            // An article deleted since it was read is skipped, not an error.
            sqlx::query(
                "INSERT INTO article_views (article_id, day, views) \
                 SELECT id, $2, $3 FROM articles WHERE id = $1 \
                 ON CONFLICT (article_id, day) DO UPDATE SET views = article_views.views + excluded.views",
            )
            .bind(article.0)
            .bind(day)
            .bind(i64::try_from(*n).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db_error("article views"))?;
        }
        commit(tx).await?;
        self.notify(Change::Readership);
        Ok(())
    }

    async fn most_read(&self, since: NaiveDate, limit: u32) -> Result<Vec<ArticleSummary>> {
        // Over-fetch a little: some of the most read may have been unpublished since.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT v.article_id FROM article_views v JOIN articles a ON a.id = v.article_id \
             WHERE v.day >= $1 AND a.status = 'published' \
             GROUP BY v.article_id ORDER BY SUM(v.views) DESC, v.article_id DESC LIMIT $2",
        )
        .bind(since)
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

    async fn save_revision(
        &self,
        article: ArticleId,
        person: PersonId,
        kind: RevisionKind,
        content: &ArticleContent,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let json = to_json(content)?;
        let mut tx = self.begin().await?;
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
        upsert_editing(&mut tx, article, person, at).await?;
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

    async fn mark_editing(&self, article: ArticleId, person: PersonId, at: DateTime<Utc>) -> Result<()> {
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

    async fn add_note(&self, article: ArticleId, person: PersonId, note: &str, at: DateTime<Utc>) -> Result<()> {
        if note.trim().is_empty() {
            return Err(Error::invalid("note", "say what needs changing"));
        }
        sqlx::query("INSERT INTO article_notes (article_id, person_id, note, created_at) VALUES ($1, $2, $3, $4)")
            .bind(article.0)
            .bind(person.0)
            .bind(note.trim())
            .bind(ts(at))
            .execute(&self.pool)
            .await
            .map_err(db_error("note"))?;
        Ok(())
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

    async fn preview_article(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<ArticleId>> {
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

    async fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        comment.validate()?;
        let mut tx = self.begin().await?;
        if let Some(parent) = comment.parent_id {
            let parent_article: Option<i64> = sqlx::query_scalar("SELECT article_id FROM comments WHERE id = $1")
                .bind(parent.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("comment"))?;
            if parent_article != Some(comment.article_id.0) {
                return Err(Error::invalid("parent_id", "you can only reply to a comment on the same article"));
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
        let row: CommentRow = sqlx::query_as(&format!("SELECT {COMMENT_COLUMNS} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error("comment"))?;
        commit(tx).await?;
        self.notify(Change::Article { id: comment.article_id, lists: Vec::new() });
        row.try_into()
    }

    async fn comments(&self, article: ArticleId, status: CommentStatus) -> Result<Vec<Comment>> {
        let rows: Vec<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} WHERE c.article_id = $1 AND c.status = $2 ORDER BY c.created_at, c.id"
        ))
        .bind(article.0)
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        rows.into_iter().map(Comment::try_from).collect()
    }

    async fn set_comment_status(&self, id: CommentId, status: CommentStatus) -> Result<()> {
        let article: Option<i64> =
            sqlx::query_scalar("UPDATE comments SET status = $1 WHERE id = $2 RETURNING article_id")
                .bind(status.as_str())
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("comment"))?;
        let article = article.ok_or_else(|| Error::not_found("comment"))?;
        self.notify(Change::Article { id: ArticleId(article), lists: Vec::new() });
        Ok(())
    }

    async fn comments_to_moderate(&self, page: PageRequest) -> Result<Page<CommentToModerate>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("comments"))?;
        let rows: Vec<ModerationRow> = sqlx::query_as(
            "SELECT c.id, c.article_id, c.member_id, m.name AS member_name, c.parent_id, c.body, \
             c.status, c.created_at, a.title AS article_title, a.slug AS article_slug, \
             s.slug AS section_slug \
             FROM comments c JOIN members m ON m.id = c.member_id \
             JOIN articles a ON a.id = c.article_id LEFT JOIN sections s ON s.id = a.section_id \
             WHERE c.status = 'pending' ORDER BY c.created_at, c.id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        Ok(Page {
            items: rows.into_iter().map(CommentToModerate::try_from).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn create_redirect(&self, from_path: &str, to_path: &str, status_code: u16) -> Result<Redirect> {
        if !matches!(status_code, 301 | 302 | 307 | 308) {
            return Err(Error::invalid("status_code", "use 301, 302, 307 or 308"));
        }
        if !from_path.starts_with('/') || from_path == to_path {
            return Err(Error::invalid("from_path", "give a path starting with / that differs from the target"));
        }
        let row: RedirectRow = sqlx::query_as(
            "INSERT INTO redirects (from_path, to_path, status_code, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, from_path, to_path, status_code, created_at",
        )
        .bind(from_path)
        .bind(to_path)
        .bind(i64::from(status_code))
        .bind(ts(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("redirect"))?;
        Ok(row.into())
    }

    async fn redirect_for(&self, path: &str) -> Result<Option<Redirect>> {
        let row: Option<RedirectRow> = sqlx::query_as(
            "SELECT id, from_path, to_path, status_code, created_at FROM redirects WHERE from_path = $1",
        )
        .bind(path)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("redirect"))?;
        Ok(row.map(Into::into))
    }

    async fn create_page(&self, page: &PageContent, body_html: &str, at: DateTime<Utc>) -> Result<StaticPage> {
        let page = page.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "sections", &page.slug).await?;
        let row: PageRow = sqlx::query_as(&format!(
            "INSERT INTO pages (slug, title, description, body_markdown, body_html, status, position, in_footer, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {}",
            PAGE_COLUMNS.trim_end_matches(" FROM pages")
        ))
        .bind(&page.slug)
        .bind(page.title.trim())
        .bind(&page.description)
        .bind(&page.body_markdown)
        .bind(body_html)
        .bind(page.status.as_str())
        .bind(i64::from(page.position))
        .bind(page.in_footer)
        .bind(ts(at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("page"))?;
        commit(tx).await?;
        // Pages are listed in every page's footer.
        self.notify(Change::Site);
        row.try_into()
    }

    async fn update_page(&self, id: PageId, page: &PageContent, body_html: &str, at: DateTime<Utc>) -> Result<StaticPage> {
        let page = page.clone().prepare()?;
        let mut tx = self.begin().await?;
        top_level_slug_free(&mut tx, "sections", &page.slug).await?;
        let before: Option<(String, String)> =
            sqlx::query_as("SELECT slug, status FROM pages WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("page"))?;
        // A published page's address has been shared: a new one leaves a redirect.
        if let Some((slug, status)) = before {
            if slug != page.slug && status == PageStatus::Published.as_str() {
                let moved = PathMove {
                    from: format!("/{slug}/"),
                    to: format!("/{}/", page.slug),
                };
                record_move(&mut tx, &moved, at).await?;
            }
        }
        let row: Option<PageRow> = sqlx::query_as(&format!(
            "UPDATE pages SET slug = $2, title = $3, description = $4, body_markdown = $5, body_html = $6, \
             status = $7, position = $8, in_footer = $9, updated_at = $10 WHERE id = $1 RETURNING {}",
            PAGE_COLUMNS.trim_end_matches(" FROM pages")
        ))
        .bind(id.0)
        .bind(&page.slug)
        .bind(page.title.trim())
        .bind(&page.description)
        .bind(&page.body_markdown)
        .bind(body_html)
        .bind(page.status.as_str())
        .bind(i64::from(page.position))
        .bind(page.in_footer)
        .bind(ts(at))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("page"))?;
        let row = row.ok_or_else(|| Error::not_found(format!("page {id}")))?;
        commit(tx).await?;
        self.notify(Change::Site);
        row.try_into()
    }

    async fn page_by_slug(&self, slug: &str) -> Result<Option<StaticPage>> {
        let row: Option<PageRow> = sqlx::query_as(&format!("SELECT {PAGE_COLUMNS} WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("page"))?;
        row.map(StaticPage::try_from).transpose()
    }

    async fn static_pages(&self, published_only: bool) -> Result<Vec<StaticPage>> {
        let filter = if published_only { " WHERE status = 'published'" } else { "" };
        let rows: Vec<PageRow> =
            sqlx::query_as(&format!("SELECT {PAGE_COLUMNS}{filter} ORDER BY position, title, id"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("pages"))?;
        rows.into_iter().map(StaticPage::try_from).collect()
    }
}

/// A `LIKE ... ESCAPE '\\'` pattern matching text that contains `words` (lower-cased,
/// with `%`, `_` and `\\` taken literally).
fn contains_pattern(words: &str) -> String {
    let escaped = words
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Adds a staff member, with a slug of their name not used yet.
async fn insert_person(tx: &mut Conn, person: &NewPerson) -> Result<Person> {
    person.validate()?;
    let email = normalize_email(&person.email);
    let base = masthead_core::slug::slugify(&person.name).unwrap_or_else(|| "staff".into());
    let mut slug = base.clone();
    for n in 2.. {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error("person"))?;
        if taken.is_none() {
            break;
        }
        slug = masthead_core::slug::numbered(&base, n);
    }
    let row: PersonRow = sqlx::query_as(&format!(
        "INSERT INTO people (slug, name, email, role, bio, expertise, social_links, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {}",
        PERSON_COLUMNS.trim_end_matches(" FROM people")
    ))
    .bind(&slug)
    .bind(person.name.trim())
    .bind(&email)
    .bind(person.role.as_str())
    .bind(&person.bio)
    .bind(to_json(&person.expertise)?)
    .bind(to_json(&person.social_links)?)
    .bind(&person.password_hash)
    .bind(ts(Utc::now()))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match db_error("staff member")(e) {
        Error::Conflict(_) => Error::conflict(format!("a staff member with the email {email} exists already")),
        other => other,
    })?;
    Ok(row.into_person()?.0)
}

/// Marks an unused, unexpired token used; its row if this call was the one to use it.
async fn take_token(
    tx: &mut Conn,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<StaffToken>> {
    let row: Option<StaffTokenRow> = sqlx::query_as(&format!(
        "UPDATE staff_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3 RETURNING {}",
        STAFF_TOKEN_COLUMNS.trim_end_matches(" FROM staff_tokens")
    ))
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(ts(now))
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error("token"))?;
    row.map(StaffToken::try_from).transpose()
}

/// Adds an entry to the audit log inside `tx`, with the actor's name as it is now.
async fn insert_audit(tx: &mut Conn, entry: &NewAuditEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, ip) \
         VALUES ($1, $2, COALESCE((SELECT name FROM people WHERE id = $2), ''), $3, $4, $5)",
    )
    .bind(ts(entry.at))
    .bind(entry.actor.map(|p| p.0))
    .bind(entry.action.as_str())
    .bind(&entry.target)
    .bind(&entry.ip)
    .execute(&mut *tx)
    .await
    .map_err(db_error("audit log"))?;
    Ok(())
}

/// Records that `person` has the article's editor open at `at`.
async fn upsert_editing(tx: &mut Conn, article: ArticleId, person: PersonId, at: DateTime<Utc>) -> Result<()> {
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
