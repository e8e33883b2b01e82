//! Pictures into the media library, for every surface that takes them (the
//! newsroom's uploads, embeds' thumbnails, the Admin API's uploads): checked and
//! cleaned on a blocking thread one at a time, the original stored, its smaller
//! copies made afterwards, and copies a stop interrupted finished at the next start.

use crate::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use masthead_core::ids::MediaId;
use masthead_core::media::{Media, MediaVariant, NewMedia};
use masthead_core::store::{PageRequest, Store};
use masthead_media::{Files, Kind, MediaError};
use std::path::PathBuf;
use std::sync::Arc;

/// Stores a picture in the library (checked, oriented, its smaller copies made
/// afterwards): an upload, or an embed's thumbnail fetched by the server. The error
/// is the status and sentence to answer with.
pub async fn store_picture(
    state: &AppState,
    bytes: axum::body::Bytes,
    alt: String,
    caption: String,
    credit: String,
    uploaded_by: Option<masthead_core::ids::PersonId>,
) -> Result<Media, (StatusCode, String)> {
    let prepared = match image_work(move || masthead_media::prepare(&bytes)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e @ (MediaError::TooLarge | MediaError::TooManyPixels))) => {
            return Err((StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))
        }
        Ok(Err(e)) => return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string())),
        Err(_) => {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the picture could not be processed".to_owned(),
            ))
        }
    };
    let files = Files::new(&state.media_dir);
    let base = Files::new_key(Utc::now());
    let key = format!("{base}.{}", prepared.kind.extension());
    let written = {
        let (files, key, data) = (files.clone(), key.clone(), prepared.bytes.clone());
        tokio::task::spawn_blocking(move || files.write(&key, &data)).await
    };
    if !matches!(written, Ok(Ok(()))) {
        tracing::error!(key, "cannot write an uploaded file");
        return Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            "the picture could not be stored; try again".to_owned(),
        ));
    }
    let media = state
        .store
        .create_media(&NewMedia {
            storage_key: key,
            mime_type: prepared.kind.mime().to_owned(),
            width: Some(prepared.width),
            height: Some(prepared.height),
            byte_size: u64::try_from(prepared.bytes.len()).unwrap_or(u64::MAX),
            alt,
            caption,
            credit,
            uploaded_by,
            variants: Vec::new(),
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot record a stored picture");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the picture could not be recorded; try again".to_owned(),
            )
        })?;
    let planned = masthead_media::plan(prepared.width, prepared.kind);
    tokio::spawn(make_variants(
        state.store.clone(),
        files,
        media.id,
        base,
        planned,
        Arc::new(prepared.image),
    ));
    Ok(media)
}

/// Image work running at once: decoding an upload or making one variant. One at a
/// time, so however many uploads arrive together, memory holds one decoded picture
/// (at most `masthead_media::MAX_PIXELS`) and the others wait their turn.
static IMAGE_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Runs `work` on a blocking thread once an image slot is free.
async fn image_work<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let slot = IMAGE_SLOTS.acquire().await.map_err(|e| e.to_string())?;
    // Held until the work is done, even if whoever waits for it goes away.
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|e| e.to_string())
}

/// Makes an upload's variants one by one, off the request path; each is stored as soon
/// as it is written, so the progress shows and a crash keeps what was done.
async fn make_variants(
    store: Arc<dyn Store>,
    files: Files,
    media: MediaId,
    base: String,
    planned: Vec<(u32, Kind)>,
    image: Arc<masthead_media::Image>,
) -> bool {
    // Each width is made once and written in each of its formats.
    let mut widths: Vec<u32> = planned.iter().map(|(w, _)| *w).collect();
    widths.dedup();
    for width in widths {
        let kinds: Vec<Kind> = planned
            .iter()
            .filter(|(w, _)| *w == width)
            .map(|(_, k)| *k)
            .collect();
        let made = {
            let (image, files, base) = (image.clone(), files.clone(), base.clone());
            image_work(move || {
                let resized = masthead_media::resize(&image, width);
                let mut made = Vec::new();
                for kind in kinds {
                    let key = format!("{base}-{width}.{}", kind.extension());
                    let bytes =
                        masthead_media::encode(&resized, kind).map_err(|e| e.to_string())?;
                    files.write(&key, &bytes).map_err(|e| e.to_string())?;
                    made.push(MediaVariant {
                        width,
                        height: resized.height(),
                        mime_type: kind.mime().to_owned(),
                        storage_key: key,
                        byte_size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                    });
                }
                Ok::<_, String>(made)
            })
            .await
        };
        let made = match made {
            Ok(Ok(made)) => made,
            Ok(Err(e)) => {
                tracing::error!(%media, width, error = %e, "cannot make a variant");
                return false;
            }
            Err(e) => {
                tracing::error!(%media, width, error = %e, "variant task failed");
                return false;
            }
        };
        for variant in &made {
            if let Err(e) = store.add_media_variant(media, variant).await {
                tracing::error!(%media, width, error = %e, "cannot record a variant");
                return false;
            }
        }
    }
    true
}

/// Pictures looked at per page when resuming.
const RESUME_PAGE: u32 = 100;

/// Finishes the variants of newsroom uploads (`uploads/...`) that a stop or a crash
/// interrupted: each planned variant a picture lacks is made from its stored
/// original. Pictures from elsewhere (the demo, imports) keep the variants they came
/// with, and uploads since `started` are left to their own task. Returns how many
/// pictures were completed. Runs at start, in the background.
pub async fn resume_variants(
    store: Arc<dyn Store>,
    media_dir: PathBuf,
    started: DateTime<Utc>,
) -> usize {
    let files = Files::new(&media_dir);
    let mut completed = 0;
    for number in 1.. {
        let page = match store
            .media_library("", PageRequest::numbered(number, RESUME_PAGE))
            .await
        {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "cannot list pictures to finish their variants");
                break;
            }
        };
        for media in &page.items {
            let (Some(width), Some(kind)) = (media.width, Kind::from_mime(&media.mime_type)) else {
                continue;
            };
            if media.created_at >= started {
                continue;
            }
            let Some(base) = media
                .storage_key
                .strip_prefix("uploads/")
                .and_then(|_| media.storage_key.rsplit_once('.'))
                .map(|(base, _)| base.to_owned())
            else {
                continue;
            };
            let missing: Vec<(u32, Kind)> = masthead_media::plan(width, kind)
                .into_iter()
                .filter(|(w, k)| {
                    !media
                        .variants
                        .iter()
                        .any(|v| v.width == *w && v.mime_type == k.mime())
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let decoded = {
                let (files, key) = (files.clone(), media.storage_key.clone());
                image_work(move || {
                    let bytes = files.read(&key).map_err(|e| e.to_string())?;
                    masthead_media::prepare(&bytes).map_err(|e| e.to_string())
                })
                .await
            };
            match decoded {
                Ok(Ok(prepared)) => {
                    let image = Arc::new(prepared.image);
                    let store = store.clone();
                    if make_variants(store, files.clone(), media.id, base, missing, image).await {
                        completed += 1;
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(media = %media.id, error = %e, "cannot finish a picture's variants")
                }
                Err(e) => tracing::error!(media = %media.id, error = %e, "variant task failed"),
            }
        }
        if u64::from(number) * u64::from(RESUME_PAGE) >= page.total {
            break;
        }
    }
    if completed > 0 {
        tracing::info!(
            completed,
            "finished the variants of pictures interrupted earlier"
        );
    }
    completed
}
