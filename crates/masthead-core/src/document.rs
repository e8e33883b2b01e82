//! Bodies as documents: what a writer writes, as a tree of blocks (paragraphs,
//! headings, lists, tables, quotes, footnotes) holding inline text with marks (bold,
//! italic, links, ...), and cards (a picture, a gallery, an embed, a pull quote, a fact
//! box, a related story, raw HTML).
//!
//! The stored form is JSON in the shape of a ProseMirror document, so the visual editor
//! loads and saves it as it is, and it carries its format's version
//! (`{"type": "doc", "attrs": {"version": 1}, "content": [...]}`). The format is
//! documented in `docs/document-format.md`; this module is its definition.
//!
//! Markdown is a second way to write the same document: `from_markdown` reads
//! CommonMark with tables, footnotes and strikethrough (every body written before the
//! document format, and the editor's Markdown mode), and `to_markdown` writes a
//! document back, its cards as fenced blocks (```` ```masthead:picture ````) holding
//! the card's fields as JSON. Both go through the same stream of `pulldown_cmark`
//! events that the renderer turns into HTML, so a body written in Markdown renders as
//! it did before it became a document.

use crate::{Error, Result};
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options,
    Parser, Tag, TagEnd,
};
use serde::{Deserialize, Deserializer, Serialize};

/// The version of the format this Masthead writes and reads.
pub const VERSION: u32 = 1;

/// The lines a writer puts where the preview of a members-only or paid article ends:
/// WordPress's "more" tag and Ghost's members-only marker, so imported articles keep
/// theirs. In a document, a `PreviewCut` block.
pub const CUT_MARKERS: [&str; 2] = ["<!--more-->", "<!--members-only-->"];

/// What a fenced block's info string starts with when it holds a card.
pub const CARD_FENCE: &str = "masthead:";

/// The most pictures a gallery holds.
pub const MAX_GALLERY: usize = 60;

/// The Markdown options of every body: CommonMark with tables, footnotes and
/// strikethrough.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Whether `text` (a line or a block of raw HTML) is a preview cut.
pub fn is_cut(text: &str) -> bool {
    let text = text.trim();
    CUT_MARKERS.iter().any(|m| text.eq_ignore_ascii_case(m))
}

