//! Article bodies: CommonMark with tables and footnotes, rendered to HTML and then
//! sanitized, so that nothing a writer pastes can run script on a reader's page.
//!
//! Rendering is bounded, so that no body a contributor writes can stall the server:
//! it runs on blocking threads, a few at a time (`RENDER_SLOTS`), never on the threads
//! that answer readers; a body that nests deeper than `MAX_NESTING` (the sanitizer's
//! HTML parser takes time that grows with the square of the depth) is refused; and a
//! render that takes longer than `RENDER_TIME` is given up on.

use masthead_core::article::RenderedBody;
use masthead_core::newsroom::BodyRenderer;
use masthead_core::{Error, Result};
use pulldown_cmark::{Event, Options, Parser, TagEnd};
use std::sync::Arc;
use std::time::Duration;

/// The deepest elements may nest in a body (quotes in quotes, lists in lists, HTML).
pub const MAX_NESTING: usize = 100;

/// The longest a render may take before the writer is told so.
pub const RENDER_TIME: Duration = Duration::from_secs(10);

/// Elements HTML closes by itself (`<p>`, `<li>`, ...): they do not deepen nesting.
const SELF_CLOSING: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup",
    "colgroup", "caption", "rp", "rt", "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
];

/// What every id inside an article body starts with (see `MarkdownRenderer`).
pub const BODY_ID_PREFIX: &str = "body-";

/// The lines a writer puts in the Markdown where the preview of a members-only or
/// paid article ends: WordPress's "more" tag and Ghost's members-only marker, so
/// imported articles keep theirs.
pub const CUT_MARKERS: [&str; 2] = ["<!--more-->", "<!--members-only-->"];
/// What a cut becomes in the stored HTML (the sanitizer keeps this one class on `hr`).
pub use masthead_core::article::{teaser_html, without_cuts, PREVIEW_CUT_HTML as CUT_HTML};

/// Whether `line` of Markdown is a preview cut.
fn is_cut(line: &str) -> bool {
    let line = line.trim();
    CUT_MARKERS.iter().any(|m| line.eq_ignore_ascii_case(m))
}

/// The Markdown above the first preview cut, if the writer placed one.
pub fn before_cut(markdown: &str) -> Option<&str> {
    let mut at = 0;
    for line in markdown.split_inclusive('\n') {
        if is_cut(line) {
            return Some(&markdown[..at]);
        }
        at += line.len();
    }
    None
}

/// Length of a generated excerpt, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// The renderer used everywhere; cheap to clone, holds the sanitizer's rules.
#[derive(Clone)]
pub struct MarkdownRenderer {
    sanitizer: Arc<ammonia::Builder<'static>>,
    /// Renders running at once (one per core).
    slots: Arc<tokio::sync::Semaphore>,
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
            // A picture's credit in its caption, styled as the featured picture's is.
            .add_allowed_classes("span", ["credit"])
            // Where the preview of a gated article ends (see `CUT_MARKERS`).
            .add_allowed_classes("hr", ["preview-cut"])
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
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            sanitizer: Arc::new(sanitizer),
            slots: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }
}

