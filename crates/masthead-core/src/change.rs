//! Change notices: after a write commits, the store says what changed, so that caches
//! (and, later, other nodes and the search index) can drop exactly what is stale.

use crate::ids::ArticleId;
use crate::store::ArticleFilter;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// An article changed. `lists` names every list it was on before the change or is
    /// on after it, whatever its status: each page showing one of them may be stale.
    Article {
        id: ArticleId,
        lists: Vec<ArticleFilter>,
    },
    /// A correction or update was added to an article (the site-wide log changed).
    Correction { article: ArticleId },
    /// Reader counts changed, so the "Most read" list may have.
    Readership,
    /// Something every page may show changed (settings, sections, staff), or too much
    /// changed at once to say (imports).
    Site,
}

/// Receives change notices; each receiver sees every notice sent after it subscribed.
pub type ChangeReceiver = tokio::sync::broadcast::Receiver<Change>;
/// Sends change notices to every receiver.
pub type ChangeSender = tokio::sync::broadcast::Sender<Change>;

/// How many notices a slow receiver may fall behind before it is told it lagged (and
/// must then assume everything changed).
pub const CHANGE_BACKLOG: usize = 1024;

pub fn channel() -> ChangeSender {
    tokio::sync::broadcast::channel(CHANGE_BACKLOG).0
}
