//! Answer streams as a resource one user could exhaust: many streams opened
//! at once are capped per user (`MAX_STREAMS_PER_USER`, `429
//! too_many_streams` with `Retry-After`, nothing stored), and a client that
//! never reads its stream is given up after `STREAM_WRITE_TIMEOUT_SECS`
//! (Gemini's stream closed, the answer stored incomplete) while its slot
//! stays taken until its connection goes. The real proxy on a real port,
//! the Gemini stand-in as Gemini.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proxy::auth::LOCAL_USER_ID;
use proxy::gemini::{RetryPolicy, Timeouts};
use serde_json::{Value, json};
use system_tests::gemini::{Behaviour, GeminiStandIn};
use system_tests::in_process::{InProcessProxy, vars};
use tokio::io::AsyncWriteExt;

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

/// Local mode (one user) with the stand-in as Gemini.
async fn start(gemini: &GeminiStandIn, extra: &[(&str, &str)]) -> Running {
    let mut settings = vars(&[("RATE_LIMIT_RPM", "1000")]);
    settings.extend(vars(extra));
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(2),
        idle: Duration::from_secs(30),
        request: Duration::from_secs(30),
    };
    let retry = RetryPolicy {
        attempts: 1,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(1),
    };
    Running {
        proxy: InProcessProxy::start(&gemini.url, settings, timeouts, retry).await,
        // One connection per stream: no pooling, so dropping a response
        // closes its connection.
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends a question and returns once the headers are in, leaving the
    /// stream unread.
    async fn open_stream(&self, text: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/conversations/new/messages"))
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn audit_of(&self, action: &str) -> Vec<Value> {
        assert!(self.state.audit.flush().await, "audit delivered");
        self.get(&format!("/api/v1/audit?action={action}&limit=200"))
            .await["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn conversations(&self) -> Vec<Value> {
        self.get("/api/v1/conversations?limit=100").await["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits until the local user holds `want` streams.
    async fn wait_open_streams(&self, want: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.state.chat.streams.open(LOCAL_USER_ID) != want {
            assert!(
                Instant::now() < deadline,
                "{} streams open, not {want}",
                self.state.chat.streams.open(LOCAL_USER_ID)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn one_user_opening_fifty_streams_gets_eight_and_a_clear_429_for_the_rest() {
    const OPENED: usize = 50;
    const CAP: usize = 8; // the default
    let gemini = GeminiStandIn::start().await;
    gemini.set_default_stream(Behaviour::Hang("Thinking".into()));
    let proxy = start(&gemini, &[]).await;

    let questions: Vec<String> = (0..OPENED).map(|i| format!("Question {i}")).collect();
    let replies =
        futures_util::future::join_all(questions.iter().map(|q| proxy.open_stream(q))).await;
    let (open, refused): (Vec<_>, Vec<_>) = replies.into_iter().partition(|r| r.status() == 200);
    assert_eq!(open.len(), CAP);
    assert_eq!(refused.len(), OPENED - CAP);
    for reply in refused {
        assert_eq!(reply.status(), 429);
        assert_eq!(reply.headers()["retry-after"], "2");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains('8'));
    }
    assert_eq!(proxy.state.chat.streams.open(LOCAL_USER_ID), CAP);
    // Refused questions were neither stored nor sent to Gemini, and each
    // refusal is audited.
    assert_eq!(proxy.conversations().await.len(), CAP);
    assert_eq!(gemini.calls(), CAP);
    let denied = proxy.audit_of("ai.rate_limited").await;
    assert_eq!(denied.len(), OPENED - CAP);
    assert!(denied.iter().all(|e| e["status"] == "denied"
        && e["details"]["reason"] == "too_many_streams"
        && e["details"]["max_streams_per_user"] == 8));

    // Closing the streams frees the slots: Gemini sees each go, and the
    // user can ask again.
    drop(open);
    assert!(gemini.wait_disconnected(CAP, Duration::from_secs(10)).await);
    proxy.wait_open_streams(0).await;
    let again = proxy.open_stream("One more").await;
    assert_eq!(again.status(), 200);
    assert_eq!(proxy.state.chat.streams.open(LOCAL_USER_ID), 1);
    drop(again);
    proxy.wait_open_streams(0).await;
}

/// A request written on a socket with a tiny receive buffer and never read.
async fn never_reading_stream(addr: SocketAddr, text: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let body = json!({ "text": text }).to_string();
    let request = format!(
        "POST /api/v1/conversations/new/messages HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_client_that_never_reads_is_given_up_but_keeps_its_slot_until_it_leaves() {
    let gemini = GeminiStandIn::start().await;
    // 120,000 events of two control characters each: 240,000 bytes of
    // answer (under MAX_ANSWER_BYTES) that JSON spells as \u0001, ~5 MB on
    // the wire: more than the kernel takes into a loopback socket nobody
    // reads (~3 MB measured: the send buffer grows to tcp_wmem's 4 MiB),
    // the relay's channel and hyper's buffer together.
    let pieces: Vec<String> = (0..120_000).map(|_| "\u{1}\u{1}".to_owned()).collect();
    let whole: usize = pieces.iter().map(String::len).sum();
    gemini.script([Behaviour::Paced(pieces, Duration::ZERO)]);
    // The streams after it only hold their slots.
    gemini.set_default_stream(Behaviour::Hang("Thinking".into()));
    let proxy = start(
        &gemini,
        &[
            ("MAX_STREAMS_PER_USER", "2"),
            ("STREAM_WRITE_TIMEOUT_SECS", "1"),
        ],
    )
    .await;

    let started = Instant::now();
    let first = never_reading_stream(proxy.addr, "Tell me everything").await;
    // The relay waits STREAM_WRITE_TIMEOUT_SECS for the reader, then closes
    // Gemini's stream.
    assert!(
        gemini.wait_disconnected(1, Duration::from_secs(30)).await,
        "the upstream stream was not closed"
    );
    let given_up_after = started.elapsed();
    assert!(
        given_up_after >= Duration::from_secs(1),
        "{given_up_after:?}"
    );

    // Stored and audited just after the upstream is closed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let query = loop {
        let query = proxy.audit_of("ai.query").await;
        if !query.is_empty() || Instant::now() > deadline {
            break query;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(query.len(), 1);
    assert_eq!(query[0]["status"], "failure");
    assert_eq!(query[0]["details"]["status"], "incomplete");
    assert_eq!(query[0]["details"]["finish_reason"], "client_disconnected");
    let conversations = proxy.conversations().await;
    assert_eq!(conversations.len(), 1);
    let id = conversations[0]["id"].as_str().unwrap();
    let stored = proxy.get(&format!("/api/v1/conversations/{id}")).await;
    let answer = &stored["messages"][1];
    assert_eq!(answer["incomplete"], true);
    assert_eq!(answer["finish_reason"], "client_disconnected");
    let kept = answer["text"].as_str().unwrap().len();
    assert!(kept > 0 && kept < whole, "{kept} of {whole} bytes");

    // Its connection is still open, so its slot is still taken: one more
    // stream fits under the cap of 2, a third does not.
    assert_eq!(proxy.state.chat.streams.open(LOCAL_USER_ID), 1);
    let second = never_reading_stream(proxy.addr, "And again").await;
    proxy.wait_open_streams(2).await;
    let third = proxy.open_stream("A third").await;
    assert_eq!(third.status(), 429);
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams");

    // Leaving frees the slots.
    drop(first);
    drop(second);
    proxy.wait_open_streams(0).await;
    let fourth = proxy.open_stream("Now?").await;
    assert_eq!(fourth.status(), 200);
    println!(
        "never-reading client given up after {given_up_after:?}; {kept} of {whole} answer bytes kept"
    );
}
