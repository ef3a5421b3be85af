//! Typed configuration from environment variables. A bad value stops
//! start-up with one line naming the variable; secrets never reach a log.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::group_commit::CommitOn;

#[derive(Debug, Clone)]
pub struct Config {
    /// `PROXY_ADDR`: where to listen.
    pub addr: SocketAddr,
    /// `TLS_CERT` + `TLS_KEY`: serve HTTPS with these PEM files.
    pub tls: Option<TlsFiles>,
    /// `DATA_DIR`: the embedded store and local queues live here.
    pub data_dir: PathBuf,
    /// `EMBEDDED_STORE_SYNC`: how durable a commit of the embedded store and
    /// an audit journal line are when they return.
    pub embedded_store_sync: StoreSync,
    /// `ADDIN_DIR`: the built task pane (`addin/dist`).
    pub addin_dir: PathBuf,
    /// `GEMINI_API_KEY`: chat is off without it.
    pub gemini_api_key: Option<SecretString>,
    /// `GEMINI_MODEL`: the model id (`gemini-flash-latest`).
    pub gemini_model: String,
    /// `GEMINI_BASE_URL`: Google's endpoint, or a test server.
    pub gemini_base_url: Url,
    /// `RATE_LIMIT_RPM`: chat requests per user per minute.
    pub rate_limit_rpm: u32,
    /// `DAILY_TOKEN_BUDGET`: tokens per user per UTC day.
    pub daily_token_budget: u64,
    /// `REDIS_URL`: share the limits between proxy instances.
    pub redis_url: Option<SecretString>,
    /// `REDIS_KEY_PREFIX`: prepended to every Redis key (`ledgerlight:`).
    pub redis_key_prefix: String,
    /// `PII_POLICY`: what the outgoing guard does with personal data.
    pub pii_policy: PiiPolicy,
    /// `MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `ALLOWED_ORIGINS`: exact origins allowed by CORS (none by default).
    pub allowed_origins: Vec<String>,
    /// `SUPABASE_URL` + `SUPABASE_ANON_KEY`: store data in Supabase instead
    /// of the embedded store.
    pub supabase: Option<SupabaseConfig>,
    /// How callers are identified.
    pub auth: AuthMode,
    /// `AUDIT_PROMPTS`: also record chat prompts in the audit trail.
    pub audit_prompts: bool,
    /// `REQUEST_TIMEOUT_SECS`: longest time a request may take.
    pub request_timeout: Duration,
    /// `UPSTREAM_TIMEOUT_SECS`: longest time a call to Supabase may take.
    pub upstream_timeout: Duration,
    /// `MAX_STREAMS_PER_USER`: answer streams one user may hold open at once.
    pub max_streams_per_user: usize,
    /// `STREAM_WRITE_TIMEOUT_SECS`: how long an answer waits for a client
    /// that stopped reading before it is given up (stored incomplete).
    pub stream_write_timeout: Duration,
    /// `LOG_FORMAT`: `json` (default) or `text`.
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SupabaseConfig {
    /// The project URL, without a trailing slash.
    pub url: Url,
    /// Sent as `apikey` to PostgREST.
    pub anon_key: SecretString,
    /// `SUPABASE_SERVICE_ROLE_KEY`: used only to write audit events (system
    /// events, and queued events whose user token may have expired).
    pub service_role_key: Option<SecretString>,
}

impl SupabaseConfig {
    /// PostgREST's base URL: `${SUPABASE_URL}/rest/v1`.
    pub fn rest_url(&self) -> String {
        format!("{}/rest/v1", self.url.as_str().trim_end_matches('/'))
    }
}

#[derive(Debug, Clone)]
pub enum AuthMode {
    /// No JWT configuration at all: one local user, loopback only.
    Local,
    /// Bearer JWTs, validated by signature.
    Jwt(Box<JwtConfig>),
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// `SUPABASE_JWT_SECRET`: legacy HS256 tokens.
    pub hs256_secret: Option<SecretString>,
    /// `SUPABASE_JWKS_URL`: ES256 / RS256 signing keys.
    pub jwks_url: Option<Url>,
    /// `JWT_ISSUER`: when known, `iss` must equal it.
    pub issuer: Option<String>,
    /// `ENTRA_JWKS_URL` + `ENTRA_AUDIENCE` (+ `ENTRA_ISSUER`): Office SSO.
    pub entra: Option<EntraConfig>,
}

#[derive(Debug, Clone)]
pub struct EntraConfig {
    pub jwks_url: Url,
    pub audience: String,
    pub issuer: Option<String>,
}

/// `PII_POLICY`: applied by the outgoing guard to everything sent to the
/// model. `block` (default, as the product's privacy promise requires)
/// refuses a request carrying personal data found with high confidence,
/// `mask` replaces it, `allow` sends as is (the add-in has already masked
/// the sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiPolicy {
    Mask,
    Block,
    Allow,
}

