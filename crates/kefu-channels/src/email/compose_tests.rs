//! Unit tests of outgoing MIME, read back with a real MIME parser.

use super::*;
use mail_parser::{MessageParser, MimeHeaders};

fn address(name: Option<&str>, address: &str) -> MailAddress {
    MailAddress {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

fn reply() -> OutgoingMail {
    OutgoingMail {
        from: address(Some("客服中心"), "service@shop.example"),
        to: vec![address(Some("王先生"), "wang@customer.example")],
        cc: vec![address(None, "boss@customer.example")],
        bcc: vec![],
        subject: "发票问题".into(),
        ticket_number: Some(10_023),
        message_id: "<kefu.42@shop.example>".into(),
        in_reply_to: Some("<c2@customer.example>".into()),
        references: vec!["<c1@customer.example>".into()],
        date: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_750_000_000),
        text: "您好，发票已开。\n\n-- \n客服小李".into(),
        html: "<p>您好，发票已开。</p><p>-- <br>客服小李</p>".into(),
        attachments: vec![OutgoingAttachment {
            filename: "发票.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 fake".to_vec(),
        }],
        auto_submitted: false,
    }
}

#[test]
fn a_reply_carries_threading_headers_both_bodies_and_the_attachment() {
    let composed = compose(&reply()).unwrap();
    let parsed = MessageParser::default().parse(&composed.raw).unwrap();

    assert_eq!(parsed.subject(), Some("Re: 发票问题 [#10023]"));
    assert_eq!(parsed.message_id(), Some("kefu.42@shop.example"));
    assert_eq!(parsed.in_reply_to().as_text(), Some("c2@customer.example"));
    let references: Vec<&str> = parsed
        .references()
        .as_text_list()
        .unwrap()
        .iter()
        .map(|r| r.as_ref())
        .collect();
    assert_eq!(references, ["c1@customer.example", "c2@customer.example"]);
    assert_eq!(
        parsed.from().unwrap().first().unwrap().name(),
        Some("客服中心")
    );
    assert_eq!(
        parsed.body_text(0).unwrap().replace("\r\n", "\n"),
        "您好，发票已开。\n\n-- \n客服小李"
    );
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("<p>您好，发票已开。</p>")
    );
    let attachment = parsed.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("发票.pdf"));
    assert_eq!(attachment.contents(), b"%PDF-1.4 fake");
    assert!(parsed.header("Auto-Submitted").is_none());
}

#[test]
fn the_envelope_lists_to_cc_and_bcc_but_the_headers_hide_bcc() {
    let mut mail = reply();
    mail.bcc = vec![address(None, "archive@shop.example")];
    let composed = compose(&mail).unwrap();

    assert_eq!(composed.envelope_from, "service@shop.example");
    assert_eq!(
        composed.recipients,
        [
            "wang@customer.example",
            "boss@customer.example",
            "archive@shop.example"
        ]
    );
    let raw = String::from_utf8_lossy(&composed.raw);
    assert!(!raw.contains("archive@shop.example"), "{raw}");
}

#[test]
fn non_ascii_filenames_use_rfc_2231() {
    let raw = String::from_utf8(compose(&reply()).unwrap().raw).unwrap();
    // `filename*0*=` is RFC 2231's continuation form; one segment is enough here.
    assert!(
        raw.contains("filename*0*=utf-8''%E5%8F%91%E7%A5%A8.pdf"),
        "{raw}"
    );
}

#[test]
fn the_ticket_tag_and_re_are_added_once() {
    assert_eq!(
        reply_subject("Re: 发票问题 [#10023]", true, Some(10_023)),
        "Re: 发票问题 [#10023]"
    );
    assert_eq!(
        reply_subject("回复：发票", true, Some(7)),
        "回复：发票 [#7]"
    );
    assert_eq!(reply_subject("RE: x", true, None), "RE: x");
    assert_eq!(
        reply_subject("新工单", false, Some(10_001)),
        "新工单 [#10001]"
    );
    assert_eq!(reply_subject("a\r\nBcc: x@y", false, None), "a Bcc: x@y");
}

#[test]
fn kefus_own_auto_replies_are_marked_auto_submitted() {
    let mut mail = reply();
    mail.auto_submitted = true;
    let composed = compose(&mail).unwrap();
    let parsed = MessageParser::default().parse(&composed.raw).unwrap();
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied")
    );
}

#[test]
fn long_threads_keep_the_first_and_the_latest_references() {
    let mut mail = reply();
    mail.references = (1..=40)
        .map(|i| format!("<m{i}@customer.example>"))
        .collect();
    let composed = compose(&mail).unwrap();
    let parsed = MessageParser::default().parse(&composed.raw).unwrap();
    let references = parsed.references().as_text_list().unwrap();

    assert_eq!(references.len(), MAX_REFERENCES);
    assert_eq!(references[0], "m1@customer.example");
    assert_eq!(references[MAX_REFERENCES - 2], "m40@customer.example");
    assert_eq!(references[MAX_REFERENCES - 1], "c2@customer.example");
    let raw = String::from_utf8(composed.raw).unwrap();
    assert!(raw.lines().all(|line| line.len() <= 998));
}

#[test]
fn a_message_id_that_could_inject_headers_is_refused() {
    let mut mail = reply();
    mail.message_id = "<x@y>\r\nBcc: victim@example.com".into();
    assert!(matches!(
        compose(&mail),
        Err(ComposeError::InvalidMessageId(_))
    ));
}

#[test]
fn a_mail_without_recipients_is_refused() {
    let mut mail = reply();
    mail.to.clear();
    mail.cc.clear();
    assert!(matches!(compose(&mail), Err(ComposeError::NoRecipient)));
}

#[test]
fn a_bad_address_names_itself_in_the_error() {
    let mut mail = reply();
    mail.to = vec![address(None, "not-an-address")];
    let err = compose(&mail).unwrap_err();
    assert!(err.to_string().contains("not-an-address"), "{err}");
}
