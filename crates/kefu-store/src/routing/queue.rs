//! Team queues and the statements of the assignment engine. A conversation waits in
//! its team's queue while `queued_at` is set; the database clears it when someone
//! takes the conversation or it stops being open (see migration 9).
//!
//! On PostgreSQL the engine serialises its decisions: it locks the team's routing row,
//! then the rows of the agents it may choose (in user-id order), before changing
//! anything. SQLite has one writer, so the lock clauses are simply not rendered there.

use crate::schema::{
    Contacts, Conversations, Inboxes, RoutingAgents, RoutingTeams, TeamMembers, Users,
};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Alias, Expr, ExprTrait, LockType, Order, Query, UpdateStatement};
use serde::Serialize;

crate::record! {
    /// An agent routing may choose, with their load as of the lock.
    #[derive(Debug, Clone)]
    pub struct CandidateRow {
        pub user_id: i64,
        pub capacity: i64,
        pub open_load: i64,
        pub skills: JsonText<Vec<String>>,
        pub last_assigned_at: i64,
    }
}

crate::record! {
    /// A conversation at the head of a queue, as the engine needs it.
    #[derive(Debug, Clone)]
    pub struct HeadRow {
        pub id: i64,
        pub required_skills: Option<JsonText<Vec<String>>>,
    }
}

crate::record! {
    /// A waiting conversation, as the supervisor's queue view shows it.
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct WaitingRow {
        pub id: i64,
        pub team_id: i64,
        pub contact_name: String,
        pub inbox_name: String,
        /// When it began to wait (UTC ms).
        pub queued_at: i64,
        pub detected_language: Option<String>,
        #[schema(value_type = Option<Vec<String>>)]
        pub required_skills: Option<JsonText<Vec<String>>>,
        pub last_message_preview: Option<String>,
    }
}

/// Locks the team's routing row until the transaction ends and reads its strategy and
/// round-robin cursor (`None`: no such team).
pub async fn lock_team(tx: &mut Tx, team_id: i64) -> StoreResult<Option<(String, i64)>> {
    tx.fetch_optional(
        &Query::select()
            .columns([RoutingTeams::Strategy, RoutingTeams::RrCursor])
            .from(RoutingTeams::Table)
            .and_where(Expr::col(RoutingTeams::TeamId).eq(team_id))
            .lock(LockType::Update)
            .take(),
    )
    .await
}

/// The team's online, enabled members with room for another conversation, locked in
/// user-id order: their loads cannot change until this transaction ends.
pub async fn lock_candidates(tx: &mut Tx, team_id: i64) -> StoreResult<Vec<CandidateRow>> {
    let (a, m, u) = (RoutingAgents::Table, TeamMembers::Table, Users::Table);
    tx.fetch_all(
        &Query::select()
            .columns([
                (a, RoutingAgents::UserId),
                (a, RoutingAgents::Capacity),
                (a, RoutingAgents::OpenLoad),
                (a, RoutingAgents::Skills),
                (a, RoutingAgents::LastAssignedAt),
            ])
            .from(m)
            .inner_join(
                a,
                Expr::col((a, RoutingAgents::UserId)).equals((m, TeamMembers::UserId)),
            )
            .inner_join(
                u,
                Expr::col((u, Users::Id)).equals((m, TeamMembers::UserId)),
            )
            .and_where(Expr::col((m, TeamMembers::TeamId)).eq(team_id))
            .and_where(Expr::col((u, Users::Availability)).eq("online"))
            .and_where(Expr::col((u, Users::Disabled)).eq(false))
            .and_where(
                Expr::col((a, RoutingAgents::OpenLoad)).lt(Expr::col((a, RoutingAgents::Capacity))),
            )
            .order_by((a, RoutingAgents::UserId), Order::Asc)
            .lock_with_tables(LockType::Update, [a])
            .take(),
    )
    .await
}

