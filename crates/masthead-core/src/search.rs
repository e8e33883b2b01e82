//! The search port: full-text search over published articles. Implemented by
//! `masthead-search` (tantivy, one index per node, rebuildable from the store).

use crate::access::{can_read_visibility, Reader};
use crate::article::{Article, ArticleType, Visibility};
use crate::error::Result;
use crate::ids::{ArticleId, TierId};
use crate::store::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Longest query we take; anything longer is cut, not refused.
pub const MAX_QUERY_CHARS: usize = 200;

/// The deepest result a search reaches (`offset + limit`): pages beyond it have no
/// results, so no page number can make the engine reserve room for more.
pub const MAX_RESULTS: u32 = 1_000;

/// How fast freshness fades, in days: see `freshness`.
pub const FRESHNESS_HALF_LIFE_DAYS: f64 = 30.0;

/// What an old story keeps of its text score: see `freshness`.
pub const FRESHNESS_FLOOR: f64 = 0.7;

/// Ranking weighs fresher stories over older ones. A match's text score (headline
/// over standfirst and tags over body) is multiplied by
/// `FRESHNESS_FLOOR + (1 - FRESHNESS_FLOOR) * 2^(-age / FRESHNESS_HALF_LIFE_DAYS)`:
/// a story published now counts whole, a month-old one 0.85, a year-old one just
/// over 0.7. Text still decides between a close match and a loose one (a year-old
/// headline beats today's passing mention); freshness decides between equals.
/// `age_seconds` below zero (a clock ahead) counts as now.
pub fn freshness(age_seconds: i64) -> f32 {
    let days = age_seconds.max(0) as f64 / 86_400.0;
    (FRESHNESS_FLOOR + (1.0 - FRESHNESS_FLOOR) * (-days / FRESHNESS_HALF_LIFE_DAYS).exp2()) as f32
}

/// Most values of one facet returned (the tags and authors most matched).
pub const MAX_FACET_VALUES: usize = 12;

#[async_trait]
pub trait Search: Send + Sync {
    /// Published articles matching `query`, best match first, with the facets of all
    /// matches. Any text is a valid query: operators that do not parse are taken as
    /// words. Results beyond `MAX_RESULTS` are not returned (`total` still counts
    /// every match).
    async fn search(&self, query: &SearchQuery, page: PageRequest) -> Result<SearchResults>;

    /// Published articles most like `article` by shared tags and words, best first,
    /// without `article` itself.
    async fn related(&self, article: &Article, limit: u32) -> Result<Vec<ArticleId>>;
}

/// One search: words, the filters chosen, and what the reader may read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub text: String,
    pub filters: Filters,
    pub reach: Reach,
}

impl SearchQuery {
    /// Words alone, as an anonymous reader searches them.
    pub fn words(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }
}

/// Narrowing a search: each set filter must hold. Sections, tags and authors by slug;
/// the date range by publication time, `since` included, `until` excluded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub section: Option<String>,
    pub tag: Option<String>,
    pub author: Option<String>,
    pub article_type: Option<ArticleType>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The gated bodies a reader may search, as `can_read_visibility` decides: a reader
/// without access to an article matches only its headline, standfirst and the part
/// every reader sees, so that no match tells them what the rest says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub members: bool,
    pub paid: bool,
    /// The tiers whose articles (`Visibility::Tiers`) they may read.
    pub tiers: Vec<TierId>,
}

impl Reach {
    /// What `reader` may read, of articles for members, for paying members, and for
    /// each of `tiers` (the publication's).
    pub fn of(reader: &Reader, tiers: &[TierId]) -> Self {
        Self {
            members: can_read_visibility(reader, Visibility::Members, &[]),
            paid: can_read_visibility(reader, Visibility::Paid, &[]),
            tiers: tiers
                .iter()
                .copied()
                .filter(|t| can_read_visibility(reader, Visibility::Tiers, &[*t]))
                .collect(),
        }
    }

