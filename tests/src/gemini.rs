//! A Gemini stand-in speaking the documented REST and SSE formats of
//! `generativelanguage.googleapis.com/v1beta`, with scripted behaviours.
//!
//! - `GET /v1beta/models/{model}` → a `Model` (`name`, `inputTokenLimit`,
//!   `outputTokenLimit`, …), or 404 `NOT_FOUND` for an unknown model.
//! - `POST /v1beta/models/{model}:countTokens` with `{"generateContentRequest":
//!   {model, contents, systemInstruction?}}` (or bare `contents`) →
//!   `{"totalTokens": n}`, n = whitespace-separated words of every text part.
//! - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` → `data:`
//!   lines, each a whole `GenerateContentResponse`, separated by `\r\n\r\n`,
//!   ending when the body closes; what happens is taken from a queue of
//!   [`Behaviour`]s, one per call (a normal answer when the queue is empty).
//! - `POST /v1beta/models/{model}:generateContent` → one whole
//!   `GenerateContentResponse` (the answer's pieces joined, `STOP`, usage);
//!   scripted apart from the streams ([`GeminiStandIn::script_generate`]:
//!   `Answer`, `TooMany`, `Status`, `PromptBlocked`), answering
//!   [`DEFAULT_GENERATED`] when its queue is empty.
//!
//! Every generate request body is recorded, streams and whole answers apart
//! ([`GeminiStandIn::requests`], [`GeminiStandIn::generate_requests`]).
//!
//! [`control_router`] is a separate test-only HTTP API (the
//! `gemini-standin` binary serves it on its own port, never beside the
//! Gemini paths) through which the browser tests script answers and read
//! what was sent.
//!
//! Every call needs `x-goog-api-key` (403 `PERMISSION_DENIED` otherwise);
//! errors are `{"error": {"code", "message", "status", "details"?}}`.

// Errors here are finished HTTP responses of a test server: their size
// does not matter.
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

pub const MODEL: &str = "gemini-flash-latest";
pub const KEY: &str = "test-gemini-key-0123456789";
/// What `generateContent` answers when nothing is scripted.
pub const DEFAULT_GENERATED: &str = "A summary of the earlier conversation.";

/// What one `streamGenerateContent` call does.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// The answer in these pieces, `finishReason: STOP`, usage on the last chunk.
    Answer(Vec<String>),
    /// Waits before the status line (a slow first byte), then answers.
    SlowFirstByte(Duration, Vec<String>),
    /// 429 `RESOURCE_EXHAUSTED`, with `RetryInfo.retryDelay` when given (`"0.2s"`).
    TooMany(Option<String>),
    /// An HTTP error status (500, 503, 400, 403, 404 …) with Google's body.
    Status(u16),
    /// Sends these pieces, then half an event, then closes the body.
    Truncated(Vec<String>),
    /// `promptFeedback.blockReason: SAFETY`, no candidates.
    PromptBlocked,
    /// A first piece, then `finishReason: SAFETY`.
    SafetyStop(String),
    /// This many bytes of answer in 16 KiB pieces, then `STOP`.
    Oversized(usize),
    /// One piece, then silence until the client goes away.
    Hang(String),
    /// An error chunk in the stream (HTTP 200) after one piece.
    ErrorChunk(String),
    /// The answer in these pieces with a pause before each after the first,
    /// like a model generating (benchmarks hold streams open with it).
    Paced(Vec<String>, Duration),
}

/// The `inputTokenLimit` `models.get` reports unless told otherwise.
pub const INPUT_TOKEN_LIMIT: u64 = 1_048_576;

