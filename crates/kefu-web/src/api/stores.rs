//! Stores over HTTP (admins): the shops, marketplace accounts and trading centre orders come from.

use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_app::orders::stores::{self, StoreInput};
use kefu_store::stores::StoreRow;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stores", get(list_stores).post(create_store))
        .route(
            "/stores/{id}",
            get(get_store).put(update_store).delete(delete_store),
        )
        .route("/stores/{id}/webhook-secret", post(rotate_webhook_secret))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_stores,
        create_store,
        get_store,
        update_store,
        delete_store,
        rotate_webhook_secret
    ),
    components(schemas(StoreRow, StoreInput))
)]
pub struct StoresApi;

/// Every store, by name (admins).
#[utoipa::path(get, path = "/api/v1/stores", tag = "orders",
    responses((status = 200, body = Vec<StoreRow>), (status = 403, body = Errors)))]
pub async fn list_stores(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<StoreRow>>> {
    Ok(Json(stores::list_stores(&s.app, &actor).await?))
}

/// Adds a store with a new webhook key (admins).
#[utoipa::path(post, path = "/api/v1/stores", tag = "orders", request_body = StoreInput,
    responses((status = 201, body = StoreRow), (status = 403, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn create_store(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<StoreInput>,
) -> ApiResult<(StatusCode, Json<StoreRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(stores::create_store(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/stores/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = StoreRow), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn get_store(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StoreRow>> {
    Ok(Json(stores::get_store(&s.app, &actor, id).await?))
}

/// Replaces a store's settings: name, kind, currency, time zone, payment reminders (delay,
/// quiet hours, script or text) and the days before a parcel counts as stale (admins).
#[utoipa::path(put, path = "/api/v1/stores/{id}", tag = "orders", params(("id" = i64, Path)), request_body = StoreInput,
    responses((status = 200, body = StoreRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn update_store(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StoreInput>,
) -> ApiResult<Json<StoreRow>> {
    Ok(Json(stores::update_store(&s.app, &actor, id, &req).await?))
}

/// Deletes a store without orders (admins); 409 when it has orders.
#[utoipa::path(delete, path = "/api/v1/stores/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors)))]
pub async fn delete_store(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    stores::delete_store(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the store a new webhook key; the old one stops working at once (admins).
#[utoipa::path(post, path = "/api/v1/stores/{id}/webhook-secret", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = StoreRow), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn rotate_webhook_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StoreRow>> {
    Ok(Json(stores::rotate_secret(&s.app, &actor, id).await?))
}
