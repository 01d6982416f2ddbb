//! The email channel over HTTP: email inboxes and their mailbox settings, a connection
//! test, the signed raw-MIME endpoint for mail relays, a message's mail details, retrying
//! a failed reply, and the sender block-list.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, raw_body};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use kefu_app::email::ingest::Ingested;
use kefu_app::email::settings::{ConnectionTest, EmailSettings, EmailSettingsView};
use kefu_app::email::{blocklist, outgoing, read, settings};
use kefu_app::inboxes::InboxInput;
use kefu_store::email::{BlockedSender, EmailMessageRow};
use kefu_store::inboxes::InboxRow;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The largest raw mail a relay may post (attachments included).
pub const RAW_MAIL_LIMIT: usize = 40 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/email-inboxes", post(create_email_inbox))
        .route(
            "/inboxes/{id}/email",
            get(get_email_settings).put(update_email_settings),
        )
        .route("/inboxes/{id}/email/test", post(test_email_connection))
        .route(
            "/inboxes/{id}/email/raw",
            post(post_raw_mail).layer(DefaultBodyLimit::max(RAW_MAIL_LIMIT)),
        )
        .route("/messages/{id}/email", get(get_message_email))
        .route("/messages/{id}/email/retry", post(retry_message_email))
        .route(
            "/email/blocklist",
            get(list_blocked_senders).post(block_sender),
        )
        .route("/email/blocklist/{id}", delete(unblock_sender))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_email_inbox,
        get_email_settings,
        update_email_settings,
        test_email_connection,
        post_raw_mail,
        get_message_email,
        retry_message_email,
        list_blocked_senders,
        block_sender,
        unblock_sender
    ),
    components(schemas(
        kefu_app::email::settings::ServerSettings,
        kefu_app::email::settings::ServerView,
        kefu_app::email::settings::ServerTest
    ))
)]
pub struct EmailApi;

type Errors = crate::error::ErrorBody;

/// A new email inbox: the inbox's own settings plus its mailbox.
#[derive(Deserialize, ToSchema)]
pub struct NewEmailInbox {
    pub name: String,
    pub greeting: Option<String>,
    /// Sent once per conversation outside business hours or when nobody is online; never
    /// in answer to automatic mail.
    pub auto_reply: Option<String>,
    pub team_id: Option<i64>,
    pub shop_name: Option<String>,
    pub email: EmailSettings,
}

/// Creates an email inbox with its IMAP and SMTP settings (admins).
#[utoipa::path(post, path = "/api/v1/email-inboxes", tag = "email", request_body = NewEmailInbox,
    responses((status = 201, body = InboxRow), (status = 403, body = Errors), (status = 422, body = Errors)))]
pub async fn create_email_inbox(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<NewEmailInbox>,
) -> ApiResult<(StatusCode, Json<InboxRow>)> {
    let input = InboxInput {
        name: &r.name,
        greeting: r.greeting.as_deref(),
        auto_reply: r.auto_reply.as_deref(),
        team_id: r.team_id,
        shop_name: r.shop_name.as_deref(),
    };
    let inbox = settings::create_email_inbox(&s.app, &actor, &input, &r.email).await?;
    Ok((StatusCode::CREATED, Json(inbox)))
}

