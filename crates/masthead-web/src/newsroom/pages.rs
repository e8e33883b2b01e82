//! The newsroom's pages: the dashboard and the audit log.

use super::desk::{chrome, desk_error, Desk};
use crate::paging::PageParam;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use masthead_core::article::Status;
use masthead_core::people::Role;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_render::newsroom::{AuditView, DashboardView, DeskList, NotificationView};

/// Articles shown per dashboard list.
const DESK_LIST: u32 = 8;
/// Audit log entries per page.
const AUDIT_PAGE: u32 = 50;

pub async fn dashboard(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(&state, &desk, person, "Dashboard", "dashboard").await?;
    let zone = chrome.zone;
    // Editors and admins watch the whole desk; others their own articles.
    let mine = ArticleFilter::Author(person.id);
    let desk_scope = if person.role.at_least(Role::Editor) {
        ArticleFilter::All
    } else {
        mine
    };
    let lists = [
        (
            "My drafts",
            "No drafts: a fresh start.",
            mine,
            Status::Draft,
        ),
        (
            "In review",
            "Nothing waiting for review.",
            desk_scope,
            Status::InReview,
        ),
        (
            "Scheduled",
            "Nothing scheduled.",
            desk_scope,
            Status::Scheduled,
        ),
        (
            "Recently published",
            "Nothing published yet.",
            ArticleFilter::All,
            Status::Published,
        ),
    ];
    let mut views = Vec::with_capacity(lists.len());
    for (heading, empty, filter, status) in lists {
        let page = state
            .store
            .list_articles(&ArticleQuery {
                filter,
                status: Some(status),
                page: PageRequest::numbered(1, DESK_LIST),
            })
            .await?;
        views.push(DeskList::new(heading, empty, &page, status, zone));
    }
    let moderation = if person.role.at_least(Role::Editor) {
        Some(state.store.queue_counts().await?)
    } else {
        None
    };
    let notifications = state
        .store
        .notifications(person.id, DESK_LIST)
        .await?
        .iter()
        .map(|n| NotificationView::new(n, zone))
        .collect();
    let view = DashboardView::new(chrome, chrono::Utc::now(), views, moderation, notifications);
    Ok(Html(state.theme.render("newsroom/dashboard.html", &view)?).into_response())
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(p): Query<PageParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(&state, &desk, person, "Audit log", "audit").await?;
    let Some(number) = p.number() else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "The audit log has no page by that number.",
        )
        .await);
    };
    let log = state
        .store
        .audit_log(PageRequest::numbered(number, AUDIT_PAGE))
        .await?;
    if log.items.is_empty() && number > 1 {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "The audit log has no page by that number.",
        )
        .await);
    }
    let view = AuditView::new(chrome, &log);
    Ok(Html(state.theme.render("newsroom/audit.html", &view)?).into_response())
}
