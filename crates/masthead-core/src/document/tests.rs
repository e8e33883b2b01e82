use super::*;
use proptest::prelude::*;

fn text(t: &str) -> Inline {
    Inline::text(t)
}

fn marked(t: &str, marks: Vec<Mark>) -> Inline {
    Inline::Text {
        text: t.into(),
        marks,
    }
}

fn paragraph(content: Vec<Inline>) -> Block {
    Block::Paragraph { content }
}

fn link(href: &str) -> Mark {
    Mark::Link {
        attrs: LinkAttrs {
            href: href.into(),
            title: String::new(),
        },
    }
}

/// A document holding every kind of node.
fn every_node() -> Document {
    Document::new(vec![
        Block::Heading {
            attrs: HeadingAttrs { level: 2 },
            content: vec![text("Harbour")],
        },
        paragraph(vec![
            text("Plain, "),
            marked("bold", vec![Mark::Strong]),
            text(", "),
            marked("a link", vec![link("https://example.com/")]),
            Inline::HardBreak { marks: vec![] },
            marked("code", vec![Mark::Code]),
            Inline::FootnoteRef {
                attrs: LabelAttrs { label: "1".into() },
                marks: vec![],
            },
            Inline::HtmlInline {
                attrs: HtmlAttrs {
                    html: "<sup>".into(),
                },
                marks: vec![],
            },
            Inline::Image {
                attrs: ImageAttrs {
                    src: "/media/a.jpg".into(),
                    alt: "A boat".into(),
                    title: String::new(),
                },
                marks: vec![],
            },
        ]),
        Block::Blockquote {
            content: vec![paragraph(vec![text("Quoted")])],
        },
        Block::BulletList {
            attrs: ListAttrs { tight: true },
            content: vec![ListItem::ListItem {
                content: vec![paragraph(vec![text("one")])],
            }],
        },
        Block::OrderedList {
            attrs: OrderedListAttrs {
                order: 3,
                tight: false,
            },
            content: vec![ListItem::ListItem {
                content: vec![paragraph(vec![text("three")])],
            }],
        },
        Block::CodeBlock {
            attrs: CodeAttrs {
                language: "rust".into(),
            },
            content: vec![text("fn main() {}\n")],
        },
        Block::HorizontalRule,
        Block::PreviewCut,
        Block::Table {
            attrs: TableAttrs {
                align: vec![Align::Left, Align::Right],
            },
            content: vec![
                TableRow::TableRow {
                    content: vec![
                        TableCell::TableHeader {
                            content: vec![text("Port")],
                        },
                        TableCell::TableHeader {
                            content: vec![text("Ships")],
                        },
                    ],
                },
                TableRow::TableRow {
                    content: vec![
                        TableCell::TableCell {
                            content: vec![text("Oslo")],
                        },
                        TableCell::TableCell {
                            content: vec![text("12")],
                        },
                    ],
                },
            ],
        },
        Block::FootnoteDefinition {
            attrs: LabelAttrs { label: "1".into() },
            content: vec![paragraph(vec![text("A note.")])],
        },
        Block::Html {
            attrs: HtmlAttrs {
                html: "<div>raw</div>\n".into(),
            },
        },
        Block::Picture {
            attrs: PictureCard {
                src: "/media/b.jpg".into(),
                alt: "Cranes".into(),
                caption: "Cranes at dawn".into(),
                credit: "Ana Lima".into(),
                width: Width::Wide,
            },
        },
        Block::Gallery {
            attrs: GalleryCard {
                images: vec![PictureCard {
                    src: "/media/c.jpg".into(),
                    ..PictureCard::default()
                }],
                caption: "The quay".into(),
            },
        },
        Block::Embed {
            attrs: EmbedCard {
                url: "https://www.youtube.com/watch?v=abc".into(),
                provider: "YouTube".into(),
                title: "Launch".into(),
                frame: "https://www.youtube-nocookie.com/embed/abc".into(),
                ..EmbedCard::default()
            },
        },
        Block::PullQuote {
            attrs: PullQuoteCard {
                text: "We stay.".into(),
                attribution: "The mayor".into(),
            },
        },
        Block::Callout {
            attrs: CalloutCard {
                title: "Facts".into(),
                text: "One.\n\nTwo.".into(),
            },
        },
        Block::Related {
            attrs: RelatedCard {
                url: "/world/harbour/".into(),
                title: "The harbour".into(),
            },
        },
    ])
}

