//! calamine turns a sheet into one dense grid spanning its outermost
//! non-empty cells (`Range::from_sparse`): a 1 KB `.xlsx` holding A1 and
//! XFD1048576 asked for 512 GiB and aborted, and a 15 KB `.xls` found by
//! `cargo fuzz` took 23 GB before it was killed. The cells' positions are
//! read first, without building anything, and the grid is measured against
//! `ReadOptions::max_cells` before the grid is allocated.

use std::io::{Cursor, Read, Seek};

use calamine::{Data, DataRef, Range, Sheets};

use crate::error::EngineError;

/// The smallest rectangle holding every position added.
#[derive(Debug, Default, Clone, Copy)]
struct Bounds {
    rows: Option<(u32, u32)>,
    columns: Option<(u32, u32)>,
}

impl Bounds {
    fn add(&mut self, row: u32, first_column: u32, last_column: u32) {
        let widen = |span: Option<(u32, u32)>, low: u32, high: u32| {
            Some(span.map_or((low, high), |(a, b)| (a.min(low), b.max(high))))
        };
        self.rows = widen(self.rows, row, row);
        self.columns = widen(self.columns, first_column, last_column.max(first_column));
    }

    /// Cells of the dense grid calamine would build (as it computes it).
    fn cells(&self) -> usize {
        match (self.rows, self.columns) {
            (Some((top, bottom)), Some((left, right))) => {
                let height = (bottom - top) as usize + 1;
                let width = (right - left) as usize + 1;
                height.saturating_mul(width)
            }
            _ => 0,
        }
    }
}

fn refuse_above(cells: usize, limit: usize) -> Result<(), EngineError> {
    if cells > limit {
        return Err(EngineError::TooManyCells { cells, limit });
    }
    Ok(())
}

/// A sheet of an `.xlsx` / `.xlsm` / `.xlsb`, which calamine reads one sheet
/// at a time: its cells are streamed once, the grid measured as they come,
/// and the dense range built only when it fits — what `worksheet_range`
/// does, without its unchecked allocation. `None` for `.xls` and `.ods`
/// (read whole at open; `.xls` is checked by [`check_xls_grids`]).
pub(crate) fn read_sheet_range<RS: Read + Seek>(
    workbook: &mut Sheets<RS>,
    sheet: &str,
    max_cells: usize,
) -> Result<Option<Range<Data>>, EngineError> {
    let unreadable = |e: String| EngineError::Unreadable(e);
    let mut bounds = Bounds::default();
    let mut cells: Vec<calamine::Cell<Data>> = Vec::new();
    let mut keep = |cell: calamine::Cell<DataRef<'_>>| {
        // Empty cells are left out of the grid, as calamine does.
        if matches!(cell.get_value(), DataRef::Empty) {
            return Ok(());
        }
        let (row, column) = cell.get_position();
        bounds.add(row, column, column);
        refuse_above(bounds.cells(), max_cells)?;
        cells.push(calamine::Cell::new(
            (row, column),
            Data::from(cell.get_value().clone()),
        ));
        Ok::<(), EngineError>(())
    };
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(e.to_string()))?;
            while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
                keep(cell)?;
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(e.to_string()))?;
            while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
                keep(cell)?;
            }
        }
        Sheets::Xls(_) | Sheets::Ods(_) => return Ok(None),
    }
    Ok(Some(Range::from_sparse(cells)))
}

/// For `.xls`, which calamine parses whole when it opens the file: walks
/// the BIFF records of the workbook stream and adds up every sheet's grid.
pub(crate) fn check_xls_grids(bytes: &[u8], max_cells: usize) -> Result<(), EngineError> {
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(()); // not a compound file calamine could read either
    };
    let stream = ["/Workbook", "/Book"]
        .into_iter()
        .find(|path| file.is_stream(path));
    let Some(stream) = stream else {
        return Ok(());
    };
    let mut biff = Vec::new();
    file.open_stream(stream)
        .and_then(|mut s| s.read_to_end(&mut biff))
        .map_err(|e| EngineError::Unreadable(format!("broken compound file: {e}")))?;

    // Every stream is walked: calamine reads one that does not start with a
    // BOF record too (cargo fuzz: a first record typed 0x0800 let a 15 KB
    // file past this check into a 1.7 GB grid).
    let mut total = 0usize;
    let mut sheet = Bounds::default();
    let mut at = 0usize;
    while at + 4 <= biff.len() {
        let kind = u16::from_le_bytes([biff[at], biff[at + 1]]);
        let len = usize::from(u16::from_le_bytes([biff[at + 2], biff[at + 3]]));
        let body = &biff[at + 4..(at + 4 + len).min(biff.len())];
        at += 4 + len;
        let u16_at = |i: usize| {
            body.get(i..i + 2)
                .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
        };
        match kind {
            // FILEPASS: what follows is encrypted, and calamine reports the
            // workbook as password-protected instead of reading it — unless
            // its first field is 0, which calamine reads past.
            0x002F if u16_at(0) != Some(0) => return Ok(()),
            // BOF and EOF: a sheet's records begin and end.
            0x0809 | 0x0409 | 0x0209 | 0x0009 | 0x000A => {
                total = total.saturating_add(sheet.cells());
                sheet = Bounds::default();
            }
            // Cells with a value: FORMULA, LABELSST, NUMBER, LABEL, BOOLERR,
            // RK, RSTRING — row, then column.
            0x0006 | 0x00FD | 0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00D6 => {
                if let (Some(row), Some(column)) = (u16_at(0), u16_at(2)) {
                    sheet.add(row, column, column);
                }
            }
            // DIMENSIONS: calamine reserves room for the sheet's declared
            // used range before reading a cell, so a forged one is refused
            // here (Excel's own never exceed 65,536 × 256).
            0x0200 => refuse_above(declared_cells(body), max_cells)?,
            // MULRK: row, first column, …, last column in its final 2 bytes.
            0x00BD if body.len() >= 6 => {
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(0), u16_at(2), u16_at(body.len() - 2))
                {
                    sheet.add(row, first, last);
                }
            }
            _ => {}
        }
        refuse_above(total.saturating_add(sheet.cells()), max_cells)?;
    }
    Ok(())
}

