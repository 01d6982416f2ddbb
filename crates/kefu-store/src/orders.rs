//! Orders and their items: written many per transaction by bridges and imports, read
//! one customer at a time beside a conversation.

use crate::batch::{CHUNK, fetch_in_chunks};
use crate::schema::{Contacts, OrderItems, Orders, Shipments, Stores};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

/// Where an order goes (kept as JSON on the order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub recipient: Option<String>,
    pub phone: Option<String>,
    /// ISO 3166 alpha-2 (`CN`).
    pub country: Option<String>,
    /// Province or state (省/州).
    pub province: Option<String>,
    pub city: Option<String>,
    /// District or county (区/县).
    pub district: Option<String>,
    /// Street, building, flat.
    pub line: Option<String>,
    pub postcode: Option<String>,
}

crate::record! {
    /// An order as kefu keeps it. Amounts are integer minor units of `currency`.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct OrderRow {
        pub id: i64,
        pub store_id: i64,
        pub store_name: String,
        pub order_number: String,
        /// The buyer in the customer archive.
        pub contact_id: Option<i64>,
        pub buyer_name: Option<String>,
        pub payment_state: String,
        pub fulfilment_state: String,
        pub currency: String,
        pub items_total: i64,
        pub shipping_fee: i64,
        pub discount: i64,
        pub total: i64,
        pub paid_amount: i64,
        pub refunded_amount: i64,
        pub placed_at: i64,
        pub paid_at: Option<i64>,
        #[schema(value_type = Option<Address>)]
        pub address: Option<JsonText<Address>>,
        pub buyer_remark: Option<String>,
        pub seller_remark: Option<String>,
        /// The seller's flag colour (`red` …) beside `seller_remark`.
        pub flag: Option<String>,
        /// The source's own time of its last change.
        pub source_updated_at: Option<i64>,
        /// Changes recorded for the packing team not yet acknowledged.
        pub open_changes: i64,
        pub last_carrier: Option<String>,
        pub last_tracking_number: Option<String>,
        pub last_event_at: Option<i64>,
        pub last_event_status: Option<String>,
        pub last_event_text: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct OrderItemRow {
        pub id: i64,
        pub order_id: i64,
        pub position: i64,
        pub sku: Option<String>,
        pub name: String,
        /// The variant bought (颜色:黑色; 尺码:XL).
        pub spec: Option<String>,
        pub quantity: i64,
        pub unit_price: i64,
        pub line_total: i64,
    }
}

crate::record! {
    /// What an upsert needs to know about a stored order.
    #[derive(Debug, Clone)]
    pub struct OrderHead {
        pub id: i64,
        pub order_number: String,
        pub content_hash: String,
        pub source_updated_at: Option<i64>,
        pub placed_at: i64,
        pub contact_id: Option<i64>,
        /// The buyer's personal data was erased (the contact is erased).
        pub buyer_erased: bool,
    }
}

