//! Signing in and up by an emailed link, and signing out. Asking for a link answers
//! the same, after the same work, whether or not the email has an account: the link
//! makes the account when it is opened (`MemberStore::use_member_link`), and the
//! letter leaves after the answer.

use super::{safe_return, session_cookie, Visit, SIGN_IN};
use crate::chrome::chrome;
use crate::mail::Letter;
use crate::oidc;
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use masthead_core::auth::{check_letters, AttemptKind, FAILURE_WINDOW};
use masthead_core::member::{LinkPurpose, LinkUse, Member, NewMemberLink};
use masthead_core::people::{is_plausible_email, normalize_email};
use masthead_render::letters::LetterAction;
use masthead_render::views::SignInView;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ReturnParam {
    return_to: Option<String>,
    /// Worded as joining (`/signup` leads here with it).
    join: Option<String>,
    /// What just happened: "deleted" (the account).
    done: Option<String>,
}

/// `/signin`: the email form (signed-in members go straight back).
pub async fn form(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Query(q): Query<ReturnParam>,
) -> Result<Response, WebError> {
    let return_to = safe_return(q.return_to.as_deref().unwrap_or("/"));
    if visit.session.is_some() {
        return Ok(Redirect::to(&return_to).into_response());
    }
    let step = match q.done.as_deref() {
        Some("deleted") => "deleted",
        _ => "ask",
    };
    let view = view(&state, &visit, step, q.join.is_some(), return_to).await?;
    page(&state, StatusCode::OK, &view)
}

/// `/signup`: the same form, worded as joining. It is shown under `/signin`, where
/// the browser sends its secret: made anywhere else, a new one would replace the one
/// the browser's pending links were asked with.
pub async fn join(Query(q): Query<ReturnParam>) -> Response {
    let return_to = safe_return(q.return_to.as_deref().unwrap_or("/"));
    Redirect::to(&join_href(&return_to)).into_response()
}

