//! Comment moderation (editors): three queues (held, reported, spam), a decision on
//! each comment, trusting or banning its member, closing an article's comments, and
//! replies for the publication. Every action goes into the audit log, in the same
//! transaction as the change (a staff reply right after it).

use super::desk::{desk_error, Desk, NoDeskPage, Segments};
use crate::forms::{one, sentences, Fields};
use crate::paging::page_number;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::AuditAction;
use masthead_core::comment::{self, Author, Comment, CommentStatus, NewComment, Queue};
use masthead_core::ids::{ArticleId, CommentId, MemberId};
use masthead_core::member::Commenting;
use masthead_core::store::PageRequest;
use masthead_render::newsroom::ModerationView;
use serde::Deserialize;

/// Comments per page of a queue.
const QUEUE_PAGE: u32 = 30;

#[derive(Deserialize)]
pub struct QueueQuery {
    queue: Option<String>,
    page: Option<String>,
    notice: Option<String>,
}

/// What a decision's notice says, by the word the redirect carries.
fn notice_text(word: &str) -> Option<&'static str> {
    Some(match word {
        "approved" => "Approved: readers see it.",
        "pending" => "Held: readers no longer see it; it waits in the held queue.",
        "rejected" => "Rejected: readers no longer see it.",
        "spam" => "Marked as spam: readers no longer see it.",
        "trusted" => "Trusted: their comments now appear at once (limits still apply).",
        "banned" => "Banned: they can no longer comment, and what they had waiting was rejected.",
        "new" => "Their comments follow the usual rules again.",
        "closed" => "Comments are closed on that article: what is there stays readable.",
        "opened" => "Comments are open again on that article.",
        "replied" => "Your reply is posted, marked as staff.",
        _ => return None,
    })
}

pub async fn queue(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let queue = match q.queue.as_deref() {
        None | Some("") => Some(Queue::Held),
        Some(word) => word.parse().ok(),
    };
    let (Some(queue), Some(number)) = (queue, page_number(q.page.as_deref())) else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "The comment queues are held, reported and spam, each with numbered pages.",
        )
        .await);
    };
    let page = state
        .store
        .moderation_queue(queue, PageRequest::numbered(number, QUEUE_PAGE))
        .await?;
    if page.items.is_empty() && number > 1 {
        return Ok(Redirect::to(&back_to(queue.as_str(), "1", None)).into_response());
    }
    let counts = state.store.queue_counts().await?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = desk.chrome(&site.settings, "Comments");
    chrome.current = "comments";
    let mut view = ModerationView::new(chrome, queue, counts, &page);
    view.notice = q.notice.as_deref().and_then(notice_text).map(str::to_owned);
    Ok(Html(state.theme.render("newsroom/comments.html", &view)?).into_response())
}

