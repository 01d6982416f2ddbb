//! Customer pages: the archive list, contact and organisation pages, forms, the audit log.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
