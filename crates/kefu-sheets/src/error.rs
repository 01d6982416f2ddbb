//! Why a file could not be read or written, in words a person can act on.

/// Why a file could not be read or written. The messages are meant for the person who
/// uploaded or asked for the file; line and column numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// The bytes are not a readable `.xlsx` workbook. `detail` is the parser's own words, for logs.
    #[error(
        "this file is not a valid .xlsx workbook (it may be damaged or in another format); open it in Excel or WPS and save it again as .xlsx or .csv"
    )]
    NotXlsx {
        /// What the xlsx parser said, for logs rather than people.
        detail: String,
    },
    /// An OLE2 compound file: an Excel 97–2003 `.xls`, or a password-protected workbook.
    #[error(
        "this is an old Excel 97-2003 (.xls) file or a password-protected workbook; open it in Excel or WPS and save it as .xlsx (without a password) or .csv"
    )]
    LegacyOrEncrypted,
    /// A workbook without any worksheet (only chart sheets, say).
    #[error("the workbook has no worksheet")]
    NoWorksheet,
    /// Read as CSV, but the bytes are binary, not text.
    #[error(
        "this file is not a text (.csv) file; if it is a spreadsheet, upload it as .xlsx or save it from Excel as .csv"
    )]
    NotText,
    /// Read as CSV, but the bytes are a zip archive, most likely an `.xlsx` named `.csv`.
    #[error(
        "this file is an .xlsx workbook (or another zip archive), not a .csv file; upload it as .xlsx"
    )]
    ZipNotCsv,
    /// Text that is valid in none of the encodings tried.
    #[error(
        "line {line} is not valid UTF-8 or GB18030/GBK text; save the file from Excel as \"CSV UTF-8\" and try again"
    )]
    Undecodable {
        /// The line of the first byte that could not be decoded.
        line: usize,
    },
    /// Every row is empty.
    #[error("the file has no header row: it is empty or every row is blank")]
    NoHeader,
    /// More data rows than [`crate::Limits::max_rows`].
    #[error("the file has more than {limit} data rows; split it into smaller files")]
    TooManyRows {
        /// The limit that was passed.
        limit: usize,
    },
    /// A header row with a value past [`crate::Limits::max_columns`].
    #[error("line {line} has more than {limit} columns; remove the columns you do not need")]
    TooManyColumns {
        /// The header's line.
        line: usize,
        /// The limit that was passed.
        limit: usize,
    },
    /// More cells (data rows × header columns) than [`crate::Limits::max_cells`].
    #[error(
        "the file has more than {limit} cells; remove the columns you do not need or split it into smaller files"
    )]
    TooManyCells {
        /// The limit that was passed.
        limit: usize,
    },
    /// An `.xlsx` whose parts unpack to more than [`crate::Limits::max_unpacked_bytes`].
    #[error(
        "this workbook unpacks to more than {limit} bytes; remove what you do not need (other sheets, pictures) or split it into smaller files"
    )]
    TooLarge {
        /// The limit that was passed.
        limit: u64,
    },
    /// A data row with a value in a column that has no header.
    #[error(
        "line {line} has a value in column {column}, but the header row has only {columns} columns; add a header for that column or delete the value"
    )]
    RowWiderThanHeader {
        /// The row's line.
        line: usize,
        /// The column of the value past the header.
        column: usize,
        /// How many columns the header has.
        columns: usize,
    },
    /// Writing: more rows or columns than an `.xlsx` worksheet holds (1,048,576 × 16,384).
    #[error(
        "an .xlsx worksheet holds at most 1,048,575 rows under the header and 16,384 columns; export fewer rows or use .csv"
    )]
    TooBigForXlsx,
    /// Writing: a cell longer than the 32,767 characters an `.xlsx` cell holds.
    #[error(
        "the cell on line {line}, column {column} is longer than the 32,767 characters an .xlsx cell can hold; use .csv"
    )]
    CellTooLong {
        /// The cell's line in the written file.
        line: usize,
        /// The cell's column.
        column: usize,
    },
    /// Writing failed for another reason. `detail` is the writer's own words, for logs.
    #[error("the file could not be written ({detail})")]
    Write {
        /// What the writer said.
        detail: String,
    },
}
