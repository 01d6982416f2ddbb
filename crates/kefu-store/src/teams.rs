//! Teams (售前, 售后, 国际部 …) and their members.

use crate::schema::{TeamMembers, Teams};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct TeamRow {
        pub id: i64,
        pub name: String,
        pub created_at: i64,
    }
}

pub async fn insert(tx: &mut Tx, name: &str, now: i64) -> StoreResult<TeamRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Teams::Table)
            .columns([Teams::Name, Teams::CreatedAt])
            .values_panic([name.into(), now.into()])
            .returning(Query::returning().columns([Teams::Id, Teams::Name, Teams::CreatedAt]))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<TeamRow>> {
    db.fetch_optional(
        &Query::select()
            .columns([Teams::Id, Teams::Name, Teams::CreatedAt])
            .from(Teams::Table)
            .and_where(Expr::col(Teams::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn list(db: &Db) -> StoreResult<Vec<TeamRow>> {
    db.fetch_all(
        &Query::select()
            .columns([Teams::Id, Teams::Name, Teams::CreatedAt])
            .from(Teams::Table)
            .order_by(Teams::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn add_member(tx: &mut Tx, team_id: i64, user_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(TeamMembers::Table)
            .columns([TeamMembers::TeamId, TeamMembers::UserId])
            .values_panic([team_id.into(), user_id.into()])
            .on_conflict(
                OnConflict::columns([TeamMembers::TeamId, TeamMembers::UserId])
                    .do_nothing()
                    .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn remove_member(tx: &mut Tx, team_id: i64, user_id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(TeamMembers::Table)
            .and_where(Expr::col(TeamMembers::TeamId).eq(team_id))
            .and_where(Expr::col(TeamMembers::UserId).eq(user_id))
            .take(),
    )
    .await
}

pub async fn member_ids(db: &Db, team_id: i64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(TeamMembers::UserId)
                .from(TeamMembers::Table)
                .and_where(Expr::col(TeamMembers::TeamId).eq(team_id))
                .order_by(TeamMembers::UserId, Order::Asc)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn team_ids_of_user(db: &Db, user_id: i64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(TeamMembers::TeamId)
                .from(TeamMembers::Table)
                .and_where(Expr::col(TeamMembers::UserId).eq(user_id))
                .order_by(TeamMembers::TeamId, Order::Asc)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
