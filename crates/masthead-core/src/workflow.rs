//! The editorial workflow: which status changes exist and who may make them.
//!
//! Contributors write and submit their own drafts; authors publish their own work;
//! editors and admins may move any article anywhere the workflow allows.

use crate::article::Status;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::ids::PersonId;
use crate::people::Role;
use chrono::{DateTime, Utc};

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub person: PersonId,
    pub role: Role,
}

/// What the rules need to know about the article being acted on.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub status: Status,
    pub authors: &'a [PersonId],
    pub published_at: Option<DateTime<Utc>>,
}

impl Subject<'_> {
    pub fn is_own(&self, actor: Actor) -> bool {
        self.authors.contains(&actor.person)
    }
}

/// A status change as the store applies it, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The status the article must still have when the change is applied (checked
    /// under the store's row lock; otherwise a `Conflict`): a change decided on what
    /// was read never lands on what someone changed meanwhile. `None` checks nothing.
    pub expected: Option<Status>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Whether the workflow has an edge from `from` to `to` at all, whoever asks.
pub fn edge_exists(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Draft, InReview)
            | (InReview, Draft)
            | (Draft | InReview | Unpublished | Scheduled, Scheduled)
            | (Draft | InReview | Scheduled | Unpublished, Published)
            | (Published | Scheduled, Unpublished)
            | (Scheduled | Unpublished, Draft)
            // Soft delete: what is live or due must be taken down first.
            | (Draft | InReview | Unpublished, Deleted)
            | (Deleted, Draft)
    )
}

/// Whether moving the article to `to` sends it back to its writers from review: what
/// an editor does to request changes, which needs a note saying what to change.
pub fn needs_note(actor: Actor, subject: Subject<'_>, to: Status) -> bool {
    subject.status == Status::InReview && to == Status::Draft && !subject.is_own(actor)
}

/// A review sent back needs a note for its writers; any other move may carry one.
pub fn check_note(actor: Actor, subject: Subject<'_>, to: Status, note: &str) -> Result<()> {
    if needs_note(actor, subject, to) && note.trim().is_empty() {
        return Err(Error::invalid(
            "note",
            "say what needs changing, so the writer knows",
        ));
    }
    Ok(())
}

