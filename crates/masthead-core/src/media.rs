//! Media: uploaded images and files, with the words that travel with them.

use crate::ids::MediaId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: MediaId,
    /// Where the bytes live, relative to the media root (a file path or an object key).
    pub storage_key: String,
    pub mime_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub byte_size: u64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub created_at: DateTime<Utc>,
    /// Smaller copies for responsive images, narrowest first.
    pub variants: Vec<MediaVariant>,
}

/// A resized copy of an image, for `srcset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaVariant {
    pub width: u32,
    pub height: u32,
    pub mime_type: String,
    /// Where the bytes live, like `Media::storage_key`.
    pub storage_key: String,
    pub byte_size: u64,
}

#[derive(Debug, Clone)]
pub struct NewMedia {
    pub storage_key: String,
    pub mime_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub byte_size: u64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub variants: Vec<MediaVariant>,
}
