//! Reading orders (one with everything on it, lists, a customer's recent ones beside a
//! conversation, numbers in a message).

use crate::archive::present;
use crate::privacy::mask_addresses;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Permission;
use kefu_domain::order::number_candidates;
use kefu_store::order_changes::{self, OrderChangeRow};
use kefu_store::orders::{self, OrderFilter, OrderItemRow, OrderRow};
use kefu_store::shipments::{self, ShipmentRow, TrackingEventRow};
use serde::{Deserialize, Serialize};

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
    let mut detail = OrderDetail {
        items: orders::items(&app.db, id).await?,
        changes: order_changes::of_order(&app.db, id).await?,
        order,
        shipments,
    };
    let addresses = std::iter::once(&mut detail.order.address)
        .chain(detail.changes.iter_mut().map(|c| &mut c.new_address));
    mask_addresses(actor, addresses);
    Ok(detail)
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
    let mut rows = orders::list(&app.db, &filter, limit).await?;
    mask_addresses(actor, rows.iter_mut().map(|o| &mut o.address));
    Ok(rows)
}

/// How many orders the conversation's panel shows.
pub const PANEL_ORDERS: u64 = 5;

/// The customer's most recent orders, for the panel beside their conversation.
pub async fn recent_orders(app: &App, actor: &Actor, contact_id: i64) -> AppResult<Vec<OrderRow>> {
    actor.require(Permission::WorkConversations)?;
    let mut rows = orders::recent_of_contact(&app.db, contact_id, PANEL_ORDERS).await?;
    mask_addresses(actor, rows.iter_mut().map(|o| &mut o.address));
    Ok(rows)
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
