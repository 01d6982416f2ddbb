//! Reading orders (one with everything on it, lists, a customer's recent ones beside a
//! conversation, numbers in a message) and recording changes for the packing team.

use crate::archive::present;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::{ChangeKind, FlagColour, number_candidates};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::orders::{self, Address, OrderFilter, OrderItemRow, OrderRow};
use kefu_store::shipments::{self, NewChange, OrderChangeRow, ShipmentRow, TrackingEventRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A parcel with its events, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentView {
    #[serde(flatten)]
    pub shipment: ShipmentRow,
    pub events: Vec<TrackingEventRow>,
}

/// An order with its items, recorded changes and parcels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderRow,
    pub items: Vec<OrderItemRow>,
    pub changes: Vec<OrderChangeRow>,
    pub shipments: Vec<ShipmentView>,
}

pub async fn get_order(app: &App, actor: &Actor, id: i64) -> AppResult<OrderDetail> {
    actor.require(Permission::WorkConversations)?;
    let order = orders::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let parcels = shipments::of_order(&app.db, id).await?;
    let ids: Vec<i64> = parcels.iter().map(|s| s.id).collect();
    let mut events = shipments::events_of(&app.db, &ids).await?;
    let shipments = parcels
        .into_iter()
        .map(|shipment| {
            let (mine, rest) = events.drain(..).partition(|e| e.shipment_id == shipment.id);
            events = rest;
            ShipmentView {
                shipment,
                events: mine,
            }
        })
        .collect();
    Ok(OrderDetail {
        items: orders::items(&app.db, id).await?,
        changes: shipments::changes_of(&app.db, id).await?,
        order,
        shipments,
    })
}

/// What an order list is narrowed to.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct OrderListQuery {
    pub contact_id: Option<i64>,
    pub store_id: Option<i64>,
    /// An order number or tracking number (exact).
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    pub limit: Option<u64>,
}

/// Orders newest first, keyset-paged by id.
pub async fn list_orders(
    app: &App,
    actor: &Actor,
    q: &OrderListQuery,
    limit: u64,
) -> AppResult<Vec<OrderRow>> {
    actor.require(Permission::WorkConversations)?;
    let filter = OrderFilter {
        contact_id: q.contact_id,
        store_id: q.store_id,
        number: present(&q.q).map(str::to_owned),
        before_id: q.cursor,
    };
    Ok(orders::list(&app.db, &filter, limit).await?)
}

/// How many orders the conversation's panel shows.
pub const PANEL_ORDERS: u64 = 5;

/// The customer's most recent orders, for the panel beside their conversation.
pub async fn recent_orders(app: &App, actor: &Actor, contact_id: i64) -> AppResult<Vec<OrderRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(orders::recent_of_contact(&app.db, contact_id, PANEL_ORDERS).await?)
}

/// An order or tracking number found in a message, with the order it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NumberLink {
    pub number: String,
    /// `order` or `tracking`.
    pub kind: &'static str,
    pub order_id: i64,
}

/// The numbers in `texts` that are the customer's own order or tracking numbers
/// (exact matches only: another customer's order is never linked).
pub async fn recognise_numbers(
    app: &App,
    contact_id: i64,
    texts: &[&str],
) -> AppResult<Vec<NumberLink>> {
    let mut words: Vec<&str> = texts.iter().flat_map(|t| number_candidates(t)).collect();
    words.sort_unstable();
    words.dedup();
    let mut out = Vec::new();
    for chunk in words.chunks(200) {
        for (number, order_id) in orders::numbers_of_contact(&app.db, contact_id, chunk).await? {
            out.push(NumberLink {
                number,
                kind: "order",
                order_id,
            });
        }
        for (number, order_id) in
            shipments::tracking_numbers_of_contact(&app.db, contact_id, chunk).await?
        {
            out.push(NumberLink {
                number,
                kind: "tracking",
                order_id,
            });
        }
    }
    Ok(out)
}

/// A change an agent made for the buyer (a new address, another colour …), for packing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChangeInput {
    /// `address`, `item_attribute`, `delivery` or `other`.
    pub kind: String,
    /// What changed, as the packing team should read it.
    pub description: String,
    /// The new address, for an address change.
    pub new_address: Option<Address>,
    /// The flag colour (default `red`, 红旗).
    pub flag: Option<String>,
}

/// Records a change on an order with who and when, flagged for the packing team.
pub async fn record_change(
    app: &App,
    actor: &Actor,
    order_id: i64,
    input: &ChangeInput,
) -> AppResult<OrderChangeRow> {
    actor.require(Permission::WorkConversations)?;
    let kind = ChangeKind::parse(&input.kind)?;
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(Invalid::new(
            "description",
            "invalid_description",
            "say what changed in 1 to 1,000 characters",
        )
        .into());
    }
    let flag = present(&input.flag)
        .map(FlagColour::parse)
        .transpose()?
        .unwrap_or(FlagColour::Red);
    let mut tx = app.db.begin().await?;
    if orders::find_in_tx(&mut tx, order_id).await?.is_none() {
        return Err(AppError::NotFound("order"));
    }
    let change = NewChange {
        order_id,
        kind: kind.as_str(),
        description,
        new_address: input.new_address.as_ref(),
        flag: flag.as_str(),
        created_by: Some(actor.user_id),
    };
    let row = shipments::add_change(&mut tx, &change, now_ms()).await?;
    let payload =
        json!({ "order_id": order_id, "change_id": row.id, "kind": row.kind, "by": actor.user_id });
    append(
        app,
        &mut tx,
        "order.change_recorded",
        None,
        None,
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

/// The packing team has seen a change (it no longer counts as open on the order).
pub async fn acknowledge_change(app: &App, actor: &Actor, id: i64) -> AppResult<OrderChangeRow> {
    actor.require(Permission::WorkConversations)?;
    let mut tx = app.db.begin().await?;
    let row = shipments::acknowledge_change(&mut tx, id, actor.user_id, now_ms())
        .await?
        .ok_or(AppError::NotFound("order change"))?;
    let payload = json!({ "order_id": row.order_id, "change_id": row.id, "by": actor.user_id });
    append(
        app,
        &mut tx,
        "order.change_acknowledged",
        None,
        None,
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}
