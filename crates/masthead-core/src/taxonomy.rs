//! Sections and tags: how the publication organises its journalism.

use crate::error::{Result, Validator};
use crate::ids::{SectionId, TagId};
use serde::{Deserialize, Serialize};

/// A desk of the paper (World, Business, Opinion...), with its own front page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Position in the navigation, lowest first.
    pub position: i64,
    pub in_navigation: bool,
}

#[derive(Debug, Clone)]
pub struct NewSection {
    pub name: String,
    /// Empty means "generated from the name".
    pub slug: String,
    pub description: String,
    pub position: i64,
    pub in_navigation: bool,
}

impl NewSection {
    /// Validates and fills in the slug.
    pub fn prepare(mut self) -> Result<Self> {
        let mut v = Validator::default();
        v.check(
            !self.name.trim().is_empty(),
            "name",
            "a section needs a name",
        );
        if self.slug.is_empty() {
            self.slug = crate::slug::slugify(&self.name).unwrap_or_default();
        }
        if let Err(crate::Error::Invalid(errors)) = crate::slug::validate("slug", &self.slug) {
            errors.into_iter().for_each(|e| v.push(e));
        }
        v.check(
            !crate::slug::RESERVED.contains(&self.slug.as_str()),
            "slug",
            "this address is used by the site itself; choose another",
        );
        v.finish()?;
        Ok(self)
    }
}

/// A topic that cuts across sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub slug: String,
    pub name: String,
    pub description: String,
}
