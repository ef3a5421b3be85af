//! A Supabase project in miniature for the proxy's tests: a scratch
//! database with the bootstrap and migrations, the PostgREST stand-in in
//! front of it, and access tokens signed like GoTrue's (HS256).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::{EncodingKey, Header};
use proxy::auth::Caller;
use proxy::store::Store;
use proxy::store::postgrest::PostgrestStore;
use proxy::store::sqlite::SqliteStore;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{TestDb, TestUser};
use crate::postgrest::StandIn;
use crate::store_suite::Fixture;

pub const JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";
/// The issuer in the harness's tokens.
pub const ISSUER: &str = "http://127.0.0.1:54321/auth/v1";

pub fn mint(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign")
}

pub fn anon_key() -> String {
    mint(&json!({ "iss": "supabase-demo", "role": "anon", "exp": 4102444800u64 }))
}

/// The project's service-role key (legacy JWT form), for what the proxy
/// writes with `SUPABASE_SERVICE_ROLE_KEY`.
pub fn service_role_key() -> String {
    mint(&json!({ "iss": "supabase-demo", "role": "service_role", "exp": 4102444800u64 }))
}

pub struct Supabase {
    pub db: TestDb,
    pub standin: StandIn,
    pub anon_key: String,
    store: Arc<dyn Store>,
}

impl Supabase {
    pub async fn start() -> Supabase {
        Self::start_with(None).await
    }

    /// The same, with the proxy's store writing audit events with the
    /// service key (`SUPABASE_SERVICE_ROLE_KEY`).
    pub async fn start_with_service_key() -> Supabase {
        Self::start_with(Some(service_role_key())).await
    }

    async fn start_with(service_key: Option<String>) -> Supabase {
        let db = TestDb::new().await;
        let anon_key = anon_key();
        let standin = StandIn::start(&db, JWT_SECRET, &anon_key).await;
        let mut store = PostgrestStore::with_rest_url(
            &format!("{}/rest/v1", standin.url),
            &anon_key,
            Duration::from_secs(10),
        );
        if let Some(key) = service_key {
            store = store.with_service_key(&key.into());
        }
        let store: Arc<dyn Store> = Arc::new(store);
        Supabase {
            db,
            standin,
            anon_key,
            store,
        }
    }

    /// Signs a user up (GoTrue's insert into auth.users) and returns it with
    /// its access token.
    pub async fn sign_up(&self, super_admin: bool) -> (TestUser, String) {
        let email = format!("{}@example.com", Uuid::new_v4().simple());
        let app_metadata = if super_admin {
            json!({ "role": "super_admin" })
        } else {
            json!({})
        };
        let user = self
            .db
            .sign_up_with(Some(&email), json!({ "full_name": "Test" }), app_metadata)
            .await;
        let token = mint(&user.actor().claims);
        (user, token)
    }

    /// The proxy's environment for this project.
    pub fn proxy_env(&self) -> Vec<(String, String)> {
        vec![
            ("SUPABASE_URL".into(), self.standin.url.clone()),
            ("SUPABASE_ANON_KEY".into(), self.anon_key.clone()),
            ("SUPABASE_JWT_SECRET".into(), JWT_SECRET.into()),
            ("JWT_ISSUER".into(), ISSUER.into()),
        ]
    }
}

pub fn caller(user: &TestUser, token: &str) -> Caller {
    let claims = user.actor().claims;
    Caller {
        user_id: user.id,
        email: user.email.clone(),
        claims,
        token: Some(token.to_owned().into()),
    }
}

#[async_trait]
impl Fixture for Supabase {
    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    async fn user(&self, super_admin: bool) -> Caller {
        let (user, token) = self.sign_up(super_admin).await;
        caller(&user, &token)
    }
}

/// The embedded store in a scratch directory.
pub struct Embedded {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
}

impl Embedded {
    pub async fn start() -> Embedded {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(dir.path()).expect("open"));
        Embedded { _dir: dir, store }
    }
}

#[async_trait]
impl Fixture for Embedded {
    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    async fn user(&self, super_admin: bool) -> Caller {
        let id = Uuid::new_v4();
        let role = if super_admin { "super_admin" } else { "user" };
        Caller {
            user_id: id,
            email: Some(format!("{}@example.com", id.simple())),
            claims: json!({ "sub": id, "role": "authenticated",
                "app_metadata": { "role": role }, "user_metadata": { "full_name": "Test" } }),
            token: None,
        }
    }
}
