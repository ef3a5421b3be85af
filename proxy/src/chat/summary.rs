//! Summaries of older turns, so a long conversation keeps its thread when
//! the window can no longer send all of it.
//!
//! When the window dropped turns that no stored summary covers, the proxy
//! asks Gemini — after the answer has been streamed, with a non-streaming
//! `generateContent` call, a short instruction and a bounded output — to
//! summarise the previous summary plus those turns (already through the
//! PII guard), and stores the result in `ai_conversations.context` as
//! `{"summary": {"text", "covers"}}` (see [`super::window`]). The tokens it
//! uses count against the caller's daily budget. A failure is logged and
//! counted (`proxy_chat_summaries_total{status="failed"}`), never shown to
//! the caller: the chat has already been answered.

use engine::tokens::TokenCounter;
use engine::window::{Message, Role, Summary};
use uuid::Uuid;

use crate::auth::Caller;
use crate::gemini::{Content, GenerateContentRequest, GenerationConfig};
use crate::state::AppState;
use crate::store::ConversationPatch;

use super::window::{PER_PART_OVERHEAD, ServerCounter, context_with_summary};

/// The system instruction of a summary request.
pub const SUMMARY_INSTRUCTION: &str = "Summarize this conversation so far between a user and \
Ledgerlight, an assistant for spreadsheet data, for your own later reference. Keep the \
figures, column and sheet names, conclusions, decisions and open questions; leave out \
pleasantries. Keep placeholders such as <EMAIL> or PERSON_3 exactly as written. At most 200 \
words, plain text.";

/// Output tokens a summary may use.
pub const SUMMARY_OUTPUT_TOKENS: u64 = 512;

/// Input tokens one summary request sends at most (older turns beyond it
/// wait for the next summary).
pub const MAX_SUMMARY_INPUT_TOKENS: usize = 32_000;

/// Older turns to fold into the conversation's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryJob {
    /// The stored summary's (guarded) text, when one exists.
    pub previous: Option<String>,
    /// The uncovered turns, guarded, oldest first.
    pub messages: Vec<Message>,
    /// Index in the history of `messages[0]` (what `previous` covers).
    pub covers_from: usize,
}

/// The text sent to be summarised and what the result will cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryPrompt {
    pub transcript: String,
    /// `covers` of the new summary.
    pub covers: usize,
}

fn speaker(role: Role) -> &'static str {
    match role {
        Role::User => "User",
        Role::Model => "Assistant",
    }
}

impl SummaryJob {
    /// The transcript within `max_tokens`: the previous summary, then as many
    /// turns as fit, oldest first (the first one cut when even it is too
    /// long, so every request makes progress).
    pub fn prompt(&self, max_tokens: usize) -> SummaryPrompt {
        let mut transcript = String::new();
        if let Some(previous) = &self.previous {
            transcript.push_str("Summary of the conversation before this part:\n");
            transcript.push_str(previous);
            transcript.push_str("\n\n");
        }
        let mut used = ServerCounter.count(&transcript);
        let mut included = 0;
        for message in &self.messages {
            let line = format!("{}: {}\n\n", speaker(message.role), message.text);
            let tokens = ServerCounter.count(&line);
            if used + tokens <= max_tokens {
                transcript.push_str(&line);
                used += tokens;
                included += 1;
                continue;
            }
            if included == 0 {
                let room = max_tokens.saturating_sub(used);
                let chars = line.chars().count();
                // Proportional cut, then trimmed until the count agrees.
                let mut keep = chars * room / tokens.max(1);
                let mut cut: String = line.chars().take(keep).collect();
                while keep > 0 && ServerCounter.count(&cut) + 2 > room {
                    keep = keep * 9 / 10;
                    cut = line.chars().take(keep).collect();
                }
                transcript.push_str(&cut);
                transcript.push_str(" …");
                included = 1;
            }
            break;
        }
        SummaryPrompt {
            transcript: transcript.trim_end().to_owned(),
            covers: self.covers_from + included,
        }
    }
}

