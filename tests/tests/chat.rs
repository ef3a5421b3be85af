//! AI chat through the real proxy on a real port, against the Gemini
//! stand-in (no test reaches the internet): streamed answers as SSE, the
//! conversation stored before and after, retries, timeouts, failures cut
//! short and stored incomplete, a client leaving mid-stream, limits,
//! token counts, usage and the audit trail.

use std::net::SocketAddr;
use std::time::Duration;

use proxy::app::App;
use proxy::config::Config;
use proxy::gemini::{RetryPolicy, Timeouts};
use proxy::state::AppState;
use serde_json::{Value, json};
use system_tests::gemini::{Behaviour, GeminiStandIn, KEY};

struct Running {
    addr: SocketAddr,
    state: AppState,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_millis(700),
        idle: Duration::from_secs(5),
        request: Duration::from_secs(5),
    }
}

fn retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(1),
    }
}

/// Local mode (one user, no token) with the stand-in as Gemini.
async fn start(gemini: &GeminiStandIn, extra: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut vars: Vec<(String, String)> = vec![
        ("PROXY_ADDR".into(), "127.0.0.1:0".into()),
        ("DATA_DIR".into(), dir.path().display().to_string()),
        (
            "ADDIN_DIR".into(),
            dir.path().join("none").display().to_string(),
        ),
        ("GEMINI_API_KEY".into(), KEY.into()),
        ("GEMINI_BASE_URL".into(), gemini.url.clone()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let state = AppState::with_gemini_settings(config.clone(), timeouts(), retry()).unwrap();
    let app = App::with_state(config, state.clone()).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        state,
        http: reqwest::Client::new(),
        stop: Some(stop),
        _dir: dir,
    }
}

#[derive(Debug)]
struct Event {
    name: String,
    data: Value,
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn events(&self) -> Vec<Event> {
        self.body
            .split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let mut name = String::new();
                let mut data = Value::Null;
                for line in e.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = n.to_owned();
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = serde_json::from_str(d).unwrap();
                    }
                }
                Event { name, data }
            })
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn names(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.name).collect()
    }

    fn text(&self) -> String {
        self.events()
            .iter()
            .filter(|e| e.name == "delta")
            .map(|e| e.data["text"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        assert!(!body.contains(KEY), "the key leaked: {body}");
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn ask(&self, conversation: &str, text: &str) -> Reply {
        self.call(
            "POST",
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(json!({ "text": text })),
        )
        .await
    }

    async fn conversation(&self, id: &str) -> Value {
        let reply = self
            .call("GET", &format!("/api/v1/conversations/{id}"), None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    async fn audit(&self) -> Vec<Value> {
        assert!(self.state.audit.flush().await, "audit delivered");
        let reply = self
            .call("GET", "/api/v1/audit?action=ai.query&limit=200", None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["items"].as_array().unwrap().clone()
    }
}

fn conversation_id(reply: &Reply) -> String {
    reply.headers["x-conversation-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_answer_streams_as_events_and_the_conversation_is_stored() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([Behaviour::Answer(vec![
        "Revenue".into(),
        " rose".into(),
        " 4%.".into(),
    ])]);
    let proxy = start(&gemini, &[]).await;
    assert_eq!(gemini.model_fetches(), 1, "limits read at start-up");

    let reply = proxy
        .call(
            "POST",
            "/api/v1/conversations/new/messages",
            Some(json!({ "text": "How did revenue change?", "sheet_context": {"A1": "[MASKED]"} })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["content-type"], "text/event-stream");
    assert_eq!(reply.names(), ["delta", "delta", "delta", "usage", "done"]);
    assert_eq!(reply.text(), "Revenue rose 4%.");
    let events = reply.events();
    let usage = &events[3].data;
    assert_eq!(
        usage["total_tokens"].as_u64().unwrap(),
        usage["prompt_tokens"].as_u64().unwrap() + usage["output_tokens"].as_u64().unwrap() + 3,
        "total includes thinking tokens: {usage}"
    );
    assert_eq!(events[4].data["finish_reason"], "stop");
    let message_id = events[4].data["message_id"].as_str().unwrap().to_owned();

    // What Gemini received: system instruction, output cap, the question
    // with its sheet context.
    let sent = &gemini.requests()[0];
    assert!(
        sent["systemInstruction"]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Ledgerlight")
    );
    assert_eq!(sent["generationConfig"]["maxOutputTokens"], 8192);
    let question = sent["contents"][0]["parts"][0]["text"].as_str().unwrap();
    assert!(
        question.starts_with("How did revenue change?"),
        "{question}"
    );
    assert!(question.contains("[MASKED]"), "{question}");

    let id = conversation_id(&reply);
    let conversation = proxy.conversation(&id).await;
    let messages = conversation["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["text"], "How did revenue change?");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["id"], message_id.as_str());
    assert_eq!(messages[1]["text"], "Revenue rose 4%.");
    assert_eq!(messages[1]["incomplete"], false);
    assert_eq!(conversation["total_tokens"], usage["total_tokens"]);

    // A follow-up carries the history.
    let reply = proxy.ask(&id, "And costs?").await;
    assert_eq!(reply.names().last().unwrap(), "done");
    let sent = &gemini.requests()[1];
    let roles: Vec<&str> = sent["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "model", "user"]);
    assert_eq!(sent["contents"][1]["parts"][0]["text"], "Revenue rose 4%.");

    // Audited without the prompt or the answer.
    let audit = proxy.audit().await;
    assert_eq!(audit.len(), 2);
    let details = &audit[1]["details"];
    assert_eq!(details["model"], "gemini-flash-latest");
    assert_eq!(details["status"], "complete");
    assert_eq!(details["finish_reason"], "stop");
    assert_eq!(details["conversation_id"], id.as_str());
    assert!(details["latency_ms"].is_u64());
    assert_eq!(details["masked_cells"], 0);
    assert_eq!(details["total_tokens"], usage["total_tokens"]);
    let text = serde_json::to_string(&audit).unwrap();
    assert!(
        !text.contains("revenue change") && !text.contains("rose 4%"),
        "{text}"
    );
}

#[tokio::test]
async fn prompts_are_audited_only_when_asked() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("AUDIT_PROMPTS", "true")]).await;
    let reply = proxy.ask("new", "What is the total?").await;
    assert_eq!(reply.status, 200);
    let audit = proxy.audit().await;
    assert_eq!(audit[0]["details"]["prompt"], "What is the total?");
    assert_eq!(audit[0]["details"]["answer"], "Hello there");
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_before_the_first_byte() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::Status(500),
        Behaviour::Status(503),
        Behaviour::Answer(vec!["ok".into()]),
        Behaviour::TooMany(Some("0.05s".into())),
        Behaviour::Answer(vec!["ok".into()]),
    ]);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.text(), "ok");
    assert_eq!(gemini.calls(), 3);
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.text(), "ok");
    assert_eq!(gemini.calls(), 5);
}

