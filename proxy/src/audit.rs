//! The audit trail, never lost.
//!
//! Every event is first appended to a local journal in
//! `DATA_DIR/audit-queue/`, then delivered to the store in
//! journal order by one worker; the position delivered so far is recorded
//! (atomically, fsync'ed) after each delivery. When the store is
//! unreachable, events stay in the journal and are replayed in order when it
//! is back, also after a restart: a crash at any point loses nothing.
//!
//! How durable a line is when `record` returns follows
//! `EMBEDDED_STORE_SYNC`, like the embedded store's commits: with `full` it
//! is fsync'ed first, so it survives a power loss; with `normal` (the
//! default) it is written to the file, which survives the proxy being
//! killed, and the delivery worker fsyncs the journal before it delivers
//! anything, moments later — a power loss can take only the last few
//! milliseconds of events, never one already delivered.
//!
//! Group commit ([`crate::group_commit`]): events recorded at the same time
//! share one fsync of the journal (each caller still returns only once its
//! own line is durable), and the worker hands everything queued so far to
//! the store in one call (the embedded store writes it in one transaction,
//! itself group-committed with the chat's writes), then records the position
//! once for the lot.
//!
//! Exactly once: an event delivered just before a crash (or a timeout) is
//! delivered again, but each event carries the UUID it was given when it was
//! made, and both stores write one row per id (Supabase: `event_id`).
//!
//! With Supabase, events go in the user's name with their token, unless the
//! operator configured the service key, which then writes every event
//! (the token is then not kept in the journal). Without the service key:
//! * events without a user (authentication failures) go to
//!   `system-events.jsonl` on this machine only (a warning says so at
//!   start-up);
//! * an event whose token the store refuses (it expired while the store was
//!   away) goes to `awaiting-service-key.jsonl`.
//!
//! Both files are moved into the journal, and so into the database, at the
//! first start-up with the service key. Events the store refuses for any
//! other reason go to `dead-letter.jsonl`: never nowhere.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::auth::Caller;
use crate::config::StoreSync;
use crate::group_commit::GroupCommit;
use crate::metrics::Metrics;
use crate::request_meta::RequestMeta;
use crate::store::{Store, StoreError, now_stamp};

/// How often the worker retries when the store was unreachable.
const RETRY_INTERVAL: Duration = Duration::from_secs(5);
/// How long the worker waits, once woken, for more events to deliver with
/// the first: under load one delivery then carries dozens of events.
const DELIVERY_GATHER: Duration = Duration::from_millis(20);
/// System events, when the store cannot hold them.
const SYSTEM_EVENTS_FILE: &str = "system-events.jsonl";
/// Events whose user token the store refused, kept for the service key.
const AWAITING_SERVICE_KEY_FILE: &str = "awaiting-service-key.jsonl";
const DEAD_LETTER_FILE: &str = "dead-letter.jsonl";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    Success,
    Failure,
    Denied,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Success => "success",
            AuditStatus::Failure => "failure",
            AuditStatus::Denied => "denied",
        }
    }
}

/// One thing that happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    /// Unique per event: replays after a crash are recognisable.
    pub id: Uuid,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub details: Value,
    pub status: AuditStatus,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub occurred_at: String,
}

impl AuditEvent {
    pub fn new(action: &str) -> AuditEvent {
        AuditEvent {
            id: Uuid::new_v4(),
            action: action.to_owned(),
            resource_type: None,
            resource_id: None,
            details: json!({}),
            status: AuditStatus::Success,
            ip_address: None,
            user_agent: None,
            occurred_at: now_stamp(),
        }
    }

    pub fn resource(mut self, kind: &str, id: Option<Uuid>) -> AuditEvent {
        self.resource_type = Some(kind.to_owned());
        self.resource_id = id;
        self
    }

    pub fn status(mut self, status: AuditStatus) -> AuditEvent {
        self.status = status;
        self
    }

    /// Merges `details` (an object) into the event's details.
    pub fn details(mut self, details: Value) -> AuditEvent {
        if let (Some(base), Value::Object(extra)) = (self.details.as_object_mut(), details) {
            base.extend(extra);
        }
        self
    }

    fn with_meta(mut self, meta: &RequestMeta) -> AuditEvent {
        self.ip_address = meta.ip.clone();
        self.user_agent = meta.user_agent.clone();
        if let Some(details) = self.details.as_object_mut() {
            if !meta.request_id.is_empty() {
                details.insert("request_id".into(), json!(meta.request_id));
            }
            details.insert("event_id".into(), json!(self.id));
            details.insert("occurred_at".into(), json!(self.occurred_at));
        }
        self
    }
}

