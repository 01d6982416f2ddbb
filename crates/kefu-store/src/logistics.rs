//! Logistics cases (物流异常): a problem parcel worked until it is signed for,
//! compensated or sent again. One open case per parcel and kind (a partial unique
//! index), so a repeated tracking event or check opens nothing new.

use crate::schema::{LogisticsCases, Orders, Shipments};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

/// One line of a case's notes: who wrote what, when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseNote {
    pub at: i64,
    /// The agent; `None` when kefu wrote it (from the tracking).
    pub by: Option<i64>,
    pub name: Option<String>,
    pub text: String,
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct CaseRow {
        pub id: i64,
        pub shipment_id: i64,
        pub order_id: i64,
        pub order_number: String,
        pub carrier: String,
        pub tracking_number: String,
        /// The buyer's conversation the case belongs to.
        pub conversation_id: Option<i64>,
        /// The task carrying the deadline (flagged overdue when it passes).
        pub task_id: Option<i64>,
        /// `no_movement`, `returned`, `exception`, `signed_not_received`, `wrong_address`,
        /// `damaged` or `lost`.
        pub kind: String,
        /// `open`, `waiting_carrier` or `resolved`.
        pub status: String,
        /// When resolved: `delivered`, `compensated` or `reshipped`.
        pub resolution: Option<String>,
        /// Paid to the buyer, in minor units of `currency`.
        pub compensation_minor: Option<i64>,
        pub currency: String,
        pub due_at: i64,
        #[schema(value_type = Vec<CaseNote>)]
        pub notes: JsonText<Vec<CaseNote>>,
        /// Who opened it; `None` when kefu did (from the tracking).
        pub opened_by: Option<i64>,
        pub opened_at: i64,
        pub updated_at: i64,
        pub resolved_by: Option<i64>,
        pub resolved_at: Option<i64>,
    }
}

/// A case to open.
pub struct NewCase<'a> {
    pub shipment_id: i64,
    pub order_id: i64,
    pub conversation_id: Option<i64>,
    pub kind: &'a str,
    pub currency: &'a str,
    pub due_at: i64,
    pub notes: Vec<CaseNote>,
    pub opened_by: Option<i64>,
}

fn select() -> SelectStatement {
    let l = LogisticsCases::Table;
    let mut q = Query::select();
    for c in [
        LogisticsCases::Id,
        LogisticsCases::ShipmentId,
        LogisticsCases::OrderId,
        LogisticsCases::ConversationId,
        LogisticsCases::TaskId,
        LogisticsCases::Kind,
        LogisticsCases::Status,
        LogisticsCases::Resolution,
        LogisticsCases::CompensationMinor,
        LogisticsCases::Currency,
        LogisticsCases::DueAt,
        LogisticsCases::Notes,
        LogisticsCases::OpenedBy,
        LogisticsCases::OpenedAt,
        LogisticsCases::UpdatedAt,
        LogisticsCases::ResolvedBy,
        LogisticsCases::ResolvedAt,
    ] {
        q.column((l, c));
    }
    q.column((Orders::Table, Orders::OrderNumber))
        .column((Shipments::Table, Shipments::Carrier))
        .column((Shipments::Table, Shipments::TrackingNumber))
        .from(l)
        .inner_join(
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((l, LogisticsCases::OrderId)),
        )
        .inner_join(
            Shipments::Table,
            Expr::col((Shipments::Table, Shipments::Id)).equals((l, LogisticsCases::ShipmentId)),
        );
    q
}

