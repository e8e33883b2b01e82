//! The Admin API's smaller resources: the site's public facts, staff as Ghost's
//! users, tags, and an integration's webhooks.

use super::super::{only, pagination, ApiError, Params};
use super::auth::Caller;
use super::posts::write_error;
use crate::api_json::{self as json, Context};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::SecondsFormat;
use masthead_core::access::Reader;
use masthead_core::auth::AuditAction;
use masthead_core::people::{Person, Role};
use masthead_core::store::Page;
use masthead_core::taxonomy::TagEdit;
use serde_json::{json, Map, Value};

/// The site's public facts (no key needed, as in Ghost).
#[utoipa::path(
    get,
    path = "/ghost/api/admin/site/",
    responses((status = 200, description = "The site's public facts", body = super::openapi::Site), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "site",
    security(())
)]
pub async fn site(State(state): State<AppState>) -> Result<Response, ApiError> {
    let site = state.site.get(&*state.store).await?;
    let s = &site.settings;
    Ok(Json(json!({"site": {
        "title": s.title,
        "description": s.description,
        "logo": if s.logo.is_empty() { None } else { Some(&s.logo) },
        "icon": if s.touch_icon.is_empty() { None } else { Some(&s.touch_icon) },
        "accent_color": null,
        "locale": s.locale,
        "url": format!("{}/", state.base_url),
        "version": "6.0",
    }}))
    .into_response())
}

/// Refuses a caller below `needed` (an integration acts as an editor).
fn at_least(caller: &Caller, needed: Role) -> Result<(), ApiError> {
    if caller.role().at_least(needed) {
        Ok(())
    } else {
        Err(write_error(masthead_core::Error::forbidden(format!(
            "this needs the {} role",
            needed.label().to_lowercase()
        ))))
    }
}

/// A staff member as Ghost's user.
fn user_json(ctx: &Context<'_>, p: &Person) -> Value {
    let mut v = json::author(ctx, p, None);
    if let Value::Object(o) = &mut v {
        o.insert("email".into(), json!(p.email));
        o.insert(
            "status".into(),
            json!(if p.is_active() { "active" } else { "inactive" }),
        );
        o.insert(
            "roles".into(),
            json!([{"name": p.role.label(), "slug": p.role.as_str()}]),
        );
        o.insert(
            "created_at".into(),
            json!(p.created_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
    }
    v
}

async fn user_page(
    state: &AppState,
    params: &Params,
    pick: impl Fn(&Person) -> bool,
) -> Result<Page<Value>, ApiError> {
    params.includes(&["roles", "count.posts", "permissions"])?;
    let staff: Vec<Person> = state
        .store
        .people()
        .await?
        .into_iter()
        .filter(|p| p.signs_in() && pick(p))
        .collect();
    let page = params.page()?;
    let total = staff.len() as u64;
    let shown: Vec<Person> = staff
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect();
    let photos: Vec<_> = shown.iter().filter_map(|p| p.avatar).collect();
    let media = state.store.media_many(&photos).await?;
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let ctx = Context {
        base_url: &state.base_url,
        zone,
        media: &media,
        formats: &[],
        include: &[],
        reader: &Reader::Anonymous,
    };
    Ok(Page {
        items: shown
            .iter()
            .map(|p| only(user_json(&ctx, p), &params.fields))
            .collect(),
        total,
        offset: page.offset,
        limit: page.limit,
    })
}

fn browse(resource: &str, page: Page<Value>, params: &Params) -> Response {
    let meta = pagination(&page, params.page_number());
    Json(json!({resource: page.items, "meta": {"pagination": meta}})).into_response()
}

fn first(resource: &str, mut page: Page<Value>, what: &str) -> Result<Response, ApiError> {
    if page.items.is_empty() {
        return Err(ApiError::not_found(format!("{what} not found.")));
    }
    Ok(Json(json!({resource: [page.items.remove(0)]})).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/users/",
    params(super::openapi::Browse),
    responses((status = 200, description = "A page of staff", body = super::openapi::UserList), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "users"
)]
pub async fn users(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    Ok(browse(
        "users",
        user_page(&state, &params, |_| true).await?,
        &params,
    ))
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/users/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Read),
    responses((status = 200, description = "The staff member", body = super::openapi::OneUser), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "users"
)]
pub async fn user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let id = masthead_core::nql::post_id(&id);
    let page = user_page(&state, &params, |p| Some(p.id.0) == id).await?;
    first("users", page, "User")
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/users/slug/{slug}/",
    params(("slug" = String, Path, description = "The slug"), super::openapi::Read),
    responses((status = 200, description = "The staff member", body = super::openapi::OneUser), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "users"
)]
pub async fn user_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    first(
        "users",
        user_page(&state, &params, |p| p.slug == slug).await?,
        "User",
    )
}

