//! Property tests: no input makes `read` panic, and what `write` makes reads back the same.

use std::io::{Cursor, Read, Write};
use std::sync::LazyLock;

use kefu_sheets::{Format, Limits, read, read_with_limits, write};
use proptest::prelude::*;

/// The parts of a small valid workbook, to mutate one at a time.
static PARTS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let xlsx = write(
        &["姓名", "电话", "日期"],
        [["张三", "+8613800138000", "2026-11-23"], ["李四", "", "x"]],
        Format::Xlsx,
    )
    .unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (file.name().unwrap().into_owned(), bytes)
        })
        .collect()
});

/// A zip of `parts`, stored uncompressed so that the mutations reach the XML parser as-is.
fn zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Text that looks like CSV: delimiters, quotes, line breaks, Chinese, and some odd bytes.
fn csvish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_owned()),
            Just(";".to_owned()),
            Just("\t".to_owned()),
            Just("\"".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\r".to_owned()),
            Just("sep=;".to_owned()),
            Just(" ".to_owned()),
            Just("\u{3000}".to_owned()),
            "[a-z0-9+=@-]{1,4}",
            "[张三李四北京市朝阳区深圳]{1,3}",
            any::<char>().prop_map(String::from),
        ],
        0..60,
    )
    .prop_map(|pieces| pieces.concat())
}

/// What every successful read must satisfy, whatever the input.
fn check_shape(sheet: &kefu_sheets::Sheet) {
    assert!(!sheet.headers.is_empty());
    assert!(sheet.headers.last().is_some_and(|h| !h.is_empty()));
    let mut previous = sheet.header_line;
    for row in &sheet.rows {
        assert!(row.line > previous, "lines go up: {sheet:?}");
        previous = row.line;
        assert_eq!(row.cells.len(), sheet.headers.len());
        assert!(row.cells.iter().any(|c| !c.is_empty()));
        for cell in &row.cells {
            assert_eq!(cell.trim(), cell);
        }
    }
}

/// A cell a round trip must keep: printable, Chinese, phone-like, with inner spaces.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,;\"'=+@.-]{0,12}",
        "[张三李四王五北京市朝阳区深圳市华强北电子有限公司，。、“”]{0,8}",
        "\\+86 ?1[3-9][0-9]{9}",
        "[\\PC\n]{0,8}",
    ]
}

fn table() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    (1usize..6).prop_flat_map(|width| {
        (
            // A header with nothing in it would make the first data row the header.
            proptest::collection::vec(cell(), width)
                .prop_filter("some header", |h| h.iter().any(|h| !h.trim().is_empty())),
            proptest::collection::vec(proptest::collection::vec(cell(), width), 0..8),
        )
    })
}

/// The headers, and each kept row's index in the input with its cells.
type Expected = (Vec<String>, Vec<(usize, Vec<String>)>);

