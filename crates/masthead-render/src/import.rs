//! Bodies written elsewhere, into the editor's document: HTML (the Admin API's
//! `?source=html`, an import), and Ghost's Lexical, for the cards both editors share.
//!
//! HTML goes to Markdown (htmd, on html5ever) and Markdown to the document, so
//! everything the Markdown path knows (marks, links, lists, tables, code) comes
//! through. Ghost's cards are read on the way: a figure with one picture is a picture
//! card, with several a gallery, a frame or `data-url` an embed (fetched when the
//! article is saved, like any embed), Ghost's alternative quote a pull quote, its
//! callout a fact box, and `<!--members-only-->` or `<!--more-->` the preview cut.
//! Lexical is written as the HTML Ghost renders it, then read the same way.

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use markup5ever_rcdom::{Handle, NodeData};
use masthead_core::document::{
    Block, CalloutCard, Document, EmbedCard, GalleryCard, PictureCard, PullQuoteCard, CUT_MARKERS,
};
use masthead_core::Result;
use serde_json::Value;

/// The most HTML or Lexical a body may be imported from, in bytes.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;
/// How deep Lexical nodes may nest.
const MAX_DEPTH: usize = 64;
/// How deep HTML elements may nest (the converter walks them recursively).
pub const MAX_HTML_DEPTH: usize = 256;

/// `html` as a document; `field` names it in errors.
pub fn html_to_document(html: &str, field: &'static str) -> Result<Document> {
    if html.len() > MAX_IMPORT_BYTES {
        return Err(masthead_core::Error::invalid(
            field,
            format!("at most {} MB of HTML", MAX_IMPORT_BYTES / (1024 * 1024)),
        ));
    }
    // A cheap count first: a parser given elements nested a hundred thousand deep
    // takes minutes (each tag looks through every open element).
    if rough_nesting(html) > 2 * MAX_HTML_DEPTH || nesting(html) > MAX_HTML_DEPTH {
        return Err(masthead_core::Error::invalid(
            field,
            format!("HTML nested more than {MAX_HTML_DEPTH} elements deep"),
        ));
    }
    let converter = converter();
    let mut markdown = String::new();
    for (i, part) in split_at_cuts(html).into_iter().enumerate() {
        if i > 0 {
            markdown.push_str("\n\n<!--members-only-->\n\n");
        }
        let converted = converter
            .convert(part)
            .map_err(|e| masthead_core::Error::invalid(field, format!("unreadable HTML: {e}")))?;
        markdown.push_str(&converted);
    }
    Document::from_markdown_checked(&markdown, field)
}

/// How deep the tags of `html` nest, counted as written (opening tags less closing
/// ones, void and self-closed ones aside): at least as deep as the parser builds,
/// but for end tags left out.
fn rough_nesting(html: &str) -> usize {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(at) = bytes[i..].iter().position(|b| *b == b'<') {
        i += at + 1;
        if bytes[i..].starts_with(b"!--") {
            match html[i..].find("-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        let Some(&first) = bytes.get(i) else { break };
        let closing = first == b'/';
        let name_start = i + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = html[i..].find('>').map_or(bytes.len(), |e| i + e);
        if closing {
            depth = depth.saturating_sub(1);
        } else if !VOID.contains(&name.as_str()) && !html[i..end].ends_with('/') {
            depth += 1;
            deepest = deepest.max(depth);
        }
        i = end.min(bytes.len());
    }
    deepest
}

/// How deep the elements of `html` nest, as a browser would build them (counted
/// without recursion: the input may be built to nest a million deep).
fn nesting(html: &str) -> usize {
    use html5ever::tendril::TendrilSink;
    let dom = html5ever::parse_document(markup5ever_rcdom::RcDom::default(), Default::default())
        .one(html);
    let mut deepest = 0;
    let mut stack = vec![(dom.document.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for child in node.children.borrow().iter() {
            stack.push((child.clone(), depth + 1));
        }
    }
    deepest
}

/// `html` cut at each preview cut marker (ASCII case-insensitively).
fn split_at_cuts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    loop {
        let next = CUT_MARKERS
            .iter()
            .filter_map(|m| lower[start..].find(m).map(|at| (start + at, m.len())))
            .min();
        match next {
            Some((at, len)) => {
                parts.push(&html[start..at]);
                start = at + len;
            }
            None => {
                parts.push(&html[start..]);
                return parts;
            }
        }
    }
}

fn converter() -> HtmlToMarkdown {
    HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "head", "noscript", "template"])
        .add_handler(vec!["figure"], figure)
        .add_handler(vec!["blockquote"], blockquote)
        .add_handler(vec!["div"], div)
        .build()
}

