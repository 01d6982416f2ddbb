//! kefu's spreadsheet files in and out: read `.xlsx` and `.csv` (UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM) for imports, write `.xlsx` and `.csv` for exports.
//!
//! Reading gives a [`Sheet`]: the first non-empty row is the header, every cell is a trimmed
//! `String`, and every data row keeps its 1-based line number in the file so that an import
//! can say "line 57: the phone number is not valid". Writing takes a header and rows of
//! strings and gives the bytes of a file to download.
//!
//! ```
//! use kefu_sheets::{Format, read, write};
//!
//! let bytes = write(&["姓名", "电话"], [["张三", "+8613800138000"]], Format::Xlsx)?;
//! let sheet = read(&bytes, Format::sniff(&bytes))?;
//! assert_eq!(sheet.headers, ["姓名", "电话"]);
//! assert_eq!(sheet.rows[0].line, 2);
//! assert_eq!(sheet.rows[0].cells, ["张三", "+8613800138000"]);
//! # Ok::<(), kefu_sheets::SheetError>(())
//! ```

mod csv_read;
mod error;
mod write;
mod xlsx_read;

pub use error::SheetError;
pub use write::write;

/// A spreadsheet file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// An Office Open XML workbook (`.xlsx`, also `.xlsm`).
    Xlsx,
    /// Delimited text (`.csv`, also `.tsv` and `.txt`): comma, semicolon or tab separated.
    Csv,
}

impl Format {
    /// The format a file name's extension names, case-insensitively: `xlsx`/`xlsm` are
    /// [`Format::Xlsx`], `csv`/`tsv`/`txt` are [`Format::Csv`]; anything else is `None`.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let (_, ext) = name.rsplit_once('.')?;
        if ext.eq_ignore_ascii_case("xlsx") || ext.eq_ignore_ascii_case("xlsm") {
            Some(Format::Xlsx)
        } else if ["csv", "tsv", "txt"]
            .iter()
            .any(|known| ext.eq_ignore_ascii_case(known))
        {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// The format the bytes look like: a zip archive (`PK\x03\x04`) is [`Format::Xlsx`],
    /// anything else is taken as [`Format::Csv`] (reading then says clearly if it is not text).
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(ZIP_MAGIC) {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }

    /// The usual file extension, without the dot: `"xlsx"` or `"csv"`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The MIME type to send with a download of what [`write()`] made in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The text encoding a CSV file was read in, for an import preview to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GB18030, which also covers GBK and GB2312 (Excel's plain "CSV" on Chinese Windows).
    Gb18030,
    /// UTF-16 little-endian with a byte order mark (Excel's "Unicode Text").
    Utf16Le,
    /// UTF-16 big-endian with a byte order mark.
    Utf16Be,
}

impl Encoding {
    /// A short name for people: `"UTF-8"`, `"UTF-8 (BOM)"`, `"GB18030"`, `"UTF-16LE"`, `"UTF-16BE"`.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Gb18030 => "GB18030",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One data row of a [`Sheet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based line of the row in the file: the row number Excel shows for `.xlsx`, the
    /// text line the record starts on for `.csv` (a quoted field with line breaks spans lines).
    pub line: usize,
    /// The trimmed cells, exactly as many as [`Sheet::headers`]; missing cells are `""`.
    pub cells: Vec<String>,
}

/// The table read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The trimmed cells of the first non-empty row, up to its last non-empty cell (a blank
    /// header between two named ones stays, as `""`).
    pub headers: Vec<String>,
    /// The 1-based line of the header row.
    pub header_line: usize,
    /// The data rows after the header, rows whose cells are all empty left out.
    pub rows: Vec<Row>,
    /// The text encoding of a CSV file; `None` for `.xlsx`.
    pub encoding: Option<Encoding>,
}

/// Bounds on what [`read_with_limits`] accepts, so that a huge or hostile file is an error
/// rather than unbounded memory use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most data rows (not counting the header and empty rows).
    pub max_rows: usize,
    /// The most columns in the header (and so in any row).
    pub max_columns: usize,
    /// The most cells in all: data rows × header columns.
    pub max_cells: usize,
    /// The most bytes the parts of an `.xlsx` may unpack to, as its zip directory declares.
    pub max_unpacked_bytes: u64,
}

