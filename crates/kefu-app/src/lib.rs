//! kefu's use cases. Each takes the actor, checks permission, changes the store in
//! one transaction, appends the event, and wakes the event hub.

pub mod after_sales;
pub mod archive;
pub mod attachments;
pub mod auth;
pub mod automation;
pub mod blobs;
pub mod calendars;
pub mod complaints;
pub mod contacts;
pub mod conversation_search;
pub mod conversations;
pub mod demo;
pub mod email;
mod error;
pub mod events;
mod http;
pub mod inboxes;
pub mod jobs;
pub mod logistics;
pub mod macros;
pub mod merge;
pub mod orders;
pub mod organisations;
pub mod outreach;
pub mod privacy;
pub mod reminders;
pub mod reviews;
pub mod routing;
pub mod scripts;
pub mod search;
pub mod sla;
pub mod sla_clocks;
pub mod store_settings;
pub mod tasks;
pub mod teams;
pub mod tickets;
pub mod timeline;
pub mod transfer;
pub mod users;
pub mod widget;

pub use error::{AppError, AppResult};
pub use events::EventHub;

use kefu_domain::{Permission, Role, UiLocale};
use kefu_store::Db;
use std::sync::Arc;

/// How expensive password hashing is: `Production` in real use, `Fast` in tests only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCost {
    Production,
    Fast,
}

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub password_cost: PasswordCost,
    /// How long a browser session lasts without signing in again.
    pub session_days: i64,
    /// Where attachment bytes are kept.
    pub blobs: blobs::BlobSettings,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            password_cost: PasswordCost::Production,
            session_days: 14,
            blobs: blobs::BlobSettings::default(),
        }
    }
}

/// Everything a use case needs: the database, the event hub, the blob store, settings.
/// Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub hub: Arc<EventHub>,
    pub config: Arc<AppConfig>,
    /// Attachment bytes (see [`blobs`]).
    pub blobs: Arc<dyn blobs::BlobStore>,
}

impl App {
    /// Builds the app and starts its event tail (and, on PostgreSQL, its listener).
    pub async fn start(db: Db, config: AppConfig) -> AppResult<Self> {
        blobs::install_tls_provider();
        let blobs = blobs::open(&config.blobs)
            .map_err(|e| AppError::Internal(format!("while opening the blob store: {e}")))?;
        let hub = EventHub::start(db.clone()).await?;
        Ok(Self {
            db,
            hub,
            config: Arc::new(config),
            blobs,
        })
    }
}

/// A signed-in staff member acting through the UI or an API token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub locale: UiLocale,
}

impl Actor {
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "your role ({}) may not do this; ask a supervisor or an admin",
                self.role.as_str()
            )))
        }
    }
}
