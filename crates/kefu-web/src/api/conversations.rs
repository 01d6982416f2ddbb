//! Conversations and their messages.

use crate::api::attachments::read_message;
use crate::api::{DEFAULT_LIMIT, Page};
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_app::attachments::{self, MessageView, Viewer};
use kefu_app::conversations::{self as conv, ListQuery, Posted, View};
use kefu_app::{App, AppError};
use kefu_domain::ConversationStatus;
use kefu_store::conversations::ConversationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// Words that one message (notes included) or the ticket subject must all contain —
    /// Chinese matched by words and characters, other scripts by word beginnings, case
    /// ignored — or a ticket number (`#10023` or `10023`). At most 100 characters are read.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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

/// The multipart form of a message with files.
#[derive(ToSchema)]
pub struct NewMessageWithFiles {
    /// Plain text, up to 10,000 characters; may be empty when files come.
    pub body: Option<String>,
    /// "true": a private note.
    pub private: Option<String>,
    pub client_id: Option<String>,
    /// Any number of file parts (up to 10), each with a filename.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
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
    pub message: MessageView,
}

/// 201 with the new message, or 200 with the one already posted under that client id;
/// either way with its attachments as `viewer` fetches them.
pub async fn posted_response(app: &App, posted: Posted, viewer: Viewer) -> ApiResult<Response> {
    let status = if posted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let message = attachments::with_attachments(&app.db, vec![posted.message], viewer)
        .await?
        .pop()
        .ok_or(AppError::NotFound("message"))?;
    Ok((status, Json(MessageResponse { message })).into_response())
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
        q: q.q.clone(),
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
    responses((status = 200, description = "oldest first; next_cursor pages to older messages", body = Page<MessageView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_messages(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListMessages>,
) -> ApiResult<Json<Page<MessageView>>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, conv::MAX_PAGE);
    let rows = conv::list_messages(&s.app, &actor, id, q.cursor, limit).await?;
    let next_cursor = if rows.len() as u64 >= limit {
        rows.first().map(|m| m.id.to_string())
    } else {
        None
    };
    Ok(Json(Page {
        data: attachments::with_attachments(&s.app.db, rows, Viewer::Staff).await?,
        next_cursor,
    }))
}

/// A reply or note. Send JSON, or `multipart/form-data` with the fields `body`,
/// `private`, `client_id` and up to 10 file parts (each within the inbox's limit,
/// 20 MB unless set; 50 MB in all); with files the text may be empty.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = i64, Path)),
    request_body(content((NewMessage = "application/json"), (NewMessageWithFiles = "multipart/form-data"))),
    responses((status = 201, body = MessageResponse), (status = 200, description = "already posted with this client_id", body = MessageResponse),
        (status = 404, body = crate::error::ErrorBody), (status = 413, description = "body_too_large: the files together exceed 50 MB", body = crate::error::ErrorBody),
        (status = 422, description = "empty_message, message_too_long, attachment_too_large, too_many_attachments", body = crate::error::ErrorBody)))]
pub async fn post_message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    req: Request,
) -> ApiResult<Response> {
    let header_key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let limit = async { Ok(attachments::limit_for_conversation(&s.app, id).await?) };
    let input = read_message(req, limit).await?;
    let client_id = input.client_id.as_deref().or(header_key.as_deref());
    let posted = conv::post_message_with_files(
        &s.app,
        &actor,
        id,
        &input.body,
        input.private,
        client_id,
        &input.files,
    )
    .await?;
    posted_response(&s.app, posted, Viewer::Staff).await
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
