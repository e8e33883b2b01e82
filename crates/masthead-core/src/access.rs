//! Who may read what. One rule, `can_read`, that every surface asks before a body
//! reaches a reader: article pages, feeds, search, sitemaps, and the APIs. On an
//! article's own page, and only there, a visitor's `Meter` may also let them read a
//! few members-only stories a month whole.

use crate::article::{Article, Visibility};
use crate::ids::{ArticleId, TierId};
use crate::member::Member;
use crate::payments::Entitlement;
use crate::people::Person;
use chrono::{DateTime, Utc};

/// Who is reading, as far as access is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Reader {
    /// Nobody we know: a visitor, a crawler, a feed reader. Whatever such a reader
    /// sees is the same for all of them, so it may be cached and shared.
    Anonymous,
    /// A signed-in staff member: the newsroom reads everything it publishes.
    Staff(Box<Person>),
    /// A signed-in member, with what their payments entitle them to: every member
    /// reads what is for members; paying members also what is paid for.
    Member(Box<Member>, Entitlement),
}

impl Reader {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Reader::Anonymous)
    }

    /// The staff member reading, if it is one.
    pub fn staff(&self) -> Option<&Person> {
        match self {
            Reader::Staff(p) => Some(p.as_ref()),
            Reader::Anonymous | Reader::Member(..) => None,
        }
    }

    /// The member reading, if it is one.
    pub fn member(&self) -> Option<&Member> {
        match self {
            Reader::Member(m, _) => Some(m.as_ref()),
            Reader::Anonymous | Reader::Staff(_) => None,
        }
    }
}

/// Whether `reader` may read the whole body of an article of `visibility` (for
/// `tiers`, when it is for chosen tiers). Those who may not get the headline, the
/// standfirst, the picture and the part above the preview cut.
pub fn can_read_visibility(reader: &Reader, visibility: Visibility, tiers: &[TierId]) -> bool {
    match (visibility, reader) {
        (Visibility::Public, _) => true,
        (Visibility::Members | Visibility::Paid | Visibility::Tiers, Reader::Staff(_)) => true,
        (Visibility::Members, Reader::Member(..)) => true,
        (Visibility::Paid, Reader::Member(_, entitlement)) => entitlement.is_paid(),
        (Visibility::Tiers, Reader::Member(_, Entitlement::Paid(tier))) => tiers.contains(tier),
        (Visibility::Tiers, Reader::Member(_, Entitlement::Free)) => false,
        (Visibility::Members | Visibility::Paid | Visibility::Tiers, Reader::Anonymous) => false,
    }
}

/// Whether `reader` may read `article`'s whole body.
pub fn can_read(reader: &Reader, article: &Article) -> bool {
    can_read_visibility(reader, article.visibility, &article.tiers)
}

/// A visitor's metered reading: the members-only stories they read whole this month.
/// Kept in a cookie of theirs (`to_cookie`), not by us: clearing it starts the month
/// again, as it would with any meter a browser keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meter {
    /// "2026-12".
    pub month: String,
    pub read: Vec<ArticleId>,
}

impl Meter {
    /// The meter a cookie holds at `now`: last month's, or one that cannot be read, is
    /// an empty one for this month.
    pub fn from_cookie(cookie: Option<&str>, now: DateTime<Utc>) -> Self {
        let month = now.format("%Y-%m").to_string();
        let read = cookie
            .and_then(|c| c.split_once('.'))
            .filter(|(m, _)| *m == month)
            .map(|(_, ids)| {
                ids.split('.')
                    .filter_map(|id| id.parse().ok().map(ArticleId))
                    .take(crate::site::MAX_FREE_ARTICLES as usize)
                    .collect()
            })
            .unwrap_or_default();
        Self { month, read }
    }

