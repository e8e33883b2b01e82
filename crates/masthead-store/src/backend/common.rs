//! What every area of the store shares: the `Store` on its pool, the columns and
//! queries several areas read, and the helpers their transactions use. Compiled into
//! both the `sqlite` and the `postgres` module (see `lib.rs`), like every file here.
use super::dialect::{self, ts};
use super::Db;
use crate::rows::*;
use chrono::{DateTime, Utc};
use masthead_core::article::{Article, ArticleContent, ArticleSummary, PathMove};
use masthead_core::auth::{session_expiry, NewAuditEntry, NewSession};
use masthead_core::change::{Change, ChangeSender};
use masthead_core::ids::*;
use masthead_core::store::{ArticleFilter, Page, PageRequest};
use masthead_core::taxonomy::Tag;
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

pub(super) type Conn = <Db as sqlx::Database>::Connection;

/// Rows per multi-row INSERT: well under both databases' bind-parameter limits.
pub(super) const BATCH: usize = 500;

pub(super) const ARTICLE_COLUMNS: &str =
    "a.id, a.slug, a.title, a.standfirst, a.body_markdown, a.body_document, a.body_html, \
     a.custom_excerpt, a.excerpt, a.word_count, a.featured_media_id, a.featured_alt, \
     a.featured_caption, a.featured_credit, a.section_id, s.name AS section_name, \
     s.slug AS section_slug, a.article_type, a.status, a.visibility, a.visible_tiers, \
     a.meta_title, \
     a.meta_description, a.social_image, a.canonical_url, a.created_at, a.updated_at, \
     a.published_at, a.scheduled_at, a.comment_count AS approved_comments, a.comments_open \
     FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

/// The tags, credits, sources and corrections of the articles whose id is `which`
/// (`= $1`, `IN (...)`) in one query (see `PartRow`), by article, each part in its
/// order. Credits come in position order; authors and editors are told apart by kind,
/// so each keeps its own order.
/// (PostgreSQL types each column of a UNION from its branches pairwise, left to right,
/// so the first branch gives the timestamp column its type and the second the text.)
pub(super) fn parts_query(which: &str) -> String {
    format!(
        "SELECT CAST(3 AS BIGINT) AS part, CAST(0 AS BIGINT) AS pos, id, kind AS a, text AS b, \
                NULL AS c, created_at AS made_at, article_id AS owner \
           FROM corrections WHERE article_id {which} \
         UNION ALL SELECT CAST(1 AS BIGINT), c.position, p.id, p.name, p.slug, c.kind, NULL, \
                c.article_id \
           FROM article_credits c JOIN people p ON p.id = c.person_id WHERE c.article_id {which} \
         UNION ALL SELECT CAST(0 AS BIGINT), x.position, t.id, t.name, t.slug, NULL, NULL, \
                x.article_id \
           FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id {which} \
         UNION ALL SELECT CAST(2 AS BIGINT), position, NULL, name, url, note, NULL, article_id \
           FROM article_sources WHERE article_id {which} \
         ORDER BY owner, part, pos, made_at, id"
    )
}

/// One article's parts (see `parts_query`).
pub(super) static PARTS_QUERY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| parts_query("= $1"));

pub(super) const SUMMARY_COLUMNS: &str =
    "a.id, a.slug, a.title, a.standfirst, a.excerpt, a.article_type, \
     a.visibility, a.section_id, s.name AS section_name, s.slug AS section_slug, \
     a.featured_media_id, a.featured_alt, a.word_count, a.comment_count, a.published_at, \
     a.updated_at FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

pub(super) const MEDIA_COLUMNS: &str =
    "id, storage_key, mime_type, width, height, byte_size, alt, caption, credit, created_at, \
     uploaded_by FROM media";

pub(super) const MEDIA_WITH_VARIANTS: &str =
    "m.id, m.storage_key, m.mime_type, m.width, m.height, m.byte_size, \
     m.alt, m.caption, m.credit, m.created_at, m.uploaded_by, v.width AS v_width, v.height AS v_height, \
     v.mime_type AS v_mime_type, v.storage_key AS v_storage_key, v.byte_size AS v_byte_size \
     FROM media m LEFT JOIN media_variants v ON v.media_id = m.id";

