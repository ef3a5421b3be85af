//! Chat with Gemini: a question streamed back as Server-Sent Events, exact
//! token counts, and the caller's usage. Without `GEMINI_API_KEY` the chat
//! endpoints answer `503 ai_not_configured` (the usage endpoint still works).
//!
//! `POST /api/v1/conversations/{id}/messages` (`id` is a UUID or `new`)
//! answers `text/event-stream` with, in order, any number of
//! `event: delta` `{"text"}`, then `event: usage`
//! `{"prompt_tokens","output_tokens","total_tokens"}` and `event: done`
//! `{"message_id","finish_reason"}`; or, when the answer fails part-way,
//! `event: error` `{"code","message"}` (`answer_not_saved` when the whole
//! answer was sent but could not be stored). Failures before the stream starts
//! are ordinary JSON errors. The conversation id is also in the
//! `x-conversation-id` header (useful with `new`).
//!
//! What is sent is decided by [`crate::chat::outgoing`]: the engine's PII
//! guard (`PII_POLICY`) on the question, the sheet context, the stored
//! history and summary, then the engine's window within the model's input
//! limit and what is left of the daily budget. Refusals: `413
//! context_too_large` (the question cannot fit the model), `422
//! pii_blocked` (audited as `ai.pii_blocked`), `429 rate_limited` /
//! `budget_exhausted` / `too_many_streams` (`MAX_STREAMS_PER_USER` answers
//! already open; audited as `ai.rate_limited`). `tokens/count` counts
//! exactly that request.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use engine::tokens::TokenCounter;
use engine::window::{Message, Request as WindowRequest, Role};

use crate::audit::{AuditEvent, AuditStatus};
use crate::auth::Caller;
use crate::chat::guard::{DETECTOR, GuardReport};
use crate::chat::limits::{RetryAfter, utc_day};
use crate::chat::outgoing::{Draft, Outgoing, Refusal, prepare};
use crate::chat::summary::{SummaryJob, summarise};
use crate::chat::window::{RequestLimits, ServerCounter, WindowRefusal, history, stored_summary};
use crate::chat::{ChatService, SYSTEM_INSTRUCTION};
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::gemini::{
    Content, FinishReason, GeminiClient, GeminiError, GenerateContentRequest, GenerationConfig,
    ModelInfo, Part, UsageMetadata,
};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::store::{Conversation, NewConversation, now_stamp};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_message))
        .routes(routes!(count_tokens))
        .routes(routes!(get_usage))
}

/// Longest question accepted, in characters.
const MAX_TEXT_CHARS: usize = 32_000;
/// Largest sheet context accepted, serialised.
const MAX_SHEET_CONTEXT_BYTES: usize = 512 * 1024;
/// Longest answer kept: an upstream running away past it is cut off.
const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// `Retry-After` of `429 too_many_streams`: answers take seconds.
const STREAMS_RETRY_AFTER_SECS: u64 = 2;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The question.
    pub text: String,
    /// Masked data from the sheet (any JSON), sent with this question only.
    #[serde(default)]
    pub sheet_context: Option<Value>,
}

impl NewMessage {
    fn validate(&self) -> Result<(), AppError> {
        if self.text.trim().is_empty() {
            return Err(AppError::BadRequest("text must not be empty".into()));
        }
        if self.text.chars().count() > MAX_TEXT_CHARS {
            return Err(AppError::BadRequest(format!(
                "text is longer than {MAX_TEXT_CHARS} characters"
            )));
        }
        if let Some(context) = &self.sheet_context
            && context.to_string().len() > MAX_SHEET_CONTEXT_BYTES
        {
            return Err(AppError::BadRequest(format!(
                "sheet_context is larger than {MAX_SHEET_CONTEXT_BYTES} bytes"
            )));
        }
        Ok(())
    }

    /// The sheet context as sent (a system part): a string as it is, any
    /// other JSON compact, after a line saying what it is.
    fn sheet_context_text(&self) -> Option<String> {
        let body = match self.sheet_context.as_ref()? {
            Value::Null => return None,
            Value::String(text) if text.trim().is_empty() => return None,
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        Some(format!("{SHEET_CONTEXT_HEADING}\n{body}"))
    }
}

/// Introduces the sheet context in the system instruction.
const SHEET_CONTEXT_HEADING: &str = "Data from the user's sheet (personal data masked):";

/// `delta` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeltaEvent {
    pub text: String,
}