    /// Whether this reach takes in the whole body of an article of `visibility` for
    /// `tiers`.
    pub fn admits(&self, visibility: Visibility, tiers: &[TierId]) -> bool {
        match visibility {
            Visibility::Public => true,
            Visibility::Members => self.members,
            Visibility::Paid => self.paid,
            Visibility::Tiers => tiers.iter().any(|t| self.tiers.contains(t)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// How many articles match in all.
    pub total: u64,
    /// Counts of the matches by section, tag, author, type and year.
    pub facets: Facets,
    /// The words with a misspelling put right, when some word is in no article and a
    /// close one is: "did you mean".
    pub suggestion: Option<String>,
}

/// How the matches of a search divide, most first (at most `MAX_FACET_VALUES` each):
/// sections, tags and authors by slug, types by their word, years as "2026".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub sections: Vec<(String, u64)>,
    pub tags: Vec<(String, u64)>,
    pub authors: Vec<(String, u64)>,
    pub types: Vec<(String, u64)>,
    pub years: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub article: ArticleId,
    /// A passage of the article around the matched words: HTML with the text escaped
    /// and the matches in `<b>`, safe to place in a page as it is.
    pub snippet_html: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_readers_reach_is_what_can_read_lets_them_read() {
        use crate::member::Member;
        use crate::payments::Entitlement;
        let (gold, silver, bronze) = (TierId(1), TierId(2), TierId(3));
        let tiers = [gold, silver, bronze];
        let member = || {
            Box::new(Member {
                id: crate::ids::MemberId(1),
                email: "mo@example.com".into(),
                name: "Mo".into(),
                created_at: chrono::DateTime::UNIX_EPOCH,
            })
        };
        let staff = Reader::Staff(Box::new(crate::people::Person {
            id: crate::ids::PersonId(1),
            slug: "ann".into(),
            name: "Ann".into(),
            email: "ann@example.com".into(),
            role: crate::people::Role::Contributor,
            bio: String::new(),
            expertise: Vec::new(),
            avatar: None,
            social_links: Vec::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            deactivated_at: None,
            job_title: String::new(),
            kind: crate::people::Kind::Staff,
        }));
        let readers = [
            Reader::Anonymous,
            Reader::Member(member(), Entitlement::Free),
            Reader::Member(member(), Entitlement::Paid(silver)),
            staff,
        ];
        let articles: Vec<(Visibility, Vec<TierId>)> = vec![
            (Visibility::Public, vec![]),
            (Visibility::Members, vec![]),
            (Visibility::Paid, vec![]),
            (Visibility::Tiers, vec![gold]),
            (Visibility::Tiers, vec![silver, bronze]),
        ];
        for reader in &readers {
            let reach = Reach::of(reader, &tiers);
            for (visibility, for_tiers) in &articles {
                assert_eq!(
                    reach.admits(*visibility, for_tiers),
                    can_read_visibility(reader, *visibility, for_tiers),
                    "{reader:?} {visibility:?} {for_tiers:?}"
                );
            }
        }
        assert_eq!(Reach::of(&Reader::Anonymous, &tiers), Reach::default());
    }

    #[test]
    fn freshness_halves_its_bonus_every_half_life() {
        let day = 86_400;
        for (age, weight) in [
            (-day, 1.0),
            (0, 1.0),
            (30 * day, 0.85),
            (60 * day, 0.775),
            (365 * day, 0.7001),
            (i64::MAX, 0.7),
        ] {
            assert!(
                (freshness(age) - weight).abs() < 0.001,
                "{age}: {}",
                freshness(age)
            );
        }
        // Always between the floor and one, never rising with age.
        let mut last = 1.0;
        for days in 0..2000 {
            let w = freshness(days * day);
            assert!((0.7..=1.0).contains(&w) && w <= last, "{days}");
            last = w;
        }
    }
}
