//! AI chat through the real proxy on a real port, against the Gemini
//! stand-in (no test reaches the internet): streamed answers as SSE, the
//! conversation stored before and after, retries, timeouts, failures cut
//! short and stored incomplete, a client leaving mid-stream, limits,
//! token counts, usage and the audit trail; the engine's window (older
//! turns dropped and summarised, the model's limit) and PII guard
//! (`PII_POLICY` block and mask) on what reaches Gemini.

use std::time::Duration;

use proxy::gemini::{RetryPolicy, Timeouts};
use serde_json::{Value, json};
use system_tests::gemini::{Behaviour, GeminiStandIn, KEY};
use system_tests::in_process::{InProcessProxy, vars};

struct Running {
    proxy: InProcessProxy,
    http: reqwest::Client,
}

impl std::ops::Deref for Running {
    type Target = InProcessProxy;
    fn deref(&self) -> &InProcessProxy {
        &self.proxy
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
    Running {
        proxy: InProcessProxy::start(&gemini.url, vars(extra), timeouts(), retry()).await,
        http: reqwest::Client::new(),
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
        self.audit_of("ai.query").await
    }

    async fn audit_of(&self, action: &str) -> Vec<Value> {
        assert!(self.state.audit.flush().await, "audit delivered");
        let reply = self
            .call(
                "GET",
                &format!("/api/v1/audit?action={action}&limit=200"),
                None,
            )
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

    // What Gemini received: the system instruction with the sheet context
    // as its second part, the output cap, the question.
    let sent = &gemini.requests()[0];
    assert_eq!(
        sent["systemInstruction"]["parts"],
        json!([
            { "text": proxy::chat::SYSTEM_INSTRUCTION },
            { "text": "Data from the user's sheet (personal data masked):\n{\"A1\":\"[MASKED]\"}" }
        ])
    );
    assert_eq!(sent["generationConfig"]["maxOutputTokens"], 8192);
    assert_eq!(
        sent["contents"],
        json!([{ "role": "user", "parts": [{ "text": "How did revenue change?" }] }])
    );

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
    assert_eq!(details["pii_findings"], json!({}));
    assert_eq!(details["pii_detector"], "engine-pii-guard");
    assert_eq!(details["window"]["dropped_turns"], 0);
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
    let refused = proxy.audit_of("ai.rate_limited").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["status"], "denied");
    assert_eq!(refused[0]["details"]["reason"], "rate_limited");
    assert_eq!(refused[0]["details"]["retry_after_secs"], wait);

    let gemini = GeminiStandIn::start().await;
    gemini.script([Behaviour::Answer(vec!["word ".repeat(700)])]);
    let proxy = start(&gemini, &[("DAILY_TOKEN_BUDGET", "600")]).await;
    assert_eq!(proxy.ask("new", "q").await.status, 200);
    let reply = proxy.ask("new", "q").await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "budget_exhausted");
    assert!(reply.headers.get("retry-after").is_some());
    assert_eq!(gemini.calls(), 1);
    let refused = proxy.audit_of("ai.rate_limited").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["status"], "denied");
    assert_eq!(refused[0]["details"]["reason"], "budget_exhausted");
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

/// Tokens the proxy counts for one text part (the engine's estimate with
/// the server's margin and per-part overhead).
fn part_tokens(text: &str) -> u64 {
    use engine::tokens::TokenCounter;
    (proxy::chat::window::ServerCounter.count(text) + proxy::chat::window::PER_PART_OVERHEAD) as u64
}

