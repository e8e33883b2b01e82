//! Structured data for search engines and aggregators: schema.org JSON-LD for articles
//! (`NewsArticle` and its Trust Project subtypes) and for the publication.

use crate::views::absolute;
use masthead_core::article::{Article, ArticleType, CorrectionKind, Visibility};
use masthead_core::media::Media;
use masthead_core::site::Settings;
use serde_json::{json, Value};

/// The schema.org types for a kind of journalism (Trust Project "Type of Work").
fn types(t: ArticleType) -> Value {
    match t {
        ArticleType::News => json!(["NewsArticle", "ReportageNewsArticle"]),
        ArticleType::Analysis => json!(["NewsArticle", "AnalysisNewsArticle"]),
        ArticleType::Opinion => json!(["NewsArticle", "OpinionNewsArticle"]),
        ArticleType::Review => json!(["NewsArticle", "ReviewNewsArticle"]),
        ArticleType::Sponsored => json!("AdvertiserContentArticle"),
        ArticleType::Blog => json!("BlogPosting"),
        ArticleType::Live => json!("LiveBlogPosting"),
    }
}

/// The publication as a `NewsMediaOrganization`: its logo (as Google asks of an
/// article's publisher) and the pages where it states its standards (the Trust
/// Project's indicators).
pub fn organization(settings: &Settings, base_url: &str) -> Value {
    let mut org = json!({
        "@type": "NewsMediaOrganization",
        "name": settings.title,
        "url": format!("{base_url}/"),
    });
    if !settings.logo.is_empty() {
        org["logo"] = json!({ "@type": "ImageObject", "url": absolute(base_url, &settings.logo) });
    }
    for (property, _, link) in settings.policies.each() {
        if !link.is_empty() {
            org[property] = json!(absolute(base_url, link));
        }
    }
    org
}

/// JSON-LD for an article page. `media` is the featured image's file. Gated articles
/// say so (`isAccessibleForFree`, and `hasPart` naming the `.paywall` box).
/// A sponsor, as the article's `sponsor` (schema.org CreativeWork).
pub fn sponsor(s: &masthead_core::sponsor::Sponsor) -> Value {
    let mut v = json!({ "@type": "Organization", "name": s.name });
    if !s.url.is_empty() {
        v["url"] = json!(s.url);
    }
    v
}

pub fn article(a: &Article, media: Option<&Media>, settings: &Settings, base_url: &str) -> Value {
    let url = format!("{base_url}{}", a.path());
    let person = |p: &masthead_core::article::Named<masthead_core::ids::PersonId>| json!({ "@type": "Person", "name": p.name, "url": format!("{base_url}/author/{}/", p.slug) });
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": types(a.article_type),
        "headline": a.title,
        "description": a.summary(),
        "url": url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "author": a.authors.iter().map(person).collect::<Vec<_>>(),
        "publisher": organization(settings, base_url),
        "inLanguage": settings.locale,
        "wordCount": a.word_count,
        "keywords": a.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "isAccessibleForFree": a.visibility == Visibility::Public,
        "dateModified": a.modified_at().to_rfc3339(),
    });
    if let Some(published) = a.published_at {
        v["datePublished"] = json!(published.to_rfc3339());
    }
    if !a.editors.is_empty() {
        v["editor"] = json!(a.editors.iter().map(person).collect::<Vec<_>>());
    }
    if let Some(section) = &a.section {
        v["articleSection"] = json!(section.name);
    }
    if let (Some(image), Some(m)) = (&a.featured_image, media) {
        v["image"] = json!([{
            "@type": "ImageObject",
            "url": format!("{base_url}{}", crate::views::media_src(m)),
            "width": m.width,
            "height": m.height,
            "caption": image.caption,
            "creditText": image.credit,
        }]);
    }
    if !a.sources.is_empty() {
        v["citation"] = json!(a
            .sources
            .iter()
            .map(|s| {
                let mut c = json!({ "@type": "CreativeWork", "name": s.name });
                if !s.url.is_empty() {
                    c["url"] = json!(s.url);
                }
                c
            })
            .collect::<Vec<_>>());
    }
    let corrections: Vec<Value> = a
        .corrections
        .iter()
        .filter(|c| c.kind == CorrectionKind::Correction)
        .map(|c| json!({ "@type": "CorrectionComment", "text": c.text, "datePublished": c.created_at.to_rfc3339() }))
        .collect();
    if !corrections.is_empty() {
        v["correction"] = json!(corrections);
    }
    if a.visibility != Visibility::Public {
        v["hasPart"] = json!({ "@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywall" });
    }
    v
}

