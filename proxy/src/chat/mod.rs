//! The AI chat pipeline, in order: limits → history and stored summary from
//! the store → the engine's PII guard on every caller-supplied text
//! ([`guard`], `PII_POLICY`) → the engine's window over the guarded texts
//! ([`window`]: what is sent, within the model's limit and the request
//! budget) → Gemini → after the answer, a summary of older turns the window
//! dropped ([`summary`]). [`outgoing`] puts the guard and the window
//! together without I/O.

pub mod guard;
pub mod limits;
pub mod outgoing;
pub mod redis_limits;
pub mod streams;
pub mod summary;
pub mod window;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use uuid::Uuid;

use crate::config::{Config, PiiPolicy};
use crate::gemini::{GeminiClient, GeminiError, ModelInfo, RetryPolicy, Timeouts};
use crate::metrics::Metrics;

use self::limits::{Limiter, LocalLimiter};
use self::streams::StreamSlots;

/// The system instruction sent with every question.
pub const SYSTEM_INSTRUCTION: &str = "You are Ledgerlight, an assistant for finance teams working in \
Microsoft Excel. Answer questions about the user's spreadsheet data concisely and precisely. \
Values shown as placeholders such as PERSON_3, EMAIL_1, <EMAIL> or [MASKED] were masked for \
privacy: never guess or reconstruct them. When you compute figures, say how. If the data \
provided is not enough to answer, say what is missing.";

/// Output tokens asked for at most, even when the model allows more.
pub const MAX_OUTPUT_TOKENS: u64 = 8192;

/// Everything chat needs; present in the state whether or not a key is set.
pub struct ChatService {
    /// `None` without `GEMINI_API_KEY`.
    pub client: Option<GeminiClient>,
    pub model: String,
    pub policy: PiiPolicy,
    pub daily_token_budget: u64,
    pub rate_limit_rpm: u32,
    pub audit_prompts: bool,
    pub limiter: Arc<dyn Limiter>,
    /// Open answer streams per user (`MAX_STREAMS_PER_USER`).
    pub streams: Arc<StreamSlots>,
    /// `STREAM_WRITE_TIMEOUT_SECS`.
    pub stream_write_timeout: Duration,
    pub metrics: Metrics,
    info: RwLock<Option<ModelInfo>>,
    fetching: tokio::sync::Mutex<()>,
}

impl ChatService {
    /// What is left of the user's `DAILY_TOKEN_BUDGET` today.
    pub async fn budget_left(&self, user: Uuid) -> u64 {
        let used = self.limiter.tokens_used_today(user).await;
        self.daily_token_budget.saturating_sub(used)
    }

    pub fn from_config(config: &Config, metrics: Metrics) -> anyhow::Result<ChatService> {
        Self::with_client_settings(config, Timeouts::default(), RetryPolicy::default(), metrics)
    }

    pub fn with_client_settings(
        config: &Config,
        timeouts: Timeouts,
        retry: RetryPolicy,
        metrics: Metrics,
    ) -> anyhow::Result<ChatService> {
        let limiter: Arc<dyn Limiter> = match &config.redis_url {
            Some(url) => Arc::new(redis_limits::RedisLimiter::new(
                url,
                &config.redis_key_prefix,
                config.rate_limit_rpm,
                metrics.clone(),
            )?),
            None => Arc::new(LocalLimiter::new(config.rate_limit_rpm)),
        };
        let client = match &config.gemini_api_key {
            Some(key) => Some(GeminiClient::new(
                config.gemini_base_url.as_str(),
                key.clone(),
                timeouts,
                retry,
            )?),
            None => None,
        };
        Ok(ChatService {
            client,
            model: config.gemini_model.clone(),
            policy: config.pii_policy,
            daily_token_budget: config.daily_token_budget,
            rate_limit_rpm: config.rate_limit_rpm,
            audit_prompts: config.audit_prompts,
            limiter,
            streams: StreamSlots::new(config.max_streams_per_user),
            stream_write_timeout: config.stream_write_timeout,
            metrics,
            info: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The model's limits, fetched once and cached; on demand while the
    /// start-up fetch has not succeeded.
    pub async fn model_info(&self) -> Result<ModelInfo, GeminiError> {
        if let Some(info) = *self.info.read().unwrap_or_else(|e| e.into_inner()) {
            return Ok(info);
        }
        let Some(client) = &self.client else {
            return Err(GeminiError::Unreachable);
        };
        let _one_at_a_time = self.fetching.lock().await;
        if let Some(info) = *self.info.read().unwrap_or_else(|e| e.into_inner()) {
            return Ok(info);
        }
        let info = client.model_info(&self.model).await?;
        *self.info.write().unwrap_or_else(|e| e.into_inner()) = Some(info);
        tracing::info!(
            model = %self.model,
            input_token_limit = info.input_token_limit,
            output_token_limit = info.output_token_limit,
            "Gemini model limits cached"
        );
        Ok(info)
    }

    /// At start-up: fetch the model's limits within `limit`; a failure is a
    /// warning, not a reason to stop (chat retries on demand).
    pub async fn warm_up(&self, limit: Duration) {
        if self.client.is_none() {
            return;
        }
        match tokio::time::timeout(limit, self.model_info()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(
                model = %self.model,
                error = %error,
                "could not read the Gemini model's limits; chat answers 503 until they are fetched"
            ),
            Err(_) => tracing::warn!(
                model = %self.model,
                "timed out reading the Gemini model's limits; chat answers 503 until they are fetched"
            ),
        }
    }

    /// Output tokens reserved for an answer.
    pub fn reserved_output(&self, info: &ModelInfo) -> u64 {
        info.output_token_limit.clamp(1, MAX_OUTPUT_TOKENS)
    }
}
