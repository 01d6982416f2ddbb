//! Tasks: work with a deadline — hand-offs to a supervisor, manager or department, and
//! follow-up contacts with a customer. Deadlines fire as jobs (see `kefu_app::tasks`).

use crate::schema::{Tasks, Teams, Users};
use crate::{Db, StoreResult, Tx};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct TaskRow {
        pub id: i64,
        /// `handoff` (escalation to a supervisor, manager or department) or `follow_up`.
        pub kind: String,
        pub title: String,
        pub note: Option<String>,
        pub conversation_id: Option<i64>,
        pub contact_id: Option<i64>,
        pub assignee_id: Option<i64>,
        pub assignee_name: Option<String>,
        /// The department it is handed to (a `department` list key).
        pub department: Option<String>,
        /// The role it is handed to (`supervisor`, `manager`): anyone with that role.
        pub to_role: Option<String>,
        /// The team it is for (a store's service team): any of its members.
        pub team_id: Option<i64>,
        pub team_name: Option<String>,
        pub due_at: Option<i64>,
        /// `open`, `done` or `cancelled`.
        pub status: String,
        /// Past its deadline while open (set when the deadline fires).
        pub overdue: bool,
        pub result: Option<String>,
        pub created_by: Option<i64>,
        pub done_by: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
        pub done_at: Option<i64>,
    }
}

pub struct NewTask<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub note: Option<&'a str>,
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub department: Option<&'a str>,
    pub to_role: Option<&'a str>,
    pub due_at: Option<i64>,
    pub created_by: Option<i64>,
}

fn select() -> SelectStatement {
    let t = Tasks::Table;
    Query::select()
        .columns(
            [
                Tasks::Id,
                Tasks::Kind,
                Tasks::Title,
                Tasks::Note,
                Tasks::ConversationId,
                Tasks::ContactId,
                Tasks::AssigneeId,
                Tasks::Department,
                Tasks::ToRole,
                Tasks::DueAt,
                Tasks::Status,
                Tasks::Overdue,
                Tasks::Result,
                Tasks::CreatedBy,
                Tasks::DoneBy,
                Tasks::CreatedAt,
                Tasks::UpdatedAt,
                Tasks::DoneAt,
                Tasks::TeamId,
            ]
            .map(|c| (t, c)),
        )
        .expr_as(Expr::col((Users::Table, Users::Name)), "assignee_name")
        .expr_as(Expr::col((Teams::Table, Teams::Name)), "team_name")
        .from(t)
        .left_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((t, Tasks::AssigneeId)),
        )
        .left_join(
            Teams::Table,
            Expr::col((Teams::Table, Teams::Id)).equals((t, Tasks::TeamId)),
        )
        .take()
}

pub async fn insert(tx: &mut Tx, t: &NewTask<'_>, now: i64) -> StoreResult<TaskRow> {
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Tasks::Table)
                .columns([
                    Tasks::Kind,
                    Tasks::Title,
                    Tasks::Note,
                    Tasks::ConversationId,
                    Tasks::ContactId,
                    Tasks::AssigneeId,
                    Tasks::Department,
                    Tasks::ToRole,
                    Tasks::DueAt,
                    Tasks::Status,
                    Tasks::CreatedBy,
                    Tasks::CreatedAt,
                    Tasks::UpdatedAt,
                ])
                .values_panic([
                    t.kind.into(),
                    t.title.into(),
                    t.note.map(str::to_owned).into(),
                    t.conversation_id.into(),
                    t.contact_id.into(),
                    t.assignee_id.into(),
                    t.department.map(str::to_owned).into(),
                    t.to_role.map(str::to_owned).into(),
                    t.due_at.into(),
                    "open".into(),
                    t.created_by.into(),
                    now.into(),
                    now.into(),
                ])
                .returning_col(Tasks::Id)
                .take(),
        )
        .await?;
    find_in_tx(tx, id).await?.ok_or(crate::StoreError::NotFound)
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<TaskRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Tasks::Table, Tasks::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<TaskRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Tasks::Table, Tasks::Id)).eq(id))
            .take(),
    )
    .await
}

