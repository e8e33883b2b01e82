//! The newsroom's use cases: validate, apply the workflow rules, render, then store.
//! Everything that writes articles goes through here, whether a person in the
//! newsroom, an importer or the demo seed.

use crate::article::{
    article_path, ArticleContent, CorrectionKind, NewArticle, PathMove, RenderedBody, Status,
};
use crate::auth::{AuditAction, NewAuditEntry};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::ids::{ArticleId, LiveEntryId, PageId, PersonId};
use crate::live::{EntryContent, LiveEntry};
use crate::notification;
use crate::page::{PageContent, StaticPage};
use crate::store::{ContentUpdate, Store, Trail};
use crate::workflow::{self, Actor, Credits, Subject};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Turns Markdown into the stored, sanitized HTML (implemented by `masthead-render`,
/// which renders off the request threads, a few at a time, within a time and a
/// nesting budget). A body it cannot render within them is `Invalid`.
#[async_trait::async_trait]
pub trait BodyRenderer: Send + Sync {
    async fn render(&self, body: &Document, custom_excerpt: &str) -> Result<RenderedBody>;
}

/// How many numbered alternatives of a slug to try before giving up.
const SLUG_ATTEMPTS: u32 = 50;

/// The use cases, cheap to clone. Each change is stored with its trail (revision,
/// note, audit entry) in one transaction; the audit log names the address staff act
/// from (`from_address`), or none for tools.
#[derive(Clone)]
pub struct Newsroom {
    store: Arc<dyn Store>,
    renderer: Arc<dyn BodyRenderer>,
    address: Arc<str>,
}

impl Newsroom {
    pub fn new(store: Arc<dyn Store>, renderer: Arc<dyn BodyRenderer>) -> Self {
        Self {
            store,
            renderer,
            address: Arc::from(""),
        }
    }

    /// The same use cases for a request from `address` (the audit log's `ip`).
    pub fn from_address(&self, address: &str) -> Self {
        Self {
            address: Arc::from(address),
            ..self.clone()
        }
    }

    /// The audit entry of `actor`'s `action` on an article, described by `what`.
    fn audit(
        &self,
        actor: Actor,
        action: AuditAction,
        what: String,
        at: DateTime<Utc>,
    ) -> NewAuditEntry {
        NewAuditEntry {
            at,
            actor: Some(actor.person),
            action,
            target: what,
            ip: self.address.to_string(),
        }
    }

    pub async fn render(&self, content: &ArticleContent) -> Result<RenderedBody> {
        self.renderer
            .render(&content.body, &content.custom_excerpt)
            .await
    }

    /// Starts a draft by `actor`, who becomes its first author unless authors are given.
    pub async fn create_draft(
        &self,
        actor: Actor,
        mut content: ArticleContent,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        if content.authors.is_empty() {
            content.authors.push(actor.person);
        }
        workflow::check_credits(actor, Credits::NONE, credits(&content))?;
        workflow::check_raw_html(actor, &Document::default(), &content.body)?;
        content.validate()?;
        let slug = self.free_slug(&content.title).await?;
        let article = NewArticle {
            rendered: self.render(&content).await?,
            content,
            slug,
            status: Status::Draft,
            created_at: now,
            published_at: None,
            scheduled_at: None,
            corrections: Vec::new(),
        };
        let trail = Trail {
            revision_by: Some(actor.person),
            note: None,
            webhook: None,
            audit: Some(self.audit(
                actor,
                AuditAction::ArticleCreated,
                article.content.title.clone(),
                now,
            )),
            notifications: Vec::new(),
        };
        self.store.create_article(&article, &trail).await
    }

    /// Replaces an article's content, if the actor may edit it.
    pub async fn update(
        &self,
        actor: Actor,
        id: ArticleId,
        content: ArticleContent,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.save(actor, id, content, None, now).await
    }

    /// Replaces an article's content made on the version saved at `base`: a
    /// `Conflict` if someone saved since, however close together the two saves come.
    pub async fn update_from(
        &self,
        actor: Actor,
        id: ArticleId,
        content: ArticleContent,
        base: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.save(actor, id, content, Some(base), now).await
    }

    async fn save(
        &self,
        actor: Actor,
        id: ArticleId,
        content: ArticleContent,
        base: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        let subject = subject(&article, &authors);
        workflow::can_edit(actor, subject)?;
        let editors: Vec<_> = article.editors.iter().map(|e| e.id).collect();
        let before = Credits {
            authors: &authors,
            editors: &editors,
        };
        workflow::check_credits(actor, before, credits(&content))?;
        workflow::check_raw_html(actor, &article.document(), &content.body)?;
        content.validate()?;
        let moved = if content.section_id != article.section.as_ref().map(|s| s.id)
            && workflow::slug_change_needs_redirect(subject)
        {
            let sections = self.store.sections().await?;
            let new_section = content
                .section_id
                .and_then(|id| sections.iter().find(|s| s.id == id))
                .map(|s| s.slug.as_str());
            Some(PathMove {
                from: article.path(),
                to: article_path(new_section, &article.slug),
            })
        } else {
            None
        };
        let rendered = self.render(&content).await?;
        let update = ContentUpdate {
            content: &content,
            rendered: &rendered,
            moved: moved.as_ref(),
            updated_at: now,
            expected: base,
        };
        // Every save is kept, so any earlier version can be compared and restored.
        let trail = Trail {
            revision_by: Some(actor.person),
            webhook: (article.status == Status::Published)
                .then_some(crate::webhook::Event::PostEdited),
            ..Trail::default()
        };
        self.store.update_article_content(id, &update, &trail).await
    }

    /// Moves an article through the workflow, without a note.
    pub async fn transition(
        &self,
        actor: Actor,
        id: ArticleId,
        to: Status,
        schedule_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.transition_with_note(actor, id, to, schedule_at, "", now)
            .await
    }

    /// Moves an article through the workflow with a note to its people, which a
    /// review sent back must have (`workflow::check_note`).
    pub async fn transition_with_note(
        &self,
        actor: Actor,
        id: ArticleId,
        to: Status,
        schedule_at: Option<DateTime<Utc>>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        let subject = subject(&article, &authors);
        let change = workflow::plan(actor, subject, to, schedule_at, now)?;
        workflow::check_note(actor, subject, to, note)?;
        let what = format!(
            "{} ({} → {})",
            article.title,
            article.status.label().to_lowercase(),
            to.label().to_lowercase()
        );
        let note = note.trim();
        let own = subject.is_own(actor);
        let event = notification::status_event(article.status, to, own);
        let trail = Trail {
            revision_by: None,
            note: (!note.is_empty()).then(|| (actor.person, note.to_owned())),
            webhook: crate::webhook::status_event(article.status, to),
            audit: Some(self.audit(actor, AuditAction::StatusChanged, what, now)),
            notifications: self
                .notifications(event, id, &authors, Some(actor.person), Told::Note(note))
                .await?,
        };
        self.store.change_status(id, &change, &trail).await
    }

    /// Who is told of `event` on article `id` (bylines `authors`) done by `actor`, with
    /// what words, and who a note mentions, by the ways each chose.
    async fn notifications(
        &self,
        event: Option<notification::Event>,
        id: ArticleId,
        authors: &[PersonId],
        actor: Option<PersonId>,
        words: Told<'_>,
    ) -> Result<Vec<notification::NewNotification>> {
        let (text, note) = match words {
            Told::Nothing => ("", ""),
            Told::Note(note) => (note, note),
            Told::Comment(comment) => (comment, ""),
        };
        let staff = self.store.people().await?;
        let told = event
            .map(|e| notification::recipients(e, authors, &staff, actor))
            .unwrap_or_default();
        // One mentioned who hears of the event anyway is not told twice.
        let mentioned: Vec<PersonId> = notification::mentions(note, &staff, actor)
            .into_iter()
            .filter(|p| !told.contains(p))
            .collect();
        let everyone: Vec<PersonId> = told.iter().chain(&mentioned).copied().collect();
        if everyone.is_empty() {
            return Ok(Vec::new());
        }
        let choices = self.store.notification_choices(&everyone).await?;
        let mut out = Vec::new();
        if let Some(event) = event {
            out.extend(notification::address(
                event, id, actor, text, &told, &choices,
            ));
        }
        out.extend(notification::address(
            notification::Event::Mention,
            id,
            actor,
            text,
            &mentioned,
            &choices,
        ));
        Ok(out)
    }

    /// A note on an article from one of its staff, to the people it mentions
    /// (`@slug`); anyone who may see the article may write one.
    pub async fn add_note(
        &self,
        actor: Actor,
        id: ArticleId,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        workflow::may_note(actor, subject(&article, &authors))?;
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::invalid("note", "write the note first"));
        }
        if note.chars().count() > workflow::MAX_NOTE {
            return Err(Error::invalid(
                "note",
                format!("keep a note under {} characters", workflow::MAX_NOTE),
            ));
        }
        let trail = Trail {
            note: Some((actor.person, note.to_owned())),
            notifications: self
                .notifications(None, id, &authors, Some(actor.person), Told::Note(note))
                .await?,
            ..Trail::default()
        };
        self.store.add_note(id, &trail, now).await
    }

    /// Tells the bylines of article `id` of a member's comment on it (`text`, its
    /// start).
    pub async fn comment_posted(
        &self,
        id: ArticleId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        let told = self
            .notifications(
                Some(notification::Event::Comment),
                id,
                &authors,
                None,
                Told::Comment(text),
            )
            .await?;
        self.store.add_notifications(&told, now).await
    }

    /// Gives an article a new slug; a published article keeps its old URL as a redirect.
    pub async fn change_slug(
        &self,
        actor: Actor,
        id: ArticleId,
        new_slug: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        crate::slug::validate("slug", new_slug)?;
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        let subject = subject(&article, &authors);
        workflow::can_edit(actor, subject)?;
        if article.slug == new_slug {
            return Ok(());
        }
        if self.store.slug_taken(new_slug).await? {
            return Err(Error::conflict(format!(
                "the slug {new_slug:?} is taken; choose another"
            )));
        }
        let moved = workflow::slug_change_needs_redirect(subject).then(|| PathMove {
            from: article.path(),
            to: article_path(article.section.as_ref().map(|s| s.slug.as_str()), new_slug),
        });
        self.store
            .change_slug(id, new_slug, moved.as_ref(), now)
            .await
    }

    /// Appends to the public corrections and updates log.
    pub async fn add_correction(
        &self,
        actor: Actor,
        id: ArticleId,
        kind: CorrectionKind,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.role.at_least(crate::people::Role::Editor) {
            return Err(Error::forbidden(
                "only editors may add corrections and updates",
            ));
        }
        if text.trim().is_empty() {
            return Err(Error::invalid("text", "say what was corrected or updated"));
        }
        let article = self.load(id).await?;
        if article.published_at.is_none() {
            return Err(Error::conflict(
                "corrections are for published articles; edit the draft instead",
            ));
        }
        let what = format!("{} ({}: {})", article.title, kind.label(), text.trim());
        let trail = Trail {
            audit: Some(self.audit(actor, AuditAction::CorrectionAdded, what, now)),
            ..Trail::default()
        };
        self.store
            .add_correction(id, kind, text.trim(), now, &trail)
            .await?;
        Ok(())
    }

    /// Publishes every scheduled article whose time has come; returns how many.
    /// Publishes the scheduled articles whose time has come; returns how many this
    /// call published. Several nodes may run it at once: each article is published
    /// once, by whichever gets to it first (the others find it no longer scheduled),
    /// and one unscheduled meanwhile stays unpublished.
    pub async fn publish_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let due = self.store.due_scheduled(now).await?;
        let mut published = 0;
        for id in &due {
            let Some(article) = self.store.article(*id).await? else {
                continue;
            };
            let change = workflow::StatusChange {
                expected: Some(Status::Scheduled),
                status: Status::Published,
                published_at: Some(article.published_at.or(article.scheduled_at).unwrap_or(now)),
                scheduled_at: None,
                updated_at: now,
            };
            // The scheduler acts for no one: the audit log has the scheduling.
            let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
            let trail = Trail {
                notifications: self
                    .notifications(
                        Some(notification::Event::Published),
                        *id,
                        &authors,
                        None,
                        Told::Nothing,
                    )
                    .await?,
                webhook: Some(crate::webhook::Event::PostPublished),
                ..Trail::default()
            };
            match self.store.change_status(*id, &change, &trail).await {
                Ok(()) => published += 1,
                Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(published)
    }

    async fn load(&self, id: ArticleId) -> Result<crate::article::Article> {
        self.store
            .article(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("article {id}")))
    }

    /// Creates a static page; its Markdown is rendered like an article's body.
    pub async fn create_page(
        &self,
        content: PageContent,
        now: DateTime<Utc>,
    ) -> Result<StaticPage> {
        let content = content.prepare()?;
        let body = self.renderer.render(&content.body, "").await?;
        self.store.create_page(&content, &body.html, now).await
    }

    /// Replaces a static page's content.
    pub async fn update_page(
        &self,
        id: PageId,
        content: PageContent,
        now: DateTime<Utc>,
    ) -> Result<StaticPage> {
        let content = content.prepare()?;
        let body = self.renderer.render(&content.body, "").await?;
        self.store.update_page(id, &content, &body.html, now).await
    }

    /// The article slug for a title: the title's own, or its first free numbered variant.
    pub async fn free_slug(&self, title: &str) -> Result<String> {
        let base = crate::slug::slugify(title).unwrap_or_else(|| "untitled".to_owned());
        for n in 1..=SLUG_ATTEMPTS {
            let candidate = crate::slug::numbered(&base, n);
            if !self.store.slug_taken(&candidate).await? {
                return Ok(candidate);
            }
        }
        Err(Error::conflict(format!(
            "too many articles are called {title:?}; choose a different slug"
        )))
    }
}

