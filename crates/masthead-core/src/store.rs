//! The storage port, one trait per area (site, articles, revisions, taxonomy, staff,
//! media, comments, members) whose union is `Store`. Each method is one whole use case in one
//! transaction, so no transaction ever crosses this boundary. Implemented for SQLite and PostgreSQL by
//! `masthead-store`, and held above it only as `Arc<dyn Store>`.

use crate::article::{
    Article, ArticleContent, ArticleSummary, ArticleType, Correction, CorrectionKind, NewArticle,
    PathMove, RenderedBody, Status,
};
use crate::auth::{
    AttemptKind, AuditEntry, Failures, NewAuditEntry, NewSession, NewStaffToken, Session,
    StaffToken, TokenPurpose, TwoFactor,
};
use crate::comment::{
    Activity, Comment, CommentEdit, CommentPage, CommentSort, CommentStatus, CommentToModerate,
    NewComment, NewReport, Queue, QueueCounts,
};
use crate::curation::{Front, Slot};
use crate::error::Result;
use crate::ids::{
    ArticleId, CommentId, LiveEntryId, MediaId, MemberId, OfferId, PageId, PasskeyId, PersonId,
    SectionId, SendId, SponsorId, TagId, TierId,
};
use crate::live::{EntryContent, LiveEntry};
use crate::media::{Media, MediaVariant, NewMedia};
use crate::member::{
    AccountUpdate, Ceremony, CeremonyPurpose, Commenting, LinkUse, Member, MemberData,
    MemberSession, NewCeremony, NewMember, NewMemberLink, NewMemberSession, NewPasskey, Passkey,
    SignedIn, Standing,
};
use crate::newsletter::{
    Delivery, MailReport, NewDelivery, NewSend, Outcome, SendSummary, Subscriber, TakenSend,
    Unsubscribed,
};
use crate::page::{PageContent, StaticPage};
use crate::payments::{
    Applied, CheckoutOutcome, RevenueFacts, SubscriptionState, Supporter, VerifiedEvent,
};
use crate::people::{NewPerson, Person, Profile, Role};
use crate::revision::{Note, Presence, Revision, RevisionKind, RevisionSummary};
use crate::site::{Redirect, Settings};
use crate::sponsor::{Sponsor, SponsorInput};
use crate::taxonomy::{NewSection, Section, Tag, TagEdit};
use crate::tier::{Offer, OfferInput, Tier, TierInput};
use crate::workflow::StatusChange;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a staff member's change to an article leaves behind, written in the change's
/// own transaction: none of it is kept without the change, nor the change without it.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    /// Whose revision of the content to keep (writes of content).
    pub revision_by: Option<PersonId>,
    /// A note to the article's people, and who wrote it (a review sent back).
    pub note: Option<(PersonId, String)>,
    /// The audit log's entry. Its `target` says what was done in words; the store
    /// adds the article's number (`"... (#12)"`), which a new article gets only there.
    pub audit: Option<NewAuditEntry>,
    /// Who is told of the change (`notification`).
    pub notifications: Vec<crate::notification::NewNotification>,
    /// What webhooks hear of it (`webhook::status_event`, or an edit of a published
    /// article): a delivery is queued for each one listening.
    pub webhook: Option<crate::webhook::Event>,
}

/// New content for an article.
#[derive(Debug, Clone, Copy)]
pub struct ContentUpdate<'a> {
    pub content: &'a ArticleContent,
    pub rendered: &'a RenderedBody,
    /// The article's address changes (a published article moved to another section):
    /// the old one is recorded as a redirect, atomically.
    pub moved: Option<&'a PathMove>,
    pub updated_at: DateTime<Utc>,
    /// With `expected` set, only if the article is still the version saved at that
    /// time (checked under the write lock), else a `Conflict`: two saves made on one
    /// version cannot both win.
    pub expected: Option<DateTime<Utc>>,
}

/// The most whole articles one `published_after` call returns.
pub const WHOLE_BATCH: u32 = 500;

/// Which articles a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ArticleFilter {
    All,
    Section(SectionId),
    Tag(TagId),
    Author(PersonId),
}

/// A page request: offset pagination with a total, the shape numbered pages need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u32,
    pub limit: u32,
}

impl PageRequest {
    /// The most rows one request may ask for.
    pub const MAX_LIMIT: u32 = 100;

    /// Page `number` (1-based) of `per_page` rows; out-of-range values are clamped.
    pub fn numbered(number: u32, per_page: u32) -> Self {
        let limit = per_page.clamp(1, Self::MAX_LIMIT);
        Self {
            offset: number.max(1).saturating_sub(1).saturating_mul(limit),
            limit,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    /// `Some(Published)` lists what readers see, newest publication first; any other
    /// status (or `None` for all statuses) lists by last update, as the newsroom wants.
    pub status: Option<Status>,
    pub page: PageRequest,
}

impl ArticleQuery {
    /// Published articles, newest first.
    pub fn published(filter: ArticleFilter, page: PageRequest) -> Self {
        Self {
            filter,
            status: Some(Status::Published),
            page,
        }
    }
}

/// What the newsroom's article list narrows by, beyond a list filter and a status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    pub article_type: Option<ArticleType>,
    /// Text the headline or the dek must contain (letters' case aside).
    pub words: String,
}

impl Narrowing {
    pub fn is_empty(&self) -> bool {
        self.article_type.is_none() && self.words.trim().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many rows match in all, across every page.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

impl<T> Page<T> {
    /// The same page of something else made of each item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
            limit: self.limit,
        }
    }

    /// 1-based number of this page.
    pub fn number(&self) -> u32 {
        self.offset / self.limit.max(1) + 1
    }

    pub fn page_count(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.limit.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }
}

/// Where a published article lives and when it changed: one light row per article,
/// for sitemaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleLocation {
    pub slug: String,
    pub section_slug: Option<String>,
    pub title: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ArticleLocation {
    pub fn path(&self) -> String {
        crate::article::article_path(self.section_slug.as_deref(), &self.slug)
    }
}

/// How much content a store holds; reported by `migrate` and `seed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub articles: u64,
    pub sections: u64,
    pub tags: u64,
    pub people: u64,
    pub members: u64,
    pub comments: u64,
}

