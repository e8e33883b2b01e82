//! Bodies (an article's or a static page's): documents (`masthead_core::document`)
//! rendered to HTML and then sanitized, so that nothing a writer pastes can run script
//! on a reader's page. A document becomes the same events its Markdown would (so a
//! body written in Markdown renders as it always did), its cards becoming their HTML
//! (`cards`), and the sanitizer keeps of that only what bodies may hold.
//!
//! Rendering is bounded, so that no body a contributor writes can stall the server:
//! it runs on blocking threads, a few at a time (`RENDER_SLOTS`), never on the threads
//! that answer readers; a body that nests deeper than `MAX_NESTING` (the sanitizer's
//! HTML parser takes time that grows with the square of the depth) is refused; and a
//! render that takes longer than `RENDER_TIME` is given up on.

use crate::cards::HtmlCards;
use masthead_core::article::RenderedBody;
use masthead_core::document::{is_cut, Document};
use masthead_core::newsroom::BodyRenderer;
use masthead_core::{Error, Result};
use pulldown_cmark::Event;
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

/// What every id inside an article body starts with (see `DocumentRenderer`).
pub const BODY_ID_PREFIX: &str = "body-";

/// What a cut becomes in the stored HTML (the sanitizer keeps this one class on `hr`).
pub use masthead_core::article::{teaser_html, without_cuts, PREVIEW_CUT_HTML as CUT_HTML};

/// Length of a generated excerpt, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// The renderer used everywhere; cheap to clone, holds the sanitizer's rules.
#[derive(Clone)]
pub struct DocumentRenderer {
    sanitizer: Arc<ammonia::Builder<'static>>,
    /// Renders running at once (one per core).
    slots: Arc<tokio::sync::Semaphore>,
}

