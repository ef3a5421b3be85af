//! A Supabase Auth (GoTrue) stand-in speaking the documented wire format of
//! the endpoints the task pane (supabase-js) and the tests use, issuing
//! HS256 access tokens with the claims GoTrue puts in them, so the real
//! proxy (and the PostgREST stand-in) validate them as they would
//! Supabase's. Routes are under `/auth/v1`:
//!
//! - `POST /token?grant_type=password` `{email, password}` and
//!   `?grant_type=refresh_token` `{refresh_token}` → a session
//!   `{access_token, token_type: "bearer", expires_in, expires_at,
//!   refresh_token, user}`. Refresh tokens rotate: each is used once; a
//!   used one presented again within the reuse interval (10 s, GoTrue's
//!   default) answers the session's current refresh token, later it is
//!   refused (`refresh_token_already_used`).
//! - `POST /otp` `{email, create_user}` → `{}`, and a 6-digit code "emailed"
//!   (kept in the mailbox, see [`Auth::mail`]); each new code replaces the
//!   last. Unknown addresses without `create_user` → 422 `otp_disabled`.
//! - `POST /verify` `{email, token, type}` → a session for the latest code,
//!   used once, valid one hour; otherwise 403 `otp_expired`.
//! - `GET /user` (Bearer access token) → the user.
//! - `POST /logout?scope=local|global|others` (Bearer) → 204, ending the
//!   session (its refresh tokens stop working).
//! - `POST /admin/users` (Bearer service-role key) `{email, password,
//!   email_confirm, user_metadata, app_metadata}` → the user: how tests
//!   create accounts, as with a real project.
//! - `GET /.well-known/jwks.json` → `{"keys": []}`: a project on the legacy
//!   JWT secret publishes no asymmetric keys.
//!
//! Every call needs the project's `apikey` (401 otherwise, like Supabase's
//! gateway). Errors are GoTrue's API-version 2024-01-01 form `{"code":
//! "<error_code>", "msg"}` with the `X-Supabase-Api-Version: 2024-01-01`
//! header. With a database ([`Auth::with_db`]) users are also inserted
//! into `auth.users` the way GoTrue does, so the profile trigger runs and
//! the proxy's data in PostgREST belongs to a real user row.
//! CORS is open, as on Supabase: the pane calls it from its own origin.

// Errors here are finished HTTP responses of a test server: their size
// does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use tower_http::cors::{AllowHeaders, Any, CorsLayer};
use uuid::Uuid;

use crate::harness::TestDb;
use crate::postgrest::StandIn;
use crate::supabase::{JWT_SECRET, anon_key, service_role_key};

/// A Supabase project on one origin, as `SUPABASE_URL` is on Supabase: this
/// Auth stand-in under `/auth/v1` beside the PostgREST stand-in under
/// `/rest/v1`, over a scratch database with every migration. The
/// `supabase-standin` binary serves one; Rust tests start their own.
pub struct Project {
    pub url: String,
    pub anon_key: String,
    pub service_key: String,
    pub auth: Arc<Auth>,
    pub rest: StandIn,
    pub db: Arc<TestDb>,
}

impl Project {
    /// Serves on `listener`; access tokens live `access_ttl` (changeable later).
    pub async fn start(listener: tokio::net::TcpListener, access_ttl: Duration) -> Project {
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let db = Arc::new(TestDb::new().await);
        let (anon, service) = (anon_key(), service_role_key());
        let auth =
            Arc::new(Auth::new(&url, JWT_SECRET, &anon, &service, access_ttl).with_db(db.clone()));
        let rest = StandIn::serve(&db, JWT_SECRET, &anon, listener, auth.router()).await;
        Project {
            url,
            anon_key: anon,
            service_key: service,
            auth,
            rest,
            db,
        }
    }

