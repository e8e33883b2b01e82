//! Pages through the Admin API: the site's standing pages (About, Standards,
//! Contact), drafts too, for editors and integrations as in the newsroom. Bodies
//! arrive as posts' do (Lexical, or HTML with `?source=html`); an edit names the
//! version it was made on (`updated_at`), as for posts.

use super::super::{pagination, ApiError, Params};
use super::auth::Caller;
use super::posts::{lexical_of, stamp, write_error};
use crate::api_json::{self as json, Context};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use masthead_core::access::Reader;
use masthead_core::page::{PageContent, PageStatus, StaticPage};
use masthead_core::people::Role;
use masthead_core::store::Page;
use serde_json::{json, Map, Value};

fn allowed(caller: &Caller) -> Result<(), ApiError> {
    if caller.role().at_least(Role::Editor) {
        Ok(())
    } else {
        Err(write_error(masthead_core::Error::forbidden(
            "pages are editors' and administrators'",
        )))
    }
}

/// A page as the Admin API shows it.
fn page_json(ctx: &Context<'_>, p: &StaticPage) -> Value {
    let mut v = json::page(ctx, p);
    if let Value::Object(o) = &mut v {
        o.insert("status".into(), json!(p.status.as_str()));
        o.insert("updated_at".into(), json!(stamp(p.updated_at)));
        o.insert("created_at".into(), json!(stamp(p.created_at)));
        o.insert(
            "published_at".into(),
            json!((p.status == PageStatus::Published).then(|| stamp(p.created_at))),
        );
        if ctx.formats.iter().any(|f| f == "lexical") {
            o.insert("lexical".into(), json!(lexical_of(&p.body_html)));
        }
        o.insert("in_footer".into(), json!(p.in_footer));
        o.insert("position".into(), json!(p.position));
    }
    v
}

async fn pages_as(
    state: &AppState,
    params: &Params,
    pick: impl Fn(&StaticPage) -> bool,
) -> Result<Page<Value>, ApiError> {
    let formats = super::posts::formats(params)?;
    let page = params.page()?;
    let all: Vec<StaticPage> = state
        .store
        .static_pages(false)
        .await?
        .into_iter()
        .filter(|p| pick(p))
        .collect();
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let ctx = Context {
        base_url: &state.base_url,
        zone,
        media: &[],
        formats: &formats,
        include: &[],
        reader: &Reader::Anonymous,
    };
    Ok(Page {
        total: all.len() as u64,
        items: all
            .iter()
            .skip(page.offset as usize)
            .take(page.limit as usize)
            .map(|p| super::super::only(page_json(&ctx, p), &params.fields))
            .collect(),
        offset: page.offset,
        limit: page.limit,
    })
}

