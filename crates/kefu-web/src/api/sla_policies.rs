//! SLA policies: conditions, calendar and targets (admins write, anyone signed in reads),
//! their order, and which policy a ticket would get.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use kefu_app::sla::{self, FactsQuery, PolicyInput};
use kefu_store::sla_policies::PolicyRow;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sla-policies", get(list_policies).post(create_policy))
        .route("/sla-policies/order", put(reorder_policies))
        .route("/sla-policies/match", get(match_policy))
        .route(
            "/sla-policies/{id}",
            get(get_policy).put(update_policy).delete(delete_policy),
        )
}

#[derive(OpenApi)]
#[openapi(paths(
    list_policies,
    create_policy,
    get_policy,
    update_policy,
    delete_policy,
    reorder_policies,
    match_policy
))]
pub struct SlaPoliciesApi;

/// Every SLA policy in evaluation order.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla", responses((status = 200, body = Vec<PolicyRow>)))]
pub async fn list_policies(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<PolicyRow>>> {
    Ok(Json(sla::list_policies(&s.app, &actor).await?))
}

/// Adds a policy at the end of the order (admins).
#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla", request_body = PolicyInput,
    responses((status = 201, body = PolicyRow), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_policy(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PolicyInput>,
) -> ApiResult<(StatusCode, Json<PolicyRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(sla::create_policy(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_policy(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PolicyRow>> {
    Ok(Json(sla::get_policy(&s.app, &actor, id).await?))
}

/// Replaces a policy's settings (admins); its place in the order stays.
#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)), request_body = PolicyInput,
    responses((status = 200, body = PolicyRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_policy(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PolicyInput>,
) -> ApiResult<Json<PolicyRow>> {
    Ok(Json(sla::update_policy(&s.app, &actor, id, &req).await?))
}

#[utoipa::path(delete, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_policy(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    sla::delete_policy(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The new order: every policy id exactly once, first evaluated first.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyOrder {
    pub ids: Vec<i64>,
}

/// Reorders the policies (admins); returns them in the new order.
#[utoipa::path(put, path = "/api/v1/sla-policies/order", tag = "sla", request_body = PolicyOrder,
    responses((status = 200, body = Vec<PolicyRow>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reorder_policies(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PolicyOrder>,
) -> ApiResult<Json<Vec<PolicyRow>>> {
    Ok(Json(sla::reorder_policies(&s.app, &actor, &req.ids).await?))
}

/// The policy a ticket would get, or null when none matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyMatch {
    pub policy: Option<PolicyRow>,
}

/// Which policy applies to a ticket with these facts: the first enabled policy, in order,
/// whose conditions all hold (an absent fact matches only conditions that accept any value).
#[utoipa::path(get, path = "/api/v1/sla-policies/match", tag = "sla", params(FactsQuery),
    responses((status = 200, body = PolicyMatch), (status = 422, body = crate::error::ErrorBody)))]
pub async fn match_policy(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FactsQuery>,
) -> ApiResult<Json<PolicyMatch>> {
    Ok(Json(PolicyMatch {
        policy: sla::preview_match(&s.app, &actor, &q).await?,
    }))
}
