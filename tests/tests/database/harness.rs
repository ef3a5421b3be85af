//! Scratch databases built like a Supabase project, and API sessions that
//! behave like PostgREST.
//!
//! Every test gets its own database: bootstrap (`tests/db/bootstrap.sql`)
//! then `supabase/migrations/*.sql` in filename order. Users act through a
//! connection logged in as `authenticator`, one transaction per request,
//! with `SET LOCAL ROLE` and `request.jwt.claims` set the way PostgREST sets
//! them, so RLS, grants and triggers see exactly what production sees.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;

use serde_json::{Value, json};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row};
use uuid::Uuid;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DB_PREFIX: &str = "systest_db_";
/// GoTrue's role, with the search_path Supabase gives it: a trigger on
/// auth.users that relied on finding `public` objects unqualified would
/// fail here as it fails in production.
const GOTRUE_SESSION: &str = "set local role supabase_auth_admin; set local search_path = auth";

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

fn admin_config() -> Config {
    let url = std::env::var("DATABASE_ADMIN_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    Config::from_str(&url)
        .unwrap_or_else(|e| panic!("DATABASE_ADMIN_URL {url:?} is not valid: {e}"))
}

async fn connect(config: &Config) -> Client {
    let (client, connection) = config.connect(NoTls).await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to PostgreSQL as {:?} (is it running on 127.0.0.1:5432? `.ci/run` starts it): {e}",
            config.get_user()
        )
    });
    tokio::spawn(async move {
        // The server closes these when the scratch database is dropped.
        let _ = connection.await;
    });
    client
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The migrations in the order the Supabase CLI applies them.
pub fn migration_files() -> Vec<PathBuf> {
    let dir = repo_root().join("supabase/migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
}

pub fn read_repo_file(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Scratch databases left by runs that died (their pid is gone) are dropped
/// once per process; those of live runs, ours or parallel ones, are kept.
async fn drop_leftovers(admin: &Client) {
    let rows = admin
        .query(
            "select datname from pg_database where datname like $1",
            &[&format!("{DB_PREFIX}%")],
        )
        .await
        .expect("list scratch databases");
    for row in rows {
        let name: String = row.get(0);
        let pid = name
            .strip_prefix(DB_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // Another process may be dropping the same leftover: best effort.
        let _ = admin
            .batch_execute(&format!("drop database if exists \"{name}\" with (force)"))
            .await;
    }
}

pub struct TestDb {
    name: String,
    config: Config,
}

impl TestDb {
    /// A fresh database with the bootstrap and every migration applied.
    pub async fn new() -> TestDb {
        let admin_config = admin_config();
        let admin = connect(&admin_config).await;

        static CLEANUP: Once = Once::new();
        let mut first = false;
        CLEANUP.call_once(|| first = true);
        if first {
            drop_leftovers(&admin).await;
        }

        let name = format!(
            "{DB_PREFIX}{}_{}",
            std::process::id(),
            Uuid::new_v4().simple()
        );
        admin
            .batch_execute(&format!("create database \"{name}\""))
            .await
            .expect("create scratch database");
        let mut config = admin_config.clone();
        config.dbname(&name);
        let db = TestDb { name, config };

        let owner = db.superuser().await;
        // One simple-protocol batch per file: it runs as one implicit
        // transaction, as the Supabase CLI runs each migration.
        owner
            .batch_execute(&read_repo_file("tests/db/bootstrap.sql"))
            .await
            .unwrap_or_else(|e| panic!("bootstrap failed: {}", describe(&e)));
        for file in migration_files() {
            let sql = std::fs::read_to_string(&file).expect("read migration");
            owner.batch_execute(&sql).await.unwrap_or_else(|e| {
                panic!("migration {} failed: {}", file.display(), describe(&e))
            });
        }
        db
    }

    /// The migration role (a superuser here, `postgres` on Supabase).
    pub async fn superuser(&self) -> Client {
        connect(&self.config).await
    }

    /// A PostgREST-like session: logged in as `authenticator`, no rights of
    /// its own until a request switches role.
    pub async fn api(&self) -> Api {
        let mut config = self.config.clone();
        config.user("authenticator");
        let client = connect(&config).await;
        Api { client }
    }

    /// Signs a user up the way GoTrue does: an insert into auth.users by
    /// supabase_auth_admin, which fires the profile trigger.
    pub async fn sign_up(&self, email: &str, full_name: Option<&str>) -> TestUser {
        let user_metadata = match full_name {
            Some(name) => json!({ "full_name": name }),
            None => json!({}),
        };
        self.sign_up_with(Some(email), user_metadata, json!({}))
            .await
    }

    /// `app_metadata` extra keys are merged over GoTrue's provider keys.
    pub async fn sign_up_with(
        &self,
        email: Option<&str>,
        user_metadata: Value,
        app_metadata_extra: Value,
    ) -> TestUser {
        let mut app_metadata = json!({ "provider": "email", "providers": ["email"] });
        if let (Some(base), Some(extra)) =
            (app_metadata.as_object_mut(), app_metadata_extra.as_object())
        {
            base.extend(extra.clone());
        }
        let id = Uuid::new_v4();
        let mut client = self.superuser().await;
        let tx = client.transaction().await.expect("begin");
        tx.batch_execute(GOTRUE_SESSION).await.expect("set role");
        tx.execute(
            "insert into auth.users
               (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
             values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated',
                     $2, 'x', now(), $3, $4, now(), now())",
            &[&id, &email, &app_metadata, &user_metadata],
        )
        .await
        .unwrap_or_else(|e| panic!("sign-up failed: {}", describe(&e)));
        tx.commit().await.expect("commit sign-up");
        TestUser {
            id,
            email: email.map(str::to_owned),
            app_metadata,
            user_metadata,
        }
    }

    /// Runs statements as GoTrue (supabase_auth_admin) in one transaction.
    pub async fn as_gotrue(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, tokio_postgres::Error> {
        let mut client = self.superuser().await;
        let tx = client.transaction().await?;
        tx.batch_execute(GOTRUE_SESSION).await?;
        let count = tx.execute(sql, params).await?;
        tx.commit().await?;
        Ok(count)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be single-threaded:
        // a thread of its own with its own runtime drops the database.
        let name = self.name.clone();
        let config = admin_config();
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok((client, connection)) = config.connect(NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("drop database if exists \"{name}\" with (force)"))
                        .await;
                }
            });
        });
        let _ = handle.join();
    }
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Uuid,
    pub email: Option<String>,
    pub app_metadata: Value,
    pub user_metadata: Value,
}

