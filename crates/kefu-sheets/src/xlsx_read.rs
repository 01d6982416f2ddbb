//! Reading the first worksheet of an `.xlsx` with `calamine`, cell by cell.

use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx};

use crate::{Limits, Sheet, SheetBuilder, SheetError, trimmed};

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    check_unpacked_size(bytes, limits)?;
    // calamine 0.38 still has arithmetic that overflows on crafted cell references, such as
    // `<row r="4300000000">` (a panic in builds with overflow checks; calamine issue #709),
    // so a panic inside it is caught and reported as a damaged file. Nothing is shared with
    // the closure but the input, so nothing can be seen half-updated afterwards.
    std::panic::catch_unwind(|| read_sheet(bytes, limits)).unwrap_or_else(|_| {
        Err(SheetError::NotXlsx {
            detail: "the xlsx parser panicked".to_owned(),
        })
    })
}

fn read_sheet(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let name = workbook
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .ok_or(SheetError::NoWorksheet)?;
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(not_xlsx)?;

    // Cells come in file order, which Excel, WPS and LibreOffice keep sorted by row; group
    // the non-empty ones by row, and sort the groups only if some writer did not.
    let mut groups: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
    let mut non_empty = 0usize;
    while let Some(cell) = cells.next_cell().map_err(not_xlsx)? {
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        non_empty += 1;
        if non_empty > limits.max_cells {
            return Err(SheetError::TooManyCells {
                limit: limits.max_cells,
            });
        }
        let (row, column) = cell.get_position();
        match groups.last_mut() {
            Some((last, cells)) if *last == row => cells.push((column, text)),
            _ => {
                // Rows of their own, besides the header, each count against the row limit.
                if groups.len() > limits.max_rows {
                    return Err(SheetError::TooManyRows {
                        limit: limits.max_rows,
                    });
                }
                groups.push((row, vec![(column, text)]));
            }
        }
    }
    drop(cells);
    if !groups.is_sorted_by_key(|(row, _)| *row) {
        groups.sort_by_key(|(row, _)| *row);
        groups.dedup_by(|(row, later), (kept_row, kept)| {
            *row == *kept_row && {
                kept.append(later);
                true
            }
        });
    }

    let mut builder = SheetBuilder::new(limits);
    for (row, row_cells) in groups {
        let line = row as usize + 1;
        let width = builder.max_width();
        let mut dense = Vec::new();
        for (column, text) in row_cells {
            let column = column as usize;
            if column >= width {
                return Err(builder.too_wide(line, column + 1));
            }
            if dense.len() <= column {
                dense.resize(column + 1, String::new());
            }
            dense[column] = text;
        }
        builder.push(line, dense)?;
    }
    builder.finish(None)
}

/// Refuses a workbook whose zip directory says it unpacks to more than the limit (a zip bomb).
/// A directory that lies is caught by the row and cell limits while reading the worksheet.
fn check_unpacked_size(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let too_large = match archive.decompressed_size() {
        Some(size) => size > u128::from(limits.max_unpacked_bytes),
        // Sizes in data descriptors: go by what each entry in the directory says.
        None => {
            let mut archive = archive;
            let mut total = 0u64;
            for i in 0..archive.len() {
                let size = archive.by_index_raw(i).map_err(not_xlsx)?.size();
                total = total.saturating_add(size);
            }
            total > limits.max_unpacked_bytes
        }
    };
    if too_large {
        return Err(SheetError::TooLarge {
            limit: limits.max_unpacked_bytes,
        });
    }
    Ok(())
}

fn not_xlsx(error: impl std::fmt::Display) -> SheetError {
    SheetError::NotXlsx {
        detail: error.to_string(),
    }
}

/// A cell as text, the way a person sees it in Excel's General format.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => trimmed(s.clone()),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => iso_date_time(s.trim()),
        DataRef::DurationIso(s) => s.trim().to_owned(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// A number as Excel shows it: at most 15 significant digits, whole numbers without a
/// decimal point or exponent (`13800138000`, not `1.3800138e10` or `13800138000.0`).
fn number(value: f64) -> String {
    /// Beyond 2^53 not every whole number is an `f64`; below it, `as i64` is exact.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < EXACT {
        return (value as i64).to_string();
    }
    // Round to 15 significant digits as Excel does, so that 0.1 + 0.2 stored as
    // 0.30000000000000004 reads as 0.3. `{:e}` of a finite f64 always parses back.
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded.fract() == 0.0 && rounded.abs() < EXACT {
        (rounded as i64).to_string()
    } else {
        // `Display` for f64 never uses an exponent.
        rounded.to_string()
    }
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, a time alone as `HH:MM:SS`, a duration as `H:MM:SS`.
fn date_time(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        let seconds = (serial * 86_400.0).round() as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let seconds = seconds.unsigned_abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
    }
    let (year, month, day, hour, minute, second, _millis) = dt.to_ymd_hms_milli();
    if (0.0..1.0).contains(&serial) {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }
}

/// An ISO 8601 date-time cell (`t="d"`) in the same shape as [`date_time`].
fn iso_date_time(s: &str) -> String {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let s = s
        .strip_suffix("T00:00:00.000")
        .or_else(|| s.strip_suffix("T00:00:00"))
        .unwrap_or(s);
    s.replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_read_as_people_see_them() {
        assert_eq!(number(13_800_138_000.0), "13800138000");
        assert_eq!(number(3.5), "3.5");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-42.0), "-42");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(1.5e-7), "0.00000015");
        assert_eq!(number(1234567890123.456), "1234567890123.46");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn dates_and_times() {
        let dt = |serial, kind| ExcelDateTime::new(serial, kind, false);
        assert_eq!(
            date_time(&dt(46349.0, ExcelDateTimeType::DateTime)),
            "2026-11-23"
        );
        assert_eq!(
            date_time(&dt(46349.5, ExcelDateTimeType::DateTime)),
            "2026-11-23 12:00:00"
        );
        assert_eq!(
            date_time(&dt(0.75, ExcelDateTimeType::DateTime)),
            "18:00:00"
        );
        assert_eq!(
            date_time(&dt(1.5, ExcelDateTimeType::TimeDelta)),
            "36:00:00"
        );
        // Nonsense serials still give some text rather than a panic.
        for serial in [f64::NAN, f64::INFINITY, -1e300, 1e300] {
            for kind in [ExcelDateTimeType::DateTime, ExcelDateTimeType::TimeDelta] {
                assert!(!date_time(&dt(serial, kind)).is_empty());
            }
        }
        assert_eq!(iso_date_time("2026-11-23T00:00:00"), "2026-11-23");
        assert_eq!(iso_date_time("2026-11-23T08:30:00Z"), "2026-11-23 08:30:00");
    }
}
