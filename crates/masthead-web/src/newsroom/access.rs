//! Getting in without a password: a reset link by email, and accepting an invitation.
//!
//! Links carry a random token; the store keeps its SHA-256 (like sessions). Opening a
//! link only shows a form (mail scanners open links too); the token is used up when
//! the form is sent, in the same transaction that sets the password.

use super::desk::{Desk, NoDeskPage, Segments};
use super::login::{self, access_page, access_too_many, access_view};
use crate::mail::Letter;
use crate::{passwords, AppState, WebError};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::{
    check_letters, AttemptKind, AuditAction, NewAuditEntry, NewStaffToken, TokenPurpose,
    FAILURE_WINDOW,
};
use masthead_core::people::{normalize_email, NewPerson};
use masthead_render::letters::LetterAction;
use masthead_render::newsroom::AccessView;
use serde::Deserialize;

/// Where people ask for a reset link.
const FORGOT: &str = "/newsroom/reset";
/// What goes before the account key of a reset request in the failed-attempt counts
/// (so asking for links and failing logins have separate budgets per account).

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn forgot_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let view = access_view("forgot", FORGOT.to_owned());
    access_page(
        &state,
        &headers,
        StatusCode::OK,
        "Forgot your password",
        view,
    )
    .await
}

/// Sends a reset link if the email belongs to staff. The answer is the same either
/// way, and so is the work done before it (a token is stored for unknown emails too,
/// one that names no one); the letter leaves after the answer.
pub async fn forgot_submit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let email: String = normalize_email(&form.email).chars().take(254).collect();
    let (email_key, ip_key) = (format!("email:{email}"), format!("ip:{}", desk.ip));
    let since = now - FAILURE_WINDOW;
    let asked = check_letters(
        state
            .store
            .login_failures(AttemptKind::Reset, &email_key, since)
            .await?,
        state
            .store
            .login_failures(AttemptKind::Reset, &ip_key, since)
            .await?,
    );
    if let Err(until) = asked {
        let mut view = access_view("forgot", FORGOT.to_owned());
        view.email = email;
        return access_too_many(&state, &headers, "Forgot your password", view, now, until).await;
    }
    let store = &state.store;
    let person = store
        .person_credentials(&email)
        .await?
        .map(|(p, _)| p)
        .filter(|p| p.is_active());
    let token = crate::secrets::secret();
    store
        .create_staff_token(
            &NewStaffToken {
                token_hash: crate::secrets::token_hash(&token),
                purpose: TokenPurpose::Reset,
                person: person.as_ref().map(|p| p.id),
                email: email.clone(),
                name: String::new(),
                role: None,
                created_by: None,
                created_at: now,
            },
            None,
        )
        .await?;
    // Each request counts against the email's and the address's reset budgets (not
    // the sign-in's), so links cannot be used to flood a mailbox.
    store
        .record_login_failure(
            &[
                (AttemptKind::Reset, &email_key),
                (AttemptKind::Reset, &ip_key),
            ],
            now,
            Some(&NewAuditEntry {
                at: now,
                actor: person.as_ref().map(|p| p.id),
                action: AuditAction::PasswordResetAsked,
                target: email.clone(),
                ip: desk.ip.clone(),
            }),
        )
        .await?;
    if let Some(person) = person {
        let site = state.site.get(&*state.store).await?;
        let mut letter = crate::mail::view(&site.settings.title, &state.base_url);
        letter.greeting = format!("Hello {},", person.name);
        letter.before = vec![format!(
            "Someone, we hope you, asked to choose a new password for your account in the \
             newsroom of {}. The link works for an hour.",
            site.settings.title
        )];
        letter.action = Some(LetterAction {
            label: "Choose a new password".to_owned(),
            url: state.url(&format!("{FORGOT}/{token}")),
        });
        letter.after =
            vec!["If it was not you, ignore this email: your password stays as it is.".to_owned()];
        let subject = format!(
            "Choose a new password for the newsroom of {}",
            site.settings.title
        );
        state.mailer.send_later(Letter::compose(
            &state.theme,
            &person.name,
            &person.email,
            subject,
            &letter,
        )?);
    }
    let mut view = access_view("asked", FORGOT.to_owned());
    view.email = email;
    access_page(&state, &headers, StatusCode::OK, "Check your email", view).await
}

/// The page for a link that was used or has expired.
async fn gone(state: &AppState, headers: &HeaderMap) -> Result<Response, WebError> {
    let view = access_view("gone", String::new());
    access_page(
        state,
        headers,
        StatusCode::GONE,
        "Link no longer works",
        view,
    )
    .await
}

