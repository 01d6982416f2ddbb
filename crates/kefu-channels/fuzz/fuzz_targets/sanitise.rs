//! Fuzz target: sanitised HTML never contains script elements, frames, forms, event handlers
//! or remote image loads, before or after `cid:` rewriting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let safe = kefu_channels::email::sanitise_html(&html);
    for out in [safe.as_str().to_owned(), safe.with_cid(|_| Some("/a/1".into()))] {
        // Text `<` is always escaped in the output, so these can only be markup.
        let lower = out.to_ascii_lowercase();
        for banned in ["<script", "<iframe", "<form", "<object", "<embed", "<style", "<svg"] {
            assert!(!lower.contains(banned), "{banned} in {out}");
        }
        for needle in [" on", "\ton", "\non"] {
            for (i, _) in lower.match_indices(needle) {
                // An attribute named on* would be followed by `=` before any space or `>`.
                let rest = &lower[i + needle.len()..];
                let word: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
                let in_tag = lower[..i].rfind('<') > lower[..i].rfind('>');
                assert!(
                    !(in_tag && rest[word.len()..].starts_with('=')),
                    "handler in {out}"
                );
            }
        }
        assert!(!lower.contains("<img src=\"http"), "remote image in {out}");
        assert!(!lower.contains("<img src=\"//"), "remote image in {out}");
    }
});
