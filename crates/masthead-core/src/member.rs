//! Members: readers with an account. Who a member is (their identity: email, name,
//! sessions, emailed sign-in links, external logins) is kept apart from their standing
//! with this publication (`Standing`: tier, newsletters, how their comments are
//! treated), so that one reader account can later belong to several publications.
//!
//! Members never have a password. They sign in by a link emailed to them (good once,
//! for `LINK_VALIDITY`, in the browser that asked for it), by a passkey, or through
//! the publication's own login. As for staff, the store only ever sees the hashes of
//! the secrets the web layer makes.

use crate::article::word_enum;
use crate::error::{Result, Validator};
use crate::ids::{MemberId, PasskeyId};
use crate::people::is_plausible_email;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How long an emailed link works.
pub const LINK_VALIDITY: Duration = Duration::minutes(15);

/// Longest name a member may give (their own, or the one shown on comments).
pub const MAX_NAME_CHARS: usize = 100;

/// What comments show in place of a member who deleted their account.
pub const FORMER_MEMBER: &str = "Former member";

/// A reader with an account: may comment, subscribe and sponsor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: String,
    pub name: String,
}

impl NewMember {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            is_plausible_email(&self.email),
            "email",
            "enter an email address like name@example.com",
        );
        check_name(&mut v, "name", &self.name);
        v.finish()
    }
}

impl NewMember {
    /// A member as another system (an OpenID provider) describes them: its name made to
    /// fit ours (printable, at most `MAX_NAME_CHARS`), the email checked by `validate`.
    pub fn told_by_others(email: &str, name: &str) -> Self {
        NewMember {
            email: email.to_owned(),
            name: name
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_NAME_CHARS)
                .collect(),
        }
    }
}

fn check_name(v: &mut Validator, field: &'static str, name: &str) {
    v.check(
        name.chars().count() <= MAX_NAME_CHARS,
        field,
        "keep the name under 100 characters",
    );
    v.check(
        !name.chars().any(char::is_control),
        field,
        "a name cannot hold control characters",
    );
}

word_enum!(
    /// How a member's comments are treated (the publication's moderation setting
    /// decides what each means).
    Commenting {
        New => "new" / "New",
        Trusted => "trusted" / "Trusted",
        Banned => "banned" / "Banned",
    }
);

/// A member's standing with this publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The name shown on their comments; their own name when empty.
    pub comment_name: String,
    /// The tier they belong to (`free` until the revenue issue adds paid ones).
    pub tier: String,
    /// The newsletters they chose, by slug.
    pub newsletters: Vec<String>,
    pub commenting: Commenting,
    /// Whether they get a letter when someone replies to their comment.
    pub reply_letters: bool,
    pub joined_at: DateTime<Utc>,
}

impl Standing {
    /// The name `member`'s comments show: the one chosen for comments, else their
    /// own; empty while they have given neither.
    pub fn name_on_comments<'a>(&'a self, member: &'a Member) -> &'a str {
        match self.comment_name.trim() {
            "" => member.name.trim(),
            chosen => chosen,
        }
    }
}

/// What a member may change about themselves on their account page.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub name: String,
    pub comment_name: String,
    pub newsletters: Vec<String>,
    pub reply_letters: bool,
}

impl AccountUpdate {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        check_name(&mut v, "name", &self.name);
        check_name(&mut v, "comment_name", &self.comment_name);
        v.check(
            self.newsletters.len() <= 50
                && self
                    .newsletters
                    .iter()
                    .all(|n| crate::slug::validate("newsletters", n).is_ok()),
            "newsletters",
            "choose among the newsletters offered",
        );
        v.finish()
    }
}

word_enum!(
    /// What an emailed link does when it is opened.
    LinkPurpose {
        SignIn => "sign_in" / "Sign in",
        EmailChange => "email_change" / "Confirm a new email address",
    }
);

/// A link to email: signs in (or up) whoever owns `email`, or confirms `member`'s new
/// address `email`.
#[derive(Debug, Clone)]
pub struct NewMemberLink {
    /// SHA-256 of the link's token, hex.
    pub token_hash: String,
    pub purpose: LinkPurpose,
    pub email: String,
    /// The member changing their address (`EmailChange` only).
    pub member: Option<MemberId>,
    /// SHA-256 of the secret held by the browser that asked for the link.
    pub browser_hash: String,
    /// Where the reader was when they asked (a path on this site).
    pub return_to: String,
    pub created_at: DateTime<Utc>,
}

impl NewMemberLink {
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + LINK_VALIDITY
    }
}

/// What opening an emailed link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was good, in the browser that asked for it, and is now used: this
    /// member signs in (`joined` when the link made their account).
    SignedIn {
        member: Member,
        joined: bool,
        return_to: String,
    },
    /// The link was good and confirmed the member's new address.
    /// `previous` is the address it replaced (told of the change).
    EmailChanged {
        member: Member,
        previous: String,
        return_to: String,
    },
    /// The link is good but was opened in another browser than the one that asked for
    /// it; it stays unused. The web layer mails a fresh link for this browser.
    OtherBrowser {
        purpose: LinkPurpose,
        email: String,
        member: Option<MemberId>,
        return_to: String,
    },
    /// The address a new-address link confirms now belongs to another member.
    EmailTaken,
    /// Unknown, used already, or expired.
    Gone,
}

/// A member's session to start, after they proved who they are; it lasts as staff
/// sessions do (`auth::session_expiry`).
pub type NewMemberSession = crate::auth::NewSession<MemberId>;

/// A live member session, with its member.
pub type MemberSession = crate::auth::Session<Member>;

/// Most of a member's browsers their account page lists (the most recently used).
pub const SESSIONS_LISTED: u32 = 20;

