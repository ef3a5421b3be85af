//! The WebAssembly face of the engine, for the task pane's Web Worker.
//!
//! Deliberately thin: JavaScript builds one [`Engine`] handle from typed
//! options and calls it with bytes or Office.js values; everything else is
//! the pure-Rust `engine` crate. Errors leave through [`to_js_error`] as
//! real JavaScript `Error`s. On other targets this crate is empty.
#![cfg(target_arch = "wasm32")]

use engine::{OfficeRange, ReadOptions};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface EngineOptions { maxInputBytes?: number; maxCells?: number }
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

/// Mirrors `EngineOptions` in the TypeScript section above.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EngineOptions {
    max_input_bytes: Option<usize>,
    max_cells: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileProfile {
    sheet_name: String,
    sheet_names: Vec<String>,
    profile: engine::TableProfile,
}

/// The one way errors cross into JavaScript.
fn to_js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    // json_compatible: `None` becomes `null` and maps become plain objects,
    // matching the TypeScript declarations.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(to_js_error)
}

#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A handle holding the engine's settings; build it once per worker.
#[wasm_bindgen]
pub struct Engine {
    read_options: ReadOptions,
}

#[wasm_bindgen]
impl Engine {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "EngineOptions | null")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Engine, JsError> {
        let options: EngineOptions = match options {
            // Through JSON rather than serde_wasm_bindgen, which ignores
            // unknown keys: a misspelt option must fail, not be dropped.
            Some(object) => {
                let json = String::from(
                    js_sys::JSON::stringify(&object)
                        .map_err(|_| to_js_error("options are not plain data"))?,
                );
                serde_json::from_str(&json)
                    .map_err(|e| to_js_error(format!("invalid engine options: {e}")))?
            }
            None => EngineOptions::default(),
        };
        let defaults = ReadOptions::default();
        Ok(Engine {
            read_options: ReadOptions {
                max_input_bytes: options.max_input_bytes.unwrap_or(defaults.max_input_bytes),
                max_cells: options.max_cells.unwrap_or(defaults.max_cells),
                ..defaults
            },
        })
    }

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
        let range: OfficeRange = serde_wasm_bindgen::from_value(range).map_err(to_js_error)?;
        let cells: usize = range.values.iter().map(Vec::len).sum();
        if cells > self.read_options.max_cells {
            return Err(to_js_error(engine::EngineError::TooManyCells {
                cells,
                limit: self.read_options.max_cells,
            }));
        }
        let table = range.into_table().map_err(to_js_error)?;
        to_js(&engine::profile_table(&table))
    }
}
