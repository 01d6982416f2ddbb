//! Review requests (邀评), where a store sends them, within the marketplaces' rules:
//! one per order, and never before the order is delivered.

use crate::archive::optional_text;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How the request went out.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewRequestInput {
    /// `message`, `email`, `sms`, `marketplace` … (free text, at most 40 characters).
    pub channel: Option<String>,
}

/// A review request recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewRequestView {
    pub id: i64,
    pub order_id: i64,
    pub channel: Option<String>,
    pub requested_by: i64,
    pub requested_at: i64,
}

fn already(at: i64) -> AppError {
    let when = jiff::Timestamp::from_millisecond(at)
        .map(|t| t.to_string())
        .unwrap_or_default();
    Invalid::new(
        "order_id",
        "review_already_requested",
        format!("a review was already requested for this order ({when}); marketplaces allow one request per order"),
    )
    .into()
}

/// Records that the buyer of an order was asked for a review. Refused (422) before the
/// order is delivered and when a request was already recorded for it.
pub async fn request_review(
    app: &App,
    actor: &Actor,
    order_id: i64,
    input: &ReviewRequestInput,
) -> AppResult<ReviewRequestView> {
    actor.require(Permission::WorkConversations)?;
    let channel = optional_text("channel", &input.channel, 40)?;
    let order = kefu_store::orders::find(&app.db, order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let parcels = kefu_store::shipments::of_order(&app.db, order_id).await?;
    let delivered = order.fulfilment_state == "delivered"
        || (!parcels.is_empty() && parcels.iter().all(|p| p.status == "delivered"));
    if !delivered {
        return Err(Invalid::new(
            "order_id",
            "order_not_delivered",
            "the order is not delivered yet; marketplaces allow review requests only after delivery",
        )
        .into());
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    if let Some(at) = kefu_store::reviews::requested_at(&mut tx, order_id).await? {
        return Err(already(at));
    }
    let id = kefu_store::reviews::insert_request(
        &mut tx,
        order_id,
        channel.as_deref(),
        actor.user_id,
        now,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => already(now),
        other => other.into(),
    })?;
    let payload = json!({ "order_id": order_id, "store_id": order.store_id, "channel": channel, "by": actor.user_id });
    append(app, &mut tx, "review.requested", None, None, true, &payload).await?;
    commit(app, tx).await?;
    Ok(ReviewRequestView {
        id,
        order_id,
        channel,
        requested_by: actor.user_id,
        requested_at: now,
    })
}
