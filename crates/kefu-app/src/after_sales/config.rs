//! The reason taxonomy (admins add reasons) and each store's policy windows (kefu's
//! defaults — 7-day no-reason return, 15 days for quality problems — where a store sets none).

use crate::archive::optional_text;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::after_sale::PolicyKind;
use kefu_domain::after_sale::window::Window;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::after_sales::config::{self, ReasonRow};
use kefu_store::{StoreError, audit};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub async fn list_reasons(app: &App, actor: &Actor) -> AppResult<Vec<ReasonRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(config::reasons(&app.db).await?)
}

/// The stores, for choosing one in a filter: (id, name).
pub async fn store_names(app: &App, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
    actor.require(Permission::WorkConversations)?;
    let stores = kefu_store::stores::list(&app.db).await?;
    Ok(stores.into_iter().map(|s| (s.id, s.name)).collect())
}

/// The window a reason is judged by; 422 naming the known reasons when it is not one.
pub(super) async fn reason_policy(app: &App, reason: &str) -> AppResult<PolicyKind> {
    let reasons = config::reasons(&app.db).await?;
    let key = reason.trim();
    match reasons.iter().find(|r| r.key == key) {
        Some(r) => Ok(PolicyKind::parse(&r.policy)?),
        None => {
            let known: Vec<&str> = reasons.iter().map(|r| r.key.as_str()).collect();
            Err(Invalid::new(
                "reason",
                "unknown_reason",
                format!("'{key}' is not a reason; use one of: {}", known.join(", ")),
            )
            .into())
        }
    }
}

/// A reason an admin adds.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewReason {
    /// Lower-case letters, digits and `_` (`wrong_colour`).
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
    /// The window it is judged by: `no_reason` or `quality`.
    pub policy: String,
}

/// Adds a reason at the end of the taxonomy (admins); audited.
pub async fn add_reason(app: &App, actor: &Actor, r: &NewReason) -> AppResult<ReasonRow> {
    actor.require(Permission::ManageArchive)?;
    let key = r.key.trim();
    let word = !key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !word {
        return Err(Invalid::new(
            "key",
            "invalid_key",
            "a key is lower-case letters, digits and _ (at most 40)",
        )
        .into());
    }
    let label = |field: &'static str, v: &str| -> AppResult<String> {
        optional_text(field, &Some(v.to_owned()), 80)?
            .ok_or_else(|| Invalid::new(field, "required", "give the reason a label").into())
    };
    let (en, zh) = (
        label("label_en", &r.label_en)?,
        label("label_zh", &r.label_zh)?,
    );
    let policy = PolicyKind::parse(&r.policy)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    config::add_reason(&mut tx, key, &en, &zh, policy.as_str(), now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict {
                code: "duplicate_reason",
                message: format!("the reason '{key}' exists already"),
                existing_id: None,
            },
            other => other.into(),
        })?;
    let detail = json!({ "key": key, "label_en": en, "label_zh": zh, "policy": policy.as_str() });
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "after_sales.reason_added",
        "after_sales_reasons",
        &detail.to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    config::reasons(&app.db)
        .await?
        .into_iter()
        .find(|row| row.key == key)
        .ok_or(AppError::NotFound("reason"))
}

/// The window of a policy for a store: its own, or kefu's default.
pub(super) async fn window_of(app: &App, store_id: i64, policy: PolicyKind) -> AppResult<Window> {
    let own = config::windows(&app.db, store_id).await?;
    Ok(own
        .iter()
        .find(|(p, _)| p == policy.as_str())
        .and_then(|(_, days)| Window::new(policy, *days).ok())
        .unwrap_or_else(|| Window::default_for(policy)))
}

/// A store's windows in days.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoreWindows {
    /// No-reason returns (七天无理由), counted from the day after signing.
    pub no_reason_days: i64,
    /// Quality problems.
    pub quality_days: i64,
}

pub async fn get_windows(app: &App, actor: &Actor, store_id: i64) -> AppResult<StoreWindows> {
    actor.require(Permission::WorkConversations)?;
    kefu_store::stores::find(&app.db, store_id)
        .await?
        .ok_or(AppError::NotFound("store"))?;
    Ok(StoreWindows {
        no_reason_days: window_of(app, store_id, PolicyKind::NoReason).await?.days(),
        quality_days: window_of(app, store_id, PolicyKind::Quality).await?.days(),
    })
}

/// Sets a store's windows (admins, like the store itself); audited.
pub async fn set_windows(
    app: &App,
    actor: &Actor,
    store_id: i64,
    w: &StoreWindows,
) -> AppResult<StoreWindows> {
    actor.require(Permission::ManageInboxes)?;
    let no_reason = Window::new(PolicyKind::NoReason, w.no_reason_days)
        .map_err(|e| Invalid::new("no_reason_days", e.code, e.message))?;
    let quality = Window::new(PolicyKind::Quality, w.quality_days)
        .map_err(|e| Invalid::new("quality_days", e.code, e.message))?;
    kefu_store::stores::find(&app.db, store_id)
        .await?
        .ok_or(AppError::NotFound("store"))?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    for window in [no_reason, quality] {
        config::set_window(
            &mut tx,
            store_id,
            window.policy.as_str(),
            window.days(),
            now,
        )
        .await?;
    }
    let detail = json!({ "no_reason_days": w.no_reason_days, "quality_days": w.quality_days });
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "after_sales.windows_set",
        &format!("store:{store_id}"),
        &detail.to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    get_windows(app, actor, store_id).await
}
