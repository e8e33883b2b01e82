//! Masthead's things in Ghost's JSON shapes: posts, pages, tags, authors, tiers and
//! settings as the Content API returns them, for the Ghost APIs (`ghost/`) and the
//! webhooks' payloads (`deliveries.rs`). Ids are written as Ghost's 24
//! hexadecimal characters; times in the publication's time zone with milliseconds;
//! empty optional texts as `null`. Masthead's own fields (`article_type`, `section`,
//! `sources`, `corrections`, `editors`) come as additional fields, which Ghost's
//! clients pass through.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use masthead_core::access::{can_read, Reader};
use masthead_core::article::{Article, Named};
use masthead_core::media::Media;
use masthead_core::page::StaticPage;
use masthead_core::people::Person;
use masthead_core::site::Settings;
use masthead_core::taxonomy::Tag;
use masthead_core::tier::Tier;
use serde_json::{json, Map, Value};

pub use masthead_core::nql::ghost_id as id;

/// What every serializer needs to know.
pub struct Context<'a> {
    pub base_url: &'a str,
    pub zone: Tz,
    /// The pictures the things refer to.
    pub media: &'a [Media],
    pub formats: &'a [String],
    pub include: &'a [String],
    /// Who reads: a Content API key reads as an anonymous reader.
    pub reader: &'a Reader,
}

impl Context<'_> {
    fn time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.zone)
            .to_rfc3339_opts(SecondsFormat::Millis, false)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn picture(&self, id: masthead_core::ids::MediaId) -> Option<String> {
        self.media
            .iter()
            .find(|m| m.id == id)
            .map(|m| self.url(&masthead_render::views::media_src(m)))
    }

    fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }

    fn wants(&self, format: &str) -> bool {
        self.formats.iter().any(|f| f == format)
    }
}

