//! Changing a case: its status (conditional on the status read), the return parcel,
//! the items' shares of what it cost, and the refund on its order.

use super::{AfterSalesCases, AfterSalesItems};
use crate::schema::Orders;
use crate::{Backend, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, LockType, Query};

const C: AfterSalesCases = AfterSalesCases::Table;

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