/// The form for a new password, if the link is still good.
pub async fn reset_form(
    State(state): State<AppState>,
    Segments(token, _): Segments<String, NoDeskPage>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let hash = crate::secrets::token_hash(&token);
    let found = state
        .store
        .staff_token(&hash, TokenPurpose::Reset, Utc::now())
        .await?;
    match found {
        Some(t) if t.person.is_some() => {
            let mut view = access_view("reset", format!("{FORGOT}/{token}"));
            view.email = t.email;
            access_page(
                &state,
                &headers,
                StatusCode::OK,
                "Choose a new password",
                view,
            )
            .await
        }
        _ => gone(&state, &headers).await,
    }
}

/// Sets the new password, ends every session of the account, and sends them to log in
/// (with their second step, if they use one).
pub async fn reset_submit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(token, _): Segments<String, NoDeskPage>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let hash = crate::secrets::token_hash(&token);
    let Some(found) = state
        .store
        .staff_token(&hash, TokenPurpose::Reset, now)
        .await?
        .filter(|t| t.person.is_some())
    else {
        return gone(&state, &headers).await;
    };
    if let Err(message) = passwords::check_choice(&form.password, &form.confirm) {
        let mut view = access_view("reset", format!("{FORGOT}/{token}"));
        view.email = found.email;
        view.error = Some(message);
        return access_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a new password",
            view,
        )
        .await;
    }
    let password_hash = passwords::hash_off_thread(form.password)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let audit = NewAuditEntry {
        at: now,
        actor: found.person,
        action: AuditAction::PasswordReset,
        target: found.email,
        ip: desk.ip.clone(),
    };
    match state
        .store
        .reset_password(&hash, &password_hash, now, &audit)
        .await?
    {
        Some(_) => Ok(Redirect::to("/newsroom/login?done=reset").into_response()),
        None => gone(&state, &headers).await,
    }
}

/// An invitation's form, filled in with what the invitation says.
fn invitation_view(token: &str, found: &masthead_core::auth::StaffToken) -> AccessView {
    let mut view = access_view("invitation", format!("/newsroom/invitation/{token}"));
    view.email = found.email.clone();
    view.name = found.name.clone();
    view.role_label = found.invited_role().label().to_owned();
    view
}

pub async fn invitation_form(
    State(state): State<AppState>,
    Segments(token, _): Segments<String, NoDeskPage>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let found = state
        .store
        .staff_token(
            &crate::secrets::token_hash(&token),
            TokenPurpose::Invitation,
            Utc::now(),
        )
        .await?;
    match found {
        Some(found) => {
            let view = invitation_view(&token, &found);
            access_page(&state, &headers, StatusCode::OK, "Join the newsroom", view).await
        }
        None => gone(&state, &headers).await,
    }
}

/// Adds the invited staff member with the password they chose, and signs them in.
pub async fn invitation_submit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(token, _): Segments<String, NoDeskPage>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let hash = crate::secrets::token_hash(&token);
    let Some(found) = state
        .store
        .staff_token(&hash, TokenPurpose::Invitation, now)
        .await?
    else {
        return gone(&state, &headers).await;
    };
    let name = form.name.trim().to_owned();
    let problem = if name.is_empty() {
        Some("Say how your name should appear in bylines.".to_owned())
    } else {
        passwords::check_choice(&form.password, &form.confirm).err()
    };
    if let Some(message) = problem {
        let mut view = invitation_view(&token, &found);
        view.name = name;
        view.error = Some(message);
        return access_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Join the newsroom",
            view,
        )
        .await;
    }
    let password_hash = passwords::hash_off_thread(form.password)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let person = NewPerson {
        name,
        email: found.email.clone(),
        role: found.invited_role(),
        bio: String::new(),
        job_title: String::new(),
        expertise: Vec::new(),
        social_links: Vec::new(),
        password_hash,
    };
    let audit = NewAuditEntry {
        at: now,
        actor: None,
        action: AuditAction::InvitationAccepted,
        target: found.email.clone(),
        ip: desk.ip.clone(),
    };
    let added = match state
        .store
        .accept_invitation(&hash, &person, now, &audit)
        .await
    {
        Ok(Some(added)) => added,
        Ok(None) => return gone(&state, &headers).await,
        // Someone with this email joined meanwhile (another invitation, the CLI).
        Err(masthead_core::Error::Conflict(message)) => {
            let mut view = invitation_view(&token, &found);
            view.name = person.name;
            view.error = Some(format!("{message}: log in instead."));
            return access_page(
                &state,
                &headers,
                StatusCode::CONFLICT,
                "Join the newsroom",
                view,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    login::begin_session(
        &state,
        &desk,
        &headers,
        &added,
        &added.email,
        now,
        "/newsroom/",
    )
    .await
}
