//! Conversations as tickets: their classification, who holds them, links between them,
//! and the message moves that merging and splitting make.

use crate::schema::{ConversationLinks, Conversations, Messages, Tasks};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

/// What classifies a ticket; every field is written as given (`None` clears it).
#[derive(Debug, Clone, Default)]
pub struct TicketFields {
    pub subject: Option<String>,
    pub ticket_type: Option<String>,
    pub category: Option<String>,
    pub reason_code: Option<String>,
    pub priority: String,
}

pub async fn set_fields(tx: &mut Tx, id: i64, f: &TicketFields, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .values([
                (Conversations::Subject, f.subject.clone().into()),
                (Conversations::TicketType, f.ticket_type.clone().into()),
                (Conversations::Category, f.category.clone().into()),
                (Conversations::ReasonCode, f.reason_code.clone().into()),
                (Conversations::Priority, f.priority.clone().into()),
                (Conversations::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Conversations::Id).eq(id))
            .take(),
    )
    .await
}

/// Who holds a ticket: a person, a department or a role, and the open hand-off that put
/// it there (`None`: back with the assignee, and assignments move the holder again).
#[derive(Debug, Clone, Copy, Default)]
pub struct Holder<'a> {
    pub user_id: Option<i64>,
    pub department: Option<&'a str>,
    pub role: Option<&'a str>,
    pub handoff_task_id: Option<i64>,
}

pub async fn hold(tx: &mut Tx, id: i64, h: Holder<'_>, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .values([
                (Conversations::HeldByUserId, h.user_id.into()),
                (
                    Conversations::HeldByDepartment,
                    h.department.map(str::to_owned).into(),
                ),
                (Conversations::HeldByRole, h.role.map(str::to_owned).into()),
                (Conversations::HandoffTaskId, h.handoff_task_id.into()),
                (Conversations::HeldSince, now.into()),
                (Conversations::UpdatedAt, now.into()),
                (Conversations::LastActivityAt, now.into()),
            ])
            .and_where(Expr::col(Conversations::Id).eq(id))
            .take(),
    )
    .await
}

/// Links two tickets both ways; linking twice changes nothing.
pub async fn link(
    tx: &mut Tx,
    a: i64,
    b: i64,
    kind: &str,
    by: Option<i64>,
    now: i64,
) -> StoreResult<()> {
    let mut q = Query::insert();
    q.into_table(ConversationLinks::Table)
        .columns([
            ConversationLinks::ConversationId,
            ConversationLinks::LinkedId,
            ConversationLinks::Kind,
            ConversationLinks::CreatedBy,
            ConversationLinks::CreatedAt,
        ])
        .values_panic([a.into(), b.into(), kind.into(), by.into(), now.into()])
        .values_panic([b.into(), a.into(), kind.into(), by.into(), now.into()])
        .on_conflict(
            OnConflict::columns([
                ConversationLinks::ConversationId,
                ConversationLinks::LinkedId,
            ])
            .do_nothing()
            .to_owned(),
        );
    tx.execute(&q).await?;
    Ok(())
}

/// Removes the link between two tickets (both ways); the number of rows removed.
pub async fn unlink(tx: &mut Tx, a: i64, b: i64) -> StoreResult<u64> {
    let pair = |x: i64, y: i64| {
        Expr::col(ConversationLinks::ConversationId)
            .eq(x)
            .and(Expr::col(ConversationLinks::LinkedId).eq(y))
    };
    tx.execute(
        &Query::delete()
            .from_table(ConversationLinks::Table)
            .cond_where(sea_query::Cond::any().add(pair(a, b)).add(pair(b, a)))
            .take(),
    )
    .await
}

crate::record! {
    /// A ticket linked to another, as the ticket page lists it.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct LinkRow {
        pub linked_id: i64,
        pub ticket_number: i64,
        /// `related`, `split` or `merged`.
        pub kind: String,
        pub subject: Option<String>,
        pub status: String,
        pub created_at: i64,
    }
}