/// Who an event belongs to, as kept in the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalCaller {
    user_id: Uuid,
    email: Option<String>,
    claims: Value,
    /// Only kept when the store needs it to write in the user's name.
    token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    caller: Option<JournalCaller>,
    event: AuditEvent,
}

impl Entry {
    fn caller(&self) -> Option<Caller> {
        self.caller.as_ref().map(|c| Caller {
            user_id: c.user_id,
            email: c.email.clone(),
            claims: c.claims.clone(),
            token: c.token.clone().map(SecretString::from),
        })
    }
}

/// The journal files: `journal-<generation>.jsonl`, and `state` holding
/// `<generation> <offset>`: everything before it has been delivered.
struct Journal {
    dir: PathBuf,
    sync: StoreSync,
    generation: u64,
    append: Option<Appending>,
}

/// The current generation's file, open for appending.
struct Appending {
    file: File,
    /// Where the next line goes (the file's length).
    end: u64,
    /// The file's blocks are allocated up to here (see [`reserve_blocks`]).
    reserved_to: u64,
}

/// How far ahead of the journal's end its blocks are allocated at a time.
const RESERVE_AHEAD: u64 = 1 << 20;

impl Appending {
    fn open(path: &Path) -> std::io::Result<Appending> {
        let file = open_private(path)?;
        let end = file.metadata()?.len();
        Ok(Appending {
            file,
            end,
            reserved_to: end,
        })
    }

    fn write(&mut self, lines: &[u8]) -> std::io::Result<()> {
        let needed = self.end + lines.len() as u64;
        if needed > self.reserved_to {
            let ahead = RESERVE_AHEAD.max(lines.len() as u64);
            self.reserved_to = match reserve_blocks(&self.file, self.end, ahead) {
                Ok(()) => self.end + ahead,
                // Not supported here: appends work as they did, unreserved.
                Err(_) => u64::MAX,
            };
        }
        self.file.write_all(lines)?;
        self.end = needed;
        Ok(())
    }
}

