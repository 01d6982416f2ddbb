//! Reviews over HTTP: idempotent upserts (one, a batch), lists, the call-back after a
//! medium or bad review, review requests, the weekly summary of reasons, and each
//! store's follow-up settings.

use super::{Page, page_limit};
use crate::error::{ApiResult, ErrorBody as Errors};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_app::orders::Outcome;
use kefu_app::reviews::{
    self, CallbackInput, ClassCounts, ReasonCount, ReviewBatchReport, ReviewInput, ReviewListQuery,
    ReviewReasonReport, ReviewRequestInput, ReviewRequestView, ReviewResult,
};
use kefu_app::store_settings::{self, FollowUpSettingsInput};
use kefu_store::reviews::ReviewRow;
use kefu_store::store_settings::FollowUpSettings;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Batches of up to 1,000 reviews need more than the usual 1 MiB.
pub const REVIEWS_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stores/{id}/reviews", post(upsert_review))
        .route(
            "/stores/{id}/reviews/batch",
            post(upsert_reviews).layer(DefaultBodyLimit::max(REVIEWS_BODY_LIMIT)),
        )
        .route(
            "/stores/{id}/follow-up-settings",
            get(get_follow_up_settings).put(put_follow_up_settings),
        )
        .route("/reviews", get(list_reviews))
        .route("/reviews/{id}", get(get_review))
        .route("/reviews/{id}/callback", post(record_callback))
        .route("/orders/{id}/review-request", post(request_review))
        .route("/reports/review-reasons", get(review_reasons))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        upsert_review,
        upsert_reviews,
        get_follow_up_settings,
        put_follow_up_settings,
        list_reviews,
        get_review,
        record_callback,
        request_review,
        review_reasons
    ),
    components(schemas(
        ReviewInput, ReviewResult, ReviewBatch, ReviewBatchReport, ReviewRow, CallbackInput,
        ReviewRequestInput, ReviewRequestView, ReviewReasonReport, ReasonCount, ClassCounts,
        FollowUpSettings, FollowUpSettingsInput, Page<ReviewRow>
    ))
)]
pub struct ReviewsApi;

/// Creates or updates a review of a store's order (managers and above, or a bridge's
/// token). A medium or bad review opens one call-back task; the same review again
/// changes nothing and opens no second one. 201 when created, else 200.
#[utoipa::path(post, path = "/api/v1/stores/{id}/reviews", tag = "reviews",
    params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 201, body = ReviewResult), (status = 200, body = ReviewResult), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, description = "invalid, or the order is not known", body = Errors)))]
pub async fn upsert_review(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<ReviewResult>)> {
    let done = reviews::upsert_review(&s.app, &actor, id, &req).await?;
    let status = if done.outcome == Outcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done)))
}

/// Up to 1,000 reviews of one store.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBatch {
    pub reviews: Vec<ReviewInput>,
}

/// Creates or updates up to 1,000 reviews of a store. Per row: an invalid row (or one
/// whose order kefu does not know) is reported with its index and reason and nothing
/// of it is stored; the others are stored together.
#[utoipa::path(post, path = "/api/v1/stores/{id}/reviews/batch", tag = "reviews",
    params(("id" = i64, Path)), request_body = ReviewBatch,
    responses((status = 200, body = ReviewBatchReport), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, description = "more than 1,000 reviews", body = Errors)))]
pub async fn upsert_reviews(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReviewBatch>,
) -> ApiResult<Json<ReviewBatchReport>> {
    Ok(Json(
        reviews::upsert_batch(&s.app, &actor, id, &req.reviews).await?,
    ))
}

/// A store's follow-up settings: the team that calls back and reaches out, the review
/// classes' thresholds, the call-back deadline and the current offer script.
#[utoipa::path(get, path = "/api/v1/stores/{id}/follow-up-settings", tag = "reviews",
    params(("id" = i64, Path)),
    responses((status = 200, body = FollowUpSettings), (status = 404, body = Errors)))]
pub async fn get_follow_up_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<FollowUpSettings>> {
    Ok(Json(
        store_settings::get_settings(&s.app, &actor, id).await?,
    ))
}

/// Changes a store's follow-up settings (admins); reviews already classed keep their class.
#[utoipa::path(put, path = "/api/v1/stores/{id}/follow-up-settings", tag = "reviews",
    params(("id" = i64, Path)), request_body = FollowUpSettingsInput,
    responses((status = 200, body = FollowUpSettings), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn put_follow_up_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<FollowUpSettingsInput>,
) -> ApiResult<Json<FollowUpSettings>> {
    Ok(Json(
        store_settings::put_settings(&s.app, &actor, id, &req).await?,
    ))
}

/// Reviews newest first, by store, stars, class, order or open call-back.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews", params(ReviewListQuery),
    responses((status = 200, body = Page<ReviewRow>), (status = 400, body = Errors), (status = 422, body = Errors)))]
pub async fn list_reviews(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ReviewListQuery>,
) -> ApiResult<Json<Page<ReviewRow>>> {
    let limit = page_limit(q.limit);
    let rows = reviews::list_reviews(&s.app, &actor, &q, limit).await?;
    Ok(Json(Page::new(rows, limit, |r| r.id.to_string())))
}

/// A review with its call-back.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewRow), (status = 404, body = Errors)))]
pub async fn get_review(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReviewRow>> {
    Ok(Json(reviews::get_review(&s.app, &actor, id).await?))
}

/// Records a review's call-back: the reason (`review_reason` list), the outcome
/// (`review_outcome` list) and the reply posted; closes its task and counts the reason
/// for the week. 409 when it was already recorded.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/callback", tag = "reviews", params(("id" = i64, Path)),
    request_body = CallbackInput,
    responses((status = 200, body = ReviewRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn record_callback(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CallbackInput>,
) -> ApiResult<Json<ReviewRow>> {
    Ok(Json(
        reviews::record_callback(&s.app, &actor, id, &req).await?,
    ))
}

/// Records that the buyer was asked for a review. Refused (422) before the order is
/// delivered (`order_not_delivered`) and a second time (`review_already_requested`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/review-request", tag = "reviews", params(("id" = i64, Path)),
    request_body = ReviewRequestInput,
    responses((status = 201, body = ReviewRequestView), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn request_review(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReviewRequestInput>,
) -> ApiResult<(StatusCode, Json<ReviewRequestView>)> {
    Ok((
        StatusCode::CREATED,
        Json(reviews::request_review(&s.app, &actor, id, &req).await?),
    ))
}

/// Which week of which store.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportParams {
    /// A store's id (default: all stores).
    pub store: Option<i64>,
    /// `2026-W48` (default: the current week).
    pub week: Option<String>,
}

/// The weekly summary: reviews of each class and the reasons call-backs found, most
/// frequent first.
#[utoipa::path(get, path = "/api/v1/reports/review-reasons", tag = "reviews", params(ReportParams),
    responses((status = 200, body = ReviewReasonReport), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn review_reasons(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> ApiResult<Json<ReviewReasonReport>> {
    Ok(Json(
        reviews::review_reasons(&s.app, &actor, q.store, q.week.as_deref()).await?,
    ))
}
