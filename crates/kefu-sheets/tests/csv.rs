//! Reading and writing `.csv`: encodings, delimiters, quoting, line numbers, injection.

use kefu_sheets::{Encoding, Format, Limits, Row, SheetError, read, read_with_limits, write};

fn row(line: usize, cells: &[&str]) -> Row {
    Row {
        line,
        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The bytes of `text` in GB18030, as Excel's plain "CSV" saves on Chinese Windows.
fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, had_unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!had_unmappable);
    bytes.into_owned()
}

const CUSTOMERS: &str = "姓名,电话,地址\r\n张三,13800138000,北京市朝阳区\r\n李四,+8613900139000,深圳市华强北电子有限公司\r\n";

fn customers_rows() -> Vec<Row> {
    vec![
        row(2, &["张三", "13800138000", "北京市朝阳区"]),
        row(3, &["李四", "+8613900139000", "深圳市华强北电子有限公司"]),
    ]
}

#[test]
fn utf8_without_bom() {
    let sheet = read(CUSTOMERS.as_bytes(), Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Utf8));
    assert_eq!(sheet.headers, ["姓名", "电话", "地址"]);
    assert_eq!(sheet.header_line, 1);
    assert_eq!(sheet.rows, customers_rows());
}

#[test]
fn utf8_with_bom() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), CUSTOMERS.as_bytes()].concat();
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(sheet.encoding.unwrap().to_string(), "UTF-8 (BOM)");
    // The BOM must not end up in the first header.
    assert_eq!(sheet.headers, ["姓名", "电话", "地址"]);
    assert_eq!(sheet.rows, customers_rows());
}

#[test]
fn gb18030_and_gbk() {
    let bytes = gb18030(CUSTOMERS);
    assert!(std::str::from_utf8(&bytes).is_err());
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Gb18030));
    assert_eq!(sheet.encoding.unwrap().label(), "GB18030");
    assert_eq!(sheet.headers, ["姓名", "电话", "地址"]);
    assert_eq!(sheet.rows, customers_rows());

    // GBK bytes written out by hand (张 = D5 C5, 三 = C8 FD), not by our own encoder.
    let sheet = read(b"name\r\n\xD5\xC5\xC8\xFD\r\n", Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Gb18030));
    assert_eq!(sheet.rows, [row(2, &["张三"])]);

    // A character outside GBK, four bytes in GB18030.
    let sheet = read(&gb18030("姓名\n吉𠮷\n"), Format::Csv).unwrap();
    assert_eq!(sheet.rows, [row(2, &["吉𠮷"])]);
}

#[test]
fn utf16_with_bom_as_excel_unicode_text() {
    let text = CUSTOMERS.replace(',', "\t");
    let mut bytes = b"\xFF\xFE".to_vec();
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Utf16Le));
    assert_eq!(sheet.rows, customers_rows());
}

#[test]
fn semicolon_and_tab_delimiters() {
    let sheet = read(
        "姓名;电话;金额\n张三;13800138000;1,5\n".as_bytes(),
        Format::Csv,
    )
    .unwrap();
    assert_eq!(sheet.headers, ["姓名", "电话", "金额"]);
    assert_eq!(sheet.rows, [row(2, &["张三", "13800138000", "1,5"])]);

    let sheet = read(
        gb18030("姓名\t电话\t地址\n张三\t13800138000\t北京市, 朝阳区\n").as_slice(),
        Format::Csv,
    )
    .unwrap();
    assert_eq!(sheet.headers, ["姓名", "电话", "地址"]);
    assert_eq!(
        sheet.rows,
        [row(2, &["张三", "13800138000", "北京市, 朝阳区"])]
    );

    // Excel's own hint line.
    let sheet = read(b"sep=;\nname;phone\nx;1\n", Format::Csv).unwrap();
    assert_eq!(sheet.header_line, 2);
    assert_eq!(sheet.rows, [row(3, &["x", "1"])]);
}

#[test]
fn quoted_fields_with_newlines_commas_and_quotes() {
    let text = "姓名,地址,备注\n\
                \"张三\",\"北京市,朝阳区\",\"第一行\n第二行\"\n\
                李四,\"说\"\"你好\"\"\",\n\
                \"王五\",\"\",\"a\r\nb\"\n";
    let sheet = read(text.as_bytes(), Format::Csv).unwrap();
    assert_eq!(
        sheet.rows,
        [
            row(2, &["张三", "北京市,朝阳区", "第一行\n第二行"]),
            // The record above spans lines 2 and 3.
            row(4, &["李四", "说\"你好\"", ""]),
            row(5, &["王五", "", "a\r\nb"]),
        ]
    );
}

#[test]
fn short_rows_are_padded_and_blank_lines_skipped_with_true_line_numbers() {
    let text = "\n\
                \u{20}\u{20}\n\
                姓名,电话,地址,\n\
                张三\n\
                \n\
                ,,\n\
                李四,13800138000\n\
                \u{3000},  ,\t\n\
                王五,,上海市,,,\n";
    let sheet = read(text.as_bytes(), Format::Csv).unwrap();
    assert_eq!(sheet.header_line, 3);
    // The trailing empty header field is not a column.
    assert_eq!(sheet.headers, ["姓名", "电话", "地址"]);
    assert_eq!(
        sheet.rows,
        [
            row(4, &["张三", "", ""]),
            row(7, &["李四", "13800138000", ""]),
            row(9, &["王五", "", "上海市"]),
        ]
    );
}

