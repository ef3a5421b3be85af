//! The Gemini REST client: one pooled `reqwest` client, the key sent as
//! `x-goog-api-key` (never in a URL, never logged), an injectable base URL
//! and timeouts for connecting, the first byte and an idle stream.
//!
//! Retries (exponential backoff with jitter, or the server's
//! `RetryInfo.retryDelay`) happen on 429 / 500 / 503 / 504 and on
//! connection failures, only while opening a call: once a stream is handed
//! back nothing is retried, so nothing reaches the client twice. 400 / 403 /
//! 404 are never retried. Errors carry a status and Google's status name,
//! never the upstream body, the key or the prompt.

pub mod sse;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::sse::SseParser;

/// How long each phase of a call may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Establishing the TCP (and TLS) connection.
    pub connect: Duration,
    /// From sending the request to the response headers, and from the
    /// headers to the first chunk of a stream.
    pub first_byte: Duration,
    /// Longest silence between two chunks of a stream.
    pub idle: Duration,
    /// A whole non-streaming call (`models.get`, `countTokens`).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            // Under REQUEST_TIMEOUT_SECS' default (30 s), which bounds the wait for
            // the response headers too.
            first_byte: Duration::from_secs(25),
            idle: Duration::from_secs(30),
            request: Duration::from_secs(15),
        }
    }
}

/// Exponential backoff with jitter.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubled each time, with full jitter
    /// in `[delay/2, delay]`.
    pub base_delay: Duration,
    /// Longest wait before a retry. A `retryDelay` above it is not waited
    /// for: the error goes back with it as `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        // Jitter from a v4 UUID's random bits: no extra dependency.
        let r = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
        full / 2 + full / 2 * r / 1000
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeminiError {
    /// Gemini answered with an HTTP error (or an error chunk mid-stream).
    #[error("Gemini answered {code} {status}")]
    Status {
        code: u16,
        /// Google's status name, e.g. `RESOURCE_EXHAUSTED`.
        status: String,
        /// From `RetryInfo.retryDelay` or `Retry-After`.
        retry_after: Option<Duration>,
    },
    #[error("Gemini did not answer within the {0} timeout")]
    Timeout(&'static str),
    #[error("Gemini could not be reached")]
    Unreachable,
    #[error("Gemini's answer was cut off or malformed")]
    Malformed,
}

impl GeminiError {
    fn retryable(&self) -> bool {
        match self {
            GeminiError::Status { code, .. } => matches!(code, 429 | 500 | 503 | 504),
            GeminiError::Timeout(phase) => *phase != "idle",
            GeminiError::Unreachable => true,
            GeminiError::Malformed => false,
        }
    }
}

// ---- Wire types (the documented REST shapes, camelCase). ----

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Part {
    #[serde(default)]
    pub text: String,
    /// A thought summary from a thinking model: not part of the answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thought: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub parts: Vec<Part>,
}

impl Content {
    pub fn text(role: Option<&str>, text: impl Into<String>) -> Content {
        Content {
            role: role.map(str::to_owned),
            parts: vec![Part {
                text: text.into(),
                thought: false,
            }],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    pub max_output_tokens: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    pub contents: Vec<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    #[serde(default)]
    pub prompt_token_count: u64,
    #[serde(default)]
    pub candidates_token_count: u64,
    #[serde(default)]
    pub thoughts_token_count: u64,
    /// Includes thinking tokens.
    #[serde(default)]
    pub total_token_count: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    #[serde(default)]
    block_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContentResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
}

/// Why the model stopped, as the API reports it (`snake_case` on our side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    MaxTokens,
    Safety,
    Recitation,
    Language,
    Blocklist,
    ProhibitedContent,
    Spii,
    /// The prompt itself was blocked (`promptFeedback.blockReason`).
    Blocked,
    Other,
}

impl FinishReason {
    pub fn from_api(value: &str) -> FinishReason {
        match value {
            "STOP" => FinishReason::Stop,
            "MAX_TOKENS" => FinishReason::MaxTokens,
            "SAFETY" | "IMAGE_SAFETY" => FinishReason::Safety,
            "RECITATION" => FinishReason::Recitation,
            "LANGUAGE" => FinishReason::Language,
            "BLOCKLIST" => FinishReason::Blocklist,
            "PROHIBITED_CONTENT" => FinishReason::ProhibitedContent,
            "SPII" => FinishReason::Spii,
            _ => FinishReason::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::MaxTokens => "max_tokens",
            FinishReason::Safety => "safety",
            FinishReason::Recitation => "recitation",
            FinishReason::Language => "language",
            FinishReason::Blocklist => "blocklist",
            FinishReason::ProhibitedContent => "prohibited_content",
            FinishReason::Spii => "spii",
            FinishReason::Blocked => "blocked",
            FinishReason::Other => "other",
        }
    }
}

/// One decoded event of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chunk {
    /// Answer text in this chunk (thought parts left out).
    pub text: String,
    pub finish: Option<FinishReason>,
    pub usage: Option<UsageMetadata>,
    /// `promptFeedback.blockReason` with no candidates: the prompt was refused.
    pub blocked: Option<String>,
}

/// Decodes one `data:` payload: a `GenerateContentResponse`, or a top-level
/// `error` (which is an error, whatever the HTTP status was).
pub fn parse_chunk(data: &str) -> Result<Chunk, GeminiError> {
    let value: Value = serde_json::from_str(data).map_err(|_| GeminiError::Malformed)?;
    if let Some(error) = value.get("error") {
        return Err(error_from_body(error, None));
    }
    let response: GenerateContentResponse =
        serde_json::from_value(value).map_err(|_| GeminiError::Malformed)?;
    let mut chunk = Chunk {
        usage: response.usage_metadata,
        ..Chunk::default()
    };
    if response.candidates.is_empty()
        && let Some(reason) = response.prompt_feedback.and_then(|f| f.block_reason)
    {
        chunk.blocked = Some(reason);
        chunk.finish = Some(FinishReason::Blocked);
        return Ok(chunk);
    }
    if let Some(candidate) = response.candidates.into_iter().next() {
        if let Some(content) = candidate.content {
            for part in content.parts.into_iter().filter(|p| !p.thought) {
                chunk.text.push_str(&part.text);
            }
        }
        chunk.finish = candidate
            .finish_reason
            .filter(|r| r != "FINISH_REASON_UNSPECIFIED")
            .map(|r| FinishReason::from_api(&r));
    }
    Ok(chunk)
}

/// `{"error": {"code", "message", "status", "details": [...]}}` → an error
/// without the message (it may quote the prompt).
fn error_from_body(error: &Value, http_status: Option<u16>) -> GeminiError {
    let code = error
        .get("code")
        .and_then(Value::as_u64)
        .map(|c| c as u16)
        .or(http_status)
        .unwrap_or(500);
    let status = error
        .get("status")
        .and_then(Value::as_str)
        .filter(|s| s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .unwrap_or("UNKNOWN")
        .to_owned();
    let retry_after = error
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("google.rpc.RetryInfo"))
        })
        .and_then(|d| d.get("retryDelay"))
        .and_then(Value::as_str)
        .and_then(parse_duration);
    GeminiError::Status {
        code,
        status,
        retry_after,
    }
}