impl Limits {
    /// What [`read()`] uses: 1,000,000 rows, 1,000 columns, 20,000,000 cells, 1 GiB unpacked.
    pub const DEFAULT: Limits = Limits {
        max_rows: 1_000_000,
        max_columns: 1_000,
        max_cells: 20_000_000,
        max_unpacked_bytes: 1 << 30,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Reads a whole file in the given format with [`Limits::DEFAULT`].
///
/// For `.xlsx` this is the first worksheet (chart sheets are skipped). Numbers read as people
/// see them (`13800138000`, `3.5`, not `1.3800138e10`), dates as `YYYY-MM-DD` or
/// `YYYY-MM-DD HH:MM:SS`, times alone as `HH:MM:SS`, booleans as `true`/`false`, formula
/// cells as their last computed value.
///
/// For `.csv` the encoding is a UTF-8 or UTF-16 byte order mark if there is one, else UTF-8
/// if the bytes are valid UTF-8, else GB18030 (which covers GBK and GB2312); the delimiter is
/// whichever of `,` `;` and tab the header line uses most (Excel's `sep=;` first line is
/// honoured too). Quoting follows RFC 4180.
///
/// Any input, however malformed, gives an error rather than a panic.
pub fn read(bytes: &[u8], format: Format) -> Result<Sheet, SheetError> {
    read_with_limits(bytes, format, &Limits::DEFAULT)
}

/// [`read()`] with caller-chosen [`Limits`].
pub fn read_with_limits(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(SheetError::LegacyOrEncrypted);
    }
    match format {
        Format::Xlsx => xlsx_read::read(bytes, limits),
        Format::Csv => csv_read::read(bytes, limits),
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The start of an OLE2 compound file: an Excel 97–2003 `.xls`, or an encrypted `.xlsx`.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Turns rows of trimmed cells, in file order, into a [`Sheet`], enforcing [`Limits`].
struct SheetBuilder<'a> {
    limits: &'a Limits,
    headers: Option<(usize, Vec<String>)>,
    rows: Vec<Row>,
}

impl<'a> SheetBuilder<'a> {
    fn new(limits: &'a Limits) -> Self {
        SheetBuilder {
            limits,
            headers: None,
            rows: Vec::new(),
        }
    }

    /// How many columns a row may have a value in: the header's width once it is known.
    fn max_width(&self) -> usize {
        match &self.headers {
            Some((_, headers)) => headers.len(),
            None => self.limits.max_columns,
        }
    }

    /// The error for a value in column `column` (1-based) of `line`, past [`Self::max_width`].
    fn too_wide(&self, line: usize, column: usize) -> SheetError {
        match &self.headers {
            Some((_, headers)) => SheetError::RowWiderThanHeader {
                line,
                column,
                columns: headers.len(),
            },
            None => SheetError::TooManyColumns {
                line,
                limit: self.limits.max_columns,
            },
        }
    }

    /// Adds the row on `line`; its cells must already be trimmed.
    fn push(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), SheetError> {
        let Some(last) = cells.iter().rposition(|cell| !cell.is_empty()) else {
            return Ok(());
        };
        if last >= self.max_width() {
            return Err(self.too_wide(line, last + 1));
        }
        cells.truncate(last + 1);
        match &self.headers {
            None => self.headers = Some((line, cells)),
            Some((_, headers)) => {
                let width = headers.len();
                if self.rows.len() >= self.limits.max_rows {
                    return Err(SheetError::TooManyRows {
                        limit: self.limits.max_rows,
                    });
                }
                if (self.rows.len() + 1).saturating_mul(width) > self.limits.max_cells {
                    return Err(SheetError::TooManyCells {
                        limit: self.limits.max_cells,
                    });
                }
                cells.resize(width, String::new());
                self.rows.push(Row { line, cells });
            }
        }
        Ok(())
    }

    fn finish(self, encoding: Option<Encoding>) -> Result<Sheet, SheetError> {
        let (header_line, headers) = self.headers.ok_or(SheetError::NoHeader)?;
        Ok(Sheet {
            headers,
            header_line,
            rows: self.rows,
            encoding,
        })
    }
}

/// A cell's text as the sheet keeps it: trimmed of surrounding whitespace (including the
/// ideographic space U+3000), reusing the allocation when there is nothing to trim.
fn trimmed(mut cell: String) -> String {
    let end = cell.trim_end().len();
    cell.truncate(end);
    let start = cell.len() - cell.trim_start().len();
    if start > 0 {
        cell.drain(..start);
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_file_name_is_case_insensitive() {
        assert_eq!(Format::from_file_name("客户.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_file_name("a.b.xlsm"), Some(Format::Xlsx));
        assert_eq!(Format::from_file_name("customers.Csv"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("customers.tsv"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("customers.xls"), None);
        assert_eq!(Format::from_file_name("csv"), None);
        assert_eq!(Format::from_file_name("customers."), None);
    }

    #[test]
    fn sniff_tells_zip_from_text() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(Format::sniff(b"name,phone\n"), Format::Csv);
        assert_eq!(Format::sniff(b""), Format::Csv);
        assert_eq!(Format::sniff(b"PK"), Format::Csv);
    }

    #[test]
    fn trimmed_handles_unicode_whitespace() {
        assert_eq!(trimmed("  张三\u{3000}".to_owned()), "张三");
        assert_eq!(trimmed("\u{a0}x y\t".to_owned()), "x y");
        assert_eq!(trimmed("as is".to_owned()), "as is");
        assert_eq!(trimmed(" \u{3000} ".to_owned()), "");
    }

    #[test]
    fn builder_pads_skips_and_bounds() {
        let limits = Limits {
            max_rows: 2,
            ..Limits::DEFAULT
        };
        let mut builder = SheetBuilder::new(&limits);
        let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        builder.push(1, row(&["", "", ""])).unwrap();
        builder.push(2, row(&["a", "", "c", "", ""])).unwrap();
        builder.push(3, row(&["x"])).unwrap();
        builder.push(4, row(&[])).unwrap();
        builder.push(5, row(&["", "", "z", ""])).unwrap();
        assert_eq!(
            builder.push(6, row(&["", "", "", "w"])),
            Err(SheetError::RowWiderThanHeader {
                line: 6,
                column: 4,
                columns: 3
            })
        );
        assert_eq!(
            builder.push(7, row(&["too", "many"])),
            Err(SheetError::TooManyRows { limit: 2 })
        );
        let sheet = builder.finish(None).unwrap();
        assert_eq!(sheet.header_line, 2);
        assert_eq!(sheet.headers, ["a", "", "c"]);
        assert_eq!(
            sheet.rows,
            [
                Row {
                    line: 3,
                    cells: row(&["x", "", ""])
                },
                Row {
                    line: 5,
                    cells: row(&["", "", "z"])
                },
            ]
        );
    }
}
