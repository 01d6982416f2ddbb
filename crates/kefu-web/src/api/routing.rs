//! Routing: agents' capacity and skills, teams' strategy, the ordered rules, the
//! supervisor's queue view, and moving a conversation to an agent or a team.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_app::routing::queues::{self, QueueView, Reassign};
use kefu_app::routing::settings::{self, AgentSettings, RuleInput};
use kefu_store::conversations::ConversationRow;
use kefu_store::routing::{AgentRow, RuleRow, TeamRoutingRow};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/routing/agents", get(list_agents))
        .route("/routing/agents/{user_id}", put(update_agent))
        .route("/routing/teams", get(list_teams))
        .route("/routing/teams/{team_id}", put(update_team))
        .route("/routing/rules", get(list_rules).post(create_rule))
        .route("/routing/rules/order", put(reorder_rules))
        .route("/routing/rules/{id}", put(update_rule).delete(delete_rule))
        .route("/routing/queues", get(queue_view))
        .route(
            "/routing/conversations/{id}/reassign",
            post(reassign_conversation),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    list_agents,
    update_agent,
    list_teams,
    update_team,
    list_rules,
    create_rule,
    update_rule,
    delete_rule,
    reorder_rules,
    queue_view,
    reassign_conversation
))]
pub struct RoutingApi;

/// Every agent's availability, capacity, skills and open conversations (supervisors).
#[utoipa::path(get, path = "/api/v1/routing/agents", tag = "routing",
    responses((status = 200, body = Vec<AgentRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_agents(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<AgentRow>>> {
    Ok(Json(settings::list_agents(&s.app, &actor).await?))
}

/// Sets an agent's capacity and skills (admins); waiting conversations they now fit are routed to them.
#[utoipa::path(put, path = "/api/v1/routing/agents/{user_id}", tag = "routing", params(("user_id" = i64, Path)), request_body = AgentSettings,
    responses((status = 200, body = AgentRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_agent(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(user_id): ApiPath<i64>,
    ApiJson(req): ApiJson<AgentSettings>,
) -> ApiResult<Json<AgentRow>> {
    Ok(Json(
        settings::update_agent(&s.app, &actor, user_id, &req).await?,
    ))
}

/// Every team's routing strategy (supervisors).
#[utoipa::path(get, path = "/api/v1/routing/teams", tag = "routing",
    responses((status = 200, body = Vec<TeamRoutingRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_teams(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<TeamRoutingRow>>> {
    Ok(Json(settings::list_teams(&s.app, &actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamSettings {
    /// round_robin or least_load
    pub strategy: String,
}

/// Chooses how a team hands out its conversations (admins).
#[utoipa::path(put, path = "/api/v1/routing/teams/{team_id}", tag = "routing", params(("team_id" = i64, Path)), request_body = TeamSettings,
    responses((status = 200, body = TeamRoutingRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_team(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(team_id): ApiPath<i64>,
    ApiJson(req): ApiJson<TeamSettings>,
) -> ApiResult<Json<TeamRoutingRow>> {
    Ok(Json(
        settings::update_team(&s.app, &actor, team_id, &req.strategy).await?,
    ))
}

/// The routing rules in the order they are tried; the first that matches a new conversation picks its team.
#[utoipa::path(get, path = "/api/v1/routing/rules", tag = "routing",
    responses((status = 200, body = Vec<RuleRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_rules(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<RuleRow>>> {
    Ok(Json(settings::list_rules(&s.app, &actor).await?))
}

/// Adds a rule after the existing ones (admins).
#[utoipa::path(post, path = "/api/v1/routing/rules", tag = "routing", request_body = RuleInput,
    responses((status = 201, body = RuleRow), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<RuleInput>,
) -> ApiResult<(StatusCode, Json<RuleRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(settings::create_rule(&s.app, &actor, &req).await?),
    ))
}

/// Changes a rule (admins); its place in the order stays.
#[utoipa::path(put, path = "/api/v1/routing/rules/{id}", tag = "routing", params(("id" = i64, Path)), request_body = RuleInput,
    responses((status = 200, body = RuleRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RuleInput>,
) -> ApiResult<Json<RuleRow>> {
    Ok(Json(settings::update_rule(&s.app, &actor, id, &req).await?))
}

/// Removes a rule (admins).
#[utoipa::path(delete, path = "/api/v1/routing/rules/{id}", tag = "routing", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    settings::delete_rule(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleOrder {
    /// Every rule's id once, in the order they should be tried.
    pub rule_ids: Vec<i64>,
}

/// Puts the rules in a new order (admins).
#[utoipa::path(put, path = "/api/v1/routing/rules/order", tag = "routing", request_body = RuleOrder,
    responses((status = 200, body = Vec<RuleRow>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reorder_rules(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<RuleOrder>,
) -> ApiResult<Json<Vec<RuleRow>>> {
    Ok(Json(
        settings::reorder_rules(&s.app, &actor, &req.rule_ids).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueParams {
    /// Waiting conversations listed per team, 0 to 100 (default 20).
    pub per_team: Option<u64>,
}

/// Each team's queue (waiting conversations, oldest first) and each agent's availability,
/// load and capacity (supervisors). Live screens refetch it on conversation.created,
/// conversation.updated, user.availability and routing.* events.
#[utoipa::path(get, path = "/api/v1/routing/queues", tag = "routing", params(QueueParams),
    responses((status = 200, body = QueueView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn queue_view(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueueView>> {
    let per_team = q.per_team.unwrap_or(20).min(100);
    Ok(Json(queues::queue_view(&s.app, &actor, per_team).await?))
}

/// Moves a conversation to an agent (it stays in its team unless team_id is given too)
/// or to a team, whose queue then routes it (supervisors).
#[utoipa::path(post, path = "/api/v1/routing/conversations/{id}/reassign", tag = "routing", params(("id" = i64, Path)), request_body = Reassign,
    responses((status = 200, body = ConversationRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reassign_conversation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Reassign>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(queues::reassign(&s.app, &actor, id, &req).await?))
}