/// A body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    #[serde(rename = "type")]
    kind: DocKind,
    pub attrs: DocAttrs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DocKind {
    Doc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocAttrs {
    pub version: u32,
}

impl Default for Document {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// A block of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        content: Vec<Inline>,
    },
    Heading {
        attrs: HeadingAttrs,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        content: Vec<Inline>,
    },
    Blockquote {
        #[serde(default)]
        content: Vec<Block>,
    },
    BulletList {
        #[serde(default)]
        attrs: ListAttrs,
        #[serde(default)]
        content: Vec<ListItem>,
    },
    OrderedList {
        #[serde(default)]
        attrs: OrderedListAttrs,
        #[serde(default)]
        content: Vec<ListItem>,
    },
    /// Code; its content is text without marks.
    CodeBlock {
        #[serde(default)]
        attrs: CodeAttrs,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        content: Vec<Inline>,
    },
    /// A divider.
    HorizontalRule,
    /// Where the preview of a gated article ends.
    PreviewCut,
    Table {
        #[serde(default)]
        attrs: TableAttrs,
        #[serde(default)]
        content: Vec<TableRow>,
    },
    FootnoteDefinition {
        attrs: LabelAttrs,
        #[serde(default)]
        content: Vec<Block>,
    },
    /// Raw HTML, sanitised when rendered like everything else: from Markdown written
    /// before the visual editor, or the raw-HTML card (editors and admins only).
    Html {
        attrs: HtmlAttrs,
    },
    Picture {
        attrs: PictureCard,
    },
    Gallery {
        attrs: GalleryCard,
    },
    Embed {
        attrs: EmbedCard,
    },
    PullQuote {
        attrs: PullQuoteCard,
    },
    /// A fact box.
    Callout {
        attrs: CalloutCard,
    },
    Related {
        attrs: RelatedCard,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListItem {
    ListItem {
        #[serde(default)]
        content: Vec<Block>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableRow {
    TableRow {
        #[serde(default)]
        content: Vec<TableCell>,
    },
}

/// A table's cell: a header cell in its first row, a data cell in the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableCell {
    TableHeader {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        content: Vec<Inline>,
    },
    TableCell {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        content: Vec<Inline>,
    },
}

impl TableCell {
    pub fn content(&self) -> &[Inline] {
        match self {
            TableCell::TableHeader { content } | TableCell::TableCell { content } => content,
        }
    }
}

/// Inline content: text with its marks, and the few things that sit in a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
    HardBreak {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
    Image {
        attrs: ImageAttrs,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
    FootnoteRef {
        attrs: LabelAttrs,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
    HtmlInline {
        attrs: HtmlAttrs,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
}

impl Inline {
    pub fn text(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            marks: Vec::new(),
        }
    }

    pub fn marks(&self) -> &[Mark] {
        match self {
            Inline::Text { marks, .. }
            | Inline::HardBreak { marks }
            | Inline::Image { marks, .. }
            | Inline::FootnoteRef { marks, .. }
            | Inline::HtmlInline { marks, .. } => marks,
        }
    }

    fn marks_mut(&mut self) -> &mut Vec<Mark> {
        match self {
            Inline::Text { marks, .. }
            | Inline::HardBreak { marks }
            | Inline::Image { marks, .. }
            | Inline::FootnoteRef { marks, .. }
            | Inline::HtmlInline { marks, .. } => marks,
        }
    }
}

/// A mark on inline content. Marks are kept in this order (links outermost), once
/// each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mark {
    Link { attrs: LinkAttrs },
    Strong,
    Em,
    Strike,
    Code,
}

impl Mark {
    fn rank(&self) -> u8 {
        match self {
            Mark::Link { .. } => 0,
            Mark::Strong => 1,
            Mark::Em => 2,
            Mark::Strike => 3,
            Mark::Code => 4,
        }
    }
}

/// A string that may be `null` in JSON (ProseMirror writes unset attributes so).
fn text_or_null<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkAttrs {
    #[serde(deserialize_with = "text_or_null")]
    pub href: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadingAttrs {
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListAttrs {
    /// Items without space between them (Markdown's tight list): their paragraphs
    /// are not wrapped in `<p>`.
    #[serde(default)]
    pub tight: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedListAttrs {
    #[serde(default = "one")]
    pub order: u64,
    #[serde(default)]
    pub tight: bool,
}

impl Default for OrderedListAttrs {
    fn default() -> Self {
        Self {
            order: 1,
            tight: false,
        }
    }
}

fn one() -> u64 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeAttrs {
    #[serde(default, deserialize_with = "text_or_null")]
    pub language: String,
}

/// Column alignments, as Markdown tables have them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    None,
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableAttrs {
    #[serde(default)]
    pub align: Vec<Align>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelAttrs {
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HtmlAttrs {
    #[serde(deserialize_with = "text_or_null")]
    pub html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageAttrs {
    #[serde(deserialize_with = "text_or_null")]
    pub src: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub alt: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub title: String,
}

/// How wide a picture card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Width {
    /// The text's width.
    #[default]
    Regular,
    /// Wider than the text.
    Wide,
    /// The whole screen.
    Full,
}

/// A picture with its caption and credit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PictureCard {
    /// The site's picture (`/media/KEY`), or an address elsewhere.
    #[serde(deserialize_with = "text_or_null")]
    pub src: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub alt: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub caption: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub credit: String,
    #[serde(default)]
    pub width: Width,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GalleryCard {
    #[serde(default)]
    pub images: Vec<PictureCard>,
    #[serde(default, deserialize_with = "text_or_null")]
    pub caption: String,
}

/// Something from another site (a video, a post, a map), as the server fetched it
/// when the writer added it: readers get a placeholder made of these fields, and
/// nothing from the other site loads until they ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmbedCard {
    /// The address the writer gave.
    #[serde(deserialize_with = "text_or_null")]
    pub url: String,
    /// The provider's name ("YouTube").
    #[serde(default, deserialize_with = "text_or_null")]
    pub provider: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub title: String,
    /// Who made it (a channel, an account).
    #[serde(default, deserialize_with = "text_or_null")]
    pub author: String,
    /// A copy of its thumbnail on this site (`/media/KEY`), if it has one.
    #[serde(default, deserialize_with = "text_or_null")]
    pub thumbnail: String,
    /// The player to load in a frame when the reader asks (`https://...`), for
    /// providers that have one; otherwise the reader follows the link.
    #[serde(default, deserialize_with = "text_or_null")]
    pub frame: String,
    /// The post's own text, for providers of posts (X, Bluesky, Mastodon), as text.
    #[serde(default, deserialize_with = "text_or_null")]
    pub text: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub caption: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PullQuoteCard {
    #[serde(deserialize_with = "text_or_null")]
    pub text: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub attribution: String,
}

/// A fact box: a title and paragraphs of plain text (separated by blank lines).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CalloutCard {
    #[serde(default, deserialize_with = "text_or_null")]
    pub title: String,
    #[serde(deserialize_with = "text_or_null")]
    pub text: String,
}

/// A link to another story of the site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RelatedCard {
    /// The story's address on this site (`/section/slug/`).
    #[serde(deserialize_with = "text_or_null")]
    pub url: String,
    #[serde(deserialize_with = "text_or_null")]
    pub title: String,
}

impl Block {
    /// The card's name in Markdown's fence (`masthead:NAME`) and in the editor's menu;
    /// `None` for blocks that are not cards.
    pub fn card_name(&self) -> Option<&'static str> {
        Some(match self {
            Block::Picture { .. } => "picture",
            Block::Gallery { .. } => "gallery",
            Block::Embed { .. } => "embed",
            Block::PullQuote { .. } => "pull_quote",
            Block::Callout { .. } => "callout",
            Block::Related { .. } => "related",
            _ => return None,
        })
    }

    /// A card from its fence's name and its fields as JSON.
    fn card(name: &str, json: &str) -> std::result::Result<Block, String> {
        fn parse<T: serde::de::DeserializeOwned>(json: &str) -> std::result::Result<T, String> {
            serde_json::from_str(json).map_err(|e| e.to_string())
        }
        Ok(match name {
            "picture" => Block::Picture {
                attrs: parse(json)?,
            },
            "gallery" => Block::Gallery {
                attrs: parse(json)?,
            },
            "embed" => Block::Embed {
                attrs: parse(json)?,
            },
            "pull_quote" => Block::PullQuote {
                attrs: parse(json)?,
            },
            "callout" => Block::Callout {
                attrs: parse(json)?,
            },
            "related" => Block::Related {
                attrs: parse(json)?,
            },
            BLOCK_FENCE => parse(json)?,
            other => return Err(format!("there is no card called \"{other}\"")),
        })
    }

    /// The card's fields as JSON, for its Markdown fence.
    fn card_json(&self) -> Option<String> {
        let json = match self {
            Block::Picture { attrs } => serde_json::to_string_pretty(attrs),
            Block::Gallery { attrs } => serde_json::to_string_pretty(attrs),
            Block::Embed { attrs } => serde_json::to_string_pretty(attrs),
            Block::PullQuote { attrs } => serde_json::to_string_pretty(attrs),
            Block::Callout { attrs } => serde_json::to_string_pretty(attrs),
            Block::Related { attrs } => serde_json::to_string_pretty(attrs),
            _ => return None,
        };
        json.ok()
    }
}

/// The fence of a block kept as JSON in Markdown (see `Document::to_markdown`).
const BLOCK_FENCE: &str = "block";
/// The fence of a whole document kept as JSON in Markdown.
const DOCUMENT_FENCE: &str = "document";

/// Markdown for `events`, if the writer finds a spelling that reads back as them;
/// ending with a line break, so that what is typed after it starts a line of its own
/// (not the closing fence of a card).
fn markdown_of(events: &[Event]) -> Option<String> {
    let mut markdown = String::new();
    pulldown_cmark_to_cmark::cmark(events, &mut markdown, markdown_options()).ok()?;
    if !markdown.is_empty() && !markdown.ends_with('\n') {
        markdown.push('\n');
    }
    Some(markdown)
}

/// How a document is turned into events: what its cards become.
pub trait Cards {
    /// The events of a card (`block.card_name()` is `Some`).
    fn card<'a>(&self, block: &'a Block, out: &mut Vec<Event<'a>>);
}

/// Cards as fenced blocks of JSON: for Markdown.
struct Fenced;

impl Cards for Fenced {
    fn card<'a>(&self, block: &'a Block, out: &mut Vec<Event<'a>>) {
        let (Some(name), Some(json)) = (block.card_name(), block.card_json()) else {
            return;
        };
        let info = CowStr::from(format!("{CARD_FENCE}{name}"));
        out.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(
            info.clone(),
        ))));
        out.push(Event::Text(format!("{json}\n").into()));
        out.push(Event::End(TagEnd::CodeBlock));
    }
}

impl Document {
    pub fn new(content: Vec<Block>) -> Self {
        Self {
            kind: DocKind::Doc,
            attrs: DocAttrs { version: VERSION },
            content,
        }
    }

    /// A document from its stored JSON: `Invalid` (naming `field`) when it is not one,
    /// or is of a version this Masthead does not know.
    pub fn from_json(json: &str, field: &'static str) -> Result<Self> {
        let document: Document = serde_json::from_str(json).map_err(|e| {
            Error::invalid(
                field,
                format!("the body is not a document Masthead can read: {e}"),
            )
        })?;
        if document.attrs.version != VERSION {
            return Err(Error::invalid(
                field,
                format!(
                    "the body is in version {} of the document format; this Masthead reads version {VERSION}",
                    document.attrs.version
                ),
            ));
        }
        Ok(document.normalized())
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        // A document is strings, numbers and lists: it always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A body written in Markdown (see the module). A fence naming a card that is not
    /// one (or whose JSON is not the card's) stays a code block: this reads every body
    /// ever written; the editor's Markdown mode checks with `from_markdown_checked`.
    pub fn from_markdown(markdown: &str) -> Self {
        let mut reader = Reader::new(markdown, false);
        let content = reader.blocks(None);
        Document::new(content).whole().normalized()
    }

    /// A document that is one `masthead:document` fence is the document it holds.
    fn whole(self) -> Self {
        if let [Block::CodeBlock { attrs, content }] = self.content.as_slice() {
            if attrs.language == format!("{CARD_FENCE}{DOCUMENT_FENCE}") {
                let mut json = String::new();
                inline_text(content, &mut json);
                if let Ok(document) = Document::from_json(&json, "body") {
                    return document;
                }
            }
        }
        self
    }

    /// As `from_markdown`, but a card fence that is not a card is an error that says
    /// which and why.
    pub fn from_markdown_checked(markdown: &str, field: &'static str) -> Result<Self> {
        let mut reader = Reader::new(markdown, true);
        let content = reader.blocks(None);
        match reader.error {
            Some(why) => Err(Error::invalid(field, why)),
            None => Ok(Document::new(content).whole().normalized()),
        }
    }

    /// The document as Markdown, its cards as fenced blocks of JSON. Never loses
    /// anything: Markdown that does not read back as the very document (the Markdown
    /// writer cannot spell everything a document holds, such as space at the end of a
    /// code span) is not used. Each block Markdown cannot spell is written as a fenced
    /// block holding its JSON (`masthead:block`), and should the whole still not read
    /// back, the whole document is (`masthead:document`).
    pub fn to_markdown(&self) -> String {
        let document = self.clone().normalized();
        let spelled = |d: &Document| {
            markdown_of(&d.events(&Fenced)).filter(|m| Document::from_markdown(m) == *d)
        };
        if let Some(markdown) = spelled(&document) {
            return markdown;
        }
        let fenced: Vec<Block> = document
            .content
            .iter()
            .map(|block| {
                if spelled(&Document::new(vec![block.clone()])).is_some() {
                    return block.clone();
                }
                let json = serde_json::to_string_pretty(block).unwrap_or_default();
                Block::CodeBlock {
                    attrs: CodeAttrs {
                        language: format!("{CARD_FENCE}{BLOCK_FENCE}"),
                    },
                    content: vec![Inline::text(format!("{json}\n"))],
                }
            })
            .collect();
        if let Some(markdown) = markdown_of(&Document::new(fenced).events(&Fenced))
            .filter(|m| Document::from_markdown(m) == document)
        {
            return markdown;
        }
        let json = serde_json::to_string_pretty(&document).unwrap_or_default();
        format!("```{CARD_FENCE}{DOCUMENT_FENCE}\n{json}\n```\n")
    }

    /// The document as the events of its Markdown, its cards as `cards` makes them.
    pub fn events<'a>(&'a self, cards: &dyn Cards) -> Vec<Event<'a>> {
        let mut out = Vec::new();
        for block in &self.content {
            block_events(block, cards, false, &mut out);
        }
        out
    }

    /// The part before the first preview cut, if there is one.
    pub fn before_cut(&self) -> Option<Document> {
        let at = self
            .content
            .iter()
            .position(|b| matches!(b, Block::PreviewCut))?;
        Some(Document::new(self.content[..at].to_vec()))
    }

    /// The text readers read, paragraph by paragraph (blank lines between blocks), for
    /// excerpts, word counts and search. Footnotes, code, raw HTML and card fields
    /// other than their words are left out.
    pub fn plain_text(&self) -> String {
        let mut text = String::new();
        for block in &self.content {
            block_text(block, &mut text);
        }
        text.trim().to_owned()
    }

    /// Every raw HTML block's HTML, in order.
    pub fn raw_html(&self) -> Vec<&str> {
        let mut found = Vec::new();
        walk(&self.content, &mut |block| {
            if let Block::Html { attrs } = block {
                found.push(attrs.html.as_str());
            }
        });
        found
    }

    /// Whether this document holds raw HTML that `before` did not: writers below
    /// editor may keep the raw HTML a body has but not add any.
    pub fn adds_raw_html(&self, before: &Document) -> bool {
        let mut had: Vec<&str> = before.raw_html();
        for html in self.raw_html() {
            match had.iter().position(|h| *h == html) {
                Some(at) => {
                    had.swap_remove(at);
                }
                None => return true,
            }
        }
        false
    }

    /// Calls `visit` with every embed card, in quotes and lists too, in order.
    pub fn each_embed_mut(&mut self, visit: &mut dyn FnMut(&mut EmbedCard)) {
        walk_mut(&mut self.content, &mut |block| {
            if let Block::Embed { attrs } = block {
                visit(attrs);
            }
        });
    }

    /// Checks what the JSON's shape cannot: the cards' fields, heading levels, limits.
    pub fn validate(&self, field: &'static str) -> Result<()> {
        let mut problem: Option<String> = None;
        walk(&self.content, &mut |block| {
            if problem.is_some() {
                return;
            }
            problem = match block {
                Block::Heading { attrs, .. } if !(1..=6).contains(&attrs.level) => Some(format!(
                    "a heading's level is {}; levels go from 1 to 6",
                    attrs.level
                )),
                Block::Picture { attrs } if attrs.src.trim().is_empty() => {
                    Some("a picture card has no picture".into())
                }
                Block::Gallery { attrs } if attrs.images.is_empty() => {
                    Some("a gallery has no pictures".into())
                }
                Block::Gallery { attrs } if attrs.images.len() > MAX_GALLERY => Some(format!(
                    "a gallery holds {} pictures; at most {MAX_GALLERY} fit",
                    attrs.images.len()
                )),
                Block::Gallery { attrs }
                    if attrs.images.iter().any(|i| i.src.trim().is_empty()) =>
                {
                    Some("a gallery's picture has no address".into())
                }
                Block::Embed { attrs } if !crate::site::is_web_address(attrs.url.trim()) => Some(format!(
                    "an embed's address \"{}\" is not an http(s) address",
                    attrs.url
                )),
                Block::Embed { attrs }
                    if !attrs.frame.is_empty() && !crate::embed::is_player(&attrs.frame) =>
                {
                    Some("an embed's player must be an https address of a known player (YouTube, Vimeo, Spotify, SoundCloud, Google Maps)".into())
                }
                Block::PullQuote { attrs } if attrs.text.trim().is_empty() => {
                    Some("a pull quote has no words".into())
                }
                Block::Callout { attrs }
                    if attrs.text.trim().is_empty() && attrs.title.trim().is_empty() =>
                {
                    Some("a fact box is empty".into())
                }
                Block::Related { attrs }
                    if !attrs.url.starts_with('/') || attrs.url.starts_with("//") =>
                {
                    Some("a related-story card must link to a story on this site".into())
                }
                _ => None,
            };
        });
        match problem {
            Some(why) => Err(Error::invalid(field, why)),
            None => Ok(()),
        }
    }

    /// The canonical form, as the editor keeps it: adjacent text with the same marks
    /// joined, empty text dropped, each node's marks once each, in `Mark` order, and
    /// no empty paragraphs (the visual editor's blank lines, which Markdown cannot
    /// hold).
    pub fn normalized(mut self) -> Self {
        normalize_blocks(&mut self.content);
        drop_empty_paragraphs(&mut self.content);
        self
    }
}

/// A body field stored in an older shape: Markdown as a string (revisions saved
/// before the document format), or a document.
pub fn stored_or_markdown<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Document, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Markdown(String),
        Document(Document),
    }
    match Stored::deserialize(d)? {
        Stored::Markdown(markdown) => Ok(Document::from_markdown(&markdown)),
        Stored::Document(document) if document.attrs.version == VERSION => {
            Ok(document.normalized())
        }
        Stored::Document(document) => Err(serde::de::Error::custom(format!(
            "a body in version {} of the document format; this Masthead reads version {VERSION}",
            document.attrs.version
        ))),
    }
}

