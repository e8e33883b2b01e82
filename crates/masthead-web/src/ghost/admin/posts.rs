//! Posts through the Admin API: browse and read every article not in the bin, create,
//! edit (with Ghost's `updated_at` collision check), publish, schedule, unpublish
//! and delete. Bodies arrive as Lexical, or as HTML with `?source=html`
//! (`masthead_render::import`). A change is the newsroom's own use case
//! (`Newsroom`), under the caller's role: a contributor's token or session may do
//! what the contributor may do in the newsroom, no more.
//!
//! Ghost's statuses are fewer than the newsroom's: `draft` is also an article in
//! review or unpublished (Masthead's own `workflow_status` says which), and setting a
//! published post to `draft` unpublishes it.

use super::super::{pagination, ApiError, Params};
use super::auth::Caller;
use crate::api_json::{self as json, Context};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, SecondsFormat, Utc};
use masthead_core::access::Reader;
use masthead_core::article::{
    Article, ArticleContent, ArticleType, FeaturedImage, Source, Status, Visibility,
};
use masthead_core::ids::{ArticleId, PersonId};
use masthead_core::nql::{self, Filter, Op, Operand, PostQuery, Scope, Value as NqlValue};
use masthead_core::people::Role;
use masthead_core::store::PageRequest;
use masthead_core::workflow::Subject;
use serde_json::{json, Map, Value};

