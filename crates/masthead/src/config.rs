//! Operator configuration: defaults, then a TOML file, then `MASTHEAD_*` environment
//! variables. Validated once at start and passed down; there are no global statics.
//! Editorial settings (publication name, navigation) live in the database instead.

use anyhow::{anyhow, Context, Result};
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One documented configuration key. The README's table is checked against this list.
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "database_url",
        env: "MASTHEAD_DATABASE_URL",
        default: "sqlite:<data-dir>/masthead.db",
        meaning: "Where content is stored: `sqlite:PATH` (embedded) or `postgres://USER@HOST/DB`.",
    },
    Key {
        name: "listen",
        env: "MASTHEAD_LISTEN",
        default: "127.0.0.1:8080",
        meaning: "Address and port the HTTP server listens on.",
    },
    Key {
        name: "base_url",
        env: "MASTHEAD_BASE_URL",
        default: "http://<listen>",
        meaning: "The public URL readers use, for absolute links in feeds, sitemaps and emails.",
    },
    Key {
        name: "trusted_proxies",
        env: "MASTHEAD_TRUSTED_PROXIES",
        default: "(none)",
        meaning: "Load balancers whose X-Forwarded-For names the client (for login rate limits and the audit log): addresses or networks, comma-separated, e.g. `10.0.0.0/8, 192.0.2.7`.",
    },
    Key {
        name: "max_connections",
        env: "MASTHEAD_MAX_CONNECTIONS",
        default: "4096",
        meaning: "The most client connections open at once; more wait their turn (keep it under the process's file-descriptor limit).",
    },
    Key {
        name: "page_cache_mb",
        env: "MASTHEAD_PAGE_CACHE_MB",
        default: "64",
        meaning: "Memory for rendered reader pages, in MiB (each page counted with its compressed forms); 0 turns the cache off.",
    },
    Key {
        name: "smtp_url",
        env: "MASTHEAD_SMTP_URL",
        default: "(none: letters go to <data-dir>/outbox)",
        meaning: "Mail server for every letter (members' sign-in links, staff password resets and invitations): `smtps://USER:PASSWORD@HOST` (TLS) or `smtp://HOST:587?tls=required` (STARTTLS).",
    },
    Key {
        name: "oidc_issuer",
        env: "MASTHEAD_OIDC_ISSUER",
        default: "(none: members sign in by email only)",
        meaning: "The media house's OpenID Connect provider, exactly as it names itself (its `issuer`), e.g. `https://login.example.com`: readers may then sign in with their account there. Needs oidc_client_id and oidc_client_secret; the provider must allow `<base_url>/signin/external/callback` as a redirect URI.",
    },
    Key {
        name: "oidc_client_id",
        env: "MASTHEAD_OIDC_CLIENT_ID",
        default: "(none)",
        meaning: "The client id the provider gave this site.",
    },
    Key {
        name: "oidc_client_secret",
        env: "MASTHEAD_OIDC_CLIENT_SECRET",
        default: "(none)",
        meaning: "The client secret the provider gave this site.",
    },
    Key {
        name: "oidc_name",
        env: "MASTHEAD_OIDC_NAME",
        default: "the provider's host name",
        meaning: "What readers see on the button: \"Sign in with <oidc_name>\".",
    },
    Key {
        name: "stripe_secret_key",
        env: "MASTHEAD_STRIPE_SECRET_KEY",
        default: "(none: the support page takes no payments)",
        meaning: "The Stripe secret key (`sk_live_...`, or `sk_test_...` for test mode): readers may then pay for tiers and give through Stripe Checkout, and manage their plans in Stripe's customer portal. Needs stripe_webhook_secret.",
    },
    Key {
        name: "stripe_webhook_secret",
        env: "MASTHEAD_STRIPE_WEBHOOK_SECRET",
        default: "(none)",
        meaning: "The signing secret (`whsec_...`) of the Stripe webhook endpoint `<base_url>/webhooks/stripe`, which must send `checkout.session.completed`, `customer.subscription.*` and `invoice.*`.",
    },
    Key {
        name: "stripe_api_url",
        env: "MASTHEAD_STRIPE_API_URL",
        default: "https://api.stripe.com",
        meaning: "Where Stripe's API is: change it only to use a fake Stripe (tests, demonstrations).",
    },
    Key {
        name: "mail_webhook_secret",
        env: "MASTHEAD_MAIL_WEBHOOK_SECRET",
        default: "(none: bounce and complaint reports are not taken)",
        meaning: "A secret of at least 24 characters your mail service sends as `Authorization: Bearer <secret>` with bounce and complaint reports to `<base_url>/webhooks/mail` (JSON: `{\"type\": \"bounce\" or \"complaint\", \"email\": ..., \"message_id\": ...}`); the member gets no more newsletters.",
    },
    Key {
        name: "mail_from",
        env: "MASTHEAD_MAIL_FROM",
        default: "Masthead <newsroom@<base_url host>>",
        meaning: "The sender of the site's letters.",
    },
];

