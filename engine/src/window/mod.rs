//! The sliding window: what one chat request sends to the model.
//!
//! From the system prompt, the sheet context, the conversation so far, a
//! stored summary of its older part (`ai_conversations.context`), the new
//! message and the tokens reserved for the answer, [`build_window`] chooses
//! what fits the model's limit and the per-request budget:
//!
//! 1. the system prompt and the new message, always (or an error when they
//!    alone do not fit);
//! 2. the sheet context, whole, if it fits (size it with
//!    [`crate::context::build_sheet_context`] to what is left);
//! 3. the most recent turns, whole: a turn is a user message and the model
//!    replies after it, and the window never starts inside one;
//! 4. when older turns had to go and a summary is stored, the summary in
//!    their place (its own tokens come out of the turns' share).
//!
//! The result is the request, a breakdown of tokens per part and what was
//! left out, and the cost from the model's price. The same code runs in the
//! task pane (to show "this message will send N tokens (≈ $X)") and in the
//! proxy, which enforces it and never trusts the client's numbers.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::tokens::{Cost, ModelPrice, TokenCounter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Model,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub role: Role,
    pub text: String,
}

/// A summary of the oldest `covers` messages of the history, kept with the
/// conversation (`ai_conversations.context`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub text: String,
    pub covers: usize,
}

/// Everything a request could send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowInput {
    pub system: String,
    #[serde(default)]
    pub sheet_context: Option<String>,
    /// The conversation so far, oldest first.
    #[serde(default)]
    pub history: Vec<Message>,
    #[serde(default)]
    pub summary: Option<Summary>,
    /// The new user message.
    pub message: String,
    /// Tokens kept free for the answer (sent as `maxOutputTokens`).
    pub reserve_output: usize,
}

/// Limits on top of the model's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowLimits {
    /// Input plus reserved output tokens one request may use (the
    /// per-request budget); the model's context window when `None`.
    #[serde(default)]
    pub max_request_tokens: Option<usize>,
    /// Tokens added per text part for the request's framing (0 matches
    /// Gemini's local count; a margin for the server's own count).
    #[serde(default)]
    pub per_part_overhead: usize,
}

/// The text that introduces a summary in the system instruction.
pub const SUMMARY_PREFIX: &str = "Summary of the earlier conversation:\n";

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub model: String,
    /// The system instruction's parts: the system prompt, then the sheet
    /// context and the summary when they are sent.
    pub system: Vec<String>,
    /// The kept history, in order, then the new user message.
    pub contents: Vec<Message>,
    pub max_output_tokens: usize,
}

/// Tokens per part and what was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    pub system: usize,
    pub sheet_context: usize,
    pub summary: usize,
    pub history: usize,
    pub message: usize,
    pub overhead: usize,
    /// Everything sent: the sum of the above.
    pub input: usize,
    pub reserved_output: usize,
    /// The limit `input + reservedOutput` must stay within.
    pub budget: usize,
    pub sheet_context_dropped: bool,
    /// Whether the stored summary was sent.
    pub summary_used: bool,
    /// Indices (into the history) of the messages left out, ascending.
    pub dropped_messages: Vec<usize>,
    pub kept_messages: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    pub request: Request,
    pub breakdown: Breakdown,
    /// Input as sent plus the reserved output at most.
    pub cost: Cost,
}

/// Chooses what one request sends; see the module documentation.
pub fn build_window(
    input: &WindowInput,
    model: &ModelPrice,
    currency: &str,
    counter: &dyn TokenCounter,
    limits: &WindowLimits,
) -> Result<Window, EngineError> {
    if input.message.trim().is_empty() {
        return Err(EngineError::InvalidInput("the message is empty".into()));
    }
    if input.reserve_output > model.max_output_tokens {
        return Err(EngineError::InvalidInput(format!(
            "{} output tokens reserved; {} allows at most {}",
            input.reserve_output, model.model, model.max_output_tokens
        )));
    }
    let budget = limits
        .max_request_tokens
        .map_or(model.context_window, |b| b.min(model.context_window));
    let over = limits.per_part_overhead;
    let system = counter.count(&input.system);
    let message = counter.count(&input.message);
    let fixed = system + message + 2 * over + input.reserve_output;
    if fixed > budget {
        return Err(EngineError::InvalidInput(format!(
            "the system prompt and the message need {fixed} tokens with the answer's \
             reserve; the budget is {budget}"
        )));
    }
    let mut left = budget - fixed;

    let mut sheet_context = 0;
    let mut sheet_context_dropped = false;
    let mut system_parts = vec![input.system.clone()];
    if let Some(context) = &input.sheet_context {
        let tokens = counter.count(context) + over;
        if tokens <= left {
            left -= tokens;
            sheet_context = tokens - over;
            system_parts.push(context.clone());
        } else {
            sheet_context_dropped = true;
        }
    }

    // suffix[i]: tokens of history[i..] with their overhead.
    let history = &input.history;
    let mut suffix = vec![0usize; history.len() + 1];
    for i in (0..history.len()).rev() {
        suffix[i] = suffix[i + 1] + counter.count(&history[i].text) + over;
    }
    // A turn starts at a user message; the window starts at a turn.
    let starts_turn = |i: usize| i == history.len() || i == 0 || history[i].role == Role::User;
    let first_fitting = |from: usize, room: usize| {
        (from..=history.len())
            .find(|&i| starts_turn(i) && suffix[i] <= room)
            .unwrap_or(history.len())
    };
    let mut start = first_fitting(0, left);
    let mut summary = 0;
    let mut summary_used = false;
    if start > 0
        && let Some(stored) = &input.summary
        && stored.covers > 0
        && !stored.text.trim().is_empty()
    {
        let text = format!("{SUMMARY_PREFIX}{}", stored.text);
        let tokens = counter.count(&text) + over;
        if tokens <= left {
            left -= tokens;
            summary = tokens - over;
            summary_used = true;
            system_parts.push(text);
            start = first_fitting(stored.covers.min(history.len()), left);
        }
    }

    let kept = &history[start..];
    let history_tokens = suffix[start] - kept.len() * over;
    let mut contents = kept.to_vec();
    contents.push(Message {
        role: Role::User,
        text: input.message.clone(),
    });
    let overhead = over * (system_parts.len() + contents.len());
    let input_tokens = system + sheet_context + summary + history_tokens + message + overhead;
    Ok(Window {
        request: Request {
            model: model.model.clone(),
            system: system_parts,
            contents,
            max_output_tokens: input.reserve_output,
        },
        breakdown: Breakdown {
            system,
            sheet_context,
            summary,
            history: history_tokens,
            message,
            overhead,
            input: input_tokens,
            reserved_output: input.reserve_output,
            budget,
            sheet_context_dropped,
            summary_used,
            dropped_messages: (0..start).collect(),
            kept_messages: kept.len(),
        },
        cost: model.cost(currency, input_tokens, input.reserve_output),
    })
}

#[cfg(test)]
mod tests;
