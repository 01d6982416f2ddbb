//! The loss view: refunds and re-shipment costs of the cases settled in a period, summed
//! by reason, by SKU or by store, per currency. One aggregate over the items of the
//! settled cases (`ix_after_sales_settled`); each item carries its share of its case's
//! amounts, so the three views add up to the same totals.

use super::{AfterSalesCases, AfterSalesItems};
use crate::schema::Stores;
use crate::{Db, StoreResult};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    /// One line of the loss view. Amounts are minor units of `currency`.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct LossRow {
        /// The reason key, the SKU (the item's name when it has none) or the store's name.
        pub key: String,
        pub currency: String,
        /// Cases settled.
        pub cases: i64,
        /// Items returned, refunded or shipped again.
        pub quantity: i64,
        pub refunds: i64,
        pub reship_costs: i64,
    }
}

/// What the losses are summed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossBy {
    Reason,
    Sku,
    Store,
}

/// Losses of cases settled in `[from, to)` (UTC ms), optionally of one store, largest first.
pub async fn losses(
    db: &Db,
    by: LossBy,
    from: i64,
    to: i64,
    store_id: Option<i64>,
) -> StoreResult<Vec<LossRow>> {
    let (c, i, s) = (
        AfterSalesCases::Table,
        AfterSalesItems::Table,
        Stores::Table,
    );
    let key: Expr = match by {
        LossBy::Reason => Expr::col((c, AfterSalesCases::Reason)),
        LossBy::Sku => Expr::cust("COALESCE(after_sales_items.sku, after_sales_items.name)"),
        LossBy::Store => Expr::col((s, Stores::Name)),
    };
    let sum = |col: &str| Expr::cust(format!("CAST(SUM(after_sales_items.{col}) AS BIGINT)"));
    let mut q = Query::select();
    q.expr_as(key.clone(), "key")
        .expr_as(Expr::col((c, AfterSalesCases::Currency)), "currency")
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT after_sales_cases.id) AS BIGINT)"),
            "cases",
        )
        .expr_as(sum("quantity"), "quantity")
        .expr_as(sum("refund_share"), "refunds")
        .expr_as(sum("reship_share"), "reship_costs")
        .from(i)
        .inner_join(
            c,
            Expr::col((c, AfterSalesCases::Id)).equals((i, AfterSalesItems::CaseId)),
        )
        .inner_join(
            s,
            Expr::col((s, Stores::Id)).equals((c, AfterSalesCases::StoreId)),
        )
        .and_where(Expr::col((c, AfterSalesCases::SettledAt)).gte(from))
        .and_where(Expr::col((c, AfterSalesCases::SettledAt)).lt(to));
    if let Some(id) = store_id {
        q.and_where(Expr::col((c, AfterSalesCases::StoreId)).eq(id));
    }
    q.add_group_by([key, Expr::col((c, AfterSalesCases::Currency))])
        .order_by_expr(
            Expr::cust("SUM(after_sales_items.refund_share + after_sales_items.reship_share)"),
            Order::Desc,
        )
        .order_by_expr(Expr::cust("1"), Order::Asc);
    db.fetch_all(&q).await
}