/// `usage` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageEvent {
    pub prompt_tokens: u64,
    pub output_tokens: u64,
    /// Includes thinking tokens.
    pub total_tokens: u64,
}

/// `done` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneEvent {
    pub message_id: Uuid,
    /// `stop`, `max_tokens`, `safety`, `recitation`, `language`,
    /// `blocklist`, `prohibited_content`, `spii` or `other`.
    pub finish_reason: String,
}

fn chat_client(state: &AppState) -> Result<&GeminiClient, AppError> {
    state.chat.client.as_ref().ok_or(AppError::AiNotConfigured)
}

fn secs_ceil(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).max(1) as u64
}

/// A Gemini failure as the client sees it: a status, a code and a sentence,
/// never the upstream body, the key or the prompt.
fn upstream_error(error: &GeminiError) -> AppError {
    let (status, code, message, retry_after_secs) = match error {
        GeminiError::Status {
            code: 429,
            retry_after,
            ..
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            "upstream_rate_limited",
            "Gemini is rate-limiting this server; try again in a moment".to_owned(),
            Some(retry_after.map_or(5, secs_ceil)),
        ),
        GeminiError::Status {
            code: 403 | 401,
            status,
            ..
        } => (
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            format!(
                "Gemini refused this server's credentials ({status}); an administrator should check GEMINI_API_KEY"
            ),
            None,
        ),
        GeminiError::Status {
            code: 404, status, ..
        } => (
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            format!("Gemini does not know the configured model ({status}); check GEMINI_MODEL"),
            None,
        ),
        GeminiError::Status { code, status, .. } if *code < 500 => (
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            format!("Gemini refused the request ({code} {status})"),
            None,
        ),
        GeminiError::Status { code, status, .. } => (
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            format!("Gemini is unavailable ({code} {status}); try again shortly"),
            None,
        ),
        GeminiError::Timeout(phase) => (
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            format!("Gemini did not answer in time ({phase} timeout); try again"),
            None,
        ),
        GeminiError::Unreachable => (
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            "Gemini could not be reached; try again shortly".to_owned(),
            None,
        ),
        GeminiError::Malformed => (
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "Gemini's answer was cut off or malformed; try again".to_owned(),
            None,
        ),
    };
    AppError::Upstream {
        status,
        code,
        message,
        retry_after_secs,
    }
}

fn model_unavailable(error: GeminiError) -> AppError {
    tracing::warn!(error = %error, "Gemini model limits unavailable");
    AppError::AiUnavailable(
        "AI chat is temporarily unavailable: the model's details could not be read from Gemini; try again shortly"
            .into(),
    )
}

/// Merges consecutive turns of the same role (Gemini wants them to
/// alternate; an unanswered question leaves two user turns in a row).
fn contents(turns: &[Message]) -> Vec<Content> {
    let mut out: Vec<Content> = Vec::new();
    for turn in turns {
        let role = match turn.role {
            Role::User => "user",
            Role::Model => "model",
        };
        match out.last_mut() {
            Some(last) if last.role.as_deref() == Some(role) => {
                last.parts[0].text.push_str("\n\n");
                last.parts[0].text.push_str(&turn.text);
            }
            _ => out.push(Content::text(Some(role), turn.text.clone())),
        }
    }
    out
}

/// The Gemini request for what the window chose: one system part each for
/// the system prompt, the sheet context and the summary.
fn gemini_request(
    request: &WindowRequest,
    max_output_tokens: Option<u64>,
) -> GenerateContentRequest {
    GenerateContentRequest {
        contents: contents(&request.contents),
        system_instruction: Some(Content {
            role: None,
            parts: request
                .system
                .iter()
                .map(|text| Part {
                    text: text.clone(),
                    thought: false,
                })
                .collect(),
        }),
        generation_config: max_output_tokens
            .map(|max_output_tokens| GenerationConfig { max_output_tokens }),
    }
}

