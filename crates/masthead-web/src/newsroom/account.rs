//! One's own account: the password and two-factor sign-in.

use super::desk::{chrome, Desk, NoticeParam};
use super::login::{audit, limited, too_many_message};
use crate::forms::Fields;
use crate::{passwords, two_factor, AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::{AttemptKind, AuditAction, SignInFailures, RECOVERY_CODES};
use masthead_core::people::Person;
use masthead_render::newsroom::{AccountView, TwoFactorSetupView};
use masthead_render::views::TimeView;
use serde::Deserialize;

/// What the account page shows besides its settings.
#[derive(Default)]
struct Said {
    /// The profile as typed, when it was refused.
    profile: Option<Fields>,
    notice: Option<String>,
    error: Option<String>,
    setup: Option<TwoFactorSetupView>,
    recovery_codes: Vec<String>,
}

impl Said {
    fn error(message: String) -> Self {
        Self {
            error: Some(message),
            ..Self::default()
        }
    }
}

/// The account page again (422), saying what was wrong.
async fn refused(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    said: Said,
) -> Result<Response, WebError> {
    page(state, desk, person, StatusCode::UNPROCESSABLE_ENTITY, said).await
}

async fn page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    said: Said,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Your account", "account").await?;
    let second = state.store.two_factor(person.id).await?;
    let profile =
        super::bylines::profile_fields(state, Some(person), said.profile.as_ref()).await?;
    let view = AccountView {
        profile,
        two_factor_on: second.is_some(),
        enabled_at: second
            .as_ref()
            .map(|s| TimeView::new(s.enabled_at, chrome.zone)),
        recovery_left: second.as_ref().map(|s| s.recovery_left).unwrap_or(0),
        setup: said.setup,
        recovery_codes: said.recovery_codes,
        notice: said.notice,
        error: said.error,
        chrome,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/account.html", &view)?),
    )
        .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let notice = match q.notice.as_deref() {
        Some("password") => Some("Password changed. Every other device is signed out."),
        Some("off") => Some("Two-factor sign-in is off. Your password alone signs you in."),
        Some("profile") => Some("Profile saved; your byline and author page show it now."),
        _ => None,
    };
    let said = Said {
        notice: notice.map(str::to_owned),
        ..Said::default()
    };
    page(&state, &desk, person, StatusCode::OK, said).await
}

/// Checks the signed-in person's password again before a change to how they sign in.
/// Wrong passwords count as failed logins (a borrowed session cannot guess on).
async fn confirm_password(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    typed: String,
) -> Result<Option<String>, WebError> {
    let now = Utc::now();
    let second_factor = state.store.two_factor(person.id).await?.is_some();
    if let Some(until) = limited(state, desk, &person.email, second_factor, now).await? {
        return Ok(Some(too_many_message(now, until).0));
    }
    let stored = state
        .store
        .person_credentials(&person.email)
        .await?
        .map(|(_, hash)| hash);
    if passwords::verify_off_thread(typed, stored).await {
        return Ok(None);
    }
    let keys = SignInFailures::keys(&person.email, &desk.ip);
    let keys: Vec<(AttemptKind, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    state
        .store
        .record_login_failure(
            &keys,
            now,
            Some(&audit(now, person, AuditAction::LoginFailed, &desk.ip)),
        )
        .await?;
    Ok(Some("That is not your current password.".to_owned()))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// A new password; every other session of the person ends.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<PasswordChange>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let problem = match passwords::check_choice(&form.password, &form.confirm) {
        Err(message) => Some(message),
        Ok(()) => confirm_password(&state, &desk, person, form.current).await?,
    };
    if let Some(error) = problem {
        return refused(&state, &desk, person, Said::error(error)).await;
    }
    let hash = passwords::hash_off_thread(form.password)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let keep = desk
        .session
        .as_ref()
        .map(|s| s.token_hash.clone())
        .unwrap_or_default();
    state
        .store
        .change_password(
            person.id,
            &hash,
            &keep,
            &audit(Utc::now(), person, AuditAction::PasswordChanged, &desk.ip),
        )
        .await?;
    Ok(Redirect::to("/newsroom/account?notice=password").into_response())
}

