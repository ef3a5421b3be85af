//! `SIGKILL` of the proxy binary while many chats write: the embedded
//! SQLite store in DATA_DIR, 32 clients asking and streaming answers at
//! once, the process killed mid-way and started again on the same DATA_DIR.
//! Afterwards every question whose request got its `200` (the stream
//! started, so the question had been committed) is stored exactly once,
//! every answer whose `done` arrived is stored and audited exactly once,
//! no question or answer is duplicated, the audit chain verifies, and the
//! restarted proxy answers. Run with each `EMBEDDED_STORE_SYNC`: `normal`
//! does not fsync commits, and a killed process must lose none of them
//! either. Gemini is the system-tests stand-in, run in this process (the
//! same file, included).

mod support;

#[allow(dead_code)] // Only a part of the stand-in's controls is used here.
#[path = "../../tests/src/gemini.rs"]
mod gemini;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gemini::{Behaviour, GeminiStandIn, KEY};
use serde_json::{Value, json};

const CLIENTS: usize = 32;

struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the proxy binary (local mode, embedded store with `sync` as
/// `EMBEDDED_STORE_SYNC`) and returns it with its address.
fn spawn_proxy(data_dir: &std::path::Path, gemini_url: &str, sync: &str) -> (Proxy, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .env_clear()
        .env("EMBEDDED_STORE_SYNC", sync)
        .env("PROXY_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", data_dir)
        .env("ADDIN_DIR", data_dir.join("no-dist"))
        .env("GEMINI_API_KEY", KEY)
        .env("GEMINI_BASE_URL", gemini_url)
        .env("RATE_LIMIT_RPM", "100000")
        .env("MAX_STREAMS_PER_USER", "1000")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the proxy exited before listening")
            .unwrap();
        if line.contains("\"message\":\"proxy listening\"") {
            let log: Value = serde_json::from_str(&line).unwrap();
            break log["addr"].as_str().unwrap().to_owned();
        }
    };
    // Keep draining the log so the proxy never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Proxy(child), addr)
}

#[derive(Default)]
struct Seen {
    /// Questions whose request got `200`: committed before the stream.
    accepted: Vec<String>,
    /// Questions sent whose answer never started (the process was gone).
    unanswered: Vec<String>,
    /// `message_id` of every `done` received.
    done: Vec<String>,
}

/// Asks questions one after another until the proxy goes away.
async fn client(addr: String, n: usize, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen>>) {
    let http = reqwest::Client::new();
    for i in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let text = format!("question {n}-{i}");
        let response = http
            .post(format!("http://{addr}/api/v1/conversations/new/messages"))
            .json(&json!({ "text": text }))
            .send()
            .await;
        let mut response = match response {
            Ok(r) => r,
            Err(_) => {
                seen.lock().unwrap().unanswered.push(text);
                return;
            }
        };
        assert_eq!(
            response.status(),
            200,
            "before the kill every question is answered"
        );
        seen.lock().unwrap().accepted.push(text);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => return, // killed mid-answer
            }
        }
        let body = String::from_utf8(body).unwrap();
        let done = body
            .split("\n\n")
            .find_map(|e| e.strip_prefix("event: done\ndata: "))
            .expect("a whole answer ends with done");
        let done: Value = serde_json::from_str(done).unwrap();
        let id = done["message_id"].as_str().unwrap().to_owned();
        seen.lock().unwrap().done.push(id);
    }
}

