//! Curated fronts: editors choose the lead and the top slots of the home page and of
//! each section front, each slot for good or until a time ("until 18:00"). What is not
//! chosen, or has expired, or is no longer published, falls back to newest first.

use crate::article::ArticleSummary;
use crate::error::{Error, Result};
use crate::ids::{ArticleId, SectionId};
use chrono::{DateTime, Utc};

/// Slots of a front an editor may choose: the lead and the five stories after it.
pub const SLOTS: usize = 6;

/// A page whose top is curated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Front {
    Home,
    Section(SectionId),
}

impl Front {
    /// How the store names it.
    pub fn key(self) -> String {
        match self {
            Front::Home => "home".into(),
            Front::Section(id) => format!("section:{id}"),
        }
    }
}

/// A chosen story in a slot (0 is the lead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub position: usize,
    pub article: ArticleId,
    /// When the choice lapses, if it does.
    pub until: Option<DateTime<Utc>>,
}

impl Slot {
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// The form's name for each slot.
pub const SLOT_FIELDS: [&str; SLOTS] = ["slot-0", "slot-1", "slot-2", "slot-3", "slot-4", "slot-5"];

/// `Invalid` naming the field (`slot-N`): a position past the last slot, a slot or a
/// story chosen twice, or an end already past.
pub fn validate(slots: &[Slot], now: DateTime<Utc>) -> Result<()> {
    let mut errors = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let field = SLOT_FIELDS.get(slot.position).copied().unwrap_or("slots");
        if slot.position >= SLOTS {
            errors.push(crate::error::FieldError::new(
                field,
                format!("a front has {SLOTS} slots to choose"),
            ));
        } else if slots[..i].iter().any(|s| s.position == slot.position) {
            errors.push(crate::error::FieldError::new(
                field,
                "this slot is chosen twice",
            ));
        } else if slots[..i].iter().any(|s| s.article == slot.article) {
            errors.push(crate::error::FieldError::new(
                field,
                "this story is already in another slot",
            ));
        } else if slot.until.is_some_and(|until| until <= now) {
            errors.push(crate::error::FieldError::new(
                field,
                "the time it holds until has passed; choose a later one or none",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The top of a front: the chosen stories in their slots (those that still hold and
/// are among `chosen`, the published ones), the others filled newest first from
/// `newest`, with no story twice. As many as `newest` and `chosen` give, at most
/// `len`.
pub fn arrange(
    slots: &[Slot],
    chosen: &[ArticleSummary],
    newest: &[ArticleSummary],
    len: usize,
    now: DateTime<Utc>,
) -> Vec<ArticleSummary> {
    let pinned: Vec<(usize, &ArticleSummary)> = slots
        .iter()
        .filter(|s| s.holds_at(now))
        .filter_map(|s| {
            chosen
                .iter()
                .find(|a| a.id == s.article)
                .map(|a| (s.position, a))
        })
        .collect();
    let mut rest = newest
        .iter()
        .filter(|a| !pinned.iter().any(|(_, p)| p.id == a.id));
    let mut out = Vec::with_capacity(len);
    for position in 0..len {
        match pinned.iter().find(|(p, _)| *p == position) {
            Some((_, a)) => out.push((*a).clone()),
            None => match rest.next() {
                Some(a) => out.push(a.clone()),
                None => {
                    // Fewer stories than slots: the chosen ones further down still show.
                    out.extend(
                        pinned
                            .iter()
                            .filter(|(p, _)| *p > position)
                            .map(|(_, a)| (*a).clone()),
                    );
                    break;
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{ArticleType, Visibility};
    use chrono::Duration;

    fn story(id: i64) -> ArticleSummary {
        ArticleSummary {
            id: ArticleId(id),
            slug: format!("s{id}"),
            title: format!("Story {id}"),
            standfirst: String::new(),
            excerpt: String::new(),
            article_type: ArticleType::News,
            visibility: Visibility::Public,
            section: None,
            featured_media_id: None,
            featured_alt: String::new(),
            word_count: 0,
            comments: 0,
            published_at: None,
            updated_at: Utc::now(),
        }
    }

    fn ids(stories: &[ArticleSummary]) -> Vec<i64> {
        stories.iter().map(|a| a.id.0).collect()
    }

    fn slot(position: usize, article: i64, until: Option<DateTime<Utc>>) -> Slot {
        Slot {
            position,
            article: ArticleId(article),
            until,
        }
    }

    #[test]
    fn chosen_stories_take_their_slots_and_the_rest_fall_back_to_newest() {
        let now = Utc::now();
        let newest: Vec<_> = (1..=8).map(story).collect();
        // What the store found published of the stories chosen (99 was not).
        let old: Vec<_> = [40, 41, 1, 8].into_iter().map(story).collect();
        let later = Some(now + Duration::hours(2));
        let earlier = Some(now - Duration::minutes(1));
        for (slots, want) in [
            // Nothing chosen: newest first.
            (vec![], vec![1, 2, 3, 4, 5, 6]),
            // An older story as the lead, the rest newest first.
            (vec![slot(0, 40, None)], vec![40, 1, 2, 3, 4, 5]),
            // A newest story moved down: not shown twice.
            (vec![slot(2, 1, later)], vec![2, 3, 1, 4, 5, 6]),
            // Expired: as if not chosen.
            (vec![slot(0, 40, earlier)], vec![1, 2, 3, 4, 5, 6]),
            // Unpublished since (not among the chosen the store found): skipped.
            (vec![slot(0, 99, None)], vec![1, 2, 3, 4, 5, 6]),
            (
                vec![slot(0, 41, later), slot(1, 40, None), slot(5, 8, None)],
                vec![41, 40, 1, 2, 3, 8],
            ),
        ] {
            assert_eq!(
                ids(&arrange(&slots, &old, &newest, 6, now)),
                want,
                "{slots:?}"
            );
        }
        // Fewer stories than slots: the chosen ones still show.
        let few = [story(1)];
        assert_eq!(
            ids(&arrange(&[slot(4, 40, None)], &old[..2], &few, 6, now)),
            [1, 40]
        );
    }

    #[test]
    fn a_front_is_chosen_once_per_slot_and_story_and_ends_later() {
        let now = Utc::now();
        assert!(validate(
            &[
                slot(0, 1, None),
                slot(5, 2, Some(now + Duration::minutes(5)))
            ],
            now
        )
        .is_ok());
        for (slots, says) in [
            (vec![slot(6, 1, None)], "slots"),
            (vec![slot(0, 1, None), slot(0, 2, None)], "twice"),
            (vec![slot(0, 1, None), slot(1, 1, None)], "another slot"),
            (vec![slot(0, 1, Some(now))], "passed"),
        ] {
            let e = validate(&slots, now).unwrap_err().to_string();
            assert!(e.contains(says), "{slots:?}: {e}");
        }
    }
}
