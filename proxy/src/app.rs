//! Building and running the service.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::error::AppError;
use crate::http::{self as hardening, SecurityHeaders};
use crate::request_meta::REQUEST_ID_HEADER;
use crate::state::AppState;
use crate::{metrics, routes, static_files, tls};

/// A bound, ready-to-run proxy.
pub struct App {
    listener: TcpListener,
    router: Router,
    tls: Option<tls::Acceptor>,
}

impl App {
    /// Prepares the data directory and the store, binds the listener (port 0
    /// picks a free port, which tests use).
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let state = AppState::new(config.clone())?;
        App::with_state(config, state).await
    }

    /// The same with a prepared state (tests shorten the Gemini client's
    /// timeouts this way).
    pub async fn with_state(config: Config, state: AppState) -> anyhow::Result<App> {
        if !config.addin_dir.join("index.html").is_file() {
            tracing::warn!(
                dir = %config.addin_dir.display(),
                "the task pane is not built here; run `make run` or set ADDIN_DIR"
            );
        }
        let tls = match &config.tls {
            Some(files) => Some(tls::Acceptor::from_files(files)?),
            None => None,
        };
        if config.is_local_mode() {
            tracing::warn!(
                "no JWT configuration: serving one local user without sign-in (loopback only); \
                 set SUPABASE_URL or SUPABASE_JWT_SECRET for real users"
            );
        }
        if config.supabase.is_none() {
            tracing::info!(
                store = state.store.kind(),
                sync = config.embedded_store_sync.as_str(),
                "store ready"
            );
        } else {
            tracing::info!(store = state.store.kind(), "store ready");
        }
        // Read the model's token limits now; failing to is not fatal.
        state.chat.warm_up(config.upstream_timeout).await;
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on PROXY_ADDR {}", config.addr))?;
        let router = router(state);
        Ok(App {
            listener,
            router,
            tls,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets open requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let addr = self.local_addr()?;
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        tracing::info!(addr = %addr, scheme, "proxy listening");
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            None => {
                use axum::serve::ListenerExt;
                // SSE sends many small writes: without TCP_NODELAY, Nagle's
                // algorithm holds each behind the client's delayed ACK
                // (~40 ms a stall). The TLS listener sets it before the
                // handshake.
                let listener = self.listener.tap_io(|tcp| {
                    if let Err(error) = tcp.set_nodelay(true) {
                        tracing::debug!(%error, "cannot set TCP_NODELAY");
                    }
                });
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Some(acceptor) => {
                use axum::serve::ListenerExt;
                // The no-op tap gives the TLS listener axum's ConnectInfo
                // implementation for TapIo (it sets TCP_NODELAY itself).
                let listener = tls::TlsListener::new(self.listener, acceptor).tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ledgerlight proxy",
        description = "The task pane's only server. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::routes())
        .merge(routes::client_config::routes())
        .merge(routes::me::routes())
        .merge(routes::sheets::routes())
        .merge(routes::conversations::routes())
        .merge(routes::audit::routes())
        .merge(routes::chat::routes())
}

async fn no_such_endpoint() -> AppError {
    AppError::NotFound("no such endpoint".into())
}

/// The whole HTTP surface: API routes first, then the task pane's files.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let (api, doc) = api_routes().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    let metrics_state = state.metrics.clone();
    let api = api
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route(
            "/metrics",
            get(move || metrics::render(axum::extract::State(metrics_state.clone()))),
        )
        .route("/api/{*rest}", any(no_such_endpoint))
        .route_layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(middleware::from_fn(hardening::json_errors));

    let security = SecurityHeaders::from_config(&config);
    let mut app = api
        .merge(static_files::routes(&config.addin_dir))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let security = security.clone();
            async move {
                let mut response: Response = next.run(request).await;
                security.apply(response.headers_mut());
                response
            }
        }));
    if let Some(cors) = hardening::cors(&config) {
        app = app.layer(cors);
    }
    app.layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let request_id = request
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!(
                "request",
                method = %request.method(),
                path = %request.uri().path(),
                request_id = %request_id,
            )
        }),
    )
    .layer(middleware::from_fn(hardening::request_id))
    .layer(CatchPanicLayer::custom(hardening::panic_response))
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
