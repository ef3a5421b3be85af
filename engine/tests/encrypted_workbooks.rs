//! Password-protected workbooks get the engine's own "password-protected"
//! error, whatever the format. These three files used to come out as
//! calamine's "Cannot detect file format" (`scripts/corpus_check.sh` over
//! the bench corpus); fixtures in `tests/fixtures/encrypted/`.

use std::path::PathBuf;

use engine::EngineError;
use engine::read::{ReadOptions, read_workbook};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/encrypted")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_error(name: &str) -> EngineError {
    read_workbook(&fixture(name), name, &ReadOptions::default())
        .map(|sheet| sheet.sheet_name)
        .expect_err(name)
}

/// An RC4-encrypted `.xls` (FILEPASS type 1): calamine says "password
/// protected" for it, but its auto reader dropped that.
#[test]
fn an_rc4_encrypted_xls_is_reported_as_password_protected() {
    assert_eq!(read_error("poi-password.xls"), EngineError::Encrypted);
}

/// An XOR-obfuscated `.xls` (FILEPASS type 0), which calamine does not
/// refuse itself: its scrambled records then failed to parse.
#[test]
fn an_xor_obfuscated_xls_is_reported_as_password_protected() {
    assert_eq!(
        read_error("sheetjs-password_2002_40_xor.xls"),
        EngineError::Encrypted
    );
}

/// An encrypted `.ods` (`manifest:encryption-data` in its manifest).
#[test]
fn an_encrypted_ods_is_reported_as_password_protected() {
    assert_eq!(
        read_error("calamine-pass_protected.ods"),
        EngineError::Encrypted
    );
}
