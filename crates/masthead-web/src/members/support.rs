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
use masthead_core::payments::{CheckoutRequest, GiftInput, Payments, Purchase};
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

/// What a reader chose, read and checked: what they pay for, in words, and in which
/// currency.
struct Chosen {
    purchase: Purchase,
    summary: String,
    currency: String,
}

/// What `choice` asks to pay for: `Ok(Err(words))` when the choice cannot be taken
/// (the reader is told why); `Err` only for a failure on our side.
async fn purchase(state: &AppState, choice: &Choice) -> Result<Result<Chosen, String>, WebError> {
    let tiers = state.store.tiers(false).await?;
    if choice.is_gift() {
        let currency = publication_currency(&tiers);
        let Ok(amount) = parse_price("amount", choice.amount.trim(), &currency) else {
            return Ok(Err(
                "Enter the amount you would like to give, like 25.".to_owned()
            ));
        };
        let gift = GiftInput {
            amount,
            monthly: choice.monthly == "yes",
            name: choice.name.trim().to_owned(),
            public: choice.public == "yes",
            message: choice.message.trim().to_owned(),
        };
        if let Err(masthead_core::Error::Invalid(fields)) = gift.validate() {
            let words: Vec<&str> = fields.iter().map(|f| f.message.as_str()).collect();
            return Ok(Err(words.join(". ")));
        }
        let every = if gift.monthly { " a month" } else { "" };
        let summary = format!("A gift of {}{every}", display_price(amount, &currency));
        return Ok(Ok(Chosen {
            purchase: Purchase::Gift(gift),
            summary,
            currency,
        }));
    }
    let (tier, cadence, offer) = if choice.offer.is_empty() {
        let Some(tier) = tiers
            .into_iter()
            .find(|t| t.slug == choice.tier && t.paid && t.offered())
        else {
            return Ok(Err("That membership is no longer offered.".to_owned()));
        };
        let Ok(cadence) = choice.cadence.parse::<Cadence>() else {
            return Ok(Err("Choose monthly or yearly.".to_owned()));
        };
        (tier, cadence, None)
    } else {
        let offer = state
            .store
            .offer_by_code(&choice.offer)
            .await?
            .filter(|o| !o.archived);
        let found = offer.and_then(|offer| {
            tiers
                .into_iter()
                .find(|t| t.id == offer.tier && t.paid && t.offered())
                .map(|tier| (tier, offer))
        });
        let Some((tier, offer)) = found else {
            return Ok(Err("That offer has ended.".to_owned()));
        };
        (tier, offer.cadence, Some(offer))
    };
    let summary = match &offer {
        Some(offer) => {
            let terms = OfferTermsView::new(offer, &tier);
            let then = terms
                .then
                .map_or_else(String::new, |then| format!(", then {then}"));
            format!(
                "{}: {} {}, {}{then}",
                tier.name, terms.discount, terms.lasts, terms.price
            )
        }
        None => {
            let per = match cadence {
                Cadence::Month => "a month",
                Cadence::Year => "a year",
            };
            let price = display_price(tier.price(cadence), &tier.currency);
            format!("{}: {price} {per}", tier.name)
        }
    };
    Ok(Ok(Chosen {
        currency: tier.currency.clone(),
        purchase: Purchase::Membership {
            tier: Box::new(tier),
            cadence,
            offer: offer.map(Box::new),
        },
        summary,
    }))
}

/// The checkout page `step` for `choice`, as `visit` sees it.
async fn view_of(
    state: &AppState,
    step: &'static str,
    choice: &Choice,
    visit: &Visit,
) -> Result<CheckoutView, WebError> {
    let (path, title) = match step {
        "review" => (CHECKOUT_FORM, "Review your support"),
        _ => (THANKS, "Thank you"),
    };
    let mut chrome = chrome(state, path).await?.chrome;
    chrome.meta.title = title.to_owned();
    Ok(CheckoutView {
        chrome,
        step,
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
    })
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
    let mut view = view_of(&state, "review", &choice, &visit).await?;
    match purchase(&state, &choice).await? {
        Ok(chosen) => {
            view.summary = chosen.summary;
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
    let mut view = view_of(&state, "review", &choice, &visit).await?;
    let chosen = match purchase(&state, &choice).await? {
        Ok(chosen) => chosen,
        Err(why) => {
            view.error = Some(why);
            return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let Some(browser) = &visit.browser else {
        return Err(
            masthead_core::Error::forbidden("Your browser did not send its cookies.").into(),
        );
    };
    let member = match &visit.session {
        Some(s) => Some((
            s.owner.id,
            s.owner.email.clone(),
            state.store.member_customer(s.owner.id).await?,
        )),
        None => None,
    };
    let support = view
        .chrome
        .support
        .as_ref()
        .map_or_else(|| "/".to_owned(), |s| s.href.clone());
    view.summary = chosen.summary;
    let request = CheckoutRequest {
        purchase: chosen.purchase,
        currency: chosen.currency,
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
    let mut view = view_of(&state, "thanks", &Choice::default(), &visit).await?;
    view.gift = outcome.gift.is_some();
    if !outcome.paid {
        view.step = "pending";
        return page(&state, StatusCode::OK, &view);
    }
    state.store.apply_checkout(&outcome, now).await?;
    let mut cookie = None;
    if visit.session.is_none() {
        let this_browser = visit
            .browser
            .as_deref()
            .is_some_and(|b| crate::secrets::same_secret(&token_hash(b), &outcome.claim));
        let claimed = match this_browser {
            true => state.store.claim_checkout(&outcome.reference, now).await?,
            false => None,
        };
        let member = match claimed {
            Some(id) => state.store.member(id).await?,
            None => None,
        };
        match member {
            Some(member) => {
                cookie = Some(start_session(&state, &visit, &headers, &member, now).await?);
                view.joined = true;
                view.email = Some(member.email);
            }
            None => view.sign_in_as = Some(outcome.email.clone()),
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
