//! Messages of a conversation: incoming, outgoing, private notes, activity lines.

use crate::conversations::{self, MessageCounters};
use crate::schema::{Contacts, Messages, Users};
use crate::{Backend, Db, StoreResult, Tx};
use sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, InsertStatement, OnConflict, Order, Query,
    SelectStatement, WithClause,
};
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

/// The insert behind [`insert_unless_seen`]: `ON CONFLICT DO NOTHING RETURNING id`.
fn insert_statement(m: &NewMessage<'_>) -> InsertStatement {
    Query::insert()
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
        .take()
}

/// Inserts a message and returns its id; `None` when its client id was already
/// used in this conversation (idempotent posting, race-free by the unique index).
pub async fn insert_unless_seen(tx: &mut Tx, m: &NewMessage<'_>) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx.fetch_optional(&insert_statement(m)).await?;
    Ok(row.map(|(id,)| id))
}

/// A message written by [`insert_counted`].
#[derive(Debug, Clone)]
pub struct Counted {
    pub id: i64,
    /// Its conversation's counters with the message.
    pub counters: MessageCounters,
    /// Whether the conversation has SLA clocks, when it was read in the same round trip
    /// (PostgreSQL); `None` when not asked.
    pub has_clocks: Option<bool>,
}

crate::record! {
    /// [`Counted`] as PostgreSQL returns it.
    #[derive(Debug, Clone)]
    struct CountedRow {
        id: i64,
        status: String,
        snoozed_until: Option<i64>,
        last_message_preview: Option<String>,
        last_message_at: Option<i64>,
        last_activity_at: i64,
        messages_count: i64,
        unread_count: i64,
        updated_at: i64,
        /// `EXISTS (…)` is named `exists`: whether the conversation has SLA clocks.
        exists: bool,
    }
}

/// [`insert_unless_seen`] and then [`conversations::record_message`] for it: the id and
/// the conversation's counters as they are now, or `None` (and nothing changed) when the
/// client id was used before. On PostgreSQL the two go as one statement — the insert in
/// a `WITH`, the counters' update only if it wrote a row — which also tells whether the
/// conversation has SLA clocks, so a message costs one round trip instead of three.
pub async fn insert_counted(
    tx: &mut Tx,
    m: &NewMessage<'_>,
    preview: &str,
    reopen: bool,
) -> StoreResult<Option<Counted>> {
    let (id, kind, now) = (m.conversation_id, m.kind, m.now);
    if tx.backend() == Backend::Sqlite {
        let Some(message) = insert_unless_seen(tx, m).await? else {
            return Ok(None);
        };
        let counters = conversations::record_message(tx, id, kind, preview, reopen, now).await?;
        return Ok(Some(Counted {
            id: message,
            counters,
            has_clocks: None,
        }));
    }
    let inserted = Alias::new("inserted");
    let written = Query::select()
        .column((inserted.clone(), Messages::Id))
        .from(inserted.clone())
        .take();
    let mut update = conversations::counters_update(id, kind, preview, reopen, now);
    update
        .and_where(Expr::exists(written.clone()))
        .returning(
            Query::returning().exprs(
                // PostgreSQL names the subquery's column after the column it reads: `id`.
                std::iter::once(Expr::SubQuery(None, Box::new(written.into())))
                    .chain(conversations::COUNTERS.map(Expr::col))
                    .chain([Expr::exists(crate::sla_clocks::any_of(id))]),
            ),
        )
        .with_cte(
            WithClause::new()
                .cte(
                    CommonTableExpression::new()
                        .table_name(inserted)
                        .query(insert_statement(m))
                        .to_owned(),
                )
                .to_owned(),
        );
    let row: Option<CountedRow> = tx.fetch_optional(&update).await?;
    Ok(row.map(|c| {
        let counters = MessageCounters {
            status: c.status,
            snoozed_until: c.snoozed_until,
            last_message_preview: c.last_message_preview,
            last_message_at: c.last_message_at,
            last_activity_at: c.last_activity_at,
            messages_count: c.messages_count,
            unread_count: c.unread_count,
            updated_at: c.updated_at,
        };
        Counted {
            id: c.id,
            counters,
            has_clocks: Some(c.exists),
        }
    }))
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
