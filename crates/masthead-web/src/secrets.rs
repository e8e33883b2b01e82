//! Secrets every surface uses the same way: random tokens, how they are stored (only
//! their hash), comparing them, and carrying them in cookies.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new random secret: 32 bytes from the OS, as hex.
pub fn secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// New keys for an integration, from the OS's randomness.
pub fn integration_keys() -> masthead_core::integration::Keys {
    use rand::RngCore;
    let mut bytes = [0u8; masthead_core::integration::KEY_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    masthead_core::integration::Keys::from_random(&bytes)
}

/// How a token (session, link, preview) is stored: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The value of cookie `name` in the request, if sent (the first, if sent twice).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers, name).into_iter().next()
}

/// Every value sent for cookie `name`, in the order sent (a browser sends cookies of
/// one name set for different paths, the longest path first).
pub fn cookies(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .flatten()
        .filter(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .collect()
}

/// A `Set-Cookie` value for a secret kept by the browser: sent only to `path`, never
/// to scripts or other sites' requests (SameSite=Lax), only over TLS when the site is
/// (`secure`); kept for `days` (else until the browser closes). `None` removes it.
pub fn set_cookie(
    name: &'static str,
    value: Option<&str>,
    path: &'static str,
    days: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let mut c = Cookie::build((name, value.unwrap_or_default().to_owned()))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build();
    match (value, days) {
        (Some(_), Some(days)) => c.set_max_age(cookie::time::Duration::days(days)),
        (Some(_), None) => {}
        (None, _) => c.make_removal(),
    }
    // A cookie built from our own names and hex values is always a valid header.
    HeaderValue::from_str(&c.to_string()).unwrap_or(HeaderValue::from_static(""))
}
