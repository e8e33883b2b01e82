//! Newsroom notifications: who is told what happened to a story, and how. Staff are
//! told in the newsroom (an inbox, its count in the navigation) and by email, each
//! event by the ways each person chose (`Choices`; both unless they said otherwise).
//!
//! The events and who they reach:
//! - a story submitted for review: the editors and admins;
//! - changes requested on it (a review sent back), scheduled, published: its bylines;
//! - a member's comment on it: its bylines;
//! - a mention (`@their-slug`) in a note on it: the person named.
//!
//! Nobody is told of what they did themselves, nor anyone who has left. This module
//! holds the rules; the use cases write notifications with the change that caused
//! them (`store::Trail::notifications`), and `masthead-web` sends the letters from the
//! stored queue.

use crate::article::{word_enum, Status};
use crate::error::Result;
use crate::ids::{ArticleId, PersonId};
use crate::people::{Person, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

word_enum!(
    /// What a notification is about.
    Event {
        Submitted => "submitted" / "Submitted for review",
        ChangesRequested => "changes_requested" / "Changes requested",
        Scheduled => "scheduled" / "Scheduled",
        Published => "published" / "Published",
        Comment => "comment" / "A comment on your story",
        Mention => "mention" / "A mention in a note",
    }
);

/// The event a move through the workflow is, if any: `own` is whether the one who
/// moved it is among its bylines (writers who take their own story back from review
/// have asked for no changes).
pub fn status_event(from: Status, to: Status, own: bool) -> Option<Event> {
    match to {
        Status::InReview if from != Status::InReview => Some(Event::Submitted),
        Status::Draft if from == Status::InReview && !own => Some(Event::ChangesRequested),
        Status::Scheduled => Some(Event::Scheduled),
        Status::Published if from != Status::Published => Some(Event::Published),
        _ => None,
    }
}

/// Who hears of `event` on a story with `bylines`, done by `actor` (none: the
/// scheduler): the editors and admins for a submission, else the bylines; never the
/// actor, nor anyone deactivated; each once, in staff order.
pub fn recipients(
    event: Event,
    bylines: &[PersonId],
    staff: &[Person],
    actor: Option<PersonId>,
) -> Vec<PersonId> {
    staff
        .iter()
        .filter(|p| p.is_active() && p.signs_in() && Some(p.id) != actor)
        .filter(|p| match event {
            Event::Submitted => p.role.at_least(Role::Editor),
            Event::Mention => false,
            _ => bylines.contains(&p.id),
        })
        .map(|p| p.id)
        .collect()
}

/// The staff `text` mentions as `@slug` (a word of letters, digits and hyphens after
/// an `@` that does not follow a letter or digit, so an email address is no mention),
/// active ones only, never `actor`, each once, in the order first mentioned.
pub fn mentions(text: &str, staff: &[Person], actor: Option<PersonId>) -> Vec<PersonId> {
    let mut found = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if c != '@' || i > 0 && chars[i - 1].1.is_alphanumeric() {
            continue;
        }
        let rest = &text[at + 1..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        let slug = rest[..end].trim_end_matches('-').to_lowercase();
        if let Some(p) = staff
            .iter()
            .find(|p| p.slug == slug && p.is_active() && p.signs_in() && Some(p.id) != actor)
        {
            if !found.contains(&p.id) {
                found.push(p.id);
            }
        }
    }
    found
}

/// How a person hears of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ways {
    /// In the newsroom's inbox.
    pub inbox: bool,
    pub email: bool,
}

impl Default for Ways {
    fn default() -> Self {
        Self {
            inbox: true,
            email: true,
        }
    }
}

/// A person's choices, per event; an event not chosen is heard of both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices(pub HashMap<Event, Ways>);

impl Choices {
    pub fn ways(&self, event: Event) -> Ways {
        self.0.get(&event).copied().unwrap_or_default()
    }
}

/// A notification to write: to whom, about what, by whom, with what words (a note's,
/// a comment's start), and whether a letter goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub person: PersonId,
    pub event: Event,
    pub article: ArticleId,
    pub actor: Option<PersonId>,
    pub text: String,
    pub email: bool,
}

/// The longest text a notification keeps, in characters (the rest is on the story).
pub const MAX_TEXT: usize = 300;