/// How deep elements nest in `html`, by its tags (elements HTML closes by itself not
/// counted).
pub fn nesting_depth(html: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        // A tag's name starts with a letter; anything else is text (`a < b`, `<3`).
        let is_tag = name.starts_with(|c: char| c.is_ascii_alphabetic());
        if !is_tag || SELF_CLOSING.contains(&name.as_str()) {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        if closing {
            depth = depth.saturating_sub(1);
        } else if !rest[..end].ends_with('/') {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

impl MarkdownRenderer {
    /// Markdown to safe HTML; `Invalid` when it nests deeper than `MAX_NESTING`.
    pub fn to_html(&self, markdown: &str) -> Result<String> {
        let mut html = String::with_capacity(markdown.len() * 3 / 2);
        // A preview cut (a raw HTML block the sanitizer would drop) becomes its rule.
        let events = Parser::new_ext(markdown, options()).map(|event| match event {
            Event::Html(block) if is_cut(&block) => Event::Html(CUT_HTML.into()),
            other => other,
        });
        pulldown_cmark::html::push_html(&mut html, events);
        if nesting_depth(&html) > MAX_NESTING {
            return Err(Error::invalid(
                "body_markdown",
                format!(
                    "the text nests too deeply to show: quotes, lists or HTML elements more than {MAX_NESTING} levels inside each other"
                ),
            ));
        }
        Ok(self.sanitizer.clean(&html).to_string())
    }

    /// Renders on the calling thread (for tools that render many bodies in a row,
    /// like imports and the demo); servers use the `BodyRenderer` port.
    pub fn render_now(&self, markdown: &str, custom_excerpt: &str) -> Result<RenderedBody> {
        let text = Self::plain_text(markdown);
        let word_count = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
        let excerpt = if custom_excerpt.trim().is_empty() {
            // Never past a preview cut: the excerpt is shown to everyone.
            match before_cut(markdown) {
                Some(open) => excerpt(&Self::plain_text(open), EXCERPT_CHARS),
                None => excerpt(&text, EXCERPT_CHARS),
            }
        } else {
            custom_excerpt.trim().to_owned()
        };
        Ok(RenderedBody {
            html: self.to_html(markdown)?,
            excerpt,
            word_count,
        })
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

/// Stored body HTML with its links and pictures on this site made absolute (for feeds,
/// which are read away from the site). Bodies come out of the sanitizer, which quotes
/// every attribute with `"` and writes a `"` in text as `&quot;`, so `src="/` and
/// `href="/` only ever begin an attribute; `//host` addresses are left as they are.
pub fn absolute_links(html: &str, base_url: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    loop {
        let next = ["src=\"/", "href=\"/"]
            .iter()
            .filter_map(|attr| rest.find(attr).map(|at| (at, attr.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        let (before, after) = rest.split_at(at + len - 1);
        out.push_str(before);
        if !after[1..].starts_with('/') {
            out.push_str(base_url);
        }
        out.push('/');
        rest = &after[1..];
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

#[async_trait::async_trait]
impl BodyRenderer for MarkdownRenderer {
    /// Renders on a blocking thread once a slot is free, within `RENDER_TIME`.
    async fn render(&self, markdown: &str, custom_excerpt: &str) -> Result<RenderedBody> {
        let too_long = || {
            Error::invalid(
                "body_markdown",
                "the text took too long to render; shorten it or simplify its structure",
            )
        };
        let work = async {
            let slot = self
                .slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| Error::internal("render slots", e))?;
            let (renderer, markdown, custom) =
                (self.clone(), markdown.to_owned(), custom_excerpt.to_owned());
            // The slot is held until the work is done, even if the wait is given up.
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                renderer.render_now(&markdown, &custom)
            })
            .await
            .map_err(|e| Error::internal("render", e))?
        };
        tokio::time::timeout(RENDER_TIME, work)
            .await
            .unwrap_or_else(|_| Err(too_long()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bodies_that_nest_too_deeply_are_refused() {
        let r = MarkdownRenderer::default();
        // Each of these once took the sanitizer 10 to 35 s.
        for deep in [
            ">".repeat(50_000),
            "<div>".repeat(100_000),
            "<div><span>".repeat(60),
        ] {
            assert!(
                matches!(r.to_html(&deep), Err(Error::Invalid(_))),
                "{} bytes",
                deep.len()
            );
        }
        // Deep enough for any real story: quotes in quotes, nested lists, tables.
        let nested_quotes = "> ".repeat(20) + "quoted";
        assert!(r.to_html(&nested_quotes).is_ok());
        let list: String = (0..30)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect();
        assert!(r.to_html(&list).is_ok());
        assert!(
            r.to_html(&"<p>para".repeat(5_000)).is_ok(),
            "p closes itself"
        );
    }

    #[test]
    fn feeds_get_absolute_links() {
        let html = r#"<p><a href="/world/x/">in</a> <a href="//cdn.example/a">cdn</a> <a href="https://o.example/">out</a> <img src="/media/a.png" alt="src=&quot;/x"></p>"#;
        assert_eq!(
            absolute_links(html, "https://news.example"),
            r#"<p><a href="https://news.example/world/x/">in</a> <a href="//cdn.example/a">cdn</a> <a href="https://o.example/">out</a> <img src="https://news.example/media/a.png" alt="src=&quot;/x"></p>"#
        );
    }

    #[test]
    fn nesting_is_counted_by_tags() {
        assert_eq!(nesting_depth("<div><p>a</p><div><b>x</b></div></div>"), 3);
        assert_eq!(nesting_depth("<br><img src=x><hr/><p>a<p>b<li>c"), 0);
        assert_eq!(nesting_depth("</div></div><div>"), 1);
        assert_eq!(nesting_depth("a < b and <3"), 0);
    }

    #[tokio::test]
    async fn the_port_renders_off_the_request_threads() {
        let r = MarkdownRenderer::default();
        let body = BodyRenderer::render(&r, "Words **here**.", "")
            .await
            .unwrap();
        assert!(body.html.contains("<strong>here</strong>"));
        let refused = BodyRenderer::render(&r, &">".repeat(50_000), "").await;
        assert!(matches!(refused, Err(Error::Invalid(_))));
    }

    #[test]
    fn renders_commonmark_tables_and_footnotes() {
        let r = MarkdownRenderer::default();
        let html = r
            .to_html(
                "# Title\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\nClaim.[^1]\n\n[^1]: The source.\n",
            )
            .unwrap();
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
        ).unwrap();
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
        ).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn how_pictures_load_is_not_the_writers_to_say() {
        // The page sets it (`pictures::responsive`), the same for every picture.
        let html = MarkdownRenderer::default()
            .to_html("<img src=\"/media/b.png\" alt=\"b\" loading=\"eager\" decoding=\"sync\">")
            .unwrap();
        assert_eq!(html, "<img src=\"/media/b.png\" alt=\"b\">");
    }

    #[test]
    fn external_links_get_noopener() {
        let html = MarkdownRenderer::default()
            .to_html("[gov](https://example.gov)")
            .unwrap();
        assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
    }

    #[test]
    fn render_counts_words_and_excerpts() {
        let r = MarkdownRenderer::default();
        let body = r
            .render_now(
                "Hello *brave* new world.\n\nSecond para.[^n]\n\n[^n]: not counted",
                "",
            )
            .unwrap();
        assert_eq!(body.word_count, 6);
        assert_eq!(body.excerpt, "Hello brave new world. Second para.");
        // What the sanitizer removes is not counted, nor excerpted.
        let scripted = r
            .render_now(
                "One *two* three <script>x y</script>\n\n<style>p{}</style>",
                "",
            )
            .unwrap();
        assert_eq!(
            (scripted.word_count, scripted.excerpt.as_str()),
            (3, "One two three")
        );
        let custom = r.render_now("Body", " Custom words ").unwrap();
        assert_eq!(custom.excerpt, "Custom words");
    }

    #[test]
    fn a_preview_cut_ends_the_teaser_and_the_excerpt() {
        let r = MarkdownRenderer::default();
        let md = "Open to all.\n\n<!--more-->\n\nThe paid-only finding.\n\n<!--more-->\n\nMore.";
        let body = r.render_now(md, "").unwrap();
        assert_eq!(teaser_html(&body.html), Some("<p>Open to all.</p>\n"));
        assert!(body.html.contains(CUT_HTML), "{}", body.html);
        assert!(!without_cuts(&body.html).contains("<hr"));
        assert_eq!(body.excerpt, "Open to all.");
        assert_eq!(body.word_count, 7);
        // Ghost's marker too, any case, with spaces around; not inside other text.
        assert!(before_cut("a\n  <!--MEMBERS-ONLY--> \nb").is_some());
        assert!(before_cut("a <!--more--> b").is_none());
        let inline = r.render_now("a <!--more--> b", "").unwrap();
        assert_eq!(teaser_html(&inline.html), None);
        // Without a cut there is no teaser of the body; the excerpt is the usual one.
        let plain = r.render_now("Just text.", "").unwrap();
        assert_eq!(teaser_html(&plain.html), None);
        // A writer's own `hr` with another class is not a cut.
        let other = r.render_now("<hr class=\"x\">\n\nText", "").unwrap();
        assert_eq!(teaser_html(&other.html), None);
    }

    #[test]
    fn excerpt_cuts_at_words() {
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("short", 50), "short");
    }
}
