//! View models: what each page type shows, built from domain types, serialized into
//! templates. Templates never see domain types directly, so the theme's contract is
//! this file.

use chrono::{DateTime, Utc};
use masthead_core::article::{Article, ArticleSummary, Named};
use masthead_core::ids::SectionId;
use masthead_core::media::Media;
use masthead_core::site::Settings;
use masthead_core::store::Page;
use masthead_core::taxonomy::Section;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct TimeView {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "28 November 2026, 21:59 UTC"
    pub long: String,
    /// "28 Nov 2026"
    pub short: String,
    /// "Saturday, 28 November 2026", for the masthead.
    pub day: String,
    pub year: i32,
}

impl TimeView {
    pub fn new(t: DateTime<Utc>) -> Self {
        use chrono::Datelike;
        Self {
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            long: t.format("%-d %B %Y, %H:%M UTC").to_string(),
            short: t.format("%-d %b %Y").to_string(),
            day: t.format("%A, %-d %B %Y").to_string(),
            year: t.year(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub locale: String,
}

impl From<&Settings> for SiteView {
    fn from(s: &Settings) -> Self {
        Self {
            title: s.title.clone(),
            description: s.description.clone(),
            locale: s.locale.clone(),
        }
    }
}

/// What every page carries: the publication, today's date and the navigation.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    pub site: SiteView,
    pub today: TimeView,
    pub nav: Vec<NavView>,
    /// Slug of the section the page belongs to, to mark it in the navigation.
    pub current_section: Option<String>,
    /// Feeds the page advertises with `<link rel="alternate">`.
    pub feeds: Vec<FeedLink>,
    pub meta: PageMeta,
}

/// What machines read about a page: canonical URL, description, Open Graph and
/// Twitter cards, and JSON-LD.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageMeta {
    /// Absolute canonical URL.
    pub canonical: String,
    /// The title for social cards (without the site name).
    pub title: String,
    pub description: String,
    /// Open Graph type: "website" or "article".
    pub og_type: &'static str,
    /// Absolute URL of the sharing image.
    pub image: Option<String>,
    pub image_alt: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    /// Serialized JSON-LD, safe to place in a `<script>` element.
    pub json_ld: Option<String>,
}

/// A feed a page links to.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    pub href: String,
    pub mime_type: &'static str,
}

impl FeedLink {
    /// The three feeds of the list at `base` (e.g. "/" or "/world/"), named `title`.
    pub fn all(base: &str, title: &str) -> Vec<FeedLink> {
        [
            ("feed.xml", "RSS", "application/rss+xml"),
            ("atom.xml", "Atom", "application/atom+xml"),
            ("feed.json", "JSON Feed", "application/feed+json"),
        ]
        .into_iter()
        .map(|(file, kind, mime_type)| FeedLink {
            title: format!("{title} ({kind})"),
            href: format!("{base}{file}"),
            mime_type,
        })
        .collect()
    }
}

