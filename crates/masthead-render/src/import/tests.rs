#![allow(clippy::unwrap_used)]
use super::*;
use masthead_core::document::{Block, Inline, Mark};

fn blocks(html: &str) -> Vec<Block> {
    html_to_document(html, "html").unwrap().content
}

#[test]
fn html_keeps_its_structure_and_marks() {
    let doc = blocks(
        "<h2>Heading</h2><p>Some <strong>bold</strong>, <em>italic</em> and a \
         <a href=\"https://example.com/\">link</a>.</p><ul><li>one</li><li>two</li></ul>\
         <blockquote><p>Said.</p></blockquote><hr><pre><code>let x = 1;</code></pre>",
    );
    assert!(matches!(&doc[0], Block::Heading { attrs, .. } if attrs.level == 2));
    let Block::Paragraph { content } = &doc[1] else {
        panic!("{doc:?}")
    };
    assert!(content
        .iter()
        .any(|i| matches!(i, Inline::Text { text, .. } if text == "bold")
            && i.marks().contains(&Mark::Strong)));
    assert!(content.iter().any(|i| i
        .marks()
        .iter()
        .any(|m| matches!(m, Mark::Link { attrs } if attrs.href == "https://example.com/"))));
    assert!(matches!(&doc[2], Block::BulletList { content, .. } if content.len() == 2));
    assert!(matches!(&doc[3], Block::Blockquote { .. }));
    assert!(matches!(&doc[4], Block::HorizontalRule));
    assert!(matches!(&doc[5], Block::CodeBlock { .. }));
}

#[test]
fn ghosts_cards_become_the_editors_cards() {
    let doc = blocks(
        "<p>Before.</p>\
         <figure class=\"kg-card kg-image-card kg-card-hascaption\"><img src=\"/media/a.jpg\" \
         alt=\"A harbour\"><figcaption>The <b>harbour</b> at dawn</figcaption></figure>\
         <figure class=\"kg-card kg-gallery-card\"><img src=\"/media/b.jpg\" alt=\"b\">\
         <img src=\"/media/c.jpg\" alt=\"c\"></figure>\
         <blockquote class=\"kg-blockquote-alt\">Pulled out.</blockquote>\
         <div class=\"kg-card kg-callout-card\"><div class=\"kg-callout-emoji\">!</div>\
         <div class=\"kg-callout-text\">Know this.</div></div>\
         <figure class=\"kg-card kg-embed-card\"><iframe src=\"https://www.youtube.com/embed/x\"></iframe></figure>\
         <!--members-only--><p>After the cut.</p>",
    );
    let Block::Picture { attrs } = &doc[1] else {
        panic!("{doc:?}")
    };
    assert_eq!(
        (
            attrs.src.as_str(),
            attrs.alt.as_str(),
            attrs.caption.as_str()
        ),
        ("/media/a.jpg", "A harbour", "The harbour at dawn")
    );
    assert!(matches!(&doc[2], Block::Gallery { attrs } if attrs.images.len() == 2));
    assert!(matches!(&doc[3], Block::PullQuote { attrs } if attrs.text == "Pulled out."));
    assert!(matches!(&doc[4], Block::Callout { attrs } if attrs.text == "Know this."));
    assert!(
        matches!(&doc[5], Block::Embed { attrs } if attrs.url == "https://www.youtube.com/embed/x")
    );
    assert!(matches!(&doc[6], Block::PreviewCut));
    assert!(matches!(&doc[7], Block::Paragraph { .. }));
}

#[test]
fn scripts_are_dropped_and_nothing_breaks_on_junk() {
    let doc = html_to_document("<script>alert(1)</script><p>Kept</p>", "html").unwrap();
    assert_eq!(doc.plain_text().trim(), "Kept");
    for junk in [
        "",
        "<",
        "<p><b>unclosed",
        "\u{0}",
        "<figure></figure>",
        "<!--more",
    ] {
        assert!(html_to_document(junk, "html").is_ok(), "{junk:?}");
    }
    let deep = format!("{}x{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
    assert!(html_to_document(&deep, "html").is_err());
    // Within the rough count, too deep as built.
    let deep = format!("{}x", "<div>".repeat(300));
    assert!(html_to_document(&deep, "html").is_err());
    let nested = format!("{}x{}", "<div>".repeat(100), "</div>".repeat(100));
    assert_eq!(
        html_to_document(&nested, "html")
            .unwrap()
            .plain_text()
            .trim(),
        "x"
    );
    let huge = "a".repeat(MAX_IMPORT_BYTES + 1);
    assert!(html_to_document(&huge, "html").is_err());
}

#[test]
fn lexical_reads_as_ghost_renders_it() {
    let lexical = serde_json::json!({"root": {"type": "root", "children": [
        {"type": "heading", "tag": "h3", "children": [{"type": "text", "text": "Title"}]},
        {"type": "paragraph", "children": [
            {"type": "text", "text": "bold", "format": 1},
            {"type": "text", "text": " and "},
            {"type": "link", "url": "https://example.org/", "children": [{"type": "text", "text": "a link"}]}
        ]},
        {"type": "image", "src": "/media/p.png", "alt": "Alt", "caption": "Cap"},
        {"type": "list", "listType": "number", "start": 1, "children": [
            {"type": "listitem", "children": [{"type": "text", "text": "first"}]}
        ]},
        {"type": "paywall"},
        {"type": "codeblock", "code": "<b>x</b>", "language": "html"},
        {"type": "markdown", "markdown": "*md*"}
    ]}})
    .to_string();
    let doc = lexical_to_document(&lexical, "lexical").unwrap().content;
    assert!(matches!(&doc[0], Block::Heading { attrs, .. } if attrs.level == 3));
    assert!(
        matches!(&doc[2], Block::Picture { attrs } if attrs.src == "/media/p.png" && attrs.caption == "Cap")
    );
    assert!(matches!(&doc[3], Block::OrderedList { .. }));
    assert!(matches!(&doc[4], Block::PreviewCut));
    let Block::CodeBlock { content, .. } = &doc[5] else {
        panic!("{doc:?}")
    };
    assert!(matches!(&content[0], Inline::Text { text, .. } if text.contains("<b>x</b>")));
    for bad in ["", "[]", "{\"root\": 1}", "not json"] {
        assert!(lexical_to_document(bad, "lexical").is_err(), "{bad}");
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!(
        "{{\"root\": {{\"children\": [{}{{\"type\": \"text\", \"text\": \"deep\"}}{}]}}}}",
        "{\"type\": \"paragraph\", \"children\": [".repeat(10_000),
        "]}".repeat(10_000)
    );
    assert!(lexical_to_document(&deep, "lexical").is_err());
}