    /// What the proxy needs to use this project for sign-in and storage.
    pub fn proxy_env(&self) -> Vec<(String, String)> {
        vec![
            ("SUPABASE_URL".into(), self.url.clone()),
            ("SUPABASE_ANON_KEY".into(), self.anon_key.clone()),
            ("SUPABASE_SERVICE_ROLE_KEY".into(), self.service_key.clone()),
            ("SUPABASE_JWT_SECRET".into(), JWT_SECRET.into()),
        ]
    }
}

/// GoTrue's `GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL` default.
pub const REUSE_INTERVAL: Duration = Duration::from_secs(10);
/// How long an emailed code is valid (GoTrue's `GOTRUE_MAILER_OTP_EXP` default).
pub const OTP_VALIDITY: Duration = Duration::from_secs(3600);
const API_VERSION: &str = "2024-01-01";

/// One email the stand-in "sent".
#[derive(Clone, Debug, serde::Serialize)]
pub struct Mail {
    pub to: String,
    /// `magiclink` (a sign-in code).
    pub kind: String,
    pub code: String,
}

/// A grant the stand-in answered, for tests to check which tokens came from where.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Grant {
    /// `password`, `refresh_token` or `otp`.
    pub grant: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub session_id: Uuid,
}

#[derive(Clone)]
struct User {
    id: Uuid,
    email: String,
    password: Option<String>,
    user_metadata: Value,
    app_metadata: Value,
    created_at: String,
}

struct RefreshToken {
    session_id: Uuid,
    user_email: String,
    /// When it was used (rotated); `None` while it is the session's current one.
    used: Option<Instant>,
    /// The token that replaced it.
    child: Option<String>,
}

struct Code {
    code: String,
    sent: Instant,
}

#[derive(Default)]
struct Data {
    users: HashMap<String, User>,
    refresh_tokens: HashMap<String, RefreshToken>,
    /// Live sessions, and how the user signed in (`amr`).
    sessions: HashMap<Uuid, String>,
    codes: HashMap<String, Code>,
    mail: Vec<Mail>,
    grants: Vec<Grant>,
    refused: Vec<String>,
}

/// The stand-in's state; [`Auth::router`] serves it.
pub struct Auth {
    /// The project URL: tokens' `iss` is `{url}/auth/v1`.
    url: String,
    secret: String,
    anon_key: String,
    service_key: String,
    /// Seconds an access token lives; tests shorten it to see refreshes.
    access_ttl: AtomicU64,
    db: Option<Arc<TestDb>>,
    data: Mutex<Data>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn rfc3339_now() -> String {
    // GoTrue's timestamps are RFC 3339; the second is precise enough here.
    let secs = now_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// GoTrue's error answer for API version 2024-01-01.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(
            HeaderName::from_static("x-supabase-api-version"),
            HeaderValue::from_static(API_VERSION),
        )],
        axum::Json(json!({ "code": code, "msg": message })),
    )
        .into_response()
}

fn ok(body: Value) -> Response {
    (
        [(
            HeaderName::from_static("x-supabase-api-version"),
            HeaderValue::from_static(API_VERSION),
        )],
        axum::Json(body),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
}

fn json_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "bad_json",
                "Could not parse request body as JSON",
            )
        })
}

fn string_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn new_refresh_token() -> String {
    // GoTrue's refresh tokens are opaque random strings.
    Uuid::new_v4().simple().to_string()
}

fn new_code() -> String {
    let n = u128::from_le_bytes(*Uuid::new_v4().as_bytes()) % 1_000_000;
    format!("{n:06}")
}

impl Auth {
    /// A stand-in for the project at `url` (`SUPABASE_URL`), signing with
    /// the legacy JWT `secret`; `anon_key` and `service_key` are the
    /// project's API keys.
    pub fn new(
        url: &str,
        secret: &str,
        anon_key: &str,
        service_key: &str,
        access_ttl: Duration,
    ) -> Auth {
        Auth {
            url: url.trim_end_matches('/').to_owned(),
            secret: secret.to_owned(),
            anon_key: anon_key.to_owned(),
            service_key: service_key.to_owned(),
            access_ttl: AtomicU64::new(access_ttl.as_secs().max(1)),
            db: None,
            data: Mutex::new(Data::default()),
        }
    }

