//! Routing settings: agents' capacity and skills (with their load, kept by the
//! database on every conversation change), teams' strategy, and the ordered rules.
//! The queues and the statements the assignment engine runs are in [`queue`].

pub mod queue;

use crate::schema::{RoutingAgents, RoutingRules, RoutingTeams, Teams, Users};
use crate::{Db, JsonText, StoreResult, Tx};
use kefu_domain::routing::Conditions;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    /// An agent as routing sees them: availability, capacity, skills and load.
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct AgentRow {
        pub user_id: i64,
        pub name: String,
        pub role: String,
        pub availability: String,
        pub disabled: bool,
        /// The most open conversations routing gives the agent at once.
        pub capacity: i64,
        /// Languages, product lines and channels the agent handles (`lang:en`, `product:手机`).
        #[schema(value_type = Vec<String>)]
        pub skills: JsonText<Vec<String>>,
        /// Open conversations assigned to the agent now.
        pub open_load: i64,
        /// When routing last gave the agent a conversation (UTC ms; 0: never).
        pub last_assigned_at: i64,
    }
}

crate::record! {
    /// A team's routing setting.
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct TeamRoutingRow {
        pub team_id: i64,
        pub name: String,
        /// round_robin or least_load
        pub strategy: String,
        /// The agent who took the team's last routed conversation (round-robin moves on from there).
        pub rr_cursor: i64,
    }
}

crate::record! {
    /// A routing rule: conversations matching its conditions go to its team.
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct RuleRow {
        pub id: i64,
        /// Rules are tried in this order (lowest first); the first that matches wins.
        pub position: i64,
        pub name: String,
        #[schema(value_type = Object)]
        pub conditions: JsonText<Conditions>,
        pub team_id: i64,
        /// Skills an agent needs to take conversations this rule routes.
        #[schema(value_type = Vec<String>)]
        pub required_skills: JsonText<Vec<String>>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

fn agents_select() -> SelectStatement {
    let (a, u) = (RoutingAgents::Table, Users::Table);
    Query::select()
        .column((a, RoutingAgents::UserId))
        .columns([
            (u, Users::Name),
            (u, Users::Role),
            (u, Users::Availability),
            (u, Users::Disabled),
        ])
        .columns([
            (a, RoutingAgents::Capacity),
            (a, RoutingAgents::Skills),
            (a, RoutingAgents::OpenLoad),
            (a, RoutingAgents::LastAssignedAt),
        ])
        .from(a)
        .inner_join(
            u,
            Expr::col((u, Users::Id)).equals((a, RoutingAgents::UserId)),
        )
        .take()
}

/// Every staff member's routing settings and load, by id (staff lists are small).
pub async fn agents(db: &Db) -> StoreResult<Vec<AgentRow>> {
    db.fetch_all(
        &agents_select()
            .order_by((RoutingAgents::Table, RoutingAgents::UserId), Order::Asc)
            .take(),
    )
    .await
}

pub async fn agent(db: &Db, user_id: i64) -> StoreResult<Option<AgentRow>> {
    db.fetch_optional(
        &agents_select()
            .and_where(Expr::col((RoutingAgents::Table, RoutingAgents::UserId)).eq(user_id))
            .take(),
    )
    .await
}

/// Sets an agent's capacity and skills (a JSON array).
pub async fn set_agent(
    tx: &mut Tx,
    user_id: i64,
    capacity: i64,
    skills: &[String],
    now: i64,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(RoutingAgents::Table)
            .value(RoutingAgents::Capacity, capacity)
            .value(RoutingAgents::Skills, JsonText(skills).to_text())
            .value(RoutingAgents::UpdatedAt, now)
            .and_where(Expr::col(RoutingAgents::UserId).eq(user_id))
            .take(),
    )
    .await
}

fn teams_select() -> SelectStatement {
    let (r, t) = (RoutingTeams::Table, Teams::Table);
    Query::select()
        .column((r, RoutingTeams::TeamId))
        .column((t, Teams::Name))
        .columns([(r, RoutingTeams::Strategy), (r, RoutingTeams::RrCursor)])
        .from(r)
        .inner_join(
            t,
            Expr::col((t, Teams::Id)).equals((r, RoutingTeams::TeamId)),
        )
        .order_by((r, RoutingTeams::TeamId), Order::Asc)
        .take()
}

/// Every team's routing setting, by team id.
pub async fn teams(db: &Db) -> StoreResult<Vec<TeamRoutingRow>> {
    db.fetch_all(&teams_select()).await
}

pub async fn team(db: &Db, team_id: i64) -> StoreResult<Option<TeamRoutingRow>> {
    db.fetch_optional(
        &teams_select()
            .and_where(Expr::col((RoutingTeams::Table, RoutingTeams::TeamId)).eq(team_id))
            .take(),
    )
    .await
}

pub async fn set_strategy(tx: &mut Tx, team_id: i64, strategy: &str, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(RoutingTeams::Table)
            .value(RoutingTeams::Strategy, strategy)
            .value(RoutingTeams::UpdatedAt, now)
            .and_where(Expr::col(RoutingTeams::TeamId).eq(team_id))
            .take(),
    )
    .await
}