/// Live coverage (`crate::live`): entries of a live article, posted, edited, pinned and
/// deleted by those `live::may_post` allows, bodies rendered like an article's.
impl Newsroom {
    /// The live article `id`, once `actor` may write its entries.
    async fn live_article(&self, actor: Actor, id: ArticleId) -> Result<crate::article::Article> {
        let article = self.load(id).await?;
        let authors: Vec<_> = article.authors.iter().map(|a| a.id).collect();
        crate::live::may_post(actor, article.article_type, subject(&article, &authors))?;
        Ok(article)
    }

    /// The entry `id` of the article `article`, once `actor` may write its entries.
    async fn live_entry(
        &self,
        actor: Actor,
        article: ArticleId,
        id: LiveEntryId,
    ) -> Result<LiveEntry> {
        self.live_article(actor, article).await?;
        self.store
            .live_entry(id)
            .await?
            .filter(|e| e.article == article)
            .ok_or_else(|| Error::not_found("live entry"))
    }

    pub async fn post_live_entry(
        &self,
        actor: Actor,
        author_name: &str,
        article: ArticleId,
        content: EntryContent,
        now: DateTime<Utc>,
    ) -> Result<LiveEntry> {
        self.live_article(actor, article).await?;
        workflow::check_raw_html(actor, &Document::default(), &content.body)?;
        content.validate()?;
        let html = self.renderer.render(&content.body, "").await?.html;
        self.store
            .post_live_entry(article, &content, &html, (actor.person, author_name), now)
            .await
    }

