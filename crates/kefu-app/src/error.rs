//! The one error type of the use cases; the web layer turns it into responses.

use kefu_domain::Invalid;
use kefu_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        existing_id: Option<i64>,
    },
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("storage error: {0}")]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(name) => AppError::Conflict {
                code: "conflict",
                message: format!("this would duplicate an existing record ({name})"),
                existing_id: None,
            },
            other => AppError::Store(other),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
