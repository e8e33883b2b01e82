//! View models of the newsroom's pages (templates under `newsroom/`, compiled in and
//! not overridable by a theme directory: restyling the site must not break the tools
//! it is made with).

use crate::views::{PageView, TimeView};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use masthead_core::article::{ArticleSummary, Status};
use masthead_core::auth::AuditEntry;
use masthead_core::comment::{Author, CommentStatus, CommentToModerate, Queue, QueueCounts};
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
    /// Editors and admins: moderate comments, run sections and tags.
    pub is_editor: bool,
    /// Their author page's name, which mentions in notes use (`@slug`).
    pub slug: String,
}

impl From<&Person> for StaffView {
    fn from(p: &Person) -> Self {
        Self {
            name: p.name.clone(),
            email: p.email.clone(),
            role: p.role.as_str(),
            role_label: p.role.label(),
            is_admin: p.role == Role::Admin,
            is_editor: p.role.at_least(Role::Editor),
            slug: p.slug.clone(),
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
    /// Which navigation entry is current: "dashboard", "articles", "media",
    /// "comments", "staff", "settings", "audit".
    pub current: &'static str,
    /// The signed-in person's unread notifications.
    pub unread: u64,
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
            unread: 0,
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
    /// Said above the form (after a password reset, an expired second step...).
    pub notice: Option<String>,
}

/// The signed-out forms besides the login: the second sign-in step, asking for a
/// reset link, choosing a password (reset or invitation), and links no longer good.
#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    pub chrome: DeskChrome,
    /// Which form: "second_step", "forgot", "asked", "reset", "invitation", "gone".
    pub form: &'static str,
    /// Where the form is sent.
    pub action: String,
    pub next: String,
    pub email: String,
    pub name: String,
    pub role_label: String,
    pub error: Option<String>,
}

/// Turning on two-factor sign-in: the secret to add to an authenticator app.
#[derive(Debug, Clone, Serialize)]
pub struct TwoFactorSetupView {
    /// Base32, as the confirming form sends it back.
    pub secret: String,
    /// The same in groups of four, for typing.
    pub secret_spaced: String,
    /// The `otpauth://` address as a QR code, an SVG document made by us.
    pub qr_svg: String,
}

/// What a staff member says about themselves, as the form shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileFields {
    pub name: String,
    pub job_title: String,
    pub bio: String,
    /// Comma-separated.
    pub expertise: String,
    /// One per line: "Name | URL".
    pub social_links: String,
    /// Their author page ("" for a profile not made yet).
    pub path: String,
    /// The pictures the photo may be, the chosen one selected ("": none).
    pub photos: Vec<Choice>,
}

/// A byline profile without a login, as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BylineView {
    pub id: i64,
    pub name: String,
    /// "Guest writer", "News agency", "Desk byline".
    pub kind: &'static str,
    pub job_title: String,
    pub path: String,
    pub photo: bool,
}

