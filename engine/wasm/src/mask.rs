//! PII detection, masking, un-masking and the chat's preview payload
//! (`engine::mask`, `engine::preview`), held by a workbook-scoped
//! [`Masker`]: its policy, its key and its pseudonym vault. The vault
//! leaves the handle only through [`Masker::export_vault`], for the pane
//! to keep in its own storage and give back to [`Masker::from_vault`].
//!
//! The engine counts offsets in Unicode code points; JavaScript strings
//! are indexed in UTF-16 code units, so findings are converted here
//! (`"😀 a@b.co"`: the email starts at code point 2, code unit 3).

use std::borrow::Cow;

use engine::mask::{self, CellFinding, Policy, Vault};
use engine::tokens::PriceTable;
use engine::{Cell, Table};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::profile::{range_rows, range_to_table, took_header};
use crate::tokens::SheetContextOptions;
use crate::{from_js_json, price_table, to_js, to_js_error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export type PiiType = "email" | "phone" | "credit_card" | "iban" | "us_ssn" | "ip_address" | "swift_bic" | "vat_id" | "date_of_birth" | "person" | "address" | "secret";
export type DateGranularity = "month" | "year";
export type MaskOperatorName = "keep" | "redact" | "label" | "partial" | "hash" | "pseudonym" | "generalize" | "drop";
export type MaskOperator = MaskOperatorName
  | { op: "keep" | "redact" | "label" | "pseudonym" | "drop" }
  | { op: "partial"; keepFirst?: number; keepLast?: number; maskChar?: string }
  | { op: "hash"; length?: number }
  | { op: "generalize"; round?: number | null; buckets?: number[] | null; date?: DateGranularity | null };
export interface MaskPolicy { version: 1; minScore?: number; types?: Partial<Record<PiiType, MaskOperator>>; columns?: Record<string, MaskOperator> }
export interface MaskerOptions { policy?: MaskPolicy | null; maxCells?: number; prices?: PriceTable }
/** A finding in one cell. `start`/`end` are UTF-16 code unit offsets (end exclusive) into the cell's text: the string itself for text cells. */
export interface ScanFinding { row: number; column: number; columnName: string; type: PiiType; start: number; end: number; score: number; reason: string }
/** `row` is the 0-based data row: with `hasHeader`, the range's row `row + 1`. */
export interface ScanResult { hasHeader: boolean; columns: string[]; findings: ScanFinding[] }
export interface MaskSummaryRow { column: string; type: PiiType | null; operator: MaskOperatorName; cells: number }
export interface MaskSummary { rows: MaskSummaryRow[]; droppedColumns: string[]; maskedCells: number }
/** The masked range in Office.js form (the header row first when `hasHeader`); dropped columns are left out. */
export interface MaskResult { hasHeader: boolean; columns: string[]; values: (string | number | boolean)[][]; summary: MaskSummary }
/** Exactly what the chat sends about the range: send `payload` as the message's `sheet_context`, unchanged. */
export interface Preview { payload: string; tokens: number; budget: number; detail: ContextDetail; columnsDescribed: number; rowsIncluded: number[]; rowsOmitted: number; cellsTruncated: number; summary: MaskSummary }
"#;

/// Mirrors `MaskerOptions` above.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MaskerOptions {
    #[serde(default)]
    policy: Option<serde_json::Value>,
    #[serde(default)]
    max_cells: Option<usize>,
    #[serde(default)]
    prices: Option<serde_json::Value>,
}

fn policy_from_json(policy: &serde_json::Value) -> Result<Policy, JsError> {
    Policy::from_json(&policy.to_string()).map_err(to_js_error)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScanFinding<'a> {
    row: usize,
    column: usize,
    column_name: &'a str,
    #[serde(rename = "type")]
    kind: mask::PiiType,
    start: usize,
    end: usize,
    score: f64,
    reason: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScanResult<'a> {
    has_header: bool,
    columns: Vec<&'a str>,
    findings: Vec<ScanFinding<'a>>,
}

/// One cell in Office.js form.
#[derive(Serialize)]
#[serde(untagged)]
enum OfficeCell<'a> {
    Number(f64),
    Bool(bool),
    Text(&'a str),
}

