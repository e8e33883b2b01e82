//! Paying: the reader reviews a tier or a gift chosen on the support page, goes to the
//! payment provider's checkout, and comes back to our thanks page; members manage
//! their plans at the provider's portal.
//!
//! A reader may pay before having an account: the checkout carries the hash of this
//! browser's checkout secret (its cookie lives under `CHECKOUT` only), and the member
//! the checkout made (a new address) is signed in here, once, when the same browser
//! comes back. A checkout by an address that already has an account signs no one in:
//! typing someone's address at the provider must not open their account.

use super::signin::start_session;
use super::Visit;
use crate::chrome::chrome;
use crate::secrets::token_hash;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::payments::{Applied, CheckoutRequest, GiftInput, Payments, Purchase};
use masthead_core::tier::{display_price, parse_price, publication_currency, Cadence};
use masthead_render::views::{CheckoutView, OfferTermsView};
use serde::Deserialize;
use std::sync::Arc;

/// Where the checkout's browser secret is sent.
pub const CHECKOUT: &str = "/support/checkout";
/// The review form.
pub const CHECKOUT_FORM: &str = "/support/checkout/";
/// Where the provider sends readers back.
pub const THANKS: &str = "/support/checkout/thanks";

/// What the support page's forms send: a tier and a cadence, or a gift.
#[derive(Deserialize, Default)]
pub struct Choice {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    cadence: String,
    /// An offer's code (its tier and cadence come with it).
    #[serde(default)]
    offer: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    monthly: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    public: String,
    #[serde(default)]
    message: String,
}

impl Choice {
    fn is_gift(&self) -> bool {
        self.tier.is_empty() && self.offer.is_empty()
    }
}

/// The provider, or the answer that there is none.
fn provider(state: &AppState) -> Result<Arc<dyn Payments>, WebError> {
    state.payments.clone().ok_or_else(WebError::not_found)
}

/// What `choice` asks to pay for, read and checked; or the words saying what is wrong.
async fn purchase(state: &AppState, choice: &Choice) -> Result<(Purchase, String), String> {
    let tiers = state.store.tiers(false).await.map_err(|e| e.to_string())?;
    if choice.is_gift() {
        let currency = publication_currency(&tiers);
        let amount = parse_price("amount", choice.amount.trim(), &currency)
            .map_err(|_| "Enter the amount you would like to give, like 25.".to_owned())?;
        let gift = GiftInput {
            amount,
            monthly: choice.monthly == "yes",
            name: choice.name.trim().to_owned(),
            public: choice.public == "yes",
            message: choice.message.trim().to_owned(),
        };
        if let Err(e) = gift.validate() {
            return Err(match e {
                masthead_core::Error::Invalid(fields) => fields
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(". "),
                other => other.to_string(),
            });
        }
        let every = if gift.monthly { " a month" } else { "" };
        let summary = format!("A gift of {}{every}", display_price(amount, &currency));
        return Ok((Purchase::Gift(gift), summary));
    }
    if !choice.offer.is_empty() {
        let ended = || "That offer has ended.".to_owned();
        let offer = state
            .store
            .offer_by_code(&choice.offer)
            .await
            .map_err(|e| e.to_string())?
            .filter(|o| !o.archived)
            .ok_or_else(ended)?;
        let tier = tiers
            .into_iter()
            .find(|t| t.id == offer.tier && t.paid && t.offered())
            .ok_or_else(ended)?;
        let terms = OfferTermsView::new(&offer, &tier);
        let then = terms
            .then
            .map_or_else(String::new, |then| format!(", then {then}"));
        let summary = format!(
            "{}: {} {}, {}{then}",
            tier.name, terms.discount, terms.lasts, terms.price
        );
        return Ok((
            Purchase::Membership {
                cadence: offer.cadence,
                tier: Box::new(tier),
                offer: Some(Box::new(offer)),
            },
            summary,
        ));
    }
    let tier = tiers
        .into_iter()
        .find(|t| t.slug == choice.tier && t.paid && t.offered())
        .ok_or_else(|| "That membership is no longer offered.".to_owned())?;
    let cadence: Cadence = choice
        .cadence
        .parse()
        .map_err(|_| "Choose monthly or yearly.".to_owned())?;
    let per = match cadence {
        Cadence::Month => "a month",
        Cadence::Year => "a year",
    };
    let summary = format!(
        "{}: {} {per}",
        tier.name,
        display_price(tier.price(cadence), &tier.currency)
    );
    Ok((
        Purchase::Membership {
            tier: Box::new(tier),
            cadence,
            offer: None,
        },
        summary,
    ))
}

fn view_of(choice: &Choice, chrome: masthead_render::views::Chrome, visit: &Visit) -> CheckoutView {
    CheckoutView {
        chrome,
        step: "review",
        csrf: visit.csrf(),
        summary: String::new(),
        tier: choice.tier.clone(),
        cadence: choice.cadence.clone(),
        offer: choice.offer.clone(),
        gift: choice.is_gift(),
        amount: choice.amount.trim().to_owned(),
        monthly: choice.monthly == "yes",
        name: choice.name.trim().to_owned(),
        public: choice.public == "yes",
        message: choice.message.trim().to_owned(),
        error: None,
        email: visit.session.as_ref().map(|s| s.owner.email.clone()),
        joined: false,
        sign_in_as: None,
    }
}

