//! Reading mail in the workspace: a message's mail details, its HTML as an isolated
//! document (remote images only when the agent allows them), and the relay endpoint's
//! signed raw-MIME posts.

use crate::email::ingest::{Ingested, ingest};
use crate::{Actor, App, AppError, AppResult};
use hmac::{Hmac, Mac};
use kefu_channels::email::SafeHtml;
use kefu_domain::Permission;
use kefu_store::email::{self as store, EmailMessageRow};
use sha2::Sha256;

/// The mail behind a message (agents working conversations).
pub async fn mail_of(app: &App, actor: &Actor, message_id: i64) -> AppResult<EmailMessageRow> {
    actor.require(Permission::WorkConversations)?;
    store::find_message(&app.db, message_id)
        .await?
        .ok_or(AppError::NotFound("email of this message"))
}

/// The mail rows of a page of messages, for showing subjects, delivery and HTML links.
pub async fn mails_for(app: &App, message_ids: &[i64]) -> AppResult<Vec<EmailMessageRow>> {
    Ok(store::for_messages(&app.db, message_ids).await?)
}

/// A mail's HTML as a complete document for a sandboxed frame, with the CSP source list
/// its images may load from (the page serving it repeats that list in its header): scripts
/// and forms were removed when it arrived; remote images load only when `images` is true.
pub async fn mail_document(
    app: &App,
    actor: &Actor,
    message_id: i64,
    images: bool,
) -> AppResult<(String, &'static str)> {
    let mail = mail_of(app, actor, message_id).await?;
    let html = mail
        .html
        .ok_or(AppError::NotFound("HTML part of this mail"))?;
    let inline = inline_images(app, message_id).await?;
    let safe = SafeHtml::from_stored(html);
    let safe = SafeHtml::from_stored(safe.with_cid(|cid| inline.get(cid).cloned()));
    Ok(if images {
        let sources = "data: https: http:";
        (
            SafeHtml::isolated_document(&safe.with_remote_images(), sources),
            sources,
        )
    } else {
        (SafeHtml::isolated_document(safe.as_str(), "data:"), "data:")
    })
}

/// The largest inline image put into a mail's document as a data: URL.
const INLINE_IMAGE_BYTES: i64 = 5 * 1024 * 1024;

/// The mail's `cid:` images as data: URLs by Content-ID (the sandboxed document can't
/// send the session cookie, so they travel inside it).
async fn inline_images(
    app: &App,
    message_id: i64,
) -> AppResult<std::collections::HashMap<String, String>> {
    use base64::Engine as _;
    let mut out = std::collections::HashMap::new();
    for a in crate::attachments::list_for_messages(&app.db, &[message_id]).await? {
        let Some(cid) = a.content_id.clone() else {
            continue;
        };
        if !a.content_type.starts_with("image/") || a.size_bytes > INLINE_IMAGE_BYTES {
            continue;
        }
        let bytes = app
            .blobs
            .get(&a.blob_key)
            .await
            .map_err(|e| AppError::Internal(format!("while reading an inline image: {e}")))?;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        out.insert(cid, format!("data:{};base64,{data}", a.content_type));
    }
    Ok(out)
}

/// The signature a relay sends with a raw mail: `sha256=` and the hex HMAC-SHA256 of the
/// body under the inbox's ingest key.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

pub(crate) fn signed(secret: &str, body: &[u8], given: &str) -> bool {
    let Some(hex) = given.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(bytes) = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// A raw mail posted by a relay for an email inbox, checked against its signature.
pub async fn ingest_signed(
    app: &App,
    inbox_id: i64,
    given_signature: &str,
    raw: &[u8],
) -> AppResult<Ingested> {
    let account = store::find_account(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("email inbox"))?;
    if !signed(&account.ingest_secret, raw, given_signature) {
        return Err(AppError::Forbidden(
            "the signature does not match this inbox's ingest key".into(),
        ));
    }
    let inbox = kefu_store::inboxes::find(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("inbox"))?;
    ingest(app, &inbox, raw, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_key_over_the_same_bytes_verifies() {
        let sig = signature("k1", b"From: a@b.c\r\n\r\nhi");
        assert!(signed("k1", b"From: a@b.c\r\n\r\nhi", &sig));
        assert!(!signed("k2", b"From: a@b.c\r\n\r\nhi", &sig));
        assert!(!signed("k1", b"From: a@b.c\r\n\r\nHi", &sig));
        assert!(!signed("k1", b"x", "sha256=zz"));
        assert!(!signed("k1", b"x", ""));
    }
}
