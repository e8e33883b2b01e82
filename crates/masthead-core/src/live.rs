//! Live coverage: a live article's timestamped entries. Readers see them newest first,
//! pinned ones on top; each has an optional headline and a body (a document, which may
//! hold a picture or an embed like any body). Editing an entry marks it updated;
//! deleting takes it away. Who may post is `may_post`.

use crate::article::ArticleType;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::ids::{ArticleId, LiveEntryId, PersonId};
use crate::people::Role;
use crate::workflow::{can_edit, Actor, Subject};
use chrono::{DateTime, Utc};

/// The longest headline an entry may have, in characters.
pub const MAX_HEADLINE: usize = 200;

/// Most entries a live article's page shows (and its feed item carries): the newest,
/// after the pinned ones.
pub const SHOWN: u32 = 200;

/// An entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEntry {
    pub id: LiveEntryId,
    pub article: ArticleId,
    pub headline: String,
    pub body: Document,
    /// The body rendered when it was saved, sanitised like an article's.
    pub body_html: String,
    /// Who posted it, while they are on the staff.
    pub author: Option<PersonId>,
    /// Their name when they posted it.
    pub author_name: String,
    pub pinned: bool,
    pub posted_at: DateTime<Utc>,
    /// When it was last edited, if ever.
    pub updated_at: Option<DateTime<Utc>>,
}

impl LiveEntry {
    /// When it last changed: for caches and the page's "updated" time.
    pub fn changed_at(&self) -> DateTime<Utc> {
        self.updated_at.unwrap_or(self.posted_at)
    }
}

/// What a newsroom writes: an entry's headline and body.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryContent {
    pub headline: String,
    pub body: Document,
}

impl EntryContent {
    /// `Invalid` naming the field: a headline that is too long or holds control
    /// characters, a body the document rules refuse, or nothing at all.
    pub fn validate(&self) -> Result<()> {
        let headline = self.headline.trim();
        if headline.chars().count() > MAX_HEADLINE {
            return Err(Error::invalid(
                "headline",
                format!("an entry's headline has at most {MAX_HEADLINE} characters"),
            ));
        }
        if headline.chars().any(char::is_control) {
            return Err(Error::invalid(
                "headline",
                "an entry's headline is one line of text",
            ));
        }
        self.body.validate("body")?;
        if headline.is_empty() && self.body.content.is_empty() {
            return Err(Error::invalid(
                "body",
                "an entry needs words, a picture or an embed",
            ));
        }
        Ok(())
    }
}

/// Whether `actor` may post, edit, pin and delete entries of an article of `kind`:
/// only a live article has entries, and only editors and authors who may edit the
/// article write them (a contributor's work goes through review; an entry does not).
pub fn may_post(actor: Actor, kind: ArticleType, subject: Subject<'_>) -> Result<()> {
    if kind != ArticleType::Live {
        return Err(Error::invalid(
            "article",
            "only a live article has entries; make its type Live first",
        ));
    }
    if !actor.role.at_least(Role::Author) {
        return Err(Error::forbidden(
            "editors and authors post live entries; ask one of them",
        ));
    }
    can_edit(actor, subject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Status;

    const ME: PersonId = PersonId(1);
    const OTHER: PersonId = PersonId(2);

    /// Every role, on its own article and on another's, live or not.
    #[test]
    fn who_may_post_entries() {
        let mine = [ME];
        let theirs = [OTHER];
        for role in [Role::Contributor, Role::Author, Role::Editor, Role::Admin] {
            for (authors, own) in [(&mine[..], true), (&theirs[..], false)] {
                for kind in [ArticleType::Live, ArticleType::News] {
                    let subject = Subject {
                        status: Status::Published,
                        authors,
                        published_at: Some(Utc::now()),
                    };
                    let allowed = may_post(Actor { person: ME, role }, kind, subject).is_ok();
                    let expected = kind == ArticleType::Live
                        && match role {
                            Role::Contributor => false,
                            Role::Author => own,
                            Role::Editor | Role::Admin => true,
                        };
                    assert_eq!(allowed, expected, "{role:?} own={own} {kind:?}");
                }
            }
        }
    }

    #[test]
    fn entries_need_something_and_a_one_line_headline() {
        let entry = |headline: &str, body: &str| EntryContent {
            headline: headline.into(),
            body: Document::from_markdown(body),
        };
        assert!(entry("Ferries resume", "").validate().is_ok());
        assert!(entry("", "The first boat left at 6.").validate().is_ok());
        let e = entry("  ", "").validate().unwrap_err().to_string();
        assert!(e.contains("needs words"), "{e}");
        let e = entry("a\nb", "x").validate().unwrap_err().to_string();
        assert!(e.contains("one line"), "{e}");
        let long = "x".repeat(MAX_HEADLINE + 1);
        assert!(entry(&long, "x").validate().is_err());
        assert!(entry(&"é".repeat(MAX_HEADLINE), "x").validate().is_ok());
    }
}
