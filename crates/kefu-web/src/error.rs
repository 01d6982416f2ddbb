//! The one place errors become HTTP responses, with the documented JSON envelope:
//! `{"error": {"code": "...", "message": "...", "field": "...", "existing_id": 1}}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// The error envelope every API error uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code, e.g. `invalid_email`, `conversation_not_found`.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The record a conflict is with (e.g. the existing contact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<i64>,
}

/// An API error: status plus envelope.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
                field: None,
                existing_id: None,
            },
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(inv) => {
                let mut err =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, inv.code, inv.message);
                if inv.code == "wrong_credentials" {
                    err.status = StatusCode::UNAUTHORIZED;
                }
                err.detail.field = Some(inv.field.to_owned());
                err
            }
            AppError::NotFound(what) => {
                let code = format!(
                    "{}_not_found",
                    what.split_whitespace().next().unwrap_or("record")
                );
                ApiError::new(StatusCode::NOT_FOUND, &code, format!("{what} not found"))
            }
            AppError::Forbidden(msg) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", msg),
            AppError::Unauthorized => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "sign in, or send a valid API token as 'Authorization: Bearer <token>'",
            ),
            AppError::Conflict {
                code,
                message,
                existing_id,
            } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, code, message);
                err.detail.existing_id = existing_id;
                err
            }
            AppError::TooManyAttempts { retry_after_secs } => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("too many failed sign-ins; try again in {retry_after_secs} seconds"),
                );
                err.retry_after = Some(retry_after_secs);
                err
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; try again",
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = secs.to_string().parse()
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The same error for a browser page: the message as plain text with the status.
    pub fn into_response_html(self) -> Response {
        (self.status, self.detail.message).into_response()
    }
}

impl From<kefu_domain::Invalid> for ApiError {
    fn from(e: kefu_domain::Invalid) -> Self {
        AppError::Invalid(e).into()
    }
}
