//! The job table: background work and timers, deduplicated by (kind, key).
//!
//! A timer is a job with a unique key inserted with ON CONFLICT DO NOTHING, so two
//! instances never schedule it twice. Claiming leases a job for a while; on
//! PostgreSQL with FOR UPDATE SKIP LOCKED so instances never claim the same one.

use crate::schema::Jobs;
use crate::{Backend, Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query};

/// Attempts after which a failing job is parked for an admin to look at.
pub const MAX_ATTEMPTS: i32 = 8;

crate::record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobRow {
        pub id: i64,
        pub kind: String,
        pub dedupe_key: String,
        pub payload: String,
        pub run_at: i64,
        pub attempts: i32,
    }
}

/// Schedules a job unless one with the same kind and key exists; true if inserted.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    run_at: i64,
    now: i64,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::insert()
                .into_table(Jobs::Table)
                .columns([
                    Jobs::Kind,
                    Jobs::DedupeKey,
                    Jobs::Payload,
                    Jobs::RunAt,
                    Jobs::CreatedAt,
                ])
                .values_panic([
                    kind.into(),
                    key.into(),
                    payload.to_string().into(),
                    run_at.into(),
                    now.into(),
                ])
                .on_conflict(
                    OnConflict::columns([Jobs::Kind, Jobs::DedupeKey])
                        .do_nothing()
                        .to_owned(),
                )
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Leases up to `limit` due jobs until `now + lease_ms`.
pub async fn claim_due(db: &Db, now: i64, lease_ms: i64, limit: u64) -> StoreResult<Vec<JobRow>> {
    let mut due = Query::select();
    due.column(Jobs::Id)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::Parked).eq(false))
        .and_where(Expr::col(Jobs::RunAt).lte(now))
        .and_where(
            Expr::col(Jobs::LockedUntil)
                .is_null()
                .or(Expr::col(Jobs::LockedUntil).lt(now)),
        )
        .order_by(Jobs::RunAt, Order::Asc)
        .limit(limit);
    if db.backend() == Backend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut tx = db.begin().await?;
    let rows = tx
        .fetch_all(
            &Query::update()
                .table(Jobs::Table)
                .value(Jobs::LockedUntil, now + lease_ms)
                .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
                .and_where(Expr::col(Jobs::Id).in_subquery(due))
                .returning(Query::returning().columns([
                    Jobs::Id,
                    Jobs::Kind,
                    Jobs::DedupeKey,
                    Jobs::Payload,
                    Jobs::RunAt,
                    Jobs::Attempts,
                ]))
                .take(),
        )
        .await?;
    tx.commit().await?;
    Ok(rows)
}

/// A job that ran to completion is removed.
pub async fn complete(db: &Db, id: i64) -> StoreResult<()> {
    db.execute(
        &Query::delete()
            .from_table(Jobs::Table)
            .and_where(Expr::col(Jobs::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// A failed job runs again at `retry_at`, or is parked after [`MAX_ATTEMPTS`].
pub async fn fail(db: &Db, job: &JobRow, error: &str, retry_at: i64) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(Jobs::Table)
            .value(Jobs::LastError, error)
            .value(Jobs::RunAt, retry_at)
            .value(Jobs::LockedUntil, Option::<i64>::None)
            .value(Jobs::Parked, job.attempts >= MAX_ATTEMPTS)
            .and_where(Expr::col(Jobs::Id).eq(job.id))
            .take(),
    )
    .await?;
    Ok(())
}

/// How many jobs wait (not parked): the test harness asserts none are left.
pub async fn pending_count(db: &Db) -> StoreResult<i64> {
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::col(Jobs::Id).count())
                .from(Jobs::Table)
                .and_where(Expr::col(Jobs::Parked).eq(false))
                .take(),
        )
        .await?;
    Ok(n)
}
