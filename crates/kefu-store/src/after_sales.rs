//! After-sales cases (售后): a case of an order with its items, every status change kept
//! as history, and the tasks it handed off. Status changes are conditional on the status
//! read, so two people moving the same case cannot both succeed.

pub mod config;
pub mod losses;
pub mod register;
mod schema;

pub use schema::*;

use crate::schema::{Orders, Stores, Users};
use crate::{Backend, Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, LockType, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    /// A case as the register and the case page show it. Amounts are minor units of `currency`.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct CaseRow {
        pub id: i64,
        pub store_id: i64,
        pub store_name: String,
        pub order_id: i64,
        pub order_number: String,
        pub buyer_name: Option<String>,
        pub conversation_id: Option<i64>,
        pub contact_id: Option<i64>,
        /// `return`, `exchange`, `refund_only`, `reship` or `repair`.
        pub kind: String,
        /// A key of the reason taxonomy (`size`, `quality` …).
        pub reason: String,
        /// `requested`, `approved`, `goods_returned`, `inspected`, `refunded`, `reshipped`,
        /// `closed` or `rejected`.
        pub status: String,
        /// What the buyer says is wrong.
        pub description: Option<String>,
        pub currency: String,
        /// The amount to refund (refunded once the case is `refunded`).
        pub refund_minor: i64,
        /// What re-shipping cost (exchange, reship, repair).
        pub reship_cost_minor: i64,
        pub return_carrier: Option<String>,
        /// The buyer's return waybill (退货单号).
        pub return_waybill: Option<String>,
        /// The window the reason falls under: `no_reason` or `quality`.
        pub policy: String,
        pub policy_days: i64,
        /// The day the goods were signed for, in the store's time zone (none: not delivered).
        pub delivered_on: Option<String>,
        /// The last day inside the window.
        pub policy_last_day: Option<String>,
        /// Whether the request was inside the window when the case was opened.
        pub policy_inside: bool,
        pub rejection_reason: Option<String>,
        pub created_by: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
        /// When the refund or re-shipment went out.
        pub settled_at: Option<i64>,
        pub closed_at: Option<i64>,
    }
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct CaseItemRow {
        pub id: i64,
        pub case_id: i64,
        pub order_item_id: Option<i64>,
        pub sku: Option<String>,
        pub name: String,
        pub spec: Option<String>,
        pub quantity: i64,
        pub unit_price: i64,
        /// This line's share of the refund, once refunded.
        pub refund_share: i64,
        /// This line's share of the re-shipment cost, once reshipped.
        pub reship_share: i64,
    }
}

crate::record! {
    /// One status change of a case.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct HistoryRow {
        pub id: i64,
        pub case_id: i64,
        pub from_status: Option<String>,
        pub to_status: String,
        pub note: Option<String>,
        pub by_user: Option<i64>,
        pub by_name: Option<String>,
        pub at: i64,
    }
}

/// A case's own fields as validated by the use case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub store_id: i64,
    pub order_id: i64,
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub kind: String,
    pub reason: String,
    pub description: Option<String>,
    pub currency: String,
    pub refund_minor: i64,
    pub return_carrier: Option<String>,
    pub return_waybill: Option<String>,
    pub policy: String,
    pub policy_days: i64,
    pub delivered_on: Option<String>,
    pub policy_last_day: Option<String>,
    pub policy_inside: bool,
    pub created_by: i64,
}

/// A line of a new case, copied from its order line.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub order_item_id: i64,
    pub sku: Option<String>,
    pub name: String,
    pub spec: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
}

const C: AfterSalesCases = AfterSalesCases::Table;