#[tokio::test]
async fn persistent_429_becomes_a_clear_429_and_the_failure_is_stored() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::TooMany(None),
        Behaviour::TooMany(None),
        Behaviour::TooMany(None),
        // A retryDelay above the longest wait is passed on, not waited for.
        Behaviour::TooMany(Some("30s".into())),
    ]);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "upstream_rate_limited");
    assert!(reply.headers.get("retry-after").is_some());
    assert!(
        !reply.body.contains("quota"),
        "no upstream body: {}",
        reply.body
    );
    assert_eq!(gemini.calls(), 3);

    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "30");
    assert_eq!(gemini.calls(), 4, "not retried");

    let audit = proxy.audit().await;
    assert_eq!(audit[0]["details"]["status"], "failed");
    assert_eq!(audit[0]["status"], "failure");
    let id = audit[0]["details"]["conversation_id"].as_str().unwrap();
    let conversation = proxy.conversation(id).await;
    let messages = conversation["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "user", "stored before the call");
    assert_eq!(messages[1]["incomplete"], true);
    assert_eq!(messages[1]["error"], "upstream_rate_limited");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::Status(400),
        Behaviour::Status(403),
        Behaviour::Status(404),
    ]);
    let proxy = start(&gemini, &[]).await;
    for n in 1..=3 {
        let reply = proxy.ask("new", "q").await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "upstream_error");
        assert!(!reply.body.contains("detail"), "{}", reply.body);
        assert_eq!(gemini.calls(), n);
    }
}