/// Decides a status change: checks the edge, the actor's rights and the timing, and
/// returns the change to store. `schedule_at` is required for, and only for, `Scheduled`.
pub fn plan(
    actor: Actor,
    subject: Subject<'_>,
    to: Status,
    schedule_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<StatusChange> {
    let from = subject.status;
    if !edge_exists(from, to) {
        return Err(Error::conflict(format!(
            "an article that is {} cannot become {}",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let allowed = match actor.role {
        Role::Admin | Role::Editor => true,
        Role::Author => subject.is_own(actor),
        Role::Contributor => {
            subject.is_own(actor) && from == Status::Draft && to == Status::InReview
        }
    };
    if !allowed {
        return Err(Error::forbidden(match actor.role {
            Role::Contributor => "contributors may only submit their own drafts for review",
            _ => "authors may only move their own articles; ask an editor",
        }));
    }
    let scheduled_at = match (to, schedule_at) {
        (Status::Scheduled, Some(at)) if at > now => Some(at),
        (Status::Scheduled, Some(_)) => {
            return Err(Error::invalid(
                "scheduled_at",
                "choose a time in the future",
            ))
        }
        (Status::Scheduled, None) => {
            return Err(Error::invalid("scheduled_at", "choose when to publish"))
        }
        (_, None) => None,
        (_, Some(_)) => {
            return Err(Error::invalid(
                "scheduled_at",
                "only scheduling takes a time",
            ))
        }
    };
    // The first publication date stays when an article is republished: readers and
    // search engines have already seen it, and updates are shown as "Updated".
    let published_at = match to {
        Status::Published => Some(subject.published_at.unwrap_or(now)),
        _ => subject.published_at,
    };
    Ok(StatusChange {
        expected: Some(from),
        status: to,
        published_at,
        scheduled_at,
        updated_at: now,
    })
}

/// Whether the actor may change the article's content.
pub fn can_edit(actor: Actor, subject: Subject<'_>) -> Result<()> {
    let allowed = match actor.role {
        Role::Admin | Role::Editor => true,
        Role::Author => subject.is_own(actor),
        Role::Contributor => {
            subject.is_own(actor) && matches!(subject.status, Status::Draft | Status::InReview)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::forbidden("you may not edit this article"))
    }
}

/// Whether the actor may write a note on the article: editors and admins on any, the
/// others on their own (whatever its status: a contributor whose story is in review
/// may still ask the desk something).
pub fn may_note(actor: Actor, subject: Subject<'_>) -> Result<()> {
    if actor.role.at_least(Role::Editor) || subject.is_own(actor) {
        Ok(())
    } else {
        Err(Error::forbidden("you may not write notes on this article"))
    }
}

/// The longest a note may be, in characters.
pub const MAX_NOTE: usize = 2000;

/// Who an article credits: its bylines and its "Edited by".
#[derive(Debug, Clone, Copy)]
pub struct Credits<'a> {
    pub authors: &'a [PersonId],
    pub editors: &'a [PersonId],
}

impl Credits<'_> {
    /// No one yet (an article about to be created).
    pub const NONE: Credits<'static> = Credits {
        authors: &[],
        editors: &[],
    };
}

/// Whether the actor may change an article's credits from `before` to `after`.
/// Editors and admins credit anyone. Writers below them stay among the authors of
/// what they save, and change no one else's credit: the other authors and the
/// editors stay as they were (a new draft of theirs is credited to them alone).
pub fn check_credits(actor: Actor, before: Credits<'_>, after: Credits<'_>) -> Result<()> {
    if actor.role.at_least(Role::Editor) {
        return Ok(());
    }
    let others = |list: &[PersonId]| {
        let mut others: Vec<PersonId> = list
            .iter()
            .copied()
            .filter(|p| *p != actor.person)
            .collect();
        others.sort_by_key(|p| p.0);
        others.dedup();
        others
    };
    let same_set = |a: &[PersonId], b: &[PersonId]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort_by_key(|p| p.0);
        a.dedup();
        b.sort_by_key(|p| p.0);
        b.dedup();
        a == b
    };
    if !after.authors.contains(&actor.person) {
        return Err(Error::forbidden(
            "you stay among the authors of what you write; an editor can change the bylines",
        ));
    }
    if others(after.authors) != others(before.authors) {
        return Err(Error::forbidden(
            "only editors add or remove the bylines of others",
        ));
    }
    if !same_set(after.editors, before.editors) {
        return Err(Error::forbidden("only editors say who edited an article"));
    }
    Ok(())
}

/// Whether changing the slug must leave a redirect behind: once an article has been
/// public its URL has been shared, so the old one must keep working.
pub fn slug_change_needs_redirect(subject: Subject<'_>) -> bool {
    subject.published_at.is_some()
}

/// Whether the actor may save `after` over `before`: raw HTML is for editors and
/// admins to add (the sanitizer still cleans it); writers below them keep the raw HTML
/// a body already has (a body written in Markdown before the visual editor) and may
/// move or remove it, but add none.
pub fn check_raw_html(actor: Actor, before: &Document, after: &Document) -> Result<()> {
    if actor.role.at_least(Role::Editor) || !after.adds_raw_html(before) {
        return Ok(());
    }
    Err(Error::forbidden(
        "only editors and admins add raw HTML to a body; use a card, or ask an editor",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use Status::*;

    const ME: PersonId = PersonId(1);
    const OTHER: PersonId = PersonId(2);

    fn actor(role: Role) -> Actor {
        Actor { person: ME, role }
    }

    fn subject(status: Status, authors: &[PersonId]) -> Subject<'_> {
        Subject {
            status,
            authors,
            published_at: None,
        }
    }

    /// Every status, role and ownership: only a review sent back by someone who is not
    /// its writer needs a note, and then an empty or blank one is refused.
    #[test]
    fn a_review_sent_back_needs_a_note() {
        for from in Status::ALL {
            for to in Status::ALL {
                for role in Role::ALL {
                    for authors in [&[ME][..], &[OTHER][..]] {
                        let a = actor(*role);
                        let s = subject(*from, authors);
                        let sent_back = *from == InReview && *to == Draft && !authors.contains(&ME);
                        assert_eq!(needs_note(a, s, *to), sent_back, "{from:?} → {to:?}");
                        for note in ["", "  \n"] {
                            let checked = check_note(a, s, *to, note);
                            assert_eq!(
                                matches!(&checked, Err(Error::Invalid(e)) if e[0].field == "note"),
                                sent_back,
                                "{from:?} → {to:?} {role:?} {note:?}"
                            );
                        }
                        assert!(check_note(a, s, *to, "Check the second quote.").is_ok());
                    }
                }
            }
        }
    }

    /// Every role, and every way a body's raw HTML can change: only editors and
    /// admins add it; anyone keeps, moves or removes what is there.
    #[test]
    fn only_editors_add_raw_html() {
        let md = Document::from_markdown;
        let before = md("<div>kept</div>\n\ntext\n");
        let cases = [
            (md("<div>kept</div>\n\nnew text\n"), false),
            (md("text\n\n<div>kept</div>\n"), false),
            (md("text\n"), false),
            (md("<div>kept</div>\n\n<div>added</div>\n"), true),
            (md("<div>kept</div>\n\n<div>kept</div>\n"), true),
        ];
        for role in Role::ALL {
            for (after, adds) in &cases {
                let allowed = check_raw_html(actor(*role), &before, after).is_ok();
                assert_eq!(
                    allowed,
                    !adds || role.at_least(Role::Editor),
                    "{role:?} {after:?}"
                );
            }
        }
    }

    #[test]
    fn contributor_may_only_submit_own_drafts() {
        let now = Utc::now();
        let own = [ME];
        let c = actor(Role::Contributor);
        assert!(plan(c, subject(Draft, &own), InReview, None, now).is_ok());
        assert!(matches!(
            plan(c, subject(Draft, &own), Published, None, now),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            plan(c, subject(Draft, &[OTHER]), InReview, None, now),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            plan(c, subject(InReview, &own), Draft, None, now),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn author_publishes_own_but_not_others() {
        let now = Utc::now();
        let a = actor(Role::Author);
        let change = plan(a, subject(Draft, &[ME]), Published, None, now).unwrap();
        assert_eq!(change.status, Published);
        assert_eq!(change.published_at, Some(now));
        assert!(matches!(
            plan(a, subject(Draft, &[OTHER]), Published, None, now),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn editors_and_admins_move_anything_along_existing_edges() {
        let now = Utc::now();
        for role in [Role::Editor, Role::Admin] {
            for from in Status::ALL {
                for to in Status::ALL {
                    let at = (*to == Scheduled).then(|| now + Duration::hours(1));
                    let result = plan(actor(role), subject(*from, &[OTHER]), *to, at, now);
                    assert_eq!(
                        result.is_ok(),
                        edge_exists(*from, *to),
                        "{role} {from}->{to}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_bin_takes_what_is_not_live_and_gives_it_back_as_a_draft() {
        let now = Utc::now();
        let a = actor(Role::Author);
        for from in [Draft, InReview, Unpublished] {
            assert!(
                plan(a, subject(from, &[ME]), Deleted, None, now).is_ok(),
                "{from}"
            );
        }
        // Live or due articles are taken down first.
        for from in [Published, Scheduled] {
            assert!(matches!(
                plan(actor(Role::Admin), subject(from, &[]), Deleted, None, now),
                Err(Error::Conflict(_))
            ));
        }
        assert!(plan(a, subject(Deleted, &[ME]), Draft, None, now).is_ok());
        assert!(matches!(
            plan(a, subject(Deleted, &[ME]), Published, None, now),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            plan(a, subject(Draft, &[OTHER]), Deleted, None, now),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            plan(
                actor(Role::Contributor),
                subject(Draft, &[ME]),
                Deleted,
                None,
                now
            ),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn scheduling_needs_a_future_time() {
        let now = Utc::now();
        let e = actor(Role::Editor);
        let s = subject(Draft, &[]);
        assert!(matches!(
            plan(e, s, Scheduled, None, now),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            plan(e, s, Scheduled, Some(now), now),
            Err(Error::Invalid(_))
        ));
        let at = now + Duration::minutes(5);
        let change = plan(e, s, Scheduled, Some(at), now).unwrap();
        assert_eq!(change.scheduled_at, Some(at));
        assert_eq!(change.published_at, None);
    }

    #[test]
    fn republishing_keeps_the_first_publication_date() {
        let first = Utc::now() - Duration::days(3);
        let now = Utc::now();
        let s = Subject {
            status: Unpublished,
            authors: &[],
            published_at: Some(first),
        };
        let change = plan(actor(Role::Editor), s, Published, None, now).unwrap();
        assert_eq!(change.published_at, Some(first));
        assert!(slug_change_needs_redirect(s));
        assert!(!slug_change_needs_redirect(subject(Draft, &[])));
    }

    #[test]
    fn who_may_write_notes() {
        for role in Role::ALL.iter().copied() {
            for status in Status::ALL.iter().copied() {
                let me = Actor {
                    person: PersonId(1),
                    role,
                };
                let own = Subject {
                    status,
                    authors: &[PersonId(1)],
                    published_at: None,
                };
                let other = Subject {
                    authors: &[PersonId(2)],
                    ..own
                };
                assert!(may_note(me, own).is_ok(), "{role:?} {status:?}");
                assert_eq!(
                    may_note(me, other).is_ok(),
                    matches!(role, Role::Editor | Role::Admin),
                    "{role:?} {status:?}"
                );
            }
        }
    }

    #[test]
    fn nonexistent_edges_conflict() {
        let now = Utc::now();
        assert!(matches!(
            plan(
                actor(Role::Admin),
                subject(Published, &[]),
                InReview,
                None,
                now
            ),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn who_may_credit_whom() {
        const THIRD: PersonId = PersonId(3);
        let credits = |authors: &'static [PersonId], editors: &'static [PersonId]| Credits {
            authors,
            editors,
        };
        let mine = credits(&[ME], &[]);
        let shared = credits(&[ME, OTHER], &[THIRD]);
        // (before, after, allowed for writers below editor)
        let cases: &[(Credits<'_>, Credits<'_>, bool)] = &[
            (Credits::NONE, mine, true),
            (Credits::NONE, credits(&[OTHER], &[]), false),
            (Credits::NONE, credits(&[ME, OTHER], &[]), false),
            (Credits::NONE, credits(&[ME], &[OTHER]), false),
            (mine, mine, true),
            (mine, credits(&[OTHER], &[]), false),
            (mine, credits(&[ME, OTHER], &[]), false),
            (mine, credits(&[ME], &[THIRD]), false),
            (shared, shared, true),
            (shared, credits(&[OTHER, ME], &[THIRD]), true),
            (shared, credits(&[ME], &[THIRD]), false),
            (shared, credits(&[ME, OTHER], &[]), false),
            (shared, credits(&[OTHER], &[THIRD]), false),
            (credits(&[OTHER], &[]), credits(&[OTHER, ME], &[]), true),
        ];
        for role in Role::ALL {
            for (n, (before, after, writers_may)) in cases.iter().enumerate() {
                let allowed = check_credits(actor(*role), *before, *after).is_ok();
                let expected = *writers_may || role.at_least(Role::Editor);
                assert_eq!(allowed, expected, "{role}, case {n}");
            }
        }
    }

    #[test]
    fn editing_rights() {
        let own = [ME];
        assert!(can_edit(actor(Role::Contributor), subject(Draft, &own)).is_ok());
        assert!(can_edit(actor(Role::Contributor), subject(Published, &own)).is_err());
        assert!(can_edit(actor(Role::Author), subject(Published, &own)).is_ok());
        assert!(can_edit(actor(Role::Author), subject(Draft, &[OTHER])).is_err());
        assert!(can_edit(actor(Role::Editor), subject(Published, &[OTHER])).is_ok());
    }
}