/// An order's own fields as validated by the use case.
#[derive(Debug, Clone)]
pub struct OrderFields {
    pub store_id: i64,
    pub order_number: String,
    pub contact_id: Option<i64>,
    pub buyer_name: Option<String>,
    pub payment_state: String,
    pub fulfilment_state: String,
    pub currency: String,
    pub items_total: i64,
    pub shipping_fee: i64,
    pub discount: i64,
    pub total: i64,
    pub paid_amount: i64,
    pub refunded_amount: i64,
    pub placed_at: i64,
    pub paid_at: Option<i64>,
    pub address: Option<Address>,
    pub buyer_remark: Option<String>,
    pub seller_remark: Option<String>,
    pub flag: Option<String>,
    pub source_updated_at: Option<i64>,
    pub content_hash: String,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFields {
    pub sku: Option<String>,
    pub name: String,
    pub spec: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub line_total: i64,
}

const COLUMNS: [Orders; 30] = [
    Orders::Id,
    Orders::StoreId,
    Orders::OrderNumber,
    Orders::ContactId,
    Orders::BuyerName,
    Orders::PaymentState,
    Orders::FulfilmentState,
    Orders::Currency,
    Orders::ItemsTotal,
    Orders::ShippingFee,
    Orders::Discount,
    Orders::Total,
    Orders::PaidAmount,
    Orders::RefundedAmount,
    Orders::PlacedAt,
    Orders::PaidAt,
    Orders::Address,
    Orders::BuyerRemark,
    Orders::SellerRemark,
    Orders::Flag,
    Orders::SourceUpdatedAt,
    Orders::OpenChanges,
    Orders::LastCarrier,
    Orders::LastTrackingNumber,
    Orders::LastEventAt,
    Orders::LastEventStatus,
    Orders::LastEventText,
    Orders::CreatedAt,
    Orders::UpdatedAt,
    Orders::ContentHash,
];

/// Orders with their store's name (every column but the hash).
fn select() -> SelectStatement {
    let mut q = Query::select();
    for c in &COLUMNS[..COLUMNS.len() - 1] {
        q.column((Orders::Table, *c));
    }
    q.expr_as(Expr::col((Stores::Table, Stores::Name)), "store_name")
        .from(Orders::Table)
        .inner_join(
            Stores::Table,
            Expr::col((Stores::Table, Stores::Id)).equals((Orders::Table, Orders::StoreId)),
        );
    q
}

fn values(f: &OrderFields) -> Vec<(Orders, sea_query::Value)> {
    vec![
        (Orders::ContactId, f.contact_id.into()),
        (Orders::BuyerName, f.buyer_name.clone().into()),
        (Orders::PaymentState, f.payment_state.clone().into()),
        (Orders::FulfilmentState, f.fulfilment_state.clone().into()),
        (Orders::Currency, f.currency.clone().into()),
        (Orders::ItemsTotal, f.items_total.into()),
        (Orders::ShippingFee, f.shipping_fee.into()),
        (Orders::Discount, f.discount.into()),
        (Orders::Total, f.total.into()),
        (Orders::PaidAmount, f.paid_amount.into()),
        (Orders::RefundedAmount, f.refunded_amount.into()),
        (Orders::PlacedAt, f.placed_at.into()),
        (Orders::PaidAt, f.paid_at.into()),
        (
            Orders::Address,
            f.address
                .as_ref()
                .map(|a| JsonText(a.clone()).to_text())
                .into(),
        ),
        (Orders::BuyerRemark, f.buyer_remark.clone().into()),
        (Orders::SellerRemark, f.seller_remark.clone().into()),
        (Orders::Flag, f.flag.clone().into()),
        (Orders::SourceUpdatedAt, f.source_updated_at.into()),
        (Orders::ContentHash, f.content_hash.clone().into()),
    ]
}

/// The stored orders of a store with these numbers.
pub async fn heads(tx: &mut Tx, store_id: i64, numbers: &[String]) -> StoreResult<Vec<OrderHead>> {
    let o = Orders::Table;
    fetch_in_chunks(tx, numbers, |chunk| {
        Query::select()
            .columns([
                (o, Orders::Id),
                (o, Orders::OrderNumber),
                (o, Orders::ContentHash),
                (o, Orders::SourceUpdatedAt),
                (o, Orders::PlacedAt),
                (o, Orders::ContactId),
            ])
            .expr_as(
                Expr::col((Contacts::Table, Contacts::ErasedAt)).is_not_null(),
                "buyer_erased",
            )
            .from(o)
            .left_join(
                Contacts::Table,
                Expr::col((Contacts::Table, Contacts::Id)).equals((o, Orders::ContactId)),
            )
            .and_where(Expr::col((o, Orders::StoreId)).eq(store_id))
            .and_where(Expr::col((o, Orders::OrderNumber)).is_in(chunk.iter().map(String::as_str)))
            .take()
    })
    .await
}

pub async fn insert(tx: &mut Tx, f: &OrderFields, now: i64) -> StoreResult<i64> {
    let mut vals = vec![
        (Orders::StoreId, f.store_id.into()),
        (Orders::OrderNumber, f.order_number.clone().into()),
        (Orders::CreatedAt, now.into()),
        (Orders::UpdatedAt, now.into()),
    ];
    vals.extend(values(f));
    let (cols, vals): (Vec<_>, Vec<_>) = vals.into_iter().unzip();
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Orders::Table)
                .columns(cols)
                .values_panic(vals.into_iter().map(Into::into))
                .returning(Query::returning().column(Orders::Id))
                .take(),
        )
        .await?;
    Ok(id)
}

