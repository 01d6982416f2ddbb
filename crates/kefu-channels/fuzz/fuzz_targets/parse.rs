//! Fuzz target: any bytes parse into a `ParsedMail` without panicking (also inside mail-parser,
//! which `parse` would otherwise contain), and its HTML is sanitised.
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
    }
});
