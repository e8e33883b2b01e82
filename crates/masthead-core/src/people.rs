//! People: newsroom staff with roles, and members (readers with an account).

use crate::article::word_enum;
use crate::error::{Result, Validator};
use crate::ids::{MediaId, PersonId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

word_enum!(
    /// What a staff member may do; each role can do everything the one before it can.
    Role {
        Contributor => "contributor" / "Contributor",
        Author => "author" / "Author",
        Editor => "editor" / "Editor",
        Admin => "admin" / "Administrator",
    }
);

word_enum!(
    /// What a person in the bylines is: a staff account that signs in, or a profile
    /// without a login that editors keep for bylines (a guest writer, a news agency,
    /// a desk's collective byline such as "Staff").
    Kind {
        Staff => "staff" / "Staff account",
        Guest => "guest" / "Guest writer",
        Wire => "wire" / "News agency",
        Desk => "desk" / "Desk byline",
    }
);

/// The kinds of profile without a login.
pub const PROFILE_KINDS: [Kind; 3] = [Kind::Guest, Kind::Wire, Kind::Desk];

/// The domain of the placeholder address a profile without a login is stored under:
/// `.invalid` (RFC 2606) can never receive mail nor be typed to sign in.
pub const PROFILE_EMAIL_DOMAIN: &str = "profiles.invalid";

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Contributor => 0,
            Role::Author => 1,
            Role::Editor => 2,
            Role::Admin => 3,
        }
    }

    /// Whether this role includes everything `other` may do.
    pub fn at_least(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }
}

/// A link to a staff member's profile elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialLink {
    /// "x", "mastodon", "linkedin", "website"...
    pub network: String,
    pub url: String,
}

/// A staff member: writes, edits or runs the publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub slug: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub bio: String,
    /// Beats and subjects the person covers, shown on their author page.
    pub expertise: Vec<String>,
    pub avatar: Option<MediaId>,
    pub social_links: Vec<SocialLink>,
    pub created_at: DateTime<Utc>,
    /// Set when an admin took away their access (they left); they cannot sign in,
    /// their bylines stay.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// What they do at the publication ("Economics correspondent"); may be empty.
    pub job_title: String,
    pub kind: Kind,
}

impl Person {
    /// Their author page.
    pub fn path(&self) -> String {
        format!("/author/{}/", self.slug)
    }

    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    /// Whether this is a staff account (which signs in and hears of things), not a
    /// byline profile.
    pub fn signs_in(&self) -> bool {
        self.kind == Kind::Staff
    }
}

/// A staff member to add; the password arrives already hashed.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub bio: String,
    pub job_title: String,
    pub expertise: Vec<String>,
    pub social_links: Vec<SocialLink>,
    pub password_hash: String,
}

impl NewPerson {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(!self.name.trim().is_empty(), "name", "a name is required");
        v.check(
            is_plausible_email(&self.email),
            "email",
            "enter an email address like name@example.com",
        );
        v.finish()
    }
}

/// What staff say about themselves on their author page (and what editors say on a
/// byline profile's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub job_title: String,
    pub bio: String,
    pub expertise: Vec<String>,
    pub social_links: Vec<SocialLink>,
    /// Their photo, from the media library.
    pub avatar: Option<MediaId>,
}

impl Profile {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(!self.name.trim().is_empty(), "name", "a name is required");
        v.check(
            self.name.chars().count() <= 100,
            "name",
            "keep the name under 100 characters",
        );
        v.check(
            self.job_title.chars().count() <= 100,
            "job_title",
            "keep the job title under 100 characters",
        );
        v.check(
            self.bio.chars().count() <= 2000,
            "bio",
            "keep the biography under 2000 characters",
        );
        v.check(
            self.expertise.len() <= 20 && self.expertise.iter().all(|e| e.chars().count() <= 60),
            "expertise",
            "name at most 20 subjects, each under 60 characters",
        );
        for link in &self.social_links {
            v.check(
                !link.network.trim().is_empty() && crate::site::is_web_address(&link.url),
                "social_links",
                "write each link as: Name | https://...",
            );
        }
        v.finish()
    }
}

/// Emails are compared and stored lowercase, without surrounding spaces.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A shape check only; whether the address works is proven by mailing it.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.at_least(Role::Editor));
        assert!(Role::Editor.at_least(Role::Editor));
        assert!(!Role::Author.at_least(Role::Editor));
        assert!(!Role::Contributor.at_least(Role::Author));
    }

    #[test]
    fn email_shape() {
        assert!(is_plausible_email("ana@example.com"));
        assert!(!is_plausible_email("ana@example"));
        assert!(!is_plausible_email("ana example.com"));
        assert!(!is_plausible_email("a b@example.com"));
        assert_eq!(normalize_email(" Ana@Example.COM "), "ana@example.com");
    }
}
