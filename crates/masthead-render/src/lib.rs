//! Rendering: Markdown bodies to sanitized HTML, and view models to themed pages.
//! Pure functions of their input; the web layer fetches, this crate presents.

pub mod body;
pub mod cards;
pub mod feeds;
pub mod import;
pub mod letters;
pub mod live;
pub mod newsroom;
pub mod pictures;
pub mod sitemaps;
pub mod structured;
pub mod theme;
pub mod views;

pub use body::DocumentRenderer;
pub use theme::{Theme, ThemeError};

/// Text made safe to stand where HTML is read.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
