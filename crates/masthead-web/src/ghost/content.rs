//! Ghost's Content API under `/ghost/api/content/`: what is published, for anyone
//! holding an integration's Content API key (public by design). A key reads as an
//! anonymous reader: gated bodies stop at their preview cut (`access::can_read`).
//! CORS is open, as Ghost's is: the key is meant to be used from browsers.

use super::{only, pagination, ApiError, Params};
use crate::api_json::{self as json, Context};
use crate::AppState;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use masthead_core::access::Reader;
use masthead_core::integration::Integration;
use masthead_core::nql::{self, Filter, Op, Operand, PostQuery, Value as NqlValue};
use masthead_core::store::{Page, PageRequest};
use serde_json::{json, Value};

/// What Ghost's Content API answers as its version.
const CONTENT_VERSION: &str = "v6.0";

pub fn router() -> Router<AppState> {
    let mut routes = Router::new();
    for (path, handler) in [
        ("posts", get(posts)),
        ("posts/{id}", get(post_by_id)),
        ("posts/slug/{slug}", get(post_by_slug)),
        ("pages", get(pages)),
        ("pages/{id}", get(page_by_id)),
        ("pages/slug/{slug}", get(page_by_slug)),
        ("tags", get(tags)),
        ("tags/{id}", get(tag_by_id)),
        ("tags/slug/{slug}", get(tag_by_slug)),
        ("authors", get(authors)),
        ("authors/{id}", get(author_by_id)),
        ("authors/slug/{slug}", get(author_by_slug)),
        ("tiers", get(tiers)),
        ("settings", get(settings)),
    ] {
        // Ghost's clients ask with the trailing slash; people often without.
        routes = routes
            .route(&format!("/ghost/api/content/{path}/"), handler.clone())
            .route(&format!("/ghost/api/content/{path}"), handler);
    }
    // Anything else under the prefix: Ghost's JSON 404, not a reader's page.
    routes
        .route(
            "/ghost/api/content/{*rest}",
            axum::routing::any(super::unknown),
        )
        .route("/ghost/api/content/", axum::routing::any(super::unknown))
        .layer(axum::middleware::from_fn(cors))
}

/// Ghost's CORS for the Content API: any origin, GET, and the answer to a preflight.
async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Accept-Version, Authorization, Content-Type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert("content-version", HeaderValue::from_static(CONTENT_VERSION));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Version, Accept-Encoding"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=0"),
        );
    }
    response
}

/// The integration whose Content API key the request carries, checked as Ghost
/// checks it (none is 403, two are 400, an unknown one 401), and counted against its
/// rate limit (past it, 429).
async fn authorize(state: &AppState, params: &Params) -> Result<Integration, ApiError> {
    let key = match params.keys.as_slice() {
        [] => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "NoPermissionError",
                "Authorization failed",
            )
            .context(
                "Unable to determine the authenticated member or integration. Check the \
                 supplied Content API Key and ensure cookies are being passed through if \
                 member auth is failing.",
            ))
        }
        [key] => key,
        _ => {
            return Err(ApiError::bad_request("Invalid Request").code("INVALID_REQUEST"));
        }
    };
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedError",
            "Unknown Content API Key",
        )
        .code("UNKNOWN_CONTENT_API_KEY")
    };
    if !masthead_core::integration::is_content_key(key) {
        return Err(unknown());
    }
    let integration = state
        .store
        .integration_by_content_key(key)
        .await?
        .ok_or_else(unknown)?;
    state
        .api_limits
        .check(&integration)
        .map_err(ApiError::too_many)?;
    Ok(integration)
}

/// What every answer needs: the site's address, zone and the pictures shown.
struct Shared {
    zone: chrono_tz::Tz,
    media: Vec<masthead_core::media::Media>,
    formats: Vec<String>,
    include: Vec<String>,
}

impl Shared {
    fn context<'a>(&'a self, state: &'a AppState) -> Context<'a> {
        Context {
            base_url: &state.base_url,
            zone: self.zone,
            media: &self.media,
            formats: &self.formats,
            include: &self.include,
            reader: &Reader::Anonymous,
        }
    }
}

