//! Token counts, the chat's sliding window and the sheet context, as the
//! engine computes them (`engine::tokens`, `engine::window`,
//! `engine::context`): the task pane shows "this message will send N
//! tokens (≈ $X)" from the same code the proxy enforces.

use engine::context::{ContextOptions, build_sheet_context};
use engine::tokens::{DEFAULT_MODEL, ModelPrice, PriceTable, TokenCounter, counter_for};
use engine::window::{WindowInput, WindowLimits, build_window};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::profile::range_to_table;
use crate::{Engine, from_js_json, to_js, to_js_error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface LongContextPrice { aboveTokens: number; inputPerMillion: number; outputPerMillion: number }
export interface ModelPrice { model: string; tokenizer: "gemma3"; contextWindow: number; maxOutputTokens: number; inputPerMillion: number; outputPerMillion: number; longContext?: LongContextPrice }
export interface PriceTable { version: 1; currency: string; note?: string; models: ModelPrice[] }
export type ChatRole = "user" | "model";
export interface ChatMessage { role: ChatRole; text: string }
export interface ConversationSummary { text: string; covers: number }
export interface WindowInput { system: string; sheetContext?: string | null; history?: ChatMessage[]; summary?: ConversationSummary | null; message: string; reserveOutput: number }
export interface WindowLimits { maxRequestTokens?: number | null; perPartOverhead?: number }
export interface ChatRequest { model: string; system: string[]; contents: ChatMessage[]; maxOutputTokens: number }
export interface WindowBreakdown { system: number; sheetContext: number; summary: number; history: number; message: number; overhead: number; input: number; reservedOutput: number; budget: number; sheetContextDropped: boolean; summaryUsed: boolean; droppedMessages: number[]; keptMessages: number }
export interface Cost { currency: string; inputTokens: number; outputTokens: number; input: number; output: number; total: number }
export interface ChatWindow { request: ChatRequest; breakdown: WindowBreakdown; cost: Cost }
export interface SheetContextOptions { budget: number; model?: string | null; headRows?: number; tailRows?: number; maxCellChars?: number; maxCandidates?: number }
export type ContextDetail = "full" | "types" | "some_columns" | "size_only" | "nothing";
export interface SheetContext { text: string; tokens: number; budget: number; detail: ContextDetail; columnsDescribed: number; rowsIncluded: number[]; rowsOmitted: number; cellsTruncated: number }
"#;

/// Mirrors `SheetContextOptions` above: the token budget, the model whose
/// tokenizer counts it, and the engine's `ContextOptions` (defaults when
/// absent). Also the options of `Masker.preview`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SheetContextOptions {
    budget: usize,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    head_rows: Option<usize>,
    #[serde(default)]
    tail_rows: Option<usize>,
    #[serde(default)]
    max_cell_chars: Option<usize>,
    #[serde(default)]
    max_candidates: Option<usize>,
}

impl SheetContextOptions {
    pub(crate) fn budget(&self) -> usize {
        self.budget
    }

    pub(crate) fn context_options(&self) -> ContextOptions {
        let defaults = ContextOptions::default();
        ContextOptions {
            head_rows: self.head_rows.unwrap_or(defaults.head_rows),
            tail_rows: self.tail_rows.unwrap_or(defaults.tail_rows),
            max_cell_chars: self.max_cell_chars.unwrap_or(defaults.max_cell_chars),
            max_candidates: self.max_candidates.unwrap_or(defaults.max_candidates),
        }
    }

    /// The counter of the options' model (the default model when none).
    pub(crate) fn counter(
        &self,
        prices: &PriceTable,
    ) -> Result<&'static dyn TokenCounter, JsError> {
        let model = model_price(prices, self.model.as_deref())?;
        Ok(counter_for(model.tokenizer))
    }
}

fn model_price<'a>(prices: &'a PriceTable, model: Option<&str>) -> Result<&'a ModelPrice, JsError> {
    prices
        .model(model.unwrap_or(DEFAULT_MODEL))
        .map_err(to_js_error)
}

#[wasm_bindgen]
impl Engine {
    /// Tokens of `text` for `model` (the default model when absent): the
    /// count `xlclean tokens` prints. Throws on an unknown model.
    #[wasm_bindgen(js_name = countTokens)]
    pub fn count_tokens(&self, text: &str, model: Option<String>) -> Result<usize, JsError> {
        let price = model_price(&self.prices, model.as_deref())?;
        Ok(counter_for(price.tokenizer).count(text))
    }

    /// What one chat request sends to `model`: the request, the tokens per
    /// part and what was left out, and the cost from the price table.
    #[wasm_bindgen(js_name = buildWindow, unchecked_return_type = "ChatWindow")]
    pub fn build_window(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WindowInput")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WindowLimits | null | undefined")] limits: JsValue,
        model: &str,
    ) -> Result<JsValue, JsError> {
        let input: WindowInput = from_js_json(&input, "window input")?;
        let limits: WindowLimits = if limits.is_null() || limits.is_undefined() {
            WindowLimits::default()
        } else {
            from_js_json(&limits, "window limits")?
        };
        let price = model_price(&self.prices, Some(model))?;
        let window = build_window(
            &input,
            price,
            &self.prices.currency,
            counter_for(price.tokenizer),
            &limits,
        )
        .map_err(to_js_error)?;
        to_js(&window)
    }

    /// Describes an Excel selection for the model within `options.budget`
    /// tokens, saying what was left out. The values are described as
    /// given: mask them first (`Masker.preview` does both).
    #[wasm_bindgen(js_name = sheetContext, unchecked_return_type = "SheetContext")]
    pub fn sheet_context(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SheetContextOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let options: SheetContextOptions = from_js_json(&options, "sheet context options")?;
        let counter = options.counter(&self.prices)?;
        let table = range_to_table(range, self.max_cells())?;
        let profile = engine::profile_table(&table);
        let context = build_sheet_context(
            &table,
            &profile,
            counter,
            options.budget,
            &options.context_options(),
        );
        to_js(&context)
    }

    /// The models and prices this engine counts and prices with.
    #[wasm_bindgen(js_name = priceTable, unchecked_return_type = "PriceTable")]
    pub fn price_table(&self) -> Result<JsValue, JsError> {
        to_js(&self.prices)
    }
}
