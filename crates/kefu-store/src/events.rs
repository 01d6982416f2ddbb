//! The durable, ordered event log every change appends to, in the same transaction.
//!
//! Event ids are the stream cursor, so they must become visible in id order. SQLite
//! has one writer, which gives that for free; on PostgreSQL a sequence hands out ids
//! before commit, so appending takes a transaction-scoped advisory lock: the
//! appending transactions commit one after another, in id order. To keep that lock
//! short, a PostgreSQL transaction only collects its events as they are appended and
//! writes them all at commit ([`flush`]): the lock is taken just before `COMMIT`
//! rather than early in the transaction, so transactions overlap in everything else.

use crate::schema::Events;
use crate::{Backend, Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

const APPEND_LOCK: i64 = 7310002;
/// The PostgreSQL notification channel that wakes every instance's event tail.
pub const NOTIFY_CHANNEL: &str = "kefu_events";

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct EventRow {
        pub id: i64,
        pub kind: String,
        pub conversation_id: Option<i64>,
        pub inbox_id: Option<i64>,
        pub private: bool,
        pub payload: String,
        pub created_at: i64,
    }
}

pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub conversation_id: Option<i64>,
    pub inbox_id: Option<i64>,
    /// Staff-only (private notes, assignments); never sent to the customer's widget.
    pub private: bool,
    pub payload: &'a serde_json::Value,
    pub now: i64,
}

/// An event a PostgreSQL transaction appended, written when it commits.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    kind: String,
    conversation_id: Option<i64>,
    inbox_id: Option<i64>,
    private: bool,
    payload: String,
    created_at: i64,
    notify_channel: String,
}

/// Writes a PostgreSQL transaction's events, in the order appended, under the log's
/// lock, and notifies the instances once; the caller commits right after.
pub(crate) async fn flush(
    t: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    events: &[PendingEvent],
) -> StoreResult<()> {
    use sea_query::PostgresQueryBuilder;
    use sea_query_sqlx::SqlxBinder;
    let Some(first) = events.first() else {
        return Ok(());
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SELECT pg_advisory_xact_lock({APPEND_LOCK})"
    )))
    .execute(&mut **t)
    .await?;
    for chunk in events.chunks(crate::batch::CHUNK / 6) {
        let mut q = Query::insert();
        q.into_table(Events::Table).columns([
            Events::Kind,
            Events::ConversationId,
            Events::InboxId,
            Events::Private,
            Events::Payload,
            Events::CreatedAt,
        ]);
        for e in chunk {
            q.values_panic([
                e.kind.as_str().into(),
                e.conversation_id.into(),
                e.inbox_id.into(),
                e.private.into(),
                e.payload.as_str().into(),
                e.created_at.into(),
            ]);
        }
        let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
        sqlx::query_with(sqlx::AssertSqlSafe(sql), values)
            .execute(&mut **t)
            .await?;
    }
    // Delivered at commit; listeners read the log from their cursor.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SELECT pg_notify('{}', '0')",
        first.notify_channel
    )))
    .execute(&mut **t)
    .await?;
    Ok(())
}

/// Appends an event in the transaction (on PostgreSQL it is written at commit).
pub async fn append(tx: &mut Tx, e: &NewEvent<'_>, notify_channel: &str) -> StoreResult<()> {
    if let crate::db::Conn::Postgres(_, pending) = &mut tx.conn {
        pending.push(PendingEvent {
            kind: e.kind.to_owned(),
            conversation_id: e.conversation_id,
            inbox_id: e.inbox_id,
            private: e.private,
            payload: e.payload.to_string(),
            created_at: e.now,
            notify_channel: notify_channel.to_owned(),
        });
        return Ok(());
    }
    let _: (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Events::Table)
                .columns([
                    Events::Kind,
                    Events::ConversationId,
                    Events::InboxId,
                    Events::Private,
                    Events::Payload,
                    Events::CreatedAt,
                ])
                .values_panic([
                    e.kind.into(),
                    e.conversation_id.into(),
                    e.inbox_id.into(),
                    e.private.into(),
                    e.payload.to_string().into(),
                    e.now.into(),
                ])
                .returning(Query::returning().column(Events::Id))
                .take(),
        )
        .await?;
    Ok(())
}

const COLUMNS: [Events; 7] = [
    Events::Id,
    Events::Kind,
    Events::ConversationId,
    Events::InboxId,
    Events::Private,
    Events::Payload,
    Events::CreatedAt,
];

/// Events after `after_id`, oldest first; optionally only one conversation's public ones.
pub async fn list_after(
    db: &Db,
    after_id: i64,
    conversation_id: Option<i64>,
    limit: u64,
) -> StoreResult<Vec<EventRow>> {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(Events::Table)
        .and_where(Expr::col(Events::Id).gt(after_id))
        .order_by(Events::Id, Order::Asc)
        .limit(limit);
    if let Some(c) = conversation_id {
        q.and_where(Expr::col(Events::ConversationId).eq(c))
            .and_where(Expr::col(Events::Private).eq(false));
    }
    db.fetch_all(&q).await
}

/// The newest event id (0 on an empty log).
pub async fn latest_id(db: &Db) -> StoreResult<i64> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Query::select()
                .column(Events::Id)
                .from(Events::Table)
                .order_by(Events::Id, Order::Desc)
                .limit(1)
                .take(),
        )
        .await?;
    Ok(row.map_or(0, |(id,)| id))
}

/// Appends several staff-only events at once (a batch of orders), many rows per
/// statement, with one lock and one notification; call it last, just before commit.
pub async fn append_many(
    tx: &mut Tx,
    events: &[(&str, serde_json::Value)],
    now: i64,
    notify_channel: &str,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    if tx.backend() == Backend::Postgres {
        tx.execute_raw(&format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})"))
            .await?;
    }
    for chunk in events.chunks(crate::batch::CHUNK / 2) {
        let mut q = Query::insert();
        q.into_table(Events::Table).columns([
            Events::Kind,
            Events::Private,
            Events::Payload,
            Events::CreatedAt,
        ]);
        for (kind, payload) in chunk {
            q.values_panic([
                (*kind).into(),
                true.into(),
                payload.to_string().into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    if tx.backend() == Backend::Postgres {
        tx.execute_raw(&format!("SELECT pg_notify('{notify_channel}', '0')"))
            .await?;
    }
    Ok(())
}
