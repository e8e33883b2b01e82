//! Change notices: after a write commits, the store says what changed, so that caches
//! (and, later, other nodes and the search index) can drop exactly what is stale.

use crate::ids::{ArticleId, MediaId};
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
    /// A live article's entries changed (one posted, edited, pinned or deleted, or its
    /// coverage ended): its own pages are stale, and nothing else is.
    Live { article: ArticleId },
    /// Reader counts changed, so the "Most read" list may have.
    Readership,
    /// A picture's stored copies changed (a variant was made after the upload), so
    /// pages showing it may offer the browser a better `srcset`.
    Media { id: MediaId },
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

/// Every notice waiting in `changes`, without waiting for more (no allocation when
/// there are none). A receiver that fell behind missed notices it cannot name, so it
/// gets `Change::Site` (anything may have changed) in their place.
pub fn take_pending(changes: &mut ChangeReceiver) -> Vec<Change> {
    use tokio::sync::broadcast::error::TryRecvError;
    let mut pending = Vec::new();
    loop {
        match changes.try_recv() {
            Ok(change) => pending.push(change),
            Err(TryRecvError::Lagged(_)) => pending.push(Change::Site),
            Err(TryRecvError::Empty | TryRecvError::Closed) => return pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_that_fell_behind_is_told_everything_changed() {
        let tx = channel();
        let mut rx = tx.subscribe();
        assert!(take_pending(&mut rx).is_empty());
        let _ = tx.send(Change::Readership);
        assert_eq!(take_pending(&mut rx), [Change::Readership]);
        for _ in 0..=CHANGE_BACKLOG {
            let _ = tx.send(Change::Readership);
        }
        let pending = take_pending(&mut rx);
        assert_eq!(pending.first(), Some(&Change::Site), "missed notices");
        assert_eq!(pending.len(), CHANGE_BACKLOG + 1);
    }
}
