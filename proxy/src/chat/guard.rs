//! The last step before anything leaves for the model: `PII_POLICY`
//! applied by the engine's PII guard ([`engine::mask::guard`]) to every
//! caller-supplied text that goes out (the sheet context, the stored
//! summary, history turns and the new message; the system prompt is ours).
//!
//! - `block`: a request whose outgoing text holds personal data is refused
//!   (the types are named, never the values);
//! - `mask`: each finding is replaced by its type label (`<EMAIL>`);
//! - `allow`: sent as it is.
//!
//! In every mode the findings are counted per type for the audit.
//! Pseudonyms the task pane already produced (`PERSON_17`, `EMAIL_3`) and
//! labels (`<EMAIL>`) are not personal data and pass untouched.

use std::collections::BTreeMap;

use engine::mask::{GuardMode, GuardOutcome, PiiType, guard};

use crate::config::PiiPolicy;

/// The detector named in audit rows.
pub const DETECTOR: &str = "engine-pii-guard";

/// The engine's policy for `PII_POLICY`.
pub fn engine_policy(policy: PiiPolicy) -> engine::mask::PiiPolicy {
    engine::mask::PiiPolicy::with_mode(match policy {
        PiiPolicy::Mask => GuardMode::Mask,
        PiiPolicy::Block => GuardMode::Block,
        PiiPolicy::Allow => GuardMode::Allow,
    })
}

/// One outgoing text after the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    /// What may be sent: masked under `mask`, as it was otherwise.
    pub text: String,
    /// Findings per type.
    pub findings: BTreeMap<PiiType, usize>,
}

impl Guarded {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Runs the guard on one text.
pub fn guard_text(text: &str, policy: &engine::mask::PiiPolicy) -> Guarded {
    let outcome = guard(text, policy);
    let findings = outcome.counts();
    let text = match outcome {
        GuardOutcome::Masked { text, .. } => text,
        GuardOutcome::Clean | GuardOutcome::Allowed { .. } | GuardOutcome::Blocked { .. } => {
            text.to_owned()
        }
    };
    Guarded { text, findings }
}

/// What the guard found in everything one request sends, for the audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardReport {
    /// Findings per type in the texts sent.
    pub findings: BTreeMap<PiiType, usize>,
    /// Findings replaced by a label (all of them under `mask`, else 0).
    pub masked: u64,
}

impl GuardReport {
    /// Counts the findings of one text that is sent.
    pub fn add(&mut self, guarded: &Guarded, mode: PiiPolicy) {
        for (kind, n) in &guarded.findings {
            *self.findings.entry(*kind).or_default() += n;
            if mode == PiiPolicy::Mask {
                self.masked += *n as u64;
            }
        }
    }

    /// The types found, by their JSON names (`credit_card`).
    pub fn type_names(&self) -> Vec<&'static str> {
        self.findings.keys().map(|t| t.name()).collect()
    }

    /// `{"email": 2, "iban": 1}` for the audit row.
    pub fn counts_json(&self) -> serde_json::Value {
        self.findings
            .iter()
            .map(|(kind, n)| (kind.name().to_owned(), serde_json::json!(n)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITH_PII: &str = "Send it to jane.doe@example.com or call +44 20 7946 0958.";

    #[test]
    fn mask_replaces_findings_and_counts_them_per_type() {
        let guarded = guard_text(WITH_PII, &engine_policy(PiiPolicy::Mask));
        assert!(!guarded.text.contains("jane.doe"), "{}", guarded.text);
        assert!(guarded.text.contains("<EMAIL>"), "{}", guarded.text);
        assert_eq!(guarded.findings.get(&PiiType::Email), Some(&1));
        let mut report = GuardReport::default();
        report.add(&guarded, PiiPolicy::Mask);
        assert!(report.masked >= 1);
        assert_eq!(report.counts_json()["email"], 1);
        assert!(report.type_names().contains(&"email"));
    }

    #[test]
    fn block_and_allow_leave_the_text_but_report_the_findings() {
        for mode in [PiiPolicy::Block, PiiPolicy::Allow] {
            let guarded = guard_text(WITH_PII, &engine_policy(mode));
            assert_eq!(guarded.text, WITH_PII);
            assert!(!guarded.is_clean());
            let mut report = GuardReport::default();
            report.add(&guarded, mode);
            assert_eq!(report.masked, 0, "nothing masked under {mode:?}");
            assert!(!report.findings.is_empty());
        }
    }

    #[test]
    fn pseudonyms_and_labels_from_the_task_pane_are_not_personal_data() {
        let text = "PERSON_17 wrote to EMAIL_3 about IBAN_2; <EMAIL> and [MASKED] were \
                    left out. PHONE_12 owes CREDIT_CARD_1 1,250.00 EUR.";
        for mode in [PiiPolicy::Block, PiiPolicy::Mask, PiiPolicy::Allow] {
            let guarded = guard_text(text, &engine_policy(mode));
            assert!(guarded.is_clean(), "{mode:?}: {:?}", guarded.findings);
            assert_eq!(guarded.text, text);
        }
    }
}
