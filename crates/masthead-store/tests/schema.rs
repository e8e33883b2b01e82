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
