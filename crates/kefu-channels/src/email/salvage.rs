//! Salvaging readable text from parts the MIME parser could not decode: base64 with garbage
//! in it, and messages whose body ended up as an unnamed "attachment" (bad content types).

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

/// The text of a part whose transfer encoding was broken: base64 decoded leniently (foreign
/// characters skipped, stopping at padding), then decoded in the part's charset.
pub(crate) fn lenient_text(message: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    // On failure mail-parser resets `encoding`, so the header tells what was meant.
    let base64 = part
        .content_transfer_encoding()
        .is_some_and(|cte| cte.trim().eq_ignore_ascii_case("base64"));
    if !part.is_encoding_problem || !base64 {
        return None;
    }
    let raw = message
        .raw_message()
        .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)?;
    Some(decode_charset(part, &lenient_base64(raw)))
}

/// Text in the part's declared charset; UTF-8 (lossy) when none or unknown.
pub(crate) fn decode_charset(part: &MessagePart<'_>, bytes: &[u8]) -> String {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .and_then(|label| charset_decoder(label.as_bytes()))
        .map_or_else(
            || String::from_utf8_lossy(bytes).into_owned(),
            |decode| decode(bytes),
        )
}

fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in raw {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// For a message with no text or HTML body: the index (into `message.attachments()`) and text
/// of the first unnamed, non-file part that reads as text.
pub(crate) fn unnamed_text_part(message: &Message<'_>) -> Option<(usize, String)> {
    message.attachments().enumerate().find_map(|(i, part)| {
        if part.attachment_name().is_some() || is_file_type(part) {
            return None;
        }
        let text = match &part.body {
            PartType::Text(t) | PartType::Html(t) => t.to_string(),
            PartType::Binary(b) | PartType::InlineBinary(b) if !b.contains(&0) => {
                decode_charset(part, b)
            }
            _ => return None,
        };
        Some((i, text))
    })
}

/// Parts that are real files even without a name (images, audio, video, archives, ...).
fn is_file_type(part: &MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        matches!(
            ct.ctype().to_ascii_lowercase().as_str(),
            "image" | "audio" | "video" | "application" | "font" | "model" | "message"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::lenient_base64;

    #[test]
    fn lenient_base64_skips_garbage_and_stops_at_padding() {
        assert_eq!(lenient_base64(b"aGVs\r\nbG8*!=garbage"), b"hello");
        assert_eq!(lenient_base64(b"!!!"), b"");
    }
}