/// The notifications of `event` for `people`, by the ways each chose (`choices`,
/// looked up by person); those who want neither way get none.
pub fn address(
    event: Event,
    article: ArticleId,
    actor: Option<PersonId>,
    text: &str,
    people: &[PersonId],
    choices: &HashMap<PersonId, Choices>,
) -> Vec<NewNotification> {
    let text: String = text.trim().chars().take(MAX_TEXT).collect();
    people
        .iter()
        .filter_map(|person| {
            let ways = choices
                .get(person)
                .map(|c| c.ways(event))
                .unwrap_or_default();
            (ways.inbox || ways.email).then(|| NewNotification {
                person: *person,
                event,
                article,
                actor,
                text: text.clone(),
                email: ways.email,
            })
        })
        .collect()
}

/// A notification as a person's inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub event: Event,
    pub article: ArticleId,
    pub article_title: String,
    /// Who did it, while they are on the staff; "" for the scheduler or a member.
    pub actor_name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl Notification {
    /// What happened, in one sentence: "Ed Editor sent “Harbour fees” back with
    /// changes requested."
    pub fn summary(&self) -> String {
        let who = if self.actor_name.is_empty() {
            "Someone"
        } else {
            self.actor_name.as_str()
        };
        let title = &self.article_title;
        match self.event {
            Event::Submitted => format!("{who} submitted “{title}” for review."),
            Event::ChangesRequested => {
                format!("{who} sent “{title}” back with changes requested.")
            }
            Event::Scheduled => format!("{who} scheduled “{title}”."),
            Event::Published if self.actor_name.is_empty() => {
                format!("“{title}” was published as scheduled.")
            }
            Event::Published => format!("{who} published “{title}”."),
            Event::Comment => format!("A reader commented on “{title}”."),
            Event::Mention => format!("{who} mentioned you in a note on “{title}”."),
        }
    }
}

/// A letter waiting to go: the notification and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLetter {
    pub id: i64,
    pub to_name: String,
    pub to_email: String,
    pub notification: Notification,
    /// Tries so far.
    pub attempts: u32,
}

/// Tries a letter gets before it is given up (the inbox still has it).
pub const MAX_ATTEMPTS: u32 = 5;

