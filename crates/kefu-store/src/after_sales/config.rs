//! What admins configure for after-sales: the reason taxonomy and each store's windows.

use super::{AfterSalesReasons as R, AfterSalesWindows as W};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

crate::record! {
    /// A reason a buyer gives (尺码不合适, 质量问题 …) and the window it is judged by.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ReasonRow {
        pub id: i64,
        pub key: String,
        pub label_en: String,
        pub label_zh: String,
        /// `no_reason` or `quality`.
        pub policy: String,
        pub position: i64,
    }
}

pub async fn reasons(db: &Db) -> StoreResult<Vec<ReasonRow>> {
    db.fetch_all(
        &Query::select()
            .columns([
                R::Id,
                R::Key,
                R::LabelEn,
                R::LabelZh,
                R::Policy,
                R::Position,
            ])
            .from(R::Table)
            .order_by(R::Position, Order::Asc)
            .order_by(R::Id, Order::Asc)
            .take(),
    )
    .await
}

/// Adds a reason at the end of the list; `Conflict` when the key exists.
pub async fn add_reason(
    tx: &mut Tx,
    key: &str,
    label_en: &str,
    label_zh: &str,
    policy: &str,
    now: i64,
) -> StoreResult<()> {
    let next = Query::select()
        .expr(Expr::cust("COALESCE(MAX(position), -1) + 1"))
        .from(R::Table)
        .take();
    let (position,): (i64,) = tx.fetch_one(&next).await?;
    tx.execute(
        &Query::insert()
            .into_table(R::Table)
            .columns([
                R::Key,
                R::LabelEn,
                R::LabelZh,
                R::Policy,
                R::Position,
                R::CreatedAt,
            ])
            .values_panic([
                key.into(),
                label_en.into(),
                label_zh.into(),
                policy.into(),
                position.into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    Ok(())
}

/// A store's own windows: (policy, days).
pub async fn windows(db: &Db, store_id: i64) -> StoreResult<Vec<(String, i64)>> {
    db.fetch_all(
        &Query::select()
            .columns([W::Policy, W::Days])
            .from(W::Table)
            .and_where(Expr::col(W::StoreId).eq(store_id))
            .take(),
    )
    .await
}

/// Sets a store's window for a policy.
pub async fn set_window(
    tx: &mut Tx,
    store_id: i64,
    policy: &str,
    days: i64,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(W::Table)
            .columns([W::StoreId, W::Policy, W::Days, W::UpdatedAt])
            .values_panic([store_id.into(), policy.into(), days.into(), now.into()])
            .on_conflict(
                OnConflict::columns([W::StoreId, W::Policy])
                    .update_columns([W::Days, W::UpdatedAt])
                    .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}
