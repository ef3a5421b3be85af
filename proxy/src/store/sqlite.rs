//! The embedded store: one SQLite file in `DATA_DIR`, used when
//! `SUPABASE_URL` is not set. Same tables and limits as the Supabase schema;
//! every statement is filtered on the caller's id, which is what RLS does
//! there.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::*;
use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::config::StoreSync;
use crate::group_commit::{GroupCommit, GroupLost};

const SCHEMA: &str = r#"
pragma journal_mode = wal;
pragma foreign_keys = on;

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

/// How often the checkpointer moves the WAL into the database.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);
/// WAL pages past which the writing connection checkpoints by itself: only
/// when the checkpointer cannot keep up (it never catches up with a writer
/// that never pauses, and the WAL restarts only once fully checkpointed).
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// One write, run inside the group's transaction; its answer is the row
/// it wrote, where it has one.
type Write = Box<dyn FnOnce(&Connection) -> StoreResult<Value> + Send>;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Every write goes through here: concurrent writes share one
    /// transaction, so one commit (and with `synchronous = full` one WAL
    /// fsync) instead of one each. A streamed question makes two (its
    /// question before the model call, its answer after).
    writes: Arc<GroupCommit<Connection, Write, StoreResult<Value>>>,
    sync: StoreSync,
    /// `store.sqlite3-wal`, fsync'ed after audit rows in `normal` mode.
    wal_path: std::path::PathBuf,
}

/// Commits a group of writes in one transaction. Each write runs in a
/// savepoint of its own, so one that fails (a row not found, a conflict)
/// leaves no trace and answers its own error, and the others still commit.
fn commit_writes(conn: &mut Connection, writes: Vec<Write>) -> Vec<StoreResult<Value>> {
    let count = writes.len();
    let failed = |e: &rusqlite::Error| -> Vec<StoreResult<Value>> {
        (0..count).map(|_| Err(copy_of(e))).collect()
    };
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return failed(&e),
    };
    if count == 1 {
        // Alone in its group (common at low rates; a traced run at 1,000
        // questions/s saw groups of 1 to 7 writes):
        // the transaction is its savepoint. A savepoint is two more
        // statements parsed and run (a streamed question: 1,112k -> 1,099k
        // instructions without them, bench/chat/instructions.sh).
        let Some(write) = writes.into_iter().next() else {
            return Vec::new();
        };
        let outcome = write(&tx);
        let closed = if outcome.is_ok() {
            tx.commit()
        } else {
            tx.rollback()
        };
        return match closed {
            Ok(()) => vec![outcome],
            Err(e) => failed(&e),
        };
    }
    let mut outcomes = Vec::with_capacity(count);
    for write in writes {
        let savepoint = match tx.savepoint() {
            Ok(savepoint) => savepoint,
            Err(e) => return failed(&e),
        };
        let outcome = write(&savepoint);
        // `finish` rolls the savepoint back (its drop behaviour). If either
        // fails, what the transaction holds is unknown: none of it is kept.
        let closed = if outcome.is_ok() {
            savepoint.commit()
        } else {
            savepoint.finish()
        };
        if let Err(e) = closed {
            return failed(&e);
        }
        outcomes.push(outcome);
    }
    match tx.commit() {
        Ok(()) => outcomes,
        // Nothing of the group is stored: every write fails.
        Err(e) => failed(&e),
    }
}