/// Locks agents' routing rows in user-id order, before a change of who holds a
/// conversation, so that change and a routing decision never wait on each other.
pub async fn lock_agents(tx: &mut Tx, user_ids: &[i64]) -> StoreResult<()> {
    if user_ids.is_empty() || tx.backend() != crate::Backend::Postgres {
        return Ok(());
    }
    let _: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .column(RoutingAgents::UserId)
                .from(RoutingAgents::Table)
                .and_where(Expr::col(RoutingAgents::UserId).is_in(user_ids.iter().copied()))
                .order_by(RoutingAgents::UserId, Order::Asc)
                .lock(LockType::Update)
                .take(),
        )
        .await?;
    Ok(())
}

/// The oldest waiting conversations of a team, first come first.
pub async fn head(tx: &mut Tx, team_id: i64, limit: u64) -> StoreResult<Vec<HeadRow>> {
    tx.fetch_all(
        &Query::select()
            .columns([Conversations::Id, Conversations::RequiredSkills])
            .from(Conversations::Table)
            .and_where(Expr::col(Conversations::TeamId).eq(team_id))
            .and_where(Expr::col(Conversations::QueuedAt).is_not_null())
            .order_by(Conversations::QueuedAt, Order::Asc)
            .order_by(Conversations::Id, Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// How a conversation enters a team's queue.
pub struct Waiting<'a> {
    pub team_id: i64,
    /// Skills an agent needs to take it (`None`: keep what it needed before).
    pub required_skills: Option<&'a [String]>,
    /// The language of its first message (`None`: unknown, or keep).
    pub detected_language: Option<&'a str>,
}

/// Puts an unassigned conversation in a team's queue (open, waiting since now unless
/// it was already waiting). Returns 0 if someone holds it.
pub async fn enqueue(tx: &mut Tx, id: i64, w: &Waiting<'_>, now: i64) -> StoreResult<u64> {
    tx.execute(&enqueue_statement(id, w, now)).await
}

/// [`enqueue`] only while the conversation is open and not merged away: one moved to
/// another team's queue is not reopened on the way.
pub async fn enqueue_waiting(tx: &mut Tx, id: i64, w: &Waiting<'_>, now: i64) -> StoreResult<u64> {
    let mut q = enqueue_statement(id, w, now);
    q.and_where(Expr::col(Conversations::Status).eq("open"))
        .and_where(Expr::col(Conversations::MergedInto).is_null());
    tx.execute(&q).await
}

fn enqueue_statement(id: i64, w: &Waiting<'_>, now: i64) -> UpdateStatement {
    let mut q = Query::update();
    q.table(Conversations::Table)
        .value(Conversations::TeamId, w.team_id)
        .value(Conversations::Status, "open")
        .value(Conversations::SnoozedUntil, Option::<i64>::None)
        .value(
            Conversations::QueuedAt,
            Expr::col(Conversations::QueuedAt).if_null(now),
        )
        .value(Conversations::UpdatedAt, now)
        .and_where(Expr::col(Conversations::Id).eq(id))
        .and_where(Expr::col(Conversations::AssigneeId).is_null());
    if let Some(skills) = w.required_skills {
        q.value(Conversations::RequiredSkills, JsonText(skills).to_text());
    }
    if let Some(language) = w.detected_language {
        q.value(Conversations::DetectedLanguage, language);
    }
    q
}

/// Takes a conversation out of any queue (it no longer belongs to a team).
pub async fn leave(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(Conversations::QueuedAt, Option::<i64>::None)
            .and_where(Expr::col(Conversations::Id).eq(id))
            .and_where(Expr::col(Conversations::QueuedAt).is_not_null())
            .take(),
    )
    .await
}

/// Gives a waiting conversation to an agent; false if it is no longer waiting.
pub async fn take(tx: &mut Tx, id: i64, user_id: i64, now: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(Conversations::Table)
                .value(Conversations::AssigneeId, user_id)
                .value(Conversations::QueuedAt, Option::<i64>::None)
                .value(Conversations::UpdatedAt, now)
                .value(Conversations::LastActivityAt, now)
                .and_where(Expr::col(Conversations::Id).eq(id))
                .and_where(Expr::col(Conversations::AssigneeId).is_null())
                .and_where(Expr::col(Conversations::QueuedAt).is_not_null())
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Records a drain's outcome: the team's round-robin cursor, and when the agents who
/// were given conversations last were.
pub async fn note_given(
    tx: &mut Tx,
    team_id: i64,
    cursor: i64,
    agents: &[i64],
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(RoutingAgents::Table)
            .value(RoutingAgents::LastAssignedAt, now)
            .and_where(Expr::col(RoutingAgents::UserId).is_in(agents.iter().copied()))
            .take(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(RoutingTeams::Table)
            .value(RoutingTeams::RrCursor, cursor)
            .and_where(Expr::col(RoutingTeams::TeamId).eq(team_id))
            .take(),
    )
    .await?;
    Ok(())
}

/// The customer level rules see: the contact's member level.
pub async fn member_level(tx: &mut Tx, contact_id: i64) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Contacts::MemberLevel)
                .from(Contacts::Table)
                .and_where(Expr::col(Contacts::Id).eq(contact_id))
                .take(),
        )
        .await?;
    Ok(row.and_then(|(level,)| level))
}

