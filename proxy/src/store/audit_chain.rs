//! The embedded store's audit hash chain: the construction of Supabase's
//! `private.audit_row_hash` and `public.verify_audit_chain()`
//! (`supabase/migrations/20261125000100_audit_logs.sql`) over the SQLite
//! table. Every row carries a gapless `seq`, `user_ref` =
//! SHA-256(`["audit-user", user_id, id]`), the previous row's hash
//! (`prev_hash`, 64 zeros for the first) and `row_hash` = SHA-256 of the
//! JSON array `[seq, id, user_ref, action, resource_type, resource_id,
//! details, status, ip_address, user_agent, created_at, prev_hash]`, so an
//! edit, a deletion or a reordering anywhere but at the very end shows up in
//! [`verify`]. The triggers refuse UPDATE and DELETE; the chain is what
//! catches someone who edits the file itself. Rows written before the chain
//! existed (a store created by an older proxy) have no hashes and are
//! counted apart; the chain starts after them.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::audit::AuditEvent;

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Binds a row to its user without hashing the user id itself.
pub fn user_ref(user_id: Option<&str>, id: &str) -> String {
    sha256_hex(&json!(["audit-user", user_id, id]).to_string())
}

/// One row as the hash sees it.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub seq: i64,
    pub id: String,
    pub user_ref: String,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// As stored (the JSON text).
    pub details: String,
    pub status: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: String,
    pub prev_hash: String,
}

impl ChainRow {
    pub fn hash(&self) -> String {
        let array: Value = json!([
            self.seq,
            self.id,
            self.user_ref,
            self.action,
            self.resource_type,
            self.resource_id,
            self.details,
            self.status,
            self.ip_address,
            self.user_agent,
            self.created_at,
            self.prev_hash,
        ]);
        sha256_hex(&array.to_string())
    }
}

/// Adds the chain's columns to a store created before them.
pub fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    let mut columns = Vec::new();
    {
        let mut statement = conn.prepare("pragma table_info(audit_logs)")?;
        let names = statement.query_map([], |row| row.get::<_, String>(1))?;
        for name in names {
            columns.push(name?);
        }
    }
    for column in ["user_ref", "prev_hash", "row_hash"] {
        if !columns.iter().any(|c| c == column) {
            conn.execute_batch(&format!("alter table audit_logs add column {column} text"))?;
        }
    }
    Ok(())
}

/// Appends `event` at the end of the chain, once: an event already stored
/// (replayed from the journal after a crash) is left as it is. Call inside
/// the write transaction, so that nothing else extends the chain meanwhile.
pub fn insert(
    conn: &Connection,
    user_id: Option<&str>,
    event: &AuditEvent,
) -> rusqlite::Result<()> {
    let id = event.id.to_string();
    let exists: Option<i64> = conn
        .prepare_cached("select 1 from audit_logs where id = ?1")?
        .query_row([&id], |row| row.get(0))
        .optional()?;
    if exists.is_some() {
        return Ok(());
    }
    let head: Option<(i64, Option<String>)> = conn
        .prepare_cached("select seq, row_hash from audit_logs order by seq desc limit 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match head {
        None => (1, GENESIS.to_owned()),
        Some((seq, hash)) => (seq + 1, hash.unwrap_or_else(|| GENESIS.to_owned())),
    };
    let row = ChainRow {
        seq,
        user_ref: user_ref(user_id, &id),
        id,
        action: event.action.clone(),
        resource_type: event.resource_type.clone(),
        resource_id: event.resource_id.map(|r| r.to_string()),
        details: event.details.to_string(),
        status: event.status.as_str().to_owned(),
        ip_address: event.ip_address.clone(),
        user_agent: event.user_agent.clone(),
        created_at: event.occurred_at.clone(),
        prev_hash,
    };
    let row_hash = row.hash();
    conn.prepare_cached(
        "insert into audit_logs (seq, id, user_id, action, resource_type, resource_id, details,
           status, ip_address, user_agent, created_at, user_ref, prev_hash, row_hash)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.seq,
        row.id,
        user_id,
        row.action,
        row.resource_type,
        row.resource_id,
        row.details,
        row.status,
        row.ip_address,
        row.user_agent,
        row.created_at,
        row.user_ref,
        row.prev_hash,
        row_hash,
    ])?;
    Ok(())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Rows read.
    pub rows: u64,
    /// Rows from before the chain existed (no hashes), all at its start.
    pub unchained: u64,
    /// The id of the first row (in `seq` order) whose content, link or
    /// position does not match; `None` when the chain is intact.
    pub broken_at: Option<String>,
}

