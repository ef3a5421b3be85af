//! Finding and masking personal data before anything leaves Excel.
//!
//! * [`scan_cell`] and [`scan_table`] find PII in cell text: emails, phones,
//!   payment cards, IBANs, US SSNs, IP addresses, SWIFT/BIC codes, EU VAT
//!   ids, dates of birth, person names, postal addresses and secrets, alone
//!   in a cell or embedded in free text. A column is judged as a column: its
//!   header and a sample of its values ([`ColumnContext`]) lift or suppress
//!   what a single value would suggest (an `Order #` column of Luhn-valid
//!   numbers holds no cards; a `Name` column holds names).
//! * [`Policy`] says what to do with each type or column, [`mask_table`]
//!   does it, and the [`Vault`] keeps the pseudonyms (`PERSON_3`) so that an
//!   answer can be restored locally with [`Vault::unmask`].
//! * [`guard`] is the server's last line of defence for outgoing prompts.
//!
//! Offsets are Unicode code points (`char`s) into the cell's text, end
//! exclusive. Scanning is linear in the text: hand-written recognisers, no
//! backtracking regular expressions.

mod detect;
mod guard;
mod names;
mod operators;
mod policy;
mod vault;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::table::{Cell, Column, Table};
use crate::write::format_cell;

pub use detect::ColumnContext;
pub use guard::{GuardMode, GuardOutcome, PiiPolicy, guard};
pub use operators::{MaskSummary, MaskedTable, SummaryRow, mask_table, mask_text};
pub use policy::{DateGranularity, Operator, Policy};
pub use vault::Vault;

/// The kinds of personal data the scanner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiType {
    Email,
    Phone,
    CreditCard,
    Iban,
    UsSsn,
    IpAddress,
    SwiftBic,
    VatId,
    DateOfBirth,
    Person,
    Address,
    Secret,
}

impl PiiType {
    pub const ALL: [PiiType; 12] = [
        PiiType::Email,
        PiiType::Phone,
        PiiType::CreditCard,
        PiiType::Iban,
        PiiType::UsSsn,
        PiiType::IpAddress,
        PiiType::SwiftBic,
        PiiType::VatId,
        PiiType::DateOfBirth,
        PiiType::Person,
        PiiType::Address,
        PiiType::Secret,
    ];

    /// The snake_case name used in JSON (`credit_card`).
    pub fn name(self) -> &'static str {
        match self {
            PiiType::Email => "email",
            PiiType::Phone => "phone",
            PiiType::CreditCard => "credit_card",
            PiiType::Iban => "iban",
            PiiType::UsSsn => "us_ssn",
            PiiType::IpAddress => "ip_address",
            PiiType::SwiftBic => "swift_bic",
            PiiType::VatId => "vat_id",
            PiiType::DateOfBirth => "date_of_birth",
            PiiType::Person => "person",
            PiiType::Address => "address",
            PiiType::Secret => "secret",
        }
    }

    /// The upper-case label used in replacements and pseudonyms
    /// (`CREDIT_CARD`, `PERSON_3`).
    pub fn label(self) -> &'static str {
        match self {
            PiiType::Email => "EMAIL",
            PiiType::Phone => "PHONE",
            PiiType::CreditCard => "CREDIT_CARD",
            PiiType::Iban => "IBAN",
            PiiType::UsSsn => "US_SSN",
            PiiType::IpAddress => "IP_ADDRESS",
            PiiType::SwiftBic => "SWIFT_BIC",
            PiiType::VatId => "VAT_ID",
            PiiType::DateOfBirth => "DATE_OF_BIRTH",
            PiiType::Person => "PERSON",
            PiiType::Address => "ADDRESS",
            PiiType::Secret => "SECRET",
        }
    }

    pub fn from_name(name: &str) -> Option<PiiType> {
        PiiType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One piece of personal data in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    #[serde(rename = "type")]
    pub kind: PiiType,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset just past the last character.
    pub end: usize,
    /// Confidence from 0 to 1.
    pub score: f64,
    /// Why the scanner believes it, for people.
    pub reason: &'static str,
}

/// A finding in one cell of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellFinding {
    /// 0-based data row (the header is not a row).
    pub row: usize,
    /// 0-based column index.
    pub column: usize,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Finds personal data in one cell's text, judged in its column's context.
/// Findings do not overlap and come in text order.
pub fn scan_cell(text: &str, context: &ColumnContext) -> Vec<Finding> {
    detect::scan(text, context)
}

/// The text a cell is scanned and masked as: what `xlclean` writes to CSV
/// (numbers plain, dates ISO 8601).
pub fn cell_text(cell: &Cell) -> String {
    format_cell(cell, None)
}

/// How many non-empty values of a column [`ColumnContext::for_column`]
/// looks at.
pub const CONTEXT_SAMPLE: usize = 200;

impl ColumnContext {
    /// The context of a table column: its header and up to
    /// [`CONTEXT_SAMPLE`] of its first non-empty values.
    pub fn for_column(column: &Column) -> ColumnContext {
        let sample: Vec<String> = column
            .cells
            .iter()
            .filter(|c| !c.is_empty())
            .take(CONTEXT_SAMPLE)
            .map(cell_text)
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        ColumnContext::new(&column.name, &refs)
    }
}

/// Finds personal data in every cell, column by column (each column's
/// context computed once). Findings are ordered by column, then row, then
/// offset.
pub fn scan_table(table: &Table) -> Vec<CellFinding> {
    let mut out = Vec::new();
    let mut text;
    for (c, column) in table.columns().iter().enumerate() {
        let context = ColumnContext::for_column(column);
        for (r, cell) in column.cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let scanned: &str = match cell {
                Cell::Text(t) => t,
                other => {
                    text = cell_text(other);
                    &text
                }
            };
            for finding in scan_cell(scanned, &context) {
                out.push(CellFinding {
                    row: r,
                    column: c,
                    finding,
                });
            }
        }
    }
    out
}
