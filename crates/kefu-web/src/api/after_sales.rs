//! After-sales cases over HTTP: open a case from an order, move it along its status
//! machine, record the return waybill, hand it off; the returns register with export,
//! the loss view, the reason taxonomy and each store's policy windows.

use super::transfer::download;
use super::{Page, page_limit};
use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_app::after_sales::config::{self, NewReason, StoreWindows};
use kefu_app::after_sales::register::{self, LossQuery, LossView, RegisterQuery, RegisterRow};
use kefu_app::after_sales::{
    self as cases, CaseDetail, HandoffInput, ItemClaim, NewCaseInput, ReturnShipment,
    TransitionInput,
};
use kefu_store::after_sales::config::ReasonRow;
use kefu_store::after_sales::losses::LossRow;
use kefu_store::after_sales::{CaseItemRow, CaseRow, HistoryRow};
use kefu_store::tasks::TaskRow;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/after-sales", post(open_case))
        .route("/after-sales", get(list_cases))
        .route("/after-sales/export", get(export_cases))
        .route("/after-sales/losses", get(loss_view))
        .route("/after-sales/reasons", get(list_reasons).post(add_reason))
        .route("/after-sales/{id}", get(get_case))
        .route("/after-sales/{id}/transitions", post(transition_case))
        .route(
            "/after-sales/{id}/return-shipment",
            put(set_return_shipment),
        )
        .route("/after-sales/{id}/handoffs", post(hand_off_case))
        .route(
            "/stores/{id}/after-sales-windows",
            get(get_windows).put(set_windows),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        open_case,
        list_cases,
        export_cases,
        loss_view,
        list_reasons,
        add_reason,
        get_case,
        transition_case,
        set_return_shipment,
        hand_off_case,
        get_windows,
        set_windows
    ),
    components(schemas(
        NewCaseInput, ItemClaim, CaseRow, CaseItemRow, HistoryRow, CaseDetail, RegisterRow,
        TransitionInput, ReturnShipment, HandoffInput, LossView, LossRow, ReasonRow, NewReason,
        StoreWindows, TaskRow, Page<RegisterRow>
    ))
)]
pub struct AfterSalesApi;

/// Opens an after-sales case of an order (status `requested`). The items must be the
/// order's, not more than were bought less what the order's other standing cases claim;
/// the refund not more than was paid and not yet refunded. The answer says which policy
/// window applies and whether the request is inside it (`policy_inside`, `policy_last_day`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/after-sales", tag = "after-sales",
    params(("id" = i64, Path)), request_body = NewCaseInput,
    responses((status = 201, body = CaseRow), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn open_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewCaseInput>,
) -> ApiResult<(StatusCode, Json<CaseRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::open_case(&s.app, &actor, id, &req).await?),
    ))
}

/// The returns register (退货登记表): cases newest first with their items, filtered by
/// store, order, status, reason, kind, SKU and the days they were opened.
#[utoipa::path(get, path = "/api/v1/after-sales", tag = "after-sales", params(RegisterQuery),
    responses((status = 200, body = Page<RegisterRow>), (status = 422, body = Errors)))]
pub async fn list_cases(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Json<Page<RegisterRow>>> {
    let limit = page_limit(q.limit);
    let rows = register::list_cases(&s.app, &actor, &q, limit).await?;
    Ok(Json(Page::new(rows, limit, |r| r.case.id.to_string())))
}

/// The file format of an export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportFormat {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// Every case the register's filters select as .xlsx or .csv, one line per item, the
/// case's amounts on its first line (supervisors and up; audited).
#[utoipa::path(get, path = "/api/v1/after-sales/export", tag = "after-sales", params(RegisterQuery, ExportFormat),
    responses((status = 200, description = "the .xlsx or .csv file"), (status = 403, body = Errors), (status = 422, body = Errors)))]
pub async fn export_cases(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<RegisterQuery>,
    ApiQuery(f): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let format = kefu_app::transfer::parse_format(f.format.as_deref())?;
    let file = register::export_register(&s.app, &actor, &q, format).await?;
    Ok(download(file))
}