/// Writes a `denied` audit row for a chat request refused before Gemini.
async fn audit_denied(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    action: &str,
    conversation_id: Option<Uuid>,
    details: Value,
) {
    state
        .audit
        .record(
            caller,
            AuditEvent::new(action)
                .resource("ai_conversation", conversation_id)
                .status(AuditStatus::Denied)
                .details(details),
            meta,
        )
        .await;
}

/// A 429 from the limits, audited as `ai.rate_limited` with the error's
/// code as `reason` (`rate_limited` or `budget_exhausted`).
async fn limit_rejection(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    conversation_id: Option<Uuid>,
    error: AppError,
) -> AppError {
    let retry_after_secs = match &error {
        AppError::RateLimited { retry_after_secs }
        | AppError::BudgetExhausted { retry_after_secs } => *retry_after_secs,
        _ => return error,
    };
    audit_denied(
        state,
        caller,
        meta,
        "ai.rate_limited",
        conversation_id,
        json!({
            "reason": error.status_and_code().1,
            "retry_after_secs": retry_after_secs,
            "model": state.chat.model,
        }),
    )
    .await;
    error
}

/// What one question would send, decided by the engine's guard and window
/// (see [`crate::chat::outgoing`]); refusals become client errors, and a
/// `PII_POLICY=block` refusal is audited as `ai.pii_blocked`.
struct Prepared {
    outgoing: Outgoing,
    info: ModelInfo,
}

async fn prepare_question(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    existing: Option<&Conversation>,
    message: &NewMessage,
    budget_left: u64,
) -> Result<Prepared, AppError> {
    let chat = &state.chat;
    let info = chat.model_info().await.map_err(model_unavailable)?;
    // Half of a small remaining budget at most goes to the answer, so the
    // question still fits.
    let limits = RequestLimits {
        input_token_limit: info.input_token_limit,
        reserved_output: chat.reserved_output(&info).min((budget_left / 2).max(1)),
        budget_left,
    };
    let draft = Draft {
        system: SYSTEM_INSTRUCTION,
        sheet_context: message.sheet_context_text(),
        history: existing.map(|c| history(&c.messages)).unwrap_or_default(),
        summary: existing.and_then(|c| stored_summary(&c.context)),
        message: &message.text,
    };
    match prepare(&chat.model, draft, &limits, chat.policy) {
        Ok(outgoing) => Ok(Prepared { outgoing, info }),
        Err(Refusal::Window(refusal @ WindowRefusal::TooLargeForModel { .. })) => {
            Err(AppError::Refused {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "context_too_large",
                message: refusal.to_string(),
            })
        }
        Err(Refusal::Window(WindowRefusal::OverBudget)) => {
            let error = AppError::BudgetExhausted {
                retry_after_secs: secs_ceil(utc_day().1),
            };
            Err(limit_rejection(state, caller, meta, existing.map(|c| c.id), error).await)
        }
        Err(Refusal::PiiBlocked(report)) => {
            audit_denied(
                state,
                caller,
                meta,
                "ai.pii_blocked",
                existing.map(|c| c.id),
                json!({
                    "model": chat.model,
                    "pii_policy": chat.policy.as_str(),
                    "pii_detector": DETECTOR,
                    "pii_findings": report.counts_json(),
                }),
            )
            .await;
            Err(AppError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "pii_blocked",
                message: Refusal::PiiBlocked(report).to_string(),
            })
        }
    }
}

/// One Server-Sent Event of an answer, as the OpenAPI document describes it:
/// before OpenAPI 3.2 the schema of a `text/event-stream` response is that of
/// each event, not of the whole body (what `sse` writes).
#[derive(ToSchema)]
#[allow(dead_code)] // Only describes the stream; never built.
struct AnswerEvent {
    event: AnswerEventName,
    /// The event's JSON object, serialised.
    data: String,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum AnswerEventName {
    /// `{"text"}`: the next piece of the answer.
    Delta,
    /// `{"prompt_tokens","output_tokens","total_tokens"}`.
    Usage,
    /// `{"message_id","finish_reason"}`: the last event of a whole answer.
    Done,
    /// `{"code","message"}`: the answer failed part-way.
    Error,
}

fn sse(event: &str, data: &impl Serialize) -> Bytes {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// Sends a question (see the module documentation for the events).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "chat",
    params(("id" = String, Path, description = "Conversation id, or `new` to start one")),
    request_body = NewMessage,
    responses(
        (status = 200, content_type = "text/event-stream", body = AnswerEvent,
            description = "Server-Sent Events: `delta` {text}*, then `usage` {prompt_tokens, output_tokens, total_tokens} and `done` {message_id, finish_reason}; or `error` {code, message}. Header `x-conversation-id`."),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "`context_too_large`: the instructions, the question and the answer's reserve exceed the model's input limit"),
        (status = 422, body = ErrorBody, description = "`pii_blocked`: personal data (types named) under PII_POLICY=block"),
        (status = 429, body = ErrorBody, description = "Rate limit or daily budget; see Retry-After"),
        (status = 415, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody),
        (status = 504, body = ErrorBody)),
    security(("bearer" = [])))]
