//! Who may read what. One rule, `can_read`, that every surface asks before a body
//! reaches a reader: article pages, feeds, search, sitemaps, and the APIs.

use crate::article::{Article, Visibility};
use crate::ids::TierId;
use crate::member::Member;
use crate::payments::Entitlement;
use crate::people::Person;

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
}
