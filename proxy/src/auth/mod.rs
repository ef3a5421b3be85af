//! Who is calling: Bearer JWTs validated by signature, or the one local
//! user when no JWT configuration exists (loopback only, see `config`).
//!
//! Supabase tokens: HS256 with the project's legacy secret, or ES256 /
//! RS256 with a key from the project's JWKS chosen by `kid`. The header's
//! algorithm must be the key's own; `none` and everything else is refused.
//! Then `exp` / `nbf` (30 s leeway), `aud` = `authenticated`, `iss` when an
//! issuer is known, `role` = `authenticated` (the anon and service-role keys
//! are JWTs too, but not users) and `sub` a UUID.

pub mod jwks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{AuditEvent, AuditStatus};
use crate::config::{AuthMode, Config, JwtConfig};
use crate::error::AppError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use jwks::{JwksCache, JwksClient};

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;
/// Longer Authorization values are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The one user of local mode.
pub const LOCAL_USER_ID: Uuid = Uuid::from_u128(0x00000000_0000_4000_8000_000000000001);

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: Uuid,
    pub email: Option<String>,
    /// The validated claims.
    pub claims: Value,
    /// The caller's own token, passed on to PostgREST so RLS applies.
    pub token: Option<SecretString>,
}

impl Caller {
    pub fn local() -> Caller {
        Caller {
            user_id: LOCAL_USER_ID,
            email: Some("local@localhost".to_owned()),
            claims: json!({
                "sub": LOCAL_USER_ID,
                "role": "authenticated",
                "email": "local@localhost",
                "app_metadata": { "provider": "local" },
                "user_metadata": { "full_name": "Local user" }
            }),
            token: None,
        }
    }

    /// Super admins by `app_metadata.role`, which only the service key writes.
    pub fn is_super_admin(&self) -> bool {
        self.claims
            .pointer("/app_metadata/role")
            .and_then(Value::as_str)
            == Some("super_admin")
    }

    /// `user_metadata.full_name`: display data only, never authority.
    pub fn full_name(&self) -> Option<String> {
        self.claims
            .pointer("/user_metadata/full_name")
            .and_then(Value::as_str)
            .map(|s| s.trim().chars().take(200).collect::<String>())
            .filter(|s| !s.is_empty())
    }

    /// `app_metadata.role` when it is a known role, else `user`.
    pub fn role(&self) -> &'static str {
        match self
            .claims
            .pointer("/app_metadata/role")
            .and_then(Value::as_str)
        {
            Some("admin") => "admin",
            Some("super_admin") => "super_admin",
            _ => "user",
        }
    }
}

/// Why a token was refused; the message goes to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

fn refuse(message: impl Into<String>) -> AuthError {
    AuthError(message.into())
}

struct Issuer {
    jwks: Option<Arc<JwksCache>>,
    hs256: Option<DecodingKey>,
    audience: String,
    issuer: Option<String>,
    /// Supabase: `role` must be `authenticated` and `sub` a UUID.
    supabase: bool,
}

/// Validates tokens for the configured issuers.
pub struct Verifier {
    supabase: Issuer,
    entra: Option<Issuer>,
}

impl Verifier {
    pub fn new(config: &JwtConfig, timeout: Duration) -> anyhow::Result<Verifier> {
        let jwks = |url: &reqwest::Url| -> anyhow::Result<Arc<JwksCache>> {
            Ok(Arc::new(JwksCache::new(JwksClient::new(
                url.clone(),
                timeout,
            )?)))
        };
        let supabase = Issuer {
            jwks: config.jwks_url.as_ref().map(jwks).transpose()?,
            hs256: config.hs256_secret_bytes().map(DecodingKey::from_secret),
            audience: "authenticated".to_owned(),
            issuer: config.issuer.clone(),
            supabase: true,
        };
        let entra = config
            .entra
            .as_ref()
            .map(|e| -> anyhow::Result<Issuer> {
                Ok(Issuer {
                    jwks: Some(jwks(&e.jwks_url)?),
                    hs256: None,
                    audience: e.audience.clone(),
                    issuer: e.issuer.clone(),
                    supabase: false,
                })
            })
            .transpose()?;
        Ok(Verifier { supabase, entra })
    }

