//! Fuzz target: any bytes parse into a `ParsedMail` without panicking (also inside mail-parser,
//! which `parse` would otherwise contain), its HTML is sanitised, and no NUL is left in what
//! kefu stores (PostgreSQL takes none).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mail = kefu_channels::email::parse(data);
    assert!(
        !mail.problems.iter().any(|p| p.contains("panicked")),
        "{:?}",
        mail.problems
    );
    if let Some(html) = &mail.html {
        let lower = html.as_str().to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{lower}");
        assert!(!lower.contains('\0'));
    }
    let boxes = mail.from.iter().chain(&mail.reply_to).chain(&mail.to).chain(&mail.cc);
    let names = boxes.flat_map(|m| [Some(m.address.as_str()), m.name.as_deref()]);
    let files = mail.attachments.iter().map(|a| Some(a.filename.as_str()));
    let texts = [&mail.subject, &mail.text, &mail.text_new].map(|s| Some(s.as_str()));
    let ids = mail.message_id.iter().chain(&mail.in_reply_to).chain(&mail.references);
    for s in texts.into_iter().chain(names).chain(files).flatten().chain(ids.map(String::as_str)) {
        assert!(!s.contains('\0'), "NUL left in {s:?}");
    }
});