/// The site as a whole: the database itself, publication settings, redirects and static pages.
#[async_trait]
pub trait SiteStore: Send + Sync {
    /// "sqlite" or "postgres", for logs and reports.
    fn backend(&self) -> &'static str;

    /// Notices of every change committed from now on.
    fn subscribe(&self) -> crate::change::ChangeReceiver;

    /// Answers when the database does.
    async fn health(&self) -> Result<()>;

    async fn counts(&self) -> Result<Counts>;

    /// Refreshes the query planner's statistics (and on PostgreSQL the visibility map);
    /// worth it after a bulk load, when the database's own upkeep has not caught up and
    /// list queries may pick slow plans.
    async fn analyze(&self) -> Result<()>;

    async fn settings(&self) -> Result<Settings>;

    async fn save_settings(&self, settings: &Settings) -> Result<()>;

    async fn create_redirect(
        &self,
        from_path: &str,
        to_path: &str,
        status_code: u16,
    ) -> Result<Redirect>;

    async fn redirect_for(&self, path: &str) -> Result<Option<Redirect>>;

    /// Stores a static page. A page may not take a section's slug, nor a section a
    /// page's: both live at `/{slug}/`.
    async fn create_page(
        &self,
        page: &PageContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<StaticPage>;

    async fn update_page(
        &self,
        id: PageId,
        page: &PageContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<StaticPage>;

    async fn page_by_slug(&self, slug: &str) -> Result<Option<StaticPage>>;

    /// Deletes a page, with its audit entry: its address answers 404 from then on.
    async fn delete_page(&self, id: PageId, audit: &NewAuditEntry) -> Result<()>;

    /// All pages, by position then title; published ones only if `published_only`.
    async fn static_pages(&self, published_only: bool) -> Result<Vec<StaticPage>>;
}

/// Articles, the lists readers see them in, corrections and readership.
#[async_trait]
pub trait ArticleStore: Send + Sync {
    /// Stores a new article; a taken slug is a `Conflict`.
    /// Stores a new article with what its creation leaves behind.
    async fn create_article(&self, article: &NewArticle, trail: &Trail) -> Result<ArticleId>;

    /// Stores many new articles in one transaction (imports and seeding).
    async fn create_articles(&self, articles: &[NewArticle]) -> Result<()>;

    async fn article(&self, id: ArticleId) -> Result<Option<Article>>;

    async fn article_by_slug(&self, slug: &str) -> Result<Option<Article>>;

    async fn slug_taken(&self, slug: &str) -> Result<bool>;

    /// Replaces an article's content: see `ContentUpdate`.
    async fn update_article_content(
        &self,
        id: ArticleId,
        update: &ContentUpdate<'_>,
        trail: &Trail,
    ) -> Result<()>;

    async fn change_status(
        &self,
        id: ArticleId,
        change: &StatusChange,
        trail: &Trail,
    ) -> Result<()>;

    /// Renames the article's slug; with `moved` set, also records a 301 from the old
    /// path to the new one, atomically.
    async fn change_slug(
        &self,
        id: ArticleId,
        new_slug: &str,
        moved: Option<&PathMove>,
        at: DateTime<Utc>,
    ) -> Result<()>;

    async fn add_correction(
        &self,
        id: ArticleId,
        kind: CorrectionKind,
        text: &str,
        at: DateTime<Utc>,
        trail: &Trail,
    ) -> Result<Correction>;

    async fn list_articles(&self, query: &ArticleQuery) -> Result<Page<ArticleSummary>>;

    /// A newsroom list narrowed further (type, words), newest update first; counted
    /// as it is read, so meant for staff, not for reader pages.
    async fn narrowed_articles(
        &self,
        query: &ArticleQuery,
        narrow: &Narrowing,
    ) -> Result<Page<ArticleSummary>>;

    /// Published articles, whole, with ids after `after`, in id order, at most
    /// `limit` (at most `WHOLE_BATCH`): how the search index reads the store, a batch
    /// at a time.
    async fn published_after(&self, after: ArticleId, limit: u32) -> Result<Vec<Article>>;

    /// When any article last changed, whatever its status (`None` when there are
    /// none): what tells a search index whether it is current.
    async fn last_article_change(&self) -> Result<Option<DateTime<Utc>>>;

    /// Published articles as the APIs ask for them (`nql::PostQuery`): filtered with
    /// bound values only, ordered, one page, whole. A filter on a field posts do not
    /// have, or a value of the wrong kind, is `Error::Invalid` naming it.
    async fn api_posts(&self, query: &crate::nql::PostQuery) -> Result<Page<Article>>;

    /// Summaries of the published articles among `ids`, in the order of `ids`.
    async fn published_summaries(&self, ids: &[ArticleId]) -> Result<Vec<ArticleSummary>>;

    /// Published articles, oldest first (so that a sitemap page, once full, stays the
    /// same), `limit` at a time.
    async fn article_locations(&self, offset: u64, limit: u32) -> Result<Vec<ArticleLocation>>;

    /// Published articles published at or after `since`, newest first, at most `limit`.
    async fn recent_locations(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ArticleLocation>>;

    /// Corrections and updates of published articles, newest first, with their articles.
    async fn corrections_log(&self, page: PageRequest) -> Result<Page<LoggedCorrection>>;

    /// Adds reads made at `at` to the view counts: its UTC day's (the audience
    /// figures) and its UTC hour's ("Most read"; hours older than `HOURLY_KEPT` go).
    async fn record_views(&self, at: DateTime<Utc>, views: &[(ArticleId, u64)]) -> Result<()>;

    /// The published articles read most since `since` (counted by the hour: the hour
    /// `since` falls in counts whole), most read first.
    async fn most_read(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ArticleSummary>>;

    /// Scheduled articles whose time has come, oldest first.
    async fn due_scheduled(&self, now: DateTime<Utc>) -> Result<Vec<ArticleId>>;
}

/// What happens around an article's text: revisions, who is editing, review notes, preview links.
#[async_trait]
pub trait RevisionStore: Send + Sync {
    /// Records `content` as a revision of the article by `person`; an autosave replaces
    /// the same person's autosave of the last `AUTOSAVE_STRETCH` if it is the newest
    /// revision. Also marks the person as editing the article at `at`. Returns the id.
    async fn save_revision(
        &self,
        article: ArticleId,
        person: PersonId,
        kind: RevisionKind,
        content: &ArticleContent,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    /// The article's revisions, newest first.
    async fn revisions(&self, article: ArticleId) -> Result<Vec<RevisionSummary>>;

    async fn revision(&self, id: i64) -> Result<Option<Revision>>;

    /// `person`'s newest autosave of the article, if newer than `since`.
    async fn autosave_since(
        &self,
        article: ArticleId,
        person: PersonId,
        since: DateTime<Utc>,
    ) -> Result<Option<Revision>>;

    /// Marks `person` as having the article's editor open at `at`.
    async fn mark_editing(
        &self,
        article: ArticleId,
        person: PersonId,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// Who has had the article's editor open since `since`, most recent first.
    async fn editing(&self, article: ArticleId, since: DateTime<Utc>) -> Result<Vec<Presence>>;

    /// An article's notes (each written with the change it came with, `Trail`),
    /// newest first.
    async fn notes(&self, article: ArticleId) -> Result<Vec<Note>>;

    /// Writes a note made on its own (not with a change): the trail's note and its
    /// notifications, at `at`.
    async fn add_note(&self, article: ArticleId, trail: &Trail, at: DateTime<Utc>) -> Result<()>;

    /// Records a preview link for the article by its token's hash.
    async fn create_preview(
        &self,
        article: ArticleId,
        person: PersonId,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// The article an unexpired preview link shows.
    async fn preview_article(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleId>>;

    /// Ends every preview link of the article; returns how many.
    async fn end_previews(&self, article: ArticleId) -> Result<u64>;
}

/// Sections and tags.
#[async_trait]
pub trait TaxonomyStore: Send + Sync {
    async fn create_section(&self, section: &NewSection) -> Result<Section>;

    /// All sections in navigation order.
    async fn sections(&self) -> Result<Vec<Section>>;

    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>>;

    /// Finds tags by name, creating those that do not exist yet, in the given order.
    async fn ensure_tags(&self, names: &[String]) -> Result<Vec<Tag>>;

    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>>;

    /// The tags of `slugs` that exist, in no particular order.
    async fn tags_by_slugs(&self, slugs: &[String]) -> Result<Vec<Tag>>;

    /// All tags, by name.
    async fn tags(&self) -> Result<Vec<Tag>>;

    /// Renames, re-slugs or describes a section. A new slug moves the section's page
    /// and every published article in it; each old address redirects (301) to the new.
    async fn update_section(&self, id: SectionId, section: &NewSection) -> Result<Section>;

    /// Renames, re-slugs or describes a tag; an old tag page redirects to the new.
    async fn update_tag(&self, id: TagId, tag: &TagEdit) -> Result<Tag>;

    /// Moves every article of tag `from` to tag `into` and removes `from`, whose page
    /// then redirects to `into`'s.
    async fn merge_tags(&self, from: TagId, into: TagId) -> Result<Tag>;

    /// Deletes a tag, with its audit entry: its articles keep their other tags; its
    /// page is gone.
    async fn delete_tag(&self, id: TagId, audit: &NewAuditEntry) -> Result<()>;

    /// Up to `limit` tags whose name contains `words` (letters' case aside), by name.
    async fn tags_matching(&self, words: &str, limit: u32) -> Result<Vec<Tag>>;

    /// Every tag with how many articles (any status) carry it, by name.
    async fn tag_usage(&self) -> Result<Vec<(Tag, u64)>>;
}

/// Staff, their sign-in (sessions, failed logins, single-use tokens, two-factor) and the audit log.
#[async_trait]
pub trait StaffStore: Send + Sync {
    async fn create_person(&self, person: &NewPerson) -> Result<Person>;

    async fn person(&self, id: PersonId) -> Result<Option<Person>>;

    async fn person_by_slug(&self, slug: &str) -> Result<Option<Person>>;

    /// The person with this (normalized) email and their password hash, for logging in.
    async fn person_credentials(&self, email: &str) -> Result<Option<(Person, String)>>;

    /// All staff, by name.
    async fn people(&self) -> Result<Vec<Person>>;

    /// Gives a staff member another role, with its audit entry, in one transaction.
    async fn set_role(&self, id: PersonId, role: Role, audit: &NewAuditEntry) -> Result<Person>;

    /// Adds a byline profile without a login (a guest, a news agency, a desk byline),
    /// with its audit entry.
    async fn create_profile(
        &self,
        kind: crate::people::Kind,
        profile: &Profile,
        audit: &NewAuditEntry,
    ) -> Result<Person>;

    /// Changes what a staff member says about themselves (validated), with its audit
    /// entry; bylines and author pages show it at once.
    async fn update_profile(
        &self,
        id: PersonId,
        profile: &Profile,
        audit: &NewAuditEntry,
    ) -> Result<Person>;

    /// Takes a staff member's access away (ending their sessions and unused links) or
    /// gives it back; bylines and history stay. With its audit entry.
    async fn set_access(
        &self,
        id: PersonId,
        active: bool,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Person>;

    /// Starts a session (and drops expired ones); clears the account's failed logins.
    async fn start_session(
        &self,
        session: &NewSession,
        account_key: &str,
        audit: &NewAuditEntry,
    ) -> Result<()>;

    /// The unexpired session with this token hash, with its person.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;

    /// Records use of a session at `at`, pushing its expiry to `expires_at`.
    async fn touch_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Ends one session (logging out); unknown hashes are no error.
    async fn end_session(&self, token_hash: &str, audit: &NewAuditEntry) -> Result<()>;

    /// Ends every session of `person` (logging out everywhere); returns how many.
    async fn end_sessions(&self, person: PersonId, audit: &NewAuditEntry) -> Result<u64>;

    /// Records a failed login (or a letter asked for) against each key, with its audit
    /// entry if any, and forgets such records older than a day.
    async fn record_login_failure(
        &self,
        keys: &[(AttemptKind, &str)],
        at: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> Result<()>;

    /// Failed logins for a key since `since`.
    async fn login_failures(
        &self,
        kind: AttemptKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Failures>;

    /// Adds an entry to the audit log on its own (for actions stored by other calls).
    async fn record_audit(&self, entry: &NewAuditEntry) -> Result<()>;

    /// The audit log, newest first.
    async fn audit_log(&self, page: PageRequest) -> Result<Page<AuditEntry>>;

    /// Stores a token (and drops expired and used ones), with its audit entry if any.
    async fn create_staff_token(
        &self,
        token: &NewStaffToken,
        audit: Option<&NewAuditEntry>,
    ) -> Result<()>;

    /// The token with this hash and purpose, unless it was used or has expired.
    async fn staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffToken>>;

    /// Uses up a token; false when it was used already or has expired, so of two
    /// requests racing with one token only one gets `true`.
    async fn use_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> Result<bool>;

    /// Counts one try of a token (a code typed at the second sign-in step); false once
    /// `max_attempts` were counted, or when the token is used or expired. Counting is
    /// atomic, so tries sent all at once cannot outrun it.
    async fn try_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<bool>;

    /// Unused, unexpired invitations, newest first.
    async fn invitations(&self, now: DateTime<Utc>) -> Result<Vec<StaffToken>>;

    /// Uses a reset token to set a new password and ends every session of its person,
    /// in one transaction; `None` when the token is no longer good.
    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>>;

    /// Uses an invitation to add the staff member it invites (role and email from the
    /// invitation), in one transaction; `None` when the invitation is no longer good.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        person: &NewPerson,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>>;

    /// Sets a signed-in person's new password and ends their other sessions.
    async fn change_password(
        &self,
        person: PersonId,
        password_hash: &str,
        keep_session: &str,
        audit: &NewAuditEntry,
    ) -> Result<()>;

    /// A person's two-factor setting, if they turned it on.
    async fn two_factor(&self, person: PersonId) -> Result<Option<TwoFactor>>;

    /// Turns two-factor sign-in on (or starts it again) with a confirmed secret, the
    /// step of the code that confirmed it, and new recovery codes (hashes).
    async fn enable_two_factor(
        &self,
        person: PersonId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        audit: &NewAuditEntry,
    ) -> Result<()>;

    /// Turns two-factor sign-in off, forgetting the secret and recovery codes.
    async fn disable_two_factor(&self, person: PersonId, audit: &NewAuditEntry) -> Result<()>;

    /// Accepts a code's time step if it is later than every step accepted before
    /// (so a code works once); false otherwise.
    async fn accept_code_step(&self, person: PersonId, step: i64) -> Result<bool>;

    /// Uses one of the person's recovery codes; false when it is unknown or used.
    async fn use_recovery_code(
        &self,
        person: PersonId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// The media library.
#[async_trait]
pub trait MediaStore: Send + Sync {
    async fn create_media(&self, media: &NewMedia) -> Result<Media>;

    async fn media(&self, id: MediaId) -> Result<Option<Media>>;

    /// The media among `ids` that exist, in no particular order (lists with images).
    async fn media_many(&self, ids: &[MediaId]) -> Result<Vec<Media>>;

    /// The media whose originals are stored under `keys` (pictures placed in an
    /// article's text by address), in no particular order.
    async fn media_by_keys(&self, keys: &[String]) -> Result<Vec<Media>>;

    /// Adds a variant made after the upload (variants are made off the request path),
    /// and says so (`Change::Media`): pages showing the picture offer it from then on.
    async fn add_media_variant(&self, media: MediaId, variant: &MediaVariant) -> Result<()>;

    /// The library, newest first; `search` (if not empty) matches alt text, caption or
    /// credit, case-insensitively.
    async fn media_library(&self, search: &str, page: PageRequest) -> Result<Page<Media>>;

    /// Changes the words that travel with a picture, with its audit entry (the
    /// library is shared: who changed them is on record).
    async fn update_media_text(
        &self,
        id: MediaId,
        alt: &str,
        caption: &str,
        credit: &str,
        audit: &NewAuditEntry,
    ) -> Result<()>;
}

/// Comments: threads under articles, likes and reports, and the moderators' queue.
#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Stores a new comment (a reply must be to a comment on the same article that
    /// is still there), counting it on its article when readers see it.
    async fn add_comment(&self, comment: &NewComment) -> Result<Comment>;

    /// One comment, whatever its status.
    async fn comment(&self, id: CommentId) -> Result<Option<Comment>>;

    /// An article's comments with the given status, oldest first (threads are built by
    /// the caller from `parent_id`).
    async fn comments(&self, article: ArticleId, status: CommentStatus) -> Result<Vec<Comment>>;

    /// One page of an article's threads in `sort` order, as `viewer` sees them (their
    /// own held comments among the approved), with their replies and what the viewer
    /// likes among them. Deleted comments show only while replies hang from them.
    async fn comment_page(
        &self,
        article: ArticleId,
        sort: CommentSort,
        page: PageRequest,
        viewer: Option<MemberId>,
    ) -> Result<CommentPage>;

    /// What bears on `member` posting `comment` (see `comment::decide`), as of its
    /// `created_at`.
    async fn comment_activity(&self, member: MemberId, comment: &NewComment) -> Result<Activity>;

    /// Changes a comment's words (whether its author still may is the caller's rule).
    async fn edit_comment(&self, id: CommentId, edit: &CommentEdit) -> Result<()>;

    /// Deletes a comment's words at `at`; its place in the thread stays.
    async fn delete_comment(&self, id: CommentId, at: DateTime<Utc>) -> Result<()>;

    /// `member` likes (or no longer likes) a comment; returns its likes.
    async fn like_comment(
        &self,
        id: CommentId,
        member: MemberId,
        like: bool,
        at: DateTime<Utc>,
    ) -> Result<u32>;

    /// A reader reports a comment; reporting it again replaces their report.
    async fn report_comment(&self, report: &NewReport) -> Result<()>;

    /// A moderator's decision: the comment gets `status` and its open reports are
    /// answered, with the audit entry, in one transaction. Returns the comment as it
    /// was before.
    async fn moderate_comment(
        &self,
        id: CommentId,
        status: CommentStatus,
        audit: &NewAuditEntry,
    ) -> Result<Comment>;

    /// One page of a moderators' queue on any article: held comments oldest first
    /// (first come, first answered), reported ones by their oldest open report, spam
    /// newest first.
    async fn moderation_queue(
        &self,
        queue: Queue,
        page: PageRequest,
    ) -> Result<Page<CommentToModerate>>;

    async fn queue_counts(&self) -> Result<QueueCounts>;

    /// Trusts, bans or makes new again a member's commenting, with the audit entry; a
    /// ban also rejects their comments still waiting (returns how many).
    async fn set_commenting(
        &self,
        member: MemberId,
        commenting: Commenting,
        audit: &NewAuditEntry,
    ) -> Result<u64>;

    /// Opens or closes an article's comments, with the audit entry.
    async fn set_comments_open(
        &self,
        article: ArticleId,
        open: bool,
        audit: &NewAuditEntry,
    ) -> Result<()>;
}

/// Members: readers' accounts (identity) and their standing with this publication
/// (see `member`).
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// Adds a member with a fresh standing (imports, the demo; readers join through
    /// `use_member_link` and `external_member`).
    async fn create_member(&self, member: &NewMember) -> Result<Member>;

    /// A member who has not deleted their account.
    async fn member(&self, id: MemberId) -> Result<Option<Member>>;

    async fn member_by_email(&self, email: &str) -> Result<Option<Member>>;

    /// Members who have not deleted their account, newest first, one page (the Admin
    /// API's list).
    async fn members_page(&self, page: PageRequest) -> Result<Page<Member>>;

    async fn standing(&self, id: MemberId) -> Result<Option<Standing>>;

    /// Saves what a member changed on their account page (validated) at `now`.
    async fn update_account(
        &self,
        id: MemberId,
        update: &AccountUpdate,
        now: DateTime<Utc>,
    ) -> Result<Member>;

    /// Stores a link to email (and forgets expired ones).
    async fn create_member_link(&self, link: &NewMemberLink) -> Result<()>;

    /// Opens a link in the browser whose secret hashes to `browser_hash` (see
    /// `LinkUse`): a sign-in link signs in its email's member, making them one if
    /// needed. Of two requests racing with one link only one uses it.
    async fn use_member_link(
        &self,
        token_hash: &str,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkUse>;

    /// Starts a session (and drops expired ones).
    async fn start_member_session(&self, session: &NewMemberSession) -> Result<()>;

    /// The unexpired session with this token hash, with its member.
    async fn member_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberSession>>;

    /// Records use of a session at `at`, pushing its expiry to `expires_at`.
    async fn touch_member_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Ends one session (signing out); unknown hashes are no error.
    async fn end_member_session(&self, token_hash: &str) -> Result<()>;

    /// The member's unexpired sessions at `now`, most recently used first, at most
    /// `SESSIONS_LISTED`; the one with `current_hash` marked as current.
    async fn member_sessions(
        &self,
        member: MemberId,
        current_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SignedIn>>;

    /// Ends every session of the member but the one with `keep_hash`; how many ended.
    async fn end_other_member_sessions(&self, member: MemberId, keep_hash: &str) -> Result<u64>;

    /// The member an external login (OpenID Connect `issuer`) knows as `subject`;
    /// else the member with `email` (which the login verified), who is then known by
    /// the subject too; else a new member. `true` when the member was made now.
    async fn external_member(
        &self,
        issuer: &str,
        subject: &str,
        email: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(Member, bool)>;

    /// Keeps a passkey ceremony until the browser answers, in place of one its holder
    /// began before for the same purpose (and forgets expired ones).
    async fn start_ceremony(&self, ceremony: &NewCeremony) -> Result<()>;

    /// Takes back the unexpired ceremony for `purpose` whose token hashes to
    /// `token_hash`, if `holder_hash` began it: it is gone after this, so of two
    /// answers racing with one challenge only one gets it. Anyone else's attempt
    /// leaves it be.
    async fn take_ceremony(
        &self,
        token_hash: &str,
        holder_hash: &str,
        purpose: CeremonyPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>>;

    /// Adds a passkey (validated): `Conflict` if its credential is anyone's already,
    /// `Invalid` if the member has `member::MAX_PASSKEYS`.
    async fn add_passkey(&self, passkey: &NewPasskey) -> Result<Passkey>;

    /// A member's passkeys, oldest first.
    async fn passkeys(&self, member: MemberId) -> Result<Vec<Passkey>>;

    /// The passkey with this credential id, of a member who still has an account.
    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<Passkey>>;

    /// Records a sign-in with a passkey at `at`, with its key as it now is (the
    /// library updates its signature counter).
    async fn passkey_used(&self, id: PasskeyId, key: &str, at: DateTime<Utc>) -> Result<()>;

    /// Removes one of a member's passkeys; `false` if they had no such passkey.
    async fn remove_passkey(&self, member: MemberId, id: PasskeyId) -> Result<bool>;

    /// Everything stored about a member, for them to download.
    async fn member_data(&self, id: MemberId) -> Result<Option<MemberData>>;

    /// Deletes a member's account: their email, names, sessions, links, external
    /// logins and standing are gone; their comments stay, shown as
    /// `member::FORMER_MEMBER`'s.
    async fn delete_member(&self, id: MemberId, now: DateTime<Utc>) -> Result<()>;
}

/// Tiers and offers (see `tier`): what readers may pay for. Changes to them are site
/// changes (the support page and every paywall box show them).
#[async_trait]
pub trait RevenueStore: Send + Sync {
    /// Every tier: the free one first, then paid ones by monthly price and name;
    /// archived ones only when `archived_too`.
    async fn tiers(&self, archived_too: bool) -> Result<Vec<Tier>>;

    async fn tier(&self, id: TierId) -> Result<Option<Tier>>;

    async fn tier_by_slug(&self, slug: &str) -> Result<Option<Tier>>;

    /// Adds a paid tier (validated; there is one free tier). A slug in use is a
    /// conflict.
    async fn create_tier(&self, tier: &TierInput, now: DateTime<Utc>) -> Result<Tier>;

    /// Replaces a tier's fields (validated, and see `TierInput::may_replace`).
    async fn update_tier(&self, id: TierId, tier: &TierInput, now: DateTime<Utc>) -> Result<Tier>;

    /// Stops offering a paid tier (and its offers), or offers it again. The free tier
    /// is always offered.
    async fn archive_tier(&self, id: TierId, archived: bool, now: DateTime<Utc>) -> Result<()>;

    /// Every offer, newest first; archived ones only when `archived_too`.
    async fn offers(&self, archived_too: bool) -> Result<Vec<Offer>>;

    async fn offer_by_code(&self, code: &str) -> Result<Option<Offer>>;

    /// Adds an offer (validated against its tier). A code in use is a conflict.
    async fn create_offer(&self, offer: &OfferInput, now: DateTime<Utc>) -> Result<Offer>;

    /// Stops an offer, or offers it again (while its tier is offered).
    async fn archive_offer(&self, id: OfferId, archived: bool) -> Result<()>;
}

/// Payments (see `payments`): what the provider told us, applied once each, and what
/// it means for members. Changes to who may read are member changes, not site ones:
/// cached pages are the same for every anonymous reader.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Applies a provider's notice in one transaction with the record of its id: a
    /// notice seen before changes nothing (`Applied::Duplicate`). A subscription's
    /// state replaces the stored one only when it is as new or newer.
    async fn apply_payment_event(
        &self,
        event: &VerifiedEvent,
        now: DateTime<Utc>,
    ) -> Result<Applied>;

    /// Applies a checkout the reader completed (from its notice or from the reader's
    /// return, whichever comes first; the second changes nothing): the member it was
    /// for (a signed-in one, else the one with the payer's address, else a new member,
    /// `joined`), their customer id, the subscription it started or the gift it was.
    async fn apply_checkout(
        &self,
        outcome: &CheckoutOutcome,
        now: DateTime<Utc>,
    ) -> Result<Applied>;

    /// The member checkout `reference` made, once: the first call after the checkout
    /// made a new member returns them (the paying browser is signed in); later calls
    /// and checkouts by existing members return `None`.
    async fn claim_checkout(&self, reference: &str, now: DateTime<Utc>)
        -> Result<Option<MemberId>>;

    /// A member's subscriptions, newest first (ended ones too).
    async fn member_subscriptions(&self, member: MemberId) -> Result<Vec<SubscriptionState>>;

    /// The provider's newest customer id for a member.
    async fn member_customer(&self, member: MemberId) -> Result<Option<String>>;

    /// Givers who asked to be named, newest first, at most `limit`.
    async fn supporters(&self, limit: u32) -> Result<Vec<Supporter>>;

    /// What the revenue figures since `since` are made from (see `RevenueFacts`).
    async fn revenue_facts(&self, since: DateTime<Utc>) -> Result<RevenueFacts>;

    /// Every member (deleted ones aside), oldest first, with when they joined and their
    /// subscriptions, for the members' export.
    async fn members_with_subscriptions(
        &self,
    ) -> Result<Vec<(Member, DateTime<Utc>, Vec<SubscriptionState>)>>;
}

/// Sponsors (see `sponsor`) and what they sponsor. Every change is a site change: the
/// label shows on article and section pages.
#[async_trait]
pub trait SponsorStore: Send + Sync {
    /// Every sponsor, by name.
    async fn sponsors(&self) -> Result<Vec<Sponsor>>;

    /// Adds a sponsor (validated).
    async fn create_sponsor(&self, sponsor: &SponsorInput, now: DateTime<Utc>) -> Result<Sponsor>;

    /// Replaces a sponsor's fields (validated).
    async fn update_sponsor(&self, id: SponsorId, sponsor: &SponsorInput) -> Result<Sponsor>;

    /// Removes a sponsor; what it sponsored is unsponsored.
    async fn delete_sponsor(&self, id: SponsorId) -> Result<()>;

    /// Makes `sponsor` an article's own sponsor, or (`None`) takes its own away.
    async fn sponsor_article(&self, article: ArticleId, sponsor: Option<SponsorId>) -> Result<()>;

    /// Makes `sponsor` a section's, or takes it away.
    async fn sponsor_section(&self, section: SectionId, sponsor: Option<SponsorId>) -> Result<()>;

    /// The sponsor readers see on an article: its own, else its section's.
    async fn article_sponsor(&self, article: ArticleId) -> Result<Option<Sponsor>>;

    /// A section's sponsor.
    async fn section_sponsor(&self, section: SectionId) -> Result<Option<Sponsor>>;

    /// Makes `sponsor` a newsletter's (by slug), or takes it away.
    async fn sponsor_newsletter(&self, newsletter: &str, sponsor: Option<SponsorId>) -> Result<()>;

    /// A newsletter's sponsor, named in every letter it sends.
    async fn newsletter_sponsor(&self, newsletter: &str) -> Result<Option<Sponsor>>;

    /// What each sponsor sponsors, as (sponsor, what: a section's name, a newsletter
    /// or an article's title, its path), sections first, articles last.
    async fn sponsorships(&self) -> Result<Vec<(SponsorId, String, String)>>;
}

/// Newsletters (see `newsletter`): who subscribes to which, and sends, each a durable
/// queue of deliveries worked through by the one node holding its lease. Every method
/// that works a send takes the node's name and does nothing (`false`, empty) once
/// another node holds it: a node that lost its lease stops.
#[async_trait]
pub trait NewsletterStore: Send + Sync {
    /// How many members (deleted ones aside) subscribe to each newsletter, by slug.
    async fn subscriber_counts(&self) -> Result<Vec<(String, u64)>>;

    /// A newsletter's subscribers after member `after`, in member order, at most
    /// `limit`, with their subscriptions.
    async fn subscribers(
        &self,
        newsletter: &str,
        after: MemberId,
        limit: u32,
    ) -> Result<Vec<Subscriber>>;

    /// Queues a send (validated); its deliveries are written by whoever takes it up.
    async fn queue_send(&self, send: &NewSend) -> Result<SendId>;

    /// Sends, newest first, of one newsletter or (`None`) all, at most `limit`.
    async fn sends(&self, newsletter: Option<&str>, limit: u32) -> Result<Vec<SendSummary>>;

    /// The oldest unfinished send no node holds (its lease lapsed or it never had one),
    /// now held by `node` until `until`. Taking up a send whose holder stopped marks
    /// the deliveries it was handing over `Unknown` (they may have left) and queues the
    /// rest of what it had claimed again (they had not).
    async fn take_send(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<TakenSend>>;

    /// Keeps holding a send until `until`; `false` if `node` no longer holds it.
    async fn renew_send(&self, send: SendId, node: &str, until: DateTime<Utc>) -> Result<bool>;

    /// The last member a preparing send has a delivery for (`MemberId(0)` for none).
    async fn prepared_up_to(&self, send: SendId) -> Result<MemberId>;

    /// Writes deliveries of a preparing send (once each: again changes nothing).
    async fn add_deliveries(
        &self,
        send: SendId,
        node: &str,
        deliveries: &[NewDelivery],
    ) -> Result<bool>;

    /// Every delivery is written: the send starts sending.
    async fn start_sending(&self, send: SendId, node: &str, now: DateTime<Utc>) -> Result<bool>;

    /// Claims the next waiting deliveries, in member order, at most `limit`; those
    /// whose recipient no longer subscribes are `Skipped` at `now` instead.
    async fn claim_deliveries(
        &self,
        send: SendId,
        node: &str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>>;

    /// Marks a claimed delivery as being handed to the mail server, right before it
    /// is; `false` if it is no longer this node's to send.
    async fn start_delivery(&self, send: SendId, member: MemberId, node: &str) -> Result<bool>;

    /// Records what became of a delivery being handed over.
    async fn delivered(
        &self,
        send: SendId,
        member: MemberId,
        node: &str,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Puts claimed deliveries not yet handed over back in the queue (the node stops
    /// before it gets to them).
    async fn release_deliveries(&self, send: SendId, node: &str) -> Result<()>;

    /// Nothing is left to send: the send is over, and its lease free.
    async fn finish_send(&self, send: SendId, node: &str, now: DateTime<Utc>) -> Result<bool>;

    /// Whom and from which newsletter the delivery with this token would unsubscribe
    /// (changing nothing).
    async fn unsubscribe_target(&self, token: &str) -> Result<Option<Unsubscribed>>;

    /// Unsubscribes the recipient of the delivery whose token this is from its send's
    /// newsletter (one-click: no sign-in). Unknown tokens are `None`; using one twice
    /// is no error.
    async fn unsubscribe(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Unsubscribed>>;

    /// Applies a mail service's bounce or complaint: the member with that address is
    /// unsubscribed from every newsletter, and the letter (by its Message-ID, else
    /// their latest) marked. `false` when the address is no member's.
    async fn apply_mail_report(&self, report: &MailReport, now: DateTime<Utc>) -> Result<bool>;
}

/// Audience figures (see `analytics`): counts per day, summed over days.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Views per day from `from` to `to` (days without any left out): of one
    /// article, or of the whole site.
    async fn daily_views(
        &self,
        article: Option<ArticleId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u64)>>;
    /// The most read articles from `from` to `to`, with their views, most first.
    async fn top_articles(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(ArticleSummary, u64)>>;
    /// Views from `from` to `to` by section (articles without one as "No section"),
    /// most first.
    async fn views_by_section(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, u64)>>;
    /// Views from `from` to `to` by author: each of an article's bylines counts its
    /// views. Most first, at most `limit`.
    async fn views_by_author(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>>;
    /// Adds readers who came from each site (by domain) on `day`.
    async fn record_referrers(&self, day: NaiveDate, counts: &[(String, u64)]) -> Result<()>;
    /// The sites readers came from, from `from` to `to`, most first.
    async fn top_referrers(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>>;
    /// Adds searches made on the site on `day`, by their words.
    async fn record_searches(&self, day: NaiveDate, counts: &[(String, u64)]) -> Result<()>;
    /// What readers searched for, from `from` to `to`, most first.
    async fn top_searches(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> Result<Vec<(String, u64)>>;
}

/// Live coverage (see `live`): a live article's entries, and when its coverage ended.
/// Each change tells the caches which article's pages changed (`Change::Live`).
#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Posts an entry to `article`, by `author` (named `author_name`), at `at`.
    async fn post_live_entry(
        &self,
        article: ArticleId,
        entry: &EntryContent,
        body_html: &str,
        author: (PersonId, &str),
        at: DateTime<Utc>,
    ) -> Result<LiveEntry>;
    /// Rewrites an entry, marking it updated at `at`; `NotFound` when there is none.
    async fn edit_live_entry(
        &self,
        id: LiveEntryId,
        entry: &EntryContent,
        body_html: &str,
        at: DateTime<Utc>,
    ) -> Result<LiveEntry>;
    /// Pins an entry on top of its article's, or unpins it.
    async fn pin_live_entry(&self, id: LiveEntryId, pinned: bool) -> Result<LiveEntry>;
    /// Deletes an entry; `NotFound` when there is none.
    async fn delete_live_entry(&self, id: LiveEntryId) -> Result<()>;
    async fn live_entry(&self, id: LiveEntryId) -> Result<Option<LiveEntry>>;
    /// An article's entries as readers see them: pinned first, then newest first, at
    /// most `limit`.
    async fn live_entries(&self, article: ArticleId, limit: u32) -> Result<Vec<LiveEntry>>;
    /// Ends an article's live coverage at `at` (`None`: it goes on again).
    async fn end_live_coverage(&self, article: ArticleId, at: Option<DateTime<Utc>>) -> Result<()>;
    /// When an article's live coverage ended, if it has.
    async fn live_coverage_ended(&self, article: ArticleId) -> Result<Option<DateTime<Utc>>>;
}

/// Curated fronts (see `curation`): the chosen slots of each front.
#[async_trait]
pub trait FrontStore: Send + Sync {
    /// The slots chosen for `front`, by position (expired ones too: `arrange` skips
    /// them).
    async fn front_slots(&self, front: Front) -> Result<Vec<Slot>>;
    /// The chosen stories of `front` that are published, for `curation::arrange`.
    async fn front_stories(&self, front: Front) -> Result<(Vec<Slot>, Vec<ArticleSummary>)>;
    /// Replaces the slots of `front` with `slots` (checked by `curation::validate`
    /// against `now`), at once; every page may show a front, so all are refreshed.
    async fn set_front_slots(&self, front: Front, slots: &[Slot], now: DateTime<Utc>)
        -> Result<()>;
}

/// The whole store: one object that is every area's store. Callers hold it as
/// `Arc<dyn Store>` and bring the areas they use into scope (`use
/// masthead_core::store::areas::*` brings them all).
pub trait Store:
    SiteStore
    + ArticleStore
    + RevisionStore
    + TaxonomyStore
    + StaffStore
    + MediaStore
    + CommentStore
    + MemberStore
    + RevenueStore
    + PaymentStore
    + SponsorStore
    + NewsletterStore
    + AnalyticsStore
    + LiveStore
    + FrontStore
    + NotificationStore
    + IntegrationStore
    + WebhookStore
{
}

/// Webhooks (`webhook`): subscriptions, and the durable queue of their deliveries.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook(
        &self,
        webhook: &crate::webhook::NewWebhook,
        audit: &NewAuditEntry,
    ) -> Result<crate::webhook::Webhook>;

    /// The webhooks of `integration`, or of all, oldest first.
    async fn webhooks(
        &self,
        integration: Option<crate::ids::IntegrationId>,
    ) -> Result<Vec<crate::webhook::Webhook>>;

    /// Deletes a webhook, and its deliveries not yet sent.
    async fn delete_webhook(&self, id: i64, audit: &NewAuditEntry) -> Result<()>;

    /// Points a webhook at another event or address (its secret stays); deliveries
    /// already queued go where it now points.
    async fn update_webhook(
        &self,
        id: i64,
        event: crate::webhook::Event,
        target_url: &str,
        audit: &NewAuditEntry,
    ) -> Result<crate::webhook::Webhook>;

    /// Queues a delivery of `event` about `subject` for every webhook of an active
    /// integration that listens for it, due at `at`; how many.
    async fn queue_webhook_event(
        &self,
        event: crate::webhook::Event,
        subject: i64,
        at: DateTime<Utc>,
    ) -> Result<u64>;

    /// Takes up to `limit` deliveries due at `now` to send, each claimed by one
    /// sender, held for `hold` (a delivery not settled by then, its sender gone, is
    /// due again).
    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        hold: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<crate::webhook::Delivery>>;

    /// Settles a claimed delivery as it went, at `at`.
    async fn settle_webhook_delivery(
        &self,
        id: i64,
        outcome: &crate::webhook::Outcome,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// The delivery log, newest first.
    async fn webhook_deliveries(
        &self,
        page: PageRequest,
    ) -> Result<Page<crate::webhook::LoggedDelivery>>;
}

/// Integrations and their API keys (`integration`). Each change is written to the
/// audit log with it.
#[async_trait]
pub trait IntegrationStore: Send + Sync {
    async fn create_integration(
        &self,
        integration: &crate::integration::NewIntegration,
        audit: &NewAuditEntry,
    ) -> Result<crate::integration::Integration>;

    /// Every integration, revoked ones too, newest first.
    async fn integrations(&self) -> Result<Vec<crate::integration::Integration>>;

    async fn integration(
        &self,
        id: crate::ids::IntegrationId,
    ) -> Result<Option<crate::integration::Integration>>;

    /// The active integration whose Content API key is `key`.
    async fn integration_by_content_key(
        &self,
        key: &str,
    ) -> Result<Option<crate::integration::Integration>>;

    /// The active integration whose Admin API key's id is `id`.
    async fn integration_by_admin_id(
        &self,
        id: &str,
    ) -> Result<Option<crate::integration::Integration>>;

    /// Replaces an active integration's keys with `keys`: the old ones stop working.
    async fn rotate_integration_keys(
        &self,
        id: crate::ids::IntegrationId,
        keys: &crate::integration::Keys,
        audit: &NewAuditEntry,
    ) -> Result<crate::integration::Integration>;

    /// Revokes an integration: none of its keys works from `audit.at` on.
    async fn revoke_integration(
        &self,
        id: crate::ids::IntegrationId,
        audit: &NewAuditEntry,
    ) -> Result<crate::integration::Integration>;
}

/// Staff's notifications (`notification`): their inbox, their choices, and the
/// letters waiting to go.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Writes notifications made outside a change's trail (a member's comment, a
    /// note), dated `at`.
    async fn add_notifications(
        &self,
        notifications: &[crate::notification::NewNotification],
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// A person's newest notifications, at most `limit`.
    async fn notifications(
        &self,
        person: PersonId,
        limit: u32,
    ) -> Result<Vec<crate::notification::Notification>>;

    /// How many of a person's notifications are unread.
    async fn unread_notifications(&self, person: PersonId) -> Result<u64>;

    /// Marks all of a person's notifications read at `at`.
    async fn read_notifications(&self, person: PersonId, at: DateTime<Utc>) -> Result<()>;

    /// The ways a person chose to hear of each event.
    async fn notification_choices(
        &self,
        people: &[PersonId],
    ) -> Result<std::collections::HashMap<PersonId, crate::notification::Choices>>;

    async fn set_notification_choices(
        &self,
        person: PersonId,
        choices: &crate::notification::Choices,
    ) -> Result<()>;

    /// Takes up to `limit` letters due at `now` for this sender, oldest first: each is
    /// held for `hold` (another node skips it meanwhile; one not settled by then, its
    /// sender gone, is due again).
    async fn claim_letters(
        &self,
        now: DateTime<Utc>,
        hold: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<crate::notification::PendingLetter>>;

    /// Settles a claimed letter: sent, or failed (then due again at `retry_at`, or
    /// given up with none).
    async fn settle_letter(
        &self,
        id: i64,
        sent: bool,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()>;
}

impl<T> Store for T where
    T: SiteStore
        + ArticleStore
        + RevisionStore
        + TaxonomyStore
        + StaffStore
        + MediaStore
        + CommentStore
        + MemberStore
        + RevenueStore
        + PaymentStore
        + SponsorStore
        + NewsletterStore
        + AnalyticsStore
        + LiveStore
        + FrontStore
        + NotificationStore
        + IntegrationStore
        + WebhookStore
{
}

/// Every area's trait, for `use masthead_core::store::areas::*`.
pub mod areas {
    pub use super::{
        AnalyticsStore, ArticleStore, CommentStore, FrontStore, IntegrationStore, LiveStore,
        MediaStore, MemberStore, NewsletterStore, NotificationStore, PaymentStore, RevenueStore,
        RevisionStore, SiteStore, SponsorStore, StaffStore, Store, TaxonomyStore, WebhookStore,
    };
}

/// An entry of the site-wide corrections log.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedCorrection {
    pub correction: Correction,
    pub article: ArticleSummary,
}
