//! Repairs made on the raw bytes before MIME parsing: header sections written in a local
//! charset instead of RFC 2047 (common from older Chinese, Japanese and Russian mail clients).

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_8, WINDOWS_1252};

/// How far into the message to look for a `charset=` that tells how 8-bit headers are written.
const CHARSET_SNIFF_BYTES: usize = 64 * 1024;

/// Returns the message with its top-level header section transcoded to UTF-8 when it is not
/// valid UTF-8; otherwise the input unchanged. The body is left as it is.
pub(crate) fn utf8_headers<'a>(raw: &'a [u8], problems: &mut Vec<String>) -> Cow<'a, [u8]> {
    let end = header_end(raw);
    let head = &raw[..end];
    if std::str::from_utf8(head).is_ok() {
        return Cow::Borrowed(raw);
    }
    let encoding = guess_header_encoding(head, &raw[..raw.len().min(CHARSET_SNIFF_BYTES)]);
    let (text, _) = encoding.decode_without_bom_handling(head);
    problems.push(format!(
        "8-bit header section decoded as {}",
        encoding.name()
    ));
    let mut fixed = Vec::with_capacity(text.len() + raw.len() - end);
    fixed.extend_from_slice(text.as_bytes());
    fixed.extend_from_slice(&raw[end..]);
    Cow::Owned(fixed)
}

/// For a multipart message whose declared boundary is missing or never used: the message with
/// its Content-Type rewritten to the boundary the body actually uses (the first `--token` line
/// followed by a part header), or `None` when the body shows no such line.
pub(crate) fn with_sniffed_boundary(raw: &[u8], subtype: &str) -> Option<Vec<u8>> {
    let end = header_end(raw);
    let boundary = raw[end..]
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|w| boundary_line(w[0]).filter(|_| looks_like_part_header(w[1])))?;
    let mut fixed = Vec::with_capacity(raw.len() + 64);
    let mut skipping_content_type = false;
    for line in raw[..end].split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            skipping_content_type =
                line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"content-type:");
        }
        if !skipping_content_type {
            fixed.extend_from_slice(line);
        }
    }
    let subtype: String = subtype
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    fixed.extend_from_slice(format!("Content-Type: multipart/{subtype}; boundary=\"").as_bytes());
    fixed.extend_from_slice(boundary);
    fixed.extend_from_slice(b"\"\r\n");
    fixed.extend_from_slice(&raw[end..]);
    Some(fixed)
}

/// The boundary of a `--boundary` line (RFC 2046 characters, 1 to 70 of them).
fn boundary_line(line: &[u8]) -> Option<&[u8]> {
    let token = line.strip_prefix(b"--")?.trim_ascii_end();
    let ok = (1..=70).contains(&token.len())
        && !token.starts_with(b"-")
        && token
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(b));
    ok.then_some(token)
}

fn looks_like_part_header(line: &[u8]) -> bool {
    line.len() >= 8 && line[..8].eq_ignore_ascii_case(b"content-")
}

/// Offset just past the blank line ending the header section (or the whole input).
fn header_end(raw: &[u8]) -> usize {
    let mut line_start = 0;
    while line_start < raw.len() {
        let line_end = raw[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| line_start + i + 1);
        let line = &raw[line_start..line_end];
        if line == b"\n" || line == b"\r\n" {
            return line_start;
        }
        line_start = line_end;
    }
    raw.len()
}

/// The declared charset when it decodes the headers cleanly, else GB18030 (the usual culprit,
/// and a superset of GBK and GB2312), else windows-1252, which accepts every byte.
fn guess_header_encoding(head: &[u8], sniff: &[u8]) -> &'static Encoding {
    let declared = declared_charset(sniff).and_then(|label| Encoding::for_label(&label));
    declared
        .into_iter()
        .filter(|e| *e != UTF_8)
        .chain([GB18030, WINDOWS_1252])
        .find(|e| {
            e.decode_without_bom_handling_and_without_replacement(head)
                .is_some()
        })
        .unwrap_or(WINDOWS_1252)
}

/// The first `charset=` parameter value found in the bytes, if any.
fn declared_charset(bytes: &[u8]) -> Option<Vec<u8>> {
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    let needle = b"charset=";
    let start = lower.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let value: Vec<u8> = lower[start..]
        .iter()
        .copied()
        .skip_while(|&b| b == b'"' || b == b'\'')
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        .collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_a_body_really_uses_replaces_the_declared_one() {
        let raw = b"Subject: x\r\nContent-Type: multipart/mixed;\r\n boundary=\"nope\"\r\n\r\n--real\r\nContent-Type: text/plain\r\n\r\nhi\r\n--real--\r\n";
        let fixed = with_sniffed_boundary(raw, "mixed").expect("boundary found");
        let text = String::from_utf8(fixed).expect("utf-8");
        assert!(text.starts_with(
            "Subject: x\r\nContent-Type: multipart/mixed; boundary=\"real\"\r\n\r\n--real"
        ));
    }

    #[test]
    fn a_body_without_boundary_lines_is_not_rewritten() {
        assert!(
            with_sniffed_boundary(b"Content-Type: multipart/mixed\r\n\r\n-- \r\nsig", "mixed")
                .is_none()
        );
    }

    #[test]
    fn valid_utf8_headers_are_left_untouched() {
        let raw = "Subject: 你好\r\n\r\n\u{ff}body".as_bytes();
        let mut problems = Vec::new();
        assert!(matches!(utf8_headers(raw, &mut problems), Cow::Borrowed(_)));
        assert!(problems.is_empty());
    }

    #[test]
    fn gbk_headers_are_decoded_with_the_declared_charset() {
        let (subject, _, _) = encoding_rs::GBK.encode("订单问题");
        let mut raw = b"Subject: ".to_vec();
        raw.extend_from_slice(&subject);
        raw.extend_from_slice(b"\r\nContent-Type: text/plain; charset=\"gbk\"\r\n\r\nbody");
        let mut problems = Vec::new();
        let fixed = utf8_headers(&raw, &mut problems);
        let text = std::str::from_utf8(&fixed).expect("utf-8 after repair");
        assert!(text.starts_with("Subject: 订单问题\r\n"));
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn undeclared_8bit_headers_fall_back_to_gb18030() {
        let (subject, _, _) = encoding_rs::GB18030.encode("退款");
        let mut raw = b"Subject: ".to_vec();
        raw.extend_from_slice(&subject);
        raw.extend_from_slice(b"\n\nbody");
        let fixed = utf8_headers(&raw, &mut Vec::new());
        assert_eq!(&*fixed, "Subject: 退款\n\nbody".as_bytes());
    }
}
