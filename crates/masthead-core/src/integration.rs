//! Integrations: the apps, sites and tools that use the publication's APIs, each with
//! its own keys, as Ghost shapes them (so Ghost's clients work unchanged): a Content
//! API key of 26 hexadecimal characters, public by design, that reads what is
//! published; and an Admin API key `id:secret` (24 and 64 hexadecimal characters)
//! whose secret signs the short-lived tokens that write. Keys can be rotated (new
//! ones, the old ones refused at once) and the integration revoked (every key
//! refused). Pure rules; randomness comes from the caller.

use crate::error::Validator;
use crate::ids::IntegrationId;
use crate::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Hexadecimal characters of a Content API key.
pub const CONTENT_KEY_HEX: usize = 26;
/// Hexadecimal characters of an Admin API key's id, and of its secret.
pub const ADMIN_ID_HEX: usize = 24;
pub const ADMIN_SECRET_HEX: usize = 64;
/// Random bytes a set of keys is made from: 13 for the content key, 12 for the admin
/// key's id, 32 for its secret.
pub const KEY_BYTES: usize = 13 + 12 + 32;
/// Longest integration name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Requests a key may make a minute unless its integration says otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 600;
/// The most an integration may be allowed a minute.
pub const MAX_RATE_LIMIT: u32 = 100_000;

/// An integration's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub content: String,
    pub admin_id: String,
    pub admin_secret: String,
}

impl Keys {
    /// Keys made of `random` (fresh random bytes from the caller).
    pub fn from_random(random: &[u8; KEY_BYTES]) -> Self {
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        Self {
            content: hex(&random[..13]),
            admin_id: hex(&random[13..25]),
            admin_secret: hex(&random[25..]),
        }
    }

    /// The Admin API key as clients hold it: `id:secret`.
    pub fn admin_key(&self) -> String {
        format!("{}:{}", self.admin_id, self.admin_secret)
    }
}

/// Whether `s` has the shape of a Content API key (lowercase hexadecimal, 26).
pub fn is_content_key(s: &str) -> bool {
    is_hex(s, CONTENT_KEY_HEX)
}

/// Whether `s` has the shape of an Admin API key's id.
pub fn is_admin_id(s: &str) -> bool {
    is_hex(s, ADMIN_ID_HEX)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An integration as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Integration {
    pub id: IntegrationId,
    pub name: String,
    #[serde(skip)]
    pub keys: Keys,
    /// Requests each of its keys may make a minute.
    pub rate_limit: u32,
    pub created_at: DateTime<Utc>,
    /// When its keys were last replaced.
    pub rotated_at: Option<DateTime<Utc>>,
    /// When it was revoked: none of its keys works since.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Integration {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// What an integration is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIntegration {
    pub name: String,
    pub keys: Keys,
    pub rate_limit: u32,
}

impl NewIntegration {
    pub fn new(name: &str, keys: Keys) -> Self {
        Self {
            name: name.trim().to_owned(),
            keys,
            rate_limit: DEFAULT_RATE_LIMIT,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        let chars = self.name.chars().count();
        v.check(chars > 0, "name", "give the integration a name");
        v.check(
            chars <= MAX_NAME_CHARS,
            "name",
            &format!("at most {MAX_NAME_CHARS} characters"),
        );
        v.check(
            !self.name.chars().any(char::is_control),
            "name",
            "no control characters",
        );
        v.check(
            (1..=MAX_RATE_LIMIT).contains(&self.rate_limit),
            "rate_limit",
            &format!("between 1 and {MAX_RATE_LIMIT} requests a minute"),
        );
        v.check(
            is_content_key(&self.keys.content)
                && is_admin_id(&self.keys.admin_id)
                && is_hex(&self.keys.admin_secret, ADMIN_SECRET_HEX),
            "keys",
            "keys are lowercase hexadecimal of Ghost's lengths",
        );
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_ghosts_shapes() {
        let mut random = [0u8; KEY_BYTES];
        for (i, b) in random.iter_mut().enumerate() {
            *b = u8::try_from(i * 7 % 256).unwrap_or(0);
        }
        let keys = Keys::from_random(&random);
        assert_eq!(keys.content.len(), CONTENT_KEY_HEX);
        assert_eq!(keys.admin_id.len(), ADMIN_ID_HEX);
        assert_eq!(keys.admin_secret.len(), ADMIN_SECRET_HEX);
        assert!(is_content_key(&keys.content) && is_admin_id(&keys.admin_id));
        assert_eq!(keys.content, "00070e151c232a31383f464d54");
        let admin = keys.admin_key();
        let (id, secret) = admin.split_once(':').unwrap_or_default();
        assert_eq!(
            (id, secret),
            (keys.admin_id.as_str(), keys.admin_secret.as_str())
        );
        assert!(NewIntegration::new("  Zapier ", keys.clone())
            .validate()
            .is_ok());
        assert_eq!(NewIntegration::new("  Zapier ", keys).name, "Zapier");
    }

    #[test]
    fn shapes_that_are_not_keys() {
        for key in [
            "",
            "00070e151c232a31383f464d5",
            "00070e151c232a31383f464d544",
            "00070E151C232A31383F464D54",
            "00070e151c232a31383f464d5g",
            "00070e151c232a31383f464d5é",
        ] {
            assert!(!is_content_key(key), "{key}");
        }
    }

    #[test]
    fn an_integration_needs_a_name_and_a_sane_limit() {
        let keys = Keys::from_random(&[1; KEY_BYTES]);
        let mut new = NewIntegration::new("", keys.clone());
        assert!(new.validate().is_err());
        new.name = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(new.validate().is_err());
        new.name = "Tab\there".into();
        assert!(new.validate().is_err());
        new.name = "App".into();
        new.rate_limit = 0;
        assert!(new.validate().is_err());
        new.rate_limit = MAX_RATE_LIMIT;
        assert!(new.validate().is_ok());
        new.keys.content = "nothex".into();
        assert!(new.validate().is_err());
    }
}
