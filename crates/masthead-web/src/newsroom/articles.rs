//! The article list and the article editor: create, save, move through the workflow,
//! and preview the body as readers will see it.

use super::desk::{desk_error, Desk, NoDeskPage, NoticeParam, Segments};
use crate::forms::sentence;
use crate::forms::{all, one, Fields};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use masthead_core::article::{
    reading_time_minutes, Article, ArticleContent, ArticleType, CorrectionKind, FeaturedImage, Seo,
    Source, Status, Visibility,
};
use masthead_core::document::Document;
use masthead_core::ids::{ArticleId, MediaId, PersonId, SectionId, TierId};
use masthead_core::people::{Person, Role};
use masthead_core::revision::{RevisionKind, PRESENCE_WINDOW};
use masthead_core::store::{ArticleFilter, ArticleQuery, Narrowing, PageRequest};
use masthead_core::workflow::{self, Actor, Subject};
use masthead_core::Error;
use masthead_render::newsroom::{
    ActionView, ArticleListView, Choice, CorrectionEntryView, DeskItem, EditedArticle,
    EditorComments, EditorFields, EditorView, FieldErrorView, NoteView,
};
use masthead_render::views::{PageView, TimeView};
use serde::Deserialize;

/// Articles per page of the list.
const LIST_PAGE: u32 = 30;
/// The statuses a list can be filtered by, in workflow order.
const STATUSES: [Status; 6] = [
    Status::Draft,
    Status::InReview,
    Status::Scheduled,
    Status::Published,
    Status::Unpublished,
    Status::Deleted,
];

pub(super) fn actor(person: &Person) -> Actor {
    Actor {
        person: person.id,
        role: person.role,
    }
}