#[test]
fn cells_are_trimmed_and_text_is_kept_as_written() {
    let sheet = read(
        " 姓名 ,\t电话\n  张三\u{3000}, 013800138000 \n".as_bytes(),
        Format::Csv,
    )
    .unwrap();
    assert_eq!(sheet.headers, ["姓名", "电话"]);
    assert_eq!(sheet.rows, [row(2, &["张三", "013800138000"])]);
}

#[test]
fn value_past_the_header_is_an_error_that_names_the_line() {
    let error = read(b"name,phone\na,1\n\nb,2,extra\n", Format::Csv).unwrap_err();
    assert_eq!(
        error,
        SheetError::RowWiderThanHeader {
            line: 4,
            column: 3,
            columns: 2
        }
    );
}

#[test]
fn garbage_gives_a_clear_error() {
    // Binary: NUL bytes.
    let error = read(b"\x00\x01\x02\x03\x04garbage", Format::Csv).unwrap_err();
    assert_eq!(error, SheetError::NotText);
    assert!(
        error
            .to_string()
            .starts_with("this file is not a text (.csv) file")
    );

    // Neither UTF-8 nor GB18030 (0xFF is never valid in either), on line 3.
    let error = read(b"name\nok\nbad\xFF\xFF\n", Format::Csv).unwrap_err();
    assert_eq!(error, SheetError::Undecodable { line: 3 });
    assert_eq!(
        error.to_string(),
        "line 3 is not valid UTF-8 or GB18030/GBK text; save the file from Excel as \"CSV UTF-8\" and try again"
    );

    // A BOM that promises UTF-8, then bytes that are not.
    assert_eq!(
        read(b"\xEF\xBB\xBFname\n\xE5\xBC\n", Format::Csv),
        Err(SheetError::Undecodable { line: 2 })
    );

    // An .xlsx uploaded as .csv.
    let xlsx = write(&["a"], [["b"]], Format::Xlsx).unwrap();
    assert_eq!(read(&xlsx, Format::Csv), Err(SheetError::ZipNotCsv));

    // Nothing at all.
    for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n ,, \n"] {
        assert_eq!(read(empty, Format::Csv), Err(SheetError::NoHeader));
    }
}

#[test]
fn row_limit() {
    let text: String = std::iter::once("name\n".to_owned())
        .chain((0..10).map(|i| format!("客户{i}\n")))
        .collect();
    let limits = |max_rows| Limits {
        max_rows,
        ..Limits::DEFAULT
    };
    assert_eq!(
        read_with_limits(text.as_bytes(), Format::Csv, &limits(10))
            .unwrap()
            .rows
            .len(),
        10
    );
    let error = read_with_limits(text.as_bytes(), Format::Csv, &limits(9)).unwrap_err();
    assert_eq!(error, SheetError::TooManyRows { limit: 9 });
    assert_eq!(
        error.to_string(),
        "the file has more than 9 data rows; split it into smaller files"
    );
}

#[test]
fn written_csv_is_utf8_with_bom_crlf_and_rfc4180_quoting() {
    let bytes = write(
        &["姓名", "电话", "备注"],
        [
            ["张三", "+8613800138000", "北京市,朝阳区"],
            ["李四", "", "说\"你好\"\n第二行"],
        ],
        Format::Csv,
    )
    .unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(
        text,
        "\u{FEFF}\"姓名\",\"电话\",\"备注\"\r\n\
         张三,+8613800138000,\"北京市,朝阳区\"\r\n\
         李四,,\"说\"\"你好\"\"\n第二行\"\r\n"
    );
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(
        sheet.rows,
        [
            row(2, &["张三", "+8613800138000", "北京市,朝阳区"]),
            row(3, &["李四", "", "说\"你好\"\n第二行"]),
        ]
    );
}

#[test]
fn written_csv_defuses_formulas_but_keeps_numbers_and_phones() {
    let bytes = write(
        &["=危险表头", "值"],
        [
            [
                "=HYPERLINK(\"http://evil.example\",\"点击\")",
                "+8613800138000",
            ],
            ["@SUM(A1)", "+86 138 0013 8000"],
            ["+1+1", "-12.5"],
            ["-2+3", "13800138000"],
            ["=1", "-"],
        ],
        Format::Csv,
    )
    .unwrap();
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.headers, ["'=危险表头", "值"]);
    assert_eq!(
        sheet.rows,
        [
            row(
                2,
                &[
                    "'=HYPERLINK(\"http://evil.example\",\"点击\")",
                    "+8613800138000"
                ]
            ),
            row(3, &["'@SUM(A1)", "+86 138 0013 8000"]),
            row(4, &["'+1+1", "-12.5"]),
            row(5, &["'-2+3", "13800138000"]),
            row(6, &["'=1", "'-"]),
        ]
    );
}

#[test]
fn header_with_semicolons_or_tabs_reads_back_as_one_column() {
    // The header is always quoted so that delimiter detection cannot mistake a `;` or a tab
    // inside a header for the delimiter.
    let bytes = write(&["a;b;c"], [["1;2"]], Format::Csv).unwrap();
    let sheet = read(&bytes, Format::Csv).unwrap();
    assert_eq!(sheet.headers, ["a;b;c"]);
    assert_eq!(sheet.rows, [row(2, &["1;2"])]);
}
