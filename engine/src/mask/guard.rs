//! The server's last line of defence: every outgoing prompt is scanned
//! with the same detectors, and unmasked PII is refused, masked or let
//! through per organisation policy (`PII_POLICY=block|mask|allow`).

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;

use super::detect::ColumnContext;
use super::{Finding, PiiType, scan_cell};

/// What the guard does with PII it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardMode {
    /// Refuse the prompt (the default).
    #[default]
    Block,
    /// Replace each finding with its type label (`<EMAIL>`).
    Mask,
    /// Let it through (the findings are still reported, for the audit).
    Allow,
}

impl FromStr for GuardMode {
    type Err = String;
    fn from_str(s: &str) -> Result<GuardMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "block" => Ok(GuardMode::Block),
            "mask" => Ok(GuardMode::Mask),
            "allow" => Ok(GuardMode::Allow),
            other => Err(format!("\"{other}\" is not one of block, mask, allow")),
        }
    }
}

/// The organisation's policy for outgoing prompts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiPolicy {
    pub mode: GuardMode,
    /// Findings below this score are ignored (default 0.8: high confidence).
    pub min_score: f64,
    /// The types guarded (default: all).
    pub types: Vec<PiiType>,
}

impl Default for PiiPolicy {
    fn default() -> Self {
        PiiPolicy {
            mode: GuardMode::Block,
            min_score: 0.8,
            types: PiiType::ALL.to_vec(),
        }
    }
}

impl PiiPolicy {
    /// The default policy with the mode from `PII_POLICY`'s value.
    pub fn with_mode(mode: GuardMode) -> PiiPolicy {
        PiiPolicy {
            mode,
            ..PiiPolicy::default()
        }
    }
}

impl FromStr for PiiPolicy {
    type Err = String;
    /// Parses `PII_POLICY` (`block`, `mask` or `allow`).
    fn from_str(s: &str) -> Result<PiiPolicy, String> {
        Ok(PiiPolicy::with_mode(s.parse()?))
    }
}

/// What the guard decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum GuardOutcome {
    /// Nothing guarded was found: send the text as it is.
    Clean,
    /// PII found and allowed by policy: send as it is, audit the findings.
    Allowed { findings: Vec<Finding> },
    /// PII found: refuse the request.
    Blocked { findings: Vec<Finding> },
    /// PII found and replaced: send `text` instead.
    Masked {
        text: String,
        findings: Vec<Finding>,
    },
}

impl GuardOutcome {
    pub fn findings(&self) -> &[Finding] {
        match self {
            GuardOutcome::Clean => &[],
            GuardOutcome::Allowed { findings }
            | GuardOutcome::Blocked { findings }
            | GuardOutcome::Masked { findings, .. } => findings,
        }
    }

    /// Counts per type, for the audit event (no values, no offsets).
    pub fn counts(&self) -> BTreeMap<PiiType, usize> {
        let mut counts = BTreeMap::new();
        for f in self.findings() {
            *counts.entry(f.kind).or_default() += 1;
        }
        counts
    }
}

/// Scans an outgoing prompt and applies the organisation's policy.
/// Pseudonyms (`PERSON_3`) and labels (`<EMAIL>`) are not PII and pass.
pub fn guard(text: &str, policy: &PiiPolicy) -> GuardOutcome {
    let findings: Vec<Finding> = scan_cell(text, &ColumnContext::default())
        .into_iter()
        .filter(|f| f.score >= policy.min_score && policy.types.contains(&f.kind))
        .collect();
    if findings.is_empty() {
        return GuardOutcome::Clean;
    }
    match policy.mode {
        GuardMode::Allow => GuardOutcome::Allowed { findings },
        GuardMode::Block => GuardOutcome::Blocked { findings },
        GuardMode::Mask => {
            let mut out = String::with_capacity(text.len());
            let mut next = 0;
            for (i, c) in text.chars().enumerate() {
                while next < findings.len() && findings[next].end <= i {
                    next += 1;
                }
                match findings.get(next) {
                    Some(f) if f.start == i => {
                        out.push('<');
                        out.push_str(f.kind.label());
                        out.push('>');
                    }
                    Some(f) if f.start < i && i < f.end => {}
                    _ => out.push(c),
                }
            }
            GuardOutcome::Masked {
                text: out,
                findings,
            }
        }
    }
}