/// A body as stored: its document's JSON when it has one, else (saved before the
/// document format) its Markdown. Stored JSON that does not read (written by a newer
/// Masthead, say) falls back to the Markdown rendition saved beside it.
pub fn stored_body(json: Option<&str>, markdown: &str) -> Document {
    json.and_then(|json| Document::from_json(json, "body").ok())
        .unwrap_or_else(|| Document::from_markdown(markdown))
}

fn walk<'a>(blocks: &'a [Block], visit: &mut dyn FnMut(&'a Block)) {
    for block in blocks {
        visit(block);
        match block {
            Block::Blockquote { content } | Block::FootnoteDefinition { content, .. } => {
                walk(content, visit);
            }
            Block::BulletList { content, .. } | Block::OrderedList { content, .. } => {
                for ListItem::ListItem { content } in content {
                    walk(content, visit);
                }
            }
            _ => {}
        }
    }
}

/// Calls `visit` with every block, then walks into the blocks it holds (quotes,
/// footnotes, list items).
fn walk_mut(blocks: &mut [Block], visit: &mut dyn FnMut(&mut Block)) {
    for block in blocks {
        visit(block);
        match block {
            Block::Blockquote { content } | Block::FootnoteDefinition { content, .. } => {
                walk_mut(content, visit);
            }
            Block::BulletList { content, .. } | Block::OrderedList { content, .. } => {
                for ListItem::ListItem { content } in content {
                    walk_mut(content, visit);
                }
            }
            _ => {}
        }
    }
}

