//! Newsroom sign-in: staff sessions, failed-login bookkeeping for rate limits, and the
//! audit log. The web layer makes the secrets; the store only ever sees a session
//! token's hash, so a leaked database holds no usable session.

use crate::article::word_enum;
use crate::error::Result;
use crate::ids::PersonId;
use crate::people::{Person, Role};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A session ends after this long without a request...
pub const SESSION_IDLE: Duration = Duration::days(7);
/// ...and in any case this long after the login.
pub const SESSION_MAX: Duration = Duration::days(30);

/// Failed sign-ins are counted over this window. The policy (`check_sign_in`): an
/// address that fails too often is stopped, first for the account it tries and then
/// for every account, so a stranger cannot lock the owner out from elsewhere; an
/// account guessed at from many addresses at once stops taking passwords alone, but
/// a right password with the second factor still gets in.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failures allowed for one account (email as typed, normalized) from one address...
pub const MAX_FAILURES_PER_ACCOUNT_FROM_IP: u32 = 5;
/// ...from one address, across accounts...
pub const MAX_FAILURES_PER_IP: u32 = 20;
/// ...and for one account from every address together (a distributed guess); past
/// it, only a sign-in with a second factor goes on.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 100;
/// Letters with a link (a staff password reset, a member's sign-in link) asked for one
/// email, and from one address, in the window: each kind has its own budget of this
/// size, apart from the sign-in's, so links cannot be used to flood a mailbox.
pub const MAX_LETTERS_PER_EMAIL: u32 = 5;
pub const MAX_LETTERS_PER_IP: u32 = 20;

/// A session to start for its owner, who just proved who they are: a staff member
/// (`PersonId`, the newsroom's sessions) or a member (`member::NewMemberSession`).
#[derive(Debug, Clone)]
pub struct NewSession<Owner = PersonId> {
    /// SHA-256 of the cookie's token, hex.
    pub token_hash: String,
    pub owner: Owner,
    /// The secret that state-changing forms of this session must carry.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
}

/// When a session started at `created_at` and last used at `seen_at` expires.
pub fn session_expiry(created_at: DateTime<Utc>, seen_at: DateTime<Utc>) -> DateTime<Utc> {
    (seen_at + SESSION_IDLE).min(created_at + SESSION_MAX)
}

/// A live session with its owner: the staff member (`Person`) or the member
/// (`member::MemberSession`) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session<Owner = Person> {
    pub token_hash: String,
    pub owner: Owner,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl<Owner> Session<Owner> {
    /// Whether a request at `now` should push the expiry on; done at most once a
    /// minute, so reading pages does not write on every request.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen_at >= Duration::minutes(1)
    }
}

word_enum!(
    /// What a failed-login counter is kept for.
    AttemptKind {
        Account => "account" / "Account",
        AccountFromIp => "account_ip" / "Account from an address",
        Ip => "ip" / "Address",
        Reset => "reset" / "Reset letter",
        SignInLink => "sign_in_link" / "Member sign-in letter",
    }
);

/// Failed logins for one key within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    pub oldest: Option<DateTime<Utc>>,
}

impl Failures {
    /// When the next attempt is allowed, if `limit` is used up: when the oldest
    /// failure in the window leaves it.
    pub fn blocked_until(&self, limit: u32) -> Option<DateTime<Utc>> {
        if self.count < limit {
            return None;
        }
        self.oldest.map(|t| t + FAILURE_WINDOW)
    }
}

