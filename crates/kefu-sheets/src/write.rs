//! Writing a header and rows of strings as `.xlsx` (`rust_xlsxwriter`) or `.csv` (`csv`).

use std::borrow::Cow;

use rust_xlsxwriter::{Workbook, XlsxError};

use crate::{Format, SheetError};

/// Writes `headers` and then `rows` as a whole file in `format`, returning its bytes.
///
/// Every cell is written as text: a phone number such as `+8613800138000` or an ID such as
/// `000123` stays exactly as given.
///
/// - `.xlsx`: one worksheet, the header row bold and frozen, every cell a string cell (so
///   nothing is ever evaluated as a formula). Empty cells are left blank.
/// - `.csv`: UTF-8 with a byte order mark (so that Excel on Chinese Windows does not take it
///   for GBK), comma-separated, CRLF line ends, RFC 4180 quoting (every header cell quoted,
///   so that a `;` or tab in a header is never taken for the delimiter). To guard against formula
///   injection ("CSV injection"), a cell that starts with `=`, `@`, a tab or a carriage
///   return, or with `+` or `-` not followed by only digits, spaces and dots (so not a plain
///   number or phone number such as `-12.5` or `+86 138 0013 8000`), is written with a `'`
///   in front, which spreadsheet programs show and do not evaluate. Reading such a file back
///   keeps the `'`.
///
/// Rows may be shorter or longer than the header; they are written as they are.
pub fn write<H, R, C>(
    headers: &[H],
    rows: impl IntoIterator<Item = R>,
    format: Format,
) -> Result<Vec<u8>, SheetError>
where
    H: AsRef<str>,
    R: AsRef<[C]>,
    C: AsRef<str>,
{
    match format {
        Format::Xlsx => write_xlsx(headers, rows),
        Format::Csv => write_csv(headers, rows),
    }
}

/// The most rows (header included) and columns of an `.xlsx` worksheet.
const XLSX_MAX_ROWS: usize = 1_048_576;
const XLSX_MAX_COLUMNS: usize = 16_384;

fn write_xlsx<H, R, C>(
    headers: &[H],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, SheetError>
where
    H: AsRef<str>,
    R: AsRef<[C]>,
    C: AsRef<str>,
{
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let write_error = |error: XlsxError, line: usize, column: usize| match error {
        XlsxError::MaxStringLengthExceeded => SheetError::CellTooLong { line, column },
        XlsxError::RowColumnLimitError => SheetError::TooBigForXlsx,
        other => SheetError::Write {
            detail: other.to_string(),
        },
    };
    let position = |index: usize, column: usize| -> Result<(u32, u16), SheetError> {
        if index >= XLSX_MAX_ROWS || column >= XLSX_MAX_COLUMNS {
            return Err(SheetError::TooBigForXlsx);
        }
        // Both fit: the maxima above are below u32::MAX and u16::MAX.
        Ok((index as u32, column as u16))
    };

    for (column, header) in headers.iter().enumerate() {
        let (row, col) = position(0, column)?;
        sheet
            .write_string_with_format(row, col, header.as_ref(), &bold)
            .map_err(|e| write_error(e, 1, column + 1))?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .map_err(|e| write_error(e, 1, 1))?;
    for (index, cells) in rows.into_iter().enumerate() {
        for (column, cell) in cells.as_ref().iter().enumerate() {
            let cell = cell.as_ref();
            if cell.is_empty() {
                continue;
            }
            let (row, col) = position(index + 1, column)?;
            sheet
                .write_string(row, col, cell)
                .map_err(|e| write_error(e, index + 2, column + 1))?;
        }
    }
    workbook.save_to_buffer().map_err(|e| SheetError::Write {
        detail: e.to_string(),
    })
}

fn write_csv<H, R, C>(
    headers: &[H],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, SheetError>
where
    H: AsRef<str>,
    R: AsRef<[C]>,
    C: AsRef<str>,
{
    let csv_error = |e: csv::Error| SheetError::Write {
        detail: e.to_string(),
    };
    let into_inner = |e: csv::IntoInnerError<csv::Writer<Vec<u8>>>| SheetError::Write {
        detail: e.error().to_string(),
    };
    let builder = |quote_style| {
        let mut builder = csv::WriterBuilder::new();
        builder
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .quote_style(quote_style);
        builder
    };

    // The header is quoted in full, so that a `;` or tab in a header cannot make a reader
    // (ours included) take it for the delimiter; the rows are quoted only where needed.
    let mut writer = builder(csv::QuoteStyle::Always).from_writer(b"\xEF\xBB\xBF".to_vec());
    for header in headers {
        writer
            .write_field(defuse_formula(header.as_ref()).as_bytes())
            .map_err(csv_error)?;
    }
    writer.write_record(None::<&[u8]>).map_err(csv_error)?;
    let buffer = writer.into_inner().map_err(into_inner)?;

    let mut writer = builder(csv::QuoteStyle::Necessary).from_writer(buffer);
    for cells in rows {
        for cell in cells.as_ref() {
            writer
                .write_field(defuse_formula(cell.as_ref()).as_bytes())
                .map_err(csv_error)?;
        }
        writer.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    writer.into_inner().map_err(into_inner)
}

/// The cell with a `'` in front if a spreadsheet program could take it for a formula; see
/// [`write()`] for the rule.
fn defuse_formula(cell: &str) -> Cow<'_, str> {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => {
            let rest = chars.as_str();
            !(rest.bytes().any(|b| b.is_ascii_digit())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b' ' || b == b'.'))
        }
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::defuse_formula;

    #[test]
    fn formulas_are_defused_and_numbers_and_phones_kept() {
        for kept in [
            "+8613800138000",
            "+86 138 0013 8000",
            "-12.5",
            "-3",
            "13800138000",
            "张三",
            "",
            "a=b",
            "x+1",
        ] {
            assert_eq!(defuse_formula(kept), kept);
        }
        for (risky, written) in [
            ("=1+1", "'=1+1"),
            (
                "=HYPERLINK(\"http://x\",\"点我\")",
                "'=HYPERLINK(\"http://x\",\"点我\")",
            ),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-", "'-"),
            ("+", "'+"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
        ] {
            assert_eq!(defuse_formula(risky), written);
        }
    }
}
