//! Integrations, kept by admins at `/newsroom/integrations`: the apps and tools that
//! use the Content and Admin APIs, each with its keys (shown to admins, as Ghost
//! shows them), its rate limit, and two actions: new keys (the old ones stop working
//! at once) and revocation (every key refused; the integration stays listed).

use super::desk::{chrome, Desk, NoDeskPage, Segments};
use crate::forms::{one, Fields, NoticeParam};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use masthead_core::auth::AuditAction;
use masthead_core::ids::IntegrationId;
use masthead_core::integration::{Integration, NewIntegration, DEFAULT_RATE_LIMIT};
use masthead_core::store::PageRequest;
use masthead_core::webhook::{Event, NewWebhook};
use masthead_core::Error;
use masthead_render::newsroom::{
    Choice, DeliveryView, IntegrationListView, IntegrationView, WebhookView,
};

/// Deliveries the log shows.
const LOGGED: u32 = 30;

pub async fn list(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let notice = match q.notice.as_deref() {
        Some("added") => Some("The integration is added. Give its keys to the app that uses them."),
        Some("rotated") => Some("The integration has new keys; the old ones no longer work."),
        Some("revoked") => Some("The integration is revoked; none of its keys works."),
        Some("hooked") => {
            Some("The webhook is added. Its receiver checks each delivery with its secret.")
        }
        Some("unhooked") => Some("The webhook is deleted, with its deliveries not yet sent."),
        _ => None,
    };
    page(
        &state,
        &desk,
        StatusCode::OK,
        notice.map(str::to_owned),
        Vec::new(),
        None,
    )
    .await
}

async fn page(
    state: &AppState,
    desk: &Desk,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
    typed: Option<&Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(state, desk, person, "Integrations", "integrations").await?;
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let when = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&zone)
            .format("%-d %b %Y, %H:%M")
            .to_string()
    };
    let hooks = state.store.webhooks(None).await?;
    let deliveries = state
        .store
        .webhook_deliveries(PageRequest::numbered(1, LOGGED))
        .await?
        .items
        .into_iter()
        .map(|d| DeliveryView {
            integration: d.integration,
            event: d.event.as_str(),
            target_url: d.target_url,
            created: when(d.created_at),
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
        })
        .collect();
    let view = IntegrationListView {
        chrome,
        events: Event::ALL
            .iter()
            .map(|e| Choice::new(e.as_str(), e.label(), false))
            .collect(),
        deliveries,
        integrations: state
            .store
            .integrations()
            .await?
            .iter()
            .map(|i: &Integration| IntegrationView {
                webhooks: hooks
                    .iter()
                    .filter(|h| h.integration == i.id)
                    .map(|h| WebhookView {
                        id: h.id,
                        event: h.event.as_str(),
                        target_url: h.target_url.clone(),
                        secret: h.secret.clone(),
                    })
                    .collect(),
                id: i.id.0,
                name: i.name.clone(),
                content_key: i.keys.content.clone(),
                admin_key: i.keys.admin_key(),
                rate_limit: i.rate_limit,
                created: when(i.created_at),
                rotated: i.rotated_at.map(when),
                revoked: i.revoked_at.map(when),
            })
            .collect(),
        content_api: format!("{}/ghost/api/content/", state.base_url),
        name: typed.map(|f| one(f, "name").to_owned()).unwrap_or_default(),
        rate_limit: typed
            .map(|f| one(f, "rate_limit").to_owned())
            .unwrap_or_else(|| DEFAULT_RATE_LIMIT.to_string()),
        notice,
        errors,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/integrations.html", &view)?),
    )
        .into_response())
}

/// Adds an integration with fresh keys.
pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let outcome = async {
        let rate_limit = one(&fields, "rate_limit")
            .trim()
            .parse()
            .map_err(|_| Error::invalid("rate_limit", "requests a minute, as a whole number"))?;
        let integration = NewIntegration {
            rate_limit,
            ..NewIntegration::new(one(&fields, "name"), crate::secrets::integration_keys())
        };
        integration.validate()?;
        let entry = desk.audit(AuditAction::IntegrationAdded, integration.name.clone());
        state.store.create_integration(&integration, &entry).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/newsroom/integrations?notice=added").into_response()),
        Err(Error::Invalid(errors)) => {
            page(
                &state,
                &desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                errors.into_iter().map(|e| e.message).collect(),
                Some(&fields),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The integration `id`, or 404.
async fn integration(state: &AppState, id: &str) -> Result<Integration, WebError> {
    let id = id
        .parse()
        .map(IntegrationId)
        .map_err(|_| WebError::not_found())?;
    state
        .store
        .integration(id)
        .await?
        .ok_or_else(WebError::not_found)
}

/// New keys for an active integration; the old ones stop working at once.
pub async fn rotate(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let found = integration(&state, &id).await?;
    let entry = desk.audit(AuditAction::IntegrationKeysRotated, found.name.clone());
    match state
        .store
        .rotate_integration_keys(found.id, &crate::secrets::integration_keys(), &entry)
        .await
    {
        Ok(_) => Ok(Redirect::to("/newsroom/integrations?notice=rotated").into_response()),
        // Revoked: it has no keys to replace.
        Err(Error::NotFound(_)) => Err(WebError::not_found()),
        Err(e) => Err(e.into()),
    }
}

/// Revokes an integration: none of its keys works from now on.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let found = integration(&state, &id).await?;
    let entry = desk.audit(AuditAction::IntegrationRevoked, found.name.clone());
    state.store.revoke_integration(found.id, &entry).await?;
    Ok(Redirect::to("/newsroom/integrations?notice=revoked").into_response())
}

/// Adds a webhook to an active integration, with a fresh secret.
pub async fn add_webhook(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let found = integration(&state, &id).await?;
    if !found.is_active() {
        return Err(WebError::not_found());
    }
    let outcome = async {
        let event: Event = one(&fields, "event")
            .parse()
            .map_err(|_| Error::invalid("event", "choose what the webhook hears of"))?;
        let webhook = NewWebhook {
            integration: found.id,
            event,
            target_url: one(&fields, "target_url").trim().to_owned(),
            secret: format!("whsec_{}", crate::secrets::secret()),
        };
        webhook.validate()?;
        let entry = desk.audit(
            AuditAction::WebhookAdded,
            format!(
                "{} ({} to {})",
                found.name,
                event.as_str(),
                webhook.target_url
            ),
        );
        state.store.create_webhook(&webhook, &entry).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/newsroom/integrations?notice=hooked").into_response()),
        Err(Error::Invalid(errors)) => {
            page(
                &state,
                &desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                errors.into_iter().map(|e| e.message).collect(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a webhook, and its deliveries not yet sent.
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let id: i64 = id.parse().map_err(|_| WebError::not_found())?;
    let entry = desk.audit(AuditAction::WebhookDeleted, format!("webhook {id}"));
    match state.store.delete_webhook(id, &entry).await {
        Ok(()) => Ok(Redirect::to("/newsroom/integrations?notice=unhooked").into_response()),
        Err(Error::NotFound(_)) => Err(WebError::not_found()),
        Err(e) => Err(e.into()),
    }
}