#[test]
fn every_node_round_trips_through_json() {
    let document = every_node();
    let json = document.to_json();
    let again = Document::from_json(&json, "body").unwrap();
    assert_eq!(again, document);
    assert_eq!(again.to_json(), json);
    assert!(json.starts_with(r#"{"type":"doc","attrs":{"version":1},"content":["#));
}

#[test]
fn every_node_round_trips_through_markdown() {
    let document = every_node();
    let markdown = document.to_markdown();
    assert!(markdown.contains("```masthead:picture"), "{markdown}");
    assert_eq!(Document::from_markdown(&markdown), document, "{markdown}");
}

#[test]
fn json_from_the_editor_reads_with_nulls_and_unknown_attributes() {
    // ProseMirror writes unset attributes as null, and a paragraph may carry attrs
    // this Masthead does not use.
    let json = r#"{"type":"doc","attrs":{"version":1},"content":[
        {"type":"paragraph","attrs":{"align":null},"content":[
            {"type":"text","text":"a","marks":[{"type":"link","attrs":{"href":"/x","title":null}}]}]},
        {"type":"code_block","attrs":{"language":null},"content":[{"type":"text","text":"x"}]}]}"#;
    let document = Document::from_json(json, "body").unwrap();
    assert_eq!(
        document.content[0],
        paragraph(vec![marked("a", vec![link("/x")])])
    );
}

/// The visual editor's blank lines (empty paragraphs, anywhere) are not kept:
/// Markdown cannot hold them, and readers see nothing of them.
#[test]
fn empty_paragraphs_from_the_editor_are_dropped() {
    let json = r#"{"type":"doc","attrs":{"version":1},"content":[
        {"type":"paragraph"},
        {"type":"paragraph","content":[{"type":"text","text":"Words."}]},
        {"type":"paragraph","content":[{"type":"text","text":"  "}]},
        {"type":"blockquote","content":[{"type":"paragraph"},
            {"type":"paragraph","content":[{"type":"text","text":"Quoted."}]}]},
        {"type":"paragraph"}]}"#;
    let document = Document::from_json(json, "body").unwrap();
    assert_eq!(
        document,
        Document::new(vec![
            paragraph(vec![text("Words.")]),
            Block::Blockquote {
                content: vec![paragraph(vec![text("Quoted.")])]
            },
        ])
    );
    let markdown = document.to_markdown();
    assert!(!markdown.contains("masthead:"), "{markdown}");
    assert_eq!(Document::from_markdown(&markdown), document);
}

#[test]
fn unreadable_json_and_other_versions_are_refused_by_name() {
    let newer = r#"{"type":"doc","attrs":{"version":2},"content":[]}"#;
    let e = Document::from_json(newer, "body").unwrap_err().to_string();
    assert!(e.contains("version 2") && e.contains("version 1"), "{e}");
    let unknown = r#"{"type":"doc","attrs":{"version":1},"content":[{"type":"marquee"}]}"#;
    let e = Document::from_json(unknown, "body")
        .unwrap_err()
        .to_string();
    assert!(e.contains("marquee"), "{e}");
    assert!(Document::from_json("not json", "body").is_err());
    // Deeper than the JSON reader goes: refused, not a crash.
    let deep = format!(
        r#"{{"type":"doc","attrs":{{"version":1}},"content":[{}]}}"#,
        r#"{"type":"blockquote","content":["#.repeat(5000)
    );
    assert!(Document::from_json(&deep, "body").is_err());
}

#[test]
fn markdown_becomes_blocks_marks_and_tight_or_loose_lists() {
    let document = Document::from_markdown(
        "## Title\n\nSome **bold _and_ italic** text with [a link](/x \"T\").\n\n\
         - one\n- two\n\n1. a\n\n2. b\n\n<!--more-->\n\nmail <me@example.com>\n",
    );
    let blocks = &document.content;
    assert_eq!(
        blocks[0],
        Block::Heading {
            attrs: HeadingAttrs { level: 2 },
            content: vec![text("Title")]
        }
    );
    assert_eq!(
        blocks[1],
        paragraph(vec![
            text("Some "),
            marked("bold ", vec![Mark::Strong]),
            marked("and", vec![Mark::Strong, Mark::Em]),
            marked(" italic", vec![Mark::Strong]),
            text(" text with "),
            marked(
                "a link",
                vec![Mark::Link {
                    attrs: LinkAttrs {
                        href: "/x".into(),
                        title: "T".into()
                    }
                }]
            ),
            text("."),
        ])
    );
    assert!(
        matches!(&blocks[2], Block::BulletList { attrs, content } if attrs.tight && content.len() == 2)
    );
    assert!(
        matches!(&blocks[3], Block::OrderedList { attrs, .. } if !attrs.tight && attrs.order == 1)
    );
    assert_eq!(blocks[4], Block::PreviewCut);
    assert_eq!(
        blocks[5],
        paragraph(vec![
            text("mail "),
            marked("me@example.com", vec![link("mailto:me@example.com")])
        ])
    );
}

