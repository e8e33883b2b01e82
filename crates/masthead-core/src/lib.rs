//! Masthead's domain: the newsroom's content model, the rules that govern it, and the
//! ports (traits) through which the outside world stores it.
//!
//! This crate does no I/O and knows nothing of HTTP, SQL, templates or search engines;
//! every other crate of ours depends on it and it depends on none of them.

pub mod access;
pub mod analytics;
pub mod article;
pub mod auth;
pub mod change;
pub mod comment;
pub mod curation;
pub mod document;
pub mod embed;
pub mod error;
pub mod ids;
pub mod integration;
pub mod live;
pub mod media;
pub mod member;
pub mod newsletter;
pub mod newsroom;
pub mod notification;
pub mod nql;
pub mod page;
pub mod payments;
pub mod people;
pub mod revision;
pub mod search;
pub mod site;
pub mod slug;
pub mod sponsor;
pub mod staffing;
pub mod store;
pub mod taxonomy;
pub mod tier;
pub mod webhook;
pub mod workflow;

pub use error::{Error, FieldError, Result};