#[derive(Default)]
struct Inner {
    /// Benchmarks turn recording off so a long run holds no bodies.
    not_recording: AtomicBool,
    /// What a stream does when nothing is scripted (a short answer if unset).
    default_stream: Mutex<Option<Behaviour>>,
    /// `inputTokenLimit` when set (0: [`INPUT_TOKEN_LIMIT`]).
    input_token_limit: AtomicU64,
    script: Mutex<VecDeque<Behaviour>>,
    /// Bodies of the streamed generate calls, in order.
    requests: Mutex<Vec<Value>>,
    /// What `generateContent` calls do, in order.
    generate_script: Mutex<VecDeque<Behaviour>>,
    /// Bodies of the `generateContent` calls, in order.
    generate_requests: Mutex<Vec<Value>>,
    calls: AtomicUsize,
    model_fetches: AtomicUsize,
    models_down: AtomicBool,
    disconnected: AtomicUsize,
    notify: Notify,
}

/// A running stand-in; stops when dropped.
pub struct GeminiStandIn {
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GeminiStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error_body(code: u16, status: &str, message: &str, details: Option<Value>) -> Response {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if let Some(details) = details {
        error["details"] = details;
    }
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(json!({ "error": error })),
    )
        .into_response()
}

fn status_name(code: u16) -> &'static str {
    match code {
        400 => "INVALID_ARGUMENT",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    }
}

fn authorised(headers: &HeaderMap, query: &Option<String>) -> Result<(), Response> {
    if query.as_deref().unwrap_or("").contains("key=") {
        return Err(error_body(
            400,
            "INVALID_ARGUMENT",
            "the key must not be in the URL in these tests",
            None,
        ));
    }
    match headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) {
        Some(KEY) => Ok(()),
        _ => Err(error_body(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            None,
        )),
    }
}

fn words(value: &Value) -> u64 {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("text", Value::String(s)) => s.split_whitespace().count() as u64,
                _ => words(v),
            })
            .sum(),
        Value::Array(items) => items.iter().map(words).sum(),
        _ => 0,
    }
}

fn chunk(text: &str, finish: Option<&str>, usage: Option<(u64, u64)>) -> Bytes {
    Bytes::from(format!(
        "data: {}\r\n\r\n",
        response_json(text, finish, usage)
    ))
}

fn response_json(text: &str, finish: Option<&str>, usage: Option<(u64, u64)>) -> Value {
    let mut candidate = json!({
        "content": { "parts": [{ "text": text }], "role": "model" },
        "index": 0
    });
    if let Some(finish) = finish {
        candidate["finishReason"] = json!(finish);
    }
    let mut response = json!({
        "candidates": [candidate],
        "modelVersion": MODEL,
        "responseId": "stand-in"
    });
    if let Some((prompt, output)) = usage {
        // A thinking model: totalTokenCount includes thoughtsTokenCount.
        response["usageMetadata"] = json!({
            "promptTokenCount": prompt,
            "candidatesTokenCount": output,
            "thoughtsTokenCount": 3,
            "totalTokenCount": prompt + output + 3
        });
    }
    response
}

fn blocked_json(prompt: u64) -> Value {
    json!({
        "promptFeedback": { "blockReason": "SAFETY", "safetyRatings": [
            { "category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH" }
        ]},
        "usageMetadata": { "promptTokenCount": prompt, "totalTokenCount": prompt },
        "modelVersion": MODEL
    })
}

fn too_many(delay: Option<String>) -> Response {
    let details = delay.map(|d| {
        json!([
            { "@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [] },
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": d }
        ])
    });
    error_body(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota (prompt: secret)",
        details,
    )
}

/// A whole answer for `generateContent`.
fn whole_answer(behaviour: Behaviour, prompt: u64) -> Response {
    match behaviour {
        Behaviour::TooMany(delay) => too_many(delay),
        Behaviour::Status(code) => {
            error_body(code, status_name(code), "upstream failure detail", None)
        }
        Behaviour::PromptBlocked => axum::Json(blocked_json(prompt)).into_response(),
        Behaviour::Answer(pieces) => {
            let text = pieces.concat();
            let output = text.split_whitespace().count() as u64;
            axum::Json(response_json(&text, Some("STOP"), Some((prompt, output)))).into_response()
        }
        other => error_body(
            500,
            "INTERNAL",
            &format!("the stand-in cannot {other:?} for generateContent"),
            None,
        ),
    }
}

/// An SSE body fed by a task; `Err` from `send` means the client left.
fn sse_response(rx: mpsc::Receiver<Bytes>) -> Response {
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    }));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(body)
        .unwrap()
}

