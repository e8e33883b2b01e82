//! `masthead demo`: a complete demo publication, "The Lantern", in a fresh data
//! directory. Its words live in `demo.toml`; its pictures are drawn by `images`.

pub(crate) mod images;
mod revenue;

use crate::cli::DemoArgs;
use crate::config::Config;
use crate::serve;
use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use masthead_core::article::{
    ArticleContent, CorrectionKind, FeaturedImage, NewArticle, NewCorrection, Source, Status,
};
use masthead_core::comment::{Author, CommentStatus, HeldReason, NewComment, NewReport};
use masthead_core::document::{Block, Document, GalleryCard, PictureCard, Width};
use masthead_core::ids::{ArticleId, MemberId, PersonId};
use masthead_core::member::NewMember;
use masthead_core::page::{PageContent, PageStatus};
use masthead_core::people::{NewPerson, SocialLink};
use masthead_core::site::{NewsletterOffer, Settings};
use masthead_core::store::Store;
use masthead_core::taxonomy::NewSection;
use masthead_render::DocumentRenderer;
use masthead_web::passwords;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The newsroom's desks, in navigation order, with their descriptions.
pub const SECTIONS: &[(&str, &str)] = &[
    ("World", "International news and the stories that shape it."),
    (
        "Business",
        "Companies, markets, trade and the economy of the port.",
    ),
    (
        "Technology",
        "How technology changes work, politics and daily life.",
    ),
    (
        "Science",
        "Discoveries, research and the people behind them.",
    ),
    ("Health", "Medicine, public health and the care system."),
    (
        "Sports",
        "The Mariners, regional athletics and sport worldwide.",
    ),
    (
        "Entertainment",
        "Film, music, theatre and books, reviewed and reported.",
    ),
    ("Environment", "Climate, nature and the coast we live on."),
    (
        "Opinion",
        "Columns, letters and The Lantern's view. Opinion is clearly labelled.",
    ),
    (
        "News Analysis",
        "Context and explanation from our specialist reporters.",
    ),
    ("Blog", "Notes from the newsroom: how we work and why."),
];

const CONTENT: &str = include_str!("demo.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFile {
    publication: Publication,
    staff: Vec<StaffEntry>,
    /// Bylines without a login (guests, agencies, desk bylines).
    #[serde(default)]
    bylines: Vec<BylineEntry>,
    members: Vec<MemberEntry>,
    tiers: Vec<TierEntry>,
    offers: Vec<OfferEntry>,
    sponsors: Vec<SponsorEntry>,
    pages: Vec<PageEntry>,
    articles: Vec<ArticleEntry>,
    /// The home page's chosen stories, by title, from the lead down.
    #[serde(default)]
    front: Vec<String>,
}

/// A sponsor, of a section (by name) or of an article (by title).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SponsorEntry {
    name: String,
    url: String,
    label: String,
    disclosure: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    article: Option<String>,
}

/// An offer on one of the demo's tiers: a share off for some months.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferEntry {
    code: String,
    name: String,
    tier: String,
    percent_off: u32,
    months: u32,
}

