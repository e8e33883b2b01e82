//! Cards as readers get them: HTML made from a card's fields, every field escaped,
//! that the sanitizer then keeps (its allowances for cards are in `body.rs`), styled by
//! the theme's `.card` rules.
//!
//! An embed reaches readers as a placeholder: a copy of its picture kept on this site,
//! its title and a link to it. Nothing of the other site loads until the reader asks:
//! the theme's `embeds.js` swaps the placeholder for the provider's player (the
//! `data-frame` address, https and of a known provider, allowed by the page's
//! `frame-src`) when clicked; without the script, or for posts, the link leads there.

use crate::escape_text;
use masthead_core::document::{Block, Cards, EmbedCard, PictureCard, Width};
use pulldown_cmark::Event;

/// Cards as HTML (see the module).
pub struct HtmlCards;

impl Cards for HtmlCards {
    fn card<'a>(&self, block: &'a Block, out: &mut Vec<Event<'a>>) {
        let html = match block {
            Block::Picture { attrs } => picture(attrs, "card picture"),
            Block::Gallery { attrs } => {
                let mut html = String::from("<figure class=\"card gallery\"><div class=\"gallery-images\">");
                for image in &attrs.images {
                    html.push_str(&picture(image, "gallery-image"));
                }
                html.push_str("</div>");
                caption(&mut html, &attrs.caption, "");
                html.push_str("</figure>");
                html
            }
            Block::Embed { attrs } => embed(attrs),
            Block::PullQuote { attrs } => {
                let mut html = String::from("<figure class=\"card pull-quote\"><blockquote>");
                paragraphs(&mut html, &attrs.text);
                html.push_str("</blockquote>");
                caption(&mut html, &attrs.attribution, "");
                html.push_str("</figure>");
                html
            }
            Block::Callout { attrs } => {
                let mut html = String::from("<aside class=\"card callout\">");
                if !attrs.title.trim().is_empty() {
                    html.push_str("<p class=\"callout-title\"><strong>");
                    html.push_str(&escape_text(attrs.title.trim()));
                    html.push_str("</strong></p>");
                }
                paragraphs(&mut html, &attrs.text);
                html.push_str("</aside>");
                html
            }
            Block::Related { attrs } => format!(
                "<aside class=\"card related\" aria-label=\"Related story\"><a href=\"{}\">{}</a></aside>",
                escape_text(&attrs.url),
                escape_text(attrs.title.trim())
            ),
            _ => return,
        };
        out.push(Event::Html(format!("{html}\n").into()));
    }
}

/// Paragraphs of plain text (separated by blank lines), lines kept.
fn paragraphs(html: &mut String, text: &str) {
    for part in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        html.push_str(&escape_text(part).replace('\n', "<br>"));
        html.push_str("</p>");
    }
}

/// A caption with an optional credit, when there is either.
fn caption(html: &mut String, caption: &str, credit: &str) {
    let (caption, credit) = (caption.trim(), credit.trim());
    if caption.is_empty() && credit.is_empty() {
        return;
    }
    html.push_str("<figcaption>");
    html.push_str(&escape_text(caption));
    if !credit.is_empty() {
        if !caption.is_empty() {
            html.push(' ');
        }
        html.push_str("<span class=\"credit\">");
        html.push_str(&escape_text(credit));
        html.push_str("</span>");
    }
    html.push_str("</figcaption>");
}

fn picture(card: &PictureCard, class: &str) -> String {
    let width = match card.width {
        Width::Regular => "",
        Width::Wide => " wide",
        Width::Full => " full",
    };
    let mut html = format!(
        "<figure class=\"{class}{width}\"><img src=\"{}\" alt=\"{}\">",
        escape_text(&card.src),
        escape_text(&card.alt)
    );
    caption(&mut html, &card.caption, &card.credit);
    html.push_str("</figure>");
    html
}

fn embed(card: &EmbedCard) -> String {
    let mut html = String::from("<figure class=\"card embed\"");
    // Only a known player: what the page's `frame-src` allows, checked again here.
    if masthead_core::embed::is_player(&card.frame) {
        html.push_str(&format!(" data-frame=\"{}\"", escape_text(&card.frame)));
    }
    html.push_str("><a class=\"embed-link\" href=\"");
    html.push_str(&escape_text(&card.url));
    html.push_str("\">");
    if !card.thumbnail.is_empty() {
        html.push_str(&format!(
            "<img src=\"{}\" alt=\"\">",
            escape_text(&card.thumbnail)
        ));
    }
    let provider = if card.provider.trim().is_empty() {
        host(&card.url)
    } else {
        card.provider.trim()
    };
    let words = [
        ("embed-provider", provider),
        ("embed-title", card.title.trim()),
        ("embed-author", card.author.trim()),
        ("embed-text", card.text.trim()),
    ];
    for (class, text) in words.into_iter().filter(|(_, t)| !t.is_empty()) {
        html.push_str(&format!(
            "<span class=\"{class}\">{}</span>",
            escape_text(text)
        ));
    }
    if card.title.trim().is_empty() && card.text.trim().is_empty() {
        html.push_str(&format!(
            "<span class=\"embed-title\">{}</span>",
            escape_text(card.url.trim())
        ));
    }
    // What a click does: plays it here (the script swaps in the player), or opens it.
    let action = if masthead_core::embed::is_player(&card.frame) {
        format!("Play (loads from {provider})")
    } else {
        format!("Open on {provider}")
    };
    html.push_str(&format!(
        "<span class=\"embed-play\">{}</span>",
        escape_text(&action)
    ));
    html.push_str("</a>");
    caption(&mut html, &card.caption, "");
    html.push_str("</figure>");
    html
}

/// The host of an address (`www.example.com`), or the address.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}