/// Checkpoints the WAL on a connection and a thread of its own, for as
/// long as the store is open. Left to the writing connection, a checkpoint
/// runs inside the commit that crosses the threshold and fsyncs the WAL and
/// the database while every write queued behind it waits; here it does not
/// hold the writer up (a passive checkpoint takes no write lock).
fn spawn_checkpointer(
    path: &Path,
    store: std::sync::Weak<Mutex<Connection>>,
) -> anyhow::Result<()> {
    let conn = Connection::open(path).with_context(|| {
        format!(
            "cannot open the embedded store's checkpointer {}",
            path.display()
        )
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Checkpoints fsync the WAL before and the database after in any mode.
    conn.execute_batch("pragma synchronous = normal; pragma wal_autocheckpoint = 0;")?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(CHECKPOINT_INTERVAL);
                if store.strong_count() == 0 {
                    return;
                }
                if let Err(error) = conn.query_row("pragma wal_checkpoint(passive)", [], |_| Ok(()))
                {
                    tracing::warn!(error = %error, "embedded store checkpoint failed");
                }
            }
        })
        .context("cannot start the embedded store's checkpointer")?;
    Ok(())
}

/// A write's own outcome, or the store unavailable when its group was lost.
fn write_outcome(submitted: Result<StoreResult<Value>, GroupLost>) -> StoreResult<Value> {
    submitted.map_err(|e| StoreError::Unavailable(e.to_string()))?
}

/// The same failure again, for each write of a group that failed as one:
/// `rusqlite::Error` cannot be cloned, but what the API makes of it can.
fn copy_of(e: &rusqlite::Error) -> StoreError {
    known_failure(e).unwrap_or_else(|| StoreError::Other(anyhow::anyhow!("{e}")))
}