pub(super) const REVISION_COLUMNS: &str =
    "r.id, r.article_id, r.person_id, p.name AS person_name, r.kind, \
     r.title, r.created_at, r.updated_at \
     FROM article_revisions r LEFT JOIN people p ON p.id = r.person_id";

pub(super) const PAGE_COLUMNS: &str =
    "id, slug, title, description, body_markdown, body_document, body_html, status, \
     position, in_footer, created_at, updated_at FROM pages";

pub(super) const LOCATION_COLUMNS: &str =
    "a.slug, s.slug AS section_slug, a.title, a.published_at, a.updated_at \
     FROM articles a LEFT JOIN sections s ON s.id = a.section_id";

pub(super) const PERSON_COLUMNS: &str =
    "id, slug, name, email, role, bio, expertise, avatar_media_id, \
     social_links, password_hash, created_at, deactivated_at, job_title, kind FROM people";

/// A comment's columns (`SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES}`). Its name is
/// a staff member's own; or the one its member chose for comments, else their own;
/// none once they deleted their account (`member::FORMER_MEMBER` is shown).
pub(super) const COMMENT_COLUMNS: &str = "c.id, c.article_id, c.member_id, c.person_id, \
     CASE WHEN c.person_id IS NOT NULL THEN p.name \
     WHEN m.deleted_at IS NULL THEN COALESCE(NULLIF(st.comment_name, ''), m.name) END \
     AS author_name, c.parent_id, c.body, c.status, c.created_at, c.edited_at, c.deleted_at, \
     c.likes, c.held_reason";

pub(super) const COMMENT_TABLES: &str = "comments c LEFT JOIN members m ON m.id = c.member_id \
     LEFT JOIN member_standing st ON st.member_id = m.id LEFT JOIN people p ON p.id = c.person_id";

/// The store on one database pool.
#[derive(Clone)]
pub struct Store {
    pub(super) pool: sqlx::Pool<Db>,
    pub(super) changes: ChangeSender,
    /// The other nodes on this database, when this store serves as one of several
    /// (PostgreSQL only; see `relay`).
    pub(super) cluster: Option<std::sync::Arc<crate::relay::Cluster>>,
}

impl Store {
    pub fn new(pool: sqlx::Pool<Db>) -> Self {
        Self {
            pool,
            changes: masthead_core::change::channel(),
            cluster: None,
        }
    }

