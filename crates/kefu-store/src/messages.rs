//! Messages of a conversation: incoming, outgoing, private notes, activity lines.

use crate::schema::{Contacts, Messages, Users};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct MessageRow {
        pub id: i64,
        pub conversation_id: i64,
        pub kind: String,
        pub body: String,
        pub author_user_id: Option<i64>,
        pub author_contact_id: Option<i64>,
        pub author_name: Option<String>,
        pub client_id: Option<String>,
        pub created_at: i64,
    }
}

pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub kind: &'a str,
    pub body: &'a str,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub client_id: Option<&'a str>,
    /// The body's search tokens (`kefu_app::conversation_search::message_tokens`).
    pub search_tokens: &'a str,
    pub now: i64,
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            (Messages::Table, Messages::Id),
            (Messages::Table, Messages::ConversationId),
            (Messages::Table, Messages::Kind),
            (Messages::Table, Messages::Body),
            (Messages::Table, Messages::AuthorUserId),
            (Messages::Table, Messages::AuthorContactId),
            (Messages::Table, Messages::ClientId),
            (Messages::Table, Messages::CreatedAt),
        ])
        .expr_as(
            Expr::col((Users::Table, Users::Name))
                .if_null(Expr::col((Contacts::Table, Contacts::Name))),
            "author_name",
        )
        .from(Messages::Table)
        .left_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((Messages::Table, Messages::AuthorUserId)),
        )
        .left_join(
            Contacts::Table,
            Expr::col((Contacts::Table, Contacts::Id))
                .equals((Messages::Table, Messages::AuthorContactId)),
        )
        .take()
}

/// Inserts a message and returns its id; `None` when its client id was already
/// used in this conversation (idempotent posting, race-free by the unique index).
pub async fn insert_unless_seen(tx: &mut Tx, m: &NewMessage<'_>) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::insert()
                .into_table(Messages::Table)
                .columns([
                    Messages::ConversationId,
                    Messages::Kind,
                    Messages::Body,
                    Messages::AuthorUserId,
                    Messages::AuthorContactId,
                    Messages::ClientId,
                    Messages::SearchTokens,
                    Messages::CreatedAt,
                ])
                .values_panic([
                    m.conversation_id.into(),
                    m.kind.into(),
                    m.body.into(),
                    m.author_user_id.into(),
                    m.author_contact_id.into(),
                    m.client_id.into(),
                    m.search_tokens.into(),
                    m.now.into(),
                ])
                .on_conflict(
                    OnConflict::columns([Messages::ConversationId, Messages::ClientId])
                        .do_nothing()
                        .to_owned(),
                )
                .returning(Query::returning().column(Messages::Id))
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// One message by id.
pub async fn find(db: &Db, id: i64) -> StoreResult<Option<MessageRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Messages::Table, Messages::Id)).eq(id))
            .take(),
    )
    .await
}

/// The message a client already posted with this id, for idempotent posting.
pub async fn find_by_client_id(
    tx: &mut Tx,
    conversation_id: i64,
    client_id: &str,
) -> StoreResult<Option<MessageRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Messages::Table, Messages::ConversationId)).eq(conversation_id))
            .and_where(Expr::col((Messages::Table, Messages::ClientId)).eq(client_id))
            .take(),
    )
    .await
}

/// A page of a conversation's thread, oldest first: messages before `before_id`
/// (the newest page when `None`). `public_only` leaves out private notes.
pub async fn list(
    db: &Db,
    conversation_id: i64,
    before_id: Option<i64>,
    limit: u64,
    public_only: bool,
) -> StoreResult<Vec<MessageRow>> {
    let mut q = select();
    q.and_where(Expr::col((Messages::Table, Messages::ConversationId)).eq(conversation_id))
        .order_by((Messages::Table, Messages::Id), Order::Desc)
        .limit(limit);
    if let Some(before) = before_id {
        q.and_where(Expr::col((Messages::Table, Messages::Id)).lt(before));
    }
    if public_only {
        q.and_where(Expr::col((Messages::Table, Messages::Kind)).ne("note"));
    }
    let mut rows: Vec<MessageRow> = db.fetch_all(&q).await?;
    rows.reverse();
    Ok(rows)
}
