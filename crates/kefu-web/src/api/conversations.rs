//! Conversations and their messages.

use crate::api::{DEFAULT_LIMIT, Page};
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_app::conversations::{self as conv, ListQuery, Posted, View};
use kefu_domain::ConversationStatus;
use kefu_store::conversations::ConversationRow;
use kefu_store::messages::MessageRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct ListConversations {
    /// mine (default), unassigned or all
    pub view: Option<String>,
    /// open, pending, waiting_customer, waiting_department, snoozed, resolved or closed
    pub status: Option<String>,
    pub team_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// A ticket type (`ticket_type` list key).
    pub ticket_type: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListMessages {
    /// `next_cursor` of the previous page: older messages.
    pub cursor: Option<i64>,
    pub limit: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewMessage {
    /// Plain text, 1 to 10,000 characters; markup is kept as text and shown escaped.
    pub body: String,
    /// true: a private note only staff see.
    #[serde(default)]
    pub private: bool,
    /// Idempotency key: the same client_id posted twice yields one message (also accepted as the Idempotency-Key header).
    pub client_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct Assignment {
    /// The agent, or null to unassign.
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// open, pending, waiting_customer, waiting_department, snoozed, resolved or closed
    pub status: String,
    /// With snoozed: when to reopen, in milliseconds since the epoch.
    pub snooze_until: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: MessageRow,
}

/// 201 with the new message, or 200 with the one already posted under that client id.
pub fn posted_response(posted: Posted) -> Response {
    let status = if posted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(MessageResponse {
            message: posted.message,
        }),
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListConversations),
    responses((status = 200, body = Page<ConversationRow>), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_conversations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ListConversations>,
) -> ApiResult<Json<Page<ConversationRow>>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, conv::MAX_PAGE);
    let query = ListQuery {
        view: q
            .view
            .as_deref()
            .map(View::parse)
            .transpose()?
            .unwrap_or_default(),
        status: q
            .status
            .as_deref()
            .map(ConversationStatus::parse)
            .transpose()?,
        team_id: q.team_id,
        inbox_id: q.inbox_id,
        contact_id: q.contact_id,
        ticket_type: q.ticket_type.clone(),
        after: q.cursor.as_deref().map(conv::parse_cursor).transpose()?,
        limit,
    };
    let rows = conv::list_conversations(&s.app, &actor, &query).await?;
    Ok(Json(Page::new(rows, limit, conv::cursor_of)))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = i64, Path)), responses((status = 200, body = ConversationRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_conversation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(conv::get_conversation(&s.app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = i64, Path), ListMessages),
    responses((status = 200, description = "oldest first; next_cursor pages to older messages", body = Page<MessageRow>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_messages(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListMessages>,
) -> ApiResult<Json<Page<MessageRow>>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, conv::MAX_PAGE);
    let rows = conv::list_messages(&s.app, &actor, id, q.cursor, limit).await?;
    let next_cursor = if rows.len() as u64 >= limit {
        rows.first().map(|m| m.id.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        data: rows,
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = i64, Path)), request_body = NewMessage,
    responses((status = 201, body = MessageResponse), (status = 200, description = "already posted with this client_id", body = MessageResponse),
        (status = 404, body = crate::error::ErrorBody), (status = 422, description = "empty_message, message_too_long", body = crate::error::ErrorBody)))]
pub async fn post_message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewMessage>,
) -> ApiResult<Response> {
    let header_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let client_id = req.client_id.as_deref().or(header_key);
    let posted = conv::post_message(&s.app, &actor, id, &req.body, req.private, client_id).await?;
    Ok(posted_response(posted))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/assignment", tag = "conversations", params(("id" = i64, Path)), request_body = Assignment,
    responses((status = 200, body = ConversationRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn assign_conversation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Assignment>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(
        conv::assign(&s.app, &actor, id, req.assignee_id, req.team_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/status", tag = "conversations", params(("id" = i64, Path)), request_body = StatusChange,
    responses((status = 200, body = ConversationRow), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_status(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StatusChange>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(
        conv::set_status(&s.app, &actor, id, &req.status, req.snooze_until).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn mark_read(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    conv::mark_read(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
