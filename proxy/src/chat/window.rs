//! Which turns of a conversation are sent to the model.
//!
//! The engine's token-window code (issue 6) will implement
//! [`ContextWindow`] with its exact counter; until it lands,
//! [`NewestTurnsWindow`] keeps the newest turns whole while a deliberately
//! pessimistic estimate (one token per three UTF-8 bytes, plus a few per
//! turn for the role markers) stays under the limit. Gemini averages about
//! four characters per token, so the estimate errs on the side of sending
//! less, never more.

/// Who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Model,
}

impl Role {
    pub fn as_api(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Model => "model",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: Role,
    pub text: String,
}

/// The limits the window must respect, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimits {
    /// The model's `inputTokenLimit`.
    pub model_input_limit: u64,
    /// Output tokens reserved for the answer (`maxOutputTokens`).
    pub reserved_output: u64,
    /// What is left of the caller's daily budget.
    pub request_budget: u64,
}

impl WindowLimits {
    /// Input tokens the request may use: the model's limit minus the
    /// reserved output, and no more than the budget left after the answer.
    pub fn input_allowance(&self) -> u64 {
        self.model_input_limit
            .saturating_sub(self.reserved_output)
            .min(self.request_budget.saturating_sub(self.reserved_output))
    }
}

/// What the window decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    /// Oldest first; the current message is last.
    pub turns: Vec<Turn>,
    /// The window's own (estimated or exact) input size.
    pub input_tokens: u64,
    /// History turns left out.
    pub dropped: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "the message and sheet context need about {needed} tokens, more than the {allowed} this request may use"
    )]
    TooLarge { needed: u64, allowed: u64 },
}

/// The seam for the engine's window code.
pub trait ContextWindow: Send + Sync {
    /// Chooses what to send: the system instruction and `current` always,
    /// then as much of `history` (oldest first) as fits.
    fn select(
        &self,
        system: &str,
        history: &[Turn],
        current: &Turn,
        limits: WindowLimits,
    ) -> Result<WindowPlan, WindowError>;

    /// The estimate used for one text (for budgets and metrics).
    fn estimate(&self, text: &str) -> u64;
}

/// Interim implementation (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct NewestTurnsWindow;

const PER_TURN_OVERHEAD: u64 = 4;

impl ContextWindow for NewestTurnsWindow {
    fn estimate(&self, text: &str) -> u64 {
        (text.len() as u64).div_ceil(3) + PER_TURN_OVERHEAD
    }

    fn select(
        &self,
        system: &str,
        history: &[Turn],
        current: &Turn,
        limits: WindowLimits,
    ) -> Result<WindowPlan, WindowError> {
        let allowed = limits.input_allowance();
        let mut used = self.estimate(system) + self.estimate(&current.text);
        if used > allowed {
            return Err(WindowError::TooLarge {
                needed: used,
                allowed,
            });
        }
        let mut kept = Vec::new();
        for turn in history.iter().rev() {
            let cost = self.estimate(&turn.text);
            if used + cost > allowed {
                break;
            }
            used += cost;
            kept.push(turn.clone());
        }
        // The conversation sent must open with the user.
        while kept.last().is_some_and(|t| t.role == Role::Model) {
            let turn = kept.pop().expect("checked");
            used -= self.estimate(&turn.text);
        }
        let dropped = history.len() - kept.len();
        kept.reverse();
        kept.push(current.clone());
        Ok(WindowPlan {
            turns: kept,
            input_tokens: used,
            dropped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: Role, text: &str) -> Turn {
        Turn {
            role,
            text: text.into(),
        }
    }

    #[test]
    fn newest_turns_are_kept_whole_and_the_oldest_dropped() {
        let history = vec![
            turn(Role::User, &"a".repeat(300)),
            turn(Role::Model, &"b".repeat(300)),
            turn(Role::User, &"c".repeat(30)),
            turn(Role::Model, &"d".repeat(30)),
        ];
        let current = turn(Role::User, "now");
        let w = NewestTurnsWindow;
        let limits = WindowLimits {
            model_input_limit: 1000,
            reserved_output: 100,
            request_budget: u64::MAX,
        };
        let plan = w.select("sys", &history, &current, limits).unwrap();
        assert_eq!(plan.turns.len(), 5, "everything fits");
        assert_eq!(plan.dropped, 0);

        let limits = WindowLimits {
            model_input_limit: 250,
            ..limits
        };
        let plan = w.select("sys", &history, &current, limits).unwrap();
        assert_eq!(
            plan.turns,
            [history[2].clone(), history[3].clone(), current.clone()]
        );
        assert_eq!(plan.dropped, 2);
        assert!(plan.input_tokens <= limits.input_allowance());
    }

    #[test]
    fn the_window_opens_with_the_user_and_refuses_what_cannot_fit() {
        let history = vec![turn(Role::User, &"a".repeat(600)), turn(Role::Model, "ok")];
        let w = NewestTurnsWindow;
        let limits = WindowLimits {
            model_input_limit: 100,
            reserved_output: 10,
            request_budget: u64::MAX,
        };
        let plan = w
            .select("", &history, &turn(Role::User, "hi"), limits)
            .unwrap();
        assert_eq!(plan.turns, [turn(Role::User, "hi")]);
        assert_eq!(plan.dropped, 2);

        let big = turn(Role::User, &"x".repeat(1000));
        assert!(matches!(
            w.select("", &[], &big, limits),
            Err(WindowError::TooLarge { .. })
        ));
        let poor = WindowLimits {
            request_budget: 15,
            ..limits
        };
        assert!(w.select("", &[], &turn(Role::User, "hi"), poor).is_err());
    }
}
