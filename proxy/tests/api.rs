//! The proxy's HTTP surface, driven through `router` with `oneshot`, and
//! once through a real listener to prove start-up and graceful shutdown.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use proxy::app::{App, router};
use proxy::config::Config;
use proxy::state::AppState;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

fn config(addin_dir: &Path, vars: &[(&str, &str)]) -> Config {
    let addin = addin_dir.display().to_string();
    let data = addin_dir.join("data").display().to_string();
    let mut all: Vec<(String, String)> = vec![
        ("ADDIN_DIR".into(), addin),
        ("DATA_DIR".into(), data),
        ("PROXY_ADDR".into(), "127.0.0.1:0".into()),
    ];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|name| {
        all.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

/// A stand-in for `addin/dist`, the shape Vite produces, inside a scratch
/// folder that also holds a file the proxy must never serve.
struct FakeDist {
    _scratch: tempfile::TempDir,
    dist: std::path::PathBuf,
}

impl FakeDist {
    fn path(&self) -> &Path {
        &self.dist
    }
}

fn fake_dist() -> FakeDist {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("secret.txt"), "do not serve").unwrap();
    let dist = scratch.path().join("dist");
    let root = dist.as_path();
    std::fs::create_dir_all(root.join("assets")).unwrap();
    std::fs::create_dir_all(root.join("icons")).unwrap();
    std::fs::write(
        root.join("index.html"),
        "<!doctype html><title>Ledgerlight</title>",
    )
    .unwrap();
    std::fs::write(
        root.join("assets/index-3f9a1c2b.js"),
        "console.log('pane');".repeat(200),
    )
    .unwrap();
    // A wasm module header followed by compressible padding.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(std::iter::repeat_n(0u8, 4096));
    std::fs::write(root.join("assets/engine_wasm_bg-9c1d2e3f.wasm"), wasm).unwrap();
    std::fs::write(root.join("icons/icon-32.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    FakeDist {
        _scratch: scratch,
        dist,
    }
}

async fn send(
    config: Config,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router(AppState::new(config).unwrap())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn health_reports_status_and_version() {
    let dist = fake_dist();
    let (status, headers, body) = send(config(dist.path(), &[]), get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn chat_without_a_key_says_how_to_configure_it() {
    let dist = fake_dist();
    let request = post_json("/api/v1/conversations/new/messages", r#"{"text":"hello"}"#);
    let (status, _, body) = send(config(dist.path(), &[]), request).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "ai_not_configured");
    assert_eq!(
        json["error"]["message"],
        "AI chat is not configured on this server: set GEMINI_API_KEY"
    );
}

#[tokio::test]
async fn chat_with_a_key_checks_the_id_and_says_when_gemini_is_unreachable() {
    let dist = fake_dist();
    // A port nothing listens on: Gemini is unreachable, no test goes online.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let vars = [("GEMINI_API_KEY", "k"), ("GEMINI_BASE_URL", base.as_str())];
    let cases = [
        ("new", StatusCode::SERVICE_UNAVAILABLE, "ai_unavailable"),
        ("not-a-uuid", StatusCode::BAD_REQUEST, "invalid_request"),
        (
            "5f0c8e55-8a55-4d5c-9d77-0c3d1f4e2a10",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (id, expected, code) in cases {
        let request = post_json(
            &format!("/api/v1/conversations/{id}/messages"),
            r#"{"text":"hello"}"#,
        );
        let (status, _, body) = send(config(dist.path(), &vars), request).await;
        assert_eq!(status, expected, "{id}");
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], code, "{id}: {json}");
        assert!(!json.to_string().contains(&base), "{json}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let dist = fake_dist();
    let big = format!(r#"{{"text":"{}"}}"#, "x".repeat(2048));
    let request = post_json("/api/v1/conversations/new/messages", big);
    let (status, _, _) = send(config(dist.path(), &[("MAX_BODY_BYTES", "1024")]), request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_task_pane_html_is_served_and_always_revalidated() {
    let dist = fake_dist();
    for path in ["/", "/index.html"] {
        let (status, headers, body) = send(config(dist.path(), &[]), get(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(String::from_utf8(body).unwrap().contains("Ledgerlight"));
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_wasm_has_its_mime_type() {
    let dist = fake_dist();
    let (status, headers, body) = send(
        config(dist.path(), &[]),
        get("/assets/engine_wasm_bg-9c1d2e3f.wasm"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(body.starts_with(b"\0asm"));

    let (_, headers, _) = send(config(dist.path(), &[]), get("/icons/icon-32.png")).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn assets_are_compressed_when_the_client_accepts_it() {
    let dist = fake_dist();
    for (encoding, path) in [
        ("gzip", "/assets/index-3f9a1c2b.js"),
        ("br", "/assets/engine_wasm_bg-9c1d2e3f.wasm"),
    ] {
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = send(config(dist.path(), &[]), request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_ENCODING], encoding, "{path}");
        assert!(
            body.len() < 1000,
            "{path} compressed to {} bytes",
            body.len()
        );
    }
}

#[tokio::test]
async fn missing_files_and_traversal_attempts_are_not_found() {
    let dist = fake_dist();
    for path in [
        "/nope.js",
        "/assets/missing-123.js",
        "/../secret.txt",
        "/assets/..%2f..%2fsecret.txt",
    ] {
        let (status, headers, body) = send(config(dist.path(), &[]), get(path)).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
        assert!(headers.get(header::CACHE_CONTROL).is_none(), "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("do not serve"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_real_listener_serves_and_shuts_down_gracefully() {
    let dist = fake_dist();
    let app = App::build(config(dist.path(), &[])).await.unwrap();
    let addr = app.local_addr().unwrap();
    assert!(dist.path().join("data").is_dir(), "DATA_DIR is created");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn tls_files_are_loaded_or_refused_with_the_variable_named() {
    use proxy::config::TlsFiles;
    use proxy::tls::Acceptor;
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys");
    let good = TlsFiles {
        cert: keys.join("tls-cert.pem"),
        key: keys.join("tls-key.pem"),
    };
    assert!(Acceptor::from_files(&good).is_ok());
    let missing = TlsFiles {
        cert: keys.join("nope.pem"),
        key: good.key.clone(),
    };
    let error = Acceptor::from_files(&missing).err().unwrap().to_string();
    assert!(error.contains("TLS_CERT"), "{error}");
    let mismatched = TlsFiles {
        cert: good.cert.clone(),
        key: keys.join("ec1.pem"),
    };
    assert!(Acceptor::from_files(&mismatched).is_err());
}