pub(crate) fn select() -> SelectStatement {
    use AfterSalesCases as A;
    let mut q = Query::select();
    q.columns(
        [
            A::Id,
            A::StoreId,
            A::OrderId,
            A::ConversationId,
            A::ContactId,
            A::Kind,
            A::Reason,
            A::Status,
            A::Description,
            A::Currency,
            A::RefundMinor,
            A::ReshipCostMinor,
            A::ReturnCarrier,
            A::ReturnWaybill,
            A::Policy,
            A::PolicyDays,
            A::DeliveredOn,
            A::PolicyLastDay,
            A::PolicyInside,
            A::RejectionReason,
            A::CreatedBy,
            A::CreatedAt,
            A::UpdatedAt,
            A::SettledAt,
            A::ClosedAt,
        ]
        .map(|c| (C, c)),
    )
    .expr_as(Expr::col((Stores::Table, Stores::Name)), "store_name")
    .expr_as(
        Expr::col((Orders::Table, Orders::OrderNumber)),
        "order_number",
    )
    .expr_as(Expr::col((Orders::Table, Orders::BuyerName)), "buyer_name")
    .from(C)
    .inner_join(
        Stores::Table,
        Expr::col((Stores::Table, Stores::Id)).equals((C, A::StoreId)),
    )
    .inner_join(
        Orders::Table,
        Expr::col((Orders::Table, Orders::Id)).equals((C, A::OrderId)),
    );
    q
}

pub async fn insert(
    tx: &mut Tx,
    c: &NewCase,
    items: &[NewItem],
    status: &str,
    now: i64,
) -> StoreResult<i64> {
    use AfterSalesCases as A;
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(C)
                .columns([
                    A::StoreId,
                    A::OrderId,
                    A::ConversationId,
                    A::ContactId,
                    A::Kind,
                    A::Reason,
                    A::Status,
                    A::Description,
                    A::Currency,
                    A::RefundMinor,
                    A::ReturnCarrier,
                    A::ReturnWaybill,
                    A::Policy,
                    A::PolicyDays,
                    A::DeliveredOn,
                    A::PolicyLastDay,
                    A::PolicyInside,
                    A::CreatedBy,
                    A::CreatedAt,
                    A::UpdatedAt,
                ])
                .values_panic([
                    c.store_id.into(),
                    c.order_id.into(),
                    c.conversation_id.into(),
                    c.contact_id.into(),
                    c.kind.clone().into(),
                    c.reason.clone().into(),
                    status.into(),
                    c.description.clone().into(),
                    c.currency.clone().into(),
                    c.refund_minor.into(),
                    c.return_carrier.clone().into(),
                    c.return_waybill.clone().into(),
                    c.policy.clone().into(),
                    c.policy_days.into(),
                    c.delivered_on.clone().into(),
                    c.policy_last_day.clone().into(),
                    c.policy_inside.into(),
                    c.created_by.into(),
                    now.into(),
                    now.into(),
                ])
                .returning_col(A::Id)
                .take(),
        )
        .await?;
    let mut q = Query::insert();
    q.into_table(AfterSalesItems::Table).columns([
        AfterSalesItems::CaseId,
        AfterSalesItems::OrderItemId,
        AfterSalesItems::Sku,
        AfterSalesItems::Name,
        AfterSalesItems::Spec,
        AfterSalesItems::Quantity,
        AfterSalesItems::UnitPrice,
    ]);
    for i in items {
        q.values_panic([
            id.into(),
            i.order_item_id.into(),
            i.sku.clone().into(),
            i.name.clone().into(),
            i.spec.clone().into(),
            i.quantity.into(),
            i.unit_price.into(),
        ]);
    }
    if !items.is_empty() {
        tx.execute(&q).await?;
    }
    Ok(id)
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<CaseRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((C, AfterSalesCases::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<CaseRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((C, AfterSalesCases::Id)).eq(id))
            .take(),
    )
    .await
}

fn items_query(case_ids: &[i64]) -> SelectStatement {
    use AfterSalesItems as I;
    Query::select()
        .columns([
            I::Id,
            I::CaseId,
            I::OrderItemId,
            I::Sku,
            I::Name,
            I::Spec,
            I::Quantity,
            I::UnitPrice,
            I::RefundShare,
            I::ReshipShare,
        ])
        .from(I::Table)
        .and_where(Expr::col(I::CaseId).is_in(case_ids.iter().copied()))
        .order_by(I::CaseId, Order::Asc)
        .order_by(I::Id, Order::Asc)
        .take()
}

/// The items of these cases (a page of the register), by case.
pub async fn items_of(db: &Db, case_ids: &[i64]) -> StoreResult<Vec<CaseItemRow>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(&items_query(case_ids)).await
}

