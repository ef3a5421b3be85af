//! Reading and profiling: a workbook's bytes or an Excel selection in, the
//! engine's column profiles out.

use std::fmt;

use engine::{OfficeRange, OfficeValue, ReadOptions, Table};
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::{Engine, to_js, to_js_error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface OfficeRange { values: (string | number | boolean)[][]; numberFormat?: string[][]; hasHeader?: boolean | null }
export type ColumnType = "empty" | "boolean" | "integer" | "decimal" | "currency" | "percentage" | "date" | "datetime" | "time" | "duration" | "email" | "phone" | "url" | "identifier" | "category" | "text";
export type NumberLocale = "1,234.56" | "1.234,56" | "1 234,56" | "1'234.56" | "1 234.56";
export type DateOrder = "dmy" | "mdy";
export type TextCase = "lower" | "upper" | "title";
export interface ValueCount { value: string; count: number }
export interface NumericSummary { min: number; max: number; mean: number }
export interface ColumnProfile { name: string; inferredType: ColumnType; count: number; missing: number; distinct: number; nonConforming: number; errors: number; topValues: ValueCount[]; numeric: NumericSummary | null; placeholders: number; nonConformingShare: number; nonConformingExamples: string[]; numberLocale: NumberLocale | null; dateOrder: DateOrder | null; currency: string | null; unit: string | null; textCase: TextCase | null }
export interface TableProfile { rowCount: number; columnCount: number; columns: ColumnProfile[] }
export interface FileProfile { sheetName: string; sheetNames: string[]; profile: TableProfile }
"#;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileProfile {
    sheet_name: String,
    sheet_names: Vec<String>,
    profile: engine::TableProfile,
}

/// `OfficeRange` as read from JavaScript. Each cell goes through its own
/// visitor rather than serde's untagged enum, and the whole range crosses
/// into wasm as one JSON text (`JSON.stringify` is native): value by value
/// through `serde_wasm_bindgen` costs several JavaScript calls per cell,
/// which dominated the time on a million cells.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsRange {
    values: Vec<Vec<JsCell>>,
    #[serde(default)]
    number_format: Option<engine::NumberFormats>,
    #[serde(default)]
    has_header: Option<bool>,
}

struct JsCell(OfficeValue);

impl<'de> Deserialize<'de> for JsCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsCell, D::Error> {
        struct CellVisitor;
        impl Visitor<'_> for CellVisitor {
            type Value = OfficeValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a string or a boolean")
            }
            fn visit_f64<E>(self, v: f64) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Number(v as f64))
            }
            fn visit_bool<E>(self, v: bool) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Bool(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<OfficeValue, E> {
                Ok(OfficeValue::Text(v))
            }
        }
        deserializer.deserialize_any(CellVisitor).map(JsCell)
    }
}

/// An Office.js range as a table, refusing more cells than `max_cells`.
/// Shared by every method that takes a range.
pub(crate) fn range_to_table(range: JsValue, max_cells: usize) -> Result<engine::Table, JsError> {
    range_to_table_and_formats(range, max_cells).map(|(table, _)| table)
}

/// As [`range_to_table`], handing back the range's number formats too —
/// read in the same pass, since a million of them cost more to read than
/// the values.
pub(crate) fn range_to_table_and_formats(
    range: JsValue,
    max_cells: usize,
) -> Result<(engine::Table, Option<engine::NumberFormats>), JsError> {
    let json = js_sys::JSON::stringify(&range)
        .ok()
        .and_then(|json| json.as_string())
        .ok_or_else(|| to_js_error("invalid range: not plain data"))?;
    let range: JsRange =
        serde_json::from_str(&json).map_err(|e| to_js_error(format!("invalid range: {e}")))?;
    drop(json);
    let cells: usize = range.values.iter().map(Vec::len).sum();
    if cells > max_cells {
        return Err(to_js_error(engine::EngineError::TooManyCells {
            cells,
            limit: max_cells,
        }));
    }
    OfficeRange {
        values: range
            .values
            .into_iter()
            .map(|row| row.into_iter().map(|cell| cell.0).collect())
            .collect(),
        number_format: range.number_format,
        has_header: range.has_header,
    }
    .into_table_and_formats()
    .map_err(to_js_error)
}

#[wasm_bindgen]
impl Engine {
    /// Reads a .xlsx/.xlsm/.xlsb/.xls/.ods/.csv/.tsv file's bytes (the first
    /// sheet with data, or `sheet`) and profiles it. Throws an Error with a
    /// user-readable message on bad input.
    #[wasm_bindgen(js_name = profileFile, unchecked_return_type = "FileProfile")]
    pub fn profile_file(
        &self,
        bytes: &[u8],
        file_name: &str,
        sheet: Option<String>,
    ) -> Result<JsValue, JsError> {
        let options = ReadOptions {
            sheet,
            ..self.read_options.clone()
        };
        let data = engine::read_workbook(bytes, file_name, &options).map_err(to_js_error)?;
        let profile = engine::profile_table(&data.table);
        to_js(&FileProfile {
            sheet_name: data.sheet_name,
            sheet_names: data.sheet_names,
            profile,
        })
    }

    /// Profiles an Excel selection as Office.js gives it.
    #[wasm_bindgen(js_name = profileRange, unchecked_return_type = "TableProfile")]
    pub fn profile_range(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
    ) -> Result<JsValue, JsError> {
        let table = range_to_table(range, self.max_cells())?;
        to_js(&engine::profile_table(&table))
    }
}

/// Whether `Table::from_rows` took the range's first row as the header: it
/// then has one data row fewer than the range has rows.
pub(crate) fn took_header(range_rows: usize, table: &Table) -> bool {
    range_rows > 0 && table.row_count() + 1 == range_rows
}

/// How many rows an Office.js range has, read before it is converted.
pub(crate) fn range_rows(range: &JsValue) -> usize {
    js_sys::Reflect::get(range, &JsValue::from_str("values"))
        .ok()
        .filter(|values| values.is_array())
        .map_or(0, |values| js_sys::Array::from(&values).length() as usize)
}
