//! Members through the Admin API: list, read, add, rename and delete readers'
//! accounts. Members' addresses are personal data: integrations (whose keys an
//! administrator made) and administrators' sessions only.

use super::super::{pagination, ApiError, Params};
use super::auth::Caller;
use super::posts::write_error;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{SecondsFormat, Utc};
use masthead_core::ids::MemberId;
use masthead_core::member::{AccountUpdate, Member, NewMember};
use masthead_core::people::Role;
use serde_json::{json, Value};

fn allowed(caller: &Caller) -> Result<(), ApiError> {
    match caller {
        Caller::Integration { .. } => Ok(()),
        Caller::Staff { person, .. } if person.role == Role::Admin => Ok(()),
        Caller::Staff { .. } => Err(write_error(masthead_core::Error::forbidden(
            "members' accounts are an administrator's",
        ))),
    }
}

/// A member as Ghost shows one.
async fn member_json(state: &AppState, m: &Member) -> Result<Value, ApiError> {
    let standing = state.store.standing(m.id).await?;
    let status = match standing.as_ref().map(|s| s.tier.as_str()) {
        None | Some("free") => "free",
        Some(_) => "paid",
    };
    let newsletters: Vec<Value> = standing
        .iter()
        .flat_map(|s| &s.newsletters)
        .map(|slug| json!({"slug": slug}))
        .collect();
    Ok(json!({
        "id": crate::api_json::id(m.id.0),
        "uuid": crate::api_json::id(m.id.0),
        "email": m.email,
        "name": if m.name.is_empty() { None } else { Some(&m.name) },
        "note": null,
        "status": status,
        "labels": [],
        "newsletters": newsletters,
        "subscribed": !newsletters.is_empty(),
        "created_at": m.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    }))
}

fn member_id(id: &str) -> Result<MemberId, ApiError> {
    masthead_core::nql::post_id(id)
        .map(MemberId)
        .ok_or_else(|| ApiError::not_found("Member not found."))
}

async fn found(state: &AppState, id: &str) -> Result<Member, ApiError> {
    state
        .store
        .member(member_id(id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("Member not found."))
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/members/",
    params(super::openapi::Browse),
    responses(
        (status = 200, description = "A page of members, newest first", body = super::openapi::MemberList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "members"
)]
pub async fn browse(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let params = Params::read(q.as_deref());
    let page = state.store.members_page(params.page()?).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for m in &page.items {
        items.push(super::super::only(
            member_json(&state, m).await?,
            &params.fields,
        ));
    }
    let meta = pagination(&page, params.page_number());
    Ok(Json(json!({"members": items, "meta": {"pagination": meta}})).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/members/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses(
        (status = 200, description = "The member", body = super::openapi::OneMember),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "members"
)]
pub async fn read(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let m = found(&state, &id).await?;
    Ok(Json(json!({"members": [member_json(&state, &m).await?]})).into_response())
}

fn text(m: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[utoipa::path(
    post,
    path = "/ghost/api/admin/members/",
    request_body = super::openapi::MembersInput,
    responses(
        (status = 201, description = "The member added", body = super::openapi::OneMember),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "members"
)]
pub async fn add(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let input = super::the_one(&body, "members")?;
    let new = NewMember {
        email: text(input, "email").unwrap_or_default().trim().to_owned(),
        name: text(input, "name").unwrap_or_default(),
    };
    new.validate().map_err(write_error)?;
    if state.store.member_by_email(&new.email).await?.is_some() {
        return Err(ApiError::validation_of(
            "Validation error, cannot save member.",
            "email: a member with this email address exists already",
        ));
    }
    let made = state.store.create_member(&new).await.map_err(write_error)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"members": [member_json(&state, &made).await?]})),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/ghost/api/admin/members/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    request_body = super::openapi::MembersInput,
    responses(
        (status = 200, description = "The member, renamed", body = super::openapi::OneMember),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "members"
)]
pub async fn edit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let m = found(&state, &id).await?;
    let input = super::the_one(&body, "members")?;
    let standing = state
        .store
        .standing(m.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Member not found."))?;
    let update = AccountUpdate {
        name: text(input, "name").unwrap_or(m.name.clone()),
        comment_name: standing.comment_name,
        newsletters: standing.newsletters,
        reply_letters: standing.reply_letters,
    };
    update.validate().map_err(write_error)?;
    let saved = state
        .store
        .update_account(m.id, &update, Utc::now())
        .await
        .map_err(write_error)?;
    Ok(Json(json!({"members": [member_json(&state, &saved).await?]})).into_response())
}

#[utoipa::path(
    delete,
    path = "/ghost/api/admin/members/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses(
        (status = 204, description = "Deleted: the account and what identifies the reader; comments stay, shown as a former member's"),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "members"
)]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let m = found(&state, &id).await?;
    state.store.delete_member(m.id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
