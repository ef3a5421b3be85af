//! Prometheus metrics, served at `/metrics`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    auth_failures: Counter,
    audit_events: Family<ActionLabels, Counter>,
    audit_queue: Gauge,
    audit_deliveries: Counter,
    limit_fallbacks: Counter,
    ai_queries: Family<StatusLabels, Counter>,
    chat_summaries: Family<StatusLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("proxy");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.001, 2.5, 12))) as fn() -> Histogram,
        );
        let auth_failures = Counter::default();
        let audit_events = Family::<ActionLabels, Counter>::default();
        let audit_queue = Gauge::default();
        let audit_deliveries = Counter::default();
        let limit_fallbacks = Counter::default();
        let ai_queries = Family::<StatusLabels, Counter>::default();
        let chat_summaries = Family::<StatusLabels, Counter>::default();
        registry.register(
            "chat_summaries",
            "Summaries of older chat turns by outcome (stored, failed)",
            chat_summaries.clone(),
        );
        registry.register(
            "limits_redis_fallback",
            "Limit checks answered locally because Redis was unreachable",
            limit_fallbacks.clone(),
        );
        registry.register(
            "ai_queries",
            "AI chat queries by outcome",
            ai_queries.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            durations.clone(),
        );
        registry.register(
            "auth_failures",
            "Refused credentials",
            auth_failures.clone(),
        );
        registry.register(
            "audit_events",
            "Audit events recorded",
            audit_events.clone(),
        );
        registry.register(
            "audit_queue_depth",
            "Audit events waiting for the store",
            audit_queue.clone(),
        );
        registry.register(
            "audit_deliveries",
            "Writes of queued audit events to the store (each carries a batch)",
            audit_deliveries.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                durations,
                auth_failures,
                audit_events,
                audit_queue,
                audit_deliveries,
                limit_fallbacks,
                ai_queries,
                chat_summaries,
            }),
        }
    }

    pub fn auth_failure(&self) {
        self.inner.auth_failures.inc();
    }

    pub fn audit_event(&self, action: &str) {
        self.inner
            .audit_events
            .get_or_create(&ActionLabels {
                action: action.to_owned(),
            })
            .inc();
    }

    pub fn limit_fallback(&self) {
        self.inner.limit_fallbacks.inc();
    }

    /// `complete`, `incomplete` or `failed`.
    pub fn ai_query(&self, status: &str) {
        self.inner
            .ai_queries
            .get_or_create(&StatusLabels {
                status: status.to_owned(),
            })
            .inc();
    }

    /// `stored` or `failed`.
    pub fn chat_summary(&self, status: &str) {
        self.inner
            .chat_summaries
            .get_or_create(&StatusLabels {
                status: status.to_owned(),
            })
            .inc();
    }

    pub fn audit_queue_depth(&self, depth: usize) {
        self.inner.audit_queue.set(depth as i64);
    }

    pub fn audit_delivery(&self) {
        self.inner.audit_deliveries.inc();
    }

    /// Audit deliveries so far (what `audit_deliveries_total` reports).
    pub fn audit_deliveries(&self) -> u64 {
        self.inner.audit_deliveries.get()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }
}

/// Counts and times every request by its route pattern (never the raw
/// path, which would let clients create unbounded series).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "other".to_owned());
    let response = next.run(request).await;
    let inner = &metrics.inner;
    inner
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    inner
        .durations
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(metrics): State<Metrics>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
}