pub async fn items_in_tx(tx: &mut Tx, case_id: i64) -> StoreResult<Vec<CaseItemRow>> {
    tx.fetch_all(&items_query(&[case_id])).await
}

/// How many of each order line are already claimed by the order's other cases that
/// still stand (not rejected, not withdrawn): (order item id, quantity).
pub async fn claimed_quantities(tx: &mut Tx, order_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    use AfterSalesItems as I;
    let (i, c) = (I::Table, AfterSalesCases::Table);
    let withdrawn = Expr::col((c, AfterSalesCases::Status))
        .eq("closed")
        .and(Expr::col((c, AfterSalesCases::SettledAt)).is_null());
    tx.fetch_all(
        &Query::select()
            .column((i, I::OrderItemId))
            .expr(Expr::cust(
                "CAST(SUM(after_sales_items.quantity) AS BIGINT)",
            ))
            .from(i)
            .inner_join(
                c,
                Expr::col((c, AfterSalesCases::Id)).equals((i, I::CaseId)),
            )
            .and_where(Expr::col((c, AfterSalesCases::OrderId)).eq(order_id))
            .and_where(Expr::col((c, AfterSalesCases::Status)).ne("rejected"))
            .and_where(withdrawn.not())
            .and_where(Expr::col((i, I::OrderItemId)).is_not_null())
            .group_by_col((i, I::OrderItemId))
            .take(),
    )
    .await
}

/// What a status change writes besides the status (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct CaseChange {
    pub refund_minor: Option<i64>,
    pub reship_cost_minor: Option<i64>,
    pub return_carrier: Option<String>,
    pub return_waybill: Option<String>,
    pub rejection_reason: Option<String>,
    pub settled: bool,
    pub closed: bool,
}

/// Moves a case from `from` to `to` with `change`; false when it was no longer at `from`.
pub async fn change_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    change: &CaseChange,
    now: i64,
) -> StoreResult<bool> {
    use AfterSalesCases as A;
    let mut q = Query::update();
    q.table(C)
        .value(A::Status, to)
        .value(A::UpdatedAt, now)
        .and_where(Expr::col(A::Id).eq(id))
        .and_where(Expr::col(A::Status).eq(from));
    if let Some(v) = change.refund_minor {
        q.value(A::RefundMinor, v);
    }
    if let Some(v) = change.reship_cost_minor {
        q.value(A::ReshipCostMinor, v);
    }
    if let Some(v) = &change.return_carrier {
        q.value(A::ReturnCarrier, v.as_str());
    }
    if let Some(v) = &change.return_waybill {
        q.value(A::ReturnWaybill, v.as_str());
    }
    if let Some(v) = &change.rejection_reason {
        q.value(A::RejectionReason, v.as_str());
    }
    if change.settled {
        q.value(A::SettledAt, now);
    }
    if change.closed {
        q.value(A::ClosedAt, now);
    }
    Ok(tx.execute(&q).await? == 1)
}

