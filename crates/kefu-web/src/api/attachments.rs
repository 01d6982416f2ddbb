//! Attachments over HTTP: downloads with safe headers, multipart uploads with a
//! message, and each inbox's size limit.
//!
//! Uploading: `POST /api/v1/conversations/{id}/messages` (and the widget's
//! `POST /widget/v1/messages`) take either the JSON body or `multipart/form-data` with
//! the fields `body`, `private`, `client_id` and any number of file parts (up to 10).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use kefu_app::attachments::{self as att, Upload};
use kefu_store::attachments::AttachmentRow;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

/// The largest request the upload routes accept: the highest per-file limit an inbox
/// can set, plus room for the text and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = att::LARGEST_MAX_BYTES as usize + 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/attachments/{id}", get(download_attachment))
        .route(
            "/inboxes/{id}/attachment-limit",
            put(set_inbox_attachment_limit),
        )
}

#[derive(OpenApi)]
#[openapi(paths(download_attachment, set_inbox_attachment_limit))]
pub struct AttachmentsApi;

/// A message as posted, from JSON or from a multipart form with files.
#[derive(Debug, Default)]
pub struct MessageInput {
    pub body: String,
    pub private: bool,
    pub client_id: Option<String>,
    pub files: Vec<Upload>,
}

#[derive(Deserialize)]
struct JsonMessage {
    body: String,
    #[serde(default)]
    private: bool,
    client_id: Option<String>,
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the files together are larger than {} MB",
                UPLOAD_BODY_LIMIT / (1024 * 1024) - 1
            ),
        );
    }
    ApiError::bad_request(
        "invalid_multipart",
        format!("the form could not be read: {}", e.body_text()),
    )
}

/// Reads one file part; a file over `limit` is read to its end (to name its size) but
/// never kept.
async fn read_file(
    mut field: axum::extract::multipart::Field<'_>,
    filename: String,
    limit: i64,
) -> ApiResult<Upload> {
    let content_type = field.content_type().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    let mut size: i64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size = size.saturating_add(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
        if size <= limit {
            bytes.extend_from_slice(&chunk);
        } else {
            bytes = Vec::new();
        }
    }
    att::check_size(&filename, size, limit)?;
    Ok(Upload {
        filename,
        content_type,
        bytes,
    })
}

async fn read_multipart(mut form: Multipart, limit: i64) -> ApiResult<MessageInput> {
    let mut input = MessageInput::default();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        if let Some(filename) = field.file_name().map(str::to_owned) {
            if input.files.len() >= att::MAX_FILES {
                return Err(kefu_domain::Invalid::new(
                    "files",
                    "too_many_attachments",
                    format!("a message can carry at most {} files", att::MAX_FILES),
                )
                .into());
            }
            input.files.push(read_file(field, filename, limit).await?);
            continue;
        }
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(multipart_error)?;
        match name.as_str() {
            "body" => input.body = text,
            "private" => input.private = matches!(text.trim(), "true" | "1" | "on" | "yes"),
            "client_id" => input.client_id = Some(text).filter(|t| !t.is_empty()),
            _ => {}
        }
    }
    Ok(input)
}

/// Reads a posted message: JSON, or a multipart form whose files must each fit `limit`.
/// `limit` is awaited only when files come (it costs a read).
pub async fn read_message(
    req: Request,
    limit: impl Future<Output = ApiResult<i64>>,
) -> ApiResult<MessageInput> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        let limit = limit.await?;
        let form = Multipart::from_request(req, &())
            .await
            .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
        return read_multipart(form, limit).await;
    }
    // JSON keeps the API's usual 1 MiB limit; the route's larger one is for files.
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::router::BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than 1 MiB; send files as multipart/form-data",
            )
        })?;
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let ApiJson(m) = ApiJson::<JsonMessage>::from_request(req, &()).await?;
    Ok(MessageInput {
        body: m.body,
        private: m.private,
        client_id: m.client_id,
        files: Vec::new(),
    })
}

/// `attachment; filename="fallback"; filename*=UTF-8''…` (RFC 6266 with RFC 5987).
pub fn content_disposition(row: &AttachmentRow) -> String {
    let kind = if att::files::previewable(&row.content_type) {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = row
        .filename
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let encoded: String =
        row.filename
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|'
                | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The file itself: its type, inline only for sniffed images, never sniffed by the
/// browser, never cached by shared caches, and sandboxed should it be opened anyway.
pub fn file_response(row: &AttachmentRow, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    let value = |s: &str| {
        HeaderValue::from_str(s)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(&row.content_type));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(row)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    res
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, description = "the file: PNG, JPEG, GIF and WebP images (by their bytes) with Content-Disposition inline, everything else as attachment; filename* carries the UTF-8 name", content_type = "application/octet-stream"),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download_attachment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (row, bytes) = att::open_attachment(&s.app, &actor, id).await?;
    Ok(file_response(&row, bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct AttachmentLimit {
    /// Largest file in bytes, 1 to 52,428,800 (50 MiB); null for the default (20 MiB).
    pub max_attachment_bytes: Option<i64>,
}

/// Sets the largest file an inbox accepts per attachment (admins).
#[utoipa::path(put, path = "/api/v1/inboxes/{id}/attachment-limit", tag = "inboxes", params(("id" = i64, Path)), request_body = AttachmentLimit,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_inbox_attachment_limit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AttachmentLimit>,
) -> ApiResult<StatusCode> {
    att::set_inbox_limit(&s.app, &actor, id, req.max_attachment_bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}