/// Sends the pieces, `pause` apart; the last carries `STOP` and the usage.
/// False when the client went away before the end.
async fn send_answer(
    tx: &mpsc::Sender<Bytes>,
    pieces: &[String],
    prompt: u64,
    pause: Duration,
) -> bool {
    let output: u64 = pieces
        .iter()
        .map(|p| p.split_whitespace().count() as u64)
        .sum();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let last = i + 1 == pieces.len();
        let bytes = chunk(
            piece,
            last.then_some("STOP"),
            last.then_some((prompt, output)),
        );
        if tx.send(bytes).await.is_err() {
            return false;
        }
    }
    true
}

async fn generate(
    State(inner): State<Arc<Inner>>,
    Path(target): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorised(&headers, &query) {
        return response;
    }
    let Some((model, method)) = target.split_once(':') else {
        return error_body(404, "NOT_FOUND", "unknown method", None);
    };
    if model != MODEL {
        return error_body(
            404,
            "NOT_FOUND",
            &format!("models/{model} is not found"),
            None,
        );
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload", None),
    };
    match method {
        "countTokens" => {
            let total = match body.get("generateContentRequest") {
                Some(request) => words(request),
                None => words(&body["contents"]),
            };
            axum::Json(json!({ "totalTokens": total, "promptTokensDetails": [
                { "modality": "TEXT", "tokenCount": total }
            ]}))
            .into_response()
        }
        "generateContent" => {
            let prompt = words(&body);
            if !inner.not_recording.load(Ordering::Relaxed) {
                inner.generate_requests.lock().unwrap().push(body);
            }
            let behaviour = inner
                .generate_script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| Behaviour::Answer(vec![DEFAULT_GENERATED.into()]));
            whole_answer(behaviour, prompt)
        }
        "streamGenerateContent" => {
            if query.as_deref() != Some("alt=sse") {
                return error_body(400, "INVALID_ARGUMENT", "these tests use alt=sse", None);
            }
            let prompt = words(&body);
            if !inner.not_recording.load(Ordering::Relaxed) {
                inner.requests.lock().unwrap().push(body);
            }
            inner.calls.fetch_add(1, Ordering::SeqCst);
            let scripted = inner.script.lock().unwrap().pop_front();
            let behaviour = scripted
                .or_else(|| inner.default_stream.lock().unwrap().clone())
                .unwrap_or_else(|| Behaviour::Answer(vec!["Hello".into(), " there".into()]));
            stream(inner.clone(), behaviour, prompt).await
        }
        _ => error_body(404, "NOT_FOUND", "unknown method", None),
    }
}