/// Refunds and re-shipment costs of the cases settled in a period, summed by reason, by
/// SKU and by store, per currency (supervisors and up).
#[utoipa::path(get, path = "/api/v1/after-sales/losses", tag = "after-sales", params(LossQuery),
    responses((status = 200, body = LossView), (status = 403, body = Errors), (status = 422, body = Errors)))]
pub async fn loss_view(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<LossQuery>,
) -> ApiResult<Json<LossView>> {
    Ok(Json(register::loss_view(&s.app, &actor, &q).await?))
}

/// The reason taxonomy, each reason with the window it is judged by.
#[utoipa::path(get, path = "/api/v1/after-sales/reasons", tag = "after-sales",
    responses((status = 200, body = Vec<ReasonRow>)))]
pub async fn list_reasons(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<ReasonRow>>> {
    Ok(Json(config::list_reasons(&s.app, &actor).await?))
}

/// Adds a reason to the taxonomy (admins).
#[utoipa::path(post, path = "/api/v1/after-sales/reasons", tag = "after-sales", request_body = NewReason,
    responses((status = 201, body = ReasonRow), (status = 403, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn add_reason(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewReason>,
) -> ApiResult<(StatusCode, Json<ReasonRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(config::add_reason(&s.app, &actor, &req).await?),
    ))
}

/// A case with its items, status history, hand-offs and the statuses it may move to.
#[utoipa::path(get, path = "/api/v1/after-sales/{id}", tag = "after-sales", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = Errors)))]
pub async fn get_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(cases::get_case(&s.app, &actor, id).await?))
}

/// Moves a case: requested → approved → goods_returned → inspected → refunded or
/// reshipped → closed, or rejected with a reason (refund-only and reship cases skip the
/// goods). Approving, rejecting and refunding need a supervisor. 409 for a step the
/// machine does not allow, 422 for a step without what it needs; nothing changes then.
/// Refunding adds to the order's refunded amount.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/transitions", tag = "after-sales",
    params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, body = CaseRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn transition_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TransitionInput>,
) -> ApiResult<Json<CaseRow>> {
    Ok(Json(
        cases::transition_case(&s.app, &actor, id, &req).await?,
    ))
}

/// Records the buyer's return waybill before the goods arrive.
#[utoipa::path(put, path = "/api/v1/after-sales/{id}/return-shipment", tag = "after-sales",
    params(("id" = i64, Path)), request_body = ReturnShipment,
    responses((status = 200, body = CaseRow), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn set_return_shipment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReturnShipment>,
) -> ApiResult<Json<CaseRow>> {
    Ok(Json(
        cases::set_return_shipment(&s.app, &actor, id, &req).await?,
    ))
}

/// Hands a case to a department (warehouse, quality, finance, purchasing …) as a task
/// with a deadline.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/handoffs", tag = "after-sales",
    params(("id" = i64, Path)), request_body = HandoffInput,
    responses((status = 201, body = TaskRow), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn hand_off_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<HandoffInput>,
) -> ApiResult<(StatusCode, Json<TaskRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(cases::hand_off(&s.app, &actor, id, &req).await?),
    ))
}

/// A store's policy windows in days (kefu's defaults where the store sets none).
#[utoipa::path(get, path = "/api/v1/stores/{id}/after-sales-windows", tag = "after-sales",
    params(("id" = i64, Path)), responses((status = 200, body = StoreWindows), (status = 404, body = Errors)))]
pub async fn get_windows(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StoreWindows>> {
    Ok(Json(config::get_windows(&s.app, &actor, id).await?))
}

/// Sets a store's policy windows (admins).
#[utoipa::path(put, path = "/api/v1/stores/{id}/after-sales-windows", tag = "after-sales",
    params(("id" = i64, Path)), request_body = StoreWindows,
    responses((status = 200, body = StoreWindows), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn set_windows(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StoreWindows>,
) -> ApiResult<Json<StoreWindows>> {
    Ok(Json(config::set_windows(&s.app, &actor, id, &req).await?))
}
