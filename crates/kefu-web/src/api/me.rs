//! The caller: who they are, their availability, their API tokens.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_app::{Actor, auth, users};
use kefu_store::tokens::TokenRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SetAvailability {
    /// online, busy, away or offline
    pub availability: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
}

/// A new token; `token` is shown this once and never again.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenRow,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub locale: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_me(ApiActor(actor): ApiActor) -> Json<MeResponse> {
    Json(me_of(&actor))
}

fn me_of(a: &Actor) -> MeResponse {
    MeResponse {
        user_id: a.user_id,
        name: a.name.clone(),
        email: a.email.clone(),
        role: a.role.as_str().into(),
        locale: a.locale.as_str().into(),
    }
}

#[utoipa::path(put, path = "/api/v1/me/availability", tag = "me", request_body = SetAvailability,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_availability(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<SetAvailability>,
) -> ApiResult<StatusCode> {
    users::set_availability(&s.app, &actor, &req.availability).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "me", responses((status = 200, body = Vec<TokenRow>)))]
pub async fn list_tokens(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<TokenRow>>> {
    Ok(Json(auth::list_tokens(&s.app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "me", request_body = NewToken, responses((status = 201, body = CreatedToken)))]
pub async fn create_token(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (token, record) = auth::create_token(&s.app, actor.user_id, &req.name).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, record })))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "me", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_token(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    auth::revoke_token(&s.app, &actor, id)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
