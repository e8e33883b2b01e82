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
        crate::slug::prepare_top_level(&mut v, &mut self.slug, &self.name);
        v.finish()?;
        Ok(self)
    }
}

/// A tag's editable fields.
#[derive(Debug, Clone)]
pub struct TagEdit {
    pub name: String,
    /// Empty means "generated from the name".
    pub slug: String,
    pub description: String,
}

impl TagEdit {
    /// Validates and fills in the slug.
    pub fn prepare(mut self) -> Result<Self> {
        let mut v = Validator::default();
        self.name = self.name.trim().to_owned();
        v.check(!self.name.is_empty(), "name", "a tag needs a name");
        if self.slug.trim().is_empty() {
            self.slug = crate::slug::slugify(&self.name).unwrap_or_default();
        }
        self.slug = self.slug.trim().to_owned();
        v.finish()?;
        crate::slug::validate("slug", &self.slug)?;
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