#[derive(Deserialize)]
pub struct ListParams {
    status: Option<String>,
    section: Option<String>,
    author: Option<String>,
    #[serde(rename = "type")]
    article_type: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<ListParams>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let site = state.site.get(&*state.store).await?;
    let status = q.status.as_deref().and_then(|s| s.parse::<Status>().ok());
    let section = q
        .section
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .map(SectionId);
    let author = q
        .author
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .map(PersonId);
    let Some(number) = crate::paging::page_number(q.page.as_deref()) else {
        return Err(no_such_page(&state, person).await);
    };
    // One list filter at a time: an author, else a section, else everything.
    let filter = match (author, section) {
        (Some(a), _) => ArticleFilter::Author(a),
        (None, Some(s)) => ArticleFilter::Section(s),
        (None, None) => ArticleFilter::All,
    };
    let article_type = q
        .article_type
        .as_deref()
        .and_then(|t| t.parse::<ArticleType>().ok());
    let words: String =
        q.q.as_deref()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(200)
            .collect();
    let narrow = Narrowing {
        article_type,
        words: words.clone(),
    };
    let query = ArticleQuery {
        filter,
        status,
        page: PageRequest::numbered(number, LIST_PAGE),
    };
    let page = if narrow.is_empty() {
        state.store.list_articles(&query).await?
    } else {
        state.store.narrowed_articles(&query, &narrow).await?
    };
    if page.items.is_empty() && number > 1 {
        return Err(no_such_page(&state, person).await);
    }
    let mut chrome = desk.chrome(&site.settings, "Articles");
    chrome.current = "articles";
    let zone = chrome.zone;
    let people = state.store.people().await?;
    let mut query = Vec::new();
    if let Some(s) = status {
        query.push(("status", s.as_str().to_owned()));
    }
    if let Some(s) = section {
        query.push(("section", s.to_string()));
    }
    if let Some(a) = author {
        query.push(("author", a.to_string()));
    }
    if let Some(t) = article_type {
        query.push(("type", t.as_str().to_owned()));
    }
    if !words.is_empty() {
        query.push(("q", words.clone()));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let view = ArticleListView {
        statuses: STATUSES
            .iter()
            .map(|s| Choice::new(s.as_str(), s.label(), Some(*s) == status))
            .collect(),
        sections: site
            .sections
            .iter()
            .map(|s| Choice::new(s.id, s.name.clone(), Some(s.id) == section))
            .collect(),
        authors: people
            .iter()
            .map(|p| Choice::new(p.id, p.name.clone(), Some(p.id) == author))
            .collect(),
        types: ArticleType::ALL
            .iter()
            .map(|t| Choice::new(t.as_str(), t.label(), Some(*t) == article_type))
            .collect(),
        words,
        // A list of every status shows each article's own; the summaries carry none,
        // so the list says what it was filtered by.
        items: page
            .items
            .iter()
            .map(|a| DeskItem::new(a, status.unwrap_or(listed_status(a)), zone))
            .collect(),
        pages: PageView::numbering(&page),
        query: if query.is_empty() {
            query
        } else {
            format!("{query}&")
        },
        chrome,
    };
    Ok(Html(state.theme.render("newsroom/articles.html", &view)?).into_response())
}

/// The status to show for an article in an unfiltered list.
fn listed_status(a: &masthead_core::article::ArticleSummary) -> Status {
    if a.published_at.is_some() {
        Status::Published
    } else {
        Status::Draft
    }
}

async fn no_such_page(state: &AppState, person: &Person) -> WebError {
    desk_error(
        state,
        StatusCode::NOT_FOUND,
        Some(person),
        "No such page",
        "That list has no page by that number.",
    )
    .await
}

pub async fn new(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let content = ArticleContent::new("", "");
    editor(&state, &desk, person, None, &content, Said::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let now = Utc::now();
    let mut content = match content_from(&fields) {
        Ok(c) => c,
        Err(errors) => {
            let content = lenient_content(&fields, None);
            return editor(&state, &desk, person, None, &content, Said::invalid(errors)).await;
        }
    };
    // The editor's script's first autosave makes the draft at once; embeds are
    // fetched when the writer saves.
    if one(&fields, "autosave") != "1" {
        crate::embeds::resolve(&state, &mut content.body, Some(person.id)).await;
    }
    match state
        .newsroom
        .from_address(&desk.ip)
        .create_draft(actor(person), content.clone(), now)
        .await
    {
        Ok(id) => {
            // The editor's script creates the draft on its first autosave, then keeps
            // editing it in place.
            if one(&fields, "autosave") == "1" {
                // With the version it was made as, for the form's conflict check.
                let base = state
                    .store
                    .article(id)
                    .await?
                    .map(|a| {
                        a.updated_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                    })
                    .unwrap_or_default();
                let location = format!("/newsroom/articles/{id}");
                return Ok((
                    StatusCode::CREATED,
                    [
                        (header::LOCATION, location),
                        (header::HeaderName::from_static("x-base"), base),
                    ],
                    id.to_string(),
                )
                    .into_response());
            }
            Ok(Redirect::to(&format!("/newsroom/articles/{id}?notice=saved")).into_response())
        }
        Err(Error::Invalid(errors)) => {
            editor(
                &state,
                &desk,
                person,
                None,
                &content,
                Said::invalid(field_errors(errors)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Saved.".to_owned()),
        Some("restored") => Some("Restored: that revision is now the saved version.".to_owned()),
        Some("corrected") => Some("Added to the public corrections and updates log.".to_owned()),
        Some("moved") => {
            Some("The address is changed; once published, the old one leads to the new.".to_owned())
        }
        Some("discarded") => {
            Some("Your unsaved changes were set aside; they stay in the History.".to_owned())
        }
        Some("closed") => {
            Some("Comments are closed: what readers wrote stays readable.".to_owned())
        }
        Some("opened") => Some("Comments are open again.".to_owned()),
        Some("noted") => Some("Your note is added; those it mentions are told.".to_owned()),
        Some("entry-posted") => Some("The entry is live.".to_owned()),
        Some("entry-saved") => Some("The entry is saved, marked as updated.".to_owned()),
        Some("entry-pinned") => Some("The entry is pinned on top.".to_owned()),
        Some("entry-unpinned") => Some("The entry is no longer pinned.".to_owned()),
        Some("entry-deleted") => Some("The entry is deleted.".to_owned()),
        Some("coverage-ended") => Some("The live coverage has ended.".to_owned()),
        Some("coverage-resumed") => Some("The live coverage goes on.".to_owned()),
        Some("previews-ended") => {
            Some("Every preview link of this article has stopped working.".to_owned())
        }
        Some(status) => status
            .parse::<Status>()
            .ok()
            .map(|s| format!("The article is now {}.", s.label().to_lowercase())),
        None => None,
    };
    let now = Utc::now();
    let site = state.site.get(&*state.store).await?;
    let zone = site.settings.zone();
    let mut content = content_of(&article);
    let mut notice = notice;
    // Work this person autosaved after their own last save comes back (not the
    // article's time: a status change moves that and saves no text), unless it is
    // what the article already says.
    let revisions = state.store.revisions(article.id).await?;
    let last_save = revisions
        .iter()
        .find(|r| r.kind == RevisionKind::Save)
        .cloned();
    let own_save = revisions
        .iter()
        .find(|r| r.kind == RevisionKind::Save && r.person == Some(person.id))
        .map(|r| r.updated_at)
        .unwrap_or(article.created_at);
    let current = content_of(&article);
    let mut base = None;
    let mut overtaken = None;
    let mut restored = false;
    if let Some(unsaved) = state
        .store
        .autosave_since(article.id, person.id, own_save)
        .await?
        .filter(|u| u.content != current)
    {
        restored = true;
        notice = Some(format!(
            "Restored your unsaved changes, autosaved {}. Save to keep them; the History \
             has the saved version.",
            TimeView::new(unsaved.summary.updated_at, zone).long
        ));
        // Someone else saved while these changes were being typed: saving them is
        // stopped as a conflict (the base predates their save) until compared.
        if let Some(save) = last_save
            .filter(|s| s.person != Some(person.id) && s.updated_at > unsaved.summary.created_at)
        {
            base = Some(unsaved.summary.created_at);
            overtaken = Some(format!(
                "{} saved this article at {} while you had these unsaved changes. Compare \
                 with the History before saving: a save now is stopped so theirs is not lost.",
                if save.person_name.is_empty() {
                    "Someone"
                } else {
                    &save.person_name
                },
                TimeView::new(save.updated_at, zone).long
            ));
        }
        content = unsaved.content;
    }
    // Others with the editor open lately.
    let warnings: Vec<String> = state
        .store
        .editing(article.id, now - PRESENCE_WINDOW)
        .await?
        .into_iter()
        .filter(|p| p.person != person.id)
        .map(|p| {
            format!(
                "{} has this article open too (active {} s ago). If they save first, your \
                 save will be stopped and your version kept, so nothing is overwritten.",
                p.name,
                (now - p.seen_at).num_seconds().max(0)
            )
        })
        .collect();
    let warnings: Vec<String> = overtaken.into_iter().chain(warnings).collect();
    state.store.mark_editing(article.id, person.id, now).await?;
    editor(
        &state,
        &desk,
        person,
        Some(&article),
        &content,
        Said {
            notice,
            warnings,
            base,
            restored,
            ..Said::default()
        },
    )
    .await
}

/// Sets the person's restored unsaved changes aside: their working copy becomes the
/// saved text again (the discarded one stays in the History).
pub async fn discard(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    state
        .store
        .save_revision(
            article.id,
            person.id,
            RevisionKind::Autosave,
            &content_of(&article),
            Utc::now(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=discarded",
        article.id
    ))
    .into_response())
}

/// Stores the editor's content as the person's working copy, without touching the
/// article (a published one stays as readers see it until saved).
pub async fn autosave(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let content =
        content_from(&fields).unwrap_or_else(|_| lenient_content(&fields, Some(&article)));
    let now = Utc::now();
    state
        .store
        .save_revision(article.id, person.id, RevisionKind::Autosave, &content, now)
        .await?;
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let at = now.with_timezone(&zone).format("%H:%M:%S");
    Ok(format!("Autosaved {at}").into_response())
}

pub async fn save(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    match save_fields(&state, &desk, person, &article, &fields).await? {
        Saved::Done => Ok(
            Redirect::to(&format!("/newsroom/articles/{}?notice=saved", article.id))
                .into_response(),
        ),
        Saved::Refused(page) => Ok(page),
    }
}

/// What became of the editor's fields.
enum Saved {
    Done,
    /// Not saved: the editor again, saying why (invalid, or someone saved first).
    Refused(Response),
}

/// Saves the editor's `fields` as `article`'s content. Made on a version someone else
/// has saved over since, they are kept as a working copy and said so, rather than
/// overwriting the other save (checked here and again under the store's write lock,
/// so two saves of one version cannot both win).
async fn save_fields(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    article: &Article,
    fields: &Fields,
) -> Result<Saved, WebError> {
    let content = match content_from(fields) {
        Ok(c) => c,
        Err(errors) => {
            let content = lenient_content(fields, Some(article));
            let page = editor(
                state,
                desk,
                person,
                Some(article),
                &content,
                Said::invalid(errors),
            )
            .await?;
            return Ok(Saved::Refused(page));
        }
    };
    let base = DateTime::parse_from_rfc3339(one(fields, "base"))
        .ok()
        .map(|t| t.with_timezone(&Utc));
    if base.is_some_and(|base| base != article.updated_at) {
        return Ok(Saved::Refused(
            conflict(state, desk, person, article, &content).await?,
        ));
    }
    let mut content = content;
    crate::embeds::resolve(state, &mut content.body, Some(person.id)).await;
    let saved = match base {
        Some(base) => {
            state
                .newsroom
                .update_from(actor(person), article.id, content.clone(), base, Utc::now())
                .await
        }
        None => {
            state
                .newsroom
                .update(actor(person), article.id, content.clone(), Utc::now())
                .await
        }
    };
    match saved {
        Ok(()) => Ok(Saved::Done),
        Err(Error::Conflict(_)) if base.is_some() => {
            // Saved over between our check and the write: the article has moved on.
            let Some(now_stored) = state.store.article(article.id).await? else {
                return Err(not_found(state, person).await);
            };
            Ok(Saved::Refused(
                conflict(state, desk, person, &now_stored, &content).await?,
            ))
        }
        Err(Error::Invalid(errors)) => Ok(Saved::Refused(
            editor(
                state,
                desk,
                person,
                Some(article),
                &content,
                Said::invalid(field_errors(errors)),
            )
            .await?,
        )),
        Err(Error::Forbidden(message)) => Err(forbidden(state, person, &message).await),
        Err(e) => Err(e.into()),
    }
}

/// A save stopped because `article` was saved by someone else after the form's
/// version: the person's `content` is kept as their working copy and shown again with
/// what happened (and the newer version as the form's base, so saving again replaces
/// theirs on purpose).
async fn conflict(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    article: &Article,
    content: &ArticleContent,
) -> Result<Response, WebError> {
    let now = Utc::now();
    state
        .store
        .save_revision(article.id, person.id, RevisionKind::Autosave, content, now)
        .await?;
    let by = state
        .store
        .revisions(article.id)
        .await?
        .into_iter()
        .find(|r| r.kind == RevisionKind::Save && r.person != Some(person.id))
        .map(|r| r.person_name)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "Someone".to_owned());
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let warning = format!(
        "{by} saved this article at {} after you opened it, so your version was not \
         saved. It is shown here and kept in the History: compare, then save again to \
         replace theirs.",
        TimeView::new(article.updated_at, zone).long
    );
    editor(
        state,
        desk,
        person,
        Some(article),
        content,
        Said {
            warnings: vec![warning],
            status: StatusCode::CONFLICT,
            ..Said::default()
        },
    )
    .await
}

pub async fn change_status(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    // Only people who may edit the article may move it (what they may move it to is
    // the workflow's to say); nothing of it is shown to anyone else.
    let article = editable(&state, person, &id).await?;
    let Ok(to) = one(&fields, "to").parse::<Status>() else {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Unknown action",
            "That workflow action does not exist.",
        )
        .await);
    };
    // What moves is what is on screen: an action sent from the editor brings its
    // fields, and they are saved first, in the same step (an edit kept only by
    // autosave was once left out of what went to review). A save that is refused
    // moves nothing.
    let article = if fields.iter().any(|(name, _)| name == "title") {
        let on_screen = content_from(&fields).ok();
        if on_screen.as_ref() == Some(&article.content()) {
            article
        } else {
            match save_fields(&state, &desk, person, &article, &fields).await? {
                Saved::Done => editable(&state, person, &id).await?,
                Saved::Refused(page) => return Ok(page),
            }
        }
    } else {
        article
    };
    let site = state.site.get(&*state.store).await?;
    let now = Utc::now();
    let schedule_at = match one(&fields, "schedule_at") {
        "" => None,
        text => match local_time(text, site.settings.zone()) {
            Some(t) => Some(t),
            None => {
                let errors = vec![FieldErrorView {
                    field: "schedule_at".into(),
                    message: "give the date and time to publish, like 2026-12-01T09:00".into(),
                }];
                return editor(
                    &state,
                    &desk,
                    person,
                    Some(&article),
                    &content_of(&article),
                    Said::invalid(errors),
                )
                .await;
            }
        },
    };
    let schedule_at = if to == Status::Scheduled {
        schedule_at
    } else {
        None
    };
    // Sending an article back from review asks for what needs changing (the rule is
    // `workflow::check_note`); the note is stored with the change.
    match state
        .newsroom
        .from_address(&desk.ip)
        .transition_with_note(
            actor(person),
            article.id,
            to,
            schedule_at,
            one(&fields, "note"),
            now,
        )
        .await
    {
        Ok(()) => {
            state.dispatch.ring_letters();
            Ok(Redirect::to(&format!(
                "/newsroom/articles/{}?notice={}",
                article.id,
                to.as_str()
            ))
            .into_response())
        }
        Err(Error::Forbidden(message)) => Err(forbidden(&state, person, &message).await),
        Err(Error::Invalid(errors)) => {
            editor(
                &state,
                &desk,
                person,
                Some(&article),
                &content_of(&article),
                Said::invalid(field_errors(errors)),
            )
            .await
        }
        Err(Error::Conflict(message)) => Err(desk_error(
            &state,
            StatusCode::CONFLICT,
            Some(person),
            "Not possible now",
            &message,
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

/// Adds to the article's public corrections and updates log (editors, published
/// articles: the rules are `Newsroom::add_correction`'s).
pub async fn add_correction(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let Ok(kind) = one(&fields, "kind").parse::<CorrectionKind>() else {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Unknown kind",
            "Choose correction or update.",
        )
        .await);
    };
    let text = one(&fields, "text");
    let done = state
        .newsroom
        .from_address(&desk.ip)
        .add_correction(actor(person), article.id, kind, text, Utc::now())
        .await;
    after_action(
        &state,
        &desk,
        person,
        &article,
        done,
        "corrected",
        "Not possible now",
    )
    .await
}

/// The answer to a change made from an article's editor page: the editor again with
/// `notice`; with the errors by their fields; or a page saying why not (a conflict
/// under `conflict_title`).
async fn after_action(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    article: &Article,
    done: masthead_core::Result<()>,
    notice: &str,
    conflict_title: &str,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!(
            "/newsroom/articles/{}?notice={notice}",
            article.id
        ))
        .into_response()),
        Err(Error::Invalid(errors)) => {
            editor(
                state,
                desk,
                person,
                Some(article),
                &content_of(article),
                Said::invalid(field_errors(errors)),
            )
            .await
        }
        Err(Error::Forbidden(message)) => Err(forbidden(state, person, &message).await),
        Err(Error::Conflict(message)) => Err(desk_error(
            state,
            StatusCode::CONFLICT,
            Some(person),
            conflict_title,
            &message,
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

/// Gives the article a new address (slug); once it has been public, its old address
/// keeps working as a redirect to the new one.
pub async fn change_slug(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let slug = one(&fields, "slug").trim().to_ascii_lowercase();
    let done = state
        .newsroom
        .from_address(&desk.ip)
        .change_slug(actor(person), article.id, &slug, Utc::now())
        .await;
    after_action(
        &state,
        &desk,
        person,
        &article,
        done,
        "moved",
        "Address taken",
    )
    .await
}

/// Makes a secret link that shows the article as readers will see it, for people
/// without a newsroom login; shown once (only its hash is kept).
pub async fn make_preview_link(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let token = crate::secrets::secret();
    state
        .store
        .create_preview(
            article.id,
            person.id,
            &crate::secrets::token_hash(&token),
            Utc::now(),
        )
        .await?;
    // Shown in this answer only: never in an address, a history or a log.
    let notice = format!(
        "Preview link (works for {} days, for anyone who has it; copy it now, it is not shown \
         again): {}",
        masthead_core::revision::PREVIEW_LIFETIME.num_days(),
        state.url(&format!("/preview/{token}"))
    );
    editor(
        &state,
        &desk,
        person,
        Some(&article),
        &content_of(&article),
        Said {
            notice: Some(notice),
            ..Said::default()
        },
    )
    .await
}

/// Ends every preview link of the article.
pub async fn end_preview_links(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    state.store.end_previews(article.id).await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=previews-ended",
        article.id
    ))
    .into_response())
}

/// The body as readers will see it, for the editor's live preview.
pub async fn preview(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let mut content = ArticleContent::new("", "");
    let rendered = match body_from(&fields) {
        Ok(body) => {
            content.body = body;
            state.newsroom.render(&content).await
        }
        Err(e) => Err(e),
    };
    let rendered = match rendered {
        Ok(rendered) => rendered,
        // Said in the preview pane, where the writer looks.
        Err(masthead_core::Error::Invalid(errors)) => {
            let said: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            let html = format!(
                "<p class=\"error\" role=\"alert\">The preview cannot be shown: {}.</p>",
                masthead_render::escape_text(&said.join("; "))
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut response = Html(rendered.html).into_response();
    response.headers_mut().insert(
        header::HeaderName::from_static("x-word-count"),
        header::HeaderValue::from(rendered.word_count),
    );
    response.headers_mut().insert(
        header::HeaderName::from_static("x-reading-minutes"),
        header::HeaderValue::from(reading_time_minutes(rendered.word_count)),
    );
    Ok(response)
}

/// A datetime-local value ("2026-12-01T09:00") in the publication's time zone.
pub(super) fn local_time(text: &str, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

async fn article_by_text_id(state: &AppState, id: &str) -> Result<Option<Article>, WebError> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    Ok(state.store.article(ArticleId(id)).await?)
}

/// The article with this id, if the person may edit it; otherwise the page that says no.
pub(super) async fn editable(
    state: &AppState,
    person: &Person,
    id: &str,
) -> Result<Article, WebError> {
    let Some(article) = article_by_text_id(state, id).await? else {
        return Err(not_found(state, person).await);
    };
    let authors: Vec<PersonId> = article.authors.iter().map(|a| a.id).collect();
    let subject = Subject {
        status: article.status,
        authors: &authors,
        published_at: article.published_at,
    };
    if let Err(Error::Forbidden(message)) = workflow::can_edit(actor(person), subject) {
        return Err(forbidden(state, person, &message).await);
    }
    Ok(article)
}

pub(super) async fn not_found(state: &AppState, person: &Person) -> WebError {
    desk_error(
        state,
        StatusCode::NOT_FOUND,
        Some(person),
        "No such article",
        "There is no article with that number; it may have been deleted.",
    )
    .await
}

async fn forbidden(state: &AppState, person: &Person, message: &str) -> WebError {
    desk_error(
        state,
        StatusCode::FORBIDDEN,
        Some(person),
        "Not for your role",
        &sentence(message),
    )
    .await
}

fn field_errors(errors: Vec<masthead_core::FieldError>) -> Vec<FieldErrorView> {
    errors
        .into_iter()
        .map(|e| FieldErrorView {
            // The form's name for the field (the content model's is dotted).
            field: e.field.replace("featured_image.", "featured_"),
            message: e.message,
        })
        .collect()
}

/// What the editor edits, from a stored article.
pub(super) fn content_of(a: &Article) -> ArticleContent {
    a.content()
}

/// The form's field that holds the body: the visual editor's document
/// (`body_document`, JSON), or Markdown (`body_markdown`, the editor's Markdown mode
/// and the form without its script).
pub(super) fn body_field(fields: &Fields) -> &'static str {
    if one(fields, "body_document").trim().is_empty() {
        "body_markdown"
    } else {
        "body_document"
    }
}

/// The body a form (an article's or a static page's) holds: `Invalid` naming the
/// field when it is not a document, or its Markdown names a card it does not hold.
pub(super) fn body_from(fields: &Fields) -> masthead_core::Result<Document> {
    match body_field(fields) {
        "body_document" => Document::from_json(one(fields, "body_document"), "body_document"),
        _ => Document::from_markdown_checked(
            &one(fields, "body_markdown").replace("\r\n", "\n"),
            "body_markdown",
        ),
    }
}

/// Text as one line: its lines and runs of space joined by single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an error says, without naming its fields (the form shows it by its field).
/// A person as the byline picker names them: a profile without a login says what
/// kind it is ("Reuters (News agency)").
fn byline_label(p: &Person) -> String {
    if p.signs_in() {
        p.name.clone()
    } else {
        format!("{} ({})", p.name, p.kind.label())
    }
}

pub(super) fn messages(error: Error) -> String {
    match error {
        Error::Invalid(errors) => crate::forms::sentences(&errors),
        other => other.to_string(),
    }
}

/// The content a form describes, or what is wrong with the form itself (values that
/// are not even of the right kind; the content's own rules are checked when saving).
fn content_from(fields: &Fields) -> Result<ArticleContent, Vec<FieldErrorView>> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: &str| {
        errors.push(FieldErrorView {
            field: field.to_owned(),
            message: message.to_owned(),
        })
    };
    let section_id = match one(fields, "section") {
        "" => None,
        text => match text.parse() {
            Ok(id) => Some(SectionId(id)),
            Err(_) => {
                error("section", "choose a section from the list");
                None
            }
        },
    };
    let people = |name| -> Result<Vec<PersonId>, ()> {
        all(fields, name)
            .map(|v| v.parse().map(PersonId).map_err(|_| ()))
            .collect()
    };
    let authors = people("authors").unwrap_or_else(|()| {
        error("authors", "choose bylines from the list");
        Vec::new()
    });
    let editors = people("editors").unwrap_or_else(|()| {
        error("editors", "choose editors from the list");
        Vec::new()
    });
    let article_type = one(fields, "article_type").parse().unwrap_or_else(|_| {
        error("article_type", "choose a type from the list");
        ArticleType::News
    });
    let visibility = one(fields, "visibility").parse().unwrap_or_else(|_| {
        error("visibility", "choose who may read it from the list");
        Visibility::Public
    });
    // The tier boxes are in the form whatever is chosen above them: they count only
    // for an article for chosen tiers.
    let tiers = if visibility == Visibility::Tiers {
        all(fields, "tiers")
            .map(|v| v.parse().map(TierId))
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|_| {
                error("tiers", "choose tiers from the list");
                Vec::new()
            })
    } else {
        Vec::new()
    };
    let featured_image = match one(fields, "featured_media_id") {
        "" => None,
        text => match text.parse() {
            Ok(id) => Some(FeaturedImage {
                media_id: MediaId(id),
                alt: one(fields, "featured_alt").trim().to_owned(),
                caption: one(fields, "featured_caption").trim().to_owned(),
                credit: one(fields, "featured_credit").trim().to_owned(),
            }),
            Err(_) => {
                error("featured_media_id", "choose the picture from the library");
                None
            }
        },
    };
    let body = match body_from(fields) {
        Ok(body) => body,
        Err(why) => {
            error(body_field(fields), &messages(why));
            Document::default()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ArticleContent {
        // A headline is one line, however it was typed.
        title: one_line(one(fields, "title")),
        standfirst: one(fields, "standfirst").trim().to_owned(),
        body,
        custom_excerpt: one(fields, "custom_excerpt").trim().to_owned(),
        featured_image,
        section_id,
        tags: tags_from(one(fields, "tags")),
        authors,
        editors,
        article_type,
        visibility,
        tiers,
        seo: Seo {
            meta_title: one(fields, "meta_title").trim().to_owned(),
            meta_description: one(fields, "meta_description").trim().to_owned(),
            social_image: one(fields, "social_image").trim().to_owned(),
            canonical_url: one(fields, "canonical_url").trim().to_owned(),
        },
        sources: sources_from(one(fields, "sources")),
    })
}

/// The form's content as far as it can be read, to show it again with its errors.
fn lenient_content(fields: &Fields, stored: Option<&Article>) -> ArticleContent {
    let mut content = stored
        .map(content_of)
        .unwrap_or_else(|| ArticleContent::new("", ""));
    content.title = one(fields, "title").to_owned();
    content.standfirst = one(fields, "standfirst").to_owned();
    // As typed, even when it does not check: a card fence that is not a card stays
    // its text; a document that does not read leaves the stored body.
    content.body = match body_field(fields) {
        "body_markdown" => {
            Document::from_markdown(&one(fields, "body_markdown").replace("\r\n", "\n"))
        }
        _ => body_from(fields).unwrap_or(content.body),
    };
    content.custom_excerpt = one(fields, "custom_excerpt").to_owned();
    content.tags = tags_from(one(fields, "tags"));
    content.sources = sources_from(one(fields, "sources"));
    content.seo = Seo {
        meta_title: one(fields, "meta_title").to_owned(),
        meta_description: one(fields, "meta_description").to_owned(),
        social_image: one(fields, "social_image").to_owned(),
        canonical_url: one(fields, "canonical_url").to_owned(),
    };
    content
}

/// "Housing, city hall , Housing" -> ["Housing", "city hall"].
fn tags_from(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty() && seen.insert(t.to_ascii_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// One source per line: "Name | URL | note" (URL and note optional).
fn sources_from(text: &str) -> Vec<Source> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.splitn(3, '|').map(str::trim);
            Source {
                name: parts.next().unwrap_or_default().to_owned(),
                url: parts.next().unwrap_or_default().to_owned(),
                note: parts.next().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

fn sources_text(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| {
            let mut line = s.name.clone();
            if !s.url.is_empty() || !s.note.is_empty() {
                line.push_str(&format!(" | {}", s.url));
            }
            if !s.note.is_empty() {
                line.push_str(&format!(" | {}", s.note));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The workflow actions `person` may take on `article` now.
fn actions(person: &Person, article: &Article) -> Vec<ActionView> {
    let authors: Vec<PersonId> = article.authors.iter().map(|a| a.id).collect();
    let subject = Subject {
        status: article.status,
        authors: &authors,
        published_at: article.published_at,
    };
    let now = Utc::now();
    let later = now + chrono::Duration::hours(1);
    let choices: [(Status, &'static str); 6] = [
        (Status::InReview, "Submit for review"),
        (Status::Draft, "Return to draft"),
        (Status::Scheduled, "Schedule"),
        (Status::Published, "Publish"),
        (Status::Unpublished, "Unpublish"),
        (Status::Deleted, "Move to the bin"),
    ];
    choices
        .into_iter()
        .filter(|(to, _)| {
            let at = (*to == Status::Scheduled).then_some(later);
            workflow::plan(actor(person), subject, *to, at, now).is_ok()
        })
        .map(|(to, label)| ActionView {
            to: to.as_str(),
            label: if to == Status::Published && article.status == Status::Scheduled {
                "Publish now"
            } else if to == Status::Draft && article.status == Status::Deleted {
                "Restore as a draft"
            } else if workflow::needs_note(actor(person), subject, to) {
                "Request changes"
            } else {
                label
            },
            needs_time: to == Status::Scheduled,
            needs_note: workflow::needs_note(actor(person), subject, to),
        })
        .collect()
}

/// What the editor page says besides the article, and the status it answers with.
struct Said {
    notice: Option<String>,
    warnings: Vec<String>,
    errors: Vec<FieldErrorView>,
    status: StatusCode,
    /// The version the form's content was made on, when older than the article's.
    base: Option<DateTime<Utc>>,
    /// The form shows the person's unsaved changes, not the saved text.
    restored: bool,
}

impl Said {
    /// The form is shown again with what is wrong with it.
    fn invalid(errors: Vec<FieldErrorView>) -> Self {
        Self {
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Self::default()
        }
    }
}

impl Default for Said {
    fn default() -> Self {
        Self {
            notice: None,
            warnings: Vec::new(),
            errors: Vec::new(),
            status: StatusCode::OK,
            base: None,
            restored: false,
        }
    }
}

async fn editor(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    article: Option<&Article>,
    content: &ArticleContent,
    said: Said,
) -> Result<Response, WebError> {
    let site = state.site.get(&*state.store).await?;
    let title = if content.title.is_empty() {
        "New article".to_owned()
    } else {
        format!("Editing: {}", content.title)
    };
    let mut chrome = desk.chrome(&site.settings, &title);
    chrome.current = "articles";
    let zone = chrome.zone;
    let people = state.store.people().await?;
    // A body that cannot be rendered is said where the preview would be (the save
    // that brought it here said why).
    let rendered = state.newsroom.render(content).await.unwrap_or_else(|e| {
        masthead_core::article::RenderedBody {
            html: format!(
                "<p class=\"error\">The preview cannot be shown: {}.</p>",
                masthead_render::escape_text(&e.to_string())
            ),
            excerpt: String::new(),
            word_count: 0,
        }
    });
    let image = content.featured_image.as_ref();
    let notes = match article {
        Some(a) => state.store.notes(a.id).await?,
        None => Vec::new(),
    };
    let featured_src = match image {
        Some(i) => state
            .store
            .media(i.media_id)
            .await?
            .map(|m| masthead_render::views::media_src(&m)),
        None => None,
    };
    let live = match article {
        Some(a) if a.article_type == masthead_core::article::ArticleType::Live => {
            Some(super::live::desk_view(state, a, zone).await?)
        }
        _ => None,
    };
    let view = EditorView {
        live,
        article: article.map(|a| EditedArticle {
            id: a.id.0,
            status: a.status.as_str(),
            status_label: a.status.label(),
            slug: a.slug.clone(),
            place: masthead_core::article::article_path(
                a.section.as_ref().map(|s| s.slug.as_str()),
                "",
            )
            .trim_end_matches('/')
            .to_owned()
                + "/",
            href: a.is_live().then(|| a.path()),
            updated: TimeView::new(a.updated_at, zone),
            published: a.published_at.map(|t| TimeView::new(t, zone)),
            scheduled: a.scheduled_at.map(|t| TimeView::new(t, zone)),
        }),
        fields: EditorFields {
            title: content.title.clone(),
            standfirst: content.standfirst.clone(),
            body_markdown: content.body.to_markdown(),
            body_document: masthead_render::newsroom::document_for_script(&content.body),
            custom_excerpt: content.custom_excerpt.clone(),
            tags: content.tags.join(", "),
            sources: sources_text(&content.sources),
            meta_title: content.seo.meta_title.clone(),
            meta_description: content.seo.meta_description.clone(),
            canonical_url: content.seo.canonical_url.clone(),
            social_image: content.seo.social_image.clone(),
            featured_media_id: image.map(|i| i.media_id.0),
            featured_alt: image.map(|i| i.alt.clone()).unwrap_or_default(),
            featured_caption: image.map(|i| i.caption.clone()).unwrap_or_default(),
            featured_credit: image.map(|i| i.credit.clone()).unwrap_or_default(),
            featured_src,
        },
        sections: site
            .sections
            .iter()
            .map(|s| Choice::new(s.id, s.name.clone(), Some(s.id) == content.section_id))
            .collect(),
        types: ArticleType::ALL
            .iter()
            .map(|t| Choice::new(t.as_str(), t.label(), *t == content.article_type))
            .collect(),
        visibilities: Visibility::ALL
            .iter()
            .map(|v| Choice::new(v.as_str(), v.label(), *v == content.visibility))
            .collect(),
        tiers: state
            .store
            .tiers(false)
            .await?
            .into_iter()
            .filter(|t| t.paid)
            .map(|t| Choice::new(t.id.0, t.name, content.tiers.contains(&t.id)))
            .collect(),
        authors: people
            .iter()
            .map(|p| {
                let credited = content.authors.contains(&p.id)
                    || (article.is_none() && content.authors.is_empty() && p.id == person.id);
                Choice::new(p.id, byline_label(p), credited)
            })
            .collect(),
        // Only staff edit; a profile without a login stays if it was credited.
        editors: people
            .iter()
            .filter(|p| p.signs_in() || content.editors.contains(&p.id))
            .map(|p| Choice::new(p.id, p.name.clone(), content.editors.contains(&p.id)))
            .collect(),
        may_credit: person.role.at_least(Role::Editor),
        actions: article.map(|a| actions(person, a)).unwrap_or_default(),
        corrections: article
            .map(|a| {
                a.corrections
                    .iter()
                    .map(|c| CorrectionEntryView {
                        kind: c.kind.as_str(),
                        kind_label: c.kind.label(),
                        text: c.text.clone(),
                        at: TimeView::new(c.created_at, zone),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        can_correct: article.is_some_and(|a| a.published_at.is_some())
            && person.role.at_least(masthead_core::people::Role::Editor),
        comments: article
            .filter(|a| {
                a.published_at.is_some()
                    && person.role.at_least(masthead_core::people::Role::Editor)
            })
            .map(|a| EditorComments {
                open: a.comments_open,
                count: a.approved_comments,
            }),
        notes: notes
            .iter()
            .map(|n| NoteView {
                by: n.person_name.clone(),
                note: n.note.clone(),
                at: TimeView::new(n.created_at, zone),
            })
            .collect(),
        preview: rendered.html,
        word_count: rendered.word_count,
        reading_minutes: reading_time_minutes(rendered.word_count),
        restored: said.restored,
        notice: said.notice,
        warnings: said.warnings,
        errors: said.errors,
        base: said
            .base
            .or(article.map(|a| a.updated_at))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .unwrap_or_default(),
        chrome,
    };
    let html = state.theme.render("newsroom/editor.html", &view)?;
    Ok((said.status, Html(html)).into_response())
}
