//! Both backends' migrations, applied from empty, give the same tables, columns,
//! nullability and indexes: the two migration sets must not drift apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::Connection;
use std::collections::BTreeSet;

type Columns = BTreeSet<(String, String, bool)>;

async fn sqlite_schema(url: &str) -> (Columns, BTreeSet<String>) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        // A primary key column is never null, whether or not SQLite says NOT NULL.
        .map(|(t, c, notnull, pk)| (t, c, notnull == 1 || pk > 0))
        .collect();
    let indexes: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    (columns, indexes.into_iter().map(|(n,)| n).collect())
}

async fn postgres_schema(url: &str) -> (Columns, BTreeSet<String>) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, is_nullable::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(t, c, nullable)| (t, c, nullable == "NO"))
        .collect();
    // Indexes we named ourselves (constraint-backed ones end in _pkey/_key).
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT indexname::TEXT FROM pg_indexes WHERE schemaname = current_schema() \
         AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    (columns, indexes.into_iter().map(|(n,)| n).collect())
}

#[tokio::test]
async fn migrations_give_the_same_schema_on_both_backends() {
    let sqlite = masthead_testkit::sqlite().await;
    let Some(postgres) = masthead_testkit::postgres().await else {
        return;
    };
    let (sqlite_columns, sqlite_indexes) = sqlite_schema(&sqlite.url).await;
    let (pg_columns, pg_indexes) = postgres_schema(&postgres.url).await;
    assert!(sqlite_columns.len() > 50, "the schema was migrated");
    let only_sqlite: Vec<_> = sqlite_columns.difference(&pg_columns).collect();
    let only_pg: Vec<_> = pg_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_sqlite:?}\nonly in PostgreSQL: {only_pg:?}"
    );
    assert_eq!(sqlite_indexes, pg_indexes);
}