/// The byline profiles and the form that adds one.
#[derive(Debug, Clone, Serialize)]
pub struct BylineListView {
    pub chrome: DeskChrome,
    pub bylines: Vec<BylineView>,
    pub kinds: Vec<Choice>,
    pub form: ProfileFields,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

/// The integrations screen: every integration with its keys, and the form that adds
/// one.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationListView {
    pub chrome: DeskChrome,
    pub integrations: Vec<IntegrationView>,
    /// The Content API's address, for the apps.
    pub content_api: String,
    /// The add form's fields, as typed.
    pub name: String,
    pub rate_limit: String,
    pub notice: Option<String>,
    pub errors: Vec<String>,
    /// The events a webhook may listen for, as choices.
    pub events: Vec<Choice>,
    /// The newest deliveries, newest first.
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookView {
    pub id: i64,
    pub event: &'static str,
    pub target_url: String,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    pub integration: String,
    pub event: &'static str,
    pub target_url: String,
    pub created: String,
    pub state: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntegrationView {
    pub id: i64,
    pub name: String,
    pub content_key: String,
    pub admin_key: String,
    pub rate_limit: u32,
    pub created: String,
    pub rotated: Option<String>,
    pub revoked: Option<String>,
    pub webhooks: Vec<WebhookView>,
}

/// One byline profile's form.
#[derive(Debug, Clone, Serialize)]
pub struct BylineEditView {
    pub chrome: DeskChrome,
    pub byline: BylineView,
    pub form: ProfileFields,
    pub errors: Vec<String>,
}

/// The signed-in person's own account: profile, password and two-factor sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub chrome: DeskChrome,
    pub profile: ProfileFields,
    pub two_factor_on: bool,
    pub enabled_at: Option<TimeView>,
    pub recovery_left: u32,
    pub setup: Option<TwoFactorSetupView>,
    /// New recovery codes, shown once.
    pub recovery_codes: Vec<String>,
    pub notice: Option<String>,
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
    /// The editor's address.
    pub edit: String,
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
            edit: format!("/newsroom/articles/{}", a.id),
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
    /// Comments held and reported (shown to editors).
    pub moderation: Option<QueueCounts>,
    /// The newest notifications, with their notes and comments.
    pub notifications: Vec<NotificationView>,
}

impl DashboardView {
    pub fn new(
        chrome: DeskChrome,
        now: DateTime<Utc>,
        lists: Vec<DeskList>,
        moderation: Option<QueueCounts>,
        notifications: Vec<NotificationView>,
    ) -> Self {
        Self {
            today: TimeView::new(now, chrome.zone),
            chrome,
            lists,
            moderation,
            notifications,
        }
    }
}

/// A notification in a person's inbox or on their dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationView {
    /// The event's word, for styling.
    pub event: &'static str,
    pub summary: String,
    /// The note's or comment's words.
    pub text: String,
    /// The story in the newsroom.
    pub href: String,
    pub at: TimeView,
    pub unread: bool,
}

impl NotificationView {
    pub fn new(n: &masthead_core::notification::Notification, zone: Tz) -> Self {
        Self {
            event: n.event.as_str(),
            summary: n.summary(),
            text: n.text.clone(),
            href: format!("/newsroom/articles/{}", n.article),
            at: TimeView::new(n.created_at, zone),
            unread: n.read_at.is_none(),
        }
    }
}

/// A person's notifications and how they hear of each event.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationsView {
    pub chrome: DeskChrome,
    pub items: Vec<NotificationView>,
    pub choices: Vec<NotificationChoiceView>,
    pub notice: Option<String>,
}

/// How a person hears of one event (the form's `inbox-EVENT` and `email-EVENT`).
#[derive(Debug, Clone, Serialize)]
pub struct NotificationChoiceView {
    pub event: &'static str,
    pub label: &'static str,
    pub inbox: bool,
    pub email: bool,
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

/// One choice of a `<select>` or a checkbox list.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.to_string(),
            label: label.into(),
            selected,
        }
    }
}

/// The article list: filters, a page of articles, pagination.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleListView {
    pub chrome: DeskChrome,
    pub statuses: Vec<Choice>,
    pub sections: Vec<Choice>,
    pub authors: Vec<Choice>,
    pub types: Vec<Choice>,
    /// The search words as typed.
    pub words: String,
    pub items: Vec<DeskItem>,
    pub pages: PageView,
    /// The filters as a query string, for the pagination links ("status=draft&").
    pub query: String,
}

/// A workflow action the signed-in person may take on the article.
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub to: &'static str,
    pub label: &'static str,
    /// Scheduling asks for a time.
    pub needs_time: bool,
    /// Requesting changes asks what they are.
    pub needs_note: bool,
}

/// An entry of the article's public corrections and updates log.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionEntryView {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub text: String,
    pub at: TimeView,
}

/// A note on the article from its staff.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub by: String,
    pub note: String,
    pub at: TimeView,
}

