//! Group commit: writes that callers submit at about the same time are made
//! durable together (one fsync for all of them), while each caller still
//! returns only once its own write is durable, with its own outcome.
//!
//! Used by the audit journal (lines appended with one `sync_data`) and by the
//! embedded store (writes applied in one SQLite transaction, one WAL fsync).
//! The cost of a durable write is mostly the fsync, and an fsync costs about
//! the same for one write as for a hundred: under concurrency the writes that
//! queue while one group is being committed form the next group.
//!
//! There is no writer task: whichever caller gets the writer's turn first
//! commits everything queued so far, and the callers whose writes were in
//! that group find their outcome ready when their turn comes. So it works
//! without a runtime to spawn on, and nothing runs when nothing is written.

use std::sync::{Arc, Mutex};

/// The commit of one group: gets the jobs in the order they were submitted
/// and returns one outcome per job, in the same order.
pub type Commit<T, J, O> = fn(&mut T, Vec<J>) -> Vec<O>;

/// Where one caller's outcome is left for it.
type Slot<O> = Arc<Mutex<Option<O>>>;

/// Jobs waiting for the next group, each with its caller's slot.
type Queue<J, O> = Arc<Mutex<Vec<(J, Slot<O>)>>>;

/// Jobs of `J` committed in groups to a `T` behind a mutex (the journal
/// file, the database connection), each answered with an `O`.
pub struct GroupCommit<T, J, O> {
    target: Arc<Mutex<T>>,
    commit: Commit<T, J, O>,
    /// The next group: jobs wait here while the group before is committed.
    next: Queue<J, O>,
    /// One committer at a time; the others wait here, and usually find their
    /// job already committed when their turn comes.
    turn: tokio::sync::Mutex<()>,
}

/// The group holding the job was lost before its outcome was known: the
/// commit panicked, or the target's lock was poisoned by an earlier panic.
#[derive(Debug, thiserror::Error)]
#[error("the group commit ended without an outcome")]
pub struct GroupLost;

impl<T, J, O> GroupCommit<T, J, O>
where
    T: Send + 'static,
    J: Send + 'static,
    O: Send + 'static,
{
    pub fn new(target: Arc<Mutex<T>>, commit: Commit<T, J, O>) -> Self {
        GroupCommit {
            target,
            commit,
            next: Arc::new(Mutex::new(Vec::new())),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Queues `job` for the next group and returns its outcome once the
    /// group holding it has been committed.
    ///
    /// A caller that stops waiting does not withdraw its job: it is
    /// committed with the next group, as a write already handed to the
    /// database would be.
    pub async fn submit(&self, job: J) -> Result<O, GroupLost> {
        let slot: Slot<O> = Arc::new(Mutex::new(None));
        self.next
            .lock()
            .map_err(|_| GroupLost)?
            .push((job, slot.clone()));
        let _turn = self.turn.lock().await;
        if slot.lock().map_err(|_| GroupLost)?.is_none() {
            let (target, next, commit) = (self.target.clone(), self.next.clone(), self.commit);
            // The group is taken under the target's lock, so groups are
            // committed in the order their jobs were queued, and outcomes
            // are set there too, even if this caller stops waiting.
            tokio::task::spawn_blocking(move || {
                let target = target.lock();
                let group = match next.lock() {
                    Ok(mut next) => std::mem::take(&mut *next),
                    Err(_) => return,
                };
                // A poisoned target leaves the group's slots empty: GroupLost.
                let (Ok(mut target), false) = (target, group.is_empty()) else {
                    return;
                };
                let (jobs, slots): (Vec<J>, Vec<Slot<O>>) = group.into_iter().unzip();
                let outcomes = commit(&mut target, jobs);
                for (slot, outcome) in slots.iter().zip(outcomes) {
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(outcome);
                    }
                }
            })
            .await
            .map_err(|_| GroupLost)?;
        }
        let outcome = slot.lock().map_err(|_| GroupLost)?.take();
        outcome.ok_or(GroupLost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends each group to the log as one entry, taking as long as a
    /// small fsync, so that jobs queue up behind it.
    fn record(log: &mut Vec<Vec<u32>>, jobs: Vec<u32>) -> Vec<Result<u32, String>> {
        std::thread::sleep(std::time::Duration::from_millis(2));
        log.push(jobs.clone());
        jobs.into_iter()
            .map(|n| {
                if n == 13 {
                    Err("refused".into())
                } else {
                    Ok(n * 2)
                }
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_jobs_share_groups_and_each_gets_its_own_outcome() {
        const JOBS: u32 = 200;
        let log = Arc::new(Mutex::new(Vec::new()));
        let group = Arc::new(GroupCommit::new(log.clone(), record));
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..JOBS {
            let group = group.clone();
            tasks.spawn(async move { (n, group.submit(n).await.unwrap()) });
        }
        while let Some(done) = tasks.join_next().await {
            let (n, outcome) = done.unwrap();
            if n == 13 {
                assert_eq!(outcome, Err("refused".to_owned()));
            } else {
                assert_eq!(outcome, Ok(n * 2));
            }
        }
        let log = log.lock().unwrap();
        let mut committed: Vec<u32> = log.iter().flatten().copied().collect();
        committed.sort_unstable();
        assert_eq!(committed, (0..JOBS).collect::<Vec<_>>(), "every job once");
        assert!(log.iter().all(|group| !group.is_empty()));
        assert!(
            log.len() < JOBS as usize,
            "concurrent jobs were grouped ({} groups for {JOBS} jobs)",
            log.len()
        );
    }

    #[tokio::test]
    async fn a_poisoned_target_is_a_lost_group_not_a_hang() {
        let log: Arc<Mutex<Vec<Vec<u32>>>> = Arc::new(Mutex::new(Vec::new()));
        let poisoner = log.clone();
        let _ = std::thread::spawn(move || {
            let _held = poisoner.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        let group = GroupCommit::new(log, record);
        assert!(group.submit(1).await.is_err());
        assert!(group.submit(2).await.is_err(), "and the next caller too");
    }
}
