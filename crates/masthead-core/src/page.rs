//! Static pages: About, Ethics policy, Corrections policy, Contact and the like,
//! edited as content and served at the top level (`/{slug}/`).

use crate::article::word_enum;
use crate::document::{stored_body, Document};
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
    /// The body's Markdown rendition (see `Article::body_markdown`).
    pub body_markdown: String,
    /// The body as stored (see `Article::body_document`).
    pub body_document: Option<String>,
    /// Sanitized HTML rendered from the body.
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

    /// The body as a document.
    pub fn document(&self) -> Document {
        stored_body(self.body_document.as_deref(), &self.body_markdown)
    }
}

/// A page as written: everything but its id, rendering and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageContent {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: Document,
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
        if let Err(crate::Error::Invalid(errors)) = self.body.validate("body") {
            errors.into_iter().for_each(|e| v.push(e));
        }
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
            body: Document::from_markdown("Text."),
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
