//! The one error type handlers return. Every error leaves as
//! `{"error": {"code", "message"}}`; details of 5xx failures go to the log,
//! never to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than this server accepts")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests; slow down")]
    RateLimited { retry_after_secs: u64 },
    #[error("{max} answers are already streaming to you; wait for one to finish")]
    TooManyStreams { max: usize, retry_after_secs: u64 },
    #[error("today's AI token budget is used up; it renews at midnight UTC")]
    BudgetExhausted { retry_after_secs: u64 },
    #[error("{0}")]
    AiUnavailable(String),
    /// A failure of the AI service, already phrased for the client (never
    /// the upstream body, the key or the prompt).
    #[error("{message}")]
    Upstream {
        status: StatusCode,
        code: &'static str,
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// A request this server will not send to the model (too large for it,
    /// personal data under `PII_POLICY=block`), phrased for the client.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("AI chat is not configured on this server: set GEMINI_API_KEY")]
    AiNotConfigured,
    #[error("{0} is not available in this version of the proxy")]
    NotImplemented(&'static str),
    #[error("the data store is unavailable; try again shortly")]
    StoreUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code, e.g. `not_found`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

impl AppError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::BudgetExhausted { .. } => (StatusCode::TOO_MANY_REQUESTS, "budget_exhausted"),
            AppError::TooManyStreams { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_streams"),
            AppError::AiUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "ai_unavailable"),
            AppError::Upstream { status, code, .. } | AppError::Refused { status, code, .. } => {
                (*status, code)
            }
            AppError::AiNotConfigured => (StatusCode::SERVICE_UNAVAILABLE, "ai_not_configured"),
            AppError::NotImplemented(_) => (StatusCode::NOT_IMPLEMENTED, "not_implemented"),
            AppError::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    fn client_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                tracing::error!(error = ?self, "request failed");
                "something went wrong on the server; it has been logged".to_owned()
            }
            AppError::StoreUnavailable(detail) => {
                tracing::error!(detail = %detail, "store unavailable");
                self.to_string()
            }
            _ => self.to_string(),
        }
    }
}

/// The envelope for a status and code, used where no `AppError` exists
/// (rejections produced by layers).
pub fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = self.client_message();
        let mut response = envelope(status, code, &message);
        let retry_after = match &self {
            AppError::RateLimited { retry_after_secs }
            | AppError::BudgetExhausted { retry_after_secs }
            | AppError::TooManyStreams {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Upstream {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            let challenge = format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                message.replace(['"', '\\'], "'")
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_str(&challenge)
                    .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
            );
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound => AppError::NotFound("not found".to_owned()),
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            StoreError::Unauthorized(m) => AppError::Unauthorized(m),
            StoreError::Unavailable(m) => AppError::StoreUnavailable(m),
            StoreError::Other(e) => AppError::Internal(e),
        }
    }
}