impl Default for DocumentRenderer {
    fn default() -> Self {
        let mut sanitizer = ammonia::Builder::default();
        // Footnotes link within the page by id; tables keep their alignment.
        sanitizer
            .add_generic_attributes(["id"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .add_tags(["sup", "section", "figure", "figcaption", "aside"])
            .add_tag_attributes("li", ["id"])
            .add_allowed_classes("div", ["footnote-definition"])
            .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
            // A picture's credit in its caption, styled as the featured picture's is.
            .add_allowed_classes("span", ["credit"])
            // Where the preview of a gated article ends (see `CUT_MARKERS`).
            .add_allowed_classes("hr", ["preview-cut"])
            // Cards (`cards.rs`): what they are, and how an embed's player loads.
            .add_allowed_classes(
                "figure",
                [
                    "card",
                    "picture",
                    "gallery",
                    "gallery-image",
                    "wide",
                    "full",
                    "embed",
                    "pull-quote",
                ],
            )
            .add_allowed_classes("aside", ["card", "callout", "related"])
            .add_allowed_classes("div", ["gallery-images"])
            .add_allowed_classes(
                "span",
                [
                    "embed-provider",
                    "embed-title",
                    "embed-author",
                    "embed-text",
                    "embed-play",
                ],
            )
            .add_allowed_classes("a", ["embed-link"])
            .add_allowed_classes("p", ["callout-title"])
            .add_tag_attributes("figure", ["data-frame"])
            .add_tag_attributes("aside", ["aria-label"])
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

impl DocumentRenderer {
    /// A document to safe HTML; `Invalid` when it nests deeper than `MAX_NESTING`.
    pub fn to_html(&self, document: &Document) -> Result<String> {
        let mut html = String::new();
        // A preview cut (a raw HTML block the sanitizer would drop) becomes its rule.
        let events = document
            .events(&HtmlCards)
            .into_iter()
            .map(|event| match event {
                Event::Html(block) if is_cut(&block) => Event::Html(CUT_HTML.into()),
                other => other,
            });
        pulldown_cmark::html::push_html(&mut html, events);
        if nesting_depth(&html) > MAX_NESTING {
            return Err(Error::invalid(
                "body",
                format!(
                    "the text nests too deeply to show: quotes, lists or HTML elements more than {MAX_NESTING} levels inside each other"
                ),
            ));
        }
        Ok(self.sanitizer.clean(&html).to_string())
    }

    /// Renders on the calling thread (for tools that render many bodies in a row,
    /// like imports and the demo); servers use the `BodyRenderer` port.
    pub fn render_now(&self, document: &Document, custom_excerpt: &str) -> Result<RenderedBody> {
        let text = document.plain_text();
        let word_count = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
        let excerpt = if custom_excerpt.trim().is_empty() {
            // Never past a preview cut: the excerpt is shown to everyone.
            match document.before_cut() {
                Some(open) => excerpt(&open.plain_text(), EXCERPT_CHARS),
                None => excerpt(&text, EXCERPT_CHARS),
            }
        } else {
            custom_excerpt.trim().to_owned()
        };
        Ok(RenderedBody {
            html: self.to_html(document)?,
            excerpt,
            word_count,
        })
    }
}

/// The words of some HTML (an embedded post's, as its provider gave it), as one line
/// of plain text: tags, scripts and styles gone, entities read.
pub fn words_of(html: &str) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
impl BodyRenderer for DocumentRenderer {
    /// Renders on a blocking thread once a slot is free, within `RENDER_TIME`.
    async fn render(&self, document: &Document, custom_excerpt: &str) -> Result<RenderedBody> {
        let too_long = || {
            Error::invalid(
                "body",
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
            let (renderer, document, custom) =
                (self.clone(), document.clone(), custom_excerpt.to_owned());
            // The slot is held until the work is done, even if the wait is given up.
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                renderer.render_now(&document, &custom)
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

    /// Bodies written in Markdown, as most tests here write them.
    trait FromMarkdown {
        fn md(&self, markdown: &str) -> Result<String>;
        fn md_render(&self, markdown: &str, custom_excerpt: &str) -> Result<RenderedBody>;
    }

    impl FromMarkdown for DocumentRenderer {
        fn md(&self, markdown: &str) -> Result<String> {
            self.to_html(&Document::from_markdown(markdown))
        }
        fn md_render(&self, markdown: &str, custom_excerpt: &str) -> Result<RenderedBody> {
            self.render_now(&Document::from_markdown(markdown), custom_excerpt)
        }
    }

    #[test]
    fn bodies_that_nest_too_deeply_are_refused() {
        let r = DocumentRenderer::default();
        // Each of these once took the sanitizer 10 to 35 s.
        // Quotes that deep are refused when written, and read flattened from what
        // was stored before (never a crash or a stall).
        let quotes = ">".repeat(50_000);
        assert!(matches!(
            Document::from_markdown_checked(&quotes, "body"),
            Err(Error::Invalid(_))
        ));
        assert!(r.md(&quotes).is_ok());
        for deep in ["<div>".repeat(100_000), "<div><span>".repeat(60)] {
            assert!(
                matches!(r.md(&deep), Err(Error::Invalid(_))),
                "{} bytes",
                deep.len()
            );
        }
        // Deep enough for any real story: quotes in quotes, nested lists, tables.
        let nested_quotes = "> ".repeat(20) + "quoted";
        assert!(r.md(&nested_quotes).is_ok());
        let list: String = (0..30)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect();
        assert!(r.md(&list).is_ok());
        assert!(r.md(&"<p>para".repeat(5_000)).is_ok(), "p closes itself");
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
        let r = DocumentRenderer::default();
        let body = BodyRenderer::render(&r, &Document::from_markdown("Words **here**."), "")
            .await
            .unwrap();
        assert!(body.html.contains("<strong>here</strong>"));
        let deep = Document::from_markdown(&"<div>".repeat(100_000));
        let refused = BodyRenderer::render(&r, &deep, "").await;
        assert!(matches!(refused, Err(Error::Invalid(_))));
    }

    #[test]
    fn renders_commonmark_tables_and_footnotes() {
        let r = DocumentRenderer::default();
        let html = r
            .md("# Title\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\nClaim.[^1]\n\n[^1]: The source.\n")
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
        let r = DocumentRenderer::default();
        let html = r.md(
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
        let r = DocumentRenderer::default();
        let html = r.md(
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
        let html = DocumentRenderer::default()
            .md("<img src=\"/media/b.png\" alt=\"b\" loading=\"eager\" decoding=\"sync\">")
            .unwrap();
        assert_eq!(html, "<img src=\"/media/b.png\" alt=\"b\">");
    }

    #[test]
    fn external_links_get_noopener() {
        let html = DocumentRenderer::default()
            .md("[gov](https://example.gov)")
            .unwrap();
        assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
    }

    #[test]
    fn render_counts_words_and_excerpts() {
        let r = DocumentRenderer::default();
        let body = r
            .md_render(
                "Hello *brave* new world.\n\nSecond para.[^n]\n\n[^n]: not counted",
                "",
            )
            .unwrap();
        assert_eq!(body.word_count, 6);
        assert_eq!(body.excerpt, "Hello brave new world. Second para.");
        // What the sanitizer removes is not counted, nor excerpted.
        let scripted = r
            .md_render(
                "One *two* three <script>x y</script>\n\n<style>p{}</style>",
                "",
            )
            .unwrap();
        assert_eq!(
            (scripted.word_count, scripted.excerpt.as_str()),
            (3, "One two three")
        );
        let custom = r.md_render("Body", " Custom words ").unwrap();
        assert_eq!(custom.excerpt, "Custom words");
    }

    #[test]
    fn a_preview_cut_ends_the_teaser_and_the_excerpt() {
        let r = DocumentRenderer::default();
        let md = "Open to all.\n\n<!--more-->\n\nThe paid-only finding.\n\n<!--more-->\n\nMore.";
        let body = r.md_render(md, "").unwrap();
        assert_eq!(teaser_html(&body.html), Some("<p>Open to all.</p>\n"));
        assert!(body.html.contains(CUT_HTML), "{}", body.html);
        assert!(!without_cuts(&body.html).contains("<hr"));
        assert_eq!(body.excerpt, "Open to all.");
        assert_eq!(body.word_count, 7);
        // Ghost's marker too, any case, with spaces around; not inside other text.
        assert!(Document::from_markdown("a\n  <!--MEMBERS-ONLY--> \nb")
            .before_cut()
            .is_some());
        assert!(Document::from_markdown("a <!--more--> b")
            .before_cut()
            .is_none());
        let inline = r.md_render("a <!--more--> b", "").unwrap();
        assert_eq!(teaser_html(&inline.html), None);
        // Without a cut there is no teaser of the body; the excerpt is the usual one.
        let plain = r.md_render("Just text.", "").unwrap();
        assert_eq!(teaser_html(&plain.html), None);
        // A writer's own `hr` with another class is not a cut.
        let other = r.md_render("<hr class=\"x\">\n\nText", "").unwrap();
        assert_eq!(teaser_html(&other.html), None);
    }

    #[test]
    fn excerpt_cuts_at_words() {
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("short", 50), "short");
    }

    /// The HTML of a Markdown body as it was rendered before the document format:
    /// Markdown's events straight to HTML, then the sanitizer.
    fn before_documents(r: &DocumentRenderer, markdown: &str) -> String {
        let events =
            pulldown_cmark::Parser::new_ext(markdown, masthead_core::document::markdown_options())
                .map(|event| match event {
                    Event::Html(block) if is_cut(&block) => Event::Html(CUT_HTML.into()),
                    other => other,
                });
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        r.sanitizer.clean(&html).to_string()
    }

    /// What a reader gets from `html`: each run of text with the elements around it
    /// (in any order), and each element without content (pictures, rules, breaks),
    /// with the attributes that matter.
    fn reading(html: &str) -> Vec<String> {
        use lol_html::{element, text, HtmlRewriter, Settings};
        use std::cell::RefCell;
        use std::rc::Rc;
        let open: Rc<RefCell<Vec<String>>> = Rc::default();
        let out: Rc<RefCell<Vec<String>>> = Rc::default();
        let (o1, o2, out1, out2) = (open.clone(), open.clone(), out.clone(), out.clone());
        let mut rewriter = HtmlRewriter::new(
            Settings {
                element_content_handlers: vec![
                    element!("*", move |el| {
                        let mut token = el.tag_name();
                        for attr in [
                            "href", "src", "alt", "id", "start", "style", "title", "class",
                        ] {
                            if let Some(value) = el.get_attribute(attr) {
                                token.push_str(&format!(" {attr}={value}"));
                            }
                        }
                        if el.can_have_content() {
                            o1.borrow_mut().push(token);
                            let open = o1.clone();
                            let pop: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                                open.borrow_mut().pop();
                                Ok(())
                            });
                            el.on_end_tag(pop)?;
                        } else {
                            out1.borrow_mut().push(format!("<{token}>"));
                        }
                        Ok(())
                    }),
                    text!("*", move |t| {
                        let mut around = o2.borrow().clone();
                        around.sort();
                        let around = around.join(",");
                        let mut out = out2.borrow_mut();
                        match out.last_mut() {
                            Some(last) if last.starts_with(&format!("{around}|")) => {
                                last.push_str(t.as_str());
                            }
                            _ => out.push(format!("{around}|{}", t.as_str())),
                        }
                        Ok(())
                    }),
                ],
                ..Settings::new()
            },
            |_: &[u8]| {},
        );
        rewriter.write(html.as_bytes()).unwrap();
        rewriter.end().unwrap();
        let out = out.borrow();
        out.iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.ends_with('|'))
            .collect()
    }

    /// Markdown bodies as they are: the demo's stories and pages, and the WordPress
    /// theme unit test's posts (HTML, shortcodes and all), read as Markdown.
    fn stored_bodies() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let demo =
            std::fs::read_to_string(root.join("crates/masthead/src/demo/demo.toml")).unwrap();
        let demo: toml::Value = toml::from_str(&demo).unwrap();
        let mut bodies = Vec::new();
        fn collect(value: &toml::Value, bodies: &mut Vec<String>) {
            match value {
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        match v {
                            toml::Value::String(s) if k == "body" => bodies.push(s.clone()),
                            other => collect(other, bodies),
                        }
                    }
                }
                toml::Value::Array(a) => a.iter().for_each(|v| collect(v, bodies)),
                _ => {}
            }
        }
        collect(&demo, &mut bodies);
        let demo_bodies = bodies.len();
        assert!(demo_bodies >= 10, "{demo_bodies}");
        let wxr = root.join("../shared/data/themeunittestdata.wordpress.xml");
        if let Ok(wxr) = std::fs::read_to_string(wxr) {
            for part in wxr.split("<content:encoded><![CDATA[").skip(1) {
                if let Some((body, _)) = part.split_once("]]></content:encoded>") {
                    bodies.push(body.to_owned());
                }
            }
        }
        bodies
    }

    /// Moving to documents loses nothing: every stored Markdown body, read into a
    /// document, renders to HTML that reads the same as before: the same text in the
    /// same elements (links, headings, lists, tables, footnotes, pictures), and almost
    /// always the very same bytes.
    #[test]
    fn markdown_bodies_read_the_same_as_documents() {
        let r = DocumentRenderer::default();
        let bodies = stored_bodies();
        let (mut identical, mut compared) = (0, 0);
        for markdown in &bodies {
            let document = Document::from_markdown(markdown);
            let after = r.to_html(&document).unwrap();
            // Bodies written with cards (the demo's newer ones) were never Markdown
            // alone: nothing to compare them with.
            if !markdown.contains("```masthead:") {
                let before = before_documents(&r, markdown);
                if before == after {
                    identical += 1;
                } else {
                    assert_eq!(reading(&after), reading(&before), "{markdown}");
                }
                compared += 1;
            }
            // And so does the document through its Markdown and its JSON.
            let again = Document::from_markdown(&document.to_markdown());
            assert_eq!(again, document, "{markdown}");
            let stored = Document::from_json(&document.to_json(), "body").unwrap();
            assert_eq!(r.to_html(&stored).unwrap(), after);
        }
        assert!(compared > 100, "{compared}");
        println!("{identical} of {compared} bodies render to identical bytes");
    }

    #[test]
    fn cards_render_as_readers_get_them() {
        let r = DocumentRenderer::default();
        let html = r
            .md(concat!(
                "```masthead:picture\n{\"src\": \"/media/a.jpg\", \"alt\": \"Cranes\", \"caption\": \"At dawn <b>\", \"credit\": \"Ana\", \"width\": \"wide\"}\n```\n\n",
                "```masthead:embed\n{\"url\": \"https://www.youtube.com/watch?v=x\", \"provider\": \"YouTube\", \"title\": \"Launch\", \"frame\": \"https://www.youtube-nocookie.com/embed/x\", \"thumbnail\": \"/media/embeds/x.jpg\"}\n```\n\n",
                "```masthead:pull_quote\n{\"text\": \"We stay.\", \"attribution\": \"The mayor\"}\n```\n\n",
                "```masthead:callout\n{\"title\": \"Facts\", \"text\": \"One.\\n\\nTwo.\"}\n```\n\n",
                "```masthead:related\n{\"url\": \"/world/harbour/\", \"title\": \"The harbour\"}\n```\n\n",
                "```masthead:gallery\n{\"images\": [{\"src\": \"/media/b.jpg\", \"alt\": \"B\"}, {\"src\": \"/media/c.jpg\", \"alt\": \"C\", \"credit\": \"Lu\"}]}\n```\n",
            ))
            .unwrap();
        for part in [
            r#"<figure class="card picture wide"><img src="/media/a.jpg" alt="Cranes"><figcaption>At dawn &lt;b&gt; <span class="credit">Ana</span></figcaption></figure>"#,
            r#"<figure class="card embed" data-frame="https://www.youtube-nocookie.com/embed/x"><a class="embed-link" href="https://www.youtube.com/watch?v=x" rel="noopener noreferrer"><img src="/media/embeds/x.jpg" alt=""><span class="embed-provider">YouTube</span><span class="embed-title">Launch</span><span class="embed-play">Play (loads from YouTube)</span></a></figure>"#,
            r#"<figure class="card pull-quote"><blockquote><p>We stay.</p></blockquote><figcaption>The mayor</figcaption></figure>"#,
            r#"<aside class="card callout"><p class="callout-title"><strong>Facts</strong></p><p>One.</p><p>Two.</p></aside>"#,
            r#"<aside class="card related" aria-label="Related story"><a href="/world/harbour/" rel="noopener noreferrer">The harbour</a></aside>"#,
            r#"<figure class="card gallery"><div class="gallery-images"><figure class="gallery-image"><img src="/media/b.jpg" alt="B"></figure><figure class="gallery-image"><img src="/media/c.jpg" alt="C"><figcaption><span class="credit">Lu</span></figcaption></figure></div></figure>"#,
        ] {
            assert!(html.contains(part), "{part}\n in \n{html}");
        }
        // No frame, script or third-party address reaches a reader's page from a card.
        assert!(
            !html.contains("<iframe") && !html.contains("<script"),
            "{html}"
        );
    }

    #[test]
    fn a_writers_own_card_markup_is_cleaned_like_any_html() {
        // Raw HTML may borrow the cards' classes, but not an event handler, a frame or
        // a script address.
        let html = DocumentRenderer::default()
            .md("<figure class=\"card embed\" data-frame=\"https://evil.example/\" onclick=\"x()\"><iframe src=\"https://evil.example/\"></iframe><a href=\"javascript:x()\">x</a></figure>\n")
            .unwrap();
        assert!(
            !html.contains("onclick") && !html.contains("<iframe") && !html.contains("javascript:"),
            "{html}"
        );
    }

    #[test]
    fn a_posts_words_are_plain_text() {
        assert_eq!(
            words_of("<blockquote><p lang=\"en\">Ships &amp; cranes &lt;3 <a href=\"x\">#port</a></p>&mdash; Port (@port)</blockquote><script src=\"x\">bad()</script>"),
            "Ships & cranes <3 #port— Port (@port)"
        );
    }
}