/// One browser a member is signed in on, as their account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub session: SessionRecord,
    /// The browser asking.
    pub current: bool,
}

/// Most passkeys one member may keep (a phone, a laptop, a security key, ...).
pub const MAX_PASSKEYS: usize = 10;

/// Longest name a member may give a passkey.
pub const MAX_PASSKEY_NAME_CHARS: usize = 60;

/// How long a passkey ceremony (adding one, or signing in with one) may take between
/// the browser asking and answering.
pub const CEREMONY_VALIDITY: Duration = Duration::minutes(5);

/// Longest credential id kept (the WebAuthn spec caps them at 1023 bytes, here in
/// base64url).
pub const MAX_CREDENTIAL_ID_CHARS: usize = 1400;

/// A passkey a member just registered. The web layer checked the browser's answer;
/// `key` is the credential as the WebAuthn library keeps it (JSON), opaque here.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub member: MemberId,
    /// The credential's id, base64url: how a sign-in finds the passkey.
    pub credential_id: String,
    /// The user handle the authenticator stores with it (base64url of a random
    /// UUID, the same for all of one member's passkeys): names no one elsewhere.
    pub user_handle: String,
    pub name: String,
    pub key: String,
    pub created_at: DateTime<Utc>,
}

impl NewPasskey {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        let name = self.name.trim();
        v.check(!name.is_empty(), "name", "give the passkey a name");
        v.check(
            name.chars().count() <= MAX_PASSKEY_NAME_CHARS,
            "name",
            "keep the name under 60 characters",
        );
        v.check(
            !name.chars().any(char::is_control),
            "name",
            "a name cannot hold control characters",
        );
        let id_ok = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        v.check(
            id_ok(&self.credential_id, MAX_CREDENTIAL_ID_CHARS),
            "credential",
            "the passkey's id is not one a browser makes",
        );
        v.check(
            id_ok(&self.user_handle, 64),
            "credential",
            "the passkey's user handle is not one we make",
        );
        v.finish()
    }
}

/// A member's passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub id: PasskeyId,
    pub member: MemberId,
    pub credential_id: String,
    pub user_handle: String,
    pub name: String,
    /// The credential as the WebAuthn library keeps it (its signature counter
    /// changes with each use).
    pub key: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A passkey as its member sees it in their data (the key itself is no use to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyRecord {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&Passkey> for PasskeyRecord {
    fn from(p: &Passkey) -> Self {
        PasskeyRecord {
            name: p.name.clone(),
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

word_enum!(
    /// What a passkey ceremony does when the browser answers.
    CeremonyPurpose {
        AddPasskey => "add_passkey" / "Add a passkey",
        SignIn => "sign_in" / "Sign in with a passkey",
    }
);

/// A passkey ceremony begun: the challenge the browser must sign, kept between its
/// two requests so that any node can finish it, once.
#[derive(Debug, Clone)]
pub struct NewCeremony {
    /// SHA-256 of the ceremony's token (which the page holds), hex.
    pub token_hash: String,
    pub purpose: CeremonyPurpose,
    /// The member adding a passkey (`AddPasskey`).
    pub member: Option<MemberId>,
    /// Who may finish it: the hash of the browser's secret (signing in) or of the
    /// member's session (adding a passkey).
    pub holder_hash: String,
    /// The WebAuthn library's state for it (JSON), opaque here.
    pub state: String,
    /// Where a sign-in goes back to.
    pub return_to: String,
    pub created_at: DateTime<Utc>,
}

impl NewCeremony {
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + CEREMONY_VALIDITY
    }
}

/// A ceremony taken back to finish (it is gone from the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub purpose: CeremonyPurpose,
    pub member: Option<MemberId>,
    pub holder_hash: String,
    pub state: String,
    pub return_to: String,
}

/// A session as its member sees it in their data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
}

/// Everything stored about a member, for "download my data".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberData {
    pub member: Member,
    pub standing: Standing,
    pub sessions: Vec<SessionRecord>,
    /// External logins, as (issuer, subject).
    pub external_logins: Vec<(String, String)>,
    pub comments: Vec<crate::comment::Comment>,
    /// The comments they like.
    pub likes: Vec<LikeRecord>,
    /// Their reports of others' comments.
    pub reports: Vec<ReportRecord>,
    pub passkeys: Vec<PasskeyRecord>,
}

/// A comment a member likes, as their data download shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LikeRecord {
    pub comment_id: crate::ids::CommentId,
    pub at: DateTime<Utc>,
}

/// A member's report of a comment, as their data download shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRecord {
    pub comment_id: crate::ids::CommentId,
    pub reason: crate::comment::ReportReason,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_told_by_others_are_made_to_fit() {
        let long = format!("Olive\u{0}\u{1b}[31m Owl{}", "x".repeat(200));
        let told = NewMember::told_by_others("owl@example.com", &long);
        assert!(told.validate().is_ok(), "{told:?}");
        assert!(told.name.starts_with("Olive[31m Owl"));
        assert_eq!(told.name.chars().count(), MAX_NAME_CHARS);
        assert!(NewMember::told_by_others("", "Owl").validate().is_err());
    }

    #[test]
    fn names_are_bounded_and_printable() {
        let good = AccountUpdate {
            name: "Ana Lopez".into(),
            comment_name: "ana".into(),
            newsletters: vec!["morning-briefing".into()],
            reply_letters: true,
        };
        assert!(good.validate().is_ok());
        for bad in [
            AccountUpdate {
                name: "x".repeat(101),
                ..good.clone()
            },
            AccountUpdate {
                comment_name: "a\u{0}b".into(),
                ..good.clone()
            },
            AccountUpdate {
                newsletters: vec!["<script>".into()],
                ..good.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
