//! Members' comments: posting (and replying), changing one's words within the edit
//! window, deleting, liking and reporting. Every action is a plain form that works
//! without JavaScript (`comments.js` only saves page loads); each answers by going back
//! to the comment on its article, whose page a signed-in member always gets fresh.
//!
//! What happens to a new comment is `comment::decide`'s to say (limits, spam, holds);
//! whatever is refused keeps the reader's words in the form shown with the reason.

use super::Visit;
use crate::chrome::chrome;
use crate::forms::{one, sentences, Fields};
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use chrono::Utc;
use masthead_core::access;
use masthead_core::article::Article;
use masthead_core::comment::{
    self, Author, Comment, CommentEdit, CommentStatus, Decision, NewComment, NewReport,
    ReportReason,
};
use masthead_core::ids::{ArticleId, CommentId};
use masthead_core::member::{AccountUpdate, Commenting, Member};
use masthead_render::views::{CommentFormView, CommentView, ReasonChoice};

/// The article a comment may be posted on: published, readable by the member
/// commenting (the request's reader), open.
async fn open_article(state: &AppState, id: i64) -> Result<Article, WebError> {
    let article = state
        .store
        .article(ArticleId(id))
        .await?
        .filter(Article::is_live)
        .ok_or_else(WebError::not_found)?;
    if !access::can_read(&crate::reader::current(), &article) {
        return Err(forbidden(
            "Only readers who may read this article may comment on it.",
        ));
    }
    if !article.comments_open {
        return Err(forbidden("Comments are closed on this article."));
    }
    Ok(article)
}

/// A refusal of what a reader wrote, in words for them (a field's own message).
fn unfit(e: masthead_core::Error) -> WebError {
    match e {
        masthead_core::Error::Invalid(fields) => WebError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: sentences(&fields),
            page: None,
        },
        other => WebError::from(other),
    }
}

fn forbidden(message: &str) -> WebError {
    WebError {
        status: StatusCode::FORBIDDEN,
        message: message.to_owned(),
        page: None,
    }
}

/// A comment shown to members (approved, or their own) and the article it is on.
async fn shown(
    state: &AppState,
    id: &str,
    member: &Member,
) -> Result<(Comment, Article), WebError> {
    let id = id.parse().map_err(|_| WebError::not_found())?;
    let comment = state
        .store
        .comment(CommentId(id))
        .await?
        .filter(|c| c.status == CommentStatus::Approved || c.is_by(member.id))
        .filter(|c| !c.deleted)
        .ok_or_else(WebError::not_found)?;
    let article = state
        .store
        .article(comment.article_id)
        .await?
        .filter(Article::is_live)
        .ok_or_else(WebError::not_found)?;
    Ok((comment, article))
}

/// Where a comment is read: on its article, at its place.
fn at_comment(article: &Article, id: CommentId) -> Response {
    Redirect::to(&format!("{}#comment-{}", article.path(), id.0)).into_response()
}

/// The page of its own for a comment form, answered with `status`.
async fn form_page(
    state: &AppState,
    status: StatusCode,
    visit: &Visit,
    article: &Article,
    mode: &'static str,
    comment: Option<&Comment>,
    fill: impl FnOnce(&mut CommentFormView),
) -> Result<Response, WebError> {
    let mut chrome = chrome(state, &article.path()).await?.chrome;
    chrome.meta.title = match mode {
        "reply" => "Reply",
        "edit" => "Change your comment",
        "delete" => "Delete your comment",
        "report" | "reported" => "Report a comment",
        _ => "Your comment",
    }
    .to_owned();
    chrome.meta.robots = Some("noindex");
    let member = visit.signed_in()?.owner.id;
    let mut view = CommentFormView {
        mode,
        article_title: article.title.clone(),
        article_path: article.path(),
        article_id: article.id.0,
        comment: comment.map(|c| CommentView::new(c, Some(member), false, Utc::now(), chrome.zone)),
        body: String::new(),
        csrf: visit.csrf(),
        error: None,
        needs_name: crate::chrome::needs_name(state, &visit.signed_in()?.owner).await?,
        comment_name: String::new(),
        reasons: Vec::new(),
        note: String::new(),
        chrome,
    };
    fill(&mut view);
    let html = state.theme.render("comment.html", &view)?;
    Ok((status, Html(html)).into_response())
}

/// Why a comment was not taken, and when to come back if it was a limit.
struct Refusal {
    error: WebError,
    retry_after: Option<i64>,
}

impl From<WebError> for Refusal {
    fn from(error: WebError) -> Self {
        Refusal {
            error,
            retry_after: None,
        }
    }
}

