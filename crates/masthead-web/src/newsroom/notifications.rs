//! Staff's notifications in the newsroom (`core::notification`): the inbox, the
//! choices of how to hear of each event, and notes on a story that mention people.
//! The letters go from `crate::notifications`.

use super::articles::{actor, messages};
use super::desk::{chrome, desk_error, Desk, NoDeskPage, NoticeParam, Segments};
use crate::forms::{one, Fields};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::ids::ArticleId;
use masthead_core::notification::{Choices, Event, Ways};
use masthead_core::Error;
use masthead_render::newsroom::{NotificationChoiceView, NotificationView, NotificationsView};

/// Notifications the inbox shows.
const SHOWN: u32 = 100;

/// The inbox: the newest notifications (those unread marked, then marked read) and
/// the choices.
pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(&state, &desk, person, "Notifications", "notifications").await?;
    let zone = chrome.zone;
    let items = state.store.notifications(person.id, SHOWN).await?;
    let choices = state
        .store
        .notification_choices(&[person.id])
        .await?
        .remove(&person.id)
        .unwrap_or_default();
    if items.iter().any(|n| n.read_at.is_none()) {
        state
            .store
            .read_notifications(person.id, Utc::now())
            .await?;
    }
    let view = NotificationsView {
        chrome,
        items: items
            .iter()
            .map(|n| NotificationView::new(n, zone))
            .collect(),
        choices: Event::ALL
            .iter()
            // Only editors hear of submissions.
            .filter(|e| {
                **e != Event::Submitted || person.role.at_least(masthead_core::people::Role::Editor)
            })
            .map(|e| {
                let ways = choices.ways(*e);
                NotificationChoiceView {
                    event: e.as_str(),
                    label: e.label(),
                    inbox: ways.inbox,
                    email: ways.email,
                }
            })
            .collect(),
        notice: (q.notice.as_deref() == Some("saved"))
            .then(|| "Your choices are saved.".to_owned()),
    };
    Ok(Html(state.theme.render("newsroom/notifications.html", &view)?).into_response())
}

/// Saves how the signed-in person hears of each event (a box not ticked is a way
/// not wanted).
pub async fn choose(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let ticked =
        |way: &str, event: Event| one(&fields, &format!("{way}-{}", event.as_str())) == "1";
    let choices = Choices(
        Event::ALL
            .iter()
            .map(|e| {
                (
                    *e,
                    Ways {
                        inbox: ticked("inbox", *e),
                        email: ticked("email", *e),
                    },
                )
            })
            .collect(),
    );
    state
        .store
        .set_notification_choices(person.id, &choices)
        .await?;
    Ok(Redirect::to("/newsroom/notifications?notice=saved").into_response())
}

/// A note on a story; the people it mentions are told.
pub async fn note(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(WebError::not_found());
    };
    match state
        .newsroom
        .from_address(&desk.ip)
        .add_note(
            actor(person),
            ArticleId(id),
            one(&fields, "note"),
            Utc::now(),
        )
        .await
    {
        Ok(()) => {
            state.dispatch.ring_letters();
            Ok(
                Redirect::to(&format!("/newsroom/articles/{id}?notice=noted#notes"))
                    .into_response(),
            )
        }
        Err(Error::NotFound(_)) => Err(WebError::not_found()),
        Err(e) => {
            let status = match e {
                Error::Forbidden(_) => StatusCode::FORBIDDEN,
                Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => return Err(e.into()),
            };
            Err(desk_error(
                &state,
                status,
                Some(person),
                "The note was not added",
                &messages(e),
            )
            .await)
        }
    }
}