impl PiiPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiPolicy::Mask => "mask",
            PiiPolicy::Block => "block",
            PiiPolicy::Allow => "allow",
        }
    }
}

/// `EMBEDDED_STORE_SYNC`: how durable a local write is when it returns —
/// SQLite's `synchronous` for the embedded store (WAL mode) and the audit
/// journal's appends. `normal` (default): a commit is in the WAL, a journal
/// line in its file, when it returns, so it survives the proxy being
/// killed, but the last ones may be lost if the machine loses power or the
/// OS crashes; the WAL is fsync'ed at checkpoints, the journal before its
/// lines are delivered. `full`: every commit and journal append is
/// fsync'ed before it returns (concurrent ones still share one fsync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreSync {
    #[default]
    Normal,
    Full,
}

impl StoreSync {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreSync::Normal => "normal",
            StoreSync::Full => "full",
        }
    }

    /// Where group commits run: `full` waits for the disk on every commit,
    /// `normal` never does (see [`crate::group_commit`]).
    pub fn commit_on(self) -> CommitOn {
        match self {
            StoreSync::Normal => CommitOn::CallerWhenFree,
            StoreSync::Full => CommitOn::BlockingPool,
        }
    }

    fn parse(value: &str) -> Result<StoreSync, ConfigError> {
        match value.to_ascii_lowercase().as_str() {
            "normal" => Ok(StoreSync::Normal),
            "full" => Ok(StoreSync::Full),
            _ => Err(invalid(
                "EMBEDDED_STORE_SYNC",
                format!("\"{value}\" is not normal or full"),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
const DEFAULT_UPSTREAM_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_GEMINI_MODEL: &str = "gemini-flash-latest";
pub const DEFAULT_GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com";
const DEFAULT_RATE_LIMIT_RPM: u64 = 20;
const DEFAULT_DAILY_TOKEN_BUDGET: u64 = 1_000_000;
const DEFAULT_MAX_STREAMS_PER_USER: u64 = 8;
const DEFAULT_STREAM_WRITE_TIMEOUT_SECS: u64 = 30;
/// Supabase's JWT secrets are at least 32 characters; shorter ones are guessable.
const MIN_SECRET_LEN: usize = 32;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch
    /// the process environment. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let addr = get("PROXY_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr: SocketAddr = addr.parse().map_err(|_| {
            invalid(
                "PROXY_ADDR",
                format!("\"{addr}\" is not an address like 127.0.0.1:3000"),
            )
        })?;

        let max_body_bytes = positive(get("MAX_BODY_BYTES"), "MAX_BODY_BYTES", "bytes")?
            .unwrap_or(DEFAULT_MAX_BODY_BYTES as u64) as usize;
        let request_timeout = Duration::from_secs(
            positive(
                get("REQUEST_TIMEOUT_SECS"),
                "REQUEST_TIMEOUT_SECS",
                "seconds",
            )?
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS),
        );
        let upstream_timeout = Duration::from_secs(
            positive(
                get("UPSTREAM_TIMEOUT_SECS"),
                "UPSTREAM_TIMEOUT_SECS",
                "seconds",
            )?
            .unwrap_or(DEFAULT_UPSTREAM_TIMEOUT_SECS),
        );
        let max_streams_per_user = positive(
            get("MAX_STREAMS_PER_USER"),
            "MAX_STREAMS_PER_USER",
            "streams",
        )?
        .unwrap_or(DEFAULT_MAX_STREAMS_PER_USER) as usize;
        let stream_write_timeout = Duration::from_secs(
            positive(
                get("STREAM_WRITE_TIMEOUT_SECS"),
                "STREAM_WRITE_TIMEOUT_SECS",
                "seconds",
            )?
            .unwrap_or(DEFAULT_STREAM_WRITE_TIMEOUT_SECS),
        );

        let tls = match (get("TLS_CERT"), get("TLS_KEY")) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            }),
            (Some(_), None) => {
                return Err(invalid("TLS_KEY", "must be set together with TLS_CERT"));
            }
            (None, Some(_)) => {
                return Err(invalid("TLS_CERT", "must be set together with TLS_KEY"));
            }
        };

        let allowed_origins = match get("ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(parse_origin)
                .collect::<Result<Vec<_>, _>>()?,
        };

        let audit_prompts = match get("AUDIT_PROMPTS").as_deref() {
            None => false,
            Some(v) => parse_bool(v)
                .ok_or_else(|| invalid("AUDIT_PROMPTS", format!("\"{v}\" is not true or false")))?,
        };

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(v) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("\"{v}\" is not json or text"),
                ));
            }
        };

        let gemini_model = get("GEMINI_MODEL").unwrap_or_else(|| DEFAULT_GEMINI_MODEL.to_owned());
        let gemini_model = gemini_model
            .strip_prefix("models/")
            .unwrap_or(&gemini_model)
            .to_owned();
        if gemini_model.is_empty()
            || !gemini_model
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        {
            return Err(invalid(
                "GEMINI_MODEL",
                format!("\"{gemini_model}\" is not a model id like gemini-flash-latest"),
            ));
        }
        let gemini_base_url = parse_url(
            "GEMINI_BASE_URL",
            &get("GEMINI_BASE_URL").unwrap_or_else(|| DEFAULT_GEMINI_BASE_URL.to_owned()),
        )?;
        let gemini_api_key = get("GEMINI_API_KEY");
        if let Some(key) = &gemini_api_key
            && !is_header_safe(key)
        {
            return Err(invalid(
                "GEMINI_API_KEY",
                "contains characters a header cannot carry",
            ));
        }
        let rate_limit_rpm = positive(get("RATE_LIMIT_RPM"), "RATE_LIMIT_RPM", "requests")?
            .unwrap_or(DEFAULT_RATE_LIMIT_RPM) as u32;
        let daily_token_budget = match get("DAILY_TOKEN_BUDGET") {
            None => DEFAULT_DAILY_TOKEN_BUDGET,
            Some(v) => v.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| {
                invalid(
                    "DAILY_TOKEN_BUDGET",
                    format!("\"{v}\" is not a positive number of tokens"),
                )
            })?,
        };
        let redis_url = match get("REDIS_URL") {
            None => None,
            Some(v) => {
                if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
                    return Err(invalid("REDIS_URL", "is not a redis:// or rediss:// URL"));
                }
                Some(SecretString::from(v))
            }
        };
        let pii_policy = match get("PII_POLICY").as_deref().map(str::to_ascii_lowercase) {
            None => PiiPolicy::Block,
            Some(v) => match v.as_str() {
                "mask" => PiiPolicy::Mask,
                "block" => PiiPolicy::Block,
                "allow" => PiiPolicy::Allow,
                _ => {
                    return Err(invalid(
                        "PII_POLICY",
                        format!("\"{v}\" is not mask, block or allow"),
                    ));
                }
            },
        };

        let embedded_store_sync = get("EMBEDDED_STORE_SYNC")
            .map(|v| StoreSync::parse(&v))
            .transpose()?
            .unwrap_or_default();

        let supabase_url = get("SUPABASE_URL")
            .map(|v| parse_url("SUPABASE_URL", &v))
            .transpose()?;
        let supabase = match supabase_url {
            None => None,
            Some(url) => {
                let anon_key = get("SUPABASE_ANON_KEY").ok_or_else(|| {
                    invalid(
                        "SUPABASE_ANON_KEY",
                        "is required with SUPABASE_URL (the project's anon key)",
                    )
                })?;
                if !is_header_safe(&anon_key) {
                    return Err(invalid(
                        "SUPABASE_ANON_KEY",
                        "contains characters a header cannot carry",
                    ));
                }
                let service_role_key = match get("SUPABASE_SERVICE_ROLE_KEY") {
                    None => None,
                    Some(key) if key.is_empty() || !is_header_safe(&key) => {
                        return Err(invalid(
                            "SUPABASE_SERVICE_ROLE_KEY",
                            "is empty or contains characters a header cannot carry",
                        ));
                    }
                    Some(key) => Some(SecretString::from(key)),
                };
                Some(SupabaseConfig {
                    url,
                    anon_key: SecretString::from(anon_key),
                    service_role_key,
                })
            }
        };
        if supabase.is_none() && get("SUPABASE_SERVICE_ROLE_KEY").is_some() {
            return Err(invalid(
                "SUPABASE_SERVICE_ROLE_KEY",
                "is only used with SUPABASE_URL",
            ));
        }
        let base = supabase
            .as_ref()
            .map(|s| s.url.as_str().trim_end_matches('/').to_owned());

        let hs256_secret = match get("SUPABASE_JWT_SECRET") {
            None => None,
            Some(secret) if secret.chars().count() < MIN_SECRET_LEN => {
                return Err(invalid(
                    "SUPABASE_JWT_SECRET",
                    format!("must be at least {MIN_SECRET_LEN} characters"),
                ));
            }
            Some(secret) => Some(SecretString::from(secret)),
        };
        let jwks_url = match get("SUPABASE_JWKS_URL") {
            Some(v) => Some(parse_url("SUPABASE_JWKS_URL", &v)?),
            None => match &base {
                Some(base) => Some(parse_url(
                    "SUPABASE_URL",
                    &format!("{base}/auth/v1/.well-known/jwks.json"),
                )?),
                None => None,
            },
        };
        let issuer = get("JWT_ISSUER").or_else(|| base.as_ref().map(|b| format!("{b}/auth/v1")));

        let entra = match (get("ENTRA_JWKS_URL"), get("ENTRA_AUDIENCE")) {
            (None, None) => None,
            (Some(url), Some(audience)) => Some(EntraConfig {
                jwks_url: parse_url("ENTRA_JWKS_URL", &url)?,
                audience,
                issuer: get("ENTRA_ISSUER"),
            }),
            (Some(_), None) => {
                return Err(invalid(
                    "ENTRA_AUDIENCE",
                    "must be set together with ENTRA_JWKS_URL",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "ENTRA_JWKS_URL",
                    "must be set together with ENTRA_AUDIENCE",
                ));
            }
        };

        let auth = if hs256_secret.is_none() && jwks_url.is_none() && entra.is_none() {
            if get("JWT_ISSUER").is_some() {
                return Err(invalid(
                    "JWT_ISSUER",
                    "has no effect without SUPABASE_JWT_SECRET, SUPABASE_JWKS_URL or SUPABASE_URL",
                ));
            }
            if !addr.ip().is_loopback() {
                return Err(invalid(
                    "PROXY_ADDR",
                    format!(
                        "{addr} is not a loopback address, and serving it without sign-in is refused: \
                         set SUPABASE_URL or SUPABASE_JWT_SECRET, or listen on 127.0.0.1"
                    ),
                ));
            }
            AuthMode::Local
        } else {
            AuthMode::Jwt(Box::new(JwtConfig {
                hs256_secret,
                jwks_url,
                issuer,
                entra,
            }))
        };

        Ok(Config {
            addr,
            tls,
            data_dir: get("DATA_DIR").unwrap_or_else(|| "./data".into()).into(),
            embedded_store_sync,
            addin_dir: get("ADDIN_DIR")
                .unwrap_or_else(|| "./addin/dist".into())
                .into(),
            gemini_api_key: gemini_api_key.map(SecretString::from),
            gemini_model,
            gemini_base_url,
            rate_limit_rpm,
            daily_token_budget,
            redis_url,
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "ledgerlight:".to_owned()),
            pii_policy,
            max_body_bytes,
            allowed_origins,
            supabase,
            auth,
            audit_prompts,
            request_timeout,
            upstream_timeout,
            max_streams_per_user,
            stream_write_timeout,
            log_format,
        })
    }

    pub fn is_local_mode(&self) -> bool {
        matches!(self.auth, AuthMode::Local)
    }
}