fn one(mut page: Page<Value>, status: StatusCode) -> Result<Response, ApiError> {
    if page.items.is_empty() {
        return Err(ApiError::not_found("Page not found."));
    }
    Ok((status, Json(json!({"pages": [page.items.remove(0)]}))).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/pages/",
    params(super::openapi::Browse),
    responses(
        (status = 200, description = "A page of pages, drafts too", body = super::openapi::PageList),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "pages"
)]
pub async fn browse(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let params = Params::read(q.as_deref());
    let page = pages_as(&state, &params, |_| true).await?;
    let meta = pagination(&page, params.page_number());
    Ok(Json(json!({"pages": page.items, "meta": {"pagination": meta}})).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/pages/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Read),
    responses(
        (status = 200, description = "The page", body = super::openapi::OnePage),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "pages"
)]
pub async fn read(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let params = Params::read(q.as_deref());
    let id = masthead_core::nql::post_id(&id);
    one(
        pages_as(&state, &params, |p| Some(p.id.0) == id).await?,
        StatusCode::OK,
    )
}

/// Writes the input over `content` (what is not sent stays).
fn apply(
    content: &mut PageContent,
    input: &Map<String, Value>,
    source_html: bool,
) -> Result<(), ApiError> {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(title) = text("title") {
        content.title = title;
    }
    if let Some(slug) = text("slug") {
        content.slug = slug;
    }
    if input.contains_key("custom_excerpt") {
        content.description = text("custom_excerpt").unwrap_or_default();
    }
    if let Some(html) = text("html").filter(|_| source_html) {
        content.body =
            masthead_render::import::html_to_document(&html, "html").map_err(write_error)?;
    } else if let Some(lexical) = text("lexical") {
        content.body = masthead_render::import::lexical_to_document(&lexical, "lexical")
            .map_err(write_error)?;
    }
    if let Some(status) = text("status") {
        content.status = match status.as_str() {
            "draft" => PageStatus::Draft,
            "published" => PageStatus::Published,
            other => {
                return Err(ApiError::validation_of(
                    "Validation error, cannot save page.",
                    format!("status: {other:?} is not one of draft, published"),
                ))
            }
        };
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/ghost/api/admin/pages/",
    params(super::openapi::Write),
    request_body = super::openapi::PagesInput,
    responses(
        (status = 201, description = "The page made (a draft unless `status` says otherwise)", body = super::openapi::OnePage),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "pages"
)]
pub async fn add(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let params = Params::read(q.as_deref());
    let input = super::the_one(&body, "pages")?;
    let mut content = PageContent {
        slug: String::new(),
        title: String::new(),
        description: String::new(),
        body: masthead_core::document::Document::default(),
        status: PageStatus::Draft,
        position: 0,
        in_footer: false,
    };
    apply(&mut content, input, super::source_html(&params)?)?;
    let made = state
        .newsroom
        .create_page(content, Utc::now())
        .await
        .map_err(write_error)?;
    one(
        pages_as(&state, &params, |p| p.id == made.id).await?,
        StatusCode::CREATED,
    )
}

#[utoipa::path(
    put,
    path = "/ghost/api/admin/pages/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Write),
    request_body = super::openapi::PagesInput,
    responses(
        (status = 200, description = "The page as edited", body = super::openapi::OnePage),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "pages"
)]
pub async fn edit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let params = Params::read(q.as_deref());
    let missing = || ApiError::not_found("Page not found.");
    let id = masthead_core::nql::post_id(&id).ok_or_else(missing)?;
    let stored = state
        .store
        .static_pages(false)
        .await?
        .into_iter()
        .find(|p| p.id.0 == id)
        .ok_or_else(missing)?;
    let input = super::the_one(&body, "pages")?;
    let sent = input
        .get("updated_at")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| stamp(t.with_timezone(&Utc)));
    match sent {
        None => {
            return Err(ApiError::validation_of(
                "Validation error, cannot edit page.",
                "updated_at: send the updated_at of the version you edited",
            ))
        }
        Some(sent) if sent != stamp(stored.updated_at) => {
            return Err(write_error(masthead_core::Error::conflict(
                "the page was saved after the version this edit was made on",
            )))
        }
        Some(_) => {}
    }
    let mut content = PageContent {
        slug: stored.slug.clone(),
        title: stored.title.clone(),
        description: stored.description.clone(),
        body: stored.document(),
        status: stored.status,
        position: stored.position,
        in_footer: stored.in_footer,
    };
    apply(&mut content, input, super::source_html(&params)?)?;
    let saved = state
        .newsroom
        .update_page(stored.id, content, Utc::now())
        .await
        .map_err(write_error)?;
    one(
        pages_as(&state, &params, |p| p.id == saved.id).await?,
        StatusCode::OK,
    )
}

#[utoipa::path(
    delete,
    path = "/ghost/api/admin/pages/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses(
        (status = 204, description = "Deleted: its address answers 404 from then on"),
        (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)
    ),
    tag = "pages"
)]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allowed(&caller)?;
    let missing = || ApiError::not_found("Page not found.");
    let id = masthead_core::nql::post_id(&id).ok_or_else(missing)?;
    let page = state
        .store
        .static_pages(false)
        .await?
        .into_iter()
        .find(|p| p.id.0 == id)
        .ok_or_else(missing)?;
    state
        .store
        .delete_page(
            page.id,
            &caller.audit(
                masthead_core::auth::AuditAction::PageDeleted,
                page.title.clone(),
            ),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