/// `None` for an empty text.
fn text(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

use masthead_render::letters::html_to_plain as plaintext;

fn named_tag(ctx: &Context<'_>, t: &Named<masthead_core::ids::TagId>) -> Value {
    json!({
        "id": id(t.id.0),
        "name": t.name,
        "slug": t.slug,
        "description": null,
        "feature_image": null,
        "visibility": "public",
        "meta_title": null,
        "meta_description": null,
        "url": ctx.url(&format!("/tag/{}/", t.slug)),
    })
}

fn named_author(ctx: &Context<'_>, p: &Named<masthead_core::ids::PersonId>) -> Value {
    json!({
        "id": id(p.id.0),
        "name": p.name,
        "slug": p.slug,
        "url": ctx.url(&format!("/author/{}/", p.slug)),
    })
}

/// A published article as a Ghost post: its body only for a reader who may read it
/// (else the part above the preview cut, or nothing), as Ghost gates it.
pub fn post(ctx: &Context<'_>, a: &Article) -> Value {
    let access = can_read(ctx.reader, a);
    let html = if access {
        a.body_html.clone()
    } else {
        masthead_core::article::teaser_html(&a.body_html)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let plain = plaintext(&html);
    let excerpt = if !a.custom_excerpt.is_empty() {
        a.custom_excerpt.clone()
    } else if access {
        a.excerpt.clone()
    } else {
        plain.chars().take(500).collect()
    };
    let image = a
        .featured_image
        .as_ref()
        .and_then(|f| ctx.picture(f.media_id));
    let mut o = Map::new();
    let mut put = |k: &str, v: Value| {
        o.insert(k.to_owned(), v);
    };
    put("id", json!(id(a.id.0)));
    put("uuid", json!(uuid(a.id.0)));
    put("title", json!(a.title));
    put("slug", json!(a.slug));
    if ctx.wants("html") {
        put("html", json!(html));
    }
    if ctx.wants("plaintext") {
        put("plaintext", json!(plain));
    }
    put("comment_id", json!(a.id.0.to_string()));
    put("feature_image", json!(image));
    put(
        "feature_image_alt",
        a.featured_image
            .as_ref()
            .map_or(Value::Null, |f| text(&f.alt)),
    );
    put(
        "feature_image_caption",
        a.featured_image
            .as_ref()
            .map_or(Value::Null, |f| text(&f.caption)),
    );
    put("featured", json!(false));
    put("visibility", json!(a.visibility.as_str()));
    put("created_at", json!(ctx.time(a.created_at)));
    put("updated_at", json!(ctx.time(a.modified_at())));
    put("published_at", json!(a.published_at.map(|t| ctx.time(t))));
    put("custom_excerpt", text(&a.custom_excerpt));
    put("codeinjection_head", Value::Null);
    put("codeinjection_foot", Value::Null);
    put("custom_template", Value::Null);
    put("canonical_url", text(&a.seo.canonical_url));
    put("url", json!(ctx.url(&a.path())));
    put("excerpt", json!(excerpt));
    put(
        "reading_time",
        json!(a.reading_time_minutes() + u32::from(image.is_some())),
    );
    put("access", json!(access));
    put("comments", json!(access && a.comments_open));
    put("og_image", text(&a.seo.social_image));
    put("og_title", Value::Null);
    put("og_description", Value::Null);
    put("twitter_image", Value::Null);
    put("twitter_title", Value::Null);
    put("twitter_description", Value::Null);
    put("meta_title", text(&a.seo.meta_title));
    put("meta_description", text(&a.seo.meta_description));
    put("email_subject", Value::Null);
    put("frontmatter", Value::Null);
    // Masthead's own.
    put("standfirst", text(&a.standfirst));
    put("article_type", json!(a.article_type.as_str()));
    put(
        "section",
        a.section.as_ref().map_or(Value::Null, |s| {
            json!({"id": id(s.id.0), "name": s.name, "slug": s.slug, "url": ctx.url(&format!("/{}/", s.slug))})
        }),
    );
    put(
        "editors",
        Value::Array(a.editors.iter().map(|p| named_author(ctx, p)).collect()),
    );
    put(
        "sources",
        Value::Array(
            a.sources
                .iter()
                .map(|s| json!({"name": s.name, "url": text(&s.url), "note": text(&s.note)}))
                .collect(),
        ),
    );
    put(
        "corrections",
        Value::Array(
            a.corrections
                .iter()
                .map(|c| {
                    json!({
                        "kind": c.kind.as_str(),
                        "text": c.text,
                        "created_at": ctx.time(c.created_at),
                    })
                })
                .collect(),
        ),
    );
    if ctx.includes("tags") {
        let tags: Vec<Value> = a.tags.iter().map(|t| named_tag(ctx, t)).collect();
        put("primary_tag", tags.first().cloned().unwrap_or(Value::Null));
        put("tags", Value::Array(tags));
    }
    if ctx.includes("authors") {
        let authors: Vec<Value> = a.authors.iter().map(|p| named_author(ctx, p)).collect();
        put(
            "primary_author",
            authors.first().cloned().unwrap_or(Value::Null),
        );
        put("authors", Value::Array(authors));
    }
    if ctx.includes("tiers") {
        put(
            "tiers",
            Value::Array(a.tiers.iter().map(|t| json!({"id": id(t.0)})).collect()),
        );
    }
    Value::Object(o)
}

/// A stable UUID for a post, from its id (Masthead has no other).
fn uuid(n: i64) -> String {
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A published static page as a Ghost page.
pub fn page(ctx: &Context<'_>, p: &StaticPage) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id(p.id.0)));
    o.insert("uuid".into(), json!(uuid(p.id.0)));
    o.insert("title".into(), json!(p.title));
    o.insert("slug".into(), json!(p.slug));
    if ctx.wants("html") {
        o.insert("html".into(), json!(p.body_html));
    }
    if ctx.wants("plaintext") {
        o.insert("plaintext".into(), json!(plaintext(&p.body_html)));
    }
    o.insert("feature_image".into(), Value::Null);
    o.insert("featured".into(), json!(false));
    o.insert("visibility".into(), json!("public"));
    o.insert("created_at".into(), json!(ctx.time(p.created_at)));
    o.insert("updated_at".into(), json!(ctx.time(p.updated_at)));
    o.insert("published_at".into(), json!(ctx.time(p.created_at)));
    o.insert("custom_excerpt".into(), text(&p.description));
    o.insert("excerpt".into(), json!(p.description));
    o.insert("url".into(), json!(ctx.url(&format!("/{}/", p.slug))));
    o.insert("access".into(), json!(true));
    o.insert("comments".into(), json!(false));
    o.insert("meta_title".into(), Value::Null);
    o.insert("meta_description".into(), text(&p.description));
    o.insert("show_title_and_feature_image".into(), json!(true));
    if ctx.includes("tags") {
        o.insert("tags".into(), json!([]));
        o.insert("primary_tag".into(), Value::Null);
    }
    if ctx.includes("authors") {
        o.insert("authors".into(), json!([]));
        o.insert("primary_author".into(), Value::Null);
    }
    Value::Object(o)
}

pub fn tag(ctx: &Context<'_>, t: &Tag, posts: Option<u64>) -> Value {
    let mut v = json!({
        "id": id(t.id.0),
        "name": t.name,
        "slug": t.slug,
        "description": text(&t.description),
        "feature_image": null,
        "visibility": "public",
        "og_image": null,
        "og_title": null,
        "og_description": null,
        "twitter_image": null,
        "twitter_title": null,
        "twitter_description": null,
        "meta_title": null,
        "meta_description": null,
        "codeinjection_head": null,
        "codeinjection_foot": null,
        "canonical_url": null,
        "accent_color": null,
        "url": ctx.url(&format!("/tag/{}/", t.slug)),
    });
    if let (Some(n), Value::Object(o)) = (posts, &mut v) {
        o.insert("count".into(), json!({"posts": n}));
    }
    v
}

pub fn author(ctx: &Context<'_>, p: &Person, posts: Option<u64>) -> Value {
    let link = |networks: &[&str]| {
        p.social_links
            .iter()
            .find(|l| networks.contains(&l.network.to_lowercase().as_str()))
            .map_or(Value::Null, |l| json!(l.url))
    };
    let mut v = json!({
        "id": id(p.id.0),
        "name": p.name,
        "slug": p.slug,
        "profile_image": p.avatar.and_then(|m| ctx.picture(m)),
        "cover_image": null,
        "bio": text(&p.bio),
        "website": link(&["website", "web"]),
        "location": null,
        "facebook": link(&["facebook"]),
        "twitter": link(&["x", "twitter"]),
        "mastodon": link(&["mastodon"]),
        "linkedin": link(&["linkedin"]),
        "bluesky": link(&["bluesky"]),
        "meta_title": null,
        "meta_description": null,
        "url": ctx.url(&format!("/author/{}/", p.slug)),
        // Masthead's own.
        "job_title": text(&p.job_title),
        "kind": p.kind.as_str(),
    });
    if let (Some(n), Value::Object(o)) = (posts, &mut v) {
        o.insert("count".into(), json!({"posts": n}));
    }
    v
}

pub fn tier(ctx: &Context<'_>, t: &Tier) -> Value {
    let mut v = json!({
        "id": id(t.id.0),
        "name": t.name,
        "slug": t.slug,
        "description": text(&t.description),
        "active": !t.archived,
        "type": if t.paid { "paid" } else { "free" },
        "visibility": if t.public { "public" } else { "none" },
        "welcome_page_url": null,
        "trial_days": t.trial_days,
        "benefits": t.benefits,
        "created_at": ctx.time(t.created_at),
        "updated_at": ctx.time(t.updated_at),
    });
    if let (true, Value::Object(o)) = (t.paid, &mut v) {
        o.insert("currency".into(), json!(t.currency.to_uppercase()));
        o.insert("monthly_price".into(), json!(t.monthly_price));
        o.insert("yearly_price".into(), json!(t.yearly_price));
    }
    v
}

pub fn settings(
    ctx: &Context<'_>,
    s: &Settings,
    sections: &[masthead_core::taxonomy::Section],
) -> Value {
    let navigation: Vec<Value> = sections
        .iter()
        .map(|s| json!({"label": s.name, "url": format!("/{}/", s.slug)}))
        .chain(
            s.navigation
                .iter()
                .map(|n| json!({"label": n.label, "url": n.url})),
        )
        .collect();
    let language = s.locale.split(['-', '_']).next().unwrap_or("en");
    json!({
        "title": s.title,
        "description": s.description,
        "logo": text(&s.logo),
        "icon": text(&s.touch_icon),
        "accent_color": null,
        "cover_image": null,
        "facebook": null,
        "twitter": null,
        "lang": language,
        "locale": s.locale,
        "timezone": s.timezone,
        "codeinjection_head": null,
        "codeinjection_foot": null,
        "navigation": navigation,
        "secondary_navigation": [],
        "meta_title": null,
        "meta_description": text(&s.description),
        "og_image": text(&s.social_image),
        "og_title": null,
        "og_description": null,
        "twitter_image": null,
        "twitter_title": null,
        "twitter_description": null,
        "members_support_address": null,
        "members_enabled": true,
        "allow_self_signup": true,
        "members_invite_only": false,
        "paid_members_enabled": true,
        "comments_enabled": "all",
        "recommendations_enabled": false,
        "url": format!("{}/", ctx.base_url),
        "version": "6.0",
    })
}