/// Every message of every stored conversation.
fn stored_messages(db: &rusqlite::Connection) -> Vec<Value> {
    let mut statement = db.prepare("select messages from ai_conversations").unwrap();
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap();
    rows.flat_map(|messages| {
        let messages: Vec<Value> = serde_json::from_str(&messages.unwrap()).unwrap();
        messages
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chats_survive_a_kill_with_every_accepted_message_stored_once() {
    survive_a_kill("normal").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chats_survive_a_kill_with_every_commit_fsynced() {
    survive_a_kill("full").await;
}

#[test]
fn an_unknown_store_sync_stops_start_up_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .env_clear()
        .env("PROXY_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", dir.path())
        .env("EMBEDDED_STORE_SYNC", "sometimes")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "proxy: invalid EMBEDDED_STORE_SYNC: \"sometimes\" is not normal or full\n"
    );
    assert!(
        !dir.path().join("store.sqlite3").exists(),
        "nothing opened before the configuration is valid"
    );
}

async fn survive_a_kill(sync: &str) {
    let gemini = GeminiStandIn::start().await;
    gemini.stop_recording();
    // ~10 pieces, 40 ms apart: each answer streams for ~0.4 s, so the kill
    // lands while many are mid-way.
    let pieces: Vec<String> = (0..10).map(|i| format!("part{i} ")).collect();
    gemini.set_default_stream(Behaviour::Paced(pieces, Duration::from_millis(40)));
    let dir = tempfile::tempdir().unwrap();

    let (mut first, addr) = spawn_proxy(dir.path(), &gemini.url, sync);
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(client(addr.clone(), n, stop.clone(), seen.clone())))
        .collect();
    // Kill once a good number of answers is complete, with others streaming.
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().done.len() < 3 * CLIENTS {
        assert!(Instant::now() < deadline, "answers are too slow");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.0.kill().unwrap(); // SIGKILL
    first.0.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.accepted.len() > seen.done.len(),
        "some answers were cut by the kill"
    );

    // The same DATA_DIR: the store and the audit journal are picked up.
    let (_second, addr) = spawn_proxy(dir.path(), &gemini.url, sync);
    let http = reqwest::Client::new();
    // Reading the audit trail delivers the journal first.
    let audit = http
        .get(format!("http://{addr}/api/v1/audit?limit=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), 200);

    let db = rusqlite::Connection::open(dir.path().join("store.sqlite3")).unwrap();
    let messages = stored_messages(&db);
    let mut questions: HashMap<String, usize> = HashMap::new();
    let mut answers: HashMap<String, usize> = HashMap::new();
    let mut ids = HashSet::new();
    for message in &messages {
        assert!(
            ids.insert(message["id"].as_str().unwrap().to_owned()),
            "{message}"
        );
        match message["role"].as_str().unwrap() {
            "user" => {
                *questions
                    .entry(message["text"].as_str().unwrap().into())
                    .or_default() += 1
            }
            _ => {
                *answers
                    .entry(message["id"].as_str().unwrap().into())
                    .or_default() += 1
            }
        }
    }
    for text in &seen.accepted {
        assert_eq!(questions.get(text), Some(&1), "accepted question {text}");
    }
    assert!(questions.values().all(|&n| n == 1), "no question twice");
    // Questions sent as the process died: stored at most once (the commit
    // may or may not have happened), never twice.
    let maybe: HashSet<&String> = seen.unanswered.iter().collect();
    assert!(
        questions
            .keys()
            .all(|q| seen.accepted.contains(q) || maybe.contains(q)),
        "only questions that were sent"
    );
    for id in &seen.done {
        assert_eq!(answers.get(id), Some(&1), "answer {id}");
    }

    // The audit trail: one ai.query per finished answer, none twice.
    let mut statement = db
        .prepare("select details from audit_logs where action = 'ai.query'")
        .unwrap();
    let queried: Vec<String> = statement
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|d| {
            let details: Value = serde_json::from_str(&d.unwrap()).unwrap();
            details["message_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let distinct: HashSet<&String> = queried.iter().collect();
    assert_eq!(distinct.len(), queried.len(), "an ai.query event twice");
    for id in &seen.done {
        assert!(distinct.contains(id), "no audit event for answer {id}");
    }
    let audit_rows: i64 = db
        .query_row("select count(*) from audit_logs", [], |r| r.get(0))
        .unwrap();
    let verified = proxy::store::audit_chain::verify(&db).unwrap();
    assert_eq!(verified.broken_at, None, "the chain verifies");
    assert_eq!(verified.rows, audit_rows as u64);

    // The restarted proxy answers.
    let reply = http
        .post(format!("http://{addr}/api/v1/conversations/new/messages"))
        .json(&json!({ "text": "still there?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body = reply.text().await.unwrap();
    assert!(body.contains("event: done"), "{body}");

    println!(
        "kill test ({sync}): {} questions accepted (all stored once), {} answers done (all stored and audited once), \
         {} questions in flight at the kill, {} stored messages, {} audit rows, chain verified",
        seen.accepted.len(),
        seen.done.len(),
        seen.unanswered.len(),
        messages.len(),
        audit_rows
    );
}