fn normalize_blocks(blocks: &mut [Block]) {
    walk_mut(blocks, &mut |block| match block {
        Block::Paragraph { content } | Block::Heading { content, .. } => {
            normalize_inline(content);
            trim_line(content);
        }
        Block::CodeBlock { content, .. } => {
            normalize_inline(content);
            // Code ends its last line, as Markdown's always does.
            if let Some(Inline::Text { text, .. }) = content.last_mut() {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
        }
        Block::Table { content, .. } => {
            for TableRow::TableRow { content } in content {
                for cell in content {
                    match cell {
                        TableCell::TableHeader { content } | TableCell::TableCell { content } => {
                            normalize_inline(content);
                            trim_line(content);
                        }
                    }
                }
            }
        }
        _ => {}
    });
}

fn drop_empty_paragraphs(blocks: &mut Vec<Block>) {
    blocks.retain(|b| !matches!(b, Block::Paragraph { content } if content.is_empty()));
    for block in blocks {
        match block {
            Block::Blockquote { content } | Block::FootnoteDefinition { content, .. } => {
                drop_empty_paragraphs(content);
            }
            Block::BulletList { content, .. } | Block::OrderedList { content, .. } => {
                for ListItem::ListItem { content } in content {
                    drop_empty_paragraphs(content);
                }
            }
            _ => {}
        }
    }
}

fn normalize_inline(content: &mut Vec<Inline>) {
    for inline in content.iter_mut() {
        let marks = inline.marks_mut();
        marks.sort_by_key(Mark::rank);
        marks.dedup_by(|a, b| a.rank() == b.rank());
    }
    let mut joined: Vec<Inline> = Vec::with_capacity(content.len());
    for mut inline in content.drain(..) {
        // One way to end a line, as Markdown reads them all.
        if let Inline::Text { text, .. } = &mut inline {
            if text.contains('\r') {
                *text = text.replace("\r\n", "\n").replace('\r', "\n");
            }
        }
        if let Inline::Text { text, marks } = &inline {
            if text.is_empty() {
                continue;
            }
            if let Some(Inline::Text {
                text: before,
                marks: before_marks,
            }) = joined.last_mut()
            {
                if before_marks == marks {
                    before.push_str(text);
                    continue;
                }
            }
        }
        joined.push(inline);
    }
    *content = joined;
}

/// A line without the space around it, nor breaks at its end: readers never see
/// them, and Markdown cannot spell them.
fn trim_line(content: &mut Vec<Inline>) {
    // Markdown's space: a no-break space is a character readers see.
    let space = |c: char| c.is_ascii_whitespace();
    loop {
        match content.last_mut() {
            Some(Inline::HardBreak { .. }) => {
                content.pop();
            }
            Some(Inline::Text { text, .. }) if text.ends_with(space) => {
                text.truncate(text.trim_end_matches(space).len());
                if text.is_empty() {
                    content.pop();
                }
            }
            _ => break,
        }
    }
    while let Some(Inline::Text { text, .. }) = content.first_mut() {
        if !text.starts_with(space) {
            break;
        }
        *text = text.trim_start_matches(space).to_owned();
        if text.is_empty() {
            content.remove(0);
        } else {
            break;
        }
    }
}

/// The text of a line of inline content; what stands between raw `<script>` or
/// `<style>` tags is left out, as the sanitizer drops it.
fn inline_text(content: &[Inline], text: &mut String) {
    let mut hidden = false;
    for inline in content {
        match inline {
            Inline::HtmlInline { attrs, .. } => {
                let tag = attrs.html.to_ascii_lowercase();
                if tag.starts_with("<script") || tag.starts_with("<style") {
                    hidden = !(tag.contains("</script") || tag.contains("</style"));
                } else if tag.starts_with("</script") || tag.starts_with("</style") {
                    hidden = false;
                }
            }
            _ if hidden => {}
            Inline::Text { text: t, .. } => text.push_str(t),
            Inline::HardBreak { .. } => text.push('\n'),
            Inline::Image { attrs, .. } => text.push_str(&attrs.alt),
            Inline::FootnoteRef { .. } => {}
        }
    }
}

fn block_text(block: &Block, text: &mut String) {
    fn paragraph(text: &mut String, words: &str) {
        if words.trim().is_empty() {
            return;
        }
        text.push_str(words.trim());
        text.push_str("\n\n");
    }
    match block {
        Block::Paragraph { content } | Block::Heading { content, .. } => {
            let mut line = String::new();
            inline_text(content, &mut line);
            paragraph(text, &line);
        }
        Block::Blockquote { content } => content.iter().for_each(|b| block_text(b, text)),
        Block::BulletList { content, .. } | Block::OrderedList { content, .. } => {
            for ListItem::ListItem { content } in content {
                content.iter().for_each(|b| block_text(b, text));
            }
        }
        Block::Table { content, .. } => {
            for TableRow::TableRow { content } in content {
                let mut line = String::new();
                for cell in content {
                    inline_text(cell.content(), &mut line);
                    line.push(' ');
                }
                paragraph(text, &line);
            }
        }
        Block::Picture { attrs } => paragraph(text, &attrs.caption),
        Block::Gallery { attrs } => {
            for image in &attrs.images {
                paragraph(text, &image.caption);
            }
            paragraph(text, &attrs.caption);
        }
        Block::Embed { attrs } => {
            paragraph(text, &attrs.title);
            paragraph(text, &attrs.text);
            paragraph(text, &attrs.caption);
        }
        Block::PullQuote { attrs } => paragraph(text, &attrs.text),
        Block::Callout { attrs } => {
            paragraph(text, &attrs.title);
            for part in attrs.text.split("\n\n") {
                paragraph(text, part);
            }
        }
        Block::CodeBlock { content, .. } => {
            let mut code = String::new();
            inline_text(content, &mut code);
            paragraph(text, &code);
        }
        Block::Related { .. }
        | Block::HorizontalRule
        | Block::PreviewCut
        | Block::FootnoteDefinition { .. }
        | Block::Html { .. } => {}
    }
}

fn block_events<'a>(block: &'a Block, cards: &dyn Cards, tight: bool, out: &mut Vec<Event<'a>>) {
    match block {
        Block::Paragraph { content } => {
            // In a tight list, an item's paragraphs are bare lines.
            if tight {
                inline_events(content, out);
            } else {
                out.push(Event::Start(Tag::Paragraph));
                inline_events(content, out);
                out.push(Event::End(TagEnd::Paragraph));
            }
        }
        Block::Heading { attrs, content } => {
            let level = heading_level(attrs.level);
            out.push(Event::Start(Tag::Heading {
                level,
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            }));
            inline_events(content, out);
            out.push(Event::End(TagEnd::Heading(level)));
        }
        Block::Blockquote { content } => {
            out.push(Event::Start(Tag::BlockQuote(None::<BlockQuoteKind>)));
            for block in content {
                block_events(block, cards, false, out);
            }
            out.push(Event::End(TagEnd::BlockQuote(None)));
        }
        Block::BulletList { attrs, content } => {
            list_events(None, attrs.tight, content, cards, out);
        }
        Block::OrderedList { attrs, content } => {
            list_events(Some(attrs.order), attrs.tight, content, cards, out);
        }
        Block::CodeBlock { attrs, content } => {
            let kind = CodeBlockKind::Fenced(attrs.language.as_str().into());
            out.push(Event::Start(Tag::CodeBlock(kind)));
            let mut code = String::new();
            inline_text(content, &mut code);
            if !code.is_empty() && !code.ends_with('\n') {
                code.push('\n');
            }
            if !code.is_empty() {
                out.push(Event::Text(code.into()));
            }
            out.push(Event::End(TagEnd::CodeBlock));
        }
        Block::HorizontalRule => out.push(Event::Rule),
        Block::PreviewCut => {
            out.push(Event::Start(Tag::HtmlBlock));
            out.push(Event::Html(CowStr::Borrowed("<!--more-->\n")));
            out.push(Event::End(TagEnd::HtmlBlock));
        }
        Block::Table { attrs, content } => {
            let columns = content
                .iter()
                .map(|TableRow::TableRow { content }| content.len())
                .max()
                .unwrap_or(0);
            let mut align: Vec<Alignment> = attrs.align.iter().map(|a| alignment(*a)).collect();
            align.resize(columns.max(align.len()), Alignment::None);
            out.push(Event::Start(Tag::Table(align)));
            for (i, TableRow::TableRow { content }) in content.iter().enumerate() {
                if i == 0 {
                    out.push(Event::Start(Tag::TableHead));
                } else {
                    out.push(Event::Start(Tag::TableRow));
                }
                for cell in content {
                    out.push(Event::Start(Tag::TableCell));
                    inline_events(cell.content(), out);
                    out.push(Event::End(TagEnd::TableCell));
                }
                out.push(Event::End(if i == 0 {
                    TagEnd::TableHead
                } else {
                    TagEnd::TableRow
                }));
            }
            out.push(Event::End(TagEnd::Table));
        }
        Block::FootnoteDefinition { attrs, content } => {
            out.push(Event::Start(Tag::FootnoteDefinition(
                attrs.label.as_str().into(),
            )));
            for block in content {
                block_events(block, cards, false, out);
            }
            out.push(Event::End(TagEnd::FootnoteDefinition));
        }
        Block::Html { attrs } => {
            out.push(Event::Start(Tag::HtmlBlock));
            for line in attrs.html.split_inclusive('\n') {
                out.push(Event::Html(line.into()));
            }
            out.push(Event::End(TagEnd::HtmlBlock));
        }
        Block::Picture { .. }
        | Block::Gallery { .. }
        | Block::Embed { .. }
        | Block::PullQuote { .. }
        | Block::Callout { .. }
        | Block::Related { .. } => cards.card(block, out),
    }
}

