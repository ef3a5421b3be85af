//! Limits shared through the real Redis on 127.0.0.1:6379: two proxy
//! instances enforce one rate limit and one daily budget for the same user;
//! when Redis goes away each instance falls back to its own limits, keeps
//! serving, and counts the fallback in `/metrics`. Every test uses its own
//! key prefix, so tests run in parallel.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proxy::app::App;
use proxy::config::Config;
use proxy::gemini::{RetryPolicy, Timeouts};
use proxy::state::AppState;
use serde_json::json;
use system_tests::gemini::{Behaviour, GeminiStandIn, KEY};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const REDIS: &str = "127.0.0.1:6379";

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

async fn start(
    gemini: &GeminiStandIn,
    redis_url: &str,
    prefix: &str,
    extra: &[(&str, &str)],
) -> Running {
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
        ("REDIS_URL".into(), redis_url.into()),
        ("REDIS_KEY_PREFIX".into(), prefix.into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let retry = RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
    };
    let state = AppState::with_gemini_settings(config.clone(), Timeouts::default(), retry).unwrap();
    let app = App::with_state(config, state).await.unwrap();
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

fn prefix() -> String {
    format!("ledgerlight-test:{}:", uuid::Uuid::new_v4().simple())
}

async fn ask(http: &reqwest::Client, proxy: &Running) -> (u16, String) {
    let response = http
        .post(format!(
            "http://{}/api/v1/conversations/new/messages",
            proxy.addr
        ))
        .json(&json!({ "text": "q" }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn metrics(http: &reqwest::Client, proxy: &Running) -> String {
    http.get(format!("http://{}/metrics", proxy.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn fallbacks(metrics: &str) -> u64 {
    metrics
        .lines()
        .find(|l| l.starts_with("proxy_limits_redis_fallback_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn two_instances_share_one_rate_limit_and_one_budget() {
    let gemini = GeminiStandIn::start().await;
    let url = format!("redis://{REDIS}");
    let shared = prefix();
    let a = start(&gemini, &url, &shared, &[("RATE_LIMIT_RPM", "3")]).await;
    let b = start(&gemini, &url, &shared, &[("RATE_LIMIT_RPM", "3")]).await;
    let http = reqwest::Client::new();
    assert_eq!(ask(&http, &a).await.0, 200);
    assert_eq!(ask(&http, &b).await.0, 200);
    assert_eq!(ask(&http, &a).await.0, 200);
    let (status, body) = ask(&http, &b).await;
    assert_eq!(
        status, 429,
        "the fourth request, on either instance: {body}"
    );
    assert!(body.contains("rate_limited"), "{body}");
    assert_eq!(fallbacks(&metrics(&http, &a).await), 0);

    let usage: serde_json::Value = http
        .get(format!("http://{}/api/v1/usage", b.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(usage["requests_in_window"], 3, "{usage}");
    assert!(usage["tokens_used_today"].as_u64().unwrap() > 0, "{usage}");

    // The budget: one big answer through A leaves nothing for B.
    let shared = prefix();
    gemini.script([Behaviour::Answer(vec!["word ".repeat(700)])]);
    let a = start(&gemini, &url, &shared, &[("DAILY_TOKEN_BUDGET", "600")]).await;
    let b = start(&gemini, &url, &shared, &[("DAILY_TOKEN_BUDGET", "600")]).await;
    assert_eq!(ask(&http, &a).await.0, 200);
    let (status, body) = ask(&http, &b).await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("budget_exhausted"), "{body}");
}

/// A TCP relay to Redis that can be cut, standing for Redis going away.
struct Relay {
    url: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let inner = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut redis) = TcpStream::connect(REDIS).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut redis).await;
                    }
                });
                inner.lock().unwrap().push(connection);
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay {
            url: format!("redis://{addr}"),
            tasks,
        }
    }

    /// Closes every connection and stops accepting: Redis is gone.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

#[tokio::test]
async fn when_redis_goes_away_each_instance_falls_back_to_its_own_limits() {
    let gemini = GeminiStandIn::start().await;
    let relay = Relay::start().await;
    let proxy = start(&gemini, &relay.url, &prefix(), &[("RATE_LIMIT_RPM", "2")]).await;
    let http = reqwest::Client::new();
    assert_eq!(ask(&http, &proxy).await.0, 200);
    assert_eq!(fallbacks(&metrics(&http, &proxy).await), 0);

    relay.cut();
    // Still served, now limited locally (a fresh local bucket of 2).
    assert_eq!(ask(&http, &proxy).await.0, 200);
    assert_eq!(ask(&http, &proxy).await.0, 200);
    let (status, body) = ask(&http, &proxy).await;
    assert_eq!(status, 429, "{body}");
    assert!(fallbacks(&metrics(&http, &proxy).await) > 0);
    let usage = http
        .get(format!("http://{}/api/v1/usage", proxy.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(usage.status(), 200);
}

#[tokio::test]
async fn a_proxy_starts_and_serves_with_redis_unreachable_from_the_start() {
    let gemini = GeminiStandIn::start().await;
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", closed.local_addr().unwrap());
    drop(closed);
    let proxy = start(&gemini, &url, &prefix(), &[]).await;
    let http = reqwest::Client::new();
    assert_eq!(ask(&http, &proxy).await.0, 200);
    assert!(fallbacks(&metrics(&http, &proxy).await) > 0);
}
