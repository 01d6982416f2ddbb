//! Conversations: one thread with one contact in one inbox, with counters kept on write.

use crate::schema::{Contacts, Conversations, Inboxes, Users};
use crate::timeline::{self, NewEntry};
use crate::{Backend, Db, StoreError, StoreResult, Tx};
use sea_query::{
    Alias, CommonTableExpression, Cond, Expr, ExprTrait, InsertStatement, Order, Query,
    SelectStatement, UpdateStatement, WithClause,
};
use serde::Serialize;

crate::record! {
    /// A conversation as lists and screens show it (contact, inbox and assignee names joined in).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ConversationRow {
        pub id: i64,
        pub inbox_id: i64,
        pub inbox_name: String,
        pub contact_id: i64,
        pub contact_name: String,
        pub status: String,
        pub priority: String,
        pub assignee_id: Option<i64>,
        pub assignee_name: Option<String>,
        pub team_id: Option<i64>,
        pub snoozed_until: Option<i64>,
        pub auto_replied: bool,
        pub last_message_preview: Option<String>,
        pub last_message_at: Option<i64>,
        pub last_activity_at: i64,
        pub messages_count: i64,
        pub unread_count: i64,
        pub created_at: i64,
        pub updated_at: i64,
        /// The number the ticket is known by (`#10023`), derived from the id.
        pub ticket_number: i64,
        pub subject: Option<String>,
        pub ticket_type: Option<String>,
        pub category: Option<String>,
        pub reason_code: Option<String>,
        /// The ticket this one was merged into.
        pub merged_into: Option<i64>,
        /// Who holds the ticket now: a person, or a department while handed off to one.
        pub held_by_user_id: Option<i64>,
        pub held_by_name: Option<String>,
        pub held_by_department: Option<String>,
        /// `supervisor` or `manager` while handed off to whoever has that role.
        pub held_by_role: Option<String>,
        pub held_since: Option<i64>,
        /// The open hand-off (a task), if the ticket is handed off now.
        pub handoff_task_id: Option<i64>,
        #[schema(value_type = Vec<String>)]
        pub labels: crate::JsonText<Vec<String>>,
    }
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub assignee_id: Option<i64>,
    pub unassigned: bool,
    pub status: Option<String>,
    pub team_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub ticket_type: Option<String>,
    /// Only conversations whose messages or subject hold these words (or this ticket).
    pub search: Option<crate::message_search::ConversationSearch>,
    /// Keyset cursor: rows strictly after (older than) this (last_activity_at, id).
    pub after: Option<(i64, i64)>,
    pub limit: u64,
}

fn select() -> SelectStatement {
    let c = Conversations::Table;
    let holder = sea_query::Alias::new("holder");
    Query::select()
        .columns([
            (c, Conversations::Id),
            (c, Conversations::InboxId),
            (c, Conversations::ContactId),
            (c, Conversations::Status),
            (c, Conversations::Priority),
            (c, Conversations::AssigneeId),
            (c, Conversations::TeamId),
            (c, Conversations::SnoozedUntil),
            (c, Conversations::AutoReplied),
            (c, Conversations::LastMessagePreview),
            (c, Conversations::LastMessageAt),
            (c, Conversations::LastActivityAt),
            (c, Conversations::MessagesCount),
            (c, Conversations::UnreadCount),
            (c, Conversations::CreatedAt),
            (c, Conversations::UpdatedAt),
            (c, Conversations::Subject),
            (c, Conversations::TicketType),
            (c, Conversations::Category),
            (c, Conversations::ReasonCode),
            (c, Conversations::MergedInto),
            (c, Conversations::HeldByUserId),
            (c, Conversations::HeldByDepartment),
            (c, Conversations::HeldByRole),
            (c, Conversations::HeldSince),
            (c, Conversations::HandoffTaskId),
            (c, Conversations::Labels),
        ])
        .expr_as(
            Expr::col((c, Conversations::Id)).add(kefu_domain::ticket::TICKET_NUMBER_BASE),
            "ticket_number",
        )
        .expr_as(Expr::col((Inboxes::Table, Inboxes::Name)), "inbox_name")
        .expr_as(Expr::col((Contacts::Table, Contacts::Name)), "contact_name")
        .expr_as(Expr::col((Users::Table, Users::Name)), "assignee_name")
        .from(c)
        .inner_join(
            Inboxes::Table,
            Expr::col((Inboxes::Table, Inboxes::Id)).equals((c, Conversations::InboxId)),
        )
        .inner_join(
            Contacts::Table,
            Expr::col((Contacts::Table, Contacts::Id)).equals((c, Conversations::ContactId)),
        )
        .left_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((c, Conversations::AssigneeId)),
        )
        .expr_as(Expr::col((holder.clone(), Users::Name)), "held_by_name")
        .join_as(
            sea_query::JoinType::LeftJoin,
            Users::Table,
            holder.clone(),
            Expr::col((holder, Users::Id)).equals((c, Conversations::HeldByUserId)),
        )
        .take()
}

