//! Picture uploads through the Admin API (`images/upload/`, Ghost's multipart form:
//! `file`, `purpose`, `ref`): into the media library, checked and cleaned as the
//! newsroom's uploads are, answered with the picture's address to use as a post's
//! `feature_image` or in its body.

use super::super::ApiError;
use super::auth::Caller;
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

#[utoipa::path(
    post,
    path = "/ghost/api/admin/images/upload/",
    request_body(content = super::openapi::Upload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The picture, in the media library", body = super::openapi::UploadedImages), (status = "4XX", description = "Ghost's error: the request is refused, and why", body = super::openapi::Errors)),
    tag = "images"
)]
pub async fn image(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let refused =
        |status: StatusCode, message: String| ApiError::new(status, "ValidationError", message);
    let (mut bytes, mut reference) = (None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "The upload was cut off or malformed: {e}"
                )))
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|_| {
            refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                masthead_media::MediaError::TooLarge.to_string(),
            )
        })?;
        match name.as_str() {
            "file" => bytes = Some(data),
            "ref" if !data.contains(&0) => {
                reference = Some(String::from_utf8_lossy(&data).into_owned());
            }
            _ => {}
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please select an image: the form's file field is empty.".to_owned(),
        ));
    };
    let media = crate::pictures::store_picture(
        &state,
        bytes,
        String::new(),
        String::new(),
        String::new(),
        Some(caller.person().id),
    )
    .await
    .map_err(|(status, message)| refused(status, message))?;
    let url = format!(
        "{}{}",
        state.base_url,
        masthead_render::views::media_src(&media)
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({"images": [{"url": url, "ref": reference}]})),
    )
        .into_response())
}
