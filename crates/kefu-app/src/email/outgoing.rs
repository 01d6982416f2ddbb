//! Replies out: every outgoing message of an email inbox is remembered as a mail and
//! queued in the same transaction, then sent through the inbox's SMTP server by a job.
//!
//! A crash between "send" and "sent" neither loses nor repeats a reply. Before handing a
//! reply to the SMTP server kefu notes when it began (`sending_at`), and an inbox that
//! fetches gets a copy of every reply (the inbox's own address is an extra envelope
//! recipient; the copy is not in the headers). When the copy comes back through the fetch
//! it proves the server took the reply, which is then marked sent. A hand-over found begun
//! but unfinished [`IN_DOUBT_MS`] later (its sender stopped) is settled by looking for the
//! copy in the mailbox: there, it is marked sent; not there, it is sent again. An inbox
//! that only sends (no IMAP) cannot look, and sends it again — with the same Message-ID,
//! by which mail clients show it once.

use crate::auth::random_hex;
use crate::email::settings::{imap_config, smtp_config};
use crate::events::{append, commit};
use crate::{App, AppError, AppResult};
use kefu_channels::email::compose::{MailAddress, OutgoingAttachment, OutgoingMail, compose};
use kefu_channels::email::smtp::{self, SmtpError};
use kefu_domain::time::now_ms;
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::email::{self as store, EmailAccountRow, EmailMessageRow, NewEmailMessage};
use kefu_store::jobs::{self, MAX_ATTEMPTS};
use kefu_store::messages::MessageRow;
use kefu_store::{Tx, contacts};
use serde_json::json;

/// The job that sends one queued reply.
pub const SEND_MAIL: &str = "email.send";

/// How long after a hand-over began it may still be under way (SMTP's own timeouts are a
/// few minutes); after this its sender is taken to have stopped.
pub const IN_DOUBT_MS: i64 = 10 * 60_000;

