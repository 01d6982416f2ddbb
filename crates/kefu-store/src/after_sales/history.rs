//! A case's status history (who moved it where, when and why) and the tasks it handed off.

use super::{AfterSalesHistory, AfterSalesTasks};
use crate::schema::Users;
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

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
