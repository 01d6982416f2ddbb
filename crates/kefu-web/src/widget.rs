//! The customer widget's endpoints (cross-origin, no cookies) and its script.

use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, WidgetVisitor, widget_error};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_app::widget;
use kefu_domain::UiLocale;
use kefu_store::messages::MessageRow;
use serde::{Deserialize, Serialize};

const WIDGET_JS: &str = include_str!("../assets/widget.js");

#[derive(Deserialize)]
pub struct StartSession {
    pub widget_token: String,
    pub visitor_token: Option<String>,
    pub locale: Option<String>,
}

#[derive(Serialize)]
pub struct InboxInfo {
    pub name: String,
    pub greeting: Option<String>,
}

#[derive(Serialize)]
pub struct SessionResponse {
    pub visitor_token: String,
    pub conversation_id: Option<i64>,
    pub inbox: InboxInfo,
    pub messages: Vec<MessageRow>,
}

#[derive(Deserialize)]
pub struct VisitorMessage {
    pub body: String,
    pub client_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Before {
    pub before: Option<i64>,
}

#[derive(Serialize)]
pub struct ThreadResponse {
    pub conversation_id: Option<i64>,
    pub messages: Vec<MessageRow>,
}

/// The script a shop pastes into its pages.
pub async fn widget_script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        WIDGET_JS,
    )
        .into_response()
}

pub async fn start_session(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<StartSession>,
) -> ApiResult<Json<SessionResponse>> {
    let locale = req
        .locale
        .as_deref()
        .and_then(UiLocale::from_tag)
        .unwrap_or_default();
    let session = widget::start_session(
        &s.app,
        &req.widget_token,
        req.visitor_token.as_deref(),
        locale,
    )
    .await
    .map_err(widget_error)?;
    let (conversation_id, messages) =
        widget::visitor_messages(&s.app, &session.visitor, None, 50).await?;
    Ok(Json(SessionResponse {
        visitor_token: session.visitor_token,
        conversation_id,
        inbox: InboxInfo {
            name: session.visitor.inbox.name.clone(),
            greeting: session.visitor.inbox.greeting.clone(),
        },
        messages,
    }))
}

pub async fn post_message(
    State(s): State<AppState>,
    WidgetVisitor(v): WidgetVisitor,
    ApiJson(req): ApiJson<VisitorMessage>,
) -> ApiResult<Response> {
    let posted = widget::visitor_post(&s.app, &v, &req.body, req.client_id.as_deref()).await?;
    Ok(crate::api::conversations::posted_response(posted))
}

pub async fn list_messages(
    State(s): State<AppState>,
    WidgetVisitor(v): WidgetVisitor,
    ApiQuery(q): ApiQuery<Before>,
) -> ApiResult<Json<ThreadResponse>> {
    let (conversation_id, messages) = widget::visitor_messages(&s.app, &v, q.before, 50).await?;
    Ok(Json(ThreadResponse {
        conversation_id,
        messages,
    }))
}
