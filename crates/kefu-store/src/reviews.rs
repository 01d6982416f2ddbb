//! Reviews of orders, their call-backs (中差评回访), the weekly counts of call-back
//! reasons, and review requests.

mod counts;
mod requests;

pub use counts::{class_counts, count_reason, reason_counts};
pub use requests::{insert_request, requested_at};

use crate::schema::{Orders, Reviews, Stores, Tasks, Users};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    /// A review of an order, with its call-back when it was medium or bad.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ReviewRow {
        pub id: i64,
        pub store_id: i64,
        pub store_name: String,
        pub order_id: i64,
        pub order_number: String,
        /// The buyer in the customer archive.
        pub contact_id: Option<i64>,
        pub buyer_name: Option<String>,
        /// The source's own id of the review ('' when it has none).
        pub source_id: String,
        /// 1 to 5 stars.
        pub rating: i64,
        /// `good`, `medium` or `bad`, by the store's thresholds when it arrived.
        pub class: String,
        pub body: Option<String>,
        #[schema(value_type = Vec<String>)]
        pub images: JsonText<Vec<String>>,
        pub reviewed_at: i64,
        /// The ISO week it counts in (`2026-W48`, in the store's time zone).
        pub week: String,
        /// The call-back task (medium and bad reviews).
        pub callback_task_id: Option<i64>,
        /// `open`, `done` or `cancelled`: the call-back task's status.
        pub callback_status: Option<String>,
        pub callback_due_at: Option<i64>,
        pub callback_assignee_name: Option<String>,
        /// Why the buyer was unhappy (a `review_reason` key).
        pub callback_reason: Option<String>,
        /// How the call-back ended (a `review_outcome` key).
        pub callback_outcome: Option<String>,
        /// The reply posted under the review.
        pub callback_reply: Option<String>,
        pub callback_note: Option<String>,
        pub callback_by: Option<i64>,
        pub callback_at: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    /// What an upsert needs to know about a stored review.
    #[derive(Debug, Clone)]
    pub struct ReviewHead {
        pub id: i64,
        pub rating: i64,
        pub body: Option<String>,
        pub images: JsonText<Vec<String>>,
        pub reviewed_at: i64,
        pub callback_task_id: Option<i64>,
    }
}

/// A review's own fields as validated by the use case.
#[derive(Debug, Clone)]
pub struct ReviewFields {
    pub store_id: i64,
    pub order_id: i64,
    pub contact_id: Option<i64>,
    pub source_id: String,
    pub rating: i64,
    pub class: String,
    pub body: Option<String>,
    pub images: Vec<String>,
    pub reviewed_at: i64,
    pub week: String,
}

/// What a call-back found out, as recorded on its review.
#[derive(Debug, Clone)]
pub struct CallbackRecord<'a> {
    pub reason: &'a str,
    pub outcome: &'a str,
    pub reply: Option<&'a str>,
    pub note: Option<&'a str>,
    pub by: i64,
}

const OWN: [Reviews; 19] = [
    Reviews::Id,
    Reviews::StoreId,
    Reviews::OrderId,
    Reviews::ContactId,
    Reviews::SourceId,
    Reviews::Rating,
    Reviews::Class,
    Reviews::Body,
    Reviews::Images,
    Reviews::ReviewedAt,
    Reviews::Week,
    Reviews::CallbackTaskId,
    Reviews::CallbackReason,
    Reviews::CallbackOutcome,
    Reviews::CallbackReply,
    Reviews::CallbackNote,
    Reviews::CallbackBy,
    Reviews::CallbackAt,
    Reviews::CreatedAt,
];

