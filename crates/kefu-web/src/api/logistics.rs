//! Logistics cases over HTTP (物流异常): open one for a parcel, move it on, list them.

use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_app::logistics::{self, CaseChange, CaseInput, CaseQuery};
use kefu_store::logistics::{CaseNote, CaseRow};
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/logistics-cases",
            get(list_logistics_cases).post(open_logistics_case),
        )
        .route(
            "/logistics-cases/{id}",
            get(get_logistics_case).patch(update_logistics_case),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_logistics_cases,
        open_logistics_case,
        get_logistics_case,
        update_logistics_case
    ),
    components(schemas(CaseRow, CaseNote, CaseInput, CaseChange))
)]
pub struct LogisticsApi;

/// Cases newest first: by default every case not resolved.
#[utoipa::path(get, path = "/api/v1/logistics-cases", tag = "orders", params(CaseQuery),
    responses((status = 200, body = Vec<CaseRow>), (status = 403, body = Errors), (status = 422, body = Errors)))]
pub async fn list_logistics_cases(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<Vec<CaseRow>>> {
    Ok(Json(logistics::list_cases(&s.app, &actor, &q).await?))
}

/// Opens a case for a parcel with a deadline task; 409 when one of that kind is open.
#[utoipa::path(post, path = "/api/v1/logistics-cases", tag = "orders", request_body = CaseInput,
    responses((status = 201, body = CaseRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn open_logistics_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, Json<CaseRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(logistics::open_case(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/logistics-cases/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = CaseRow), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn get_logistics_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseRow>> {
    Ok(Json(logistics::get_case(&s.app, &actor, id).await?))
}

/// Moves a case on (waiting for the carrier, resolved as delivered, compensated or
/// reshipped), records compensation, adds a note; 409 once it is resolved.
#[utoipa::path(patch, path = "/api/v1/logistics-cases/{id}", tag = "orders", params(("id" = i64, Path)), request_body = CaseChange,
    responses((status = 200, body = CaseRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn update_logistics_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CaseChange>,
) -> ApiResult<Json<CaseRow>> {
    Ok(Json(
        logistics::update_case(&s.app, &actor, id, &req).await?,
    ))
}
