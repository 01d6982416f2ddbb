//! Outgoing mail as raw MIME: threading headers, the ticket tag, text and HTML, attachments.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};

/// How many Message-IDs `References` keeps: the thread's first plus the most recent ones, as
/// RFC 5322 §3.6.4 suggests, so long threads do not grow the header without bound.
pub const MAX_REFERENCES: usize = 20;

/// A name and address, e.g. `客服中心 <service@shop.example>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    pub name: Option<String>,
    pub address: String,
}

/// A file sent with the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// Shown to the recipient; non-ASCII names are encoded per RFC 2231.
    pub filename: String,
    /// e.g. `application/pdf`; anything unparsable is sent as `application/octet-stream`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Everything a reply needs. Bodies arrive rendered; the HTML body must already be safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: MailAddress,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    /// Receives a copy without appearing in the headers.
    pub bcc: Vec<MailAddress>,
    /// The conversation's subject; `Re:` and the ticket tag are added here when missing.
    pub subject: String,
    /// Appended to the subject as `[#10023]` once.
    pub ticket_number: Option<i64>,
    /// This message's id, chosen by the caller so it can be stored before sending.
    pub message_id: String,
    /// The Message-ID of the message answered, if this is a reply.
    pub in_reply_to: Option<String>,
    /// The `References` of the message answered (oldest first).
    pub references: Vec<String>,
    pub date: SystemTime,
    pub text: String,
    pub html: String,
    pub attachments: Vec<OutgoingAttachment>,
    /// Marks kefu's own automatic mail (acknowledgements, auto-replies) so that other
    /// robots do not answer it (RFC 3834).
    pub auto_submitted: bool,
}

/// The message as bytes plus the envelope to send it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedMail {
    pub raw: Vec<u8>,
    pub envelope_from: String,
    /// To, Cc and Bcc addresses.
    pub recipients: Vec<String>,
}

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("{address:?} is not a valid email address: {reason}")]
    InvalidAddress { address: String, reason: String },
    #[error("{0:?} is not a valid Message-ID (expected <local@domain>)")]
    InvalidMessageId(String),
    #[error("the message has no recipient")]
    NoRecipient,
    #[error("the message could not be assembled: {0}")]
    Build(#[from] lettre::error::Error),
}

/// Builds the raw MIME of `mail`.
pub fn compose(mail: &OutgoingMail) -> Result<ComposedMail, ComposeError> {
    if mail.to.is_empty() && mail.cc.is_empty() && mail.bcc.is_empty() {
        return Err(ComposeError::NoRecipient);
    }
    let mut builder = Message::builder()
        .from(mailbox(&mail.from)?)
        .subject(reply_subject(
            &mail.subject,
            mail.in_reply_to.is_some(),
            mail.ticket_number,
        ))
        .message_id(Some(message_id(&mail.message_id)?))
        .date(mail.date);
    for address in &mail.to {
        builder = builder.to(mailbox(address)?);
    }
    for address in &mail.cc {
        builder = builder.cc(mailbox(address)?);
    }
    for address in &mail.bcc {
        builder = builder.bcc(mailbox(address)?);
    }
    if let Some(parent) = &mail.in_reply_to {
        let parent = message_id(parent)?;
        builder = builder
            .in_reply_to(parent.clone())
            .references(references(&mail.references, &parent)?.join(" "));
    }
    if mail.auto_submitted {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".into(),
        ));
    }
    let message = builder.multipart(body(mail))?;
    let envelope = message.envelope();
    let recipients = envelope.to().iter().map(ToString::to_string).collect();
    Ok(ComposedMail {
        raw: message.formatted(),
        envelope_from: mail.from.address.clone(),
        recipients,
    })
}

/// `Re: 发票问题 [#10023]`: one line, `Re:` when replying and missing, the tag once.
pub fn reply_subject(subject: &str, is_reply: bool, ticket_number: Option<i64>) -> String {
    let mut line = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if is_reply && !has_reply_prefix(&line) {
        line = format!("Re: {line}");
    }
    if let Some(number) = ticket_number {
        let tag = format!("[#{number}]");
        if !line.contains(&tag) {
            line = format!("{line} {tag}");
        }
    }
    line.trim().to_owned()
}

fn has_reply_prefix(subject: &str) -> bool {
    let lower = subject.to_lowercase();
    ["re:", "re：", "aw:", "回复:", "回复：", "答复:", "答复："]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

/// The answered message's references plus its own id, keeping the first and the latest.
fn references(previous: &[String], parent: &str) -> Result<Vec<String>, ComposeError> {
    let mut ids = previous
        .iter()
        .map(|id| message_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    ids.retain(|id| id != parent);
    ids.push(parent.to_owned());
    if ids.len() > MAX_REFERENCES {
        let keep_from = ids.len() - (MAX_REFERENCES - 1);
        ids.drain(1..keep_from);
    }
    Ok(ids)
}

/// `id` in angle brackets, refusing anything that could break out of the header.
fn message_id(id: &str) -> Result<String, ComposeError> {
    let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
    let valid = !bare.is_empty()
        && bare.contains('@')
        && bare
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>'));
    if valid {
        Ok(format!("<{bare}>"))
    } else {
        Err(ComposeError::InvalidMessageId(id.to_owned()))
    }
}

fn mailbox(address: &MailAddress) -> Result<Mailbox, ComposeError> {
    let invalid = |reason: String| ComposeError::InvalidAddress {
        address: address.address.clone(),
        reason,
    };
    let email = address
        .address
        .trim()
        .parse()
        .map_err(|e| invalid(format!("{e}")))?;
    let name = address
        .name
        .as_deref()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, email))
}

fn body(mail: &OutgoingMail) -> MultiPart {
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    if mail.attachments.is_empty() {
        return alternative;
    }
    mail.attachments
        .iter()
        .fold(MultiPart::mixed().multipart(alternative), |parts, file| {
            parts.singlepart(attachment(file))
        })
}

fn attachment(file: &OutgoingAttachment) -> SinglePart {
    let content_type = ContentType::parse(&file.content_type)
        .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("valid"));
    MimeAttachment::new(file.filename.clone()).body(file.bytes.clone(), content_type)
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
