//! Id newtypes, so an article id can never be passed where a tag id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    ArticleId,
    SectionId,
    TagId,
    PersonId,
    MemberId,
    PasskeyId,
    CommentId,
    MediaId,
    CorrectionId,
    RedirectId,
    PageId,
    TierId,
    OfferId,
    SponsorId,
    SendId,
    LiveEntryId,
    IntegrationId
);
