//! Masthead's own resources under the Admin API's prefix, beside Ghost's: the
//! sections and article types a post may name, and the corrections and updates log
//! (read it whole, or add to a published post's).

use super::super::{pagination, ApiError, Params};
use super::auth::Caller;
use super::posts::write_error;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{SecondsFormat, Utc};
use masthead_core::article::{ArticleType, CorrectionKind, Status};
use masthead_core::ids::ArticleId;
use serde_json::{json, Value};

#[utoipa::path(
    get,
    path = "/ghost/api/admin/sections/",
    responses(
        (status = 200, description = "The sections, in the navigation's order", body = super::openapi::SectionList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "masthead"
)]
pub async fn sections(State(state): State<AppState>) -> Result<Response, ApiError> {
    let sections: Vec<Value> = state
        .store
        .sections()
        .await?
        .iter()
        .map(|s| {
            json!({
                "id": crate::api_json::id(s.id.0),
                "name": s.name,
                "slug": s.slug,
                "description": s.description,
                "position": s.position,
                "in_navigation": s.in_navigation,
                "url": format!("{}/{}/", state.base_url, s.slug),
            })
        })
        .collect();
    Ok(Json(json!({ "sections": sections })).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/article_types/",
    responses(
        (status = 200, description = "What an article may be labelled as (`article_type`)", body = super::openapi::ArticleTypeList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "masthead"
)]
pub async fn article_types() -> Response {
    let types: Vec<Value> = ArticleType::ALL
        .iter()
        .map(|t| json!({"slug": t.as_str(), "name": t.label()}))
        .collect();
    Json(json!({ "article_types": types })).into_response()
}

/// An entry of the log: what was corrected or updated, on which post.
fn correction(
    base_url: &str,
    id: ArticleId,
    title: &str,
    path: &str,
    c: &masthead_core::article::Correction,
) -> Value {
    json!({
        "post_id": crate::api_json::id(id.0),
        "title": title,
        "url": format!("{base_url}{path}"),
        "kind": c.kind.as_str(),
        "text": c.text,
        "created_at": c.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/corrections/",
    params(super::openapi::Browse),
    responses(
        (status = 200, description = "The public corrections and updates log, newest first", body = super::openapi::CorrectionList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "masthead"
)]
pub async fn corrections(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let page = state.store.corrections_log(params.page()?).await?;
    let meta = pagination(&page, params.page_number());
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|c| {
            correction(
                &state.base_url,
                c.article.id,
                &c.article.title,
                &c.article.path(),
                &c.correction,
            )
        })
        .collect();
    Ok(Json(json!({"corrections": items, "meta": {"pagination": meta}})).into_response())
}

#[utoipa::path(
    post,
    path = "/ghost/api/admin/posts/{id}/corrections/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    request_body = super::openapi::CorrectionsInput,
    responses(
        (status = 201, description = "The post's corrections and updates, the new one last", body = super::openapi::CorrectionList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "masthead"
)]
pub async fn add_correction(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("Post not found.");
    let id = ArticleId(masthead_core::nql::post_id(&id).ok_or_else(missing)?);
    let article = state
        .store
        .article(id)
        .await?
        .filter(|a| a.status != Status::Deleted)
        .ok_or_else(missing)?;
    let item = super::the_one(&body, "corrections")?;
    let kind_text = item
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("correction");
    let kind = kind_text.parse::<CorrectionKind>().map_err(|_| {
        ApiError::validation_of(
            "Validation error, cannot save correction.",
            format!("kind: {kind_text:?} is not one of correction, update"),
        )
    })?;
    let text = item.get("text").and_then(Value::as_str).unwrap_or_default();
    state
        .newsroom
        .from_address(&caller.address())
        .add_correction(caller.actor(), article.id, kind, text, Utc::now())
        .await
        .map_err(write_error)?;
    let article = state.store.article(article.id).await?.ok_or_else(missing)?;
    let path = article.path();
    let items: Vec<Value> = article
        .corrections
        .iter()
        .map(|c| correction(&state.base_url, article.id, &article.title, &path, c))
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "corrections": items }))).into_response())
}
