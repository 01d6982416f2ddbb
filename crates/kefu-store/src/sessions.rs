//! Browser sessions, stored by the hash of the cookie value.

use crate::schema::Sessions;
use crate::{Db, StoreResult};
use sea_query::{Expr, ExprTrait, Query};

crate::record! {
    #[derive(Debug, Clone)]
    pub struct SessionRow {
        pub id: String,
        pub user_id: i64,
        pub csrf_token: String,
        pub expires_at: i64,
    }
}

pub async fn insert(
    db: &Db,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: i64,
    now: i64,
) -> StoreResult<()> {
    db.execute(
        &Query::insert()
            .into_table(Sessions::Table)
            .columns([
                Sessions::Id,
                Sessions::UserId,
                Sessions::CsrfToken,
                Sessions::ExpiresAt,
                Sessions::CreatedAt,
            ])
            .values_panic([
                id_hash.into(),
                user_id.into(),
                csrf.into(),
                expires_at.into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn find_valid(db: &Db, id_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
    db.fetch_optional(
        &Query::select()
            .columns([
                Sessions::Id,
                Sessions::UserId,
                Sessions::CsrfToken,
                Sessions::ExpiresAt,
            ])
            .from(Sessions::Table)
            .and_where(Expr::col(Sessions::Id).eq(id_hash))
            .and_where(Expr::col(Sessions::ExpiresAt).gt(now))
            .take(),
    )
    .await
}

pub async fn delete(db: &Db, id_hash: &str) -> StoreResult<()> {
    db.execute(
        &Query::delete()
            .from_table(Sessions::Table)
            .and_where(Expr::col(Sessions::Id).eq(id_hash))
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: i64) -> StoreResult<u64> {
    db.execute(
        &Query::delete()
            .from_table(Sessions::Table)
            .and_where(Expr::col(Sessions::ExpiresAt).lte(now))
            .take(),
    )
    .await
}
