//! `masthead serve` and `masthead migrate`: the composition root. Opens the store,
//! builds the web app, runs background jobs, and shuts down cleanly on a signal.

use crate::config::Config;
use anyhow::{Context, Result};
use masthead_core::newsroom::Newsroom;
use masthead_core::store::Store;
use masthead_render::{DocumentRenderer, Theme};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How often the scheduler looks for articles whose publication time has come.
const SCHEDULER_TICK: Duration = Duration::from_secs(1);

/// Creates the data directory (for SQLite and media) when it is missing.
fn ensure_data_dir(config: &Config) -> Result<()> {
    std::fs::create_dir_all(config.media_dir()).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })
}

/// Opens and migrates the configured database; a serving `node` also joins the other
/// nodes on it (PostgreSQL), a tool does not.
pub async fn open_store(config: &Config, node: bool) -> Result<Arc<dyn Store>> {
    ensure_data_dir(config)?;
    let connected = if node {
        masthead_store::connect_node(&config.database_url).await?
    } else {
        masthead_store::connect(&config.database_url).await?
    };
    if !connected.applied.is_empty() {
        tracing::info!(backend = connected.backend, applied = ?connected.applied, "migrated the database");
    }
    Ok(connected.store)
}

pub fn newsroom(store: Arc<dyn Store>) -> Newsroom {
    Newsroom::new(store, Arc::new(DocumentRenderer::default()))
}

pub async fn migrate(config: &Config) -> Result<()> {
    ensure_data_dir(config)?;
    let connected = masthead_store::connect(&config.database_url).await?;
    if connected.applied.is_empty() {
        println!(
            "The {} database is up to date; nothing to do.",
            connected.backend
        );
    } else {
        let versions: Vec<String> = connected.applied.iter().map(ToString::to_string).collect();
        println!(
            "Applied {} migration(s) to the {} database: {}.",
            versions.len(),
            connected.backend,
            versions.join(", ")
        );
    }
    Ok(())
}

/// Binds first, so that a taken port fails before anything is written.
pub async fn bind(addr: std::net::SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "the port is already in use".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        anyhow::anyhow!("cannot listen on {addr}: {why}")
    })
}

pub async fn run(config: Config) -> Result<()> {
    let listener = bind(config.listen).await?;
    let store = open_store(&config, true).await?;
    tracing::info!(listen = %config.listen, backend = store.backend(), "serving {}", config.base_url);
    serve(listener, &config, store).await
}

/// The newsroom's mail: by SMTP when configured, else into the outbox directory.
fn mailer(config: &Config) -> Result<masthead_web::mail::Mailer> {
    use masthead_web::mail::Mailer;
    let mailer = match &config.smtp_url {
        Some(url) => Mailer::smtp(url, &config.mail_from),
        None => {
            let outbox = Mailer::outbox_dir(&config.data_dir);
            tracing::warn!(
                outbox = %outbox.display(),
                "no smtp_url: letters (members' sign-in links, staff password resets and invitations) are written to the outbox, not sent"
            );
            Mailer::outbox(&outbox, &config.mail_from)
        }
    };
    mailer.map_err(|e| anyhow::anyhow!(e))
}

/// Serves on an already bound listener until SIGINT or SIGTERM.
pub async fn serve(listener: TcpListener, config: &Config, store: Arc<dyn Store>) -> Result<()> {
    let scheduler = tokio::spawn(run_scheduler(newsroom(store.clone())));
    let theme_dir = config.data_dir.join("theme");
    let search = Arc::new(
        masthead_search::SearchIndex::open(&config.data_dir.join("search"))
            .context("cannot open the search index")?,
    );
    let indexer = tokio::spawn(keep_index(search.clone(), store.clone()));
    // Variants an interrupted run did not finish are made now, in the background.
    tokio::spawn(masthead_web::pictures::resume_variants(
        store.clone(),
        config.media_dir(),
        chrono::Utc::now(),
    ));
    let index = search.clone();
    let state = masthead_web::AppState::new(
        store.clone(),
        search,
        Theme::new(theme_dir.is_dir().then_some(theme_dir.as_path())),
        config.media_dir(),
        config.base_url.clone(),
        mailer(config)?,
    )
    .with_proxies(
        masthead_web::client::Proxies::parse(&config.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?,
    )
    .with_page_cache(config.page_cache_bytes);
    let state = match &config.oidc {
        Some(o) => state.with_external_login(
            masthead_web::oidc::ExternalLogin::new(
                &o.issuer,
                &o.client_id,
                &o.client_secret,
                &o.name,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => state,
    };
    let state = match &config.stripe {
        Some(k) => state.with_payments(std::sync::Arc::new(
            masthead_web::stripe::Stripe::new(&k.api_url, &k.secret_key, &k.webhook_secret)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )),
        None => state,
    };
    let state = match &config.mail_webhook_secret {
        Some(secret) => state.with_mail_reports(secret.trim()),
        None => state,
    };
    let sender = tokio::spawn(masthead_web::newsletters::run(state.clone()));
    let notifier = tokio::spawn(masthead_web::notifications::run(state.clone()));
    let hooks = tokio::spawn(masthead_web::deliveries::run(state.clone()));
    let readership = state.readership.clone();
    let counter = tokio::spawn(readership.clone().run(store.clone()));
    let limits = masthead_web::server::Limits {
        max_connections: config.max_connections,
        ..masthead_web::server::Limits::default()
    };
    let result = masthead_web::server::serve(
        listener,
        masthead_web::router(state),
        limits,
        shutdown_signal(),
    )
    .await
    .context("the server stopped");
    scheduler.abort();
    sender.abort();
    notifier.abort();
    hooks.abort();
    counter.abort();
    indexer.abort();
    let _ = indexer.await;
    // Let the index finish its files before the data directory may be removed.
    if let Err(e) = index.close() {
        tracing::warn!(error = %e, "could not close the search index");
    }
    // Keep the reads counted since the last flush.
    if let Err(e) = readership.flush(&*store).await {
        tracing::warn!(error = %e, "could not record the last readership counts");
    }
    result
}

/// Brings the search index up to date with the store (rebuilding it if this node's
/// copy is missing or behind), then keeps it in step with every change.
async fn keep_index(index: Arc<masthead_search::SearchIndex>, store: Arc<dyn Store>) {
    // Subscribe first, so no change between the catch-up and the following is missed.
    let follow = index.clone().follow(store.clone());
    match index.start(&*store).await {
        Ok(Some(n)) => tracing::info!(articles = n, "rebuilt the search index"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not rebuild the search index"),
    }
    follow.await;
}

/// Publishes scheduled articles when their time comes. Runs once at start too, so
/// articles due while the server was down go out right away.
async fn run_scheduler(newsroom: Newsroom) {
    let mut tick = tokio::time::interval(SCHEDULER_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match newsroom.publish_due(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(published = n, "published scheduled articles"),
            Err(e) => tracing::warn!(error = %e, "scheduler could not publish"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