/// The keys as they appear in the file and the environment; all optional.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub base_url: Option<String>,
    pub trusted_proxies: Option<String>,
    pub max_connections: Option<usize>,
    pub page_cache_mb: Option<usize>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret: Option<String>,
    pub oidc_name: Option<String>,
    pub stripe_secret_key: Option<String>,
    pub stripe_webhook_secret: Option<String>,
    pub stripe_api_url: Option<String>,
    pub mail_webhook_secret: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub base_url: String,
    /// As written; checked when loaded (`masthead_web::client::Proxies`).
    pub trusted_proxies: String,
    pub max_connections: usize,
    /// The page cache's budget, in bytes.
    pub page_cache_bytes: usize,
    /// Where letters are sent; `None` writes them to the outbox.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The media house's login, when configured.
    pub oidc: Option<Oidc>,
    /// Stripe, when configured.
    pub stripe: Option<StripeKeys>,
    /// What the mail service's bounce and complaint reports carry, when configured.
    pub mail_webhook_secret: Option<String>,
}

/// The Stripe account payments go to.
#[derive(Debug, Clone)]
pub struct StripeKeys {
    pub secret_key: String,
    pub webhook_secret: String,
    pub api_url: String,
}

/// An OpenID Connect provider readers may sign in with.
#[derive(Debug, Clone)]
pub struct Oidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
}

/// The config file used when `--config` is not given, if it exists.
pub fn default_file(data_dir: &Path) -> PathBuf {
    data_dir.join("masthead.toml")
}

