//! Inboxes, and the API channel's inbound endpoint for bridges.

use crate::api::conversations::posted_response;
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kefu_app::inboxes::{self, InboxInput};
use kefu_app::widget;
use kefu_store::inboxes::InboxRow;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewInbox {
    pub name: String,
    /// widget or api
    pub channel: String,
    pub greeting: Option<String>,
    /// Sent once per conversation when no agent of the inbox's team is online.
    pub auto_reply: Option<String>,
    pub team_id: Option<i64>,
    /// The shop's name as scripts write it (`{{shop_name}}`).
    pub shop_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateInbox {
    pub name: String,
    pub greeting: Option<String>,
    pub auto_reply: Option<String>,
    pub team_id: Option<i64>,
    /// The shop's name as scripts write it (`{{shop_name}}`).
    pub shop_name: Option<String>,
}

/// A customer's message posted by a bridge (WeChat, WhatsApp, marketplace …).
#[derive(Deserialize, ToSchema)]
pub struct InboundMessage {
    /// The customer's handle on the bridged channel; the same handle continues the same conversation.
    pub contact_handle: String,
    pub contact_name: String,
    pub body: String,
    /// Idempotency key: the same client_id posted twice yields one message.
    pub client_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/inboxes", tag = "inboxes", responses((status = 200, body = Vec<InboxRow>)))]
pub async fn list_inboxes(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<InboxRow>>> {
    Ok(Json(inboxes::list_inboxes(&s.app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/inboxes", tag = "inboxes", request_body = NewInbox,
    responses((status = 201, body = InboxRow), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_inbox(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<NewInbox>,
) -> ApiResult<(StatusCode, Json<InboxRow>)> {
    let input = InboxInput {
        name: &r.name,
        greeting: r.greeting.as_deref(),
        auto_reply: r.auto_reply.as_deref(),
        team_id: r.team_id,
        shop_name: r.shop_name.as_deref(),
    };
    Ok((
        StatusCode::CREATED,
        Json(inboxes::create_inbox(&s.app, &actor, &r.channel, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}", tag = "inboxes", params(("id" = i64, Path)), responses((status = 200, body = InboxRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_inbox(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<InboxRow>> {
    Ok(Json(inboxes::get_inbox(&s.app, &actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct InboxCalendar {
    /// The business calendar the inbox keeps hours by; null: always open.
    pub calendar_id: Option<i64>,
}

/// Sets the inbox's business hours (admins): outside them its auto-reply goes out once per
/// conversation, and automation rules can tell.
#[utoipa::path(put, path = "/api/v1/inboxes/{id}/calendar", tag = "inboxes", params(("id" = i64, Path)), request_body = InboxCalendar,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn set_inbox_calendar(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<InboxCalendar>,
) -> ApiResult<StatusCode> {
    kefu_app::calendars::set_inbox_calendar(&s.app, &actor, id, req.calendar_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/inboxes/{id}", tag = "inboxes", params(("id" = i64, Path)), request_body = UpdateInbox,
    responses((status = 200, body = InboxRow), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_inbox(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<UpdateInbox>,
) -> ApiResult<Json<InboxRow>> {
    let input = InboxInput {
        name: &r.name,
        greeting: r.greeting.as_deref(),
        auto_reply: r.auto_reply.as_deref(),
        team_id: r.team_id,
        shop_name: r.shop_name.as_deref(),
    };
    Ok(Json(
        inboxes::update_inbox(&s.app, &actor, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/inboxes/{id}/messages", tag = "inboxes", params(("id" = i64, Path)), request_body = InboundMessage,
    responses((status = 201, body = crate::api::conversations::MessageResponse), (status = 200, description = "already posted with this client_id", body = crate::api::conversations::MessageResponse), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_inbound_message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<InboundMessage>,
) -> ApiResult<Response> {
    let posted = widget::api_inbound(
        &s.app,
        &actor,
        id,
        &r.contact_handle,
        &r.contact_name,
        &r.body,
        r.client_id.as_deref(),
    )
    .await?;
    posted_response(&s.app, posted, kefu_app::attachments::Viewer::Staff).await
}
