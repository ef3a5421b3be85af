//! Shared pieces of the proxy's integration tests: configuration, a fake
//! `addin/dist`, tokens shaped exactly like Supabase's, and a local JWKS
//! endpoint (no test reaches the internet).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proxy::app::router;
use proxy::config::Config;
use proxy::state::AppState;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

pub const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";
pub const ISSUER: &str = "http://127.0.0.1:54321/auth/v1";

pub fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

pub fn pem(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join(name)).unwrap()
}

pub fn ec_key(n: u8) -> EncodingKey {
    EncodingKey::from_ec_pem(&pem(&format!("ec{n}.pem"))).unwrap()
}

pub fn rsa_key(n: u8) -> EncodingKey {
    EncodingKey::from_rsa_pem(&pem(&format!("rsa{n}.pem"))).unwrap()
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims GoTrue puts in a user's access token.
pub fn supabase_claims(sub: Uuid) -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "sub": sub,
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "email": format!("{}@example.com", &sub.simple().to_string()[..8]),
        "phone": "",
        "app_metadata": { "provider": "email", "providers": ["email"] },
        "user_metadata": { "full_name": "Test User" },
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{ "method": "password", "timestamp": now }],
        "session_id": Uuid::new_v4(),
        "is_anonymous": false
    })
}

pub fn with(mut claims: Value, overrides: Value) -> Value {
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

pub fn hs256(claims: &Value) -> String {
    hs256_with(SECRET.as_bytes(), claims)
}

pub fn hs256_with(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

pub fn signed(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// A token assembled by hand: any header, any signature.
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

pub fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.key_algorithm = Some(match alg {
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::RS256 => KeyAlgorithm::RS256,
        other => panic!("{other:?}"),
    });
    jwk
}

/// A JWKS endpoint on 127.0.0.1 that counts its fetches.
#[derive(Clone)]
pub struct FakeJwks {
    pub url: String,
    pub fetches: Arc<AtomicUsize>,
}

impl FakeJwks {
    pub async fn start(set: JwkSet) -> FakeJwks {
        FakeJwks::serve(serde_json::to_value(&set).unwrap()).await
    }

    /// Serves any JSON document as the key set (keys shaped like another
    /// issuer's, or not keys at all).
    pub async fn serve(document: Value) -> FakeJwks {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let body = document.to_string();
        let app = Router::new().route(
            "/auth/v1/.well-known/jwks.json",
            axum::routing::get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = body.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeJwks {
            url: format!("http://{addr}/auth/v1/.well-known/jwks.json"),
            fetches,
        }
    }

    pub fn count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// The usual set: ES256 `ec-1` and RS256 `rsa-1`.
    pub async fn standard() -> FakeJwks {
        FakeJwks::start(JwkSet {
            keys: vec![
                jwk(&ec_key(1), Algorithm::ES256, "ec-1"),
                jwk(&rsa_key(1), Algorithm::RS256, "rsa-1"),
            ],
        })
        .await
    }
}

pub fn config(data_dir: &Path, vars: &[(&str, &str)]) -> Config {
    let mut all: Vec<(String, String)> = vec![
        (
            "ADDIN_DIR".into(),
            data_dir.join("no-dist").display().to_string(),
        ),
        (
            "DATA_DIR".into(),
            data_dir.join("data").display().to_string(),
        ),
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

/// A router with its scratch `DATA_DIR`.
pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub router: Router,
}

impl TestApp {
    pub fn new(vars: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(config(dir.path(), vars)).unwrap();
        let router = router(state.clone());
        TestApp { dir, state, router }
    }

    /// Auth with the HS256 secret and the given JWKS.
    pub fn with_auth(jwks: Option<&FakeJwks>) -> TestApp {
        let mut vars = vec![("SUPABASE_JWT_SECRET", SECRET), ("JWT_ISSUER", ISSUER)];
        if let Some(jwks) = jwks {
            vars.push(("SUPABASE_JWKS_URL", jwks.url.as_str()));
        }
        TestApp::new(&vars)
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send(request(method, path, token, body)).await
    }
}

pub fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// 401 with the error envelope and a `Bearer` challenge.
#[track_caller]
pub fn assert_refused(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error_code(), "unauthorized", "{what}");
    let challenge = reply.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the error envelope and returns its code.
    #[track_caller]
    pub fn error_code(&self) -> String {
        let json = self.json();
        let code = json["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no envelope: {json}"));
        assert!(json["error"]["message"].is_string(), "{json}");
        code.to_owned()
    }
}
