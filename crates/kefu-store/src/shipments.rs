//! Parcels of an order and their tracking events; the newest event is repeated on the
//! shipment and on the order so lists never look it up per row.

use crate::schema::{Orders, Shipments, TrackingEvents};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ShipmentRow {
        pub id: i64,
        pub order_id: i64,
        pub carrier: String,
        pub tracking_number: String,
        /// `pending`, `in_transit`, `out_for_delivery`, `delivered`, `exception` or `returned`.
        pub status: String,
        pub shipped_at: Option<i64>,
        pub delivered_at: Option<i64>,
        pub last_event_at: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct TrackingEventRow {
        pub id: i64,
        pub shipment_id: i64,
        pub occurred_at: i64,
        /// The carrier's status code for this step, if it gave one.
        pub status: Option<String>,
        pub location: Option<String>,
        pub description: String,
    }
}

/// A parcel's fields as validated by the use case (`None`: keep what is stored).
#[derive(Debug, Clone)]
pub struct ShipmentFields {
    pub carrier: String,
    pub tracking_number: String,
    pub status: Option<String>,
    pub shipped_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// One tracking event as validated.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFields {
    pub occurred_at: i64,
    pub status: Option<String>,
    pub location: Option<String>,
    pub description: String,
}

const COLUMNS: [Shipments; 10] = [
    Shipments::Id,
    Shipments::OrderId,
    Shipments::Carrier,
    Shipments::TrackingNumber,
    Shipments::Status,
    Shipments::ShippedAt,
    Shipments::DeliveredAt,
    Shipments::LastEventAt,
    Shipments::CreatedAt,
    Shipments::UpdatedAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Shipments::Table)
        .take()
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ShipmentRow>> {
    db.fetch_optional(&select().and_where(Expr::col(Shipments::Id).eq(id)).take())
        .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ShipmentRow>> {
    tx.fetch_optional(&select().and_where(Expr::col(Shipments::Id).eq(id)).take())
        .await
}

pub async fn of_order_in_tx(
    tx: &mut Tx,
    order_id: i64,
    tracking_number: &str,
) -> StoreResult<Option<ShipmentRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col(Shipments::OrderId).eq(order_id))
            .and_where(Expr::col(Shipments::TrackingNumber).eq(tracking_number))
            .take(),
    )
    .await
}