/// The join form's address, coming back to `return_to`.
fn join_href(return_to: &str) -> String {
    format!(
        "{SIGN_IN}?join=1&return_to={}",
        percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// A sign-in page at `step`, for this visit, coming back to `return_to`.
async fn view(
    state: &AppState,
    visit: &Visit,
    step: &'static str,
    join: bool,
    return_to: String,
) -> Result<SignInView, WebError> {
    let site = state.site.get(&*state.store).await?;
    let mut chrome = chrome(state, SIGN_IN).await?.chrome;
    // The header's "Sign in" keeps where the reader came from, not this page.
    chrome.sign_in = masthead_render::views::sign_in_href(&return_to);
    chrome.meta.title = if join {
        format!("Join {}", site.settings.title)
    } else {
        format!("Sign in to {}", site.settings.title)
    };
    chrome.meta.robots = Some("noindex");
    Ok(SignInView {
        chrome,
        step,
        join,
        email: String::new(),
        join_href: join_href(&return_to),
        return_to,
        csrf: visit.csrf(),
        error: None,
        token: String::new(),
        external: state.external_login.as_ref().map(|l| l.label.clone()),
        passkeys: state.passkeys.is_some(),
    })
}

fn page(state: &AppState, status: StatusCode, view: &SignInView) -> Result<Response, WebError> {
    Ok((status, Html(state.theme.render("signin.html", view)?)).into_response())
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    return_to: String,
    #[serde(default)]
    join: String,
}

/// Sends a sign-in link to the email given, whoever it belongs to.
pub async fn ask(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(form): Form<AskForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let join = form.join == "yes";
    let email: String = normalize_email(&form.email).chars().take(254).collect();
    let return_to = safe_return(&form.return_to);
    let mut view = view(&state, &visit, "ask", join, return_to.clone()).await?;
    view.email = email.clone();
    if !is_plausible_email(&email) {
        view.error = Some("Enter your email address, like name@example.com.".to_owned());
        return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let link = NewMemberLink {
        token_hash: String::new(),
        purpose: LinkPurpose::SignIn,
        email,
        member: None,
        browser_hash: visit.browser_hash(),
        return_to,
        created_at: now,
    };
    if let Some(until) = send_link(&state, &visit, link, now).await? {
        return too_many(&state, view, now, until);
    }
    view.step = "sent";
    page(&state, StatusCode::OK, &view)
}

/// Stores `link` (with a fresh token) and mails it, unless the letter budget of its
/// email or of this address is used up: then when to come back. The work and the
/// answer are the same for every email; the letter leaves after the answer.
pub(super) async fn send_link(
    state: &AppState,
    visit: &Visit,
    mut link: NewMemberLink,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, WebError> {
    let (email_key, ip_key) = (format!("email:{}", link.email), format!("ip:{}", visit.ip));
    let since = now - FAILURE_WINDOW;
    let store = &state.store;
    let budget = check_letters(
        store
            .login_failures(AttemptKind::SignInLink, &email_key, since)
            .await?,
        store
            .login_failures(AttemptKind::SignInLink, &ip_key, since)
            .await?,
    );
    if let Err(until) = budget {
        return Ok(Some(until));
    }
    let token = crate::secrets::secret();
    link.token_hash = crate::secrets::token_hash(&token);
    store.create_member_link(&link).await?;
    store
        .record_login_failure(
            &[
                (AttemptKind::SignInLink, &email_key),
                (AttemptKind::SignInLink, &ip_key),
            ],
            now,
            None,
        )
        .await?;
    let site = state.site.get(&*state.store).await?;
    let title = &site.settings.title;
    let mut letter = crate::mail::view(title, &state.base_url);
    letter.greeting = "Hello,".to_owned();
    let minutes = masthead_core::member::LINK_VALIDITY.num_minutes();
    let (subject, label) = match link.purpose {
        LinkPurpose::SignIn => {
            letter.before = vec![
                format!(
                    "Here is your link to sign in to {title}. It works once, within \
                     {minutes} minutes, in the browser where you asked for it."
                ),
                format!(
                    "If you have no account yet, the link makes one: you become a member of \
                     {title}, free of charge."
                ),
            ];
            (
                format!("Your link to sign in to {title}"),
                format!("Sign in to {title}"),
            )
        }
        LinkPurpose::EmailChange => {
            letter.before = vec![format!(
                "Someone, we hope you, asked to use this address for their account with \
                 {title}. To confirm it, open this link within {minutes} minutes, in the \
                 browser where you asked."
            )];
            (
                format!("Confirm your new email address for {title}"),
                "Confirm this address".to_owned(),
            )
        }
    };
    letter.action = Some(LetterAction {
        label,
        url: state.url(&format!("/signin/link/{token}")),
    });
    letter.after = vec![
        "If you did not ask for this, ignore this email: nothing happens without the link."
            .to_owned(),
    ];
    let letter = Letter::compose(&state.theme, "", &link.email, subject, &letter)?;
    state.mailer.send_later(letter);
    Ok(None)
}

/// The letter budget is used up: the same answer for every email, with when to come
/// back.
fn too_many(
    state: &AppState,
    mut view: SignInView,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Response, WebError> {
    let (seconds, minutes) = masthead_core::auth::wait_until(now, until);
    view.error = Some(format!(
        "We have sent several links lately. To keep your inbox safe, ask again in {minutes} \
         minute{}.",
        if minutes == 1 { "" } else { "s" }
    ));
    let mut response = page(state, StatusCode::TOO_MANY_REQUESTS, &view)?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    Ok(response)
}

/// Opens the link whose token is `token` in this visit's browser (see `LinkUse`);
/// anything that cannot be one of our tokens (64 hex digits) is gone.
async fn use_link(
    state: &AppState,
    visit: &Visit,
    token: &str,
    now: DateTime<Utc>,
) -> Result<LinkUse, WebError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(LinkUse::Gone);
    }
    let hash = crate::secrets::token_hash(token);
    Ok(state
        .store
        .use_member_link(&hash, &visit.browser_hash(), now)
        .await?)
}

/// `/signin/link/{token}`: an emailed link, opened.
pub async fn open(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let used = use_link(&state, &visit, &token, now).await?;
    outcome(&state, &visit, &headers, used, &token, now).await
}

/// What opening a link did, as a page or a redirect.
async fn outcome(
    state: &AppState,
    visit: &Visit,
    headers: &HeaderMap,
    used: LinkUse,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Response, WebError> {
    match used {
        LinkUse::SignedIn {
            member,
            joined,
            return_to,
        } => {
            let to = signed_in_to(joined, &return_to);
            begin_session(state, visit, headers, &member, now, &to).await
        }
        LinkUse::EmailChanged {
            member, previous, ..
        } => {
            tell_old_address(state, &member, &previous).await?;
            Ok(Redirect::to(&format!("{}?notice=email_changed", super::ACCOUNT)).into_response())
        }
        LinkUse::OtherBrowser { .. } => {
            let mut view = view(state, visit, "other_browser", false, "/".to_owned()).await?;
            view.token = token.to_owned();
            page(state, StatusCode::FORBIDDEN, &view)
        }
        LinkUse::EmailTaken => {
            let view = view(state, visit, "taken", false, "/".to_owned()).await?;
            page(state, StatusCode::CONFLICT, &view)
        }
        LinkUse::Gone => {
            let view = view(state, visit, "gone", false, "/".to_owned()).await?;
            page(state, StatusCode::GONE, &view)
        }
    }
}

/// Tells the address a member left that their account now uses another, so that a
/// change they did not make does not go unnoticed.
async fn tell_old_address(
    state: &AppState,
    member: &Member,
    previous: &str,
) -> Result<(), WebError> {
    let site = state.site.get(&*state.store).await?;
    let title = &site.settings.title;
    let mut letter = crate::mail::view(title, &state.base_url);
    letter.greeting = "Hello,".to_owned();
    letter.before = vec![format!(
        "Your account with {title} now uses the address {}, confirmed from that address. \
         Letters from us go there from now on.",
        member.email
    )];
    letter.after = vec![format!(
        "If you did not make this change, reply to this letter or write to us through \
         {}: someone may have used your account.",
        state.base_url
    )];
    let letter = Letter::compose(
        &state.theme,
        &member.name,
        previous,
        format!("Your email address for {title} was changed"),
        &letter,
    )?;
    state.mailer.send_later(letter);
    Ok(())
}

/// Where a member just signed in goes: a new one is asked their name first, then sent
/// on to `return_to`.
pub(super) fn signed_in_to(joined: bool, return_to: &str) -> String {
    if joined {
        format!(
            "{}?welcome=1&return_to={}",
            super::ACCOUNT,
            percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
        )
    } else {
        safe_return(return_to)
    }
}

/// The cookie holding a sign-in through the media house's login in progress (see
/// `oidc`): its secret and where to go back to.
const FLOW_COOKIE: &str = "masthead_oidc";
/// The longest flow cookie value kept (browsers keep cookies up to 4096 bytes).
const MAX_FLOW_COOKIE: usize = 3500;
/// Where the provider sends readers back.
const CALLBACK: &str = "/signin/external/callback";

fn flow_cookie(state: &AppState, value: Option<&str>) -> HeaderValue {
    let secure = state.base_url.starts_with("https://");
    crate::secrets::set_cookie(FLOW_COOKIE, value, SIGN_IN, None, secure)
}

/// Sends the reader to the media house's login.
pub async fn external(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Query(q): Query<ReturnParam>,
) -> Result<Response, WebError> {
    let Some(login) = state.external_login.clone() else {
        return Err(WebError::not_found());
    };
    let return_to = safe_return(q.return_to.as_deref().unwrap_or("/"));
    let secret = crate::secrets::secret();
    match login.start(&secret, &state.url(CALLBACK)).await {
        Ok(url) => {
            let encoded = |to: &str| {
                format!(
                    "{secret}.{}",
                    percent_encoding::utf8_percent_encode(to, percent_encoding::NON_ALPHANUMERIC)
                )
            };
            // Browsers drop a cookie over 4 KB, which would end the sign-in at the
            // callback: an address too long to keep goes back to the front page.
            let mut kept = encoded(&return_to);
            if kept.len() > MAX_FLOW_COOKIE {
                kept = encoded("/");
            }
            let mut response = Redirect::to(&url).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, flow_cookie(&state, Some(&kept)));
            Ok(response)
        }
        Err(failure) => external_failed(&state, &visit, failure, return_to).await,
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// The media house's login sends the reader back here: signed in (a member made if
/// needed, matched by the provider's subject or its verified email), or a page saying
/// why not. Nothing is stored unless every check passed.
pub async fn external_back(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let Some(login) = state.external_login.clone() else {
        return Err(WebError::not_found());
    };
    let flow = crate::secrets::cookie(&headers, FLOW_COOKIE).and_then(|v| {
        let (secret, back) = v.split_once('.')?;
        let back = percent_encoding::percent_decode_str(back)
            .decode_utf8()
            .ok()?;
        Some((secret.to_owned(), safe_return(&back)))
    });
    let outcome = match (flow, q.error, q.code, q.state) {
        (None, _, _, _) => Err((
            "/".to_owned(),
            oidc::Failure::Refused("this sign-in did not start in this browser".to_owned()),
        )),
        (Some((_, back)), Some(error), _, _) => Err((back, oidc::Failure::Cancelled(error))),
        (Some((secret, back)), None, Some(code), Some(answer)) => login
            .finish(
                &secret,
                &state.url(CALLBACK),
                &answer,
                &code,
                q.iss.as_deref(),
            )
            .await
            .map(|who| (who, back.clone()))
            .map_err(|f| (back, f)),
        (Some((_, back)), None, _, _) => Err((
            back,
            oidc::Failure::Refused("the answer carried no code".to_owned()),
        )),
    };
    let mut response = match outcome {
        Ok((who, back)) => {
            let now = Utc::now();
            let (member, joined) = state
                .store
                .external_member(&who.issuer, &who.subject, &who.email, &who.name, now)
                .await?;
            begin_session(
                &state,
                &visit,
                &headers,
                &member,
                now,
                &signed_in_to(joined, &back),
            )
            .await?
        }
        Err((back, failure)) => external_failed(&state, &visit, failure, back).await?,
    };
    // Each start is finished once, whatever came of it.
    response
        .headers_mut()
        .append(header::SET_COOKIE, flow_cookie(&state, None));
    Ok(response)
}

/// A sign-in through the media house's login that did not happen: why, in words, with
/// the email form to sign in another way.
async fn external_failed(
    state: &AppState,
    visit: &Visit,
    failure: oidc::Failure,
    return_to: String,
) -> Result<Response, WebError> {
    let label = state
        .external_login
        .as_ref()
        .map(|l| l.label.clone())
        .unwrap_or_default();
    let (status, message) = match failure {
        oidc::Failure::Provider(why) => {
            tracing::error!("external login: {why}");
            (
                StatusCode::BAD_GATEWAY,
                format!("{label} could not be reached just now. Try again in a few minutes, or sign in with your email below."),
            )
        }
        oidc::Failure::Refused(why) => {
            tracing::warn!("external login refused: {why}");
            (
                StatusCode::FORBIDDEN,
                format!("Signing in with {label} could not be completed: {why}. Nothing was changed. Start again from this page."),
            )
        }
        oidc::Failure::Cancelled(_) => (
            StatusCode::FORBIDDEN,
            format!("Signing in with {label} was cancelled. You can try again, or sign in with your email."),
        ),
        oidc::Failure::NoVerifiedEmail => (
            StatusCode::FORBIDDEN,
            format!("{label} did not confirm an email address for your account, which we need to make you a member. Confirm your address there, or sign in with your email below."),
        ),
    };
    let mut view = view(state, visit, "external_failed", false, return_to).await?;
    view.error = Some(message);
    page(state, status, &view)
}

#[derive(Deserialize)]
pub struct AgainForm {
    #[serde(default)]
    token: String,
}

/// A link opened in another browser than the one that asked: on request, a fresh
/// link for this browser, to the same address (the first stays good where it was
/// asked for). Pressed, not opened: mail scanners that open every link send nothing.
pub async fn again(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<AgainForm>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let used = use_link(&state, &visit, &form.token, now).await?;
    let LinkUse::OtherBrowser {
        purpose,
        email,
        member,
        return_to,
    } = used
    else {
        // Opened here after all (or gone meanwhile): as if the link were opened.
        return outcome(&state, &visit, &headers, used, &form.token, now).await;
    };
    let mut view = view(&state, &visit, "sent", false, safe_return(&return_to)).await?;
    view.email = email.clone();
    let link = NewMemberLink {
        token_hash: String::new(),
        purpose,
        email,
        member,
        browser_hash: visit.browser_hash(),
        return_to,
        created_at: now,
    };
    if let Some(until) = send_link(&state, &visit, link, now).await? {
        view.step = "ask";
        return too_many(&state, view, now, until);
    }
    page(&state, StatusCode::OK, &view)
}

/// Signs `member` in: a fresh session (any member session this browser had is ended,
/// never reused), then on to `to`.
async fn begin_session(
    state: &AppState,
    visit: &Visit,
    headers: &HeaderMap,
    member: &Member,
    now: DateTime<Utc>,
    to: &str,
) -> Result<Response, WebError> {
    let cookie = start_session(state, visit, headers, member, now).await?;
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Starts a session for `member` in this browser, ending the one it had: the cookie
/// that holds it.
pub(super) async fn start_session(
    state: &AppState,
    visit: &Visit,
    headers: &HeaderMap,
    member: &Member,
    now: DateTime<Utc>,
) -> Result<HeaderValue, WebError> {
    let store = &state.store;
    if let Some(old) = &visit.session {
        store.end_member_session(&old.token_hash).await?;
    }
    let user_agent = crate::client::user_agent(headers);
    let opened =
        crate::reader::open_member_session(&**store, member.id, &visit.ip, &user_agent, now)
            .await?;
    Ok(session_cookie(state, Some(&opened.token)))
}

/// Ends this session.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, WebError> {
    let session = visit.signed_in()?;
    state.store.end_member_session(&session.token_hash).await?;
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(response)
}