async fn stream(inner: Arc<Inner>, behaviour: Behaviour, prompt: u64) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    match behaviour {
        Behaviour::TooMany(delay) => return too_many(delay),
        Behaviour::Status(code) => {
            return error_body(code, status_name(code), "upstream failure detail", None);
        }
        Behaviour::SlowFirstByte(wait, pieces) => {
            tokio::time::sleep(wait).await;
            tokio::spawn(async move {
                send_answer(&tx, &pieces, prompt, Duration::ZERO).await;
            });
        }
        Behaviour::Answer(pieces) => {
            tokio::spawn(async move {
                send_answer(&tx, &pieces, prompt, Duration::ZERO).await;
            });
        }
        Behaviour::Truncated(pieces) => {
            tokio::spawn(async move {
                for piece in &pieces {
                    if tx.send(chunk(piece, None, None)).await.is_err() {
                        return;
                    }
                }
                let _ = tx
                    .send(Bytes::from_static(b"data: {\"candidates\": [{\"content\""))
                    .await;
            });
        }
        Behaviour::PromptBlocked => {
            let body = blocked_json(prompt);
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from(format!("data: {body}\r\n\r\n"))).await;
            });
        }
        Behaviour::SafetyStop(piece) => {
            tokio::spawn(async move {
                let _ = tx.send(chunk(&piece, None, None)).await;
                let _ = tx.send(chunk("", Some("SAFETY"), Some((prompt, 1)))).await;
            });
        }
        Behaviour::Oversized(bytes) => {
            tokio::spawn(async move {
                let piece = "x".repeat(16 * 1024);
                let mut sent = 0;
                while sent < bytes {
                    if tx.send(chunk(&piece, None, None)).await.is_err() {
                        return;
                    }
                    sent += piece.len();
                }
                let _ = tx.send(chunk("", Some("STOP"), Some((prompt, 1)))).await;
            });
        }
        Behaviour::Paced(pieces, pause) => {
            tokio::spawn(async move {
                // A paced answer is long enough to be stopped part-way: the
                // browser tests check the proxy then closes this stream.
                if !send_answer(&tx, &pieces, prompt, pause).await {
                    inner.disconnected.fetch_add(1, Ordering::SeqCst);
                    inner.notify.notify_waiters();
                }
            });
        }
        Behaviour::Hang(piece) => {
            tokio::spawn(async move {
                let _ = tx.send(chunk(&piece, None, None)).await;
                tx.closed().await;
                inner.disconnected.fetch_add(1, Ordering::SeqCst);
                inner.notify.notify_waiters();
            });
        }
        Behaviour::ErrorChunk(piece) => {
            tokio::spawn(async move {
                let _ = tx.send(chunk(&piece, None, None)).await;
                let error = json!({ "error": {
                    "code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"
                }});
                let _ = tx.send(Bytes::from(format!("data: {error}\r\n\r\n"))).await;
            });
        }
    }
    sse_response(rx)
}

async fn model_get(
    State(inner): State<Arc<Inner>>,
    Path(model): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorised(&headers, &query) {
        return response;
    }
    inner.model_fetches.fetch_add(1, Ordering::SeqCst);
    if inner.models_down.load(Ordering::SeqCst) {
        return error_body(
            503,
            "UNAVAILABLE",
            "The service is currently unavailable.",
            None,
        );
    }
    if model != MODEL {
        return error_body(
            404,
            "NOT_FOUND",
            &format!("models/{model} is not found"),
            None,
        );
    }
    axum::Json(json!({
        "name": format!("models/{MODEL}"),
        "baseModelId": MODEL,
        "version": "stand-in",
        "displayName": "Gemini Flash Latest (stand-in)",
        "description": "A test double.",
        "inputTokenLimit": match inner.input_token_limit.load(Ordering::SeqCst) {
            0 => INPUT_TOKEN_LIMIT,
            n => n,
        },
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens", "streamGenerateContent"],
        "temperature": 1.0,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2.0,
        "thinking": true
    }))
    .into_response()
}

/// One scripted answer of the control API: `{"pieces": [..], "pause_ms": n}`
/// (a paced stream), `{"status": 503}` or `{"too_many": "0.2s" | null}`.
fn scripted(value: &Value) -> Result<Behaviour, String> {
    if let Some(pieces) = value.get("pieces") {
        let pieces = pieces
            .as_array()
            .filter(|p| !p.is_empty())
            .ok_or("pieces must be a non-empty array of strings")?
            .iter()
            .map(|p| p.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or("pieces must be a non-empty array of strings")?;
        let pause = match value.get("pause_ms") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_u64().ok_or("pause_ms must be a whole number")?,
        };
        return Ok(Behaviour::Paced(pieces, Duration::from_millis(pause)));
    }
    if let Some(status) = value.get("status") {
        let status = status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (400..600).contains(s))
            .ok_or("status must be an HTTP error status (400-599)")?;
        return Ok(Behaviour::Status(status));
    }
    if let Some(delay) = value.get("too_many") {
        return Ok(Behaviour::TooMany(delay.as_str().map(str::to_owned)));
    }
    Err(format!(
        "an answer is {{pieces, pause_ms?}}, {{status}} or {{too_many}}, not {value}"
    ))
}

