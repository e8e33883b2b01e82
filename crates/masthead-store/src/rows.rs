//! Rows as the database returns them, and their conversion into domain types.
//! Shared by both backends: `FromRow` is derived generically over the driver.

use chrono::{DateTime, Utc};
use masthead_core::article::{
    Article, ArticleSummary, Correction, FeaturedImage, Named, Seo, Source,
};
use masthead_core::auth::{AuditEntry, Session, StaffToken, TwoFactor};
use masthead_core::comment::{Author, Comment, CommentToModerate};
use masthead_core::ids::*;
use masthead_core::media::{Media, MediaVariant};
use masthead_core::member::{Member, SessionRecord, Standing};
use masthead_core::page::StaticPage;
use masthead_core::people::{Person, SocialLink};
use masthead_core::revision::{Note, Presence, Revision, RevisionSummary};
use masthead_core::site::Redirect;
use masthead_core::taxonomy::{Section, Tag};
use masthead_core::{Error, Result};

/// Maps a driver error into the domain's: unique and foreign-key violations become
/// conflicts and invalid input; everything else is internal and logged upstream.
pub(crate) fn db_error(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::conflict(format!("{context}: that already exists"))
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::invalid(
            "reference",
            format!("{context}: it refers to something that does not exist"),
        ),
        sqlx::Error::RowNotFound => Error::not_found(context),
        _ => Error::internal(context, e),
    }
}

pub(crate) fn word<T: std::str::FromStr<Err = Error>>(value: &str) -> Result<T> {
    value.parse().map_err(|_| Error::Internal {
        message: format!("stored value {value:?} is not valid"),
        source: None,
    })
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(value: &str) -> Result<T> {
    serde_json::from_str(value).map_err(|e| Error::internal("stored JSON is not valid", e))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal("cannot encode JSON", e))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub body_document: Option<String>,
    pub body_html: String,
    pub custom_excerpt: String,
    pub excerpt: String,
    pub word_count: i64,
    pub featured_media_id: Option<i64>,
    pub featured_alt: String,
    pub featured_caption: String,
    pub featured_credit: String,
    pub section_id: Option<i64>,
    pub section_name: Option<String>,
    pub section_slug: Option<String>,
    pub article_type: String,
    pub status: String,
    pub visibility: String,
    pub visible_tiers: String,
    pub meta_title: String,
    pub meta_description: String,
    pub social_image: String,
    pub canonical_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub approved_comments: i64,
    pub comments_open: bool,
}

fn section_ref(
    id: Option<i64>,
    name: Option<String>,
    slug: Option<String>,
) -> Option<Named<SectionId>> {
    match (id, name, slug) {
        (Some(id), Some(name), Some(slug)) => Some(Named {
            id: SectionId(id),
            name,
            slug,
        }),
        _ => None,
    }
}

/// The parts of an article kept in other tables.
#[derive(Default)]
pub(crate) struct ArticleParts {
    pub tags: Vec<Named<TagId>>,
    pub authors: Vec<Named<PersonId>>,
    pub editors: Vec<Named<PersonId>>,
    pub sources: Vec<Source>,
    pub corrections: Vec<Correction>,
}

