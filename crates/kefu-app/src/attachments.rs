//! Attachments on every channel: files stored once as blobs (see [`crate::blobs`]),
//! attached to messages, sized per inbox, and read only by those who may see the thread.
//!
//! The interface for channels (email ingestion, outgoing mail) is:
//! 1. [`check_size`] against the inbox's limit, then [`put_blob`] for each file, BEFORE
//!    opening the message's transaction (blob writes are slow and idempotent);
//! 2. [`attach_in_tx`] for each file, in the transaction that writes the message;
//! 3. [`list_for_messages`] / [`open_attachment`] to read them back.

pub mod files;

use crate::widget::Visitor;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::attachments::{self as store, AttachmentRow, NewAttachmentRow};
use kefu_store::inboxes::InboxRow;
use kefu_store::messages::MessageRow;
use kefu_store::{Db, StoreResult, Tx};
use serde::Serialize;
use std::collections::HashMap;

/// An inbox's limit when it sets none: 20 MiB per file.
pub const DEFAULT_MAX_BYTES: i64 = 20 * 1024 * 1024;
/// The highest limit an inbox may set; uploads larger than this never reach kefu.
pub const LARGEST_MAX_BYTES: i64 = 50 * 1024 * 1024;
/// Files one message may carry.
pub const MAX_FILES: usize = 10;

/// Bytes stored in the blob store: their key (SHA-256 hex), size, and the image type
/// the bytes begin with (what decides inline preview, whatever a sender claimed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub key: String,
    pub size: i64,
    pub image_type: Option<&'static str>,
}

/// An attachment to add to a message whose blob is stored.
pub struct NewAttachment<'a> {
    /// As sent; cleaned of paths and control characters on the way in.
    pub filename: &'a str,
    /// As declared by the sender; images are typed by their bytes instead.
    pub content_type: &'a str,
    pub blob: &'a BlobRef,
    /// An email part with `Content-Disposition: inline`.
    pub inline: bool,
    /// An email part's Content-ID (without `<>`), for `cid:` links in its HTML.
    pub content_id: Option<&'a str>,
}

/// A file received over HTTP, not yet stored.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// An uploaded file whose blob is stored, ready for [`attach_in_tx`].
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub filename: String,
    pub content_type: String,
    pub blob: BlobRef,
    /// Shown within the message's HTML (a mail's `cid:` image) rather than listed.
    pub inline: bool,
    /// A mail part's Content-ID, for `cid:` references.
    pub content_id: Option<String>,
}

impl StoredFile {
    pub fn as_new(&self) -> NewAttachment<'_> {
        NewAttachment {
            filename: &self.filename,
            content_type: &self.content_type,
            blob: &self.blob,
            inline: self.inline,
            content_id: self.content_id.as_deref(),
        }
    }
}

/// Stores bytes (once: the same bytes give the same key) and returns their reference.
/// Call it before opening the transaction that attaches them.
pub async fn put_blob(app: &App, bytes: &[u8]) -> AppResult<BlobRef> {
    let key = crate::blobs::key_for(bytes);
    app.blobs
        .put(&key, bytes)
        .await
        .map_err(|e| AppError::Internal(format!("while storing an attachment: {e}")))?;
    Ok(BlobRef {
        key,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        image_type: files::sniff_image(bytes),
    })
}

/// Adds an attachment row to a message, inside the message's transaction.
pub async fn attach_in_tx(
    tx: &mut Tx,
    message_id: i64,
    conversation_id: i64,
    a: &NewAttachment<'_>,
) -> StoreResult<AttachmentRow> {
    let filename = files::clean_filename(a.filename);
    let content_type = files::content_type(a.content_type, a.blob.image_type);
    let content_id = a
        .content_id
        .map(|c| c.trim().trim_start_matches('<').trim_end_matches('>'))
        .filter(|c| !c.is_empty() && !c.chars().any(char::is_control));
    store::insert(
        tx,
        &NewAttachmentRow {
            message_id,
            conversation_id,
            filename: &filename,
            content_type: &content_type,
            size_bytes: a.blob.size,
            blob_key: &a.blob.key,
            inline: a.inline,
            content_id,
            now: now_ms(),
        },
    )
    .await
}

/// The largest file an inbox accepts, in bytes.
pub fn limit_for_inbox(inbox: &InboxRow) -> i64 {
    inbox
        .max_attachment_bytes
        .filter(|b| *b > 0)
        .map_or(DEFAULT_MAX_BYTES, |b| b.min(LARGEST_MAX_BYTES))
}

