//! Orders over HTTP: idempotent upserts (one, a batch, the signed store webhook),
//! parcels and tracking events, lists, one order in full, changes for packing.

use super::after_sales::ExportFormat;
use super::transfer::download;
use super::{Page, page_limit};
use crate::error::{ApiError, ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_app::orders::changes::{self, AcknowledgeInput, ChangeInput, ChangeQuery};
use kefu_app::orders::shipments::{
    self, ShipmentInput, ShipmentOutcome, TrackingEventInput, TrackingUpdate,
};
use kefu_app::orders::view::{self, OrderDetail, OrderListQuery, ShipmentView};
use kefu_app::orders::{
    self, BatchReport, BuyerInput, HandleRef, ItemInput, OrderInput, Outcome, RowResult,
    WebhookPayload, WebhookReport, WebhookShipment, WebhookShipmentResult,
};
use kefu_store::order_changes::{ChangeOrder, OrderChangeRow, PackingChangeRow};
use kefu_store::orders::{Address, OrderItemRow, OrderRow};
use kefu_store::shipments::{ShipmentRow, TrackingEventRow};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Batches and webhook posts of up to 1,000 orders need more than the usual 1 MiB.
pub const ORDERS_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stores/{id}/orders/{number}", put(upsert_order))
        .route(
            "/stores/{id}/orders/batch",
            post(upsert_orders).layer(DefaultBodyLimit::max(ORDERS_BODY_LIMIT)),
        )
        .route(
            "/stores/{id}/orders/{number}/shipments",
            post(upsert_shipment),
        )
        .route(
            "/stores/{id}/webhook",
            post(receive_store_webhook).layer(DefaultBodyLimit::max(ORDERS_BODY_LIMIT)),
        )
        .route("/shipments/{id}/events", post(add_tracking_events))
        .route("/tracking-events", post(track_by_number))
        .route("/orders", get(list_orders))
        .route("/orders/{id}", get(get_order))
        .route("/orders/{id}/changes", post(record_order_change))
        .route("/order-changes", get(list_order_changes))
        .route("/order-changes/export", get(export_order_changes))
        .route(
            "/order-changes/{id}/acknowledge",
            post(acknowledge_order_change),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        upsert_order,
        upsert_orders,
        upsert_shipment,
        receive_store_webhook,
        add_tracking_events,
        track_by_number,
        list_orders,
        get_order,
        record_order_change,
        list_order_changes,
        export_order_changes,
        acknowledge_order_change
    ),
    components(schemas(
        OrderInput, BuyerInput, HandleRef, ItemInput, Address, RowResult, Outcome, BatchReport,
        OrderBatch, ShipmentInput, TrackingEventInput, ShipmentOutcome, TrackingUpdate, EventsInput,
        WebhookPayload, WebhookShipment, WebhookReport, WebhookShipmentResult, OrderRow,
        OrderItemRow, OrderDetail, ShipmentView, ShipmentRow, TrackingEventRow, OrderChangeRow,
        ChangeInput, AcknowledgeInput, PackingChangeRow, ChangeOrder, Page<OrderRow>, Page<PackingChangeRow>
    ))
)]
pub struct OrdersApi;

/// Creates or updates an order of a store by its number (managers and above, or a
/// bridge's token). 201 when created; 200 when updated, unchanged (the same order
/// again writes nothing) or stale (an older `updated_at` than stored is ignored).
#[utoipa::path(put, path = "/api/v1/stores/{id}/orders/{number}", tag = "orders",
    params(("id" = i64, Path), ("number" = String, Path)), request_body = OrderInput,
    responses((status = 201, body = RowResult), (status = 200, body = RowResult), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn upsert_order(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, number)): ApiPath<(i64, String)>,
    ApiJson(req): ApiJson<OrderInput>,
) -> ApiResult<(StatusCode, Json<RowResult>)> {
    let done = orders::upsert_order(&s.app, &actor, id, &number, &req).await?;
    let status = if done.outcome == Outcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done)))
}

/// Up to 1,000 orders of one store.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderBatch {
    pub orders: Vec<OrderInput>,
}

/// Creates or updates up to 1,000 orders of a store. Per row: each invalid row is
/// reported with its index and reason and nothing of it is stored; the valid rows are
/// stored together (all of them, or none on an error on kefu's side). Sending the
/// same batch again reports every row `unchanged` and writes nothing.
#[utoipa::path(post, path = "/api/v1/stores/{id}/orders/batch", tag = "orders",
    params(("id" = i64, Path)), request_body = OrderBatch,
    responses((status = 200, body = BatchReport), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, description = "more than 1,000 orders", body = Errors)))]
pub async fn upsert_orders(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<OrderBatch>,
) -> ApiResult<Json<BatchReport>> {
    Ok(Json(
        orders::upsert_batch(&s.app, &actor, id, &req.orders).await?,
    ))
}

/// Adds or updates a parcel of an order (by order and tracking number), with any
/// tracking events (the same event twice is stored once). 201 when the parcel is new.
#[utoipa::path(post, path = "/api/v1/stores/{id}/orders/{number}/shipments", tag = "orders",
    params(("id" = i64, Path), ("number" = String, Path)), request_body = ShipmentInput,
    responses((status = 201, body = ShipmentOutcome), (status = 200, body = ShipmentOutcome), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn upsert_shipment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, number)): ApiPath<(i64, String)>,
    ApiJson(req): ApiJson<ShipmentInput>,
) -> ApiResult<(StatusCode, Json<ShipmentOutcome>)> {
    let done = shipments::upsert_shipment(&s.app, &actor, id, &number, &req).await?;
    let status = if done.outcome == "created" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done)))
}