#[test]
fn a_card_fence_that_is_not_a_card_is_code_when_read_and_an_error_when_written() {
    let markdown = "```masthead:picture\n{\"alt\": 1}\n```\n";
    let read = Document::from_markdown(markdown);
    assert!(
        matches!(&read.content[0], Block::CodeBlock { attrs, .. } if attrs.language == "masthead:picture")
    );
    let e = Document::from_markdown_checked(markdown, "body_markdown")
        .unwrap_err()
        .to_string();
    assert!(e.contains("masthead:picture"), "{e}");
    let e = Document::from_markdown_checked("```masthead:marquee\n{}\n```\n", "body_markdown")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no card called \"marquee\""), "{e}");
    let good = "```masthead:pull_quote\n{\"text\": \"We stay.\"}\n```\n";
    let document = Document::from_markdown_checked(good, "body_markdown").unwrap();
    assert!(matches!(&document.content[0], Block::PullQuote { attrs } if attrs.text == "We stay."));
}

#[test]
fn plain_text_is_what_readers_read() {
    let document = Document::from_markdown(
        "# A\n\nOne *two*.\n\n```\ncode\n```\n\n<div>raw</div>\n\nThree[^n].\n\n[^n]: Note.\n",
    );
    // Code counts as words read, as it always has; footnotes and raw HTML do not.
    assert_eq!(document.plain_text(), "A\n\nOne two.\n\ncode\n\nThree.");
    assert_eq!(every_node().plain_text().lines().next(), Some("Harbour"));
    assert!(every_node().plain_text().contains("We stay."));
}

#[test]
fn before_cut_is_the_open_part() {
    let document = Document::from_markdown("Open.\n\n<!--members-only-->\n\nClosed.\n");
    let open = document.before_cut().unwrap();
    assert_eq!(open.plain_text(), "Open.");
    assert!(Document::from_markdown("All open.\n")
        .before_cut()
        .is_none());
}

#[test]
fn raw_html_added_is_told_from_raw_html_kept() {
    let before = Document::from_markdown("<div>a</div>\n\ntext\n\n<div>b</div>\n");
    let cases = [
        ("<div>a</div>\n\nother text\n\n<div>b</div>\n", false),
        ("<div>b</div>\n", false),
        ("text only\n", false),
        ("<div>a</div>\n\n<div>a</div>\n", true),
        ("<div>c</div>\n", true),
    ];
    for (after, adds) in cases {
        assert_eq!(
            Document::from_markdown(after).adds_raw_html(&before),
            adds,
            "{after}"
        );
    }
}

#[test]
fn validation_names_the_problem() {
    let cases: Vec<(Block, &str)> = vec![
        (
            Block::Heading {
                attrs: HeadingAttrs { level: 9 },
                content: vec![],
            },
            "level is 9",
        ),
        (
            Block::Picture {
                attrs: PictureCard::default(),
            },
            "no picture",
        ),
        (
            Block::Gallery {
                attrs: GalleryCard::default(),
            },
            "no pictures",
        ),
        (
            Block::Embed {
                attrs: EmbedCard {
                    url: "javascript:alert(1)".into(),
                    ..EmbedCard::default()
                },
            },
            "not an http(s) address",
        ),
        (
            Block::Embed {
                attrs: EmbedCard {
                    url: "https://x.example/".into(),
                    frame: "http://x.example/player".into(),
                    ..EmbedCard::default()
                },
            },
            "https",
        ),
        (
            Block::PullQuote {
                attrs: PullQuoteCard::default(),
            },
            "no words",
        ),
        (
            Block::Callout {
                attrs: CalloutCard::default(),
            },
            "empty",
        ),
        (
            Block::Related {
                attrs: RelatedCard {
                    url: "//evil.example/".into(),
                    title: "x".into(),
                },
            },
            "on this site",
        ),
    ];
    for (block, says) in cases {
        let e = Document::new(vec![Block::Blockquote {
            content: vec![block.clone()],
        }])
        .validate("body")
        .unwrap_err()
        .to_string();
        assert!(e.contains(says), "{block:?}: {e}");
    }
    every_node().validate("body").unwrap();
}

