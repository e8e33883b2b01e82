//! The security headers every answer carries, per surface: a strict
//! Content-Security-Policy (scripts only from this site, no inline script, no plugins,
//! no `<base>` elsewhere), `nosniff`, a referrer policy and framing rules; uploaded
//! files are sandboxed; HSTS when the site is served over HTTPS. Made once, applied by
//! the page cache to everything it answers (and stored with cached pages, so a hit
//! costs nothing more).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

/// Reader pages: our own scripts and styles only; pictures may come from elsewhere
/// (an article's body may show one); framed by no other site.
const READER_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/// The newsroom: as strict, and never framed at all.
const NEWSROOM_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// Uploaded files: shown as what they are, never run as a page of this site.
const MEDIA_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

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
    /// For a site whose public address is `base_url`.
    pub fn new(base_url: &str) -> Self {
        let https = base_url.starts_with("https://");
        let make = |csp: &'static str, pairs: &[(HeaderName, &'static str)]| {
            let mut headers = HeaderMap::new();
            let csp = if https && csp != MEDIA_CSP {
                HeaderValue::from_str(&format!("{csp}; upgrade-insecure-requests"))
                    .unwrap_or(HeaderValue::from_static(csp))
            } else {
                HeaderValue::from_static(csp)
            };
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
        Self {
            reader: make(
                READER_CSP,
                &[
                    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
                    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                ],
            ),
            newsroom: make(
                NEWSROOM_CSP,
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
            let s = SecurityHeaders::new(base);
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
                assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
                assert_eq!(
                    h.contains_key(header::STRICT_TRANSPORT_SECURITY),
                    base.starts_with("https"),
                    "{base}{path}"
                );
            }
        }
        let s = SecurityHeaders::new("https://news.example");
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
}