/// How long after a failed try the next one comes: 30 s, then doubling.
pub fn retry_after(attempts: u32) -> chrono::Duration {
    chrono::Duration::seconds(30 << attempts.min(10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn person(id: i64, slug: &str, role: Role, active: bool) -> Person {
        Person {
            id: PersonId(id),
            slug: slug.into(),
            name: slug.into(),
            email: format!("{slug}@example.com"),
            role,
            bio: String::new(),
            expertise: Vec::new(),
            avatar: None,
            social_links: Vec::new(),
            created_at: Utc::now(),
            deactivated_at: (!active).then(Utc::now),
            job_title: String::new(),
            kind: crate::people::Kind::Staff,
        }
    }

    fn staff() -> Vec<Person> {
        vec![
            person(1, "cora", Role::Contributor, true),
            person(2, "ada", Role::Author, true),
            person(3, "ed", Role::Editor, true),
            person(4, "ann", Role::Admin, true),
            person(5, "gone", Role::Editor, false),
            person(6, "ed-two", Role::Editor, true),
            Person {
                kind: crate::people::Kind::Guest,
                ..person(7, "guest", Role::Contributor, true)
            },
        ]
    }

    #[test]
    fn every_move_is_its_event_or_none() {
        for from in Status::ALL.iter().copied() {
            for to in Status::ALL.iter().copied() {
                for own in [true, false] {
                    let expected = match (from, to) {
                        (f, InReview) if f != InReview => Some(Event::Submitted),
                        (InReview, Draft) if !own => Some(Event::ChangesRequested),
                        (_, Scheduled) => Some(Event::Scheduled),
                        (f, Published) if f != Published => Some(Event::Published),
                        _ => None,
                    };
                    assert_eq!(
                        status_event(from, to, own),
                        expected,
                        "{from:?} {to:?} {own}"
                    );
                }
            }
        }
    }

    #[test]
    fn who_hears_of_what() {
        let staff = staff();
        let ids = |v: &[i64]| v.iter().map(|i| PersonId(*i)).collect::<Vec<_>>();
        // A guest's profile has no login: it hears of nothing.
        let bylines = ids(&[1, 2, 7]);
        for (event, actor, expected) in [
            // Editors and admins, not the one who left, not the submitter.
            (Event::Submitted, Some(1), ids(&[3, 4, 6])),
            (Event::Submitted, Some(3), ids(&[4, 6])),
            (Event::ChangesRequested, Some(3), ids(&[1, 2])),
            (Event::Scheduled, Some(2), ids(&[1])),
            (Event::Published, None, ids(&[1, 2])),
            (Event::Comment, None, ids(&[1, 2])),
            (Event::Mention, Some(3), ids(&[])),
        ] {
            assert_eq!(
                recipients(event, &bylines, &staff, actor.map(PersonId)),
                expected,
                "{event:?} by {actor:?}"
            );
        }
        // A byline who left hears nothing.
        assert_eq!(
            recipients(Event::Published, &ids(&[5, 2]), &staff, None),
            ids(&[2])
        );
    }

    #[test]
    fn mentions_are_slugs_after_an_at() {
        let staff = staff();
        let ids = |v: &[i64]| v.iter().map(|i| PersonId(*i)).collect::<Vec<_>>();
        for (text, actor, expected) in [
            ("@ed please look", None, ids(&[3])),
            ("Ask @ada, then @ed-two.", None, ids(&[2, 6])),
            ("@ED and @ed again", None, ids(&[3])),
            ("mail ed@example.com", None, ids(&[])),
            ("@gone left", None, ids(&[])),
            ("@guest wrote it", None, ids(&[])),
            ("@nobody", None, ids(&[])),
            ("@ed-", None, ids(&[3])),
            ("me, @ann", Some(4), ids(&[])),
            ("(@cora)", None, ids(&[1])),
            ("@", None, ids(&[])),
            ("é@ada", None, ids(&[])),
            ("— @ada", None, ids(&[2])),
        ] {
            assert_eq!(
                mentions(text, &staff, actor.map(PersonId)),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn people_hear_the_ways_they_chose() {
        let mut quiet = Choices::default();
        quiet.0.insert(
            Event::Comment,
            Ways {
                inbox: false,
                email: false,
            },
        );
        quiet.0.insert(
            Event::Published,
            Ways {
                inbox: true,
                email: false,
            },
        );
        let choices = HashMap::from([(PersonId(1), quiet)]);
        let people = [PersonId(1), PersonId(2)];
        let long = "x".repeat(MAX_TEXT + 50);
        let comment = address(Event::Comment, ArticleId(9), None, &long, &people, &choices);
        assert_eq!(comment.len(), 1);
        assert_eq!(comment[0].person, PersonId(2));
        assert!(comment[0].email);
        assert_eq!(comment[0].text.chars().count(), MAX_TEXT);
        let published = address(Event::Published, ArticleId(9), None, "", &people, &choices);
        assert_eq!(
            published
                .iter()
                .map(|n| (n.person, n.email))
                .collect::<Vec<_>>(),
            [(PersonId(1), false), (PersonId(2), true)]
        );
    }

    #[test]
    fn each_event_says_what_happened() {
        let mut n = Notification {
            id: 1,
            event: Event::Published,
            article: ArticleId(1),
            article_title: "Harbour fees".into(),
            actor_name: String::new(),
            text: String::new(),
            created_at: Utc::now(),
            read_at: None,
        };
        assert_eq!(n.summary(), "“Harbour fees” was published as scheduled.");
        n.actor_name = "Ed Editor".into();
        for (event, says) in [
            (
                Event::Submitted,
                "Ed Editor submitted “Harbour fees” for review.",
            ),
            (
                Event::ChangesRequested,
                "Ed Editor sent “Harbour fees” back with changes requested.",
            ),
            (Event::Scheduled, "Ed Editor scheduled “Harbour fees”."),
            (Event::Published, "Ed Editor published “Harbour fees”."),
            (Event::Comment, "A reader commented on “Harbour fees”."),
            (
                Event::Mention,
                "Ed Editor mentioned you in a note on “Harbour fees”.",
            ),
        ] {
            n.event = event;
            assert_eq!(n.summary(), says);
        }
    }

    #[test]
    fn retries_back_off_and_end() {
        assert_eq!(retry_after(0), chrono::Duration::seconds(30));
        assert_eq!(retry_after(1), chrono::Duration::seconds(60));
        assert_eq!(retry_after(4), chrono::Duration::seconds(480));
        assert!(retry_after(u32::MAX) > retry_after(4));
        let events: Vec<Event> = Event::ALL
            .iter()
            .map(|e| e.as_str().parse().unwrap())
            .collect();
        assert_eq!(events, Event::ALL);
        assert!("nothing".parse::<Event>().is_err());
    }
}