#[tokio::test]
async fn both_migration_sets_have_the_same_numbered_files() {
    let list = |backend: &str| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/").to_owned() + backend;
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

/// Rows written under migration 0001, for the backfill test: two published articles
/// and a draft, in two sections, with tags and bylines.
const BEFORE_COUNTS: &str = "
INSERT INTO sections (id, slug, name, position, in_navigation, created_at) VALUES
  (1, 'world', 'World', 1, TRUE, '2026-01-01T00:00:00Z'), (2, 'business', 'Business', 2, TRUE, '2026-01-01T00:00:00Z');
INSERT INTO people (id, slug, name, email, role, password_hash, created_at) VALUES
  (1, 'ana', 'Ana', 'ana@example.com', 'author', 'x', '2026-01-01T00:00:00Z');
INSERT INTO tags (id, slug, name, created_at) VALUES (1, 'trade', 'Trade', '2026-01-01T00:00:00Z');
INSERT INTO articles (id, slug, title, body_markdown, body_html, section_id, article_type, status, visibility, created_at, updated_at, published_at) VALUES
  (1, 'a', 'A', '', '', 1, 'news', 'published', 'public', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
  (2, 'b', 'B', '', '', 1, 'news', 'published', 'public', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
  (3, 'c', 'C', '', '', 2, 'news', 'draft', 'public', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL);
INSERT INTO article_tags (article_id, tag_id, position) VALUES (1, 1, 0), (3, 1, 0);
INSERT INTO article_credits (article_id, person_id, kind, position) VALUES (1, 1, 'author', 0), (2, 1, 'author', 0);
";

const EXPECTED_COUNTS: &[(&str, i64, &str, i64)] = &[
    ("all", 0, "draft", 1),
    ("all", 0, "published", 2),
    ("author", 1, "published", 2),
    ("section", 1, "published", 2),
    ("section", 2, "draft", 1),
    ("tag", 1, "draft", 1),
    ("tag", 1, "published", 1),
];

/// Tag and byline rows carry their article's status after the backfill.
const EXPECTED_LINKS: &[(i64, &str)] = &[
    (1, "published"),
    (1, "published"),
    (2, "published"),
    (3, "draft"),
];

fn migration(backend: &str, file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/migrations/{backend}/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Replays migrations 0001 and 0002 by hand around rows written under 0001, on any
/// connection type, and checks what the 0002 backfill made of them.
macro_rules! check_backfill {
    ($conn:expr, $backend:literal) => {{
        let conn = $conn;
        for sql in [
            migration($backend, "0001_content_model.sql"),
            BEFORE_COUNTS.to_owned(),
            migration($backend, "0002_list_support.sql"),
        ] {
            sqlx::raw_sql(&sql).execute(&mut *conn).await.unwrap();
        }
        let counts: Vec<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT scope, scope_id, status, n FROM article_counts ORDER BY scope, scope_id, status",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let links: Vec<(i64, String)> = sqlx::query_as(
            "SELECT article_id, status FROM article_tags UNION ALL \
             SELECT article_id, status FROM article_credits ORDER BY 1, 2",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let expected_counts: Vec<_> = EXPECTED_COUNTS
            .iter()
            .map(|(a, b, c, d)| (a.to_string(), *b, c.to_string(), *d))
            .collect();
        let expected_links: Vec<_> = EXPECTED_LINKS.iter().map(|(a, s)| (*a, s.to_string())).collect();
        assert_eq!(counts, expected_counts);
        assert_eq!(links, expected_links);
    }};
}

/// An existing database gains correct list counts and listing keys when 0002 is applied.
#[tokio::test]
async fn list_support_is_backfilled_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("old.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    check_backfill!(&mut conn, "sqlite");
}

#[tokio::test]
async fn list_support_is_backfilled_on_postgres() {
    // Borrow a fresh schema from the testkit and empty it, to start from nothing.
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    empty_schema(&mut conn).await;
    check_backfill!(&mut conn, "postgres");
}

/// Members' newsletter choices, kept as a JSON list in their standing before 0022.
const BEFORE_SUBSCRIPTIONS: &str = "
INSERT INTO members (id, email, name, created_at) VALUES
  (1, 'ann@example.com', 'Ann', '2026-01-01T00:00:00Z'),
  (2, 'bob@example.com', 'Bob', '2026-01-02T00:00:00Z'),
  (3, 'cy@example.com', 'Cy', '2026-01-03T00:00:00Z');
INSERT INTO member_standing (member_id, newsletters, joined_at) VALUES
  (1, '[\"morning\",\"weekly\"]', '2026-01-01T00:00:00Z'),
  (2, '[\"weekly\"]', '2026-01-02T00:00:00Z'),
  (3, '[]', '2026-01-03T00:00:00Z');
";

/// Applies every migration before `until` (a file name) to `conn`, runs `rows`, then
/// `until` itself.
macro_rules! migrate_around {
    ($conn:expr, $backend:literal, $until:literal, $rows:expr) => {{
        let dir = format!("{}/migrations/{}", env!("CARGO_MANIFEST_DIR"), $backend);
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|f| f.as_str() < $until)
            .collect();
        files.sort();
        for file in files {
            sqlx::raw_sql(&migration($backend, &file))
                .execute(&mut *$conn)
                .await
                .unwrap();
        }
        sqlx::raw_sql($rows).execute(&mut *$conn).await.unwrap();
        sqlx::raw_sql(&migration($backend, $until))
            .execute(&mut *$conn)
            .await
            .unwrap();
    }};
}

/// Members keep the newsletters they chose when 0022 moves the choices into rows.
macro_rules! check_subscriptions_move {
    ($conn:expr, $backend:literal) => {{
        let conn = $conn;
        migrate_around!(conn, $backend, "0022_newsletters.sql", BEFORE_SUBSCRIPTIONS);
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT member_id, newsletter FROM newsletter_subscriptions ORDER BY 1, 2",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "morning".to_owned()),
                (1, "weekly".to_owned()),
                (2, "weekly".to_owned())
            ]
        );
    }};
}

#[tokio::test]
async fn newsletter_choices_move_into_rows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("old.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    check_subscriptions_move!(&mut conn, "sqlite");
}

#[tokio::test]
async fn newsletter_choices_move_into_rows_on_postgres() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    empty_schema(&mut conn).await;
    check_subscriptions_move!(&mut conn, "postgres");
}

/// Drops every table of the connection's schema (one the testkit lent), to migrate
/// from nothing.
async fn empty_schema(conn: &mut sqlx::PgConnection) {
    sqlx::raw_sql(
        "DO $$ DECLARE t TEXT; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() \
         LOOP EXECUTE 'DROP TABLE ' || quote_ident(t) || ' CASCADE'; END LOOP; END $$",
    )
    .execute(conn)
    .await
    .unwrap();
}

/// A database whose tables hold rows but no planner statistics (built before they were
/// kept, or grown by hand) gets them when Masthead opens it, before the first query:
/// without them SQLite's planner guessed, and an article page at 100,000 articles took
/// 450 ms instead of 1 ms.
#[tokio::test]
async fn planner_statistics_are_gathered_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grown.db");
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE readings (id INTEGER PRIMARY KEY, place TEXT NOT NULL, at TEXT NOT NULL); \
         CREATE INDEX readings_place ON readings (place, at); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO readings (place, at) SELECT 'place ' || (i % 50), 'at ' || i FROM n;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let stats = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
    let none: i64 = sqlx::query_scalar(stats)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(none, 0, "no statistics before");
    conn.close().await.unwrap();

    let _store = masthead_store::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'readings'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(
        rows.iter()
            .any(|(idx, stat)| idx == "readings_place" && stat.starts_with("5000 ")),
        "statistics for the grown table: {rows:?}"
    );
}
