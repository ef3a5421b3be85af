//! Limits shared by every proxy instance through Redis (`REDIS_URL`): the
//! same token bucket and daily budget as [`LocalLimiter`], kept in Redis
//! (the bucket updated atomically by a Lua script on Redis's own clock, so
//! instances' clocks do not matter).
//!
//! When Redis cannot be reached (or answers too slowly) each check falls
//! back to this instance's local limits: a warning when that starts, a
//! notice when Redis is back, and `proxy_limits_redis_fallback_total`
//! counting the checks answered locally. Requests keep being served.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::limits::{Limiter, LocalLimiter, RetryAfter, UsageSnapshot, utc_day};
use crate::metrics::Metrics;

/// Longest wait for Redis before answering locally.
const OP_TIMEOUT: Duration = Duration::from_millis(300);
/// After a failed connection, wait this long before trying again.
const RECONNECT_EVERY: Duration = Duration::from_secs(2);

/// KEYS[1] the bucket; ARGV capacity, take (1 or 0). Returns
/// `{allowed, wait_ms, used}`.
const BUCKET: &str = r"
local cap = tonumber(ARGV[1])
local rate = cap / 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or cap
local at = tonumber(b[2]) or now
if now > at then tokens = math.min(cap, tokens + (now - at) * rate) else now = at end
local allowed, wait = 1, 0
if ARGV[2] == '1' then
  if tokens >= 1 then tokens = tokens - 1 else allowed = 0; wait = math.ceil((1 - tokens) / rate) end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], 120000)
end
return {allowed, wait, math.ceil(cap - tokens - 0.000001)}
";

pub struct RedisLimiter {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<ConnectionManager>>,
    last_attempt: Mutex<Option<Instant>>,
    prefix: String,
    rpm: u32,
    script: redis::Script,
    local: LocalLimiter,
    degraded: AtomicBool,
    metrics: Metrics,
}

#[derive(Debug, thiserror::Error)]
enum Unavailable {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer in time")]
    Timeout,
    #[error("redis is not connected")]
    NotConnected,
}

impl RedisLimiter {
    pub fn new(
        url: &SecretString,
        prefix: &str,
        rpm: u32,
        metrics: Metrics,
    ) -> anyhow::Result<RedisLimiter> {
        let client = redis::Client::open(url.expose_secret())
            .map_err(|_| anyhow::anyhow!("REDIS_URL is not a usable Redis URL"))?;
        Ok(RedisLimiter {
            client,
            connection: tokio::sync::Mutex::new(None),
            last_attempt: Mutex::new(None),
            prefix: prefix.to_owned(),
            rpm,
            script: redis::Script::new(BUCKET),
            local: LocalLimiter::new(rpm),
            degraded: AtomicBool::new(false),
            metrics,
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, Unavailable> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| at.elapsed() < RECONNECT_EVERY) {
                return Err(Unavailable::NotConnected);
            }
            *last = Some(Instant::now());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1);
        let connection = tokio::time::timeout(
            OP_TIMEOUT * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| Unavailable::Timeout)??;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn run<T>(
        &self,
        op: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, Unavailable> {
        let connection = self.connection().await?;
        let result = tokio::time::timeout(OP_TIMEOUT, op(connection))
            .await
            .map_err(|_| Unavailable::Timeout)?;
        Ok(result?)
    }

    /// Notes the outcome of a Redis call: warnings on the transitions.
    fn note<T>(&self, result: Result<T, Unavailable>) -> Option<T> {
        match result {
            Ok(value) => {
                if self.degraded.swap(false, Ordering::SeqCst) {
                    tracing::info!("Redis is reachable again: limits are shared once more");
                }
                Some(value)
            }
            Err(error) => {
                if !self.degraded.swap(true, Ordering::SeqCst) {
                    tracing::warn!(
                        error = %error,
                        "Redis is unreachable: falling back to this instance's own limits"
                    );
                }
                self.metrics.limit_fallback();
                None
            }
        }
    }

    fn key(&self, parts: &str) -> String {
        format!("{}{parts}", self.prefix)
    }

    async fn bucket(&self, user: Uuid, take: bool) -> Option<(bool, u64, u32)> {
        let key = self.key(&format!("rl:{user}"));
        let result = self
            .run(async |mut c| {
                self.script
                    .key(&key)
                    .arg(self.rpm)
                    .arg(if take { "1" } else { "0" })
                    .invoke_async::<(i64, i64, i64)>(&mut c)
                    .await
            })
            .await;
        self.note(result)
            .map(|(allowed, wait, used)| (allowed == 1, wait.max(0) as u64, used.max(0) as u32))
    }
}

#[async_trait]
impl Limiter for RedisLimiter {
    async fn acquire_request(&self, user: Uuid) -> Result<(), RetryAfter> {
        match self.bucket(user, true).await {
            Some((true, _, _)) => Ok(()),
            Some((false, wait_ms, _)) => Err(RetryAfter(Duration::from_millis(wait_ms.max(1)))),
            None => self.local.acquire_request(user).await,
        }
    }

    async fn tokens_used_today(&self, user: Uuid) -> u64 {
        let key = self.key(&format!("tok:{user}:{}", utc_day().0));
        let result = self
            .run(async |mut c| {
                redis::cmd("GET")
                    .arg(&key)
                    .query_async::<Option<u64>>(&mut c)
                    .await
            })
            .await;
        match self.note(result) {
            Some(used) => used.unwrap_or(0),
            None => self.local.tokens_used_today(user).await,
        }
    }

    async fn add_tokens(&self, user: Uuid, tokens: u64) {
        // Counted locally too, so a fallback still knows today's use here.
        self.local.add_tokens(user, tokens).await;
        let key = self.key(&format!("tok:{user}:{}", utc_day().0));
        let result = self
            .run(async |mut c| {
                redis::pipe()
                    .atomic()
                    .cmd("INCRBY")
                    .arg(&key)
                    .arg(tokens)
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(2 * 86_400)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
        self.note(result);
    }

    async fn usage(&self, user: Uuid) -> UsageSnapshot {
        let tokens_used_today = self.tokens_used_today(user).await;
        match self.bucket(user, false).await {
            Some((_, _, used)) => UsageSnapshot {
                tokens_used_today,
                requests_in_window: used,
            },
            None => UsageSnapshot {
                tokens_used_today,
                requests_in_window: self.local.usage(user).await.requests_in_window,
            },
        }
    }
}
