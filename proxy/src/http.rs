//! HTTP hardening: request ids, security headers, CORS, and the error
//! envelope for rejections produced outside handlers (404, 405, 408, 413).

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};
use uuid::Uuid;

use crate::config::Config;
use crate::error::envelope;
use crate::request_meta::REQUEST_ID_HEADER;

/// Office.js and its companions come from Microsoft's CDN.
pub const OFFICE_JS_ORIGIN: &str = "https://appsforoffice.microsoft.com";
/// The hosts that frame the task pane in Office on the web.
const OFFICE_FRAME_ANCESTORS: &str = "https://*.office.com https://*.office365.com \
https://*.officeapps.live.com https://*.sharepoint.com https://*.microsoft365.com \
https://*.cloud.microsoft https://*.live.com";

/// The response headers every answer carries.
#[derive(Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    pub fn from_config(config: &Config) -> SecurityHeaders {
        let mut connect = vec!["'self'".to_owned()];
        if let Some(supabase) = &config.supabase {
            connect.push(supabase.url.origin().ascii_serialization());
        }
        // Strict: the pane's own files, Office.js, wasm compiled from its own
        // origin, Fluent UI's runtime styles; no plugins, no foreign frames.
        let csp = format!(
            "default-src 'self'; script-src 'self' {OFFICE_JS_ORIGIN} 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
             connect-src {}; worker-src 'self' blob:; frame-src 'self' {OFFICE_JS_ORIGIN}; \
             object-src 'none'; base-uri 'self'; form-action 'self'; \
             frame-ancestors 'self' {OFFICE_FRAME_ANCESTORS}",
            connect.join(" ")
        );
        let mut headers = vec![
            (
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_str(&csp).expect("CSP is ASCII"),
            ),
            (
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
            ),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("same-site"),
            ),
        ];
        if config.tls.is_some() {
            headers.push((
                HeaderName::from_static("strict-transport-security"),
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            ));
        }
        SecurityHeaders { headers }
    }

    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Keeps a client's `x-request-id` when it is short and plain, else makes
/// one; either way the request, its logs, its audit rows and its response
/// carry it.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let incoming = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        })
        .map(str::to_owned);
    let id = incoming.unwrap_or_else(|| Uuid::new_v4().to_string());
    let value = HeaderValue::from_str(&id).expect("checked above");
    request
        .headers_mut()
        .insert(REQUEST_ID_HEADER, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID_HEADER, value);
    response
}

/// Every API error leaves in the envelope, also those made by layers and
/// the router (unknown route, wrong method, timeout, body too large).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed here"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "request body is larger than this server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send JSON with Content-Type: application/json",
        ),
        s if s.is_server_error() => ("internal", "something went wrong on the server"),
        _ => ("invalid_request", "the request was refused"),
    };
    let (mut parts, _) = response.into_parts();
    let fresh = envelope(status, code, message);
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.remove(CONTENT_TYPE);
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.extend(fresh_parts.headers);
    Response::from_parts(parts, body)
}

pub fn cors(config: &Config) -> Option<CorsLayer> {
    if config.allowed_origins.is_empty() {
        return None;
    }
    let origins = config
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok());
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                CONTENT_TYPE,
                HeaderName::from_static(REQUEST_ID_HEADER),
            ])
            .expose_headers([HeaderName::from_static(REQUEST_ID_HEADER)])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// A panic becomes a logged 500 in the envelope.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a handler panicked");
    envelope(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on the server; it has been logged",
    )
}
