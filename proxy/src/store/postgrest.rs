//! Supabase through PostgREST, with the `postgrest` crate: one client,
//! reused; every request carries the project's `apikey` and the caller's
//! own `Authorization: Bearer`, so the database's Row Level Security decides
//! what each user may see and do. Audit rows go through `rpc/log_event`.
//!
//! PostgREST's error bodies (`{code, message, details, hint}`) become clear
//! API errors: 42501 → 403, 23505 → 409, PGRST116 → 404, constraint and
//! input errors → 400, JWT errors → 401, unreachable → 503.

use std::time::Duration;

use ::postgrest::{Builder, Postgrest};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::config::SupabaseConfig;

/// Larger PostgREST answers are refused (a sheet is at most 5 MiB of JSON).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct PostgrestStore {
    client: Postgrest,
    rest_url: String,
    /// Only for writing audit events, never for data.
    service: Option<ServiceClient>,
    timeout: Duration,
}

/// PostgREST with the project's service key (`SUPABASE_SERVICE_ROLE_KEY`).
#[derive(Clone)]
struct ServiceClient {
    client: Postgrest,
    key: SecretString,
}

impl ServiceClient {
    fn new(rest_url: &str, key: &SecretString) -> ServiceClient {
        let client = Postgrest::new(rest_url).insert_header("apikey", key.expose_secret());
        ServiceClient {
            client,
            key: key.clone(),
        }
    }

    fn rpc(&self, function: &str, params: Value) -> Builder {
        let builder = self.client.rpc(function, params.to_string());
        // A legacy service_role key is a JWT and goes as the Bearer too; the
        // newer secret keys (`sb_secret_…`) go as `apikey` only and the
        // gateway turns them into the service role.
        if self.key.expose_secret().starts_with("sb_secret_") {
            builder
        } else {
            builder.auth(self.key.expose_secret())
        }
    }
}

/// PostgREST's error body.
#[derive(Debug, Default, Deserialize)]
struct PgError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<Value>,
    #[serde(default)]
    hint: Option<Value>,
}

impl PostgrestStore {
    pub fn new(config: &SupabaseConfig, timeout: Duration) -> PostgrestStore {
        let store =
            Self::with_rest_url(&config.rest_url(), config.anon_key.expose_secret(), timeout);
        match &config.service_role_key {
            Some(key) => store.with_service_key(key),
            None => store,
        }
    }

    /// `rest_url` is PostgREST's base (`${SUPABASE_URL}/rest/v1`).
    pub fn with_rest_url(rest_url: &str, anon_key: &str, timeout: Duration) -> PostgrestStore {
        let rest_url = rest_url.trim_end_matches('/');
        PostgrestStore {
            client: Postgrest::new(rest_url).insert_header("apikey", anon_key),
            rest_url: rest_url.to_owned(),
            service: None,
            timeout,
        }
    }

    /// Writes audit events with the service key (see [`Store::log_event`]).
    pub fn with_service_key(mut self, key: &SecretString) -> PostgrestStore {
        self.service = Some(ServiceClient::new(&self.rest_url, key));
        self
    }

    fn table(&self, caller: &Caller, table: &str) -> StoreResult<Builder> {
        Ok(self.client.from(table).auth(token(caller)?))
    }

    async fn send(&self, builder: Builder) -> StoreResult<Vec<u8>> {
        let mut response = builder
            .build()
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(format!("PostgREST: {e}")))?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > MAX_RESPONSE_BYTES {
                        return Err(StoreError::Other(anyhow::anyhow!(
                            "PostgREST answer is too large"
                        )));
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(StoreError::Unavailable(format!("PostgREST: {e}"))),
            }
        }
        if status.is_success() {
            return Ok(body);
        }
        let error: PgError = serde_json::from_slice(&body).unwrap_or_default();
        Err(map_error(status.as_u16(), error))
    }

    async fn json<T: DeserializeOwned>(&self, builder: Builder) -> StoreResult<T> {
        let body = self.send(builder).await?;
        let mut value: Value = serde_json::from_slice(&body)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("PostgREST answer is not JSON: {e}")))?;
        normalize_times(&mut value);
        serde_json::from_value(value).map_err(|e| {
            StoreError::Other(anyhow::anyhow!(
                "PostgREST answer has an unexpected shape: {e}"
            ))
        })
    }
}

impl PostgrestStore {
    /// One of the caller's rows: RLS already limits what a user sees; the
    /// explicit owner filter keeps a super admin's wider view out of it.
    fn owned_row(&self, caller: &Caller, table: &OwnedTable, id: Uuid) -> StoreResult<Builder> {
        Ok(self
            .table(caller, table.name)?
            .eq("id", id.to_string())
            .eq("user_id", caller.user_id.to_string()))
    }