/// A protobuf JSON `Duration`: `"5s"`, `"1.5s"`, `"0.250s"`.
pub fn parse_duration(value: &str) -> Option<Duration> {
    let secs: f64 = value.strip_suffix('s')?.parse().ok()?;
    (0.0..1e9)
        .contains(&secs)
        .then(|| Duration::from_secs_f64(secs))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub input_token_limit: u64,
    pub output_token_limit: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CountTokensResponse {
    total_tokens: u64,
}

/// The client. Cheap to share behind an `Arc`.
pub struct GeminiClient {
    http: reqwest::Client,
    base: String,
    key: SecretString,
    timeouts: Timeouts,
    retry: RetryPolicy,
    max_event_bytes: usize,
}

impl std::fmt::Debug for GeminiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeminiClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl GeminiClient {
    pub fn new(
        base_url: &str,
        key: SecretString,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> anyhow::Result<GeminiClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(32)
            .tcp_nodelay(true)
            .user_agent(concat!("ledgerlight-proxy/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(GeminiClient {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            key,
            timeouts,
            retry,
            max_event_bytes: 4 << 20,
        })
    }

    fn url(&self, model: &str, method: &str) -> String {
        format!("{}/v1beta/models/{model}{method}", self.base)
    }

    /// One attempt: send and wait for the headers; an HTTP error becomes a
    /// `GeminiError` from its body.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, GeminiError> {
        let request = request.header("x-goog-api-key", self.key.expose_secret());
        let response = match tokio::time::timeout(self.timeouts.first_byte, request.send()).await {
            Err(_) => return Err(GeminiError::Timeout("first byte")),
            Ok(Err(e)) if e.is_timeout() => return Err(GeminiError::Timeout("connect")),
            Ok(Err(_)) => return Err(GeminiError::Unreachable),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let header_delay = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = tokio::time::timeout(self.timeouts.request, response.bytes())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut error = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("error")
                    .map(|e| error_from_body(e, Some(status.as_u16())))
            })
            .unwrap_or(GeminiError::Status {
                code: status.as_u16(),
                status: "UNKNOWN".into(),
                retry_after: None,
            });
        if let GeminiError::Status {
            code, retry_after, ..
        } = &mut error
        {
            *code = status.as_u16();
            if retry_after.is_none() {
                *retry_after = header_delay;
            }
        }
        Err(error)
    }

    /// Sends with retries (see the module documentation).
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, GeminiError> {
        let mut retry = 0;
        loop {
            let error = match self.attempt(build()).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            retry += 1;
            if !error.retryable() || retry >= self.retry.attempts {
                return Err(error);
            }
            let delay = match &error {
                GeminiError::Status {
                    retry_after: Some(delay),
                    ..
                } => {
                    if *delay > self.retry.max_delay {
                        return Err(error);
                    }
                    *delay
                }
                _ => self.retry.backoff(retry - 1),
            };
            tracing::warn!(error = %error, retry, delay_ms = delay.as_millis() as u64, "retrying Gemini");
            tokio::time::sleep(delay).await;
        }
    }

    /// `GET /v1beta/models/{model}`: the model's token limits.
    pub async fn model_info(&self, model: &str) -> Result<ModelInfo, GeminiError> {
        let response = self
            .send(|| {
                self.http
                    .get(self.url(model, ""))
                    .timeout(self.timeouts.request)
            })
            .await?;
        let body = response.bytes().await.map_err(|_| GeminiError::Malformed)?;
        serde_json::from_slice(&body).map_err(|_| GeminiError::Malformed)
    }

    /// `POST models/{model}:countTokens` with the `generateContentRequest`
    /// form, so the system instruction counts.
    pub async fn count_tokens(
        &self,
        model: &str,
        request: &GenerateContentRequest,
    ) -> Result<u64, GeminiError> {
        let mut inner = serde_json::to_value(request).map_err(|_| GeminiError::Malformed)?;
        inner["model"] = Value::String(format!("models/{model}"));
        let body = serde_json::json!({ "generateContentRequest": inner });
        let response = self
            .send(|| {
                self.http
                    .post(self.url(model, ":countTokens"))
                    .timeout(self.timeouts.request)
                    .json(&body)
            })
            .await?;
        let body = response.bytes().await.map_err(|_| GeminiError::Malformed)?;
        serde_json::from_slice::<CountTokensResponse>(&body)
            .map(|r| r.total_tokens)
            .map_err(|_| GeminiError::Malformed)
    }

    /// `POST models/{model}:generateContent`: a whole answer at once (for
    /// short side requests such as summaries), retried like any call.
    pub async fn generate(
        &self,
        model: &str,
        request: &GenerateContentRequest,
    ) -> Result<Answer, GeminiError> {
        let response = self
            .send(|| {
                self.http
                    .post(self.url(model, ":generateContent"))
                    .timeout(self.timeouts.request)
                    .json(request)
            })
            .await?;
        let body = response.bytes().await.map_err(|_| GeminiError::Malformed)?;
        let body = std::str::from_utf8(&body).map_err(|_| GeminiError::Malformed)?;
        let chunk = parse_chunk(body)?;
        Ok(Answer {
            text: chunk.text,
            finish: chunk.finish,
            usage: chunk.usage,
        })
    }

    /// `POST models/{model}:streamGenerateContent?alt=sse`, retried until the
    /// headers of a successful answer arrive.
    pub async fn stream(
        &self,
        model: &str,
        request: &GenerateContentRequest,
    ) -> Result<GeminiStream, GeminiError> {
        let response = self
            .send(|| {
                self.http
                    .post(self.url(model, ":streamGenerateContent"))
                    .query(&[("alt", "sse")])
                    .json(request)
            })
            .await?;
        Ok(GeminiStream {
            response: Some(response),
            parser: SseParser::new(self.max_event_bytes),
            pending: std::collections::VecDeque::new(),
            first_byte: self.timeouts.first_byte,
            idle: self.timeouts.idle,
            received: false,
        })
    }
}

