//! Building and running the service.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::routes;
use crate::state::AppState;
use crate::static_files;

/// A bound, ready-to-run proxy.
pub struct App {
    listener: TcpListener,
    router: Router,
}

impl App {
    /// Prepares the data directory and binds the listener (port 0 picks a
    /// free port, which tests use).
    pub async fn build(config: Config) -> anyhow::Result<App> {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("cannot create DATA_DIR {}", config.data_dir.display()))?;
        if !config.addin_dir.join("index.html").is_file() {
            tracing::warn!(
                dir = %config.addin_dir.display(),
                "the task pane is not built here; run `make run` or set ADDIN_DIR"
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on PROXY_ADDR {}", config.addr))?;
        let router = router(AppState::new(config));
        Ok(App { listener, router })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.local_addr()?, "proxy listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// The whole HTTP surface: API routes first, then the task pane's files.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let api = Router::new()
        .merge(routes::health::routes())
        .merge(routes::chat::routes())
        .with_state(state.clone());
    api.merge(static_files::routes(&state.config.addin_dir))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

/// Resolves on Ctrl-C or SIGTERM, letting in-flight requests finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
