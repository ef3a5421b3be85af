//! Persistence behind one interface, with two implementations: Supabase
//! through PostgREST with the caller's own token (so RLS applies), and an
//! embedded SQLite database in `DATA_DIR` for the zero-configuration run.
//! Both give the same API behaviour and the same per-user isolation; one
//! behavioural suite (`tests/src/store_suite.rs`) runs against both.

pub mod audit_chain;
pub mod model;
pub mod postgrest;
pub mod sqlite;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::Caller;
pub use model::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What the stores need to know about a table whose rows each belong to
/// one user (sheets, conversations); everything else about reading,
/// listing, changing and deleting such rows is the same for both.
#[derive(Debug)]
pub struct OwnedTable {
    pub name: &'static str,
    /// The columns of the list view: all but the large ones.
    pub summary_columns: &'static str,
}

pub const SHEETS: OwnedTable = OwnedTable {
    name: "excel_sheets",
    summary_columns: "id,user_id,workbook_name,sheet_name,range_address,metadata,row_count,\
column_count,status,created_at,updated_at",
};

pub const CONVERSATIONS: OwnedTable = OwnedTable {
    name: "ai_conversations",
    summary_columns: "id,user_id,sheet_id,title,model,total_tokens,status,created_at,updated_at",
};

pub const PROFILE_COLUMNS: &str = "id,email,full_name,company,role,is_active,preferences,\
last_login_at,created_at,updated_at";
pub const AUDIT_COLUMNS: &str = "id,seq,user_id,action,resource_type,resource_id,details,status,\
ip_address,user_agent,created_at";

/// A position in a list: everything strictly after (older than) this row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<KeysetCursor>,
    /// Rows wanted; stores return up to `limit + 1` so callers see whether
    /// there is more.
    pub limit: usize,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgrest`, for logs and `/health/store`.
    fn kind(&self) -> &'static str;
    /// Whether audit events need the caller's token to be written later.
    fn needs_caller_token(&self) -> bool;
    /// Whether events without a user (auth failures) can be stored.
    fn stores_system_events(&self) -> bool;

    async fn health(&self) -> StoreResult<()>;

    /// The caller's profile, created from the token's claims on first call
    /// where the store creates profiles (Supabase creates them on sign-up).
    async fn profile(&self, caller: &Caller) -> StoreResult<Profile>;
    async fn update_profile(&self, caller: &Caller, patch: &ProfilePatch) -> StoreResult<Profile>;

    async fn create_sheet(&self, caller: &Caller, sheet: &NewSheet) -> StoreResult<Sheet>;
    async fn list_sheets(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<SheetSummary>>;
    async fn get_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<Sheet>;
    async fn delete_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<()>;

    async fn create_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
    ) -> StoreResult<Conversation>;
    async fn list_conversations(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<ConversationSummary>>;
    async fn get_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<Conversation>;
    async fn update_conversation(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> StoreResult<Conversation>;
    async fn delete_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<()>;
    /// Creates a conversation that already holds `messages` (its first
    /// question) and returns its id: in one commit where the store can,
    /// else as `create_conversation` then `append_messages`.
    async fn start_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
        messages: &[Value],
    ) -> StoreResult<Uuid> {
        let created = self.create_conversation(caller, conversation).await?;
        self.append_messages(caller, created.id, messages, 0)
            .await?;
        Ok(created.id)
    }
    /// Appends chat messages to one of the caller's conversations and adds
    /// `tokens` to its `total_tokens`.
    async fn append_messages(
        &self,
        caller: &Caller,
        id: Uuid,
        messages: &[Value],
        tokens: i64,
    ) -> StoreResult<()>;

    /// Writes one audit row: for `caller`, or a system event when `None`.
    async fn log_event(&self, caller: Option<&Caller>, event: &AuditEvent) -> StoreResult<()>;
    /// Writes audit rows in order, as `log_event` would one by one, and
    /// stops at the first that fails. Stores that can write several rows
    /// in one commit do, so a backlog costs one durable write, not one per
    /// event.
    async fn log_events(&self, events: &[(Option<Caller>, AuditEvent)]) -> LoggedEvents {
        log_one_by_one(self, events).await
    }
    /// The caller's audit rows, or everyone's for a super admin.
    async fn list_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditEntry>>;

    /// Everything stored about the caller (GDPR access and portability).
    async fn export(&self, caller: &Caller) -> StoreResult<Value>;
}

/// How far [`Store::log_events`] got.
#[derive(Debug)]
pub struct LoggedEvents {
    /// Events written, from the first.
    pub written: usize,
    /// Why the event after them was not, if one was not.
    pub failure: Option<StoreError>,
}

async fn log_one_by_one<S: Store + ?Sized>(
    store: &S,
    events: &[(Option<Caller>, AuditEvent)],
) -> LoggedEvents {
    for (written, (caller, event)) in events.iter().enumerate() {
        if let Err(failure) = store.log_event(caller.as_ref(), event).await {
            return LoggedEvents {
                written,
                failure: Some(failure),
            };
        }
    }
    LoggedEvents {
        written: events.len(),
        failure: None,
    }
}
