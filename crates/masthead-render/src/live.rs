//! Live coverage as readers get it: entries for the article page (`LiveView`, drawn by
//! the theme's `live_entries.html`, which the polling script also asks for alone), for
//! feeds (`feed_html`), and for search engines (`structured::live_blog`).

use crate::escape_text;
use crate::views::TimeView;
use chrono_tz::Tz;
use masthead_core::live::LiveEntry;
use serde::Serialize;

/// A live article's coverage on its page.
#[derive(Debug, Clone, Serialize)]
pub struct LiveView {
    /// When the coverage ended; until then the page asks for new entries.
    pub ended: Option<TimeView>,
    /// Where the page's script asks for the entries (while the coverage goes on).
    pub poll: Option<String>,
    /// Pinned first, then newest first.
    pub entries: Vec<LiveEntryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveEntryView {
    pub id: i64,
    pub headline: String,
    pub body_html: String,
    pub author_name: String,
    pub pinned: bool,
    pub posted: TimeView,
    pub updated: Option<TimeView>,
}

impl LiveView {
    pub fn new(
        entries: &[LiveEntry],
        ended: Option<chrono::DateTime<chrono::Utc>>,
        poll: Option<String>,
        zone: Tz,
    ) -> Self {
        Self {
            ended: ended.map(|t| TimeView::new(t, zone)),
            poll: if ended.is_some() { None } else { poll },
            entries: entries
                .iter()
                .map(|e| LiveEntryView {
                    id: e.id.0,
                    headline: e.headline.clone(),
                    body_html: e.body_html.clone(),
                    author_name: e.author_name.clone(),
                    pinned: e.pinned,
                    posted: TimeView::new(e.posted_at, zone),
                    updated: e.updated_at.map(|t| TimeView::new(t, zone)),
                })
                .collect(),
        }
    }
}

/// The entries as a feed item's HTML, after the article's own: each with its time,
/// headline and body (feed readers run no script and keep no theme).
pub fn feed_html(entries: &[LiveEntry]) -> String {
    let mut html = String::from("<h2>Live updates</h2>");
    for e in entries {
        html.push_str("<article><p><time datetime=\"");
        html.push_str(&e.posted_at.to_rfc3339());
        html.push_str("\">");
        html.push_str(&e.posted_at.format("%Y-%m-%d %H:%M UTC").to_string());
        html.push_str("</time>");
        if e.pinned {
            html.push_str(" · Pinned");
        }
        if e.updated_at.is_some() {
            html.push_str(" · Updated");
        }
        html.push_str("</p>");
        if !e.headline.is_empty() {
            html.push_str("<h3>");
            html.push_str(&escape_text(&e.headline));
            html.push_str("</h3>");
        }
        html.push_str(&e.body_html);
        html.push_str("</article>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use masthead_core::document::Document;
    use masthead_core::ids::{ArticleId, LiveEntryId};

    #[test]
    fn feed_html_escapes_headlines_and_keeps_bodies() {
        let entry = LiveEntry {
            id: LiveEntryId(1),
            article: ArticleId(1),
            headline: "Ferries <stop>".into(),
            body: Document::default(),
            body_html: "<p>Boats <em>wait</em>.</p>".into(),
            author: None,
            author_name: "Amy".into(),
            pinned: true,
            posted_at: chrono::Utc.with_ymd_and_hms(2026, 12, 5, 6, 0, 0).unwrap(),
            updated_at: None,
        };
        let html = feed_html(&[entry]);
        assert!(html.contains("<h3>Ferries &lt;stop&gt;</h3>"), "{html}");
        assert!(html.contains("<p>Boats <em>wait</em>.</p>"));
        assert!(html.contains("2026-12-05 06:00 UTC</time> · Pinned"));
    }
}
