//! What admins set for routing: each agent's capacity and skills, each team's
//! strategy, and the ordered rules. Every change is audited.

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::routing::{Capacity, Conditions, Skill, Strategy};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_store::routing::{self, AgentRow, RuleFields, RuleRow, TeamRoutingRow};
use kefu_store::{Tx, fields, inboxes, teams};
use serde::Deserialize;
use serde_json::json;

/// The most rules kefu keeps (each new conversation is checked against all of them).
pub const MAX_RULES: usize = 200;

/// An agent's routing settings as an admin sends them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AgentSettings {
    /// Open conversations routing may give the agent at once, 0 to 200 (0: none).
    pub capacity: i64,
    /// Tags such as lang:en, product:phones, channel:email (at most 30).
    #[serde(default)]
    pub skills: Vec<String>,
}

/// A routing rule as an admin sends it. Empty condition lists mean "any".
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    pub name: String,
    /// Inboxes the conversation arrived in.
    #[serde(default)]
    pub inbox_ids: Vec<i64>,
    /// Languages detected in the first message: ISO 639 codes (zh, en, ru …).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Ticket types (inquiry, complaint …).
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// Customer levels: keys of the member_level list.
    #[serde(default)]
    pub member_levels: Vec<String>,
    /// Any of these words in the first message (ignoring case).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The team matching conversations go to.
    pub team_id: i64,
    /// Skills an agent needs to take them.
    #[serde(default)]
    pub required_skills: Vec<String>,
}

pub async fn list_agents(app: &App, actor: &Actor) -> AppResult<Vec<AgentRow>> {
    actor.require(Permission::AssignOthers)?;
    Ok(routing::agents(&app.db).await?)
}

/// An admin sets an agent's capacity and skills; the agent's teams' queues then drain.
pub async fn update_agent(
    app: &App,
    actor: &Actor,
    user_id: i64,
    input: &AgentSettings,
) -> AppResult<AgentRow> {
    actor.require(Permission::ManageUsers)?;
    let capacity = Capacity::parse(input.capacity)?;
    let skills = Skill::parse_list(&input.skills)?;
    let before = routing::agent(&app.db, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    routing::set_agent(&mut tx, user_id, capacity.get(), &skills, now).await?;
    let detail = json!({
        "capacity": [before.capacity, capacity.get()],
        "skills": [before.skills.0, skills],
    });
    audit(
        &mut tx,
        actor,
        "routing.agent_updated",
        &format!("user:{user_id}"),
        &detail,
    )
    .await?;
    append(
        app,
        &mut tx,
        "routing.agent_updated",
        None,
        None,
        true,
        &json!({ "user_id": user_id, "capacity": capacity.get(), "skills": skills }),
    )
    .await?;
    commit(app, tx).await?;
    super::agent_freed(app, user_id).await;
    routing::agent(&app.db, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))
}

pub async fn list_teams(app: &App, actor: &Actor) -> AppResult<Vec<TeamRoutingRow>> {
    actor.require(Permission::AssignOthers)?;
    Ok(routing::teams(&app.db).await?)
}

/// An admin chooses how a team hands out its conversations.
pub async fn update_team(
    app: &App,
    actor: &Actor,
    team_id: i64,
    strategy: &str,
) -> AppResult<TeamRoutingRow> {
    actor.require(Permission::ManageUsers)?;
    let strategy = Strategy::parse(strategy)?;
    let before = routing::team(&app.db, team_id)
        .await?
        .ok_or(AppError::NotFound("team"))?;
    let mut tx = app.db.begin().await?;
    routing::set_strategy(&mut tx, team_id, strategy.as_str(), now_ms()).await?;
    let detail = json!({ "strategy": [before.strategy, strategy.as_str()] });
    audit(
        &mut tx,
        actor,
        "routing.team_updated",
        &format!("team:{team_id}"),
        &detail,
    )
    .await?;
    append(
        app,
        &mut tx,
        "routing.team_updated",
        None,
        None,
        true,
        &json!({ "team_id": team_id, "strategy": strategy.as_str() }),
    )
    .await?;
    commit(app, tx).await?;
    routing::team(&app.db, team_id)
        .await?
        .ok_or(AppError::NotFound("team"))
}

pub async fn list_rules(app: &App, actor: &Actor) -> AppResult<Vec<RuleRow>> {
    actor.require(Permission::AssignOthers)?;
    let mut tx = app.db.begin_read().await?;
    Ok(routing::rules(&mut tx).await?)
}

/// A rule's input, checked: conditions normalised, the team, inboxes and member levels known.
struct CheckedRule {
    name: Name,
    conditions: Conditions,
    required_skills: Vec<String>,
    team_id: i64,
}

impl CheckedRule {
    fn fields(&self) -> RuleFields<'_> {
        RuleFields {
            name: self.name.as_str(),
            conditions: &self.conditions,
            team_id: self.team_id,
            required_skills: &self.required_skills,
        }
    }
}