/// Every parcel with this tracking number (one, unless two orders share a parcel).
pub async fn by_tracking_number(db: &Db, tracking_number: &str) -> StoreResult<Vec<ShipmentRow>> {
    db.fetch_all(
        &select()
            .and_where(Expr::col(Shipments::TrackingNumber).eq(tracking_number))
            .order_by(Shipments::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn of_order(db: &Db, order_id: i64) -> StoreResult<Vec<ShipmentRow>> {
    db.fetch_all(
        &select()
            .and_where(Expr::col(Shipments::OrderId).eq(order_id))
            .order_by(Shipments::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn insert(tx: &mut Tx, order_id: i64, f: &ShipmentFields, now: i64) -> StoreResult<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Shipments::Table)
                .columns([
                    Shipments::OrderId,
                    Shipments::Carrier,
                    Shipments::TrackingNumber,
                    Shipments::Status,
                    Shipments::ShippedAt,
                    Shipments::DeliveredAt,
                    Shipments::MovedAt,
                    Shipments::CreatedAt,
                    Shipments::UpdatedAt,
                ])
                .values_panic([
                    order_id.into(),
                    f.carrier.as_str().into(),
                    f.tracking_number.as_str().into(),
                    f.status.as_deref().unwrap_or("pending").into(),
                    f.shipped_at.into(),
                    f.delivered_at.into(),
                    f.shipped_at.unwrap_or(now).into(),
                    now.into(),
                    now.into(),
                ])
                .returning(Query::returning().column(Shipments::Id))
                .take(),
        )
        .await?;
    Ok(id)
}

/// Writes a parcel's carrier, status and times as they now are.
pub async fn update(tx: &mut Tx, s: &ShipmentRow, now: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Shipments::Table)
            .values([
                (Shipments::Carrier, s.carrier.as_str().into()),
                (Shipments::Status, s.status.as_str().into()),
                (Shipments::ShippedAt, s.shipped_at.into()),
                (Shipments::DeliveredAt, s.delivered_at.into()),
                (Shipments::LastEventAt, s.last_event_at.into()),
                (
                    Shipments::MovedAt,
                    s.last_event_at
                        .or(s.shipped_at)
                        .unwrap_or(s.created_at)
                        .into(),
                ),
                (Shipments::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Shipments::Id).eq(s.id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Adds events; ones already stored (same time and description) are skipped.
/// Returns how many were new.
pub async fn add_events(
    tx: &mut Tx,
    shipment_id: i64,
    events: &[EventFields],
    now: i64,
) -> StoreResult<u64> {
    let mut added = 0;
    for chunk in events.chunks(100) {
        let mut q = Query::insert();
        q.into_table(TrackingEvents::Table)
            .columns([
                TrackingEvents::ShipmentId,
                TrackingEvents::OccurredAt,
                TrackingEvents::Status,
                TrackingEvents::Location,
                TrackingEvents::Description,
                TrackingEvents::CreatedAt,
            ])
            .on_conflict(
                OnConflict::columns([
                    TrackingEvents::ShipmentId,
                    TrackingEvents::OccurredAt,
                    TrackingEvents::Description,
                ])
                .do_nothing()
                .to_owned(),
            );
        for e in chunk {
            q.values_panic([
                shipment_id.into(),
                e.occurred_at.into(),
                e.status.clone().into(),
                e.location.clone().into(),
                e.description.as_str().into(),
                now.into(),
            ]);
        }
        added += tx.execute(&q).await?;
    }
    Ok(added)
}

/// The newest event of a parcel.
pub async fn latest_event(tx: &mut Tx, shipment_id: i64) -> StoreResult<Option<TrackingEventRow>> {
    tx.fetch_optional(
        &events_select()
            .and_where(Expr::col(TrackingEvents::ShipmentId).eq(shipment_id))
            .order_by(TrackingEvents::OccurredAt, Order::Desc)
            .order_by(TrackingEvents::Id, Order::Desc)
            .limit(1)
            .take(),
    )
    .await
}

fn events_select() -> SelectStatement {
    Query::select()
        .columns([
            TrackingEvents::Id,
            TrackingEvents::ShipmentId,
            TrackingEvents::OccurredAt,
            TrackingEvents::Status,
            TrackingEvents::Location,
            TrackingEvents::Description,
        ])
        .from(TrackingEvents::Table)
        .take()
}

/// The events of these parcels, newest first.
pub async fn events_of(db: &Db, shipment_ids: &[i64]) -> StoreResult<Vec<TrackingEventRow>> {
    if shipment_ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &events_select()
            .and_where(Expr::col(TrackingEvents::ShipmentId).is_in(shipment_ids.to_vec()))
            .order_by(TrackingEvents::OccurredAt, Order::Desc)
            .order_by(TrackingEvents::Id, Order::Desc)
            .take(),
    )
    .await
}

/// The newest parcel news of an order, as the panel shows it.
#[derive(Debug, Clone, Default)]
pub struct LatestTracking {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub at: Option<i64>,
    pub status: Option<String>,
    pub text: Option<String>,
}

/// Repeats the order's newest parcel news on the order.
pub async fn set_order_latest(
    tx: &mut Tx,
    order_id: i64,
    l: &LatestTracking,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Orders::Table)
            .values([
                (Orders::LastCarrier, l.carrier.clone().into()),
                (Orders::LastTrackingNumber, l.tracking_number.clone().into()),
                (Orders::LastEventAt, l.at.into()),
                (Orders::LastEventStatus, l.status.clone().into()),
                (Orders::LastEventText, l.text.clone().into()),
                (Orders::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Orders::Id).eq(order_id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Of `numbers`, those that are tracking numbers of the customer's orders: (number, order id).
pub async fn tracking_numbers_of_contact(
    db: &Db,
    contact_id: i64,
    numbers: &[&str],
) -> StoreResult<Vec<(String, i64)>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &Query::select()
            .column((Shipments::Table, Shipments::TrackingNumber))
            .column((Shipments::Table, Shipments::OrderId))
            .from(Shipments::Table)
            .inner_join(
                Orders::Table,
                Expr::col((Orders::Table, Orders::Id))
                    .equals((Shipments::Table, Shipments::OrderId)),
            )
            .and_where(
                Expr::col((Shipments::Table, Shipments::TrackingNumber))
                    .is_in(numbers.iter().copied()),
            )
            .and_where(Expr::col((Orders::Table, Orders::ContactId)).eq(contact_id))
            .take(),
    )
    .await
}