    async fn insert_owned<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        table: &OwnedTable,
        mut row: Value,
    ) -> StoreResult<T> {
        row["user_id"] = json!(caller.user_id);
        let builder = self
            .table(caller, table.name)?
            .select("*")
            .insert(row.to_string());
        one_or_not_found(self.json(builder).await?)
    }

    async fn list_owned<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        table: &OwnedTable,
        page: &PageRequest,
    ) -> StoreResult<Vec<T>> {
        let builder = self
            .table(caller, table.name)?
            .select(table.summary_columns)
            .eq("user_id", caller.user_id.to_string())
            .order("created_at.desc,id.desc")
            .limit(page.limit + 1);
        let builder = match &page.after {
            None => builder,
            Some(c) => builder.or(format!(
                "created_at.lt.{at},and(created_at.eq.{at},id.lt.{id})",
                at = c.created_at,
                id = c.id
            )),
        };
        self.json(builder).await
    }

    async fn get_owned<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        table: &OwnedTable,
        id: Uuid,
    ) -> StoreResult<T> {
        one_or_not_found(
            self.json(self.owned_row(caller, table, id)?.select("*"))
                .await?,
        )
    }

    async fn update_owned<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        table: &OwnedTable,
        id: Uuid,
        patch: &impl Serialize,
    ) -> StoreResult<T> {
        let body = serde_json::to_string(patch).map_err(anyhow::Error::from)?;
        let builder = self.owned_row(caller, table, id)?.select("*").update(body);
        one_or_not_found(self.json(builder).await?)
    }

    async fn delete_owned(&self, caller: &Caller, table: &OwnedTable, id: Uuid) -> StoreResult<()> {
        let builder = self.owned_row(caller, table, id)?.select("id").delete();
        one_or_not_found(self.json::<Vec<Value>>(builder).await?).map(|_| ())
    }
}

fn token(caller: &Caller) -> StoreResult<&str> {
    caller
        .token
        .as_ref()
        .map(|t| t.expose_secret())
        .ok_or_else(|| StoreError::Unauthorized("a Supabase token is required".into()))
}

fn map_error(status: u16, error: PgError) -> StoreError {
    let code = error.code.as_deref().unwrap_or_default();
    let message = error.message.clone().unwrap_or_default();
    tracing::debug!(status, code, message = %message, details = ?error.details, hint = ?error.hint,
        "PostgREST error");
    match code {
        "42501" => StoreError::Forbidden("permission denied".into()),
        "23505" => StoreError::Conflict("this already exists".into()),
        "PGRST116" => StoreError::NotFound,
        "23503" => StoreError::Invalid("a referenced row does not exist".into()),
        c if c.starts_with("23") || c.starts_with("22") => {
            StoreError::Invalid(format!("the data was refused: {message}"))
        }
        c if c.starts_with("PGRST3") => {
            StoreError::Unauthorized("token refused by the store".into())
        }
        _ => match status {
            401 => StoreError::Unauthorized("token refused by the store".into()),
            403 => StoreError::Forbidden("permission denied".into()),
            404 => StoreError::NotFound,
            409 => StoreError::Conflict("this already exists".into()),
            502..=504 => StoreError::Unavailable(format!("PostgREST answered {status}: {message}")),
            _ => StoreError::Other(anyhow::anyhow!(
                "PostgREST answered {status} {code}: {message}"
            )),
        },
    }
}

/// Timestamps in the embedded store's form, so both stores answer alike.
fn normalize_times(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(normalize_times),
        Value::Object(map) => {
            for key in ["created_at", "updated_at", "last_login_at"] {
                if let Some(Value::String(s)) = map.get(key)
                    && let Ok(n) = normalize_time(s)
                {
                    map.insert(key.to_owned(), Value::String(n));
                }
            }
        }
        _ => {}
    }
}

fn one_or_not_found<T>(mut rows: Vec<T>) -> StoreResult<T> {
    rows.pop().ok_or(StoreError::NotFound)
}

