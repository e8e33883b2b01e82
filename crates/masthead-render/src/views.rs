//! View models: what each page type shows, built from domain types, serialized into
//! templates. Templates never see domain types directly, so the theme's contract is
//! this file.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use masthead_core::article::{Article, ArticleSummary, Named};
use masthead_core::ids::SectionId;
use masthead_core::media::Media;
use masthead_core::page::StaticPage;
use masthead_core::site::Settings;
use masthead_core::store::Page;
use masthead_core::taxonomy::Section;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct TimeView {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "28 November 2026, 21:59 GMT", in the publication's time zone
    pub long: String,
    /// "28 Nov 2026"
    pub short: String,
    /// "Saturday, 28 November 2026", for the masthead.
    pub day: String,
    pub year: i32,
}

impl TimeView {
    /// `t` as readers of a publication in `zone` read it.
    pub fn new(t: DateTime<Utc>, zone: Tz) -> Self {
        use chrono::Datelike;
        let t = t.with_timezone(&zone);
        Self {
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            long: t.format("%-d %B %Y, %H:%M %Z").to_string(),
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
    /// The icons (links), empty for the theme's own.
    pub favicon: String,
    pub touch_icon: String,
}

impl From<&Settings> for SiteView {
    fn from(s: &Settings) -> Self {
        Self {
            title: s.title.clone(),
            description: s.description.clone(),
            locale: s.locale.clone(),
            favicon: s.favicon.clone(),
            touch_icon: s.touch_icon.clone(),
        }
    }
}

/// `url` as an absolute address: site paths get the site's `base_url` in front.
pub fn absolute(base_url: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{base_url}{url}")
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
    /// Static pages listed in the footer (About, Ethics policy, ...).
    pub footer: Vec<FooterLink>,
    /// The publication's call to action for reader support, if it has one.
    pub support: Option<SupportView>,
    /// The publication's time zone, for every date on the page.
    #[serde(skip)]
    pub zone: Tz,
    /// The page's own path, where signing in comes back to (see `set_here`).
    pub here: String,
    /// Where "Sign in" leads from this page.
    pub sign_in: String,
    /// Who is reading, when it is someone: their name in the header. Never set on a
    /// page the shared cache keeps (those are made for anonymous readers).
    pub visitor: Option<Visitor>,
    /// The breaking-news banner, while it shows.
    pub breaking_news: Option<BreakingView>,
}

/// A breaking-news banner as readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct BreakingView {
    pub text: String,
    pub url: String,
}

/// A signed-in reader, as the header shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Visitor {
    pub name: String,
    /// Their own page: the member's account, the newsroom for staff.
    pub href: String,
    pub staff: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FooterLink {
    pub title: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupportView {
    pub text: String,
    /// Where the button leads; empty for none.
    pub href: String,
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
    /// `<meta name="robots">`, when the page should not be indexed.
    pub robots: Option<&'static str>,
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
    pub fn new(
        settings: &Settings,
        sections: &[Section],
        pages: &[StaticPage],
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            site: settings.into(),
            today: TimeView::new(now, settings.zone()),
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
            footer: pages
                .iter()
                .filter(|p| p.in_footer)
                .map(|p| FooterLink {
                    title: p.title.clone(),
                    path: p.path(),
                })
                .collect(),
            support: (!settings.support_text.trim().is_empty()).then(|| SupportView {
                text: settings.support_text.clone(),
                href: settings.support_url.clone(),
            }),
            zone: settings.zone(),
            here: "/".to_owned(),
            sign_in: sign_in_href("/"),
            visitor: None,
            breaking_news: settings
                .breaking
                .as_ref()
                .filter(|b| b.shows_at(now))
                .map(|b| BreakingView {
                    text: b.text.clone(),
                    url: b.url.clone(),
                }),
        }
    }

    /// Says which page this is: signing in from it comes back to `path`.
    pub fn set_here(&mut self, path: &str) {
        self.here = path.to_owned();
        self.sign_in = sign_in_href(path);
    }
}

/// The sign-in form's address, coming back to `path` afterwards.
pub fn sign_in_href(path: &str) -> String {
    if path == "/" {
        return "/signin".to_owned();
    }
    format!(
        "/signin?return_to={}",
        percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
    )
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
    pub image: Option<ImageView>,
    /// Comments readers see under it.
    pub comments: u32,
}

impl StoryView {
    /// The story with its featured image, found among `media` (loaded in one batch).
    pub fn with_image(a: &ArticleSummary, media: &[Media], zone: Tz) -> Self {
        let mut story = Self::new(a, zone);
        story.image = a
            .featured_media_id
            .and_then(|id| media.iter().find(|m| m.id == id))
            .map(|m| ImageView::new(m, &a.featured_alt, "", ""));
        story
    }

