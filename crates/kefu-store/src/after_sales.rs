//! After-sales cases (售后): a case of an order with its items, every status change kept
//! as history, and the tasks it handed off. Status changes are conditional on the status
//! read, so two people moving the same case cannot both succeed.

mod changes;
pub mod config;
mod history;
pub mod losses;
pub mod register;
mod schema;

pub use changes::*;
pub use history::*;
pub use schema::*;

use crate::schema::{Orders, Stores};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
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