/// Reviews with their store, order and call-back task.
fn select() -> SelectStatement {
    let r = Reviews::Table;
    let mut q = Query::select();
    for c in OWN {
        q.column((r, c));
    }
    q.column((r, Reviews::UpdatedAt))
        .expr_as(Expr::col((Stores::Table, Stores::Name)), "store_name")
        .expr_as(
            Expr::col((Orders::Table, Orders::OrderNumber)),
            "order_number",
        )
        .expr_as(Expr::col((Orders::Table, Orders::BuyerName)), "buyer_name")
        .expr_as(Expr::col((Tasks::Table, Tasks::Status)), "callback_status")
        .expr_as(Expr::col((Tasks::Table, Tasks::DueAt)), "callback_due_at")
        .expr_as(
            Expr::col((Users::Table, Users::Name)),
            "callback_assignee_name",
        )
        .from(r)
        .inner_join(
            Stores::Table,
            Expr::col((Stores::Table, Stores::Id)).equals((r, Reviews::StoreId)),
        )
        .inner_join(
            Orders::Table,
            Expr::col((Orders::Table, Orders::Id)).equals((r, Reviews::OrderId)),
        )
        .left_join(
            Tasks::Table,
            Expr::col((Tasks::Table, Tasks::Id)).equals((r, Reviews::CallbackTaskId)),
        )
        .left_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((Tasks::Table, Tasks::AssigneeId)),
        );
    q
}

crate::record! {
    /// An order a review names: its id, number and buyer.
    #[derive(Debug, Clone)]
    pub struct OrderRef {
        pub id: i64,
        pub order_number: String,
        pub contact_id: Option<i64>,
    }
}

/// The orders of a store with these numbers.
pub async fn order_refs(
    tx: &mut Tx,
    store_id: i64,
    numbers: &[String],
) -> StoreResult<Vec<OrderRef>> {
    crate::batch::fetch_in_chunks(tx, numbers, |chunk| {
        Query::select()
            .columns([Orders::Id, Orders::OrderNumber, Orders::ContactId])
            .from(Orders::Table)
            .and_where(Expr::col(Orders::StoreId).eq(store_id))
            .and_where(Expr::col(Orders::OrderNumber).is_in(chunk.iter().map(String::as_str)))
            .take()
    })
    .await
}

/// The stored review of an order with this source id.
pub async fn head(
    tx: &mut Tx,
    store_id: i64,
    order_id: i64,
    source_id: &str,
) -> StoreResult<Option<ReviewHead>> {
    tx.fetch_optional(
        &Query::select()
            .columns([
                Reviews::Id,
                Reviews::Rating,
                Reviews::Body,
                Reviews::Images,
                Reviews::ReviewedAt,
                Reviews::CallbackTaskId,
            ])
            .from(Reviews::Table)
            .and_where(Expr::col(Reviews::StoreId).eq(store_id))
            .and_where(Expr::col(Reviews::OrderId).eq(order_id))
            .and_where(Expr::col(Reviews::SourceId).eq(source_id))
            .take(),
    )
    .await
}

fn values(f: &ReviewFields) -> Vec<(Reviews, sea_query::Value)> {
    vec![
        (Reviews::ContactId, f.contact_id.into()),
        (Reviews::Rating, f.rating.into()),
        (Reviews::Class, f.class.clone().into()),
        (Reviews::Body, f.body.clone().into()),
        (Reviews::Images, JsonText(f.images.clone()).to_text().into()),
        (Reviews::ReviewedAt, f.reviewed_at.into()),
        (Reviews::Week, f.week.clone().into()),
    ]
}