    /// Users are also inserted into this database's `auth.users`.
    pub fn with_db(mut self, db: Arc<TestDb>) -> Auth {
        self.db = Some(db);
        self
    }

    /// How long the access tokens issued from now on live.
    pub fn set_access_ttl(&self, ttl: Duration) {
        self.access_ttl
            .store(ttl.as_secs().max(1), Ordering::SeqCst);
    }

    fn access_ttl(&self) -> u64 {
        self.access_ttl.load(Ordering::SeqCst)
    }

    pub fn issuer(&self) -> String {
        format!("{}/auth/v1", self.url)
    }

    /// The emails sent so far, oldest first.
    pub fn mail(&self) -> Vec<Mail> {
        self.data.lock().unwrap().mail.clone()
    }

    /// The grants answered so far, oldest first.
    pub fn grants(&self) -> Vec<Grant> {
        self.data.lock().unwrap().grants.clone()
    }

    /// The error codes answered so far (`invalid_credentials`, …).
    pub fn refused(&self) -> Vec<String> {
        self.data.lock().unwrap().refused.clone()
    }

    /// The routes under `/auth/v1`, with open CORS like Supabase's.
    pub fn router(self: &Arc<Self>) -> Router {
        let cors = CorsLayer::new()
            .allow_origin(Any)
            .allow_methods(Any)
            // `*` does not cover Authorization (Fetch spec): echo what is asked.
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers([HeaderName::from_static("x-supabase-api-version")]);
        Router::new()
            .route("/auth/v1/token", post(token))
            .route("/auth/v1/otp", post(otp))
            .route("/auth/v1/verify", post(verify))
            .route("/auth/v1/user", get(user))
            .route("/auth/v1/logout", post(logout))
            .route("/auth/v1/admin/users", post(admin_create_user))
            .route("/auth/v1/.well-known/jwks.json", get(jwks))
            .with_state(self.clone())
            .layer(cors)
    }

