//! HTTPS with `TLS_CERT` / `TLS_KEY`: a real TLS connection to a real
//! listener, verified against the test CA (the server certificate names
//! `localhost` and `127.0.0.1`), with HSTS on every response.

mod support;

use std::time::Duration;

use proxy::app::App;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Running {
    port: u16,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start_https() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let cert = keys_dir().join("tls-cert.pem").display().to_string();
    let key = keys_dir().join("tls-key.pem").display().to_string();
    let app = App::build(config(
        dir.path(),
        &[("TLS_CERT", cert.as_str()), ("TLS_KEY", key.as_str())],
    ))
    .await
    .unwrap();
    let port = app.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Running {
        port,
        stop,
        server,
        _dir: dir,
    }
}

fn trusting_client() -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(&pem("tls-ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(root)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn serves_https_with_hsts_to_a_verifying_client() {
    let running = start_https().await;
    let client = trusting_client();
    for host in ["localhost", "127.0.0.1"] {
        let response = client
            .get(format!("https://{host}:{}/health", running.port))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(response.status(), 200, "{host}");
        let hsts = response
            .headers()
            .get("strict-transport-security")
            .unwrap_or_else(|| panic!("{host}: no HSTS header"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(hsts.contains("max-age="), "{hsts}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
    running.stop.send(()).unwrap();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_untrusting_client_and_plain_http_are_refused_quickly() {
    let running = start_https().await;

    // Without the test CA the certificate does not verify.
    let strict = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let error = strict
        .get(format!("https://localhost:{}/health", running.port))
        .send()
        .await
        .expect_err("a self-signed certificate must not verify");
    assert!(error.is_connect() || error.is_request(), "{error}");

    // Plain HTTP to the TLS port gets no HTTP answer and does not hang.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", running.port))
        .await
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    // Either a close or a reset is fine; an HTTP answer or a hang is not.
    let _closed_or_reset =
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
            .await
            .expect("the server must close a non-TLS connection promptly");
    assert!(
        !String::from_utf8_lossy(&reply).contains("\"status\""),
        "served over plain HTTP: {}",
        String::from_utf8_lossy(&reply)
    );

    // The listener still serves TLS after both failures.
    let response = trusting_client()
        .get(format!("https://localhost:{}/health", running.port))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    running.stop.send(()).unwrap();
    running.server.await.unwrap().unwrap();
}
