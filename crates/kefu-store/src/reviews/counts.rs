//! Call-back reasons counted per store and week as call-backs are recorded, and the
//! week's reviews per class: what the weekly summary reads.

use crate::schema::{ReviewReasonCounts, Reviews};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// Counts one more call-back reason for a store's week.
pub async fn count_reason(tx: &mut Tx, store_id: i64, week: &str, reason: &str) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ReviewReasonCounts::Table)
            .columns([
                ReviewReasonCounts::StoreId,
                ReviewReasonCounts::Week,
                ReviewReasonCounts::Reason,
                ReviewReasonCounts::Count,
            ])
            .values_panic([store_id.into(), week.into(), reason.into(), 1_i64.into()])
            .on_conflict(
                OnConflict::columns([
                    ReviewReasonCounts::StoreId,
                    ReviewReasonCounts::Week,
                    ReviewReasonCounts::Reason,
                ])
                .value(
                    ReviewReasonCounts::Count,
                    Expr::col((ReviewReasonCounts::Table, ReviewReasonCounts::Count)).add(1),
                )
                .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}

/// The reasons counted in a week (of one store, or summed over all), most first.
pub async fn reason_counts(
    db: &Db,
    store_id: Option<i64>,
    week: &str,
) -> StoreResult<Vec<(String, i64)>> {
    let mut q = Query::select();
    q.column(ReviewReasonCounts::Reason)
        // PostgreSQL sums BIGINTs as NUMERIC: read it back as a BIGINT on both.
        .expr(Expr::cust("CAST(SUM(count) AS BIGINT)"))
        .from(ReviewReasonCounts::Table)
        .and_where(Expr::col(ReviewReasonCounts::Week).eq(week))
        .group_by_col(ReviewReasonCounts::Reason);
    if let Some(s) = store_id {
        q.and_where(Expr::col(ReviewReasonCounts::StoreId).eq(s));
    }
    let mut rows: Vec<(String, i64)> = db.fetch_all(&q).await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// How many reviews of each class a week had (of one store, or all).
pub async fn class_counts(
    db: &Db,
    store_id: Option<i64>,
    week: &str,
) -> StoreResult<Vec<(String, i64)>> {
    let mut q = Query::select();
    q.column(Reviews::Class)
        .expr(Expr::col(Reviews::Id).count())
        .from(Reviews::Table)
        .and_where(Expr::col(Reviews::Week).eq(week))
        .group_by_col(Reviews::Class);
    if let Some(s) = store_id {
        q.and_where(Expr::col(Reviews::StoreId).eq(s));
    }
    db.fetch_all(&q).await
}
