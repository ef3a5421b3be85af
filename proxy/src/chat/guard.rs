//! The last step before anything leaves for the model: `PII_POLICY`
//! applied to every outgoing text.
//!
//! The engine's PII guard (issue 8) will implement [`OutgoingGuard`] with
//! real detection. Until it lands, [`NoDetectorGuard`] detects nothing: it
//! passes the text through unchanged and says so in its report
//! (`detector: "none"`), which the audit records. The sheet context the
//! add-in sends is masked in the task pane before it leaves the machine.

use crate::config::PiiPolicy;

use super::window::Turn;

/// Everything that will be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub system: String,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardReport {
    /// Cells or spans the guard masked.
    pub masked_cells: u64,
    /// Which detector ran (`none` for the interim guard).
    pub detector: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the message contains personal data ({0}) and PII_POLICY is block")]
    Blocked(String),
}

/// The seam for the engine's guard.
pub trait OutgoingGuard: Send + Sync {
    fn apply(&self, outgoing: &mut Outgoing, policy: PiiPolicy) -> Result<GuardReport, GuardError>;
}

/// Interim implementation (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDetectorGuard;

impl OutgoingGuard for NoDetectorGuard {
    fn apply(
        &self,
        _outgoing: &mut Outgoing,
        _policy: PiiPolicy,
    ) -> Result<GuardReport, GuardError> {
        Ok(GuardReport {
            masked_cells: 0,
            detector: "none",
        })
    }
}
