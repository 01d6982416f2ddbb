//! Review requests: one per order (a unique index settles a race).

use crate::schema::ReviewRequests;
use crate::{StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Query};

/// Records a review request for an order; `Conflict` when one was already recorded.
pub async fn insert_request(
    tx: &mut Tx,
    order_id: i64,
    channel: Option<&str>,
    by: i64,
    now: i64,
) -> StoreResult<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(ReviewRequests::Table)
                .columns([
                    ReviewRequests::OrderId,
                    ReviewRequests::Channel,
                    ReviewRequests::RequestedBy,
                    ReviewRequests::RequestedAt,
                ])
                .values_panic([
                    order_id.into(),
                    channel.map(str::to_owned).into(),
                    by.into(),
                    now.into(),
                ])
                .returning_col(ReviewRequests::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

/// When an order's review was requested, if it was.
pub async fn requested_at(tx: &mut Tx, order_id: i64) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(ReviewRequests::RequestedAt)
                .from(ReviewRequests::Table)
                .and_where(Expr::col(ReviewRequests::OrderId).eq(order_id))
                .take(),
        )
        .await?;
    Ok(row.map(|(at,)| at))
}