/// A whole (non-streamed) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer's text (thought parts left out).
    pub text: String,
    pub finish: Option<FinishReason>,
    pub usage: Option<UsageMetadata>,
}

/// An open answer stream.
pub struct GeminiStream {
    response: Option<reqwest::Response>,
    parser: SseParser,
    pending: std::collections::VecDeque<String>,
    first_byte: Duration,
    idle: Duration,
    received: bool,
}

impl GeminiStream {
    /// The next chunk; `None` once the body has closed.
    pub async fn next(&mut self) -> Option<Result<Chunk, GeminiError>> {
        loop {
            if let Some(data) = self.pending.pop_front() {
                return Some(parse_chunk(&data));
            }
            let response = self.response.as_mut()?;
            let (limit, phase) = if self.received {
                (self.idle, "idle")
            } else {
                (self.first_byte, "first byte")
            };
            match tokio::time::timeout(limit, response.chunk()).await {
                Err(_) => {
                    self.response = None;
                    return Some(Err(GeminiError::Timeout(phase)));
                }
                Ok(Err(_)) => {
                    self.response = None;
                    return Some(Err(GeminiError::Malformed));
                }
                Ok(Ok(Some(bytes))) => {
                    self.received = true;
                    match self.parser.push(&bytes) {
                        Ok(events) => self.pending.extend(events),
                        Err(_) => {
                            self.response = None;
                            return Some(Err(GeminiError::Malformed));
                        }
                    }
                }
                Ok(Ok(None)) => {
                    self.response = None;
                    self.pending.extend(self.parser.finish());
                    if self.pending.is_empty() {
                        return None;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_usage_and_finish_reason_are_read() {
        let chunk = parse_chunk(
            r#"{"candidates":[{"content":{"parts":[{"text":"Hel"},{"text":"lo"},{"text":"hmm","thought":true}],"role":"model"},"finishReason":"STOP","index":0}],
               "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":2,"thoughtsTokenCount":5,"totalTokenCount":14},
               "modelVersion":"gemini-x","responseId":"abc"}"#,
        )
        .unwrap();
        assert_eq!(chunk.text, "Hello");
        assert_eq!(chunk.finish, Some(FinishReason::Stop));
        let usage = chunk.usage.unwrap();
        assert_eq!(usage.total_token_count, 14);
        assert_eq!(usage.thoughts_token_count, 5);
    }

    #[test]
    fn finish_reasons_are_mapped_and_unknown_is_other() {
        for (api, ours) in [
            ("STOP", "stop"),
            ("MAX_TOKENS", "max_tokens"),
            ("SAFETY", "safety"),
            ("RECITATION", "recitation"),
            ("PROHIBITED_CONTENT", "prohibited_content"),
            ("SPII", "spii"),
            ("BLOCKLIST", "blocklist"),
            ("LANGUAGE", "language"),
            ("MALFORMED_FUNCTION_CALL", "other"),
            ("SOMETHING_NEW", "other"),
        ] {
            let data = format!(r#"{{"candidates":[{{"finishReason":"{api}"}}]}}"#);
            let chunk = parse_chunk(&data).unwrap();
            assert_eq!(chunk.finish.unwrap().as_str(), ours, "{api}");
        }
        let chunk = parse_chunk(r#"{"candidates":[{"finishReason":"FINISH_REASON_UNSPECIFIED"}]}"#)
            .unwrap();
        assert_eq!(chunk.finish, None);
    }

    #[test]
    fn a_blocked_prompt_is_recognised() {
        let chunk = parse_chunk(
            r#"{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9}}"#,
        )
        .unwrap();
        assert_eq!(chunk.blocked.as_deref(), Some("SAFETY"));
        assert_eq!(chunk.finish, Some(FinishReason::Blocked));
        assert_eq!(chunk.text, "");
    }

    #[test]
    fn an_error_chunk_is_an_error_without_its_message() {
        let error = parse_chunk(
            r#"{"error":{"code":503,"message":"secret prompt text","status":"UNAVAILABLE"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            error,
            GeminiError::Status {
                code: 503,
                status: "UNAVAILABLE".into(),
                retry_after: None
            }
        );
        assert!(!error.to_string().contains("secret"));
        assert_eq!(
            parse_chunk("{not json").unwrap_err(),
            GeminiError::Malformed
        );
    }

    #[test]
    fn retry_info_is_read() {
        let error = parse_chunk(
            r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[
                {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
                {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#,
        )
        .unwrap_err();
        let GeminiError::Status { retry_after, .. } = error else {
            panic!()
        };
        assert_eq!(retry_after, Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("-1s"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..50 {
            let d0 = policy.backoff(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d1 = policy.backoff(1);
            assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
            assert!(policy.backoff(10) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn requests_serialise_in_the_documented_shape() {
        let request = GenerateContentRequest {
            contents: vec![Content::text(Some("user"), "hi")],
            system_instruction: Some(Content::text(None, "be brief")),
            generation_config: Some(GenerationConfig {
                max_output_tokens: 100,
            }),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({
                "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                "systemInstruction": {"parts": [{"text": "be brief"}]},
                "generationConfig": {"maxOutputTokens": 100}
            })
        );
    }
}
