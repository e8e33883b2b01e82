//! Revisions: every explicit save of an article, and each writer's autosaved working
//! copy. Nothing here is ever lost by a later save: an autosave replaces only the same
//! person's previous autosave of the same article, and only while they keep typing.
//! Notes between writers and editors live here too.

use crate::article::word_enum;
use crate::article::ArticleContent;
use crate::error::Result;
use crate::ids::{ArticleId, PersonId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An autosave within this long of the same person's previous one replaces it (one
/// working copy per stretch of writing); after a pause it starts a new revision.
pub const AUTOSAVE_STRETCH: Duration = Duration::minutes(5);

/// A preview link works for this long after it is made.
pub const PREVIEW_LIFETIME: Duration = Duration::days(7);

/// Others who opened the editor within this long are shown as editing too.
pub const PRESENCE_WINDOW: Duration = Duration::minutes(2);

word_enum!(
    /// How a revision came about.
    RevisionKind {
        Autosave => "autosave" / "Autosaved",
        Save => "save" / "Saved",
    }
);

/// A revision without its content, for the history list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionSummary {
    pub id: i64,
    pub article_id: ArticleId,
    pub person: Option<PersonId>,
    pub person_name: String,
    pub kind: RevisionKind,
    pub title: String,
    pub created_at: DateTime<Utc>,
    /// Later than `created_at` for an autosave that kept being replaced.
    pub updated_at: DateTime<Utc>,
}

/// A revision with the whole content it recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub summary: RevisionSummary,
    pub content: ArticleContent,
}

/// Someone with the editor open on an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Presence {
    pub person: PersonId,
    pub name: String,
    pub seen_at: DateTime<Utc>,
}

/// A note on an article from one of its staff (a change requested in review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: i64,
    pub person: Option<PersonId>,
    pub person_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}
