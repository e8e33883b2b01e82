//! The newsroom's side of the staff guard (`crate::staff`): what a refused request
//! sees (a themed page, or the login form), and the newsroom's page chrome.

use crate::staff::{self, Access, Refusal};
use crate::{AppState, WebError};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::people::Person;
use masthead_render::newsroom::{DeskChrome, DeskErrorView};

pub use crate::forms::NoticeParam;
pub use crate::segments::Segments;
pub use crate::staff::Desk;

/// The chrome of `person`'s staff page titled `title`, with `current` marked in the
/// navigation and their unread notifications.
pub async fn chrome(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    title: &str,
    current: &'static str,
) -> Result<DeskChrome, WebError> {
    let site = state.site.get(&*state.store).await?;
    let mut chrome = DeskChrome::new(&site.settings, title, Some(person), desk.csrf());
    chrome.unread = desk.unread;
    chrome.current = current;
    Ok(chrome)
}

/// A form's change refused, as the page shown again says it: 422 with each field's
/// problem for a bad form, 409 for an address or code in use, 404 for no such thing;
/// any other error is the request's.
pub fn form_refusal(error: masthead_core::Error) -> Result<(StatusCode, String), WebError> {
    use masthead_core::Error;
    match error {
        Error::Invalid(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Error::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        Error::NotFound(m) => Ok((StatusCode::NOT_FOUND, format!("No such {m}."))),
        e => Err(e.into()),
    }
}

/// A settings change's outcome (`result`: what changed, for the audit log, or why it
/// was refused): done, it is audited as `person`'s settings change and the answer is
/// the way on to `done`; refused, the status and words for the caller to show on its
/// page again (see `form_refusal`).
pub async fn audited(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    result: Result<String, masthead_core::Error>,
    done: &str,
) -> Result<Result<Response, (StatusCode, String)>, WebError> {
    match result {
        Ok(target) => {
            state
                .store
                .record_audit(&masthead_core::auth::NewAuditEntry {
                    at: chrono::Utc::now(),
                    actor: Some(person.id),
                    action: masthead_core::auth::AuditAction::SettingsChanged,
                    target,
                    ip: desk.ip.clone(),
                })
                .await?;
            Ok(Ok(Redirect::to(done).into_response()))
        }
        Err(e) => Ok(Err(form_refusal(e)?)),
    }
}

/// The newsroom's "no such page", for `Segments` that cannot be what a route expects.
pub struct NoDeskPage;

impl crate::segments::Missing for NoDeskPage {
    async fn page(state: &AppState, parts: &axum::http::request::Parts) -> WebError {
        let person = parts.extensions.get::<Desk>().and_then(Desk::person);
        desk_error(
            state,
            StatusCode::NOT_FOUND,
            person,
            "No such page",
            "There is nothing at this address in the newsroom.",
        )
        .await
    }
}

/// The guard in front of every newsroom route (see `super::routes`).
pub async fn guard(
    State((state, access)): State<(AppState, Access)>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match staff::check(&state, access, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refused(&state, refusal).await,
    };
    // Staff pages are private (their framing rules and the rest of the security
    // headers come with every newsroom answer, see `security`).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refused request as the newsroom answers it.
async fn refused(state: &AppState, refusal: Refusal) -> Response {
    match refusal {
        Refusal::SignIn {
            next,
            changes_state,
        } => log_in_first(state, &next, changes_state).await,
        Refusal::CrossSite => {
            refuse(
                state,
                None,
                "This request did not come from the newsroom's own pages.",
            )
            .await
        }
        Refusal::StaleForm { person } => {
            refuse(
                state,
                person.as_ref(),
                "The form had expired or did not come from this newsroom. Go back, reload the page and try again.",
            )
            .await
        }
        Refusal::Role { person, needed } => desk_error(
            state,
            StatusCode::FORBIDDEN,
            Some(&person),
            "Not for your role",
            &format!(
                "This part of the newsroom is for the {} role and above; you are signed in as {}.",
                needed.label().to_lowercase(),
                person.role.label().to_lowercase()
            ),
        )
        .await
        .into_response(),
        Refusal::BadForm(bad) => {
            desk_error(state, bad.status, None, "Form refused", bad.message)
                .await
                .into_response()
        }
        Refusal::Internal(e) => WebError::from(e).into_response(),
    }
}

/// No session: pages send the reader to the login form (and back after); anything
/// else is refused.
async fn log_in_first(state: &AppState, next: &str, changes_state: bool) -> Response {
    if !changes_state {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
        return Redirect::to(&format!("/newsroom/login?{query}")).into_response();
    }
    desk_error(
        state,
        StatusCode::UNAUTHORIZED,
        None,
        "Please log in",
        "Your session has ended. Log in again, then repeat what you were doing.",
    )
    .await
    .into_response()
}

async fn refuse(state: &AppState, person: Option<&Person>, message: &str) -> Response {
    desk_error(
        state,
        StatusCode::FORBIDDEN,
        person,
        "Request refused",
        message,
    )
    .await
    .into_response()
}

/// A newsroom page that says what went wrong, as an error handlers return with `?`
/// (without a page when even the page cannot be made: the message is then shown).
pub async fn desk_error(
    state: &AppState,
    status: StatusCode,
    person: Option<&Person>,
    heading: &str,
    message: &str,
) -> WebError {
    let page = match state.site.get(&*state.store).await {
        Ok(site) => {
            let view = DeskErrorView {
                chrome: DeskChrome::new(&site.settings, heading, person, ""),
                heading: heading.to_owned(),
                message: message.to_owned(),
            };
            state.theme.render("newsroom/error.html", &view).ok()
        }
        Err(_) => None,
    };
    WebError {
        status,
        message: message.to_owned(),
        page,
    }
}
