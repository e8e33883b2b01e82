//! Password hashing (argon2id), checking, and generation of strong one-time passwords.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use rand::distributions::{Alphanumeric, DistString};
use std::sync::OnceLock;

/// Shortest password a person may choose.
pub const MIN_LENGTH: usize = 10;

/// An argon2id hash of `password` with a fresh salt, in PHC string form.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches `stored` (a PHC string). With no stored hash (no such
/// account), a dummy hash is checked instead, so that the answer takes as long as for
/// a real account and says nothing about which emails exist. CPU-heavy: call it on a
/// blocking thread.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

/// A random password of 20 letters and digits (about 119 bits).
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 20)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let password = super::generate();
        assert_eq!(password.len(), 20);
        let hash = super::hash(&password).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(super::verify(&password, Some(&hash)));
        assert!(!super::verify("wrong", Some(&hash)));
        assert!(!super::verify(&password, None), "no account, no match");
        assert!(!super::verify(&password, Some("not a hash")));
    }
}
