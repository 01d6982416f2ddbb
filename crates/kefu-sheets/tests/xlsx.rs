//! Reading and writing `.xlsx`: round trips, typed cells from Excel, broken files.

use std::io::{Cursor, Read};

use kefu_sheets::{Format, Limits, Row, SheetError, read, read_with_limits, write};
use rust_xlsxwriter::{ExcelDateTime, Formula, Workbook};

fn row(line: usize, cells: &[&str]) -> Row {
    Row {
        line,
        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The text of one part of an `.xlsx` (a zip archive).
fn part(xlsx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn round_trip_keeps_chinese_text_phone_numbers_and_empty_cells() {
    let headers = ["姓名", "电话", "地址", "客户编号", "备注"];
    let rows = [
        vec!["张三", "+8613800138000", "北京市朝阳区", "000123", ""],
        vec!["", "13800138000", "", "", "=1+1"],
        vec!["深圳市华强北电子有限公司", "", "", "", ""],
        vec![
            "  李四\u{3000}",
            "+86 138 0013 8000",
            "广东省深圳市",
            "1e5",
            "说明",
        ],
    ];
    let bytes = write(&headers, &rows, Format::Xlsx).unwrap();
    assert_eq!(Format::sniff(&bytes), Format::Xlsx);

    let sheet = read(&bytes, Format::Xlsx).unwrap();
    assert_eq!(sheet.headers, headers);
    assert_eq!(sheet.header_line, 1);
    assert_eq!(sheet.encoding, None);
    assert_eq!(
        sheet.rows,
        [
            row(2, &["张三", "+8613800138000", "北京市朝阳区", "000123", ""]),
            row(3, &["", "13800138000", "", "", "=1+1"]),
            row(4, &["深圳市华强北电子有限公司", "", "", "", ""]),
            row(
                5,
                &["李四", "+86 138 0013 8000", "广东省深圳市", "1e5", "说明"]
            ),
        ]
    );
}

#[test]
fn written_cells_are_text_and_the_header_is_bold_and_frozen() {
    let bytes = write(
        &["电话", "金额"],
        [["+8613800138000", "3.50"], ["13800138000", "=SUM(A1:A2)"]],
        Format::Xlsx,
    )
    .unwrap();

    // Every cell is a shared string (t="s"); no number or formula cell anywhere.
    let sheet_xml = part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet_xml.matches("<c ").count(), 6, "{sheet_xml}");
    assert_eq!(sheet_xml.matches(" t=\"s\"").count(), 6, "{sheet_xml}");
    assert!(!sheet_xml.contains("<f>"), "{sheet_xml}");
    // The header row is frozen.
    assert!(sheet_xml.contains("ySplit=\"1\""), "{sheet_xml}");
    assert!(sheet_xml.contains("state=\"frozen\""), "{sheet_xml}");
    // The header cells carry a bold format; the others do not.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "{styles}");
    assert!(
        sheet_xml.contains("<c r=\"A1\" s=\"1\" t=\"s\">"),
        "{sheet_xml}"
    );
    assert!(sheet_xml.contains("<c r=\"A2\" t=\"s\">"), "{sheet_xml}");

    // And calamine itself sees strings, not numbers.
    let mut workbook: calamine::Xlsx<_> =
        calamine::Reader::new(Cursor::new(bytes.as_slice())).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut workbook, 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        range.get_value((1, 0)),
        Some(&calamine::Data::String("+8613800138000".to_owned()))
    );
    assert_eq!(
        range.get_value((2, 0)),
        Some(&calamine::Data::String("13800138000".to_owned()))
    );
}

#[test]
fn typed_cells_read_as_people_see_them_in_excel() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let date_time = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let chinese_date = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let headers = [
        "电话",
        "金额",
        "日期",
        "时间",
        "是否",
        "公式",
        "负数",
        "小数",
        "中文日期",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_number(1, 0, 13_800_138_000.0).unwrap();
    sheet.write_number(1, 1, 3.5).unwrap();
    sheet
        .write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2026, 11, 23).unwrap(), &date)
        .unwrap();
    sheet
        .write_datetime_with_format(
            1,
            3,
            ExcelDateTime::from_ymd(2026, 11, 23)
                .unwrap()
                .and_hms(9, 30, 15)
                .unwrap(),
            &date_time,
        )
        .unwrap();
    sheet.write_boolean(1, 4, true).unwrap();
    sheet
        .write_formula(1, 5, Formula::new("=1+2").set_result("3"))
        .unwrap();
    sheet.write_number(1, 6, -42.0).unwrap();
    sheet.write_number(1, 7, 0.1 + 0.2).unwrap();
    sheet
        .write_datetime_with_format(
            1,
            8,
            ExcelDateTime::from_ymd(2026, 1, 2).unwrap(),
            &chinese_date,
        )
        .unwrap();
    // A large ID number that Excel stores as a float.
    sheet.write_number(2, 0, 8_613_800_138_000.0).unwrap();
    sheet.write_boolean(2, 4, false).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let sheet = read(&bytes, Format::Xlsx).unwrap();
    assert_eq!(sheet.headers, headers);
    assert_eq!(
        sheet.rows,
        [
            row(
                2,
                &[
                    "13800138000",
                    "3.5",
                    "2026-11-23",
                    "2026-11-23 09:30:15",
                    "true",
                    "3",
                    "-42",
                    "0.3",
                    "2026-01-02",
                ]
            ),
            row(3, &["8613800138000", "", "", "", "false", "", "", "", ""]),
        ]
    );
}