/// For an outgoing message in an email inbox: remembers it as a mail to the customer and
/// queues it. Nothing for other inboxes.
pub(crate) async fn queue_in_tx(
    tx: &mut Tx,
    conversation: &ConversationRow,
    message: &MessageRow,
    now: i64,
) -> AppResult<()> {
    let Some(account) = store::find_account_in_tx(tx, conversation.inbox_id).await? else {
        return Ok(());
    };
    let last_in = store::last_inbound(tx, conversation.id).await?;
    let to = match last_in.as_ref().and_then(|m| m.from_address.clone()) {
        Some(a) => Some(a),
        None => contacts::identities_in_tx(tx, conversation.contact_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email")
            .map(|i| i.value),
    };
    let domain = account
        .address
        .rsplit_once('@')
        .map_or("kefu.invalid", |(_, d)| d);
    let rfc = format!("kefu.{}.{}@{domain}", message.id, random_hex(6));
    let subject = conversation
        .subject
        .clone()
        .or_else(|| last_in.as_ref().map(|m| m.subject.clone()))
        .unwrap_or_default();
    let to_list: Vec<String> = to.iter().cloned().collect();
    let row = NewEmailMessage {
        message_id: message.id,
        inbox_id: conversation.inbox_id,
        conversation_id: conversation.id,
        direction: "out",
        rfc_message_id: &rfc,
        in_reply_to: last_in.as_ref().map(|m| m.rfc_message_id.as_str()),
        subject: &subject,
        from_address: Some(&account.address),
        to: &to_list,
        cc: &[],
        html: None,
        full_text: None,
        automatic: None,
        delivery: Some("queued"),
        now,
    };
    store::insert_message(tx, &row).await?;
    if to.is_none() {
        store::mark_failed(
            tx,
            message.id,
            "the customer has no email address to reply to",
        )
        .await?;
        return Ok(());
    }
    let payload = json!({ "message_id": message.id });
    jobs::enqueue(
        tx,
        SEND_MAIL,
        &format!("{}.0", message.id),
        &payload,
        now,
        now,
    )
    .await?;
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A signature with `{{agent_name}}` and `{{inbox_name}}` filled in.
fn fill(signature: &str, agent: &str, inbox: &str) -> String {
    signature
        .replace("{{agent_name}}", agent)
        .replace("{{inbox_name}}", inbox)
}

/// The reply's text and HTML parts, each with the inbox's signature.
fn bodies(account: &EmailAccountRow, body: &str, agent: &str, inbox: &str) -> (String, String) {
    let mut text = body.to_owned();
    let paragraphs: String = body
        .split('\n')
        .map(|line| format!("{}<br>", escape(line)))
        .collect();
    let mut html = format!("<div>{paragraphs}</div>");
    if let Some(sig) = &account.signature_text {
        text.push_str("\n\n-- \n");
        text.push_str(&fill(sig, agent, inbox));
    }
    match (&account.signature_html, &account.signature_text) {
        (Some(sig), _) => {
            // The names are text inside the admin's HTML: escaped, so `A<B` reads as written.
            let filled = fill(sig, &escape(agent), &escape(inbox));
            let safe = kefu_channels::email::sanitise_html(&filled);
            html.push_str(&format!("<div class=\"signature\">{}</div>", safe.as_str()));
        }
        (None, Some(sig)) => {
            let sig = escape(&fill(sig, agent, inbox)).replace('\n', "<br>");
            html.push_str(&format!("<div class=\"signature\">-- <br>{sig}</div>"));
        }
        (None, None) => {}
    }
    (
        text,
        format!("<!doctype html><html><body>{html}</body></html>"),
    )
}

/// What the send job needs, read in one go.
struct Reply {
    files: Vec<OutgoingAttachment>,
    mail: EmailMessageRow,
    account: EmailAccountRow,
    message: MessageRow,
    conversation: ConversationRow,
    references: Vec<String>,
}

async fn load(app: &App, message_id: i64) -> AppResult<Option<Reply>> {
    let Some(mail) = store::find_message(&app.db, message_id).await? else {
        return Ok(None);
    };
    if mail.direction != "out" || mail.delivery.as_deref() != Some("queued") {
        return Ok(None);
    }
    let account = store::find_account(&app.db, mail.inbox_id)
        .await?
        .ok_or(AppError::NotFound("email inbox"))?;
    let message = kefu_store::messages::find(&app.db, message_id)
        .await?
        .ok_or(AppError::NotFound("message"))?;
    let conversation = conversations::find(&app.db, mail.conversation_id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let mut tx = app.db.begin_read().await?;
    let mut references = store::thread_ids(&mut tx, mail.conversation_id, 50).await?;
    drop(tx);
    references.retain(|id| *id != mail.rfc_message_id);
    references.reverse();
    let mut files = Vec::new();
    for a in crate::attachments::list_for_messages(&app.db, &[message_id]).await? {
        let bytes = app
            .blobs
            .get(&a.blob_key)
            .await
            .map_err(|e| AppError::Internal(format!("while reading an attachment: {e}")))?;
        files.push(OutgoingAttachment {
            filename: a.filename,
            content_type: a.content_type,
            bytes,
        });
    }
    Ok(Some(Reply {
        files,
        mail,
        account,
        message,
        conversation,
        references,
    }))
}

fn outgoing(r: &Reply) -> OutgoingMail {
    let agent = r.message.author_name.clone().unwrap_or_default();
    let (text, html) = bodies(
        &r.account,
        &r.message.body,
        &agent,
        &r.conversation.inbox_name,
    );
    OutgoingMail {
        from: MailAddress {
            name: r
                .account
                .sender_name
                .clone()
                .or_else(|| Some(r.conversation.inbox_name.clone())),
            address: r.account.address.clone(),
        },
        to: r
            .mail
            .to_addresses
            .0
            .iter()
            .map(|a| MailAddress {
                name: None,
                address: a.clone(),
            })
            .collect(),
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: r.mail.subject.clone(),
        ticket_number: Some(r.conversation.ticket_number),
        message_id: r.mail.rfc_message_id.clone(),
        in_reply_to: r.mail.in_reply_to.clone(),
        references: r.references.clone(),
        date: std::time::SystemTime::now(),
        text,
        html,
        attachments: r.files.clone(),
        // kefu's own auto-replies have no author.
        auto_submitted: r.message.author_user_id.is_none(),
    }
}

/// Tells the conversation's viewers how a reply's delivery went.
async fn announce(app: &App, r: &Reply, delivery: &str, failure: Option<&str>) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let payload =
        json!({ "message_id": r.mail.message_id, "delivery": delivery, "failure": failure });
    append(
        app,
        &mut tx,
        "message.delivery",
        Some(r.mail.conversation_id),
        Some(r.mail.inbox_id),
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await
}

/// Sends one queued reply (the `email.send` job). A refusal (5xx, a bad address) marks it
/// failed with the server's words; a transient failure keeps it queued with the reason and
/// returns an error so the job runs again later, until the attempts run out.
pub async fn send(app: &App, message_id: i64, attempts: i32) -> AppResult<()> {
    let Some(r) = load(app, message_id).await? else {
        return Ok(());
    };
    let Some(config) = smtp_config(&r.account) else {
        let why = "this inbox has no SMTP server to send through";
        store::set_delivery(&app.db, message_id, "failed", Some(why), None).await?;
        return announce(app, &r, "failed", Some(why)).await;
    };
    let composed = match compose(&outgoing(&r)) {
        Ok(c) => c,
        Err(e) => {
            let why = e.to_string();
            store::set_delivery(&app.db, message_id, "failed", Some(&why), None).await?;
            return announce(app, &r, "failed", Some(&why)).await;
        }
    };
    let fetches = imap_config(&r.account);
    if let Some(began) = r.mail.sending_at {
        // Another run is handing it over, or was when it stopped: look again once that
        // hand-over can no longer be under way.
        if now_ms() - began < IN_DOUBT_MS {
            return look_again(app, message_id, began + IN_DOUBT_MS).await;
        }
        // Its sender stopped mid-way: did the server take it?
        if let Some(imap) = &fetches {
            match copy_arrived(imap, &r.mail.rfc_message_id).await {
                Ok(true) => {
                    store::set_delivery(&app.db, message_id, "sent", None, Some(now_ms())).await?;
                    return announce(app, &r, "sent", None).await;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(message = message_id, error = %e, "mailbox not readable; looking again later");
                    return look_again(app, message_id, now_ms() + IN_DOUBT_MS).await;
                }
            }
        }
    }
    if !store::claim_sending(&app.db, message_id, r.mail.sending_at, now_ms()).await? {
        return look_again(app, message_id, now_ms() + IN_DOUBT_MS).await;
    }
    let mut recipients = composed.recipients.clone();
    if fetches.is_some() && !recipients.contains(&r.account.address) {
        recipients.push(r.account.address.clone());
    }
    let sent = smtp::send(&config, &composed.envelope_from, &recipients, &composed.raw).await;
    match sent {
        Ok(()) => {
            store::set_delivery(&app.db, message_id, "sent", None, Some(now_ms())).await?;
            announce(app, &r, "sent", None).await
        }
        Err(e @ SmtpError::Transient { .. }) if attempts < MAX_ATTEMPTS => {
            let why = e.to_string();
            store::set_delivery(&app.db, message_id, "queued", Some(&why), None).await?;
            announce(app, &r, "queued", Some(&why)).await?;
            Err(AppError::Internal(format!(
                "sending mail {message_id}: {why}"
            )))
        }
        Err(e) => {
            let why = e.to_string();
            store::set_delivery(&app.db, message_id, "failed", Some(&why), None).await?;
            announce(app, &r, "failed", Some(&why)).await
        }
    }
}

/// Runs the send job for a reply again at `at` (once per time: a repeat changes nothing).
async fn look_again(app: &App, message_id: i64, at: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let payload = json!({ "message_id": message_id });
    let key = format!("{message_id}.check.{at}");
    jobs::enqueue(&mut tx, SEND_MAIL, &key, &payload, at, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the copy of a reply is in the inbox's mailbox (the server took the reply).
async fn copy_arrived(
    imap: &kefu_channels::email::imap::ImapConfig,
    rfc: &str,
) -> Result<bool, kefu_channels::email::imap::ImapError> {
    let looked = async {
        let mut client = kefu_channels::email::imap::ImapClient::connect(imap).await?;
        client.select().await?;
        let found = client.contains_message_id(rfc).await;
        client.logout().await;
        found
    };
    looked.await
}

/// Puts a failed reply back in the queue (an agent asks from the conversation).
pub async fn retry(app: &App, actor: &crate::Actor, message_id: i64) -> AppResult<()> {
    actor.require(kefu_domain::Permission::WorkConversations)?;
    let mut tx = app.db.begin().await?;
    if store::requeue(&mut tx, message_id).await? == 0 {
        return Err(AppError::Conflict {
            code: "not_failed",
            message: "only a reply whose delivery failed can be sent again".into(),
            existing_id: None,
        });
    }
    let now = now_ms();
    let payload = json!({ "message_id": message_id });
    jobs::enqueue(
        &mut tx,
        SEND_MAIL,
        &format!("{message_id}.{now}"),
        &payload,
        now,
        now,
    )
    .await?;
    commit(app, tx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_the_reply_and_fills_the_signature() {
        let account = EmailAccountRow {
            inbox_id: 1,
            address: "service@shop.example".into(),
            sender_name: None,
            imap_host: None,
            imap_port: None,
            imap_security: "tls".into(),
            imap_username: None,
            imap_auth: "password".into(),
            imap_secret: None,
            imap_mailbox: "INBOX".into(),
            smtp_host: None,
            smtp_port: None,
            smtp_security: "tls".into(),
            smtp_username: None,
            smtp_auth: "password".into(),
            smtp_secret: None,
            signature_text: Some("{{agent_name}} · {{inbox_name}}".into()),
            signature_html: None,
            tls_ca_pem: None,
            ingest_secret: String::new(),
            uid_validity: None,
            last_uid: 0,
            lease_owner: None,
            lease_until: None,
            last_fetch_at: None,
            last_error: None,
            created_at: 0,
            updated_at: 0,
        };
        let (text, html) = bodies(&account, "<b>您好</b>\n第二行", "小王", "星辰数码");
        assert!(text.ends_with("-- \n小王 · 星辰数码"), "{text}");
        assert!(
            html.contains("&lt;b&gt;您好&lt;/b&gt;<br>第二行<br>"),
            "{html}"
        );
        assert!(html.contains("小王 · 星辰数码"));

        // An HTML signature: the admin's markup kept, the names filled in as text.
        let html_signature = EmailAccountRow {
            signature_html: Some(
                "<p><b>{{agent_name}}</b> | {{inbox_name}}<script>x()</script></p>".into(),
            ),
            ..account
        };
        let (text, html) = bodies(&html_signature, "好的", "Lee <VIP>", "A&B 店");
        assert!(text.ends_with("-- \nLee <VIP> · A&B 店"), "{text}");
        assert!(
            html.contains("<b>Lee &lt;VIP&gt;</b> | A&amp;B 店"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }
}
