//! Attachment file names made safe to store and offer for download.

/// Longest file name kept, in bytes (most file systems allow 255).
const MAX_FILENAME_BYTES: usize = 200;

/// A file name without path parts, control characters, characters Windows forbids or a leading
/// dot; `fallback` when nothing is left. The extension survives shortening.
pub(crate) fn safe_filename(name: Option<&str>, fallback: &str) -> String {
    let name = name.unwrap_or_default();
    // Keep only the last path component: "C:\\Users\\a\\b.pdf" and "../../etc/passwd" alike.
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    if cleaned.is_empty() {
        return fallback.to_owned();
    }
    shorten(cleaned)
}

fn shorten(name: &str) -> String {
    if name.len() <= MAX_FILENAME_BYTES {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut stem_end = MAX_FILENAME_BYTES - ext.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{ext}", &name[..stem_end])
}

/// A default name for an unnamed part, from its content type (`image/png` → `attachment.png`).
pub(crate) fn fallback_name(content_type: &str) -> String {
    let ext = match content_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        _ => "bin",
    };
    format!("attachment.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components_are_removed() {
        assert_eq!(safe_filename(Some("../../etc/passwd"), "x"), "passwd");
        assert_eq!(
            safe_filename(Some("C:\\Users\\ann\\发票.pdf"), "x"),
            "发票.pdf"
        );
    }

    #[test]
    fn hidden_and_empty_names_fall_back() {
        assert_eq!(
            safe_filename(Some("..."), "attachment.bin"),
            "attachment.bin"
        );
        assert_eq!(safe_filename(None, "attachment.bin"), "attachment.bin");
        assert_eq!(safe_filename(Some(".bashrc"), "x"), "bashrc");
    }

    #[test]
    fn control_and_reserved_characters_are_replaced() {
        assert_eq!(
            safe_filename(Some("a\u{0}b\r\n:c?.txt"), "x"),
            "a_b___c_.txt"
        );
    }

    #[test]
    fn long_names_keep_their_extension_within_the_limit() {
        let name = format!("{}.pdf", "报".repeat(100));
        let safe = safe_filename(Some(&name), "x");
        assert!(safe.len() <= MAX_FILENAME_BYTES);
        assert!(safe.ends_with(".pdf"));
    }
}