async fn post_message(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiPath(conversation): ApiPath<String>,
    ApiJson(message): ApiJson<NewMessage>,
) -> Result<Response, AppError> {
    let client = chat_client(&state)?;
    let chat = state.chat.clone();
    let conversation_id = match conversation.as_str() {
        "new" => None,
        id => Some(Uuid::parse_str(id).map_err(|_| {
            AppError::BadRequest("the conversation id must be a UUID or `new`".into())
        })?),
    };
    message.validate()?;
    let existing = match conversation_id {
        Some(id) => Some(state.store.get_conversation(&caller, id).await?),
        None => None,
    };

    // Before the rate limit and before anything is stored: a refused stream
    // costs the user nothing. The slot travels with the response body.
    let Some(slot) = chat.streams.try_acquire(caller.user_id) else {
        let max = chat.streams.max_per_user();
        audit_denied(
            &state,
            &caller,
            &meta,
            "ai.rate_limited",
            conversation_id,
            json!({
                "reason": "too_many_streams",
                "max_streams_per_user": max,
                "retry_after_secs": STREAMS_RETRY_AFTER_SECS,
                "model": chat.model,
            }),
        )
        .await;
        return Err(AppError::TooManyStreams {
            max,
            retry_after_secs: STREAMS_RETRY_AFTER_SECS,
        });
    };

    if let Err(RetryAfter(wait)) = chat.limiter.acquire_request(caller.user_id).await {
        let error = AppError::RateLimited {
            retry_after_secs: secs_ceil(wait),
        };
        return Err(limit_rejection(&state, &caller, &meta, conversation_id, error).await);
    }
    let budget_left = chat.budget_left(caller.user_id).await;
    if budget_left == 0 {
        let error = AppError::BudgetExhausted {
            retry_after_secs: secs_ceil(utc_day().1),
        };
        return Err(limit_rejection(&state, &caller, &meta, conversation_id, error).await);
    }
    let Prepared { outgoing, info } = prepare_question(
        &state,
        &caller,
        &meta,
        existing.as_ref(),
        &message,
        budget_left,
    )
    .await?;

    // The question is stored before the model is called.
    let mut user_message = json!({
        "id": Uuid::new_v4(),
        "role": "user",
        "text": message.text,
        "created_at": now_stamp(),
    });
    if let Some(context) = &message.sheet_context {
        user_message["sheet_context"] = context.clone();
    }
    let conversation_id = match conversation_id {
        Some(id) => {
            state
                .store
                .append_messages(&caller, id, &[user_message], 0)
                .await?;
            id
        }
        None => {
            let title: String = message.text.trim().chars().take(80).collect();
            let new = NewConversation {
                title: Some(title),
                sheet_id: None,
                model: Some(chat.model.clone()),
            };
            // A new conversation and its first question in one commit.
            state
                .store
                .start_conversation(&caller, &new, &[user_message])
                .await?
        }
    };

    let window = &outgoing.window;
    let request = gemini_request(
        &window.request,
        Some(window.request.max_output_tokens as u64),
    );
    let breakdown = &window.breakdown;
    let query = Query {
        state: state.clone(),
        caller,
        meta,
        conversation_id,
        message_id: Uuid::new_v4(),
        started: Instant::now(),
        estimated_input: breakdown.input as u64,
        window: json!({
            "estimated_input_tokens": breakdown.input,
            "reserved_output_tokens": breakdown.reserved_output,
            "dropped_turns": breakdown.dropped_messages.len(),
            "kept_turns": breakdown.kept_messages,
            "summary_used": breakdown.summary_used,
            "sheet_context_dropped": breakdown.sheet_context_dropped,
        }),
        guard: outgoing.report,
        to_summarise: outgoing.to_summarise,
        input_token_limit: info.input_token_limit,
        prompt: message.text,
    };

    let stream = match client.stream(&chat.model, &request).await {
        Ok(stream) => stream,
        Err(error) => {
            let app_error = upstream_error(&error);
            let (_, code) = app_error.status_and_code();
            query
                .finish(Outcome {
                    answer: String::new(),
                    usage: None,
                    finish: None,
                    failure: Some((code, app_error.to_string())),
                    disconnected: false,
                })
                .await;
            return Err(app_error);
        }
    };

    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(relay(stream, tx, query));
    let body = Body::from_stream(futures_util::stream::unfold(
        (rx, slot),
        |(mut rx, slot)| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<_, Infallible>(b), (rx, slot)))
        },
    ));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .header("x-conversation-id", conversation_id.to_string())
        .body(body)
        .map_err(|e| AppError::Internal(e.into()))
}

