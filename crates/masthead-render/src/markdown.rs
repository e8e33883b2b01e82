//! Article bodies: CommonMark with tables and footnotes, rendered to HTML and then
//! sanitized, so that nothing a writer pastes can run script on a reader's page.

use masthead_core::article::RenderedBody;
use masthead_core::newsroom::BodyRenderer;
use pulldown_cmark::{Event, Options, Parser, TagEnd};

/// What every id inside an article body starts with (see `MarkdownRenderer`).
pub const BODY_ID_PREFIX: &str = "body-";

/// Length of a generated excerpt, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// The renderer used everywhere; cheap to clone, holds the sanitizer's rules.
pub struct MarkdownRenderer {
    sanitizer: ammonia::Builder<'static>,
}

impl Default for MarkdownRenderer {
    fn default() -> Self {
        let mut sanitizer = ammonia::Builder::default();
        // Footnotes link within the page by id; tables keep their alignment.
        sanitizer
            .add_generic_attributes(["id"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .add_tags(["sup", "section", "figure", "figcaption"])
            .add_tag_attributes("li", ["id"])
            .add_allowed_classes("div", ["footnote-definition"])
            .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
            .filter_style_properties(["text-align"].into())
            .link_rel(Some("noopener noreferrer"))
            .url_relative(ammonia::UrlRelative::PassThrough);
        // `id` is allowed generically above, so ammonia must not also own it; instead
        // every id a body sets gets the `body-` prefix, and so do links within the
        // page, so a body can never take an id the page around it uses (the skip
        // link's target, the editor's own fields in its preview pane).
        sanitizer.id_prefix(None);
        sanitizer.attribute_filter(|_element, attribute, value| match attribute {
            "id" => Some(format!("{BODY_ID_PREFIX}{value}").into()),
            "href" if value.starts_with('#') && value.len() > 1 => {
                Some(format!("#{BODY_ID_PREFIX}{}", &value[1..]).into())
            }
            _ => Some(value.into()),
        });
        Self { sanitizer }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

impl MarkdownRenderer {
    /// Markdown to safe HTML.
    pub fn to_html(&self, markdown: &str) -> String {
        let mut html = String::with_capacity(markdown.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
        self.sanitizer.clean(&html).to_string()
    }

    /// Plain text of the body's paragraphs, for excerpts and word counts.
    pub fn plain_text(markdown: &str) -> String {
        let mut text = String::with_capacity(markdown.len());
        let mut in_footnote = false;
        // Inside raw `<script>` or `<style>`: text the sanitizer drops, so no reader sees.
        let mut in_hidden = false;
        for event in Parser::new_ext(markdown, options()) {
            match event {
                Event::Start(pulldown_cmark::Tag::FootnoteDefinition(_)) => in_footnote = true,
                Event::End(TagEnd::FootnoteDefinition) => in_footnote = false,
                Event::InlineHtml(tag) | Event::Html(tag) => {
                    let tag = tag.to_ascii_lowercase();
                    if tag.starts_with("<script") || tag.starts_with("<style") {
                        in_hidden = !(tag.contains("</script") || tag.contains("</style"));
                    } else if tag.starts_with("</script") || tag.starts_with("</style") {
                        in_hidden = false;
                    }
                }
                Event::Text(t) | Event::Code(t) if !in_footnote && !in_hidden => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak if !in_footnote => text.push(' '),
                Event::End(
                    TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
                ) if !in_footnote => text.push(' '),
                _ => {}
            }
        }
        text
    }
}

/// The first `max` characters of `text`, cut at a word boundary, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

impl BodyRenderer for MarkdownRenderer {
    fn render(&self, markdown: &str, custom_excerpt: &str) -> RenderedBody {
        let text = Self::plain_text(markdown);
        let word_count = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
        let excerpt = if custom_excerpt.trim().is_empty() {
            excerpt(&text, EXCERPT_CHARS)
        } else {
            custom_excerpt.trim().to_owned()
        };
        RenderedBody {
            html: self.to_html(markdown),
            excerpt,
            word_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_commonmark_tables_and_footnotes() {
        let r = MarkdownRenderer::default();
        let html = r.to_html(
            "# Title\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\nClaim.[^1]\n\n[^1]: The source.\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("text-align"), "{html}");
        assert!(html.contains("footnote-reference"), "{html}");
        assert!(html.contains("The source."), "{html}");
    }

    /// A body cannot take the page's ids (DOM clobbering of the editor's fields or
    /// the reader page's skip-link target); footnotes and in-body links still meet.
    #[test]
    fn body_ids_and_in_page_links_are_namespaced() {
        let r = MarkdownRenderer::default();
        let html = r.to_html(
            "<p id=\"main\">x</p>\n\n<textarea id=\"f-body_markdown\"></textarea>\n\n\
             <h2 id=\"budget\">Budget</h2>\n\n[See](#budget), [site](/about/), [out](https://x.example/#top)\n\n\
             Claim.[^1]\n\n[^1]: The source.\n",
        );
        assert!(html.contains(r#"id="body-main""#), "{html}");
        assert!(!html.contains(r#"id="main""#), "{html}");
        assert!(!html.contains(r#"id="f-body_markdown""#), "{html}");
        assert!(html.contains(r##"<h2 id="body-budget">"##), "{html}");
        assert!(html.contains(r##"href="#body-budget""##), "{html}");
        assert!(html.contains(r#"href="/about/""#), "{html}");
        assert!(
            html.contains(r##"href="https://x.example/#top""##),
            "{html}"
        );
        // Footnote reference and definition still point at each other.
        let reference = html.split(r##"<a href="#"##).nth(1).unwrap_or_default();
        let target: String = reference.chars().take_while(|c| *c != '"').collect();
        assert!(target.starts_with("body-"), "{html}");
        assert!(html.contains(&format!(r#"id="{target}""#)), "{html}");
    }

    #[test]
    fn strips_scripts_and_dangerous_urls() {
        let r = MarkdownRenderer::default();
        let html = r.to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n<iframe src=\"https://evil\"></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn external_links_get_noopener() {
        let html = MarkdownRenderer::default().to_html("[gov](https://example.gov)");
        assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
    }

    #[test]
    fn render_counts_words_and_excerpts() {
        let r = MarkdownRenderer::default();
        let body = r.render(
            "Hello *brave* new world.\n\nSecond para.[^n]\n\n[^n]: not counted",
            "",
        );
        assert_eq!(body.word_count, 6);
        assert_eq!(body.excerpt, "Hello brave new world. Second para.");
        // What the sanitizer removes is not counted, nor excerpted.
        let scripted = r.render(
            "One *two* three <script>x y</script>\n\n<style>p{}</style>",
            "",
        );
        assert_eq!(
            (scripted.word_count, scripted.excerpt.as_str()),
            (3, "One two three")
        );
        let custom = r.render("Body", " Custom words ");
        assert_eq!(custom.excerpt, "Custom words");
    }

    #[test]
    fn excerpt_cuts_at_words() {
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("short", 50), "short");
    }
}