#[test]
fn header_is_the_first_non_empty_row_and_lines_are_excel_row_numbers() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    // Rows 1 and 2 are empty (row 2 has only a blank string); the header is on row 3.
    sheet.write_string(1, 0, "   ").unwrap();
    sheet.write_string(2, 1, "姓名").unwrap();
    sheet.write_string(2, 2, "电话").unwrap();
    sheet.write_string(3, 1, "张三").unwrap();
    // Row 5 is empty; row 6 has only a phone number.
    sheet.write_string(5, 2, "13800138000").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let sheet = read(&bytes, Format::Xlsx).unwrap();
    assert_eq!(sheet.header_line, 3);
    // Column A is empty everywhere but is still a column: positions match Excel's.
    assert_eq!(sheet.headers, ["", "姓名", "电话"]);
    assert_eq!(
        sheet.rows,
        [row(4, &["", "张三", ""]), row(6, &["", "", "13800138000"])]
    );
}

#[test]
fn only_the_first_worksheet_is_read() {
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet()
        .set_name("客户")
        .unwrap()
        .write_string(0, 0, "第一张")
        .unwrap();
    workbook
        .add_worksheet()
        .write_string(0, 0, "第二张")
        .unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let sheet = read(&bytes, Format::Xlsx).unwrap();
    assert_eq!(sheet.headers, ["第一张"]);
    assert!(sheet.rows.is_empty());
}

#[test]
fn chart_sheets_are_skipped() {
    let mut workbook = Workbook::new();
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values("数据!$B$2:$B$3");
    workbook
        .add_chartsheet()
        .insert_chart(0, 0, &chart)
        .unwrap();
    let data = workbook.add_worksheet().set_name("数据").unwrap();
    data.write_string(0, 0, "城市").unwrap();
    data.write_string(0, 1, "客户数").unwrap();
    data.write_string(1, 0, "北京").unwrap();
    data.write_number(1, 1, 12.0).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let sheet = read(&bytes, Format::Xlsx).unwrap();
    assert_eq!(sheet.headers, ["城市", "客户数"]);
    assert_eq!(sheet.rows, [row(2, &["北京", "12"])]);
}