#[tokio::test]
async fn a_slow_first_byte_is_waited_for_up_to_the_timeout() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::SlowFirstByte(Duration::from_millis(200), vec!["late".into()]),
        Behaviour::SlowFirstByte(Duration::from_secs(3), vec!["never".into()]),
        Behaviour::SlowFirstByte(Duration::from_secs(3), vec!["never".into()]),
        Behaviour::SlowFirstByte(Duration::from_secs(3), vec!["never".into()]),
    ]);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.text(), "late");
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 504, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "upstream_timeout");
}

#[tokio::test]
async fn answers_cut_short_end_with_an_error_event_and_are_stored_incomplete() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::Truncated(vec!["Half".into(), " an".into()]),
        Behaviour::ErrorChunk("Partial".into()),
        Behaviour::Oversized(300 * 1024),
    ]);
    let proxy = start(&gemini, &[]).await;
    for (code, text) in [
        ("upstream_error", "Half an"),
        ("upstream_unavailable", "Partial"),
        ("answer_too_large", ""),
    ] {
        let reply = proxy.ask("new", "q").await;
        assert_eq!(reply.status, 200);
        let events = reply.events();
        let last = events.last().unwrap();
        assert_eq!(last.name, "error", "{code}");
        assert_eq!(last.data["code"], code);
        assert!(last.data["message"].is_string());
        assert!(!reply.names().contains(&"done".to_owned()));
        let id = conversation_id(&reply);
        let conversation = proxy.conversation(&id).await;
        let stored = &conversation["messages"][1];
        assert_eq!(stored["incomplete"], true, "{code}");
        if !text.is_empty() {
            assert_eq!(stored["text"], text);
        }
    }
}

#[tokio::test]
async fn blocked_prompts_and_safety_stops_are_explained() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([
        Behaviour::PromptBlocked,
        Behaviour::SafetyStop("I can".into()),
    ]);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    let events = reply.events();
    assert_eq!(reply.names(), ["error"]);
    assert_eq!(events[0].data["code"], "prompt_blocked");
    assert!(
        events[0].data["message"]
            .as_str()
            .unwrap()
            .contains("SAFETY")
    );

    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.names(), ["delta", "usage", "done"]);
    assert_eq!(reply.events()[2].data["finish_reason"], "safety");
}

