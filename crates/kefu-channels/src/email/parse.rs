//! From raw bytes to [`ParsedMail`]: headers, bodies, attachments and loop signals.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::filename::{fallback_name, safe_filename};
use super::fold::fold_quoted;
use super::headers::{clean_id, date, ids, mailboxes, ticket_number};
use super::html_text::html_to_text;
use super::sanitise::sanitise_html;
use super::{Attachment, Limits, ParsedMail, loops, repair, salvage};

/// Parses one raw message with the default [`Limits`]. Never fails and never panics.
pub fn parse(raw: &[u8]) -> ParsedMail {
    parse_with(raw, &Limits::default())
}

/// Parses one raw message, dropping attachment bytes beyond `limits`.
pub fn parse_with(raw: &[u8], limits: &Limits) -> ParsedMail {
    let mut problems = Vec::new();
    let repaired = repair::utf8_headers(raw, &mut problems);
    // mail-parser is fuzzed and promises not to panic; if it ever did, one bad message must
    // not stop the fetcher for every message after it, so it is kept as raw text instead.
    let parsed = catch_unwind(AssertUnwindSafe(|| parse_repaired(&repaired, limits)));
    let mut mail = match parsed {
        Ok(Some(mail)) => mail,
        Ok(None) => unparsable(raw, "no header section; kept as plain text"),
        Err(_) => unparsable(raw, "MIME parser panicked; kept as plain text"),
    };
    problems.append(&mut mail.problems);
    mail.problems = problems;
    without_nul(&mut mail);
    mail
}

/// Takes NUL characters out of everything read (`=00` in quoted-printable, a stray byte):
/// PostgreSQL stores no NUL in text nor in JSON, so one would stop the mail being stored,
/// and the fetch behind it. They carry nothing a person reads.
fn without_nul(mail: &mut ParsedMail) {
    fn clean(s: &mut String) {
        if s.contains('\0') {
            s.retain(|c| c != '\0');
        }
    }
    fn clean_mailbox(m: &mut super::Mailbox) {
        m.name.iter_mut().for_each(clean);
        clean(&mut m.address);
    }
    mail.message_id.iter_mut().for_each(clean);
    mail.in_reply_to.iter_mut().for_each(clean);
    mail.references.iter_mut().for_each(clean);
    mail.from.iter_mut().for_each(clean_mailbox);
    mail.reply_to.iter_mut().for_each(clean_mailbox);
    mail.to.iter_mut().for_each(clean_mailbox);
    mail.cc.iter_mut().for_each(clean_mailbox);
    for s in [&mut mail.subject, &mut mail.text, &mut mail.text_new] {
        clean(s);
    }
    if let Some(html) = &mail.html
        && html.as_str().contains('\0')
    {
        mail.html = Some(super::SafeHtml::from_stored(
            html.as_str().replace('\0', ""),
        ));
    }
    for a in &mut mail.attachments {
        clean(&mut a.filename);
        clean(&mut a.content_type);
        a.content_id.iter_mut().for_each(clean);
    }
    if let Some(b) = &mut mail.bounce {
        for s in [&mut b.original_message_id, &mut b.recipient, &mut b.status] {
            s.iter_mut().for_each(clean);
        }
        clean(&mut b.reason);
    }
    mail.problems.iter_mut().for_each(clean);
}

fn parse_repaired(raw: &[u8], limits: &Limits) -> Option<ParsedMail> {
    let parser = MessageParser::default();
    let message = parser.parse(raw)?;
    if let Some(subtype) = multipart_without_parts(&message)
        && let Some(fixed) = repair::with_sniffed_boundary(raw, &subtype)
        && let Some(reparsed) = parser.parse(&fixed)
        && multipart_without_parts(&reparsed).is_none()
    {
        let mut mail = read_message(&reparsed, limits);
        mail.problems
            .push("multipart boundary missing or unused; used the one the body uses".into());
        return Some(mail);
    }
    Some(read_message(&message, limits))
}

/// The multipart subtype when the message claims to be multipart but no part was found.
fn multipart_without_parts(message: &Message<'_>) -> Option<String> {
    let root = message.root_part();
    let ct = root.content_type()?;
    let has_parts = matches!(&root.body, PartType::Multipart(parts) if !parts.is_empty());
    (ct.ctype().eq_ignore_ascii_case("multipart") && !has_parts)
        .then(|| ct.subtype().unwrap_or("mixed").to_ascii_lowercase())
}

