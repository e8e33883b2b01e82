//! Syndication feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, all from one `FeedView`.
//! Public articles carry their full text; members-only and paid ones only their
//! excerpt, so a feed never leaks what a page would gate.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A feed: a list of articles (the whole site, a section, a tag or an author).
#[derive(Debug, Clone)]
pub struct FeedView {
    pub title: String,
    pub description: String,
    /// BCP 47 language tag of the publication.
    pub language: String,
    /// Absolute URL of the HTML page the feed follows.
    pub home_url: String,
    /// Absolute URL of this feed, as served (in the format being rendered).
    pub feed_url: String,
    /// Newest change of any item, or of the publication when the feed is empty.
    pub updated: DateTime<Utc>,
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Absolute URL of the article; also its stable id.
    pub url: String,
    pub title: String,
    pub summary: String,
    /// Full body, or `None` when the article is gated.
    pub content_html: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub authors: Vec<FeedAuthor>,
    pub tags: Vec<String>,
    /// Absolute URL of the featured image.
    pub image: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FeedAuthor {
    pub name: String,
    pub url: String,
}

impl FeedView {
    /// RSS 2.0 with `content:encoded`, Dublin Core creators and an Atom self link.
    pub fn rss(&self) -> String {
        let mut namespaces = BTreeMap::new();
        namespaces.insert(
            "content".to_owned(),
            "http://purl.org/rss/1.0/modules/content/".to_owned(),
        );
        namespaces.insert(
            "dc".to_owned(),
            rss::extension::dublincore::NAMESPACE.to_owned(),
        );
        namespaces.insert(
            "atom".to_owned(),
            rss::extension::atom::NAMESPACE.to_owned(),
        );
        let items = self
            .items
            .iter()
            .map(|i| rss::Item {
                title: Some(i.title.clone()),
                link: Some(i.url.clone()),
                // Feed readers take an RSS description as HTML: the summary is
                // text, so it goes in escaped (a standfirst's `<img onerror>` stays
                // words, never markup).
                description: Some(crate::escape_text(&i.summary)),
                content: i.content_html.clone(),
                guid: Some(rss::Guid {
                    value: i.url.clone(),
                    permalink: true,
                }),
                pub_date: Some(i.published.to_rfc2822()),
                categories: i
                    .tags
                    .iter()
                    .map(|t| rss::Category {
                        name: t.clone(),
                        domain: None,
                    })
                    .collect(),
                dublin_core_ext: (!i.authors.is_empty()).then(|| {
                    rss::extension::dublincore::DublinCoreExtension {
                        creators: i.authors.iter().map(|a| a.name.clone()).collect(),
                        ..Default::default()
                    }
                }),
                ..Default::default()
            })
            .collect();
        let channel = rss::Channel {
            title: self.title.clone(),
            link: self.home_url.clone(),
            description: crate::escape_text(&self.description),
            language: Some(self.language.clone()),
            last_build_date: Some(self.updated.to_rfc2822()),
            generator: Some("Masthead".to_owned()),
            atom_ext: Some(rss::extension::atom::AtomExtension {
                links: vec![atom_syndication::Link {
                    href: self.feed_url.clone(),
                    rel: "self".to_owned(),
                    mime_type: Some("application/rss+xml".to_owned()),
                    ..Default::default()
                }],
            }),
            namespaces,
            items,
            ..Default::default()
        };
        channel.to_string()
    }