#[test]
fn normalizing_joins_text_and_orders_marks() {
    let document = Document::new(vec![paragraph(vec![
        marked("a", vec![Mark::Em, Mark::Strong, Mark::Em]),
        marked("b", vec![Mark::Strong, Mark::Em]),
        text(""),
        text("c"),
    ])])
    .normalized();
    assert_eq!(
        document.content[0],
        paragraph(vec![marked("ab", vec![Mark::Strong, Mark::Em]), text("c")])
    );
}

/// Bodies written in Markdown, as they are in the wild: each reads to a document
/// whose Markdown reads to the same document again.
const MARKDOWN: &[&str] = &[
    "Plain paragraph.\n",
    "# H1\n\n## H2 with `code`\n\n###### H6\n",
    "Line one\nline two  \nhard break\n",
    "> quote\n>\n> > nested\n\nafter\n",
    "- a\n- b\n  - c\n  - d\n- e\n",
    "1. first\n\n   more of first\n\n2. second\n",
    "7. seven\n8. eight\n",
    "| a | b |\n|:--|--:|\n| 1 | **2** |\n| x | [y](/y) |\n",
    "Text[^1] and[^b].\n\n[^1]: One.\n[^b]: Two\n    with more.\n",
    "![alt *text*](/media/x.jpg \"title\")\n\n[![pic](/a.png)](/b)\n",
    "<div class=\"x\">\n<p>html</p>\n</div>\n\ninline <span>html</span> here\n",
    "```js\nlet a = 1;\n\nlet b = 2;\n```\n\n    indented\n",
    "~~gone~~ and *em* and __strong__ and ***both***\n",
    "Escapes: \\*not em\\* \\# not heading 1\\. not list <not html> & ampersand\n",
    "before\n\n***\n\nafter\n\n- - -\n",
    "<!--more-->\n\nafter the cut\n",
    "Autolink <https://example.com/a?b=c&d> and email <x@y.example>\n",
    "- [link](/a)\n- `code`\n\n  loose now\n",
    "* * *\n\n- \n- empty item above\n",
    "Emoji 🦀 and accents éàü and a tab\there\n",
];

#[test]
fn markdown_documents_round_trip() {
    for markdown in MARKDOWN {
        let document = Document::from_markdown(markdown);
        let again = Document::from_markdown(&document.to_markdown());
        assert_eq!(
            again,
            document,
            "{markdown:?} wrote {:?}",
            document.to_markdown()
        );
        let json = Document::from_json(&document.to_json(), "body").unwrap();
        assert_eq!(json, document);
    }
}

fn arb_marks() -> impl Strategy<Value = Vec<Mark>> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of("/[a-z]{1,8}"),
    )
        .prop_map(|(strong, em, strike, code, href)| {
            let mut marks = Vec::new();
            if let Some(href) = href {
                marks.push(link(&href));
            }
            if strong {
                marks.push(Mark::Strong);
            }
            if em {
                marks.push(Mark::Em);
            }
            if strike {
                marks.push(Mark::Strike);
            }
            if code {
                marks.push(Mark::Code);
            }
            marks
        })
}

fn arb_inline() -> impl Strategy<Value = Inline> {
    prop_oneof![
        4 => ("[ -~éü🦀\n]{1,20}", arb_marks()).prop_map(|(text, marks)| Inline::Text { text, marks }),
        1 => Just(Inline::HardBreak { marks: vec![] }),
        1 => ("/media/[a-z]{1,6}\\.jpg", "[a-zA-Z ]{0,12}").prop_map(|(src, alt)| Inline::Image {
            attrs: ImageAttrs { src, alt, title: String::new() },
            marks: vec![],
        }),
        1 => "[a-z0-9]{1,4}".prop_map(|label| Inline::FootnoteRef {
            attrs: LabelAttrs { label },
            marks: vec![],
        }),
    ]
}

fn arb_picture() -> impl Strategy<Value = PictureCard> {
    (
        "/media/[a-z]{1,6}\\.png",
        ".{0,20}",
        ".{0,20}",
        ".{0,20}",
        prop_oneof![Just(Width::Regular), Just(Width::Wide), Just(Width::Full)],
    )
        .prop_map(|(src, alt, caption, credit, width)| PictureCard {
            src,
            alt,
            caption,
            credit,
            width,
        })
}