async fn check_rule(app: &App, input: &RuleInput) -> AppResult<CheckedRule> {
    let name = Name::parse("name", &input.name)?;
    let conditions = Conditions {
        inbox_ids: input.inbox_ids.clone(),
        languages: input.languages.clone(),
        ticket_types: input.ticket_types.clone(),
        member_levels: input.member_levels.clone(),
        keywords: input.keywords.clone(),
    }
    .parse()?;
    let required_skills = Skill::parse_list(&input.required_skills)?;
    if teams::find(&app.db, input.team_id).await?.is_none() {
        return Err(unknown(
            "team_id",
            "unknown_team",
            format!("no team has the id {}", input.team_id),
        ));
    }
    for &id in &conditions.inbox_ids {
        if inboxes::find(&app.db, id).await?.is_none() {
            return Err(unknown(
                "inbox_ids",
                "unknown_inbox",
                format!("no inbox has the id {id}"),
            ));
        }
    }
    if !conditions.member_levels.is_empty() {
        let known = fields::choices(&app.db, "member_level").await?;
        if let Some(level) = conditions
            .member_levels
            .iter()
            .find(|l| !known.iter().any(|c| &c.key == *l))
        {
            let keys: Vec<&str> = known.iter().map(|c| c.key.as_str()).collect();
            return Err(unknown(
                "member_levels",
                "unknown_member_level",
                format!(
                    "'{level}' is not a member level; use one of: {}",
                    keys.join(", ")
                ),
            ));
        }
    }
    Ok(CheckedRule {
        name,
        conditions,
        required_skills,
        team_id: input.team_id,
    })
}

fn unknown(field: &'static str, code: &'static str, message: String) -> AppError {
    Invalid::new(field, code, message).into()
}

/// An admin adds a rule; it is tried after the existing ones.
pub async fn create_rule(app: &App, actor: &Actor, input: &RuleInput) -> AppResult<RuleRow> {
    actor.require(Permission::ManageUsers)?;
    let rule = check_rule(app, input).await?;
    let mut tx = app.db.begin().await?;
    if routing::rules(&mut tx).await?.len() >= MAX_RULES {
        return Err(unknown(
            "name",
            "too_many_rules",
            format!("kefu keeps at most {MAX_RULES} routing rules; remove one first"),
        ));
    }
    let row = routing::insert_rule(&mut tx, &rule.fields(), now_ms()).await?;
    audit(
        &mut tx,
        actor,
        "routing.rule_created",
        &format!("routing_rule:{}", row.id),
        &json!(row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update_rule(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &RuleInput,
) -> AppResult<RuleRow> {
    actor.require(Permission::ManageUsers)?;
    let rule = check_rule(app, input).await?;
    let mut tx = app.db.begin().await?;
    let before = routing::rule(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("routing rule"))?;
    let row = routing::update_rule(&mut tx, id, &rule.fields(), now_ms())
        .await?
        .ok_or(AppError::NotFound("routing rule"))?;
    let detail = json!({ "before": before, "after": row });
    audit(
        &mut tx,
        actor,
        "routing.rule_updated",
        &format!("routing_rule:{id}"),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_rule(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = app.db.begin().await?;
    let before = routing::rule(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("routing rule"))?;
    routing::delete_rule(&mut tx, id).await?;
    audit(
        &mut tx,
        actor,
        "routing.rule_deleted",
        &format!("routing_rule:{id}"),
        &json!(before),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An admin puts the rules in a new order: `rule_ids` lists every rule once.
pub async fn reorder_rules(app: &App, actor: &Actor, rule_ids: &[i64]) -> AppResult<Vec<RuleRow>> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = app.db.begin().await?;
    let current = routing::rules(&mut tx).await?;
    let mut asked = rule_ids.to_vec();
    asked.sort_unstable();
    let mut have: Vec<i64> = current.iter().map(|r| r.id).collect();
    have.sort_unstable();
    if asked != have {
        return Err(unknown(
            "rule_ids",
            "incomplete_order",
            "list every rule's id exactly once, in the order they should be tried; reload the rules and try again".into(),
        ));
    }
    routing::set_order(&mut tx, rule_ids, now_ms()).await?;
    let before: Vec<i64> = current.iter().map(|r| r.id).collect();
    let detail = json!({ "order": [before, rule_ids] });
    audit(
        &mut tx,
        actor,
        "routing.rules_reordered",
        "routing_rules",
        &detail,
    )
    .await?;
    let rows = routing::rules(&mut tx).await?;
    tx.commit().await?;
    Ok(rows)
}

async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> AppResult<()> {
    kefu_store::audit::record_in(
        tx,
        Some(actor.user_id),
        action,
        subject,
        &detail.to_string(),
        now_ms(),
    )
    .await?;
    Ok(())
}