/// Everything needed to store and audit one question's answer.
struct Query {
    state: AppState,
    caller: Caller,
    meta: RequestMeta,
    conversation_id: Uuid,
    message_id: Uuid,
    started: Instant,
    /// The server's count of the input, used when Gemini reports no usage.
    estimated_input: u64,
    /// What the window decided, for the audit.
    window: Value,
    guard: GuardReport,
    /// Older turns to summarise once the answer is out.
    to_summarise: Option<SummaryJob>,
    input_token_limit: u64,
    prompt: String,
}

struct Outcome {
    answer: String,
    usage: Option<UsageMetadata>,
    finish: Option<FinishReason>,
    /// Code and message of a failure.
    failure: Option<(&'static str, String)>,
    disconnected: bool,
}

impl Query {
    /// Stores the answer (marked incomplete when cut short), counts the
    /// tokens against the budget and audits the query. Says whether the
    /// answer was stored.
    async fn finish(&self, outcome: Outcome) -> (UsageMetadata, bool) {
        let chat: &ChatService = &self.state.chat;
        let usage = outcome.usage.unwrap_or_else(|| {
            // No usageMetadata (cut short): count what we estimate was used.
            let output = if outcome.answer.is_empty() {
                0
            } else {
                ServerCounter.count(&outcome.answer) as u64
            };
            UsageMetadata {
                prompt_token_count: self.estimated_input,
                candidates_token_count: output,
                thoughts_token_count: 0,
                total_token_count: self.estimated_input + output,
            }
        });
        let complete = outcome.failure.is_none() && !outcome.disconnected;
        let finish_reason = if outcome.disconnected {
            "client_disconnected"
        } else if let Some(finish) = outcome.finish {
            finish.as_str()
        } else if outcome.failure.is_some() {
            "error"
        } else {
            "other"
        };
        let status = if complete {
            "complete"
        } else if outcome.answer.is_empty() {
            "failed"
        } else {
            "incomplete"
        };
        chat.limiter
            .add_tokens(self.caller.user_id, usage.total_token_count)
            .await;
        chat.metrics.ai_query(status);

        let mut stored = json!({
            "id": self.message_id,
            "role": "assistant",
            "text": outcome.answer,
            "created_at": now_stamp(),
            "model": chat.model,
            "finish_reason": finish_reason,
            "incomplete": !complete,
            "usage": {
                "prompt_tokens": usage.prompt_token_count,
                "output_tokens": usage.candidates_token_count,
                "total_tokens": usage.total_token_count,
            },
        });
        if let Some((code, _)) = &outcome.failure {
            stored["error"] = json!(code);
        }
        // Not retried: an append whose answer was lost may have been
        // applied, and a second one would store the answer twice. The
        // client is told instead (`answer_not_saved`).
        let saved = match self
            .state
            .store
            .append_messages(
                &self.caller,
                self.conversation_id,
                &[stored],
                usage.total_token_count.min(i32::MAX as u64) as i64,
            )
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error, conversation = %self.conversation_id, "could not store the answer");
                false
            }
        };

        let mut details = json!({
            "model": chat.model,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "prompt_tokens": usage.prompt_token_count,
            "output_tokens": usage.candidates_token_count,
            "thoughts_tokens": usage.thoughts_token_count,
            "total_tokens": usage.total_token_count,
            "latency_ms": self.started.elapsed().as_millis() as u64,
            "finish_reason": finish_reason,
            "masked_cells": self.guard.masked,
            "pii_findings": self.guard.counts_json(),
            "pii_policy": chat.policy.as_str(),
            "pii_detector": DETECTOR,
            "window": self.window,
            "status": status,
        });
        if let Some((code, _)) = &outcome.failure {
            details["error"] = json!(code);
        }
        if !saved {
            details["answer_saved"] = json!(false);
        }
        if chat.audit_prompts {
            details["prompt"] = json!(self.prompt);
            details["answer"] = json!(outcome.answer);
        }
        self.state
            .audit
            .record(
                &self.caller,
                AuditEvent::new("ai.query")
                    .resource("ai_conversation", Some(self.conversation_id))
                    .status(if complete {
                        AuditStatus::Success
                    } else {
                        AuditStatus::Failure
                    })
                    .details(details),
                &self.meta,
            )
            .await;
        (usage, saved)
    }
}

