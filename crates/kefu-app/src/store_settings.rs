//! A store's follow-up settings (admins): the team that calls back after medium and bad
//! reviews and reaches out to abandoned carts, the review classes' thresholds, the
//! call-back deadline, and the current offer script.

use crate::{Actor, App, AppError, AppResult};
use kefu_domain::review::Thresholds;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::store_settings::{self, FollowUpSettings};
use serde::Deserialize;

/// Settings as a form or the API sends them; a missing value keeps the default.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FollowUpSettingsInput {
    pub team_id: Option<i64>,
    /// Ratings from this many stars up are good (default 4).
    pub good_from: Option<i64>,
    /// Ratings up to this many stars are bad (default 2).
    pub bad_to: Option<i64>,
    /// Hours a call-back may take, 1 to 720 (default 24).
    pub callback_hours: Option<i64>,
    /// A shared script (话术) with the current offer.
    pub offer_script_id: Option<i64>,
}

async fn store_exists(app: &App, store_id: i64) -> AppResult<()> {
    kefu_store::stores::find(&app.db, store_id)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("store"))
}

pub async fn get_settings(app: &App, actor: &Actor, store_id: i64) -> AppResult<FollowUpSettings> {
    actor.require(Permission::WorkConversations)?;
    store_exists(app, store_id).await?;
    Ok(store_settings::get(&app.db, store_id).await?)
}

pub async fn put_settings(
    app: &App,
    actor: &Actor,
    store_id: i64,
    input: &FollowUpSettingsInput,
) -> AppResult<FollowUpSettings> {
    actor.require(Permission::ManageInboxes)?;
    store_exists(app, store_id).await?;
    let d = FollowUpSettings::defaults(store_id);
    let lines = Thresholds::new(
        input.good_from.unwrap_or(d.good_from),
        input.bad_to.unwrap_or(d.bad_to),
    )?;
    let hours = input.callback_hours.unwrap_or(d.callback_hours);
    if !(1..=720).contains(&hours) {
        return Err(Invalid::new(
            "callback_hours",
            "invalid_deadline",
            "a call-back may take 1 to 720 hours (30 days)",
        )
        .into());
    }
    if let Some(t) = input.team_id {
        kefu_store::teams::find(&app.db, t)
            .await?
            .ok_or(AppError::NotFound("team"))?;
    }
    if let Some(id) = input.offer_script_id {
        let shared = kefu_store::scripts::find(&app.db, id)
            .await?
            .is_some_and(|s| s.owner_id.is_none());
        if !shared {
            return Err(Invalid::new(
                "offer_script_id",
                "unknown_script",
                "choose one of the team's shared scripts",
            )
            .into());
        }
    }
    let s = FollowUpSettings {
        store_id,
        team_id: input.team_id,
        good_from: lines.good_from(),
        bad_to: lines.bad_to(),
        callback_hours: hours,
        offer_script_id: input.offer_script_id,
        updated_at: now_ms(),
    };
    let mut tx = app.db.begin().await?;
    store_settings::put(&mut tx, &s).await?;
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "store.follow_up_settings",
        &format!("store:{store_id}"),
        &serde_json::to_string(&s).unwrap_or_default(),
        s.updated_at,
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}
