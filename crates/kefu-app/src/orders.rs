//! Orders beside the conversation: stores, orders arriving by API, signed webhook and
//! file, their parcels and tracking, and the changes agents record for packing.
//!
//! Orders are idempotent by store and order number: the same order again changes
//! nothing (no write, no event), an older version (by the source's `updated_at`) is
//! ignored, and a changed one (paid, shipped, refunded …) updates the stored order.

pub(crate) mod buyers;
pub mod changes;
pub mod input;
pub(crate) mod notify;
pub mod shipments;
pub mod stores;
pub(crate) mod upsert;
pub mod view;

pub use input::{BuyerInput, HandleRef, ItemInput, OrderInput};
pub use upsert::{BatchReport, Outcome, RowResult};

use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Invalid;
use kefu_domain::time::now_ms;
use kefu_store::stores::StoreRow;
use serde::{Deserialize, Serialize};

/// Most orders one batch request carries.
pub const MAX_BATCH: usize = 1_000;

fn rows_of(
    store: &StoreRow,
    inputs: &[OrderInput],
) -> Vec<(Option<String>, Result<input::ValidOrder, Invalid>)> {
    inputs
        .iter()
        .map(|i| {
            let number = Some(i.order_number.trim().to_owned()).filter(|n| !n.is_empty());
            (number, input::validate(i, store))
        })
        .collect()
}

/// Stores orders of a store as one transaction and reports each row.
pub(crate) async fn store_orders(
    app: &App,
    store: &StoreRow,
    inputs: &[OrderInput],
) -> AppResult<BatchReport> {
    let rows = rows_of(store, inputs);
    let mut tx = app.db.begin().await?;
    let results = upsert::apply(app, &mut tx, store, rows, now_ms()).await?;
    commit(app, tx).await?;
    Ok(BatchReport::of(results))
}

/// Creates or updates one order of a store by its number (the number in the path wins).
pub async fn upsert_order(
    app: &App,
    actor: &Actor,
    store_id: i64,
    order_number: &str,
    input: &OrderInput,
) -> AppResult<RowResult> {
    let store = stores::store_for_sync(app, actor, store_id).await?;
    let mut input = input.clone();
    input.order_number = order_number.to_owned();
    let valid = input::validate(&input, &store)?;
    let mut tx = app.db.begin().await?;
    let mut results = upsert::apply(
        app,
        &mut tx,
        &store,
        vec![(Some(order_number.to_owned()), Ok(valid))],
        now_ms(),
    )
    .await?;
    commit(app, tx).await?;
    results
        .pop()
        .ok_or_else(|| AppError::Internal("an upsert reported nothing".into()))
}

fn batch_size(n: usize) -> AppResult<()> {
    if n > MAX_BATCH {
        return Err(Invalid::new(
            "orders",
            "batch_too_large",
            format!("send at most {MAX_BATCH} orders a request ({n} were sent)"),
        )
        .into());
    }
    Ok(())
}

/// Creates or updates up to [`MAX_BATCH`] orders of a store; invalid rows are reported
/// with their index and reason and nothing of them is stored.
pub async fn upsert_batch(
    app: &App,
    actor: &Actor,
    store_id: i64,
    inputs: &[OrderInput],
) -> AppResult<BatchReport> {
    let store = stores::store_for_sync(app, actor, store_id).await?;
    batch_size(inputs.len())?;
    store_orders(app, &store, inputs).await
}

/// A parcel in a webhook post, for an order of the store by its number.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookShipment {
    pub order_number: String,
    #[serde(flatten)]
    pub shipment: shipments::ShipmentInput,
}

/// What a store's bridge posts to its webhook: orders first, then parcels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookPayload {
    #[serde(default)]
    pub orders: Vec<OrderInput>,
    #[serde(default)]
    pub shipments: Vec<WebhookShipment>,
}

/// What a webhook post did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookReport {
    pub orders: BatchReport,
    /// Per parcel: its outcome or why it was refused.
    pub shipments: Vec<WebhookShipmentResult>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookShipmentResult {
    pub index: usize,
    /// `created`, `updated`, `unchanged` or `error`.
    pub outcome: String,
    pub shipment_id: Option<i64>,
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// A post to a store's webhook, checked against its signature (`sha256=<hex HMAC-SHA256
/// of the body under the store's webhook_secret>`) before anything is read.
pub async fn receive_webhook(
    app: &App,
    store_id: i64,
    given_signature: &str,
    body: &[u8],
) -> AppResult<WebhookReport> {
    let store = kefu_store::stores::find(&app.db, store_id)
        .await?
        .ok_or(AppError::NotFound("store"))?;
    if !crate::email::read::signed(&store.webhook_secret, body, given_signature) {
        return Err(AppError::Forbidden(
            "the signature does not match this store's webhook key".into(),
        ));
    }
    let payload: WebhookPayload = serde_json::from_slice(body).map_err(|e| {
        Invalid::new(
            "body",
            "invalid_json",
            format!("the body is not a webhook payload: {e}"),
        )
    })?;
    batch_size(payload.orders.len() + payload.shipments.len())?;
    let orders = store_orders(app, &store, &payload.orders).await?;
    let mut results = Vec::new();
    for (index, s) in payload.shipments.iter().enumerate() {
        results.push(webhook_shipment(app, &store, index, s).await?);
    }
    Ok(WebhookReport {
        orders,
        shipments: results,
    })
}

async fn webhook_shipment(
    app: &App,
    store: &StoreRow,
    index: usize,
    s: &WebhookShipment,
) -> AppResult<WebhookShipmentResult> {
    let refused = |code: &str, reason: String| WebhookShipmentResult {
        index,
        outcome: "error".into(),
        shipment_id: None,
        code: Some(code.to_owned()),
        reason: Some(reason),
    };
    let Some(order_id) =
        kefu_store::orders::find_by_number(&app.db, store.id, s.order_number.trim()).await?
    else {
        return Ok(refused(
            "order_not_found",
            format!("the store has no order {}", s.order_number),
        ));
    };
    let mut tx = app.db.begin().await?;
    match shipments::apply(app, &mut tx, order_id, &store.time_zone, &s.shipment).await {
        Ok(done) => {
            commit(app, tx).await?;
            Ok(WebhookShipmentResult {
                index,
                outcome: done.outcome.into(),
                shipment_id: Some(done.shipment.id),
                code: None,
                reason: None,
            })
        }
        Err(AppError::Invalid(e)) => Ok(refused(e.code, e.message)),
        Err(e) => Err(e),
    }
}