    /// Atom 1.0.
    pub fn atom(&self) -> String {
        let link = |href: &str, rel: &str, mime: &str| atom_syndication::Link {
            href: href.to_owned(),
            rel: rel.to_owned(),
            mime_type: Some(mime.to_owned()),
            ..Default::default()
        };
        let entries = self
            .items
            .iter()
            .map(|i| atom_syndication::Entry {
                title: atom_syndication::Text::plain(i.title.clone()),
                id: i.url.clone(),
                updated: i.updated.fixed_offset(),
                published: Some(i.published.fixed_offset()),
                authors: i
                    .authors
                    .iter()
                    .map(|a| atom_syndication::Person {
                        name: a.name.clone(),
                        uri: Some(a.url.clone()),
                        ..Default::default()
                    })
                    .collect(),
                links: vec![link(&i.url, "alternate", "text/html")],
                summary: Some(atom_syndication::Text::plain(i.summary.clone())),
                content: i
                    .content_html
                    .as_ref()
                    .map(|html| atom_syndication::Content {
                        value: Some(html.clone()),
                        content_type: Some("html".to_owned()),
                        ..Default::default()
                    }),
                categories: i
                    .tags
                    .iter()
                    .map(|t| atom_syndication::Category {
                        term: t.clone(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
        let feed = atom_syndication::Feed {
            title: atom_syndication::Text::plain(self.title.clone()),
            subtitle: (!self.description.is_empty())
                .then(|| atom_syndication::Text::plain(self.description.clone())),
            id: self.feed_url.clone(),
            updated: self.updated.fixed_offset(),
            links: vec![
                link(&self.feed_url, "self", "application/atom+xml"),
                link(&self.home_url, "alternate", "text/html"),
            ],
            generator: Some(atom_syndication::Generator {
                value: "Masthead".to_owned(),
                ..Default::default()
            }),
            lang: Some(self.language.clone()),
            entries,
            ..Default::default()
        };
        feed.to_string()
    }

    /// JSON Feed 1.1.
    pub fn json(&self) -> String {
        let feed = JsonFeed {
            version: "https://jsonfeed.org/version/1.1",
            title: &self.title,
            home_page_url: &self.home_url,
            feed_url: &self.feed_url,
            description: &self.description,
            language: &self.language,
            items: self
                .items
                .iter()
                .map(|i| JsonItem {
                    id: &i.url,
                    url: &i.url,
                    title: &i.title,
                    summary: &i.summary,
                    content_html: i.content_html.as_deref(),
                    content_text: i.content_html.is_none().then_some(i.summary.as_str()),
                    image: i.image.as_deref(),
                    date_published: i.published.to_rfc3339(),
                    date_modified: i.updated.to_rfc3339(),
                    authors: i
                        .authors
                        .iter()
                        .map(|a| JsonAuthor {
                            name: &a.name,
                            url: &a.url,
                        })
                        .collect(),
                    tags: &i.tags,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&feed).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'a str,
    items: Vec<JsonItem<'a>>,
}

/// An item has `content_html` when public, else `content_text` with the excerpt: the
/// format requires one of the two.
#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor<'a>>,
    tags: &'a [String],
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
    url: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rss_descriptions_are_text_not_markup() {
        let mut v = view();
        v.description = "News <b>bold</b>".into();
        v.items[0].summary = "Rates rise <img src=x onerror=alert(1)> & more".into();
        let rss = v.rss();
        assert!(!rss.contains("<img"), "{rss}");
        assert!(!rss.contains("<b>bold"), "{rss}");
        let feed = parse(&rss);
        let summary = feed.entries[0].summary.as_ref().unwrap().content.clone();
        assert!(
            summary.contains("&lt;img src=x onerror=alert(1)&gt; &amp; more"),
            "readers see the words: {summary}"
        );
    }

    fn view() -> FeedView {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let item = |n: u32, gated: bool| FeedItem {
            url: format!("https://news.example/world/story-{n}/"),
            title: format!("Story {n} & <more>"),
            summary: format!("Summary {n}"),
            content_html: (!gated).then(|| format!("<p>Body {n} <em>in full</em></p>")),
            published: at,
            updated: at,
            authors: vec![FeedAuthor {
                name: "Ada Author".into(),
                url: "https://news.example/author/ada/".into(),
            }],
            tags: vec!["Europe".into()],
            image: Some("https://news.example/media/a.png".into()),
        };
        FeedView {
            title: "The Lantern".into(),
            description: "News".into(),
            language: "en-GB".into(),
            home_url: "https://news.example/".into(),
            feed_url: "https://news.example/feed.xml".into(),
            updated: at,
            items: vec![item(1, false), item(2, true)],
        }
    }

    fn parse(body: &str) -> feed_rs::model::Feed {
        feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{body}"))
    }

    #[test]
    fn all_three_formats_parse_with_full_text_only_for_public_items() {
        let v = view();
        for (format, body) in [("rss", v.rss()), ("atom", v.atom()), ("json", v.json())] {
            let feed = parse(&body);
            assert_eq!(feed.title.unwrap().content, "The Lantern", "{format}");
            assert_eq!(feed.entries.len(), 2, "{format}");
            let first = &feed.entries[0];
            assert_eq!(
                first.title.as_ref().unwrap().content,
                "Story 1 & <more>",
                "{format}"
            );
            assert_eq!(
                first.links[0].href, "https://news.example/world/story-1/",
                "{format}"
            );
            assert_eq!(
                first.authors[0].name.as_deref(),
                Some("Ada Author"),
                "{format}"
            );
            assert!(first.published.is_some(), "{format}");
            let body_of = |e: &feed_rs::model::Entry| {
                e.content
                    .as_ref()
                    .and_then(|c| c.body.clone())
                    .unwrap_or_default()
            };
            assert!(
                body_of(first).contains("in full"),
                "{format}: public items carry the body"
            );
            assert!(
                !body_of(&feed.entries[1]).contains("in full"),
                "{format}: gated items do not"
            );
            assert!(
                !body.contains("Body 2"),
                "{format}: the gated body appears nowhere"
            );
        }
    }

    #[test]
    fn rss_declares_its_self_link_and_namespaces() {
        let rss = view().rss();
        assert!(rss.contains(r#"<atom:link href="https://news.example/feed.xml" rel="self" type="application/rss+xml"/>"#), "{rss}");
        assert!(rss.contains("<content:encoded>"), "{rss}");
        assert!(rss.contains("<dc:creator>Ada Author</dc:creator>"), "{rss}");
    }

    #[test]
    fn json_feed_is_version_1_1() {
        let json: serde_json::Value = serde_json::from_str(&view().json()).unwrap();
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(json["items"][1]["content_text"], "Summary 2");
        assert!(json["items"][1].get("content_html").is_none());
    }
}