    /// The test-only mailbox and grant log, served apart from the project
    /// (like Supabase's local Inbucket): `GET /mail` → `[{to, kind, code}]`,
    /// `GET /grants` → `[{grant, email, access_token, refresh_token,
    /// session_id}]`, `GET /refused` → the error codes answered; `POST
    /// /access-ttl {"seconds": n}` sets how long the next access tokens live.
    pub fn control_router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(
                "/mail",
                get(|State(auth): State<Arc<Auth>>| async move { axum::Json(auth.mail()) }),
            )
            .route(
                "/grants",
                get(|State(auth): State<Arc<Auth>>| async move { axum::Json(auth.grants()) }),
            )
            .route(
                "/refused",
                get(|State(auth): State<Arc<Auth>>| async move { axum::Json(auth.refused()) }),
            )
            .route("/access-ttl", post(control_access_ttl))
            .with_state(self.clone())
    }

    fn refuse(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.data.lock().unwrap().refused.push(code.to_owned());
        error(status, code, message)
    }

    fn check_apikey(&self, headers: &HeaderMap) -> Result<(), Response> {
        match headers.get("apikey").and_then(|v| v.to_str().ok()) {
            Some(key) if key == self.anon_key || key == self.service_key => Ok(()),
            // Supabase's gateway answers this before GoTrue sees the request.
            _ => Err((
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({ "message": "Invalid API key" })),
            )
                .into_response()),
        }
    }

    fn user_json(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": user.email,
            "email_confirmed_at": user.created_at,
            "phone": "",
            "confirmed_at": user.created_at,
            "last_sign_in_at": rfc3339_now(),
            "app_metadata": user.app_metadata,
            "user_metadata": user.user_metadata,
            "identities": [],
            "created_at": user.created_at,
            "updated_at": user.created_at,
            "is_anonymous": false
        })
    }

    fn access_token(&self, user: &User, session_id: Uuid, method: &str) -> (String, u64) {
        let iat = now_secs();
        let exp = iat + self.access_ttl();
        let claims = json!({
            "iss": self.issuer(),
            "sub": user.id,
            "aud": "authenticated",
            "exp": exp,
            "iat": iat,
            "email": user.email,
            "phone": "",
            "app_metadata": user.app_metadata,
            "user_metadata": user.user_metadata,
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{ "method": method, "timestamp": iat }],
            "session_id": session_id,
            "is_anonymous": false
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .expect("HS256 signing cannot fail");
        (token, exp)
    }

    /// A session answer for `user`: a new session when `session` is None.
    fn session(
        &self,
        data: &mut Data,
        user: &User,
        grant: &str,
        session: Option<Uuid>,
        refresh_token: String,
    ) -> Value {
        let session_id = session.unwrap_or_else(Uuid::new_v4);
        let method = data
            .sessions
            .entry(session_id)
            .or_insert_with(|| grant.to_owned())
            .clone();
        data.refresh_tokens
            .entry(refresh_token.clone())
            .or_insert(RefreshToken {
                session_id,
                user_email: user.email.clone(),
                used: None,
                child: None,
            });
        let (access_token, expires_at) = self.access_token(user, session_id, &method);
        data.grants.push(Grant {
            grant: grant.to_owned(),
            email: user.email.clone(),
            access_token: access_token.clone(),
            refresh_token: refresh_token.clone(),
            session_id,
        });
        json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": self.access_ttl(),
            "expires_at": expires_at,
            "refresh_token": refresh_token,
            "user": self.user_json(user)
        })
    }

    /// The claims of a valid access token of a live session.
    fn authenticated(&self, headers: &HeaderMap) -> Result<(User, Uuid), Response> {
        let Some(token) = bearer(headers) else {
            return Err(self.refuse(
                StatusCode::UNAUTHORIZED,
                "no_authorization",
                "This endpoint requires a Bearer token",
            ));
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["authenticated"]);
        validation.set_issuer(&[self.issuer()]);
        validation.leeway = 0;
        let claims = match jsonwebtoken::decode::<Value>(
            token,
            &DecodingKey::from_secret(self.secret.as_bytes()),
            &validation,
        ) {
            Ok(data) => data.claims,
            Err(e) => {
                return Err(self.refuse(
                    StatusCode::FORBIDDEN,
                    "bad_jwt",
                    &format!("invalid JWT: unable to parse or verify signature, {e}"),
                ));
            }
        };
        let session_id = claims
            .get("session_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        let email = claims.get("email").and_then(Value::as_str).unwrap_or("");
        let data = self.data.lock().unwrap();
        match (session_id, data.users.get(email)) {
            (Some(session_id), Some(user)) if data.sessions.contains_key(&session_id) => {
                Ok((user.clone(), session_id))
            }
            _ => {
                drop(data);
                Err(self.refuse(
                    StatusCode::FORBIDDEN,
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                ))
            }
        }
    }

    async fn create_user(&self, body: &Value) -> Result<User, Response> {
        let Some(email) = string_field(body, "email").map(str::to_lowercase) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "An email address is required",
            ));
        };
        if self.data.lock().unwrap().users.contains_key(&email) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "email_exists",
                "A user with this email address has already been registered",
            ));
        }
        let user_metadata = body.get("user_metadata").cloned().unwrap_or(json!({}));
        let extra = body.get("app_metadata").cloned().unwrap_or(json!({}));
        let (id, app_metadata) = match &self.db {
            Some(db) => {
                // GoTrue's own insert into auth.users fires the profile trigger.
                // The harness panics on a failed insert: its own task turns
                // that into a 500 instead of a dropped connection.
                let (db, address, metadata) = (db.clone(), email.clone(), user_metadata.clone());
                let user =
                    tokio::spawn(
                        async move { db.sign_up_with(Some(&address), metadata, extra).await },
                    )
                    .await
                    .map_err(|e| {
                        error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "unexpected_failure",
                            &format!("Database error creating new user: {e}"),
                        )
                    })?;
                (user.id, user.app_metadata)
            }
            None => {
                let mut app_metadata = json!({ "provider": "email", "providers": ["email"] });
                if let (Some(base), Some(extra)) = (app_metadata.as_object_mut(), extra.as_object())
                {
                    base.extend(extra.clone());
                }
                (Uuid::new_v4(), app_metadata)
            }
        };
        let user = User {
            id,
            email: email.clone(),
            password: string_field(body, "password").map(str::to_owned),
            user_metadata,
            app_metadata,
            created_at: rfc3339_now(),
        };
        self.data.lock().unwrap().users.insert(email, user.clone());
        Ok(user)
    }
}

