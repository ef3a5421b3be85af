//! The real proxy, on a real port, over the PostgREST stand-in and the real
//! PostgreSQL with the migrations: users' own tokens reach the database, so
//! RLS decides; PostgREST errors become the API's; an outage is a 503.

use std::net::SocketAddr;

use proxy::app::App;
use proxy::config::Config;
use serde_json::{Value, json};
use system_tests::supabase::{Supabase, mint, service_role_key};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
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
    let mut running = start_in(supabase, dir.path(), false).await;
    running._dir = Some(dir);
    running
}

/// The proxy's environment for `supabase`, keeping its files in `dir`.
fn proxy_vars(
    supabase: &Supabase,
    dir: &std::path::Path,
    service_key: bool,
) -> Vec<(String, String)> {
    let mut vars = supabase.proxy_env();
    vars.push(("PROXY_ADDR".into(), "127.0.0.1:0".into()));
    vars.push(("DATA_DIR".into(), dir.display().to_string()));
    vars.push(("ADDIN_DIR".into(), dir.join("none").display().to_string()));
    if service_key {
        vars.push(("SUPABASE_SERVICE_ROLE_KEY".into(), service_role_key()));
    }
    vars
}

async fn start_in(supabase: &Supabase, dir: &std::path::Path, service_key: bool) -> Running {
    let vars = proxy_vars(supabase, dir, service_key);
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
        _dir: None,
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

/// Polls `sql` (one bigint) until it reaches `want`, for up to 20 s.
async fn wait_for_count(supabase: &Supabase, sql: &str, want: i64) -> i64 {
    let su = supabase.db.superuser().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let n: i64 = su.query_one(sql, &[]).await.unwrap().get(0);
        if n >= want || std::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

const SYSTEM_EVENTS: &str =
    "select count(*) from public.audit_logs where action = 'auth.failure' and user_id is null";

#[tokio::test]
async fn system_events_stay_local_without_the_service_key_and_reach_supabase_with_it() {
    let supabase = Supabase::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let proxy = start_in(&supabase, &data, false).await;
    let (status, _) = call(proxy.addr, "GET", "/api/v1/me", Some("not-a-token"), None).await;
    assert_eq!(status, 401);
    let local = std::fs::read_to_string(data.join("audit-queue/system-events.jsonl")).unwrap();
    let kept: Vec<Value> = local
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["event"]["action"], "auth.failure");
    assert_eq!(wait_for_count(&supabase, SYSTEM_EVENTS, 1).await, 0);

    // The same DATA_DIR, now with the service key: the kept event moves into
    // Supabase, and new ones go straight there.
    drop(proxy);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let proxy = start_in(&supabase, &data, true).await;
    assert_eq!(wait_for_count(&supabase, SYSTEM_EVENTS, 1).await, 1);
    assert!(!data.join("audit-queue/system-events.jsonl").exists());
    let (status, _) = call(
        proxy.addr,
        "GET",
        "/api/v1/sheets",
        Some("forged.token.here"),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(wait_for_count(&supabase, SYSTEM_EVENTS, 2).await, 2);

    // Users' events go in their own name, written with the service key.
    let (alice, token) = supabase.sign_up(false).await;
    let (status, body) = call(
        proxy.addr,
        "POST",
        "/api/v1/sheets",
        Some(&token),
        Some(json!({ "sheet_name": "S", "data": [] })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mine = format!(
        "select count(*) from public.audit_logs where user_id = '{}' and action = 'sheet.create'",
        alice.id
    );
    assert_eq!(wait_for_count(&supabase, &mine, 1).await, 1);
    let su = supabase.db.superuser().await;
    let broken: Option<Uuid> = su
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(broken, None);
}

/// A queued event whose user token expired before the store came back is
/// not dead: it waits in `awaiting-service-key.jsonl`, and the first
/// auditor with the service key delivers it in the user's name.
#[tokio::test]
async fn events_of_expired_tokens_are_kept_and_delivered_with_the_service_key() {
    use proxy::audit::{AuditEvent, Auditor};
    use proxy::metrics::Metrics;
    use proxy::request_meta::RequestMeta;
    use proxy::store::Store;
    use proxy::store::postgrest::PostgrestStore;
    use std::sync::Arc;

    let supabase = Supabase::start().await;
    let (alice, _) = supabase.sign_up(false).await;
    let mut claims = alice.actor().claims;
    claims["exp"] = json!(1_000_000_000u64); // long gone
    let expired = system_tests::supabase::caller(&alice, &mint(&claims));
    let rest = format!("{}/rest/v1", supabase.standin.url);
    let timeout = std::time::Duration::from_secs(10);
    let dir = tempfile::tempdir().unwrap();
    let meta = RequestMeta {
        request_id: "req-expired".into(),
        ip: Some("127.0.0.1".into()),
        user_agent: None,
    };

    let with_tokens: Arc<dyn Store> = Arc::new(PostgrestStore::with_rest_url(
        &rest,
        &supabase.anon_key,
        timeout,
    ));
    let auditor = Auditor::open(dir.path(), with_tokens, Metrics::new()).unwrap();
    auditor
        .record(&expired, AuditEvent::new("sheet.create"), &meta)
        .await;
    assert!(auditor.flush().await, "set aside, not stuck at the head");
    assert_eq!(auditor.queued().await, 0);
    drop(auditor);
    let parked = dir.path().join("audit-queue/awaiting-service-key.jsonl");
    let kept = std::fs::read_to_string(&parked).unwrap();
    assert!(kept.contains("req-expired"));
    assert!(!kept.contains(&mint(&claims)), "the dead token is not kept");
    let hers = format!(
        "select count(*) from public.audit_logs where user_id = '{}'",
        alice.id
    );
    assert_eq!(wait_for_count(&supabase, &hers, 0).await, 0);

    let with_service_key: Arc<dyn Store> = Arc::new(
        PostgrestStore::with_rest_url(&rest, &supabase.anon_key, timeout)
            .with_service_key(&service_role_key().into()),
    );
    let auditor = Auditor::open(dir.path(), with_service_key, Metrics::new()).unwrap();
    assert!(auditor.flush().await);
    assert!(!parked.exists());
    assert_eq!(wait_for_count(&supabase, &hers, 1).await, 1);
}

/// Exactly once across a crash: the proxy runs as a separate process (this
/// test binary, re-run as `child_proxy_for_kill_test`), the stand-in commits
/// its first audit event but holds the answer back, and the process is
/// killed (SIGKILL) in that window. The next process delivers the journal
/// again, first event included; the database keeps one row per event.
#[tokio::test]
async fn audit_events_arrive_exactly_once_across_a_kill() {
    const EVENTS: usize = 4;
    let supabase = Supabase::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, token) = supabase.sign_up(false).await;
    supabase.standin.hold_rpc_answers(Some("log_event"));

    let (mut first, addr) = spawn_child_proxy(&supabase, dir.path());
    for name in ["A", "B", "C", "D"] {
        let (status, body) = call(
            addr,
            "POST",
            "/api/v1/sheets",
            Some(&token),
            Some(json!({ "sheet_name": name, "data": [] })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let hers = format!(
        "select count(*) from public.audit_logs where user_id = '{}'",
        alice.id
    );
    // The first event is in the database; its answer never reaches the proxy.
    assert_eq!(wait_for_count(&supabase, &hers, 1).await, 1);
    first.kill();

    supabase.standin.hold_rpc_answers(None);
    let calls_before = supabase.standin.rpc_calls("log_event");
    let (mut second, _) = spawn_child_proxy(&supabase, dir.path());
    let delivered = wait_for_count(&supabase, &hers, EVENTS as i64).await;
    // Give a duplicate the time to show up, should there be one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while supabase.standin.rpc_calls("log_event") < calls_before + EVENTS
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    second.kill();

    assert_eq!(delivered, EVENTS as i64);
    assert_eq!(
        supabase.standin.rpc_calls("log_event") - calls_before,
        EVENTS,
        "the first event was sent again"
    );
    let su = supabase.db.superuser().await;
    let names: Vec<String> = su
        .query(
            "select s.sheet_name from public.audit_logs a
               join public.excel_sheets s on s.id = a.resource_id
              where a.user_id = $1 order by a.seq",
            &[&alice.id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["A", "B", "C", "D"], "each once, in order");
    let row = su
        .query_one(
            "select count(distinct event_id), public.verify_audit_chain() from public.audit_logs",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), EVENTS as i64);
    assert_eq!(row.get::<_, Option<Uuid>>(1), None);
}

const CHILD_ENV: &str = "LEDGERLIGHT_CHILD_PROXY_ENV";

/// Runs this test binary again as a proxy process with `supabase`'s
/// environment, and returns it with the address it listens on.
/// A child proxy process, killed (SIGKILL) when dropped, so that a failing
/// test leaves none behind.
struct ChildProxy(std::process::Child);

impl ChildProxy {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildProxy {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_child_proxy(supabase: &Supabase, dir: &std::path::Path) -> (ChildProxy, SocketAddr) {
    use std::io::BufRead;
    let vars = serde_json::to_string(&proxy_vars(supabase, dir, false)).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_proxy_for_kill_test",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, vars)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the child proxy exited before listening")
            .unwrap();
        if let Some(addr) = line.strip_prefix("child proxy listening on ") {
            break addr.parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (ChildProxy(child), addr)
}

/// Not a test: the proxy process of `audit_events_arrive_exactly_once_across_a_kill`.
#[tokio::test]
#[ignore = "the child process of audit_events_arrive_exactly_once_across_a_kill"]
async fn child_proxy_for_kill_test() {
    let Ok(vars) = std::env::var(CHILD_ENV) else {
        return;
    };
    let vars: Vec<(String, String)> = serde_json::from_str(&vars).unwrap();
    let config =
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let app = App::build(config).await.unwrap();
    println!("child proxy listening on {}", app.local_addr().unwrap());
    app.run_until_stopped(std::future::pending::<()>())
        .await
        .unwrap();
}