/// Waits until the conversation's stored summary covers `covers` messages.
async fn wait_for_summary(proxy: &Running, id: &str, covers: u64) -> Value {
    for _ in 0..100 {
        let conversation = proxy.conversation(id).await;
        if conversation["context"]["summary"]["covers"] == covers {
            return conversation["context"]["summary"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = proxy.call("GET", "/metrics", None).await.body;
    let summaries: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("proxy_chat_summaries"))
        .collect();
    panic!("no summary covering {covers} messages was stored: {summaries:?}");
}

fn texts(contents: &Value) -> Vec<String> {
    contents
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parts"][0]["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn old_turns_are_dropped_summarised_and_the_summary_sent_in_their_place() {
    // Questions and answers of the same size; the model's limit holds the
    // system prompt, the new question, two older messages and a little
    // more (room for a short summary), never three older messages.
    let question = |n: usize| {
        format!(
            "Question {n}: {}",
            "revenue by region ".repeat(60).trim_end()
        )
    };
    let answer = |n: usize| format!("Answer {n}: {}", "costs went up ".repeat(60).trim_end());
    let largest = (1..=4)
        .flat_map(|n| [part_tokens(&question(n)), part_tokens(&answer(n))])
        .max()
        .unwrap();
    let system = part_tokens(proxy::chat::SYSTEM_INSTRUCTION);
    let limit = system + 3 * largest + 40;
    assert!(
        part_tokens(&question(1)) > 40 + 3 * (largest - part_tokens(&question(1))),
        "a third older message never fits"
    );

    let gemini = GeminiStandIn::start().await;
    gemini.set_input_token_limit(limit);
    gemini.script((1..=4).map(|n| Behaviour::Answer(vec![answer(n)])));
    gemini.script_generate([
        Behaviour::Answer(vec!["Revenue by region was asked about.".into()]),
        Behaviour::Answer(vec!["Regions and costs were discussed.".into()]),
    ]);
    let proxy = start(&gemini, &[]).await;

    let reply = proxy.ask("new", &question(1)).await;
    assert_eq!(reply.text(), answer(1));
    let id = conversation_id(&reply);
    let reply = proxy.ask(&id, &question(2)).await;
    assert_eq!(reply.names().last().unwrap(), "done");
    assert_eq!(
        texts(&gemini.requests()[1]["contents"]),
        [question(1), answer(1), question(2)],
        "everything fits so far"
    );
    assert!(
        gemini.generate_requests().is_empty(),
        "nothing to summarise yet"
    );

    // The third question leaves the first exchange out, and it is summarised
    // after the answer.
    let reply = proxy.ask(&id, &question(3)).await;
    assert_eq!(reply.names().last().unwrap(), "done", "{}", reply.body);
    let sent = &gemini.requests()[2];
    assert_eq!(
        texts(&sent["contents"]),
        [question(2), answer(2), question(3)]
    );
    assert_eq!(
        sent["systemInstruction"]["parts"],
        json!([{ "text": proxy::chat::SYSTEM_INSTRUCTION }])
    );
    let summary = wait_for_summary(&proxy, &id, 2).await;
    assert_eq!(summary["text"], "Revenue by region was asked about.");
    let asked = &gemini.generate_requests()[0];
    assert_eq!(
        asked["systemInstruction"]["parts"][0]["text"],
        proxy::chat::summary::SUMMARY_INSTRUCTION
    );
    assert_eq!(asked["generationConfig"]["maxOutputTokens"], 512);
    assert_eq!(
        texts(&asked["contents"]),
        [format!("User: {}\n\nAssistant: {}", question(1), answer(1))]
    );

    // The fourth question sends the summary in place of the first exchange
    // and summarises the second one on top of it.
    let reply = proxy.ask(&id, &question(4)).await;
    assert_eq!(reply.names().last().unwrap(), "done", "{}", reply.body);
    let sent = &gemini.requests()[3];
    assert_eq!(
        sent["systemInstruction"]["parts"],
        json!([
            { "text": proxy::chat::SYSTEM_INSTRUCTION },
            { "text": "Summary of the earlier conversation:\nRevenue by region was asked about." }
        ])
    );
    assert_eq!(
        texts(&sent["contents"]),
        [question(3), answer(3), question(4)]
    );
    let summary = wait_for_summary(&proxy, &id, 4).await;
    assert_eq!(summary["text"], "Regions and costs were discussed.");
    assert_eq!(
        texts(&gemini.generate_requests()[1]["contents"]),
        [format!(
            "Summary of the conversation before this part:\nRevenue by region was asked about.\
             \n\nUser: {}\n\nAssistant: {}",
            question(2),
            answer(2)
        )]
    );

    let audit = proxy.audit().await;
    let windows: Vec<(u64, bool)> = audit
        .iter()
        .map(|row| {
            (
                row["details"]["window"]["dropped_turns"].as_u64().unwrap(),
                row["details"]["window"]["summary_used"].as_bool().unwrap(),
            )
        })
        .collect();
    // Newest first.
    assert_eq!(windows, [(4, true), (2, false), (0, false), (0, false)]);
    let usage = proxy.call("GET", "/api/v1/usage", None).await.json();
    let answered: u64 = (0..4)
        .map(|i| audit[i]["details"]["total_tokens"].as_u64().unwrap())
        .sum();
    assert!(
        usage["tokens_used_today"].as_u64().unwrap() > answered,
        "the summaries' tokens count against the budget: {usage}"
    );
}

#[tokio::test]
async fn a_failed_summary_is_counted_and_never_fails_the_chat() {
    let question = |n: usize| format!("Question {n}: {}", "margin ".repeat(120).trim_end());
    let gemini = GeminiStandIn::start().await;
    let system = part_tokens(proxy::chat::SYSTEM_INSTRUCTION);
    // Room for the new question and the short answer before it, not for
    // the first question.
    gemini.set_input_token_limit(
        system + part_tokens(&question(9)) + part_tokens("Hello there") + 10,
    );
    gemini.script_generate([Behaviour::Status(400)]);
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", &question(1)).await;
    let id = conversation_id(&reply);
    // "Hello there" fits beside the new question; the first question not.
    let reply = proxy.ask(&id, &question(2)).await;
    assert_eq!(reply.names().last().unwrap(), "done", "{}", reply.body);
    assert_eq!(
        texts(&gemini.requests()[1]["contents"]),
        [question(2)],
        "the first exchange was dropped"
    );
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = proxy.call("GET", "/metrics", None).await.body;
        if metrics.contains("proxy_chat_summaries_total{status=\"failed\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        metrics.contains("proxy_chat_summaries_total{status=\"failed\"} 1"),
        "{metrics}"
    );
    assert_eq!(gemini.generate_requests().len(), 1, "400 is not retried");
    let conversation = proxy.conversation(&id).await;
    assert_eq!(conversation["context"], json!({}), "no summary stored");
}

#[tokio::test]
async fn a_question_too_long_for_the_model_is_a_clear_413() {
    let gemini = GeminiStandIn::start().await;
    gemini.set_input_token_limit(500);
    let proxy = start(&gemini, &[]).await;
    let long = "quarterly revenue ".repeat(400);
    let reply = proxy.ask("new", &long).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], "context_too_large");
    assert!(
        error["message"].as_str().unwrap().contains("accepts 500"),
        "{error}"
    );
    let reply = proxy
        .call(
            "POST",
            "/api/v1/tokens/count",
            Some(json!({ "text": long })),
        )
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(gemini.calls(), 0, "nothing sent");
    let list = proxy
        .call("GET", "/api/v1/conversations", None)
        .await
        .json();
    assert_eq!(list["items"], json!([]), "no conversation started");

    // A short question still fits.
    assert_eq!(proxy.ask("new", "total?").await.status, 200);
}

#[tokio::test]
async fn pii_block_refuses_with_422_audits_and_sends_nothing() {
    let gemini = GeminiStandIn::start().await;
    // No PII_POLICY: block is the default.
    let proxy = start(&gemini, &[]).await;
    let reply = proxy
        .call(
            "POST",
            "/api/v1/conversations/new/messages",
            Some(json!({
                "text": "Write to jane.doe@example.com about PERSON_17's invoice",
                "sheet_context": "Customer IBAN: DE89 3704 0044 0532 0130 00"
            })),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], "pii_blocked");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("email") && message.contains("iban"),
        "{message}"
    );
    assert!(!reply.body.contains("jane.doe") && !reply.body.contains("DE89"));
    assert_eq!(gemini.calls(), 0, "nothing sent upstream");
    let reply = proxy
        .call(
            "POST",
            "/api/v1/tokens/count",
            Some(json!({ "text": "mail jane.doe@example.com" })),
        )
        .await;
    assert_eq!(reply.status, 422, "counting sends the text too");

    let blocked = proxy.audit_of("ai.pii_blocked").await;
    assert_eq!(blocked.len(), 2, "{blocked:?}");
    let row = &blocked[1];
    assert_eq!(row["status"], "denied");
    assert_eq!(row["details"]["pii_policy"], "block");
    assert_eq!(row["details"]["pii_detector"], "engine-pii-guard");
    assert_eq!(
        row["details"]["pii_findings"],
        json!({ "email": 1, "iban": 1 })
    );
    let text = serde_json::to_string(&blocked).unwrap();
    assert!(
        !text.contains("jane.doe") && !text.contains("DE89"),
        "{text}"
    );

    // Pseudonyms the task pane produced are not personal data.
    let reply = proxy
        .ask("new", "How much does PERSON_17 owe EMAIL_3?")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        texts(&gemini.requests()[0]["contents"]),
        ["How much does PERSON_17 owe EMAIL_3?"]
    );
}

