//! Per-user limits: a token bucket for chat requests (`RATE_LIMIT_RPM`,
//! refilled continuously, bursts up to one minute's worth) and a daily
//! token budget (`DAILY_TOKEN_BUDGET`, per UTC day). In-process here;
//! the trait is the seam for a shared (Redis) implementation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use uuid::Uuid;

/// The caller must wait this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSnapshot {
    pub tokens_used_today: u64,
    pub requests_in_window: u32,
}

#[async_trait]
pub trait Limiter: Send + Sync {
    /// Takes one request from the caller's bucket.
    async fn acquire_request(&self, user: Uuid) -> Result<(), RetryAfter>;
    /// Tokens the caller has used today.
    async fn tokens_used_today(&self, user: Uuid) -> u64;
    /// Adds to today's count.
    async fn add_tokens(&self, user: Uuid, tokens: u64);
    async fn usage(&self, user: Uuid) -> UsageSnapshot;
}

/// The current UTC day number, and the time left until the next one.
pub fn utc_day() -> (u64, Duration) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    (now / 86_400, Duration::from_secs(86_400 - now % 86_400))
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct LocalLimiter {
    rpm: u32,
    buckets: Mutex<HashMap<Uuid, Bucket>>,
    /// (user, UTC day) → tokens.
    used: Mutex<HashMap<(Uuid, u64), u64>>,
}

impl LocalLimiter {
    pub fn new(rpm: u32) -> LocalLimiter {
        LocalLimiter {
            rpm,
            buckets: Mutex::new(HashMap::new()),
            used: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let rate = f64::from(self.rpm) / 60.0;
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(f64::from(self.rpm));
        bucket.at = now;
    }
}

#[async_trait]
impl Limiter for LocalLimiter {
    async fn acquire_request(&self, user: Uuid) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Full buckets carry no information: forget them.
            let rpm = f64::from(self.rpm);
            buckets.retain(|_, b| b.tokens < rpm);
        }
        let bucket = buckets.entry(user).or_insert(Bucket {
            tokens: f64::from(self.rpm),
            at: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let rate = f64::from(self.rpm) / 60.0;
            let wait = (1.0 - bucket.tokens) / rate;
            Err(RetryAfter(Duration::from_secs_f64(wait.max(0.001))))
        }
    }

    async fn tokens_used_today(&self, user: Uuid) -> u64 {
        let (day, _) = utc_day();
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.get(&(user, day)).copied().unwrap_or(0)
    }

    async fn add_tokens(&self, user: Uuid, tokens: u64) {
        let (day, _) = utc_day();
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.retain(|(_, d), _| *d >= day);
        *used.entry((user, day)).or_insert(0) += tokens;
    }

    async fn usage(&self, user: Uuid) -> UsageSnapshot {
        let tokens_used_today = self.tokens_used_today(user).await;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let requests_in_window = match buckets.get_mut(&user) {
            Some(bucket) => {
                self.refill(bucket, now);
                (f64::from(self.rpm) - bucket.tokens).ceil().max(0.0) as u32
            }
            None => 0,
        };
        UsageSnapshot {
            tokens_used_today,
            requests_in_window,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_bucket_allows_a_minute_of_requests_then_refuses() {
        let limiter = LocalLimiter::new(3);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for _ in 0..3 {
            limiter.acquire_request(a).await.unwrap();
        }
        let RetryAfter(wait) = limiter.acquire_request(a).await.unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        limiter.acquire_request(b).await.unwrap();
        assert_eq!(limiter.usage(a).await.requests_in_window, 3);
        assert_eq!(limiter.usage(b).await.requests_in_window, 1);
    }

    #[tokio::test]
    async fn tokens_add_up_per_user_and_day() {
        let limiter = LocalLimiter::new(3);
        let a = Uuid::new_v4();
        limiter.add_tokens(a, 10).await;
        limiter.add_tokens(a, 5).await;
        assert_eq!(limiter.tokens_used_today(a).await, 15);
        assert_eq!(limiter.tokens_used_today(Uuid::new_v4()).await, 0);
        let (_, left) = utc_day();
        assert!(left <= Duration::from_secs(86_400));
    }
}