pub async fn update(tx: &mut Tx, id: i64, f: &OrderFields, now: i64) -> StoreResult<()> {
    let mut vals = values(f);
    vals.push((Orders::UpdatedAt, now.into()));
    tx.execute(
        &Query::update()
            .table(Orders::Table)
            .values(vals.into_iter().map(|(c, v)| (c, Expr::val(v))))
            .and_where(Expr::col(Orders::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Replaces the items of `orders` (their old items are deleted) with `items`, many per statement.
pub async fn replace_items(
    tx: &mut Tx,
    cleared: &[i64],
    items: &[(i64, &ItemFields)],
) -> StoreResult<()> {
    for chunk in cleared.chunks(CHUNK) {
        tx.execute(
            &Query::delete()
                .from_table(OrderItems::Table)
                .and_where(Expr::col(OrderItems::OrderId).is_in(chunk.to_vec()))
                .take(),
        )
        .await?;
    }
    // Nine values a row: stay well under SQLite's and PostgreSQL's parameter limits.
    for chunk in items.chunks(CHUNK / 5) {
        let mut q = Query::insert();
        q.into_table(OrderItems::Table).columns([
            OrderItems::OrderId,
            OrderItems::Position,
            OrderItems::Sku,
            OrderItems::Name,
            OrderItems::Spec,
            OrderItems::Quantity,
            OrderItems::UnitPrice,
            OrderItems::LineTotal,
        ]);
        let mut position = (0, 0_i64);
        for (order_id, i) in chunk {
            position = if position.0 == *order_id {
                (*order_id, position.1 + 1)
            } else {
                (*order_id, 0)
            };
            q.values_panic([
                (*order_id).into(),
                position.1.into(),
                i.sku.clone().into(),
                i.name.as_str().into(),
                i.spec.clone().into(),
                i.quantity.into(),
                i.unit_price.into(),
                i.line_total.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<OrderRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Orders::Table, Orders::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<OrderRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Orders::Table, Orders::Id)).eq(id))
            .take(),
    )
    .await
}

/// The order of a store with this number.
pub async fn find_by_number(db: &Db, store_id: i64, number: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Query::select()
                .column(Orders::Id)
                .from(Orders::Table)
                .and_where(Expr::col(Orders::StoreId).eq(store_id))
                .and_where(Expr::col(Orders::OrderNumber).eq(number))
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn items(db: &Db, order_id: i64) -> StoreResult<Vec<OrderItemRow>> {
    db.fetch_all(
        &Query::select()
            .columns([
                OrderItems::Id,
                OrderItems::OrderId,
                OrderItems::Position,
                OrderItems::Sku,
                OrderItems::Name,
                OrderItems::Spec,
                OrderItems::Quantity,
                OrderItems::UnitPrice,
                OrderItems::LineTotal,
            ])
            .from(OrderItems::Table)
            .and_where(Expr::col(OrderItems::OrderId).eq(order_id))
            .order_by(OrderItems::Position, Order::Asc)
            .take(),
    )
    .await
}

/// What an order list is narrowed to; `number` matches an order or tracking number exactly.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub contact_id: Option<i64>,
    pub store_id: Option<i64>,
    pub number: Option<String>,
    /// Keyset cursor: orders with a smaller id.
    pub before_id: Option<i64>,
}

/// Orders newest first (by id), keyset-paged.
pub async fn list(db: &Db, f: &OrderFilter, limit: u64) -> StoreResult<Vec<OrderRow>> {
    let mut q = select();
    if let Some(c) = f.contact_id {
        q.and_where(Expr::col((Orders::Table, Orders::ContactId)).eq(c));
    }
    if let Some(s) = f.store_id {
        q.and_where(Expr::col((Orders::Table, Orders::StoreId)).eq(s));
    }
    if let Some(n) = &f.number {
        let tracked = Query::select()
            .column(Shipments::OrderId)
            .from(Shipments::Table)
            .and_where(Expr::col(Shipments::TrackingNumber).eq(n.as_str()))
            .take();
        q.and_where(
            Expr::col((Orders::Table, Orders::OrderNumber))
                .eq(n.as_str())
                .or(Expr::col((Orders::Table, Orders::Id)).in_subquery(tracked)),
        );
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col((Orders::Table, Orders::Id)).lt(b));
    }
    db.fetch_all(
        &q.order_by((Orders::Table, Orders::Id), Order::Desc)
            .limit(limit)
            .take(),
    )
    .await
}

/// A customer's most recent orders (by when they were placed): one read of
/// `ix_orders_contact`, the newest parcel event already on each order.
pub async fn recent_of_contact(db: &Db, contact_id: i64, limit: u64) -> StoreResult<Vec<OrderRow>> {
    db.fetch_all(
        &select()
            .and_where(Expr::col((Orders::Table, Orders::ContactId)).eq(contact_id))
            .order_by((Orders::Table, Orders::PlacedAt), Order::Desc)
            .order_by((Orders::Table, Orders::Id), Order::Desc)
            .limit(limit)
            .take(),
    )
    .await
}

/// Of `numbers`, those that are order numbers of the customer's orders: (number, order id).
pub async fn numbers_of_contact(
    db: &Db,
    contact_id: i64,
    numbers: &[&str],
) -> StoreResult<Vec<(String, i64)>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &Query::select()
            .columns([Orders::OrderNumber, Orders::Id])
            .from(Orders::Table)
            .and_where(Expr::col(Orders::OrderNumber).is_in(numbers.iter().copied()))
            .and_where(Expr::col(Orders::ContactId).eq(contact_id))
            .take(),
    )
    .await
}
