//! Notices from services we depend on: `/webhooks/stripe`, the payment provider's,
//! and `/webhooks/mail`, the mail service's bounce and complaint reports.
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
use masthead_core::newsletter::MailReport;
use masthead_core::payments::{Applied, PaymentEvent};

/// The largest notice taken (Stripe's are a few kilobytes).
const MAX_NOTICE_BYTES: usize = 512 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/stripe", post(stripe))
        .route("/webhooks/mail", post(mail))
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

/// A bounce or complaint, as the mail service reports it: JSON
/// `{"type": "bounce" | "complaint", "email": "...", "message_id": "<...>"}`, sent with
/// `Authorization: Bearer` and the configured `mail_webhook_secret`. The member with
/// that address gets no more newsletters (see `NewsletterStore::apply_mail_report`);
/// an address that is no member's is taken and changes nothing.
async fn mail(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.mail_reports_secret else {
        return (
            StatusCode::NOT_FOUND,
            "This site takes no mail reports (mail_webhook_secret is not set).\n",
        )
            .into_response();
    };
    let sent = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::secrets::same_secret(secret, sent.trim()) {
        tracing::warn!("a mail report came without the right secret");
        return (
            StatusCode::UNAUTHORIZED,
            "Send the mail_webhook_secret as a Bearer token.\n",
        )
            .into_response();
    }
    let report: MailReport = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("Not a mail report ({{\"type\": \"bounce\" or \"complaint\", \"email\": ...}}): {e}\n"),
            )
                .into_response()
        }
    };
    match state.store.apply_mail_report(&report, Utc::now()).await {
        Ok(true) => (StatusCode::OK, "Applied.\n").into_response(),
        Ok(false) => (StatusCode::OK, "No member has that address.\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a mail report could not be applied");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not applied; send it again later.\n",
            )
                .into_response()
        }
    }
}
