//! Sitemaps for search engines (sitemaps.org protocol 0.9): an index, its children, and
//! a Google News sitemap of the last 48 hours; and `robots.txt`, which points to them.

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::escape::escape;
use std::fmt::Write;

/// URLs per child sitemap; the protocol allows 50,000, fewer keeps each page light.
pub const URLS_PER_SITEMAP: u32 = 10_000;
/// How far back the news sitemap reaches, and how many articles it may list.
pub const NEWS_WINDOW_HOURS: i64 = 48;
pub const NEWS_MAX_URLS: u32 = 1000;

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One page in a `<urlset>`.
pub struct UrlEntry {
    /// Absolute URL.
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// One article in the news sitemap.
pub struct NewsEntry {
    pub loc: String,
    pub title: String,
    pub published: DateTime<Utc>,
}

/// `<sitemapindex>` listing child sitemaps by absolute URL.
pub fn index(children: &[String]) -> String {
    let mut out = format!("{HEADER}\n<sitemapindex xmlns=\"{NS}\">\n");
    for loc in children {
        let _ = writeln!(
            out,
            "  <sitemap><loc>{}</loc></sitemap>",
            escape(loc.as_str())
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// `<urlset>` of pages.
pub fn urlset(entries: &[UrlEntry]) -> String {
    let mut out = format!("{HEADER}\n<urlset xmlns=\"{NS}\">\n");
    for e in entries {
        let _ = write!(out, "  <url><loc>{}</loc>", escape(e.loc.as_str()));
        if let Some(t) = e.lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", w3c(t));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// Google News sitemap: `publication` is the publication's name, `language` its ISO 639
/// language code.
pub fn news(publication: &str, language: &str, entries: &[NewsEntry]) -> String {
    let mut out = format!(
        "{HEADER}\n<urlset xmlns=\"{NS}\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n"
    );
    for e in entries {
        let _ = writeln!(
            out,
            "  <url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name>\
             <news:language>{}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>",
            escape(e.loc.as_str()),
            escape(publication),
            escape(language),
            w3c(e.published),
            escape(e.title.as_str()),
        );
    }
    out.push_str("</urlset>\n");
    out
}

/// Google News wants the ISO 639 language ("en"), not the full locale ("en-GB"),
/// except for Chinese, where the script matters.
pub fn news_language(locale: &str) -> String {
    let lower = locale.to_lowercase();
    if lower.starts_with("zh-tw") || lower.starts_with("zh-hant") {
        "zh-tw".into()
    } else if lower.starts_with("zh") {
        "zh-cn".into()
    } else {
        lower.split(['-', '_']).next().unwrap_or("en").to_owned()
    }
}

/// `robots.txt`: everything public may be crawled; staff and API paths may not.
pub fn robots(base_url: &str) -> String {
    format!(
        "User-agent: *\nDisallow: /newsroom/\nDisallow: /api/\nDisallow: /ghost/\n\nSitemap: {base_url}/sitemap.xml\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn urlset_escapes_and_dates() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let xml = urlset(&[UrlEntry {
            loc: "https://n.example/a/?x=1&y=2".into(),
            lastmod: Some(at),
        }]);
        assert!(xml.contains("<loc>https://n.example/a/?x=1&amp;y=2</loc><lastmod>2026-03-02T09:00:00Z</lastmod>"), "{xml}");
    }

    #[test]
    fn news_sitemap_names_the_publication() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let xml = news(
            "The Lantern",
            "en",
            &[NewsEntry {
                loc: "https://n.example/a/".into(),
                title: "Rates & <bills>".into(),
                published: at,
            }],
        );
        assert!(
            xml.contains("<news:name>The Lantern</news:name><news:language>en</news:language>"),
            "{xml}"
        );
        assert!(
            xml.contains("<news:title>Rates &amp; &lt;bills&gt;</news:title>"),
            "{xml}"
        );
    }

    #[test]
    fn news_language_codes() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("pt_BR"), "pt");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
        assert_eq!(news_language("zh-CN"), "zh-cn");
    }

    #[test]
    fn robots_names_the_sitemap() {
        assert!(robots("https://n.example").contains("\nSitemap: https://n.example/sitemap.xml\n"));
    }
}
