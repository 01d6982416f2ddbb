//! Changes an agent agreed with a buyer on an order (R-ORD-2: a new address, an item's
//! colour or size …), open until the packing team has applied them. Each order counts its
//! open changes, so lists never count them per row.

use crate::orders::Address;
use crate::schema::{OrderChanges, Orders, Stores};
use crate::{Db, JsonText, StoreResult, Tx, WriterRow};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    /// A change an agent recorded on an order for the packing team (R-ORD-2).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct OrderChangeRow {
        pub id: i64,
        pub order_id: i64,
        /// `address`, `item_attribute`, `delivery` or `other`.
        pub kind: String,
        pub description: String,
        #[schema(value_type = Option<crate::orders::Address>)]
        pub new_address: Option<JsonText<Address>>,
        pub flag: String,
        /// The conversation the change was agreed in (the buyer is told there it is done).
        pub conversation_id: Option<i64>,
        pub created_by: Option<i64>,
        pub created_at: i64,
        /// When the store's warehouse webhook took it (2xx).
        pub warehouse_sent_at: Option<i64>,
        /// Why the last post to the warehouse webhook failed (it is tried again).
        pub warehouse_error: Option<String>,
        pub acknowledged_by: Option<i64>,
        pub acknowledged_at: Option<i64>,
        /// The message that told the buyer the change is done.
        pub buyer_message_id: Option<i64>,
        /// The task given to an agent when kefu could not tell the buyer itself.
        pub buyer_task_id: Option<i64>,
    }
}

crate::record! {
    /// The order a change is on, as the packing team's list shows it beside the change.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ChangeOrder {
        pub order_number: String,
        pub store_id: i64,
        pub store_name: String,
        pub buyer_name: Option<String>,
        /// The order's address as it arrived (the change's `new_address` replaces it).
        #[schema(value_type = Option<crate::orders::Address>)]
        pub address: Option<JsonText<Address>>,
    }
}

/// A change with its order and store: one row of the packing list.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema, sqlx::FromRow)]
pub struct PackingChangeRow {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub change: OrderChangeRow,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub order: ChangeOrder,
}

impl WriterRow for PackingChangeRow {
    fn from_writer_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            change: OrderChangeRow::from_writer_row(row)?,
            order: ChangeOrder::from_writer_row(row)?,
        })
    }
}

/// A change to record on an order.
pub struct NewChange<'a> {
    pub order_id: i64,
    pub kind: &'a str,
    pub description: &'a str,
    pub new_address: Option<&'a Address>,
    pub flag: &'a str,
    pub conversation_id: Option<i64>,
    pub created_by: Option<i64>,
}

const COLUMNS: [OrderChanges; 15] = [
    OrderChanges::Id,
    OrderChanges::OrderId,
    OrderChanges::Kind,
    OrderChanges::Description,
    OrderChanges::NewAddress,
    OrderChanges::Flag,
    OrderChanges::ConversationId,
    OrderChanges::CreatedBy,
    OrderChanges::CreatedAt,
    OrderChanges::WarehouseSentAt,
    OrderChanges::WarehouseError,
    OrderChanges::AcknowledgedBy,
    OrderChanges::AcknowledgedAt,
    OrderChanges::BuyerMessageId,
    OrderChanges::BuyerTaskId,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(OrderChanges::Table)
        .take()
}

/// Records a change and counts it open on its order.
pub async fn add(tx: &mut Tx, c: &NewChange<'_>, now: i64) -> StoreResult<OrderChangeRow> {
    let row: OrderChangeRow = tx
        .fetch_one(
            &Query::insert()
                .into_table(OrderChanges::Table)
                .columns([
                    OrderChanges::OrderId,
                    OrderChanges::Kind,
                    OrderChanges::Description,
                    OrderChanges::NewAddress,
                    OrderChanges::Flag,
                    OrderChanges::ConversationId,
                    OrderChanges::CreatedBy,
                    OrderChanges::CreatedAt,
                ])
                .values_panic([
                    c.order_id.into(),
                    c.kind.into(),
                    c.description.into(),
                    c.new_address.map(|a| JsonText(a.clone()).to_text()).into(),
                    c.flag.into(),
                    c.conversation_id.into(),
                    c.created_by.into(),
                    now.into(),
                ])
                .returning(Query::returning().columns(COLUMNS))
                .take(),
        )
        .await?;
    bump_open_changes(tx, c.order_id, 1, now).await?;
    Ok(row)
}

