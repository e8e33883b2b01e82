//! Rendering: Markdown bodies to sanitized HTML, and view models to themed pages.
//! Pure functions of their input; the web layer fetches, this crate presents.

pub mod feeds;
pub mod markdown;
pub mod newsroom;
pub mod sitemaps;
pub mod structured;
pub mod theme;
pub mod views;

pub use markdown::MarkdownRenderer;
pub use theme::{Theme, ThemeError};