    pub async fn edit_live_entry(
        &self,
        actor: Actor,
        article: ArticleId,
        id: LiveEntryId,
        content: EntryContent,
        now: DateTime<Utc>,
    ) -> Result<LiveEntry> {
        let entry = self.live_entry(actor, article, id).await?;
        workflow::check_raw_html(actor, &entry.body, &content.body)?;
        content.validate()?;
        let html = self.renderer.render(&content.body, "").await?.html;
        self.store.edit_live_entry(id, &content, &html, now).await
    }

    pub async fn pin_live_entry(
        &self,
        actor: Actor,
        article: ArticleId,
        id: LiveEntryId,
        pinned: bool,
    ) -> Result<LiveEntry> {
        self.live_entry(actor, article, id).await?;
        self.store.pin_live_entry(id, pinned).await
    }

    pub async fn delete_live_entry(
        &self,
        actor: Actor,
        article: ArticleId,
        id: LiveEntryId,
    ) -> Result<()> {
        self.live_entry(actor, article, id).await?;
        self.store.delete_live_entry(id).await
    }

    /// Ends the live coverage of `article` at `now`, or (`ended` false) goes on again.
    pub async fn end_live_coverage(
        &self,
        actor: Actor,
        article: ArticleId,
        ended: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.live_article(actor, article).await?;
        self.store
            .end_live_coverage(article, ended.then_some(now))
            .await
    }
}

fn subject<'a>(
    article: &crate::article::Article,
    authors: &'a [crate::ids::PersonId],
) -> Subject<'a> {
    Subject {
        status: article.status,
        authors,
        published_at: article.published_at,
    }
}

/// The words a notification carries: a note's (whose `@mentions` are told too), a
/// member's comment's (whose are not: readers do not summon staff), or none.
#[derive(Clone, Copy)]
enum Told<'a> {
    Nothing,
    Note(&'a str),
    Comment(&'a str),
}

/// Who `content` credits.
fn credits(content: &ArticleContent) -> Credits<'_> {
    Credits {
        authors: &content.authors,
        editors: &content.editors,
    }
}
