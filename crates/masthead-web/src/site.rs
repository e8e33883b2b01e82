//! What every page shows around its own content (the settings, the sections and the
//! published static pages), kept in memory: it is small, read by every render and
//! rarely written. The store sends `Change::Site` for every write to any of it, and the
//! next read after such a notice loads it afresh.

use masthead_core::change::{take_pending, Change, ChangeReceiver};
use masthead_core::page::StaticPage;
use masthead_core::site::Settings;
use masthead_core::store::Store;
use masthead_core::taxonomy::Section;
use std::sync::{Arc, Mutex};

/// The site-wide parts of every page.
#[derive(Debug)]
pub struct SiteParts {
    pub settings: Settings,
    /// All sections, in navigation order.
    pub sections: Vec<Section>,
    /// Published static pages, in footer order.
    pub pages: Vec<StaticPage>,
    /// The photos of the people who have one, for bylines (profiles change with a
    /// site change, like the rest).
    pub photos:
        std::collections::HashMap<masthead_core::ids::PersonId, masthead_core::ids::MediaId>,
    /// Everyone's name by their slug, for the authors search counts.
    pub names: std::collections::HashMap<String, String>,
}

/// The current `SiteParts`, loaded on first use and after each site change.
pub struct SiteCache {
    inner: Mutex<Inner>,
}

struct Inner {
    current: Option<Arc<SiteParts>>,
    /// Bumped by every site change; a load that started before one is not kept.
    generation: u64,
    changes: ChangeReceiver,
}

impl Inner {
    fn take_changes(&mut self) {
        for change in take_pending(&mut self.changes) {
            if change == Change::Site {
                self.generation += 1;
                self.current = None;
            }
        }
    }
}

impl SiteCache {
    pub fn new(changes: ChangeReceiver) -> Self {
        Self {
            inner: Mutex::new(Inner {
                current: None,
                generation: 0,
                changes,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The data is replaced whole under the lock, so a poisoned lock holds a
        // consistent value.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The site parts as of every change notice sent so far.
    pub async fn get(&self, store: &dyn Store) -> masthead_core::Result<Arc<SiteParts>> {
        let generation = {
            let mut inner = self.lock();
            inner.take_changes();
            if let Some(current) = &inner.current {
                return Ok(current.clone());
            }
            inner.generation
        };
        let people = store.people().await?;
        let parts = Arc::new(SiteParts {
            settings: store.settings().await?,
            sections: store.sections().await?,
            pages: store.static_pages(true).await?,
            photos: people
                .iter()
                .filter_map(|p| Some((p.id, p.avatar?)))
                .collect(),
            names: people.into_iter().map(|p| (p.slug, p.name)).collect(),
        });
        let mut inner = self.lock();
        inner.take_changes();
        if inner.generation == generation {
            inner.current = Some(parts.clone());
        }
        Ok(parts)
    }
}