pub async fn links(db: &Db, id: i64) -> StoreResult<Vec<LinkRow>> {
    let (l, c) = (ConversationLinks::Table, Conversations::Table);
    db.fetch_all(
        &Query::select()
            .expr_as(Expr::col((l, ConversationLinks::LinkedId)), "linked_id")
            .expr_as(
                Expr::col((c, Conversations::Id)).add(kefu_domain::ticket::TICKET_NUMBER_BASE),
                "ticket_number",
            )
            .columns([
                (l, ConversationLinks::Kind),
                (l, ConversationLinks::CreatedAt),
            ])
            .columns([(c, Conversations::Subject), (c, Conversations::Status)])
            .from(l)
            .inner_join(
                c,
                Expr::col((c, Conversations::Id)).equals((l, ConversationLinks::LinkedId)),
            )
            .and_where(Expr::col((l, ConversationLinks::ConversationId)).eq(id))
            .order_by((l, ConversationLinks::CreatedAt), Order::Asc)
            .take(),
    )
    .await
}

/// Moves messages from one ticket to another: all of them, or (splitting) the one with
/// id `from_message` and every later one. Returns how many moved.
pub async fn move_messages(
    tx: &mut Tx,
    from: i64,
    to: i64,
    from_message: Option<i64>,
) -> StoreResult<u64> {
    let mut q = Query::update();
    q.table(Messages::Table)
        .value(Messages::ConversationId, to)
        .and_where(Expr::col(Messages::ConversationId).eq(from));
    if let Some(m) = from_message {
        q.and_where(Expr::col(Messages::Id).gte(m));
    }
    tx.execute(&q).await
}

/// Moves a ticket's tasks (hand-offs, follow-ups) to another ticket.
pub async fn move_tasks(tx: &mut Tx, from: i64, to: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Tasks::Table)
            .value(Tasks::ConversationId, to)
            .and_where(Expr::col(Tasks::ConversationId).eq(from))
            .take(),
    )
    .await
}

/// Counts a ticket's messages and its last customer-visible one again, after messages
/// moved in or out (the counters are otherwise kept message by message).
pub async fn recount(tx: &mut Tx, id: i64, now: i64) -> StoreResult<()> {
    let visible = "conversation_id = conversations.id AND kind IN ('incoming', 'outgoing')";
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(
                Conversations::MessagesCount,
                Expr::cust(
                    "(SELECT COUNT(*) FROM messages WHERE conversation_id = conversations.id)",
                ),
            )
            .value(
                Conversations::LastMessageAt,
                Expr::cust(format!(
                    "(SELECT MAX(created_at) FROM messages WHERE {visible})"
                )),
            )
            .value(
                Conversations::LastMessagePreview,
                Expr::cust(format!(
                    "(SELECT SUBSTR(body, 1, 140) FROM messages WHERE {visible} \
                     ORDER BY id DESC LIMIT 1)"
                )),
            )
            .value(Conversations::UpdatedAt, now)
            .value(Conversations::LastActivityAt, now)
            .and_where(Expr::col(Conversations::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Marks a ticket as merged into `survivor`: closed, pointing there, unread cleared.
pub async fn mark_merged(tx: &mut Tx, loser: i64, survivor: i64, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .values([
                (Conversations::MergedInto, survivor.into()),
                (Conversations::Status, "closed".into()),
                (Conversations::UnreadCount, 0.into()),
                (Conversations::SnoozedUntil, Option::<i64>::None.into()),
                (Conversations::UpdatedAt, now.into()),
                (Conversations::LastActivityAt, now.into()),
            ])
            .and_where(Expr::col(Conversations::Id).eq(loser))
            .and_where(Expr::col(Conversations::MergedInto).is_null())
            .take(),
    )
    .await
}

/// Whether message `message_id` is in ticket `conversation_id`.
pub async fn message_in(tx: &mut Tx, conversation_id: i64, message_id: i64) -> StoreResult<bool> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Messages::Id)
                .from(Messages::Table)
                .and_where(Expr::col(Messages::Id).eq(message_id))
                .and_where(Expr::col(Messages::ConversationId).eq(conversation_id))
                .take(),
        )
        .await?;
    Ok(row.is_some())
}
