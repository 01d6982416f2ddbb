//! One timeline per customer. Any feature with something to show on a contact's or an
//! organisation's page (a conversation, a note, a call, a merge, later orders and
//! after-sales cases) writes an entry in its own transaction; the page reads one table.

use crate::schema::{Contacts, TimelineEntries};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct TimelineRow {
        pub id: i64,
        pub contact_id: Option<i64>,
        pub organisation_id: Option<i64>,
        /// What happened: `conversation`, `note`, `call`, `merge`, `erasure`, … (later
        /// issues add `order`, `after_sales`, `review`, `survey`, `task`, `visit`).
        pub kind: String,
        /// The id of the row in the kind's own table (conversation id, order id …).
        pub ref_id: Option<i64>,
        pub actor_user_id: Option<i64>,
        pub summary: String,
        #[schema(value_type = Object)]
        pub detail: JsonText<serde_json::Value>,
        pub occurred_at: i64,
        pub created_at: i64,
    }
}

/// Whose timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Contact(i64),
    Organisation(i64),
}

/// An entry to record.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub kind: &'a str,
    pub ref_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub summary: &'a str,
    pub detail: serde_json::Value,
    pub occurred_at: i64,
}

/// Records an entry on a contact's timeline; it also shows on the timeline of the
/// organisation the contact belongs to at that moment.
pub async fn record_for_contact(
    tx: &mut Tx,
    contact_id: i64,
    e: &NewEntry<'_>,
    now: i64,
) -> StoreResult<i64> {
    let organisation = organisation_of(contact_id);
    insert(
        tx,
        Some(contact_id),
        Expr::SubQuery(None, Box::new(organisation.into())),
        e,
        now,
    )
    .await
}

/// The insert of a contact's entry whose ref is read from `from` (one row): the message
/// path opens a conversation and records it in one statement (`conversations::open`).
pub(crate) fn contact_entry_from(
    contact_id: i64,
    e: &NewEntry<'_>,
    ref_id: Expr,
    from: impl sea_query::IntoTableRef,
    now: i64,
) -> sea_query::InsertStatement {
    let source = Query::select()
        .expr(Expr::val(contact_id))
        .expr(Expr::SubQuery(
            None,
            Box::new(organisation_of(contact_id).into()),
        ))
        .expr(Expr::val(e.kind))
        .expr(ref_id)
        .expr(Expr::val(e.actor_user_id))
        .expr(Expr::val(e.summary))
        .expr(Expr::val(e.detail.to_string()))
        .expr(Expr::val(e.occurred_at))
        .expr(Expr::val(now))
        .from(from)
        .take();
    Query::insert()
        .into_table(TimelineEntries::Table)
        .columns(ENTRY_COLUMNS)
        .select_from(source)
        .expect("as many values as columns")
        .take()
}

/// The organisation a contact belongs to now, as a subquery.
fn organisation_of(contact_id: i64) -> sea_query::SelectStatement {
    Query::select()
        .column(Contacts::OrganisationId)
        .from(Contacts::Table)
        .and_where(Expr::col(Contacts::Id).eq(contact_id))
        .take()
}

const ENTRY_COLUMNS: [TimelineEntries; 9] = [
    TimelineEntries::ContactId,
    TimelineEntries::OrganisationId,
    TimelineEntries::Kind,
    TimelineEntries::RefId,
    TimelineEntries::ActorUserId,
    TimelineEntries::Summary,
    TimelineEntries::Detail,
    TimelineEntries::OccurredAt,
    TimelineEntries::CreatedAt,
];

/// Records an entry on an organisation's own timeline (no contact).
pub async fn record_for_organisation(
    tx: &mut Tx,
    organisation_id: i64,
    e: &NewEntry<'_>,
    now: i64,
) -> StoreResult<i64> {
    insert(tx, None, Expr::val(organisation_id), e, now).await
}

async fn insert(
    tx: &mut Tx,
    contact_id: Option<i64>,
    organisation: Expr,
    e: &NewEntry<'_>,
    now: i64,
) -> StoreResult<i64> {
    let t = TimelineEntries::Table;
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(t)
                .columns(ENTRY_COLUMNS)
                .values_panic([
                    contact_id.into(),
                    organisation,
                    e.kind.into(),
                    e.ref_id.into(),
                    e.actor_user_id.into(),
                    e.summary.into(),
                    e.detail.to_string().into(),
                    e.occurred_at.into(),
                    now.into(),
                ])
                .returning_col(TimelineEntries::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

/// Keyset position in a timeline: entries strictly older than this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Before {
    pub occurred_at: i64,
    pub id: i64,
}

/// One entry by id.
pub async fn find(db: &Db, id: i64) -> StoreResult<Option<TimelineRow>> {
    let mut q = select();
    q.and_where(Expr::col(TimelineEntries::Id).eq(id));
    db.fetch_optional(&q).await
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .column(TimelineEntries::Id)
        .columns(ENTRY_COLUMNS)
        .from(TimelineEntries::Table)
        .take()
}

/// A timeline newest first, `limit` entries older than `before`.
pub async fn list(
    db: &Db,
    owner: Owner,
    before: Option<Before>,
    limit: u64,
) -> StoreResult<Vec<TimelineRow>> {
    let mut q = select();
    q.order_by(TimelineEntries::OccurredAt, Order::Desc)
        .order_by(TimelineEntries::Id, Order::Desc)
        .limit(limit);
    match owner {
        Owner::Contact(id) => q.and_where(Expr::col(TimelineEntries::ContactId).eq(id)),
        Owner::Organisation(id) => q.and_where(Expr::col(TimelineEntries::OrganisationId).eq(id)),
    };
    if let Some(b) = before {
        let at = Expr::col(TimelineEntries::OccurredAt);
        q.and_where(
            at.clone().lt(b.occurred_at).or(at
                .eq(b.occurred_at)
                .and(Expr::col(TimelineEntries::Id).lt(b.id))),
        );
    }
    db.fetch_all(&q).await
}
