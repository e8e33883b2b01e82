//! Media: uploaded images and files, with the words that travel with them.

use crate::ids::{MediaId, PersonId};
use crate::people::{Person, Role};
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
    /// Who uploaded it in the newsroom (none for the demo's, imported or older ones).
    pub uploaded_by: Option<PersonId>,
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
    pub uploaded_by: Option<PersonId>,
    pub variants: Vec<MediaVariant>,
}

/// Whether `person` may change the words that travel with `media` (alt text, caption,
/// credit), which every article using it shows: the person who uploaded it, and the
/// editors and admins who look after the library.
pub fn may_describe(person: &Person, media: &Media) -> bool {
    person.role.at_least(Role::Editor) || media.uploaded_by == Some(person.id)
}