#[tokio::test]
async fn pii_mask_sends_labels_and_counts_them_per_type() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("PII_POLICY", "mask")]).await;
    let reply = proxy
        .call(
            "POST",
            "/api/v1/conversations/new/messages",
            Some(json!({
                "text": "Did jane.doe@example.com pay PERSON_17?",
                "sheet_context": "Contact: +44 20 7946 0958"
            })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sent = &gemini.requests()[0];
    assert_eq!(texts(&sent["contents"]), ["Did <EMAIL> pay PERSON_17?"]);
    assert_eq!(
        sent["systemInstruction"]["parts"][1]["text"],
        "Data from the user's sheet (personal data masked):\nContact: <PHONE>"
    );
    let id = conversation_id(&reply);

    // History goes out masked too.
    let reply = proxy.ask(&id, "And since then?").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        texts(&gemini.requests()[1]["contents"]),
        [
            "Did <EMAIL> pay PERSON_17?",
            "Hello there",
            "And since then?"
        ]
    );
    let serialized = serde_json::to_string(&gemini.requests()).unwrap();
    assert!(!serialized.contains("jane.doe") && !serialized.contains("7946"));

    let audit = proxy.audit().await;
    let first = &audit[1]["details"];
    assert_eq!(first["pii_policy"], "mask");
    assert_eq!(first["pii_detector"], "engine-pii-guard");
    assert_eq!(first["masked_cells"], 2);
    assert_eq!(first["pii_findings"], json!({ "email": 1, "phone": 1 }));
    assert_eq!(audit[0]["details"]["pii_findings"], json!({ "email": 1 }));
}

