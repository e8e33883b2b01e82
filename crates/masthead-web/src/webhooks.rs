//! Notices from services we depend on: `/webhooks/stripe`, the payment provider's.
//!
//! A notice is applied only when its signature checks out within the tolerance
//! (`Payments::verify`), a subscription's as Stripe holds it now, and once: the store records its id in the transaction that
//! applies it, so a replay or a retry changes nothing. Answers are for the provider:
//! 2xx when the notice is taken (or was already), 400 when it is refused, 5xx when it
//! should be sent again later.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use masthead_core::payments::{Applied, PaymentEvent};

/// The largest notice taken (Stripe's are a few kilobytes).
const MAX_NOTICE_BYTES: usize = 512 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/stripe", post(stripe))
        .layer(DefaultBodyLimit::max(MAX_NOTICE_BYTES))
}

async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(payments) = &state.payments else {
        return (StatusCode::NOT_FOUND, "This site takes no payments.\n").into_response();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = Utc::now();
    let event = match payments.verify(&body, signature, now) {
        Ok(event) => event,
        Err(masthead_core::Error::Unauthenticated) => {
            tracing::warn!("a payment notice's signature did not check out");
            return (
                StatusCode::BAD_REQUEST,
                "The signature is missing, wrong, or too old.\n",
            )
                .into_response();
        }
        Err(e) => {
            tracing::warn!(error = %e, "a payment notice could not be read");
            return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response();
        }
    };
    // A subscription's notice is applied as the subscription stands now at Stripe:
    // notices come in any order, timed only to the second. (Should Stripe not answer,
    // the notice's own description is applied, by its time.)
    let mut event = event;
    if let PaymentEvent::Subscription(described) = &event.event {
        match payments.subscription(&described.reference).await {
            Ok(current) => event.event = PaymentEvent::Subscription(Box::new(current)),
            Err(e) => tracing::warn!(error = %e, "could not read a subscription back"),
        }
    }
    match state.store.apply_payment_event(&event, now).await {
        Ok(Applied::Duplicate) => (StatusCode::OK, "Already applied.\n").into_response(),
        Ok(Applied::Done { .. }) => (StatusCode::OK, "Applied.\n").into_response(),
        Err(e @ masthead_core::Error::Invalid(_)) => {
            tracing::warn!(error = %e, id = event.id, "a payment notice was refused");
            (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, id = event.id, "a payment notice could not be applied");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not applied; send it again later.\n",
            )
                .into_response()
        }
    }
}
