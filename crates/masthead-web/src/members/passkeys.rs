//! Members' passkeys: adding one on the account page, removing it, and signing in
//! with one. Each ceremony is two JSON requests made by `passkeys.js` (WebAuthn needs
//! the browser's script): `start` keeps the challenge's state in the store under a
//! token the page holds, `finish` takes it back, once, and checks the browser's
//! answer (`crate::passkeys`). A ceremony is finished only by who began it: the same
//! browser (signing in) or the same session (adding).
//!
//! Without script, or where the site's address allows no passkeys, the pages offer
//! none; the emailed link always works.

use super::{safe_return, Visit};
use crate::mail::Letter;
use crate::passkeys::Passkeys;
use crate::{ApiError, AppState, WebError};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use chrono::Utc;
use masthead_core::ids::PasskeyId;
use masthead_core::member::{CeremonyPurpose, Member, NewCeremony, NewPasskey};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The largest answer a browser sends (an attestation with its certificates is a few
/// kilobytes).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What the page says when an answer does not check out (why is logged).
const REFUSED: &str = "That passkey did not work here. Try again, or sign in with an emailed link.";

fn offered(state: &AppState) -> Result<Arc<Passkeys>, ApiError> {
    state.passkeys.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Passkeys are not offered at this address.",
        )
    })
}

/// Keeps a ceremony's `state` for `holder` and answers the browser its options and
/// the ceremony's token.
async fn begin(
    state: &AppState,
    purpose: CeremonyPurpose,
    member: Option<&Member>,
    holder_hash: String,
    options: Value,
    kept: String,
    return_to: String,
) -> Result<Json<Value>, ApiError> {
    let token = crate::secrets::secret();
    state
        .store
        .start_ceremony(&NewCeremony {
            token_hash: crate::secrets::token_hash(&token),
            purpose,
            member: member.map(|m| m.id),
            holder_hash,
            state: kept,
            return_to,
            created_at: Utc::now(),
        })
        .await?;
    Ok(Json(json!({ "ceremony": token, "options": options })))
}

/// The kept state of the ceremony whose token the browser sent back, if it is one
/// `holder_hash` began for `purpose` and it has not expired or been used.
async fn take(
    state: &AppState,
    token: &str,
    purpose: CeremonyPurpose,
    holder_hash: &str,
) -> Result<masthead_core::member::Ceremony, ApiError> {
    let gone = || {
        ApiError::new(
            StatusCode::GONE,
            "This took too long or was already used. Try again.",
        )
    };
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let hash = crate::secrets::token_hash(token);
    state
        .store
        .take_ceremony(&hash, holder_hash, purpose, Utc::now())
        .await?
        .ok_or_else(gone)
}

fn refused(why: crate::passkeys::Refused) -> ApiError {
    tracing::info!(reason = %why.0, "passkey answer refused");
    ApiError::new(StatusCode::FORBIDDEN, REFUSED)
}

/// `POST /account/passkeys/start`: options to make a passkey for this member.
pub async fn add_start(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
) -> Result<Json<Value>, ApiError> {
    let site = offered(&state)?;
    let session = visit.signed_in()?;
    let member = &session.owner;
    let theirs = state.store.passkeys(member.id).await?;
    if theirs.len() >= masthead_core::member::MAX_PASSKEYS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "You have {} passkeys, the most one account may keep: remove one first.",
                masthead_core::member::MAX_PASSKEYS
            ),
        ));
    }
    // One handle for all of a member's passkeys, so that an authenticator holding
    // several of ours keeps one entry for them.
    let handle = theirs
        .first()
        .map(|p| p.user_handle.clone())
        .unwrap_or_else(crate::passkeys::new_handle);
    let existing: Vec<String> = theirs.iter().map(|p| p.credential_id.clone()).collect();
    let (options, kept) = site
        .start_adding(&handle, &member.email, &member.name, &existing)
        .map_err(refused)?;
    begin(
        &state,
        CeremonyPurpose::AddPasskey,
        Some(member),
        session.token_hash.clone(),
        options,
        kept,
        super::ACCOUNT.to_owned(),
    )
    .await
}

#[derive(Deserialize)]
pub struct AddAnswer {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: Value,
}