fn unparsable(raw: &[u8], problem: &str) -> ParsedMail {
    let text = normalise_newlines(&String::from_utf8_lossy(raw));
    ParsedMail {
        text_new: fold_quoted(&text),
        text,
        problems: vec![problem.to_owned()],
        ..ParsedMail::default()
    }
}

fn read_message(message: &Message<'_>, limits: &Limits) -> ParsedMail {
    let mut problems = Vec::new();
    let subject = message.subject().unwrap_or_default().trim().to_owned();
    let from = mailboxes(message.from()).into_iter().next();
    let mut text = normalise_newlines(&body_text(message, &mut problems));
    let html = body_html(message).map(|html| sanitise_html(&html));
    let mut attachments = attachments(message, limits, &mut problems);
    if text.is_empty()
        && html.is_none()
        && let Some((i, salvaged)) = salvage::unnamed_text_part(message)
    {
        problems.push(format!(
            "no text body; read the unnamed {} part as text",
            attachments[i].content_type
        ));
        attachments.remove(i);
        text = normalise_newlines(salvaged.trim_end());
    }
    let (auto, bounce) = loops::detect(message, from.as_ref(), &subject, &text);
    if message.parts.iter().any(|p| p.is_encoding_problem) {
        problems.push("a part was cut short or badly encoded; kept what was readable".into());
    }
    ParsedMail {
        message_id: message.message_id().and_then(clean_id),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        reply_to: mailboxes(message.reply_to()).into_iter().next(),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        ticket_number: ticket_number(&subject),
        date: date(message),
        text_new: fold_quoted(&text),
        text,
        html,
        attachments,
        auto,
        bounce,
        from,
        subject,
        problems,
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// All text body parts in display order, HTML-only parts converted to text.
fn body_text(message: &Message<'_>, problems: &mut Vec<String>) -> String {
    (0..message.text_body.len())
        .filter_map(|i| {
            let part = message.parts.get(*message.text_body.get(i)? as usize)?;
            if let Some(text) = salvage::lenient_text(message, part) {
                problems.push("broken base64 in a text part; decoded leniently".into());
                return Some(text);
            }
            match &part.body {
                PartType::Html(html) => Some(html_to_text(sanitise_html(html).as_str())),
                _ => message.body_text(i).map(|t| t.into_owned()),
            }
        })
        .map(|t| t.trim_end().to_owned())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The HTML body parts joined, when the message has real HTML (not text converted to HTML).
fn body_html(message: &Message<'_>) -> Option<String> {
    let html: Vec<&str> = message
        .html_body
        .iter()
        .filter_map(|&id| match &message.parts.get(id as usize)?.body {
            PartType::Html(html) => Some(html.as_ref()),
            _ => None,
        })
        .collect();
    (!html.is_empty()).then(|| html.join("\n"))
}

fn attachments(
    message: &Message<'_>,
    limits: &Limits,
    problems: &mut Vec<String>,
) -> Vec<Attachment> {
    let mut kept_bytes = 0usize;
    message
        .attachments()
        .map(|part| {
            let mut attachment = describe(part);
            let fits = attachment.size <= limits.attachment_bytes
                && kept_bytes + attachment.size <= limits.total_attachment_bytes;
            if fits {
                kept_bytes += attachment.size;
                attachment.bytes = part.contents().to_vec();
            } else {
                attachment.omitted = true;
                problems.push(format!(
                    "attachment {:?} ({} bytes) over the size limit; not kept",
                    attachment.filename, attachment.size
                ));
            }
            attachment
        })
        .collect()
}

/// An attachment's metadata (bytes are added by the caller within the limits).
fn describe(part: &MessagePart<'_>) -> Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| default_content_type(part).to_owned())
        .to_ascii_lowercase();
    let content_id = part.content_id().and_then(clean_id);
    let disposition_inline = part
        .content_disposition()
        .map(|cd| cd.ctype().eq_ignore_ascii_case("inline"));
    let inline = disposition_inline.unwrap_or(content_id.is_some());
    let name = part.attachment_name().map(str::to_owned).or_else(|| {
        part.message()
            .and_then(Message::subject)
            .map(|s| format!("{s}.eml"))
    });
    Attachment {
        filename: safe_filename(name.as_deref(), &fallback_name(&content_type)),
        content_type,
        content_id,
        inline,
        size: part.len(),
        omitted: false,
        bytes: Vec::new(),
    }
}

fn default_content_type(part: &MessagePart<'_>) -> &'static str {
    match part.body {
        PartType::Text(_) => "text/plain",
        PartType::Html(_) => "text/html",
        PartType::Message(_) => "message/rfc822",
        _ => "application/octet-stream",
    }
}