#[tokio::test]
async fn pii_allow_sends_as_is_and_still_counts() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[("PII_POLICY", "allow")]).await;
    let reply = proxy.ask("new", "Did jane.doe@example.com pay?").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        texts(&gemini.requests()[0]["contents"]),
        ["Did jane.doe@example.com pay?"]
    );
    let audit = proxy.audit().await;
    assert_eq!(audit[0]["details"]["masked_cells"], 0);
    assert_eq!(audit[0]["details"]["pii_findings"], json!({ "email": 1 }));
}

#[tokio::test]
async fn counting_covers_the_history_the_window_would_send() {
    let gemini = GeminiStandIn::start().await;
    let proxy = start(&gemini, &[]).await;
    let reply = proxy.ask("new", "q").await;
    let id = conversation_id(&reply);
    let reply = proxy
        .call(
            "POST",
            "/api/v1/tokens/count",
            Some(json!({ "text": "one two three", "conversation_id": id })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let count = reply.json();
    let system_words = proxy::chat::SYSTEM_INSTRUCTION.split_whitespace().count() as u64;
    // The stand-in counts words: the system prompt, "q", "Hello there", the text.
    assert_eq!(count["total_tokens"], system_words + 1 + 2 + 3);
    assert_eq!(count["kept_turns"], 2);
    assert_eq!(count["dropped_turns"], 0);
    assert!(count["estimated_tokens"].as_u64().unwrap() > system_words);
    let reply = proxy
        .call(
            "POST",
            "/api/v1/tokens/count",
            Some(json!({ "text": "x", "conversation_id": uuid::Uuid::new_v4() })),
        )
        .await;
    assert_eq!(reply.status, 404);
}
