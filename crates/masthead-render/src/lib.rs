//! Rendering: Markdown bodies to sanitized HTML, and (growing) themes to pages.

pub mod markdown;

pub use markdown::MarkdownRenderer;
