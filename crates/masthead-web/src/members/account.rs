//! The member's account page: their names, newsletters and reply letters; a new email
//! address, confirmed from that address; their data to download; and deleting the
//! account.

use super::{safe_return, session_cookie, Visit};
use crate::chrome::chrome;
use crate::forms::{all, one, Fields};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::member::{AccountUpdate, LinkPurpose, NewMemberLink};
use masthead_core::people::{is_plausible_email, normalize_email};
use masthead_render::views::{
    AccountView, NewsletterChoice, PasskeyView, PlanView, SignedInView, TimeView,
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AccountParams {
    notice: Option<String>,
    welcome: Option<String>,
    return_to: Option<String>,
}

/// What a notice word says on the account page.
fn notice_text(word: &str) -> Option<&'static str> {
    Some(match word {
        "saved" => "Your changes are saved.",
        "email_sent" => {
            "We sent a link to your new address. Open it within 15 minutes, in this browser, \
             to confirm the change."
        }
        "email_changed" => "Your new email address is confirmed.",
        "passkey_added" => "Your passkey is added: sign in with it next time.",
        "passkey_removed" => "The passkey is removed.",
        "signed_out_others" => "You are signed out everywhere but here.",
        _ => return None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Query(q): Query<AccountParams>,
) -> Result<Response, WebError> {
    let mut view = account_view(&state, &visit, None).await?;
    view.notice = q.notice.as_deref().and_then(notice_text).map(str::to_owned);
    view.welcome = q.welcome.is_some();
    view.return_to = safe_return(q.return_to.as_deref().unwrap_or("/"));
    page(&state, StatusCode::OK, &view)
}

/// The account page as stored, or with the `update` just sent (shown again with its
/// errors).
async fn account_view(
    state: &AppState,
    visit: &Visit,
    update: Option<&AccountUpdate>,
) -> Result<AccountView, WebError> {
    let session = visit.signed_in()?;
    let member = &session.owner;
    let standing = state
        .store
        .standing(member.id)
        .await?
        .ok_or_else(|| WebError::from(masthead_core::Error::Unauthenticated))?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = chrome(state, super::ACCOUNT).await?.chrome;
    chrome.meta.title = "Your account".to_owned();
    chrome.meta.robots = Some("noindex");
    let zone = chrome.zone;
    let (name, comment_name, reply_letters, chosen) = match update {
        Some(u) => (
            u.name.clone(),
            u.comment_name.clone(),
            u.reply_letters,
            u.newsletters.clone(),
        ),
        None => (
            member.name.clone(),
            standing.comment_name.clone(),
            standing.reply_letters,
            standing.newsletters.clone(),
        ),
    };
    Ok(AccountView {
        chrome,
        csrf: visit.csrf(),
        email: member.email.clone(),
        name,
        comment_name,
        reply_letters,
        newsletters: site
            .settings
            .newsletters
            .iter()
            .map(|n| NewsletterChoice {
                slug: n.slug.clone(),
                name: n.name.clone(),
                description: n.description.clone(),
                chosen: chosen.contains(&n.slug),
            })
            .collect(),
        joined: TimeView::new(standing.joined_at, zone),
        passkeys_offered: state.passkeys.is_some(),
        passkeys: state
            .store
            .passkeys(member.id)
            .await?
            .into_iter()
            .map(|p| PasskeyView {
                id: p.id.0,
                name: p.name,
                added: TimeView::new(p.created_at, zone),
                last_used: p.last_used_at.map(|t| TimeView::new(t, zone)),
            })
            .collect(),
        signed_in: {
            let mut all = state
                .store
                .member_sessions(member.id, &session.token_hash, Utc::now())
                .await?;
            all.sort_by_key(|s| !s.current);
            all.into_iter()
                .map(|s| SignedInView {
                    browser: browser_of(&s.session.user_agent),
                    since: TimeView::new(s.session.created_at, zone),
                    last_used: TimeView::new(s.session.last_seen_at, zone),
                    current: s.current,
                })
                .collect()
        },
        welcome: false,
        return_to: "/".to_owned(),
        notice: None,
        errors: Vec::new(),
        plans: plans(state, member.id, zone).await?,
        manage_plans: state.payments.is_some()
            && state.store.member_customer(member.id).await?.is_some(),
    })
}

/// A member's plans not yet ended, as their account page lists them.
async fn plans(
    state: &AppState,
    member: masthead_core::ids::MemberId,
    zone: chrono_tz::Tz,
) -> Result<Vec<PlanView>, WebError> {
    use masthead_core::payments::Purpose;
    use masthead_core::tier::{display_price, Cadence};
    let tiers = state.store.tiers(true).await?;
    Ok(state
        .store
        .member_subscriptions(member)
        .await?
        .into_iter()
        .filter(|s| !s.ended())
        .map(|s| {
            let name = match (s.purpose, s.tier) {
                (Purpose::Donation, _) => "A monthly gift".to_owned(),
                (Purpose::Membership, tier) => tiers
                    .iter()
                    .find(|t| Some(t.id) == tier)
                    .map_or_else(|| "Membership".to_owned(), |t| t.name.clone()),
            };
            let per = match s.cadence {
                Cadence::Month => "a month",
                Cadence::Year => "a year",
            };
            PlanView {
                what: format!("{name}, {} {per}", display_price(s.amount, &s.currency)),
                status: s.status.label().to_owned(),
                ending: s.cancel_at_period_end,
                period_end: TimeView::new(s.period_end, zone),
            }
        })
        .collect())
}

/// "Firefox on Linux", from what a browser called itself (`woothee`).
fn browser_of(user_agent: &str) -> String {
    let unknown = |s: &str| s.is_empty() || s == woothee::woothee::VALUE_UNKNOWN;
    match woothee::parser::Parser::new().parse(user_agent) {
        Some(found) if !unknown(found.name) && !unknown(found.os) => {
            format!("{} on {}", found.name, found.os)
        }
        Some(found) if !unknown(found.name) => found.name.to_owned(),
        _ => "A browser that did not say which".to_owned(),
    }
}

/// Signs the member out of every browser but this one.
pub async fn sign_out_others(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, WebError> {
    let session = visit.signed_in()?;
    state
        .store
        .end_other_member_sessions(session.owner.id, &session.token_hash)
        .await?;
    Ok(Redirect::to(&format!("{}?notice=signed_out_others", super::ACCOUNT)).into_response())
}

fn page(state: &AppState, status: StatusCode, view: &AccountView) -> Result<Response, WebError> {
    Ok((status, Html(state.theme.render("account.html", view)?)).into_response())
}

/// Saves names, newsletters and reply letters.
pub async fn save(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let site = state.site.get(&*state.store).await?;
    // Only newsletters on offer are kept, whatever the form sent.
    let newsletters = all(&fields, "newsletters")
        .filter(|slug| site.settings.newsletters.iter().any(|n| n.slug == *slug))
        .map(str::to_owned)
        .collect();
    let update = AccountUpdate {
        name: one(&fields, "name").trim().to_owned(),
        comment_name: one(&fields, "comment_name").trim().to_owned(),
        newsletters,
        reply_letters: one(&fields, "reply_letters") == "yes",
    };
    if let Err(masthead_core::Error::Invalid(errors)) = update.validate() {
        let mut view = account_view(&state, &visit, Some(&update)).await?;
        view.errors = errors
            .iter()
            .map(|e| (e.field.to_owned(), e.message.clone()))
            .collect();
        return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    state
        .store
        .update_account(member.id, &update, Utc::now())
        .await?;
    let return_to = one(&fields, "return_to");
    if one(&fields, "welcome") == "yes" {
        return Ok(Redirect::to(&safe_return(return_to)).into_response());
    }
    Ok(Redirect::to(&format!("{}?notice=saved", super::ACCOUNT)).into_response())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// Sends a link to the new address; the address changes when it is opened there, in
/// this browser (posted under `/signin`, so the browser's secret comes along).
pub async fn change_email(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let member = &visit.signed_in()?.owner;
    let email: String = normalize_email(&form.email).chars().take(254).collect();
    let error = if !is_plausible_email(&email) {
        Some("Enter the new address, like name@example.com.")
    } else if email == member.email {
        Some("That is already your address.")
    } else {
        None
    };
    if let Some(error) = error {
        let mut view = account_view(&state, &visit, None).await?;
        view.errors = vec![("email".to_owned(), error.to_owned())];
        return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let link = NewMemberLink {
        token_hash: String::new(),
        purpose: LinkPurpose::EmailChange,
        email,
        member: Some(member.id),
        browser_hash: visit.browser_hash(),
        return_to: super::ACCOUNT.to_owned(),
        created_at: now,
    };
    if let Some(until) = super::signin::send_link(&state, &visit, link, now).await? {
        let (_, minutes) = masthead_core::auth::wait_until(now, until);
        let mut view = account_view(&state, &visit, None).await?;
        view.errors = vec![(
            "email".to_owned(),
            format!("We have sent several links lately. Ask again in {minutes} minutes."),
        )];
        return page(&state, StatusCode::TOO_MANY_REQUESTS, &view);
    }
    Ok(Redirect::to(&format!("{}?notice=email_sent", super::ACCOUNT)).into_response())
}

/// Everything stored about the member, as a JSON file to keep.
pub async fn data(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    let data = state
        .store
        .member_data(member.id)
        .await?
        .ok_or_else(|| WebError::from(masthead_core::Error::Unauthenticated))?;
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| WebError::internal(&format!("cannot write member data: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"my-account.json\""),
            ),
        ],
        json,
    )
        .into_response())
}

/// Deletes the account, once the member ticked that they mean it.
/// Ends a leaving member's plans at the payment provider, so that nothing more is
/// charged; if it cannot be reached, the account is kept (a 503 saying so) rather than
/// deleted with its plans still running.
async fn end_plans(state: &AppState, member: masthead_core::ids::MemberId) -> Result<(), WebError> {
    let running: Vec<_> = state
        .store
        .member_subscriptions(member)
        .await?
        .into_iter()
        .filter(|s| !s.ended())
        .collect();
    if running.is_empty() {
        return Ok(());
    }
    let refused = || {
        WebError::unavailable(
            "Your plan could not be stopped at the payment service just now, so your account \
             is kept for the moment. Try again in a few minutes.",
        )
    };
    let payments = state.payments.as_ref().ok_or_else(refused)?;
    for s in running {
        payments.cancel(&s.reference).await.map_err(|e| {
            tracing::warn!(error = %e, subscription = s.reference, "could not end a plan");
            refused()
        })?;
    }
    Ok(())
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let member = &visit.signed_in()?.owner;
    if one(&fields, "confirm") != "yes" {
        let mut view = account_view(&state, &visit, None).await?;
        view.errors = vec![(
            "confirm".to_owned(),
            "Tick the box to say you want your account deleted.".to_owned(),
        )];
        return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    end_plans(&state, member.id).await?;
    state.store.delete_member(member.id, Utc::now()).await?;
    let mut response = Redirect::to("/signin?done=deleted").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(response)
}