/// Records the buyer's return parcel on a case that is still at `status`.
pub async fn set_return_shipment(
    tx: &mut Tx,
    id: i64,
    status: &str,
    carrier: Option<&str>,
    waybill: &str,
    now: i64,
) -> StoreResult<bool> {
    use AfterSalesCases as A;
    let n = tx
        .execute(
            &Query::update()
                .table(C)
                .value(A::ReturnCarrier, carrier.map(str::to_owned))
                .value(A::ReturnWaybill, waybill)
                .value(A::UpdatedAt, now)
                .and_where(Expr::col(A::Id).eq(id))
                .and_where(Expr::col(A::Status).eq(status))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Writes each item's share of the refund and re-shipment cost: (item id, refund, reship).
pub async fn set_shares(tx: &mut Tx, shares: &[(i64, i64, i64)]) -> StoreResult<()> {
    use AfterSalesItems as I;
    for (id, refund, reship) in shares {
        tx.execute(
            &Query::update()
                .table(I::Table)
                .value(I::RefundShare, *refund)
                .value(I::ReshipShare, *reship)
                .and_where(Expr::col(I::Id).eq(*id))
                .take(),
        )
        .await?;
    }
    Ok(())
}

/// Reads what an order was paid and has refunded, `(paid, refunded)`, locking it for
/// the rest of the transaction (PostgreSQL row lock; SQLite has one writer), so cases
/// of one order are opened and refunded one at a time.
pub async fn lock_order(tx: &mut Tx, order_id: i64) -> StoreResult<Option<(i64, i64)>> {
    let mut q = Query::select();
    q.columns([Orders::PaidAmount, Orders::RefundedAmount])
        .from(Orders::Table)
        .and_where(Expr::col(Orders::Id).eq(order_id));
    if tx.backend() == Backend::Postgres {
        q.lock(LockType::Update);
    }
    tx.fetch_optional(&q).await
}

/// Adds a refund to an order, if what was paid and not yet refunded covers it; its
/// payment state becomes `refunded` or `partially_refunded`. False when it does not.
pub async fn refund_order(tx: &mut Tx, order_id: i64, amount: i64, now: i64) -> StoreResult<bool> {
    let state = Expr::case(
        Expr::col(Orders::RefundedAmount)
            .add(amount)
            .gte(Expr::col(Orders::PaidAmount)),
        "refunded",
    )
    .finally("partially_refunded");
    let n = tx
        .execute(
            &Query::update()
                .table(Orders::Table)
                .value(
                    Orders::RefundedAmount,
                    Expr::col(Orders::RefundedAmount).add(amount),
                )
                .value(Orders::PaymentState, state)
                .value(Orders::UpdatedAt, now)
                .and_where(Expr::col(Orders::Id).eq(order_id))
                .and_where(
                    Expr::col(Orders::PaidAmount)
                        .sub(Expr::col(Orders::RefundedAmount))
                        .gte(amount),
                )
                .take(),
        )
        .await?;
    Ok(n == 1)
}

pub async fn add_history(
    tx: &mut Tx,
    case_id: i64,
    from: Option<&str>,
    to: &str,
    note: Option<&str>,
    by: i64,
    now: i64,
) -> StoreResult<()> {
    use AfterSalesHistory as H;
    tx.execute(
        &Query::insert()
            .into_table(H::Table)
            .columns([
                H::CaseId,
                H::FromStatus,
                H::ToStatus,
                H::Note,
                H::ByUser,
                H::At,
            ])
            .values_panic([
                case_id.into(),
                from.map(str::to_owned).into(),
                to.into(),
                note.map(str::to_owned).into(),
                by.into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    Ok(())
}

/// A case's status changes, oldest first.
pub async fn history(db: &Db, case_id: i64) -> StoreResult<Vec<HistoryRow>> {
    use AfterSalesHistory as H;
    let h = H::Table;
    db.fetch_all(
        &Query::select()
            .columns(
                [
                    H::Id,
                    H::CaseId,
                    H::FromStatus,
                    H::ToStatus,
                    H::Note,
                    H::ByUser,
                    H::At,
                ]
                .map(|c| (h, c)),
            )
            .expr_as(Expr::col((Users::Table, Users::Name)), "by_name")
            .from(h)
            .left_join(
                Users::Table,
                Expr::col((Users::Table, Users::Id)).equals((h, H::ByUser)),
            )
            .and_where(Expr::col((h, H::CaseId)).eq(case_id))
            .order_by((h, H::Id), Order::Asc)
            .take(),
    )
    .await
}

pub async fn link_task(tx: &mut Tx, case_id: i64, task_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(AfterSalesTasks::Table)
            .columns([AfterSalesTasks::CaseId, AfterSalesTasks::TaskId])
            .values_panic([case_id.into(), task_id.into()])
            .take(),
    )
    .await?;
    Ok(())
}

/// The ids of the tasks a case handed off, oldest first.
pub async fn task_ids(db: &Db, case_id: i64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(AfterSalesTasks::TaskId)
                .from(AfterSalesTasks::Table)
                .and_where(Expr::col(AfterSalesTasks::CaseId).eq(case_id))
                .order_by(AfterSalesTasks::TaskId, Order::Asc)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
