//! Users and teams.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_app::teams::TeamWithMembers;
use kefu_app::{teams, users};
use kefu_store::teams::TeamRow;
use kefu_store::users::UserRow;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    /// agent, supervisor, manager or admin
    pub role: String,
    /// at least 8 characters
    pub password: String,
    /// zh-CN or en (default zh-CN)
    pub locale: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTeam {
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "people", responses((status = 200, body = Vec<UserRow>)))]
pub async fn list_users(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<UserRow>>> {
    Ok(Json(users::list_users(&s.app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "people", request_body = NewUser,
    responses((status = 201, body = UserRow), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserRow>)> {
    let create = users::CreateUser {
        email: &req.email,
        name: &req.name,
        role: &req.role,
        password: &req.password,
        locale: req.locale.as_deref(),
    };
    Ok((
        StatusCode::CREATED,
        Json(users::create_user(&s.app, &actor, &create).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DepartmentChange {
    /// A `department` list key, or null to take the user out of their department.
    pub department: Option<String>,
}

/// Puts a user in a department (hand-offs to it reach them), or takes them out (admins).
#[utoipa::path(put, path = "/api/v1/users/{id}/department", tag = "people", params(("id" = i64, Path)),
    request_body = DepartmentChange,
    responses((status = 200, body = UserRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_user_department(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DepartmentChange>,
) -> ApiResult<Json<UserRow>> {
    Ok(Json(
        users::set_department(&s.app, &actor, id, &req.department).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "people", responses((status = 200, body = Vec<TeamWithMembers>)))]
pub async fn list_teams(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<TeamWithMembers>>> {
    Ok(Json(teams::list_teams(&s.app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "people", request_body = NewTeam, responses((status = 201, body = TeamRow), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_team(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewTeam>,
) -> ApiResult<(StatusCode, Json<TeamRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(teams::create_team(&s.app, &actor, &req.name).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "people",
    params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn add_team_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((team_id, user_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    teams::add_member(&s.app, &actor, team_id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "people",
    params(("team_id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_team_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((team_id, user_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    teams::remove_member(&s.app, &actor, team_id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
