//! Signing keys from a JWKS endpoint, cached by `kid`.
//!
//! A token naming an unknown `kid` triggers a refetch, at most once per
//! [`REFETCH_INTERVAL`], so a flood of forged `kid`s cannot turn the proxy
//! into a hammer on the auth server. Keys are built once, when fetched;
//! only ES256 (P-256) and RS256 keys meant for signatures are kept.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Url;
use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;

/// Unknown `kid`s cause at most one fetch per this interval.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Known keys are refreshed this often (rotation removes old keys).
pub const MAX_AGE: Duration = Duration::from_secs(600);
/// A JWKS larger than this is refused.
const MAX_JWKS_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct VerifyingKey {
    pub algorithm: Algorithm,
    pub key: Arc<DecodingKey>,
}

/// A small client for one JWKS URL, with its own timeouts.
#[derive(Clone)]
pub struct JwksClient {
    http: reqwest::Client,
    url: Url,
}

impl JwksClient {
    pub fn new(url: Url, timeout: Duration) -> anyhow::Result<JwksClient> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ledgerlight-proxy/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(JwksClient { http, url })
    }

    pub async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let mut response = self.http.get(self.url.clone()).send().await?;
        anyhow::ensure!(
            response.status().is_success(),
            "JWKS endpoint answered {}",
            response.status()
        );
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            anyhow::ensure!(body.len() <= MAX_JWKS_BYTES, "JWKS is too large");
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

struct Cached {
    keys: HashMap<String, VerifyingKey>,
    fetched_at: Option<Instant>,
}

pub struct JwksCache {
    client: JwksClient,
    cached: RwLock<Cached>,
    /// One fetch at a time; holds the time of the last attempt.
    last_attempt: Mutex<Option<Instant>>,
    fetches: AtomicU64,
}

impl JwksCache {
    pub fn new(client: JwksClient) -> JwksCache {
        JwksCache {
            client,
            cached: RwLock::new(Cached {
                keys: HashMap::new(),
                fetched_at: None,
            }),
            last_attempt: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many times the JWKS was requested (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key for `kid`, fetching the set when it is unknown or stale.
    pub async fn key(&self, kid: &str) -> Option<VerifyingKey> {
        {
            let cached = self.cached.read().await;
            let fresh = cached.fetched_at.is_some_and(|at| at.elapsed() < MAX_AGE);
            if let Some(key) = cached.keys.get(kid)
                && fresh
            {
                return Some(key.clone());
            }
        }
        self.refresh().await;
        self.cached.read().await.keys.get(kid).cloned()
    }

    async fn refresh(&self) {
        let mut last_attempt = self.last_attempt.lock().await;
        if last_attempt.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL) {
            return;
        }
        *last_attempt = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match self.client.fetch().await {
            Ok(set) => {
                let keys = usable_keys(&set);
                tracing::info!(keys = keys.len(), "fetched signing keys");
                let mut cached = self.cached.write().await;
                cached.keys = keys;
                cached.fetched_at = Some(Instant::now());
            }
            // Keep the keys we have: an auth server hiccup must not log everyone out.
            Err(error) => tracing::warn!(error = %error, "cannot fetch signing keys"),
        }
    }
}

/// The keys of a set that may verify tokens, by `kid`.
pub fn usable_keys(set: &JwkSet) -> HashMap<String, VerifyingKey> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let algorithm = key_algorithm(jwk)?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((
                kid,
                VerifyingKey {
                    algorithm,
                    key: Arc::new(key),
                },
            ))
        })
        .collect()
}

/// The one algorithm a JWK may verify: from its key type (and `alg`, which
/// must agree when present). Symmetric keys never come from a JWKS.
fn key_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    if let Some(usage) = &jwk.common.public_key_use
        && *usage != PublicKeyUse::Signature
    {
        return None;
    }
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(by_type),
        Some(KeyAlgorithm::ES256) if by_type == Algorithm::ES256 => Some(by_type),
        Some(KeyAlgorithm::RS256) if by_type == Algorithm::RS256 => Some(by_type),
        Some(_) => None,
    }
}
