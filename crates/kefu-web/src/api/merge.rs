//! Duplicates and merging contacts and organisations.

use crate::state::AppState;
use axum::Router;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct MergeApi;
