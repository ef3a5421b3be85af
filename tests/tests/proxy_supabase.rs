//! The real proxy, on a real port, over the PostgREST stand-in and the real
//! PostgreSQL with the migrations: users' own tokens reach the database, so
//! RLS decides; PostgREST errors become the API's; an outage is a 503.

use std::net::SocketAddr;

use proxy::app::App;
use proxy::config::Config;
use serde_json::{Value, json};
use system_tests::supabase::{Supabase, mint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

struct Running {
    addr: SocketAddr,
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

async fn start(supabase: &Supabase) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = supabase.proxy_env();
    vars.push(("PROXY_ADDR".into(), "127.0.0.1:0".into()));
    vars.push(("DATA_DIR".into(), dir.path().display().to_string()));
    vars.push((
        "ADDIN_DIR".into(),
        dir.path().join("none").display().to_string(),
    ));
    let config =
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let app = App::build(config).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        _dir: dir,
    }
}

/// A minimal HTTP/1.1 exchange: status and JSON body.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, json)
}

#[tokio::test]
async fn users_work_through_their_own_tokens_and_rls() {
    let supabase = Supabase::start().await;
    let proxy = start(&supabase).await;
    let (alice, alice_token) = supabase.sign_up(false).await;
    let (_bob, bob_token) = supabase.sign_up(false).await;

    let (status, me) = call(proxy.addr, "GET", "/api/v1/me", Some(&alice_token), None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], json!(alice.id));
    assert_eq!(me["full_name"], "Test");

    let (status, me) = call(
        proxy.addr,
        "PATCH",
        "/api/v1/me",
        Some(&alice_token),
        Some(json!({ "company": "ACME", "preferences": { "locale": "fr" } })),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["company"], "ACME");

    let (status, sheet) = call(
        proxy.addr,
        "POST",
        "/api/v1/sheets",
        Some(&alice_token),
        Some(json!({ "sheet_name": "Invoices", "data": [["a", 1]] })),
    )
    .await;
    assert_eq!(status, 201, "{sheet}");
    let path = format!("/api/v1/sheets/{}", sheet["id"].as_str().unwrap());
    assert_eq!(
        call(proxy.addr, "GET", &path, Some(&bob_token), None)
            .await
            .0,
        404
    );
    assert_eq!(
        call(proxy.addr, "DELETE", &path, Some(&bob_token), None)
            .await
            .0,
        404
    );
    let (status, listed) = call(proxy.addr, "GET", "/api/v1/sheets", Some(&bob_token), None).await;
    assert_eq!((status, listed["items"].clone()), (200, json!([])));

    let (status, conv) = call(
        proxy.addr,
        "POST",
        "/api/v1/conversations",
        Some(&bob_token),
        Some(json!({ "sheet_id": sheet["id"] })),
    )
    .await;
    assert_eq!(status, 400, "Bob cannot link Alice's sheet: {conv}");

    assert_eq!(
        call(proxy.addr, "DELETE", &path, Some(&alice_token), None)
            .await
            .0,
        204
    );

    // The audit rows went through log_event, in the hash chain.
    let (status, audit) = call(proxy.addr, "GET", "/api/v1/audit", Some(&alice_token), None).await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["sheet.delete", "sheet.create", "profile.update"]);
    let su = supabase.db.superuser().await;
    let broken: Option<Uuid> = su
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(broken, None);

    let (status, export) = call(
        proxy.addr,
        "GET",
        "/api/v1/me/export",
        Some(&alice_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["user_id"], json!(alice.id));
    assert_eq!(export["profile"]["company"], "ACME");
}

#[tokio::test]
async fn store_errors_map_to_clear_api_errors() {
    let supabase = Supabase::start().await;
    let proxy = start(&supabase).await;
    // A valid token for someone who never signed up: no profile (404), and
    // the database refuses to write in their name (42501 → 403).
    let ghost = mint(&json!({
        "iss": system_tests::supabase::ISSUER, "sub": Uuid::new_v4(), "aud": "authenticated",
        "exp": 4102444800u64, "role": "authenticated", "app_metadata": {}, "user_metadata": {}
    }));
    let (status, body) = call(proxy.addr, "GET", "/api/v1/me", Some(&ghost), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = call(
        proxy.addr,
        "POST",
        "/api/v1/sheets",
        Some(&ghost),
        Some(json!({ "sheet_name": "S", "data": [] })),
    )
    .await;
    assert!(status == 403 || status == 400, "{status} {body}");
    assert!(body["error"]["code"].is_string());

    // An outage: 503 in the envelope, and /health/store says so.
    let (_, token) = supabase.sign_up(false).await;
    supabase.standin.set_down(true);
    let (status, body) = call(proxy.addr, "GET", "/api/v1/sheets", Some(&token), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{body}"
    );
    assert_eq!(
        call(proxy.addr, "GET", "/health/store", None, None).await.0,
        503
    );
    supabase.standin.set_down(false);
    assert_eq!(
        call(proxy.addr, "GET", "/health/store", None, None).await.0,
        200
    );
}

#[tokio::test]
async fn audit_events_wait_out_an_outage_and_arrive_in_order() {
    let supabase = Supabase::start().await;
    let proxy = start(&supabase).await;
    let (alice, token) = supabase.sign_up(false).await;
    supabase.standin.fail_rpc(Some("log_event"));
    for name in ["A", "B", "C"] {
        let (status, body) = call(
            proxy.addr,
            "POST",
            "/api/v1/sheets",
            Some(&token),
            Some(json!({ "sheet_name": name, "data": [] })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let su = supabase.db.superuser().await;
    let rows: i64 = su
        .query_one("select count(*) from public.audit_logs", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "the store refused them");
    supabase.standin.fail_rpc(None);
    // Reading the audit trail delivers what is queued first.
    let (status, audit) = call(proxy.addr, "GET", "/api/v1/audit", Some(&token), None).await;
    assert_eq!(status, 200, "{audit}");
    let ids: Vec<Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource_id"].clone())
        .collect();
    assert_eq!(ids.len(), 3);
    let names: Vec<String> = su
        .query("select s.sheet_name from public.audit_logs a join public.excel_sheets s on s.id = a.resource_id where a.user_id = $1 order by a.seq", &[&alice.id])
        .await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["A", "B", "C"]);
}
