//! Duplicates and merging contacts and organisations.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_app::contacts::ContactView;
use kefu_app::merge::{self, DismissInput, DuplicatePair, Entity};
use kefu_store::organisations::OrganisationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts/{id}/merge", post(merge_contacts))
        .route("/organisations/{id}/merge", post(merge_organisations))
        .route("/duplicates", get(list_duplicates))
        .route("/duplicates/dismiss", post(dismiss_duplicates))
}

#[derive(OpenApi)]
#[openapi(paths(
    merge_contacts,
    merge_organisations,
    list_duplicates,
    dismiss_duplicates
))]
pub struct MergeApi;

/// Which record to merge into the one in the path (it is removed, leaving a tombstone).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeRequest {
    pub from: i64,
}

/// Merges contact `from` into contact `id` (supervisors and up): conversations, messages,
/// phones, emails, handles, widget visitors, notes, timeline and tags move to `id`, its
/// empty fields are filled from `from`, and both audit trails record it.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts", params(("id" = i64, Path, description = "the contact that stays")),
    request_body = MergeRequest,
    responses((status = 200, body = ContactView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "already merged (existing_id is where to) or erased", body = crate::error::ErrorBody),
        (status = 422, description = "a contact merged into itself", body = crate::error::ErrorBody)))]
pub async fn merge_contacts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        merge::merge_contacts(&s.app, &actor, id, req.from).await?,
    ))
}

/// Merges organisation `from` into organisation `id` (supervisors and up): its contacts,
/// timeline, tags and products move to `id`, and its empty fields are filled.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/merge", tag = "organisations", params(("id" = i64, Path, description = "the organisation that stays")),
    request_body = MergeRequest,
    responses((status = 200, body = OrganisationRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "already merged (existing_id is where to)", body = crate::error::ErrorBody),
        (status = 422, description = "an organisation merged into itself", body = crate::error::ErrorBody)))]
pub async fn merge_organisations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> ApiResult<Json<OrganisationRow>> {
    Ok(Json(
        merge::merge_organisations(&s.app, &actor, id, req.from).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DuplicatesParams {
    /// `contact` or `organisation`.
    pub entity: Entity,
    /// Pairs to return, 1 to 100 (default 50).
    pub limit: Option<u64>,
}

/// Likely duplicate pairs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateList {
    pub data: Vec<DuplicatePair>,
}

/// Likely duplicates: contacts with the same phone digits, the same email (ignoring case,
/// Gmail dots and +tags) or the same name in one organisation; organisations with the
/// same or a near-identical name, tax number or registration number. Phones and emails
/// are masked for agents.
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates", params(DuplicatesParams),
    responses((status = 200, body = DuplicateList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list_duplicates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<DuplicatesParams>,
) -> ApiResult<Json<DuplicateList>> {
    let limit = p.limit.unwrap_or(crate::api::DEFAULT_LIMIT);
    Ok(Json(DuplicateList {
        data: merge::list_duplicates(&s.app, &actor, p.entity, limit).await?,
    }))
}

/// Says a pair are different customers, so it is no longer listed (supervisors and up).
#[utoipa::path(post, path = "/api/v1/duplicates/dismiss", tag = "duplicates", request_body = DismissInput,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn dismiss_duplicates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<DismissInput>,
) -> ApiResult<StatusCode> {
    merge::dismiss_pair(&s.app, &actor, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}
