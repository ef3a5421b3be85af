//! The embedded store: one SQLite file in `DATA_DIR`, used when
//! `SUPABASE_URL` is not set. Same tables and limits as the Supabase schema;
//! every statement is filtered on the caller's id, which is what RLS does
//! there.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::audit::AuditEvent;
use crate::auth::Caller;

const SCHEMA: &str = r#"
pragma journal_mode = wal;
pragma foreign_keys = on;
pragma synchronous = full;

create table if not exists users (
  id text primary key,
  email text not null,
  full_name text,
  company text,
  role text not null default 'user',
  is_active integer not null default 1,
  preferences text not null default '{}',
  last_login_at text,
  created_at text not null,
  updated_at text not null
);

create table if not exists excel_sheets (
  id text primary key,
  user_id text not null references users (id) on delete cascade,
  workbook_name text,
  sheet_name text not null,
  range_address text,
  data text not null,
  metadata text not null default '{}',
  row_count integer,
  column_count integer,
  status text not null default 'active',
  created_at text not null,
  updated_at text not null
);
create index if not exists excel_sheets_user_created
  on excel_sheets (user_id, created_at desc, id desc);

create table if not exists ai_conversations (
  id text primary key,
  user_id text not null references users (id) on delete cascade,
  sheet_id text references excel_sheets (id) on delete set null,
  title text,
  messages text not null default '[]',
  context text not null default '{}',
  model text,
  total_tokens integer not null default 0,
  status text not null default 'active',
  created_at text not null,
  updated_at text not null
);
create index if not exists ai_conversations_user_created
  on ai_conversations (user_id, created_at desc, id desc);

create table if not exists audit_logs (
  seq integer primary key autoincrement,
  id text not null unique,
  user_id text,
  action text not null,
  resource_type text,
  resource_id text,
  details text not null default '{}',
  status text not null,
  ip_address text,
  user_agent text,
  created_at text not null
);
create index if not exists audit_logs_user_seq on audit_logs (user_id, seq desc);

-- Append-only, as in Supabase.
create trigger if not exists audit_logs_no_update before update on audit_logs
begin select raise(abort, 'audit_logs is append-only'); end;
create trigger if not exists audit_logs_no_delete before delete on audit_logs
begin select raise(abort, 'audit_logs is append-only'); end;
"#;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) `store.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
        let path = dir.join("store.sqlite3");
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the embedded store {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)
            .context("cannot prepare the embedded store")?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| StoreError::Unavailable("embedded store lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("store task failed: {e}")))?
    }
}

fn sql(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict("the change conflicts with existing data".into())
        }
        rusqlite::Error::SqliteFailure(code, _)
            if matches!(
                code.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(anyhow::Error::new(e)),
    }
}

fn json_col(row: &Row, idx: &str) -> rusqlite::Result<Value> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn uuid_col(row: &Row, idx: &str) -> rusqlite::Result<Uuid> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_uuid_col(row: &Row, idx: &str) -> rusqlite::Result<Option<Uuid>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        Uuid::parse_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn status_col(row: &Row, idx: &str) -> rusqlite::Result<RecordStatus> {
    let text: String = row.get(idx)?;
    Ok(if text == "archived" {
        RecordStatus::Archived
    } else {
        RecordStatus::Active
    })
}