/// Teams with at least one waiting conversation (one index probe per team).
pub async fn teams_waiting(db: &Db) -> StoreResult<Vec<i64>> {
    let c = Conversations::Table;
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .column(RoutingTeams::TeamId)
                .from(RoutingTeams::Table)
                .and_where(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(c)
                        .and_where(
                            Expr::col((c, Conversations::TeamId))
                                .equals((RoutingTeams::Table, RoutingTeams::TeamId)),
                        )
                        .and_where(Expr::col((c, Conversations::QueuedAt)).is_not_null())
                        .take(),
                ))
                .order_by(RoutingTeams::TeamId, Order::Asc)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A team's waiting conversations, oldest first, for the supervisor's view.
pub async fn waiting(db: &Db, team_id: i64, limit: u64) -> StoreResult<Vec<WaitingRow>> {
    let c = Conversations::Table;
    db.fetch_all(
        &Query::select()
            .columns([
                (c, Conversations::Id),
                (c, Conversations::TeamId),
                (c, Conversations::QueuedAt),
                (c, Conversations::DetectedLanguage),
                (c, Conversations::RequiredSkills),
                (c, Conversations::LastMessagePreview),
            ])
            .expr_as(Expr::col((Contacts::Table, Contacts::Name)), "contact_name")
            .expr_as(Expr::col((Inboxes::Table, Inboxes::Name)), "inbox_name")
            .from(c)
            .inner_join(
                Contacts::Table,
                Expr::col((Contacts::Table, Contacts::Id)).equals((c, Conversations::ContactId)),
            )
            .inner_join(
                Inboxes::Table,
                Expr::col((Inboxes::Table, Inboxes::Id)).equals((c, Conversations::InboxId)),
            )
            .and_where(Expr::col((c, Conversations::TeamId)).eq(team_id))
            .and_where(Expr::col((c, Conversations::QueuedAt)).is_not_null())
            .order_by((c, Conversations::QueuedAt), Order::Asc)
            .order_by((c, Conversations::Id), Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// How many conversations wait in a team's queue, counting at most `cap`.
pub async fn waiting_count(db: &Db, team_id: i64, cap: u64) -> StoreResult<i64> {
    let inner = Query::select()
        .expr(Expr::val(1))
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::TeamId).eq(team_id))
        .and_where(Expr::col(Conversations::QueuedAt).is_not_null())
        .limit(cap)
        .take();
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(inner, Alias::new("w"))
                .take(),
        )
        .await?;
    Ok(n)
}

/// Every (team, member) pair, for showing who works in which queue.
pub async fn memberships(db: &Db) -> StoreResult<Vec<(i64, i64)>> {
    db.fetch_all(
        &Query::select()
            .columns([TeamMembers::TeamId, TeamMembers::UserId])
            .from(TeamMembers::Table)
            .order_by(TeamMembers::TeamId, Order::Asc)
            .order_by(TeamMembers::UserId, Order::Asc)
            .take(),
    )
    .await
}