async fn control_script(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let answers: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("not JSON: {e}")).into_response(),
    };
    let Some(answers) = answers.as_array() else {
        return (StatusCode::BAD_REQUEST, "expected an array of answers").into_response();
    };
    match answers.iter().map(scripted).collect::<Result<Vec<_>, _>>() {
        Ok(behaviours) => {
            inner.script.lock().unwrap().extend(behaviours);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

async fn control_requests(State(inner): State<Arc<Inner>>) -> Response {
    axum::Json(json!({
        "streams": *inner.requests.lock().unwrap(),
        "generated": *inner.generate_requests.lock().unwrap(),
        "disconnects": inner.disconnected.load(Ordering::SeqCst),
    }))
    .into_response()
}

impl GeminiStandIn {
    /// The test-only control API: `POST /script` queues answers (a JSON
    /// array, see [`scripted`]); `GET /requests` answers `{streams,
    /// generated, disconnects}`: the request bodies received and how many
    /// paced streams the client left early.
    pub fn control_router(&self) -> Router {
        Router::new()
            .route("/script", post(control_script))
            .route("/requests", axum::routing::get(control_requests))
            .with_state(self.inner.clone())
    }

    pub async fn start() -> GeminiStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        GeminiStandIn::serve(listener)
    }

    /// Serves on a listener the caller bound (the `gemini-standin` binary
    /// binds a fixed address for benchmarks).
    pub fn serve(listener: tokio::net::TcpListener) -> GeminiStandIn {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v1beta/models/{target}", post(generate).get(model_get))
            .with_state(inner.clone());
        // `{target}` holds `model:method` for POST and the model for GET.
        let addr = listener.local_addr().unwrap();
        // Google's front ends do not delay small writes; neither does this.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GeminiStandIn {
            url: format!("http://{addr}"),
            inner,
            task,
        }
    }

    /// What streams do when nothing is scripted.
    pub fn set_default_stream(&self, behaviour: Behaviour) {
        *self.inner.default_stream.lock().unwrap() = Some(behaviour);
    }

    /// Stops keeping request bodies ([`GeminiStandIn::requests`] stays empty).
    pub fn stop_recording(&self) {
        self.inner.not_recording.store(true, Ordering::Relaxed);
    }

    /// Queues behaviours for the next generate calls.
    pub fn script(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.inner.script.lock().unwrap().extend(behaviours);
    }

    /// Queues behaviours for the next `generateContent` calls.
    pub fn script_generate(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.inner
            .generate_script
            .lock()
            .unwrap()
            .extend(behaviours);
    }

    /// The `generateContent` request bodies received so far.
    pub fn generate_requests(&self) -> Vec<Value> {
        self.inner.generate_requests.lock().unwrap().clone()
    }

    /// The `inputTokenLimit` `models.get` reports from now on (the proxy
    /// reads it at start-up).
    pub fn set_input_token_limit(&self, limit: u64) {
        self.inner.input_token_limit.store(limit, Ordering::SeqCst);
    }

    /// `models.get` answers 503 while this is set.
    pub fn set_models_down(&self, down: bool) {
        self.inner.models_down.store(down, Ordering::SeqCst);
    }

    pub fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::SeqCst)
    }

    pub fn model_fetches(&self) -> usize {
        self.inner.model_fetches.load(Ordering::SeqCst)
    }

    /// The streamed generate request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// How many `Hang` or `Paced` streams the client left before their end.
    pub fn disconnects(&self) -> usize {
        self.inner.disconnected.load(Ordering::SeqCst)
    }

    /// Waits (up to `limit`) until a `Hang` stream's client has gone away.
    pub async fn wait_disconnected(&self, count: usize, limit: Duration) -> bool {
        tokio::time::timeout(limit, async {
            loop {
                let notified = self.inner.notify.notified();
                if self.inner.disconnected.load(Ordering::SeqCst) >= count {
                    return;
                }
                notified.await;
            }
        })
        .await
        .is_ok()
    }
}