async fn shared(
    state: &AppState,
    media: Vec<masthead_core::ids::MediaId>,
    formats: Vec<String>,
    include: Vec<String>,
) -> Result<Shared, ApiError> {
    let zone = state.site.get(&*state.store).await?.settings.zone();
    Ok(Shared {
        zone,
        media: state.store.media_many(&media).await?,
        formats,
        include,
    })
}

/// `{"<resource>": [...], "meta": {"pagination": ...}}`.
fn browse(resource: &str, page: Page<Value>, params: &Params) -> Response {
    let meta = pagination(&page, params.page_number());
    Json(json!({ resource: page.items, "meta": { "pagination": meta } })).into_response()
}

/// `{"<resource>": [one]}`, as Ghost answers a read.
fn read(resource: &str, item: Value) -> Response {
    Json(json!({ resource: [item] })).into_response()
}

/// A filter on `property` equal to `value` (a read by id or slug).
fn equal(property: &str, value: &str) -> Filter {
    Filter::Condition {
        property: property.to_owned(),
        op: Op::Eq,
        operand: Operand::One(NqlValue::Text(value.to_owned())),
    }
}

/// Posts as asked: filtered, ordered, one page, each in Ghost's shape.
async fn post_page(
    state: &AppState,
    params: &Params,
    filter: Option<Filter>,
    page: PageRequest,
) -> Result<Page<Value>, ApiError> {
    let include = params.includes(&["authors", "tags", "tiers"])?;
    let formats = params.formats()?;
    let order = match params.order.as_deref() {
        Some(order) => nql::parse_order(order)
            .map_err(|e| ApiError::validation(format!("Validation failed for order: {e}")))?,
        None => Vec::new(),
    };
    let found = state
        .store
        .api_posts(&PostQuery {
            scope: nql::Scope::Published,
            filter,
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
    let shared = shared(state, media, formats, include).await?;
    let ctx = shared.context(state);
    Ok(found.map(|a| only(json::post(&ctx, &a), &with_id(&params.fields))))
}

/// Posts keep their id whatever `fields` asks (Ghost's docs: `fields=title,url` gives
/// `id`, `title`, `url`).
fn with_id(fields: &[String]) -> Vec<String> {
    let mut fields = fields.to_vec();
    if !fields.is_empty() && !fields.iter().any(|f| f == "id") {
        fields.push("id".to_owned());
    }
    fields
}

async fn posts(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    authorize(&state, &params).await?;
    let page = post_page(&state, &params, params.filter()?, params.page()?).await?;
    Ok(browse("posts", page, &params))
}

async fn one_post(state: &AppState, params: &Params, filter: Filter) -> Result<Response, ApiError> {
    let one = PageRequest {
        offset: 0,
        limit: 1,
    };
    first(
        post_page(state, params, Some(filter), one).await?,
        "posts",
        "Post",
    )
}

async fn post_by_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    authorize(&state, &params).await?;
    if nql::post_id(&id).is_none() {
        return Err(ApiError::not_found("Post not found."));
    }
    one_post(&state, &params, equal("id", &id)).await
}

async fn post_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    authorize(&state, &params).await?;
    one_post(&state, &params, equal("slug", &slug)).await
}