/// Back to the queue page a form was sent from, with what happened.
fn back_to(queue: &str, page: &str, notice: Option<&str>) -> String {
    let queue = queue.parse::<Queue>().unwrap_or(Queue::Held);
    let page = page_number(Some(page)).unwrap_or(1);
    let mut query = vec![("queue", queue.as_str().to_owned())];
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    if let Some(notice) = notice {
        query.push(("notice", notice.to_owned()));
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    format!("/newsroom/comments?{query}")
}

fn back(fields: &Fields, notice: &str) -> Response {
    Redirect::to(&back_to(
        one(fields, "queue"),
        one(fields, "page"),
        Some(notice),
    ))
    .into_response()
}

/// "comment 12 by Ana on “Harbour fees”", for the audit log.
fn described(c: &Comment, title: &str) -> String {
    format!("comment {} by {} on “{title}”", c.id.0, c.author_name)
}

async fn refuse(state: &AppState, desk: &Desk, heading: &str, message: &str) -> WebError {
    desk_error(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        desk.person(),
        heading,
        message,
    )
    .await
}

async fn not_found(state: &AppState, desk: &Desk, what: &str) -> WebError {
    desk_error(
        state,
        StatusCode::NOT_FOUND,
        desk.person(),
        "Not found",
        &format!("There is no such {what}: it may have been deleted."),
    )
    .await
}

/// The article a comment is on, by title (for the audit log).
async fn article_title(state: &AppState, id: ArticleId) -> Result<String, WebError> {
    Ok(state
        .store
        .article(id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default())
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let Ok(status) = one(&fields, "status").parse::<CommentStatus>() else {
        return Err(refuse(
            &state,
            &desk,
            "Unknown decision",
            "Approve, hold, reject or mark as spam.",
        )
        .await);
    };
    let Some(found) = state.store.comment(CommentId(id)).await? else {
        return Err(not_found(&state, &desk, "comment").await);
    };
    let title = article_title(&state, found.article_id).await?;
    let audit = desk.audit(
        AuditAction::CommentModerated,
        format!(
            "{}: {}",
            described(&found, &title),
            match status {
                CommentStatus::Pending => "held".to_owned(),
                other => other.label().to_lowercase(),
            }
        ),
    );
    let before = match state.store.moderate_comment(found.id, status, &audit).await {
        Err(masthead_core::Error::Conflict(why)) => {
            return Err(refuse(&state, &desk, "Not held", &why).await)
        }
        other => other?,
    };
    // A reply readers see only now tells the comment it answers.
    if status == CommentStatus::Approved && comment::first_shown(before.status, before.held_reason)
    {
        let after = Comment { status, ..before };
        crate::replies::tell_replied_to(&state, &after);
    }
    Ok(back(&fields, status.as_str()))
}

pub async fn commenting(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let Ok(commenting) = one(&fields, "commenting").parse::<Commenting>() else {
        return Err(refuse(
            &state,
            &desk,
            "Unknown standing",
            "Trust, ban, or treat a member as new.",
        )
        .await);
    };
    let member = MemberId(id);
    let Some(found) = state.store.member(member).await? else {
        return Err(not_found(&state, &desk, "member").await);
    };
    let name = match state.store.standing(member).await? {
        Some(standing) => standing.name_on_comments(&found).to_owned(),
        None => String::new(),
    };
    let audit = desk.audit(
        AuditAction::CommentingChanged,
        format!(
            "member {} ({name}): {}",
            member.0,
            commenting.label().to_lowercase()
        ),
    );
    state
        .store
        .set_commenting(member, commenting, &audit)
        .await?;
    Ok(back(&fields, commenting.as_str()))
}

pub async fn open_or_close(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let open = match one(&fields, "open") {
        "true" => true,
        "false" => false,
        _ => {
            return Err(refuse(
                &state,
                &desk,
                "Open or close?",
                "Say whether the article's comments open or close.",
            )
            .await)
        }
    };
    let Some(article) = state.store.article(ArticleId(id)).await? else {
        return Err(not_found(&state, &desk, "article").await);
    };
    let (action, notice) = if open {
        (AuditAction::CommentsOpened, "opened")
    } else {
        (AuditAction::CommentsClosed, "closed")
    };
    let audit = desk.audit(action, format!("“{}” ({})", article.title, article.id.0));
    state
        .store
        .set_comments_open(article.id, open, &audit)
        .await?;
    // From the article's own page, back there; else back to the queue.
    if one(&fields, "from") == "article" {
        return Ok(Redirect::to(&format!(
            "/newsroom/articles/{}?notice={notice}",
            article.id.0
        ))
        .into_response());
    }
    Ok(back(&fields, notice))
}

/// A reply for the publication, marked as staff: shown at once, and a letter to the
/// member answered.
pub async fn reply(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Some(parent) = state
        .store
        .comment(CommentId(id))
        .await?
        .filter(|c| c.status == CommentStatus::Approved && !c.deleted)
    else {
        return Err(not_found(&state, &desk, "comment readers can see").await);
    };
    let body = comment::tidy(one(&fields, "body"));
    if let Err(e) = comment::check_body(&body) {
        let message = match e {
            masthead_core::Error::Invalid(fields) => sentences(&fields),
            other => return Err(other.into()),
        };
        return Err(refuse(&state, &desk, "Reply refused", &message).await);
    }
    let new = NewComment {
        body_hash: crate::secrets::token_hash(&comment::fingerprint(&body)),
        ..NewComment::plain(
            parent.article_id,
            Author::Staff(person.id),
            Some(parent.id),
            &body,
            CommentStatus::Approved,
            Utc::now(),
        )
    };
    let posted = state.store.add_comment(&new).await?;
    let title = article_title(&state, parent.article_id).await?;
    state
        .store
        .record_audit(&desk.audit(
            AuditAction::StaffReplied,
            format!(
                "comment {} answering {}",
                posted.id.0,
                described(&parent, &title)
            ),
        ))
        .await?;
    crate::replies::tell_replied_to(&state, &posted);
    Ok(back(&fields, "replied"))
}