    /// The Supabase JWKS cache, if any (tests look at its fetch count).
    pub fn supabase_jwks(&self) -> Option<&Arc<JwksCache>> {
        self.supabase.jwks.as_ref()
    }

    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(refuse("token is too large"));
        }
        if token.split('.').count() != 3
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(refuse("token is not a JWT"));
        }
        let header = decode_header(token).map_err(|_| refuse("token header is invalid"))?;
        // Entra tokens are told apart by their audience after verification;
        // try Supabase first, then Entra with its own keys.
        match self.verify_with(&self.supabase, &header, token).await {
            Ok(caller) => Ok(caller),
            Err(first) => match &self.entra {
                Some(entra) if header.alg == Algorithm::RS256 => self
                    .verify_with(entra, &header, token)
                    .await
                    .map_err(|_| first),
                _ => Err(first),
            },
        }
    }

    async fn verify_with(
        &self,
        issuer: &Issuer,
        header: &jsonwebtoken::Header,
        token: &str,
    ) -> Result<Caller, AuthError> {
        let owned;
        let key: &DecodingKey = match header.alg {
            Algorithm::HS256 => issuer
                .hs256
                .as_ref()
                .ok_or_else(|| refuse("HS256 tokens are not accepted here"))?,
            Algorithm::ES256 | Algorithm::RS256 => {
                let jwks = issuer
                    .jwks
                    .as_ref()
                    .ok_or_else(|| refuse("asymmetric tokens are not accepted here"))?;
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| refuse("token has no key id"))?;
                let found = jwks
                    .key(kid)
                    .await
                    .ok_or_else(|| refuse("token is signed with an unknown key"))?;
                if found.algorithm != header.alg {
                    return Err(refuse("token algorithm does not match its key"));
                }
                owned = found.key;
                &owned
            }
            _ => return Err(refuse("token algorithm is not accepted")),
        };

        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_audience(&[issuer.audience.as_str()]);
        let mut required = vec!["exp", "sub", "aud"];
        if let Some(iss) = &issuer.issuer {
            validation.set_issuer(&[iss.as_str()]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);

        let data = decode::<Value>(token, key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            refuse(match e.kind() {
                ErrorKind::ExpiredSignature => "token has expired",
                ErrorKind::ImmatureSignature => "token is not valid yet",
                ErrorKind::InvalidAudience => "token audience is not accepted",
                ErrorKind::InvalidIssuer => "token issuer is not accepted",
                ErrorKind::InvalidSignature => "token signature is invalid",
                ErrorKind::MissingRequiredClaim(_) => "token lacks a required claim",
                ErrorKind::InvalidAlgorithm => "token algorithm is not accepted",
                _ => "token is invalid",
            })
        })?;
        let claims = data.claims;
        if !claims.is_object() {
            return Err(refuse("token claims are invalid"));
        }

        let user_id = if issuer.supabase {
            if claims.get("role").and_then(Value::as_str) != Some("authenticated") {
                return Err(refuse("token is not a user's token"));
            }
            claims
                .get("sub")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| refuse("token subject is not a user id"))?
        } else {
            // Entra ID: the object id is the user's stable GUID.
            claims
                .get("oid")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| refuse("token has no object id"))?
        };
        let email = claims
            .get("email")
            .or_else(|| claims.get("preferred_username"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Caller {
            user_id,
            email,
            claims,
            token: issuer
                .supabase
                .then(|| SecretString::from(token.to_owned())),
        })
    }
}

/// How the proxy authenticates, built once from the configuration.
pub enum Authenticator {
    Local,
    Jwt(Box<Verifier>),
}

impl Authenticator {
    pub fn from_config(config: &Config) -> anyhow::Result<Authenticator> {
        Ok(match &config.auth {
            AuthMode::Local => Authenticator::Local,
            AuthMode::Jwt(jwt) => {
                Authenticator::Jwt(Box::new(Verifier::new(jwt, config.upstream_timeout)?))
            }
        })
    }
}

fn bearer(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| refuse("a Bearer token is required"))?;
    bearer_token(value)
}

/// The token of an `Authorization: Bearer <token>` value. Public only for
/// the fuzz targets (`fuzz/entry`).
#[doc(hidden)]
pub fn bearer_token(value: &HeaderValue) -> Result<&str, AuthError> {
    if value.len() > MAX_TOKEN_BYTES + 16 {
        return Err(refuse("token is too large"));
    }
    let value = value
        .to_str()
        .map_err(|_| refuse("Authorization header is invalid"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| refuse("Authorization must be `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(refuse("Authorization must be `Bearer <token>`"));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let verifier = match state.auth.as_ref() {
            Authenticator::Local => return Ok(Caller::local()),
            Authenticator::Jwt(verifier) => verifier,
        };
        let outcome = match bearer(parts) {
            Ok(token) => verifier.verify(token).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(caller) => {
                parts.extensions.insert(caller.clone());
                Ok(caller)
            }
            Err(AuthError(reason)) => {
                state.metrics.auth_failure();
                let meta = RequestMeta::from_parts(parts);
                tracing::warn!(reason = %reason, request_id = %meta.request_id, "authentication failed");
                state
                    .audit
                    .record_system(
                        AuditEvent::new("auth.failure")
                            .status(AuditStatus::Denied)
                            .details(json!({ "reason": reason, "path": parts.uri.path() })),
                        &meta,
                    )
                    .await;
                Err(AppError::Unauthorized(reason))
            }
        }
    }
}