pub async fn insert(tx: &mut Tx, f: &ReviewFields, now: i64) -> StoreResult<i64> {
    let mut vals = vec![
        (Reviews::StoreId, f.store_id.into()),
        (Reviews::OrderId, f.order_id.into()),
        (Reviews::SourceId, f.source_id.clone().into()),
        (Reviews::CreatedAt, now.into()),
        (Reviews::UpdatedAt, now.into()),
    ];
    vals.extend(values(f));
    let (cols, vals): (Vec<_>, Vec<_>) = vals.into_iter().unzip();
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Reviews::Table)
                .columns(cols)
                .values_panic(vals.into_iter().map(Into::into))
                .returning_col(Reviews::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

pub async fn update(tx: &mut Tx, id: i64, f: &ReviewFields, now: i64) -> StoreResult<()> {
    let mut vals = values(f);
    vals.push((Reviews::UpdatedAt, now.into()));
    tx.execute(
        &Query::update()
            .table(Reviews::Table)
            .values(vals.into_iter().map(|(c, v)| (c, Expr::val(v))))
            .and_where(Expr::col(Reviews::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Links a review to its call-back task unless it already has one; false when it had.
pub async fn set_callback_task(tx: &mut Tx, id: i64, task_id: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(Reviews::Table)
                .value(Reviews::CallbackTaskId, task_id)
                .and_where(Expr::col(Reviews::Id).eq(id))
                .and_where(Expr::col(Reviews::CallbackTaskId).is_null())
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Records what a call-back found out.
pub async fn record_callback(
    tx: &mut Tx,
    id: i64,
    c: &CallbackRecord<'_>,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Reviews::Table)
            .values([
                (Reviews::CallbackReason, c.reason.into()),
                (Reviews::CallbackOutcome, c.outcome.into()),
                (Reviews::CallbackReply, c.reply.map(str::to_owned).into()),
                (Reviews::CallbackNote, c.note.map(str::to_owned).into()),
                (Reviews::CallbackBy, c.by.into()),
                (Reviews::CallbackAt, now.into()),
                (Reviews::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Reviews::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ReviewRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Reviews::Table, Reviews::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ReviewRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Reviews::Table, Reviews::Id)).eq(id))
            .take(),
    )
    .await
}

/// The review a call-back task belongs to.
pub async fn find_by_task(db: &Db, task_id: i64) -> StoreResult<Option<ReviewRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Reviews::Table, Reviews::CallbackTaskId)).eq(task_id))
            .take(),
    )
    .await
}

/// What a review list is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct ReviewFilter {
    pub store_id: Option<i64>,
    pub rating: Option<i64>,
    pub class: Option<String>,
    /// Only reviews whose call-back is still open.
    pub callback_open: bool,
    pub order_ids: Vec<i64>,
    /// Keyset cursor: reviews with a smaller id.
    pub before_id: Option<i64>,
}

/// Reviews newest first (by id), keyset-paged.
pub async fn list(db: &Db, f: &ReviewFilter, limit: u64) -> StoreResult<Vec<ReviewRow>> {
    let r = Reviews::Table;
    let mut q = select();
    if let Some(s) = f.store_id {
        q.and_where(Expr::col((r, Reviews::StoreId)).eq(s));
    }
    if let Some(v) = f.rating {
        q.and_where(Expr::col((r, Reviews::Rating)).eq(v));
    }
    if let Some(c) = &f.class {
        q.and_where(Expr::col((r, Reviews::Class)).eq(c.as_str()));
    }
    if f.callback_open {
        q.and_where(Expr::col((Tasks::Table, Tasks::Status)).eq("open"));
    }
    if !f.order_ids.is_empty() {
        q.and_where(Expr::col((r, Reviews::OrderId)).is_in(f.order_ids.iter().copied()));
    }
    if let Some(b) = f.before_id {
        q.and_where(Expr::col((r, Reviews::Id)).lt(b));
    }
    db.fetch_all(
        &q.order_by((r, Reviews::Id), Order::Desc)
            .limit(limit)
            .take(),
    )
    .await
}

/// The agent of a customer's latest conversation (the one they last used, as payment
/// reminders pick it), when one is assigned and active.
pub async fn latest_agent_of_contact(tx: &mut Tx, contact_id: i64) -> StoreResult<Option<i64>> {
    let latest = crate::conversations::most_recent_of_contact(tx, contact_id).await?;
    let Some(user_id) = latest.and_then(|c| c.assignee_id) else {
        return Ok(None);
    };
    let active: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Users::Id)
                .from(Users::Table)
                .and_where(Expr::col(Users::Id).eq(user_id))
                .and_where(Expr::col(Users::Disabled).eq(false))
                .take(),
        )
        .await?;
    Ok(active.map(|(id,)| id))
}