async fn tag_page(
    state: &AppState,
    params: &Params,
    pick: impl Fn(&masthead_core::taxonomy::Tag) -> bool,
) -> Result<Page<Value>, ApiError> {
    params.includes(&["count.posts"])?;
    let page = params.page()?;
    let counted: Vec<_> = state
        .store
        .tag_usage()
        .await?
        .into_iter()
        .filter(|(t, _)| pick(t))
        .collect();
    let total = counted.len() as u64;
    let counting = params.include.iter().any(|i| i == "count.posts");
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let ctx = Context {
        base_url: &state.base_url,
        zone,
        media: &[],
        formats: &[],
        include: &[],
        reader: &Reader::Anonymous,
    };
    Ok(Page {
        items: counted
            .iter()
            .skip(page.offset as usize)
            .take(page.limit as usize)
            .map(|(t, n)| only(json::tag(&ctx, t, counting.then_some(*n)), &params.fields))
            .collect(),
        total,
        offset: page.offset,
        limit: page.limit,
    })
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/tags/",
    params(super::openapi::Browse),
    responses((status = 200, description = "A page of tags", body = super::openapi::TagList), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "tags"
)]
pub async fn tags(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    Ok(browse(
        "tags",
        tag_page(&state, &params, |_| true).await?,
        &params,
    ))
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/tags/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Read),
    responses((status = 200, description = "The tag", body = super::openapi::OneTag), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "tags"
)]
pub async fn tag(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let id = masthead_core::nql::post_id(&id);
    first(
        "tags",
        tag_page(&state, &params, |t| Some(t.id.0) == id).await?,
        "Tag",
    )
}

fn field(item: &Map<String, Value>, key: &str) -> String {
    item.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[utoipa::path(
    post,
    path = "/ghost/api/admin/tags/",
    request_body = super::openapi::TagsInput,
    responses((status = 201, description = "The tag made", body = super::openapi::OneTag), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "tags"
)]
pub async fn add_tag(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    at_least(&caller, Role::Editor)?;
    let item = super::the_one(&body, "tags")?;
    let edit = TagEdit {
        name: field(item, "name"),
        slug: field(item, "slug"),
        description: field(item, "description"),
    }
    .prepare()
    .map_err(write_error)?;
    let taken = state
        .store
        .tags()
        .await?
        .into_iter()
        .any(|t| t.slug == edit.slug || t.name.to_lowercase() == edit.name.to_lowercase());
    if taken {
        return Err(ApiError::validation_of(
            "Validation error, cannot save tag.",
            format!("name: a tag {:?} exists already", edit.name),
        ));
    }
    let made = state
        .store
        .ensure_tags(std::slice::from_ref(&edit.name))
        .await?;
    let Some(made) = made.into_iter().next() else {
        return Err(ApiError::not_found("Tag not found."));
    };
    let tag = state
        .store
        .update_tag(made.id, &edit)
        .await
        .map_err(write_error)?;
    let params = Params::default();
    let page = tag_page(&state, &params, |t| t.id == tag.id).await?;
    Ok((StatusCode::CREATED, Json(json!({"tags": page.items}))).into_response())
}

#[utoipa::path(
    put,
    path = "/ghost/api/admin/tags/{id}/",
    request_body = super::openapi::TagsInput,
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses((status = 200, description = "The tag as edited", body = super::openapi::OneTag), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "tags"
)]
pub async fn edit_tag(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    at_least(&caller, Role::Editor)?;
    let missing = || ApiError::not_found("Tag not found.");
    let id = masthead_core::nql::post_id(&id).ok_or_else(missing)?;
    let tag = state
        .store
        .tags()
        .await?
        .into_iter()
        .find(|t| t.id.0 == id)
        .ok_or_else(missing)?;
    let item = super::the_one(&body, "tags")?;
    let or = |key: &str, kept: &str| match item.get(key) {
        Some(v) => v.as_str().unwrap_or_default().to_owned(),
        None => kept.to_owned(),
    };
    let edit = TagEdit {
        name: or("name", &tag.name),
        slug: or("slug", &tag.slug),
        description: or("description", &tag.description),
    }
    .prepare()
    .map_err(write_error)?;
    let tag = state
        .store
        .update_tag(tag.id, &edit)
        .await
        .map_err(write_error)?;
    let params = Params::default();
    first(
        "tags",
        tag_page(&state, &params, |t| t.id == tag.id).await?,
        "Tag",
    )
}

#[utoipa::path(
    delete,
    path = "/ghost/api/admin/tags/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses(
        (status = 204, description = "Deleted: its posts keep their other tags"),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "tags"
)]
pub async fn remove_tag(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    at_least(&caller, Role::Editor)?;
    let missing = || ApiError::not_found("Tag not found.");
    let id = masthead_core::nql::post_id(&id).ok_or_else(missing)?;
    let tag = state
        .store
        .tags()
        .await?
        .into_iter()
        .find(|t| t.id.0 == id)
        .ok_or_else(missing)?;
    state
        .store
        .delete_tag(
            tag.id,
            &caller.audit(AuditAction::TagDeleted, tag.name.clone()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Subscribes an integration to an event: the calling integration, or for an
/// administrator's session the one `integration_id` names.
#[utoipa::path(
    post,
    path = "/ghost/api/admin/webhooks/",
    request_body = super::openapi::WebhooksInput,
    responses((status = 201, description = "The webhook", body = super::openapi::OneWebhook), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "webhooks"
)]
pub async fn add_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let item = super::the_one(&body, "webhooks")?;
    let integration = match &caller {
        Caller::Integration { integration, .. } => integration.id,
        Caller::Staff { person, .. } => {
            if person.role != Role::Admin {
                return Err(write_error(masthead_core::Error::forbidden(
                    "webhooks are an administrator's",
                )));
            }
            let id =
                masthead_core::nql::post_id(&field(item, "integration_id")).ok_or_else(|| {
                    ApiError::validation_of(
                        "Validation error, cannot save webhook.",
                        "integration_id: the integration the webhook belongs to",
                    )
                })?;
            masthead_core::ids::IntegrationId(id)
        }
    };
    let event = event_named(&field(item, "event"))?;
    let secret = match field(item, "secret") {
        s if s.is_empty() => crate::secrets::secret(),
        s => s,
    };
    let new = masthead_core::webhook::NewWebhook {
        integration,
        event,
        target_url: field(item, "target_url"),
        secret,
    };
    new.validate().map_err(write_error)?;
    let made = state
        .store
        .create_webhook(
            &new,
            &caller.audit(AuditAction::WebhookAdded, new.target_url.clone()),
        )
        .await
        .map_err(write_error)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"webhooks": [webhook(&made)]})),
    )
        .into_response())
}