impl SqliteStore {
    /// Opens (creating if needed) `store.sqlite3` in `dir`, with the
    /// default `EMBEDDED_STORE_SYNC`.
    pub fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
        SqliteStore::open_with_sync(dir, StoreSync::default())
    }

    /// Opens (creating if needed) `store.sqlite3` in `dir`; `sync` is
    /// `EMBEDDED_STORE_SYNC`, SQLite's `synchronous` in WAL mode.
    pub fn open_with_sync(dir: &Path, sync: StoreSync) -> anyhow::Result<SqliteStore> {
        let path = dir.join("store.sqlite3");
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the embedded store {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)
            .context("cannot prepare the embedded store")?;
        conn.execute_batch(&format!(
            "pragma synchronous = {};
             pragma wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};",
            sync.as_str()
        ))
        .context("cannot set the embedded store's synchronous mode")?;
        super::audit_chain::prepare(&conn).context("cannot prepare the audit chain")?;
        // Every statement is prepared once and kept: parsing SQL was ~5 % of
        // a chat question's CPU. Room for all of the store's statements.
        conn.set_prepared_statement_cache_capacity(64);
        let conn = Arc::new(Mutex::new(conn));
        spawn_checkpointer(&path, Arc::downgrade(&conn))?;
        Ok(SqliteStore {
            writes: Arc::new(GroupCommit::new(
                conn.clone(),
                commit_writes,
                sync.commit_on(),
            )),
            conn,
            sync,
            wal_path: dir.join("store.sqlite3-wal"),
        })
    }

    /// SQLite's `synchronous` as the store's connection has it (0 off,
    /// 1 normal, 2 full, 3 extra).
    pub async fn synchronous(&self) -> StoreResult<i64> {
        self.with(|conn| {
            conn.query_row("pragma synchronous", [], |row| row.get(0))
                .map_err(sql)
        })
        .await
    }

    /// Makes every write committed so far survive an OS crash, in `normal`
    /// mode, where commits are not fsync'ed: audit rows once delivered are
    /// no longer in the journal, so they must be as durable as it is.
    /// The WAL is fsync'ed through a handle of its own, outside the
    /// connection's lock, so the chat's writes do not wait for it. Frames
    /// a checkpoint has moved out of the WAL were fsync'ed by it.
    async fn make_durable(&self) -> StoreResult<()> {
        if self.sync == StoreSync::Full {
            return Ok(());
        }
        let wal = self.wal_path.clone();
        tokio::task::spawn_blocking(move || match std::fs::File::open(&wal) {
            Ok(file) => file.sync_data(),
            // No WAL: it was checkpointed into the database and removed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("store task failed: {e}")))?
        .map_err(|e| StoreError::Unavailable(format!("cannot fsync the embedded store: {e}")))
    }

    /// Runs `f` in the next group commit and returns once it is durable.
    async fn write(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<Value> + Send + 'static,
    ) -> StoreResult<Value> {
        write_outcome(self.writes.submit(Box::new(f)).await)
    }

    /// [`SqliteStore::write`] for a batch (audit rows delivered by the
    /// hundred): committed on the blocking pool, never on a runtime thread.
    async fn write_batch(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<Value> + Send + 'static,
    ) -> StoreResult<Value> {
        write_outcome(self.writes.submit_on_pool(Box::new(f)).await)
    }

    /// A write that answers a row, decoded into the API's type.
    async fn write_row<T: DeserializeOwned>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<Value> + Send + 'static,
    ) -> StoreResult<T> {
        let row = self.write(f).await?;
        serde_json::from_value(row)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("unexpected row: {e}")))
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

    /// Inserts one of the caller's rows with `columns` and returns it.
    async fn insert_owned<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        columns: Columns,
    ) -> StoreResult<T> {
        self.insert_owned_returning(table, caller, columns, "*")
            .await
    }

    /// [`SqliteStore::insert_owned`], answering only the `returning`
    /// columns of the new row (`id` where that is all the caller needs:
    /// the whole row would decode every message of a new conversation).
    async fn insert_owned_returning<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        mut columns: Columns,
        returning: &'static str,
    ) -> StoreResult<T> {
        let caller = caller.clone();
        self.write_row(move |tx| {
            ensure_profile(tx, &caller)?;
            let user = caller.user_id.to_string();
            check_sheet_link(tx, &columns, &user)?;
            let id = Uuid::new_v4().to_string();
            let now = now_stamp();
            columns.extend([
                ("id", SqlValue::Text(id.clone())),
                ("user_id", SqlValue::Text(user.clone())),
                ("created_at", SqlValue::Text(now.clone())),
                ("updated_at", SqlValue::Text(now)),
            ]);
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let slots: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
            tx.prepare_cached(&format!(
                "insert into {} ({}) values ({})",
                table.name,
                names.join(", "),
                slots.join(", ")
            ))
            .map_err(sql)?
            .execute(params_from_iter(
                columns.into_iter().map(|(_, value)| value),
            ))
            .map_err(sql)?;
            owned_row(tx, table, returning, &id, &user)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    /// One page of the caller's rows, newest first, in the list view.
    async fn list_owned<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<T>> {
        let user = caller.user_id.to_string();
        let (at, id) = match &page.after {
            Some(c) => (Some(c.created_at.clone()), Some(c.id.to_string())),
            None => (None, None),
        };
        let limit = page.limit as i64 + 1;
        self.with(move |conn| {
            fetch(
                conn,
                &format!(
                    "select {} from {} where user_id = ?1
                       and (?2 is null or created_at < ?2 or (created_at = ?2 and id < ?3))
                     order by created_at desc, id desc limit ?4",
                    table.summary_columns, table.name
                ),
                params![user, at, id, limit],
            )
        })
        .await
    }

    async fn get_owned<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        id: Uuid,
    ) -> StoreResult<T> {
        let user = caller.user_id.to_string();
        self.with(move |conn| {
            owned_row(conn, table, "*", &id.to_string(), &user)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    /// Sets `columns` of one of the caller's rows and returns the row.
    async fn update_owned<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        id: Uuid,
        columns: Columns,
    ) -> StoreResult<T> {
        let user = caller.user_id.to_string();
        self.write_row(move |tx| {
            let id = id.to_string();
            if owned_row::<Value>(tx, table, "id", &id, &user)?.is_none() {
                return Err(StoreError::NotFound);
            }
            check_sheet_link(tx, &columns, &user)?;
            set_columns(tx, table.name, &id, columns)?;
            owned_row(tx, table, "*", &id, &user)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn delete_owned(
        &self,
        table: &'static OwnedTable,
        caller: &Caller,
        id: Uuid,
    ) -> StoreResult<()> {
        let user = caller.user_id.to_string();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(&format!(
                    "delete from {} where id = ?1 and user_id = ?2",
                    table.name
                ))
                .map_err(sql)?
                .execute(params![id.to_string(), user])
                .map_err(sql)?;
            if n == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(Value::Null)
            }
        })
        .await?;
        Ok(())
    }
}

/// Column names and the values to write into them.
type Columns = Vec<(&'static str, SqlValue)>;

fn text(value: Option<impl ToString>) -> SqlValue {
    value.map_or(SqlValue::Null, |v| SqlValue::Text(v.to_string()))
}

fn integer(value: Option<i32>) -> SqlValue {
    value.map_or(SqlValue::Null, |v| SqlValue::Integer(v.into()))
}

fn sql(e: rusqlite::Error) -> StoreError {
    known_failure(&e).unwrap_or_else(|| StoreError::Other(anyhow::Error::new(e)))
}

/// The failures the API tells apart: a conflict, a busy database.
fn known_failure(e: &rusqlite::Error) -> Option<StoreError> {
    match e.sqlite_error_code()? {
        rusqlite::ErrorCode::ConstraintViolation => Some(StoreError::Conflict(
            "the change conflicts with existing data".into(),
        )),
        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
            Some(StoreError::Unavailable(e.to_string()))
        }
        _ => None,
    }
}

/// Columns holding JSON text, and SQLite's integer booleans: the only two
/// places where a row's JSON is not what SQLite hands back as is.
const JSON_COLUMNS: &[&str] = &[
    "preferences",
    "data",
    "metadata",
    "messages",
    "context",
    "details",
];
const BOOL_COLUMNS: &[&str] = &["is_active"];

/// A row as the JSON object PostgREST would answer, so both stores decode
/// rows into the API's types with the same serde definitions.
fn decode<T: DeserializeOwned>(row: &Row) -> rusqlite::Result<T> {
    let failure = |index: usize, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e)
    };
    let mut object = Map::new();
    for (index, name) in row.as_ref().column_names().enumerate() {
        let value = match row.get_ref(index)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) if BOOL_COLUMNS.contains(&name) => Value::Bool(n != 0),
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(x) => Value::from(x),
            ValueRef::Text(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|e| failure(index, e.into()))?;
                if JSON_COLUMNS.contains(&name) {
                    serde_json::from_str(text).map_err(|e| failure(index, e.into()))?
                } else {
                    Value::String(text.to_owned())
                }
            }
            ValueRef::Blob(_) => return Err(failure(index, "unexpected blob".into())),
        };
        object.insert(name.to_owned(), value);
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| failure(0, e.into()))
}

