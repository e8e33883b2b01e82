//! Opening a store from a database URL: picks the backend, applies the settings each
//! database needs, runs pending migrations, and turns failures into one clear sentence.

use masthead_core::store::Store;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Why a store could not be opened. Each message is one sentence an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database_url {url:?} is not valid: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open the SQLite database {path}: {reason}")]
    Sqlite { path: String, reason: String },
    #[error("the SQLite file {path} is not a Masthead database or is corrupt ({reason}); restore it from a backup or move it away")]
    Corrupt { path: String, reason: String },
    #[error("cannot reach PostgreSQL at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("cannot migrate the {backend} database: {reason}")]
    Migrate {
        backend: &'static str,
        reason: String,
    },
}

/// An open store and the migrations applied while opening it.
pub struct Connected {
    pub store: Arc<dyn Store>,
    pub backend: &'static str,
    /// Versions of the migrations applied now (empty when the schema was current).
    pub applied: Vec<i64>,
}

/// How long to wait for a database before calling it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the database at `url` (`sqlite:PATH` or `postgres://...`) and migrates it,
/// for a tool that runs alone (`migrate`, `seed`, tests).
pub async fn connect(url: &str) -> Result<Connected, ConnectError> {
    open(url, false).await
}

/// Opens the database at `url` for a serving node: on PostgreSQL the node also joins
/// the others serving from the same database, so that each node's caches follow every
/// node's writes (see `relay`).
pub async fn connect_node(url: &str) -> Result<Connected, ConnectError> {
    open(url, true).await
}

async fn open(url: &str, node: bool) -> Result<Connected, ConnectError> {
    if url.starts_with("sqlite:") {
        open_sqlite(url).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(url, node).await
    } else {
        Err(ConnectError::BadUrl {
            url: url.to_owned(),
            reason: "use sqlite:PATH or postgres://USER@HOST/DATABASE".into(),
        })
    }
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// Connections to the SQLite file. Reads of a local file are CPU work, so a few more
/// than the cores keep them busy while one connection writes; every connection keeps
/// its own page cache (SQLite's default, 2 MB), so more cost memory and buy nothing.
const SQLITE_CONNECTIONS: u32 = 4;

async fn open_sqlite(url: &str) -> Result<Connected, ConnectError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .to_owned();
    let bad = |e: sqlx::Error| ConnectError::BadUrl {
        url: url.to_owned(),
        reason: first_line(&e),
    };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(bad)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(CONNECT_TIMEOUT)
        // Keeps the query planner's statistics fresh, as SQLite recommends: at open,
        // statistics for every table that has none or has grown or shrunk a lot since
        // (bounded by the analysis limit; about a second at 100,000 articles the first
        // time, nothing after), and again at close. A connection reads statistics when
        // it opens, so they are gathered there, before its first query; without them
        // the planner guessed, and an article page at 100,000 articles took 450 ms
        // instead of 1 ms (a database built before statistics were kept, or grown by
        // hand; `store::tests::planner_statistics_are_gathered_at_open`).
        .analysis_limit(400)
        .pragma("optimize", "0x10002")
        .optimize_on_close(true, 400)
        // The file is read with system calls into each connection's page cache, not
        // memory-mapped: every connection maps on its own, and a page mapped by several
        // counts once per mapping in what `top`, `ps` and container limits show (2.6 GB
        // for a 600 MB file at 100,000 articles after 40,000 different article pages;
        // 130 MB read this way, at the same CPU per page within this machine's noise;
        // bench/README.md). The kernel keeps the file's pages cached either way.
        .pragma("mmap_size", "0");
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_CONNECTIONS)
        // A connection to a local file does not go stale, so the round trip to its
        // worker thread that checking it on every acquire costs buys nothing.
        .test_before_acquire(false)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| classify_sqlite(&path, &e))?;
    // Reading the schema is what reveals a file that is not a database.
    sqlx::query("SELECT COUNT(*) FROM sqlite_master")
        .execute(&pool)
        .await
        .map_err(|e| classify_sqlite(&path, &e))?;
    let store = crate::sqlite::Store::new(pool);
    let applied = store.migrate().await.map_err(|e| ConnectError::Migrate {
        backend: "sqlite",
        reason: migrate_reason(&e),
    })?;
    Ok(Connected {
        store: Arc::new(store),
        backend: "sqlite",
        applied,
    })
}

fn classify_sqlite(path: &str, e: &sqlx::Error) -> ConnectError {
    let reason = first_line(e);
    let lower = reason.to_lowercase();
    if lower.contains("not a database") || lower.contains("malformed") || lower.contains("corrupt")
    {
        ConnectError::Corrupt {
            path: path.to_owned(),
            reason,
        }
    } else {
        ConnectError::Sqlite {
            path: path.to_owned(),
            reason,
        }
    }
}

fn migrate_reason(e: &masthead_core::Error) -> String {
    use std::error::Error as _;
    match e.source() {
        Some(source) => first_line(&source),
        None => first_line(e),
    }
}

async fn open_postgres(url: &str, node: bool) -> Result<Connected, ConnectError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| ConnectError::BadUrl {
        url: redact(url),
        reason: first_line(&e),
    })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| ConnectError::Unreachable {
            target: target.clone(),
            reason: first_line(&e),
        })?;
    let mut store = crate::postgres::Store::new(pool);
    let applied = store.migrate().await.map_err(|e| ConnectError::Migrate {
        backend: "postgres",
        reason: migrate_reason(&e),
    })?;
    if node {
        store = store
            .join_cluster()
            .await
            .map_err(|e| ConnectError::Unreachable {
                target: target.clone(),
                reason: format!("cannot listen for the other nodes' changes: {e}"),
            })?;
    }
    Ok(Connected {
        store: Arc::new(store),
        backend: "postgres",
        applied,
    })
}

/// Hides a password in a URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