/// An error of a write, as Ghost names it.
pub fn write_error(e: masthead_core::Error) -> ApiError {
    use masthead_core::Error;
    match e {
        Error::Invalid(errors) => ApiError::validation_of(
            "Validation error, cannot save post.",
            errors
                .iter()
                .map(|e| format!("{}: {}", ghost_field(e.field), e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Error::Forbidden(message) => ApiError::new(
            StatusCode::FORBIDDEN,
            "NoPermissionError",
            "You do not have permission to perform this request.",
        )
        .context(message),
        Error::Conflict(message) => ApiError::new(
            StatusCode::CONFLICT,
            "UpdateCollisionError",
            "Saving failed! Someone else is editing this post.",
        )
        .context(message),
        e => e.into(),
    }
}

/// The name Ghost's clients know a field of the newsroom's by.
fn ghost_field(field: &str) -> &str {
    match field {
        "featured_image.alt" => "feature_image_alt",
        "social_image" => "og_image",
        other => other,
    }
}

/// Formats the Admin API answers with: `lexical` unless others are asked for.
pub(super) fn formats(params: &Params) -> Result<Vec<String>, ApiError> {
    if params.formats.is_empty() {
        return Ok(vec!["lexical".to_owned()]);
    }
    params.formats()
}

fn equal(property: &str, value: &str) -> Filter {
    Filter::Condition {
        property: property.to_owned(),
        op: Op::Eq,
        operand: Operand::One(NqlValue::Text(value.to_owned())),
    }
}

/// What `caller` may see: editors and integrations every article; writers below
/// them their own (as the newsroom's list shows them).
fn narrowed(caller: &Caller, filter: Option<Filter>) -> Option<Filter> {
    if caller.role().at_least(Role::Editor) {
        return filter;
    }
    let own = equal("author", &caller.person().slug);
    Some(match filter {
        Some(f) => Filter::All(vec![own, f]),
        None => own,
    })
}

async fn page_of(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    filter: Option<Filter>,
    page: PageRequest,
) -> Result<masthead_core::store::Page<Value>, ApiError> {
    params.includes(&["authors", "tags", "tiers", "count.posts"])?;
    let formats = formats(params)?;
    let order = match params.order.as_deref() {
        Some(order) => nql::parse_order(order)
            .map_err(|e| ApiError::validation(format!("Validation failed for order: {e}")))?,
        None => Vec::new(),
    };
    let found = state
        .store
        .api_posts(&PostQuery {
            scope: Scope::Newsroom,
            filter: narrowed(caller, filter),
            order,
            page,
            now: Utc::now(),
        })
        .await?;
    let media: Vec<_> = found
        .items
        .iter()
        .filter_map(|a| a.featured_image.as_ref().map(|f| f.media_id))
        .collect();
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let media = state.store.media_many(&media).await?;
    let include = vec!["tags".to_owned(), "authors".to_owned(), "tiers".to_owned()];
    let reader = Reader::Staff(Box::new(caller.person().clone()));
    let ctx = Context {
        base_url: &state.base_url,
        zone,
        media: &media,
        formats: &formats,
        include: &include,
        reader: &reader,
    };
    let fields = params.fields.clone();
    Ok(found.map(|a| super::super::only(admin_post(&ctx, &a), &with_id(&fields))))
}

fn with_id(fields: &[String]) -> Vec<String> {
    let mut fields = fields.to_vec();
    if !fields.is_empty() && !fields.iter().any(|f| f == "id") {
        fields.push("id".to_owned());
    }
    fields
}

/// A time as the Admin API writes it and reads it back for the collision check:
/// UTC, milliseconds.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Ghost's status for the newsroom's.
fn ghost_status(status: Status) -> &'static str {
    match status {
        Status::Published => "published",
        Status::Scheduled => "scheduled",
        Status::Draft | Status::InReview | Status::Unpublished | Status::Deleted => "draft",
    }
}

/// An article as the Admin API shows it: the Content API's post, whole, with its
/// status and the formats asked for.
pub fn admin_post(ctx: &Context<'_>, a: &Article) -> Value {
    let mut post = json::post(ctx, a);
    if let Value::Object(o) = &mut post {
        o.insert("status".into(), json!(ghost_status(a.status)));
        o.insert("workflow_status".into(), json!(a.status.as_str()));
        o.insert("updated_at".into(), json!(stamp(a.updated_at)));
        o.insert("created_at".into(), json!(stamp(a.created_at)));
        let published = match a.status {
            Status::Scheduled => a.scheduled_at,
            _ => a.published_at,
        };
        o.insert("published_at".into(), json!(published.map(stamp)));
        o.insert("mobiledoc".into(), Value::Null);
        if ctx.formats.iter().any(|f| f == "lexical") {
            o.insert("lexical".into(), json!(lexical_of(&a.body_html)));
        }
        o.insert("email_only".into(), json!(false));
        o.insert("newsletter".into(), Value::Null);
        o.insert("email".into(), Value::Null);
    }
    post
}

/// A body as Lexical: one HTML card holding the rendered body, which Ghost's editor
/// opens and which reads back here as the same blocks.
pub(super) fn lexical_of(html: &str) -> String {
    json!({"root": {
        "children": [{"type": "html", "version": 1, "html": html}],
        "direction": null, "format": "", "indent": 0, "type": "root", "version": 1
    }})
    .to_string()
}

fn answer(status: StatusCode, page: masthead_core::store::Page<Value>, number: u64) -> Response {
    let meta = pagination(&page, number);
    (
        status,
        Json(json!({"posts": page.items, "meta": {"pagination": meta}})),
    )
        .into_response()
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/posts/",
    params(super::openapi::Browse),
    responses((status = 200, description = "A page of posts, every status but deleted; writers below editors see their own", body = super::openapi::PostList), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn browse(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let page = page_of(&state, &caller, &params, params.filter()?, params.page()?).await?;
    Ok(answer(StatusCode::OK, page, params.page_number()))
}

/// One post by a filter, as `{"posts": [..]}`; 404 when the caller cannot see it.
async fn one(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    pick: Filter,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let one = PageRequest {
        offset: 0,
        limit: 1,
    };
    let mut page = page_of(state, caller, params, Some(pick), one).await?;
    if page.items.is_empty() {
        return Err(ApiError::not_found("Post not found."));
    }
    Ok((status, Json(json!({"posts": [page.items.remove(0)]}))).into_response())
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/posts/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Read),
    responses((status = 200, description = "The post", body = super::openapi::OnePost), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn read(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    if nql::post_id(&id).is_none() {
        return Err(ApiError::not_found("Post not found."));
    }
    one(&state, &caller, &params, equal("id", &id), StatusCode::OK).await
}

#[utoipa::path(
    get,
    path = "/ghost/api/admin/posts/slug/{slug}/",
    params(("slug" = String, Path, description = "The slug"), super::openapi::Read),
    responses((status = 200, description = "The post", body = super::openapi::OnePost), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn read_by_slug(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    one(
        &state,
        &caller,
        &params,
        equal("slug", &slug),
        StatusCode::OK,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/ghost/api/admin/posts/",
    request_body = super::openapi::PostsInput,
    params(super::openapi::Write),
    responses((status = 201, description = "The post made (a draft unless `status` says otherwise)", body = super::openapi::OnePost), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn add(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let input = super::the_one(&body, "posts")?;
    let html = super::source_html(&params)?;
    let now = Utc::now();
    let mut content = ArticleContent::new("", "");
    apply(&state, &caller, &mut content, input, html, None).await?;
    if content.title.trim().is_empty() {
        return Err(ApiError::validation_of(
            "Validation error, cannot save post.",
            "title: give the post a title",
        ));
    }
    // The status asked for is checked before anything is stored: a post the caller
    // may not publish is not left behind as a draft.
    let mut authors = content.authors.clone();
    if authors.is_empty() {
        authors.push(caller.actor().person);
    }
    let draft = Subject {
        status: Status::Draft,
        authors: &authors,
        published_at: None,
    };
    may_move(&caller, steps_for(input, Status::Draft, None)?, draft, now)?;
    let newsroom = state.newsroom.from_address(&caller.address());
    let id = newsroom
        .create_draft(caller.actor(), content, now)
        .await
        .map_err(write_error)?;
    if let Some(slug) = text(input, "slug").filter(|s| !s.is_empty()) {
        newsroom
            .change_slug(caller.actor(), id, &slug, now)
            .await
            .map_err(write_error)?;
    }
    move_to(&state, &caller, id, input).await?;
    one(
        &state,
        &caller,
        &params,
        equal("id", &json::id(id.0)),
        StatusCode::CREATED,
    )
    .await
}

#[utoipa::path(
    put,
    path = "/ghost/api/admin/posts/{id}/",
    request_body = super::openapi::PostsInput,
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters"), super::openapi::Write),
    responses((status = 200, description = "The post as edited", body = super::openapi::OnePost), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn edit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let article = visible(&state, &caller, &id).await?;
    let input = super::the_one(&body, "posts")?;
    let html = super::source_html(&params)?;
    // Ghost's collision check: the edit names the version it was made on.
    let Some(sent) = text(input, "updated_at") else {
        return Err(ApiError::validation_of(
            "Validation error, cannot edit post.",
            "updated_at: send the updated_at of the version you edited",
        ));
    };
    let base = DateTime::parse_from_rfc3339(&sent)
        .map_err(|_| {
            ApiError::validation_of(
                "Validation error, cannot edit post.",
                "updated_at: a date and time like 2026-12-05T10:00:00.000Z",
            )
        })?
        .with_timezone(&Utc);
    if stamp(base) != stamp(article.updated_at) {
        return Err(write_error(masthead_core::Error::conflict(
            "the post was saved after the version this edit was made on",
        )));
    }
    let now = Utc::now();
    let authors: Vec<PersonId> = article.authors.iter().map(|a| a.id).collect();
    let subject = Subject {
        status: article.status,
        authors: &authors,
        published_at: article.published_at,
    };
    let steps = steps_for(input, article.status, article.scheduled_at)?;
    may_move(&caller, steps, subject, now)?;
    let newsroom = state.newsroom.from_address(&caller.address());
    let before = article.content();
    let mut content = before.clone();
    apply(&state, &caller, &mut content, input, html, Some(&article)).await?;
    if content != before {
        newsroom
            .update_from(caller.actor(), article.id, content, article.updated_at, now)
            .await
            .map_err(write_error)?;
    }
    if let Some(slug) = text(input, "slug").filter(|s| !s.is_empty() && *s != article.slug) {
        newsroom
            .change_slug(caller.actor(), article.id, &slug, now)
            .await
            .map_err(write_error)?;
    }
    move_to(&state, &caller, article.id, input).await?;
    one(
        &state,
        &caller,
        &params,
        equal("id", &json::id(article.id.0)),
        StatusCode::OK,
    )
    .await
}

/// Deletes a post: it goes to the newsroom's bin (restorable there), taken down
/// first if it is live or due.
#[utoipa::path(
    delete,
    path = "/ghost/api/admin/posts/{id}/",
    params(("id" = String, Path, description = "Ghost's id: 24 hexadecimal characters")),
    responses((status = 204, description = "Deleted: in the newsroom's bin, taken down first if it was live"), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "posts"
)]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let article = visible(&state, &caller, &id).await?;
    let newsroom = state.newsroom.from_address(&caller.address());
    let now = Utc::now();
    let steps: &[Status] = match article.status {
        Status::Published => &[Status::Unpublished, Status::Deleted],
        Status::Scheduled => &[Status::Draft, Status::Deleted],
        _ => &[Status::Deleted],
    };
    for to in steps {
        newsroom
            .transition(caller.actor(), article.id, *to, None, now)
            .await
            .map_err(write_error)?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The article `id` names, if the caller may see it (else Ghost's 404).
async fn visible(state: &AppState, caller: &Caller, id: &str) -> Result<Article, ApiError> {
    let missing = || ApiError::not_found("Post not found.");
    let id = nql::post_id(id).ok_or_else(missing)?;
    let article = state
        .store
        .article(ArticleId(id))
        .await?
        .filter(|a| a.status != Status::Deleted)
        .ok_or_else(missing)?;
    let own = article.authors.iter().any(|p| p.id == caller.person().id);
    if !caller.role().at_least(Role::Editor) && !own {
        return Err(missing());
    }
    Ok(article)
}

/// Moves the article to the status the input asks for, if it asks for one it is not
/// in (with `published_at` as the time, for `scheduled`).
async fn move_to(
    state: &AppState,
    caller: &Caller,
    id: ArticleId,
    input: &Map<String, Value>,
) -> Result<(), ApiError> {
    let article = state
        .store
        .article(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Post not found."))?;
    let Some(steps) = steps_for(input, article.status, article.scheduled_at)? else {
        return Ok(());
    };
    let now = Utc::now();
    let newsroom = state.newsroom.from_address(&caller.address());
    for (to, at) in steps {
        newsroom
            .transition(caller.actor(), id, to, at, now)
            .await
            .map_err(write_error)?;
    }
    state.dispatch.ring_letters();
    Ok(())
}

/// Moves through the workflow, each with the time to publish at (for `Scheduled`).
type Steps = Vec<(Status, Option<DateTime<Utc>>)>;

/// Refuses a status change the caller may not make, before anything is stored (the
/// first step is checked; the store checks every step again as it is made).
fn may_move(
    caller: &Caller,
    steps: Option<Steps>,
    subject: Subject<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some((to, at)) = steps.as_deref().and_then(<[_]>::first) {
        masthead_core::workflow::plan(caller.actor(), subject, *to, *at, now)
            .map_err(write_error)?;
    }
    Ok(())
}

/// The workflow's steps from `from` (scheduled for `scheduled_at`) to the status the
/// input asks for, if it asks for one; an unknown status or a bad time is refused.
fn steps_for(
    input: &Map<String, Value>,
    from: Status,
    scheduled_at: Option<DateTime<Utc>>,
) -> Result<Option<Steps>, ApiError> {
    let Some(wanted) = text(input, "status") else {
        return Ok(None);
    };
    let at = match text(input, "published_at") {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(&t)
                .map_err(|_| {
                    invalid("published_at: a date and time like 2026-12-05T10:00:00.000Z")
                })?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    Ok(Some(match (wanted.as_str(), from) {
        ("scheduled", Status::Scheduled) if at.is_some() && at != scheduled_at => {
            // A new time: back to draft, then scheduled again.
            vec![(Status::Draft, None), (Status::Scheduled, at)]
        }
        ("published", Status::Published)
        | ("scheduled", Status::Scheduled)
        | ("in_review", Status::InReview)
        | ("draft", Status::Draft | Status::InReview | Status::Unpublished) => vec![],
        ("published", _) => vec![(Status::Published, None)],
        ("scheduled", _) => vec![(Status::Scheduled, at)],
        ("draft", Status::Published) => vec![(Status::Unpublished, None)],
        ("draft", _) => vec![(Status::Draft, None)],
        ("in_review", _) => vec![(Status::InReview, None)],
        (other, _) => {
            return Err(invalid(format!(
                "status: {other:?} is not one of draft, published, scheduled, in_review"
            )))
        }
    }))
}

/// The text of `key`, if it is a string (`null` and absence are `None`).
fn text(input: &Map<String, Value>, key: &str) -> Option<String> {
    input.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Whether `key` is present, `null` or not.
fn sent(input: &Map<String, Value>, key: &str) -> bool {
    input.contains_key(key)
}

fn invalid(context: impl Into<String>) -> ApiError {
    ApiError::validation_of("Validation error, cannot save post.", context)
}

/// What a related item (a tag, a person, a tier) is named by in the input: a text, or
/// an object with `id`, `slug`, `email` or `name`.
enum Named {
    Id(i64),
    Slug(String),
    Email(String),
    Name(String),
}

fn names(input: &Map<String, Value>, key: &str) -> Result<Option<Vec<Named>>, ApiError> {
    let Some(value) = input.get(key) else {
        return Ok(None);
    };
    let items = match value {
        Value::Null => return Ok(Some(Vec::new())),
        Value::Array(items) => items,
        _ => return Err(invalid(format!("{key}: a list"))),
    };
    let mut named = Vec::with_capacity(items.len());
    for item in items {
        let pick = |field: &str| item.get(field).and_then(Value::as_str).map(str::to_owned);
        named.push(match item {
            Value::String(s) if s.contains('@') => Named::Email(s.clone()),
            Value::String(s) => Named::Name(s.clone()),
            Value::Object(_) => {
                if let Some(id) = pick("id") {
                    Named::Id(
                        nql::post_id(&id)
                            .ok_or_else(|| invalid(format!("{key}: no such id {id:?}")))?,
                    )
                } else if let Some(slug) = pick("slug") {
                    Named::Slug(slug)
                } else if let Some(email) = pick("email") {
                    Named::Email(email)
                } else if let Some(name) = pick("name") {
                    Named::Name(name)
                } else {
                    return Err(invalid(format!(
                        "{key}: each names an id, a slug, an email or a name"
                    )));
                }
            }
            _ => return Err(invalid(format!("{key}: each is a text or an object"))),
        });
    }
    Ok(Some(named))
}

/// The people `named` (by id, slug or email).
async fn people(state: &AppState, key: &str, named: Vec<Named>) -> Result<Vec<PersonId>, ApiError> {
    let everyone = state.store.people().await?;
    let mut ids = Vec::with_capacity(named.len());
    for n in named {
        let found = everyone.iter().find(|p| match &n {
            Named::Id(id) => p.id.0 == *id,
            Named::Slug(slug) => &p.slug == slug,
            Named::Email(email) => p.email.eq_ignore_ascii_case(email),
            Named::Name(name) => &p.name == name,
        });
        match found {
            Some(p) if !ids.contains(&p.id) => ids.push(p.id),
            Some(_) => {}
            None => return Err(invalid(format!("{key}: no such person"))),
        }
    }
    Ok(ids)
}

/// Writes the input's fields over `content` (fields not sent stay as they are; tags,
/// authors and editors sent are the whole new list, as in Ghost).
async fn apply(
    state: &AppState,
    caller: &Caller,
    content: &mut ArticleContent,
    input: &Map<String, Value>,
    source_html: bool,
    stored: Option<&Article>,
) -> Result<(), ApiError> {
    if let Some(title) = text(input, "title") {
        content.title = title;
    }
    if let Some(html) = text(input, "html").filter(|_| source_html) {
        content.body =
            masthead_render::import::html_to_document(&html, "html").map_err(write_error)?;
    } else if let Some(lexical) = text(input, "lexical") {
        content.body = masthead_render::import::lexical_to_document(&lexical, "lexical")
            .map_err(write_error)?;
    } else if input.get("mobiledoc").is_some_and(|m| !m.is_null()) {
        return Err(invalid(
            "mobiledoc: not taken; send lexical, or html with ?source=html",
        ));
    }
    crate::embeds::resolve(state, &mut content.body, Some(caller.person().id)).await;
    for (key, field) in [
        ("custom_excerpt", &mut content.custom_excerpt),
        ("standfirst", &mut content.standfirst),
        ("meta_title", &mut content.seo.meta_title),
        ("meta_description", &mut content.seo.meta_description),
        ("canonical_url", &mut content.seo.canonical_url),
        ("og_image", &mut content.seo.social_image),
    ] {
        if sent(input, key) {
            *field = text(input, key).unwrap_or_default();
        }
    }
    if let Some(kind) = text(input, "article_type") {
        content.article_type = kind
            .parse::<ArticleType>()
            .map_err(|_| invalid(format!("article_type: no type {kind:?}")))?;
    }
    if let Some(visibility) = text(input, "visibility") {
        content.visibility = visibility.parse::<Visibility>().map_err(|_| {
            invalid(format!(
                "visibility: {visibility:?} is not one of public, members, paid, tiers"
            ))
        })?;
    }
    if let Some(tiers) = names(input, "tiers")? {
        let all = state.store.tiers(true).await?;
        content.tiers = Vec::with_capacity(tiers.len());
        for n in tiers {
            let tier = all
                .iter()
                .find(|t| match &n {
                    Named::Id(id) => t.id.0 == *id,
                    Named::Slug(slug) => &t.slug == slug,
                    Named::Name(name) => &t.name == name,
                    Named::Email(_) => false,
                })
                .ok_or_else(|| invalid("tiers: no such tier"))?;
            content.tiers.push(tier.id);
        }
    }
    if content.visibility != Visibility::Tiers {
        content.tiers.clear();
    }
    if sent(input, "section") {
        content.section_id = match input.get("section") {
            Some(Value::Null) | None => None,
            Some(value) => {
                let slug = value
                    .as_str()
                    .or_else(|| value.get("slug").and_then(Value::as_str))
                    .unwrap_or_default();
                let section = state
                    .store
                    .section_by_slug(slug)
                    .await?
                    .ok_or_else(|| invalid(format!("section: no section {slug:?}")))?;
                Some(section.id)
            }
        };
    }
    if let Some(tags) = names(input, "tags")? {
        let known = state.store.tags().await?;
        let mut names = Vec::with_capacity(tags.len());
        for n in tags {
            let name = match n {
                Named::Name(name) => name,
                Named::Email(text) => text,
                Named::Id(id) => known
                    .iter()
                    .find(|t| t.id.0 == id)
                    .map(|t| t.name.clone())
                    .ok_or_else(|| invalid("tags: no tag with that id"))?,
                Named::Slug(slug) => known
                    .iter()
                    .find(|t| t.slug == slug)
                    .map(|t| t.name.clone())
                    .unwrap_or(slug),
            };
            names.push(name);
        }
        content.tags = names;
    }
    if let Some(authors) = names(input, "authors")? {
        content.authors = people(state, "authors", authors).await?;
    }
    if let Some(editors) = names(input, "editors")? {
        content.editors = people(state, "editors", editors).await?;
    }
    if let Some(sources) = input.get("sources") {
        let list = sources
            .as_array()
            .ok_or_else(|| invalid("sources: a list of {name, url, note}"))?;
        content.sources = list
            .iter()
            .map(|s| Source {
                name: s
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                url: s
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                note: s
                    .get("note")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect();
    }
    featured_image(state, content, input, stored).await
}

/// `feature_image` (an address of a picture in the media library, or `null`), with
/// `feature_image_alt` and `feature_image_caption`; alt text and caption not sent come
/// from what the picture had, then from the library.
async fn featured_image(
    state: &AppState,
    content: &mut ArticleContent,
    input: &Map<String, Value>,
    stored: Option<&Article>,
) -> Result<(), ApiError> {
    if sent(input, "feature_image") {
        content.featured_image = match text(input, "feature_image").filter(|s| !s.is_empty()) {
            None => None,
            Some(address) => {
                let key = media_key(&state.base_url, &address).ok_or_else(|| {
                    invalid(
                        "feature_image: a picture of this site's library (/media/...); \
                         upload it with /ghost/api/admin/images/upload/ first",
                    )
                })?;
                let media = state
                    .store
                    .media_by_keys(&[key])
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| invalid("feature_image: no such picture in the library"))?;
                let kept = stored
                    .and_then(|a| a.featured_image.as_ref())
                    .filter(|f| f.media_id == media.id);
                Some(FeaturedImage {
                    media_id: media.id,
                    alt: kept.map_or_else(|| media.alt.clone(), |f| f.alt.clone()),
                    caption: kept.map_or_else(|| media.caption.clone(), |f| f.caption.clone()),
                    credit: kept.map_or_else(|| media.credit.clone(), |f| f.credit.clone()),
                })
            }
        };
    }
    if let Some(image) = content.featured_image.as_mut() {
        if sent(input, "feature_image_alt") {
            image.alt = text(input, "feature_image_alt").unwrap_or_default();
        }
        if sent(input, "feature_image_caption") {
            // Ghost's caption is HTML; the newsroom's is text.
            let caption = text(input, "feature_image_caption").unwrap_or_default();
            image.caption = masthead_render::letters::html_to_plain(&caption)
                .trim()
                .to_owned();
        }
    }
    Ok(())
}

/// The library key of a picture's address on this site (`/media/KEY`, absolute or not).
fn media_key(base_url: &str, address: &str) -> Option<String> {
    let path = address.strip_prefix(base_url).unwrap_or(address);
    let key = path.strip_prefix("/media/")?;
    let key = key.split(['?', '#']).next()?;
    (!key.is_empty() && !key.split('/').any(|part| part.is_empty() || part == ".."))
        .then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn picture_addresses_name_library_keys() {
        let base = "https://news.example";
        assert_eq!(
            media_key(base, "https://news.example/media/uploads/2026/12/a.jpg?v=1").as_deref(),
            Some("uploads/2026/12/a.jpg")
        );
        assert_eq!(media_key(base, "/media/uploads/../secret"), None);
        assert_eq!(media_key(base, "/media/uploads//a.jpg"), None);
        assert_eq!(
            media_key(base, "/media/abc.png").as_deref(),
            Some("abc.png")
        );
        assert_eq!(
            media_key(base, "https://elsewhere.example/media/a.jpg"),
            None
        );
        assert_eq!(media_key(base, "/media/"), None);
    }

    #[test]
    fn ghosts_statuses_for_the_newsrooms() {
        assert_eq!(ghost_status(Status::InReview), "draft");
        assert_eq!(ghost_status(Status::Unpublished), "draft");
        assert_eq!(ghost_status(Status::Scheduled), "scheduled");
        assert_eq!(ghost_status(Status::Published), "published");
    }
}
