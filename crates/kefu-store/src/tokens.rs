//! API tokens: random secrets shown once, stored as a hash.

use crate::schema::ApiTokens;
use crate::{Db, StoreResult};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct TokenRow {
        pub id: i64,
        pub user_id: i64,
        pub name: String,
        pub created_at: i64,
        pub last_used_at: Option<i64>,
    }
}

const COLUMNS: [ApiTokens; 5] = [
    ApiTokens::Id,
    ApiTokens::UserId,
    ApiTokens::Name,
    ApiTokens::CreatedAt,
    ApiTokens::LastUsedAt,
];

pub async fn insert(
    db: &Db,
    user_id: i64,
    name: &str,
    hash: &str,
    now: i64,
) -> StoreResult<TokenRow> {
    db.fetch_one_write(
        &Query::insert()
            .into_table(ApiTokens::Table)
            .columns([
                ApiTokens::UserId,
                ApiTokens::Name,
                ApiTokens::TokenHash,
                ApiTokens::CreatedAt,
            ])
            .values_panic([user_id.into(), name.into(), hash.into(), now.into()])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn find_by_hash(db: &Db, hash: &str) -> StoreResult<Option<TokenRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::TokenHash).eq(hash))
            .take(),
    )
    .await
}

pub async fn list_for_user(db: &Db, user_id: i64) -> StoreResult<Vec<TokenRow>> {
    db.fetch_all(
        &Query::select()
            .columns(COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::UserId).eq(user_id))
            .order_by(ApiTokens::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn delete(db: &Db, user_id: i64, id: i64) -> StoreResult<u64> {
    db.execute(
        &Query::delete()
            .from_table(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::Id).eq(id))
            .and_where(Expr::col(ApiTokens::UserId).eq(user_id))
            .take(),
    )
    .await
}

/// Records use at most once a minute, so reads stay reads.
pub async fn touch(db: &Db, id: i64, now: i64) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::LastUsedAt, now)
            .and_where(Expr::col(ApiTokens::Id).eq(id))
            .and_where(
                Expr::col(ApiTokens::LastUsedAt)
                    .is_null()
                    .or(Expr::col(ApiTokens::LastUsedAt).lt(now - 60_000)),
            )
            .take(),
    )
    .await?;
    Ok(())
}
