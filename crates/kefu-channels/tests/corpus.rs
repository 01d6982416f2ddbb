//! The MIME corpus (tests/corpus/NAME.eml with NAME.json, written by make_corpus.py): every
//! message parses, and what kefu reads matches what the expectations file says.

use std::path::{Path, PathBuf};

use kefu_channels::email::{AutoKind, Limits, ParsedMail, parse_with};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    limits: Option<ExpectLimits>,
    subject: Option<String>,
    from: Option<String>,
    from_name: Option<String>,
    message_id: Option<String>,
    in_reply_to: Option<Vec<String>>,
    references: Option<Vec<String>>,
    ticket_number: Option<u64>,
    #[serde(default)]
    text_contains: Vec<String>,
    #[serde(default)]
    text_not_contains: Vec<String>,
    text_new: Option<String>,
    #[serde(default)]
    html_contains: Vec<String>,
    #[serde(default)]
    html_not_contains: Vec<String>,
    #[serde(default)]
    attachments: Vec<ExpectAttachment>,
    auto: Option<String>,
    bounce: Option<ExpectBounce>,
    problems: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectLimits {
    attachment_bytes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectAttachment {
    filename: String,
    content_type: String,
    inline: bool,
    size: Option<usize>,
    omitted: Option<bool>,
    content_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectBounce {
    original_message_id: Option<String>,
    recipient: Option<String>,
    status: Option<String>,
    reason: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn corpus() -> Vec<(String, Vec<u8>, Expect)> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".eml").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let dir = corpus_dir();
            let raw = std::fs::read(dir.join(format!("{name}.eml"))).expect("eml");
            let json = std::fs::read_to_string(dir.join(format!("{name}.json")))
                .unwrap_or_else(|_| panic!("{name}.json is missing"));
            let expect = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}.json: {e}"));
            (name, raw, expect)
        })
        .collect()
}

fn auto_name(auto: Option<AutoKind>) -> Option<String> {
    auto.map(|a| format!("{a:?}"))
}

/// Every mismatch between a parsed message and its expectations, as readable lines.
fn mismatches(mail: &ParsedMail, expect: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, ok: bool, got: String| {
        if !ok {
            out.push(format!("{what}: got {got}"));
        }
    };
    if let Some(subject) = &expect.subject {
        check(
            "subject",
            &mail.subject == subject,
            format!("{:?}", mail.subject),
        );
    }
    let from = mail.from.as_ref();
    if let Some(address) = &expect.from {
        check(
            "from",
            from.map(|f| &f.address) == Some(address),
            format!("{from:?}"),
        );
    }
    if let Some(name) = &expect.from_name {
        check(
            "from name",
            from.and_then(|f| f.name.as_ref()) == Some(name),
            format!("{from:?}"),
        );
    }
    if let Some(id) = &expect.message_id {
        check(
            "message id",
            mail.message_id.as_ref() == Some(id),
            format!("{:?}", mail.message_id),
        );
    }
    if let Some(ids) = &expect.in_reply_to {
        check(
            "in-reply-to",
            &mail.in_reply_to == ids,
            format!("{:?}", mail.in_reply_to),
        );
    }
    if let Some(ids) = &expect.references {
        check(
            "references",
            &mail.references == ids,
            format!("{:?}", mail.references),
        );
    }
    if let Some(n) = expect.ticket_number {
        check(
            "ticket number",
            mail.ticket_number == Some(n),
            format!("{:?}", mail.ticket_number),
        );
    }
    for s in &expect.text_contains {
        check(
            &format!("text contains {s:?}"),
            mail.text.contains(s.as_str()),
            format!("{:?}", mail.text),
        );
    }
    for s in &expect.text_not_contains {
        check(
            &format!("text lacks {s:?}"),
            !mail.text.contains(s.as_str()),
            format!("{:?}", mail.text),
        );
    }
    if let Some(text_new) = &expect.text_new {
        check(
            "text_new",
            &mail.text_new == text_new,
            format!("{:?}", mail.text_new),
        );
    }
    let html = mail.html.as_ref().map(|h| h.as_str()).unwrap_or_default();
    for s in &expect.html_contains {
        check(
            &format!("html contains {s:?}"),
            html.contains(s.as_str()),
            html.to_owned(),
        );
    }
    for s in &expect.html_not_contains {
        check(
            &format!("html lacks {s:?}"),
            !html.contains(s.as_str()),
            html.to_owned(),
        );
    }
    check(
        "auto",
        auto_name(mail.auto) == expect.auto,
        format!("{:?}", mail.auto),
    );
    check_bounce(mail, expect, &mut check);
    check_attachments(mail, expect, &mut check);
    if let Some(problems) = expect.problems {
        check(
            "problems",
            mail.problems.is_empty() != problems,
            format!("{:?}", mail.problems),
        );
    }
    out
}

fn check_bounce(mail: &ParsedMail, expect: &Expect, check: &mut impl FnMut(&str, bool, String)) {
    let got = format!("{:?}", mail.bounce);
    match (&mail.bounce, &expect.bounce) {
        (None, None) => {}
        (Some(b), Some(e)) => {
            check(
                "bounce original id",
                b.original_message_id == e.original_message_id,
                got.clone(),
            );
            check("bounce recipient", b.recipient == e.recipient, got.clone());
            check("bounce status", b.status == e.status, got.clone());
            check("bounce reason", b.reason == e.reason, got);
        }
        _ => check("bounce", false, got),
    }
}

fn check_attachments(
    mail: &ParsedMail,
    expect: &Expect,
    check: &mut impl FnMut(&str, bool, String),
) {
    let got = format!(
        "{:?}",
        mail.attachments
            .iter()
            .map(|a| (
                &a.filename,
                &a.content_type,
                a.inline,
                a.size,
                a.omitted,
                &a.content_id
            ))
            .collect::<Vec<_>>()
    );
    check(
        "attachment count",
        mail.attachments.len() == expect.attachments.len(),
        got.clone(),
    );
    for (a, e) in mail.attachments.iter().zip(&expect.attachments) {
        let ok = a.filename == e.filename
            && a.content_type == e.content_type
            && a.inline == e.inline
            && e.size.is_none_or(|s| s == a.size)
            && e.omitted.is_none_or(|o| o == a.omitted)
            && (a.omitted || a.bytes.len() == a.size)
            && (!a.omitted || a.bytes.is_empty())
            && (e.content_id.is_none() || e.content_id == a.content_id);
        check(&format!("attachment {:?}", e.filename), ok, got.clone());
    }
}

#[test]
fn every_corpus_message_reads_as_its_expectations_say() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 30,
        "corpus has only {} messages",
        corpus.len()
    );
    let mut failures = Vec::new();
    for (name, raw, expect) in &corpus {
        let limits = expect
            .limits
            .as_ref()
            .map_or_else(Limits::default, |l| Limits {
                attachment_bytes: l.attachment_bytes,
                ..Limits::default()
            });
        let mail = parse_with(raw, &limits);
        for m in mismatches(&mail, expect) {
            failures.push(format!("{name}: {m}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_required_charset_has_a_corpus_message() {
    let names: Vec<String> = corpus().into_iter().map(|(n, _, _)| n).collect();
    for charset in [
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "shift_jis",
        "euc_kr",
        "koi8_r",
        "windows_1251",
    ] {
        assert!(
            names.contains(&format!("charset_{charset}")),
            "no corpus message for {charset}"
        );
    }
}