/// What reading back is expected to give: cells trimmed, header cut after its last non-empty
/// cell, rows of only empty cells left out, and CSV's `'` in front of formula-like cells.
fn expected(headers: &[String], rows: &[Vec<String>], format: Format) -> Option<Expected> {
    let defuse = |cell: &str| -> String {
        let rest = cell.get(1..).unwrap_or("");
        let plain = rest.bytes().any(|b| b.is_ascii_digit())
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b' ' || b == b'.');
        let risky = match cell.chars().next() {
            Some('=' | '@' | '\t' | '\r') => true,
            Some('+' | '-') => !plain,
            _ => false,
        };
        let cell = if format == Format::Csv && risky {
            format!("'{cell}")
        } else {
            cell.to_owned()
        };
        cell.trim().to_owned()
    };
    let mut headers: Vec<String> = headers.iter().map(|h| defuse(h)).collect();
    let width = headers.iter().rposition(|h| !h.is_empty())? + 1;
    headers.truncate(width);
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|c| defuse(c)).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if cells[width..].iter().any(|c| !c.is_empty()) {
            return None;
        }
        out.push((i, cells[..width].to_vec()));
    }
    Some((headers, out))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for format in [Format::Xlsx, Format::Csv] {
            if let Ok(sheet) = read(&bytes, format) {
                check_shape(&sheet);
            }
        }
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        let _ = read(&zipped, Format::Xlsx);
    }

    #[test]
    fn csv_like_text_never_panics_and_reads_into_shape(text in csvish()) {
        for bytes in [
            text.as_bytes().to_vec(),
            encoding_rs::GB18030.encode(&text).0.into_owned(),
        ] {
            if let Ok(sheet) = read(&bytes, Format::Csv) {
                check_shape(&sheet);
            }
        }
    }

    #[test]
    fn mutated_workbooks_never_panic(
        part in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut parts = PARTS.clone();
        let index = part.index(parts.len());
        let bytes = &mut parts[index].1;
        for (at, byte) in &edits {
            if !bytes.is_empty() {
                let at = at.index(bytes.len());
                bytes[at] = *byte;
            }
        }
        if let Some(cut) = cut {
            let len = cut.index(bytes.len() + 1);
            bytes.truncate(len);
        }
        if let Ok(sheet) = read(&zip(&parts), Format::Xlsx) {
            check_shape(&sheet);
        }
    }

    #[test]
    fn worksheets_with_odd_cells_never_panic(
        cells in proptest::collection::vec(
            (
                prop_oneof![Just(String::new()), "[A-Z]{1,3}[0-9]{1,7}", "[A-Z0-9]{0,9}"],
                prop_oneof![Just(""), Just("s"), Just("n"), Just("b"), Just("e"), Just("d"), Just("str"), Just("inlineStr")],
                prop_oneof![Just(String::new()), "[0-9]{0,6}", "-?[0-9]{1,20}(\\.[0-9]{0,20})?(E[+-]?[0-9]{1,4})?", "[a-zA-Z#/!.:T-]{0,12}"],
                proptest::option::of(0u32..4),
            ),
            0..20,
        ),
        row_r in proptest::option::of("[0-9]{1,10}"),
    ) {
        let mut sheet = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
        );
        match &row_r {
            Some(r) => sheet.push_str(&format!("<row r=\"{r}\">")),
            None => sheet.push_str("<row>"),
        }
        for (reference, kind, value, style) in &cells {
            sheet.push_str("<c");
            if !reference.is_empty() {
                sheet.push_str(&format!(" r=\"{reference}\""));
            }
            if !kind.is_empty() {
                sheet.push_str(&format!(" t=\"{kind}\""));
            }
            if let Some(style) = style {
                sheet.push_str(&format!(" s=\"{style}\""));
            }
            if *kind == "inlineStr" {
                sheet.push_str(&format!("><is><t>{value}</t></is></c>"));
            } else {
                sheet.push_str(&format!("><v>{value}</v></c>"));
            }
        }
        sheet.push_str("</row></sheetData></worksheet>");
        let mut parts = PARTS.clone();
        let slot = parts
            .iter_mut()
            .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
            .unwrap();
        slot.1 = sheet.into_bytes();
        if let Ok(sheet) = read(&zip(&parts), Format::Xlsx) {
            check_shape(&sheet);
        }
        // Tight limits must give errors, not panics.
        let tight = Limits { max_rows: 1, max_columns: 2, max_cells: 2, max_unpacked_bytes: 1 << 20 };
        if let Ok(sheet) = read_with_limits(&zip(&parts), Format::Xlsx, &tight) {
            check_shape(&sheet);
        }
    }

    #[test]
    fn what_is_written_reads_back((headers, rows) in table()) {
        for format in [Format::Xlsx, Format::Csv] {
            let bytes = write(&headers, &rows, format).unwrap();
            let result = read(&bytes, format);
            match expected(&headers, &rows, format) {
                None => prop_assert!(result.is_err(), "{format:?}: {result:?}"),
                Some((want_headers, want_rows)) => {
                    let sheet = result.unwrap();
                    prop_assert_eq!(&sheet.headers, &want_headers, "{:?}", format);
                    prop_assert_eq!(sheet.rows.len(), want_rows.len(), "{:?}", format);
                    for (row, (index, cells)) in sheet.rows.iter().zip(&want_rows) {
                        prop_assert_eq!(&row.cells, cells, "{:?}", format);
                        if format == Format::Xlsx {
                            // Excel's row numbers: the header is row 1.
                            prop_assert_eq!(row.line, index + 2);
                        }
                    }
                }
            }
        }
    }
}
