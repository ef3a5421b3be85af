//! What one chat request sends: the engine's sliding window
//! ([`engine::window::build_window`]) with the server's own counts and
//! limits. The client's numbers are never used: every text is recounted.
//!
//! - **Counting**: the engine's calibrated Gemma 3 estimate, plus 2% (its
//!   measured accuracy bound) and [`PER_PART_OVERHEAD`] tokens per part for
//!   the request's framing, so the server errs on the side of sending less.
//! - **Limits**: the model's `inputTokenLimit` (from `models.get`) bounds
//!   the input, the reserved output is `maxOutputTokens`, and input plus
//!   reserved output must stay within what is left of the caller's
//!   `DAILY_TOKEN_BUDGET` (the per-request budget).
//! - **History** comes from the store: the conversation's non-empty user
//!   and assistant messages, oldest first.
//! - **Summary** of older turns: kept in `ai_conversations.context` as
//!   `{"summary": {"text": "…", "covers": N}}`, where `covers` is how many
//!   leading messages of that history (as [`history`] reads it) the text
//!   replaces. Other keys of `context` are left alone.

use engine::tokens::{ModelPrice, PriceTable, TokenCounter, Tokenizer, estimate};
use engine::window::{Message, Role, Summary, Window, WindowInput, WindowLimits, build_window};
use serde_json::Value;

/// Tokens added per text part (system parts and turns) for the request's
/// framing: role markers and separators.
pub const PER_PART_OVERHEAD: usize = 4;

/// The server's token count: the engine's estimate plus 2%, its measured
/// accuracy bound against the real tokenizer, so it never counts low.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerCounter;

impl TokenCounter for ServerCounter {
    fn count(&self, text: &str) -> usize {
        let tokens = estimate(text);
        tokens + tokens.div_ceil(50)
    }
}

/// The conversation so far, from the stored `messages` array: user and
/// assistant messages with text, oldest first (an answer that failed
/// before its first word has no text and is left out).
pub fn history(messages: &Value) -> Vec<Message> {
    messages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let role = match m.get("role")?.as_str()? {
                "user" => Role::User,
                "assistant" => Role::Model,
                _ => return None,
            };
            let text = m.get("text")?.as_str()?;
            (!text.trim().is_empty()).then(|| Message {
                role,
                text: text.to_owned(),
            })
        })
        .collect()
}

/// The summary stored in a conversation's `context`, if any and well formed.
pub fn stored_summary(context: &Value) -> Option<Summary> {
    let summary = context.get("summary")?;
    match serde_json::from_value::<Summary>(summary.clone()) {
        Ok(summary) if summary.covers > 0 && !summary.text.trim().is_empty() => Some(summary),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(error = %error, "ignoring a malformed summary in a conversation's context");
            None
        }
    }
}

/// `context` with its summary replaced (other keys kept).
pub fn context_with_summary(context: &Value, summary: &Summary) -> Value {
    let mut context = match context {
        Value::Object(map) => Value::Object(map.clone()),
        _ => Value::Object(Default::default()),
    };
    context["summary"] = serde_json::json!({ "text": summary.text, "covers": summary.covers });
    context
}

/// The limits of one request, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// The model's `inputTokenLimit`.
    pub input_token_limit: u64,
    /// Output tokens reserved for the answer (`maxOutputTokens`).
    pub reserved_output: u64,
    /// What is left of the caller's daily budget: input plus reserved
    /// output must stay within it.
    pub budget_left: u64,
}

/// Why nothing can be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowRefusal {
    /// The system prompt and the message alone exceed the model's limit.
    #[error(
        "the message is too long for the model: with the instructions and the room kept for the \
         answer it needs about {needed} tokens, and the model accepts {limit}"
    )]
    TooLargeForModel { needed: u64, limit: u64 },
    /// They fit the model but not what is left of today's budget.
    #[error("the message needs more tokens than are left of today's budget")]
    OverBudget,
}