fn list_events<'a>(
    start: Option<u64>,
    tight: bool,
    items: &'a [ListItem],
    cards: &dyn Cards,
    out: &mut Vec<Event<'a>>,
) {
    out.push(Event::Start(Tag::List(start)));
    for ListItem::ListItem { content } in items {
        out.push(Event::Start(Tag::Item));
        for block in content {
            block_events(block, cards, tight, out);
        }
        out.push(Event::End(TagEnd::Item));
    }
    out.push(Event::End(TagEnd::List(start.is_some())));
}

fn heading_level(level: u8) -> HeadingLevel {
    match level {
        0 | 1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

fn alignment(align: Align) -> Alignment {
    match align {
        Align::None => Alignment::None,
        Align::Left => Alignment::Left,
        Align::Center => Alignment::Center,
        Align::Right => Alignment::Right,
    }
}

/// The start and end of a mark, as events.
fn mark_start(mark: &Mark) -> Option<Tag<'_>> {
    Some(match mark {
        Mark::Link { attrs } => Tag::Link {
            link_type: LinkType::Inline,
            dest_url: attrs.href.as_str().into(),
            title: attrs.title.as_str().into(),
            id: CowStr::Borrowed(""),
        },
        Mark::Strong => Tag::Strong,
        Mark::Em => Tag::Emphasis,
        Mark::Strike => Tag::Strikethrough,
        // Code is a leaf: its text is one event.
        Mark::Code => return None,
    })
}

fn mark_end(mark: &Mark) -> Option<TagEnd> {
    Some(match mark {
        Mark::Link { .. } => TagEnd::Link,
        Mark::Strong => TagEnd::Strong,
        Mark::Em => TagEnd::Emphasis,
        Mark::Strike => TagEnd::Strikethrough,
        Mark::Code => return None,
    })
}

/// A line of inline content as events: marks opened and closed around runs of text
/// so that marks shared by neighbours stay open across them.
fn inline_events<'a>(content: &'a [Inline], out: &mut Vec<Event<'a>>) {
    let mut open: Vec<&'a Mark> = Vec::new();
    for inline in content {
        let marks: Vec<&Mark> = inline
            .marks()
            .iter()
            .filter(|m| !matches!(m, Mark::Code))
            .collect();
        let shared = open.iter().zip(&marks).take_while(|(a, b)| a == b).count();
        while open.len() > shared {
            if let Some(end) = open.pop().and_then(mark_end) {
                out.push(Event::End(end));
            }
        }
        for mark in &marks[shared..] {
            if let Some(start) = mark_start(mark) {
                out.push(Event::Start(start));
            }
            open.push(mark);
        }
        let code = inline.marks().iter().any(|m| matches!(m, Mark::Code));
        match inline {
            Inline::Text { text, .. } if code => out.push(Event::Code(text.as_str().into())),
            Inline::Text { text, .. } => {
                // A line break inside a paragraph is Markdown's soft break.
                let mut lines = text.split('\n').peekable();
                while let Some(line) = lines.next() {
                    if !line.is_empty() {
                        out.push(Event::Text(line.into()));
                    }
                    if lines.peek().is_some() {
                        out.push(Event::SoftBreak);
                    }
                }
            }
            Inline::HardBreak { .. } => out.push(Event::HardBreak),
            Inline::Image { attrs, .. } => {
                out.push(Event::Start(Tag::Image {
                    link_type: LinkType::Inline,
                    dest_url: attrs.src.as_str().into(),
                    title: attrs.title.as_str().into(),
                    id: CowStr::Borrowed(""),
                }));
                if !attrs.alt.is_empty() {
                    out.push(Event::Text(attrs.alt.as_str().into()));
                }
                out.push(Event::End(TagEnd::Image));
            }
            Inline::FootnoteRef { attrs, .. } => {
                out.push(Event::FootnoteReference(attrs.label.as_str().into()));
            }
            Inline::HtmlInline { attrs, .. } => {
                out.push(Event::InlineHtml(attrs.html.as_str().into()));
            }
        }
    }
    while let Some(mark) = open.pop() {
        if let Some(end) = mark_end(mark) {
            out.push(Event::End(end));
        }
    }
}

