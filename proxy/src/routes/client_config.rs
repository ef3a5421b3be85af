//! What the task pane needs to know about this deployment before anyone
//! signs in: how users authenticate and whether the AI is configured.
//!
//! Only public values leave here. The Supabase anon key is public by design
//! (every Supabase web client ships it; RLS protects the data), so the pane
//! can sign users in without the operator copying it into each pane's
//! settings. The service-role key, the JWT secret and the Gemini key never
//! appear.

use axum::Json;
use axum::extract::State;
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::AuthMode;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AuthInfo {
    /// No JWT configuration: one local user, no sign-in (loopback only).
    Local,
    /// Supabase Auth: the pane signs in with these.
    Supabase {
        supabase_url: String,
        anon_key: String,
    },
    /// Tokens are verified (a JWT secret or JWKS) but no Supabase project
    /// URL is configured, so the pane cannot offer sign-in itself.
    External,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiInfo {
    /// False when `GEMINI_API_KEY` is not set (chat answers 503).
    pub configured: bool,
    pub model: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientConfig {
    pub version: &'static str,
    pub auth: AuthInfo,
    /// Microsoft Entra ID single sign-on is accepted as well.
    pub entra_sign_in: bool,
    pub ai: AiInfo,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(client_config))
}

/// Public deployment settings for the task pane (no auth).
#[utoipa::path(get, path = "/api/v1/config", tag = "config",
    responses((status = 200, body = ClientConfig)))]
async fn client_config(State(state): State<AppState>) -> Json<ClientConfig> {
    let config = &state.config;
    let auth = if config.is_local_mode() {
        AuthInfo::Local
    } else if let Some(supabase) = &config.supabase {
        AuthInfo::Supabase {
            supabase_url: supabase.url.as_str().trim_end_matches('/').to_owned(),
            anon_key: supabase.anon_key.expose_secret().to_owned(),
        }
    } else {
        AuthInfo::External
    };
    Json(ClientConfig {
        version: env!("CARGO_PKG_VERSION"),
        auth,
        entra_sign_in: matches!(&config.auth, AuthMode::Jwt(jwt) if jwt.entra.is_some()),
        ai: AiInfo {
            configured: config.gemini_api_key.is_some(),
            model: config.gemini_model.clone(),
        },
    })
}