/// Reads Gemini's stream, relays `delta` events, and finishes the query.
/// Runs on its own task so a client that goes away is noticed (the channel
/// closes) and the partial answer is still stored.
async fn relay(mut stream: crate::gemini::GeminiStream, tx: mpsc::Sender<Bytes>, query: Query) {
    let mut outcome = Outcome {
        answer: String::new(),
        usage: None,
        finish: None,
        failure: None,
        disconnected: false,
    };
    loop {
        let next = tokio::select! {
            () = tx.closed() => {
                outcome.disconnected = true;
                break;
            }
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Err(error)) => {
                let error = upstream_error(&error);
                let (_, code) = error.status_and_code();
                outcome.failure = Some((code, error.to_string()));
                break;
            }
            Some(Ok(chunk)) => {
                if chunk.usage.is_some() {
                    outcome.usage = chunk.usage;
                }
                if let Some(reason) = chunk.blocked {
                    outcome.finish = Some(FinishReason::Blocked);
                    outcome.failure = Some((
                        "prompt_blocked",
                        format!(
                            "Gemini declined to answer this question ({reason}); rephrase it or leave out sensitive content"
                        ),
                    ));
                    break;
                }
                if chunk.finish.is_some() {
                    outcome.finish = chunk.finish;
                }
                if !chunk.text.is_empty() {
                    if outcome.answer.len() + chunk.text.len() > MAX_ANSWER_BYTES {
                        outcome.failure = Some((
                            "answer_too_large",
                            "the answer was longer than this server accepts and was cut off"
                                .to_owned(),
                        ));
                        break;
                    }
                    outcome.answer.push_str(&chunk.text);
                    // A client that stops reading is given up after
                    // STREAM_WRITE_TIMEOUT_SECS, like one that left: the
                    // upstream is closed and the answer stored incomplete.
                    if tx
                        .send_timeout(
                            sse("delta", &DeltaEvent { text: chunk.text }),
                            query.state.chat.stream_write_timeout,
                        )
                        .await
                        .is_err()
                    {
                        outcome.disconnected = true;
                        break;
                    }
                }
            }
        }
    }
    drop(stream); // closes the upstream connection at once
    if outcome.failure.is_none() && !outcome.disconnected && outcome.finish.is_none() {
        outcome.failure = Some((
            "upstream_truncated",
            "Gemini's answer was cut off before it finished; try again".to_owned(),
        ));
    }
    let mut failure = outcome.failure.clone();
    let disconnected = outcome.disconnected;
    let finish = outcome.finish;
    let (usage, saved) = query.finish(outcome).await;
    if !saved && failure.is_none() {
        // The whole answer was shown but is not in the conversation: the
        // stream must not end as if it were.
        failure = Some((
            "answer_not_saved",
            "the answer could not be saved; ask again to keep it".to_owned(),
        ));
    }
    if !disconnected {
        send_ending(
            &tx,
            query.state.chat.stream_write_timeout,
            failure.clone(),
            usage,
            finish,
            query.message_id,
        )
        .await;
    }
    // The client's stream ends before the summary is asked for.
    drop(tx);
    if failure.is_none()
        && let Some(job) = &query.to_summarise
    {
        summarise(
            &query.state,
            &query.caller,
            query.conversation_id,
            job,
            query.input_token_limit,
        )
        .await;
    }
}

