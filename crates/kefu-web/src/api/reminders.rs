//! Payment reminders over HTTP: how many were sent and how many orders were paid after.

use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kefu_app::reminders::{self, ReminderReport, ReportQuery};
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/reminders", get(report_reminders))
}

#[derive(OpenApi)]
#[openapi(paths(report_reminders), components(schemas(ReminderReport)))]
pub struct RemindersApi;

/// Payment reminders (催付) sent in a period, and how many of their orders were paid
/// afterwards (supervisors and up).
#[utoipa::path(get, path = "/api/v1/reports/reminders", tag = "orders", params(ReportQuery),
    responses((status = 200, body = ReminderReport), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn report_reminders(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ReminderReport>> {
    Ok(Json(reminders::report_for(&s.app, &actor, &q).await?))
}
