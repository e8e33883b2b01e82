//! The media library: upload (file picker, or drag and drop and paste in the editor),
//! browse and search, edit the words that travel with a picture, and use one as an
//! article's featured image. Variants are made after the upload has been answered;
//! the editor's script follows their progress.

use super::articles::editable;
use super::desk::{desk_error, Desk, NoDeskPage, Segments};
use crate::{AppState, WebError};
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use chrono::Utc;
use masthead_core::article::FeaturedImage;
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::ids::MediaId;
use masthead_core::media::Media;
use masthead_core::people::Person;
use masthead_core::store::PageRequest;
use masthead_media::{Kind, MediaError};
use masthead_render::newsroom::{MediaItemView, MediaLibraryView};
use masthead_render::views::{media_src, PageView};
use serde::{Deserialize, Serialize};

/// Pictures per page of the library.
const LIBRARY_PAGE: u32 = 24;

#[derive(Deserialize)]
pub struct LibraryParams {
    q: Option<String>,
    page: Option<String>,
    /// Picking a featured image for this article.
    #[serde(rename = "for")]
    for_article: Option<i64>,
    uploaded: Option<i64>,
}

/// What the visual editor's library picker gets: a page of pictures, newest first,
/// and how many match in all.
#[derive(Serialize)]
struct LibraryPage {
    items: Vec<MediaItemView>,
    total: u64,
}

pub async fn library(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    headers: HeaderMap,
    Query(p): Query<LibraryParams>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Some(number) = crate::paging::page_number(p.page.as_deref()) else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "The library has no page by that number.",
        )
        .await);
    };
    let search = p.q.clone().unwrap_or_default();
    let page = state
        .store
        .media_library(&search, PageRequest::numbered(number, LIBRARY_PAGE))
        .await?;
    if wants_json(&headers) {
        return Ok(Json(LibraryPage {
            items: page.items.iter().map(item_view).collect(),
            total: page.total,
        })
        .into_response());
    }
    let site = state.site.get(&*state.store).await?;
    let mut chrome = desk.chrome(&site.settings, "Media library");
    chrome.current = "media";
    let mut query = Vec::new();
    if !search.is_empty() {
        query.push(("q", search.clone()));
    }
    if let Some(a) = p.for_article {
        query.push(("for", a.to_string()));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let view = MediaLibraryView {
        items: page.items.iter().map(item_view).collect(),
        pages: PageView::numbering(&page),
        search,
        for_article: p.for_article,
        uploaded: p.uploaded,
        query: if query.is_empty() {
            query
        } else {
            format!("{query}&")
        },
        chrome,
    };
    Ok(Html(state.theme.render("newsroom/media.html", &view)?).into_response())
}

fn item_view(m: &Media) -> MediaItemView {
    // The smallest variant makes the thumbnail, once there is one.
    let thumb = m
        .variants
        .iter()
        .find(|v| v.mime_type == "image/webp")
        .map(|v| format!("/media/{}", v.storage_key))
        .unwrap_or_else(|| media_src(m));
    MediaItemView {
        id: m.id.0,
        src: media_src(m),
        thumb,
        alt: m.alt.clone(),
        caption: m.caption.clone(),
        credit: m.credit.clone(),
        width: m.width.unwrap_or_default(),
        height: m.height.unwrap_or_default(),
        variants: m.variants.len(),
    }
}

/// Whether the editor's script asked (it wants JSON, not a page).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// What the editor's script gets back for an upload.
#[derive(Serialize)]
struct Uploaded {
    id: i64,
    url: String,
    alt: String,
    progress: String,
}