/// How deep, in the stored JSON's own nesting, blocks may go: the JSON reader refuses
/// documents nested past 128 levels, and inline content adds up to 6 below its block.
/// Markdown nested deeper (a hostile body's 50,000 `>`) is read flattened at this
/// depth, and refused by `from_markdown_checked`; nothing here recurses past it.
pub const MAX_DEPTH: usize = 110;

/// How many JSON levels a container adds (a node and its `content`).
const CONTAINER_DEPTH: usize = 2;

/// Reads Markdown's events into blocks.
struct Reader<'a> {
    events: Vec<Event<'a>>,
    at: usize,
    /// Whether a fence that names a card but does not hold one is an error.
    strict: bool,
    error: Option<String>,
    /// The JSON depth of the blocks being read.
    depth: usize,
    /// The ends of containers read flattened (too deep), innermost last.
    flattened: Vec<TagEnd>,
}

fn is_block_level(event: &Event) -> bool {
    matches!(
        event,
        Event::Start(
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::List(_)
                | Tag::Item
                | Tag::FootnoteDefinition(_)
                | Tag::Table(_)
                | Tag::TableHead
                | Tag::TableRow
                | Tag::TableCell
        ) | Event::Rule
            | Event::Html(_)
    )
}

impl<'a> Reader<'a> {
    fn new(markdown: &'a str, strict: bool) -> Self {
        Self {
            events: Parser::new_ext(markdown, markdown_options()).collect(),
            at: 0,
            strict,
            error: None,
            depth: 0,
            flattened: Vec::new(),
        }
    }

