//! The security headers every answer carries, per surface: a strict
//! Content-Security-Policy (scripts only from this site, no inline script, no plugins,
//! no `<base>` elsewhere), `nosniff`, a referrer policy and framing rules; uploaded
//! files are sandboxed; HSTS when the site is served over HTTPS. Made once, applied by
//! the page cache to everything it answers (and stored with cached pages, so a hit
//! costs nothing more).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

/// Reader pages: our own scripts and styles only; pictures may come from elsewhere
/// (an article's body may show one); frames only from the known players
/// (`core::embed::FRAME_ORIGINS`, loaded when a reader asks); framed by no other site.
fn reader_csp() -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; \
         img-src 'self' data: https:; font-src 'self'; connect-src 'self'; form-action 'self'; \
         frame-src 'self' {}; object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
        masthead_core::embed::FRAME_ORIGINS.join(" ")
    )
}

/// The newsroom: as strict, and never framed at all.
const NEWSROOM_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// Uploaded files: shown as what they are, never run as a page of this site.
const MEDIA_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// Whether `text` is an origin a policy may name: `http(s)://host[:port]`, nothing
/// more (no path, no spaces or quotes that would end the directive).
fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// How a policy allows one inline script: `sha256-` and the base64 of its digest.
fn script_hash(script: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script))
    )
}

/// One year, as HSTS preload lists ask.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers of each surface, made once.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    reader: HeaderMap,
    newsroom: HeaderMap,
    media: HeaderMap,
}