impl Config {
    /// Where uploaded and generated media files live.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// Reads the file (required when named explicitly) and the environment.
    pub fn load(data_dir: &Path, file: Option<&Path>) -> Result<Self> {
        let mut figment = Figment::new();
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(anyhow!("config file {} does not exist", path.display()));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                let path = default_file(data_dir);
                if path.is_file() {
                    figment = figment.merge(Toml::file_exact(path));
                }
            }
        }
        let names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        figment = figment.merge(Env::prefixed("MASTHEAD_").only(&names));
        let raw: RawConfig = figment.extract().map_err(describe)?;
        Self::resolve(data_dir, raw)
    }

    /// The value of a key, as shown to operators (passwords hidden).
    fn value_of(&self, key: &str) -> String {
        match key {
            "database_url" => masthead_store::redact(&self.database_url),
            "listen" => self.listen.to_string(),
            "base_url" => self.base_url.clone(),
            "smtp_url" => self
                .smtp_url
                .as_deref()
                .map(masthead_store::redact)
                .unwrap_or_else(|| "(none)".to_owned()),
            "mail_from" => self.mail_from.clone(),
            "oidc_issuer" => self
                .oidc
                .as_ref()
                .map_or("(none)".to_owned(), |o| o.issuer.clone()),
            "oidc_client_id" => self
                .oidc
                .as_ref()
                .map_or("(none)".to_owned(), |o| o.client_id.clone()),
            "oidc_client_secret" => self
                .oidc
                .as_ref()
                .map_or("(none)", |_| "(set, not shown)")
                .to_owned(),
            "oidc_name" => self
                .oidc
                .as_ref()
                .map_or("(none)".to_owned(), |o| o.name.clone()),
            "stripe_secret_key" | "stripe_webhook_secret" => self
                .stripe
                .as_ref()
                .map_or("(none)", |_| "(set, not shown)")
                .to_owned(),
            "mail_webhook_secret" => self
                .mail_webhook_secret
                .as_ref()
                .map_or("(none)", |_| "(set, not shown)")
                .to_owned(),
            "stripe_api_url" => self
                .stripe
                .as_ref()
                .map_or(masthead_web::stripe::API.to_owned(), |s| s.api_url.clone()),
            "trusted_proxies" => self.trusted_proxies.clone(),
            "max_connections" => self.max_connections.to_string(),
            "page_cache_mb" => (self.page_cache_bytes / 1024 / 1024).to_string(),
            _ => String::new(),
        }
    }

    /// A report of every key: value, environment variable, default and meaning.
    pub fn describe(&self) -> String {
        let mut out = format!("data directory: {}\n", self.data_dir.display());
        for k in KEYS {
            out.push_str(&format!(
                "\n{} = {}\n    env {}, default {}\n    {}\n",
                k.name,
                self.value_of(k.name),
                k.env,
                k.default,
                k.meaning
            ));
        }
        out
    }

    fn resolve(data_dir: &Path, raw: RawConfig) -> Result<Self> {
        let database_url = raw
            .database_url
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("masthead.db").display()));
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("config key listen: {listen_text:?} is not an address like 127.0.0.1:8080")
        })?;
        let base_url = raw.base_url.unwrap_or_else(|| format!("http://{listen}"));
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(anyhow!(
                "config key base_url: {base_url:?} must start with http:// or https://"
            ));
        }
        let base_url = base_url.trim_end_matches('/').to_owned();
        let authority = base_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        // An IP address ([::1]:8080, 127.0.0.1:8080) is no mail domain: letters from
        // a bare address say localhost.
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        let domain = if authority.starts_with('[')
            || host.is_empty()
            || host.parse::<std::net::IpAddr>().is_ok()
        {
            "localhost"
        } else {
            host
        };
        let mail_from = raw
            .mail_from
            .unwrap_or_else(|| format!("Masthead <newsroom@{domain}>"));
        if masthead_web::mail::check_sender(&mail_from).is_err() {
            return Err(anyhow!(
                "config key mail_from: {mail_from:?} is not an address like \"The Courier <newsroom@example.com>\""
            ));
        }
        let smtp_url = raw.smtp_url.filter(|u| !u.trim().is_empty());
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(anyhow!(
                    "config key smtp_url: {} must start with smtp:// or smtps://",
                    masthead_store::redact(url)
                ));
            }
        }
        let trusted_proxies = raw.trusted_proxies.unwrap_or_default();
        masthead_web::client::Proxies::parse(&trusted_proxies)
            .map_err(|e| anyhow!("config key trusted_proxies: {e}"))?;
        let max_connections = raw.max_connections.unwrap_or(4096);
        if max_connections == 0 {
            return Err(anyhow!(
                "config key max_connections: 0 would serve no one; use at least 1"
            ));
        }
        let page_cache_mb = raw.page_cache_mb.unwrap_or(64);
        if page_cache_mb > 1024 * 1024 {
            return Err(anyhow!(
                "config key page_cache_mb: {page_cache_mb} MiB is more memory than any machine has"
            ));
        }
        let oidc = resolve_oidc(
            raw.oidc_issuer,
            raw.oidc_client_id,
            raw.oidc_client_secret,
            raw.oidc_name,
        )?;
        let stripe = resolve_stripe(
            raw.stripe_secret_key,
            raw.stripe_webhook_secret,
            raw.stripe_api_url,
        )?;
        let mail_webhook_secret = raw.mail_webhook_secret.filter(|s| !s.trim().is_empty());
        if let Some(secret) = &mail_webhook_secret {
            if secret.trim().len() < 24 {
                return Err(anyhow!(
                    "config key mail_webhook_secret: use at least 24 characters, so it cannot be guessed"
                ));
            }
        }
        Ok(Self {
            oidc,
            stripe,
            mail_webhook_secret,
            data_dir: data_dir.to_path_buf(),
            database_url,
            listen,
            base_url,
            trusted_proxies,
            max_connections,
            page_cache_bytes: page_cache_mb * 1024 * 1024,
            smtp_url,
            mail_from,
        })
    }
}

