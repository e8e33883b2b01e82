//! Reader comments: threaded, written by members, moderated by editors.

use crate::article::word_enum;
use crate::error::{Result, Validator};
use crate::ids::{ArticleId, CommentId, MemberId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

word_enum!(
    CommentStatus {
        Pending => "pending" / "Awaiting moderation",
        Approved => "approved" / "Approved",
        Rejected => "rejected" / "Rejected",
        Spam => "spam" / "Spam",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub member_id: MemberId,
    pub member_name: String,
    pub parent_id: Option<CommentId>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub member_id: MemberId,
    pub parent_id: Option<CommentId>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
}

/// Longest comment we accept; a letter to the editor, not an essay.
pub const MAX_COMMENT_CHARS: usize = 5000;

impl NewComment {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            !self.body.trim().is_empty(),
            "body",
            "write something first",
        );
        v.check(
            self.body.chars().count() <= MAX_COMMENT_CHARS,
            "body",
            "keep comments under 5000 characters",
        );
        v.finish()
    }
}

/// A comment waiting for a moderator, with the article it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentToModerate {
    pub comment: Comment,
    pub article_title: String,
    /// The article's public address.
    pub article_path: String,
}