impl SecurityHeaders {
    /// For a site whose public address is `base_url`, whose reader pages' forms may
    /// also lead to `form_targets` (origins: the payment provider's checkout and
    /// portal, which a form's answer redirects to), and whose newsroom pages that edit
    /// a body carry `import_map` (the theme's: the one inline script allowed, by its
    /// hash, and in the newsroom only).
    pub fn new(base_url: &str, form_targets: &[String], import_map: &str) -> Self {
        let https = base_url.starts_with("https://");
        let make = |csp: &str, pairs: &[(HeaderName, &'static str)]| {
            let mut headers = HeaderMap::new();
            let csp = if https && csp != MEDIA_CSP {
                format!("{csp}; upgrade-insecure-requests")
            } else {
                csp.to_owned()
            };
            // Every piece is ours or an origin checked to be one: always a valid value.
            let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(MEDIA_CSP));
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            for (name, value) in pairs {
                headers.insert(name.clone(), HeaderValue::from_static(value));
            }
            if https {
                headers.insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static(HSTS),
                );
            }
            headers
        };
        let targets: Vec<&str> = form_targets
            .iter()
            .map(String::as_str)
            .filter(|o| is_origin(o))
            .collect();
        let reader_csp = if targets.is_empty() {
            reader_csp()
        } else {
            reader_csp().replace(
                "form-action 'self'",
                &format!("form-action 'self' {}", targets.join(" ")),
            )
        };
        let newsroom_csp = NEWSROOM_CSP.replace(
            "script-src 'self'",
            &format!("script-src 'self' '{}'", script_hash(import_map)),
        );
        Self {
            reader: make(
                &reader_csp,
                &[
                    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
                    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                ],
            ),
            newsroom: make(
                &newsroom_csp,
                &[
                    (header::REFERRER_POLICY, "same-origin"),
                    (header::X_FRAME_OPTIONS, "DENY"),
                    (
                        HeaderName::from_static("cross-origin-opener-policy"),
                        "same-origin",
                    ),
                ],
            ),
            media: make(
                MEDIA_CSP,
                &[(header::REFERRER_POLICY, "strict-origin-when-cross-origin")],
            ),
        }
    }

    /// The headers an answer for `path` carries.
    fn for_path(&self, path: &str) -> &HeaderMap {
        if path.starts_with("/newsroom/") || path == "/newsroom" {
            &self.newsroom
        } else if path.starts_with("/media/") {
            &self.media
        } else {
            &self.reader
        }
    }

    /// Sets the headers an answer for `path` carries on `headers`.
    pub fn apply(&self, path: &str, headers: &mut HeaderMap) {
        for (name, value) in self.for_path(path) {
            headers.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_surface_gets_a_strict_policy() {
        for base in ["http://127.0.0.1:8080", "https://news.example"] {
            let s = SecurityHeaders::new(base, &[], "{}");
            for path in [
                "/",
                "/world/story/",
                "/newsroom/",
                "/newsroom/login",
                "/media/a.png",
            ] {
                let mut h = HeaderMap::new();
                s.apply(path, &mut h);
                let csp = h[header::CONTENT_SECURITY_POLICY]
                    .to_str()
                    .unwrap_or_default();
                assert!(!csp.contains("unsafe-eval"), "{path}");
                assert!(!csp.contains("script-src 'unsafe-inline'"), "{path}");
                assert!(csp.contains("default-src"), "{path}");
                // Frames: on reader pages the known players only (loaded when a reader
                // asks), and none anywhere else.
                let frames = csp
                    .split(';')
                    .map(str::trim)
                    .find(|d| d.starts_with("frame-src"))
                    .unwrap_or_default();
                if path.starts_with("/world/") || path == "/" {
                    assert_eq!(
                        frames,
                        format!(
                            "frame-src 'self' {}",
                            masthead_core::embed::FRAME_ORIGINS.join(" ")
                        )
                    );
                } else {
                    assert_eq!(frames, "", "{path}");
                }
                assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
                assert_eq!(
                    h.contains_key(header::STRICT_TRANSPORT_SECURITY),
                    base.starts_with("https"),
                    "{base}{path}"
                );
            }
        }
        let s = SecurityHeaders::new("https://news.example", &[], "{}");
        let mut h = HeaderMap::new();
        s.apply("/newsroom/articles", &mut h);
        let csp = h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
        assert!(csp.contains("base-uri 'self'"));
        let mut h = HeaderMap::new();
        s.apply("/media/2026/03/x.gif", &mut h);
        assert!(h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or_default()
            .contains("sandbox"));
    }

    /// The editor's import map runs in the newsroom, allowed by its hash (as the
    /// browser computes it over the script's text); no other inline script runs
    /// anywhere, and reader pages allow none.
    #[test]
    fn only_the_import_map_runs_inline_and_only_in_the_newsroom() {
        let map = r#"{"imports":{"prosemirror-model":"/assets/prosemirror-model.0.js"}}"#;
        let s = SecurityHeaders::new("https://news.example", &[], map);
        let script_src = |path: &str| {
            let mut h = HeaderMap::new();
            s.apply(path, &mut h);
            h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("script-src"))
                .unwrap_or_default()
                .to_owned()
        };
        // echo -n '{"imports":...}' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_src("/newsroom/articles/new"),
            "script-src 'self' 'sha256-ZyjHDdKNHIQFBuhnGIBHHTUtjZ3gkqPaub/MElL1L+4='"
        );
        assert_eq!(script_src("/world/story/"), "script-src 'self'");
    }

    #[test]
    fn reader_forms_may_lead_to_the_payment_providers_pages_only() {
        let s = SecurityHeaders::new(
            "https://news.example",
            &[
                "https://checkout.stripe.com".to_owned(),
                "http://127.0.0.1:4242".to_owned(),
                // Not origins: left out, never let into the policy.
                "https://evil.example/path".to_owned(),
                "https://a.example; script-src *".to_owned(),
                "javascript:alert(1)".to_owned(),
            ],
            "{}",
        );
        let csp = |path| {
            let mut h = HeaderMap::new();
            s.apply(path, &mut h);
            h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(csp("/support/checkout/")
            .contains("form-action 'self' https://checkout.stripe.com http://127.0.0.1:4242;"));
        assert!(!csp("/support/checkout/").contains("evil"));
        assert!(!csp("/support/checkout/").contains("script-src *"));
        assert!(csp("/newsroom/").contains("form-action 'self';"));
    }
}