/// Takes an upload: checks and cleans it on a blocking thread, stores the original,
/// answers, then makes the variants.
pub async fn upload(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let wants_json = wants_json(&headers);
    let shared = &state;
    let refuse = |status: StatusCode, message: String| async move {
        if wants_json {
            Ok(crate::ApiError::new(status, message).into_response())
        } else {
            Err(desk_error(shared, status, Some(person), "Upload refused", &message).await)
        }
    };
    let (mut bytes, mut alt, mut caption, mut credit) =
        (None, String::new(), String::new(), String::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    format!("the upload was cut off or malformed: {e}"),
                )
                .await
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let data = match field.bytes().await {
            Ok(data) => data,
            Err(_) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    MediaError::TooLarge.to_string(),
                )
                .await
            }
        };
        let text = || String::from_utf8_lossy(&data).trim().to_owned();
        // Like every form (`forms::sent_csrf`): no stored text holds a NUL.
        if name != "file" && data.contains(&0) {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the picture's words hold a NUL character, which no field may contain".to_owned(),
            )
            .await;
        }
        match name.as_str() {
            "file" => bytes = Some(data),
            "alt" => alt = text(),
            "caption" => caption = text(),
            "credit" => credit = text(),
            _ => {}
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose a picture to upload".to_owned(),
        )
        .await;
    };
    let media =
        match crate::pictures::store_picture(&state, bytes, alt, caption, credit, Some(person.id))
            .await
        {
            Ok(media) => media,
            Err((status, message)) => return refuse(status, message).await,
        };
    if wants_json {
        return Ok((
            StatusCode::CREATED,
            Json(Uploaded {
                id: media.id.0,
                url: media_src(&media),
                alt: media.alt.clone(),
                progress: format!("/newsroom/media/{}/progress", media.id),
            }),
        )
            .into_response());
    }
    Ok(Redirect::to(&format!("/newsroom/media?uploaded={}", media.id)).into_response())
}

#[derive(Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

/// How many of an upload's variants are made.
pub async fn progress(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let Some(media) = state.store.media(MediaId(id)).await? else {
        return Ok(
            crate::ApiError::new(StatusCode::NOT_FOUND, "There is no such picture.")
                .into_response(),
        );
    };
    let total = match (media.width, Kind::from_mime(&media.mime_type)) {
        (Some(width), Some(kind)) => masthead_media::plan(width, kind).len(),
        _ => 0,
    };
    Ok(Json(Progress {
        done: media.variants.len().min(total),
        total,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct WordsForm {
    #[serde(default)]
    alt: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
}

async fn no_such_picture(state: &AppState, person: &Person) -> WebError {
    desk_error(
        state,
        StatusCode::NOT_FOUND,
        Some(person),
        "No such picture",
        "That picture is not in the library.",
    )
    .await
}

/// Changes a picture's alt text, caption and credit.
pub async fn update(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<WordsForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Some(media) = state.store.media(MediaId(id)).await? else {
        return Err(no_such_picture(&state, person).await);
    };
    // Every article using the picture shows its words: only the person who uploaded
    // it and the editors change them.
    if !masthead_core::media::may_describe(person, &media) {
        return Err(desk_error(
            &state,
            StatusCode::FORBIDDEN,
            Some(person),
            "Not your picture",
            "Only the person who uploaded this picture, or an editor, can change its words.",
        )
        .await);
    }
    state
        .store
        .update_media_text(
            MediaId(id),
            &form.alt,
            &form.caption,
            &form.credit,
            &NewAuditEntry {
                at: Utc::now(),
                actor: Some(person.id),
                action: AuditAction::MediaDescribed,
                target: format!("picture {id}: {}", form.alt.trim()),
                ip: desk.ip.clone(),
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/newsroom/media?uploaded={id}")).into_response())
}

#[derive(Deserialize)]
pub struct FeaturedForm {
    media: i64,
}

/// Makes a library picture the article's featured image, with its words.
pub async fn use_as_featured(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(form): Form<FeaturedForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let Some(media) = state.store.media(MediaId(form.media)).await? else {
        return Err(no_such_picture(&state, person).await);
    };
    if media.alt.trim().is_empty() {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Describe the picture first",
            "A featured image needs alt text for readers who cannot see it: add it in the library, then choose the picture again.",
        )
        .await);
    }
    let mut content = super::articles::content_of(&article);
    content.featured_image = Some(FeaturedImage {
        media_id: media.id,
        alt: media.alt.clone(),
        caption: media.caption.clone(),
        credit: media.credit.clone(),
    });
    state
        .newsroom
        .update(
            super::articles::actor(person),
            article.id,
            content,
            Utc::now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/newsroom/articles/{}?notice=saved", article.id)).into_response())
}