impl ArticleRow {
    pub fn into_article(self, parts: ArticleParts) -> Result<Article> {
        let featured_image = self.featured_media_id.map(|id| FeaturedImage {
            media_id: MediaId(id),
            alt: self.featured_alt,
            caption: self.featured_caption,
            credit: self.featured_credit,
        });
        Ok(Article {
            id: ArticleId(self.id),
            slug: self.slug,
            title: self.title,
            standfirst: self.standfirst,
            body_markdown: self.body_markdown,
            body_document: self.body_document,
            body_html: self.body_html,
            excerpt: self.excerpt,
            custom_excerpt: self.custom_excerpt,
            word_count: count(self.word_count),
            featured_image,
            section: section_ref(self.section_id, self.section_name, self.section_slug),
            tags: parts.tags,
            authors: parts.authors,
            editors: parts.editors,
            article_type: word(&self.article_type)?,
            status: word(&self.status)?,
            visibility: word(&self.visibility)?,
            tiers: json(&self.visible_tiers)?,
            seo: Seo {
                meta_title: self.meta_title,
                meta_description: self.meta_description,
                social_image: self.social_image,
                canonical_url: self.canonical_url,
            },
            sources: parts.sources,
            corrections: parts.corrections,
            approved_comments: count(self.approved_comments),
            comments_open: self.comments_open,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
            scheduled_at: self.scheduled_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub excerpt: String,
    pub article_type: String,
    pub visibility: String,
    pub section_id: Option<i64>,
    pub section_name: Option<String>,
    pub section_slug: Option<String>,
    pub featured_media_id: Option<i64>,
    pub featured_alt: String,
    pub word_count: i64,
    pub comment_count: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<SummaryRow> for ArticleSummary {
    type Error = Error;
    fn try_from(r: SummaryRow) -> Result<Self> {
        Ok(ArticleSummary {
            id: ArticleId(r.id),
            slug: r.slug,
            title: r.title,
            standfirst: r.standfirst,
            excerpt: r.excerpt,
            article_type: word(&r.article_type)?,
            visibility: word(&r.visibility)?,
            section: section_ref(r.section_id, r.section_name, r.section_slug),
            featured_media_id: r.featured_media_id.map(MediaId),
            featured_alt: r.featured_alt,
            word_count: count(r.word_count),
            comments: count(r.comment_count),
            published_at: r.published_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LocationRow {
    pub slug: String,
    pub section_slug: Option<String>,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<LocationRow> for masthead_core::store::ArticleLocation {
    fn from(r: LocationRow) -> Self {
        Self {
            slug: r.slug,
            section_slug: r.section_slug,
            title: r.title,
            published_at: r.published_at.unwrap_or(r.updated_at),
            updated_at: r.updated_at,
        }
    }
}

/// One row of an article's parts, all read by one query (see `parts_query` in
/// `backend/common.rs`): `part` says which, and the columns mean what that part needs.
#[derive(sqlx::FromRow)]
pub(crate) struct PartRow {
    pub part: i64,
    /// Tag, person or correction id.
    pub id: Option<i64>,
    /// Tag or person name, source name, correction kind.
    pub a: String,
    /// Tag or person slug, source URL, correction text.
    pub b: String,
    /// Credit kind, source note.
    pub c: Option<String>,
    /// When a correction was made.
    pub made_at: Option<DateTime<Utc>>,
    /// The article the part belongs to.
    pub owner: i64,
}

/// `PartRow::part` values.
pub(crate) const PART_TAG: i64 = 0;
pub(crate) const PART_CREDIT: i64 = 1;
pub(crate) const PART_SOURCE: i64 = 2;
pub(crate) const PART_CORRECTION: i64 = 3;

impl ArticleParts {
    /// Sorts the rows of several articles' parts (in the order the parts query returns
    /// them) into each article's parts.
    pub fn by_article(rows: Vec<PartRow>) -> Result<std::collections::HashMap<i64, Self>> {
        let mut grouped: std::collections::HashMap<i64, Vec<PartRow>> =
            std::collections::HashMap::new();
        for row in rows {
            grouped.entry(row.owner).or_default().push(row);
        }
        grouped
            .into_iter()
            .map(|(id, rows)| Ok((id, Self::from_rows(rows)?)))
            .collect()
    }

    /// Sorts rows, in the order the parts query returns them, into their parts.
    pub fn from_rows(rows: Vec<PartRow>) -> Result<Self> {
        let mut parts = ArticleParts {
            tags: Vec::new(),
            authors: Vec::new(),
            editors: Vec::new(),
            sources: Vec::new(),
            corrections: Vec::new(),
        };
        let broken = |what: String| Error::Internal {
            message: format!("stored article parts: {what}"),
            source: None,
        };
        let missing = |what: &str| broken(format!("a {what} without its id"));
        for r in rows {
            match r.part {
                PART_TAG => parts.tags.push(Named {
                    id: TagId(r.id.ok_or_else(|| missing("tag"))?),
                    name: r.a,
                    slug: r.b,
                }),
                PART_CREDIT => {
                    let named = Named {
                        id: PersonId(r.id.ok_or_else(|| missing("credit"))?),
                        name: r.a,
                        slug: r.b,
                    };
                    if r.c.as_deref() == Some("editor") {
                        parts.editors.push(named);
                    } else {
                        parts.authors.push(named);
                    }
                }
                PART_SOURCE => parts.sources.push(Source {
                    name: r.a,
                    url: r.b,
                    note: r.c.unwrap_or_default(),
                }),
                PART_CORRECTION => parts.corrections.push(Correction {
                    id: CorrectionId(r.id.ok_or_else(|| missing("correction"))?),
                    kind: word(&r.a)?,
                    text: r.b,
                    created_at: r
                        .made_at
                        .ok_or_else(|| broken("a correction without its time".into()))?,
                }),
                other => return Err(broken(format!("unknown part {other}"))),
            }
        }
        Ok(parts)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CorrectionRow {
    pub id: i64,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<CorrectionRow> for Correction {
    type Error = Error;
    fn try_from(r: CorrectionRow) -> Result<Self> {
        Ok(Correction {
            id: CorrectionId(r.id),
            kind: word(&r.kind)?,
            text: r.text,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub in_navigation: bool,
}

impl From<SectionRow> for Section {
    fn from(r: SectionRow) -> Self {
        Section {
            id: SectionId(r.id),
            slug: r.slug,
            name: r.name,
            description: r.description,
            position: r.position,
            in_navigation: r.in_navigation,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl From<TagRow> for Tag {
    fn from(r: TagRow) -> Self {
        Tag {
            id: TagId(r.id),
            slug: r.slug,
            name: r.name,
            description: r.description,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub bio: String,
    pub expertise: String,
    pub avatar_media_id: Option<i64>,
    pub social_links: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub job_title: String,
    pub kind: String,
}

impl PersonRow {
    pub fn into_person(self) -> Result<(Person, String)> {
        let links: Vec<SocialLink> = json(&self.social_links)?;
        Ok((
            Person {
                id: PersonId(self.id),
                slug: self.slug,
                name: self.name,
                email: self.email,
                role: word(&self.role)?,
                bio: self.bio,
                expertise: json(&self.expertise)?,
                avatar: self.avatar_media_id.map(MediaId),
                social_links: links,
                created_at: self.created_at,
                deactivated_at: self.deactivated_at,
                job_title: self.job_title,
                kind: word(&self.kind)?,
            },
            self.password_hash,
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            id: MemberId(r.id),
            email: r.email,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StandingRow {
    pub comment_name: String,
    pub tier: String,
    pub commenting: String,
    pub reply_letters: bool,
    pub joined_at: DateTime<Utc>,
}

impl StandingRow {
    /// The standing, with the newsletters the member chose (kept in their own table).
    pub fn standing(self, newsletters: Vec<String>) -> Result<Standing> {
        Ok(Standing {
            comment_name: self.comment_name,
            tier: self.tier,
            newsletters,
            commenting: word(&self.commenting)?,
            reply_letters: self.reply_letters,
            joined_at: self.joined_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    pub purpose: String,
    pub email: String,
    pub member_id: Option<i64>,
    pub browser_hash: String,
    pub return_to: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRecordRow {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
}

/// A session with its token's hash (to tell the asking browser's own).
#[derive(sqlx::FromRow)]
pub(crate) struct SignedInRow {
    pub token_hash: String,
    #[sqlx(flatten)]
    pub record: SessionRecordRow,
}

impl From<SessionRecordRow> for SessionRecord {
    fn from(r: SessionRecordRow) -> Self {
        SessionRecord {
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            ip: r.ip,
            user_agent: r.user_agent,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MediaRow {
    pub id: i64,
    pub storage_key: String,
    pub mime_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub byte_size: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub created_at: DateTime<Utc>,
    pub uploaded_by: Option<i64>,
}

impl From<MediaRow> for Media {
    fn from(r: MediaRow) -> Self {
        Media {
            id: MediaId(r.id),
            storage_key: r.storage_key,
            mime_type: r.mime_type,
            width: r.width.and_then(|w| u32::try_from(w).ok()),
            height: r.height.and_then(|h| u32::try_from(h).ok()),
            byte_size: u64::try_from(r.byte_size).unwrap_or(0),
            alt: r.alt,
            caption: r.caption,
            credit: r.credit,
            created_at: r.created_at,
            uploaded_by: r.uploaded_by.map(PersonId),
            variants: Vec::new(),
        }
    }
}

/// A media row joined with one of its variants (all `None` when it has none).
#[derive(sqlx::FromRow)]
pub(crate) struct MediaVariantRow {
    #[sqlx(flatten)]
    pub media: MediaRow,
    pub v_width: Option<i64>,
    pub v_height: Option<i64>,
    pub v_mime_type: Option<String>,
    pub v_storage_key: Option<String>,
    pub v_byte_size: Option<i64>,
}

impl MediaVariantRow {
    pub fn variant(&self) -> Option<MediaVariant> {
        Some(MediaVariant {
            width: u32::try_from(self.v_width?).unwrap_or(0),
            height: u32::try_from(self.v_height?).unwrap_or(0),
            mime_type: self.v_mime_type.clone()?,
            storage_key: self.v_storage_key.clone()?,
            byte_size: u64::try_from(self.v_byte_size?).unwrap_or(0),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PageRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body_markdown: String,
    pub body_document: Option<String>,
    pub body_html: String,
    pub status: String,
    pub position: i64,
    pub in_footer: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PageRow> for StaticPage {
    type Error = Error;
    fn try_from(r: PageRow) -> Result<Self> {
        Ok(StaticPage {
            id: PageId(r.id),
            slug: r.slug,
            title: r.title,
            description: r.description,
            body_markdown: r.body_markdown,
            body_document: r.body_document,
            body_html: r.body_html,
            status: word(&r.status)?,
            position: i32::try_from(r.position).unwrap_or(i32::MAX),
            in_footer: r.in_footer,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoggedCorrectionRow {
    pub correction_id: i64,
    pub correction_kind: String,
    pub correction_text: String,
    pub correction_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub article: SummaryRow,
}

impl TryFrom<LoggedCorrectionRow> for masthead_core::store::LoggedCorrection {
    type Error = Error;
    fn try_from(r: LoggedCorrectionRow) -> Result<Self> {
        Ok(masthead_core::store::LoggedCorrection {
            correction: Correction {
                id: CorrectionId(r.correction_id),
                kind: word(&r.correction_kind)?,
                text: r.correction_text,
                created_at: r.correction_at,
            },
            article: r.article.try_into()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    pub member_id: Option<i64>,
    pub person_id: Option<i64>,
    pub author_name: Option<String>,
    pub parent_id: Option<i64>,
    pub body: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub likes: i64,
    pub held_reason: String,
}

impl TryFrom<CommentRow> for Comment {
    type Error = Error;
    fn try_from(r: CommentRow) -> Result<Self> {
        let author = match (r.member_id, r.person_id) {
            (_, Some(person)) => Author::Staff(PersonId(person)),
            (Some(member), None) => Author::Member(MemberId(member)),
            (None, None) => {
                return Err(Error::Internal {
                    message: format!("comment {} has no author", r.id),
                    source: None,
                })
            }
        };
        Ok(Comment {
            id: CommentId(r.id),
            article_id: ArticleId(r.article_id),
            author,
            author_name: r
                .author_name
                .unwrap_or_else(|| masthead_core::member::FORMER_MEMBER.to_owned()),
            parent_id: r.parent_id.map(CommentId),
            body: r.body,
            status: word(&r.status)?,
            created_at: r.created_at,
            edited_at: r.edited_at,
            deleted: r.deleted_at.is_some(),
            likes: count(r.likes),
            held_reason: match r.held_reason.as_str() {
                "" => None,
                reason => Some(word(reason)?),
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RedirectRow {
    pub id: i64,
    pub from_path: String,
    pub to_path: String,
    pub status_code: i64,
    pub created_at: DateTime<Utc>,
}

impl From<RedirectRow> for Redirect {
    fn from(r: RedirectRow) -> Self {
        Redirect {
            id: RedirectId(r.id),
            from_path: r.from_path,
            to_path: r.to_path,
            status_code: u16::try_from(r.status_code).unwrap_or(301),
            created_at: r.created_at,
        }
    }
}

/// A session joined with its owner (`PersonRow`'s or `MemberRow`'s columns, plus the
/// session's).
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow<O> {
    pub token_hash: String,
    pub csrf_token: String,
    pub session_created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub owner: O,
}

impl<O> SessionRow<O> {
    /// The session, owned by what its owner's row became.
    pub fn into_session<W>(self, owner: impl FnOnce(O) -> Result<W>) -> Result<Session<W>> {
        Ok(Session {
            owner: owner(self.owner)?,
            token_hash: self.token_hash,
            csrf_token: self.csrf_token,
            created_at: self.session_created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub ip: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = Error;
    fn try_from(r: AuditRow) -> Result<Self> {
        Ok(AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor_id.map(PersonId),
            actor_name: r.actor_name,
            action: word(&r.action)?,
            target: r.target,
            ip: r.ip,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionRow {
    pub id: i64,
    pub article_id: i64,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub kind: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<RevisionRow> for RevisionSummary {
    type Error = Error;
    fn try_from(r: RevisionRow) -> Result<Self> {
        Ok(RevisionSummary {
            id: r.id,
            article_id: ArticleId(r.article_id),
            person: r.person_id.map(PersonId),
            person_name: r.person_name.unwrap_or_default(),
            kind: word(&r.kind)?,
            title: r.title,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionContentRow {
    #[sqlx(flatten)]
    pub summary: RevisionRow,
    pub content: String,
}

impl TryFrom<RevisionContentRow> for Revision {
    type Error = Error;
    fn try_from(r: RevisionContentRow) -> Result<Self> {
        Ok(Revision {
            content: json(&r.content)?,
            summary: r.summary.try_into()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PresenceRow {
    pub person_id: i64,
    pub name: String,
    pub seen_at: DateTime<Utc>,
}

impl From<PresenceRow> for Presence {
    fn from(r: PresenceRow) -> Self {
        Presence {
            person: PersonId(r.person_id),
            name: r.name,
            seen_at: r.seen_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NoteRow {
    pub id: i64,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

impl From<NoteRow> for Note {
    fn from(r: NoteRow) -> Self {
        Note {
            id: r.id,
            person: r.person_id.map(PersonId),
            person_name: r.person_name.unwrap_or_default(),
            note: r.note,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ModerationRow {
    #[sqlx(flatten)]
    pub comment: CommentRow,
    pub article_title: String,
    pub article_slug: String,
    pub section_slug: Option<String>,
    pub comments_open: bool,
    pub commenting: Option<String>,
    pub report_count: i64,
}

impl TryFrom<ModerationRow> for CommentToModerate {
    type Error = Error;
    fn try_from(r: ModerationRow) -> Result<Self> {
        let comment: Comment = r.comment.try_into()?;
        // A former member's standing is gone; a staff member has none.
        let commenting = match (&comment.author, r.commenting) {
            (Author::Member(_), Some(c)) => Some(word(&c)?),
            _ => None,
        };
        Ok(CommentToModerate {
            article_path: masthead_core::article::article_path(
                r.section_slug.as_deref(),
                &r.article_slug,
            ),
            article_title: r.article_title,
            comments_open: r.comments_open,
            commenting,
            reports: Vec::new(),
            report_count: u64::try_from(r.report_count).unwrap_or(0),
            comment,
        })
    }
}

pub(crate) const STAFF_TOKEN_COLUMNS: &str = "token_hash, purpose, person_id, email, name, role, \
     created_by, created_at, expires_at FROM staff_tokens";

#[derive(sqlx::FromRow)]
pub(crate) struct StaffTokenRow {
    pub token_hash: String,
    pub purpose: String,
    pub person_id: Option<i64>,
    pub email: String,
    pub name: String,
    pub role: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl TryFrom<StaffTokenRow> for StaffToken {
    type Error = Error;
    fn try_from(r: StaffTokenRow) -> Result<Self> {
        Ok(StaffToken {
            token_hash: r.token_hash,
            purpose: word(&r.purpose)?,
            person: r.person_id.map(PersonId),
            email: r.email,
            name: r.name,
            role: r.role.as_deref().map(word).transpose()?,
            created_by: r.created_by.map(PersonId),
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TwoFactorRow {
    pub secret: String,
    pub last_step: i64,
    pub enabled_at: DateTime<Utc>,
    pub recovery_left: i64,
}

impl From<TwoFactorRow> for TwoFactor {
    fn from(r: TwoFactorRow) -> Self {
        TwoFactor {
            secret: r.secret,
            last_step: r.last_step,
            enabled_at: r.enabled_at,
            recovery_left: u32::try_from(r.recovery_left).unwrap_or(0),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PasskeyRow {
    pub id: i64,
    pub member_id: i64,
    pub credential_id: String,
    pub user_handle: String,
    pub name: String,
    pub passkey: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<PasskeyRow> for masthead_core::member::Passkey {
    fn from(r: PasskeyRow) -> Self {
        masthead_core::member::Passkey {
            id: masthead_core::ids::PasskeyId(r.id),
            member: MemberId(r.member_id),
            credential_id: r.credential_id,
            user_handle: r.user_handle,
            name: r.name,
            key: r.passkey,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TierRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub paid: bool,
    pub currency: String,
    pub monthly_price: i64,
    pub yearly_price: i64,
    pub trial_days: i32,
    pub benefits: String,
    pub public: bool,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<TierRow> for masthead_core::tier::Tier {
    type Error = Error;
    fn try_from(r: TierRow) -> Result<Self> {
        Ok(masthead_core::tier::Tier {
            id: TierId(r.id),
            slug: r.slug,
            name: r.name,
            description: r.description,
            paid: r.paid,
            currency: r.currency,
            monthly_price: r.monthly_price,
            yearly_price: r.yearly_price,
            trial_days: u32::try_from(r.trial_days).unwrap_or(0),
            benefits: json(&r.benefits)?,
            public: r.public,
            archived: r.archived,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfferRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tier_id: i64,
    pub cadence: String,
    pub discount_kind: String,
    pub discount: i64,
    pub duration: String,
    pub duration_months: i32,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<OfferRow> for masthead_core::tier::Offer {
    type Error = Error;
    fn try_from(r: OfferRow) -> Result<Self> {
        use masthead_core::tier::{Discount, OfferDuration};
        let stored = |what: &str| Error::Internal {
            message: format!("stored offer {} has an unknown {what}", r.id),
            source: None,
        };
        let discount = match r.discount_kind.as_str() {
            "percent" => {
                Discount::Percent(u32::try_from(r.discount).map_err(|_| stored("discount"))?)
            }
            "fixed" => Discount::Fixed(r.discount),
            _ => return Err(stored("discount")),
        };
        let duration = match r.duration.as_str() {
            "once" => OfferDuration::Once,
            "forever" => OfferDuration::Forever,
            "months" => OfferDuration::Months(
                u32::try_from(r.duration_months).map_err(|_| stored("duration"))?,
            ),
            _ => return Err(stored("duration")),
        };
        Ok(masthead_core::tier::Offer {
            id: OfferId(r.id),
            code: r.code,
            name: r.name,
            tier: TierId(r.tier_id),
            cadence: word(&r.cadence)?,
            discount,
            duration,
            archived: r.archived,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    pub reference: String,
    pub customer: String,
    pub member_id: Option<i64>,
    pub purpose: String,
    pub tier_id: Option<i64>,
    pub cadence: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    pub observed_at: DateTime<Utc>,
    /// When we first heard of it.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<SubscriptionRow> for masthead_core::payments::SubscriptionState {
    type Error = Error;
    fn try_from(r: SubscriptionRow) -> Result<Self> {
        Ok(masthead_core::payments::SubscriptionState {
            purpose: r.purpose.parse()?,
            cadence: r.cadence.parse()?,
            status: r.status.parse()?,
            reference: r.reference,
            customer: r.customer,
            member: r.member_id.map(MemberId),
            tier: r.tier_id.map(TierId),
            amount: r.amount,
            currency: r.currency,
            period_start: r.period_start,
            period_end: r.period_end,
            cancel_at_period_end: r.cancel_at_period_end,
            observed_at: r.observed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PaymentRow {
    pub reference: String,
    pub purpose: String,
    pub customer: String,
    pub subscription: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
}

impl TryFrom<PaymentRow> for masthead_core::payments::PaymentRecord {
    type Error = Error;
    fn try_from(r: PaymentRow) -> Result<Self> {
        Ok(masthead_core::payments::PaymentRecord {
            purpose: r.purpose.parse()?,
            reference: r.reference,
            customer: r.customer,
            subscription: r.subscription,
            amount: r.amount,
            currency: r.currency,
            paid_at: r.paid_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SupporterRow {
    pub name: String,
    pub message: String,
    pub monthly: bool,
    pub created_at: DateTime<Utc>,
}

impl From<SupporterRow> for masthead_core::payments::Supporter {
    fn from(r: SupporterRow) -> Self {
        masthead_core::payments::Supporter {
            name: r.name,
            message: r.message,
            monthly: r.monthly,
            since: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SponsorRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub logo_media_id: Option<i64>,
    pub disclosure: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<SponsorRow> for masthead_core::sponsor::Sponsor {
    type Error = Error;
    fn try_from(r: SponsorRow) -> Result<Self> {
        Ok(masthead_core::sponsor::Sponsor {
            id: SponsorId(r.id),
            label: r.label.parse()?,
            name: r.name,
            url: r.url,
            logo: r.logo_media_id.map(MediaId),
            disclosure: r.disclosure,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TakenSendRow {
    pub id: i64,
    pub newsletter: String,
    pub visibility: String,
    pub tiers: String,
    pub segment: String,
    pub status: String,
    pub letter: String,
    pub sender: String,
}

impl TakenSendRow {
    pub fn taken(self, recovered_unknown: u64) -> Result<masthead_core::newsletter::TakenSend> {
        Ok(masthead_core::newsletter::TakenSend {
            id: SendId(self.id),
            newsletter: self.newsletter,
            visibility: word(&self.visibility)?,
            tiers: json(&self.tiers)?,
            segment: word(&self.segment)?,
            status: word(&self.status)?,
            letter: json(&self.letter)?,
            recovered_unknown,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SendSummaryRow {
    pub id: i64,
    pub newsletter: String,
    pub article_id: i64,
    pub subject: String,
    pub segment: String,
    pub status: String,
    pub queued_by: String,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl SendSummaryRow {
    pub fn summary(
        self,
        counts: masthead_core::newsletter::DeliveryCounts,
    ) -> Result<masthead_core::newsletter::SendSummary> {
        Ok(masthead_core::newsletter::SendSummary {
            id: SendId(self.id),
            newsletter: self.newsletter,
            article: ArticleId(self.article_id),
            subject: self.subject,
            segment: word(&self.segment)?,
            status: word(&self.status)?,
            queued_by: self.queued_by,
            queued_at: self.queued_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            counts,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub member_id: i64,
    pub email: String,
    pub name: String,
    pub whole: bool,
    pub token: String,
}

impl From<DeliveryRow> for masthead_core::newsletter::Delivery {
    fn from(r: DeliveryRow) -> Self {
        masthead_core::newsletter::Delivery {
            recipient: masthead_core::newsletter::Recipient {
                member: MemberId(r.member_id),
                email: r.email,
                name: r.name,
                full: r.whole,
            },
            token: r.token,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LiveEntryRow {
    pub id: i64,
    pub article_id: i64,
    pub headline: String,
    pub body_document: String,
    pub body_html: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub pinned: bool,
    pub posted_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<LiveEntryRow> for masthead_core::live::LiveEntry {
    fn from(r: LiveEntryRow) -> Self {
        masthead_core::live::LiveEntry {
            id: LiveEntryId(r.id),
            article: ArticleId(r.article_id),
            headline: r.headline,
            // Written by this store from a document; one that does not read (a newer
            // Masthead's) keeps its rendered HTML and shows no source.
            body: masthead_core::document::Document::from_json(&r.body_document, "body")
                .unwrap_or_default(),
            body_html: r.body_html,
            author: r.author_id.map(PersonId),
            author_name: r.author_name,
            pinned: r.pinned,
            posted_at: r.posted_at,
            updated_at: r.updated_at,
        }
    }
}
