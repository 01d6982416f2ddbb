//! Attachments: the files of a message, one row each; the bytes live in the blob store.

use crate::schema::{Attachments, Conversations, Messages};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct AttachmentRow {
        pub id: i64,
        pub message_id: i64,
        pub conversation_id: i64,
        pub filename: String,
        pub content_type: String,
        pub size_bytes: i64,
        /// SHA-256 (hex) of the content: its name in the blob store.
        pub blob_key: String,
        /// Shown in the body rather than listed (an email part's disposition).
        pub inline: bool,
        /// An email part's Content-ID, for `cid:` references in its HTML.
        pub content_id: Option<String>,
        pub created_at: i64,
    }
}

crate::record! {
    /// An attachment with what decides who may read it.
    #[derive(Debug, Clone)]
    pub struct AttachmentAccess {
        pub id: i64,
        pub message_id: i64,
        pub conversation_id: i64,
        pub filename: String,
        pub content_type: String,
        pub size_bytes: i64,
        pub blob_key: String,
        pub inline: bool,
        pub content_id: Option<String>,
        pub created_at: i64,
        pub message_kind: String,
        pub contact_id: i64,
        pub inbox_id: i64,
    }
}

impl AttachmentAccess {
    pub fn into_row(self) -> AttachmentRow {
        AttachmentRow {
            id: self.id,
            message_id: self.message_id,
            conversation_id: self.conversation_id,
            filename: self.filename,
            content_type: self.content_type,
            size_bytes: self.size_bytes,
            blob_key: self.blob_key,
            inline: self.inline,
            content_id: self.content_id,
            created_at: self.created_at,
        }
    }
}

/// A new attachment row (the blob is already stored).
pub struct NewAttachmentRow<'a> {
    pub message_id: i64,
    pub conversation_id: i64,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub blob_key: &'a str,
    pub inline: bool,
    pub content_id: Option<&'a str>,
    pub now: i64,
}

const COLUMNS: [Attachments; 10] = [
    Attachments::Id,
    Attachments::MessageId,
    Attachments::ConversationId,
    Attachments::Filename,
    Attachments::ContentType,
    Attachments::SizeBytes,
    Attachments::BlobKey,
    Attachments::Inline,
    Attachments::ContentId,
    Attachments::CreatedAt,
];

pub async fn insert(tx: &mut Tx, a: &NewAttachmentRow<'_>) -> StoreResult<AttachmentRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Attachments::Table)
            .columns(COLUMNS.into_iter().skip(1))
            .values_panic([
                a.message_id.into(),
                a.conversation_id.into(),
                a.filename.into(),
                a.content_type.into(),
                a.size_bytes.into(),
                a.blob_key.into(),
                a.inline.into(),
                a.content_id.into(),
                a.now.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Attachments::Table, c)))
        .from(Attachments::Table)
        .order_by((Attachments::Table, Attachments::MessageId), Order::Asc)
        .order_by((Attachments::Table, Attachments::Id), Order::Asc)
        .take()
}

/// The attachments of these messages, by message then in the order they were added.
pub async fn list_for_messages(db: &Db, message_ids: &[i64]) -> StoreResult<Vec<AttachmentRow>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &select()
            .and_where(
                Expr::col((Attachments::Table, Attachments::MessageId))
                    .is_in(message_ids.iter().copied()),
            )
            .take(),
    )
    .await
}

/// The same, inside a transaction (for a message just written).
pub async fn list_for_message_in_tx(
    tx: &mut Tx,
    message_id: i64,
) -> StoreResult<Vec<AttachmentRow>> {
    tx.fetch_all(
        &select()
            .and_where(Expr::col((Attachments::Table, Attachments::MessageId)).eq(message_id))
            .take(),
    )
    .await
}

/// One attachment with its message's kind and its conversation's contact and inbox.
pub async fn find_access(db: &Db, id: i64) -> StoreResult<Option<AttachmentAccess>> {
    db.fetch_optional(
        &select()
            .expr_as(Expr::col((Messages::Table, Messages::Kind)), "message_kind")
            .expr_as(
                Expr::col((Conversations::Table, Conversations::ContactId)),
                "contact_id",
            )
            .expr_as(
                Expr::col((Conversations::Table, Conversations::InboxId)),
                "inbox_id",
            )
            .inner_join(
                Messages::Table,
                Expr::col((Messages::Table, Messages::Id))
                    .equals((Attachments::Table, Attachments::MessageId)),
            )
            .inner_join(
                Conversations::Table,
                Expr::col((Conversations::Table, Conversations::Id))
                    .equals((Messages::Table, Messages::ConversationId)),
            )
            .and_where(Expr::col((Attachments::Table, Attachments::Id)).eq(id))
            .take(),
    )
    .await
}
