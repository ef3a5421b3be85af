use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreHealth {
    pub status: &'static str,
    /// `sqlite` or `postgrest`.
    pub store: &'static str,
    /// Audit events waiting for the store.
    pub audit_queue: usize,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(store_health))
}

/// The proxy is up (no auth).
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The store is reachable (no auth); 503 when it is not.
#[utoipa::path(get, path = "/health/store", tag = "health",
    responses((status = 200, body = StoreHealth), (status = 503, body = ErrorBody)))]
async fn store_health(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<StoreHealth>), AppError> {
    state.store.health().await?;
    Ok((
        StatusCode::OK,
        Json(StoreHealth {
            status: "ok",
            store: state.store.kind(),
            audit_queue: state.audit.queued().await,
        }),
    ))
}
