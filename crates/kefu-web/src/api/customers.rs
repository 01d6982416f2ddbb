//! A customer's timeline, reveals of masked identities, erasure, and the audit log.

use crate::api::{Page, PageParams, page_limit};
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_app::privacy::{self, AuditEntry, AuditQuery};
use kefu_app::timeline::{self, TimelineInput, TimelinePage};
use kefu_store::contacts::IdentityRow;
use kefu_store::erasure::Erased;
use kefu_store::timeline::TimelineRow;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/contacts/{id}/timeline",
            get(contact_timeline).post(add_timeline_entry),
        )
        .route("/organisations/{id}/timeline", get(organisation_timeline))
        .route(
            "/contacts/{id}/identities/{identity_id}/reveal",
            post(reveal_identity),
        )
        .route("/contacts/{id}/erase", post(erase_contact))
        .route("/audit", get(list_audit))
}

#[derive(OpenApi)]
#[openapi(paths(
    contact_timeline,
    organisation_timeline,
    add_timeline_entry,
    reveal_identity,
    erase_contact,
    list_audit
))]
pub struct CustomersApi;

/// Paging of a timeline (its cursor is not a plain id).
#[derive(Debug, Deserialize, IntoParams)]
pub struct TimelineParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Entries per page, 1 to 100 (default 50).
    pub limit: Option<u64>,
}

/// A contact's timeline, newest first: conversations, notes, calls, merges and (as
/// features arrive) orders, after-sales cases, reviews and visits.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/timeline", tag = "contacts", params(("id" = i64, Path), TimelineParams),
    responses((status = 200, body = TimelinePage), (status = 404, body = crate::error::ErrorBody)))]
pub async fn contact_timeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<TimelineParams>,
) -> ApiResult<Json<TimelinePage>> {
    Ok(Json(
        timeline::contact_timeline(&s.app, &actor, id, p.cursor.as_deref(), page_limit(p.limit))
            .await?,
    ))
}

/// An organisation's timeline: its own entries and those of its contacts.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/timeline", tag = "organisations", params(("id" = i64, Path), TimelineParams),
    responses((status = 200, body = TimelinePage), (status = 404, body = crate::error::ErrorBody)))]
pub async fn organisation_timeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<TimelineParams>,
) -> ApiResult<Json<TimelinePage>> {
    Ok(Json(
        timeline::organisation_timeline(
            &s.app,
            &actor,
            id,
            p.cursor.as_deref(),
            page_limit(p.limit),
        )
        .await?,
    ))
}

/// Writes a note or logs a call on a contact's timeline.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/timeline", tag = "contacts", params(("id" = i64, Path)), request_body = TimelineInput,
    responses((status = 201, body = TimelineRow), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_timeline_entry(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TimelineInput>,
) -> ApiResult<(StatusCode, Json<TimelineRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(timeline::add_entry(&s.app, &actor, id, &req).await?),
    ))
}

/// Shows one masked phone, email or handle in full; recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/identities/{identity_id}/reveal", tag = "contacts",
    params(("id" = i64, Path), ("identity_id" = i64, Path)),
    responses((status = 200, body = IdentityRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reveal_identity(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, identity_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<IdentityRow>> {
    Ok(Json(
        privacy::reveal(&s.app, &actor, id, identity_id).await?,
    ))
}

/// Why a contact's data is erased (kept in the audit log).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ErasureRequest {
    pub reason: String,
}

/// Erases a contact's personal data on their request (managers): name, phones, emails,
/// handles, custom fields and the bodies of messages they wrote. Counts stay.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "contacts", params(("id" = i64, Path)), request_body = ErasureRequest,
    responses((status = 200, description = "what was removed"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn erase_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ErasureRequest>,
) -> ApiResult<Json<Erased>> {
    Ok(Json(
        privacy::erase_contact(&s.app, &actor, id, &req.reason).await?,
    ))
}

/// The audit log, newest first (managers): reveals, exports, merges, erasures, changes.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery, PageParams),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let limit = page_limit(page.limit);
    let rows = privacy::list_audit(&s.app, &actor, &q, page.cursor, limit).await?;
    Ok(Json(Page::new(rows, limit, |e| e.row.id.to_string())))
}
