//! Header reading on small inline messages: dates, address lists, ids, line endings.

use kefu_channels::email::{Mailbox, parse};

#[test]
fn the_date_becomes_a_utc_timestamp() {
    let mail = parse(b"Date: Mon, 15 Jan 2024 10:30:00 +0800\r\nSubject: x\r\n\r\nbody");
    assert_eq!(
        mail.date.map(|d| d.to_string()).as_deref(),
        Some("2024-01-15T02:30:00Z")
    );
}

#[test]
fn an_impossible_date_is_left_out() {
    let mail = parse(b"Date: Tue, 45 Foo 2024 99:99:99 +0800\r\nSubject: x\r\n\r\nbody");
    assert_eq!(mail.date, None);
}

#[test]
fn address_lists_and_groups_are_flattened_with_decoded_names() {
    let raw = "From: =?UTF-8?B?5byg5LiJ?= <zhang@example.cn>\r\n\
               Reply-To: orders@example.cn\r\n\
               To: a@example.com, \"B, Bee\" <b@example.com>\r\n\
               Cc: team: c@example.com, d@example.com;, undisclosed-recipients:;\r\n\
               Subject: x\r\n\r\nbody";
    let mail = parse(raw.as_bytes());
    let mb = |name: Option<&str>, address: &str| Mailbox {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    };
    assert_eq!(mail.from, Some(mb(Some("张三"), "zhang@example.cn")));
    assert_eq!(mail.reply_to, Some(mb(None, "orders@example.cn")));
    assert_eq!(
        mail.to,
        vec![
            mb(None, "a@example.com"),
            mb(Some("B, Bee"), "b@example.com")
        ]
    );
    let cc: Vec<&str> = mail.cc.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(cc, ["c@example.com", "d@example.com"]);
}

#[test]
fn bare_lf_messages_read_like_crlf_ones() {
    let crlf = parse(b"Message-ID: <a@b>\r\nSubject: [#7] hi\r\n\r\nline one\r\nline two\r\n");
    let lf = parse(b"Message-ID: <a@b>\nSubject: [#7] hi\n\nline one\nline two\n");
    assert_eq!(crlf.text, "line one\nline two");
    assert_eq!(lf.text, crlf.text);
    assert_eq!(lf.message_id.as_deref(), Some("a@b"));
    assert_eq!(lf.ticket_number, Some(7));
}

#[test]
fn ids_without_angle_brackets_are_still_read() {
    let mail = parse(b"Message-ID: bare@id\r\nIn-Reply-To: <x@y> <z@w>\r\nSubject: s\r\n\r\nb");
    assert_eq!(mail.message_id.as_deref(), Some("bare@id"));
    assert_eq!(mail.in_reply_to, ["x@y", "z@w"]);
}

#[test]
fn ordinary_customer_mail_may_trigger_replies_and_reopen() {
    let mail = parse(b"From: ann@example.com\r\nSubject: help\r\n\r\nmy order is late");
    assert!(mail.may_auto_reply() && mail.may_reopen());
    let auto =
        parse(b"From: ann@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: x\r\n\r\nb");
    assert!(!auto.may_auto_reply() && !auto.may_reopen());
}
