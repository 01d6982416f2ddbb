//! A contact import's size: 100,000 rows × 12 columns, both formats, both ways.

use std::time::{Duration, Instant};

use kefu_sheets::{Encoding, Format, read, write};

const ROWS: usize = 100_000;

fn headers() -> Vec<String> {
    [
        "姓名",
        "电话",
        "邮箱",
        "公司",
        "地址",
        "城市",
        "标签",
        "来源",
        "负责人",
        "创建时间",
        "客户编号",
        "备注",
    ]
    .map(String::from)
    .to_vec()
}

fn contact(i: usize) -> Vec<String> {
    vec![
        format!("客户{i}"),
        format!("+86138{i:08}"),
        format!("user{i}@example.com"),
        format!("深圳市华强北电子有限公司{}", i % 97),
        format!("北京市朝阳区建国路{i}号"),
        ["北京", "上海", "广州", "深圳"][i % 4].to_owned(),
        "VIP,老客户".to_owned(),
        "官网".to_owned(),
        format!("客服{}", i % 20),
        "2026-11-23 09:30:00".to_owned(),
        format!("{i:06}"),
        if i.is_multiple_of(3) {
            String::new()
        } else {
            "第一行\n第二行，含\"引号\"".to_owned()
        },
    ]
}

/// In an optimised build the budget is the one set for the importer (well under 10 s per
/// read); an unoptimised test build gets a looser one, as it is several times slower.
fn budget() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(10)
    }
}

/// Writes and reads back [`ROWS`] contacts, checking content, line numbers and time.
fn round_trip(format: Format) {
    let headers = headers();
    let started = Instant::now();
    let bytes = write(&headers, (0..ROWS).map(contact), format).unwrap();
    let written = started.elapsed();

    let started = Instant::now();
    let sheet = read(&bytes, format).unwrap();
    let read_in = started.elapsed();
    eprintln!(
        "{format:?}: {} bytes, written in {written:?}, read in {read_in:?}",
        bytes.len()
    );

    assert_eq!(sheet.headers, headers);
    assert_eq!(sheet.rows.len(), ROWS);
    for i in [0, 1, 2, 4_999, 54_321, ROWS - 1] {
        assert_eq!(sheet.rows[i].cells, contact(i), "{format:?} row {i}");
    }
    let last_line = match format {
        Format::Xlsx => ROWS + 1,
        // In CSV each two-line note pushes the records after it down by a line.
        Format::Csv => 2 + (ROWS - 1) + (0..ROWS - 1).filter(|i| !i.is_multiple_of(3)).count(),
    };
    assert_eq!(sheet.rows[ROWS - 1].line, last_line);
    assert!(read_in < budget(), "{format:?} read took {read_in:?}");
    assert!(written < budget(), "{format:?} write took {written:?}");
}

#[test]
fn hundred_thousand_contacts_round_trip_as_xlsx() {
    round_trip(Format::Xlsx);
}

#[test]
fn hundred_thousand_contacts_round_trip_as_csv() {
    round_trip(Format::Csv);
}

#[test]
fn hundred_thousand_contacts_in_gb18030_csv() {
    let csv = write(&headers(), (0..ROWS).map(contact), Format::Csv).unwrap();
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);

    let started = Instant::now();
    let sheet = read(&gb, Format::Csv).unwrap();
    let read_in = started.elapsed();
    eprintln!("GB18030 CSV: {} bytes, read in {read_in:?}", gb.len());
    assert_eq!(sheet.encoding, Some(Encoding::Gb18030));
    assert_eq!(sheet.rows.len(), ROWS);
    assert_eq!(sheet.rows[77_777].cells, contact(77_777));
    assert!(read_in < budget(), "read took {read_in:?}");
}