fn page(state: &AppState, status: StatusCode, view: &CheckoutView) -> Result<Response, WebError> {
    Ok((status, Html(state.theme.render("checkout.html", view)?)).into_response())
}

/// `GET /support/checkout/`: what the reader chose, to confirm (and, for a gift, to
/// name themselves or not).
pub async fn review(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Query(choice): Query<Choice>,
) -> Result<Response, WebError> {
    provider(&state)?;
    let mut view = view_of(&choice, chrome(&state, CHECKOUT_FORM).await?.chrome, &visit);
    view.chrome.meta.title = "Review your support".to_owned();
    match purchase(&state, &choice).await {
        Ok((_, summary)) => {
            view.summary = summary;
            page(&state, StatusCode::OK, &view)
        }
        Err(why) => {
            view.error = Some(why);
            page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
    }
}

/// `POST /support/checkout/`: opens the provider's checkout and sends the reader there.
pub async fn checkout(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    Form(choice): Form<Choice>,
) -> Result<Response, WebError> {
    let payments = provider(&state)?;
    let mut view = view_of(&choice, chrome(&state, CHECKOUT_FORM).await?.chrome, &visit);
    view.chrome.meta.title = "Review your support".to_owned();
    let (purchase, summary) = match purchase(&state, &choice).await {
        Ok(ok) => ok,
        Err(why) => {
            view.error = Some(why);
            return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    view.summary = summary;
    let currency = match &purchase {
        Purchase::Membership { tier, .. } => tier.currency.clone(),
        Purchase::Gift(_) => publication_currency(&state.store.tiers(false).await?),
    };
    let member = match &visit.session {
        Some(s) => Some((
            s.owner.id,
            s.owner.email.clone(),
            state.store.member_customer(s.owner.id).await?,
        )),
        None => None,
    };
    let Some(browser) = &visit.browser else {
        return Err(
            masthead_core::Error::forbidden("Your browser did not send its cookies.").into(),
        );
    };
    let support = chrome(&state, CHECKOUT_FORM)
        .await?
        .chrome
        .support
        .map_or_else(|| "/".to_owned(), |s| s.href);
    let request = CheckoutRequest {
        purchase,
        currency,
        member,
        claim: token_hash(browser),
        success_url: state.url(&format!("{THANKS}?checkout={{CHECKOUT}}")),
        cancel_url: state.url(&support),
    };
    match payments.start_checkout(&request).await {
        Ok(started) => Ok(Redirect::to(&started.url).into_response()),
        Err(e) => {
            tracing::warn!(error = %e, "could not open a checkout");
            view.error = Some(
                "Payments are not answering right now. Nothing was charged: try again in a \
                 minute."
                    .to_owned(),
            );
            page(&state, StatusCode::SERVICE_UNAVAILABLE, &view)
        }
    }
}

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    checkout: String,
}

/// `GET /support/checkout/thanks?checkout=…`: the reader is back from paying. What
/// they paid for is applied now (its notice may come later, and then changes
/// nothing), and the browser that paid is signed in as the member the checkout made.
pub async fn thanks(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Query(back): Query<Back>,
) -> Result<Response, WebError> {
    let payments = provider(&state)?;
    let now = Utc::now();
    let outcome = match payments.checkout(&back.checkout).await {
        Ok(outcome) => outcome,
        Err(masthead_core::Error::NotFound(_)) => return Err(WebError::not_found()),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a checkout");
            return Err(WebError::unavailable(
                "We could not ask the payment service about your payment just now. Reload \
                 this page in a minute.",
            ));
        }
    };
    let mut view = view_of(
        &Choice::default(),
        chrome(&state, THANKS).await?.chrome,
        &visit,
    );
    view.chrome.meta.title = "Thank you".to_owned();
    view.gift = outcome.gift.is_some();
    if !outcome.paid {
        view.step = "pending";
        return page(&state, StatusCode::OK, &view);
    }
    view.step = "thanks";
    let applied = state.store.apply_checkout(&outcome, now).await?;
    let this_browser = visit
        .browser
        .as_deref()
        .is_some_and(|b| crate::secrets::same_secret(&token_hash(b), &outcome.claim));
    let mut cookie = None;
    if visit.session.is_none() {
        let claimed = match this_browser {
            true => state.store.claim_checkout(&outcome.reference, now).await?,
            false => None,
        };
        match claimed.map(|id| state.store.member(id)) {
            Some(found) => {
                if let Some(member) = found.await? {
                    cookie = Some(start_session(&state, &visit, &headers, &member, now).await?);
                    view.joined = true;
                    view.email = Some(member.email);
                }
            }
            None => {
                if let Applied::Done { .. } = applied {
                    view.sign_in_as = Some(outcome.email.clone());
                }
            }
        }
    }
    let mut response = page(&state, StatusCode::OK, &view)?;
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /account/plans`: the provider's portal, where the member changes their card
/// or cancels; it links back to their account.
pub async fn plans(
    State(state): State<AppState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, WebError> {
    let payments = provider(&state)?;
    let member = visit.signed_in()?.owner.id;
    let Some(customer) = state.store.member_customer(member).await? else {
        return Ok(Redirect::to(super::ACCOUNT).into_response());
    };
    match payments.portal(&customer, &state.url(super::ACCOUNT)).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => {
            tracing::warn!(error = %e, "could not open the customer portal");
            Err(WebError::unavailable(
                "The payment service is not answering right now. Try again in a minute.",
            ))
        }
    }
}
