//! Header injection against a real listener, bytes on the wire: CR/LF,
//! control characters, non-UTF-8 and oversized values in Authorization,
//! Origin, X-Request-Id, Host and Content-Type. Nothing a client sends is
//! reflected into a response header; each refusal is asserted. A request
//! the HTTP parser itself rejects (a bare CR, a control character, headers
//! past its limit) never reaches the application: hyper answers a bare
//! `400`/`431` and closes, with no body to put an envelope in; everything
//! that does reach it is refused in the envelope.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use proxy::app::App;
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// What clients try to smuggle in; must never appear in a response.
const MARKER: &str = "INJECTED";
const PANE: &str = "https://pane.example";

struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &[
            ("SUPABASE_JWT_SECRET", SECRET),
            ("JWT_ISSUER", ISSUER),
            ("ALLOWED_ORIGINS", PANE),
        ],
    );
    let app = App::build(config).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
        _dir: dir,
    }
}

#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the application answered (every answer of it carries a
    /// request id; the parser's own refusals carry none).
    fn answered_by_the_app(&self) -> bool {
        self.header("x-request-id").is_some()
    }

    #[track_caller]
    fn assert_envelope(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let json: Value =
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"));
        assert_eq!(json["error"]["code"], code, "{self:?}");
        assert!(json["error"]["message"].is_string(), "{self:?}");
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{self:?}"
        );
    }

    /// A refusal by the HTTP parser, before any application code.
    #[track_caller]
    fn assert_parser_refusal(&self, status: u16) {
        assert_eq!(self.status, status, "{self:?}");
        assert!(!self.answered_by_the_app(), "{self:?}");
        assert!(self.body.is_empty(), "{self:?}");
    }
}