async fn control_access_ttl(State(auth): State<Arc<Auth>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("seconds").and_then(Value::as_u64))
        .filter(|s| *s > 0)
    {
        Some(seconds) => {
            auth.set_access_ttl(Duration::from_secs(seconds));
            StatusCode::NO_CONTENT.into_response()
        }
        None => (StatusCode::BAD_REQUEST, "expected {\"seconds\": n > 0}").into_response(),
    }
}

#[derive(serde::Deserialize)]
struct GrantQuery {
    grant_type: Option<String>,
}

async fn token(
    State(auth): State<Arc<Auth>>,
    Query(query): Query<GrantQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    match query.grant_type.as_deref() {
        Some("password") => {
            let email = string_field(&body, "email").map(str::to_lowercase);
            let password = body.get("password").and_then(Value::as_str);
            let mut data = auth.data.lock().unwrap();
            let user = email.and_then(|e| data.users.get(&e).cloned());
            match (user, password) {
                (Some(user), Some(password)) if user.password.as_deref() == Some(password) => {
                    let session =
                        auth.session(&mut data, &user, "password", None, new_refresh_token());
                    ok(session)
                }
                _ => {
                    drop(data);
                    auth.refuse(
                        StatusCode::BAD_REQUEST,
                        "invalid_credentials",
                        "Invalid login credentials",
                    )
                }
            }
        }
        Some("refresh_token") => {
            let Some(presented) = string_field(&body, "refresh_token") else {
                return auth.refuse(
                    StatusCode::BAD_REQUEST,
                    "refresh_token_not_found",
                    "Invalid Refresh Token: Refresh Token Not Found",
                );
            };
            let mut data = auth.data.lock().unwrap();
            let Some(entry) = data.refresh_tokens.get(presented) else {
                drop(data);
                return auth.refuse(
                    StatusCode::BAD_REQUEST,
                    "refresh_token_not_found",
                    "Invalid Refresh Token: Refresh Token Not Found",
                );
            };
            let session_id = entry.session_id;
            let email = entry.user_email.clone();
            let (used, child) = (entry.used, entry.child.clone());
            let live = data.sessions.contains_key(&session_id);
            let user = data.users.get(&email).cloned();
            let (Some(user), true) = (user, live) else {
                drop(data);
                return auth.refuse(
                    StatusCode::BAD_REQUEST,
                    "session_not_found",
                    "Invalid Refresh Token: Session Expired",
                );
            };
            let next = match (used, child) {
                (None, _) => {
                    let next = new_refresh_token();
                    if let Some(entry) = data.refresh_tokens.get_mut(presented) {
                        entry.used = Some(Instant::now());
                        entry.child = Some(next.clone());
                    }
                    next
                }
                // A used token again soon after (two tabs, a retry): the
                // session's current token, as GoTrue's reuse interval allows.
                (Some(at), Some(child)) if at.elapsed() < REUSE_INTERVAL => {
                    let mut current = child;
                    while let Some(next) = data
                        .refresh_tokens
                        .get(&current)
                        .and_then(|t| t.child.clone())
                    {
                        current = next;
                    }
                    current
                }
                _ => {
                    drop(data);
                    return auth.refuse(
                        StatusCode::BAD_REQUEST,
                        "refresh_token_already_used",
                        "Invalid Refresh Token: Already Used",
                    );
                }
            };
            ok(auth.session(&mut data, &user, "refresh_token", Some(session_id), next))
        }
        other => auth.refuse(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            &format!("unsupported_grant_type: {}", other.unwrap_or("(none)")),
        ),
    }
}