/// A short list (tags, authors, pages, tiers) filtered by the request's `filter` and
/// `pick` (a read by id or slug), ordered by its `order` over the fields `lookup`
/// knows, and paged, in memory.
fn in_memory<T>(
    params: &Params,
    mut items: Vec<T>,
    pick: Option<Filter>,
    lookup: impl Fn(&T, &str) -> Option<Vec<String>>,
) -> Result<Page<T>, ApiError> {
    let page = params.page()?;
    // A read by id or slug is a browse narrowed to it.
    let filter = match (params.filter()?, pick) {
        (Some(filter), Some(pick)) => Some(Filter::All(vec![pick, filter])),
        (filter, pick) => filter.or(pick),
    };
    if let Some(filter) = filter {
        let now = Utc::now();
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            let holds =
                nql::holds(&filter, &|p| lookup(&item, p), now).map_err(ApiError::bad_request)?;
            if holds {
                kept.push(item);
            }
        }
        items = kept;
    }
    if let Some(order) = params.order.as_deref() {
        let keys = nql::order_keys(order)
            .map_err(|e| ApiError::validation(format!("Validation failed for order: {e}")))?;
        for (field, _) in &keys {
            if items.first().is_some_and(|i| lookup(i, field).is_none()) {
                return Err(ApiError::validation(format!(
                    "Validation failed for order: cannot order by {field:?}"
                )));
            }
        }
        items.sort_by(|a, b| {
            for (field, descending) in &keys {
                let (x, y) = (lookup(a, field), lookup(b, field));
                let o = x.cmp(&y);
                if o.is_ne() {
                    return if *descending { o.reverse() } else { o };
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = items.len() as u64;
    let items = items
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect();
    Ok(Page {
        items,
        total,
        offset: page.offset,
        limit: page.limit,
    })
}

/// The first of `page`, or a 404 saying `what` was not found.
fn first(mut page: Page<Value>, resource: &str, what: &str) -> Result<Response, ApiError> {
    if page.items.is_empty() {
        return Err(ApiError::not_found(format!("{what} not found.")));
    }
    Ok(read(resource, page.items.remove(0)))
}

/// How many published posts match `filter`.
async fn published_count(state: &AppState, filter: Filter) -> Result<u64, ApiError> {
    Ok(state
        .store
        .api_posts(&PostQuery {
            scope: nql::Scope::Published,
            filter: Some(filter),
            order: Vec::new(),
            page: PageRequest {
                offset: 0,
                limit: 1,
            },
            now: Utc::now(),
        })
        .await?
        .total)
}

async fn page_list(
    state: &AppState,
    params: &Params,
    pick: Option<Filter>,
) -> Result<Page<Value>, ApiError> {
    authorize(state, params).await?;
    let include = params.includes(&["authors", "tags", "tiers"])?;
    let formats = params.formats()?;
    let pages = state.store.static_pages(true).await?;
    let found = in_memory(params, pages, pick, page_field)?;
    let shared = shared(state, Vec::new(), formats, include).await?;
    let ctx = shared.context(state);
    Ok(found.map(|p| only(json::page(&ctx, &p), &with_id(&params.fields))))
}

fn page_field(p: &masthead_core::page::StaticPage, property: &str) -> Option<Vec<String>> {
    let one = |s: &str| Some(vec![s.to_owned()]);
    match property {
        "id" => one(&json::id(p.id.0)),
        "slug" => one(&p.slug),
        "title" => one(&p.title),
        "created_at" | "published_at" => one(&p.created_at.to_rfc3339()),
        "updated_at" => one(&p.updated_at.to_rfc3339()),
        "visibility" => one("public"),
        "status" => one("published"),
        "featured" => one("false"),
        _ => None,
    }
}

async fn pages(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let page = page_list(&state, &params, None).await?;
    Ok(browse("pages", page, &params))
}

async fn page_by_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let found = page_list(&state, &params, Some(equal("id", &id))).await?;
    first(found, "pages", "Page")
}

async fn page_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let found = page_list(&state, &params, Some(equal("slug", &slug))).await?;
    first(found, "pages", "Page")
}

fn tag_field(t: &masthead_core::taxonomy::Tag, property: &str) -> Option<Vec<String>> {
    let one = |s: &str| Some(vec![s.to_owned()]);
    match property {
        "id" => one(&json::id(t.id.0)),
        "slug" => one(&t.slug),
        "name" => one(&t.name),
        "description" => one(&t.description),
        "visibility" => one("public"),
        _ => None,
    }
}

async fn tag_list(
    state: &AppState,
    params: &Params,
    pick: Option<Filter>,
) -> Result<Page<Value>, ApiError> {
    authorize(state, params).await?;
    let include = params.includes(&["count.posts"])?;
    let all = state.store.tags().await?;
    let found = in_memory(params, all, pick, tag_field)?;
    let counting = include.iter().any(|i| i == "count.posts");
    let shared = shared(state, Vec::new(), Vec::new(), include.clone()).await?;
    let ctx = shared.context(state);
    let mut items = Vec::with_capacity(found.items.len());
    for t in &found.items {
        let posts = if counting {
            Some(published_count(state, equal("tag", &t.slug)).await?)
        } else {
            None
        };
        items.push(only(json::tag(&ctx, t, posts), &params.fields));
    }
    Ok(Page {
        items,
        total: found.total,
        offset: found.offset,
        limit: found.limit,
    })
}

async fn tags(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let page = tag_list(&state, &params, None).await?;
    Ok(browse("tags", page, &params))
}

async fn tag_by_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    first(
        tag_list(&state, &params, Some(equal("id", &id))).await?,
        "tags",
        "Tag",
    )
}

async fn tag_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    first(
        tag_list(&state, &params, Some(equal("slug", &slug))).await?,
        "tags",
        "Tag",
    )
}

