//! Per-model limits and prices, as data: a built-in table
//! (`prices.json`) that deployments replace with their own.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// The tokenizer a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tokenizer {
    /// Gemma 3 SentencePiece, 262,144 tokens: every Gemini model.
    Gemma3,
}

/// Higher prices for requests whose input is above a size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LongContextPrice {
    pub above_tokens: usize,
    pub input_per_million: f64,
    pub output_per_million: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelPrice {
    pub model: String,
    pub tokenizer: Tokenizer,
    /// Input plus output tokens the model accepts.
    pub context_window: usize,
    pub max_output_tokens: usize,
    /// Price per million input tokens, in the table's currency.
    pub input_per_million: f64,
    pub output_per_million: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_context: Option<LongContextPrice>,
}

/// What a request costs: input as counted, output at most `output_tokens`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    pub currency: String,
    pub input_tokens: usize,
    pub output_tokens: usize,
    pub input: f64,
    pub output: f64,
    pub total: f64,
}

impl ModelPrice {
    /// The cost of `input_tokens` in and (at most) `output_tokens` out.
    pub fn cost(&self, currency: &str, input_tokens: usize, output_tokens: usize) -> Cost {
        let (input_rate, output_rate) = match &self.long_context {
            Some(long) if input_tokens > long.above_tokens => {
                (long.input_per_million, long.output_per_million)
            }
            _ => (self.input_per_million, self.output_per_million),
        };
        let input = input_tokens as f64 * input_rate / 1e6;
        let output = output_tokens as f64 * output_rate / 1e6;
        Cost {
            currency: currency.to_owned(),
            input_tokens,
            output_tokens,
            input,
            output,
            total: input + output,
        }
    }
}

/// The models a deployment offers, with their limits and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriceTable {
    pub version: u32,
    /// ISO code of the prices' currency.
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub models: Vec<ModelPrice>,
}

const BUILTIN: &str = include_str!("prices.json");

impl PriceTable {
    /// The table shipped with the engine (`engine/src/tokens/prices.json`),
    /// a copy to change.
    pub fn builtin() -> PriceTable {
        PriceTable::shipped().clone()
    }

    /// The table shipped with the engine, parsed once: the proxy prices
    /// every chat question with it, and parsing it each time was ~3 % of
    /// a streamed question's instructions.
    pub fn shipped() -> &'static PriceTable {
        static SHIPPED: std::sync::OnceLock<PriceTable> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| {
            // The file is part of the crate and checked by a test.
            PriceTable::from_json(BUILTIN).unwrap_or_else(|_| PriceTable {
                version: 1,
                currency: "USD".into(),
                note: None,
                models: Vec::new(),
            })
        })
    }

    /// Reads a table (same shape as `prices.json`); rejects unknown fields,
    /// negative prices and duplicate models.
    pub fn from_json(json: &str) -> Result<PriceTable, EngineError> {
        let table: PriceTable = serde_json::from_str(json)
            .map_err(|e| EngineError::InvalidInput(format!("price table: {e}")))?;
        let bad = |m: String| Err(EngineError::InvalidInput(format!("price table: {m}")));
        if table.version != 1 {
            return bad(format!("version {} is not supported", table.version));
        }
        for (i, m) in table.models.iter().enumerate() {
            let rates = [m.input_per_million, m.output_per_million];
            let long = m
                .long_context
                .iter()
                .flat_map(|l| [l.input_per_million, l.output_per_million]);
            if rates
                .into_iter()
                .chain(long)
                .any(|r| !r.is_finite() || r < 0.0)
            {
                return bad(format!(
                    "{}: prices must be finite and not negative",
                    m.model
                ));
            }
            if m.max_output_tokens > m.context_window {
                return bad(format!(
                    "{}: maxOutputTokens exceeds contextWindow",
                    m.model
                ));
            }
            if table.models[..i].iter().any(|other| other.model == m.model) {
                return bad(format!("{} is listed twice", m.model));
            }
        }
        Ok(table)
    }

    /// The model's entry; `models/` prefixes (as the Gemini API writes
    /// names) are ignored.
    pub fn model(&self, name: &str) -> Result<&ModelPrice, EngineError> {
        let name = name.trim();
        let name = name.strip_prefix("models/").unwrap_or(name);
        self.models.iter().find(|m| m.model == name).ok_or_else(|| {
            let known: Vec<&str> = self.models.iter().map(|m| m.model.as_str()).collect();
            EngineError::InvalidInput(format!(
                "unknown model \"{name}\" (known: {})",
                known.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_prices_long_context() {
        let table = PriceTable::from_json(BUILTIN).unwrap();
        let pro = table.model("models/gemini-2.5-pro").unwrap();
        let short = pro.cost(&table.currency, 100_000, 0);
        assert!((short.total - 0.125).abs() < 1e-9);
        let long = pro.cost(&table.currency, 1_000_000, 1_000_000);
        assert!((long.total - 17.5).abs() < 1e-9);
        assert!(table.model("gpt-4").is_err());
    }

    #[test]
    fn the_proxys_default_model_is_priced() {
        // GEMINI_MODEL defaults to gemini-flash-latest; the pane asks the
        // engine to price it (GET /api/v1/config names the model).
        let table = PriceTable::builtin();
        for alias in [
            "gemini-flash-latest",
            "models/gemini-flash-lite-latest",
            "gemini-pro-latest",
        ] {
            assert!(table.model(alias).is_ok(), "{alias}");
        }
        assert_eq!(
            table
                .model("gemini-flash-latest")
                .unwrap()
                .input_per_million,
            0.3
        );
    }

    #[test]
    fn bad_tables_are_rejected() {
        let bad = BUILTIN.replace("\"inputPerMillion\": 0.3", "\"inputPerMillion\": -1");
        assert!(PriceTable::from_json(&bad).is_err());
        assert!(
            PriceTable::from_json("{\"version\":1,\"currency\":\"USD\",\"models\":[],\"x\":1}")
                .is_err()
        );
    }
}