async fn otp(State(auth): State<Arc<Auth>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(email) = string_field(&body, "email").map(str::to_lowercase) else {
        return auth.refuse(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Only an email address or phone number should be provided",
        );
    };
    let create = body
        .get("create_user")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let known = auth.data.lock().unwrap().users.contains_key(&email);
    if !known {
        if !create {
            return auth.refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "otp_disabled",
                "Signups not allowed for otp",
            );
        }
        if let Err(response) = auth.create_user(&json!({ "email": email })).await {
            return response;
        }
    }
    let code = new_code();
    let mut data = auth.data.lock().unwrap();
    data.codes.insert(
        email.clone(),
        Code {
            code: code.clone(),
            sent: Instant::now(),
        },
    );
    data.mail.push(Mail {
        to: email,
        kind: "magiclink".into(),
        code,
    });
    ok(json!({}))
}

async fn verify(State(auth): State<Arc<Auth>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let email = string_field(&body, "email").map(str::to_lowercase);
    let token = string_field(&body, "token");
    let kind = string_field(&body, "type");
    if !matches!(kind, Some("email" | "magiclink" | "signup")) {
        return auth.refuse(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Verify requires a verification type",
        );
    }
    let mut data = auth.data.lock().unwrap();
    let matches = match (&email, token) {
        (Some(email), Some(token)) => data
            .codes
            .get(email)
            .is_some_and(|c| c.code == token && c.sent.elapsed() < OTP_VALIDITY),
        _ => false,
    };
    let user = email.as_ref().and_then(|e| data.users.get(e).cloned());
    match (matches, user) {
        (true, Some(user)) => {
            // A code signs in once.
            data.codes.remove(&user.email);
            ok(auth.session(&mut data, &user, "otp", None, new_refresh_token()))
        }
        _ => {
            drop(data);
            auth.refuse(
                StatusCode::FORBIDDEN,
                "otp_expired",
                "Token has expired or is invalid",
            )
        }
    }
}

async fn user(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    match auth.authenticated(&headers) {
        Ok((user, _)) => ok(auth.user_json(&user)),
        Err(response) => response,
    }
}

#[derive(serde::Deserialize)]
struct LogoutQuery {
    scope: Option<String>,
}

async fn logout(
    State(auth): State<Arc<Auth>>,
    Query(query): Query<LogoutQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    let (user, session_id) = match auth.authenticated(&headers) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut data = auth.data.lock().unwrap();
    let ended: Vec<Uuid> = match query.scope.as_deref().unwrap_or("global") {
        "local" => vec![session_id],
        scope @ ("global" | "others") => {
            let mine: Vec<Uuid> = data
                .refresh_tokens
                .values()
                .filter(|t| t.user_email == user.email)
                .map(|t| t.session_id)
                .collect();
            mine.into_iter()
                .filter(|s| scope == "global" || *s != session_id)
                .collect()
        }
        _ => {
            drop(data);
            return auth.refuse(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "Unsupported logout scope",
            );
        }
    };
    for session in ended {
        data.sessions.remove(&session);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_create_user(
    State(auth): State<Arc<Auth>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = auth.check_apikey(&headers) {
        return response;
    }
    if bearer(&headers) != Some(auth.service_key.as_str()) {
        return auth.refuse(StatusCode::FORBIDDEN, "not_admin", "User not allowed");
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    match auth.create_user(&body).await {
        Ok(user) => ok(auth.user_json(&user)),
        Err(response) => response,
    }
}

/// Public on Supabase: no apikey needed.
async fn jwks() -> Response {
    ok(json!({ "keys": [] }))
}
