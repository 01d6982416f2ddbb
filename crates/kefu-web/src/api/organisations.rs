//! Organisations (企业).

use crate::api::{Page, PageParams};
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_app::organisations::{self, OrganisationInput, OrganisationListQuery};
use kefu_store::organisations::OrganisationRow;
use serde::Deserialize;
use utoipa::IntoParams;

/// Organisations newest first, searched and filtered; every filter given must hold.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrganisationListQuery, PageParams),
    responses((status = 200, body = Page<OrganisationRow>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_organisations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OrganisationListQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<OrganisationRow>>> {
    let limit = crate::api::page_limit(page.limit);
    let rows = organisations::list_organisations(&s.app, &actor, &q, page.cursor, limit).await?;
    Ok(Json(Page::new(rows, limit, |o| o.id.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CreateOptions {
    /// Create even though an organisation with a very similar name exists.
    #[serde(default)]
    pub allow_similar: bool,
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", params(CreateOptions), request_body = OrganisationInput,
    responses((status = 201, body = OrganisationRow), (status = 409, description = "a similar company exists: existing_id", body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_organisation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(options): ApiQuery<CreateOptions>,
    ApiJson(req): ApiJson<OrganisationInput>,
) -> ApiResult<(StatusCode, Json<OrganisationRow>)> {
    let row =
        organisations::create_organisation(&s.app, &actor, &req, options.allow_similar).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_organisation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrganisationRow>> {
    Ok(Json(
        organisations::get_organisation(&s.app, &actor, id).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)), request_body = OrganisationInput,
    responses((status = 200, body = OrganisationRow), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_organisation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<OrganisationInput>,
) -> ApiResult<Json<OrganisationRow>> {
    Ok(Json(
        organisations::update_organisation(&s.app, &actor, id, &req).await?,
    ))
}
