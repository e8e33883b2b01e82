//! Two-factor sign-in: TOTP codes (RFC 6238: SHA-1, six digits, 30-second steps, one
//! step of clock drift either way, as every authenticator app does) and recovery codes.
//! The store keeps the secret, the last step accepted (a code works once) and the
//! recovery codes' SHA-256 (`masthead_core::auth::TwoFactor`).

use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// A new random secret (160 bits, as RFC 4226 recommends), base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    // Issuer and account may not contain ':' in an otpauth address.
    let issuer: String = issuer.chars().filter(|c| *c != ':').collect();
    let account: String = account.chars().filter(|c| *c != ':').collect();
    Builder::new()
        .with_secret(secret)
        .with_issuer((!issuer.trim().is_empty()).then(|| issuer.trim().to_owned()))
        .with_account_name(account)
        .build()
        .ok()
}

/// Whether `secret` is a usable secret (base32, at least 128 bits).
pub fn is_secret(secret: &str) -> bool {
    totp(secret, "", "").is_some()
}

/// The time step a code typed at `unix_time` belongs to, if it is right for `secret`
/// (spaces and dashes in what was typed are ignored).
pub fn check(secret: &str, typed: &str, unix_time: u64) -> Option<i64> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret, "", "")?.check(&code, unix_time)?;
    i64::try_from(step).ok()
}

/// The current Unix time, for `check`.
pub fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The secret as an `otpauth://` address drawn as a QR code: an SVG element to put
/// in a page (without the XML declaration, with a text alternative).
pub fn qr_svg(secret: &str, issuer: &str, account: &str) -> Option<String> {
    let address = totp(secret, issuer, account)?.to_url().ok()?;
    let svg = qrcode::QrCode::new(address.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let element = svg.find("<svg").map(|at| &svg[at..])?;
    Some(element.replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"QR code of your sign-in key\" ",
        1,
    ))
}

/// The secret in groups of four letters, for typing by hand.
pub fn spaced(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// New recovery codes: `count` of twelve lower-case letters and digits (about 60
/// bits each), written `xxxx-xxxx-xxxx`.
pub fn new_recovery_codes(count: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..count)
        .map(|_| {
            let chars: Vec<char> = (0..12)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// How a recovery code is stored and looked up: SHA-256 of its letters and digits,
/// lower-cased (so dashes, spaces and capitals as typed do not matter).
pub fn recovery_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether what was typed has the shape of a recovery code (not a six-digit code).
pub fn looks_like_recovery_code(typed: &str) -> bool {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 12
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" gives 94287082
    /// (eight digits) at 59 s, so 287082 with six digits, in step 1.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(check(&secret, "287082", 59), Some(1));
        assert_eq!(check(&secret, "287 082", 59), Some(1), "spaces ignored");
        // One step of drift either way is accepted, two are not.
        assert_eq!(check(&secret, "287082", 59 + 30), Some(1));
        assert_eq!(check(&secret, "287082", 59 + 60), None);
        assert_eq!(check(&secret, "287083", 59), None);
        assert_eq!(check(&secret, "28708", 59), None);
        assert_eq!(check(&secret, "abcdef", 59), None);
        assert_eq!(check("not base32!", "287082", 59), None);
        assert!(is_secret(&secret));
        assert!(!is_secret("ABCD"), "too short");
    }

    #[test]
    fn secrets_are_random_and_drawn_as_svg() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32, "160 bits in base32");
        let svg = qr_svg(&a, "The Courier: Newsroom", "ed@example.com").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..60]);
        assert!(svg.ends_with("</svg>"));
        assert_eq!(spaced("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn recovery_codes_match_however_typed() {
        let codes = new_recovery_codes(10);
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        let code = &codes[0];
        assert_eq!(code.len(), 14);
        assert!(looks_like_recovery_code(code));
        assert!(!looks_like_recovery_code("123456"));
        let typed = code.replace('-', " ").to_uppercase();
        assert_eq!(recovery_hash(&typed), recovery_hash(code));
        assert_ne!(recovery_hash(&codes[1]), recovery_hash(code));
    }
}
