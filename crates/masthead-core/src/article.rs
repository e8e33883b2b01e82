//! Articles: the newsroom's unit of work, from first draft to published story.

use crate::document::{stored_body, Document};
use crate::error::{Error, Result, Validator};
use crate::ids::{ArticleId, CorrectionId, MediaId, PersonId, SectionId, TagId, TierId};
use crate::site::{is_link, is_web_address};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most tags one article carries: enough for any story, few enough that saving
/// one stays quick.
pub const MAX_TAGS: usize = 50;

/// A writer's preview cut in stored body HTML (written in Markdown as `<!--more-->`;
/// see `masthead_render::body::CUT_MARKERS`): where what readers without access
/// see of a gated body ends.
pub const PREVIEW_CUT_HTML: &str = r#"<hr class="preview-cut">"#;

/// The stored body HTML above the first preview cut, if the writer placed one: all of
/// a gated body that readers without access see (page, feed, search).
pub fn teaser_html(html: &str) -> Option<&str> {
    html.find(PREVIEW_CUT_HTML).map(|at| &html[..at])
}

/// The stored body HTML without its preview cuts, for readers who read it all.
pub fn without_cuts(html: &str) -> std::borrow::Cow<'_, str> {
    if html.contains(PREVIEW_CUT_HTML) {
        std::borrow::Cow::Owned(html.replace(PREVIEW_CUT_HTML, ""))
    } else {
        std::borrow::Cow::Borrowed(html)
    }
}

/// Reading speed used for "N min read"; the common newsroom figure for adults reading news.
pub const WORDS_PER_MINUTE: u32 = 230;

/// Declares a closed set of values stored and exchanged as lowercase words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $word:literal / $label:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored and serialized word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),* }
            }

            /// The human label shown to readers and staff.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($word => Ok($name::$variant),)*
                    _ => Err(crate::Error::invalid(
                        stringify!($name),
                        format!("unknown value {s:?}; expected one of: {}", [$($word),*].join(", ")),
                    )),
                }
            }
        }
    };
}
pub(crate) use word_enum;

word_enum!(
    /// What kind of journalism a piece is; shown to readers as a label (Trust Project).
    ArticleType {
        News => "news" / "News",
        Analysis => "analysis" / "Analysis",
        Opinion => "opinion" / "Opinion",
        Review => "review" / "Review",
        Sponsored => "sponsored" / "Sponsored",
        Blog => "blog" / "Blog",
        // Live coverage of breaking news: timestamped entries (`live`).
        Live => "live" / "Live",
    }
);

word_enum!(
    /// Where an article stands in the editorial workflow.
    Status {
        Draft => "draft" / "Draft",
        InReview => "in_review" / "In review",
        Scheduled => "scheduled" / "Scheduled",
        Published => "published" / "Published",
        Unpublished => "unpublished" / "Unpublished",
        // In the bin: out of every list but the bin's, restorable as a draft.
        Deleted => "deleted" / "In the bin",
    }
);

word_enum!(
    /// Who may read the body of a published article.
    Visibility {
        Public => "public" / "Everyone",
        Members => "members" / "Members",
        Paid => "paid" / "Paying subscribers",
        // Members of the tiers the article names (`Article::tiers`).
        Tiers => "tiers" / "Members of chosen tiers",
    }
);

impl Visibility {
    /// Whether a reader must pay to read the whole body.
    pub fn is_paid(self) -> bool {
        matches!(self, Visibility::Paid | Visibility::Tiers)
    }
}

/// Most tiers an article may be for.
pub const MAX_VISIBLE_TIERS: usize = 20;

word_enum!(
    /// An entry of the corrections and updates log.
    CorrectionKind {
        Correction => "correction" / "Correction",
        Update => "update" / "Update",
    }
);

/// The image at the top of an article, with the words that go with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturedImage {
    pub media_id: MediaId,
    /// Describes the image for people who cannot see it; required.
    pub alt: String,
    pub caption: String,
    /// Who made or owns the image, e.g. "Source: Getty Images".
    pub credit: String,
}

/// Search and social overrides; empty means "use the article's own fields".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seo {
    pub meta_title: String,
    pub meta_description: String,
    pub social_image: String,
    pub canonical_url: String,
}

/// A source the article cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub url: String,
    pub note: String,
}

/// One entry of an article's public corrections and updates log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub id: CorrectionId,
    pub kind: CorrectionKind,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A tag or person as an article shows it: enough to print and link, without a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named<Id> {
    pub id: Id,
    pub name: String,
    pub slug: String,
}