fn webhook(w: &masthead_core::webhook::Webhook) -> Value {
    json!({
        "id": json::id(w.id),
        "event": w.event.as_str(),
        "target_url": w.target_url,
        "integration_id": json::id(w.integration.0),
    })
}

#[utoipa::path(
    put,
    path = "/ghost/api/admin/webhooks/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    request_body = super::openapi::WebhooksInput,
    responses(
        (status = 200, description = "The webhook, pointed at its new event or address", body = super::openapi::OneWebhook),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "webhooks"
)]
pub async fn edit_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let hook = own_webhook(&state, &caller, &id).await?;
    let item = super::the_one(&body, "webhooks")?;
    let event = match item.get("event").and_then(Value::as_str) {
        Some(name) => event_named(name)?,
        None => hook.event,
    };
    let changed = masthead_core::webhook::NewWebhook {
        integration: hook.integration,
        event,
        target_url: item
            .get("target_url")
            .and_then(Value::as_str)
            .map_or_else(|| hook.target_url.clone(), str::to_owned),
        secret: hook.secret.clone(),
    };
    changed.validate().map_err(write_error)?;
    let saved = state
        .store
        .update_webhook(
            hook.id,
            changed.event,
            &changed.target_url,
            &caller.audit(AuditAction::WebhookChanged, changed.target_url.clone()),
        )
        .await
        .map_err(write_error)?;
    Ok(Json(json!({"webhooks": [webhook(&saved)]})).into_response())
}

/// The webhook `id` names, if the caller may change it: an integration its own, an
/// administrator any.
async fn own_webhook(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<masthead_core::webhook::Webhook, ApiError> {
    let missing = || ApiError::not_found("Webhook not found.");
    let id = masthead_core::nql::post_id(id).ok_or_else(missing)?;
    let mine = match caller {
        Caller::Integration { integration, .. } => Some(integration.id),
        Caller::Staff { person, .. } if person.role == Role::Admin => None,
        Caller::Staff { .. } => {
            return Err(write_error(masthead_core::Error::forbidden(
                "webhooks are an administrator's",
            )))
        }
    };
    state
        .store
        .webhooks(mine)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(missing)
}

/// The event `name` names, or Ghost's 422 listing those there are.
fn event_named(name: &str) -> Result<masthead_core::webhook::Event, ApiError> {
    name.parse::<masthead_core::webhook::Event>().map_err(|_| {
        ApiError::validation_of(
            "Validation error, cannot save webhook.",
            format!(
                "event: {name:?} is not one of {}",
                masthead_core::webhook::Event::ALL
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

#[utoipa::path(
    delete,
    path = "/ghost/api/admin/webhooks/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses((status = 204, description = "Deleted, with its deliveries not yet sent"), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "webhooks"
)]
pub async fn remove_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let hook = own_webhook(&state, &caller, &id).await?;
    state
        .store
        .delete_webhook(
            hook.id,
            &caller.audit(AuditAction::WebhookDeleted, hook.target_url.clone()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