fn author_field(p: &masthead_core::people::Person, property: &str) -> Option<Vec<String>> {
    let one = |s: &str| Some(vec![s.to_owned()]);
    match property {
        "id" => one(&json::id(p.id.0)),
        "slug" => one(&p.slug),
        "name" => one(&p.name),
        "bio" => one(&p.bio),
        "kind" => one(p.kind.as_str()),
        _ => None,
    }
}

async fn author_list(
    state: &AppState,
    params: &Params,
    pick: Option<Filter>,
) -> Result<Page<Value>, ApiError> {
    authorize(state, params).await?;
    let include = params.includes(&["count.posts"])?;
    // Everyone who may have a byline and has not left.
    let people: Vec<_> = state
        .store
        .people()
        .await?
        .into_iter()
        .filter(|p| p.deactivated_at.is_none())
        .collect();
    let found = in_memory(params, people, pick, author_field)?;
    let counting = include.iter().any(|i| i == "count.posts");
    let photos: Vec<_> = found.items.iter().filter_map(|p| p.avatar).collect();
    let shared = shared(state, photos, Vec::new(), include.clone()).await?;
    let ctx = shared.context(state);
    let mut items = Vec::with_capacity(found.items.len());
    for p in &found.items {
        let posts = if counting {
            Some(published_count(state, equal("author", &p.slug)).await?)
        } else {
            None
        };
        items.push(only(json::author(&ctx, p, posts), &params.fields));
    }
    Ok(Page {
        items,
        total: found.total,
        offset: found.offset,
        limit: found.limit,
    })
}

async fn authors(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    let page = author_list(&state, &params, None).await?;
    Ok(browse("authors", page, &params))
}

async fn author_by_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    first(
        author_list(&state, &params, Some(equal("id", &id))).await?,
        "authors",
        "Author",
    )
}

async fn author_by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    first(
        author_list(&state, &params, Some(equal("slug", &slug))).await?,
        "authors",
        "Author",
    )
}

fn tier_field(t: &masthead_core::tier::Tier, property: &str) -> Option<Vec<String>> {
    let one = |s: &str| Some(vec![s.to_owned()]);
    match property {
        "id" => one(&json::id(t.id.0)),
        "slug" => one(&t.slug),
        "name" => one(&t.name),
        "type" => one(if t.paid { "paid" } else { "free" }),
        "visibility" => one(if t.public { "public" } else { "none" }),
        "active" => one(if t.archived { "false" } else { "true" }),
        "monthly_price" => one(&t.monthly_price.to_string()),
        "yearly_price" => one(&t.yearly_price.to_string()),
        _ => None,
    }
}

async fn tiers(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    authorize(&state, &params).await?;
    params.includes(&["monthly_price", "yearly_price", "benefits"])?;
    let mut offered = state.store.tiers(false).await?;
    if params.order.is_none() {
        offered.sort_by_key(|t| (t.monthly_price, t.id));
    }
    let found = in_memory(&params, offered, None, tier_field)?;
    let shared = shared(&state, Vec::new(), Vec::new(), Vec::new()).await?;
    let ctx = shared.context(&state);
    Ok(browse(
        "tiers",
        found.map(|t| only(json::tier(&ctx, &t), &params.fields)),
        &params,
    ))
}

async fn settings(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::read(q.as_deref());
    authorize(&state, &params).await?;
    let site = state.site.get(&*state.store).await?;
    let shared = shared(&state, Vec::new(), Vec::new(), Vec::new()).await?;
    let ctx = shared.context(&state);
    let settings = only(
        json::settings(&ctx, &site.settings, &site.sections),
        &params.fields,
    );
    Ok(Json(json!({ "settings": settings, "meta": {} })).into_response())
}