/// A store's bridge posts orders and parcels, signed with `X-Kefu-Signature:
/// sha256=<hex HMAC-SHA256 of the body under the store's webhook_secret>` (the scheme of
/// the email relay). No bearer token: the signature is the credential; a wrong one
/// stores nothing. Up to 1,000 orders and parcels a post, 8 MiB.
#[utoipa::path(post, path = "/api/v1/stores/{id}/webhook", tag = "orders", params(("id" = i64, Path)),
    request_body = WebhookPayload, security(()),
    responses((status = 200, body = WebhookReport), (status = 403, description = "the signature does not match", body = Errors),
              (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn receive_store_webhook(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookReport>> {
    let signature = headers
        .get("x-kefu-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Ok(Json(
        orders::receive_webhook(&s.app, id, signature, &body).await?,
    ))
}

/// Tracking events for a parcel.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventsInput {
    pub events: Vec<TrackingEventInput>,
}

/// Adds tracking events to a parcel (already stored ones are skipped).
#[utoipa::path(post, path = "/api/v1/shipments/{id}/events", tag = "orders", params(("id" = i64, Path)),
    request_body = EventsInput,
    responses((status = 200, body = ShipmentOutcome), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn add_tracking_events(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<EventsInput>,
) -> ApiResult<Json<ShipmentOutcome>> {
    Ok(Json(
        shipments::add_tracking_events(&s.app, &actor, id, &req.events).await?,
    ))
}

/// Adds tracking events to the parcel with this tracking number; 409 when several
/// carriers use the number and `carrier` is not given.
#[utoipa::path(post, path = "/api/v1/tracking-events", tag = "orders", request_body = TrackingUpdate,
    responses((status = 200, body = Vec<ShipmentOutcome>), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn track_by_number(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<TrackingUpdate>,
) -> ApiResult<Json<Vec<ShipmentOutcome>>> {
    Ok(Json(
        shipments::track_by_number(&s.app, &actor, &req).await?,
    ))
}

/// Orders newest first, optionally one customer's or one store's, or the order with an
/// order or tracking number (`q`, exact).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderListQuery),
    responses((status = 200, body = Page<OrderRow>), (status = 400, body = Errors)))]
pub async fn list_orders(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<Page<OrderRow>>> {
    let limit = page_limit(q.limit);
    let rows = view::list_orders(&s.app, &actor, &q, limit).await?;
    Ok(Json(Page::new(rows, limit, |o| o.id.to_string())))
}

/// An order with its items, recorded changes, parcels and their tracking events.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderDetail), (status = 404, body = Errors)))]
pub async fn get_order(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(view::get_order(&s.app, &actor, id).await?))
}

/// Records a change made for the buyer (address, item attribute …) with who and when,
/// flagged so the packing team sees it until they mark it done, and posted to the store's
/// warehouse webhook when it has one.
#[utoipa::path(post, path = "/api/v1/orders/{id}/changes", tag = "orders", params(("id" = i64, Path)),
    request_body = ChangeInput,
    responses((status = 201, body = OrderChangeRow), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn record_order_change(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ChangeInput>,
) -> ApiResult<(StatusCode, Json<OrderChangeRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(changes::record_change(&s.app, &actor, id, &req).await?),
    ))
}

/// How many changes a page holds.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageSize {
    /// 1 to 100 (default 50).
    pub limit: Option<u64>,
}

/// The packing list: changes still to apply, oldest first (or those done, or all, newest
/// first), each with its order number, store, buyer and the order's address.
#[utoipa::path(get, path = "/api/v1/order-changes", tag = "orders", params(ChangeQuery, PageSize),
    responses((status = 200, body = Page<PackingChangeRow>), (status = 422, body = Errors)))]
pub async fn list_order_changes(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ChangeQuery>,
    ApiQuery(p): ApiQuery<PageSize>,
) -> ApiResult<Json<Page<PackingChangeRow>>> {
    let limit = page_limit(p.limit);
    let rows = changes::packing_list(&s.app, &actor, &q, limit).await?;
    Ok(Json(Page::new(rows, limit, |c| c.change.id.to_string())))
}

/// The packing list as .xlsx (default) or .csv for the warehouse (audited).
#[utoipa::path(get, path = "/api/v1/order-changes/export", tag = "orders", params(ChangeQuery, ExportFormat),
    responses((status = 200, description = "the .xlsx or .csv file"), (status = 422, body = Errors)))]
pub async fn export_order_changes(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ChangeQuery>,
    ApiQuery(f): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let format = kefu_app::transfer::parse_format(f.format.as_deref())?;
    Ok(download(
        changes::export_changes(&s.app, &actor, &q, format).await?,
    ))
}

/// The packing team has applied a change. Unless `notify_buyer` is `false`, the buyer is
/// told it is done in the conversation it was agreed in (or an agent gets a task to tell
/// them). The body may be empty. 404 when the change was already marked done.
#[utoipa::path(post, path = "/api/v1/order-changes/{id}/acknowledge", tag = "orders", params(("id" = i64, Path)),
    request_body(content = Option<AcknowledgeInput>),
    responses((status = 200, body = OrderChangeRow), (status = 400, body = Errors), (status = 404, body = Errors)))]
pub async fn acknowledge_order_change(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> ApiResult<Json<OrderChangeRow>> {
    let input: AcknowledgeInput = if body.iter().all(u8::is_ascii_whitespace) {
        AcknowledgeInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(
                "invalid_json",
                format!("the JSON body could not be read: {e}"),
            )
        })?
    };
    Ok(Json(
        changes::acknowledge_change(&s.app, &actor, id, &input).await?,
    ))
}