impl Chrome {
    pub fn new(settings: &Settings, sections: &[Section], now: DateTime<Utc>) -> Self {
        Self {
            site: settings.into(),
            today: TimeView::new(now),
            nav: sections
                .iter()
                .filter(|s| s.in_navigation)
                .map(|s| NavView {
                    name: s.name.clone(),
                    slug: s.slug.clone(),
                })
                .collect(),
            current_section: None,
            feeds: FeedLink::all("/", &settings.title),
            meta: PageMeta {
                title: settings.title.clone(),
                description: settings.description.clone(),
                og_type: "website",
                ..PageMeta::default()
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NavView {
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoryView {
    pub path: String,
    pub title: String,
    pub standfirst: String,
    pub excerpt: String,
    pub article_type: &'static str,
    pub type_label: &'static str,
    pub section: Option<Named<SectionId>>,
    pub published: Option<TimeView>,
    pub reading_minutes: u32,
}

impl From<&ArticleSummary> for StoryView {
    fn from(a: &ArticleSummary) -> Self {
        Self {
            path: a.path(),
            title: a.title.clone(),
            standfirst: a.standfirst.clone(),
            excerpt: a.excerpt.clone(),
            article_type: a.article_type.as_str(),
            type_label: a.article_type.label(),
            section: a.section.clone(),
            published: a.published_at.map(TimeView::new),
            reading_minutes: a.reading_time_minutes(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PageView {
    pub items: Vec<StoryView>,
    pub number: u32,
    pub count: u32,
    pub total: u64,
    pub prev: Option<u32>,
    pub next: Option<u32>,
}

impl From<&Page<ArticleSummary>> for PageView {
    fn from(p: &Page<ArticleSummary>) -> Self {
        let (number, count) = (p.number(), p.page_count());
        Self {
            items: p.items.iter().map(StoryView::from).collect(),
            number,
            count,
            total: p.total,
            prev: (number > 1).then(|| number - 1),
            next: (number < count).then(|| number + 1),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionBlock {
    pub section: NavView,
    pub articles: Vec<StoryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HomeView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub blocks: Vec<SectionBlock>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub heading: String,
    pub description: String,
    /// Path of the list, for pagination links.
    pub base: String,
    pub show_sections: bool,
    /// The person, on an author page.
    pub profile: Option<ProfileView>,
    pub page: PageView,
}

/// A staff member as their author page introduces them.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    pub name: String,
    pub role: &'static str,
    pub bio: String,
    pub expertise: Vec<String>,
    pub links: Vec<masthead_core::people::SocialLink>,
}

impl From<&masthead_core::people::Person> for ProfileView {
    fn from(p: &masthead_core::people::Person) -> Self {
        Self {
            name: p.name.clone(),
            role: p.role.label(),
            bio: p.bio.clone(),
            expertise: p.expertise.clone(),
            links: p.social_links.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorrectionView {
    pub label: &'static str,
    pub text: String,
    pub at: TimeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleBody {
    /// True when this reader may not read the body: it is withheld, not just hidden.
    pub gated: bool,
    pub visibility_label: &'static str,
    pub title: String,
    pub standfirst: String,
    pub excerpt: String,
    pub article_type: &'static str,
    pub type_label: &'static str,
    pub section: Option<Named<SectionId>>,
    pub authors: Vec<Named<masthead_core::ids::PersonId>>,
    pub editors: Vec<Named<masthead_core::ids::PersonId>>,
    pub tags: Vec<Named<masthead_core::ids::TagId>>,
    pub published: Option<TimeView>,
    /// Set when the article changed after publication.
    pub updated: Option<TimeView>,
    pub reading_minutes: u32,
    pub image: Option<ImageView>,
    pub body_html: String,
    pub sources: Vec<masthead_core::article::Source>,
    pub corrections: Vec<CorrectionView>,
}

/// Public URL path of a stored media file.
pub fn media_src(media: &Media) -> String {
    format!("/media/{}", media.storage_key)
}

impl ArticleBody {
    /// `media` is the featured image's file, when it has one; `readable` says whether
    /// this reader may read the body (a gated body is left out entirely).
    pub fn new(a: &Article, media: Option<&Media>, readable: bool) -> Self {
        let updated = match a.published_at {
            Some(p) if a.updated_at > p + chrono::Duration::minutes(1) => {
                Some(TimeView::new(a.updated_at))
            }
            _ => None,
        };
        Self {
            gated: !readable,
            visibility_label: a.visibility.label(),
            title: a.title.clone(),
            standfirst: a.standfirst.clone(),
            excerpt: a.excerpt.clone(),
            article_type: a.article_type.as_str(),
            type_label: a.article_type.label(),
            section: a.section.clone(),
            authors: a.authors.clone(),
            editors: a.editors.clone(),
            tags: a.tags.clone(),
            published: a.published_at.map(TimeView::new),
            updated,
            reading_minutes: a.reading_time_minutes(),
            image: a
                .featured_image
                .as_ref()
                .zip(media)
                .map(|(img, m)| ImageView {
                    src: media_src(m),
                    alt: img.alt.clone(),
                    caption: img.caption.clone(),
                    credit: img.credit.clone(),
                    width: m.width,
                    height: m.height,
                }),
            body_html: if readable {
                a.body_html.clone()
            } else {
                String::new()
            },
            sources: a.sources.clone(),
            corrections: a
                .corrections
                .iter()
                .map(|c| CorrectionView {
                    label: c.kind.label(),
                    text: c.text.clone(),
                    at: TimeView::new(c.created_at),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub a: ArticleBody,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
}
