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
        for name in attribute_names(&lower) {
            assert!(!name.starts_with("on"), "handler {name} in {out}");
        }
        assert!(!lower.contains("<img src=\"http"), "remote image in {out}");
        assert!(!lower.contains("<img src=\"//"), "remote image in {out}");
    }
});

/// The attribute names of every tag, reading quoted values as values (an `on…=` inside a
/// quoted URL is text, not a handler).
fn attribute_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        // The tag name.
        while chars.peek().is_some_and(|c| !c.is_whitespace() && *c != '>') {
            chars.next();
        }
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace() || *c == '/') {
                chars.next();
            }
            match chars.peek() {
                None => return names,
                Some('>') => {
                    chars.next();
                    break;
                }
                _ => {}
            }
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '=' || c == '>' || c == '/' {
                    break;
                }
                name.push(c);
                chars.next();
            }
            if chars.peek() == Some(&'=') {
                chars.next();
                match chars.peek().copied() {
                    Some(q @ ('"' | '\'')) => {
                        chars.next();
                        for c in chars.by_ref() {
                            if c == q {
                                break;
                            }
                        }
                    }
                    _ => {
                        while chars.peek().is_some_and(|c| !c.is_whitespace() && *c != '>') {
                            chars.next();
                        }
                    }
                }
            }
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}
