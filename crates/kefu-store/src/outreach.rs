//! Outreach to abandoned carts and silent inquirers: each one recorded with its task,
//! or as skipped with the reason, and marked converted when the buyer orders.

use crate::schema::{Contacts, Outreach as O, Stores, Tasks};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

/// One thing the buyer left in the cart or asked about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutreachItem {
    pub sku: Option<String>,
    pub name: String,
    pub quantity: Option<i64>,
    /// Integer minor units of the outreach's currency.
    pub unit_price_minor: Option<i64>,
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct OutreachRow {
        pub id: i64,
        pub store_id: i64,
        pub store_name: String,
        /// `cart` (left in the cart) or `inquiry` (asked, did not buy).
        pub kind: String,
        /// The source's own id (a repeated post with it is the same outreach).
        pub source_id: Option<String>,
        pub contact_id: Option<i64>,
        pub contact_name: Option<String>,
        #[schema(value_type = Vec<OutreachItem>)]
        pub items: JsonText<Vec<OutreachItem>>,
        /// What the cart is worth, integer minor units of `currency`.
        pub value: Option<i64>,
        pub currency: String,
        /// When the cart was left or the inquiry made.
        pub occurred_at: i64,
        /// `pending` (a task is out), `skipped` (see `skip_reason`) or `converted`.
        pub status: String,
        /// Why nobody will reach out: `no_consent`.
        pub skip_reason: Option<String>,
        pub task_id: Option<i64>,
        pub task_status: Option<String>,
        pub task_due_at: Option<i64>,
        pub offer_script_id: Option<i64>,
        /// The offer as the task carries it (the store's offer script, filled in).
        pub offer_text: Option<String>,
        /// The order that converted it.
        pub order_id: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// An outreach's own fields as validated by the use case.
#[derive(Debug, Clone)]
pub struct OutreachFields {
    pub store_id: i64,
    pub kind: String,
    pub source_id: Option<String>,
    pub contact_id: Option<i64>,
    pub items: Vec<OutreachItem>,
    pub value: Option<i64>,
    pub currency: String,
    pub occurred_at: i64,
    pub status: String,
    pub skip_reason: Option<String>,
    pub offer_script_id: Option<i64>,
    pub offer_text: Option<String>,
}

fn select() -> SelectStatement {
    let o = O::Table;
    let mut q = Query::select();
    for c in [
        O::Id,
        O::StoreId,
        O::Kind,
        O::SourceId,
        O::ContactId,
        O::Items,
        O::Value,
        O::Currency,
        O::OccurredAt,
        O::Status,
        O::SkipReason,
        O::TaskId,
        O::OfferScriptId,
        O::OfferText,
        O::OrderId,
        O::CreatedAt,
        O::UpdatedAt,
    ] {
        q.column((o, c));
    }
    q.expr_as(Expr::col((Stores::Table, Stores::Name)), "store_name")
        .expr_as(Expr::col((Contacts::Table, Contacts::Name)), "contact_name")
        .expr_as(Expr::col((Tasks::Table, Tasks::Status)), "task_status")
        .expr_as(Expr::col((Tasks::Table, Tasks::DueAt)), "task_due_at")
        .from(o)
        .inner_join(
            Stores::Table,
            Expr::col((Stores::Table, Stores::Id)).equals((o, O::StoreId)),
        )
        .left_join(
            Contacts::Table,
            Expr::col((Contacts::Table, Contacts::Id)).equals((o, O::ContactId)),
        )
        .left_join(
            Tasks::Table,
            Expr::col((Tasks::Table, Tasks::Id)).equals((o, O::TaskId)),
        );
    q
}

pub async fn insert(tx: &mut Tx, f: &OutreachFields, now: i64) -> StoreResult<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(O::Table)
                .columns([
                    O::StoreId,
                    O::Kind,
                    O::SourceId,
                    O::ContactId,
                    O::Items,
                    O::Value,
                    O::Currency,
                    O::OccurredAt,
                    O::Status,
                    O::SkipReason,
                    O::OfferScriptId,
                    O::OfferText,
                    O::CreatedAt,
                    O::UpdatedAt,
                ])
                .values_panic([
                    f.store_id.into(),
                    f.kind.clone().into(),
                    f.source_id.clone().into(),
                    f.contact_id.into(),
                    JsonText(f.items.clone()).to_text().into(),
                    f.value.into(),
                    f.currency.clone().into(),
                    f.occurred_at.into(),
                    f.status.clone().into(),
                    f.skip_reason.clone().into(),
                    f.offer_script_id.into(),
                    f.offer_text.clone().into(),
                    now.into(),
                    now.into(),
                ])
                .returning_col(O::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

pub async fn set_task(tx: &mut Tx, id: i64, task_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(O::Table)
            .value(O::TaskId, task_id)
            .and_where(Expr::col(O::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// The outreach a source already sent with this id.
pub async fn find_by_source(
    tx: &mut Tx,
    store_id: i64,
    kind: &str,
    source_id: &str,
) -> StoreResult<Option<OutreachRow>> {
    let o = O::Table;
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((o, O::StoreId)).eq(store_id))
            .and_where(Expr::col((o, O::Kind)).eq(kind))
            .and_where(Expr::col((o, O::SourceId)).eq(source_id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<OutreachRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((O::Table, O::Id)).eq(id))
            .take(),
    )
    .await
}

/// Pending outreach of a buyer in a store from before `placed_at`: (id, task id).
pub async fn pending_of(
    tx: &mut Tx,
    store_id: i64,
    contact_id: i64,
    placed_at: i64,
) -> StoreResult<Vec<(i64, Option<i64>)>> {
    tx.fetch_all(
        &Query::select()
            .columns([O::Id, O::TaskId])
            .from(O::Table)
            .and_where(Expr::col(O::ContactId).eq(contact_id))
            .and_where(Expr::col(O::Status).eq("pending"))
            .and_where(Expr::col(O::StoreId).eq(store_id))
            .and_where(Expr::col(O::OccurredAt).lte(placed_at))
            .take(),
    )
    .await
}

/// Marks a pending outreach converted by an order; false when it no longer was pending.
pub async fn convert(tx: &mut Tx, id: i64, order_id: i64, now: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(O::Table)
                .values([
                    (O::Status, "converted".into()),
                    (O::OrderId, order_id.into()),
                    (O::UpdatedAt, now.into()),
                ])
                .and_where(Expr::col(O::Id).eq(id))
                .and_where(Expr::col(O::Status).eq("pending"))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// What an outreach list is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct OutreachFilter {
    pub store_id: Option<i64>,
    pub status: Option<String>,
    pub contact_id: Option<i64>,
    pub before_id: Option<i64>,
}

/// Outreach newest first, keyset-paged by id.
pub async fn list(db: &Db, f: &OutreachFilter, limit: u64) -> StoreResult<Vec<OutreachRow>> {
    let o = O::Table;
    let mut q = select();
    if let Some(s) = f.store_id {
        q.and_where(Expr::col((o, O::StoreId)).eq(s));
    }
    if let Some(s) = &f.status {
        q.and_where(Expr::col((o, O::Status)).eq(s.as_str()));
    }
    if let Some(c) = f.contact_id {
        q.and_where(Expr::col((o, O::ContactId)).eq(c));
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col((o, O::Id)).lt(b));
    }
    db.fetch_all(&q.order_by((o, O::Id), Order::Desc).limit(limit).take())
        .await
}