/// The same form again, with what the reader sent (their words, the name they gave)
/// and why it was not taken.
async fn refused(
    state: &AppState,
    visit: &Visit,
    article: &Article,
    parent: Option<&Comment>,
    fields: &Fields,
    refusal: Refusal,
) -> Result<Response, WebError> {
    let mode = if parent.is_some() { "reply" } else { "new" };
    let Refusal { error, retry_after } = refusal;
    let mut response = form_page(state, error.status, visit, article, mode, parent, |view| {
        view.body = one(fields, "body").to_owned();
        view.comment_name = one(fields, "comment_name").to_owned();
        view.error = Some(error.message);
    })
    .await?;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

/// A hash naming the address a comment came from, for the per-address limit (never
/// the address itself).
fn address_hash(ip: &str) -> String {
    crate::secrets::token_hash(&format!("comment-address:{ip}"))
}

/// Posts a comment, or a reply when `parent` names one.
pub async fn post(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let member = visit.signed_in()?.owner.clone();
    let article_id = one(&fields, "article")
        .parse()
        .map_err(|_| WebError::not_found())?;
    let article = open_article(&state, article_id).await?;
    let parent = match one(&fields, "parent") {
        "" => None,
        id => {
            let (parent, on) = shown(&state, id, &member).await?;
            if on.id != article.id || parent.status != CommentStatus::Approved {
                return Err(WebError::not_found());
            }
            Some(parent)
        }
    };
    match take(&state, &visit, &member, &article, parent.as_ref(), &fields).await? {
        Ok(id) => Ok(at_comment(&article, id)),
        Err(refusal) => refused(&state, &visit, &article, parent.as_ref(), &fields, refusal).await,
    }
}

/// Takes the comment `fields` hold, as `comment::decide` says: the comment it is now
/// (or already was), or why not.
async fn take(
    state: &AppState,
    visit: &Visit,
    member: &Member,
    article: &Article,
    parent: Option<&Comment>,
    fields: &Fields,
) -> Result<Result<CommentId, Refusal>, WebError> {
    let body = comment::tidy(one(fields, "body"));
    if let Err(e) = comment::check_body(&body) {
        return Ok(Err(unfit(e).into()));
    }
    let standing = state
        .store
        .standing(member.id)
        .await?
        .ok_or_else(|| WebError::from(masthead_core::Error::Unauthenticated))?;
    // A comment is never shown without a name: one who has none gives it here.
    if standing.name_on_comments(member).is_empty() {
        let update = AccountUpdate {
            name: member.name.clone(),
            comment_name: one(fields, "comment_name").trim().to_owned(),
            newsletters: standing.newsletters.clone(),
            reply_letters: standing.reply_letters,
        };
        if update.comment_name.is_empty() {
            return Ok(Err(unfit(masthead_core::Error::invalid(
                "comment_name",
                "give the name to show with your comments",
            ))
            .into()));
        }
        if let Err(e) = state
            .store
            .update_account(member.id, &update, Utc::now())
            .await
        {
            return Ok(Err(unfit(e).into()));
        }
    }
    let now = Utc::now();
    let site = state.site.get(&*state.store).await?;
    let mut new = NewComment {
        article_id: article.id,
        author: Author::Member(member.id),
        parent_id: parent.map(|p| p.id),
        body_hash: crate::secrets::token_hash(&comment::fingerprint(&body)),
        body,
        status: CommentStatus::Pending,
        held_reason: None,
        ip_hash: address_hash(&visit.ip),
        created_at: now,
    };
    let activity = state.store.comment_activity(member.id, &new).await?;
    let decision = comment::decide(
        &new.body,
        site.settings.comments,
        standing.commenting,
        &activity,
        now,
    );
    Ok(match decision {
        Decision::Banned => Err(forbidden("You can no longer comment here.").into()),
        Decision::Duplicate(id) => Ok(id),
        Decision::TooMany(until) => {
            let (seconds, minutes) = masthead_core::auth::wait_until(now, until);
            let error = WebError {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "You have posted a lot in the last few minutes. Your words are kept \
                     below: post them in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ),
                page: None,
            };
            Err(Refusal {
                error,
                retry_after: Some(seconds),
            })
        }
        Decision::Post(status, reason) => {
            new.status = status;
            new.held_reason = reason;
            let posted = state.store.add_comment(&new).await?;
            crate::replies::tell_replied_to(state, &posted);
            crate::notifications::comment_posted(state, &posted);
            Ok(posted.id)
        }
    })
}

/// The reply form, for readers without JavaScript.
pub async fn reply_form(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let (parent, article) = shown(&state, &id, member).await?;
    if parent.status != CommentStatus::Approved {
        return Err(WebError::not_found());
    }
    open_article(&state, article.id.0).await?;
    form_page(
        &state,
        StatusCode::OK,
        &visit,
        &article,
        "reply",
        Some(&parent),
        |_| (),
    )
    .await
}

/// The author's own comment, while it is theirs to change (`edit`) or delete.
async fn own(
    state: &AppState,
    visit: &Visit,
    id: &str,
    edit: bool,
) -> Result<(Comment, Article), WebError> {
    let member = &visit.signed_in()?.owner;
    let (comment, article) = shown(state, id, member).await?;
    if !comment.can_delete(member.id) {
        return Err(forbidden("Only its author may change a comment."));
    }
    if edit && !comment.can_edit(member.id, Utc::now()) {
        return Err(forbidden(
            "A comment may be changed for 10 minutes after it was posted, and that time \
             has passed. You can still delete it.",
        ));
    }
    Ok((comment, article))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (comment, article) = own(&state, &visit, &id, true).await?;
    form_page(
        &state,
        StatusCode::OK,
        &visit,
        &article,
        "edit",
        Some(&comment),
        |view| {
            view.body = comment.body.clone();
        },
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let (comment, article) = own(&state, &visit, &id, true).await?;
    let body = comment::tidy(one(&fields, "body"));
    if let Err(e) = comment::check_body(&body) {
        let error = unfit(e);
        return form_page(
            &state,
            error.status,
            &visit,
            &article,
            "edit",
            Some(&comment),
            |view| {
                view.body = one(&fields, "body").to_owned();
                view.error = Some(error.message);
            },
        )
        .await;
    }
    let commenting = state
        .store
        .standing(visit.signed_in()?.owner.id)
        .await?
        .map_or(Commenting::New, |s| s.commenting);
    let (status, held_reason) =
        comment::after_edit(&body, commenting, comment.status, comment.held_reason);
    let edit = CommentEdit {
        body_hash: crate::secrets::token_hash(&comment::fingerprint(&body)),
        body,
        status,
        held_reason,
        at: Utc::now(),
    };
    state.store.edit_comment(comment.id, &edit).await?;
    Ok(at_comment(&article, comment.id))
}

pub async fn delete_form(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (comment, article) = own(&state, &visit, &id, false).await?;
    form_page(
        &state,
        StatusCode::OK,
        &visit,
        &article,
        "delete",
        Some(&comment),
        |_| (),
    )
    .await
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (comment, article) = own(&state, &visit, &id, false).await?;
    state.store.delete_comment(comment.id, Utc::now()).await?;
    Ok(Redirect::to(&format!("{}#comments", article.path())).into_response())
}

/// Likes (`like=1`) or unlikes (`like=0`) an approved comment. A script asking for
/// JSON gets the new count; a form goes back to the comment.
pub async fn like(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let (comment, article) = shown(&state, &id, member).await?;
    if comment.status != CommentStatus::Approved {
        return Err(WebError::not_found());
    }
    let like = one(&fields, "like") != "0";
    let likes = state
        .store
        .like_comment(comment.id, member.id, like, Utc::now())
        .await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(serde_json::json!({ "likes": likes, "liked": like })).into_response());
    }
    Ok(at_comment(&article, comment.id))
}