/// Produces and stores a new summary; see the module documentation.
pub async fn summarise(
    state: &AppState,
    caller: &Caller,
    conversation_id: Uuid,
    job: &SummaryJob,
    input_token_limit: u64,
) {
    let chat = &state.chat;
    match try_summarise(state, caller, conversation_id, job, input_token_limit).await {
        Ok(covers) => {
            chat.metrics.chat_summary("stored");
            tracing::info!(conversation = %conversation_id, covers, "conversation summary stored");
        }
        Err(error) => {
            chat.metrics.chat_summary("failed");
            tracing::warn!(conversation = %conversation_id, error = %error, "could not summarise older turns");
        }
    }
}

async fn try_summarise(
    state: &AppState,
    caller: &Caller,
    conversation_id: Uuid,
    job: &SummaryJob,
    input_token_limit: u64,
) -> anyhow::Result<usize> {
    let chat = &state.chat;
    let client = chat
        .client
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no Gemini client"))?;
    // `inputTokenLimit` bounds the input alone; the output has its own.
    let room = usize::try_from(input_token_limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(ServerCounter.count(SUMMARY_INSTRUCTION) + 2 * PER_PART_OVERHEAD)
        .min(MAX_SUMMARY_INPUT_TOKENS);
    let prompt = job.prompt(room);
    let request = GenerateContentRequest {
        contents: vec![Content::text(Some("user"), prompt.transcript)],
        system_instruction: Some(Content::text(None, SUMMARY_INSTRUCTION)),
        generation_config: Some(GenerationConfig {
            max_output_tokens: SUMMARY_OUTPUT_TOKENS,
        }),
    };
    let answer = client.generate(&chat.model, &request).await;
    if let Ok(answer) = &answer
        && let Some(usage) = answer.usage
    {
        chat.limiter
            .add_tokens(caller.user_id, usage.total_token_count)
            .await;
    }
    let answer = answer?;
    let text = answer.text.trim();
    anyhow::ensure!(
        !text.is_empty(),
        "Gemini returned an empty summary (finish reason {})",
        answer.finish.map_or("none", |f| f.as_str())
    );
    let summary = Summary {
        text: text.to_owned(),
        covers: prompt.covers,
    };
    // The freshest context, so keys written meanwhile are kept.
    let conversation = state
        .store
        .get_conversation(caller, conversation_id)
        .await?;
    let patch = ConversationPatch {
        context: Some(context_with_summary(&conversation.context, &summary)),
        ..ConversationPatch::default()
    };
    state
        .store
        .update_conversation(caller, conversation_id, &patch)
        .await?;
    Ok(summary.covers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(previous: Option<&str>, texts: &[&str]) -> SummaryJob {
        SummaryJob {
            previous: previous.map(str::to_owned),
            messages: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Message {
                    role: if i % 2 == 0 { Role::User } else { Role::Model },
                    text: (*t).to_owned(),
                })
                .collect(),
            covers_from: 4,
        }
    }

    #[test]
    fn the_transcript_carries_the_previous_summary_and_the_turns() {
        let prompt = job(Some("Q1 revenue was 10."), &["And Q2?", "12."]).prompt(10_000);
        assert_eq!(
            prompt.transcript,
            "Summary of the conversation before this part:\nQ1 revenue was 10.\n\n\
             User: And Q2?\n\nAssistant: 12."
        );
        assert_eq!(prompt.covers, 6);
    }

    #[test]
    fn turns_beyond_the_bound_wait_and_a_huge_first_turn_is_cut() {
        let long = "figure 12345 ".repeat(400);
        let prompt = job(None, &["short", &long, "after"]).prompt(100);
        assert_eq!(prompt.transcript, "User: short");
        assert_eq!(prompt.covers, 5);

        let prompt = job(None, &[&long, "after"]).prompt(100);
        assert!(prompt.transcript.starts_with("User: figure 12345"));
        assert!(prompt.transcript.ends_with('…'));
        assert!(ServerCounter.count(&prompt.transcript) <= 100);
        assert_eq!(prompt.covers, 5);
    }
}