    /// The story without a picture; dates in `zone`.
    pub fn new(a: &ArticleSummary, zone: Tz) -> Self {
        Self {
            path: a.path(),
            title: a.title.clone(),
            standfirst: a.standfirst.clone(),
            excerpt: a.excerpt.clone(),
            article_type: a.article_type.as_str(),
            type_label: a.article_type.label(),
            section: a.section.clone(),
            published: a.published_at.map(|t| TimeView::new(t, zone)),
            reading_minutes: a.reading_time_minutes(),
            image: None,
            comments: a.comments,
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

impl PageView {
    /// The numbering of any page, for pagination links; `items` is left empty.
    pub fn numbering<T>(p: &Page<T>) -> Self {
        let (number, count) = (p.number(), p.page_count());
        Self {
            items: Vec::new(),
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
    /// The top story, shown large with its image.
    pub lead: Option<StoryView>,
    /// The next stories, with images.
    pub secondary: Vec<StoryView>,
    /// Headlines after those, newest first.
    pub latest: Vec<StoryView>,
    pub most_read: Vec<StoryView>,
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
    /// Their photo's picture, which the page depends on.
    #[serde(skip)]
    pub profile_photo: Option<masthead_core::ids::MediaId>,
    /// The section's sponsor, on a section page.
    pub sponsor: Option<SponsorView>,
    pub page: PageView,
}

/// A staff member as their author page introduces them.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    pub name: String,
    /// Their photo, when they have one.
    pub photo: Option<ImageView>,
    pub role: String,
    pub bio: String,
    pub expertise: Vec<String>,
    pub links: Vec<masthead_core::people::SocialLink>,
}

impl ProfileView {
    /// `p`'s profile, with `photo` (their avatar, loaded) when they have one.
    pub fn new(p: &masthead_core::people::Person, photo: Option<&Media>) -> Self {
        Self {
            photo: photo.map(|m| ImageView::new(m, &p.name, "", "")),
            name: p.name.clone(),
            // What they do here; the newsroom role says little to readers.
            role: if p.job_title.is_empty() {
                p.role.label().to_owned()
            } else {
                p.job_title.clone()
            },
            bio: p.bio.clone(),
            expertise: p.expertise.clone(),
            links: p.social_links.clone(),
        }
    }
}

/// An image as a page shows it: the original plus its variants for `srcset`.
#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    pub src: String,
    /// The original's format at every stored width, for `<img srcset>`.
    pub srcset: String,
    /// WebP variants, for a `<source type="image/webp">`; empty when there are none.
    pub webp_srcset: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl ImageView {
    /// `media` with the words an article gives it (which may differ from the library's).
    pub fn new(media: &Media, alt: &str, caption: &str, credit: &str) -> Self {
        // (width, src) of every copy in `mime`, narrowest first, as a srcset value.
        let srcset_of = |mime: &str| {
            let mut entries: Vec<(u32, String)> = media
                .variants
                .iter()
                .filter(|v| v.mime_type == mime)
                .map(|v| (v.width, format!("/media/{}", v.storage_key)))
                .collect();
            if let (true, Some(w)) = (mime == media.mime_type, media.width) {
                entries.push((w, media_src(media)));
            }
            entries.sort_by_key(|(w, _)| *w);
            entries.dedup_by_key(|(w, _)| *w);
            entries
                .iter()
                .map(|(w, src)| format!("{src} {w}w"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let webp_srcset = if media.mime_type == "image/webp" {
            String::new()
        } else {
            srcset_of("image/webp")
        };
        Self {
            src: media_src(media),
            srcset: srcset_of(&media.mime_type),
            webp_srcset,
            alt: alt.to_owned(),
            caption: caption.to_owned(),
            credit: credit.to_owned(),
            width: media.width,
            height: media.height,
        }
    }
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
    /// For a gated body, the part above the writer's preview cut, if they placed one
    /// (else the excerpt stands in).
    pub teaser_html: Option<String>,
    /// For paying members only (not every member).
    pub paid_only: bool,
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
    /// `media` is the featured image's file, when it has one; `pictures`, the files of
    /// the pictures in the text (`pictures::stored_in`); `readable` says whether this
    /// reader may read the body (a gated body is left out entirely); dates are shown in
    /// `zone`.
    pub fn new(
        a: &Article,
        media: Option<&Media>,
        pictures: &[Media],
        readable: bool,
        zone: Tz,
    ) -> Self {
        let updated = match a.published_at {
            Some(p) if a.updated_at > p + chrono::Duration::minutes(1) => {
                Some(TimeView::new(a.updated_at, zone))
            }
            _ => None,
        };
        let teaser_html = (!readable)
            .then(|| crate::body::teaser_html(&a.body_html))
            .flatten()
            .map(|open| crate::pictures::responsive(open, pictures));
        Self {
            gated: !readable,
            teaser_html,
            paid_only: a.visibility.is_paid(),
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
            published: a.published_at.map(|t| TimeView::new(t, zone)),
            updated,
            reading_minutes: a.reading_time_minutes(),
            image: a
                .featured_image
                .as_ref()
                .zip(media)
                .map(|(img, m)| ImageView::new(m, &img.alt, &img.caption, &img.credit)),
            body_html: if readable {
                crate::pictures::responsive(&crate::body::without_cuts(&a.body_html), pictures)
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
                    at: TimeView::new(c.created_at, zone),
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
    pub share: Vec<ShareLink>,
    pub related: Vec<StoryView>,
    pub discussion: DiscussionView,
    /// Shown through a secret preview link, before publication.
    pub preview: bool,
    /// Shown to a signed-in staff member: a way into the editor.
    pub staff: Option<StaffBar>,
    /// The article's sponsor (its own, else its section's).
    pub sponsor: Option<SponsorView>,
    /// A visitor's metered reading of a members-only story.
    pub meter: Option<MeterNote>,
    /// A live article's entries, when the reader may read its body.
    pub live: Option<crate::live::LiveView>,
    /// The photos of the bylines that have one, in byline order (decorative: the
    /// names follow).
    pub byline_photos: Vec<ImageView>,
}

/// How many of the month's free members-only stories a visitor has left.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MeterNote {
    pub allowance: u32,
    pub left: u32,
}

/// A sponsor as readers see it: the label that says how, its name, link and logo,
/// and the disclosure.
#[derive(Debug, Clone, Serialize)]
pub struct SponsorView {
    pub label: &'static str,
    pub name: String,
    pub url: String,
    pub logo: Option<String>,
    pub disclosure: String,
}

impl SponsorView {
    /// `logo` is the sponsor's logo's file, when it has one.
    pub fn new(s: &masthead_core::sponsor::Sponsor, logo: Option<&Media>) -> Self {
        Self {
            label: s.label.label(),
            name: s.name.clone(),
            url: s.url.clone(),
            logo: logo.map(media_src),
            disclosure: s.disclosure.clone(),
        }
    }
}

/// What a signed-in staff member reading the site sees above an article.
#[derive(Debug, Clone, Serialize)]
pub struct StaffBar {
    pub name: String,
    pub edit_url: String,
}

/// A plain link that shares a page on a network: no scripts, no trackers.
#[derive(Debug, Clone, Serialize)]
pub struct ShareLink {
    /// Short lowercase name, for styling: "x", "facebook", ..., "email", "copy".
    pub network: &'static str,
    pub label: &'static str,
    pub href: String,
}

impl ShareLink {
    /// Share links for the page at `url` titled `title`; the last one is the page's own
    /// address, to copy.
    pub fn all(url: &str, title: &str) -> Vec<ShareLink> {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let (u, t) = (enc(url), enc(title));
        vec![
            ShareLink {
                network: "x",
                label: "X",
                href: format!("https://x.com/intent/tweet?url={u}&text={t}"),
            },
            ShareLink {
                network: "facebook",
                label: "Facebook",
                href: format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
            },
            ShareLink {
                network: "linkedin",
                label: "LinkedIn",
                href: format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
            },
            ShareLink {
                network: "whatsapp",
                label: "WhatsApp",
                href: format!("https://wa.me/?text={t}%20{u}"),
            },
            ShareLink {
                network: "telegram",
                label: "Telegram",
                href: format!("https://t.me/share/url?url={u}&text={t}"),
            },
            ShareLink {
                network: "email",
                label: "Email",
                href: format!("mailto:?subject={t}&body={u}"),
            },
            ShareLink {
                network: "copy",
                label: "Copy link",
                href: url.to_owned(),
            },
        ]
    }
}

/// A comment as a reader sees it, placed in its thread.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    /// Written by a member of staff.
    pub staff: bool,
    /// Paragraphs of lines of pieces (words, or a web address to link); the theme
    /// escapes every piece.
    pub paragraphs: Vec<Vec<masthead_core::comment::Line>>,
    pub at: TimeView,
    pub edited: bool,
    /// Deleted by its author; shown only while replies hang from it.
    pub deleted: bool,
    /// Waiting for a moderator: only its author sees it.
    pub held: bool,
    pub likes: u32,
    /// The reader likes it.
    pub liked: bool,
    /// The reader wrote it.
    pub mine: bool,
    /// The reader may still change its words.
    pub editable: bool,
    /// 0 for a comment on the article, 1 for a reply, ...; capped so threads stay readable.
    pub depth: u32,
    /// Whom it answers, for replies.
    pub reply_to: Option<String>,
}

/// Deepest reply indentation shown.
const MAX_COMMENT_DEPTH: u32 = 3;

impl CommentView {
    /// One comment as `viewer` sees it at `now`, times in `zone`.
    pub fn new(
        c: &masthead_core::comment::Comment,
        viewer: Option<masthead_core::ids::MemberId>,
        liked: bool,
        now: DateTime<Utc>,
        zone: Tz,
    ) -> Self {
        use masthead_core::comment::CommentStatus;
        let mine = viewer.is_some_and(|v| c.is_by(v));
        CommentView {
            id: c.id.0,
            author: c.author_name.clone(),
            staff: c.is_staff(),
            paragraphs: masthead_core::comment::paragraphs(&c.body),
            at: TimeView::new(c.created_at, zone),
            edited: c.edited_at.is_some(),
            deleted: c.deleted,
            held: c.status != CommentStatus::Approved,
            likes: c.likes,
            liked,
            mine,
            editable: viewer.is_some_and(|v| c.can_edit(v, now)),
            depth: 0,
            reply_to: None,
        }
    }

    /// Orders a page of comments (first comments in the order wanted, then replies
    /// oldest first) into threads: each comment followed by its replies, as `viewer`
    /// sees them at `now`. Replies to comments not shown are dropped with them, and
    /// deleted comments with no reply shown.
    pub fn threads(
        page: &masthead_core::comment::CommentPage,
        viewer: Option<masthead_core::ids::MemberId>,
        now: DateTime<Utc>,
        zone: Tz,
    ) -> Vec<CommentView> {
        use masthead_core::comment::Comment;
        use masthead_core::ids::CommentId;
        use std::collections::{HashMap, HashSet};
        struct Walk<'a> {
            /// Each comment's replies, in the page's order (oldest first).
            replies: HashMap<CommentId, Vec<&'a Comment>>,
            liked: HashSet<CommentId>,
            viewer: Option<masthead_core::ids::MemberId>,
            now: DateTime<Utc>,
            zone: Tz,
        }
        impl Walk<'_> {
            /// Adds `c` and its replies to `out`; returns whether anything was shown.
            fn add(
                &self,
                c: &Comment,
                depth: u32,
                reply_to: Option<&str>,
                out: &mut Vec<CommentView>,
            ) -> bool {
                let at = out.len();
                let liked = self.liked.contains(&c.id);
                let mut view = CommentView::new(c, self.viewer, liked, self.now, self.zone);
                view.depth = depth.min(MAX_COMMENT_DEPTH);
                view.reply_to = reply_to.map(str::to_owned);
                out.push(view);
                let mut replied = false;
                for reply in self.replies.get(&c.id).into_iter().flatten() {
                    replied |= self.add(reply, depth + 1, Some(&c.author_name), out);
                }
                if c.deleted && !replied {
                    out.truncate(at);
                    return false;
                }
                true
            }
        }
        let mut replies: HashMap<CommentId, Vec<&Comment>> = HashMap::new();
        for c in &page.comments {
            if let Some(parent) = c.parent_id {
                replies.entry(parent).or_default().push(c);
            }
        }
        let walk = Walk {
            replies,
            liked: page.liked.iter().copied().collect(),
            viewer,
            now,
            zone,
        };
        let mut out = Vec::with_capacity(page.comments.len());
        for root in page.comments.iter().filter(|c| c.parent_id.is_none()) {
            walk.add(root, 0, None, &mut out);
        }
        out
    }
}

/// The comments area under an article.
#[derive(Debug, Clone, Serialize)]
pub struct DiscussionView {
    /// Comments readers see under the article, in all.
    pub count: u32,
    pub comments: Vec<CommentView>,
    /// This page of threads, for pagination.
    pub page: PageView,
    /// The order shown, and links to the others.
    pub sort: &'static str,
    pub sorts: Vec<SortLink>,
    /// Whether new comments are taken.
    pub open: bool,
    /// The token the reader's forms carry, when they may comment.
    pub csrf: Option<String>,
    /// The reader has no name yet: the form asks for the one their comments show.
    pub needs_name: bool,
    pub article_id: i64,
    /// Where pagination and sorting links start (the article's address).
    pub base: String,
}

/// A link to the comments in another order.
#[derive(Debug, Clone, Serialize)]
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

impl SortLink {
    /// A link for each order, on the article at `path`.
    pub fn all(path: &str, current: masthead_core::comment::CommentSort) -> Vec<SortLink> {
        use masthead_core::comment::CommentSort;
        CommentSort::ALL
            .iter()
            .map(|sort| SortLink {
                label: sort.label(),
                href: match sort {
                    CommentSort::Oldest => format!("{path}#comments"),
                    other => format!("{path}?sort={}#comments", other.as_str()),
                },
                current: *sort == current,
            })
            .collect()
    }
}

/// A static page (About, Ethics policy, ...).
#[derive(Debug, Clone, Serialize)]
pub struct StaticPageView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub title: String,
    pub body_html: String,
    pub updated: TimeView,
    /// On the support page: the tiers readers may choose, the free one first.
    pub tiers: Vec<TierCardView>,
    /// Whether readers can pay online here (a payment provider is set up).
    pub payments: bool,
    /// The gift form, where readers may pay online.
    pub gifts: Option<GiftFormView>,
}

/// An offer's terms in words, prices as readers read them: "50% off", "for 3
/// months", "$4.00 a month", then "$8.00 a month".
#[derive(Debug, Clone, Serialize)]
pub struct OfferTermsView {
    pub discount: String,
    pub lasts: String,
    /// What readers pay while the offer lasts.
    pub price: String,
    /// What they pay after it, when it ends.
    pub then: Option<String>,
}

impl OfferTermsView {
    pub fn new(offer: &masthead_core::tier::Offer, tier: &masthead_core::tier::Tier) -> Self {
        use masthead_core::tier::{display_price, Cadence, Discount, OfferDuration};
        let money = |minor| display_price(minor, &tier.currency);
        let period = match offer.cadence {
            Cadence::Month => "month",
            Cadence::Year => "year",
        };
        Self {
            discount: match offer.discount {
                Discount::Percent(p) => format!("{p}% off"),
                Discount::Fixed(amount) => format!("{} off", money(amount)),
            },
            lasts: match offer.duration {
                OfferDuration::Once => format!("for the first {period}"),
                OfferDuration::Months(1) => "for 1 month".to_owned(),
                OfferDuration::Months(n) => format!("for {n} months"),
                OfferDuration::Forever => "for as long as you subscribe".to_owned(),
            },
            price: format!("{} a {period}", money(offer.price(tier))),
            then: match offer.duration {
                OfferDuration::Forever => None,
                OfferDuration::Once | OfferDuration::Months(_) => {
                    Some(format!("{} a {period}", money(tier.price(offer.cadence))))
                }
            },
        }
    }
}

/// An offer's own page (`/support/offer/CODE/`): its terms and its tier, or that it
/// has ended.
#[derive(Debug, Clone, Serialize)]
pub struct OfferPageView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub name: String,
    pub code: String,
    pub tier: TierCardView,
    pub terms: OfferTermsView,
    pub ended: bool,
    pub payments: bool,
}

/// The checkout's own pages: what the reader is about to pay for ("review"), and
/// what came of it ("thanks", "pending").
#[derive(Debug, Clone, Serialize)]
pub struct CheckoutView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub step: &'static str,
    pub csrf: String,
    /// What is paid for, in words: "Supporter: $8.00 a month".
    pub summary: String,
    /// The tier's slug and cadence (a membership), or an offer's code, sent on with
    /// the form.
    pub tier: String,
    pub cadence: String,
    pub offer: String,
    /// A gift: its amount as typed ("25.00"), whether monthly, and the giver's words.
    pub gift: bool,
    pub amount: String,
    pub monthly: bool,
    pub name: String,
    pub public: bool,
    pub message: String,
    pub error: Option<String>,
    /// The signed-in member's address (they pay as themselves).
    pub email: Option<String>,
    /// After paying: signed in now as the member the checkout made.
    pub joined: bool,
    /// After paying, not signed in: the address to sign in with.
    pub sign_in_as: Option<String>,
}

/// A tier as the support page offers it.
#[derive(Debug, Clone, Serialize)]
pub struct TierCardView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub free: bool,
    /// "$8.00", as readers read prices.
    pub monthly: String,
    pub yearly: String,
    pub trial_days: u32,
    pub benefits: Vec<String>,
    /// The signed-in member's own tier.
    pub yours: bool,
}

/// The public supporters page: givers who asked to be thanked by name.
#[derive(Debug, Clone, Serialize)]
pub struct SupportersView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub supporters: Vec<SupporterView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupporterView {
    pub name: String,
    pub message: String,
    pub monthly: bool,
    pub since: TimeView,
}

/// The support page's gift form: preset amounts in the publication's currency.
#[derive(Debug, Clone, Serialize)]
pub struct GiftFormView {
    /// Each as typed in the form ("25.00") and as read ("$25.00").
    pub presets: Vec<(String, String)>,
    pub currency: String,
}

impl GiftFormView {
    /// Whole amounts readers commonly give, in `currency`.
    pub const PRESETS: [u32; 4] = [5, 10, 25, 50];

    pub fn new(currency: &str) -> Self {
        use masthead_core::tier::{display_price, format_price, parse_price};
        let presets = Self::PRESETS
            .iter()
            .filter_map(|units| parse_price("amount", &units.to_string(), currency).ok())
            .map(|minor| {
                (
                    format_price(minor, currency),
                    display_price(minor, currency),
                )
            })
            .collect();
        Self {
            presets,
            currency: currency.to_owned(),
        }
    }
}

impl TierCardView {
    pub fn new(tier: &masthead_core::tier::Tier) -> Self {
        use masthead_core::tier::display_price;
        Self {
            slug: tier.slug.clone(),
            name: tier.name.clone(),
            description: tier.description.clone(),
            free: !tier.paid,
            monthly: display_price(tier.monthly_price, &tier.currency),
            yearly: display_price(tier.yearly_price, &tier.currency),
            trial_days: tier.trial_days,
            benefits: tier.benefits.clone(),
            yours: false,
        }
    }
}

/// Search results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub query: String,
    /// The results' address without a page number, for pagination links.
    pub base: String,
    /// Whether anything was asked: words or a filter.
    pub searched: bool,
    pub total: u64,
    pub hits: Vec<SearchHitView>,
    /// Pagination; its `items` stay empty.
    pub page: PageView,
    /// The matches' counts by section, type, author, topic and year.
    pub facets: Vec<FacetGroupView>,
    /// The filters chosen, each with a link that takes it away.
    pub chosen: Vec<ChosenFilterView>,
    /// "Did you mean": the words put right, and the search for them.
    pub suggestion: Option<SuggestionView>,
    /// The filters chosen, as (name, value), for the forms to carry on.
    pub hidden: Vec<(String, String)>,
    /// The date range's days, as typed ("2026-12-05").
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetGroupView {
    pub label: &'static str,
    pub values: Vec<FacetValueView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetValueView {
    pub label: String,
    pub count: u64,
    /// The search narrowed to this value, or widened again when it is the one chosen.
    pub href: String,
    pub chosen: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChosenFilterView {
    pub label: String,
    pub remove_href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    pub words: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHitView {
    pub story: StoryView,
    /// Escaped text with the matches in `<b>` (from the search port).
    pub snippet_html: String,
}

/// The site-wide corrections log.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionsView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub heading: String,
    pub base: String,
    pub entries: Vec<LoggedCorrectionView>,
    /// Pagination; its `items` stay empty.
    pub page: PageView,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoggedCorrectionView {
    pub label: &'static str,
    pub text: String,
    pub at: TimeView,
    pub article: StoryView,
}

impl LoggedCorrectionView {
    /// The entry, dated in `zone`.
    pub fn new(c: &masthead_core::store::LoggedCorrection, zone: Tz) -> Self {
        Self {
            label: c.correction.kind.label(),
            text: c.correction.text.clone(),
            at: TimeView::new(c.correction.created_at, zone),
            article: StoryView::new(&c.article, zone),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
    /// The newest headlines, to offer something to read instead.
    pub latest: Vec<StoryView>,
}

/// The page a newsletter's unsubscribe link opens.
#[derive(Debug, Clone, Serialize)]
pub struct UnsubscribeView {
    #[serde(flatten)]
    pub chrome: Chrome,
    /// "confirm" (the button), "done", or "gone" (no letter has this link).
    pub step: &'static str,
    /// The newsletter's name.
    pub newsletter: String,
    /// Where the button posts.
    pub action: String,
}

/// The sign-in (and sign-up) pages, at each step.
#[derive(Debug, Clone, Serialize)]
pub struct SignInView {
    #[serde(flatten)]
    pub chrome: Chrome,
    /// "ask" (the email form), "sent" (check your email), "other_browser" (a link
    /// opened elsewhere than asked), "taken" (a new address someone else has now),
    /// "gone" (a used or expired link), "deleted" (an account just deleted).
    pub step: &'static str,
    /// Worded as joining rather than signing in (`/signup`).
    pub join: bool,
    pub email: String,
    /// Where the reader goes back to afterwards.
    pub return_to: String,
    /// The join form, coming back there too.
    pub join_href: String,
    pub csrf: String,
    pub error: Option<String>,
    /// The link's token, for "send a link to this browser" ("other_browser").
    pub token: String,
    /// The media house's login, when readers may sign in with it ("Sign in with …").
    pub external: Option<String>,
    /// Whether members may sign in with a passkey here.
    pub passkeys: bool,
}

/// One of a member's passkeys on their account page.
#[derive(Debug, Clone, Serialize)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub added: TimeView,
    pub last_used: Option<TimeView>,
}

/// A browser a member is signed in on, on their account page.
#[derive(Debug, Clone, Serialize)]
pub struct SignedInView {
    /// "Firefox on Linux".
    pub browser: String,
    pub since: TimeView,
    pub last_used: TimeView,
    /// The browser reading the page.
    pub current: bool,
}

/// A newsletter a member may choose on their account page.
#[derive(Debug, Clone, Serialize)]
pub struct NewsletterChoice {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub chosen: bool,
}

/// A page of its own for one comment, for readers without JavaScript (or after a
/// refusal, with their words kept): replying to it, changing or deleting it,
/// reporting it, or a new comment sent back.
#[derive(Debug, Clone, Serialize)]
pub struct CommentFormView {
    #[serde(flatten)]
    pub chrome: Chrome,
    /// "new", "reply", "edit", "delete", "report" or "reported".
    pub mode: &'static str,
    pub article_title: String,
    pub article_path: String,
    pub article_id: i64,
    /// The comment answered, changed, deleted or reported.
    pub comment: Option<CommentView>,
    /// The words in the form.
    pub body: String,
    pub csrf: String,
    pub error: Option<String>,
    /// The reader has no name yet: the form asks for the one their comments show.
    pub needs_name: bool,
    pub comment_name: String,
    /// Why one may report a comment (`mode` "report").
    pub reasons: Vec<ReasonChoice>,
    pub note: String,
}

/// A reason offered on the report form.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The member's account page.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    #[serde(flatten)]
    pub chrome: Chrome,
    pub csrf: String,
    pub email: String,
    pub name: String,
    pub comment_name: String,
    pub reply_letters: bool,
    pub newsletters: Vec<NewsletterChoice>,
    pub joined: TimeView,
    /// Whether passkeys may be added here, and the member's.
    pub passkeys_offered: bool,
    pub passkeys: Vec<PasskeyView>,
    /// The browsers they are signed in on, this one first.
    pub signed_in: Vec<SignedInView>,
    /// Just joined: asked for a name, then sent on to `return_to`.
    pub welcome: bool,
    pub return_to: String,
    pub notice: Option<String>,
    /// Field errors, as (field, message).
    pub errors: Vec<(String, String)>,
    /// Their memberships and monthly gifts not yet ended, newest first.
    pub plans: Vec<PlanView>,
    /// Whether they may manage them at the payment provider (they have paid there).
    pub manage_plans: bool,
}

/// A member's plan on their account page: "Supporter, $8.00 a month: renews on …".
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub what: String,
    pub status: String,
    /// Ends at the period's end (cancelled), rather than renewing then.
    pub ending: bool,
    pub period_end: TimeView,
}