/// A copy of `xlsx` with `name` replaced by `contents`.
fn replace_part(xlsx: &[u8], name: &str, contents: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let file_name = file.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        out.start_file(file_name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = if file_name == name {
            contents.as_bytes().to_vec()
        } else {
            bytes
        };
        std::io::Write::write_all(&mut out, &bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn crafted_cell_references_do_not_panic() {
    let xlsx = write(&["a"], [["b"]], Format::Xlsx).unwrap();
    for sheet_data in [
        // Overflows u32 inside calamine 0.38 (a panic where overflow checks are on).
        "<row r=\"4300000000\"><c t=\"inlineStr\"><is><t>x</t></is></c></row>",
        "<row><c r=\"AAAAAAAAA1\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
        "<row><c r=\"A99999999999\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
        // Far out but valid: a header in column XFD, Excel's last.
        "<row><c r=\"XFD1\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
    ] {
        let sheet = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
             <sheetData>{sheet_data}</sheetData></worksheet>"
        );
        let bytes = replace_part(&xlsx, "xl/worksheets/sheet1.xml", &sheet);
        // Whatever comes back, it is a value, not a panic, and within the limits.
        if let Ok(sheet) = read(&bytes, Format::Xlsx) {
            assert!(
                sheet.headers.len() <= Limits::DEFAULT.max_columns,
                "{sheet_data}"
            );
        }
    }
}

#[test]
fn empty_workbook_has_no_header() {
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    let bytes = workbook.save_to_buffer().unwrap();
    assert_eq!(read(&bytes, Format::Xlsx), Err(SheetError::NoHeader));
    assert_eq!(
        read(&bytes, Format::Xlsx).unwrap_err().to_string(),
        "the file has no header row: it is empty or every row is blank"
    );
}

#[test]
fn value_past_the_header_is_an_error_that_names_the_line() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(0, 1, "电话").unwrap();
    sheet.write_string(1, 0, "张三").unwrap();
    sheet.write_string(2, 3, "多余").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let error = read(&bytes, Format::Xlsx).unwrap_err();
    assert_eq!(
        error,
        SheetError::RowWiderThanHeader {
            line: 3,
            column: 4,
            columns: 2
        }
    );
    assert_eq!(
        error.to_string(),
        "line 3 has a value in column 4, but the header row has only 2 columns; add a header for that column or delete the value"
    );
}

#[test]
fn garbage_is_not_a_valid_workbook() {
    for bytes in [
        &b""[..],
        b"name,phone\n",
        b"PK\x03\x04 definitely not a zip archive",
        b"\x00\x01\x02\x03garbage\xff\xfe",
    ] {
        let error = read(bytes, Format::Xlsx).unwrap_err();
        assert!(matches!(error, SheetError::NotXlsx { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("this file is not a valid .xlsx workbook"),
            "{error}"
        );
    }
}

#[test]
fn a_zip_that_is_not_a_workbook_is_not_a_valid_workbook() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"hello").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(matches!(
        read(&bytes, Format::Xlsx),
        Err(SheetError::NotXlsx { .. })
    ));
}

#[test]
fn old_xls_and_encrypted_files_get_their_own_message() {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(4096, 0);
    for format in [Format::Xlsx, Format::Csv] {
        let error = read(&bytes, format).unwrap_err();
        assert_eq!(error, SheetError::LegacyOrEncrypted);
        assert!(error.to_string().contains(".xls"), "{error}");
    }
}

#[test]
fn limits_are_errors_not_memory() {
    let rows: Vec<Vec<String>> = (0..50)
        .map(|i| vec![format!("客户{i}"), format!("1380013{i:04}")])
        .collect();
    let bytes = write(&["姓名", "电话"], &rows, Format::Xlsx).unwrap();

    let at = |limits: Limits| read_with_limits(&bytes, Format::Xlsx, &limits);
    assert_eq!(
        at(Limits {
            max_rows: 50,
            ..Limits::DEFAULT
        })
        .unwrap()
        .rows
        .len(),
        50
    );
    assert_eq!(
        at(Limits {
            max_rows: 49,
            ..Limits::DEFAULT
        }),
        Err(SheetError::TooManyRows { limit: 49 })
    );
    assert_eq!(
        at(Limits {
            max_cells: 99,
            ..Limits::DEFAULT
        }),
        Err(SheetError::TooManyCells { limit: 99 })
    );
    assert_eq!(
        at(Limits {
            max_columns: 1,
            ..Limits::DEFAULT
        }),
        Err(SheetError::TooManyColumns { line: 1, limit: 1 })
    );
    assert_eq!(
        at(Limits {
            max_unpacked_bytes: 1000,
            ..Limits::DEFAULT
        }),
        Err(SheetError::TooLarge { limit: 1000 })
    );
}

#[test]
fn a_cell_too_long_for_xlsx_is_an_error_that_names_it() {
    let long = "长".repeat(32_768);
    let error = write(&["备注"], [["短"], [long.as_str()]], Format::Xlsx).unwrap_err();
    assert_eq!(error, SheetError::CellTooLong { line: 3, column: 1 });
    // CSV has no such limit.
    let csv = write(&["备注"], [[long.as_str()]], Format::Csv).unwrap();
    assert_eq!(read(&csv, Format::Csv).unwrap().rows[0].cells[0], long);
}