impl TestUser {
    /// The claims GoTrue puts in an access token for this user.
    pub fn actor(&self) -> Actor {
        Actor::authenticated(json!({
            "iss": "http://127.0.0.1:54321/auth/v1",
            "sub": self.id,
            "aud": "authenticated",
            "exp": 4102444800u64,
            "iat": 1764100000u64,
            "email": self.email,
            "phone": "",
            "app_metadata": self.app_metadata,
            "user_metadata": self.user_metadata,
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{ "method": "password", "timestamp": 1764100000u64 }],
            "session_id": Uuid::new_v4(),
            "is_anonymous": false
        }))
    }

    /// This user's token with some claims replaced, as if GoTrue had issued it
    /// so (tests use it to show which claims matter and which do not).
    pub fn actor_with(&self, overrides: Value) -> Actor {
        let mut claims = self.actor().claims;
        if let (Some(base), Some(extra)) = (claims.as_object_mut(), overrides.as_object()) {
            base.extend(extra.clone());
        }
        Actor::authenticated(claims)
    }
}

#[derive(Clone, Debug)]
pub struct Actor {
    pub role: &'static str,
    pub claims: Value,
}

impl Actor {
    pub fn authenticated(claims: Value) -> Actor {
        Actor {
            role: "authenticated",
            claims,
        }
    }

    /// The anon key: no subject.
    pub fn anon() -> Actor {
        Actor {
            role: "anon",
            claims: json!({ "iss": "supabase-demo", "role": "anon", "exp": 4102444800u64 }),
        }
    }

    /// The service key: no subject, bypasses RLS.
    pub fn service_role() -> Actor {
        Actor {
            role: "service_role",
            claims: json!({ "iss": "supabase-demo", "role": "service_role", "exp": 4102444800u64 }),
        }
    }
}

pub struct Api {
    client: Client,
}

impl Api {
    /// One request: a transaction that switches role and sets the claims
    /// exactly as PostgREST does, runs `sql`, and commits (or rolls back on
    /// error, as PostgREST does).
    pub async fn run(
        &self,
        actor: &Actor,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.run_many(actor, &[(sql, params)])
            .await
            .map(|mut all| all.pop().unwrap_or_default())
    }

    /// Several statements in one request transaction.
    pub async fn run_many(
        &self,
        actor: &Actor,
        statements: &[(&str, Params<'_>)],
    ) -> Result<Vec<Vec<Row>>, tokio_postgres::Error> {
        self.client
            .batch_execute(&format!(
                "begin isolation level read committed; set local role {}",
                actor.role
            ))
            .await?;
        let outcome = async {
            self.client
                .execute(
                    "select set_config('request.jwt.claims', $1, true)",
                    &[&actor.claims.to_string()],
                )
                .await?;
            let mut results = Vec::with_capacity(statements.len());
            for (sql, params) in statements {
                results.push(self.client.query(*sql, params).await?);
            }
            Ok::<_, tokio_postgres::Error>(results)
        }
        .await;
        match outcome {
            Ok(results) => {
                self.client.batch_execute("commit").await?;
                Ok(results)
            }
            Err(error) => {
                self.client.batch_execute("rollback").await?;
                Err(error)
            }
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// The server's message with detail, for readable failures.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!(
            "{} {}{}",
            db.code().code(),
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        None => error.to_string(),
    }
}

/// Asserts that a request failed with the given SQLSTATE and returns the message.
#[track_caller]
pub fn assert_sqlstate<T: std::fmt::Debug>(
    result: Result<T, tokio_postgres::Error>,
    expected: &SqlState,
) -> String {
    match result {
        Ok(value) => panic!(
            "expected SQLSTATE {}, but the request succeeded: {value:?}",
            expected.code()
        ),
        Err(error) => {
            let code = error.code().map(|c| c.code().to_owned());
            assert_eq!(
                code.as_deref(),
                Some(expected.code()),
                "wrong error: {}",
                describe(&error)
            );
            describe(&error)
        }
    }
}

/// Asserts permission was refused: a missing grant, an RLS WITH CHECK
/// violation or one of our triggers, all of which use 42501.
#[track_caller]
pub fn assert_denied<T: std::fmt::Debug>(result: Result<T, tokio_postgres::Error>) -> String {
    assert_sqlstate(result, &SqlState::INSUFFICIENT_PRIVILEGE)
}

#[track_caller]
pub fn ok<T>(result: Result<T, tokio_postgres::Error>) -> T {
    result.unwrap_or_else(|e| panic!("request failed: {}", describe(&e)))
}