/// An article with everything a page about it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    /// The dek: one or two sentences under the headline.
    pub standfirst: String,
    /// The body's Markdown rendition (`Document::to_markdown`), kept beside the
    /// document for tools and exports; the body itself before the document format.
    pub body_markdown: String,
    /// The body as stored (`Document` as JSON); none for bodies last saved before the
    /// document format, which are read from their Markdown (see `document`).
    pub body_document: Option<String>,
    /// Sanitized HTML rendered from the body when it was saved.
    pub body_html: String,
    /// The excerpt shown in lists: the custom one, or one generated from the body.
    pub excerpt: String,
    /// The excerpt a person wrote, if any.
    pub custom_excerpt: String,
    pub word_count: u32,
    pub featured_image: Option<FeaturedImage>,
    pub section: Option<Named<SectionId>>,
    pub tags: Vec<Named<TagId>>,
    /// Bylines, in order.
    pub authors: Vec<Named<PersonId>>,
    /// The "Edited by" credit.
    pub editors: Vec<Named<PersonId>>,
    pub article_type: ArticleType,
    pub status: Status,
    pub visibility: Visibility,
    /// The tiers whose members may read it, when `visibility` is `Tiers`.
    pub tiers: Vec<TierId>,
    pub seo: Seo,
    pub sources: Vec<Source>,
    pub corrections: Vec<Correction>,
    /// How many of its comments readers see.
    pub approved_comments: u32,
    /// Whether it takes new comments (editors close an article's comments).
    pub comments_open: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

impl Article {
    /// When readers were last told the article changed: its last update, and never
    /// before its publication (an article edited before it went out was modified when
    /// it was published, as far as readers and search engines know).
    pub fn modified_at(&self) -> DateTime<Utc> {
        match self.published_at {
            Some(published) => self.updated_at.max(published),
            None => self.updated_at,
        }
    }

    pub fn reading_time_minutes(&self) -> u32 {
        reading_time_minutes(self.word_count)
    }

    pub fn is_live(&self) -> bool {
        self.status == Status::Published
    }

    /// The one or two sentences that describe the article elsewhere (meta description,
    /// feeds, structured data): the standfirst, or else the excerpt.
    pub fn summary(&self) -> &str {
        if self.standfirst.is_empty() {
            &self.excerpt
        } else {
            &self.standfirst
        }
    }

    /// The public path of the article.
    pub fn path(&self) -> String {
        article_path(self.section.as_ref().map(|s| s.slug.as_str()), &self.slug)
    }

    /// The body as a document (read when asked for: reader pages need only its HTML).
    pub fn document(&self) -> Document {
        stored_body(self.body_document.as_deref(), &self.body_markdown)
    }

    /// The editable content, as a writer last saved it.
    pub fn content(&self) -> ArticleContent {
        ArticleContent {
            title: self.title.clone(),
            standfirst: self.standfirst.clone(),
            body: self.document(),
            custom_excerpt: self.custom_excerpt.clone(),
            featured_image: self.featured_image.clone(),
            section_id: self.section.as_ref().map(|s| s.id),
            tags: self.tags.iter().map(|t| t.name.clone()).collect(),
            authors: self.authors.iter().map(|p| p.id).collect(),
            editors: self.editors.iter().map(|p| p.id).collect(),
            article_type: self.article_type,
            visibility: self.visibility,
            tiers: self.tiers.clone(),
            seo: self.seo.clone(),
            sources: self.sources.clone(),
        }
    }
}

/// Path segment under which articles without a section live.
pub const SECTIONLESS_PREFIX: &str = "stories";

/// Articles live under their section, `/{section}/{slug}/`, so that a reader (and a
/// crawler) can tell the desk from the URL; a move between sections leaves a redirect.
pub fn article_path(section_slug: Option<&str>, slug: &str) -> String {
    format!("/{}/{slug}/", section_slug.unwrap_or(SECTIONLESS_PREFIX))
}

/// A public URL that changes: the old path must answer with a redirect to the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMove {
    pub from: String,
    pub to: String,
}

/// A row of a list: what home, section, tag and author pages show of each article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub excerpt: String,
    pub article_type: ArticleType,
    pub visibility: Visibility,
    pub section: Option<Named<SectionId>>,
    pub featured_media_id: Option<MediaId>,
    pub featured_alt: String,
    pub word_count: u32,
    /// How many of its comments readers see.
    pub comments: u32,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl ArticleSummary {
    pub fn path(&self) -> String {
        article_path(self.section.as_ref().map(|s| s.slug.as_str()), &self.slug)
    }

    pub fn reading_time_minutes(&self) -> u32 {
        reading_time_minutes(self.word_count)
    }
}

pub fn reading_time_minutes(word_count: u32) -> u32 {
    word_count.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// Body as rendered for storage: computed once on save so reads never touch Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBody {
    pub html: String,
    pub excerpt: String,
    pub word_count: u32,
}

/// The fields a writer sets; used both to create and to replace an article's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleContent {
    pub title: String,
    pub standfirst: String,
    /// Read from revisions saved before the document format too, whose body was
    /// Markdown under this older name.
    #[serde(
        alias = "body_markdown",
        deserialize_with = "crate::document::stored_or_markdown"
    )]
    pub body: Document,
    /// Empty means "generated from the body".
    pub custom_excerpt: String,
    pub featured_image: Option<FeaturedImage>,
    pub section_id: Option<SectionId>,
    /// Tag names; unknown ones are created.
    pub tags: Vec<String>,
    pub authors: Vec<PersonId>,
    pub editors: Vec<PersonId>,
    pub article_type: ArticleType,
    pub visibility: Visibility,
    /// The tiers whose members may read it, when `visibility` is `Tiers` (else none).
    #[serde(default)]
    pub tiers: Vec<TierId>,
    pub seo: Seo,
    pub sources: Vec<Source>,
}

