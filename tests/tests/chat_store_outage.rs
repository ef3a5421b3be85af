//! The store (the PostgREST stand-in over the real PostgreSQL) goes away
//! while answers stream, and comes back. Every chat ends clearly: answers
//! that finish during the outage end with `error` `answer_not_saved` (the
//! question was stored before the stream; the answer is not stored twice
//! or half), questions asked during the outage are a `503
//! store_unavailable` before any stream. Once the store is back, the proxy
//! answers again, and PostgreSQL holds every accepted question exactly
//! once, every saved answer exactly once, and every `ai.query` audit event
//! exactly once, the chain intact.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use proxy::gemini::{RetryPolicy, Timeouts};
use serde_json::{Value, json};
use system_tests::gemini::{Behaviour, GeminiStandIn};
use system_tests::in_process::{InProcessProxy, vars};
use system_tests::supabase::Supabase;
use uuid::Uuid;

async fn start(supabase: &Supabase, gemini: &GeminiStandIn) -> InProcessProxy {
    let mut settings = supabase.proxy_env();
    settings.extend(vars(&[("RATE_LIMIT_RPM", "1000")]));
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(2),
        idle: Duration::from_secs(10),
        request: Duration::from_secs(10),
    };
    let retry = RetryPolicy {
        attempts: 1,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(1),
    };
    InProcessProxy::start(&gemini.url, settings, timeouts, retry).await
}

/// The events of a finished stream, as (name, data).
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
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
            (name, data)
        })
        .collect()
}

async fn ask(
    http: &reqwest::Client,
    addr: SocketAddr,
    token: &str,
    text: &str,
) -> reqwest::Response {
    http.post(format!("http://{addr}/api/v1/conversations/new/messages"))
        .bearer_auth(token)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap()
}

/// Asks and reads the whole answer: its last event and its `done` id.
async fn ask_through(http: &reqwest::Client, addr: SocketAddr, token: &str, text: &str) -> String {
    let reply = ask(http, addr, token, text).await;
    assert_eq!(reply.status(), 200);
    let events = events(&reply.text().await.unwrap());
    let (name, data) = events.last().unwrap();
    assert_eq!(name, "done", "{events:?}");
    data["message_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_store_outage_mid_stream_ends_chats_clearly_and_loses_or_doubles_nothing() {
    const DURING: usize = 6;
    let supabase = Supabase::start().await;
    let gemini = GeminiStandIn::start().await;
    // Each answer streams for ~1 s: long enough to take the store away
    // under it.
    let pieces: Vec<String> = (0..10).map(|i| format!("part{i} ")).collect();
    gemini.set_default_stream(Behaviour::Paced(pieces, Duration::from_millis(100)));
    let proxy = start(&supabase, &gemini).await;
    let (alice, token) = supabase.sign_up(false).await;
    let http = reqwest::Client::new();
    let mut accepted: Vec<String> = Vec::new();
    let mut saved_answers: Vec<String> = Vec::new();
    let mut audited_answers: Vec<String> = Vec::new();

    for i in 0..2 {
        let text = format!("before {i}");
        let id = ask_through(&http, proxy.addr, &token, &text).await;
        accepted.push(text);
        saved_answers.push(id.clone());
        audited_answers.push(id);
    }

    // Streams start (their questions are stored), then the store goes.
    let mut streams = Vec::new();
    for i in 0..DURING {
        let text = format!("during {i}");
        let reply = ask(&http, proxy.addr, &token, &text).await;
        assert_eq!(reply.status(), 200);
        accepted.push(text);
        streams.push(reply);
    }
    supabase.standin.set_down(true);
    let mut not_saved = 0;
    for reply in streams {
        let events = events(&reply.text().await.unwrap());
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        let (last, data) = events.last().unwrap();
        assert_eq!(last, "error", "{names:?}");
        assert_eq!(data["code"], "answer_not_saved", "{data}");
        assert!(!names.contains(&"done"), "{names:?}");
        assert_eq!(
            names.iter().filter(|n| **n == "delta").count(),
            10,
            "the whole answer was shown"
        );
        not_saved += 1;
    }
    assert_eq!(not_saved, DURING);
    // Questions asked while it is gone: refused before any stream.
    let mut refused = 0;
    for i in 0..3 {
        let reply = ask(&http, proxy.addr, &token, &format!("while down {i}")).await;
        assert_eq!(reply.status(), 503);
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"]["code"], "store_unavailable", "{body}");
        refused += 1;
    }

    supabase.standin.set_down(false);
    for i in 0..4 {
        let text = format!("after {i}");
        let id = ask_through(&http, proxy.addr, &token, &text).await;
        accepted.push(text);
        saved_answers.push(id.clone());
        audited_answers.push(id);
    }
    // The queued audit events reach PostgreSQL.
    assert!(proxy.state.audit.flush().await, "audit delivered");

    let su = supabase.db.superuser().await;
    let rows = su
        .query(
            "select m->>'role', m->>'text', m->>'id'
               from public.ai_conversations c, jsonb_array_elements(c.messages) m
              where c.user_id = $1",
            &[&alice.id],
        )
        .await
        .unwrap();
    let mut questions: HashMap<String, usize> = HashMap::new();
    let mut answers: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let (role, text, id): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        if role == "user" {
            *questions.entry(text).or_default() += 1;
        } else {
            *answers.entry(id).or_default() += 1;
        }
    }
    for text in &accepted {
        assert_eq!(questions.get(text), Some(&1), "question {text:?}");
    }
    assert_eq!(
        questions.len(),
        accepted.len(),
        "nothing refused was stored: {questions:?}"
    );
    for id in &saved_answers {
        assert_eq!(answers.get(id), Some(&1), "answer {id}");
    }
    assert_eq!(answers.len(), saved_answers.len(), "{answers:?}");

    // One ai.query per question that reached Gemini, the unsaved ones
    // included (marked), none twice.
    let audit = su
        .query(
            "select details->>'message_id', coalesce(details->>'answer_saved', 'true')
               from public.audit_logs where user_id = $1 and action = 'ai.query'",
            &[&alice.id],
        )
        .await
        .unwrap();
    let mut per_message: HashMap<String, usize> = HashMap::new();
    let mut unsaved = 0;
    for row in &audit {
        *per_message.entry(row.get(0)).or_default() += 1;
        if row.get::<_, String>(1) == "false" {
            unsaved += 1;
        }
    }
    assert_eq!(audit.len(), accepted.len());
    assert!(per_message.values().all(|&n| n == 1), "{per_message:?}");
    for id in &audited_answers {
        assert_eq!(per_message.get(id), Some(&1));
    }
    assert_eq!(unsaved, DURING);
    let broken: Option<Uuid> = su
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(broken, None);
    println!(
        "store outage: {} questions accepted, each stored once; {} answers saved once; \
         {DURING} answers ended answer_not_saved; {refused} questions refused 503 while down; \
         {} ai.query events, each once",
        accepted.len(),
        saved_answers.len(),
        audit.len()
    );
}
