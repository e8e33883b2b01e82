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

/// Longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_LENGTH: usize = 1000;

/// Checks a newly chosen password and its confirmation; says what is wrong.
pub fn check_choice(password: &str, confirm: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "Choose a password of at least {MIN_LENGTH} characters (a few words make a good one)."
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!(
            "Choose a password of at most {MAX_LENGTH} characters."
        ));
    }
    if password != confirm {
        return Err("The two passwords are not the same; type them again.".to_owned());
    }
    Ok(())
}

/// `hash` on a blocking thread (argon2 is CPU work, kept off the async threads).
pub async fn hash_off_thread(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| format!("cannot hash the password: {e}"))?
}

/// `verify` on a blocking thread.
pub async fn verify_off_thread(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
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

    #[test]
    fn chosen_passwords_are_long_enough_and_confirmed() {
        assert!(super::check_choice("short", "short").is_err());
        assert!(super::check_choice("long enough here", "long enough there").is_err());
        assert!(super::check_choice("long enough here", "long enough here").is_ok());
        let huge = "x".repeat(super::MAX_LENGTH + 1);
        assert!(super::check_choice(&huge, &huge).is_err());
    }
}
