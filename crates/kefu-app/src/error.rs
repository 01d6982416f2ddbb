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

impl AppError {
    /// Whether storing the same thing again would fail again: refused input, a conflict
    /// with what is stored, or data the database cannot hold ([`StoreError::refuses_the_data`]).
    /// Not so for a lost connection, a deadlock, a timeout or a missing blob store.
    pub fn refuses_the_data(&self) -> bool {
        match self {
            AppError::Invalid(_) | AppError::Conflict { .. } => true,
            AppError::Store(e) => e.refuses_the_data(),
            _ => false,
        }
    }
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