word_enum!(
    /// What the audit log records.
    AuditAction {
        LoggedIn => "logged_in" / "Logged in",
        LoginFailed => "login_failed" / "Failed login",
        LoggedOut => "logged_out" / "Logged out",
        LoggedOutEverywhere => "logged_out_everywhere" / "Logged out everywhere",
        ArticleCreated => "article_created" / "Started an article",
        StatusChanged => "status_changed" / "Changed an article's status",
        CorrectionAdded => "correction_added" / "Added a correction or update",
        SettingsChanged => "settings_changed" / "Changed the settings",
        RoleChanged => "role_changed" / "Changed a role",
        PageSaved => "page_saved" / "Saved a page",
        ProfileChanged => "profile_changed" / "Changed their profile",
        MediaDescribed => "media_described" / "Changed a picture's words",
        AccessEnded => "access_ended" / "Took away a staff member's access",
        AccessRestored => "access_restored" / "Gave a staff member access again",
        IntegrationAdded => "integration_added" / "Added an integration",
        IntegrationKeysRotated => "integration_keys_rotated" / "Replaced an integration's keys",
        IntegrationRevoked => "integration_revoked" / "Revoked an integration",
        WebhookAdded => "webhook_added" / "Added a webhook",
        WebhookDeleted => "webhook_deleted" / "Deleted a webhook",
        WebhookChanged => "webhook_changed" / "Changed a webhook",
        TagDeleted => "tag_deleted" / "Deleted a tag",
        PageDeleted => "page_deleted" / "Deleted a page",
        PasswordResetAsked => "password_reset_asked" / "Asked for a password reset link",
        PasswordReset => "password_reset" / "Reset their password by email",
        PasswordChanged => "password_changed" / "Changed their password",
        Invited => "invited" / "Invited a staff member",
        InvitationWithdrawn => "invitation_withdrawn" / "Withdrew an invitation",
        InvitationAccepted => "invitation_accepted" / "Accepted an invitation",
        TwoFactorOn => "two_factor_on" / "Turned on two-factor sign-in",
        TwoFactorOff => "two_factor_off" / "Turned off two-factor sign-in",
        RecoveryCodeUsed => "recovery_code_used" / "Signed in with a recovery code",
        CommentModerated => "comment_moderated" / "Moderated a comment",
        CommentingChanged => "commenting_changed" / "Changed a member's commenting",
        CommentsOpened => "comments_opened" / "Opened an article's comments",
        CommentsClosed => "comments_closed" / "Closed an article's comments",
        StaffReplied => "staff_replied" / "Replied to a comment for the publication",
        NewsletterSent => "newsletter_sent" / "Sent an article as a newsletter",
    }
);

/// An entry to add to the audit log.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    /// Who did it, when known (a failed login has no one).
    pub actor: Option<PersonId>,
    pub action: AuditAction,
    /// What it was done to, in words (an email, an article's title and id, ...).
    pub target: String,
    pub ip: String,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<PersonId>,
    /// The actor's name when it happened (kept if they leave).
    pub actor_name: String,
    pub action: AuditAction,
    pub target: String,
    pub ip: String,
}

word_enum!(
    /// What a single-use secret sent by email (or held between the two steps of a
    /// two-factor login) is for.
    TokenPurpose {
        Reset => "reset" / "Password reset",
        Invitation => "invitation" / "Invitation",
        SecondStep => "second_step" / "Second sign-in step",
    }
);

impl TokenPurpose {
    /// How long a token for this purpose can be used.
    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::Reset => Duration::hours(1),
            TokenPurpose::Invitation => Duration::days(7),
            TokenPurpose::SecondStep => Duration::minutes(5),
        }
    }
}

/// A single-use token to store; like sessions, only its SHA-256 is kept.
#[derive(Debug, Clone)]
pub struct NewStaffToken {
    pub token_hash: String,
    pub purpose: TokenPurpose,
    /// Whose password it resets, or who is halfway through signing in.
    pub person: Option<PersonId>,
    /// An invitation's address, name and role (empty for other purposes).
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    /// Who made it (the inviting admin).
    pub created_by: Option<PersonId>,
    pub created_at: DateTime<Utc>,
}

/// A stored, unused and unexpired token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffToken {
    pub token_hash: String,
    pub purpose: TokenPurpose,
    pub person: Option<PersonId>,
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub created_by: Option<PersonId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl StaffToken {
    /// The role an invitation offers (contributor if it names none).
    pub fn invited_role(&self) -> Role {
        self.role.unwrap_or(Role::Contributor)
    }
}

/// How many codes may be tried at one second sign-in step before the password must be
/// given again.
pub const SECOND_STEP_TRIES: u32 = 5;

/// How many recovery codes a person gets when they turn on two-factor sign-in.
pub const RECOVERY_CODES: usize = 10;

/// Two-factor sign-in of one person: the TOTP secret (RFC 6238, SHA-1, 6 digits,
/// 30-second steps) and the last time step accepted, so no code works twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactor {
    /// The shared secret, base32 (as authenticator apps show it).
    pub secret: String,
    pub last_step: i64,
    pub enabled_at: DateTime<Utc>,
    /// Recovery codes not used yet.
    pub recovery_left: u32,
}

/// Recent failed sign-ins that bear on one attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInFailures {
    /// For this account from this address.
    pub account_from_ip: Failures,
    /// From this address, any account.
    pub ip: Failures,
    /// For this account, from anywhere.
    pub account: Failures,
}

impl SignInFailures {
    /// The keys a failed sign-in is counted under.
    pub fn keys(account: &str, ip: &str) -> [(AttemptKind, String); 3] {
        [
            (AttemptKind::AccountFromIp, format!("{account}|{ip}")),
            (AttemptKind::Ip, ip.to_owned()),
            (AttemptKind::Account, account.to_owned()),
        ]
    }
}

