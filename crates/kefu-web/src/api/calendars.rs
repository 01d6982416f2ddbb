//! Business calendars (admins write, anyone signed in reads) and due-time previews.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kefu_app::calendars::{self, CalendarInput, DuePreview};
use kefu_store::calendars::CalendarRow;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendars", get(list_calendars).post(create_calendar))
        .route(
            "/calendars/{id}",
            get(get_calendar)
                .put(update_calendar)
                .delete(delete_calendar),
        )
        .route("/calendars/{id}/due", get(preview_due))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_calendars,
    create_calendar,
    get_calendar,
    update_calendar,
    delete_calendar,
    preview_due
))]
pub struct CalendarsApi;

/// Every business calendar, the default first.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "sla", responses((status = 200, body = Vec<CalendarRow>)))]
pub async fn list_calendars(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<CalendarRow>>> {
    Ok(Json(calendars::list_calendars(&s.app, &actor).await?))
}

/// Creates a calendar (admins): time zone, weekly hours, holidays and make-up work days
/// (调休). Overlapping or backwards hours, unknown zones, a date that is both a holiday
/// and a make-up day, or a week without hours are refused with 422.
#[utoipa::path(post, path = "/api/v1/calendars", tag = "sla", request_body = CalendarInput,
    responses((status = 201, body = CalendarRow), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_calendar(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CalendarInput>,
) -> ApiResult<(StatusCode, Json<CalendarRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(calendars::create_calendar(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, body = CalendarRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_calendar(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CalendarRow>> {
    Ok(Json(calendars::get_calendar(&s.app, &actor, id).await?))
}

/// Replaces a calendar's name, zone, hours and dated lists (admins).
#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)), request_body = CalendarInput,
    responses((status = 200, body = CalendarRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_calendar(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CalendarInput>,
) -> ApiResult<Json<CalendarRow>> {
    Ok(Json(
        calendars::update_calendar(&s.app, &actor, id, &req).await?,
    ))
}

/// Deletes a calendar (admins); not the default one, nor one an SLA policy uses (409).
#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete_calendar(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    calendars::delete_calendar(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DueParams {
    /// The start: RFC 3339 (`2026-09-30T17:00:00+08:00`), or a local time in the
    /// calendar's zone (`2026-09-30T17:00`).
    pub from: String,
    /// Business minutes, 0 to 525,600.
    pub minutes: i64,
}

/// When a target of `minutes` business minutes starting at `from` falls due on this calendar.
#[utoipa::path(get, path = "/api/v1/calendars/{id}/due", tag = "sla", params(("id" = i64, Path), DueParams),
    responses((status = 200, body = DuePreview), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn preview_due(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<DueParams>,
) -> ApiResult<Json<DuePreview>> {
    Ok(Json(
        calendars::preview_due(&s.app, &actor, id, &p.from, p.minutes).await?,
    ))
}
