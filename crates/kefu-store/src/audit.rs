//! The audit log: who did what to what, and failed sign-ins.

use crate::schema::{AuditLog, LoginFailures};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct AuditRow {
        pub id: i64,
        pub actor_user_id: Option<i64>,
        pub action: String,
        pub subject: String,
        pub detail: String,
        pub created_at: i64,
    }
}

/// Records an entry inside a transaction, so the change and its audit entry commit together.
pub async fn record_in(
    tx: &mut Tx,
    actor: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> StoreResult<()> {
    tx.execute(&entry(actor, action, subject, detail, now))
        .await?;
    Ok(())
}

fn entry(
    actor: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> sea_query::InsertStatement {
    Query::insert()
        .into_table(AuditLog::Table)
        .columns([
            AuditLog::ActorUserId,
            AuditLog::Action,
            AuditLog::Subject,
            AuditLog::Detail,
            AuditLog::CreatedAt,
        ])
        .values_panic([
            actor.into(),
            action.into(),
            subject.into(),
            detail.into(),
            now.into(),
        ])
        .take()
}

pub async fn record(
    db: &Db,
    actor: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> StoreResult<()> {
    db.execute(&entry(actor, action, subject, detail, now))
        .await?;
    Ok(())
}

pub async fn list(db: &Db, action: Option<&str>, limit: u64) -> StoreResult<Vec<AuditRow>> {
    let filter = AuditFilter {
        action: action.map(str::to_owned),
        ..AuditFilter::default()
    };
    search(db, &filter, limit).await
}

/// What the audit log may be narrowed by; every filter given must hold.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    /// An exact action (`contact.revealed`) or a family ending in `.` (`contact.`).
    pub action: Option<String>,
    /// Exact subjects (`contact:12`); a merged record's history lists several.
    pub subjects: Vec<String>,
    /// From (inclusive) and until (exclusive), UTC ms.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Keyset cursor: entries with a smaller id.
    pub before_id: Option<i64>,
}

/// Audit entries newest first.
pub async fn search(db: &Db, f: &AuditFilter, limit: u64) -> StoreResult<Vec<AuditRow>> {
    let mut q = Query::select();
    q.columns([
        AuditLog::Id,
        AuditLog::ActorUserId,
        AuditLog::Action,
        AuditLog::Subject,
        AuditLog::Detail,
        AuditLog::CreatedAt,
    ])
    .from(AuditLog::Table)
    .order_by(AuditLog::Id, Order::Desc)
    .limit(limit);
    if let Some(a) = &f.action {
        if let Some(family) = a.strip_suffix('.') {
            let like = format!("{}.%", family.replace(['%', '_'], ""));
            q.and_where(Expr::col(AuditLog::Action).like(like));
        } else {
            q.and_where(Expr::col(AuditLog::Action).eq(a.as_str()));
        }
    }
    if let Some(actor) = f.actor_user_id {
        q.and_where(Expr::col(AuditLog::ActorUserId).eq(actor));
    }
    if !f.subjects.is_empty() {
        q.and_where(Expr::col(AuditLog::Subject).is_in(f.subjects.iter().map(String::as_str)));
    }
    if let Some(since) = f.since {
        q.and_where(Expr::col(AuditLog::CreatedAt).gte(since));
    }
    if let Some(until) = f.until {
        q.and_where(Expr::col(AuditLog::CreatedAt).lt(until));
    }
    if let Some(id) = f.before_id {
        q.and_where(Expr::col(AuditLog::Id).lt(id));
    }
    db.fetch_all(&q).await
}

/// Replaces the detail of every entry about `subject` (erasure keeps who did what and
/// when, not the personal data the entries carried).
pub async fn scrub_subject(tx: &mut Tx, subject: &str, detail: &str) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(AuditLog::Table)
            .value(AuditLog::Detail, detail)
            .and_where(Expr::col(AuditLog::Subject).eq(subject))
            .take(),
    )
    .await
}

crate::record! {
    #[derive(Debug, Clone)]
    pub struct LoginFailureRow {
        pub failures: i64,
        pub first_at: i64,
        pub locked_until: Option<i64>,
    }
}

pub async fn login_failures(db: &Db, key: &str) -> StoreResult<Option<LoginFailureRow>> {
    db.fetch_optional(
        &Query::select()
            .columns([
                LoginFailures::Failures,
                LoginFailures::FirstAt,
                LoginFailures::LockedUntil,
            ])
            .from(LoginFailures::Table)
            .and_where(Expr::col(LoginFailures::Key).eq(key))
            .take(),
    )
    .await
}

/// Counts one more failed sign-in for `key` in a single statement, so parallel
/// attempts cannot lose updates; a window older than `window_ms` starts over.
pub async fn count_login_failure(
    db: &Db,
    key: &str,
    now: i64,
    window_ms: i64,
) -> StoreResult<LoginFailureRow> {
    let t = LoginFailures::Table;
    let expired = Expr::col((t, LoginFailures::FirstAt)).lt(now - window_ms);
    let failures =
        Expr::case(expired.clone(), 1).finally(Expr::col((t, LoginFailures::Failures)).add(1));
    let first_at = Expr::case(expired, now).finally(Expr::col((t, LoginFailures::FirstAt)));
    db.fetch_one_write(
        &Query::insert()
            .into_table(t)
            .columns([
                LoginFailures::Key,
                LoginFailures::Failures,
                LoginFailures::FirstAt,
            ])
            .values_panic([key.into(), 1i64.into(), now.into()])
            .on_conflict(
                OnConflict::column(LoginFailures::Key)
                    .value(LoginFailures::Failures, failures)
                    .value(LoginFailures::FirstAt, first_at)
                    .to_owned(),
            )
            .returning(Query::returning().columns([
                LoginFailures::Failures,
                LoginFailures::FirstAt,
                LoginFailures::LockedUntil,
            ]))
            .take(),
    )
    .await
}

/// Locks sign-ins for `key` until `until`.
pub async fn lock_login(db: &Db, key: &str, until: i64) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(LoginFailures::Table)
            .value(LoginFailures::LockedUntil, until)
            .and_where(Expr::col(LoginFailures::Key).eq(key))
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn clear_login_failures(db: &Db, key: &str) -> StoreResult<()> {
    db.execute(
        &Query::delete()
            .from_table(LoginFailures::Table)
            .and_where(Expr::col(LoginFailures::Key).eq(key))
            .take(),
    )
    .await?;
    Ok(())
}
