//! Sponsors: organisations that pay for a story or a section, shown to readers with
//! the words that say how (`SponsorLabel`) and a disclosure of what they had to do
//! with it. Attached to articles and sections (an article's own sponsor first, else
//! its section's); readers see the label on the page and search engines in its
//! structured data. Pure rules, table-tested; the store keeps them.

use crate::article::word_enum;
use crate::error::Validator;
use crate::ids::{MediaId, SponsorId};
use crate::site::is_web_address;
use crate::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest sponsor name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest disclosure, in characters.
pub const MAX_DISCLOSURE_CHARS: usize = 500;

word_enum!(
    /// How readers are told: "Sponsored" (the sponsor paid for this content) or
    /// "Supported by" (it paid for the work, with no say in it).
    SponsorLabel {
        Sponsored => "sponsored" / "Sponsored",
        SupportedBy => "supported_by" / "Supported by",
    }
);

/// A sponsor as the newsroom describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsorInput {
    pub name: String,
    /// Their web address.
    pub url: String,
    /// Their logo, from the media library.
    pub logo: Option<MediaId>,
    /// What readers are told about the sponsor's part ("Harbor Bank paid for this
    /// series; it had no say in what we reported.").
    pub disclosure: String,
    pub label: SponsorLabel,
}

/// A stored sponsor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sponsor {
    pub id: SponsorId,
    pub name: String,
    pub url: String,
    pub logo: Option<MediaId>,
    pub disclosure: String,
    pub label: SponsorLabel,
    pub created_at: DateTime<Utc>,
}

impl SponsorInput {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        let name = self.name.trim();
        v.check(
            !name.is_empty()
                && name.chars().count() <= MAX_NAME_CHARS
                && !name.chars().any(char::is_control),
            "name",
            "give the sponsor's name, under 80 characters, on one line",
        );
        v.check(
            self.url.trim().is_empty()
                || (is_web_address(self.url.trim())
                    && !self
                        .url
                        .chars()
                        .any(|c| c.is_control() || c.is_whitespace())),
            "url",
            "a sponsor's address starts with https:// or http://",
        );
        let disclosure = self.disclosure.trim();
        v.check(
            !disclosure.is_empty()
                && disclosure.chars().count() <= MAX_DISCLOSURE_CHARS
                && !disclosure.chars().any(|c| c.is_control() && c != '\n'),
            "disclosure",
            "say what the sponsor had to do with the content, in under 500 characters",
        );
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> SponsorInput {
        SponsorInput {
            name: "Harbor Bank".into(),
            url: "https://harborbank.example".into(),
            logo: None,
            disclosure: "Harbor Bank paid for this series and had no say in it.".into(),
            label: SponsorLabel::SupportedBy,
        }
    }

    #[test]
    fn sponsors_are_checked() {
        assert!(good().validate().is_ok());
        assert!(SponsorInput {
            url: String::new(),
            ..good()
        }
        .validate()
        .is_ok());
        for (wrong, field) in [
            (
                SponsorInput {
                    name: " ".into(),
                    ..good()
                },
                "name",
            ),
            (
                SponsorInput {
                    name: "x".repeat(81),
                    ..good()
                },
                "name",
            ),
            (
                SponsorInput {
                    name: "a\nb".into(),
                    ..good()
                },
                "name",
            ),
            (
                SponsorInput {
                    url: "javascript:alert(1)".into(),
                    ..good()
                },
                "url",
            ),
            (
                SponsorInput {
                    url: "https://a b.example".into(),
                    ..good()
                },
                "url",
            ),
            (
                SponsorInput {
                    disclosure: String::new(),
                    ..good()
                },
                "disclosure",
            ),
            (
                SponsorInput {
                    disclosure: "x".repeat(501),
                    ..good()
                },
                "disclosure",
            ),
        ] {
            let e = wrong.validate().expect_err("refused");
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        assert_eq!(
            "supported_by".parse::<SponsorLabel>().ok(),
            Some(SponsorLabel::SupportedBy)
        );
        assert_eq!(SponsorLabel::Sponsored.label(), "Sponsored");
    }
}