/// The limit of the inbox a conversation belongs to.
pub async fn limit_for_conversation(app: &App, conversation_id: i64) -> AppResult<i64> {
    let conversation = kefu_store::conversations::find(&app.db, conversation_id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let inbox = kefu_store::inboxes::find(&app.db, conversation.inbox_id)
        .await?
        .ok_or(AppError::NotFound("inbox"))?;
    Ok(limit_for_inbox(&inbox))
}

/// Refuses a file larger than `limit`, naming it: "发票.pdf is 31 MB; this inbox
/// accepts files up to 20 MB".
pub fn check_size(filename: &str, size: i64, limit: i64) -> Result<(), Invalid> {
    if size <= limit {
        return Ok(());
    }
    Err(Invalid::new(
        "files",
        "attachment_too_large",
        format!(
            "{} is {}; this inbox accepts files up to {}",
            files::clean_filename(filename),
            files::human_size(size),
            files::human_size(limit)
        ),
    ))
}

/// Checks every upload against the limit and the file count, then stores their blobs.
/// Nothing is stored when any file is refused.
pub async fn store_uploads(
    app: &App,
    uploads: &[Upload],
    limit: i64,
) -> AppResult<Vec<StoredFile>> {
    if uploads.len() > MAX_FILES {
        return Err(Invalid::new(
            "files",
            "too_many_attachments",
            format!("a message can carry at most {MAX_FILES} files"),
        )
        .into());
    }
    for u in uploads {
        check_size(
            &u.filename,
            i64::try_from(u.bytes.len()).unwrap_or(i64::MAX),
            limit,
        )?;
    }
    let mut stored = Vec::with_capacity(uploads.len());
    for u in uploads {
        stored.push(StoredFile {
            filename: u.filename.clone(),
            content_type: u.content_type.clone(),
            blob: put_blob(app, &u.bytes).await?,
            inline: false,
            content_id: None,
        });
    }
    Ok(stored)
}

/// Sets the largest file an inbox accepts (`None`: back to the default).
pub async fn set_inbox_limit(
    app: &App,
    actor: &Actor,
    inbox_id: i64,
    max_bytes: Option<i64>,
) -> AppResult<()> {
    actor.require(Permission::ManageInboxes)?;
    if let Some(b) = max_bytes
        && !(1..=LARGEST_MAX_BYTES).contains(&b)
    {
        return Err(Invalid::new(
            "max_attachment_bytes",
            "invalid_attachment_limit",
            format!(
                "the limit must be between 1 byte and {}",
                files::human_size(LARGEST_MAX_BYTES)
            ),
        )
        .into());
    }
    let mut tx = app.db.begin().await?;
    if kefu_store::inboxes::set_max_attachment_bytes(&mut tx, inbox_id, max_bytes).await? == 0 {
        return Err(AppError::NotFound("inbox"));
    }
    let detail = serde_json::json!({ "max_attachment_bytes": max_bytes }).to_string();
    let subject = format!("inbox:{inbox_id}");
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "inbox.attachment_limit_set",
        &subject,
        &detail,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who is looking: decides the address an attachment is fetched from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Staff: `/api/v1/attachments/{id}` (API token or the workspace's session).
    Staff,
    /// A widget visitor: `/widget/v1/attachments/{id}` (widget and visitor headers).
    Visitor,
}

/// An attachment as API responses and events show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// An email part meant to be shown in the body.
    pub inline: bool,
    /// A PNG, JPEG, GIF or WebP image (by its bytes): shown as a picture, not a link.
    pub preview: bool,
    /// Where to fetch it (relative to kefu's address).
    pub url: String,
}

impl AttachmentInfo {
    pub fn new(row: &AttachmentRow, viewer: Viewer) -> Self {
        let url = match viewer {
            Viewer::Staff => format!("/api/v1/attachments/{}", row.id),
            Viewer::Visitor => format!("/widget/v1/attachments/{}", row.id),
        };
        Self {
            id: row.id,
            filename: row.filename.clone(),
            content_type: row.content_type.clone(),
            size: row.size_bytes,
            inline: row.inline,
            preview: files::previewable(&row.content_type),
            url,
        }
    }
}

/// A message with its attachments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: MessageRow,
    pub attachments: Vec<AttachmentInfo>,
}

/// The attachments of these messages (for the conversation page and the API).
pub async fn list_for_messages(db: &Db, message_ids: &[i64]) -> AppResult<Vec<AttachmentRow>> {
    Ok(store::list_for_messages(db, message_ids).await?)
}

/// Messages with their attachments, in one query for all of them.
pub async fn with_attachments(
    db: &Db,
    messages: Vec<MessageRow>,
    viewer: Viewer,
) -> AppResult<Vec<MessageView>> {
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let mut by_message: HashMap<i64, Vec<AttachmentInfo>> = HashMap::new();
    for row in list_for_messages(db, &ids).await? {
        by_message
            .entry(row.message_id)
            .or_default()
            .push(AttachmentInfo::new(&row, viewer));
    }
    Ok(messages
        .into_iter()
        .map(|message| MessageView {
            attachments: by_message.remove(&message.id).unwrap_or_default(),
            message,
        })
        .collect())
}

async fn read_blob(app: &App, row: &AttachmentRow) -> AppResult<Vec<u8>> {
    app.blobs
        .get(&row.blob_key)
        .await
        .map_err(|e| AppError::Internal(format!("while reading attachment {}: {e}", row.id)))
}

/// An attachment and its bytes, for staff who may read the conversation.
pub async fn open_attachment(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    actor.require(Permission::WorkConversations)?;
    let row = store::find_access(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("attachment"))?
        .into_row();
    let bytes = read_blob(app, &row).await?;
    Ok((row, bytes))
}

/// An attachment and its bytes, for the visitor whose conversation it is in; never one
/// of a private note. Anything else is "not found", so ids reveal nothing.
pub async fn open_for_visitor(
    app: &App,
    v: &Visitor,
    id: i64,
) -> AppResult<(AttachmentRow, Vec<u8>)> {
    let access = store::find_access(&app.db, id)
        .await?
        .filter(|a| {
            a.contact_id == v.contact_id && a.inbox_id == v.inbox.id && a.message_kind != "note"
        })
        .ok_or(AppError::NotFound("attachment"))?;
    let row = access.into_row();
    let bytes = read_blob(app, &row).await?;
    Ok((row, bytes))
}
