//! Payment reminders (催付): one row per order ever reminded, claimed by a unique order
//! so two instances (or a job run twice) remind once, and marked converted when the
//! order is paid afterwards.

use crate::batch::fetch_in_chunks;
use crate::schema::{PaymentReminders, ScriptStages, Scripts};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ReminderRow {
        pub id: i64,
        pub order_id: i64,
        pub store_id: i64,
        pub contact_id: Option<i64>,
        pub conversation_id: Option<i64>,
        pub message_id: Option<i64>,
        pub task_id: Option<i64>,
        /// `message` (written into the buyer's conversation) or `task` (an agent reminds).
        pub channel: String,
        pub sent_at: i64,
        /// When the order was found paid after the reminder.
        pub converted_at: Option<i64>,
    }
}

const COLUMNS: [PaymentReminders; 10] = [
    PaymentReminders::Id,
    PaymentReminders::OrderId,
    PaymentReminders::StoreId,
    PaymentReminders::ContactId,
    PaymentReminders::ConversationId,
    PaymentReminders::MessageId,
    PaymentReminders::TaskId,
    PaymentReminders::Channel,
    PaymentReminders::SentAt,
    PaymentReminders::ConvertedAt,
];

/// Claims the order's one reminder; `None` when it already has one (nothing written).
pub async fn claim(
    tx: &mut Tx,
    order_id: i64,
    store_id: i64,
    contact_id: Option<i64>,
    now: i64,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::insert()
                .into_table(PaymentReminders::Table)
                .columns([
                    PaymentReminders::OrderId,
                    PaymentReminders::StoreId,
                    PaymentReminders::ContactId,
                    PaymentReminders::Channel,
                    PaymentReminders::SentAt,
                ])
                .values_panic([
                    order_id.into(),
                    store_id.into(),
                    contact_id.into(),
                    "message".into(),
                    now.into(),
                ])
                .on_conflict(
                    OnConflict::column(PaymentReminders::OrderId)
                        .do_nothing()
                        .to_owned(),
                )
                .returning_col(PaymentReminders::Id)
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Where the claimed reminder went: a message in a conversation, or an agent's task.
pub async fn record_delivery(
    tx: &mut Tx,
    id: i64,
    conversation_id: Option<i64>,
    message_id: Option<i64>,
    task_id: Option<i64>,
) -> StoreResult<()> {
    let channel = if message_id.is_some() {
        "message"
    } else {
        "task"
    };
    tx.execute(
        &Query::update()
            .table(PaymentReminders::Table)
            .values([
                (PaymentReminders::ConversationId, conversation_id.into()),
                (PaymentReminders::MessageId, message_id.into()),
                (PaymentReminders::TaskId, task_id.into()),
                (PaymentReminders::Channel, channel.into()),
            ])
            .and_where(Expr::col(PaymentReminders::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn of_order(db: &Db, order_id: i64) -> StoreResult<Option<ReminderRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(PaymentReminders::Table)
            .and_where(Expr::col(PaymentReminders::OrderId).eq(order_id))
            .take(),
    )
    .await
}

/// Of these orders, those reminded and not yet converted: (order id, reminded at).
pub async fn unconverted(tx: &mut Tx, order_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
    fetch_in_chunks(tx, order_ids, |chunk| {
        Query::select()
            .columns([PaymentReminders::OrderId, PaymentReminders::SentAt])
            .from(PaymentReminders::Table)
            .and_where(Expr::col(PaymentReminders::OrderId).is_in(chunk.to_vec()))
            .and_where(Expr::col(PaymentReminders::ConvertedAt).is_null())
            .take()
    })
    .await
}

/// Marks an order's reminder converted (paid after it).
pub async fn convert(tx: &mut Tx, order_id: i64, at: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(PaymentReminders::Table)
            .value(PaymentReminders::ConvertedAt, at)
            .and_where(Expr::col(PaymentReminders::OrderId).eq(order_id))
            .and_where(Expr::col(PaymentReminders::ConvertedAt).is_null())
            .take(),
    )
    .await
}

/// Reminders sent in `[from, to)` (of one store, or all) and how many of them converted.
pub async fn counts(db: &Db, store_id: Option<i64>, from: i64, to: i64) -> StoreResult<(i64, i64)> {
    let mut q = Query::select();
    q.expr(Expr::col(PaymentReminders::Id).count())
        .expr(Expr::col(PaymentReminders::ConvertedAt).count())
        .from(PaymentReminders::Table)
        .and_where(Expr::col(PaymentReminders::SentAt).gte(from))
        .and_where(Expr::col(PaymentReminders::SentAt).lt(to));
    if let Some(s) = store_id {
        q.and_where(Expr::col(PaymentReminders::StoreId).eq(s));
    }
    db.fetch_one(&q).await
}

/// The first shared script of the 催付 stage (`payment_reminder`): what a store without
/// a script of its own reminds with.
pub async fn default_script(db: &Db) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Query::select()
                .column((Scripts::Table, Scripts::Id))
                .from(Scripts::Table)
                .inner_join(
                    ScriptStages::Table,
                    Expr::col((ScriptStages::Table, ScriptStages::Id))
                        .equals((Scripts::Table, Scripts::StageId)),
                )
                .and_where(Expr::col((ScriptStages::Table, ScriptStages::Key)).eq(REMINDER_STAGE))
                .and_where(Expr::col((Scripts::Table, Scripts::OwnerId)).is_null())
                .order_by((Scripts::Table, Scripts::Id), Order::Asc)
                .limit(1)
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The key of the script stage reminders come from (催付).
pub const REMINDER_STAGE: &str = "payment_reminder";