/// A conversation to open for a contact, and the entry it puts on their timeline.
#[derive(Debug, Clone)]
pub struct Opening<'a> {
    pub inbox_id: i64,
    pub contact_id: i64,
    pub team_id: Option<i64>,
    /// The ticket subject, when the first message brings one (a mail's subject line).
    pub subject: Option<&'a str>,
    /// The timeline entry's author (none when a customer opened it), summary and detail
    /// (its kind is `conversation`, its ref the new conversation).
    pub actor_user_id: Option<i64>,
    pub summary: &'a str,
    pub detail: serde_json::Value,
    pub now: i64,
}

fn insert_statement(o: &Opening<'_>) -> InsertStatement {
    Query::insert()
        .into_table(Conversations::Table)
        .columns([
            Conversations::InboxId,
            Conversations::ContactId,
            Conversations::Status,
            Conversations::Priority,
            Conversations::TeamId,
            Conversations::Subject,
            Conversations::LastActivityAt,
            Conversations::CreatedAt,
            Conversations::UpdatedAt,
        ])
        .values_panic([
            o.inbox_id.into(),
            o.contact_id.into(),
            "open".into(),
            "normal".into(),
            o.team_id.into(),
            o.subject.into(),
            o.now.into(),
            o.now.into(),
            o.now.into(),
        ])
        .take()
}

/// Opens a conversation (no timeline entry) and returns its id.
async fn insert(tx: &mut Tx, o: &Opening<'_>) -> StoreResult<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            &insert_statement(o)
                .returning(Query::returning().column(Conversations::Id))
                .take(),
        )
        .await?;
    Ok(id)
}

/// Opens a conversation, puts it on the contact's timeline and returns it as lists show
/// it. On PostgreSQL that is one statement (the two inserts in a `WITH` whose first part
/// is named like the table, so the usual row query reads the new row from it): one
/// round trip instead of three.
pub async fn open(tx: &mut Tx, o: &Opening<'_>) -> StoreResult<ConversationRow> {
    let entry = |ref_id| NewEntry {
        kind: "conversation",
        ref_id,
        actor_user_id: o.actor_user_id,
        summary: o.summary,
        detail: o.detail.clone(),
        occurred_at: o.now,
    };
    if tx.backend() == Backend::Sqlite {
        let id = insert(tx, o).await?;
        timeline::record_for_contact(tx, o.contact_id, &entry(Some(id)), o.now).await?;
        return find_in_tx(tx, id).await?.ok_or(StoreError::NotFound);
    }
    let opened = CommonTableExpression::new()
        .table_name(Conversations::Table)
        .query(insert_statement(o).returning_all().take())
        .to_owned();
    let new_id = Expr::col((Conversations::Table, Conversations::Id));
    let on_timeline = CommonTableExpression::new()
        .table_name(Alias::new("opened_entry"))
        .query(timeline::contact_entry_from(
            o.contact_id,
            &entry(None),
            new_id,
            Conversations::Table,
            o.now,
        ))
        .to_owned();
    let query = WithClause::new()
        .cte(opened)
        .cte(on_timeline)
        .to_owned()
        .query(select());
    tx.fetch_one(&query).await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ConversationRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Conversations::Table, Conversations::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ConversationRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Conversations::Table, Conversations::Id)).eq(id))
            .take(),
    )
    .await
}

/// Several conversations by id, in one query (in no particular order).
pub async fn find_many_in_tx(tx: &mut Tx, ids: &[i64]) -> StoreResult<Vec<ConversationRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tx.fetch_all(
        &select()
            .and_where(
                Expr::col((Conversations::Table, Conversations::Id)).is_in(ids.iter().copied()),
            )
            .take(),
    )
    .await
}