impl JwtConfig {
    pub fn hs256_secret_bytes(&self) -> Option<&[u8]> {
        self.hs256_secret
            .as_ref()
            .map(|s| s.expose_secret().as_bytes())
    }
}

fn positive(
    value: Option<String>,
    var: &'static str,
    unit: &str,
) -> Result<Option<u64>, ConfigError> {
    match value {
        None => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0 && n <= u32::MAX as u64)
            .map(Some)
            .ok_or_else(|| invalid(var, format!("\"{v}\" is not a positive number of {unit}"))),
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn is_header_safe(v: &str) -> bool {
    v.bytes().all(|b| (0x21..0x7f).contains(&b))
}

fn parse_url(var: &'static str, v: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(v).map_err(|_| invalid(var, format!("\"{v}\" is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(var, format!("\"{v}\" is not an http(s) URL")));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid(
            var,
            format!("\"{v}\" must not carry credentials, a query or a fragment"),
        ));
    }
    Ok(url)
}

/// An exact origin: `scheme://host[:port]`, nothing else.
fn parse_origin(v: &str) -> Result<String, ConfigError> {
    const VAR: &str = "ALLOWED_ORIGINS";
    if v.contains('*') {
        return Err(invalid(
            VAR,
            format!("\"{v}\": wildcards are refused; list each origin"),
        ));
    }
    let url = Url::parse(v).map_err(|_| invalid(VAR, format!("\"{v}\" is not an origin")))?;
    let origin = url.origin();
    if !origin.is_tuple()
        || !matches!(url.scheme(), "http" | "https")
        || url.path() != "/"
        || v.trim_end_matches('/') != origin.ascii_serialization()
    {
        return Err(invalid(
            VAR,
            format!("\"{v}\" is not an origin like https://example.com[:port]"),
        ));
    }
    Ok(origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    const SECRET: &str = "a-very-long-test-secret-of-32-chars!!";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.addin_dir, PathBuf::from("./addin/dist"));
        assert!(c.gemini_api_key.is_none());
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert!(c.is_local_mode());
        assert!(c.supabase.is_none());
        assert!(c.tls.is_none());
        assert!(c.allowed_origins.is_empty());
        assert!(!c.audit_prompts);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.gemini_model, "gemini-flash-latest");
        assert_eq!(
            c.gemini_base_url.as_str(),
            "https://generativelanguage.googleapis.com/"
        );
        assert_eq!(c.rate_limit_rpm, 20);
        assert_eq!(c.daily_token_budget, 1_000_000);
        assert_eq!(c.max_streams_per_user, 8);
        assert_eq!(c.stream_write_timeout, Duration::from_secs(30));
        assert!(c.redis_url.is_none());
        assert_eq!(c.pii_policy, PiiPolicy::Block);
        assert_eq!(c.embedded_store_sync, StoreSync::Normal);
    }

    #[test]
    fn embedded_store_sync_is_normal_or_full_and_anything_else_is_named() {
        for (value, expected) in [
            ("normal", StoreSync::Normal),
            ("full", StoreSync::Full),
            (" FULL ", StoreSync::Full),
        ] {
            let c = config(&[("EMBEDDED_STORE_SYNC", value)]).unwrap();
            assert_eq!(c.embedded_store_sync, expected, "{value:?}");
        }
        for value in ["off", "extra", "2", "fsync"] {
            let error = config(&[("EMBEDDED_STORE_SYNC", value)]).unwrap_err();
            assert_eq!(error.var, "EMBEDDED_STORE_SYNC");
            assert_eq!(
                error.to_string(),
                format!("invalid EMBEDDED_STORE_SYNC: \"{value}\" is not normal or full")
            );
        }
    }

    #[test]
    fn chat_settings_are_read() {
        let c = config(&[
            ("GEMINI_MODEL", "models/gemini-2.5-pro"),
            ("GEMINI_BASE_URL", "http://127.0.0.1:9999"),
            ("RATE_LIMIT_RPM", "5"),
            ("DAILY_TOKEN_BUDGET", "1000"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
            ("PII_POLICY", "BLOCK"),
            ("MAX_STREAMS_PER_USER", "3"),
            ("STREAM_WRITE_TIMEOUT_SECS", "5"),
        ])
        .unwrap();
        assert_eq!(c.max_streams_per_user, 3);
        assert_eq!(c.stream_write_timeout, Duration::from_secs(5));
        assert_eq!(c.gemini_model, "gemini-2.5-pro");
        assert_eq!(c.gemini_base_url.as_str(), "http://127.0.0.1:9999/");
        assert_eq!(c.rate_limit_rpm, 5);
        assert_eq!(c.daily_token_budget, 1000);
        assert_eq!(
            c.redis_url.unwrap().expose_secret(),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(c.pii_policy, PiiPolicy::Block);
    }

    #[test]
    fn values_are_read_and_blank_means_unset() {
        let c = config(&[
            ("PROXY_ADDR", "0.0.0.0:8080"),
            ("DATA_DIR", "/var/lib/proxy"),
            ("GEMINI_API_KEY", "k-123"),
            ("MAX_BODY_BYTES", "1024"),
            ("ADDIN_DIR", "  "),
            ("SUPABASE_JWT_SECRET", SECRET),
            ("AUDIT_PROMPTS", "true"),
            ("TLS_CERT", "/etc/cert.pem"),
            ("TLS_KEY", "/etc/key.pem"),
            (
                "ALLOWED_ORIGINS",
                "https://localhost:3000, https://excel.example.com",
            ),
        ])
        .unwrap();
        assert_eq!(c.addr.port(), 8080);
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/proxy"));
        assert_eq!(c.gemini_api_key.unwrap().expose_secret(), "k-123");
        assert_eq!(c.max_body_bytes, 1024);
        assert_eq!(c.addin_dir, PathBuf::from("./addin/dist"));
        assert!(c.audit_prompts);
        assert_eq!(
            c.tls,
            Some(TlsFiles {
                cert: "/etc/cert.pem".into(),
                key: "/etc/key.pem".into()
            })
        );
        assert_eq!(
            c.allowed_origins,
            ["https://localhost:3000", "https://excel.example.com"]
        );
        let AuthMode::Jwt(jwt) = c.auth else {
            panic!("a secret configures JWT auth")
        };
        assert_eq!(jwt.hs256_secret_bytes(), Some(SECRET.as_bytes()));
        assert!(jwt.jwks_url.is_none());
        assert!(jwt.issuer.is_none());
    }

    #[test]
    fn supabase_url_derives_jwks_and_issuer() {
        let c = config(&[
            ("SUPABASE_URL", "https://abc.supabase.co/"),
            ("SUPABASE_ANON_KEY", "anon.key.value"),
        ])
        .unwrap();
        let s = c.supabase.unwrap();
        assert_eq!(s.rest_url(), "https://abc.supabase.co/rest/v1");
        assert!(s.service_role_key.is_none());
        let AuthMode::Jwt(jwt) = c.auth else {
            panic!("SUPABASE_URL configures JWT auth")
        };
        assert_eq!(
            jwt.jwks_url.unwrap().as_str(),
            "https://abc.supabase.co/auth/v1/.well-known/jwks.json"
        );
        assert_eq!(
            jwt.issuer.as_deref(),
            Some("https://abc.supabase.co/auth/v1")
        );

        let c = config(&[
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_ANON_KEY", "anon"),
            ("SUPABASE_JWKS_URL", "http://127.0.0.1:9/keys"),
            ("JWT_ISSUER", "https://issuer.example"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service.key.value"),
        ])
        .unwrap();
        let service_key = c.supabase.as_ref().unwrap().service_role_key.as_ref();
        assert_eq!(
            service_key.map(|k| k.expose_secret().to_owned()).as_deref(),
            Some("service.key.value")
        );
        assert!(
            !format!("{c:?}").contains("service.key.value"),
            "never in Debug"
        );
        let AuthMode::Jwt(jwt) = c.auth else { panic!() };
        assert_eq!(jwt.jwks_url.unwrap().as_str(), "http://127.0.0.1:9/keys");
        assert_eq!(jwt.issuer.as_deref(), Some("https://issuer.example"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("PROXY_ADDR", "localhost")]).unwrap_err();
        assert_eq!(e.var, "PROXY_ADDR");
        assert_eq!(
            e.to_string(),
            "invalid PROXY_ADDR: \"localhost\" is not an address like 127.0.0.1:3000"
        );
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("MAX_BODY_BYTES", "0")], "MAX_BODY_BYTES"),
            (&[("MAX_BODY_BYTES", "ten")], "MAX_BODY_BYTES"),
            (&[("REQUEST_TIMEOUT_SECS", "-1")], "REQUEST_TIMEOUT_SECS"),
            (&[("ALLOWED_ORIGINS", "*")], "ALLOWED_ORIGINS"),
            (
                &[("ALLOWED_ORIGINS", "https://*.example.com")],
                "ALLOWED_ORIGINS",
            ),
            (
                &[("ALLOWED_ORIGINS", "https://a.com/path")],
                "ALLOWED_ORIGINS",
            ),
            (&[("ALLOWED_ORIGINS", "example.com")], "ALLOWED_ORIGINS"),
            (&[("AUDIT_PROMPTS", "maybe")], "AUDIT_PROMPTS"),
            (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
            (&[("TLS_CERT", "c.pem")], "TLS_KEY"),
            (&[("TLS_KEY", "k.pem")], "TLS_CERT"),
            (&[("SUPABASE_URL", "abc.supabase.co")], "SUPABASE_URL"),
            (&[("SUPABASE_URL", "ftp://abc.supabase.co")], "SUPABASE_URL"),
            (
                &[("SUPABASE_URL", "https://abc.supabase.co")],
                "SUPABASE_ANON_KEY",
            ),
            (&[("SUPABASE_JWT_SECRET", "short")], "SUPABASE_JWT_SECRET"),
            (
                &[("SUPABASE_SERVICE_ROLE_KEY", "service.key.value")],
                "SUPABASE_SERVICE_ROLE_KEY",
            ),
            (
                &[
                    ("SUPABASE_URL", "https://abc.supabase.co"),
                    ("SUPABASE_ANON_KEY", "anon"),
                    ("SUPABASE_SERVICE_ROLE_KEY", "a\nb"),
                ],
                "SUPABASE_SERVICE_ROLE_KEY",
            ),
            (
                &[
                    ("SUPABASE_JWT_SECRET", SECRET),
                    ("SUPABASE_JWKS_URL", "nope"),
                ],
                "SUPABASE_JWKS_URL",
            ),
            (
                &[("ENTRA_JWKS_URL", "https://login.example/keys")],
                "ENTRA_AUDIENCE",
            ),
            (&[("ENTRA_AUDIENCE", "api://x")], "ENTRA_JWKS_URL"),
            (&[("JWT_ISSUER", "https://x")], "JWT_ISSUER"),
            (&[("GEMINI_MODEL", "a/b c")], "GEMINI_MODEL"),
            (&[("GEMINI_BASE_URL", "nope")], "GEMINI_BASE_URL"),
            (&[("GEMINI_API_KEY", "a\u{1}b")], "GEMINI_API_KEY"),
            (&[("RATE_LIMIT_RPM", "0")], "RATE_LIMIT_RPM"),
            (&[("MAX_STREAMS_PER_USER", "0")], "MAX_STREAMS_PER_USER"),
            (
                &[("STREAM_WRITE_TIMEOUT_SECS", "x")],
                "STREAM_WRITE_TIMEOUT_SECS",
            ),
            (&[("DAILY_TOKEN_BUDGET", "x")], "DAILY_TOKEN_BUDGET"),
            (&[("REDIS_URL", "http://x")], "REDIS_URL"),
            (&[("PII_POLICY", "maybe")], "PII_POLICY"),
        ];
        for (vars, var) in cases {
            let e = config(vars).unwrap_err();
            assert_eq!(e.var, *var, "{vars:?}: {e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn without_auth_only_loopback_is_served() {
        for addr in ["0.0.0.0:3000", "192.168.1.5:3000", "[::]:3000"] {
            let e = config(&[("PROXY_ADDR", addr)]).unwrap_err();
            assert_eq!(e.var, "PROXY_ADDR", "{addr}");
            assert!(e.to_string().contains("loopback"), "{e}");
        }
        for addr in ["127.0.0.1:0", "[::1]:3000"] {
            assert!(config(&[("PROXY_ADDR", addr)]).unwrap().is_local_mode());
        }
        let c = config(&[
            ("PROXY_ADDR", "0.0.0.0:3000"),
            ("SUPABASE_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert!(!c.is_local_mode());
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let c = config(&[
            ("GEMINI_API_KEY", "super-secret-key"),
            ("SUPABASE_JWT_SECRET", SECRET),
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_ANON_KEY", "anon-key-secret"),
        ])
        .unwrap();
        let printed = format!("{c:?}");
        for secret in ["super-secret-key", SECRET, "anon-key-secret"] {
            assert!(!printed.contains(secret), "{secret} leaked");
        }
    }
}