/// Opens a case unless one of this kind is open for the parcel; `None` then.
pub async fn open(tx: &mut Tx, c: &NewCase<'_>, now: i64) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::insert()
                .into_table(LogisticsCases::Table)
                .columns([
                    LogisticsCases::ShipmentId,
                    LogisticsCases::OrderId,
                    LogisticsCases::ConversationId,
                    LogisticsCases::Kind,
                    LogisticsCases::Status,
                    LogisticsCases::Currency,
                    LogisticsCases::DueAt,
                    LogisticsCases::Notes,
                    LogisticsCases::OpenedBy,
                    LogisticsCases::OpenedAt,
                    LogisticsCases::UpdatedAt,
                ])
                .values_panic([
                    c.shipment_id.into(),
                    c.order_id.into(),
                    c.conversation_id.into(),
                    c.kind.into(),
                    "open".into(),
                    c.currency.into(),
                    c.due_at.into(),
                    JsonText(c.notes.clone()).to_text().into(),
                    c.opened_by.into(),
                    now.into(),
                    now.into(),
                ])
                .on_conflict(
                    OnConflict::columns([LogisticsCases::ShipmentId, LogisticsCases::Kind])
                        .target_and_where(Expr::col(LogisticsCases::ResolvedAt).is_null())
                        .do_nothing()
                        .to_owned(),
                )
                .returning_col(LogisticsCases::Id)
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn set_task(tx: &mut Tx, id: i64, task_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(LogisticsCases::Table)
            .value(LogisticsCases::TaskId, task_id)
            .and_where(Expr::col(LogisticsCases::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<CaseRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((LogisticsCases::Table, LogisticsCases::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<CaseRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((LogisticsCases::Table, LogisticsCases::Id)).eq(id))
            .take(),
    )
    .await
}

/// The parcel's cases not yet resolved.
pub async fn open_of_shipment(tx: &mut Tx, shipment_id: i64) -> StoreResult<Vec<CaseRow>> {
    let l = LogisticsCases::Table;
    tx.fetch_all(
        &select()
            .and_where(Expr::col((l, LogisticsCases::ShipmentId)).eq(shipment_id))
            .and_where(Expr::col((l, LogisticsCases::ResolvedAt)).is_null())
            .order_by((l, LogisticsCases::Id), Order::Asc)
            .take(),
    )
    .await
}

/// What a case list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// `open`, `waiting_carrier` or `resolved`; none: those not resolved.
    pub status: Option<String>,
    pub order_id: Option<i64>,
    pub kind: Option<String>,
    /// Keyset cursor: cases with a smaller id.
    pub before_id: Option<i64>,
}

/// Cases newest first, keyset-paged.
pub async fn list(db: &Db, f: &CaseFilter, limit: u64) -> StoreResult<Vec<CaseRow>> {
    let l = LogisticsCases::Table;
    let mut q = select();
    match &f.status {
        Some(s) => q.and_where(Expr::col((l, LogisticsCases::Status)).eq(s.as_str())),
        None if f.order_id.is_none() => {
            q.and_where(Expr::col((l, LogisticsCases::Status)).is_in(["open", "waiting_carrier"]))
        }
        None => &mut q,
    };
    if let Some(o) = f.order_id {
        q.and_where(Expr::col((l, LogisticsCases::OrderId)).eq(o));
    }
    if let Some(k) = &f.kind {
        q.and_where(Expr::col((l, LogisticsCases::Kind)).eq(k.as_str()));
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col((l, LogisticsCases::Id)).lt(b));
    }
    db.fetch_all(
        &q.order_by((l, LogisticsCases::Id), Order::Desc)
            .limit(limit)
            .take(),
    )
    .await
}

/// A case's state after a change.
pub struct CaseUpdate<'a> {
    pub status: &'a str,
    pub resolution: Option<&'a str>,
    pub compensation_minor: Option<i64>,
    pub notes: &'a [CaseNote],
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// Writes a case's new state unless it was resolved meanwhile; 0 then.
pub async fn update(tx: &mut Tx, id: i64, u: &CaseUpdate<'_>, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(LogisticsCases::Table)
            .values([
                (LogisticsCases::Status, u.status.into()),
                (
                    LogisticsCases::Resolution,
                    u.resolution.map(str::to_owned).into(),
                ),
                (
                    LogisticsCases::CompensationMinor,
                    u.compensation_minor.into(),
                ),
                (
                    LogisticsCases::Notes,
                    JsonText(u.notes.to_vec()).to_text().into(),
                ),
                (LogisticsCases::ResolvedBy, u.resolved_by.into()),
                (LogisticsCases::ResolvedAt, u.resolved_at.into()),
                (LogisticsCases::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(LogisticsCases::Id).eq(id))
            .and_where(Expr::col(LogisticsCases::ResolvedAt).is_null())
            .take(),
    )
    .await
}

/// Parcels of a store still on their way that have not moved since before `cutoff`,
/// with no open "no movement" case and none opened since they last moved: (shipment
/// id, order id). Reads `ix_shipments_moved` by status and time.
pub async fn stale_parcels(
    db: &Db,
    store_id: i64,
    cutoff: i64,
    limit: u64,
) -> StoreResult<Vec<(i64, i64)>> {
    let s = Shipments::Table;
    let cased = Query::select()
        .expr(Expr::val(1))
        .from(LogisticsCases::Table)
        .and_where(
            Expr::col((LogisticsCases::Table, LogisticsCases::ShipmentId))
                .equals((s, Shipments::Id)),
        )
        .and_where(Expr::col((LogisticsCases::Table, LogisticsCases::Kind)).eq("no_movement"))
        .and_where(
            Expr::col((LogisticsCases::Table, LogisticsCases::OpenedAt))
                .gte(Expr::col((s, Shipments::MovedAt)))
                .or(Expr::col((LogisticsCases::Table, LogisticsCases::ResolvedAt)).is_null()),
        )
        .take();
    db.fetch_all(
        &Query::select()
            .column((s, Shipments::Id))
            .column((s, Shipments::OrderId))
            .from(s)
            .inner_join(
                Orders::Table,
                Expr::col((Orders::Table, Orders::Id)).equals((s, Shipments::OrderId)),
            )
            .and_where(Expr::col((s, Shipments::Status)).is_in([
                "pending",
                "in_transit",
                "out_for_delivery",
            ]))
            .and_where(Expr::col((s, Shipments::MovedAt)).lt(cutoff))
            .and_where(Expr::col((Orders::Table, Orders::StoreId)).eq(store_id))
            .and_where(Expr::exists(cased).not())
            .order_by((s, Shipments::MovedAt), Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// The cases of these orders (the panel beside a conversation), newest first.
pub async fn of_orders(db: &Db, order_ids: &[i64]) -> StoreResult<Vec<CaseRow>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let l = LogisticsCases::Table;
    db.fetch_all(
        &select()
            .and_where(Expr::col((l, LogisticsCases::OrderId)).is_in(order_ids.to_vec()))
            .order_by((l, LogisticsCases::Id), Order::Desc)
            .limit(100)
            .take(),
    )
    .await
}
