//! Complaints (投诉): what was accepted, the evidence, the decision and the resolution,
//! kept beside the ticket they are handled in (有凭有据有记录).

use crate::schema::{ComplaintEvidence, Complaints, Messages, Users};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ComplaintRow {
        pub conversation_id: i64,
        /// What the customer complains about, as accepted (受理).
        pub accepted: String,
        pub accepted_by: Option<i64>,
        pub accepted_at: i64,
        pub decision: Option<String>,
        pub resolution: Option<String>,
        /// `open` or `closed`.
        pub status: String,
        /// The follow-up contact scheduled when it closed (回访).
        pub follow_up_task_id: Option<i64>,
        pub closed_by: Option<i64>,
        pub closed_at: Option<i64>,
    }
}

crate::record! {
    /// A piece of evidence: a note, and the message it points at, if any.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct EvidenceRow {
        pub id: i64,
        pub message_id: Option<i64>,
        /// The message's text, when the evidence is a message.
        pub message_body: Option<String>,
        pub note: String,
        pub added_by: Option<i64>,
        pub added_by_name: Option<String>,
        pub created_at: i64,
    }
}

const COLUMNS: [Complaints; 10] = [
    Complaints::ConversationId,
    Complaints::Accepted,
    Complaints::AcceptedBy,
    Complaints::AcceptedAt,
    Complaints::Decision,
    Complaints::Resolution,
    Complaints::Status,
    Complaints::FollowUpTaskId,
    Complaints::ClosedBy,
    Complaints::ClosedAt,
];

/// Opens a complaint on a ticket; `Conflict` if it already has one.
pub async fn open(
    tx: &mut Tx,
    conversation_id: i64,
    accepted: &str,
    by: i64,
    now: i64,
) -> StoreResult<ComplaintRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Complaints::Table)
            .columns([
                Complaints::ConversationId,
                Complaints::Accepted,
                Complaints::AcceptedBy,
                Complaints::AcceptedAt,
                Complaints::Status,
            ])
            .values_panic([
                conversation_id.into(),
                accepted.into(),
                by.into(),
                now.into(),
                "open".into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

fn of_ticket(conversation_id: i64) -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Complaints::Table)
        .and_where(Expr::col(Complaints::ConversationId).eq(conversation_id))
        .take()
}

pub async fn find(db: &Db, conversation_id: i64) -> StoreResult<Option<ComplaintRow>> {
    db.fetch_optional(&of_ticket(conversation_id)).await
}

pub async fn find_in_tx(tx: &mut Tx, conversation_id: i64) -> StoreResult<Option<ComplaintRow>> {
    tx.fetch_optional(&of_ticket(conversation_id)).await
}

/// Records the decision on an open complaint; 0 when it is closed.
pub async fn decide(tx: &mut Tx, conversation_id: i64, decision: &str) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Complaints::Table)
            .value(Complaints::Decision, decision)
            .and_where(Expr::col(Complaints::ConversationId).eq(conversation_id))
            .and_where(Expr::col(Complaints::Status).eq("open"))
            .take(),
    )
    .await
}

/// Closes an open complaint with its resolution and follow-up task; 0 when not open.
pub async fn close(
    tx: &mut Tx,
    conversation_id: i64,
    resolution: &str,
    follow_up_task_id: i64,
    by: i64,
    now: i64,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Complaints::Table)
            .values([
                (Complaints::Resolution, resolution.into()),
                (Complaints::FollowUpTaskId, follow_up_task_id.into()),
                (Complaints::Status, "closed".into()),
                (Complaints::ClosedBy, by.into()),
                (Complaints::ClosedAt, now.into()),
            ])
            .and_where(Expr::col(Complaints::ConversationId).eq(conversation_id))
            .and_where(Expr::col(Complaints::Status).eq("open"))
            .take(),
    )
    .await
}

pub async fn add_evidence(
    tx: &mut Tx,
    conversation_id: i64,
    message_id: Option<i64>,
    note: &str,
    by: i64,
    now: i64,
) -> StoreResult<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(ComplaintEvidence::Table)
                .columns([
                    ComplaintEvidence::ConversationId,
                    ComplaintEvidence::MessageId,
                    ComplaintEvidence::Note,
                    ComplaintEvidence::AddedBy,
                    ComplaintEvidence::CreatedAt,
                ])
                .values_panic([
                    conversation_id.into(),
                    message_id.into(),
                    note.into(),
                    by.into(),
                    now.into(),
                ])
                .returning_col(ComplaintEvidence::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

/// A complaint's evidence, oldest first, with the messages' text.
pub async fn evidence(db: &Db, conversation_id: i64) -> StoreResult<Vec<EvidenceRow>> {
    let (e, m, u) = (ComplaintEvidence::Table, Messages::Table, Users::Table);
    db.fetch_all(
        &Query::select()
            .columns([
                (e, ComplaintEvidence::Id),
                (e, ComplaintEvidence::MessageId),
                (e, ComplaintEvidence::Note),
                (e, ComplaintEvidence::AddedBy),
                (e, ComplaintEvidence::CreatedAt),
            ])
            .expr_as(Expr::col((m, Messages::Body)), "message_body")
            .expr_as(Expr::col((u, Users::Name)), "added_by_name")
            .from(e)
            .left_join(
                m,
                Expr::col((m, Messages::Id)).equals((e, ComplaintEvidence::MessageId)),
            )
            .left_join(
                u,
                Expr::col((u, Users::Id)).equals((e, ComplaintEvidence::AddedBy)),
            )
            .and_where(Expr::col((e, ComplaintEvidence::ConversationId)).eq(conversation_id))
            .order_by((e, ComplaintEvidence::Id), Order::Asc)
            .take(),
    )
    .await
}
