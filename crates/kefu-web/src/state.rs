//! The shared state of every handler, and the sub-states handlers take.

use crate::i18n::I18n;
use axum::extract::FromRef;
use kefu_app::App;
use std::sync::Arc;

/// Settings of the HTTP face.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The address people reach kefu at (for the widget snippet), e.g. `https://kefu.shop.cn`.
    /// Empty: taken from the request's Host header.
    pub public_url: String,
    /// Mark cookies `Secure` (when kefu is served over HTTPS).
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub i18n: Arc<I18n>,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub config: Arc<WebConfig>,
}

impl FromRef<AppState> for App {
    fn from_ref(s: &AppState) -> App {
        s.app.clone()
    }
}