/// Whose open tasks a list shows: any of the given holders (a person, their
/// department, their role), or one ticket's or customer's.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee_id: Option<i64>,
    pub department: Option<String>,
    pub to_role: Vec<String>,
    /// Teams whose tasks count as the holder's.
    pub team_ids: Vec<i64>,
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub open_only: bool,
    pub overdue_only: bool,
    pub limit: u64,
}

/// Tasks by deadline (soonest first, those without one last), then age.
pub async fn list(db: &Db, f: &TaskFilter) -> StoreResult<Vec<TaskRow>> {
    let t = Tasks::Table;
    let mut q = select();
    let mut whose = Cond::any();
    if let Some(id) = f.assignee_id {
        whose = whose.add(Expr::col((t, Tasks::AssigneeId)).eq(id));
    }
    if let Some(d) = &f.department {
        whose = whose.add(Expr::col((t, Tasks::Department)).eq(d.as_str()));
    }
    if !f.to_role.is_empty() {
        whose =
            whose.add(Expr::col((t, Tasks::ToRole)).is_in(f.to_role.iter().map(String::as_str)));
    }
    if !f.team_ids.is_empty() {
        whose = whose.add(Expr::col((t, Tasks::TeamId)).is_in(f.team_ids.iter().copied()));
    }
    if !whose.is_empty() {
        q.cond_where(whose);
    }
    if let Some(id) = f.conversation_id {
        q.and_where(Expr::col((t, Tasks::ConversationId)).eq(id));
    }
    if let Some(id) = f.contact_id {
        q.and_where(Expr::col((t, Tasks::ContactId)).eq(id));
    }
    if f.open_only {
        q.and_where(Expr::col((t, Tasks::Status)).eq("open"));
    }
    if f.overdue_only {
        q.and_where(Expr::col((t, Tasks::Overdue)).eq(true));
    }
    q.order_by_expr(Expr::col((t, Tasks::DueAt)).is_null(), Order::Asc)
        .order_by((t, Tasks::DueAt), Order::Asc)
        .order_by((t, Tasks::Id), Order::Asc)
        .limit(f.limit);
    db.fetch_all(&q).await
}

/// Closes an open task as `done` or `cancelled`; 0 when it was not open.
pub async fn close(
    tx: &mut Tx,
    id: i64,
    status: &str,
    result: Option<&str>,
    by: Option<i64>,
    now: i64,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Tasks::Table)
            .values([
                (Tasks::Status, status.into()),
                (Tasks::Result, result.map(str::to_owned).into()),
                (Tasks::DoneBy, by.into()),
                (Tasks::DoneAt, now.into()),
                (Tasks::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Tasks::Id).eq(id))
            .and_where(Expr::col(Tasks::Status).eq("open"))
            .take(),
    )
    .await
}

/// Gives a task to a team (any member may do it).
pub async fn set_team(tx: &mut Tx, id: i64, team_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Tasks::Table)
            .value(Tasks::TeamId, team_id)
            .and_where(Expr::col(Tasks::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Flags an open task whose deadline has passed; false when it was done in time, is
/// already flagged, or its deadline moved (so a repeated deadline job does nothing).
pub async fn flag_overdue(tx: &mut Tx, id: i64, now: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(Tasks::Table)
                .value(Tasks::Overdue, true)
                .value(Tasks::UpdatedAt, now)
                .and_where(Expr::col(Tasks::Id).eq(id))
                .and_where(Expr::col(Tasks::Status).eq("open"))
                .and_where(Expr::col(Tasks::Overdue).eq(false))
                .and_where(Expr::col(Tasks::DueAt).lte(now))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Open hand-offs of a ticket (normally at most one).
pub async fn open_handoff_of(tx: &mut Tx, conversation_id: i64) -> StoreResult<Option<TaskRow>> {
    let t = Tasks::Table;
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((t, Tasks::ConversationId)).eq(conversation_id))
            .and_where(Expr::col((t, Tasks::Kind)).eq("handoff"))
            .and_where(Expr::col((t, Tasks::Status)).eq("open"))
            .order_by((t, Tasks::Id), Order::Desc)
            .limit(1)
            .take(),
    )
    .await
}