/// Allocates the file's blocks for `len` bytes from `offset` without
/// changing its size. An append into blocks the delivery worker's fsync is
/// allocating waits for that allocation (ext4 updates the on-disk size under
/// the lock that allocation holds): at 1,000 questions/s, 2-2.5 % of
/// appends waited (p90 3.6-4.6 ms, up to 47 ms) and every request in
/// flight waited behind them. Appends into blocks allocated beforehand do
/// not wait (docs/BENCHMARKS.md, "Where the tail is").
#[cfg(target_os = "linux")]
fn reserve_blocks(file: &File, offset: u64, len: u64) -> std::io::Result<()> {
    rustix::fs::fallocate(file, rustix::fs::FallocateFlags::KEEP_SIZE, offset, len)
        .map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn reserve_blocks(_file: &File, _offset: u64, _len: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

fn journal_name(generation: u64) -> String {
    format!("journal-{generation:020}.jsonl")
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// The journal's files as the delivery worker reads and records them:
/// what is pending and the position delivered so far. None of it takes the
/// appending side's lock, so a request recording an event never waits for
/// the worker reading the journal or fsync'ing its position. Only the worker
/// (one flush at a time) records positions and rotates; a line being
/// appended while it reads is cut short, so it is read on the next pass.
#[derive(Clone)]
struct JournalFiles {
    dir: PathBuf,
    sync: StoreSync,
}

impl JournalFiles {
    /// With `normal`, appends are not fsync'ed by the requests that make
    /// them: the worker makes everything appended so far durable before it
    /// reads what to deliver. (With `full` every append already was.)
    fn make_appends_durable(&self) -> anyhow::Result<()> {
        if self.sync == StoreSync::Full {
            return Ok(());
        }
        for generation in self.generations()? {
            File::open(self.dir.join(journal_name(generation)))?.sync_data()?;
        }
        Ok(())
    }

    fn generations(&self) -> anyhow::Result<Vec<u64>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(generation) = name
                .strip_prefix("journal-")
                .and_then(|rest| rest.strip_suffix(".jsonl"))
                .and_then(|n| n.parse::<u64>().ok())
            {
                found.push(generation);
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    fn state(&self) -> anyhow::Result<(u64, u64)> {
        match std::fs::read_to_string(self.dir.join("state")) {
            Ok(text) => {
                let mut parts = text.split_whitespace().map(str::parse::<u64>);
                match (parts.next(), parts.next()) {
                    (Some(Ok(g)), Some(Ok(o))) => Ok((g, o)),
                    _ => anyhow::bail!("audit queue state file is corrupt: {text:?}"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((0, 0)),
            Err(e) => Err(e.into()),
        }
    }

    fn set_state(&self, generation: u64, offset: u64) -> anyhow::Result<()> {
        let tmp = self.dir.join("state.tmp");
        {
            let mut file = File::create(&tmp)?;
            write!(file, "{generation} {offset}")?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, self.dir.join("state"))?;
        sync_dir(&self.dir)?;
        Ok(())
    }

    /// Entries not yet delivered, in order, each with the position to
    /// record once it is delivered.
    fn pending(&self) -> anyhow::Result<Vec<(u64, u64, Entry)>> {
        let (delivered_gen, delivered_offset) = self.state()?;
        let mut out = Vec::new();
        for generation in self.generations()? {
            if generation < delivered_gen {
                continue;
            }
            let mut file = File::open(self.dir.join(journal_name(generation)))?;
            let mut offset = if generation == delivered_gen {
                delivered_offset
            } else {
                0
            };
            file.seek(SeekFrom::Start(offset))?;
            let mut reader = BufReader::new(file);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line)?;
                if n == 0 || line.last() != Some(&b'\n') {
                    // A torn last line (crash mid-append) was never acknowledged.
                    break;
                }
                offset += n as u64;
                match serde_json::from_slice::<Entry>(&line) {
                    Ok(entry) => out.push((generation, offset, entry)),
                    Err(e) => {
                        tracing::error!(error = %e, "skipping an unreadable audit journal line")
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Journal {
    fn files(&self) -> JournalFiles {
        JournalFiles {
            dir: self.dir.clone(),
            sync: self.sync,
        }
    }

    fn generations(&self) -> anyhow::Result<Vec<u64>> {
        self.files().generations()
    }

    fn state(&self) -> anyhow::Result<(u64, u64)> {
        self.files().state()
    }

    fn set_state(&self, generation: u64, offset: u64) -> anyhow::Result<()> {
        self.files().set_state(generation, offset)
    }

    fn pending(&self) -> anyhow::Result<Vec<(u64, u64, Entry)>> {
        self.files().pending()
    }

    fn open(dir: PathBuf, sync: StoreSync) -> anyhow::Result<Journal> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut journal = Journal {
            dir,
            sync,
            generation: 0,
            append: None,
        };
        let (delivered_gen, _) = journal.state()?;
        let newest = journal
            .generations()?
            .into_iter()
            .max()
            .unwrap_or(delivered_gen);
        journal.generation = newest.max(delivered_gen);
        // Files of delivered generations are left only by a crash mid-rotation.
        for generation in journal.generations()? {
            if generation < delivered_gen {
                let _ = std::fs::remove_file(journal.dir.join(journal_name(generation)));
            }
        }
        journal.cut_torn_tail()?;
        Ok(journal)
    }

    /// A crash in the middle of an append leaves a line without its end.
    /// It was never acknowledged, so it goes; left in place, the next
    /// line appended would be glued to it and be unreadable too.
    fn cut_torn_tail(&self) -> anyhow::Result<()> {
        let path = self.dir.join(journal_name(self.generation));
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        // Read from the end, a block at a time: the journal of a long store
        // outage can be large, and only its last line matters here.
        let len = file.metadata()?.len();
        let mut end = len;
        let mut block = vec![0u8; 64 * 1024];
        let whole = loop {
            if end == 0 {
                break 0;
            }
            let start = end.saturating_sub(block.len() as u64);
            let chunk = &mut block[..(end - start) as usize];
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(chunk)?;
            if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
                break start + i as u64 + 1;
            }
            end = start;
        };
        if whole == len {
            return Ok(());
        }
        tracing::warn!(
            bytes = len - whole,
            "cut an audit journal line left unfinished by a crash (it was never acknowledged)"
        );
        file.set_len(whole)?;
        file.sync_all()?;
        Ok(())
    }

    fn append(&mut self, entry: &Entry) -> anyhow::Result<()> {
        self.append_lines(&journal_line(entry)?)
    }

    /// Appends whole lines; with `full`, makes them durable with one fsync.
    fn append_lines(&mut self, lines: &[u8]) -> anyhow::Result<()> {
        if self.append.is_none() {
            let path = self.dir.join(journal_name(self.generation));
            let created = !path.exists();
            self.append = Some(Appending::open(&path)?);
            if created {
                sync_dir(&self.dir)?;
            }
        }
        let appending = self.append.as_mut().expect("opened above");
        if let Err(error) = appending.write(lines) {
            // A write cut short (a full disk) leaves part of a line: cut it
            // now, or the next line would be glued to it and both would be
            // unreadable. Reopened next time, at the file's real length.
            self.append = None;
            if let Err(cut) = self.cut_torn_tail() {
                tracing::error!(error = %cut, "cannot cut a partly written audit journal line");
            }
            return Err(error.into());
        }
        if self.sync == StoreSync::Full {
            appending.file.sync_data()?;
        }
        Ok(())
    }

    /// Once everything is delivered, starts a new, empty generation.
    fn rotate_if_drained(&mut self) -> anyhow::Result<()> {
        let (delivered_gen, delivered_offset) = self.state()?;
        if delivered_gen != self.generation {
            return Ok(());
        }
        let path = self.dir.join(journal_name(self.generation));
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len == 0 || len != delivered_offset {
            return Ok(());
        }
        self.generation += 1;
        self.append = None;
        self.set_state(self.generation, 0)?;
        let _ = std::fs::remove_file(path);
        Ok(())
    }

    /// Moves the entries of a side file (see the module docs) into the
    /// journal, then removes it. A crash in between imports them again on
    /// the next start, and the event ids make the second copies no-ops.
    fn import(&mut self, name: &str) -> anyhow::Result<usize> {
        let path = self.dir.join(name);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let mut imported = 0;
        for line in BufReader::new(file).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(&line) {
                Ok(entry) => {
                    self.append(&entry)?;
                    imported += 1;
                }
                Err(e) => {
                    // Kept as it was, for a person to look at.
                    tracing::error!(error = %e, file = name,
                        "an unreadable audit line is kept in {name}.unreadable");
                    let mut kept = open_private(&self.dir.join(format!("{name}.unreadable")))?;
                    kept.write_all(format!("{line}\n").as_bytes())?;
                    kept.sync_data()?;
                }
            }
        }
        std::fs::remove_file(&path)?;
        sync_dir(&self.dir)?;
        Ok(imported)
    }

    fn append_to(&self, name: &str, value: &Value) -> anyhow::Result<()> {
        let mut file = open_private(&self.dir.join(name))?;
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        file.write_all(&line)?;
        file.sync_data()?;
        Ok(())
    }
}

fn journal_line(entry: &Entry) -> anyhow::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(entry)?;
    line.push(b'\n');
    Ok(line)
}

/// The commit of one group of journal lines: one write (and with `full`
/// one fsync) for all of them, and its outcome for each.
fn append_group(journal: &mut Journal, lines: Vec<Vec<u8>>) -> Vec<Result<(), String>> {
    let written = journal
        .append_lines(&lines.concat())
        .map_err(|e| format!("{e:#}"));
    vec![written; lines.len()]
}

/// Maximum number of events delivered to the store in one call.
const DELIVERY_BATCH: usize = 512;

/// What one delivery pass found and did.
enum Delivery {
    /// Nothing was queued.
    Drained,
    /// This many events were delivered; more may have come meanwhile.
    Delivered(usize),
    /// The store or the journal failed; what is left stays queued.
    Stopped,
}

pub struct Auditor {
    store: Arc<dyn Store>,
    journal: Arc<Mutex<Journal>>,
    /// The same journal, read and its position recorded without its lock.
    files: JournalFiles,
    /// Lines of concurrent callers are appended (and fsync'ed) together.
    appends: GroupCommit<Journal, Vec<u8>, Result<(), String>>,
    deliver: tokio::sync::Mutex<()>,
    wake: Notify,
    metrics: Metrics,
}

async fn blocking<T: Send + 'static>(
    journal: &Arc<Mutex<Journal>>,
    f: impl FnOnce(&mut Journal) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let journal = journal.clone();
    tokio::task::spawn_blocking(move || {
        let mut journal = journal
            .lock()
            .map_err(|_| anyhow::anyhow!("audit journal lock poisoned"))?;
        f(&mut journal)
    })
    .await?
}

/// `f` on the journal's files, off the runtime and without the journal's lock.
async fn unlocked<T: Send + 'static>(
    files: &JournalFiles,
    f: impl FnOnce(&JournalFiles) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let files = files.clone();
    tokio::task::spawn_blocking(move || f(&files)).await?
}

impl Auditor {
    /// The journal in `data_dir` with the default `EMBEDDED_STORE_SYNC`.
    pub fn open(
        data_dir: &Path,
        store: Arc<dyn Store>,
        metrics: Metrics,
    ) -> anyhow::Result<Auditor> {
        Auditor::open_with_sync(data_dir, store, metrics, StoreSync::default())
    }

    pub fn open_with_sync(
        data_dir: &Path,
        store: Arc<dyn Store>,
        metrics: Metrics,
        sync: StoreSync,
    ) -> anyhow::Result<Auditor> {
        let mut journal = Journal::open(data_dir.join("audit-queue"), sync)?;
        if store.stores_system_events() {
            for name in [SYSTEM_EVENTS_FILE, AWAITING_SERVICE_KEY_FILE] {
                let imported = journal
                    .import(name)
                    .with_context(|| format!("cannot move {name} into the audit journal"))?;
                if imported > 0 {
                    tracing::info!(
                        events = imported,
                        file = name,
                        "queued kept audit events for delivery"
                    );
                }
            }
        } else {
            tracing::warn!(
                file = %journal.dir.join(SYSTEM_EVENTS_FILE).display(),
                "system audit events (authentication failures) are kept in a local file only: \
                 set SUPABASE_SERVICE_ROLE_KEY to record them in Supabase"
            );
        }
        let files = journal.files();
        let journal = Arc::new(Mutex::new(journal));
        Ok(Auditor {
            store,
            files,
            appends: GroupCommit::new(journal.clone(), append_group, sync.commit_on()),
            journal,
            deliver: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            metrics,
        })
    }

    /// Delivers queued events in the background: at once, when woken, and
    /// every few seconds while the store is unreachable.
    pub fn spawn_worker(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(self);
        runtime.spawn(async move {
            loop {
                let Some(auditor) = weak.upgrade() else {
                    return;
                };
                let delivery = auditor.deliver_queued().await;
                let wait = async {
                    match delivery {
                        Delivery::Drained => {
                            auditor.wake.notified().await;
                            // Let the events of the next few milliseconds
                            // join this one: a delivery costs a store write
                            // and fsyncs however many it carries.
                            tokio::time::sleep(DELIVERY_GATHER).await;
                        }
                        // Under steady load the queue never drains: without
                        // a pause, deliveries of a few events each would
                        // follow each other back to back.
                        Delivery::Delivered(n) if n < DELIVERY_BATCH => {
                            tokio::time::sleep(DELIVERY_GATHER).await;
                        }
                        Delivery::Delivered(_) => {}
                        Delivery::Stopped => tokio::time::sleep(RETRY_INTERVAL).await,
                    }
                };
                // Time out now and then so a dropped auditor ends the task.
                let _ = tokio::time::timeout(RETRY_INTERVAL * 6, wait).await;
            }
        });
    }

    /// Records an event of `caller`.
    pub async fn record(&self, caller: &Caller, event: AuditEvent, meta: &RequestMeta) {
        let entry = Entry {
            caller: Some(JournalCaller {
                user_id: caller.user_id,
                email: caller.email.clone(),
                claims: caller.claims.clone(),
                token: if self.store.needs_caller_token() {
                    caller.token.as_ref().map(|t| t.expose_secret().to_owned())
                } else {
                    None
                },
            }),
            event: event.with_meta(meta),
        };
        self.enqueue(entry).await;
    }

    /// Records an event that belongs to no user (an authentication failure).
    pub async fn record_system(&self, event: AuditEvent, meta: &RequestMeta) {
        let event = event.with_meta(meta);
        if self.store.stores_system_events() {
            self.enqueue(Entry {
                caller: None,
                event,
            })
            .await;
        } else {
            let value = json!({ "event": event });
            if let Err(error) = blocking(&self.journal, move |j| {
                j.append_to(SYSTEM_EVENTS_FILE, &value)
            })
            .await
            {
                tracing::error!(error = %error, "cannot write a system audit event");
            }
        }
    }

    async fn enqueue(&self, entry: Entry) {
        self.metrics.audit_event(&entry.event.action);
        let action = entry.event.action.clone();
        let appended = self.append_durably(&entry).await;
        match appended {
            Ok(()) => self.wake.notify_one(),
            Err(error) => {
                // The disk refused: deliver directly rather than drop it.
                tracing::error!(error = %error, action = %action, "cannot append to the audit journal");
                let caller = entry.caller();
                if let Err(e) = self.store.log_event(caller.as_ref(), &entry.event).await {
                    tracing::error!(error = %e, event = ?entry.event, "audit event could not be recorded");
                }
            }
        }
    }

    /// Appends the entry's line to the journal and returns once it is
    /// written (with `full`, fsync'ed). Lines of concurrent callers are
    /// written together, by whichever of them gets the writer's turn first.
    async fn append_durably(&self, entry: &Entry) -> anyhow::Result<()> {
        let line = journal_line(entry)?;
        match self.appends.submit(line).await? {
            Ok(()) => Ok(()),
            Err(error) => Err(anyhow::anyhow!("{error}")),
        }
    }

    /// Delivers everything queued, in order. True when the queue is empty.
    pub async fn flush(&self) -> bool {
        loop {
            match self.deliver_queued().await {
                Delivery::Drained => return true,
                Delivery::Delivered(_) => {}
                Delivery::Stopped => return false,
            }
        }
    }

    /// Delivers what is queued now, in order, in batches.
    async fn deliver_queued(&self) -> Delivery {
        let _one_at_a_time = self.deliver.lock().await;
        let pending = match unlocked(&self.files, |f| {
            f.make_appends_durable()?;
            f.pending()
        })
        .await
        {
            Ok(p) => p,
            Err(error) => {
                tracing::error!(error = %error, "cannot read the audit journal");
                return Delivery::Stopped;
            }
        };
        self.metrics.audit_queue_depth(pending.len());
        if pending.is_empty() {
            if let Err(error) = blocking(&self.journal, |j| j.rotate_if_drained()).await {
                tracing::error!(error = %error, "cannot rotate the audit journal");
            }
            return Delivery::Drained;
        }
        let mut rest = pending.as_slice();
        while !rest.is_empty() {
            let batch = &rest[..rest.len().min(DELIVERY_BATCH)];
            let events: Vec<_> = batch
                .iter()
                .map(|(_, _, entry)| (entry.caller(), entry.event.clone()))
                .collect();
            self.metrics.audit_delivery();
            let logged = self.store.log_events(&events).await;
            let mut done = logged.written;
            match logged.failure {
                None => {}
                Some(StoreError::Unavailable(reason)) => {
                    tracing::warn!(reason = %reason, "store unreachable; audit events stay queued");
                    // What was written before it is recorded below the
                    // early return, so it is not delivered twice.
                    if done > 0 {
                        let (generation, offset, _) = batch[done - 1];
                        let _ = self.record_delivered(generation, offset).await;
                    }
                    return Delivery::Stopped;
                }
                Some(error) => {
                    let (_, _, refused) = &batch[done];
                    if let Err(e) = self.set_aside(refused.clone(), error).await {
                        tracing::error!(error = %e, "cannot set a refused audit event aside; will retry");
                        if done > 0 {
                            let (generation, offset, _) = batch[done - 1];
                            let _ = self.record_delivered(generation, offset).await;
                        }
                        return Delivery::Stopped;
                    }
                    done += 1;
                }
            }
            if done > 0 {
                let (generation, offset, _) = batch[done - 1];
                if !self.record_delivered(generation, offset).await {
                    return Delivery::Stopped;
                }
            }
            rest = &rest[done..];
        }
        Delivery::Delivered(pending.len())
    }

    /// Records that everything up to `offset` of `generation` is delivered.
    async fn record_delivered(&self, generation: u64, offset: u64) -> bool {
        match unlocked(&self.files, move |f| f.set_state(generation, offset)).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error, "cannot record audit delivery");
                false
            }
        }
    }

    /// Keeps an event the store refused out of the way of the ones behind
    /// it: for the service key when the user's token was the problem (it
    /// expired while queued), else in the dead letters.
    async fn set_aside(&self, mut entry: Entry, error: StoreError) -> anyhow::Result<()> {
        let token_refused =
            matches!(error, StoreError::Unauthorized(_)) && self.store.needs_caller_token();
        let (file, value) = if token_refused {
            tracing::warn!(error = %error, event_id = %entry.event.id,
                "the store refused the user's token for an audit event; kept in \
                 awaiting-service-key.jsonl until SUPABASE_SERVICE_ROLE_KEY is set");
            if let Some(caller) = entry.caller.as_mut() {
                caller.token = None;
            }
            (AWAITING_SERVICE_KEY_FILE, serde_json::to_value(&entry)?)
        } else {
            tracing::error!(error = %error, event_id = %entry.event.id,
                "the store refused an audit event; kept in dead-letter.jsonl");
            let value = json!({ "error": error.to_string(), "event": entry.event,
                "user_id": entry.caller.as_ref().map(|c| c.user_id) });
            (DEAD_LETTER_FILE, value)
        };
        blocking(&self.journal, move |j| j.append_to(file, &value)).await
    }

    /// Events waiting for the store.
    pub async fn queued(&self) -> usize {
        blocking(&self.journal, |j| j.pending())
            .await
            .map(|p| p.len())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AuditFilter;
    use crate::store::sqlite::SqliteStore;

    /// Concurrent callers share fsyncs, yet each returns only once its own
    /// line is in the journal; the worker then delivers the lot in one
    /// batch, in journal order, and records the position once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_events_are_each_journaled_once_and_delivered_in_order() {
        const EVENTS: usize = 64;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let auditor = Arc::new(Auditor::open(dir.path(), store.clone(), Metrics::new()).unwrap());
        let caller = Caller::local();
        let mut records = tokio::task::JoinSet::new();
        for n in 0..EVENTS {
            let (auditor, caller) = (auditor.clone(), caller.clone());
            records.spawn(async move {
                let event = AuditEvent::new("ai.query").details(json!({ "n": n }));
                let id = event.id;
                auditor
                    .record(&caller, event, &RequestMeta::default())
                    .await;
                // Durable when `record` returns: already in the journal.
                let journaled = auditor.journal.lock().unwrap().pending().unwrap();
                assert!(journaled.iter().any(|(_, _, e)| e.event.id == id));
            });
        }
        while let Some(done) = records.join_next().await {
            done.unwrap();
        }
        let journaled = auditor.journal.lock().unwrap().pending().unwrap();
        let mut ids: Vec<Uuid> = journaled.iter().map(|(_, _, e)| e.event.id).collect();
        assert_eq!(ids.len(), EVENTS);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), EVENTS, "every event once");

        assert!(auditor.flush().await);
        assert_eq!(auditor.queued().await, 0);
        let all = AuditFilter {
            limit: 500,
            ..Default::default()
        };
        let rows = store.list_audit(&caller, &all).await.unwrap();
        let delivered: Vec<Uuid> = rows.iter().rev().map(|r| r.id).collect();
        let in_journal_order: Vec<Uuid> = journaled.iter().map(|(_, _, e)| e.event.id).collect();
        assert_eq!(delivered, in_journal_order);
    }

    /// Under steady load the queue never drains; the worker still waits
    /// DELIVERY_GATHER between deliveries, so each carries what gathered
    /// meanwhile instead of one or two events (and a store write and
    /// fsyncs each). Every event is delivered all the same.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_steady_load_deliveries_are_paced_and_nothing_is_left_behind() {
        const EVENTS: usize = 150;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let metrics = Metrics::new();
        let auditor = Arc::new(Auditor::open(dir.path(), store.clone(), metrics.clone()).unwrap());
        auditor.spawn_worker();
        let caller = Caller::local();
        let started = std::time::Instant::now();
        for n in 0..EVENTS {
            let event = AuditEvent::new("ai.query").details(json!({ "n": n }));
            auditor
                .record(&caller, event, &RequestMeta::default())
                .await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let recording = started.elapsed();
        let mut delivered = 0;
        for _ in 0..500 {
            delivered = store
                .list_audit(
                    &caller,
                    &AuditFilter {
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .len();
            if delivered == EVENTS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(delivered, EVENTS, "every event reaches the store");
        // At most one delivery per gather interval while recording, plus
        // the one that finds the last events. Back to back, there would be
        // about one per event or two.
        let paced = (recording.as_millis() / DELIVERY_GATHER.as_millis()) as u64 + 2;
        let deliveries = metrics.audit_deliveries();
        assert!(
            deliveries <= paced,
            "{deliveries} deliveries in {recording:?} (at most {paced} when paced)"
        );
    }

    /// A line cut short by a crash is dropped at the next start, so the
    /// first event after it is whole and delivered (not glued to it).
    #[tokio::test]
    async fn a_torn_last_line_is_cut_and_the_next_event_is_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let caller = Caller::local();
        let first = AuditEvent::new("sheet.create");
        let first_id = first.id;
        let auditor = Auditor::open(dir.path(), store.clone(), Metrics::new()).unwrap();
        auditor
            .record(&caller, first, &RequestMeta::default())
            .await;
        drop(auditor);
        let journal = dir.path().join("audit-queue").join(journal_name(0));
        let mut file = OpenOptions::new().append(true).open(&journal).unwrap();
        file.write_all(br#"{"caller":null,"event":{"id":"#).unwrap();
        drop(file);

        let auditor = Auditor::open(dir.path(), store.clone(), Metrics::new()).unwrap();
        let second = AuditEvent::new("sheet.delete");
        let second_id = second.id;
        auditor
            .record(&caller, second, &RequestMeta::default())
            .await;
        assert!(auditor.flush().await);
        let all = AuditFilter {
            limit: 10,
            ..Default::default()
        };
        let rows = store.list_audit(&caller, &all).await.unwrap();
        let delivered: Vec<Uuid> = rows.iter().rev().map(|r| r.id).collect();
        assert_eq!(delivered, vec![first_id, second_id]);
    }

    #[test]
    fn kept_events_move_into_the_journal_and_unreadable_lines_are_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path().to_path_buf(), StoreSync::Full).unwrap();
        let event = AuditEvent::new("auth.failure").status(AuditStatus::Denied);
        let kept = serde_json::to_string(&json!({ "event": event })).unwrap();
        std::fs::write(
            dir.path().join(SYSTEM_EVENTS_FILE),
            format!("{kept}\nnot json\n\n"),
        )
        .unwrap();

        assert_eq!(journal.import(SYSTEM_EVENTS_FILE).unwrap(), 1);
        assert_eq!(journal.import(AWAITING_SERVICE_KEY_FILE).unwrap(), 0);
        let pending = journal.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert!(pending[0].2.caller.is_none());
        assert_eq!(pending[0].2.event, event, "the same event, id included");
        assert!(!dir.path().join(SYSTEM_EVENTS_FILE).exists());
        let unreadable =
            std::fs::read_to_string(dir.path().join(format!("{SYSTEM_EVENTS_FILE}.unreadable")))
                .unwrap();
        assert_eq!(unreadable, "not json\n");
    }

    /// The journal's blocks are allocated ahead of its end (so an append
    /// does not wait for an fsync's allocation), while its length stays
    /// that of the lines in it: readers and the torn-line cut see no padding.
    #[cfg(target_os = "linux")]
    #[test]
    fn appends_go_into_blocks_allocated_ahead_and_the_length_is_the_lines() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let probe = File::create(dir.path().join("probe")).unwrap();
        if reserve_blocks(&probe, 0, 4096).is_err() {
            eprintln!("skipped: this filesystem cannot allocate ahead (fallocate)");
            return;
        }
        let mut journal = Journal::open(dir.path().to_path_buf(), StoreSync::Normal).unwrap();
        let event = AuditEvent::new("sheet.create");
        journal.append(&entry_of(&event)).unwrap();
        let line_len = journal_line(&entry_of(&event)).unwrap().len() as u64;
        let path = dir.path().join(journal_name(journal.generation));
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), line_len);
        assert!(
            meta.blocks() * 512 >= RESERVE_AHEAD,
            "{} bytes allocated for a {line_len}-byte journal",
            meta.blocks() * 512
        );

        // Reopened (as after a restart), it appends after the line, not
        // after the reserved blocks, and both lines read back.
        drop(journal);
        let mut journal = Journal::open(dir.path().to_path_buf(), StoreSync::Normal).unwrap();
        let second = AuditEvent::new("sheet.delete");
        journal.append(&entry_of(&second)).unwrap();
        let pending = journal.pending().unwrap();
        let events: Vec<_> = pending.iter().map(|(_, _, e)| e.event.id).collect();
        assert_eq!(events, vec![event.id, second.id]);
        assert_eq!(pending[1].1, std::fs::metadata(&path).unwrap().len());
    }

    fn entry_of(event: &AuditEvent) -> Entry {
        Entry {
            caller: None,
            event: event.clone(),
        }
    }

    /// An append that fails partway (a full disk) leaves part of a line;
    /// it is cut at once, so the next event's line is whole and read back.
    #[test]
    fn a_failed_append_cuts_what_it_left_so_the_next_line_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path().to_path_buf(), StoreSync::Normal).unwrap();
        let first = AuditEvent::new("sheet.create");
        journal.append(&entry_of(&first)).unwrap();
        let path = dir.path().join(journal_name(journal.generation));
        // What a write cut short leaves behind, and a handle that cannot
        // write, so that the next append fails.
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(br#"{"caller":null,"ev"#)
            .unwrap();
        journal.append.as_mut().unwrap().file = File::open(&path).unwrap();
        assert!(journal.append(&entry_of(&AuditEvent::new("lost"))).is_err());

        let third = AuditEvent::new("sheet.delete");
        journal.append(&entry_of(&third)).unwrap();
        let read: Vec<_> = journal
            .pending()
            .unwrap()
            .iter()
            .map(|(_, _, e)| e.event.id)
            .collect();
        assert_eq!(read, vec![first.id, third.id]);
    }
}
