use thiserror::Error;

/// Every way the engine can refuse an input. Messages are written for the
/// person who picked the file, not for a developer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    #[error("the file is empty")]
    EmptyInput,
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    InputTooLarge { size: usize, limit: usize },
    #[error("the sheet has {cells} cells; the limit is {limit} cells")]
    TooManyCells { cells: usize, limit: usize },
    #[error("the file is password-protected; remove the password in Excel and try again")]
    Encrypted,
    #[error("this is not a spreadsheet this tool can read ({0})")]
    UnsupportedFormat(String),
    #[error("the spreadsheet could not be read: {0}")]
    Unreadable(String),
    #[error("the workbook has no sheet named \"{0}\"")]
    NoSuchSheet(String),
    #[error("the workbook has no sheets")]
    NoSheets,
    #[error("invalid input: {0}")]
    InvalidInput(String),
}