/// What the editor shows about the stored article (absent for a new one).
#[derive(Debug, Clone, Serialize)]
pub struct EditedArticle {
    pub id: i64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub slug: String,
    /// Where its address starts, before the slug (`/business/`).
    pub place: String,
    /// Its public address, when readers can see it.
    pub href: Option<String>,
    pub updated: TimeView,
    pub published: Option<TimeView>,
    pub scheduled: Option<TimeView>,
}

/// The article editor's fields, as the form shows and sends them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EditorFields {
    pub title: String,
    pub standfirst: String,
    pub body_markdown: String,
    /// The same body as the visual editor loads it (`document_for_script`).
    pub body_document: String,
    pub custom_excerpt: String,
    /// Tag names, comma-separated.
    pub tags: String,
    /// One source per line: "Name | URL | note".
    pub sources: String,
    pub meta_title: String,
    pub meta_description: String,
    pub canonical_url: String,
    pub social_image: String,
    pub featured_media_id: Option<i64>,
    pub featured_alt: String,
    pub featured_caption: String,
    pub featured_credit: String,
    /// The featured picture's address, to show it.
    pub featured_src: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldErrorView {
    pub field: String,
    pub message: String,
}

impl From<masthead_core::FieldError> for FieldErrorView {
    fn from(e: masthead_core::FieldError) -> Self {
        Self {
            field: e.field.to_owned(),
            message: e.message,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EditorView {
    pub chrome: DeskChrome,
    pub article: Option<EditedArticle>,
    pub fields: EditorFields,
    pub sections: Vec<Choice>,
    pub types: Vec<Choice>,
    pub visibilities: Vec<Choice>,
    /// The paid tiers, for an article for chosen tiers.
    pub tiers: Vec<Choice>,
    /// Staff, with `selected` meaning "credited as author".
    pub authors: Vec<Choice>,
    /// Staff, with `selected` meaning "credited as editor".
    pub editors: Vec<Choice>,
    /// Whether the person may change who is credited (editors and admins); others
    /// see the credits without changing them.
    pub may_credit: bool,
    pub actions: Vec<ActionView>,
    /// Notes from the desk, newest first.
    pub notes: Vec<NoteView>,
    /// The public corrections and updates log, oldest first.
    pub corrections: Vec<CorrectionEntryView>,
    /// Whether the person may add to it now (editors, once the article is published).
    pub can_correct: bool,
    /// Whether its comments are open, for editors (who may close them) once it is
    /// published; with how many readers see.
    pub comments: Option<EditorComments>,
    /// The body as readers will see it (sanitized HTML).
    pub preview: String,
    pub word_count: u32,
    pub reading_minutes: u32,
    /// A notice after a successful save or action.
    pub notice: Option<String>,
    /// The form shows restored unsaved changes (which can be set aside).
    pub restored: bool,
    /// Something to heed before saving: others editing, a conflicting save.
    pub warnings: Vec<String>,
    pub errors: Vec<FieldErrorView>,
    /// When the stored article was last saved, as the form saw it (RFC 3339): a save
    /// made against an older version is a conflict, not an overwrite.
    pub base: String,
    /// A live article's entries, for those who may post them.
    pub live: Option<LiveDeskView>,
}

/// A revision in the history list.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub id: i64,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub by: String,
    pub title: String,
    pub at: TimeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub chrome: DeskChrome,
    pub article_id: i64,
    pub title: String,
    pub revisions: Vec<RevisionView>,
}

/// One line of a diff: "same", "added" or "removed".
#[derive(Debug, Clone, Serialize)]
pub struct DiffLine {
    pub change: &'static str,
    pub text: String,
}

/// A field that differs between a revision and the article now.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDiff {
    pub field: &'static str,
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionDiffView {
    pub chrome: DeskChrome,
    pub article_id: i64,
    pub revision: RevisionView,
    /// Only the fields that differ.
    pub fields: Vec<FieldDiff>,
}

/// A picture in the library.
#[derive(Debug, Clone, Serialize)]
pub struct MediaItemView {
    pub id: i64,
    pub src: String,
    pub thumb: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: u32,
    pub height: u32,
    /// How many variants are made so far.
    pub variants: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaLibraryView {
    pub chrome: DeskChrome,
    pub items: Vec<MediaItemView>,
    pub pages: PageView,
    pub search: String,
    /// Picking a featured image for this article.
    pub for_article: Option<i64>,
    /// Just uploaded: highlighted.
    pub uploaded: Option<i64>,
    /// The search and pick mode as a query string, for pagination ("q=x&").
    pub query: String,
}

/// The publication's settings, as the form shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SettingsFields {
    pub title: String,
    pub description: String,
    pub logo: String,
    pub locale: String,
    pub timezone: String,
    /// One link per line: "Label | URL".
    pub navigation: String,
    pub about: String,
    pub support_text: String,
    /// One newsletter per line: "Name | description".
    pub newsletters: String,
    /// How members' new comments are treated, each way offered.
    pub comments: Vec<Choice>,
    /// Members-only stories a visitor may read free each month.
    pub free_articles: u32,
    /// The publication's own oEmbed providers, one per line:
    /// "Name | address prefix | oEmbed endpoint".
    pub embed_providers: String,
    pub support_url: String,
    pub favicon: String,
    pub touch_icon: String,
    pub social_image: String,
    /// Each policy, with the published pages it may point at (`selected`: the one it
    /// does).
    pub policies: Vec<PolicyField>,
}

/// One of the publication's policies on the settings form.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyField {
    /// The form field's name (`policy_ethics`, ...).
    pub name: String,
    pub label: &'static str,
    pub pages: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    pub chrome: DeskChrome,
    pub fields: SettingsFields,
    pub notice: Option<String>,
    pub errors: Vec<FieldErrorView>,
}

/// A staff member on the staff page.
#[derive(Debug, Clone, Serialize)]
pub struct StaffRowView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role_label: &'static str,
    pub roles: Vec<Choice>,
    /// The signed-in admin's own row: their role is changed by another admin.
    pub is_self: bool,
    /// False once an admin took their access away.
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffListView {
    pub chrome: DeskChrome,
    pub staff: Vec<StaffRowView>,
    pub notice: Option<String>,
    pub invitations: Vec<InvitationView>,
    /// The invitation form: as typed, with its error, and the roles to pick from.
    pub invite: InviteFields,
    pub invite_error: Option<String>,
    pub roles: Vec<Choice>,
    /// A new invitation's link, shown once when no mail server is set up to send it.
    pub invite_link: Option<String>,
}

/// An invitation not accepted yet.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    /// The stored hash of its token (not the token), to withdraw it by.
    pub id: String,
    pub name: String,
    pub email: String,
    pub role_label: &'static str,
    pub expires: TimeView,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InviteFields {
    pub name: String,
    pub email: String,
    pub role: String,
}

/// A comment in a moderators' queue.
#[derive(Debug, Clone, Serialize)]
pub struct ModerationItem {
    pub id: i64,
    pub author: String,
    /// A member of staff wrote it.
    pub staff: bool,
    /// Its member, while they have an account (for trusting and banning).
    pub member_id: Option<i64>,
    /// Their standing: `new`, `trusted` or `banned`.
    pub commenting: Option<&'static str>,
    pub body: String,
    pub at: TimeView,
    pub edited: bool,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Why it was held or taken as spam.
    pub held_reason: Option<&'static str>,
    pub article_id: i64,
    pub article_title: String,
    pub article_path: String,
    pub comments_open: bool,
    pub reports: Vec<ReportView>,
    /// Open reports beyond those shown.
    pub more_reports: u64,
    /// Whether staff may answer it (readers see it).
    pub can_reply: bool,
}

impl ModerationItem {
    pub fn new(c: &CommentToModerate, zone: Tz) -> Self {
        let comment = &c.comment;
        Self {
            id: comment.id.0,
            author: comment.author_name.clone(),
            staff: comment.is_staff(),
            member_id: match (comment.author, c.commenting) {
                (Author::Member(m), Some(_)) => Some(m.0),
                _ => None,
            },
            commenting: c.commenting.map(|s| s.as_str()),
            body: comment.body.clone(),
            at: TimeView::new(comment.created_at, zone),
            edited: comment.edited_at.is_some(),
            status: comment.status.as_str(),
            status_label: comment.status.label(),
            held_reason: comment.held_reason.map(|r| r.label()),
            article_id: comment.article_id.0,
            article_title: c.article_title.clone(),
            article_path: c.article_path.clone(),
            comments_open: c.comments_open,
            reports: c
                .reports
                .iter()
                .map(|r| ReportView {
                    reason: r.reason.label(),
                    note: r.note.clone(),
                    at: TimeView::new(r.at, zone),
                })
                .collect(),
            more_reports: c
                .report_count
                .saturating_sub(u64::try_from(c.reports.len()).unwrap_or(0)),
            can_reply: comment.status == CommentStatus::Approved,
        }
    }
}

/// An article's comments, on its editor page.
#[derive(Debug, Clone, Serialize)]
pub struct EditorComments {
    pub open: bool,
    pub count: u32,
}

/// A reader's report, as moderators read it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub reason: &'static str,
    pub note: String,
    pub at: TimeView,
}

