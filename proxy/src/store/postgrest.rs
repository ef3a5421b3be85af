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
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::config::SupabaseConfig;

const SHEET_SUMMARY_COLUMNS: &str = "id,user_id,workbook_name,sheet_name,range_address,metadata,\
row_count,column_count,status,created_at,updated_at";
const CONVERSATION_SUMMARY_COLUMNS: &str =
    "id,user_id,sheet_id,title,model,total_tokens,status,created_at,updated_at";
const AUDIT_COLUMNS: &str = "id,seq,user_id,action,resource_type,resource_id,details,status,\
ip_address,user_agent,created_at";
const PROFILE_COLUMNS: &str = "id,email,full_name,company,role,is_active,preferences,\
last_login_at,created_at,updated_at";
/// Larger PostgREST answers are refused (a sheet is at most 5 MiB of JSON).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct PostgrestStore {
    client: Postgrest,
    timeout: Duration,
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
        Self::with_rest_url(&config.rest_url(), config.anon_key.expose_secret(), timeout)
    }

    /// `rest_url` is PostgREST's base (`${SUPABASE_URL}/rest/v1`).
    pub fn with_rest_url(rest_url: &str, anon_key: &str, timeout: Duration) -> PostgrestStore {
        PostgrestStore {
            client: Postgrest::new(rest_url.trim_end_matches('/'))
                .insert_header("apikey", anon_key),
            timeout,
        }
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

fn keyset(builder: Builder, page: &PageRequest) -> Builder {
    let builder = builder
        .order("created_at.desc,id.desc")
        .limit(page.limit + 1);
    match &page.after {
        None => builder,
        Some(c) => builder.or(format!(
            "created_at.lt.{at},and(created_at.eq.{at},id.lt.{id})",
            at = c.created_at,
            id = c.id
        )),
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
        true
    }

    fn stores_system_events(&self) -> bool {
        false
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
        let body = json!({
            "user_id": caller.user_id,
            "workbook_name": sheet.workbook_name,
            "sheet_name": sheet.sheet_name,
            "range_address": sheet.range_address,
            "data": sheet.data,
            "metadata": sheet.metadata.clone().unwrap_or_else(|| json!({})),
            "row_count": sheet.row_count,
            "column_count": sheet.column_count,
        });
        let rows: Vec<Sheet> = self
            .json(
                self.table(caller, "excel_sheets")?
                    .select("*")
                    .insert(body.to_string()),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn list_sheets(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<SheetSummary>> {
        let builder = self
            .table(caller, "excel_sheets")?
            .select(SHEET_SUMMARY_COLUMNS)
            .eq("user_id", caller.user_id.to_string());
        self.json(keyset(builder, page)).await
    }

    async fn get_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<Sheet> {
        let rows: Vec<Sheet> = self
            .json(
                self.table(caller, "excel_sheets")?
                    .select("*")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string()),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn delete_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        let rows: Vec<Value> = self
            .json(
                self.table(caller, "excel_sheets")?
                    .select("id")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string())
                    .delete(),
            )
            .await?;
        one_or_not_found(rows).map(|_| ())
    }

    async fn create_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
    ) -> StoreResult<Conversation> {
        let body = json!({
            "user_id": caller.user_id,
            "sheet_id": conversation.sheet_id,
            "title": conversation.title,
            "model": conversation.model,
        });
        let rows: Vec<Conversation> = self
            .json(
                self.table(caller, "ai_conversations")?
                    .select("*")
                    .insert(body.to_string()),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn list_conversations(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let builder = self
            .table(caller, "ai_conversations")?
            .select(CONVERSATION_SUMMARY_COLUMNS)
            .eq("user_id", caller.user_id.to_string());
        self.json(keyset(builder, page)).await
    }

    async fn get_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<Conversation> {
        let rows: Vec<Conversation> = self
            .json(
                self.table(caller, "ai_conversations")?
                    .select("*")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string()),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn update_conversation(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> StoreResult<Conversation> {
        let body = serde_json::to_string(patch).map_err(anyhow::Error::from)?;
        let rows: Vec<Conversation> = self
            .json(
                self.table(caller, "ai_conversations")?
                    .select("*")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string())
                    .update(body),
            )
            .await?;
        one_or_not_found(rows)
    }

    async fn delete_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        let rows: Vec<Value> = self
            .json(
                self.table(caller, "ai_conversations")?
                    .select("id")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string())
                    .delete(),
            )
            .await?;
        one_or_not_found(rows).map(|_| ())
    }

    /// Read, then write back. Not atomic against a concurrent append to the
    /// same conversation (a database function would be); one conversation
    /// is driven by one task pane at a time.
    async fn append_messages(
        &self,
        caller: &Caller,
        id: Uuid,
        messages: &[Value],
        tokens: i64,
    ) -> StoreResult<()> {
        let current = self.get_conversation(caller, id).await?;
        let mut list = current.messages.as_array().cloned().unwrap_or_default();
        list.extend(messages.iter().cloned());
        let body = json!({
            "messages": list,
            "total_tokens": i64::from(current.total_tokens).saturating_add(tokens).min(i64::from(i32::MAX)),
        });
        let rows: Vec<Value> = self
            .json(
                self.table(caller, "ai_conversations")?
                    .select("id")
                    .eq("id", id.to_string())
                    .eq("user_id", caller.user_id.to_string())
                    .update(body.to_string()),
            )
            .await?;
        one_or_not_found(rows).map(|_| ())
    }

    async fn log_event(&self, caller: Option<&Caller>, event: &AuditEvent) -> StoreResult<()> {
        let caller = caller.ok_or_else(|| {
            StoreError::Invalid("Supabase's log_event records only signed-in users".into())
        })?;
        let params = json!({
            "action": event.action,
            "resource_type": event.resource_type,
            "resource_id": event.resource_id,
            "details": event.details,
            "status": event.status.as_str(),
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
        });
        let builder = self
            .client
            .rpc("log_event", params.to_string())
            .auth(token(caller)?);
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