/// The last events of a stream: `usage` and `done`, or `error`.
async fn send_ending(
    tx: &mpsc::Sender<Bytes>,
    timeout: Duration,
    failure: Option<(&'static str, String)>,
    usage: UsageMetadata,
    finish: Option<FinishReason>,
    message_id: Uuid,
) {
    match failure {
        Some((code, message)) => {
            let _ = tx
                .send_timeout(
                    sse("error", &json!({ "code": code, "message": message })),
                    timeout,
                )
                .await;
        }
        None => {
            let usage = sse(
                "usage",
                &UsageEvent {
                    prompt_tokens: usage.prompt_token_count,
                    output_tokens: usage.candidates_token_count,
                    total_tokens: usage.total_token_count,
                },
            );
            if tx.send_timeout(usage, timeout).await.is_err() {
                return;
            }
            let done = sse(
                "done",
                &DoneEvent {
                    message_id,
                    finish_reason: finish.map_or("other", FinishReason::as_str).to_owned(),
                },
            );
            let _ = tx.send_timeout(done, timeout).await;
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRequest {
    pub text: String,
    #[serde(default)]
    pub sheet_context: Option<Value>,
    /// The conversation the question would go to: its history and summary
    /// count as the window would send them.
    #[serde(default)]
    pub conversation_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCount {
    /// Exact, from Gemini's `countTokens`, of what would really be sent:
    /// the system instruction (with the sheet context and summary), the
    /// history the window keeps and the question, after the PII guard.
    pub total_tokens: u64,
    pub model: String,
    /// The server's own count of the same input (what limits are enforced on).
    pub estimated_tokens: u64,
    /// Output tokens kept for the answer.
    pub reserved_output_tokens: u64,
    /// History messages left out / sent.
    pub dropped_turns: u64,
    pub kept_turns: u64,
    pub summary_used: bool,
    pub sheet_context_dropped: bool,
}

/// Counts the tokens a question would send (Gemini `countTokens` over the
/// same window and guard as the question itself).
#[utoipa::path(post, path = "/api/v1/tokens/count", tag = "chat",
    request_body = CountRequest,
    responses((status = 200, body = TokenCount), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "`context_too_large`: too long for the model"),
        (status = 422, body = ErrorBody, description = "`pii_blocked`: personal data under PII_POLICY=block"),
        (status = 429, body = ErrorBody, description = "Daily budget used up"),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
async fn count_tokens(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiJson(body): ApiJson<CountRequest>,
) -> Result<Json<TokenCount>, AppError> {
    let client = chat_client(&state)?;
    let message = NewMessage {
        text: body.text,
        sheet_context: body.sheet_context,
    };
    message.validate()?;
    let existing = match body.conversation_id {
        Some(id) => Some(state.store.get_conversation(&caller, id).await?),
        None => None,
    };
    let chat = &state.chat;
    let budget_left = chat.budget_left(caller.user_id).await;
    let Prepared { outgoing, .. } = prepare_question(
        &state,
        &caller,
        &meta,
        existing.as_ref(),
        &message,
        budget_left,
    )
    .await?;
    let window = &outgoing.window;
    let total_tokens = client
        .count_tokens(&chat.model, &gemini_request(&window.request, None))
        .await
        .map_err(|e| upstream_error(&e))?;
    let breakdown = &window.breakdown;
    Ok(Json(TokenCount {
        total_tokens,
        model: chat.model.clone(),
        estimated_tokens: breakdown.input as u64,
        reserved_output_tokens: breakdown.reserved_output as u64,
        dropped_turns: breakdown.dropped_messages.len() as u64,
        kept_turns: breakdown.kept_messages as u64,
        summary_used: breakdown.summary_used,
        sheet_context_dropped: breakdown.sheet_context_dropped,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    /// The UTC day the counts are for (`YYYY-MM-DD`).
    pub date: String,
    pub tokens_used_today: u64,
    pub daily_token_budget: u64,
    pub budget_left: u64,
    /// Requests counted in the rate limit's current one-minute window.
    pub requests_in_window: u32,
    pub rate_limit_rpm: u32,
    pub window_seconds: u32,
}

/// The caller's AI usage today and the limits that apply.
#[utoipa::path(get, path = "/api/v1/usage", tag = "chat",
    responses((status = 200, body = Usage), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_usage(State(state): State<AppState>, caller: Caller) -> Json<Usage> {
    let chat = &state.chat;
    let snapshot = chat.limiter.usage(caller.user_id).await;
    let date = time::OffsetDateTime::now_utc().date().to_string();
    Json(Usage {
        date,
        tokens_used_today: snapshot.tokens_used_today,
        daily_token_budget: chat.daily_token_budget,
        budget_left: chat
            .daily_token_budget
            .saturating_sub(snapshot.tokens_used_today),
        requests_in_window: snapshot.requests_in_window,
        rate_limit_rpm: chat.rate_limit_rpm,
        window_seconds: 60,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_turns_of_one_role_are_merged() {
        let turns = [
            Message {
                role: Role::User,
                text: "a".into(),
            },
            Message {
                role: Role::User,
                text: "b".into(),
            },
            Message {
                role: Role::Model,
                text: "c".into(),
            },
        ];
        let contents = contents(&turns);
        assert_eq!(contents.len(), 2);
        assert_eq!(contents[0].parts[0].text, "a\n\nb");
        assert_eq!(contents[1].role.as_deref(), Some("model"));
    }

    #[test]
    fn the_window_becomes_system_parts_and_contents() {
        let request = WindowRequest {
            model: "m".into(),
            system: vec!["sys".into(), "sheet".into()],
            contents: vec![Message {
                role: Role::User,
                text: "q".into(),
            }],
            max_output_tokens: 9,
        };
        assert_eq!(
            serde_json::to_value(gemini_request(&request, Some(9))).unwrap(),
            json!({
                "contents": [{"role": "user", "parts": [{"text": "q"}]}],
                "systemInstruction": {"parts": [{"text": "sys"}, {"text": "sheet"}]},
                "generationConfig": {"maxOutputTokens": 9}
            })
        );
        assert!(gemini_request(&request, None).generation_config.is_none());
    }

    #[test]
    fn the_sheet_context_is_sent_as_text_with_a_heading() {
        let message = |context: Option<Value>| NewMessage {
            text: "q".into(),
            sheet_context: context,
        };
        assert_eq!(message(None).sheet_context_text(), None);
        assert_eq!(message(Some(Value::Null)).sheet_context_text(), None);
        assert_eq!(message(Some(json!("  "))).sheet_context_text(), None);
        assert_eq!(
            message(Some(json!("Sheet: 3 rows")))
                .sheet_context_text()
                .unwrap(),
            format!("{SHEET_CONTEXT_HEADING}\nSheet: 3 rows")
        );
        assert_eq!(
            message(Some(json!({"A1": "PERSON_1"})))
                .sheet_context_text()
                .unwrap(),
            format!("{SHEET_CONTEXT_HEADING}\n{{\"A1\":\"PERSON_1\"}}")
        );
    }

    #[test]
    fn upstream_errors_never_carry_more_than_a_status() {
        let e = upstream_error(&GeminiError::Status {
            code: 429,
            status: "RESOURCE_EXHAUSTED".into(),
            retry_after: Some(Duration::from_millis(1500)),
        });
        assert_eq!(e.status_and_code().1, "upstream_rate_limited");
        let AppError::Upstream {
            retry_after_secs, ..
        } = e
        else {
            panic!()
        };
        assert_eq!(retry_after_secs, Some(2));
        let e = upstream_error(&GeminiError::Timeout("first byte"));
        assert_eq!(e.status_and_code().0, StatusCode::GATEWAY_TIMEOUT);
    }

    #[test]
    fn sse_events_are_framed() {
        assert_eq!(
            sse(
                "delta",
                &DeltaEvent {
                    text: "a\nb".into()
                }
            ),
            Bytes::from("event: delta\ndata: {\"text\":\"a\\nb\"}\n\n")
        );
    }
}
