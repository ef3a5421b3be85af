//! Inputs that `cargo fuzz` found crashing, hanging or exhausting memory
//! (kept in `fuzz/regressions/<target>/`; all of them are also replayed by
//! `cargo test -p fuzz-entry --test replay`). Here each states the clear
//! error the engine now gives.

use std::path::PathBuf;

use engine::EngineError;
use engine::read::{ReadOptions, read_workbook};

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A 5.7 KB OLE file whose directory sector chain loops: calamine 0.38
/// followed it until a 2 GiB allocation.
#[test]
fn an_ole_file_with_a_looping_sector_chain_is_unreadable_not_a_memory_bomb() {
    let bytes = regression("read_spreadsheet", "oom-cfb-sector-chain-loop.xls");
    let err = read_workbook(&bytes, "loop.xls", &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&err, EngineError::Unreadable(m) if m.contains("compound file")),
        "{err:?}"
    );
}

/// The check added for that file refuses no valid legacy workbook: two
/// small `.xls` test files of calamine and xlrd (`tests/fixtures/xls/`).
#[test]
fn valid_xls_files_still_read() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xls");
    for name in ["calamine-date.xls", "xlrd-ragged.xls"] {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let sheet = read_workbook(&bytes, name, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(sheet.table.row_count() > 0, "{name} has rows");
    }
}

/// An `.xlsb` whose sheet record names a relationship the workbook lacks:
/// calamine 0.38 panicked ("no entry found for key", `xlsb/mod.rs:312`).
/// Natively that is now a clear error (the wasm build aborts on panic).
#[test]
fn an_xlsb_naming_a_missing_relationship_is_unreadable_not_a_panic() {
    let bytes = regression("read_spreadsheet", "crash-xlsb-missing-relationship.xlsb");
    let err = read_workbook(&bytes, "bad.xlsb", &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&err, EngineError::Unreadable(m) if m.contains("malformed")),
        "{err:?}"
    );
}

/// calamine builds a sheet as a dense grid between its outermost cells. A
/// 15 KB `.xls` the fuzzer found (cells far apart) asked for 13.9 GB at
/// open and took 23 GB before the kernel stopped it; a hand-made 1 KB
/// `.xlsx` with values in A1 and XFD1048576 asked for 512 GiB and aborted.
/// Both grids are now measured from the cells' positions first.
#[test]
fn far_apart_cells_are_too_many_cells_not_a_memory_bomb() {
    for (name, cells) in [
        ("oom-xls-far-apart-cells.xls", 436_035_396_u64),
        ("oom-xlsx-far-apart-cells.xlsx", 17_179_869_184),
    ] {
        // The count saturates where usize is 32 bits (wasm).
        let cells = cells.min(usize::MAX as u64);
        let bytes = regression("read_spreadsheet", name);
        let err = read_workbook(&bytes, name, &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(err, EngineError::TooManyCells { cells: c, limit: 50_000_000 } if c as u64 == cells),
            "{name}: {err:?}"
        );
    }
}

/// An `.xls` (found by `cargo fuzz`) whose DIMENSIONS record declares an
/// enormous used range: calamine reserves room for it before reading a cell
/// (7.5 TB here; natively a capacity panic, a smaller forgery an abort).
#[test]
fn a_forged_xls_used_range_is_too_many_cells() {
    let bytes = regression("read_spreadsheet", "oom-xls-forged-dimensions.xls");
    let err = read_workbook(&bytes, "forged.xls", &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::TooManyCells {
                limit: 50_000_000,
                ..
            }
        ),
        "{err:?}"
    );
}
