//! The durable, ordered event log every change appends to, in the same transaction.
//!
//! Event ids are the stream cursor, so they must become visible in id order. SQLite
//! has one writer, which gives that for free; on PostgreSQL a sequence hands out ids
//! before commit, so appending takes a transaction-scoped advisory lock: the
//! appending transactions commit one after another, in id order.

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

/// Appends an event; call it last in the transaction, just before commit.
pub async fn append(tx: &mut Tx, e: &NewEvent<'_>, notify_channel: &str) -> StoreResult<i64> {
    if tx.backend() == Backend::Postgres {
        tx.execute_raw(&format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})"))
            .await?;
    }
    let (id,): (i64,) = tx
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
    if tx.backend() == Backend::Postgres {
        // Delivered at commit; the payload is the id so listeners can skip a read.
        tx.execute_raw(&format!("SELECT pg_notify('{notify_channel}', '{id}')"))
            .await?;
    }
    Ok(id)
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
