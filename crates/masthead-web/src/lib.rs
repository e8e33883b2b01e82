//! HTTP on axum. Thin by rule: extract the request, call the core or the store through
//! its port, shape the response. No SQL and no business rules live here.

pub mod api_json;
pub mod cache;
mod chrome;
pub mod client;
pub mod deliveries;
pub mod embeds;
mod error;
mod forms;
pub mod ghost;
mod health;
pub mod log;
pub mod mail;
mod members;
pub mod newsletters;
pub mod newsroom;
pub mod notifications;
pub mod oidc;
mod paging;
pub mod passkeys;
pub mod passwords;
pub mod pictures;
mod portal;
pub mod reader;
pub mod readership;
pub mod redirect;
mod replies;
pub mod secrets;
pub mod security;
mod segments;
pub mod server;
pub mod site;
pub mod staff;
pub mod stripe;
pub mod two_factor;
mod webhooks;

use axum::Router;
use masthead_core::search::Search;
use masthead_core::store::Store;
use masthead_render::Theme;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::{ApiError, WebError};

/// Everything a request handler may use, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub search: Arc<dyn Search>,
    pub theme: Arc<Theme>,
    /// Where uploaded and generated media files live.
    pub media_dir: PathBuf,
    /// The public URL readers use, without a trailing slash, for absolute links.
    pub base_url: String,
    pub cache: Arc<cache::PageCache>,
    /// Settings, sections and static pages, as every page shows them.
    pub site: Arc<site::SiteCache>,
    /// Article reads not yet written to the store (see `readership`).
    pub readership: Arc<readership::Readership>,
    /// The newsroom's use cases (workflow rules, rendering, then the store).
    pub newsroom: masthead_core::newsroom::Newsroom,
    /// Sends password reset links and invitations.
    pub mailer: Arc<mail::Mailer>,
    /// Load balancers whose `X-Forwarded-For` names the client (see `client`).
    pub proxies: Arc<client::Proxies>,
    /// The media house's login readers may sign in with, when configured.
    pub external_login: Option<Arc<oidc::ExternalLogin>>,
    /// Members' passkeys, where browsers allow them at `base_url` (see
    /// `passkeys::Passkeys::for_site`).
    pub passkeys: Option<Arc<passkeys::Passkeys>>,
    /// Where readers pay (Stripe), when configured.
    pub payments: Option<Arc<dyn masthead_core::payments::Payments>>,
    /// This node's newsletter sender (`newsletters::run`), which the newsroom wakes.
    pub dispatch: Arc<newsletters::Dispatch>,
    /// The shared secret a mail service's bounce and complaint reports carry
    /// (`/webhooks/mail`), when configured.
    pub mail_reports_secret: Option<String>,
    /// Fetches embeds' details and thumbnails when writers save them.
    pub embeds: Arc<embeds::Fetcher>,
    /// Each API key's requests this minute, on this node (`ghost::KeyLimits`).
    pub api_limits: Arc<ghost::KeyLimits>,
}

impl AppState {
    /// State whose page cache listens to `store`'s change notices.
    pub fn new(
        store: Arc<dyn Store>,
        search: Arc<dyn Search>,
        theme: Arc<Theme>,
        media_dir: PathBuf,
        base_url: String,
        mailer: mail::Mailer,
    ) -> Self {
        let cache = Arc::new(cache::PageCache::new(
            store.subscribe(),
            cache::DEFAULT_MAX_BYTES,
        ));
        let newsroom = masthead_core::newsroom::Newsroom::new(
            store.clone(),
            Arc::new(masthead_render::DocumentRenderer::default()),
        );
        let passkeys = match passkeys::Passkeys::for_site(&base_url) {
            Ok(site) => Some(Arc::new(site)),
            Err(why) => {
                tracing::info!("members cannot add passkeys: {why}");
                None
            }
        };
        Self {
            passkeys,
            newsroom,
            site: Arc::new(site::SiteCache::new(store.subscribe())),
            store,
            search,
            theme,
            media_dir,
            base_url,
            cache,
            readership: Arc::default(),
            mailer: Arc::new(mailer),
            proxies: Arc::default(),
            external_login: None,
            payments: None,
            dispatch: Arc::default(),
            mail_reports_secret: None,
            embeds: Arc::new(embeds::Fetcher::default()),
            api_limits: Arc::default(),
        }
    }

    /// A page cache of `max_bytes` (by default `cache::DEFAULT_MAX_BYTES`).
    pub fn with_page_cache(mut self, max_bytes: usize) -> Self {
        self.cache = Arc::new(cache::PageCache::new(self.store.subscribe(), max_bytes));
        self
    }

    /// Believes `X-Forwarded-For` from these proxies (by default, from none).
    pub fn with_proxies(mut self, proxies: client::Proxies) -> Self {
        self.proxies = Arc::new(proxies);
        self
    }

    /// Lets readers sign in through the media house's OpenID Connect provider.
    pub fn with_external_login(mut self, login: oidc::ExternalLogin) -> Self {
        self.external_login = Some(Arc::new(login));
        self
    }

    pub fn with_payments(mut self, payments: Arc<dyn masthead_core::payments::Payments>) -> Self {
        self.payments = Some(payments);
        self
    }

    /// Takes bounce and complaint reports that carry `secret` (see `webhooks`).
    pub fn with_mail_reports(mut self, secret: &str) -> Self {
        self.mail_reports_secret = Some(secret.to_owned());
        self
    }

    /// The absolute URL of a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The whole site (reader portal, health check, media and theme assets) behind the
/// page cache, as a service for `server::serve` or for `tower::ServiceExt::oneshot`
/// in tests.
pub type App = cache::Cached<Router>;

pub fn router(state: AppState) -> App {
    let (cache, readership, proxies) = (
        state.cache.clone(),
        state.readership.clone(),
        state.proxies.clone(),
    );
    let form_targets = state
        .payments
        .as_ref()
        .map(|p| p.pages())
        .unwrap_or_default();
    let security = Arc::new(security::SecurityHeaders::new(
        &state.base_url,
        &form_targets,
        state.theme.import_map(),
    ));
    let routes = Router::new()
        .merge(health::router())
        .merge(newsroom::router(&state))
        .merge(members::router(&state))
        .merge(webhooks::router())
        .merge(ghost::router(&state))
        .merge(newsletters::router())
        .merge(portal::router(&state))
        .with_state(state);
    cache::Cached::new(routes, cache, readership, proxies, security)
}
