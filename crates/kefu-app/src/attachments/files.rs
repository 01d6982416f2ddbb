//! What a file is: a safe name to show and save it under, and a content type that
//! decides whether it may be shown inline (sniffed images only).

/// Image types shown inline when the bytes say so. Never SVG or HTML: they can run script.
pub const PREVIEWABLE: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The longest file name kept, in characters (the extension is kept when cutting).
const MAX_NAME_CHARS: usize = 180;

/// The image type the bytes begin with, if any of [`PREVIEWABLE`].
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Whether files of this (stored) type are shown inline.
pub fn previewable(content_type: &str) -> bool {
    PREVIEWABLE.contains(&content_type)
}

/// The type to store: the sniffed image type when the bytes are one; otherwise the
/// declared type if it is a well-formed `type/subtype` that does not claim to be a
/// previewable image; otherwise `application/octet-stream`.
pub fn content_type(declared: &str, sniffed: Option<&'static str>) -> String {
    if let Some(image) = sniffed {
        return image.to_owned();
    }
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, sub)) if token(t) && token(sub) && !previewable(&essence) => essence,
        _ => "application/octet-stream".to_owned(),
    }
}

/// The name to keep: the last path component, without control characters or path
/// separators, trimmed, at most 180 characters (Unicode such as `发票.pdf` is kept).
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '\u{202E}' | '\u{202D}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let name = if cleaned.is_empty() { "file" } else { cleaned };
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count();
    stem.chars().take(keep).collect::<String>() + &ext
}

/// A size for people: `512 B`, `3 KB`, `31 MB` (1 MB = 1,048,576 bytes, rounded up).
pub fn human_size(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    match bytes {
        b if b < KB => format!("{b} B"),
        b if b < MB => format!("{} KB", (b + KB - 1) / KB),
        b => format!("{} MB", (b + MB - 1) / MB),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn images_are_recognised_by_their_bytes_not_their_claims() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'>"),
            None
        );
        assert_eq!(sniff_image(b"<html><script>"), None);
    }

    #[test]
    fn a_file_claiming_to_be_an_image_is_not_trusted_for_preview() {
        assert_eq!(content_type("image/png", None), "application/octet-stream");
        assert_eq!(content_type("text/html; charset=utf-8", None), "text/html");
        assert_eq!(content_type("image/svg+xml", None), "image/svg+xml");
        assert!(!previewable(&content_type("image/svg+xml", None)));
        assert_eq!(content_type("application/pdf", None), "application/pdf");
        assert_eq!(content_type("", None), "application/octet-stream");
        assert_eq!(
            content_type("bad type\r\nX: y", None),
            "application/octet-stream"
        );
        assert_eq!(
            content_type("application/pdf", Some("image/png")),
            "image/png"
        );
    }

    #[test]
    fn file_names_keep_unicode_and_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("发票.pdf"), "发票.pdf");
        assert_eq!(clean_filename("C:\\Users\\王\\发票.pdf"), "发票.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\r\nb\u{0}.txt"), "ab.txt");
        assert_eq!(clean_filename("  "), "file");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename("evil\u{202E}fdp.exe"), "evilfdp.exe");
        let long = format!("{}.pdf", "长".repeat(300));
        let cut = clean_filename(&long);
        assert_eq!(cut.chars().count(), 180);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024), "3 KB");
        assert_eq!(human_size(20 * 1024 * 1024), "20 MB");
        assert_eq!(human_size(30 * 1024 * 1024 + 1), "31 MB");
    }

    proptest! {
        #[test]
        fn no_file_name_names_a_path_or_holds_a_control_character(raw in any::<String>()) {
            let name = clean_filename(&raw);
            prop_assert!(!name.is_empty());
            prop_assert!(!name.contains(['/', '\\']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(name != "." && name != "..");
        }
    }
}
