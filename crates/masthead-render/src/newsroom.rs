//! View models of the newsroom's pages (templates under `newsroom/`, compiled in and
//! not overridable by a theme directory: restyling the site must not break the tools
//! it is made with).

use crate::views::{PageView, TimeView};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use masthead_core::article::{ArticleSummary, Status};
use masthead_core::auth::AuditEntry;
use masthead_core::people::{Person, Role};
use masthead_core::site::Settings;
use masthead_core::store::Page;
use serde::Serialize;

/// The signed-in person, as the newsroom's header shows them.
#[derive(Debug, Clone, Serialize)]
pub struct StaffView {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub is_admin: bool,
}

impl From<&Person> for StaffView {
    fn from(p: &Person) -> Self {
        Self {
            name: p.name.clone(),
            email: p.email.clone(),
            role: p.role.as_str(),
            role_label: p.role.label(),
            is_admin: p.role == Role::Admin,
        }
    }
}

/// What every newsroom page shows around its content.
#[derive(Debug, Clone, Serialize)]
pub struct DeskChrome {
    pub publication: String,
    /// The `<title>`.
    pub title: String,
    pub staff: Option<StaffView>,
    /// The secret every state-changing form carries (`name="csrf"`).
    pub csrf: String,
    /// Which navigation entry is current: "dashboard", "audit".
    pub current: &'static str,
    #[serde(skip)]
    pub zone: Tz,
}

impl DeskChrome {
    pub fn new(settings: &Settings, title: &str, staff: Option<&Person>, csrf: &str) -> Self {
        Self {
            publication: settings.title.clone(),
            title: title.to_owned(),
            staff: staff.map(StaffView::from),
            csrf: csrf.to_owned(),
            current: "",
            zone: settings.zone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoginView {
    pub chrome: DeskChrome,
    /// The email as typed, to fill the form again.
    pub email: String,
    /// Where to go after logging in.
    pub next: String,
    pub error: Option<String>,
}

/// An article on a desk list.
#[derive(Debug, Clone, Serialize)]
pub struct DeskItem {
    pub title: String,
    pub section: Option<String>,
    pub status: &'static str,
    pub status_label: &'static str,
    pub updated: TimeView,
    pub published: Option<TimeView>,
    /// The public address, for published articles.
    pub href: Option<String>,
}

impl DeskItem {
    pub fn new(a: &ArticleSummary, status: Status, zone: Tz) -> Self {
        Self {
            title: a.title.clone(),
            section: a.section.as_ref().map(|s| s.name.clone()),
            status: status.as_str(),
            status_label: status.label(),
            updated: TimeView::new(a.updated_at, zone),
            published: a.published_at.map(|t| TimeView::new(t, zone)),
            href: (status == Status::Published).then(|| a.path()),
        }
    }
}

/// A list on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DeskList {
    pub heading: &'static str,
    pub empty: &'static str,
    pub items: Vec<DeskItem>,
    pub total: u64,
}

impl DeskList {
    pub fn new(
        heading: &'static str,
        empty: &'static str,
        page: &Page<ArticleSummary>,
        status: Status,
        zone: Tz,
    ) -> Self {
        Self {
            heading,
            empty,
            items: page
                .items
                .iter()
                .map(|a| DeskItem::new(a, status, zone))
                .collect(),
            total: page.total,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    pub chrome: DeskChrome,
    pub today: TimeView,
    pub lists: Vec<DeskList>,
}

impl DashboardView {
    pub fn new(chrome: DeskChrome, now: DateTime<Utc>, lists: Vec<DeskList>) -> Self {
        Self {
            today: TimeView::new(now, chrome.zone),
            chrome,
            lists,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntryView {
    pub at: TimeView,
    pub actor: String,
    pub action: &'static str,
    pub action_label: &'static str,
    pub target: String,
    pub ip: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub chrome: DeskChrome,
    pub entries: Vec<AuditEntryView>,
    pub pages: PageView,
}

impl AuditView {
    pub fn new(chrome: DeskChrome, log: &Page<AuditEntry>) -> Self {
        let zone = chrome.zone;
        Self {
            entries: log
                .items
                .iter()
                .map(|e| AuditEntryView {
                    at: TimeView::new(e.at, zone),
                    actor: if e.actor_name.is_empty() {
                        "(nobody signed in)".to_owned()
                    } else {
                        e.actor_name.clone()
                    },
                    action: e.action.as_str(),
                    action_label: e.action.label(),
                    target: e.target.clone(),
                    ip: e.ip.clone(),
                })
                .collect(),
            pages: PageView::numbering(log),
            chrome,
        }
    }
}

/// A newsroom page that says no: not allowed, not found, too many attempts.
#[derive(Debug, Clone, Serialize)]
pub struct DeskErrorView {
    pub chrome: DeskChrome,
    pub heading: String,
    pub message: String,
}
