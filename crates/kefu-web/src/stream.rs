//! Server-Sent Events: the staff event stream and the widget's conversation stream.
//! A reconnecting `EventSource` sends `Last-Event-ID`; the hub replays from there.

use crate::error::ApiError;
use crate::extract::{ApiActor, ApiQuery, widget_error};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use kefu_app::events::Audience;
use kefu_store::events::EventRow;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this event id (the `Last-Event-ID` header wins when both are sent).
    pub after: Option<i64>,
}

fn resume_point(headers: &HeaderMap, after: Option<i64>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(after)
}

fn sse(
    rx: mpsc::Receiver<Arc<EventRow>>,
    shape: fn(&EventRow) -> String,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = stream::unfold(rx, move |mut rx| async move {
        let row = rx.recv().await?;
        let event = Event::default()
            .id(row.id.to_string())
            .event(&row.kind)
            .data(shape(&row));
        Some((Ok(event), rx))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Staff see the payload as written.
fn staff_shape(row: &EventRow) -> String {
    row.payload.clone()
}

/// Visitors see only the message, without staff-side conversation details; its files
/// are fetched from the widget's own address.
fn visitor_shape(row: &EventRow) -> String {
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let mut message = payload["message"].clone();
    if let Some(files) = message["attachments"].as_array_mut() {
        for file in files {
            if let Some(id) = file["id"].as_i64() {
                file["url"] = format!("/widget/v1/attachments/{id}").into();
            }
        }
    }
    serde_json::json!({ "message": message }).to_string()
}

#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events", params(StreamQuery),
    responses((status = 200, content_type = "text/event-stream", description = "Every event, in order: event name = kind (message.created, conversation.created, conversation.updated, user.availability …), id = event id, data = JSON payload")))]
pub async fn staff_stream(
    State(s): State<AppState>,
    ApiActor(_actor): ApiActor,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = s
        .app
        .hub
        .subscribe(resume_point(&headers, q.after), Audience::Staff)
        .await;
    sse(rx, staff_shape)
}

#[derive(Deserialize)]
pub struct WidgetStreamQuery {
    pub widget_token: String,
    pub visitor_token: String,
}

/// The visitor's conversation: all of its public events from the start (or from
/// `Last-Event-ID`), so a fresh page sees the whole thread and a reconnect misses nothing.
pub async fn widget_stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<WidgetStreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let visitor = kefu_app::widget::visitor(&s.app, &q.widget_token, &q.visitor_token)
        .await
        .map_err(widget_error)?;
    let (conversation_id, _) =
        kefu_app::widget::visitor_messages(&s.app, &visitor, None, 1).await?;
    let conversation_id = conversation_id.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "no_conversation_yet",
            "write a first message before opening the stream",
        )
    })?;
    let rx = s
        .app
        .hub
        .subscribe(
            Some(resume_point(&headers, None).unwrap_or(0)),
            Audience::Conversation(conversation_id),
        )
        .await;
    Ok(sse(rx, visitor_shape))
}