#[tokio::test]
async fn a_client_leaving_mid_stream_leaves_an_incomplete_answer() {
    let gemini = GeminiStandIn::start().await;
    gemini.script([Behaviour::Hang("The first".into())]);
    let proxy = start(&gemini, &[]).await;
    let mut response = proxy
        .http
        .post(proxy.url("/api/v1/conversations/new/messages"))
        .json(&json!({ "text": "long question" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-conversation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let first = response.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: delta"));
    drop(response);

    assert!(
        gemini.wait_disconnected(1, Duration::from_secs(10)).await,
        "the proxy closed its upstream stream"
    );
    // The answer is stored by the relay task once it notices; wait for it.
    let mut stored = Value::Null;
    for _ in 0..100 {
        let conversation = proxy.conversation(&id).await;
        if conversation["messages"].as_array().unwrap().len() == 2 {
            stored = conversation["messages"][1].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored["text"], "The first");
    assert_eq!(stored["incomplete"], true);
    assert_eq!(stored["finish_reason"], "client_disconnected");
    let audit = proxy.audit().await;
    assert_eq!(audit[0]["details"]["status"], "incomplete");
}

#[tokio::test]
async fn start_up_survives_gemini_being_down_and_chat_recovers_on_demand() {
    let gemini = GeminiStandIn::start().await;
    gemini.set_models_down(true);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "ai_unavailable");
    assert_eq!(gemini.calls(), 0);
    let health = proxy.call("GET", "/health", None).await;
    assert_eq!(health.status, 200, "everything else works");

    gemini.set_models_down(false);
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let fetches = gemini.model_fetches();
    let _ = proxy.ask("new", "q").await;
    assert_eq!(gemini.model_fetches(), fetches, "cached once fetched");
}

#[tokio::test]
async fn ids_are_checked_and_unknown_conversations_are_not_found() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("not-a-uuid", "q").await;
    assert_eq!(reply.status, 400);
    let reply = proxy.ask(&uuid::Uuid::new_v4().to_string(), "q").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"]["code"], "not_found");
    let reply = proxy.ask("new", "   ").await;
    assert_eq!(reply.status, 400);
    assert_eq!(gemini.calls(), 0);
}

#[tokio::test]
async fn tokens_are_counted_exactly_and_usage_is_reported() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("RATE_LIMIT_RPM", "7")]).await;
    let reply = proxy
        .call(
            "POST",
            "/api/v1/tokens/count",
            Some(json!({ "text": "one two three" })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let counted = reply.json()["total_tokens"].as_u64().unwrap();
    let system_words = proxy::chat::SYSTEM_INSTRUCTION.split_whitespace().count() as u64;
    assert_eq!(counted, 3 + system_words, "the system instruction counts");

    let usage = proxy.call("GET", "/api/v1/usage", None).await.json();
    assert_eq!(usage["tokens_used_today"], 0);
    assert_eq!(usage["rate_limit_rpm"], 7);
    let reply = proxy.ask("new", "q").await;
    let total = reply.events()[2].data["total_tokens"].as_u64().unwrap();
    let usage = proxy.call("GET", "/api/v1/usage", None).await.json();
    assert_eq!(usage["tokens_used_today"], total);
    assert_eq!(usage["budget_left"].as_u64().unwrap(), 1_000_000 - total);
    assert_eq!(usage["requests_in_window"], 1);
}

#[tokio::test]
async fn the_rate_limit_and_the_daily_budget_answer_429_with_retry_after() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("RATE_LIMIT_RPM", "2")]).await;
    assert_eq!(proxy.ask("new", "q").await.status, 200);
    assert_eq!(proxy.ask("new", "q").await.status, 200);
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.json()["error"]["code"], "rate_limited");
    let wait: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(gemini.calls(), 2);

    let gemini = GeminiStandIn::start().await;
    gemini.script([Behaviour::Answer(vec!["word ".repeat(700)])]);
    let proxy = start(&gemini, &[("DAILY_TOKEN_BUDGET", "600")]).await;
    assert_eq!(proxy.ask("new", "q").await.status, 200);
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "budget_exhausted");
    assert!(reply.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn without_a_key_chat_is_not_configured_and_usage_still_works() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("GEMINI_API_KEY", "")]).await;
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.json(),
        json!({"error": {"code": "ai_not_configured",
            "message": "AI chat is not configured on this server: set GEMINI_API_KEY"}})
    );
    let reply = proxy
        .call("POST", "/api/v1/tokens/count", Some(json!({"text": "x"})))
        .await;
    assert_eq!(reply.status, 503);
    assert_eq!(proxy.call("GET", "/api/v1/usage", None).await.status, 200);
    assert_eq!(gemini.model_fetches(), 0);
}