/// The sign-in policy (see `FAILURE_WINDOW`): `Err(until)` when this attempt is not
/// taken. `second_factor` says whether the account signs in with one, which carries it
/// past the account-wide limit (never past the limits of its own address).
pub fn check_sign_in(f: SignInFailures, second_factor: bool) -> Result<(), DateTime<Utc>> {
    let account_wide = if second_factor {
        None
    } else {
        f.account.blocked_until(MAX_FAILURES_PER_ACCOUNT)
    };
    let until = [
        f.account_from_ip
            .blocked_until(MAX_FAILURES_PER_ACCOUNT_FROM_IP),
        f.ip.blocked_until(MAX_FAILURES_PER_IP),
        account_wide,
    ]
    .into_iter()
    .flatten()
    .max();
    match until {
        Some(t) => Err(t),
        None => Ok(()),
    }
}

/// How long to wait until `until`, as a client is told it: whole seconds (at least
/// one, for `Retry-After`) and whole minutes rounded up (at least one, for people).
pub fn wait_until(now: DateTime<Utc>, until: DateTime<Utc>) -> (i64, i64) {
    let seconds = (until - now).num_seconds().max(1);
    (seconds, (seconds + 59) / 60)
}

/// Whether another letter with a link may be asked for: `Err(until)` when the email's
/// or the address's budget is used up (see `MAX_LETTERS_PER_EMAIL`).
pub fn check_letters(email: Failures, ip: Failures) -> Result<(), DateTime<Utc>> {
    let until = [
        email.blocked_until(MAX_LETTERS_PER_EMAIL),
        ip.blocked_until(MAX_LETTERS_PER_IP),
    ]
    .into_iter()
    .flatten()
    .max();
    match until {
        Some(t) => Err(t),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, minute, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let start = at(0);
        assert_eq!(session_expiry(start, start), start + SESSION_IDLE);
        let late = start + Duration::days(28);
        assert_eq!(session_expiry(start, late), start + SESSION_MAX);
    }

    fn failures(count: u32, oldest: u32) -> Failures {
        Failures {
            count,
            oldest: Some(at(oldest)),
        }
    }

    #[test]
    fn limits_block_until_the_oldest_failure_leaves_the_window() {
        let none = Failures::default();
        let quiet = SignInFailures::default();
        assert_eq!(check_sign_in(quiet, false), Ok(()));
        // (failures, second factor, expected)
        let cases = [
            // Four tries from one address: still open.
            (
                SignInFailures {
                    account_from_ip: failures(MAX_FAILURES_PER_ACCOUNT_FROM_IP - 1, 0),
                    ..quiet
                },
                false,
                Ok(()),
            ),
            // Five for one account from one address: that address waits.
            (
                SignInFailures {
                    account_from_ip: failures(MAX_FAILURES_PER_ACCOUNT_FROM_IP, 1),
                    ..quiet
                },
                true,
                Err(at(16)),
            ),
            // Twenty from one address, any accounts: it waits for all of them.
            (
                SignInFailures {
                    ip: failures(MAX_FAILURES_PER_IP, 5),
                    ..quiet
                },
                true,
                Err(at(20)),
            ),
            // A distributed guess: passwords alone stop...
            (
                SignInFailures {
                    account: failures(MAX_FAILURES_PER_ACCOUNT, 2),
                    ..quiet
                },
                false,
                Err(at(17)),
            ),
            // ...but a right password with the second factor goes on.
            (
                SignInFailures {
                    account: failures(MAX_FAILURES_PER_ACCOUNT, 2),
                    ..quiet
                },
                true,
                Ok(()),
            ),
            // Whatever strangers did elsewhere, below the account-wide limit the
            // owner's own address is open.
            (
                SignInFailures {
                    account: failures(MAX_FAILURES_PER_ACCOUNT - 1, 0),
                    ..quiet
                },
                false,
                Ok(()),
            ),
            // The later of two limits.
            (
                SignInFailures {
                    account_from_ip: failures(MAX_FAILURES_PER_ACCOUNT_FROM_IP, 1),
                    ip: failures(MAX_FAILURES_PER_IP, 5),
                    account: none,
                },
                false,
                Err(at(20)),
            ),
        ];
        for (n, (f, second, expected)) in cases.into_iter().enumerate() {
            assert_eq!(check_sign_in(f, second), expected, "case {n}");
        }
        assert_eq!(wait_until(at(0), at(0)), (1, 1));
        assert_eq!(wait_until(at(0), at(0) + Duration::seconds(61)), (61, 2));
        assert_eq!(wait_until(at(0), at(0) + Duration::seconds(120)), (120, 2));
        assert_eq!(check_letters(failures(4, 0), none), Ok(()));
        assert_eq!(check_letters(failures(5, 3), none), Err(at(18)));
        assert_eq!(check_letters(none, failures(20, 4)), Err(at(19)));
    }
}