    fn next(&mut self) -> Option<Event<'a>> {
        let event = self.events.get_mut(self.at)?;
        self.at += 1;
        Some(std::mem::replace(event, Event::Rule))
    }

    /// Puts the event just taken back.
    fn put_back(&mut self, event: Event<'a>) {
        self.at -= 1;
        self.events[self.at] = event;
    }

    fn peek(&self) -> Option<&Event<'a>> {
        self.events.get(self.at)
    }

    /// Whether a container opened now would nest too deeply: if so, it is noted as
    /// flattened (its content joins the blocks around it).
    fn too_deep(&mut self, added: usize, end: TagEnd) -> bool {
        if self.depth + added <= MAX_DEPTH {
            return false;
        }
        if self.strict && self.error.is_none() {
            self.error = Some(
                "the text nests too deeply: quotes or lists more than about 50 levels inside each other"
                    .into(),
            );
        }
        self.flattened.push(end);
        true
    }

    /// Blocks of a container `added` JSON levels deeper, until its `end`.
    fn nested(&mut self, added: usize, end: TagEnd) -> Vec<Block> {
        self.depth += added;
        let blocks = self.blocks(Some(end));
        self.depth -= added;
        blocks
    }

    /// Blocks until the end of the enclosing tag (`until`), or of the events.
    fn blocks(&mut self, until: Option<TagEnd>) -> Vec<Block> {
        let mut blocks = Vec::new();
        while let Some(event) = self.next() {
            let block = match event {
                Event::End(end) => {
                    if self.flattened.last() == Some(&end) {
                        self.flattened.pop();
                        continue;
                    }
                    if Some(end) == until {
                        break;
                    }
                    continue;
                }
                Event::Start(Tag::Paragraph) => Block::Paragraph {
                    content: self.inlines(Some(TagEnd::Paragraph)),
                },
                Event::Start(Tag::Heading { level, .. }) => Block::Heading {
                    attrs: HeadingAttrs { level: level as u8 },
                    content: self.inlines(Some(TagEnd::Heading(level))),
                },
                Event::Start(Tag::BlockQuote(kind)) => {
                    let end = TagEnd::BlockQuote(kind);
                    if self.too_deep(CONTAINER_DEPTH, end) {
                        continue;
                    }
                    Block::Blockquote {
                        content: self.nested(CONTAINER_DEPTH, end),
                    }
                }
                Event::Start(Tag::List(start)) => {
                    // A list and its items: two containers.
                    let end = TagEnd::List(start.is_some());
                    if self.too_deep(2 * CONTAINER_DEPTH, end) {
                        continue;
                    }
                    let (items, tight) = self.items(start.is_some());
                    match start {
                        Some(order) => Block::OrderedList {
                            attrs: OrderedListAttrs { order, tight },
                            content: items,
                        },
                        None => Block::BulletList {
                            attrs: ListAttrs { tight },
                            content: items,
                        },
                    }
                }
                Event::Start(Tag::Item) => {
                    // An item of a list read flattened.
                    self.flattened.push(TagEnd::Item);
                    continue;
                }
                Event::Start(Tag::CodeBlock(kind)) => self.code_block(kind),
                Event::Start(Tag::HtmlBlock) => self.html_block(),
                Event::Start(Tag::Table(align)) => self.table(&align),
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    let end = TagEnd::FootnoteDefinition;
                    if self.too_deep(CONTAINER_DEPTH, end) {
                        continue;
                    }
                    Block::FootnoteDefinition {
                        attrs: LabelAttrs {
                            label: label.to_string(),
                        },
                        content: self.nested(CONTAINER_DEPTH, end),
                    }
                }
                Event::Rule => Block::HorizontalRule,
                Event::Html(html) => Block::Html {
                    attrs: HtmlAttrs {
                        html: html.to_string(),
                    },
                },
                other => {
                    // Inline content directly in a block: a tight list item's text.
                    self.put_back(other);
                    let before = self.at;
                    let content = self.inlines(None);
                    if self.at == before {
                        // Nothing this reader knows: let it go.
                        self.at += 1;
                    }
                    if content.is_empty() {
                        continue;
                    }
                    Block::Paragraph { content }
                }
            };
            blocks.push(block);
        }
        blocks
    }

    /// A list's items, and whether the list is tight (its items' text is not in
    /// paragraphs).
    fn items(&mut self, ordered: bool) -> (Vec<ListItem>, bool) {
        let mut items = Vec::new();
        let mut tight = true;
        while let Some(event) = self.next() {
            match event {
                Event::End(TagEnd::List(o)) if o == ordered => break,
                Event::Start(Tag::Item) => {
                    if self.item_has_paragraph() {
                        tight = false;
                    }
                    let content = self.nested(2 * CONTAINER_DEPTH, TagEnd::Item);
                    items.push(ListItem::ListItem { content });
                }
                _ => {}
            }
        }
        // A list whose items hold no text at all says nothing either way.
        if items.iter().all(|ListItem::ListItem { content }| {
            !content.iter().any(|b| matches!(b, Block::Paragraph { .. }))
        }) {
            tight = false;
        }
        (items, tight)
    }

    /// Whether the item about to be read holds a paragraph of its own (not one inside
    /// a quote or list within it): Markdown's loose list.
    fn item_has_paragraph(&self) -> bool {
        let mut depth = 0usize;
        for event in &self.events[self.at..] {
            match event {
                Event::Start(tag) => {
                    if depth == 0 && matches!(tag, Tag::Paragraph) {
                        return true;
                    }
                    depth += 1;
                }
                Event::End(_) if depth == 0 => return false,
                Event::End(_) => depth -= 1,
                _ => {}
            }
        }
        false
    }

    fn html_block(&mut self) -> Block {
        let mut html = String::new();
        while let Some(event) = self.next() {
            match event {
                Event::End(TagEnd::HtmlBlock) => break,
                Event::Html(text) | Event::Text(text) => html.push_str(&text),
                _ => {}
            }
        }
        if is_cut(&html) {
            Block::PreviewCut
        } else {
            Block::Html {
                attrs: HtmlAttrs { html },
            }
        }
    }

    fn code_block(&mut self, kind: CodeBlockKind<'a>) -> Block {
        let mut code = String::new();
        while let Some(event) = self.next() {
            match event {
                Event::End(TagEnd::CodeBlock) => break,
                Event::Text(text) => code.push_str(&text),
                _ => {}
            }
        }
        let language = match kind {
            CodeBlockKind::Fenced(info) => info.to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        if let Some(name) = language.strip_prefix(CARD_FENCE) {
            match Block::card(name.trim(), &code) {
                Ok(card) => return card,
                Err(why) => {
                    if self.strict && self.error.is_none() {
                        self.error = Some(format!(
                            "the card fence \"{CARD_FENCE}{}\" does not hold a card: {why}",
                            name.trim()
                        ));
                    }
                }
            }
        }
        Block::CodeBlock {
            attrs: CodeAttrs { language },
            content: if code.is_empty() {
                Vec::new()
            } else {
                vec![Inline::text(code)]
            },
        }
    }

    fn table(&mut self, align: &[Alignment]) -> Block {
        let align = align
            .iter()
            .map(|a| match a {
                Alignment::None => Align::None,
                Alignment::Left => Align::Left,
                Alignment::Center => Align::Center,
                Alignment::Right => Align::Right,
            })
            .collect();
        let mut rows = Vec::new();
        let mut cells = Vec::new();
        let mut head = false;
        while let Some(event) = self.next() {
            match event {
                Event::End(TagEnd::Table) => break,
                Event::Start(Tag::TableHead) => head = true,
                Event::Start(Tag::TableRow) => head = false,
                Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                    rows.push(TableRow::TableRow {
                        content: std::mem::take(&mut cells),
                    });
                }
                Event::Start(Tag::TableCell) => {
                    let content = self.inlines(Some(TagEnd::TableCell));
                    cells.push(if head {
                        TableCell::TableHeader { content }
                    } else {
                        TableCell::TableCell { content }
                    });
                }
                _ => {}
            }
        }
        Block::Table {
            attrs: TableAttrs { align },
            content: rows,
        }
    }

    /// Inline content until `end` (consumed), or, with no end, until the next
    /// block-level event or the enclosing block's end (both left in place). Marks are
    /// kept on a stack of their own, so emphasis nested without limit costs no depth.
    fn inlines(&mut self, end: Option<TagEnd>) -> Vec<Inline> {
        let mut out = Vec::new();
        let mut marks: Vec<Mark> = Vec::new();
        // Inline tags open here: their end, and whether they added a mark.
        let mut open: Vec<(TagEnd, bool)> = Vec::new();
        while let Some(event) = self.peek() {
            if end.is_none() && open.is_empty() && is_block_level(event) {
                break;
            }
            let Some(event) = self.next() else { break };
            match event {
                Event::End(e) => {
                    if open.last().is_some_and(|(want, _)| *want == e) {
                        if let Some((_, true)) = open.pop() {
                            marks.pop();
                        }
                    } else if Some(e) == end {
                        break;
                    } else if end.is_none() {
                        // The enclosing block ends: its end is for `blocks`.
                        self.put_back(Event::End(e));
                        break;
                    }
                }
                Event::Text(text) => out.push(Inline::Text {
                    text: text.to_string(),
                    marks: marks.clone(),
                }),
                Event::Code(text) => {
                    let mut with = marks.clone();
                    with.push(Mark::Code);
                    out.push(Inline::Text {
                        text: text.to_string(),
                        marks: with,
                    });
                }
                Event::SoftBreak => out.push(Inline::Text {
                    text: "\n".into(),
                    marks: marks.clone(),
                }),
                Event::HardBreak => out.push(Inline::HardBreak {
                    marks: marks.clone(),
                }),
                Event::InlineHtml(html) | Event::Html(html) => out.push(Inline::HtmlInline {
                    attrs: HtmlAttrs {
                        html: html.to_string(),
                    },
                    marks: marks.clone(),
                }),
                Event::FootnoteReference(label) => out.push(Inline::FootnoteRef {
                    attrs: LabelAttrs {
                        label: label.to_string(),
                    },
                    marks: marks.clone(),
                }),
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => {
                    let alt = self.alt_text();
                    out.push(Inline::Image {
                        attrs: ImageAttrs {
                            src: dest_url.to_string(),
                            alt,
                            title: title.to_string(),
                        },
                        marks: marks.clone(),
                    });
                }
                Event::Start(tag) => {
                    let end = tag.to_end();
                    let mark = match tag {
                        Tag::Strong => Some(Mark::Strong),
                        Tag::Emphasis => Some(Mark::Em),
                        Tag::Strikethrough => Some(Mark::Strike),
                        Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            ..
                        } => Some(Mark::Link {
                            attrs: LinkAttrs {
                                href: if link_type == LinkType::Email {
                                    format!("mailto:{dest_url}")
                                } else {
                                    dest_url.to_string()
                                },
                                title: title.to_string(),
                            },
                        }),
                        _ => None,
                    };
                    // A mark inside the same mark (emphasis in emphasis) adds nothing.
                    let added = match mark {
                        Some(mark) if !marks.iter().any(|m| m.rank() == mark.rank()) => {
                            marks.push(mark);
                            true
                        }
                        _ => false,
                    };
                    open.push((end, added));
                }
                _ => {}
            }
        }
        out
    }

    /// An image's text alternative, as the HTML renderer writes it: its text, breaks as
    /// spaces, everything else left out.
    fn alt_text(&mut self) -> String {
        let mut alt = String::new();
        let mut depth = 0usize;
        while let Some(event) = self.next() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak | Event::Rule => alt.push(' '),
                _ => {}
            }
        }
        alt
    }
}

#[cfg(test)]
mod tests;
