//! Letters: what an email says, dressed twice by the theme, as plain text
//! (`letter.txt`, never escaped: it is not read as markup) and as HTML (`letter.html`,
//! escaped like every page). Both parts come from one view, so they always say the
//! same thing.

use crate::theme::{Theme, ThemeError};
use serde::Serialize;

/// The one thing a letter asks its reader to do: a button in HTML, a line in text.
#[derive(Debug, Clone, Serialize)]
pub struct LetterAction {
    pub label: String,
    /// An absolute URL.
    pub url: String,
}

/// What a letter says, before it is dressed.
#[derive(Debug, Clone, Serialize)]
pub struct LetterView {
    /// The publication's title, and its address, signed at the foot.
    pub site: String,
    pub site_url: String,
    /// "Hello Ana," (empty for none).
    pub greeting: String,
    /// Paragraphs before the action.
    pub before: Vec<String>,
    pub action: Option<LetterAction>,
    /// Paragraphs after it (why the reader got the letter, what to do if it was not
    /// them).
    pub after: Vec<String>,
}

pub use masthead_core::newsletter::LetterParts;

/// One issue of a newsletter: an article as a letter (`newsletter.html` and
/// `newsletter.txt`). Every address in it is absolute.
#[derive(Debug, Clone, Serialize)]
pub struct IssueView {
    pub site: String,
    pub site_url: String,
    /// The newsletter's name.
    pub newsletter: String,
    /// The article's type, as readers see it ("Analysis").
    pub label: String,
    pub title: String,
    pub dek: String,
    pub url: String,
    pub byline: String,
    pub dateline: String,
    pub image: Option<IssueImage>,
    /// The sanitised body (whole, or what is above its preview cut), with absolute
    /// links; the text part is made from it.
    pub body_html: String,
    /// Whether the body is whole; when not, the rest is for `rest_for` ("paying
    /// subscribers"), and `invitation` says how to become one.
    pub whole: bool,
    pub rest_for: String,
    pub invitation: Option<LetterAction>,
    pub sponsor: Option<crate::views::SponsorView>,
    /// Where one click unsubscribes the recipient: `UNSUBSCRIBE_MARK`, replaced in each
    /// copy.
    pub unsubscribe_url: String,
    pub preferences_url: String,
}

/// The article's picture in a letter.
#[derive(Debug, Clone, Serialize)]
pub struct IssueImage {
    pub src: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

/// Plain text of body HTML for a letter's text part: paragraphs and lists kept, links
/// written out, wrapped at 72 columns.
pub fn html_to_text(html: &str) -> String {
    html2text::config::plain()
        .string_from_read(html.as_bytes(), 72)
        .unwrap_or_else(|_| html.to_owned())
}

/// Plain text of body HTML in paragraphs, unwrapped (the APIs' `plaintext`).
pub fn html_to_plain(html: &str) -> String {
    html2text::config::plain()
        .string_from_read(html.as_bytes(), 100_000)
        .map(|t| t.trim().to_owned())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct IssueText<'a> {
    #[serde(flatten)]
    view: &'a IssueView,
    body_text: String,
}

impl Theme {
    /// Dresses `view` as plain text and as HTML.
    pub fn render_letter(&self, view: &LetterView) -> Result<LetterParts, ThemeError> {
        Ok(LetterParts {
            text: self.render("letter.txt", view)?,
            html: self.render("letter.html", view)?,
        })
    }

