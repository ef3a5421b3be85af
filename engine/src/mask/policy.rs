//! The masking policy: what happens to each type and each column. JSON,
//! strict (unknown keys are errors), so a misspelt operator never leaks
//! data silently.
//!
//! ```json
//! {
//!   "version": 1,
//!   "minScore": 0.6,
//!   "types": { "credit_card": { "op": "partial", "keepLast": 4 }, "secret": "label" },
//!   "columns": { "Salary": { "op": "generalize", "round": 1000 }, "Notes": "drop" }
//! }
//! ```
//!
//! Operators are written as a string (`"pseudonym"`) or, when they take
//! options, as an object with `op`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PiiType;
use crate::error::EngineError;

/// Dates generalised to their month (`2024-03`) or year (`2024`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateGranularity {
    Month,
    Year,
}

/// What to do with a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Operator {
    /// Send as it is.
    Keep,
    /// Empty the cell.
    Redact,
    /// Replace with the type label: `<EMAIL>`.
    Label,
    /// Keep the first / last characters, mask the other letters and
    /// digits (separators stay): `**** **** **** 1111`.
    Partial {
        #[serde(default)]
        keep_first: usize,
        #[serde(default = "default_keep_last")]
        keep_last: usize,
        #[serde(default = "default_mask_char")]
        mask_char: char,
    },
    /// HMAC-SHA256 with the workbook's key, hex, cut to `length` characters.
    Hash {
        #[serde(default = "default_hash_length")]
        length: usize,
    },
    /// A token such as `PERSON_17`, the same for the same value within a
    /// workbook, kept in the [`super::Vault`] to be restored locally.
    Pseudonym,
    /// Numbers rounded to a multiple of `round` or put in the bucket
    /// between two `buckets` bounds (`1000-5000`); dates cut to `date`.
    /// Values that are neither get the type label.
    Generalize {
        #[serde(default)]
        round: Option<f64>,
        #[serde(default)]
        buckets: Option<Vec<f64>>,
        #[serde(default)]
        date: Option<DateGranularity>,
    },
    /// Leave the column out (column operator only; as a type operator it
    /// empties the cell, like `redact`).
    Drop,
}

fn default_keep_last() -> usize {
    4
}
fn default_mask_char() -> char {
    '*'
}
fn default_hash_length() -> usize {
    16
}

/// An operator as written in JSON: `"pseudonym"` or `{"op": …}`.
fn operator_from_json(value: serde_json::Value) -> Result<Operator, String> {
    let value = match value {
        serde_json::Value::String(name) => serde_json::json!({ "op": name }),
        other => other,
    };
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// What to mask and how. Column operators apply to every cell of the
/// column, found or not, and win over type operators; type operators apply
/// to each finding at or above `min_score`; types not listed get
/// [`Policy::default_operator`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub version: u32,
    pub min_score: f64,
    pub types: BTreeMap<PiiType, Operator>,
    pub columns: BTreeMap<String, Operator>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyJson {
    version: u32,
    #[serde(default)]
    min_score: Option<f64>,
    #[serde(default)]
    types: BTreeMap<PiiType, serde_json::Value>,
    #[serde(default)]
    columns: BTreeMap<String, serde_json::Value>,
}

/// Findings below this score are left alone unless a policy says otherwise.
pub const DEFAULT_MIN_SCORE: f64 = 0.6;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            version: 1,
            min_score: DEFAULT_MIN_SCORE,
            types: BTreeMap::new(),
            columns: BTreeMap::new(),
        }
    }
}

impl Policy {
    /// Reads a policy; any unknown key, type or operator is an error.
    pub fn from_json(text: &str) -> Result<Policy, EngineError> {
        let raw: PolicyJson = serde_json::from_str(text)
            .map_err(|e| EngineError::InvalidInput(format!("masking policy: {e}")))?;
        if raw.version != 1 {
            return Err(EngineError::InvalidInput(format!(
                "masking policy: version {} is not supported (expected 1)",
                raw.version
            )));
        }
        let min_score = raw.min_score.unwrap_or(DEFAULT_MIN_SCORE);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(EngineError::InvalidInput(
                "masking policy: minScore must be between 0 and 1".into(),
            ));
        }
        let convert = |spec: serde_json::Value| {
            operator_from_json(spec)
                .map_err(|e| EngineError::InvalidInput(format!("masking policy: {e}")))
        };
        let mut policy = Policy {
            version: 1,
            min_score,
            ..Policy::default()
        };
        for (kind, spec) in raw.types {
            policy.types.insert(kind, convert(spec)?);
        }
        for (column, spec) in raw.columns {
            policy.columns.insert(column, convert(spec)?);
        }
        for op in policy.types.values().chain(policy.columns.values()) {
            validate(op)?;
        }
        Ok(policy)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The operator for findings of `kind` not named in `types`: dates of
    /// birth keep their year, secrets become `<SECRET>` (there is nothing
    /// to restore them for), everything else gets a pseudonym.
    pub fn default_operator(kind: PiiType) -> Operator {
        match kind {
            PiiType::DateOfBirth => Operator::Generalize {
                round: None,
                buckets: None,
                date: Some(DateGranularity::Year),
            },
            PiiType::Secret => Operator::Label,
            _ => Operator::Pseudonym,
        }
    }

    pub fn operator_for_type(&self, kind: PiiType) -> Operator {
        self.types
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| Policy::default_operator(kind))
    }
}

fn validate(op: &Operator) -> Result<(), EngineError> {
    let bad = |m: &str| Err(EngineError::InvalidInput(format!("masking policy: {m}")));
    match op {
        Operator::Hash { length } if !(8..=64).contains(length) => {
            bad("hash length must be between 8 and 64")
        }
        Operator::Generalize { round: Some(r), .. } if !(r.is_finite() && *r > 0.0) => {
            bad("generalize round must be a positive number")
        }
        Operator::Generalize {
            buckets: Some(b), ..
        } if b.is_empty()
            || b.windows(2).any(|w| w[0] >= w[1])
            || b.iter().any(|x| !x.is_finite()) =>
        {
            bad("generalize buckets must be increasing numbers")
        }
        _ => Ok(()),
    }
}