/// The Stripe keys: none, or a secret key with its webhook's secret.
fn resolve_stripe(
    secret_key: Option<String>,
    webhook_secret: Option<String>,
    api_url: Option<String>,
) -> Result<Option<StripeKeys>> {
    let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let (secret_key, webhook_secret) = (given(secret_key), given(webhook_secret));
    let api_url = given(api_url).unwrap_or_else(|| masthead_web::stripe::API.to_owned());
    if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
        return Err(anyhow!(
            "config key stripe_api_url: {api_url:?} must start with https:// or http://"
        ));
    }
    match (secret_key, webhook_secret) {
        (None, None) => Ok(None),
        (Some(secret_key), Some(webhook_secret)) => {
            if !secret_key.starts_with("sk_") && !secret_key.starts_with("rk_") {
                return Err(anyhow!(
                    "config key stripe_secret_key: a Stripe secret key starts with sk_ (or rk_ for a restricted one); this one does not"
                ));
            }
            Ok(Some(StripeKeys {
                secret_key,
                webhook_secret,
                api_url,
            }))
        }
        (Some(_), None) => Err(anyhow!(
            "config key stripe_webhook_secret: stripe_secret_key is set but the webhook's signing secret is not; without it no payment would reach a member"
        )),
        (None, Some(_)) => Err(anyhow!(
            "config key stripe_secret_key: stripe_webhook_secret is set but the secret key is not; set both or neither"
        )),
    }
}

/// The OpenID Connect keys: none, or an issuer with its client id and secret.
fn resolve_oidc(
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    name: Option<String>,
) -> Result<Option<Oidc>> {
    let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let (issuer, client_id, client_secret) =
        (given(issuer), given(client_id), given(client_secret));
    let Some(issuer) = issuer else {
        if client_id.is_some() || client_secret.is_some() {
            return Err(anyhow!(
                "config key oidc_issuer: oidc_client_id and oidc_client_secret are set but no issuer; name the provider or remove them"
            ));
        }
        return Ok(None);
    };
    let host = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|h| !h.is_empty());
    let Some(host) = host else {
        return Err(anyhow!(
            "config key oidc_issuer: {issuer:?} must be an https:// address like https://login.example.com"
        ));
    };
    // Tokens over plain HTTP only to this machine (a provider for development).
    let local = ["localhost", "127.0.0.1", "[::1]"].contains(&host);
    if issuer.starts_with("http://") && !local {
        return Err(anyhow!(
            "config key oidc_issuer: {issuer:?} must use https:// (plain http is allowed for localhost only)"
        ));
    }
    let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
        return Err(anyhow!(
            "config key oidc_issuer: {issuer} also needs oidc_client_id and oidc_client_secret, as the provider gave them for this site"
        ));
    };
    let name = given(name).unwrap_or_else(|| host.to_owned());
    Ok(Some(Oidc {
        issuer,
        client_id,
        client_secret,
        name,
    }))
}