fn tokens(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The model's entry for the window: limits from `models.get`, prices from
/// the engine's table when it knows the model (it prices the `-latest`
/// aliases as their tier's 2.5 model), zero for a model it does not know.
fn model_price(model: &str, limits: &RequestLimits) -> ModelPrice {
    let reserved = tokens(limits.reserved_output);
    let (input_per_million, output_per_million) = PriceTable::shipped()
        .model(model)
        .map_or((0.0, 0.0), |p| (p.input_per_million, p.output_per_million));
    ModelPrice {
        model: model.to_owned(),
        tokenizer: Tokenizer::Gemma3,
        // build_window counts input plus reserved output against this.
        context_window: tokens(limits.input_token_limit).saturating_add(reserved),
        max_output_tokens: reserved,
        input_per_million,
        output_per_million,
        long_context: None,
    }
}

/// Chooses what to send (see the module documentation). `input.reserve_output`
/// is taken from `limits`.
pub fn plan(
    model: &str,
    mut input: WindowInput,
    limits: &RequestLimits,
) -> Result<Window, WindowRefusal> {
    input.reserve_output = tokens(limits.reserved_output);
    let price = model_price(model, limits);
    let window_limits = WindowLimits {
        max_request_tokens: Some(tokens(limits.budget_left)),
        per_part_overhead: PER_PART_OVERHEAD,
    };
    let currency = "USD";
    if let Ok(window) = build_window(&input, &price, currency, &ServerCounter, &window_limits) {
        return Ok(window);
    }
    // Would it fit the model with the whole budget? Then the budget is short.
    let model_only = WindowLimits {
        max_request_tokens: None,
        ..window_limits
    };
    match build_window(&input, &price, currency, &ServerCounter, &model_only) {
        Ok(_) => Err(WindowRefusal::OverBudget),
        Err(_) => {
            let needed = ServerCounter.count(&input.system)
                + ServerCounter.count(&input.message)
                + 2 * PER_PART_OVERHEAD
                + input.reserve_output;
            Err(WindowRefusal::TooLargeForModel {
                needed: needed as u64,
                limit: limits.input_token_limit,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(history: Vec<Message>, summary: Option<Summary>, message: &str) -> WindowInput {
        WindowInput {
            system: "You are a test.".into(),
            sheet_context: None,
            history,
            summary,
            message: message.into(),
            reserve_output: 0,
        }
    }

    fn turn(role: Role, text: &str) -> Message {
        Message {
            role,
            text: text.into(),
        }
    }

    #[test]
    fn the_server_count_never_undercuts_the_engine_estimate() {
        for text in [
            "",
            "a",
            "Revenue 1,234.56 EUR on 2025-03-01",
            &"9".repeat(1000),
        ] {
            let engine = estimate(text);
            let ours = ServerCounter.count(text);
            assert!(
                ours >= engine && ours <= engine + engine.div_ceil(50),
                "{text}"
            );
        }
        assert_eq!(ServerCounter.count(&"9".repeat(1000)), 1020);
    }

    #[test]
    fn history_reads_user_and_assistant_messages_with_text() {
        let messages = json!([
            {"role": "user", "text": "q1"},
            {"role": "assistant", "text": "", "incomplete": true},
            {"role": "system", "text": "ignored"},
            {"role": "assistant", "text": "a1"},
            {"text": "no role"},
        ]);
        assert_eq!(
            history(&messages),
            [turn(Role::User, "q1"), turn(Role::Model, "a1")]
        );
        assert!(history(&json!({"not": "an array"})).is_empty());
    }

    #[test]
    fn the_summary_round_trips_through_the_context_and_keeps_other_keys() {
        let summary = Summary {
            text: "They discussed Q1.".into(),
            covers: 4,
        };
        let context = context_with_summary(&json!({"sheet": "Sales"}), &summary);
        assert_eq!(
            context,
            json!({"sheet": "Sales", "summary": {"text": "They discussed Q1.", "covers": 4}})
        );
        assert_eq!(stored_summary(&context), Some(summary));
        assert_eq!(stored_summary(&json!({})), None);
        assert_eq!(stored_summary(&json!({"summary": {"text": "x"}})), None);
        assert_eq!(
            stored_summary(&json!({"summary": {"text": " ", "covers": 2}})),
            None
        );
        assert_eq!(
            context_with_summary(
                &Value::Null,
                &Summary {
                    text: "t".into(),
                    covers: 1
                }
            ),
            json!({"summary": {"text": "t", "covers": 1}})
        );
    }

    #[test]
    fn old_turns_are_dropped_to_respect_the_model_limit() {
        let history = vec![
            turn(Role::User, &"old question ".repeat(200)),
            turn(Role::Model, &"old answer ".repeat(200)),
            turn(Role::User, "recent question"),
            turn(Role::Model, "recent answer"),
        ];
        let limits = RequestLimits {
            input_token_limit: 300,
            reserved_output: 50,
            budget_left: 1_000_000,
        };
        let window = plan("m", input(history, None, "now?"), &limits).unwrap();
        assert_eq!(window.breakdown.dropped_messages, [0, 1]);
        assert_eq!(window.request.contents.len(), 3);
        assert_eq!(window.request.max_output_tokens, 50);
        assert!(window.breakdown.input <= 300);
    }

    #[test]
    fn what_cannot_fit_the_model_or_the_budget_is_refused_apart() {
        let limits = RequestLimits {
            input_token_limit: 100,
            reserved_output: 20,
            budget_left: 1_000_000,
        };
        let long = "word ".repeat(500);
        match plan("m", input(vec![], None, &long), &limits) {
            Err(WindowRefusal::TooLargeForModel { needed, limit }) => {
                assert_eq!(limit, 100);
                assert!(needed > 100, "{needed}");
            }
            other => panic!("{other:?}"),
        }
        let poor = RequestLimits {
            budget_left: 25,
            ..limits
        };
        assert_eq!(
            plan("m", input(vec![], None, "a short question"), &poor).unwrap_err(),
            WindowRefusal::OverBudget
        );
    }

    #[test]
    fn known_models_and_aliases_are_priced_and_unknown_ones_cost_nothing() {
        let limits = RequestLimits {
            input_token_limit: 10_000,
            reserved_output: 100,
            budget_left: 1_000_000,
        };
        let priced = plan("gemini-2.5-flash", input(vec![], None, "hi"), &limits).unwrap();
        assert!(priced.cost.total > 0.0);
        let alias = plan("gemini-flash-latest", input(vec![], None, "hi"), &limits).unwrap();
        assert_eq!(alias.cost.total, priced.cost.total);
        let unknown = plan("gemini-9-ultra", input(vec![], None, "hi"), &limits).unwrap();
        assert_eq!(unknown.cost.total, 0.0);
    }
}
