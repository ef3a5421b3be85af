//! The one error type handlers return. Every error leaves as
//! `{"error": {"code", "message"}}`; details of 5xx failures go to the log,
//! never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("AI chat is not configured on this server: set GEMINI_API_KEY")]
    AiNotConfigured,
    #[error("{0} is not available in this version of the proxy")]
    NotImplemented(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::AiNotConfigured => (StatusCode::SERVICE_UNAVAILABLE, "ai_not_configured"),
            AppError::NotImplemented(_) => (StatusCode::NOT_IMPLEMENTED, "not_implemented"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error()
            && !matches!(
                self,
                AppError::AiNotConfigured | AppError::NotImplemented(_)
            ) {
            tracing::error!(error = ?self, "request failed");
            "something went wrong on the server; it has been logged".to_owned()
        } else {
            self.to_string()
        };
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
    }
}