/// The newest conversation of a contact in an inbox that is not closed (the widget
/// continues it; a closed or merged-away one is not written to again).
pub async fn latest_for_contact(
    tx: &mut Tx,
    inbox_id: i64,
    contact_id: i64,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Conversations::Id)
                .from(Conversations::Table)
                .and_where(Expr::col(Conversations::InboxId).eq(inbox_id))
                .and_where(Expr::col(Conversations::ContactId).eq(contact_id))
                .and_where(Expr::col(Conversations::Status).ne("closed"))
                .order_by(Conversations::Id, Order::Desc)
                .limit(1)
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The newest conversation of a contact in an inbox that is not closed, whole.
pub async fn latest_row_for_contact(
    tx: &mut Tx,
    inbox_id: i64,
    contact_id: i64,
) -> StoreResult<Option<ConversationRow>> {
    let c = Conversations::Table;
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((c, Conversations::InboxId)).eq(inbox_id))
            .and_where(Expr::col((c, Conversations::ContactId)).eq(contact_id))
            .and_where(Expr::col((c, Conversations::Status)).ne("closed"))
            .order_by((c, Conversations::Id), Order::Desc)
            .limit(1)
            .take(),
    )
    .await
}

/// The contact's most recently active conversation in any inbox (not one merged away):
/// the channel they last used.
pub async fn most_recent_of_contact(
    tx: &mut Tx,
    contact_id: i64,
) -> StoreResult<Option<ConversationRow>> {
    let c = Conversations::Table;
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((c, Conversations::ContactId)).eq(contact_id))
            .and_where(Expr::col((c, Conversations::MergedInto)).is_null())
            .order_by((c, Conversations::LastActivityAt), Order::Desc)
            .order_by((c, Conversations::Id), Order::Desc)
            .limit(1)
            .take(),
    )
    .await
}

pub async fn list(db: &Db, f: &ConversationFilter) -> StoreResult<Vec<ConversationRow>> {
    let c = Conversations::Table;
    let mut q = select();
    if let Some(a) = f.assignee_id {
        q.and_where(Expr::col((c, Conversations::AssigneeId)).eq(a));
    }
    if f.unassigned {
        q.and_where(Expr::col((c, Conversations::AssigneeId)).is_null());
    }
    if let Some(s) = &f.status {
        q.and_where(Expr::col((c, Conversations::Status)).eq(s.as_str()));
    }
    if let Some(t) = f.team_id {
        q.and_where(Expr::col((c, Conversations::TeamId)).eq(t));
    }
    if let Some(i) = f.inbox_id {
        q.and_where(Expr::col((c, Conversations::InboxId)).eq(i));
    }
    if let Some(ct) = f.contact_id {
        q.and_where(Expr::col((c, Conversations::ContactId)).eq(ct));
    }
    if let Some(t) = &f.ticket_type {
        q.and_where(Expr::col((c, Conversations::TicketType)).eq(t.as_str()));
    }
    if let Some(search) = &f.search {
        crate::message_search::restrict(db, &mut q, search).await?;
    }
    if let Some((at, id)) = f.after {
        q.cond_where(
            Cond::any()
                .add(Expr::col((c, Conversations::LastActivityAt)).lt(at))
                .add(
                    Cond::all()
                        .add(Expr::col((c, Conversations::LastActivityAt)).eq(at))
                        .add(Expr::col((c, Conversations::Id)).lt(id)),
                ),
        );
    }
    q.order_by((c, Conversations::LastActivityAt), Order::Desc)
        .order_by((c, Conversations::Id), Order::Desc)
        .limit(f.limit);
    db.fetch_all(&q).await
}

crate::record! {
    /// What a new message changes on its conversation (read back with RETURNING).
    #[derive(Debug, Clone)]
    pub struct MessageCounters {
        pub status: String,
        pub snoozed_until: Option<i64>,
        pub last_message_preview: Option<String>,
        pub last_message_at: Option<i64>,
        pub last_activity_at: i64,
        pub messages_count: i64,
        pub unread_count: i64,
        pub updated_at: i64,
    }
}

/// The columns of [`MessageCounters`], as RETURNING reads them.
pub(crate) const COUNTERS: [Conversations; 8] = [
    Conversations::Status,
    Conversations::SnoozedUntil,
    Conversations::LastMessagePreview,
    Conversations::LastMessageAt,
    Conversations::LastActivityAt,
    Conversations::MessagesCount,
    Conversations::UnreadCount,
    Conversations::UpdatedAt,
];

impl MessageCounters {
    /// Brings a row read before the message up to date.
    pub fn apply(self, row: &mut ConversationRow) {
        row.status = self.status;
        row.snoozed_until = self.snoozed_until;
        row.last_message_preview = self.last_message_preview;
        row.last_message_at = self.last_message_at;
        row.last_activity_at = self.last_activity_at;
        row.messages_count = self.messages_count;
        row.unread_count = self.unread_count;
        row.updated_at = self.updated_at;
    }
}