fn profile_row(row: &Row) -> rusqlite::Result<Profile> {
    Ok(Profile {
        id: uuid_col(row, "id")?,
        email: row.get("email")?,
        full_name: row.get("full_name")?,
        company: row.get("company")?,
        role: row.get("role")?,
        is_active: row.get::<_, i64>("is_active")? != 0,
        preferences: json_col(row, "preferences")?,
        last_login_at: row.get("last_login_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn sheet_row(row: &Row) -> rusqlite::Result<Sheet> {
    Ok(Sheet {
        id: uuid_col(row, "id")?,
        user_id: uuid_col(row, "user_id")?,
        workbook_name: row.get("workbook_name")?,
        sheet_name: row.get("sheet_name")?,
        range_address: row.get("range_address")?,
        data: json_col(row, "data")?,
        metadata: json_col(row, "metadata")?,
        row_count: row.get("row_count")?,
        column_count: row.get("column_count")?,
        status: status_col(row, "status")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn sheet_summary_row(row: &Row) -> rusqlite::Result<SheetSummary> {
    Ok(SheetSummary {
        id: uuid_col(row, "id")?,
        user_id: uuid_col(row, "user_id")?,
        workbook_name: row.get("workbook_name")?,
        sheet_name: row.get("sheet_name")?,
        range_address: row.get("range_address")?,
        metadata: json_col(row, "metadata")?,
        row_count: row.get("row_count")?,
        column_count: row.get("column_count")?,
        status: status_col(row, "status")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn conversation_row(row: &Row) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: uuid_col(row, "id")?,
        user_id: uuid_col(row, "user_id")?,
        sheet_id: opt_uuid_col(row, "sheet_id")?,
        title: row.get("title")?,
        messages: json_col(row, "messages")?,
        context: json_col(row, "context")?,
        model: row.get("model")?,
        total_tokens: row.get("total_tokens")?,
        status: status_col(row, "status")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn conversation_summary_row(row: &Row) -> rusqlite::Result<ConversationSummary> {
    Ok(ConversationSummary {
        id: uuid_col(row, "id")?,
        user_id: uuid_col(row, "user_id")?,
        sheet_id: opt_uuid_col(row, "sheet_id")?,
        title: row.get("title")?,
        model: row.get("model")?,
        total_tokens: row.get("total_tokens")?,
        status: status_col(row, "status")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn audit_row(row: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: uuid_col(row, "id")?,
        seq: row.get("seq")?,
        user_id: opt_uuid_col(row, "user_id")?,
        action: row.get("action")?,
        resource_type: row.get("resource_type")?,
        resource_id: opt_uuid_col(row, "resource_id")?,
        details: json_col(row, "details")?,
        status: row.get("status")?,
        ip_address: row.get("ip_address")?,
        user_agent: row.get("user_agent")?,
        created_at: row.get("created_at")?,
    })
}

/// Creates the caller's profile from the token when it does not exist yet,
/// as Supabase's sign-up trigger does: email, `user_metadata.full_name`,
/// `app_metadata.role`.
fn ensure_profile(conn: &Connection, caller: &Caller) -> StoreResult<()> {
    let now = now_stamp();
    conn.execute(
        "insert into users (id, email, full_name, role, created_at, updated_at, last_login_at)
         values (?1, ?2, ?3, ?4, ?5, ?5, ?5)
         on conflict (id) do nothing",
        params![
            caller.user_id.to_string(),
            caller
                .email
                .clone()
                .unwrap_or_default()
                .chars()
                .take(320)
                .collect::<String>(),
            caller.full_name(),
            caller.role(),
            now
        ],
    )
    .map_err(sql)?;
    Ok(())
}

fn keyset(after: &Option<KeysetCursor>) -> (Option<String>, Option<String>) {
    match after {
        Some(c) => (Some(c.created_at.clone()), Some(c.id.to_string())),
        None => (None, None),
    }
}

const KEYSET_WHERE: &str = "(?2 is null or created_at < ?2 or (created_at = ?2 and id < ?3))";

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn needs_caller_token(&self) -> bool {
        false
    }

    fn stores_system_events(&self) -> bool {
        true
    }

    async fn health(&self) -> StoreResult<()> {
        self.with(|conn| {
            conn.query_row("select 1", [], |_| Ok(()))
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        })
        .await
    }

    async fn profile(&self, caller: &Caller) -> StoreResult<Profile> {
        let caller = caller.clone();
        self.with(move |conn| {
            ensure_profile(conn, &caller)?;
            conn.query_row(
                "select * from users where id = ?1",
                [caller.user_id.to_string()],
                profile_row,
            )
            .map_err(sql)
        })
        .await
    }

    async fn update_profile(&self, caller: &Caller, patch: &ProfilePatch) -> StoreResult<Profile> {
        let caller = caller.clone();
        let patch = patch.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            ensure_profile(&tx, &caller)?;
            let id = caller.user_id.to_string();
            let now = now_stamp();
            if let Some(name) = &patch.full_name {
                tx.execute(
                    "update users set full_name = ?2, updated_at = ?3 where id = ?1",
                    params![id, name, now],
                )
                .map_err(sql)?;
            }
            if let Some(company) = &patch.company {
                tx.execute(
                    "update users set company = ?2, updated_at = ?3 where id = ?1",
                    params![id, company, now],
                )
                .map_err(sql)?;
            }
            if let Some(prefs) = &patch.preferences {
                tx.execute(
                    "update users set preferences = ?2, updated_at = ?3 where id = ?1",
                    params![id, prefs.to_string(), now],
                )
                .map_err(sql)?;
            }
            let profile = tx
                .query_row("select * from users where id = ?1", [&id], profile_row)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(profile)
        })
        .await
    }

    async fn create_sheet(&self, caller: &Caller, sheet: &NewSheet) -> StoreResult<Sheet> {
        let caller = caller.clone();
        let sheet = sheet.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            ensure_profile(&tx, &caller)?;
            let id = Uuid::new_v4().to_string();
            let now = now_stamp();
            tx.execute(
                "insert into excel_sheets (id, user_id, workbook_name, sheet_name, range_address,
                   data, metadata, row_count, column_count, created_at, updated_at)
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                params![
                    id,
                    caller.user_id.to_string(),
                    sheet.workbook_name,
                    sheet.sheet_name,
                    sheet.range_address,
                    sheet.data.to_string(),
                    sheet
                        .metadata
                        .clone()
                        .unwrap_or_else(|| json!({}))
                        .to_string(),
                    sheet.row_count,
                    sheet.column_count,
                    now
                ],
            )
            .map_err(sql)?;
            let row = tx
                .query_row("select * from excel_sheets where id = ?1", [&id], sheet_row)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(row)
        })
        .await
    }

    async fn list_sheets(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<SheetSummary>> {
        let user = caller.user_id.to_string();
        let (at, id) = keyset(&page.after);
        let limit = page.limit as i64 + 1;
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "select * from excel_sheets where user_id = ?1 and {KEYSET_WHERE}
                     order by created_at desc, id desc limit ?4"
                ))
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![user, at, id, limit], sheet_summary_row)
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            Ok(rows)
        })
        .await
    }

    async fn get_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<Sheet> {
        let user = caller.user_id.to_string();
        self.with(move |conn| {
            conn.query_row(
                "select * from excel_sheets where id = ?1 and user_id = ?2",
                params![id.to_string(), user],
                sheet_row,
            )
            .optional()
            .map_err(sql)?
            .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn delete_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        let user = caller.user_id.to_string();
        self.with(move |conn| {
            let n = conn
                .execute(
                    "delete from excel_sheets where id = ?1 and user_id = ?2",
                    params![id.to_string(), user],
                )
                .map_err(sql)?;
            if n == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        })
        .await
    }

    async fn create_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
    ) -> StoreResult<Conversation> {
        let caller = caller.clone();
        let new = conversation.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            ensure_profile(&tx, &caller)?;
            let user = caller.user_id.to_string();
            if let Some(sheet) = new.sheet_id {
                own_sheet(&tx, sheet, &user)?;
            }
            let id = Uuid::new_v4().to_string();
            tx.execute(
                "insert into ai_conversations (id, user_id, sheet_id, title, model, created_at, updated_at)
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    id,
                    user,
                    new.sheet_id.map(|s| s.to_string()),
                    new.title,
                    new.model,
                    now_stamp()
                ],
            )
            .map_err(sql)?;
            let row = tx
                .query_row(
                    "select * from ai_conversations where id = ?1",
                    [&id],
                    conversation_row,
                )
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(row)
        })
        .await
    }

    async fn list_conversations(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let user = caller.user_id.to_string();
        let (at, id) = keyset(&page.after);
        let limit = page.limit as i64 + 1;
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "select * from ai_conversations where user_id = ?1 and {KEYSET_WHERE}
                     order by created_at desc, id desc limit ?4"
                ))
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![user, at, id, limit], conversation_summary_row)
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            Ok(rows)
        })
        .await
    }

    async fn get_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<Conversation> {
        let user = caller.user_id.to_string();
        self.with(move |conn| {
            conn.query_row(
                "select * from ai_conversations where id = ?1 and user_id = ?2",
                params![id.to_string(), user],
                conversation_row,
            )
            .optional()
            .map_err(sql)?
            .ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn update_conversation(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> StoreResult<Conversation> {
        let user = caller.user_id.to_string();
        let patch = patch.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            let id = id.to_string();
            let exists: Option<i64> = tx
                .query_row(
                    "select 1 from ai_conversations where id = ?1 and user_id = ?2",
                    params![id, user],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let now = now_stamp();
            if let Some(title) = &patch.title {
                tx.execute(
                    "update ai_conversations set title = ?2, updated_at = ?3 where id = ?1",
                    params![id, title, now],
                )
                .map_err(sql)?;
            }
            if let Some(sheet) = &patch.sheet_id {
                if let Some(sheet) = sheet {
                    own_sheet(&tx, *sheet, &user)?;
                }
                tx.execute(
                    "update ai_conversations set sheet_id = ?2, updated_at = ?3 where id = ?1",
                    params![id, sheet.map(|s| s.to_string()), now],
                )
                .map_err(sql)?;
            }
            if let Some(status) = patch.status {
                tx.execute(
                    "update ai_conversations set status = ?2, updated_at = ?3 where id = ?1",
                    params![id, status.as_str(), now],
                )
                .map_err(sql)?;
            }
            let row = tx
                .query_row(
                    "select * from ai_conversations where id = ?1",
                    [&id],
                    conversation_row,
                )
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(row)
        })
        .await
    }

    async fn delete_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        let user = caller.user_id.to_string();
        self.with(move |conn| {
            let n = conn
                .execute(
                    "delete from ai_conversations where id = ?1 and user_id = ?2",
                    params![id.to_string(), user],
                )
                .map_err(sql)?;
            if n == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        })
        .await
    }

    async fn append_messages(
        &self,
        caller: &Caller,
        id: Uuid,
        messages: &[Value],
        tokens: i64,
    ) -> StoreResult<()> {
        let user = caller.user_id.to_string();
        let messages = messages.to_vec();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            let id = id.to_string();
            let current: Option<String> = tx
                .query_row(
                    "select messages from ai_conversations where id = ?1 and user_id = ?2",
                    params![id, user],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql)?;
            let current = current.ok_or(StoreError::NotFound)?;
            let mut list: Vec<Value> = serde_json::from_str(&current).unwrap_or_default();
            list.extend(messages);
            tx.execute(
                "update ai_conversations set messages = ?2, total_tokens = total_tokens + ?3, \
                 updated_at = ?4 where id = ?1",
                params![id, Value::Array(list).to_string(), tokens, now_stamp()],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(())
        })
        .await
    }

    async fn log_event(&self, caller: Option<&Caller>, event: &AuditEvent) -> StoreResult<()> {
        let caller = caller.cloned();
        let event = event.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            if let Some(caller) = &caller {
                ensure_profile(&tx, caller)?;
            }
            // An event replayed after a crash is written once.
            tx.execute(
                "insert into audit_logs (id, user_id, action, resource_type, resource_id, details,
                   status, ip_address, user_agent, created_at)
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 on conflict (id) do nothing",
                params![
                    event.id.to_string(),
                    caller.as_ref().map(|c| c.user_id.to_string()),
                    event.action,
                    event.resource_type,
                    event.resource_id.map(|r| r.to_string()),
                    event.details.to_string(),
                    event.status.as_str(),
                    event.ip_address,
                    event.user_agent,
                    event.occurred_at,
                ],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(())
        })
        .await
    }

    async fn list_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditEntry>> {
        let everyone = caller.is_super_admin();
        let user = if everyone {
            filter.user_id.map(|u| u.to_string())
        } else {
            Some(caller.user_id.to_string())
        };
        let filter = filter.clone();
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "select * from audit_logs
                      where (?1 is null or user_id = ?1)
                        and (?2 is null or action = ?2)
                        and (?3 is null or created_at >= ?3)
                        and (?4 is null or created_at < ?4)
                        and (?5 is null or seq < ?5)
                      order by seq desc limit ?6",
                )
                .map_err(sql)?;
            let rows = stmt
                .query_map(
                    params![
                        user,
                        filter.action,
                        filter.from,
                        filter.to,
                        filter.before_seq,
                        filter.limit as i64 + 1
                    ],
                    audit_row,
                )
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            Ok(rows)
        })
        .await
    }

    async fn export(&self, caller: &Caller) -> StoreResult<Value> {
        let caller = caller.clone();
        self.with(move |conn| {
            ensure_profile(conn, &caller)?;
            let user = caller.user_id.to_string();
            let profile = conn
                .query_row("select * from users where id = ?1", [&user], profile_row)
                .map_err(sql)?;
            let sheets = conn
                .prepare("select * from excel_sheets where user_id = ?1 order by created_at, id")
                .and_then(|mut s| {
                    s.query_map([&user], sheet_row)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(sql)?;
            let conversations = conn
                .prepare(
                    "select * from ai_conversations where user_id = ?1 order by created_at, id",
                )
                .and_then(|mut s| {
                    s.query_map([&user], conversation_row)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(sql)?;
            let audit = conn
                .prepare("select * from audit_logs where user_id = ?1 order by seq")
                .and_then(|mut s| {
                    s.query_map([&user], audit_row)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(sql)?;
            Ok(json!({
                "exported_at": now_stamp(),
                "user_id": caller.user_id,
                "profile": profile,
                "excel_sheets": sheets,
                "ai_conversations": conversations,
                "audit_logs": audit,
            }))
        })
        .await
    }
}

fn own_sheet(conn: &Connection, sheet: Uuid, user: &str) -> StoreResult<()> {
    let found: Option<i64> = conn
        .query_row(
            "select 1 from excel_sheets where id = ?1 and user_id = ?2",
            params![sheet.to_string(), user],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::Invalid(
            "sheet_id does not name one of your sheets".into(),
        )),
    }
}