    /// Tells subscribers what a committed write changed (nobody listening is fine),
    /// and the other nodes, if any, waiting until they have taken it in.
    pub(super) async fn notify(&self, change: Change) {
        let _ = self.changes.send(change.clone());
        if let Some(cluster) = &self.cluster {
            cluster.publish(&change).await;
        }
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

    pub(super) async fn applied_versions(&self) -> Result<Vec<i64>> {
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

/// Finds tags by name, creating the missing ones; keeps the order of `names`, each
/// tag once. See `resolve_tags`.
pub(super) async fn ensure_tags(
    conn: &mut Conn,
    names: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<Tag>> {
    let mut tags: Vec<Tag> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (_, tag) in resolve_tags(conn, names, now).await? {
        if seen.insert(tag.id) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// The tag each of `names` means, with the slug of the name as written, in the order of
/// `names` (each slug once), creating the tags that do not exist. A name means the tag
/// at its slug, else the one of that name (a tag renamed without a new address), else
/// the one its old address now leads to (renamed or merged away), so editing tags
/// never splits one into two. A few statements per `BATCH` names, however many.
pub(super) async fn resolve_tags(
    conn: &mut Conn,
    names: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, Tag)>> {
    let mut wanted: Vec<(String, String)> = Vec::new(); // (slug, name)
    let mut slugs_seen = std::collections::HashSet::new();
    for name in names {
        let name = name.trim();
        let slug = masthead_core::slug::slugify(name).ok_or_else(|| {
            Error::invalid("tags", format!("the tag {name:?} has no letters or digits"))
        })?;
        if slugs_seen.insert(slug.clone()) {
            wanted.push((slug, name.to_owned()));
        }
    }
    let mut found: std::collections::HashMap<String, Tag> = std::collections::HashMap::new();
    for chunk in wanted.chunks(BATCH) {
        // At their own slug.
        for t in tags_where(conn, "slug", chunk.iter().map(|(s, _)| s.clone())).await? {
            found.insert(t.slug.clone(), t);
        }
        // By name, for a tag renamed without a new address.
        let missing: Vec<&(String, String)> = chunk
            .iter()
            .filter(|(s, _)| !found.contains_key(s))
            .collect();
        if !missing.is_empty() {
            // Lowered by the database on both sides, as each database lowers.
            let by_name =
                tags_where(conn, "LOWER(name)", missing.iter().map(|(_, n)| n.clone())).await?;
            for (slug, name) in &missing {
                // The oldest of that name, as a single lookup would find it.
                if let Some(t) = by_name
                    .iter()
                    .filter(|t| t.name.to_lowercase() == name.to_lowercase())
                    .min_by_key(|t| t.id.0)
                {
                    found.insert(slug.clone(), t.clone());
                }
            }
        }
        // Where an old address now leads (renamed or merged away).
        let missing: Vec<&String> = chunk
            .iter()
            .map(|(s, _)| s)
            .filter(|s| !found.contains_key(*s))
            .collect();
        if !missing.is_empty() {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT from_path, to_path FROM redirects WHERE from_path IN (",
            );
            let mut list = qb.separated(", ");
            for slug in &missing {
                list.push_bind(format!("/tag/{slug}/"));
            }
            qb.push(")");
            let moves: Vec<(String, String)> = qb
                .build_query_as()
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error("redirect"))?;
            let tag_slug = |path: &str| {
                path.strip_prefix("/tag/")
                    .and_then(|p| p.strip_suffix('/'))
                    .map(str::to_owned)
            };
            let moves: Vec<(String, String)> = moves
                .iter()
                .filter_map(|(from, to)| Some((tag_slug(from)?, tag_slug(to)?)))
                .collect();
            if !moves.is_empty() {
                let targets =
                    tags_where(conn, "slug", moves.iter().map(|(_, to)| to.clone())).await?;
                for (from, to) in &moves {
                    if let Some(t) = targets.iter().find(|t| &t.slug == to) {
                        found.insert(from.clone(), t.clone());
                    }
                }
            }
        }
        // New tags, all in one statement.
        let new: Vec<&(String, String)> = chunk
            .iter()
            .filter(|(s, _)| !found.contains_key(s))
            .collect();
        if !new.is_empty() {
            let mut qb =
                QueryBuilder::<Db>::new("INSERT INTO tags (slug, name, description, created_at) ");
            qb.push_values(&new, |mut row, (slug, name)| {
                row.push_bind(slug.clone())
                    .push_bind(name.clone())
                    .push_bind("")
                    .push_bind(ts(now));
            });
            qb.push(" ON CONFLICT (slug) DO NOTHING");
            qb.build()
                .execute(&mut *conn)
                .await
                .map_err(db_error("tag"))?;
            for t in tags_where(conn, "slug", new.iter().map(|(s, _)| s.clone())).await? {
                found.insert(t.slug.clone(), t);
            }
        }
    }
    wanted
        .into_iter()
        .map(|(slug, _)| {
            let tag = found.get(&slug).cloned().ok_or_else(|| Error::Internal {
                message: format!("the tag {slug:?} was neither found nor made"),
                source: None,
            })?;
            Ok((slug, tag))
        })
        .collect()
}

/// The tags whose `column` (`slug`, or `LOWER(name)`, when the values are lowered
/// the same way) is one of `values`.
async fn tags_where(
    conn: &mut Conn,
    column: &'static str,
    values: impl Iterator<Item = String>,
) -> Result<Vec<Tag>> {
    let lowered = column.starts_with("LOWER(");
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT id, slug, name, description FROM tags WHERE {column} IN ("
    ));
    let mut any = false;
    for v in values {
        if any {
            qb.push(", ");
        }
        if lowered {
            qb.push("LOWER(").push_bind(v).push(")");
        } else {
            qb.push_bind(v);
        }
        any = true;
    }
    if !any {
        return Ok(Vec::new());
    }
    qb.push(")");
    let rows: Vec<TagRow> = qb
        .build_query_as()
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error("tag"))?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One article's rows in the tables beside `articles`, with the status and publication
/// time those rows carry for the tag and author listings.
pub(super) struct Parts<'a> {
    pub(super) id: i64,
    pub(super) content: &'a ArticleContent,
    pub(super) tag_ids: Vec<i64>,
    pub(super) status: &'a str,
    pub(super) published_at: Option<DateTime<Utc>>,
}

/// Records that `moved.from` now lives at `moved.to`, keeping redirects free of chains
/// and loops.
pub(super) async fn record_move(
    conn: &mut Conn,
    moved: &PathMove,
    at: DateTime<Utc>,
) -> Result<()> {
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
pub(super) struct CountDeltas(std::collections::BTreeMap<(&'static str, i64, String), i64>);

impl CountDeltas {
    /// Counts one article (`delta` +1 or -1) in every list it appears in.
    pub(super) fn add(
        &mut self,
        status: &str,
        section: Option<i64>,
        tags: &[i64],
        authors: &[i64],
        delta: i64,
    ) {
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
    pub(super) fn lists(&self) -> Vec<ArticleFilter> {
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

    pub(super) async fn apply(self, conn: &mut Conn) -> Result<()> {
        let rows: Vec<_> = self.0.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in rows.chunks(BATCH) {
            let mut qb =
                QueryBuilder::<Db>::new("INSERT INTO article_counts (scope, scope_id, status, n) ");
            qb.push_values(chunk, |mut b, ((scope, id, status), n)| {
                b.push_bind(*scope)
                    .push_bind(*id)
                    .push_bind(status.as_str())
                    .push_bind(*n);
            });
            qb.push(" ON CONFLICT (scope, scope_id, status) DO UPDATE SET n = article_counts.n + excluded.n");
            qb.build()
                .execute(&mut *conn)
                .await
                .map_err(db_error("article counts"))?;
        }
        Ok(())
    }
}

impl Store {
    pub(super) async fn load_article(&self, row: Option<ArticleRow>) -> Result<Option<Article>> {
        let Some(row) = row else { return Ok(None) };
        let parts: Vec<PartRow> = sqlx::query_as(&PARTS_QUERY)
            .bind(row.id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("article parts"))?;
        row.into_article(ArticleParts::from_rows(parts)?).map(Some)
    }

    /// Starts a transaction that will write.
    pub(super) async fn begin(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.pool
            .begin_with(dialect::BEGIN_WRITE)
            .await
            .map_err(db_error("transaction"))
    }
}

impl Store {
    /// One page of an ordered summary query (`qb`, `SELECT SUMMARY_COLUMNS ... ORDER
    /// BY ...`), with the list's `total` counted beforehand.
    pub(super) async fn summary_page(
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
            items: rows
                .into_iter()
                .map(ArticleSummary::try_from)
                .collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Summaries of the published articles among `ids`, in the order of `ids`.
    pub(super) async fn summaries_in_order(&self, ids: &[i64]) -> Result<Vec<ArticleSummary>> {
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
        let mut found: Vec<ArticleSummary> = rows
            .into_iter()
            .map(ArticleSummary::try_from)
            .collect::<Result<_>>()?;
        found.sort_by_key(|a| ids.iter().position(|id| *id == a.id.0));
        Ok(found)
    }
}

/// Fails with a conflict when a section already has `slug` (checked for pages), or a
/// page has it (checked for sections): both live at `/{slug}/`.
pub(super) async fn top_level_slug_free(
    conn: &mut Conn,
    table: &'static str,
    slug: &str,
) -> Result<()> {
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

pub(super) async fn commit(tx: sqlx::Transaction<'static, Db>) -> Result<()> {
    tx.commit().await.map_err(db_error("commit"))
}

/// A `LIKE ... ESCAPE '\\'` pattern matching text that contains `words` (lower-cased,
/// with `%`, `_` and `\\` taken literally).
pub(super) fn contains_pattern(words: &str) -> String {
    format!("%{}%", escape_like(words.trim()))
}

/// `text` lower-cased, with what `LIKE ... ESCAPE '\\'` reads specially (`%`, `_`,
/// `\\`) taken literally.
pub(super) fn escape_like(text: &str) -> String {
    text.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A durable queue's table: its name, the column saying whether a row waits
/// (`'pending'`), and what its errors are called. Both are our constants, never input.
pub(super) struct Queue {
    pub table: &'static str,
    pub state: &'static str,
    pub what: &'static str,
}

impl Store {
    /// Claims up to `limit` rows of `queue` due at `now`, each by one claimer (two
    /// nodes asking at once never both take a row): held by moving its `due_at` on by
    /// `hold` and counting the try. The ids taken, in due order.
    pub(super) async fn claim_due(
        &self,
        queue: &Queue,
        now: DateTime<Utc>,
        hold: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<i64>> {
        let Queue { table, state, what } = queue;
        let due: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {table} WHERE {state} = 'pending' AND due_at <= $1 \
             ORDER BY due_at, id LIMIT $2"
        ))
        .bind(ts(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error(what))?;
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            // Held by moving its time on, if no other claimer took it meanwhile.
            let taken = sqlx::query(&format!(
                "UPDATE {table} SET due_at = $3, attempts = attempts + 1 \
                 WHERE id = $1 AND {state} = 'pending' AND due_at <= $2"
            ))
            .bind(id)
            .bind(ts(now))
            .bind(ts(now + hold))
            .execute(&self.pool)
            .await
            .map_err(db_error(what))?
            .rows_affected();
            if taken == 1 {
                claimed.push(id);
            }
        }
        Ok(claimed)
    }
}

/// Adds an entry to the audit log inside `tx`, with the actor's name as it is now.
pub(super) async fn insert_audit(tx: &mut Conn, entry: &NewAuditEntry) -> Result<()> {
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

/// Where each kind of session is kept: staff sign in to the newsroom and members to
/// the reader site, apart (their own tables, cookies and owners).
#[derive(Clone, Copy)]
pub(super) enum Sessions {
    Staff,
    Members,
}

impl Sessions {
    fn table(self) -> &'static str {
        match self {
            Sessions::Staff => "staff_sessions",
            Sessions::Members => "member_sessions",
        }
    }

    fn owner_column(self) -> &'static str {
        match self {
            Sessions::Staff => "person_id",
            Sessions::Members => "member_id",
        }
    }

    /// Stores a new session for `owner` (and drops the expired ones).
    pub(super) async fn start<O>(
        self,
        conn: &mut Conn,
        session: &NewSession<O>,
        owner: i64,
    ) -> Result<()> {
        let table = self.table();
        sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
            .bind(ts(session.created_at))
            .execute(&mut *conn)
            .await
            .map_err(db_error("sessions"))?;
        sqlx::query(&format!(
            "INSERT INTO {table} (token_hash, {}, csrf_token, created_at, last_seen_at, \
             expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
            self.owner_column()
        ))
        .bind(&session.token_hash)
        .bind(owner)
        .bind(&session.csrf_token)
        .bind(ts(session.created_at))
        .bind(ts(session_expiry(session.created_at, session.created_at)))
        .bind(&session.ip)
        .bind(&session.user_agent)
        .execute(&mut *conn)
        .await
        .map_err(db_error("session"))?;
        Ok(())
    }

    /// Records use of a session at `at`, pushing its expiry to `expires_at`.
    pub(super) async fn touch(
        self,
        pool: &sqlx::Pool<Db>,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&format!(
            "UPDATE {} SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1",
            self.table()
        ))
        .bind(token_hash)
        .bind(ts(at))
        .bind(ts(expires_at))
        .execute(pool)
        .await
        .map_err(db_error("session"))?;
        Ok(())
    }

    /// Ends one session; unknown hashes are no error.
    pub(super) async fn end(self, conn: &mut Conn, token_hash: &str) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE token_hash = $1",
            self.table()
        ))
        .bind(token_hash)
        .execute(&mut *conn)
        .await
        .map_err(db_error("session"))?;
        Ok(())
    }
}