/// A paid tier, priced in the currency's units ("8.00").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierEntry {
    slug: String,
    name: String,
    description: String,
    currency: String,
    monthly: String,
    yearly: String,
    #[serde(default)]
    trial_days: u32,
    benefits: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageEntry {
    slug: String,
    title: String,
    description: String,
    body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Publication {
    title: String,
    description: String,
    about: String,
    support_text: String,
    support_url: String,
    #[serde(default)]
    policies: masthead_core::site::Policies,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffEntry {
    name: String,
    email: String,
    #[serde(default)]
    job_title: String,
    role: String,
    bio: String,
    expertise: Vec<String>,
    #[serde(default)]
    social: Vec<SocialLink>,
}

/// A byline profile without a login.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BylineEntry {
    kind: String,
    name: String,
    #[serde(default)]
    job_title: String,
    bio: String,
    #[serde(default)]
    expertise: Vec<String>,
    #[serde(default)]
    social: Vec<SocialLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberEntry {
    name: String,
    email: String,
    /// The newsletters they chose, by slug.
    #[serde(default)]
    newsletters: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextPicture {
    alt: String,
    caption: String,
    credit: String,
}

/// Where a demo body places its `picture_in_text`.
const PICTURE_MARK: &str = "{picture}";
/// Where a demo body places its `gallery_in_text`.
const GALLERY_MARK: &str = "{gallery}";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceEntry {
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionEntry {
    kind: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentEntry {
    member: String,
    body: String,
    /// Why it waits for a moderator (a `HeldReason` word); none: readers see it.
    #[serde(default)]
    held: Option<String>,
    #[serde(default)]
    reports: Vec<ReportEntry>,
    #[serde(default)]
    replies: Vec<CommentEntry>,
}

/// A reader's report of a demo comment, for the moderators' queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportEntry {
    member: String,
    reason: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleEntry {
    section: String,
    title: String,
    standfirst: String,
    #[serde(rename = "type")]
    article_type: String,
    visibility: String,
    /// For visibility "tiers": the tiers' slugs.
    #[serde(default)]
    tiers: Vec<String>,
    /// Hours before the demo starts that it was published.
    hours_ago: i64,
    /// "published" (default), "scheduled" (goes out two minutes after the demo starts),
    /// "in_review" or "draft".
    #[serde(default)]
    status: Option<String>,
    authors: Vec<String>,
    editors: Vec<String>,
    tags: Vec<String>,
    image_alt: String,
    image_caption: String,
    image_credit: String,
    body: String,
    #[serde(default)]
    sources: Vec<SourceEntry>,
    #[serde(default)]
    corrections: Vec<CorrectionEntry>,
    #[serde(default)]
    comments: Vec<CommentEntry>,
    /// A second picture, placed in the text where the body says `{picture}`.
    #[serde(default)]
    picture_in_text: Option<TextPicture>,
    /// Pictures shown as a gallery where the body says `{gallery}`.
    #[serde(default)]
    gallery_in_text: Vec<TextPicture>,
    /// A live article's entries (its type is "live").
    #[serde(default)]
    live_entries: Vec<LiveEntryDemo>,
}

/// An entry of a live demo article, posted `minutes` after its publication.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveEntryDemo {
    minutes: i64,
    #[serde(default)]
    headline: String,
    body: String,
    author: String,
    #[serde(default)]
    pinned: bool,
}

fn parse() -> Result<DemoFile> {
    toml::from_str(CONTENT).context("the built-in demo content is not valid")
}

/// Creates the standard sections that do not exist yet.
pub async fn ensure_sections(store: &dyn Store) -> Result<()> {
    let existing = store.sections().await.map_err(|e| anyhow!("{e}"))?;
    for (position, (name, description)) in SECTIONS.iter().enumerate() {
        if existing.iter().any(|s| s.name == *name) {
            continue;
        }
        store
            .create_section(&NewSection {
                name: (*name).to_owned(),
                slug: String::new(),
                description: (*description).to_owned(),
                position: position as i64 + 1,
                in_navigation: true,
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// Draws every demo article's picture (in article order), as many at once as there
/// are cores.
async fn draw_pictures(
    demo: &DemoFile,
    sections: &[masthead_core::taxonomy::Section],
    dir: &Path,
) -> Result<Vec<images::Drawn>> {
    let folder = images::folder_of(dir)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(cores));
    let mut jobs = Vec::with_capacity(demo.articles.len());
    for (index, a) in demo.articles.iter().enumerate() {
        let section = sections
            .iter()
            .position(|s| s.name == a.section)
            .unwrap_or(0);
        let name = masthead_core::slug::slugify(&a.title)
            .ok_or_else(|| anyhow!("demo title {:?}", a.title))?;
        let (dir, folder, slots) = (dir.to_path_buf(), folder.clone(), slots.clone());
        let index = u32::try_from(index).unwrap_or(0);
        jobs.push(tokio::spawn(async move {
            let _slot = slots.acquire_owned().await?;
            tokio::task::spawn_blocking(move || {
                images::draw_files(&dir, &folder, &name, section, index)
            })
            .await?
        }));
    }
    let mut drawn = Vec::with_capacity(jobs.len());
    for job in jobs {
        drawn.push(job.await??);
    }
    Ok(drawn)
}

/// The staff login printed for the person trying the demo, and the demo
/// integration's Content API key.
pub struct Login {
    pub email: String,
    pub password: String,
    pub content_key: String,
}

/// The demo's integration, whose Content API key the demo prints.
pub const DEMO_INTEGRATION: &str = "Demo app";

/// Fills an empty store with the demo publication; images go under `media_dir`.
pub async fn populate(store: &dyn Store, media_dir: &Path, now: DateTime<Utc>) -> Result<Login> {
    let demo = parse()?;
    let err = |e: masthead_core::Error| anyhow!("{e}");
    let image_dir = media_dir.join("demo");
    std::fs::create_dir_all(&image_dir)
        .with_context(|| format!("cannot create {}", image_dir.display()))?;
    let identity = {
        let dir = image_dir.clone();
        tokio::task::spawn_blocking(move || images::draw_identity(&dir)).await??
    };
    store
        .save_settings(&Settings {
            title: demo.publication.title.clone(),
            description: demo.publication.description.clone(),
            about: demo.publication.about.clone(),
            support_text: demo.publication.support_text.clone(),
            support_url: demo.publication.support_url.clone(),
            locale: "en-GB".into(),
            timezone: "Europe/London".into(),
            logo: identity.logo,
            favicon: identity.favicon,
            touch_icon: identity.touch_icon,
            social_image: identity.social_image,
            policies: demo.publication.policies.clone(),
            newsletters: vec![
                NewsletterOffer {
                    slug: "morning-briefing".into(),
                    name: "Morning Briefing".into(),
                    description: "The day's stories before breakfast, every weekday.".into(),
                },
                NewsletterOffer {
                    slug: "world-weekly".into(),
                    name: "World Weekly".into(),
                    description: "Our correspondents' week, every Saturday.".into(),
                },
            ],
            ..Settings::default()
        })
        .await
        .map_err(err)?;
    ensure_sections(store).await?;
    let sections = store.sections().await.map_err(err)?;

    let mut staff: HashMap<String, PersonId> = HashMap::new();
    let mut login = None;
    for s in &demo.staff {
        let password = passwords::generate();
        let role = s.role.parse().map_err(err)?;
        let person = store
            .create_person(&NewPerson {
                name: s.name.clone(),
                email: s.email.clone(),
                role,
                bio: s.bio.clone(),
                job_title: s.job_title.clone(),
                expertise: s.expertise.clone(),
                social_links: s.social.clone(),
                password_hash: passwords::hash(&password).map_err(anyhow::Error::msg)?,
            })
            .await
            .map_err(err)?;
        if role == masthead_core::people::Role::Admin && login.is_none() {
            login = Some(Login {
                email: person.email.clone(),
                password,
                content_key: String::new(),
            });
        }
        staff.insert(s.name.clone(), person.id);
    }
    for b in &demo.bylines {
        let profile = masthead_core::people::Profile {
            name: b.name.clone(),
            job_title: b.job_title.clone(),
            bio: b.bio.clone(),
            expertise: b.expertise.clone(),
            social_links: b.social.clone(),
            avatar: None,
        };
        let entry = masthead_core::auth::NewAuditEntry {
            at: now,
            actor: None,
            action: masthead_core::auth::AuditAction::ProfileChanged,
            target: format!("byline {} added", b.name),
            ip: String::new(),
        };
        let person = store
            .create_profile(b.kind.parse().map_err(err)?, &profile, &entry)
            .await
            .map_err(|e| anyhow!("demo byline {:?}: {e}", b.name))?;
        staff.insert(b.name.clone(), person.id);
    }
    let mut members: HashMap<String, MemberId> = HashMap::new();
    for m in &demo.members {
        let member = store
            .create_member(&NewMember {
                email: m.email.clone(),
                name: m.name.clone(),
            })
            .await
            .map_err(err)?;
        choose_newsletters(store, &member, &m.newsletters, now).await?;
        members.insert(m.name.clone(), member.id);
    }

    // Tiers first: a story may be for the members of some of them.
    for t in &demo.tiers {
        let price = |field, text| masthead_core::tier::parse_price(field, text, &t.currency);
        let tier = masthead_core::tier::TierInput {
            slug: t.slug.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            paid: true,
            currency: t.currency.clone(),
            monthly_price: price("monthly", &t.monthly)?,
            yearly_price: price("yearly", &t.yearly)?,
            trial_days: t.trial_days,
            benefits: t.benefits.clone(),
            public: true,
        };
        store
            .create_tier(&tier, now - Duration::days(30))
            .await
            .map_err(|e| anyhow!("demo tier {:?}: {e}", t.name))?;
    }
    let renderer = DocumentRenderer::default();
    // Every article's picture, drawn and encoded a few at a time (one per core).
    let drawn = draw_pictures(&demo, &sections, &image_dir).await?;
    let mut drawn = drawn.into_iter();
    let mut articles = Vec::with_capacity(demo.articles.len());
    for (index, a) in demo.articles.iter().enumerate() {
        let section_index = sections
            .iter()
            .position(|s| s.name == a.section)
            .ok_or_else(|| {
                anyhow!(
                    "demo article {:?} names an unknown section {:?}",
                    a.title,
                    a.section
                )
            })?;
        let slug = masthead_core::slug::slugify(&a.title)
            .ok_or_else(|| anyhow!("demo title {:?}", a.title))?;
        let index = u32::try_from(index).unwrap_or(0);
        let picture = images::Picture {
            name: &slug,
            section: section_index,
            index,
            alt: &a.image_alt,
            caption: &a.image_caption,
            credit: &a.image_credit,
        };
        let files = drawn
            .next()
            .ok_or_else(|| anyhow!("no picture drawn for {:?}", a.title))?;
        let media = images::record(store, files, &picture).await?;
        let people = |names: &[String]| -> Result<Vec<PersonId>> {
            names
                .iter()
                .map(|n| {
                    staff.get(n).copied().ok_or_else(|| {
                        anyhow!("demo article {:?} credits unknown staff {n:?}", a.title)
                    })
                })
                .collect()
        };
        // Pictures in the text are cards, as the editor makes them.
        let mut pictures = Vec::new();
        for (n, p) in a
            .picture_in_text
            .iter()
            .chain(&a.gallery_in_text)
            .enumerate()
        {
            let name = format!("{slug}-in-text-{n}");
            let in_text = images::create(
                store,
                &image_dir,
                &images::Picture {
                    name: &name,
                    section: section_index,
                    index: index + 1000 + u32::try_from(n).unwrap_or(0),
                    alt: &p.alt,
                    caption: &p.caption,
                    credit: &p.credit,
                },
            )
            .await?;
            pictures.push(PictureCard {
                src: format!("/media/{}", in_text.storage_key),
                alt: p.alt.clone(),
                caption: p.caption.clone(),
                credit: p.credit.clone(),
                width: Width::Regular,
            });
        }
        let gallery = if a.picture_in_text.is_some() {
            pictures.split_off(1)
        } else {
            std::mem::take(&mut pictures)
        };
        let mut document = Document::from_markdown(&a.body);
        for block in &mut document.content {
            let mark = matches!(block, Block::Paragraph { .. })
                .then(|| Document::new(vec![block.clone()]).plain_text());
            match mark.as_deref() {
                Some(PICTURE_MARK) => {
                    if let Some(picture) = pictures.pop() {
                        *block = Block::Picture { attrs: picture };
                    }
                }
                Some(GALLERY_MARK) => {
                    *block = Block::Gallery {
                        attrs: GalleryCard {
                            images: gallery.clone(),
                            caption: String::new(),
                        },
                    };
                }
                _ => {}
            }
        }
        let content = ArticleContent {
            title: a.title.clone(),
            standfirst: a.standfirst.clone(),
            body: document,
            custom_excerpt: String::new(),
            featured_image: Some(FeaturedImage {
                media_id: media.id,
                alt: media.alt.clone(),
                caption: media.caption.clone(),
                credit: media.credit.clone(),
            }),
            section_id: Some(sections[section_index].id),
            tags: a.tags.clone(),
            authors: people(&a.authors)?,
            editors: people(&a.editors)?,
            article_type: a.article_type.parse().map_err(err)?,
            visibility: a.visibility.parse().map_err(err)?,
            tiers: {
                let mut ids = Vec::new();
                for slug in &a.tiers {
                    let tier = store
                        .tier_by_slug(slug)
                        .await?
                        .ok_or_else(|| anyhow!("demo article {:?}: no tier {slug:?}", a.title))?;
                    ids.push(tier.id);
                }
                ids
            },
            seo: Default::default(),
            sources: a
                .sources
                .iter()
                .map(|s| Source {
                    name: s.name.clone(),
                    url: s.url.clone(),
                    note: s.note.clone(),
                })
                .collect(),
        };
        content
            .validate()
            .map_err(|e| anyhow!("demo article {:?}: {e}", a.title))?;
        let published_at = now - Duration::hours(a.hours_ago);
        let status: Status = a
            .status
            .as_deref()
            .unwrap_or("published")
            .parse()
            .map_err(err)?;
        let corrections = a
            .corrections
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let kind: CorrectionKind = c.kind.parse().map_err(err)?;
                let after = Duration::minutes((a.hours_ago * 60 / 2).max(10) / (i as i64 + 1));
                Ok(NewCorrection {
                    kind,
                    text: c.text.clone(),
                    created_at: published_at + after,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        articles.push(NewArticle {
            rendered: renderer.render_now(&content.body, "")?,
            content,
            slug,
            status,
            created_at: published_at - Duration::hours(3),
            published_at: (status == Status::Published).then_some(published_at),
            scheduled_at: (status == Status::Scheduled).then(|| now + Duration::minutes(2)),
            corrections,
        });
    }
    store.create_articles(&articles).await.map_err(err)?;

    for a in &demo.articles {
        let Some(slug) = masthead_core::slug::slugify(&a.title) else {
            continue;
        };
        let article = store
            .article_by_slug(&slug)
            .await
            .map_err(err)?
            .ok_or_else(|| anyhow!("demo article {slug} missing"))?;
        let start = article.published_at.unwrap_or(now);
        let mut minute = 7;
        for c in &a.comments {
            add_comment(store, &members, article.id, c, None, start, &mut minute).await?;
        }
        for e in &a.live_entries {
            let author = *staff.get(&e.author).ok_or_else(|| {
                anyhow!(
                    "demo live entry of {:?}: unknown staff {:?}",
                    a.title,
                    e.author
                )
            })?;
            let content = masthead_core::live::EntryContent {
                headline: e.headline.clone(),
                body: masthead_core::document::Document::from_markdown(e.body.trim()),
            };
            let html = renderer.render_now(&content.body, "")?.html;
            let entry = store
                .post_live_entry(
                    article.id,
                    &content,
                    &html,
                    (author, &e.author),
                    start + Duration::minutes(e.minutes),
                )
                .await
                .map_err(|err| anyhow!("demo live entry of {:?}: {err}", a.title))?;
            if e.pinned {
                store.pin_live_entry(entry.id, true).await.map_err(err)?;
            }
        }
    }
    // The home page as its editors arranged it.
    let mut slots = Vec::new();
    for (position, title) in demo.front.iter().enumerate() {
        let slug = masthead_core::slug::slugify(title)
            .ok_or_else(|| anyhow!("demo front: title {title:?}"))?;
        let article = store
            .article_by_slug(&slug)
            .await
            .map_err(err)?
            .ok_or_else(|| anyhow!("demo front: no article {title:?}"))?;
        slots.push(masthead_core::curation::Slot {
            position,
            article: article.id,
            until: None,
        });
    }
    store
        .set_front_slots(masthead_core::curation::Front::Home, &slots, now)
        .await
        .map_err(err)?;
    for o in &demo.offers {
        let tier = store
            .tier_by_slug(&o.tier)
            .await?
            .ok_or_else(|| anyhow!("demo offer {:?}: no tier {:?}", o.name, o.tier))?;
        let offer = masthead_core::tier::OfferInput {
            code: o.code.clone(),
            name: o.name.clone(),
            tier: tier.id,
            cadence: masthead_core::tier::Cadence::Month,
            discount: masthead_core::tier::Discount::Percent(o.percent_off),
            duration: masthead_core::tier::OfferDuration::Months(o.months),
        };
        store
            .create_offer(&offer, now - Duration::days(7))
            .await
            .map_err(|e| anyhow!("demo offer {:?}: {e}", o.name))?;
    }
    for sp in &demo.sponsors {
        let sponsor = store
            .create_sponsor(
                &masthead_core::sponsor::SponsorInput {
                    name: sp.name.clone(),
                    url: sp.url.clone(),
                    logo: None,
                    disclosure: sp.disclosure.clone(),
                    label: sp.label.parse()?,
                },
                now - Duration::days(30),
            )
            .await
            .map_err(|e| anyhow!("demo sponsor {:?}: {e}", sp.name))?;
        if let Some(name) = &sp.section {
            let section = store
                .sections()
                .await?
                .into_iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| anyhow!("demo sponsor {:?}: no section {name:?}", sp.name))?;
            store.sponsor_section(section.id, Some(sponsor.id)).await?;
        }
        if let Some(title) = &sp.article {
            let slug = masthead_core::slug::slugify(title)
                .ok_or_else(|| anyhow!("demo sponsor {:?}: no slug for {title:?}", sp.name))?;
            let article = store
                .article_by_slug(&slug)
                .await?
                .ok_or_else(|| anyhow!("demo sponsor {:?}: no article {title:?}", sp.name))?;
            store.sponsor_article(article.id, Some(sponsor.id)).await?;
        }
    }
    revenue::populate(store, now).await?;
    // The paying members the revenue history made read newsletters too: most the
    // morning one, some both, a few none.
    let named: Vec<&str> = demo.members.iter().map(|m| m.email.as_str()).collect();
    let others = store.members_with_subscriptions().await?;
    for (i, (member, _, _)) in others
        .iter()
        .filter(|(m, _, _)| !named.contains(&m.email.as_str()))
        .enumerate()
    {
        let chosen: &[&str] = match i % 4 {
            0 => &["morning-briefing", "world-weekly"],
            1 | 2 => &["morning-briefing"],
            _ => &[],
        };
        let chosen: Vec<String> = chosen.iter().map(|n| (*n).to_owned()).collect();
        choose_newsletters(store, member, &chosen, now).await?;
    }
    for (position, p) in demo.pages.iter().enumerate() {
        let content = PageContent {
            slug: p.slug.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            body: Document::from_markdown(&p.body),
            status: PageStatus::Published,
            position: i32::try_from(position).unwrap_or(i32::MAX),
            in_footer: true,
        };
        let html = renderer.render_now(&content.body, "")?.html;
        store
            .create_page(&content, &html, now - Duration::days(30))
            .await
            .map_err(|e| anyhow!("demo page {:?}: {e}", p.title))?;
    }
    record_demo_readership(store, now).await?;
    let mut login = login.ok_or_else(|| anyhow!("the demo content has no admin"))?;
    let app = crate::integrations::create(
        store,
        &masthead_core::integration::NewIntegration::new(
            DEMO_INTEGRATION,
            masthead_web::secrets::integration_keys(),
        ),
    )
    .await?;
    login.content_key = app.keys.content;
    Ok(login)
}

/// `member` chose `newsletters` on their account page.
async fn choose_newsletters(
    store: &dyn Store,
    member: &masthead_core::member::Member,
    newsletters: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    if newsletters.is_empty() {
        return Ok(());
    }
    store
        .update_account(
            member.id,
            &masthead_core::member::AccountUpdate {
                name: member.name.clone(),
                comment_name: String::new(),
                newsletters: newsletters.to_vec(),
                reply_letters: true,
            },
            now,
        )
        .await
        .map_err(|e| anyhow!("demo member {:?}'s newsletters: {e}", member.name))?;
    Ok(())
}

/// A month of audience figures: reads per article per day (a few stories drew a
/// crowd, most a steady trickle, none before it was published), the sites readers
/// came from and what they searched for, so that "Most read" and the newsroom's
/// audience page have something to show.
async fn record_demo_readership(store: &dyn Store, now: DateTime<Utc>) -> Result<()> {
    use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
    let query = ArticleQuery::published(ArticleFilter::All, PageRequest::numbered(1, 100));
    let articles = store
        .list_articles(&query)
        .await
        .map_err(|e| anyhow!("{e}"))?
        .items;
    const SITES: [(&str, u64); 6] = [
        ("google.com", 420),
        ("news.google.com", 180),
        ("facebook.com", 95),
        ("t.co", 60),
        ("bsky.app", 35),
        ("portalder.example", 20),
    ];
    const SEARCHES: [(&str, u64); 6] = [
        ("ferry timetable", 40),
        ("harbor commission", 28),
        ("mariners", 22),
        ("heat wave", 15),
        ("st. brannock's", 9),
        ("oysters", 6),
    ];
    for day in 0..30u64 {
        let date = now - Duration::days(day as i64);
        // Weekends are quieter.
        let weekday = chrono::Datelike::weekday(&date.date_naive()).num_days_from_monday();
        let busy = if weekday >= 5 { 6 } else { 10 };
        let views: Vec<(ArticleId, u64)> = articles
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.published_at
                    .is_some_and(|p| p.date_naive() <= date.date_naive())
            })
            .map(|(i, a)| {
                let i = i as u64;
                let popular = if i % 7 == 3 { 900 } else { 0 };
                let n = 40 + (i * 37 + day * 11) % 160 + popular / (i / 7 + 1);
                (a.id, n * busy / 10)
            })
            .collect();
        let day_of = date.date_naive();
        store
            .record_views(date, &views)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let scaled = |list: &[(&str, u64)]| -> Vec<(String, u64)> {
            list.iter()
                .enumerate()
                .map(|(i, (k, n))| {
                    (
                        (*k).to_owned(),
                        (n + (day * 7 + i as u64 * 3) % 17) * busy / 10,
                    )
                })
                .collect()
        };
        store
            .record_referrers(day_of, &scaled(&SITES))
            .await
            .map_err(|e| anyhow!("{e}"))?;
        store
            .record_searches(day_of, &scaled(&SEARCHES))
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

async fn add_comment(
    store: &dyn Store,
    members: &HashMap<String, MemberId>,
    article: ArticleId,
    entry: &CommentEntry,
    parent: Option<masthead_core::ids::CommentId>,
    start: DateTime<Utc>,
    minute: &mut i64,
) -> Result<()> {
    let known = |name: &str| {
        members
            .get(name)
            .copied()
            .ok_or_else(|| anyhow!("demo comment by unknown member {name:?}"))
    };
    let member = known(&entry.member)?;
    *minute += 23;
    let at = start + Duration::minutes(*minute);
    let held_reason = entry
        .held
        .as_deref()
        .map(str::parse::<HeldReason>)
        .transpose()
        .map_err(|e| anyhow!("demo comment by {:?}: {e}", entry.member))?;
    let comment = store
        .add_comment(&NewComment {
            held_reason,
            ..NewComment::plain(
                article,
                Author::Member(member),
                parent,
                &entry.body,
                if held_reason.is_some() {
                    CommentStatus::Pending
                } else {
                    CommentStatus::Approved
                },
                at,
            )
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    for (i, report) in entry.reports.iter().enumerate() {
        store
            .report_comment(&NewReport {
                comment_id: comment.id,
                member_id: known(&report.member)?,
                reason: report
                    .reason
                    .parse()
                    .map_err(|e| anyhow!("demo report by {:?}: {e}", report.member))?,
                note: report.note.clone(),
                created_at: at + Duration::minutes(5 * (i as i64 + 1)),
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    for reply in &entry.replies {
        Box::pin(add_comment(
            store,
            members,
            article,
            reply,
            Some(comment.id),
            start,
            minute,
        ))
        .await?;
    }
    Ok(())
}

pub async fn run(
    data_dir: &Path,
    data_dir_given: bool,
    config_file: Option<&Path>,
    args: DemoArgs,
) -> Result<()> {
    // Without a chosen data directory the demo lives in a temporary one, removed at exit.
    let temp;
    let data_dir = if data_dir_given {
        data_dir.to_path_buf()
    } else {
        temp = tempfile::Builder::new()
            .prefix("masthead-demo-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        temp.path().to_path_buf()
    };
    let mut config = Config::load(&data_dir, config_file)?;
    // A base_url of one's own is kept (e.g. `http://localhost:8080`, where browsers
    // offer passkeys, which they never do at an address); else the demo's address.
    let own_base_url = config.base_url != format!("http://{}", config.listen);
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = serve::bind(config.listen).await?;
    let addr = listener
        .local_addr()
        .context("cannot read the listening address")?;
    if !own_base_url {
        config.base_url = format!("http://{addr}");
    }
    let store = serve::open_store(&config, true).await?;
    let existing = store.counts().await.map_err(|e| anyhow!("{e}"))?;
    if existing.articles > 0 || existing.people > 0 {
        bail!(
            "the demo needs an empty database, but {} already holds {} articles; choose another --data-dir",
            config.database_url,
            existing.articles
        );
    }
    let login = populate(&*store, &config.media_dir(), Utc::now()).await?;
    println!(
        "Masthead demo: The Lantern is running at {}/",
        config.base_url
    );
    println!("Data directory: {}", config.data_dir.display());
    println!("Staff login: {} / {}", login.email, login.password);
    println!(
        "Content API key ({DEMO_INTEGRATION}): {} (try {}/ghost/api/content/posts/?key={})",
        login.content_key, config.base_url, login.content_key
    );
    println!("Press Ctrl+C to stop.");
    serve::serve(listener, &config, store).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_is_complete_and_consistent() {
        let demo = parse().unwrap();
        let published: Vec<_> = demo
            .articles
            .iter()
            .filter(|a| a.status.is_none())
            .collect();
        assert!(
            published.len() >= 60,
            "{} published articles",
            published.len()
        );
        for (name, _) in SECTIONS {
            let n = published.iter().filter(|a| a.section == *name).count();
            assert!(n >= 3, "section {name} has {n} articles");
        }
        assert_eq!(demo.staff.len(), 5);
        // Guest, wire and desk bylines, each credited somewhere.
        let kinds: Vec<_> = demo.bylines.iter().map(|b| b.kind.as_str()).collect();
        assert_eq!(kinds, ["wire", "guest", "desk"]);
        for b in &demo.bylines {
            assert!(
                demo.articles.iter().any(|a| a.authors.contains(&b.name)),
                "{} is credited",
                b.name
            );
        }
        let staff: Vec<_> = demo
            .staff
            .iter()
            .map(|s| s.name.as_str())
            .chain(demo.bylines.iter().map(|b| b.name.as_str()))
            .collect();
        let members: Vec<_> = demo.members.iter().map(|m| m.name.as_str()).collect();
        // At least one picture and one gallery placed in a text, where its body says.
        assert!(demo.articles.iter().any(|a| a.picture_in_text.is_some()));
        assert!(demo.articles.iter().any(|a| a.gallery_in_text.len() >= 2));
        for a in &demo.articles {
            assert_eq!(
                a.body.matches(PICTURE_MARK).count(),
                usize::from(a.picture_in_text.is_some()),
                "{}: a picture in the text and its place go together",
                a.title
            );
            // Every card written in a demo body is one (a fence that is not stays code).
            if let Err(e) = Document::from_markdown_checked(&a.body, "body") {
                panic!("{}: {e}", a.title);
            }
            assert_eq!(
                a.body.matches(GALLERY_MARK).count(),
                usize::from(!a.gallery_in_text.is_empty()),
                "{}: a gallery and its place go together",
                a.title
            );
            assert!(
                (3..=5).contains(&a.tags.len()),
                "{}: {} tags",
                a.title,
                a.tags.len()
            );
            assert!(
                a.body
                    .split("\n\n")
                    .filter(|p| !p.trim().is_empty())
                    .count()
                    >= 3,
                "{}",
                a.title
            );
            for name in a.authors.iter().chain(&a.editors) {
                assert!(
                    staff.contains(&name.as_str()),
                    "{}: unknown staff {name}",
                    a.title
                );
            }
            assert!(!a.editors.is_empty(), "{} has no editor", a.title);
            fn walk<'a>(c: &'a CommentEntry, out: &mut Vec<&'a str>) {
                out.push(&c.member);
                c.replies.iter().for_each(|r| walk(r, out));
            }
            let mut commenters = Vec::new();
            a.comments.iter().for_each(|c| walk(c, &mut commenters));
            for m in commenters {
                assert!(members.contains(&m), "{}: unknown member {m}", a.title);
            }
        }
        let slugs: std::collections::HashSet<_> = demo
            .articles
            .iter()
            .map(|a| masthead_core::slug::slugify(&a.title))
            .collect();
        assert_eq!(
            slugs.len(),
            demo.articles.len(),
            "titles must give unique slugs"
        );
        assert!(demo.articles.iter().any(|a| !a.corrections.is_empty()));
        assert!(demo.articles.iter().any(|a| !a.comments.is_empty()));
        assert!(demo.articles.iter().any(|a| !a.sources.is_empty()));
    }
}
