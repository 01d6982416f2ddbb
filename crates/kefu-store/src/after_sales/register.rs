//! The returns register (退货登记表): cases newest first, narrowed by store, order,
//! status, reason, kind, SKU and the day they were opened; keyset-paged by id.

use super::{AfterSalesCases, AfterSalesItems, CaseRow, select};
use crate::{Db, StoreResult};
use sea_query::{Expr, ExprTrait, Order, Query};

/// What the register is narrowed to (`None`: any).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub store_id: Option<i64>,
    pub order_id: Option<i64>,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub kind: Option<String>,
    /// Cases with an item of this SKU.
    pub sku: Option<String>,
    /// Opened at or after (UTC ms).
    pub created_from: Option<i64>,
    /// Opened before (UTC ms).
    pub created_to: Option<i64>,
    /// Only cases not yet closed or rejected.
    pub open_only: bool,
    /// Keyset cursor: cases with a smaller id.
    pub before_id: Option<i64>,
}

/// Cases newest first.
pub async fn list(db: &Db, f: &CaseFilter, limit: u64) -> StoreResult<Vec<CaseRow>> {
    use AfterSalesCases as A;
    let c = A::Table;
    let mut q = select();
    if let Some(v) = f.store_id {
        q.and_where(Expr::col((c, A::StoreId)).eq(v));
    }
    if let Some(v) = f.order_id {
        q.and_where(Expr::col((c, A::OrderId)).eq(v));
    }
    for (col, v) in [
        (A::Status, &f.status),
        (A::Reason, &f.reason),
        (A::Kind, &f.kind),
    ] {
        if let Some(v) = v {
            q.and_where(Expr::col((c, col)).eq(v.as_str()));
        }
    }
    if let Some(sku) = &f.sku {
        let with_sku = Query::select()
            .column(AfterSalesItems::CaseId)
            .from(AfterSalesItems::Table)
            .and_where(Expr::col(AfterSalesItems::Sku).eq(sku.as_str()))
            .take();
        q.and_where(Expr::col((c, A::Id)).in_subquery(with_sku));
    }
    if let Some(v) = f.created_from {
        q.and_where(Expr::col((c, A::CreatedAt)).gte(v));
    }
    if let Some(v) = f.created_to {
        q.and_where(Expr::col((c, A::CreatedAt)).lt(v));
    }
    if f.open_only {
        q.and_where(Expr::col((c, A::Status)).is_not_in(["closed", "rejected"]));
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col((c, A::Id)).lt(b));
    }
    db.fetch_all(&q.order_by((c, A::Id), Order::Desc).limit(limit).take())
        .await
}
