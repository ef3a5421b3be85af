//! Reading spreadsheet files from bytes: xlsx, xlsm, xlsb, xls and ods
//! through calamine, CSV and TSV through the `csv` crate.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Ods, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_from_rs};
use serde::Serialize;

use crate::encryption::refuse_encrypted_compound_file;
use crate::error::EngineError;
use crate::sheet_bounds::{check_xls_grids, read_sheet_range};
use crate::table::{Cell, Table, TableBuilder};

/// Limits that keep a hostile or accidental giant file from taking all memory.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Sheet to read; the first sheet with data when `None`.
    pub sheet: Option<String>,
    /// `None` lets the engine decide whether the first row is a header.
    pub has_header: Option<bool>,
    pub max_input_bytes: usize,
    pub max_cells: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            sheet: None,
            has_header: None,
            max_input_bytes: 256 * 1024 * 1024,
            max_cells: 50_000_000,
        }
    }
}

/// One sheet read from a workbook, with the names of all its sheets so the
/// user can pick another.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetData {
    pub sheet_name: String,
    pub sheet_names: Vec<String>,
    #[serde(skip)]
    pub table: Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// A zip archive: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: legacy xls, or an encrypted OOXML workbook.
    Ole,
    Text,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn sniff(bytes: &[u8]) -> Container {
    if bytes.starts_with(ZIP_MAGIC) {
        Container::Zip
    } else if bytes.starts_with(OLE_MAGIC) {
        Container::Ole
    } else {
        Container::Text
    }
}

/// Reads one sheet of a spreadsheet file. The format is decided by the
/// file's content, not its name; the name only breaks ties for text files
/// (`.tsv` means tab-separated).
pub fn read_workbook(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<SheetData, EngineError> {
    if bytes.is_empty() {
        return Err(EngineError::EmptyInput);
    }
    if bytes.len() > options.max_input_bytes {
        return Err(EngineError::InputTooLarge {
            size: bytes.len(),
            limit: options.max_input_bytes,
        });
    }
    match sniff(bytes) {
        Container::Zip | Container::Ole => read_with_calamine_contained(bytes, options),
        Container::Text => read_delimited(bytes, file_name, options),
    }
}

/// calamine 0.38 panics on some malformed workbooks instead of returning
/// an error (found by `cargo fuzz`: an `.xlsb` whose sheet names a missing
/// relationship, `xlsb/mod.rs:312`, kept in
/// `fuzz/regressions/read_spreadsheet/`). Natively the panic becomes a
/// clear error; the wasm build aborts on panic, so there the worker still
/// dies on such a file until calamine returns an error itself.
fn read_with_calamine_contained(
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<SheetData, EngineError> {
    std::panic::catch_unwind(|| read_with_calamine(bytes, options)).unwrap_or_else(|_| {
        Err(EngineError::Unreadable(
            "the workbook is malformed (the reader stopped on it)".into(),
        ))
    })
}

/// calamine 0.38 follows an OLE file's sector chains without noticing a
/// loop (`cfb::Sectors::get_chain`): a 6 KB file made it allocate until
/// memory ran out (found by `cargo fuzz`, kept in
/// `fuzz/regressions/read_spreadsheet/`). The `cfb` crate checks every
/// chain, FAT and directory entry against the file's size first.
fn check_compound_file(bytes: &[u8]) -> Result<(), EngineError> {
    cfb::CompoundFile::open(Cursor::new(bytes))
        .map(drop)
        .map_err(|e| EngineError::Unreadable(format!("broken compound file: {e}")))
}

fn read_with_calamine(bytes: &[u8], options: &ReadOptions) -> Result<SheetData, EngineError> {
    if sniff(bytes) == Container::Ole {
        refuse_encrypted_compound_file(bytes)?;
        check_compound_file(bytes)?;
        check_xls_grids(bytes, options.max_cells)?;
    }
    let mut workbook = open_workbook_any_format(bytes)?;
    let sheet_names = workbook.sheet_names();
    if sheet_names.is_empty() {
        return Err(EngineError::NoSheets);
    }
    let wanted = match &options.sheet {
        Some(name) if !sheet_names.contains(name) => {
            return Err(EngineError::NoSuchSheet(name.clone()));
        }
        Some(name) => Some(name.clone()),
        None => None,
    };
    let candidates: Vec<String> = wanted.map_or_else(|| sheet_names.clone(), |name| vec![name]);
    let mut first_read: Option<(String, calamine::Range<Data>)> = None;
    for name in candidates {
        let range = match read_sheet_range(&mut workbook, &name, options.max_cells)? {
            Some(range) => range,
            None => workbook
                .worksheet_range(&name)
                .map_err(describe_calamine_error)?,
        };
        let (height, width) = range.get_size();
        let cells = height.saturating_mul(width);
        if cells > options.max_cells {
            return Err(EngineError::TooManyCells {
                cells,
                limit: options.max_cells,
            });
        }
        let has_data = !range.is_empty();
        if first_read.is_none() || has_data {
            first_read = Some((name, range));
        }
        if has_data {
            break;
        }
    }
    let (sheet_name, range) = first_read.ok_or(EngineError::NoSheets)?;
    let mut table = TableBuilder::new(
        options.has_header,
        range.height(),
        range.height() * range.width(),
    );
    for row in range.rows() {
        table.push_row(row.iter().map(calamine_cell));
    }
    Ok(SheetData {
        sheet_name,
        sheet_names,
        table: table.finish(),
    })
}

fn calamine_cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) if s.is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_duration() => Cell::Duration(dt.as_f64()),
        Data::DateTime(dt) => Cell::DateTime(dt.as_f64()),
        // ISO forms come from ods; keep the text, profiling recognises it.
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.as_str().into()),
        Data::Error(e) => Cell::Error(e.to_string().into()),
    }
}