async fn bump_open_changes(tx: &mut Tx, order_id: i64, by: i64, now: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Orders::Table)
            .value(Orders::OpenChanges, Expr::col(Orders::OpenChanges).add(by))
            .value(Orders::UpdatedAt, now)
            .and_where(Expr::col(Orders::Id).eq(order_id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Marks a change applied by the packing team; `None` when it was already acknowledged
/// (or does not exist), so two people pressing "done" count it once.
pub async fn acknowledge(
    tx: &mut Tx,
    id: i64,
    by: i64,
    now: i64,
) -> StoreResult<Option<OrderChangeRow>> {
    let row: Option<OrderChangeRow> = tx
        .fetch_optional(
            &Query::update()
                .table(OrderChanges::Table)
                .values([
                    (OrderChanges::AcknowledgedBy, by.into()),
                    (OrderChanges::AcknowledgedAt, now.into()),
                ])
                .and_where(Expr::col(OrderChanges::Id).eq(id))
                .and_where(Expr::col(OrderChanges::AcknowledgedAt).is_null())
                .returning(Query::returning().columns(COLUMNS))
                .take(),
        )
        .await?;
    if let Some(r) = &row {
        bump_open_changes(tx, r.order_id, -1, now).await?;
    }
    Ok(row)
}

/// How the buyer was told the change is done: a message, or a task for an agent.
pub async fn record_buyer_notice(
    tx: &mut Tx,
    id: i64,
    message_id: Option<i64>,
    task_id: Option<i64>,
) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(OrderChanges::Table)
            .values([
                (OrderChanges::BuyerMessageId, message_id.into()),
                (OrderChanges::BuyerTaskId, task_id.into()),
            ])
            .and_where(Expr::col(OrderChanges::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// The warehouse took the change.
pub async fn record_warehouse_sent(db: &Db, id: i64, at: i64) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(OrderChanges::Table)
            .value(OrderChanges::WarehouseSentAt, at)
            .value(OrderChanges::WarehouseError, Option::<String>::None)
            .and_where(Expr::col(OrderChanges::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Why the last post failed — unless another run has meanwhile been taken.
pub async fn record_warehouse_error(tx: &mut Tx, id: i64, error: &str) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(OrderChanges::Table)
            .value(OrderChanges::WarehouseError, error)
            .and_where(Expr::col(OrderChanges::Id).eq(id))
            .and_where(Expr::col(OrderChanges::WarehouseSentAt).is_null())
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<OrderChangeRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(OrderChanges::Id).eq(id))
            .take(),
    )
    .await
}

/// An order's changes, newest first.
pub async fn of_order(db: &Db, order_id: i64) -> StoreResult<Vec<OrderChangeRow>> {
    db.fetch_all(
        &select()
            .and_where(Expr::col(OrderChanges::OrderId).eq(order_id))
            .order_by(OrderChanges::Id, Order::Desc)
            .take(),
    )
    .await
}

/// Which changes the packing list shows.
#[derive(Debug, Clone, Default)]
pub struct PackingFilter {
    /// `Some(true)`: still to apply; `Some(false)`: applied; `None`: all.
    pub open: Option<bool>,
    pub store_id: Option<i64>,
    /// Open changes read oldest first (the order to pack them in) and go on after this id;
    /// the others newest first, going on before it.
    pub cursor: Option<i64>,
}

/// The packing team's list: open changes oldest first, the others newest first.
pub async fn packing_list(
    db: &Db,
    f: &PackingFilter,
    limit: u64,
) -> StoreResult<Vec<PackingChangeRow>> {
    let c = OrderChanges::Table;
    let mut q = Query::select();
    for col in COLUMNS {
        q.column((c, col));
    }
    q.column((Orders::Table, Orders::OrderNumber))
        .column((Orders::Table, Orders::StoreId))
        .expr_as(Expr::col((Stores::Table, Stores::Name)), "store_name")
        .column((Orders::Table, Orders::BuyerName))
        .column((Orders::Table, Orders::Address))
        .from(c)
        .inner_join(
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((c, OrderChanges::OrderId)),
        )
        .inner_join(
            Stores::Table,
            Expr::col((Stores::Table, Stores::Id)).equals((Orders::Table, Orders::StoreId)),
        );
    let oldest_first = f.open == Some(true);
    match f.open {
        Some(true) => q.and_where(Expr::col((c, OrderChanges::AcknowledgedAt)).is_null()),
        Some(false) => q.and_where(Expr::col((c, OrderChanges::AcknowledgedAt)).is_not_null()),
        None => &mut q,
    };
    if let Some(s) = f.store_id {
        q.and_where(Expr::col((Orders::Table, Orders::StoreId)).eq(s));
    }
    if let Some(at) = f.cursor {
        let id = Expr::col((c, OrderChanges::Id));
        q.and_where(if oldest_first { id.gt(at) } else { id.lt(at) });
    }
    let order = if oldest_first {
        Order::Asc
    } else {
        Order::Desc
    };
    db.fetch_all(&q.order_by((c, OrderChanges::Id), order).limit(limit).take())
        .await
}