/// Turns figment's error into one sentence naming the key and where it came from.
fn describe(e: figment::Error) -> anyhow::Error {
    let source = e
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(figment::Source::File(path)) => format!("config file {}", path.display()),
            _ => m.name.to_string(),
        })
        .unwrap_or_else(|| "configuration".to_owned());
    let known = KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
    match &e.kind {
        figment::error::Kind::UnknownField(field, _) => {
            anyhow!("{source}: unknown key `{field}` (known keys: {known})")
        }
        kind => {
            let key = e.path.join(".");
            if key.is_empty() {
                anyhow!("{source}: {kind}")
            } else {
                anyhow!("{source}: key `{key}`: {kind}")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures must return figment::Error.
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_data_dir() {
        let c = Config::resolve(Path::new("/srv/paper"), RawConfig::default()).unwrap();
        assert_eq!(c.database_url, "sqlite:/srv/paper/masthead.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.mail_from, "Masthead <newsroom@localhost>");
        assert_eq!(c.smtp_url, None);
    }

    #[test]
    fn mail_settings_are_checked() {
        let raw = RawConfig {
            base_url: Some("https://news.example/".into()),
            ..RawConfig::default()
        };
        let c = Config::resolve(Path::new("d"), raw).unwrap();
        assert_eq!(c.mail_from, "Masthead <newsroom@news.example>");
        let raw = RawConfig {
            listen: Some("[::1]:8080".into()),
            ..RawConfig::default()
        };
        let c = Config::resolve(Path::new("d"), raw).unwrap();
        assert_eq!(
            c.mail_from, "Masthead <newsroom@localhost>",
            "IPv6 listen works"
        );
        let raw = RawConfig {
            mail_from: Some("not an address".into()),
            ..RawConfig::default()
        };
        let e = Config::resolve(Path::new("d"), raw)
            .unwrap_err()
            .to_string();
        assert!(e.contains("mail_from"), "{e}");
        let raw = RawConfig {
            smtp_url: Some("http://user:secret@mail".into()),
            ..RawConfig::default()
        };
        let e = Config::resolve(Path::new("d"), raw)
            .unwrap_err()
            .to_string();
        assert!(e.contains("smtp_url") && !e.contains("secret"), "{e}");
        let raw = RawConfig {
            trusted_proxies: Some("10.0.0.0/8, a balancer".into()),
            ..RawConfig::default()
        };
        let e = Config::resolve(Path::new("d"), raw)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("trusted_proxies") && e.contains("a balancer"),
            "{e}"
        );
    }

    #[test]
    fn the_media_house_login_needs_its_three_keys() {
        let oidc = |issuer: Option<&str>, id: Option<&str>, secret: Option<&str>| RawConfig {
            oidc_issuer: issuer.map(Into::into),
            oidc_client_id: id.map(Into::into),
            oidc_client_secret: secret.map(Into::into),
            ..RawConfig::default()
        };
        let c = Config::resolve(
            Path::new("d"),
            oidc(
                Some("https://login.example.com"),
                Some("paper"),
                Some("s3cret"),
            ),
        )
        .unwrap();
        let o = c.oidc.clone().unwrap();
        assert_eq!(
            (o.issuer.as_str(), o.name.as_str()),
            ("https://login.example.com", "login.example.com")
        );
        let text = c.describe();
        assert!(
            text.contains("(set, not shown)") && !text.contains("s3cret"),
            "{text}"
        );
        assert!(Config::resolve(
            Path::new("d"),
            oidc(Some("http://127.0.0.1:4000"), Some("a"), Some("b"))
        )
        .is_ok());
        for (raw, says) in [
            (
                oidc(Some("https://login.example.com"), Some("paper"), None),
                "oidc_client_secret",
            ),
            (oidc(None, Some("paper"), Some("s")), "no issuer"),
            (
                oidc(Some("http://login.example.com"), Some("a"), Some("b")),
                "must use https://",
            ),
            (
                oidc(Some("login.example.com"), Some("a"), Some("b")),
                "https:// address",
            ),
        ] {
            let e = Config::resolve(Path::new("d"), raw)
                .unwrap_err()
                .to_string();
            assert!(e.contains("oidc_issuer") && e.contains(says), "{e}");
        }
        assert!(Config::resolve(Path::new("d"), RawConfig::default())
            .unwrap()
            .oidc
            .is_none());
    }

    #[test]
    fn describe_lists_every_key_and_hides_passwords() {
        let raw = RawConfig {
            database_url: Some("postgres://u:hunter2@db/news".into()),
            ..RawConfig::default()
        };
        let text = Config::resolve(Path::new("d"), raw).unwrap().describe();
        for k in KEYS {
            assert!(
                text.contains(k.name) && text.contains(k.env) && text.contains(k.meaning),
                "{text}"
            );
        }
        assert!(
            text.contains("postgres://u:***@db/news") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "m.toml",
                "listen = \"127.0.0.1:9000\"\nbase_url = \"https://news.example/\"",
            )?;
            jail.set_env("MASTHEAD_LISTEN", "127.0.0.1:9001");
            let c = Config::load(Path::new("data"), Some(Path::new("m.toml")))
                .map_err(|e| e.to_string())?;
            assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
            assert_eq!(c.base_url, "https://news.example");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("m.toml", "databse_url = \"sqlite:x\"")?;
            let e = Config::load(Path::new("data"), Some(Path::new("m.toml")))
                .unwrap_err()
                .to_string();
            assert!(e.contains("unknown key `databse_url`"), "{e}");
            assert!(e.contains("m.toml"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_guessable_mail_webhook_secret_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MASTHEAD_MAIL_WEBHOOK_SECRET", "short");
            let e = Config::load(Path::new("data"), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains("mail_webhook_secret"), "{e}");
            jail.set_env(
                "MASTHEAD_MAIL_WEBHOOK_SECRET",
                "a-secret-long-enough-to-keep",
            );
            let c = Config::load(Path::new("data"), None).unwrap();
            assert_eq!(
                c.mail_webhook_secret.as_deref(),
                Some("a-secret-long-enough-to-keep")
            );
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MASTHEAD_LISTEN", "localhost");
            let e = Config::load(Path::new("data"), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains("listen"), "{e}");
            Ok(())
        });
    }

    /// Stripe's keys come as a pair, and each mistake is named.
    #[test]
    fn stripe_keys_come_as_a_pair() {
        let some = |v: &str| Some(v.to_owned());
        assert!(resolve_stripe(None, None, None).unwrap().is_none());
        let keys = resolve_stripe(some("sk_test_1"), some("whsec_1"), None)
            .unwrap()
            .unwrap();
        assert_eq!(keys.api_url, masthead_web::stripe::API);
        for (secret, hook, api, named) in [
            (some("sk_test_1"), None, None, "stripe_webhook_secret"),
            (None, some("whsec_1"), None, "stripe_secret_key"),
            (
                some("pk_test_1"),
                some("whsec_1"),
                None,
                "stripe_secret_key",
            ),
            (
                some("sk_test_1"),
                some("whsec_1"),
                some("ftp://x"),
                "stripe_api_url",
            ),
        ] {
            let e = resolve_stripe(secret, hook, api).unwrap_err().to_string();
            assert!(e.starts_with(&format!("config key {named}:")), "{e}");
        }
    }

    /// Every key of `RawConfig` is documented in `KEYS`, and nothing else is.
    #[test]
    fn keys_match_the_config_struct() {
        let all = RawConfig {
            database_url: Some(String::new()),
            listen: Some(String::new()),
            base_url: Some(String::new()),
            trusted_proxies: Some(String::new()),
            max_connections: Some(1),
            page_cache_mb: Some(1),
            smtp_url: Some(String::new()),
            mail_from: Some(String::new()),
            oidc_issuer: Some(String::new()),
            oidc_client_id: Some(String::new()),
            oidc_client_secret: Some(String::new()),
            oidc_name: Some(String::new()),
            stripe_secret_key: Some(String::new()),
            stripe_webhook_secret: Some(String::new()),
            stripe_api_url: Some(String::new()),
            mail_webhook_secret: Some(String::new()),
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&all).unwrap()).unwrap();
        let mut fields: Vec<_> = table.keys().cloned().collect();
        let mut documented: Vec<_> = KEYS.iter().map(|k| k.name.to_owned()).collect();
        fields.sort();
        documented.sort();
        assert_eq!(fields, documented);
        for k in KEYS {
            assert_eq!(k.env, format!("MASTHEAD_{}", k.name.to_uppercase()));
        }
    }

    /// The README's configuration table says exactly what the code does.
    #[test]
    fn readme_table_matches_the_code() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .unwrap();
        let start = readme
            .find("<!-- config-keys:start -->")
            .expect("start marker");
        let end = readme.find("<!-- config-keys:end -->").expect("end marker");
        let rows: Vec<Vec<String>> = readme[start..end]
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                l.trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().trim_matches('`').to_owned())
                    .collect()
            })
            .collect();
        let expected: Vec<Vec<String>> = KEYS
            .iter()
            .map(|k| {
                vec![
                    k.name.to_owned(),
                    k.env.to_owned(),
                    k.default.to_owned(),
                    k.meaning.to_owned(),
                ]
            })
            .collect();
        assert_eq!(
            rows, expected,
            "README configuration table and config::KEYS disagree"
        );
    }
}
