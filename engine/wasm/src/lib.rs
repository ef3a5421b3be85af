//! The WebAssembly face of the engine, for the task pane's Web Worker.
//!
//! Deliberately thin: JavaScript builds one [`Engine`] handle from typed
//! options and calls it with bytes or Office.js values; everything else is
//! the pure-Rust `engine` crate. Errors leave through [`to_js_error`] as
//! real JavaScript `Error`s. On other targets this crate is empty.
//!
//! One module per area, each with the TypeScript declarations of its own
//! values: `profile` (reading and profiling), `tokens` (token counts, the
//! chat window, the sheet context), `mask` (PII scan, masking, un-masking
//! and the chat's preview payload).
#![cfg(target_arch = "wasm32")]

pub mod clean;
mod mask;
mod profile;
mod tokens;

pub use mask::Masker;

use engine::ReadOptions;
use engine::tokens::PriceTable;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface EngineOptions { maxInputBytes?: number; maxCells?: number; prices?: PriceTable }
"#;

/// Mirrors `EngineOptions` in the TypeScript section above.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EngineOptions {
    max_input_bytes: Option<usize>,
    max_cells: Option<usize>,
    /// The models and prices; the engine's built-in table when absent.
    prices: Option<serde_json::Value>,
}

/// A price table given as options, checked as the engine checks its own;
/// the built-in one when none is given.
fn price_table(prices: Option<&serde_json::Value>) -> Result<PriceTable, JsError> {
    match prices {
        Some(json) => PriceTable::from_json(&json.to_string()).map_err(to_js_error),
        None => Ok(PriceTable::builtin()),
    }
}

/// The one way errors cross into JavaScript.
fn to_js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    // As JSON text parsed by the engine's own `JSON.parse`: one call into
    // JavaScript instead of several per value (a scan can return hundreds
    // of thousands of findings), and `None` becomes `null` and maps plain
    // objects, matching the TypeScript declarations.
    let json = serde_json::to_string(value).map_err(to_js_error)?;
    js_sys::JSON::parse(&json).map_err(|_| to_js_error("the engine produced invalid JSON"))
}

/// Reads typed options from JavaScript as JSON into types that deny
/// unknown fields: a misspelt option must fail, not be dropped. `what`
/// names the value in the error.
fn from_js_json<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsError> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|json| json.as_string())
        .ok_or_else(|| to_js_error(format!("invalid {what}: not plain data")))?;
    serde_json::from_str(&json).map_err(|e| to_js_error(format!("invalid {what}: {e}")))
}

#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A handle holding the engine's settings; build it once per worker.
#[wasm_bindgen]
pub struct Engine {
    read_options: ReadOptions,
    prices: PriceTable,
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
            Some(object) => from_js_json(&object, "engine options")?,
            None => EngineOptions::default(),
        };
        let defaults = ReadOptions::default();
        let prices = price_table(options.prices.as_ref())?;
        Ok(Engine {
            prices,
            read_options: ReadOptions {
                max_input_bytes: options.max_input_bytes.unwrap_or(defaults.max_input_bytes),
                max_cells: options.max_cells.unwrap_or(defaults.max_cells),
                ..defaults
            },
        })
    }
}

impl Engine {
    /// The cell limit for values handed over from Office.js.
    fn max_cells(&self) -> usize {
        self.read_options.max_cells
    }
}