fn arb_leaf_block() -> impl Strategy<Value = Block> {
    prop_oneof![
        prop::collection::vec(arb_inline(), 0..6).prop_map(|content| Block::Paragraph { content }),
        (1u8..=6, prop::collection::vec(arb_inline(), 0..4)).prop_map(|(level, content)| {
            Block::Heading {
                attrs: HeadingAttrs { level },
                content,
            }
        }),
        ("[a-z]{0,6}", ".{0,40}").prop_map(|(language, code)| Block::CodeBlock {
            attrs: CodeAttrs { language },
            content: if code.is_empty() {
                vec![]
            } else {
                vec![Inline::text(code)]
            },
        }),
        Just(Block::HorizontalRule),
        Just(Block::PreviewCut),
        arb_picture().prop_map(|attrs| Block::Picture { attrs }),
        (prop::collection::vec(arb_picture(), 1..4), ".{0,20}").prop_map(|(images, caption)| {
            Block::Gallery {
                attrs: GalleryCard { images, caption },
            }
        }),
        (".{1,30}", ".{0,20}").prop_map(|(text, attribution)| Block::PullQuote {
            attrs: PullQuoteCard { text, attribution },
        }),
        (".{0,20}", ".{1,60}").prop_map(|(title, text)| Block::Callout {
            attrs: CalloutCard { title, text }
        }),
        ("https://[a-z]{1,8}\\.example/[a-z]{0,8}", ".{0,20}").prop_map(|(url, title)| {
            Block::Embed {
                attrs: EmbedCard {
                    url,
                    title,
                    ..EmbedCard::default()
                },
            }
        }),
        ("/[a-z]{1,8}/", ".{1,20}").prop_map(|(url, title)| Block::Related {
            attrs: RelatedCard { url, title }
        }),
        (1usize..4, 1usize..3).prop_map(|(columns, rows)| Block::Table {
            attrs: TableAttrs {
                align: vec![Align::Center; columns]
            },
            content: (0..rows)
                .map(|r| TableRow::TableRow {
                    content: (0..columns)
                        .map(|c| {
                            let content = vec![Inline::text(format!("r{r}c{c}"))];
                            if r == 0 {
                                TableCell::TableHeader { content }
                            } else {
                                TableCell::TableCell { content }
                            }
                        })
                        .collect(),
                })
                .collect(),
        }),
    ]
}

fn arb_block() -> impl Strategy<Value = Block> {
    arb_leaf_block().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3)
                .prop_map(|content| Block::Blockquote { content }),
            (
                any::<bool>(),
                prop::collection::vec(prop::collection::vec(inner.clone(), 1..3), 1..3)
            )
                .prop_map(|(tight, items)| Block::BulletList {
                    attrs: ListAttrs { tight },
                    content: items
                        .into_iter()
                        .map(|content| ListItem::ListItem { content })
                        .collect(),
                }),
            (
                1u64..20,
                prop::collection::vec(prop::collection::vec(inner, 1..3), 1..3)
            )
                .prop_map(|(order, items)| Block::OrderedList {
                    attrs: OrderedListAttrs {
                        order,
                        tight: false
                    },
                    content: items
                        .into_iter()
                        .map(|content| ListItem::ListItem { content })
                        .collect(),
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The stored form round-trips: load, save, load gives the same document, and
    /// saving it again gives the same bytes.
    #[test]
    fn documents_round_trip_through_json(blocks in prop::collection::vec(arb_block(), 0..8)) {
        let document = Document::new(blocks).normalized();
        let json = document.to_json();
        let loaded = Document::from_json(&json, "body").unwrap();
        prop_assert_eq!(&loaded, &document);
        prop_assert_eq!(loaded.to_json(), json);
        // And what a document reads as is read the same way every time.
        let text = loaded.plain_text();
        prop_assert_eq!(Document::from_json(&loaded.to_json(), "body").unwrap().plain_text(), text);
    }

    /// Whatever the editor makes, its Markdown mode shows as Markdown that reads back
    /// as the very same document.
    #[test]
    fn markdown_of_any_document_reads_back_as_it(blocks in prop::collection::vec(arb_block(), 0..8)) {
        let document = Document::new(blocks).normalized();
        prop_assert_eq!(Document::from_markdown(&document.to_markdown()), document);
    }
}
