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

/// A letter's two parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterParts {
    pub text: String,
    pub html: String,
}

impl Theme {
    /// Dresses `view` as plain text and as HTML.
    pub fn render_letter(&self, view: &LetterView) -> Result<LetterParts, ThemeError> {
        Ok(LetterParts {
            text: self.render("letter.txt", view)?,
            html: self.render("letter.html", view)?,
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
