//! Script stages: the steps of a conversation scripts are grouped by, in order.

use crate::schema::{ScriptStages, Scripts};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    /// A stage of the conversation a script belongs to (欢迎语, 议价, 售后 …).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ScriptStageRow {
        pub id: i64,
        pub key: String,
        pub label_en: String,
        pub label_zh: String,
        pub position: i64,
    }
}

const STAGE_COLUMNS: [ScriptStages; 5] = [
    ScriptStages::Id,
    ScriptStages::Key,
    ScriptStages::LabelEn,
    ScriptStages::LabelZh,
    ScriptStages::Position,
];

/// Every stage, in the order agents meet them.
pub async fn stages(db: &Db) -> StoreResult<Vec<ScriptStageRow>> {
    db.fetch_all(
        &Query::select()
            .columns(STAGE_COLUMNS)
            .from(ScriptStages::Table)
            .order_by(ScriptStages::Position, Order::Asc)
            .order_by(ScriptStages::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn find_stage(db: &Db, id: i64) -> StoreResult<Option<ScriptStageRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(STAGE_COLUMNS)
            .from(ScriptStages::Table)
            .and_where(Expr::col(ScriptStages::Id).eq(id))
            .take(),
    )
    .await
}

/// A stage as the use case validated it.
pub struct StageFields<'a> {
    pub key: &'a str,
    pub label_en: &'a str,
    pub label_zh: &'a str,
}

/// Adds a stage after the last one; a key in use is a `Conflict`.
pub async fn insert_stage(
    tx: &mut Tx,
    f: &StageFields<'_>,
    now: i64,
) -> StoreResult<ScriptStageRow> {
    let next = Query::select()
        .expr(Expr::cust("COALESCE(MAX(position), -1) + 1"))
        .from(ScriptStages::Table)
        .take();
    tx.fetch_one(
        &Query::insert()
            .into_table(ScriptStages::Table)
            .columns([
                ScriptStages::Key,
                ScriptStages::LabelEn,
                ScriptStages::LabelZh,
                ScriptStages::Position,
                ScriptStages::CreatedAt,
            ])
            .values_panic([
                f.key.into(),
                f.label_en.into(),
                f.label_zh.into(),
                Expr::SubQuery(None, Box::new(next.into())),
                now.into(),
            ])
            .returning(Query::returning().columns(STAGE_COLUMNS))
            .take(),
    )
    .await
}

/// Renames a stage and moves it to `position`.
pub async fn update_stage(
    tx: &mut Tx,
    id: i64,
    f: &StageFields<'_>,
    position: i64,
) -> StoreResult<ScriptStageRow> {
    tx.fetch_one(
        &Query::update()
            .table(ScriptStages::Table)
            .value(ScriptStages::Key, f.key)
            .value(ScriptStages::LabelEn, f.label_en)
            .value(ScriptStages::LabelZh, f.label_zh)
            .value(ScriptStages::Position, position)
            .and_where(Expr::col(ScriptStages::Id).eq(id))
            .returning(Query::returning().columns(STAGE_COLUMNS))
            .take(),
    )
    .await
}

/// How many scripts (anyone's) a stage holds.
pub async fn count_in_stage(tx: &mut Tx, stage_id: i64) -> StoreResult<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(Scripts::Table)
                .and_where(Expr::col(Scripts::StageId).eq(stage_id))
                .take(),
        )
        .await?;
    Ok(n)
}

pub async fn delete_stage(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(ScriptStages::Table)
            .and_where(Expr::col(ScriptStages::Id).eq(id))
            .take(),
    )
    .await
}