/// A tab of the moderation page.
#[derive(Debug, Clone, Serialize)]
pub struct QueueTab {
    pub queue: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModerationView {
    pub chrome: DeskChrome,
    /// The queue shown (`held`, `reported` or `spam`).
    pub queue: &'static str,
    pub tabs: Vec<QueueTab>,
    pub items: Vec<ModerationItem>,
    pub pages: PageView,
    pub notice: Option<String>,
}

impl ModerationView {
    pub fn new(
        chrome: DeskChrome,
        queue: Queue,
        counts: QueueCounts,
        page: &Page<CommentToModerate>,
    ) -> Self {
        let zone = chrome.zone;
        Self {
            chrome,
            queue: queue.as_str(),
            tabs: Queue::ALL
                .iter()
                .map(|&q| QueueTab {
                    queue: q.as_str(),
                    label: q.label(),
                    count: counts.of(q),
                    current: q == queue,
                })
                .collect(),
            items: page
                .items
                .iter()
                .map(|c| ModerationItem::new(c, zone))
                .collect(),
            pages: PageView::numbering(page),
            notice: None,
        }
    }
}

/// A section on the structure page.
#[derive(Debug, Clone, Serialize)]
pub struct SectionRowView {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i64,
    pub in_navigation: bool,
}

/// A tag on the structure page, with how many articles carry it.
#[derive(Debug, Clone, Serialize)]
pub struct TagRowView {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub articles: u64,
}

/// Sections and tags, for editors.
#[derive(Debug, Clone, Serialize)]
pub struct StructureView {
    pub chrome: DeskChrome,
    pub sections: Vec<SectionRowView>,
    pub tags: Vec<TagRowView>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// A static page on the pages list.
#[derive(Debug, Clone, Serialize)]
pub struct PageRowView {
    pub id: i64,
    pub title: String,
    pub path: String,
    pub status_label: &'static str,
    pub published: bool,
    pub in_footer: bool,
    pub updated: TimeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageListView {
    pub chrome: DeskChrome,
    pub pages: Vec<PageRowView>,
    pub notice: Option<String>,
}

/// A static page's form, as stored or as typed.
#[derive(Debug, Clone, Serialize)]
pub struct PageFields {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub body_markdown: String,
    /// The same body as the visual editor loads it (`document_for_script`).
    pub body_document: String,
    pub position: i32,
    pub in_footer: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageEditView {
    pub chrome: DeskChrome,
    /// The page's number; `None` for a new page.
    pub id: Option<i64>,
    /// Where readers find it, once published.
    pub path: Option<String>,
    pub fields: PageFields,
    pub statuses: Vec<Choice>,
    pub errors: Vec<FieldErrorView>,
    pub notice: Option<String>,
}

/// A tier on the tiers page, its prices as the form shows them ("5.00").
#[derive(Debug, Clone, Serialize)]
pub struct TierRowView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub paid: bool,
    pub free: bool,
    pub currency: String,
    pub monthly_price: String,
    pub yearly_price: String,
    pub trial_days: u32,
    /// One per line, as the form's text area holds them.
    pub benefits: String,
    pub public: bool,
    pub archived: bool,
}

/// An offer on the tiers page, in words.
#[derive(Debug, Clone, Serialize)]
pub struct OfferRowView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tier: String,
    pub terms: crate::views::OfferTermsView,
    pub archived: bool,
}

/// A paid tier an offer may be for.
#[derive(Debug, Clone, Serialize)]
pub struct TierChoice {
    pub id: i64,
    pub name: String,
}

/// Tiers and offers, for admins.
#[derive(Debug, Clone, Serialize)]
pub struct TiersView {
    pub chrome: DeskChrome,
    pub tiers: Vec<TierRowView>,
    pub offers: Vec<OfferRowView>,
    /// Paid tiers still offered: what a new offer may be for.
    pub choices: Vec<TierChoice>,
    /// The currency a new tier starts in: the one the other tiers use.
    pub currency: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// The revenue dashboard, for admins: money in the publication's currency, as read
/// ("$1,234.00").
#[derive(Debug, Clone, Serialize)]
pub struct RevenueView {
    pub chrome: DeskChrome,
    pub currency: String,
    /// Paying members now, by tier name.
    pub tiers: Vec<(String, u32)>,
    pub paying: u32,
    pub membership_mrr: String,
    pub gifts_mrr: String,
    pub months: Vec<MonthView>,
    /// The chart's height in pixels, and the most members one month's bar shows.
    pub chart_height: u32,
    pub chart_max: u32,
}

/// One month of the dashboard, with its bars' heights in the chart.
#[derive(Debug, Clone, Serialize)]
pub struct MonthView {
    /// "Jan 2026".
    pub label: String,
    pub new: u32,
    pub churned: u32,
    pub new_height: u32,
    pub churned_height: u32,
    pub membership_revenue: String,
    pub donations: String,
}

impl RevenueView {
    pub const CHART_HEIGHT: u32 = 120;

