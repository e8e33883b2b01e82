//! The subject of a list page or feed, found from its URL: the whole site, a section, a
//! tag or an author. One place turns a slug into the filter, names and path that the
//! list pages and the feeds share.

use crate::{AppState, WebError};
use masthead_core::people::Person;
use masthead_core::store::ArticleFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Section,
    Tag,
    Author,
}

impl Kind {
    /// Where the pages of this kind live: `/{slug}/`, `/tag/{slug}/`, `/author/{slug}/`.
    pub(crate) fn path(self, slug: &str) -> String {
        match self {
            Kind::Section => format!("/{slug}/"),
            Kind::Tag => format!("/tag/{slug}/"),
            Kind::Author => format!("/author/{slug}/"),
        }
    }
}

pub(crate) struct Scope {
    pub filter: ArticleFilter,
    pub title: String,
    pub description: String,
    /// Path of the list page; feeds live under it.
    pub base: String,
    /// Set for a section, to mark it in the navigation.
    pub section_slug: Option<String>,
    /// Set for an author, whose page introduces them.
    pub person: Option<Person>,
}

impl Scope {
    /// Everything published; its title is the publication's own.
    pub(crate) fn site() -> Self {
        Self {
            filter: ArticleFilter::All,
            title: String::new(),
            description: String::new(),
            base: "/".into(),
            section_slug: None,
            person: None,
        }
    }

    /// The section, tag or author called `slug`, if there is one.
    pub(crate) async fn find(
        state: &AppState,
        kind: Kind,
        slug: &str,
    ) -> Result<Option<Self>, WebError> {
        let scope = match kind {
            Kind::Section => state.store.section_by_slug(slug).await?.map(|s| Self {
                filter: ArticleFilter::Section(s.id),
                base: kind.path(&s.slug),
                section_slug: Some(s.slug),
                title: s.name,
                description: s.description,
                person: None,
            }),
            Kind::Tag => state.store.tag_by_slug(slug).await?.map(|t| Self {
                filter: ArticleFilter::Tag(t.id),
                base: kind.path(&t.slug),
                title: t.name,
                description: t.description,
                section_slug: None,
                person: None,
            }),
            Kind::Author => state.store.person_by_slug(slug).await?.map(|p| Self {
                filter: ArticleFilter::Author(p.id),
                base: kind.path(&p.slug),
                title: p.name.clone(),
                description: p.bio.clone(),
                section_slug: None,
                person: Some(p),
            }),
        };
        Ok(scope)
    }
}