/// Records a new message on the conversation's counters and preview. An incoming
/// message counts as unread and reopens the conversation (unless `reopen` is false, for
/// automatic mail); an agent's reply clears unread.
pub async fn record_message(
    tx: &mut Tx,
    id: i64,
    kind: &str,
    preview: &str,
    reopen: bool,
    now: i64,
) -> StoreResult<MessageCounters> {
    tx.fetch_one(&counters_update(id, kind, preview, reopen, now))
        .await
}

/// The statement behind [`record_message`] (the message path also sends it together
/// with the message's insert: `messages::insert_counted`).
pub(crate) fn counters_update(
    id: i64,
    kind: &str,
    preview: &str,
    reopen: bool,
    now: i64,
) -> UpdateStatement {
    let mut q = Query::update();
    q.table(Conversations::Table)
        .value(
            Conversations::MessagesCount,
            Expr::col(Conversations::MessagesCount).add(1),
        )
        .value(Conversations::LastActivityAt, now)
        .value(Conversations::UpdatedAt, now)
        .and_where(Expr::col((Conversations::Table, Conversations::Id)).eq(id))
        .returning(Query::returning().columns(COUNTERS));
    if kind != "note" && kind != "activity" {
        q.value(Conversations::LastMessagePreview, preview)
            .value(Conversations::LastMessageAt, now);
    }
    match kind {
        "incoming" => {
            q.value(
                Conversations::UnreadCount,
                Expr::col(Conversations::UnreadCount).add(1),
            );
            if reopen {
                q.value(Conversations::Status, "open")
                    .value(Conversations::SnoozedUntil, Option::<i64>::None);
            }
        }
        "outgoing" => {
            q.value(Conversations::UnreadCount, 0);
        }
        _ => {}
    }
    q
}

pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    snoozed_until: Option<i64>,
    now: i64,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(Conversations::Status, status)
            .value(Conversations::SnoozedUntil, snoozed_until)
            .value(Conversations::UpdatedAt, now)
            .value(Conversations::LastActivityAt, now)
            .and_where(Expr::col(Conversations::Id).eq(id))
            .take(),
    )
    .await
}

/// Sets assignee and team. With `only_if_free_for`, only when the conversation is
/// unassigned or already that user's (returns 0 rows otherwise).
pub async fn assign(
    tx: &mut Tx,
    id: i64,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    only_if_free_for: Option<i64>,
    now: i64,
) -> StoreResult<u64> {
    let mut q = Query::update();
    let unless_handed_off = |v: sea_query::SimpleExpr, keep: Conversations| {
        sea_query::CaseStatement::new()
            .case(Expr::col(Conversations::HandoffTaskId).is_null(), v)
            .finally(Expr::col(keep))
    };
    q.table(Conversations::Table)
        .value(Conversations::AssigneeId, assignee_id)
        .value(Conversations::TeamId, team_id)
        .value(
            Conversations::HeldByUserId,
            unless_handed_off(Expr::val(assignee_id), Conversations::HeldByUserId),
        )
        .value(
            Conversations::HeldSince,
            unless_handed_off(Expr::val(now), Conversations::HeldSince),
        )
        .value(Conversations::UpdatedAt, now)
        .value(Conversations::LastActivityAt, now)
        .and_where(Expr::col(Conversations::Id).eq(id));
    if let Some(user) = only_if_free_for {
        q.cond_where(
            Cond::any()
                .add(Expr::col(Conversations::AssigneeId).is_null())
                .add(Expr::col(Conversations::AssigneeId).eq(user)),
        );
    }
    tx.execute(&q).await
}

pub async fn mark_read(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(Conversations::UnreadCount, 0)
            .and_where(Expr::col(Conversations::Id).eq(id))
            .and_where(Expr::col(Conversations::UnreadCount).gt(0))
            .take(),
    )
    .await
}

/// Claims the conversation's one auto-reply; true only for the first caller.
pub async fn claim_auto_reply(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(Conversations::Table)
                .value(Conversations::AutoReplied, true)
                .and_where(Expr::col(Conversations::Id).eq(id))
                .and_where(Expr::col(Conversations::AutoReplied).eq(false))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Snoozed conversations whose time has come (the wake-up job reopens them).
pub async fn due_snoozed(db: &Db, now: i64, limit: u64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(Conversations::Id)
                .from(Conversations::Table)
                .and_where(Expr::col(Conversations::Status).eq("snoozed"))
                .and_where(Expr::col(Conversations::SnoozedUntil).lte(now))
                .limit(limit)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