/// JSON-LD for an author's page: a `ProfilePage` about the `Person`, with what they do,
/// the subjects they know and their profiles elsewhere (the Trust Project's "author
/// expertise").
pub fn profile_page(
    person: &masthead_core::people::Person,
    settings: &Settings,
    base_url: &str,
) -> Value {
    use masthead_core::people::Kind;
    let url = format!("{base_url}{}", person.path());
    // Staff work for the publication; a guest writes for it; a news agency is an
    // organization of its own; a desk byline is a part of the publication.
    let mut who = match person.kind {
        Kind::Staff => json!({
            "@type": "Person",
            "name": person.name,
            "url": url,
            "worksFor": organization(settings, base_url),
        }),
        Kind::Guest => json!({ "@type": "Person", "name": person.name, "url": url }),
        Kind::Wire => json!({ "@type": "Organization", "name": person.name, "url": url }),
        Kind::Desk => json!({
            "@type": "Organization",
            "name": person.name,
            "url": url,
            "parentOrganization": organization(settings, base_url),
        }),
    };
    if !person.job_title.is_empty() {
        who["jobTitle"] = json!(person.job_title);
    }
    if !person.bio.is_empty() {
        who["description"] = json!(person.bio);
    }
    if !person.expertise.is_empty() {
        who["knowsAbout"] = json!(person.expertise);
    }
    let same_as: Vec<&str> = person
        .social_links
        .iter()
        .map(|l| l.url.as_str())
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .collect();
    if !same_as.is_empty() {
        who["sameAs"] = json!(same_as);
    }
    json!({
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "mainEntity": who,
    })
}

/// JSON-LD for the home page: the publication and the site.
pub fn home(settings: &Settings, base_url: &str) -> Value {
    let mut org = organization(settings, base_url);
    org["@context"] = json!("https://schema.org");
    json!([
        org,
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": settings.title,
            "url": format!("{base_url}/"),
            "inLanguage": settings.locale,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": format!("{base_url}/search/?q={{search_term_string}}"),
                },
                "query-input": "required name=search_term_string",
            },
        }
    ])
}

/// What a live article adds to its JSON-LD (a `LiveBlogPosting`): when the coverage
/// started (its publication) and ended, and its entries as `liveBlogUpdate`s, each a
/// `BlogPosting` with a headline (its own, or its first words) and its text.
pub fn live_blog(
    v: &mut Value,
    a: &Article,
    entries: &[masthead_core::live::LiveEntry],
    ended: Option<chrono::DateTime<chrono::Utc>>,
    base_url: &str,
) {
    let url = format!("{base_url}{}", a.path());
    if let Some(start) = a.published_at {
        v["coverageStartTime"] = json!(start.to_rfc3339());
    }
    if let Some(end) = ended {
        v["coverageEndTime"] = json!(end.to_rfc3339());
    }
    if let Some(latest) = entries.iter().map(|e| e.changed_at()).max() {
        if latest > a.modified_at() {
            v["dateModified"] = json!(latest.to_rfc3339());
        }
    }
    v["liveBlogUpdate"] = json!(entries
        .iter()
        .map(|e| {
            let text = e.body.plain_text();
            let headline = if e.headline.is_empty() {
                crate::body::excerpt(&text, 110)
            } else {
                e.headline.clone()
            };
            let mut update = json!({
                "@type": "BlogPosting",
                "headline": headline,
                "articleBody": text,
                "datePublished": e.posted_at.to_rfc3339(),
                "dateModified": e.changed_at().to_rfc3339(),
                "url": format!("{url}#entry-{}", e.id),
            });
            if !e.author_name.is_empty() {
                update["author"] = json!({ "@type": "Person", "name": e.author_name });
            }
            update
        })
        .collect::<Vec<_>>());
}

/// Serializes JSON-LD for a `<script>` element: `<` is escaped so that no text in the
/// data (a headline with `</script>`) can end the element early.
pub fn to_script(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn script_text_cannot_close_the_element() {
        let s = to_script(&json!({"headline": "</script><script>alert(1)</script>"}));
        assert!(!s.contains("</script>"));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["headline"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn types_follow_the_trust_project() {
        assert_eq!(
            types(ArticleType::Opinion),
            json!(["NewsArticle", "OpinionNewsArticle"])
        );
        assert_eq!(
            types(ArticleType::Sponsored),
            json!("AdvertiserContentArticle")
        );
    }
}
