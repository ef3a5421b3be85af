//! Password-protected workbooks, recognised before calamine reads them.
//!
//! calamine knows most of them, but `open_workbook_auto_from_rs` tries each
//! format in turn and drops every error, so an encrypted `.ods` came out as
//! "Cannot detect file format"; an XOR-obfuscated `.xls` (FILEPASS with
//! encryption type 0) is not refused by calamine at all and then fails on
//! its scrambled records with that same message. Here the container itself
//! is looked at: an OLE file holding an encrypted OOXML package, an `.xls`
//! whose workbook globals carry a FILEPASS record, and (in `read.rs`) any
//! password error calamine gives while trying the formats.

use std::io::{Cursor, Read, Seek, SeekFrom};

use crate::error::EngineError;

/// BIFF record types (MS-XLS 2.3).
const FILEPASS: u16 = 0x002F;
const EOF: u16 = 0x000A;

/// `Err(EngineError::Encrypted)` for an OLE compound file that is a
/// password-protected workbook: an encrypted `.xlsx`/`.xlsm`/`.xlsb`
/// (MS-OFFCRYPTO: `EncryptionInfo` and `EncryptedPackage` streams) or an
/// encrypted or obfuscated `.xls` (a FILEPASS record in the workbook
/// globals, RC4, CryptoAPI or XOR alike). A file `cfb` cannot open is left
/// to the compound-file check that follows, which says it is broken.
pub(crate) fn refuse_encrypted_compound_file(bytes: &[u8]) -> Result<(), EngineError> {
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(());
    };
    if file.is_stream("/EncryptionInfo") || file.is_stream("/EncryptedPackage") {
        return Err(EngineError::Encrypted);
    }
    for stream in ["/Workbook", "/Book"] {
        if !file.is_stream(stream) {
            continue;
        }
        let Ok(mut records) = file.open_stream(stream) else {
            continue;
        };
        if globals_have_filepass(&mut records) {
            return Err(EngineError::Encrypted);
        }
    }
    Ok(())
}

/// Walks the records of the workbook globals (from the stream's start to its
/// first EOF record) looking for FILEPASS, which Excel writes right after
/// the first BOF of an encrypted workbook. Record headers stay in clear text
/// in an encrypted file, so they can be walked; bodies are skipped unread.
fn globals_have_filepass(stream: &mut (impl Read + Seek)) -> bool {
    let mut header = [0u8; 4];
    while stream.read_exact(&mut header).is_ok() {
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let length = u16::from_le_bytes([header[2], header[3]]);
        match kind {
            FILEPASS => return true,
            EOF => return false,
            _ => {}
        }
        if stream.seek(SeekFrom::Current(i64::from(length))).is_err() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut bytes = kind.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(body.len() as u16).to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    const BOF: u16 = 0x0809;
    const CODEPAGE: u16 = 0x0042;

    #[test]
    fn filepass_in_the_globals_means_encrypted_whatever_its_type() {
        for encryption_type in [0u16, 1] {
            let stream = [
                record(BOF, &[0; 16]),
                record(FILEPASS, &encryption_type.to_le_bytes()),
                record(EOF, &[]),
            ]
            .concat();
            assert!(globals_have_filepass(&mut Cursor::new(stream)));
        }
    }

    #[test]
    fn filepass_after_the_globals_or_absent_is_not_looked_for() {
        let plain = [
            record(BOF, &[0; 16]),
            record(CODEPAGE, &[0xE4, 0x04]),
            record(EOF, &[]),
        ]
        .concat();
        assert!(!globals_have_filepass(&mut Cursor::new(plain.clone())));
        let later = [plain, record(BOF, &[0; 16]), record(FILEPASS, &[1, 0])].concat();
        assert!(!globals_have_filepass(&mut Cursor::new(later)));
        // A record cut short ends the walk without an error.
        assert!(!globals_have_filepass(&mut Cursor::new(vec![
            0x09, 0x08, 0xFF
        ])));
    }

    #[test]
    fn an_encrypted_ooxml_package_is_refused_as_encrypted() {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/EncryptionInfo").unwrap();
        file.create_stream("/EncryptedPackage").unwrap();
        file.flush().unwrap();
        let bytes = file.into_inner().into_inner();
        assert_eq!(
            refuse_encrypted_compound_file(&bytes),
            Err(EngineError::Encrypted)
        );
    }

    #[test]
    fn a_plain_compound_file_and_a_broken_one_pass_through() {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        std::io::Write::write_all(
            &mut file.create_stream("/Workbook").unwrap(),
            &[record(BOF, &[0; 16]), record(EOF, &[])].concat(),
        )
        .unwrap();
        file.flush().unwrap();
        let bytes = file.into_inner().into_inner();
        assert_eq!(refuse_encrypted_compound_file(&bytes), Ok(()));
        assert_eq!(refuse_encrypted_compound_file(b"not ole"), Ok(()));
    }
}