    /// The cookie's value: "2026-12.12.45".
    pub fn to_cookie(&self) -> String {
        std::iter::once(self.month.clone())
            .chain(self.read.iter().map(|id| id.0.to_string()))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Whether `article` is read whole on this meter, with `allowance` stories a month:
    /// a members-only story read this month already, or a new one while some are left
    /// (the meter after it, to keep). Anything else is for `can_read` alone.
    pub fn admit(
        &self,
        article: ArticleId,
        visibility: Visibility,
        allowance: u32,
    ) -> Option<Meter> {
        if visibility != Visibility::Members || allowance == 0 {
            return None;
        }
        if self.read.contains(&article) {
            return Some(self.clone());
        }
        (self.read.len() < allowance as usize).then(|| {
            let mut after = self.clone();
            after.read.push(article);
            after
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::Role;

    #[test]
    fn every_reader_and_visibility() {
        let staff = Reader::Staff(Box::new(Person {
            id: crate::ids::PersonId(1),
            slug: "ann".into(),
            name: "Ann".into(),
            email: "ann@example.com".into(),
            role: Role::Contributor,
            bio: String::new(),
            expertise: Vec::new(),
            avatar: None,
            social_links: Vec::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            deactivated_at: None,
            job_title: String::new(),
            kind: crate::people::Kind::Staff,
        }));
        let mo = Member {
            id: crate::ids::MemberId(1),
            email: "mo@example.com".into(),
            name: "Mo".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        let member = Reader::Member(Box::new(mo.clone()), Entitlement::Free);
        let paying = Reader::Member(Box::new(mo.clone()), Entitlement::Paid(TierId(2)));
        let other_tier = Reader::Member(Box::new(mo), Entitlement::Paid(TierId(3)));
        // The article for chosen tiers is for tiers 2 and 5.
        let tiers = [TierId(2), TierId(5)];
        for (reader, visibility, expected) in [
            (&Reader::Anonymous, Visibility::Public, true),
            (&Reader::Anonymous, Visibility::Members, false),
            (&Reader::Anonymous, Visibility::Paid, false),
            (&Reader::Anonymous, Visibility::Tiers, false),
            (&staff, Visibility::Public, true),
            (&staff, Visibility::Members, true),
            (&staff, Visibility::Paid, true),
            (&staff, Visibility::Tiers, true),
            (&member, Visibility::Public, true),
            (&member, Visibility::Members, true),
            (&member, Visibility::Paid, false),
            (&member, Visibility::Tiers, false),
            (&paying, Visibility::Public, true),
            (&paying, Visibility::Members, true),
            (&paying, Visibility::Paid, true),
            (&paying, Visibility::Tiers, true),
            (&other_tier, Visibility::Public, true),
            (&other_tier, Visibility::Members, true),
            (&other_tier, Visibility::Paid, true),
            (&other_tier, Visibility::Tiers, false),
        ] {
            assert_eq!(
                can_read_visibility(reader, visibility, &tiers),
                expected,
                "{reader:?} reading {visibility}"
            );
        }
        // Every visibility is covered above.
        assert_eq!(Visibility::ALL.len(), 4);
    }

    #[test]
    fn a_meter_lets_a_visitor_read_a_few_members_stories_a_month() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 4, 10, 0, 0).unwrap();
        let members = Visibility::Members;
        let fresh = Meter::from_cookie(None, now);
        assert_eq!(fresh.to_cookie(), "2026-12");
        // Two a month: the first two members' stories, again as often as they like,
        // and no third.
        let one = fresh.admit(ArticleId(7), members, 2).unwrap();
        let two = one.admit(ArticleId(9), members, 2).unwrap();
        assert_eq!(two.to_cookie(), "2026-12.7.9");
        assert_eq!(two.admit(ArticleId(7), members, 2), Some(two.clone()));
        assert_eq!(two.admit(ArticleId(11), members, 2), None);
        // Paid and tier stories are never metered; public ones need no meter; nor is
        // anything metered when the publication allows none.
        for v in [Visibility::Paid, Visibility::Tiers, Visibility::Public] {
            assert_eq!(fresh.admit(ArticleId(5), v, 2), None, "{v}");
        }
        assert_eq!(fresh.admit(ArticleId(5), members, 0), None);
        // The cookie comes back as it went; last month's, or junk, is a new month.
        assert_eq!(Meter::from_cookie(Some("2026-12.7.9"), now), two);
        for junk in ["2026-11.7.9", "", "x", "2026-12", "2026-12.a"] {
            assert!(
                Meter::from_cookie(Some(junk), now).read.is_empty(),
                "{junk}"
            );
        }
        assert_eq!(
            Meter::from_cookie(Some("2026-12.x.3"), now).read,
            [ArticleId(3)]
        );
    }
}