/// A card as the Markdown fence the document reads back.
fn card(block: Block) -> Option<HandlerResult> {
    Some(format!("\n\n{}\n\n", Document::new(vec![block]).to_markdown()).into())
}

fn attr(node: &Handle, name: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

fn has_class(node: &Handle, class: &str) -> bool {
    attr(node, "class").is_some_and(|c| c.split_whitespace().any(|c| c == class))
}

fn tag(node: &Handle) -> Option<String> {
    match &node.data {
        NodeData::Element { name, .. } => Some(name.local.to_string()),
        _ => None,
    }
}

/// Every element under `node` (itself excluded), in document order.
fn descendants(node: &Handle, out: &mut Vec<Handle>) {
    for child in node.children.borrow().iter() {
        if matches!(child.data, NodeData::Element { .. }) {
            out.push(child.clone());
        }
        descendants(child, out);
    }
}

/// The text under `node`, its white space collapsed.
fn text_of(node: &Handle) -> String {
    fn collect(node: &Handle, out: &mut String) {
        match &node.data {
            NodeData::Text { contents } => out.push_str(&contents.borrow()),
            NodeData::Element { name, .. } if &*name.local == "br" => out.push('\n'),
            _ => {}
        }
        for child in node.children.borrow().iter() {
            collect(child, out);
        }
    }
    let mut text = String::new();
    collect(node, &mut text);
    text.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn figure(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let node = element.node;
    let mut all = Vec::new();
    descendants(node, &mut all);
    let caption = all
        .iter()
        .find(|n| tag(n).as_deref() == Some("figcaption"))
        .map(text_of)
        .unwrap_or_default();
    let frame = all
        .iter()
        .find(|n| tag(n).as_deref() == Some("iframe"))
        .and_then(|n| attr(n, "src"));
    if let Some(url) = attr(node, "data-url").or(frame) {
        return card(Block::Embed {
            attrs: EmbedCard {
                url,
                caption,
                ..EmbedCard::default()
            },
        });
    }
    let pictures: Vec<PictureCard> = all
        .iter()
        .filter(|n| tag(n).as_deref() == Some("img"))
        .filter_map(|n| {
            Some(PictureCard {
                src: attr(n, "src").filter(|s| !s.trim().is_empty())?,
                alt: attr(n, "alt").unwrap_or_default(),
                ..PictureCard::default()
            })
        })
        .collect();
    match pictures.len() {
        0 => Some(handlers.walk_children(node)),
        1 => {
            let mut picture = pictures.into_iter().next()?;
            picture.caption = caption;
            card(Block::Picture { attrs: picture })
        }
        _ => card(Block::Gallery {
            attrs: GalleryCard {
                images: pictures,
                caption,
            },
        }),
    }
}

/// Ghost's alternative quote is a pull quote; any other quote stays a quote.
fn blockquote(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    if has_class(element.node, "kg-blockquote-alt") {
        let text = text_of(element.node);
        if text.is_empty() {
            return None;
        }
        return card(Block::PullQuote {
            attrs: PullQuoteCard {
                text,
                attribution: String::new(),
            },
        });
    }
    handlers.fallback(element)
}

/// Ghost's callout is a fact box; any other division is what it holds.
fn div(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    if has_class(element.node, "kg-callout-card") {
        let mut all = Vec::new();
        descendants(element.node, &mut all);
        let text = all
            .iter()
            .find(|n| has_class(n, "kg-callout-text"))
            .map(text_of)
            .unwrap_or_else(|| text_of(element.node));
        if text.is_empty() {
            return None;
        }
        return card(Block::Callout {
            attrs: CalloutCard {
                title: String::new(),
                text,
            },
        });
    }
    handlers.fallback(element)
}

/// Ghost's Lexical (`{"root": {"children": [...]}}`, as a text) as a document.
pub fn lexical_to_document(lexical: &str, field: &'static str) -> Result<Document> {
    if lexical.len() > MAX_IMPORT_BYTES {
        return Err(masthead_core::Error::invalid(
            field,
            format!("at most {} MB of Lexical", MAX_IMPORT_BYTES / (1024 * 1024)),
        ));
    }
    let value: Value = serde_json::from_str(lexical)
        .map_err(|e| masthead_core::Error::invalid(field, format!("not Lexical JSON: {e}")))?;
    let Some(root) = value.get("root").filter(|r| r.is_object()) else {
        return Err(masthead_core::Error::invalid(
            field,
            "Lexical JSON holds a \"root\" object",
        ));
    };
    let mut html = String::new();
    children_html(root, &mut html, 0);
    html_to_document(&html, field)
}

fn esc(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

fn string<'a>(node: &'a Value, key: &str) -> &'a str {
    node.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn children_html(node: &Value, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(children) = node.get("children").and_then(Value::as_array) {
        for child in children {
            node_html(child, out, depth + 1);
        }
    }
}

/// One Lexical node as the HTML Ghost renders it.
fn node_html(node: &Value, out: &mut String, depth: usize) {
    let wrap = |out: &mut String, open: &str, close: &str| {
        out.push_str(open);
        children_html(node, out, depth);
        out.push_str(close);
    };
    match string(node, "type") {
        "paragraph" => wrap(out, "<p>", "</p>"),
        "heading" | "extended-heading" => {
            let level = match string(node, "tag") {
                t @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => t,
                _ => "h2",
            };
            wrap(out, &format!("<{level}>"), &format!("</{level}>"));
        }
        "quote" | "extended-quote" => wrap(out, "<blockquote><p>", "</p></blockquote>"),
        "aside" => wrap(
            out,
            "<blockquote class=\"kg-blockquote-alt\">",
            "</blockquote>",
        ),
        "list" => {
            let ordered = string(node, "listType") == "number";
            let start = node.get("start").and_then(Value::as_u64).unwrap_or(1);
            if ordered {
                wrap(out, &format!("<ol start=\"{start}\">"), "</ol>");
            } else {
                wrap(out, "<ul>", "</ul>");
            }
        }
        "listitem" => wrap(out, "<li>", "</li>"),
        "link" | "autolink" => {
            let url = esc(string(node, "url"));
            wrap(out, &format!("<a href=\"{url}\">"), "</a>");
        }
        "text" | "extended-text" => out.push_str(&formatted(node)),
        "linebreak" => out.push_str("<br>"),
        "horizontalrule" => out.push_str("<hr>"),
        "paywall" => out.push_str("<!--members-only-->"),
        "image" => {
            out.push_str(&format!(
                "<figure class=\"kg-card kg-image-card\"><img src=\"{}\" alt=\"{}\">{}</figure>",
                esc(string(node, "src")),
                esc(string(node, "alt")),
                caption(node)
            ));
        }
        "gallery" => {
            out.push_str("<figure class=\"kg-card kg-gallery-card\">");
            for image in node
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push_str(&format!(
                    "<img src=\"{}\" alt=\"{}\">",
                    esc(string(image, "src")),
                    esc(string(image, "alt"))
                ));
            }
            out.push_str(&caption(node));
            out.push_str("</figure>");
        }
        "embed" | "bookmark" => {
            let url = string(node, "url");
            if !url.is_empty() {
                out.push_str(&format!(
                    "<figure class=\"kg-card kg-embed-card\" data-url=\"{}\">{}</figure>",
                    esc(url),
                    caption(node)
                ));
            }
        }
        "callout" => out.push_str(&format!(
            "<div class=\"kg-card kg-callout-card\"><div class=\"kg-callout-text\">{}</div></div>",
            string(node, "calloutText")
        )),
        "codeblock" => out.push_str(&format!(
            "<pre><code class=\"language-{}\">{}</code></pre>",
            esc(string(node, "language")),
            html_escape::encode_text(string(node, "code"))
        )),
        "html" => out.push_str(string(node, "html")),
        "markdown" => {
            let parser = pulldown_cmark::Parser::new_ext(
                string(node, "markdown"),
                masthead_core::document::markdown_options(),
            );
            pulldown_cmark::html::push_html(out, parser);
        }
        // Anything else: what it holds, if anything.
        _ => children_html(node, out, depth),
    }
}

/// A card's caption (HTML in Lexical) as a figure's caption.
fn caption(node: &Value) -> String {
    match string(node, "caption") {
        "" => String::new(),
        c => format!("<figcaption>{c}</figcaption>"),
    }
}

/// A text node with its format's marks (Lexical's bits: bold 1, italic 2,
/// strikethrough 4, underline 8, code 16, subscript 32, superscript 64).
fn formatted(node: &Value) -> String {
    let format = node.get("format").and_then(Value::as_u64).unwrap_or(0);
    let mut html = html_escape::encode_text(string(node, "text")).into_owned();
    for (bit, tag) in [
        (16, "code"),
        (64, "sup"),
        (32, "sub"),
        (8, "u"),
        (4, "s"),
        (2, "em"),
        (1, "strong"),
    ] {
        if format & bit != 0 {
            html = format!("<{tag}>{html}</{tag}>");
        }
    }
    html
}

#[cfg(test)]
mod tests;