/// What calamine's `open_workbook_auto_from_rs` does — xls, xlsx, xlsb, ods
/// in turn, the first that opens wins — but a password error from any of
/// them is kept: the auto reader drops every error, so an encrypted `.ods`
/// was "Cannot detect file format".
fn open_workbook_any_format(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, EngineError> {
    let data = || Cursor::new(bytes);
    let errors = [
        match open_workbook_from_rs::<Xls<_>, _>(data()) {
            Ok(workbook) => return Ok(Sheets::Xls(workbook)),
            Err(e) => calamine::Error::Xls(e),
        },
        match open_workbook_from_rs::<Xlsx<_>, _>(data()) {
            Ok(workbook) => return Ok(Sheets::Xlsx(workbook)),
            Err(e) => calamine::Error::Xlsx(e),
        },
        match open_workbook_from_rs::<Xlsb<_>, _>(data()) {
            Ok(workbook) => return Ok(Sheets::Xlsb(workbook)),
            Err(e) => calamine::Error::Xlsb(e),
        },
        match open_workbook_from_rs::<Ods<_>, _>(data()) {
            Ok(workbook) => return Ok(Sheets::Ods(workbook)),
            Err(e) => calamine::Error::Ods(e),
        },
    ];
    if errors.into_iter().any(|e| is_password_error(&e)) {
        return Err(EngineError::Encrypted);
    }
    Err(EngineError::Unreadable("Cannot detect file format".into()))
}

fn is_password_error(error: &calamine::Error) -> bool {
    use calamine::{Error, OdsError, XlsError, XlsbError, XlsxError};
    matches!(
        error,
        Error::Xls(XlsError::Password)
            | Error::Xlsx(XlsxError::Password)
            | Error::Xlsb(XlsbError::Password)
            | Error::Ods(OdsError::Password)
    )
}

fn describe_calamine_error(error: calamine::Error) -> EngineError {
    let message = error.to_string();
    if message.to_ascii_lowercase().contains("password") || message.contains("encrypt") {
        EngineError::Encrypted
    } else {
        EngineError::Unreadable(message)
    }
}

fn read_delimited(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<SheetData, EngineError> {
    let text = decode_text(bytes)?;
    let delimiter = if file_name.to_ascii_lowercase().ends_with(".tsv") {
        b'\t'
    } else {
        guess_delimiter(&text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // Lines bound the rows (quoted line breaks only make it generous); every
    // cell takes at least a byte, which bounds what may be reserved.
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut table = TableBuilder::new(options.has_header, lines, text.len());
    let mut record = csv::StringRecord::new();
    let mut cells = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(EngineError::Unreadable(format!("CSV: {e}"))),
        }
        cells += record.len();
        if cells > options.max_cells {
            return Err(EngineError::TooManyCells {
                cells,
                limit: options.max_cells,
            });
        }
        table.push_row(record.iter().map(|field| {
            if field.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(field.into())
            }
        }));
    }
    let sheet_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .and_then(|base| base.rsplit_once('.').map(|(stem, _)| stem).or(Some(base)))
        .filter(|s| !s.is_empty())
        .unwrap_or("Sheet1")
        .to_owned();
    Ok(SheetData {
        sheet_names: vec![sheet_name.clone()],
        sheet_name,
        table: table.finish(),
    })
}

/// UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise Windows-1252,
/// which is what Excel writes for "CSV" on Western-locale Windows. UTF-8
/// without a BOM, the common case, is borrowed, not copied.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, EngineError> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(EngineError::Unreadable(format!(
                "the file is not valid {}",
                encoding.name()
            )));
        }
        return Ok(Cow::Owned(text.into_owned()));
    }
    if bytes.contains(&0) {
        return Err(EngineError::UnsupportedFormat(
            "binary data that is neither a workbook nor text".into(),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => Ok(Cow::Owned(
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        )),
    }
}

/// The delimiter that splits the first lines into the most consistent,
/// widest rows. Quoted fields are not split, thanks to the csv parser.
fn guess_delimiter(text: &str) -> u8 {
    let sample: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let mut best = (b',', 0usize);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample.as_bytes());
        let widths: Vec<usize> = reader
            .records()
            .filter_map(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(&first) = widths.first() else {
            continue;
        };
        let consistent = widths.iter().filter(|&&w| w == first).count();
        let score = if first > 1 { consistent * first } else { 0 };
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], name: &str) -> Result<SheetData, EngineError> {
        read_workbook(bytes, name, &ReadOptions::default())
    }

    #[test]
    fn semicolon_csv_with_bom_is_read() {
        let data = read(
            "\u{feff}Name;Amount\nAda;1,5\nBob;2\n".as_bytes(),
            "export.csv",
        )
        .unwrap();
        assert_eq!(data.sheet_name, "export");
        let cols = data.table.columns();
        assert_eq!(cols.len(), 2);
        assert_eq!(cols[0].name, "Name");
        assert_eq!(
            cols[1].cells,
            vec![Cell::Text("1,5".into()), Cell::Text("2".into())]
        );
    }

    #[test]
    fn quoted_commas_do_not_split_fields() {
        let data = read(b"a,b\n\"x, y\",2\n", "q.csv").unwrap();
        assert_eq!(
            data.table.columns()[0].cells,
            vec![Cell::Text("x, y".into())]
        );
    }

    #[test]
    fn windows_1252_text_is_decoded() {
        let data = read(b"City\nK\xf6ln\n", "c.csv").unwrap();
        assert_eq!(
            data.table.columns()[0].cells,
            vec![Cell::Text("Köln".into())]
        );
    }

    #[test]
    fn empty_binary_and_oversized_inputs_get_clear_errors() {
        assert_eq!(read(b"", "x.csv"), Err(EngineError::EmptyInput));
        assert!(matches!(
            read(b"\x00\x01\x02", "x.bin"),
            Err(EngineError::UnsupportedFormat(_))
        ));
        let small = ReadOptions {
            max_input_bytes: 4,
            ..ReadOptions::default()
        };
        assert!(matches!(
            read_workbook(b"a,b,c\n", "x.csv", &small),
            Err(EngineError::InputTooLarge { size: 6, limit: 4 })
        ));
    }

    #[test]
    fn corrupt_zip_is_unreadable_not_a_panic() {
        let mut bytes = ZIP_MAGIC.to_vec();
        bytes.extend_from_slice(&[0u8; 64]);
        assert!(matches!(
            read(&bytes, "broken.xlsx"),
            Err(EngineError::Unreadable(_))
        ));
    }

    #[test]
    fn ragged_rows_are_padded_and_wider_rows_add_columns() {
        let data = read(b"a,b\n1,2,3\n4\n", "r.csv").unwrap();
        let table = data.table;
        let names: Vec<_> = table.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "Column C"]);
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(table.columns()[0].cells, vec![text("1"), text("4")]);
        assert_eq!(table.columns()[1].cells, vec![text("2"), Cell::Empty]);
        assert_eq!(table.columns()[2].cells, vec![text("3"), Cell::Empty]);
        // A header wider than the data still names its columns.
        let table = read(b"a,b,c\n1\n", "w.csv").unwrap().table;
        assert_eq!(table.column_count(), 3);
        assert_eq!(table.columns()[2].cells, vec![Cell::Empty]);
        // A first row with a blank is data, not a header.
        let table = read(b"x,\n3,4\n", "n.csv").unwrap().table;
        assert_eq!(
            (table.row_count(), table.columns()[0].name.as_str()),
            (2, "Column A")
        );
    }

    #[test]
    fn too_many_cells_is_refused() {
        let options = ReadOptions {
            max_cells: 3,
            ..ReadOptions::default()
        };
        assert!(matches!(
            read_workbook(b"a,b\n1,2\n", "x.csv", &options),
            Err(EngineError::TooManyCells { .. })
        ));
    }
}