/// An email inbox's mailbox settings; secrets show only as `has_secret`.
#[utoipa::path(get, path = "/api/v1/inboxes/{id}/email", tag = "email", params(("id" = i64, Path)),
    responses((status = 200, body = EmailSettingsView), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn get_email_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EmailSettingsView>> {
    Ok(Json(settings::email_settings(&s.app, &actor, id).await?))
}

/// Changes the mailbox settings; a secret left out keeps the saved one.
#[utoipa::path(put, path = "/api/v1/inboxes/{id}/email", tag = "email", params(("id" = i64, Path)), request_body = EmailSettings,
    responses((status = 200, body = EmailSettingsView), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn update_email_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<EmailSettings>,
) -> ApiResult<Json<EmailSettingsView>> {
    Ok(Json(
        settings::update_email_settings(&s.app, &actor, id, &r).await?,
    ))
}

/// Logs in to the inbox's IMAP and SMTP servers with the saved settings and says how it went.
#[utoipa::path(post, path = "/api/v1/inboxes/{id}/email/test", tag = "email", params(("id" = i64, Path)),
    responses((status = 200, body = ConnectionTest), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn test_email_connection(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ConnectionTest>> {
    Ok(Json(settings::test_connection(&s.app, &actor, id).await?))
}

/// What became of a posted mail.
#[derive(Serialize, ToSchema)]
pub struct RawMailOutcome {
    /// `stored`, `duplicate`, `blocked` or `bounced`.
    pub outcome: &'static str,
    pub message_id: Option<i64>,
    pub conversation_id: Option<i64>,
}

/// A mail relay posts one raw RFC 5322 message (`Content-Type: message/rfc822`), signed
/// with `X-Kefu-Signature: sha256=<hex HMAC-SHA256 of the body under the inbox's
/// ingest_secret>`. No bearer token: the signature is the credential. Up to 40 MiB.
#[utoipa::path(post, path = "/api/v1/inboxes/{id}/email/raw", tag = "email", params(("id" = i64, Path)),
    request_body(content = String, content_type = "message/rfc822"), security(()),
    responses((status = 200, body = RawMailOutcome), (status = 403, description = "the signature does not match", body = Errors),
              (status = 404, body = Errors), (status = 413, description = "larger than 40 MiB")))]
pub async fn post_raw_mail(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<RawMailOutcome>> {
    let too_large = format!("the mail is larger than {} MiB", RAW_MAIL_LIMIT >> 20);
    let body = raw_body(body, ("body_too_large", &too_large))?;
    let signature = headers
        .get("x-kefu-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let outcome = read::ingest_signed(&s.app, id, signature, &body).await?;
    Ok(Json(match outcome {
        Ingested::Stored {
            message_id,
            conversation_id,
            ..
        } => RawMailOutcome {
            outcome: "stored",
            message_id: Some(message_id),
            conversation_id: Some(conversation_id),
        },
        Ingested::Duplicate { message_id } => RawMailOutcome {
            outcome: "duplicate",
            message_id: Some(message_id),
            conversation_id: None,
        },
        Ingested::Blocked => RawMailOutcome {
            outcome: "blocked",
            message_id: None,
            conversation_id: None,
        },
        Ingested::Bounced { message_id } => RawMailOutcome {
            outcome: "bounced",
            message_id: Some(message_id),
            conversation_id: None,
        },
    }))
}

/// The mail behind a message: subject, addresses, threading id, sanitised HTML, and for
/// replies their delivery (`queued`, `sent`, `failed` with the reason).
#[utoipa::path(get, path = "/api/v1/messages/{id}/email", tag = "email", params(("id" = i64, Path)),
    responses((status = 200, body = EmailMessageRow), (status = 404, body = Errors)))]
pub async fn get_message_email(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EmailMessageRow>> {
    Ok(Json(read::mail_of(&s.app, &actor, id).await?))
}

/// Sends a failed reply again.
#[utoipa::path(post, path = "/api/v1/messages/{id}/email/retry", tag = "email", params(("id" = i64, Path)),
    responses((status = 202), (status = 409, description = "the reply has not failed", body = Errors)))]
pub async fn retry_message_email(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    outgoing::retry(&s.app, &actor, id).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(get, path = "/api/v1/email/blocklist", tag = "email",
    responses((status = 200, body = Vec<BlockedSender>), (status = 403, body = Errors)))]
pub async fn list_blocked_senders(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<BlockedSender>>> {
    Ok(Json(blocklist::list(&s.app, &actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewBlockedSender {
    /// `someone@example.com`, or `@example.com` for a whole domain.
    pub pattern: String,
}

/// Mail from this address or domain is dropped (admins).
#[utoipa::path(post, path = "/api/v1/email/blocklist", tag = "email", request_body = NewBlockedSender,
    responses((status = 201), (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn block_sender(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<NewBlockedSender>,
) -> ApiResult<StatusCode> {
    blocklist::add(&s.app, &actor, &r.pattern).await?;
    Ok(StatusCode::CREATED)
}

#[utoipa::path(delete, path = "/api/v1/email/blocklist/{id}", tag = "email", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Errors)))]
pub async fn unblock_sender(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    blocklist::remove(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
