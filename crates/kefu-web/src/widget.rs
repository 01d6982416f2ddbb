//! The customer widget's endpoints (cross-origin, no cookies) and its script.

use crate::api::attachments::{file_response, read_message};
use crate::api::conversations::posted_response;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, WidgetVisitor, widget_error};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_app::attachments::{self, MessageView, Viewer};
use kefu_app::widget;
use kefu_domain::UiLocale;
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
    pub messages: Vec<MessageView>,
}

#[derive(Deserialize)]
pub struct Before {
    pub before: Option<i64>,
}

#[derive(Serialize)]
pub struct ThreadResponse {
    pub conversation_id: Option<i64>,
    pub messages: Vec<MessageView>,
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
    let messages = attachments::with_attachments(&s.app.db, messages, Viewer::Visitor).await?;
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

/// The visitor writes: JSON `{body, client_id}`, or a multipart form with files
/// (fields `body`, `client_id` and file parts, each within the inbox's limit).
pub async fn post_message(
    State(s): State<AppState>,
    WidgetVisitor(v): WidgetVisitor,
    req: Request,
) -> ApiResult<Response> {
    let limit = async { Ok(attachments::limit_for_inbox(&v.inbox)) };
    let input = read_message(req, limit).await?;
    let client_id = input.client_id.as_deref();
    let posted =
        widget::visitor_post_with_files(&s.app, &v, &input.body, client_id, &input.files).await?;
    posted_response(&s.app, posted, Viewer::Visitor).await
}

/// A file of the visitor's own conversation (never of a private note).
pub async fn download_attachment(
    State(s): State<AppState>,
    WidgetVisitor(v): WidgetVisitor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (row, bytes) = attachments::open_for_visitor(&s.app, &v, id).await?;
    Ok(file_response(&row, bytes))
}

pub async fn list_messages(
    State(s): State<AppState>,
    WidgetVisitor(v): WidgetVisitor,
    ApiQuery(q): ApiQuery<Before>,
) -> ApiResult<Json<ThreadResponse>> {
    let (conversation_id, messages) = widget::visitor_messages(&s.app, &v, q.before, 50).await?;
    let messages = attachments::with_attachments(&s.app.db, messages, Viewer::Visitor).await?;
    Ok(Json(ThreadResponse {
        conversation_id,
        messages,
    }))
}