/// The cells calamine reserves for a DIMENSIONS record, computed as it
/// does (`xls.rs`, `parse_dimensions` and the `0x0200` arm), 32-bit
/// wrap-around included.
fn declared_cells(body: &[u8]) -> usize {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([body[i], body[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
    let (first_row, row_after, mut first_column, column_after) = match body.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0, // calamine refuses the record itself
    };
    if first_column > 0xFF || column_after < first_column {
        first_column = 0;
    }
    if row_after == 0 || column_after == 0 {
        return 1;
    }
    let rows = (row_after - 1).wrapping_sub(first_row).wrapping_add(1) as usize;
    let columns = (column_after - 1)
        .wrapping_sub(first_column)
        .wrapping_add(1) as usize;
    rows.saturating_mul(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_measure_the_grid_calamine_would_build() {
        let mut b = Bounds::default();
        assert_eq!(b.cells(), 0);
        b.add(5, 2, 2);
        assert_eq!(b.cells(), 1);
        b.add(9, 0, 3);
        assert_eq!(b.cells(), 5 * 4);
        b.add(1_048_575, 16_383, 16_383);
        // Saturates where usize is 32 bits (wasm): refused either way.
        let whole_sheet: u64 = (1_048_575 - 5 + 1) * 16_384;
        assert_eq!(b.cells() as u64, whole_sheet.min(usize::MAX as u64));
    }

    #[test]
    fn declared_used_ranges_are_counted_as_calamine_reserves_them() {
        let biff8 = |rows: (u32, u32), columns: (u16, u16)| {
            [
                rows.0.to_le_bytes().as_slice(),
                &rows.1.to_le_bytes(),
                &columns.0.to_le_bytes(),
                &columns.1.to_le_bytes(),
                &[0, 0],
            ]
            .concat()
        };
        assert_eq!(declared_cells(&biff8((0, 65_536), (0, 256))), 65_536 * 256);
        assert_eq!(declared_cells(&biff8((0, 0), (0, 0))), 1);
        assert!(declared_cells(&biff8((0, u32::MAX), (0, 256))) > 50_000_000);
        // A first row past the last wraps around in calamine: huge, refused.
        assert!(declared_cells(&biff8((10, 5), (0, 2))) > 50_000_000);
        assert_eq!(declared_cells(&[0; 7]), 0);
    }

    #[test]
    fn a_far_apart_xls_sheet_is_refused_before_it_is_built() {
        // A BIFF stream: BOF, NUMBER at A1, NUMBER at IV65536, EOF.
        let record = |kind: u16, body: &[u8]| {
            let mut r = kind.to_le_bytes().to_vec();
            r.extend((body.len() as u16).to_le_bytes());
            r.extend(body);
            r
        };
        let number = |row: u16, column: u16| {
            let mut body = row.to_le_bytes().to_vec();
            body.extend(column.to_le_bytes());
            body.extend([0u8; 10]);
            record(0x0203, &body)
        };
        let biff: Vec<u8> = [
            record(
                0x0809,
                &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ),
            number(0, 0),
            number(65_535, 255),
            record(0x000A, &[]),
        ]
        .concat();
        let mut compound = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        std::io::Write::write_all(&mut compound.create_stream("/Workbook").unwrap(), &biff)
            .unwrap();
        let bytes = compound.into_inner().into_inner();
        assert!(matches!(
            check_xls_grids(&bytes, 1_000_000),
            Err(EngineError::TooManyCells {
                cells: 16_777_216,
                limit: 1_000_000
            })
        ));
        assert!(check_xls_grids(&bytes, 20_000_000).is_ok());
    }

    #[test]
    fn an_xls_stream_not_starting_with_bof_is_still_walked() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/regressions/read_spreadsheet/oom-xls-stream-without-bof.xls"
        );
        let bytes = std::fs::read(path).expect("the kept fuzzing input");
        let refused = check_xls_grids(&bytes, 200_000);
        assert!(
            matches!(refused, Err(EngineError::TooManyCells { cells, .. }) if cells > 200_000),
            "{refused:?}"
        );
    }
}