fn reasons(selected: Option<ReportReason>) -> Vec<ReasonChoice> {
    ReportReason::ALL
        .iter()
        .map(|r| ReasonChoice {
            value: r.as_str(),
            label: r.label(),
            selected: Some(*r) == selected,
        })
        .collect()
}

pub async fn report_form(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let (comment, article) = shown(&state, &id, member).await?;
    form_page(
        &state,
        StatusCode::OK,
        &visit,
        &article,
        "report",
        Some(&comment),
        |view| {
            view.reasons = reasons(None);
        },
    )
    .await
}

pub async fn report(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let (comment, article) = shown(&state, &id, member).await?;
    let note = one(&fields, "note").trim().to_owned();
    let reason = one(&fields, "reason").parse::<ReportReason>().ok();
    let sent = match reason {
        None => Err(WebError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Choose what is wrong with the comment.".to_owned(),
            page: None,
        }),
        Some(reason) => {
            let report = NewReport {
                comment_id: comment.id,
                member_id: member.id,
                reason,
                note: note.clone(),
                created_at: Utc::now(),
            };
            state.store.report_comment(&report).await.map_err(unfit)
        }
    };
    // Thanked; or asked again, with what they wrote and why it was not taken.
    let (status, mode) = match &sent {
        Ok(()) => (StatusCode::OK, "reported"),
        Err(error) => (error.status, "report"),
    };
    form_page(
        &state,
        status,
        &visit,
        &article,
        mode,
        Some(&comment),
        |view| {
            if let Err(error) = sent {
                view.reasons = reasons(reason);
                view.note = note;
                view.error = Some(error.message);
            }
        },
    )
    .await
}
