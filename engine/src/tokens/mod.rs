//! Token counting for Gemini models, the same in the task pane (wasm) and
//! natively in the proxy and `xlclean tokens`.
//!
//! Every Gemini model uses the Gemma 3 SentencePiece tokenizer (262,144
//! tokens). Its model file is 4.5 MB and its reference implementation is
//! C++, so the engine counts with [`GemmaEstimate`], a calibrated estimate
//! of that tokenizer in pure Rust: within ±2% of the real tokenizer on
//! spreadsheet-like text (measured by `engine/tests/tokens_reference.rs`
//! against the `gemini-tokenizer` crate; figures in `docs/BENCHMARKS.md`),
//! where the usual "4 characters per token" rule is far off because the
//! tokenizer gives every digit its own token. For an exact count the proxy
//! can ask Gemini's `countTokens`.

mod estimate;
mod price;

pub use estimate::estimate;
pub use price::{Cost, LongContextPrice, ModelPrice, PriceTable, Tokenizer};

use crate::error::EngineError;

/// Counts the tokens a model's tokenizer makes of a text.
pub trait TokenCounter {
    fn count(&self, text: &str) -> usize;
}

/// Any `Fn(&str) -> usize` counts tokens (tests, reference tokenizers).
impl<F: Fn(&str) -> usize> TokenCounter for F {
    fn count(&self, text: &str) -> usize {
        self(text)
    }
}

/// The calibrated estimate of the Gemma 3 tokenizer (see [`estimate`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GemmaEstimate;

impl TokenCounter for GemmaEstimate {
    fn count(&self, text: &str) -> usize {
        estimate(text)
    }
}

/// The counter for a tokenizer.
pub fn counter_for(tokenizer: Tokenizer) -> &'static dyn TokenCounter {
    match tokenizer {
        Tokenizer::Gemma3 => &GemmaEstimate,
    }
}

/// The model used when none is given.
pub const DEFAULT_MODEL: &str = "gemini-2.5-flash";

/// Tokens of `text` for `model` (one of the built-in price table's models):
/// what `xlclean tokens` prints and the task pane shows.
pub fn count_tokens(model: &str, text: &str) -> Result<usize, EngineError> {
    let price = PriceTable::shipped().model(model)?;
    Ok(counter_for(price.tokenizer).count(text))
}

/// The "4 characters per token" rule of thumb, for comparison only.
pub fn chars_over_four(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}
