//! Static pages: About, Ethics policy, Corrections policy, Contact and the like,
//! edited as content and served at the top level (`/{slug}/`).

use crate::article::word_enum;
use crate::error::{Result, Validator};
use crate::ids::PageId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

word_enum!(
    PageStatus {
        Draft => "draft" / "Draft",
        Published => "published" / "Published",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticPage {
    pub id: PageId,
    pub slug: String,
    pub title: String,
    /// One or two sentences for search results and link previews.
    pub description: String,
    pub body_markdown: String,
    /// Sanitized HTML rendered from `body_markdown`.
    pub body_html: String,
    pub status: PageStatus,
    /// Order in the footer's list of pages.
    pub position: i32,
    pub in_footer: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StaticPage {
    pub fn path(&self) -> String {
        format!("/{}/", self.slug)
    }
}

/// A page as written: everything but its id, rendering and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageContent {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body_markdown: String,
    pub status: PageStatus,
    pub position: i32,
    pub in_footer: bool,
}

impl PageContent {
    /// Validates and fills in the slug from the title when none is given.
    pub fn prepare(mut self) -> Result<Self> {
        let mut v = Validator::default();
        v.check(
            !self.title.trim().is_empty(),
            "title",
            "a page needs a title",
        );
        crate::slug::prepare_top_level(&mut v, &mut self.slug, &self.title);
        v.finish()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(title: &str, slug: &str) -> PageContent {
        PageContent {
            slug: slug.into(),
            title: title.into(),
            description: String::new(),
            body_markdown: "Text.".into(),
            status: PageStatus::Published,
            position: 0,
            in_footer: true,
        }
    }

    #[test]
    fn slug_comes_from_the_title_when_missing() {
        let page = content("Ethics Policy", "").prepare().unwrap();
        assert_eq!(page.slug, "ethics-policy");
    }

    #[test]
    fn reserved_and_malformed_slugs_and_empty_titles_are_refused() {
        for (title, slug) in [("Latest", "latest"), ("About", "About Us"), ("  ", "about")] {
            let err = content(title, slug).prepare().unwrap_err();
            assert!(
                matches!(err, crate::Error::Invalid(_)),
                "{title:?}/{slug:?}: {err:?}"
            );
        }
    }
}