    /// Dresses an issue of a newsletter as plain text and as HTML.
    pub fn render_issue(&self, view: &IssueView) -> Result<LetterParts, ThemeError> {
        let text = IssueText {
            view,
            body_text: html_to_text(&view.body_html),
        };
        Ok(LetterParts {
            text: self.render("newsletter.txt", &text)?,
            html: self.render("newsletter.html", view)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn view() -> LetterView {
        LetterView {
            site: "The Harbor <Times>".into(),
            site_url: "https://news.example".into(),
            greeting: "Hello <b>Ana</b> & co,".into(),
            before: vec!["First paragraph.".into(), "Second \"one\".".into()],
            action: Some(LetterAction {
                label: "Sign in".into(),
                url: "https://news.example/signin/link/abc?x=1&y=2".into(),
            }),
            after: vec!["If it was not you, ignore this email.".into()],
        }
    }

    #[test]
    fn both_parts_say_the_same_and_only_html_is_escaped() {
        let parts = Theme::new(None).render_letter(&view()).unwrap();
        let text = &parts.text;
        assert!(
            text.starts_with("Hello <b>Ana</b> & co,\n\nFirst paragraph.\n\nSecond \"one\".\n\n"),
            "{text}"
        );
        assert!(
            text.contains("Sign in:\nhttps://news.example/signin/link/abc?x=1&y=2\n"),
            "{text}"
        );
        assert!(text.contains("If it was not you, ignore this email."));
        assert!(
            text.trim_end()
                .ends_with("The Harbor <Times>\nhttps://news.example"),
            "{text}"
        );
        assert!(!text.contains("&amp;") && !text.contains("&lt;"));

        let html = &parts.html;
        assert!(
            html.contains("Hello &lt;b&gt;Ana&lt;/b&gt; &amp; co,"),
            "{html}"
        );
        assert!(!html.contains("<b>Ana"));
        assert!(html.contains("href=\"https://news.example/signin/link/abc?x=1&amp;y=2\""));
        assert!(html.contains("Second &quot;one&quot;."));
        assert!(html.contains("The Harbor &lt;Times&gt;"));
        // The link is also written out, for mail programs that hide buttons.
        assert!(html.matches("https://news.example/signin/link/abc").count() >= 2);
    }

    fn issue() -> IssueView {
        IssueView {
            site: "The Harbor <Times>".into(),
            site_url: "https://news.example".into(),
            newsletter: "Morning Briefing".into(),
            label: "Analysis".into(),
            title: "Tides & fees".into(),
            dek: "What the port pays.".into(),
            url: "https://news.example/world/tides/".into(),
            byline: "Ada Author".into(),
            dateline: "4 December 2026".into(),
            image: Some(IssueImage {
                src: "https://news.example/media/a.jpg".into(),
                alt: "The port".into(),
                caption: "Cranes at dawn".into(),
                credit: "Photo: Lee".into(),
            }),
            body_html:
                "<p>First <a href=\"https://news.example/x/\">link</a>.</p><ul><li>one</li></ul>"
                    .into(),
            whole: true,
            rest_for: "paying subscribers".into(),
            invitation: Some(LetterAction {
                label: "Subscribe".into(),
                url: "https://news.example/support/".into(),
            }),
            sponsor: None,
            unsubscribe_url: masthead_core::newsletter::UNSUBSCRIBE_MARK.into(),
            preferences_url: "https://news.example/account".into(),
        }
    }

    #[test]
    fn an_issue_reads_the_same_in_text_and_html() {
        let parts = Theme::new(None).render_issue(&issue()).unwrap();
        let (text, html) = (&parts.text, &parts.html);
        for t in [
            "Tides & fees",
            "What the port pays.",
            "Ada Author · 4 December 2026",
        ] {
            assert!(text.contains(t), "{t} in {text}");
        }
        // Links are written out as footnotes; lists keep their bullets.
        assert!(text.contains("First [link][1].\n* one\n"), "{text}");
        assert!(text.contains("[1]: https://news.example/x/"), "{text}");
        assert!(!text.contains("<p>"), "no markup in the text part: {text}");
        assert!(text.contains(&format!(
            "Unsubscribe in one click: {}",
            masthead_core::newsletter::UNSUBSCRIBE_MARK
        )));
        assert!(html.contains("Tides &amp; fees"));
        assert!(
            html.contains("<a href=\"https://news.example/x/\">link</a>"),
            "the body is markup"
        );
        assert!(html.contains("The Harbor &lt;Times&gt;"));
        assert!(html.contains("alt=\"The port\""));
        assert!(!html.contains("The rest of this story"), "{html}");

        let mut cut = issue();
        cut.whole = false;
        let parts = Theme::new(None).render_issue(&cut).unwrap();
        assert!(parts.text.contains("The rest of this story is for paying subscribers.\nSubscribe: https://news.example/support/"), "{}", parts.text);
        assert!(parts
            .html
            .contains("The rest of this story is for paying subscribers."));
    }

    #[test]
    fn a_letter_without_greeting_or_action_has_neither() {
        let mut v = view();
        v.greeting.clear();
        v.action = None;
        let parts = Theme::new(None).render_letter(&v).unwrap();
        assert!(parts.text.starts_with("First paragraph."), "{}", parts.text);
        assert!(!parts.text.contains("Sign in"));
        assert!(!parts.html.contains("Sign in"));
    }
}
