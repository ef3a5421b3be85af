use std::sync::Arc;

use anyhow::Context;

use crate::audit::Auditor;
use crate::auth::Authenticator;
use crate::chat::ChatService;
use crate::config::Config;
use crate::gemini::{RetryPolicy, Timeouts};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::postgrest::PostgrestStore;
use crate::store::sqlite::SqliteStore;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub auth: Arc<Authenticator>,
    pub store: Arc<dyn Store>,
    pub audit: Arc<Auditor>,
    pub metrics: Metrics,
    pub chat: Arc<ChatService>,
}

impl AppState {
    /// Opens the store (Supabase when `SUPABASE_URL` is set, else the
    /// embedded one in `DATA_DIR`) and the audit journal. Inside a Tokio
    /// runtime this also starts the audit delivery worker.
    pub fn new(config: Config) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create DATA_DIR {}", config.data_dir.display()))?;
        let store: Arc<dyn Store> = match &config.supabase {
            Some(supabase) => Arc::new(PostgrestStore::new(supabase, config.upstream_timeout)),
            None => Arc::new(SqliteStore::open_with_sync(
                &config.data_dir,
                config.embedded_store_sync,
            )?),
        };
        Self::with_store(config, store)
    }

    /// The same with a given store (tests use it).
    pub fn with_store(config: Config, store: Arc<dyn Store>) -> anyhow::Result<AppState> {
        let metrics = Metrics::new();
        let chat = ChatService::from_config(&config, metrics.clone())?;
        Self::with_parts(config, store, chat, metrics)
    }

    /// The embedded or Supabase store, with the Gemini client's timeouts and
    /// retries given (tests shorten them).
    pub fn with_gemini_settings(
        config: Config,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> anyhow::Result<AppState> {
        let state = AppState::new(config.clone())?;
        let chat =
            ChatService::with_client_settings(&config, timeouts, retry, state.metrics.clone())?;
        Ok(AppState {
            chat: Arc::new(chat),
            ..state
        })
    }

    fn with_parts(
        config: Config,
        store: Arc<dyn Store>,
        chat: ChatService,
        metrics: Metrics,
    ) -> anyhow::Result<AppState> {
        let auth = Arc::new(Authenticator::from_config(&config)?);
        let audit = Arc::new(Auditor::open_with_sync(
            &config.data_dir,
            store.clone(),
            metrics.clone(),
            config.embedded_store_sync,
        )?);
        audit.spawn_worker();
        Ok(AppState {
            config: Arc::new(config),
            auth,
            store,
            audit,
            metrics,
            chat: Arc::new(chat),
        })
    }
}