/// `POST /account/passkeys`: the browser's new passkey, checked and kept.
pub async fn add_finish(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Json(answer): Json<AddAnswer>,
) -> Result<Json<Value>, ApiError> {
    let site = offered(&state)?;
    let session = visit.signed_in()?;
    let member = &session.owner;
    let ceremony = take(
        &state,
        &answer.ceremony,
        CeremonyPurpose::AddPasskey,
        &session.token_hash,
    )
    .await?;
    if ceremony.member != Some(member.id) {
        return Err(ApiError::new(
            StatusCode::GONE,
            "This took too long or was already used. Try again.",
        ));
    }
    let added = site
        .finish_adding(&answer.credential, &ceremony.state)
        .map_err(refused)?;
    let name = if answer.name.trim().is_empty() {
        "Passkey".to_owned()
    } else {
        answer.name
    };
    let passkey = state
        .store
        .add_passkey(&NewPasskey {
            member: member.id,
            credential_id: added.credential_id,
            user_handle: added.handle,
            name,
            key: added.key,
            created_at: Utc::now(),
        })
        .await?;
    tell_passkey_added(&state, member, &passkey.name).await?;
    Ok(Json(json!({
        "to": format!("{}?notice=passkey_added#passkeys", super::ACCOUNT)
    })))
}

/// Tells the member a passkey was added, so that one they did not add does not go
/// unnoticed.
async fn tell_passkey_added(state: &AppState, member: &Member, name: &str) -> Result<(), WebError> {
    let site = state.site.get(&*state.store).await?;
    let title = &site.settings.title;
    let mut letter = crate::mail::view(title, &state.base_url);
    letter.greeting = "Hello,".to_owned();
    letter.before = vec![format!(
        "A passkey named “{name}” was added to your account with {title}. It signs you in \
         without an emailed link, on the device that holds it."
    )];
    letter.after = vec![format!(
        "If you did not add it, remove it on your account page ({}/account#passkeys) and \
         write to us: someone may have used your account.",
        state.base_url
    )];
    let letter = Letter::compose(
        &state.theme,
        &member.name,
        &member.email,
        format!("A passkey was added to your account with {title}"),
        &letter,
    )?;
    state.mailer.send_later(letter);
    Ok(())
}

/// `POST /account/passkeys/{id}/remove` (a plain form).
pub async fn remove(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    if !state.store.remove_passkey(member.id, PasskeyId(id)).await? {
        return Err(masthead_core::Error::not_found("passkey").into());
    }
    Ok(Redirect::to(&format!(
        "{}?notice=passkey_removed#passkeys",
        super::ACCOUNT
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct SignInStart {
    #[serde(default)]
    return_to: String,
}

/// `POST /signin/passkey/start`: options to sign in with any passkey of this site.
pub async fn sign_in_start(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Json(start): Json<SignInStart>,
) -> Result<Json<Value>, ApiError> {
    let site = offered(&state)?;
    let (options, kept) = site.start_sign_in().map_err(refused)?;
    begin(
        &state,
        CeremonyPurpose::SignIn,
        None,
        visit.browser_hash(),
        options,
        kept,
        safe_return(&start.return_to),
    )
    .await
}

#[derive(Deserialize)]
pub struct SignInAnswer {
    ceremony: String,
    credential: Value,
}

/// `POST /signin/passkey`: the browser's signed challenge; a session when it checks
/// out, for the member whose passkey signed it.
pub async fn sign_in_finish(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Json(answer): Json<SignInAnswer>,
) -> Result<Response, ApiError> {
    let site = offered(&state)?;
    let ceremony = take(
        &state,
        &answer.ceremony,
        CeremonyPurpose::SignIn,
        &visit.browser_hash(),
    )
    .await?;
    let (credential_id, handle) = site.named_in(&answer.credential).map_err(refused)?;
    let unknown = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "This passkey is not on any account here (was it removed?). Sign in with an \
             emailed link, then add it again.",
        )
    };
    let passkey = state
        .store
        .passkey_by_credential(&credential_id)
        .await?
        .ok_or_else(unknown)?;
    if passkey.user_handle != handle {
        return Err(unknown());
    }
    let key = site
        .finish_sign_in(&answer.credential, &ceremony.state, &passkey.key)
        .map_err(refused)?;
    let now = Utc::now();
    state.store.passkey_used(passkey.id, &key, now).await?;
    let member = state
        .store
        .member(passkey.member)
        .await?
        .ok_or_else(unknown)?;
    let cookie = super::signin::start_session(&state, &visit, &headers, &member, now).await?;
    let to = super::signin::signed_in_to(false, &ceremony.return_to);
    let mut response = Json(json!({ "to": to })).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
