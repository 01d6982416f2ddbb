//! Abandoned carts and silent inquirers over HTTP: a shop's bridge posts them, the
//! team sees the outreach they became.

use super::{Page, page_limit};
use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_app::outreach::{self, OutreachInput, OutreachListQuery};
use kefu_store::outreach::{OutreachItem, OutreachRow};
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new().route("/outreach", get(list_outreach).post(receive_outreach))
}

#[derive(OpenApi)]
#[openapi(
    paths(receive_outreach, list_outreach),
    components(schemas(OutreachInput, OutreachItem, OutreachRow, Page<OutreachRow>))
)]
pub struct OutreachApi;

/// A cart left or an inquiry without an order (managers and above, or a bridge's token).
/// The buyer is matched in the customer archive (or created). With their consent to be
/// messaged or called, an outreach task for the store's team carries the current offer
/// script, due outside the buyer's night (22:00–08:00 where they are); without it the
/// outreach is recorded as `skipped` with the reason. A later order by the buyer in the
/// store closes the task as converted. 201 when new; 200 for a `source_id` already sent.
#[utoipa::path(post, path = "/api/v1/outreach", tag = "outreach", request_body = OutreachInput,
    responses((status = 201, body = OutreachRow), (status = 200, body = OutreachRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn receive_outreach(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<OutreachInput>,
) -> ApiResult<(StatusCode, Json<OutreachRow>)> {
    let (row, created) = outreach::receive_outreach(&s.app, &actor, &req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row)))
}

/// Outreach newest first, by store, status or customer.
#[utoipa::path(get, path = "/api/v1/outreach", tag = "outreach", params(OutreachListQuery),
    responses((status = 200, body = Page<OutreachRow>), (status = 400, body = Errors), (status = 422, body = Errors)))]
pub async fn list_outreach(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OutreachListQuery>,
) -> ApiResult<Json<Page<OutreachRow>>> {
    let limit = page_limit(q.limit);
    let rows = outreach::list_outreach(&s.app, &actor, &q, limit).await?;
    Ok(Json(Page::new(rows, limit, |r| r.id.to_string())))
}