/// The setup panel for `secret`: QR code and key.
async fn setup_view(
    state: &AppState,
    person: &Person,
    secret: String,
) -> Result<TwoFactorSetupView, WebError> {
    let site = state.site.get(&*state.store).await?;
    let issuer = format!("{} newsroom", site.settings.title);
    let qr_svg = two_factor::qr_svg(&secret, &issuer, &person.email)
        .ok_or_else(|| WebError::internal("cannot draw the sign-in key's QR code"))?;
    Ok(TwoFactorSetupView {
        secret_spaced: two_factor::spaced(&secret),
        secret,
        qr_svg,
    })
}

/// Starts turning two-factor sign-in on: a new secret to scan, nothing stored until
/// a code from it confirms the app has it.
pub async fn setup(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let said = Said {
        setup: Some(setup_view(&state, person, two_factor::new_secret()).await?),
        ..Said::default()
    };
    page(&state, &desk, person, StatusCode::OK, said).await
}

#[derive(Deserialize)]
pub struct EnableForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// Turns two-factor sign-in on once a code from the app matches; shows the recovery
/// codes, once.
pub async fn enable(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<EnableForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let secret = form.secret.trim().to_owned();
    // Who changes how an account signs in proves they know its password: a borrowed
    // session cannot put its own authenticator (and recovery codes) in place.
    let checked = match confirm_password(&state, &desk, person, form.password).await? {
        Some(error) => Err(error),
        None => two_factor::check(&secret, &form.code, two_factor::now()).ok_or_else(|| {
            "That code does not match. Check that the app shows this newsroom's key and type its current code."
                .to_owned()
        }),
    };
    let step = match checked {
        Ok(step) => step,
        Err(error) => {
            // The same key is offered again, unless what came back is not a key.
            let setup = if two_factor::is_secret(&secret) {
                Some(setup_view(&state, person, secret).await?)
            } else {
                None
            };
            let said = Said {
                setup,
                ..Said::error(error)
            };
            return refused(&state, &desk, person, said).await;
        }
    };
    let codes = two_factor::new_recovery_codes(RECOVERY_CODES);
    let hashes: Vec<String> = codes.iter().map(|c| two_factor::recovery_hash(c)).collect();
    state
        .store
        .enable_two_factor(
            person.id,
            &secret,
            step,
            &hashes,
            &audit(Utc::now(), person, AuditAction::TwoFactorOn, &desk.ip),
        )
        .await?;
    let said = Said {
        notice: Some(
            "Two-factor sign-in is on. From now on, signing in asks for a code from your app."
                .to_owned(),
        ),
        recovery_codes: codes,
        ..Said::default()
    };
    page(&state, &desk, person, StatusCode::OK, said).await
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
}

/// Turns two-factor sign-in off, after the password is confirmed.
pub async fn disable(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<DisableForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    if let Some(error) = confirm_password(&state, &desk, person, form.password).await? {
        return refused(&state, &desk, person, Said::error(error)).await;
    }
    state
        .store
        .disable_two_factor(
            person.id,
            &audit(Utc::now(), person, AuditAction::TwoFactorOff, &desk.ip),
        )
        .await?;
    Ok(Redirect::to("/newsroom/account?notice=off").into_response())
}

/// One's own name, biography, subjects, links and photo.
pub async fn save_profile(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let outcome = async {
        let profile = super::bylines::profile_from(&state, &form).await?;
        let entry = audit(Utc::now(), person, AuditAction::ProfileChanged, &desk.ip);
        state
            .store
            .update_profile(person.id, &profile, &entry)
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/newsroom/account?notice=profile").into_response()),
        Err(masthead_core::Error::Invalid(errors)) => {
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            let said = Said {
                profile: Some(form),
                ..Said::error(messages.join("; "))
            };
            refused(&state, &desk, person, said).await
        }
        Err(e) => Err(e.into()),
    }
}