impl<'a> From<&'a Cell> for OfficeCell<'a> {
    fn from(cell: &'a Cell) -> OfficeCell<'a> {
        match cell {
            Cell::Empty => OfficeCell::Text(""),
            Cell::Bool(b) => OfficeCell::Bool(*b),
            // Dates and durations are Excel serial numbers, as Office.js
            // gives and takes them.
            Cell::Number(n) | Cell::DateTime(n) | Cell::Duration(n) => OfficeCell::Number(*n),
            Cell::Text(t) => OfficeCell::Text(t),
            Cell::Error(code) => OfficeCell::Text(code),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MaskResult<'a> {
    has_header: bool,
    columns: Vec<&'a str>,
    values: Vec<Vec<OfficeCell<'a>>>,
    summary: &'a mask::MaskSummary,
}

/// Converts code-point offsets of one text into UTF-16 code-unit offsets,
/// walking the text once for offsets that come in ascending order (as a
/// cell's findings do) and starting over for one that goes back.
struct Utf16Offsets<'a> {
    text: &'a str,
    chars: std::str::Chars<'a>,
    code_points: usize,
    code_units: usize,
}

impl<'a> Utf16Offsets<'a> {
    fn new(text: &'a str) -> Utf16Offsets<'a> {
        Utf16Offsets {
            text,
            chars: text.chars(),
            code_points: 0,
            code_units: 0,
        }
    }

    /// The UTF-16 offset of code point `offset` (the text's UTF-16 length
    /// past its end).
    fn at(&mut self, offset: usize) -> usize {
        if offset < self.code_points {
            *self = Utf16Offsets::new(self.text);
        }
        while self.code_points < offset {
            match self.chars.next() {
                Some(c) => {
                    self.code_points += 1;
                    self.code_units += c.len_utf16();
                }
                None => break,
            }
        }
        self.code_units
    }
}

/// A workbook's masking state: its policy, its key and its pseudonym vault.
/// Build one per workbook and keep it for the session, so that the same
/// value always gets the same pseudonym.
#[wasm_bindgen]
pub struct Masker {
    policy: Policy,
    vault: Vault,
    max_cells: usize,
    prices: PriceTable,
}

#[wasm_bindgen]
impl Masker {
    /// A masker with an empty vault. `key`: the workbook's secret, at least
    /// 16 bytes (32 random bytes from `crypto.getRandomValues`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &[u8],
        #[wasm_bindgen(unchecked_param_type = "MaskerOptions | null")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Masker, JsError> {
        let vault = Vault::new(key).map_err(to_js_error)?;
        Masker::with_vault(vault, options)
    }

    /// A masker restored from `exportVault()`'s text (its key included).
    #[wasm_bindgen(js_name = fromVault)]
    pub fn from_vault(
        vault: &str,
        #[wasm_bindgen(unchecked_param_type = "MaskerOptions | null")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Masker, JsError> {
        let vault = Vault::from_json(vault).map_err(to_js_error)?;
        Masker::with_vault(vault, options)
    }

    /// Replaces the policy (the vault stays: known values keep their
    /// pseudonyms). Throws on an invalid policy.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "MaskPolicy")] policy: JsValue,
    ) -> Result<(), JsError> {
        let json: serde_json::Value = from_js_json(&policy, "masking policy")?;
        self.policy = policy_from_json(&json)?;
        Ok(())
    }

    /// The policy in use, complete (to save as the user's default).
    #[wasm_bindgen(getter, unchecked_return_type = "MaskPolicy")]
    pub fn policy(&self) -> Result<JsValue, JsError> {
        to_js(&self.policy)
    }

    /// Finds personal data in every cell of the range, each cell judged in
    /// its column's context. Offsets are UTF-16 code units.
    #[wasm_bindgen(unchecked_return_type = "ScanResult")]
    pub fn scan(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
    ) -> Result<JsValue, JsError> {
        let rows = range_rows(&range);
        let table = range_to_table(range, self.max_cells)?;
        let findings = mask::scan_table(&table);
        to_js(&ScanResult {
            has_header: took_header(rows, &table),
            columns: table.columns().iter().map(|c| c.name.as_str()).collect(),
            findings: utf16_findings(&table, &findings),
        })
    }

    /// Masks the range with the policy; pseudonyms go into the vault.
    #[wasm_bindgen(unchecked_return_type = "MaskResult")]
    pub fn mask(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
    ) -> Result<JsValue, JsError> {
        let rows = range_rows(&range);
        let table = range_to_table(range, self.max_cells)?;
        let findings = mask::scan_table(&table);
        let masked = mask::mask_table(&table, &findings, &self.policy, &mut self.vault);
        let has_header = took_header(rows, &table);
        let columns: Vec<&str> = masked
            .table
            .columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let mut values = Vec::with_capacity(masked.table.row_count() + 1);
        if has_header {
            values.push(columns.iter().map(|name| OfficeCell::Text(name)).collect());
        }
        for row in 0..masked.table.row_count() {
            values.push(
                masked
                    .table
                    .columns()
                    .iter()
                    .map(|c| OfficeCell::from(&c.cells[row]))
                    .collect(),
            );
        }
        to_js(&MaskResult {
            has_header,
            columns,
            values,
            summary: &masked.summary,
        })
    }

    /// Restores the pseudonyms of this workbook's vault in `text` (a
    /// model's answer) to the values they stand for. Other text, and
    /// tokens the vault does not hold, stay as they are.
    pub fn unmask(&self, text: &str) -> String {
        self.vault.unmask(text)
    }

    /// Exactly what the chat will send about the range: the masked range
    /// in the sheet context's compact form within `options.budget` tokens
    /// (`payload`, to be sent unchanged), and what was masked.
    #[wasm_bindgen(unchecked_return_type = "Preview")]
    pub fn preview(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SheetContextOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let options: SheetContextOptions = from_js_json(&options, "preview options")?;
        let counter = options.counter(&self.prices)?;
        let table = range_to_table(range, self.max_cells)?;
        let preview = engine::preview::preview(
            &table,
            &self.policy,
            &mut self.vault,
            counter,
            options.budget(),
            &options.context_options(),
        );
        to_js(&preview)
    }

    /// The vault (its key and every pseudonym with its value) as JSON, for
    /// the pane to keep in its own storage; never send it anywhere.
    #[wasm_bindgen(js_name = exportVault)]
    pub fn export_vault(&self) -> String {
        self.vault.to_json()
    }

    /// How many pseudonyms the vault holds.
    #[wasm_bindgen(getter, js_name = vaultSize)]
    pub fn vault_size(&self) -> usize {
        self.vault.len()
    }
}

