//! Reading delimited text: decoding, delimiter detection, then the `csv` crate.

use std::borrow::Cow;

use crate::{Encoding, Limits, OLE_MAGIC, Sheet, SheetBuilder, SheetError, ZIP_MAGIC, trimmed};

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    if bytes.starts_with(ZIP_MAGIC) {
        return Err(SheetError::ZipNotCsv);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Err(SheetError::LegacyOrEncrypted);
    }
    let (text, encoding) = decode(bytes)?;
    if text.contains('\0') {
        return Err(SheetError::NotText);
    }

    // Excel reads a first line `sep=;` as the delimiter to use, and so do we.
    let (body, delimiter, skipped_lines) = match separator_line(&text) {
        Some((delimiter, rest)) => (rest, delimiter, 1),
        None => (&*text, detect_delimiter(&text), 0),
    };

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut builder = SheetBuilder::new(limits);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(body.as_bytes(), skipped_lines);
    loop {
        // The input is a valid `str`, so the only error left would be an I/O error from a
        // slice, which cannot happen; should it anyway, the file is reported as not text.
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(SheetError::NotText),
        }
        // The csv crate's own line numbers point before the line breaks it skipped (blank
        // lines, the `\n` of a CRLF), so count from the byte offset instead.
        let offset = record.position().map_or(0, |p| p.byte());
        let line = lines.line_at(usize::try_from(offset).unwrap_or(usize::MAX));
        if record.len() > builder.max_width() {
            // Only a problem if a value (not an empty trailing field) lies past the header.
            if let Some(last) = (0..record.len())
                .rev()
                .find(|&i| !record[i].trim().is_empty())
                && last >= builder.max_width()
            {
                return Err(builder.too_wide(line, last + 1));
            }
        }
        let width = record.len().min(builder.max_width());
        let cells = record
            .iter()
            .take(width)
            .map(|cell| trimmed(cell.to_owned()))
            .collect();
        builder.push(line, cells)?;
    }
    builder.finish(Some(encoding))
}

/// The 1-based line numbers of records, from their byte offsets in ascending order.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8], lines_before: usize) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: lines_before + 1,
        }
    }

    /// The line of the record that the csv reader says starts at `offset`: past any line
    /// breaks there, which the reader skipped. A line break is `\n`, `\r\n` or a lone `\r`.
    fn line_at(&mut self, offset: usize) -> usize {
        let text = self.text;
        let mut at = offset.max(self.offset).min(text.len());
        while matches!(text.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        // `at` is now on neither `\r` nor `\n`, so no CRLF is split between two counts.
        self.line += line_breaks(&text[self.offset..at]);
        self.offset = at;
        self.line
    }
}

/// How many line breaks (`\n`, `\r\n`, lone `\r`) are in `bytes`.
fn line_breaks(bytes: &[u8]) -> usize {
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            count += 1;
        }
    }
    count
}

/// The text of the file and the encoding it was in; see [`crate::read`] for the rules.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), SheetError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), Encoding::Utf8Bom)),
            Err(e) => Err(SheetError::Undecodable {
                line: line_of(&rest[..e.valid_up_to()]),
            }),
        };
    }
    for (bom, encoding, label) in [
        (b"\xFF\xFE", encoding_rs::UTF_16LE, Encoding::Utf16Le),
        (b"\xFE\xFF", encoding_rs::UTF_16BE, Encoding::Utf16Be),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(SheetError::Undecodable {
                    line: line_of_replacement(&text),
                });
            }
            return Ok((text, label));
        }
    }
    if bytes.contains(&0) {
        // NUL never appears in UTF-8 or GB18030 text; it does in binary files and in UTF-16
        // without a byte order mark, which we do not guess at.
        return Err(SheetError::NotText);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(SheetError::Undecodable {
            line: line_of_replacement(&text),
        });
    }
    Ok((text, Encoding::Gb18030))
}

/// The 1-based line just after `before`.
fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// The line of the first U+FFFD that a lossy decoder put in for bytes it could not decode.
fn line_of_replacement(text: &str) -> usize {
    let at = text.find('\u{FFFD}').unwrap_or(text.len());
    line_of(&text.as_bytes()[..at])
}

/// Excel's `sep=X` first line: the delimiter, and the text after that line.
fn separator_line(text: &str) -> Option<(u8, &str)> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let sep = first.trim_end_matches('\r').strip_prefix("sep=")?;
    match sep.as_bytes() {
        &[delimiter @ (b',' | b';' | b'\t' | b'|')] => Some((delimiter, rest)),
        _ => None,
    }
}

/// The delimiter the header uses most among `,`, `;` and tab (commas win ties and a single
/// column), counting outside quotes in the first line that is not blank.
fn detect_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut seen_content = false;
    for &b in text.as_bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if seen_content {
                    break;
                }
            }
            _ if in_quotes => {}
            _ => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
        }
        if !b.is_ascii_whitespace() {
            seen_content = true;
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_the_most_used_outside_quotes() {
        assert_eq!(detect_delimiter("a,b,c\n"), b',');
        assert_eq!(detect_delimiter("a;b;c\n1,5;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("\"x;y;z\",b\n"), b',');
        assert_eq!(detect_delimiter("\n  \nname;phone\n1,2,3,4,5\n"), b';');
        assert_eq!(detect_delimiter("name\n"), b',');
        assert_eq!(detect_delimiter("a;b,c\n"), b',');
        assert_eq!(detect_delimiter(""), b',');
    }

    #[test]
    fn line_numbers_count_lf_crlf_and_lone_cr() {
        for text in ["a\nb\n\nc\n", "a\r\nb\r\n\r\nc\r\n", "a\rb\r\rc\r"] {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            let mut counter = LineCounter::new(text.as_bytes(), 0);
            let lines: Vec<usize> = reader
                .records()
                .map(|r| counter.line_at(r.unwrap().position().unwrap().byte() as usize))
                .collect();
            assert_eq!(lines, [1, 2, 4], "{text:?}");
        }
    }

    #[test]
    fn sep_line() {
        assert_eq!(separator_line("sep=;\r\na;b"), Some((b';', "a;b")));
        assert_eq!(separator_line("sep=\t\na"), Some((b'\t', "a")));
        assert_eq!(separator_line("sep=ab\na"), None);
        assert_eq!(separator_line("name,sep=;\n"), None);
    }
}
