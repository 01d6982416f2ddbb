//! Inboxes: channel instances (web widget, API) with their greeting and auto-reply.

use crate::schema::Inboxes;
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct InboxRow {
        pub id: i64,
        pub name: String,
        pub channel: String,
        pub widget_token: String,
        pub greeting: Option<String>,
        pub auto_reply: Option<String>,
        pub team_id: Option<i64>,
        pub created_at: i64,
        /// The shop's name as scripts write it (`{{shop_name}}`).
        pub shop_name: Option<String>,
        /// The business calendar its hours follow (`null`: always open).
        pub calendar_id: Option<i64>,
        /// Largest file this inbox accepts, in bytes (`null`: the default, 20 MiB).
        pub max_attachment_bytes: Option<i64>,
    }
}

pub struct InboxFields<'a> {
    pub name: &'a str,
    pub greeting: Option<&'a str>,
    pub auto_reply: Option<&'a str>,
    pub team_id: Option<i64>,
    pub shop_name: Option<&'a str>,
}

const COLUMNS: [Inboxes; 11] = [
    Inboxes::Id,
    Inboxes::Name,
    Inboxes::Channel,
    Inboxes::WidgetToken,
    Inboxes::Greeting,
    Inboxes::AutoReply,
    Inboxes::TeamId,
    Inboxes::CreatedAt,
    Inboxes::ShopName,
    Inboxes::CalendarId,
    Inboxes::MaxAttachmentBytes,
];

pub async fn insert(
    tx: &mut Tx,
    channel: &str,
    widget_token: &str,
    f: &InboxFields<'_>,
    now: i64,
) -> StoreResult<InboxRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Inboxes::Table)
            .columns([
                Inboxes::Name,
                Inboxes::Channel,
                Inboxes::WidgetToken,
                Inboxes::Greeting,
                Inboxes::AutoReply,
                Inboxes::TeamId,
                Inboxes::CreatedAt,
                Inboxes::ShopName,
            ])
            .values_panic([
                f.name.into(),
                channel.into(),
                widget_token.into(),
                f.greeting.into(),
                f.auto_reply.into(),
                f.team_id.into(),
                now.into(),
                f.shop_name.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(tx: &mut Tx, id: i64, f: &InboxFields<'_>) -> StoreResult<InboxRow> {
    tx.fetch_one(
        &Query::update()
            .table(Inboxes::Table)
            .value(Inboxes::Name, f.name)
            .value(Inboxes::Greeting, f.greeting)
            .value(Inboxes::AutoReply, f.auto_reply)
            .value(Inboxes::TeamId, f.team_id)
            .value(Inboxes::ShopName, f.shop_name)
            .and_where(Expr::col(Inboxes::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

/// An inbox read inside a transaction (the message path must not wait for a second
/// pooled connection while it holds one).
pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<InboxRow>> {
    tx.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Inboxes::Table)
            .and_where(Expr::col(Inboxes::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<InboxRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Inboxes::Table)
            .and_where(Expr::col(Inboxes::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_by_widget_token(db: &Db, token: &str) -> StoreResult<Option<InboxRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Inboxes::Table)
            .and_where(Expr::col(Inboxes::WidgetToken).eq(token))
            .take(),
    )
    .await
}

pub async fn list(db: &Db) -> StoreResult<Vec<InboxRow>> {
    db.fetch_all(
        &Query::select()
            .columns(COLUMNS)
            .from(Inboxes::Table)
            .order_by(Inboxes::Id, Order::Asc)
            .take(),
    )
    .await
}

/// The business calendar an inbox keeps hours by, if any.
pub async fn calendar_of(tx: &mut Tx, id: i64) -> StoreResult<Option<i64>> {
    let row: Option<(Option<i64>,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Inboxes::CalendarId)
                .from(Inboxes::Table)
                .and_where(Expr::col(Inboxes::Id).eq(id))
                .take(),
        )
        .await?;
    Ok(row.and_then(|(c,)| c))
}

/// Sets (or clears) the business calendar of an inbox; 0 when there is no such inbox.
pub async fn set_calendar(tx: &mut Tx, id: i64, calendar_id: Option<i64>) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Inboxes::Table)
            .value(Inboxes::CalendarId, calendar_id)
            .and_where(Expr::col(Inboxes::Id).eq(id))
            .take(),
    )
    .await
}

/// Sets (or clears, back to the default) the largest file an inbox accepts; 0 when
/// there is no such inbox.
pub async fn set_max_attachment_bytes(
    tx: &mut Tx,
    id: i64,
    bytes: Option<i64>,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Inboxes::Table)
            .value(Inboxes::MaxAttachmentBytes, bytes)
            .and_where(Expr::col(Inboxes::Id).eq(id))
            .take(),
    )
    .await
}