impl ArticleContent {
    /// Content with a body written in Markdown.
    pub fn new(title: impl Into<String>, body_markdown: impl AsRef<str>) -> Self {
        Self {
            title: title.into(),
            standfirst: String::new(),
            body: Document::from_markdown(body_markdown.as_ref()),
            custom_excerpt: String::new(),
            featured_image: None,
            section_id: None,
            tags: Vec::new(),
            authors: Vec::new(),
            editors: Vec::new(),
            article_type: ArticleType::News,
            visibility: Visibility::Public,
            tiers: Vec::new(),
            seo: Seo::default(),
            sources: Vec::new(),
        }
    }

    /// The rules any saved article obeys, whatever its status.
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            !self.title.trim().is_empty(),
            "title",
            "a headline is required",
        );
        v.check(
            self.title.chars().count() <= 300,
            "title",
            "keep the headline under 300 characters",
        );
        v.check(
            self.standfirst.chars().count() <= 1000,
            "standfirst",
            "keep the standfirst under 1000 characters",
        );
        if let Some(image) = &self.featured_image {
            v.check(
                !image.alt.trim().is_empty(),
                "featured_image.alt",
                "describe the image for readers who cannot see it",
            );
        }
        for source in &self.sources {
            v.check(
                !source.name.trim().is_empty(),
                "sources",
                "every source needs a name",
            );
            v.check(
                source.url.is_empty() || is_web_address(&source.url),
                "sources",
                "a source URL must start with http:// or https://",
            );
        }
        v.check(
            self.seo.canonical_url.is_empty() || is_web_address(&self.seo.canonical_url),
            "canonical_url",
            "a canonical URL must start with http:// or https://",
        );
        let social = &self.seo.social_image;
        v.check(
            social.is_empty() || is_link(social),
            "social_image",
            "give the picture for social media as a web address (https://...) or a path on this site (/media/...)",
        );
        let for_tiers = self.visibility == Visibility::Tiers;
        v.check(
            !for_tiers || !self.tiers.is_empty(),
            "tiers",
            "choose the tiers whose members may read it",
        );
        v.check(
            for_tiers || self.tiers.is_empty(),
            "tiers",
            "only an article for chosen tiers names tiers",
        );
        v.check(
            self.tiers.len() <= MAX_VISIBLE_TIERS,
            "tiers",
            "choose at most 20 tiers",
        );
        v.check(
            self.tags.len() <= MAX_TAGS,
            "tags",
            &format!("an article carries at most {MAX_TAGS} tags"),
        );
        v.check(
            !self.authors.is_empty(),
            "authors",
            "choose at least one byline",
        );
        let mut seen = std::collections::HashSet::new();
        v.check(
            self.authors.iter().all(|a| seen.insert(*a)),
            "authors",
            "an author is listed twice",
        );
        if let Err(Error::Invalid(errors)) = self.body.validate("body") {
            errors.into_iter().for_each(|e| v.push(e));
        }
        v.finish()
    }
}

/// A new article as the store receives it: content already validated and rendered.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub content: ArticleContent,
    pub rendered: RenderedBody,
    pub slug: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Corrections carried by imports and seeds; new articles in the newsroom start with none.
    pub corrections: Vec<NewCorrection>,
}

/// A correction or update as it is first recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrection {
    pub kind: CorrectionKind,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_up_and_is_at_least_a_minute() {
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(230), 1);
        assert_eq!(reading_time_minutes(231), 2);
        assert_eq!(reading_time_minutes(1200), 6);
    }

    #[test]
    fn words_round_trip() {
        for t in ArticleType::ALL {
            assert_eq!(t.as_str().parse::<ArticleType>().unwrap(), *t);
        }
        assert!("gossip".parse::<ArticleType>().is_err());
        assert_eq!("in_review".parse::<Status>().unwrap(), Status::InReview);
    }

    #[test]
    fn an_article_carries_at_most_max_tags() {
        let mut c = ArticleContent::new("Title", "Body");
        c.authors = vec![PersonId(1)];
        c.tags = (0..MAX_TAGS).map(|n| format!("t{n}")).collect();
        assert!(c.validate().is_ok());
        c.tags.push("one more".into());
        let Err(crate::Error::Invalid(errors)) = c.validate() else {
            panic!("more than MAX_TAGS is refused");
        };
        assert!(errors.iter().any(|e| e.field == "tags"));
    }

    #[test]
    fn content_validation_reports_every_problem() {
        let mut c = ArticleContent::new("  ", "body");
        c.featured_image = Some(FeaturedImage {
            media_id: MediaId(1),
            alt: String::new(),
            caption: String::new(),
            credit: String::new(),
        });
        c.sources.push(Source {
            name: "Gov".into(),
            url: "javascript:alert(1)".into(),
            note: String::new(),
        });
        let Err(crate::Error::Invalid(errors)) = c.validate() else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["title", "featured_image.alt", "sources", "authors"]
        );
    }
}