fn fetch<T: DeserializeOwned>(
    conn: &Connection,
    statement: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<T>> {
    let mut statement = conn.prepare_cached(statement).map_err(sql)?;
    let rows = statement
        .query_map(params, decode)
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    Ok(rows)
}

fn owned_row<T: DeserializeOwned>(
    conn: &Connection,
    table: &OwnedTable,
    columns: &str,
    id: &str,
    user: &str,
) -> StoreResult<Option<T>> {
    conn.prepare_cached(&format!(
        "select {columns} from {} where id = ?1 and user_id = ?2",
        table.name
    ))
    .map_err(sql)?
    .query_row(params![id, user], decode)
    .optional()
    .map_err(sql)
}

/// One UPDATE of `columns` (and `updated_at`) of the row `id` of `table`.
fn set_columns(conn: &Connection, table: &str, id: &str, columns: Columns) -> StoreResult<()> {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("{name} = ?{}", i + 3))
        .collect();
    let values = [SqlValue::Text(id.to_owned()), SqlValue::Text(now_stamp())]
        .into_iter()
        .chain(columns.into_iter().map(|(_, value)| value));
    conn.prepare_cached(&format!(
        "update {table} set updated_at = ?2{}{} where id = ?1",
        if sets.is_empty() { "" } else { ", " },
        sets.join(", ")
    ))
    .map_err(sql)?
    .execute(params_from_iter(values))
    .map_err(sql)?;
    Ok(())
}