impl Masker {
    fn with_vault(vault: Vault, options: Option<js_sys::Object>) -> Result<Masker, JsError> {
        let options: MaskerOptions = match options {
            Some(object) => from_js_json(&object, "masker options")?,
            None => MaskerOptions::default(),
        };
        let policy = match &options.policy {
            Some(json) if !json.is_null() => policy_from_json(json)?,
            _ => Policy::default(),
        };
        Ok(Masker {
            policy,
            vault,
            max_cells: options
                .max_cells
                .unwrap_or(engine::ReadOptions::default().max_cells),
            prices: price_table(options.prices.as_ref())?,
        })
    }
}

/// The findings with their offsets in UTF-16 code units of the text each
/// cell was scanned as. `scan_table` gives a cell's findings together and
/// in text order, so each cell's text is walked once.
fn utf16_findings<'a>(table: &'a Table, findings: &[CellFinding]) -> Vec<ScanFinding<'a>> {
    let mut out = Vec::with_capacity(findings.len());
    for in_cell in findings.chunk_by(|a, b| (a.column, a.row) == (b.column, b.row)) {
        let (column_index, row) = (in_cell[0].column, in_cell[0].row);
        let column = &table.columns()[column_index];
        // The text scan_table scanned: a text cell's own string, the
        // engine's text form of any other cell.
        let cell = &column.cells[row];
        let text: Cow<'_, str> = match cell {
            Cell::Text(t) => Cow::Borrowed(t),
            other => Cow::Owned(mask::cell_text(other)),
        };
        let mut offsets = Utf16Offsets::new(&text);
        for found in in_cell {
            let start = offsets.at(found.finding.start);
            let end = offsets.at(found.finding.end);
            out.push(ScanFinding {
                row,
                column: column_index,
                column_name: &column.name,
                kind: found.finding.kind,
                start,
                end,
                score: found.finding.score,
                reason: found.finding.reason,
            });
        }
    }
    out
}