#[async_trait]
impl Store for PostgrestStore {
    fn kind(&self) -> &'static str {
        "postgrest"
    }

    fn needs_caller_token(&self) -> bool {
        self.service.is_none()
    }

    fn stores_system_events(&self) -> bool {
        self.service.is_some()
    }

    async fn health(&self) -> StoreResult<()> {
        self.send(self.client.from("")).await.map(|_| ())
    }

    async fn profile(&self, caller: &Caller) -> StoreResult<Profile> {
        // Supabase creates the profile when the user signs up.
        let rows: Vec<Profile> = self
            .json(
                self.table(caller, "users")?
                    .select(PROFILE_COLUMNS)
                    .eq("id", caller.user_id.to_string()),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn update_profile(&self, caller: &Caller, patch: &ProfilePatch) -> StoreResult<Profile> {
        let body = serde_json::to_string(patch).map_err(anyhow::Error::from)?;
        let rows: Vec<Profile> = self
            .json(
                self.table(caller, "users")?
                    .eq("id", caller.user_id.to_string())
                    .select(PROFILE_COLUMNS)
                    .update(body),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn create_sheet(&self, caller: &Caller, sheet: &NewSheet) -> StoreResult<Sheet> {
        let mut row = serde_json::to_value(sheet).map_err(anyhow::Error::from)?;
        row["metadata"] = sheet.metadata.clone().unwrap_or_else(|| json!({}));
        self.insert_owned(caller, &SHEETS, row).await
    }

    async fn list_sheets(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<SheetSummary>> {
        self.list_owned(caller, &SHEETS, page).await
    }

    async fn get_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<Sheet> {
        self.get_owned(caller, &SHEETS, id).await
    }

    async fn delete_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        self.delete_owned(caller, &SHEETS, id).await
    }

    async fn create_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
    ) -> StoreResult<Conversation> {
        let row = serde_json::to_value(conversation).map_err(anyhow::Error::from)?;
        self.insert_owned(caller, &CONVERSATIONS, row).await
    }

    async fn list_conversations(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<ConversationSummary>> {
        self.list_owned(caller, &CONVERSATIONS, page).await
    }

    async fn get_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<Conversation> {
        self.get_owned(caller, &CONVERSATIONS, id).await
    }

    async fn update_conversation(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> StoreResult<Conversation> {
        self.update_owned(caller, &CONVERSATIONS, id, patch).await
    }

    async fn delete_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        self.delete_owned(caller, &CONVERSATIONS, id).await
    }

    /// One call of `rpc/append_messages`: the database appends in a single
    /// UPDATE under the row lock, so concurrent appends never lose one.
    async fn append_messages(
        &self,
        caller: &Caller,
        id: Uuid,
        messages: &[Value],
        tokens: i64,
    ) -> StoreResult<()> {
        let params = json!({ "conversation_id": id, "messages": messages, "tokens": tokens });
        let builder = self
            .client
            .rpc("append_messages", params.to_string())
            .auth(token(caller)?);
        // The conversation's id, or null when it is not one of the caller's.
        match self.json::<Option<Uuid>>(builder).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        }
    }

    /// With the service key, every event goes through `log_service_event`
    /// (system events have no user, and a queued user's token may have
    /// expired); without it, through `log_event` with the user's own token.
    /// The event's id makes a repeated delivery a no-op.
    async fn log_event(&self, caller: Option<&Caller>, event: &AuditEvent) -> StoreResult<()> {
        let mut params = json!({
            "action": event.action,
            "resource_type": event.resource_type,
            "resource_id": event.resource_id,
            "details": event.details,
            "status": event.status.as_str(),
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
            "event_id": event.id,
        });
        let builder = match &self.service {
            Some(service) => {
                params["user_id"] = json!(caller.map(|c| c.user_id));
                service.rpc("log_service_event", params)
            }
            None => {
                let caller = caller.ok_or_else(|| {
                    StoreError::Invalid(
                        "system events need SUPABASE_SERVICE_ROLE_KEY with Supabase".into(),
                    )
                })?;
                self.client
                    .rpc("log_event", params.to_string())
                    .auth(token(caller)?)
            }
        };
        self.send(builder).await.map(|_| ())
    }

    async fn list_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditEntry>> {
        let mut builder = self
            .table(caller, "audit_logs")?
            .select(AUDIT_COLUMNS)
            .order("seq.desc")
            .limit(filter.limit + 1);
        let user = if caller.is_super_admin() {
            filter.user_id
        } else {
            Some(caller.user_id)
        };
        if let Some(user) = user {
            builder = builder.eq("user_id", user.to_string());
        }
        if let Some(action) = &filter.action {
            builder = builder.eq("action", action);
        }
        if let Some(from) = &filter.from {
            builder = builder.gte("created_at", from);
        }
        if let Some(to) = &filter.to {
            builder = builder.lt("created_at", to);
        }
        if let Some(seq) = filter.before_seq {
            builder = builder.lt("seq", seq.to_string());
        }
        self.json(builder).await
    }

    async fn export(&self, caller: &Caller) -> StoreResult<Value> {
        let builder = self.client.rpc("export_my_data", "{}").auth(token(caller)?);
        let body = self.send(builder).await?;
        serde_json::from_slice(&body)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("export is not JSON: {e}")))
    }
}