/// A conversation may only point at one of its owner's sheets: what the
/// policies and the composite key enforce in Supabase.
fn check_sheet_link(conn: &Connection, columns: &Columns, user: &str) -> StoreResult<()> {
    let Some((_, SqlValue::Text(sheet))) = columns.iter().find(|(name, _)| *name == "sheet_id")
    else {
        return Ok(());
    };
    if owned_row::<Value>(conn, &SHEETS, "id", sheet, user)?.is_none() {
        return Err(StoreError::Invalid(
            "sheet_id does not name one of your sheets".into(),
        ));
    }
    Ok(())
}

/// Creates the caller's profile from the token when it does not exist yet,
/// as Supabase's sign-up trigger does: email, `user_metadata.full_name`,
/// `app_metadata.role`.
fn ensure_profile(conn: &Connection, caller: &Caller) -> StoreResult<()> {
    let now = now_stamp();
    conn.prepare_cached(
        "insert into users (id, email, full_name, role, created_at, updated_at, last_login_at)
         values (?1, ?2, ?3, ?4, ?5, ?5, ?5)
         on conflict (id) do nothing",
    )
    .map_err(sql)?
    .execute(params![
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
    ])
    .map_err(sql)?;
    Ok(())
}

/// One audit row; an event replayed after a crash is written once.
fn insert_audit_row(
    conn: &Connection,
    caller: Option<&Caller>,
    event: &AuditEvent,
) -> StoreResult<()> {
    if let Some(caller) = caller {
        ensure_profile(conn, caller)?;
    }
    // Hash-chained like the Supabase table (`audit_chain`).
    let user_id = caller.map(|c| c.user_id.to_string());
    super::audit_chain::insert(conn, user_id.as_deref(), event).map_err(sql)?;
    Ok(())
}

fn own_profile(conn: &Connection, caller: &Caller) -> StoreResult<Profile> {
    serde_json::from_value(own_profile_row(conn, caller)?)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("unexpected profile row: {e}")))
}