const RULE_COLUMNS: [RoutingRules; 8] = [
    RoutingRules::Id,
    RoutingRules::Position,
    RoutingRules::Name,
    RoutingRules::Conditions,
    RoutingRules::TeamId,
    RoutingRules::RequiredSkills,
    RoutingRules::CreatedAt,
    RoutingRules::UpdatedAt,
];

fn rules_select() -> SelectStatement {
    Query::select()
        .columns(RULE_COLUMNS)
        .from(RoutingRules::Table)
        .order_by(RoutingRules::Position, Order::Asc)
        .order_by(RoutingRules::Id, Order::Asc)
        .take()
}

/// Every rule in the order they are tried (rules are few: tens).
pub async fn rules(tx: &mut Tx) -> StoreResult<Vec<RuleRow>> {
    tx.fetch_all(&rules_select()).await
}

pub async fn rule(tx: &mut Tx, id: i64) -> StoreResult<Option<RuleRow>> {
    tx.fetch_optional(
        &rules_select()
            .and_where(Expr::col(RoutingRules::Id).eq(id))
            .take(),
    )
    .await
}

/// A rule's fields as they are written.
pub struct RuleFields<'a> {
    pub name: &'a str,
    pub conditions: &'a Conditions,
    pub team_id: i64,
    pub required_skills: &'a [String],
}

/// Adds a rule after the last one.
pub async fn insert_rule(tx: &mut Tx, f: &RuleFields<'_>, now: i64) -> StoreResult<RuleRow> {
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            &Query::select()
                .expr(Expr::col(RoutingRules::Position).max())
                .from(RoutingRules::Table)
                .take(),
        )
        .await?;
    tx.fetch_one(
        &Query::insert()
            .into_table(RoutingRules::Table)
            .columns([
                RoutingRules::Position,
                RoutingRules::Name,
                RoutingRules::Conditions,
                RoutingRules::TeamId,
                RoutingRules::RequiredSkills,
                RoutingRules::CreatedAt,
                RoutingRules::UpdatedAt,
            ])
            .values_panic([
                (last.unwrap_or(0) + 1).into(),
                f.name.into(),
                JsonText(f.conditions).to_text().into(),
                f.team_id.into(),
                JsonText(f.required_skills).to_text().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(RULE_COLUMNS))
            .take(),
    )
    .await
}

pub async fn update_rule(
    tx: &mut Tx,
    id: i64,
    f: &RuleFields<'_>,
    now: i64,
) -> StoreResult<Option<RuleRow>> {
    tx.fetch_optional(
        &Query::update()
            .table(RoutingRules::Table)
            .value(RoutingRules::Name, f.name)
            .value(RoutingRules::Conditions, JsonText(f.conditions).to_text())
            .value(RoutingRules::TeamId, f.team_id)
            .value(
                RoutingRules::RequiredSkills,
                JsonText(f.required_skills).to_text(),
            )
            .value(RoutingRules::UpdatedAt, now)
            .and_where(Expr::col(RoutingRules::Id).eq(id))
            .returning(Query::returning().columns(RULE_COLUMNS))
            .take(),
    )
    .await
}

pub async fn delete_rule(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(RoutingRules::Table)
            .and_where(Expr::col(RoutingRules::Id).eq(id))
            .take(),
    )
    .await
}

/// Puts the rules in the order of `ids` (every rule's id, once).
pub async fn set_order(tx: &mut Tx, ids: &[i64], now: i64) -> StoreResult<()> {
    for (i, id) in ids.iter().enumerate() {
        tx.execute(
            &Query::update()
                .table(RoutingRules::Table)
                .value(RoutingRules::Position, i as i64 + 1)
                .value(RoutingRules::UpdatedAt, now)
                .and_where(Expr::col(RoutingRules::Id).eq(*id))
                .take(),
        )
        .await?;
    }
    Ok(())
}