/// Walks the whole chain, like `public.verify_audit_chain()`.
pub fn verify(conn: &Connection) -> rusqlite::Result<Verified> {
    let mut statement = conn.prepare(
        "select seq, id, user_id, action, resource_type, resource_id, details, status,
                ip_address, user_agent, created_at, user_ref, prev_hash, row_hash
           from audit_logs order by seq",
    )?;
    let mut rows = statement.query([])?;
    let mut verified = Verified {
        rows: 0,
        unchained: 0,
        broken_at: None,
    };
    let mut previous: Option<(i64, String)> = None;
    while let Some(row) = rows.next()? {
        verified.rows += 1;
        let id: String = row.get(1)?;
        let stored_hash: Option<String> = row.get(13)?;
        let Some(stored_hash) = stored_hash else {
            // A row without hashes only before the first chained row.
            if previous.is_none() {
                verified.unchained += 1;
                continue;
            }
            verified.broken_at.get_or_insert(id);
            break;
        };
        let user_id: Option<String> = row.get(2)?;
        let chain_row = ChainRow {
            seq: row.get(0)?,
            user_ref: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
            id: id.clone(),
            action: row.get(3)?,
            resource_type: row.get(4)?,
            resource_id: row.get(5)?,
            details: row.get(6)?,
            status: row.get(7)?,
            ip_address: row.get(8)?,
            user_agent: row.get(9)?,
            created_at: row.get(10)?,
            prev_hash: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
        };
        let (expected_seq, expected_prev) = match &previous {
            None => (None, GENESIS.to_owned()),
            Some((seq, hash)) => (Some(seq + 1), hash.clone()),
        };
        let intact = chain_row.prev_hash == expected_prev
            && expected_seq.is_none_or(|s| s == chain_row.seq)
            && chain_row.hash() == stored_hash
            // While the user is known, the row is bound to them.
            && user_id
                .as_deref()
                .is_none_or(|u| user_ref(Some(u), &id) == chain_row.user_ref);
        if !intact {
            verified.broken_at = Some(id);
            break;
        }
        previous = Some((chain_row.seq, stored_hash));
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditStatus;

    fn store() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "create table audit_logs (
               seq integer primary key autoincrement, id text not null unique, user_id text,
               action text not null, resource_type text, resource_id text,
               details text not null default '{}', status text not null, ip_address text,
               user_agent text, created_at text not null)",
        )
        .unwrap();
        prepare(&conn).unwrap();
        prepare(&conn).unwrap(); // twice is harmless
        conn
    }

    fn event(action: &str) -> AuditEvent {
        let mut event = AuditEvent::new(action).details(json!({"cells": 3}));
        event.status = AuditStatus::Success;
        event.ip_address = Some("127.0.0.1".into());
        event
    }

    #[test]
    fn rows_chain_and_a_replay_is_stored_once() {
        let conn = store();
        let first = event("sheet.create");
        insert(&conn, Some("u1"), &first).unwrap();
        insert(&conn, Some("u1"), &first).unwrap();
        insert(&conn, None, &event("auth.failure")).unwrap();
        let verified = verify(&conn).unwrap();
        assert_eq!(verified.rows, 2);
        assert_eq!(verified.broken_at, None);
        let (prev, hash): (String, String) = conn
            .query_row(
                "select prev_hash, row_hash from audit_logs where seq = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(prev, GENESIS);
        let next_prev: String = conn
            .query_row("select prev_hash from audit_logs where seq = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(next_prev, hash);
    }

    #[test]
    fn every_kind_of_edit_is_found() {
        let edits = [
            ("update audit_logs set action = 'x' where seq = 2", 2),
            (
                "update audit_logs set details = '{\"cells\":4}' where seq = 2",
                2,
            ),
            ("update audit_logs set user_id = 'u2' where seq = 2", 2),
            (
                "update audit_logs set created_at = '2020-01-01T00:00:00Z' where seq = 3",
                3,
            ),
            ("update audit_logs set ip_address = null where seq = 1", 1),
            ("delete from audit_logs where seq = 2", 3),
            (
                "update audit_logs set row_hash = prev_hash where seq = 3",
                3,
            ),
            // Reordering: two rows swap places.
            (
                "update audit_logs set seq = -1 where seq = 2; update audit_logs set seq = 2 where seq = 3; update audit_logs set seq = 3 where seq = -1",
                3,
            ),
        ];
        for (sql, broken_seq) in edits {
            let conn = store();
            for action in ["a", "b", "c", "d"] {
                insert(&conn, Some("u1"), &event(action)).unwrap();
            }
            let id_at = |seq: i64| -> String {
                conn.query_row("select id from audit_logs where seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .unwrap()
            };
            // After a delete the row is gone: name the next one now.
            let expected = id_at(broken_seq);
            conn.execute_batch(sql).unwrap();
            let verified = verify(&conn).unwrap();
            assert_eq!(verified.broken_at, Some(expected), "{sql}");
        }
    }

    #[test]
    fn rows_from_before_the_chain_are_counted_apart() {
        let conn = store();
        conn.execute_batch(
            "insert into audit_logs (id, action, status, created_at)
               values ('old', 'x', 'success', '2026-01-01T00:00:00Z')",
        )
        .unwrap();
        insert(&conn, Some("u1"), &event("a")).unwrap();
        insert(&conn, Some("u1"), &event("b")).unwrap();
        let verified = verify(&conn).unwrap();
        assert_eq!((verified.rows, verified.unchained), (3, 1));
        assert_eq!(verified.broken_at, None);
    }
}