fn own_profile_row(conn: &Connection, caller: &Caller) -> StoreResult<Value> {
    ensure_profile(conn, caller)?;
    fetch(
        conn,
        "select * from users where id = ?1",
        [caller.user_id.to_string()],
    )?
    .pop()
    .ok_or(StoreError::NotFound)
}

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
        self.with(move |conn| own_profile(conn, &caller)).await
    }

    async fn update_profile(&self, caller: &Caller, patch: &ProfilePatch) -> StoreResult<Profile> {
        let caller = caller.clone();
        let mut columns = Columns::new();
        if let Some(name) = &patch.full_name {
            columns.push(("full_name", text(name.as_ref())));
        }
        if let Some(company) = &patch.company {
            columns.push(("company", text(company.as_ref())));
        }
        if let Some(preferences) = &patch.preferences {
            columns.push(("preferences", SqlValue::Text(preferences.to_string())));
        }
        self.write_row(move |tx| {
            ensure_profile(tx, &caller)?;
            set_columns(tx, "users", &caller.user_id.to_string(), columns)?;
            own_profile_row(tx, &caller)
        })
        .await
    }

    async fn create_sheet(&self, caller: &Caller, sheet: &NewSheet) -> StoreResult<Sheet> {
        let metadata = sheet.metadata.clone().unwrap_or_else(|| json!({}));
        let columns = vec![
            ("workbook_name", text(sheet.workbook_name.as_ref())),
            ("sheet_name", SqlValue::Text(sheet.sheet_name.clone())),
            ("range_address", text(sheet.range_address.as_ref())),
            ("data", SqlValue::Text(sheet.data.to_string())),
            ("metadata", SqlValue::Text(metadata.to_string())),
            ("row_count", integer(sheet.row_count)),
            ("column_count", integer(sheet.column_count)),
        ];
        self.insert_owned(&SHEETS, caller, columns).await
    }

    async fn list_sheets(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<SheetSummary>> {
        self.list_owned(&SHEETS, caller, page).await
    }

    async fn get_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<Sheet> {
        self.get_owned(&SHEETS, caller, id).await
    }

    async fn delete_sheet(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        self.delete_owned(&SHEETS, caller, id).await
    }

    async fn create_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
    ) -> StoreResult<Conversation> {
        let columns = vec![
            ("sheet_id", text(conversation.sheet_id)),
            ("title", text(conversation.title.as_ref())),
            ("model", text(conversation.model.as_ref())),
        ];
        self.insert_owned(&CONVERSATIONS, caller, columns).await
    }

    async fn start_conversation(
        &self,
        caller: &Caller,
        conversation: &NewConversation,
        messages: &[Value],
    ) -> StoreResult<Uuid> {
        // The messages are a column: one insert, one commit.
        let columns = vec![
            ("sheet_id", text(conversation.sheet_id)),
            ("title", text(conversation.title.as_ref())),
            ("model", text(conversation.model.as_ref())),
            (
                "messages",
                SqlValue::Text(Value::from(messages).to_string()),
            ),
        ];
        #[derive(Deserialize)]
        struct Created {
            id: Uuid,
        }
        let created: Created = self
            .insert_owned_returning(&CONVERSATIONS, caller, columns, "id")
            .await?;
        Ok(created.id)
    }

    async fn list_conversations(
        &self,
        caller: &Caller,
        page: &PageRequest,
    ) -> StoreResult<Vec<ConversationSummary>> {
        self.list_owned(&CONVERSATIONS, caller, page).await
    }

    async fn get_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<Conversation> {
        self.get_owned(&CONVERSATIONS, caller, id).await
    }

    async fn update_conversation(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ConversationPatch,
    ) -> StoreResult<Conversation> {
        let mut columns = Columns::new();
        if let Some(title) = &patch.title {
            columns.push(("title", text(title.as_ref())));
        }
        if let Some(sheet) = patch.sheet_id {
            columns.push(("sheet_id", text(sheet)));
        }
        if let Some(status) = patch.status {
            columns.push(("status", SqlValue::Text(status.as_str().to_owned())));
        }
        if let Some(context) = &patch.context {
            columns.push(("context", SqlValue::Text(context.to_string())));
        }
        self.update_owned(&CONVERSATIONS, caller, id, columns).await
    }

    async fn delete_conversation(&self, caller: &Caller, id: Uuid) -> StoreResult<()> {
        self.delete_owned(&CONVERSATIONS, caller, id).await
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
        // Read and write in one transaction on the one connection: atomic.
        self.write(move |tx| {
            let id = id.to_string();
            let current: Value = owned_row(tx, &CONVERSATIONS, "messages", &id, &user)?
                .ok_or(StoreError::NotFound)?;
            let mut list = match current.get("messages") {
                Some(Value::Array(list)) => list.clone(),
                _ => Vec::new(),
            };
            list.extend(messages);
            tx.prepare_cached(
                "update ai_conversations set messages = ?2,
                        total_tokens = min(total_tokens + ?3, 2147483647), updated_at = ?4
                  where id = ?1",
            )
            .map_err(sql)?
            .execute(params![
                id,
                Value::Array(list).to_string(),
                tokens,
                now_stamp()
            ])
            .map_err(sql)?;
            Ok(Value::Null)
        })
        .await?;
        Ok(())
    }

    async fn log_event(&self, caller: Option<&Caller>, event: &AuditEvent) -> StoreResult<()> {
        let caller = caller.cloned();
        let event = event.clone();
        self.write(move |tx| {
            insert_audit_row(tx, caller.as_ref(), &event)?;
            Ok(Value::Null)
        })
        .await?;
        self.make_durable().await
    }

    async fn log_events(&self, events: &[(Option<Caller>, AuditEvent)]) -> LoggedEvents {
        let batch = events.to_vec();
        // All in one write, all or nothing: one commit (one WAL fsync) for
        // the batch, shared with whatever else is written at the same time.
        let together = self
            .write_batch(move |tx| {
                for (caller, event) in &batch {
                    insert_audit_row(tx, caller.as_ref(), event)?;
                }
                Ok(Value::Null)
            })
            .await;
        let together = match together {
            Ok(_) => self.make_durable().await,
            Err(e) => Err(e),
        };
        match together {
            Ok(()) => LoggedEvents {
                written: events.len(),
                failure: None,
            },
            // Nothing was written: one by one finds the event that fails.
            Err(_) => log_one_by_one(self, events).await,
        }
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
            fetch(
                conn,
                "select * from audit_logs
                  where (?1 is null or user_id = ?1)
                    and (?2 is null or action = ?2)
                    and (?3 is null or created_at >= ?3)
                    and (?4 is null or created_at < ?4)
                    and (?5 is null or seq < ?5)
                  order by seq desc limit ?6",
                params![
                    user,
                    filter.action,
                    filter.from,
                    filter.to,
                    filter.before_seq,
                    filter.limit as i64 + 1
                ],
            )
        })
        .await
    }

    async fn export(&self, caller: &Caller) -> StoreResult<Value> {
        let caller = caller.clone();
        self.with(move |conn| {
            let profile = own_profile(conn, &caller)?;
            let user = caller.user_id.to_string();
            let mine = |table: &str, order: &str| {
                fetch::<Value>(
                    conn,
                    &format!("select * from {table} where user_id = ?1 order by {order}"),
                    [&user],
                )
            };
            Ok(json!({
                "exported_at": now_stamp(),
                "user_id": caller.user_id,
                "profile": profile,
                "excel_sheets": mine("excel_sheets", "created_at, id")?,
                "ai_conversations": mine("ai_conversations", "created_at, id")?,
                "audit_logs": mine("audit_logs", "seq")?,
            }))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone() -> Caller {
        let user_id = Uuid::new_v4();
        Caller {
            user_id,
            email: Some(format!("{}@example.com", user_id.simple())),
            claims: json!({ "sub": user_id, "role": "authenticated" }),
            token: None,
        }
    }

    /// A write alone in its group runs without a savepoint of its own, yet
    /// one that fails still leaves nothing behind, and one that succeeds is
    /// kept; the same as in a group of several.
    #[test]
    fn a_write_alone_in_its_group_is_kept_whole_or_not_at_all() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("create table t (n integer)").unwrap();
        let insert_then = |n: i64, fail: bool| -> Write {
            Box::new(move |conn: &Connection| {
                conn.execute("insert into t (n) values (?1)", [n])
                    .map_err(sql)?;
                if fail {
                    Err(StoreError::Conflict("refused after its insert".into()))
                } else {
                    Ok(json!(n))
                }
            })
        };
        let rows = |conn: &Connection| -> Vec<i64> {
            let mut statement = conn.prepare("select n from t order by n").unwrap();
            statement
                .query_map([], |row| row.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        for (group, kept) in [
            (vec![insert_then(1, true)], vec![]),
            (vec![insert_then(2, false)], vec![2]),
            (
                vec![insert_then(3, true), insert_then(4, false)],
                vec![2, 4],
            ),
        ] {
            let size = group.len();
            let outcomes = commit_writes(&mut conn, group);
            assert_eq!(outcomes.len(), size);
            assert_eq!(rows(&conn), kept);
        }
        let outcomes = commit_writes(&mut conn, vec![insert_then(5, true)]);
        assert!(matches!(outcomes[..], [Err(StoreError::Conflict(_))]));
        assert!(conn.is_autocommit(), "no transaction left open");
    }

    /// `EMBEDDED_STORE_SYNC` reaches SQLite: the store's own connection
    /// reads back the `synchronous` it was opened with (1 normal, 2 full),
    /// and a store reopened with another setting takes that one.
    #[tokio::test]
    async fn the_sync_setting_reaches_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let default = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(default.synchronous().await.unwrap(), 1, "normal by default");
        drop(default);
        for (sync, expected) in [(StoreSync::Full, 2), (StoreSync::Normal, 1)] {
            let store = SqliteStore::open_with_sync(dir.path(), sync).unwrap();
            assert_eq!(store.synchronous().await.unwrap(), expected, "{sync:?}");
            let journal_mode: String = store
                .with(|conn| {
                    conn.query_row("pragma journal_mode", [], |row| row.get(0))
                        .map_err(sql)
                })
                .await
                .unwrap();
            assert_eq!(journal_mode, "wal");
            // Writes and audit rows (fsync'ed in normal mode) still work.
            let caller = someone();
            let id = store
                .start_conversation(&caller, &NewConversation::default(), &[json!({ "n": 1 })])
                .await
                .unwrap();
            store
                .append_messages(&caller, id, &[json!({ "n": 2 })], 1)
                .await
                .unwrap();
            let event = AuditEvent::new("ai.query");
            let logged = store.log_events(&[(Some(caller.clone()), event)]).await;
            assert_eq!(logged.written, 1);
            assert!(logged.failure.is_none());
        }
    }

    /// Writes made at the same time share commits, yet each gets its own
    /// outcome: the ones that fail (a conversation that does not exist, a
    /// sheet that is not the caller's) fail alone, leave nothing behind,
    /// and every other write is stored once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_commit_together_and_fail_alone() {
        const GOOD: usize = 64;
        const BAD: usize = 16;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let caller = someone();
        let stranger = someone();
        let mut writes = tokio::task::JoinSet::new();
        for n in 0..GOOD {
            let (store, caller) = (store.clone(), caller.clone());
            writes.spawn(async move {
                let new = NewConversation {
                    title: Some(format!("question {n}")),
                    ..Default::default()
                };
                let question = json!({ "role": "user", "text": format!("question {n}") });
                let id = store.start_conversation(&caller, &new, &[question]).await?;
                let answer = json!({ "role": "assistant", "text": format!("answer {n}") });
                store.append_messages(&caller, id, &[answer], 10).await?;
                Ok::<_, StoreError>(true)
            });
        }
        for _ in 0..BAD {
            let (store, caller, stranger) = (store.clone(), caller.clone(), stranger.clone());
            writes.spawn(async move {
                let missing = store
                    .append_messages(&caller, Uuid::new_v4(), &[json!({ "role": "user" })], 1)
                    .await;
                assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
                // Its profile would be created first: rolled back with it.
                let new = NewConversation {
                    sheet_id: Some(Uuid::new_v4()),
                    ..Default::default()
                };
                let linked = store.create_conversation(&stranger, &new).await;
                assert!(matches!(linked, Err(StoreError::Invalid(_))), "{linked:?}");
                Ok(false)
            });
        }
        let mut stored = 0;
        while let Some(done) = writes.join_next().await {
            if done.unwrap().unwrap() {
                stored += 1;
            }
        }
        assert_eq!(stored, GOOD);

        let conn = store.conn.lock().unwrap();
        let one = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
        assert_eq!(one("select count(*) from ai_conversations"), GOOD as i64);
        assert_eq!(
            one("select count(*) from ai_conversations
                  where json_array_length(messages) = 2 and total_tokens = 10
                    and json_extract(messages, '$[0].text') = title
                    and json_extract(messages, '$[1].text') = 'answer' || substr(title, 9)"),
            GOOD as i64,
            "each question and its answer once, in their own conversation"
        );
        assert_eq!(
            one("select count(*) from users"),
            1,
            "no stranger's profile left"
        );
    }
}
