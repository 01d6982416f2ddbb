//! The supervisor's view of routing: each team's queue (oldest first) and each
//! agent's availability, load and capacity. Pages refresh it on the event stream.

use crate::{Actor, App, AppResult};
use kefu_domain::Permission;
use kefu_store::routing::queue::{self, WaitingRow};
use kefu_store::routing::{self, AgentRow};
use serde::Serialize;

/// Queues longer than this are shown as "at least this many".
pub const COUNT_CAP: u64 = 1_000;

/// One team's queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamQueue {
    pub team_id: i64,
    pub name: String,
    /// round_robin or least_load
    pub strategy: String,
    /// Conversations waiting, counted up to 1,000.
    pub waiting_count: i64,
    /// True when more than `waiting_count` wait.
    pub waiting_count_capped: bool,
    /// The waiting conversations, oldest first (as many as asked for).
    pub waiting: Vec<WaitingRow>,
    /// The team's members (ids into `agents`).
    pub member_ids: Vec<i64>,
    /// Members online now.
    pub online: i64,
    /// Conversations the online members can still take, within their capacity.
    pub free_slots: i64,
}

/// An agent and the teams they work in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentLoad {
    #[serde(flatten)]
    pub agent: AgentRow,
    pub team_ids: Vec<i64>,
}

/// Every team's queue and every agent's load.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueView {
    pub teams: Vec<TeamQueue>,
    pub agents: Vec<AgentLoad>,
}

/// The queues and loads now; `per_team` waiting conversations are listed per team.
pub async fn queue_view(app: &App, actor: &Actor, per_team: u64) -> AppResult<QueueView> {
    actor.require(Permission::AssignOthers)?;
    let memberships = queue::memberships(&app.db).await?;
    let agents: Vec<AgentLoad> = routing::agents(&app.db)
        .await?
        .into_iter()
        .filter(|a| !a.disabled)
        .map(|agent| AgentLoad {
            team_ids: memberships
                .iter()
                .filter(|(_, u)| *u == agent.user_id)
                .map(|(t, _)| *t)
                .collect(),
            agent,
        })
        .collect();
    let mut teams = Vec::new();
    for team in routing::teams(&app.db).await? {
        let member_ids: Vec<i64> = memberships
            .iter()
            .filter(|(t, _)| *t == team.team_id)
            .map(|(_, u)| *u)
            .collect();
        let online: Vec<&AgentRow> = agents
            .iter()
            .map(|a| &a.agent)
            .filter(|a| member_ids.contains(&a.user_id) && a.availability == "online")
            .collect();
        // A list shorter than asked for is the whole queue: count only longer ones.
        let waiting = queue::waiting(&app.db, team.team_id, per_team).await?;
        let waiting_count = if (waiting.len() as u64) < per_team {
            waiting.len() as i64
        } else {
            queue::waiting_count(&app.db, team.team_id, COUNT_CAP + 1).await?
        };
        teams.push(TeamQueue {
            waiting,
            waiting_count: waiting_count.min(COUNT_CAP as i64),
            waiting_count_capped: waiting_count > COUNT_CAP as i64,
            online: online.len() as i64,
            free_slots: online
                .iter()
                .map(|a| (a.capacity - a.open_load).max(0))
                .sum(),
            member_ids,
            team_id: team.team_id,
            name: team.name,
            strategy: team.strategy,
        });
    }
    Ok(QueueView { teams, agents })
}

/// Where a supervisor moves a conversation: to an agent (staying in its team unless
/// a team is named too), or to a team, whose queue then routes it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Reassign {
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
}

/// A supervisor moves a conversation to an agent or a team.
pub async fn reassign(
    app: &App,
    actor: &Actor,
    id: i64,
    to: &Reassign,
) -> AppResult<kefu_store::conversations::ConversationRow> {
    actor.require(Permission::AssignOthers)?;
    if to.assignee_id.is_none() && to.team_id.is_none() {
        return Err(kefu_domain::Invalid::new(
            "assignee_id",
            "reassign_target_required",
            "name an agent (assignee_id) or a team (team_id) to move the conversation to",
        )
        .into());
    }
    let current = crate::conversations::get_conversation(app, actor, id).await?;
    let team_id = to.team_id.or(current.team_id);
    crate::conversations::assign(app, actor, id, to.assignee_id, team_id).await
}