    /// The view of `report`, naming tiers by `tier_name`.
    pub fn new(
        chrome: DeskChrome,
        report: &masthead_core::payments::RevenueReport,
        tier_name: impl Fn(masthead_core::ids::TierId) -> String,
    ) -> Self {
        use masthead_core::tier::display_price;
        let money = |minor| display_price(minor, &report.currency);
        let chart_max = report
            .months
            .iter()
            .map(|m| m.new.max(m.churned))
            .max()
            .unwrap_or(0)
            .max(1);
        let bar = |n: u32| n * Self::CHART_HEIGHT / chart_max;
        Self {
            chrome,
            currency: report.currency.clone(),
            tiers: report
                .members_by_tier
                .iter()
                .map(|(t, n)| (tier_name(*t), *n))
                .collect(),
            paying: report.members_by_tier.iter().map(|(_, n)| n).sum(),
            membership_mrr: money(report.membership_mrr),
            gifts_mrr: money(report.gifts_mrr),
            months: report
                .months
                .iter()
                .map(|m| MonthView {
                    label: m.month.format("%b %Y").to_string(),
                    new: m.new,
                    churned: m.churned,
                    new_height: bar(m.new),
                    churned_height: bar(m.churned),
                    membership_revenue: money(m.membership_revenue),
                    donations: money(m.donations),
                })
                .collect(),
            chart_height: Self::CHART_HEIGHT,
            chart_max,
        }
    }
}

/// A sponsor on the sponsors page, its fields as the form shows them.
#[derive(Debug, Clone, Serialize)]
pub struct SponsorRowView {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// The logo's number in the media library, or empty.
    pub logo: String,
    pub disclosure: String,
    pub label: &'static str,
    /// What it sponsors, as (name or title, public path).
    pub uses: Vec<(String, String)>,
}

/// Sponsors, for admins.
#[derive(Debug, Clone, Serialize)]
pub struct SponsorsView {
    pub chrome: DeskChrome,
    pub sponsors: Vec<SponsorRowView>,
    /// Each label as (word, words readers see).
    pub labels: Vec<(&'static str, &'static str)>,
    /// Every section, as (id, name).
    pub sections: Vec<(i64, String)>,
    /// Every newsletter offered, as (slug, name).
    pub newsletters: Vec<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// A newsletter on the newsroom's newsletters page.
#[derive(Debug, Clone, Serialize)]
pub struct NewsletterRowView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub subscribers: u64,
    /// Its sponsor's name, when it has one.
    pub sponsor: Option<String>,
}

/// A send, in a newsletter's history.
#[derive(Debug, Clone, Serialize)]
pub struct SendRowView {
    pub id: i64,
    pub newsletter: String,
    pub subject: String,
    pub segment: &'static str,
    pub status: &'static str,
    pub status_word: &'static str,
    pub queued_by: String,
    pub queued: TimeView,
    pub finished: Option<TimeView>,
    pub counts: masthead_core::newsletter::DeliveryCounts,
    /// How far it got, in whole percent of its recipients.
    pub done_percent: u64,
    /// Letters a minute, once it finished.
    pub per_minute: Option<u64>,
}

impl SendRowView {
    /// `send`, whose newsletter is called `newsletter`, with times in `zone`.
    pub fn new(send: &masthead_core::newsletter::SendSummary, newsletter: &str, zone: Tz) -> Self {
        let c = send.counts;
        let per_minute = send
            .started_at
            .zip(send.finished_at)
            .map(|(from, to)| (to - from).num_milliseconds().max(1))
            .map(|ms| (c.recipients - c.waiting).saturating_mul(60_000) / ms.unsigned_abs());
        Self {
            id: send.id.0,
            newsletter: newsletter.to_owned(),
            subject: send.subject.clone(),
            segment: send.segment.label(),
            status: send.status.label(),
            status_word: send.status.as_str(),
            queued_by: send.queued_by.clone(),
            queued: TimeView::new(send.queued_at, zone),
            finished: send.finished_at.map(|t| TimeView::new(t, zone)),
            counts: c,
            done_percent: (c.recipients - c.waiting)
                .saturating_mul(100)
                .checked_div(c.recipients)
                .unwrap_or(100),
            per_minute,
        }
    }
}

/// The newsroom's newsletters: what is offered, who subscribes, the send form and the
/// latest sends.
#[derive(Debug, Clone, Serialize)]
pub struct NewslettersView {
    pub chrome: DeskChrome,
    pub newsletters: Vec<NewsletterRowView>,
    /// Recently published articles, as (id, headline).
    pub articles: Vec<(i64, String)>,
    /// What the send form holds: the article, newsletter, segment and subject chosen.
    pub article: i64,
    pub newsletter: String,
    pub segment: String,
    pub subject: String,
    /// Each segment as (word, label).
    pub segments: Vec<(&'static str, &'static str)>,
    pub sends: Vec<SendRowView>,
    /// Whether letters actually leave (SMTP), or wait in the outbox.
    pub mail_leaves: bool,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// One newsletter's sending history.
#[derive(Debug, Clone, Serialize)]
pub struct NewsletterHistoryView {
    pub chrome: DeskChrome,
    pub newsletter: NewsletterRowView,
    pub sends: Vec<SendRowView>,
    pub notice: Option<String>,
}

/// One bar of an audience chart: what it counts, how many, and its length in the chart
/// (0-100).
#[derive(Debug, Clone, Serialize)]
pub struct FigureBar {
    pub label: String,
    /// Where the label leads (an article's figures), if anywhere.
    pub href: Option<String>,
    pub count: u64,
    pub length: u32,
}

impl FigureBar {
    /// Bars for `rows`, the longest the largest.
    pub fn scaled(rows: Vec<(String, Option<String>, u64)>) -> Vec<FigureBar> {
        let most = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
        rows.into_iter()
            .map(|(label, href, count)| FigureBar {
                length: u32::try_from(count.saturating_mul(100) / most).unwrap_or(100),
                label,
                href,
                count,
            })
            .collect()
    }
}

/// `/newsroom/analytics`: audience figures for a period.
#[derive(Debug, Serialize)]
pub struct AnalyticsView {
    pub chrome: DeskChrome,
    /// Each period offered, the one shown selected.
    pub periods: Vec<Choice>,
    pub period: &'static str,
    pub period_label: &'static str,
    pub total: u64,
    /// Views per day (the day as "4 Dec").
    pub days: Vec<FigureBar>,
    pub articles: Vec<FigureBar>,
    pub sections: Vec<FigureBar>,
    pub authors: Vec<FigureBar>,
    pub referrers: Vec<FigureBar>,
    pub searches: Vec<FigureBar>,
}

/// `/newsroom/analytics/articles/{id}`: one article's views per day.
#[derive(Debug, Serialize)]
pub struct ArticleFiguresView {
    pub chrome: DeskChrome,
    pub id: i64,
    pub title: String,
    pub total: u64,
    pub days: Vec<FigureBar>,
}

/// The curated home page's form.
#[derive(Debug, Clone, Serialize)]
pub struct FrontView {
    pub chrome: DeskChrome,
    /// "Home page" or "World front".
    pub title: String,
    /// The section's slug (the form sends it back); "" for the home page.
    pub section: String,
    /// Where readers see this front.
    pub reader_href: String,
    /// Every front there is to arrange, this one marked.
    pub fronts: Vec<FrontChoice>,
    /// The windows "Most read" may cover, the chosen one selected (the home page's).
    pub most_read: Vec<Choice>,
    /// The breaking-news banner's form: its words, where it leads, when it ends
    /// (datetime-local), and whether readers see it now.
    pub breaking_text: String,
    pub breaking_url: String,
    pub breaking_until: String,
    pub breaking_shows: bool,
    pub slots: Vec<FrontSlotView>,
    pub notice: Option<String>,
    pub errors: Vec<FieldErrorView>,
}

/// A front in the list of fronts to arrange.
#[derive(Debug, Clone, Serialize)]
pub struct FrontChoice {
    pub name: String,
    pub href: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrontSlotView {
    /// The form's name for the slot (`slot-N`); its end is `until-N`.
    pub field: &'static str,
    pub label: String,
    /// The stories it may hold, the chosen one selected ("" : the newest not chosen).
    pub stories: Vec<Choice>,
    /// datetime-local, in the publication's time zone; "" for good.
    pub until: String,
    /// Chosen until a time that has passed: it shows the newest again.
    pub expired: bool,
    /// What readers see in it now.
    pub showing: String,
}

/// A live article's coverage on its editor page (`EditorView::live`).
#[derive(Debug, Clone, Serialize)]
pub struct LiveDeskView {
    /// When the coverage ended, if it has.
    pub ended: Option<TimeView>,
    /// Pinned first, then newest first.
    pub entries: Vec<LiveEntryDeskView>,
    /// An empty body for the new entry's visual editor (`document_for_script`).
    pub new_document: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveEntryDeskView {
    pub id: i64,
    pub headline: String,
    /// The start of its words.
    pub excerpt: String,
    pub author_name: String,
    pub pinned: bool,
    pub posted: TimeView,
    pub updated: Option<TimeView>,
}

/// Posting or editing a live entry, on a page of its own (errors keep what was typed).
#[derive(Debug, Clone, Serialize)]
pub struct LiveEntryFormView {
    pub chrome: DeskChrome,
    pub article_id: i64,
    pub article_title: String,
    /// Where the form goes: a new entry, or the entry's own address.
    pub action: String,
    pub headline: String,
    pub body_markdown: String,
    pub body_document: String,
    pub problem: Option<String>,
}

/// A body as the visual editor loads it: its JSON, with `<` escaped (as `\u003c`,
/// which JSON reads back as `<`) so that it sits in a `<script type="application/json">`
/// element that no text of the body can end.
pub fn document_for_script(body: &masthead_core::document::Document) -> String {
    body.to_json().replace('<', "\\u003c")
}