/// Sends `head` (request line and headers, without the blank line) and
/// `body`, and reads the whole answer; a server that hangs fails the test.
async fn exchange(addr: SocketAddr, head: &[u8], body: &[u8]) -> Raw {
    let mut request = head.to_vec();
    request.extend_from_slice(
        format!(
            "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may refuse and close before reading everything.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("the server answered in time")
        .ok();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let raw = Raw {
        status,
        headers,
        body: body.to_owned(),
    };
    assert_not_reflected(&raw);
    raw
}

/// No injected header, no injected text anywhere in the answer, and no
/// server error.
#[track_caller]
fn assert_not_reflected(raw: &Raw) {
    assert!(raw.status < 500, "{raw:?}");
    for (name, value) in &raw.headers {
        let lower = name.to_ascii_lowercase();
        assert!(
            !["set-cookie", "x-injected", "location", "refresh"].contains(&lower.as_str()),
            "{raw:?}"
        );
        assert!(
            !name.to_ascii_uppercase().contains(MARKER)
                && !value.to_ascii_uppercase().contains(MARKER),
            "{raw:?}"
        );
    }
    assert!(!raw.body.to_ascii_uppercase().contains(MARKER), "{raw:?}");
}

fn head(lines: &[&[u8]]) -> Vec<u8> {
    lines.join(&b"\r\n"[..])
}

fn get(path: &str, addr: SocketAddr, extra: &[&[u8]]) -> Vec<u8> {
    let first = format!("GET {path} HTTP/1.1");
    let host = format!("Host: {addr}");
    let mut all: Vec<&[u8]> = vec![first.as_bytes(), host.as_bytes()];
    all.extend_from_slice(extra);
    head(&all)
}

#[tokio::test]
async fn authorization_injection_is_refused_and_never_reflected() {
    let server = serve().await;
    let addr = server.addr;
    let good = hs256(&supabase_claims(Uuid::new_v4()));

    // LF ends the header: the rest becomes a header of its own in the
    // *request*; the token left is not valid, and no Set-Cookie comes back.
    let split = format!("Authorization: Bearer abc\r\nSet-Cookie: {MARKER}=1");
    let raw = exchange(addr, &get("/api/v1/me", addr, &[split.as_bytes()]), b"").await;
    raw.assert_envelope(401, "unauthorized");
    assert!(
        raw.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );

    // A valid token followed by a smuggled header: served, nothing echoed.
    let split = format!("Authorization: Bearer {good}\r\nX-Injected: {MARKER}");
    let raw = exchange(addr, &get("/api/v1/me", addr, &[split.as_bytes()]), b"").await;
    assert_eq!(raw.status, 200, "{raw:?}");

    // A bare CR and control characters are not HTTP: the parser refuses.
    for bad in [
        format!("Authorization: Bearer abc\r{MARKER}: 1"),
        format!("Authorization: Bearer abc\x01{MARKER}"),
        format!("Authorization: Bearer abc\x00{MARKER}"),
        format!("Authorization: Bearer abc\x7f{MARKER}"),
        format!("Authorization: Bearer {good}\x1b[31m{MARKER}"),
    ] {
        let raw = exchange(addr, &get("/api/v1/me", addr, &[bad.as_bytes()]), b"").await;
        raw.assert_parser_refusal(400);
    }

    // Bytes past ASCII (obs-text) reach the application, which refuses
    // them as an invalid header.
    let mut latin = b"Authorization: Bearer abc".to_vec();
    latin.extend_from_slice(&[0xff, 0xfe]);
    latin.extend_from_slice(MARKER.as_bytes());
    let raw = exchange(addr, &get("/api/v1/me", addr, &[&latin]), b"").await;
    raw.assert_envelope(401, "unauthorized");

    // Oversized: a 20 KiB token is refused before any parsing, and its
    // content does not come back in the challenge.
    let big = format!("Authorization: Bearer {}{}", "a".repeat(20 * 1024), MARKER);
    let raw = exchange(addr, &get("/api/v1/me", addr, &[big.as_bytes()]), b"").await;
    raw.assert_envelope(401, "unauthorized");
    assert!(raw.body.contains("too large"), "{raw:?}");
    // Past the parser's header buffer: refused before the application.
    let huge = format!("Authorization: Bearer {}", "a".repeat(1024 * 1024));
    let raw = exchange(addr, &get("/api/v1/me", addr, &[huge.as_bytes()]), b"").await;
    raw.assert_parser_refusal(431);
}

#[tokio::test]
async fn request_ids_are_echoed_only_when_plain() {
    let server = serve().await;
    let addr = server.addr;
    let id_of = |raw: &Raw| raw.header("x-request-id").unwrap().to_owned();

    let raw = exchange(
        addr,
        &get("/health", addr, &[b"X-Request-Id: abc-123_4.5:6"]),
        b"",
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_eq!(id_of(&raw), "abc-123_4.5:6", "a plain id is kept");

    // Anything else is replaced by a fresh UUID, never echoed.
    let long = format!("X-Request-Id: {}", "a".repeat(129));
    let latin = [b"X-Request-Id: a".as_slice(), &[0xe9], MARKER.as_bytes()].concat();
    for bad in [
        format!("X-Request-Id: a b {MARKER}").into_bytes(),
        format!("X-Request-Id: <script>{MARKER}</script>").into_bytes(),
        format!("X-Request-Id: \"{MARKER}\";").into_bytes(),
        format!("X-Request-Id: a\t{MARKER}").into_bytes(),
        latin,
        long.into_bytes(),
    ] {
        let raw = exchange(addr, &get("/health", addr, &[&bad]), b"").await;
        assert_eq!(raw.status, 200, "{raw:?}");
        Uuid::parse_str(&id_of(&raw)).unwrap_or_else(|_| panic!("not a fresh id: {raw:?}"));
    }

    // Split by LF: the id is what precedes it; the rest is another request
    // header that does not come back.
    let split = format!("X-Request-Id: plain\r\nSet-Cookie: {MARKER}=1");
    let raw = exchange(addr, &get("/health", addr, &[split.as_bytes()]), b"").await;
    assert_eq!(id_of(&raw), "plain");
    for bad in [
        format!("X-Request-Id: plain\r{MARKER}"),
        format!("X-Request-Id: plain\x0b{MARKER}"),
    ] {
        let raw = exchange(addr, &get("/health", addr, &[bad.as_bytes()]), b"").await;
        raw.assert_parser_refusal(400);
    }

    // Errors carry the replacement too, in the envelope.
    let bad = format!("X-Request-Id: {MARKER} {MARKER}");
    let raw = exchange(addr, &get("/api/v1/nothing", addr, &[bad.as_bytes()]), b"").await;
    raw.assert_envelope(404, "not_found");
    Uuid::parse_str(&id_of(&raw)).unwrap();
}

#[tokio::test]
async fn origins_are_matched_exactly_and_never_reflected() {
    let server = serve().await;
    let addr = server.addr;
    let allowed = |raw: &Raw| raw.header("access-control-allow-origin").map(str::to_owned);

    let ok = format!("Origin: {PANE}");
    let raw = exchange(addr, &get("/health", addr, &[ok.as_bytes()]), b"").await;
    assert_eq!(allowed(&raw).as_deref(), Some(PANE));

    for bad in [
        format!("Origin: {PANE}.{MARKER}.example"),
        format!("Origin: {PANE} {MARKER}"),
        format!("Origin: https://{MARKER}.example"),
        format!("Origin: {PANE}/{MARKER}"),
        "Origin: null".to_owned(),
        format!("Origin: {PANE}{}", "a".repeat(16 * 1024)),
    ] {
        let raw = exchange(addr, &get("/health", addr, &[bad.as_bytes()]), b"").await;
        assert_eq!(raw.status, 200, "{raw:?}");
        assert_eq!(allowed(&raw), None, "{bad}: {raw:?}");
        // A preflight from it is not allowed either.
        let preflight = format!(
            "OPTIONS /api/v1/me HTTP/1.1\r\nHost: {addr}\r\n{bad}\r\nAccess-Control-Request-Method: GET"
        );
        let raw = exchange(addr, preflight.as_bytes(), b"").await;
        assert_eq!(allowed(&raw), None, "{bad}: {raw:?}");
    }

    // LF-split: the Origin is the allowed one, the rest is a request header
    // that stays there.
    let split = format!("Origin: {PANE}\r\nX-Injected: {MARKER}");
    let raw = exchange(addr, &get("/health", addr, &[split.as_bytes()]), b"").await;
    assert_eq!(allowed(&raw).as_deref(), Some(PANE));
    for bad in [
        format!("Origin: {PANE}\r{MARKER}"),
        format!("Origin: {PANE}\x00{MARKER}"),
    ] {
        let raw = exchange(addr, &get("/health", addr, &[bad.as_bytes()]), b"").await;
        raw.assert_parser_refusal(400);
    }
}

#[tokio::test]
async fn hosts_and_content_types_cannot_inject() {
    let server = serve().await;
    let addr = server.addr;
    let token = hs256(&supabase_claims(Uuid::new_v4()));
    let auth = format!("Authorization: Bearer {token}");

    // Host is never used to build an answer: odd ones are served, not echoed.
    for host in [
        format!("Host: {MARKER}.example"),
        format!("Host: {MARKER}.example\r\nX-Forwarded-Host: {MARKER}"),
        format!("Host: {}", "h".repeat(8 * 1024)),
    ] {
        let request = head(&[b"GET /health HTTP/1.1", host.as_bytes()]);
        let raw = exchange(addr, &request, b"").await;
        assert_eq!(raw.status, 200, "{raw:?}");
    }
    for host in [format!("Host: a\r{MARKER}"), format!("Host: a\x01{MARKER}")] {
        let request = head(&[b"GET /health HTTP/1.1", host.as_bytes()]);
        exchange(addr, &request, b"")
            .await
            .assert_parser_refusal(400);
    }
    // Two Host headers: refused (RFC 9112 §3.2) or served; either way
    // nothing is reflected (asserted in `exchange`).
    let request = head(&[
        b"GET /health HTTP/1.1",
        format!("Host: {addr}").as_bytes(),
        format!("Host: {MARKER}").as_bytes(),
    ]);
    let raw = exchange(addr, &request, b"").await;
    assert!(raw.status == 200 || raw.status == 400, "{raw:?}");

    let body = br#"{"sheet_name":"S","data":[[1]]}"#;
    let post = |content_type: Vec<u8>| {
        let first = b"POST /api/v1/sheets HTTP/1.1".to_vec();
        let host = format!("Host: {addr}").into_bytes();
        head(&[&first, &host, auth.as_bytes(), &content_type])
    };
    // The ordinary case, for contrast.
    let raw = exchange(
        addr,
        &post(b"Content-Type: application/json".to_vec()),
        body,
    )
    .await;
    assert_eq!(raw.status, 201, "{raw:?}");
    // Not JSON, in any disguise: 415 in the envelope.
    for content_type in [
        format!("Content-Type: text/plain; {MARKER}"),
        format!("Content-Type: {MARKER}/json"),
        format!("Content-Type: application/{MARKER}"),
        format!("Content-Type: application/jsonx{MARKER}"),
        format!("Content-Type: {}", "a".repeat(16 * 1024)),
    ] {
        let raw = exchange(addr, &post(content_type.into_bytes()), body).await;
        raw.assert_envelope(415, "unsupported_media_type");
    }
    let latin = [
        b"Content-Type: application/json; charset=".as_slice(),
        &[0xff],
    ]
    .concat();
    let raw = exchange(addr, &post(latin), body).await;
    raw.assert_envelope(415, "unsupported_media_type");
    // LF-split: the type is JSON and the rest a request header.
    let split = format!("Content-Type: application/json\r\nSet-Cookie: {MARKER}=1");
    let raw = exchange(addr, &post(split.into_bytes()), body).await;
    assert_eq!(raw.status, 201, "{raw:?}");
    for bad in [
        format!("Content-Type: application/json\r{MARKER}"),
        format!("Content-Type: application/json\x02{MARKER}"),
    ] {
        exchange(addr, &post(bad.into_bytes()), body)
            .await
            .assert_parser_refusal(400);
    }
    // Many headers: past the parser's limit of 100.
    let many: Vec<String> = (0..200).map(|i| format!("X-Filler-{i}: {i}")).collect();
    let mut lines: Vec<&[u8]> = vec![b"GET /health HTTP/1.1"];
    let host = format!("Host: {addr}");
    lines.push(host.as_bytes());
    lines.extend(many.iter().map(|l| l.as_bytes()));
    let raw = exchange(addr, &head(&lines), b"").await;
    raw.assert_parser_refusal(431);
}
