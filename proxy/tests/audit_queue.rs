//! Audit events are never lost: while the store refuses them they wait in
//! the fsync'ed journal in DATA_DIR; the proxy is then killed (SIGKILL, no
//! chance to clean up) and started again, and every event reaches the
//! store, in order. The store here is a minimal PostgREST fake in this
//! process; the real wire format is exercised in `tests/` (system-tests).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

#[derive(Default)]
struct Fake {
    refuse_audit: AtomicBool,
    events: Mutex<Vec<Value>>,
}

async fn insert_sheet(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let mut row = body;
    row["id"] = json!(Uuid::new_v4());
    row["status"] = json!("active");
    row["created_at"] = json!("2026-11-25T10:00:00.000000+00:00");
    row["updated_at"] = json!("2026-11-25T10:00:00.000000+00:00");
    (StatusCode::CREATED, Json(json!([row])))
}

async fn log_event(
    State(fake): State<Arc<Fake>>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if fake.refuse_audit.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "code": "PGRST000", "message": "database unavailable", "details": null, "hint": null }),
            ),
        );
    }
    fake.events.lock().unwrap().push(body);
    (StatusCode::OK, Json(json!(Uuid::new_v4())))
}

async fn start_fake(fake: Arc<Fake>) -> String {
    let app = Router::new()
        .route("/rest/v1/excel_sheets", post(insert_sheet))
        .route("/rest/v1/rpc/log_event", post(log_event))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Starts the proxy binary and returns it with its address.
fn spawn_proxy(data_dir: &std::path::Path, supabase_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .env_clear()
        .env("PROXY_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", data_dir)
        .env("ADDIN_DIR", data_dir.join("no-dist"))
        .env("SUPABASE_URL", supabase_url)
        .env("SUPABASE_ANON_KEY", "anon-key")
        .env("SUPABASE_JWT_SECRET", SECRET)
        .env("SUPABASE_JWKS_URL", "http://127.0.0.1:9/jwks.json")
        .env("JWT_ISSUER", ISSUER)
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
    (child, addr)
}

async fn post_sheet(addr: &str, token: &str, request_id: &str) -> String {
    let body = json!({ "sheet_name": "S", "data": [[1]] }).to_string();
    let request = format!(
        "POST /api/v1/sheets HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nx-request-id: {request_id}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn queued_audit_events_survive_a_kill_and_are_replayed_in_order() {
    let fake = Arc::new(Fake::default());
    fake.refuse_audit.store(true, Ordering::SeqCst);
    let url = start_fake(fake.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let user = Uuid::new_v4();
    let token = hs256(&supabase_claims(user));

    let (mut first, addr) = spawn_proxy(dir.path(), &url);
    let ids: Vec<String> = (0..5).map(|i| format!("req-{i}")).collect();
    for id in &ids {
        let response = post_sheet(&addr, &token, id).await;
        assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    }
    assert!(fake.events.lock().unwrap().is_empty());
    first.kill().unwrap(); // SIGKILL: no graceful anything
    first.wait().unwrap();

    // The store is back; a fresh process replays the journal.
    fake.refuse_audit.store(false, Ordering::SeqCst);
    let (mut second, _) = spawn_proxy(dir.path(), &url);
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.events.lock().unwrap().len() < ids.len() {
        assert!(Instant::now() < deadline, "events were not replayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();

    let events = fake.events.lock().unwrap().clone();
    let replayed: Vec<&str> = events
        .iter()
        .map(|e| e["details"]["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(replayed, ids, "every event, once, in order");
    // Each carries the id it was given when queued, which the database
    // deduplicates on (tests/tests/proxy_supabase.rs kills a proxy between
    // "sent" and "acknowledged" against the real schema).
    let event_ids: std::collections::HashSet<&str> = events
        .iter()
        .map(|e| {
            let id = e["event_id"].as_str().expect("an event_id");
            assert_eq!(e["details"]["event_id"], id);
            Uuid::parse_str(id).expect("a UUID");
            id
        })
        .collect();
    assert_eq!(event_ids.len(), ids.len());
    for event in &events {
        assert_eq!(event["action"], "sheet.create");
        assert_eq!(event["resource_type"], "excel_sheet");
        assert_eq!(event["status"], "success");
        assert_eq!(event["ip_address"], "127.0.0.1");
    }
}
