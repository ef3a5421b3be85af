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
//!
//! Where a group is committed ([`CommitOn`]): a commit that waits for the
//! disk (an fsync) runs on tokio's blocking pool; one that only hands bytes
//! to the OS (`EMBEDDED_STORE_SYNC=normal`) runs on the caller's own thread
//! when the target is free. Such a commit takes tens of microseconds, less
//! than the two thread hand-offs of a trip to the pool, and on a busy
//! machine each hand-off can wait milliseconds for a CPU: that wait was the
//! tail of a streamed question's latency.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The commit of one group: gets the jobs in the order they were submitted
/// and returns one outcome per job, in the same order.
pub type Commit<T, J, O> = fn(&mut T, Vec<J>) -> Vec<O>;

/// Where one caller's outcome is left for it.
type Slot<O> = Arc<Mutex<Option<O>>>;

/// Jobs waiting for the next group, each with its caller's slot.
type Queue<J, O> = Arc<Mutex<Vec<(J, Slot<O>)>>>;

/// Where a group is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOn {
    /// Always on tokio's blocking pool: for commits that wait for the disk.
    BlockingPool,
    /// On the submitting task's thread when nobody holds the target (a
    /// `try_lock`, so a runtime thread never waits for the lock), otherwise
    /// on the blocking pool: for commits that never wait for the disk.
    CallerWhenFree,
}

/// Jobs of `J` committed in groups to a `T` behind a mutex (the journal
/// file, the database connection), each answered with an `O`.
pub struct GroupCommit<T, J, O> {
    target: Arc<Mutex<T>>,
    commit: Commit<T, J, O>,
    commit_on: CommitOn,
    /// Long jobs ([`GroupCommit::submit_on_pool`]) queued or being
    /// committed: while there are any, no caller commits on its own thread,
    /// or it could find itself committing one of them.
    long_jobs: AtomicUsize,
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
    pub fn new(target: Arc<Mutex<T>>, commit: Commit<T, J, O>, commit_on: CommitOn) -> Self {
        GroupCommit {
            target,
            commit,
            commit_on,
            long_jobs: AtomicUsize::new(0),
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
        self.submit_with(job, self.commit_on).await
    }

    /// As [`GroupCommit::submit`], for a job whose commit takes long (a
    /// batch of hundreds of rows): always committed on the blocking pool,
    /// never on a runtime thread, whatever the group's [`CommitOn`].
    pub async fn submit_on_pool(&self, job: J) -> Result<O, GroupLost> {
        /// Counts the job out however the wait ends (a caller may stop
        /// waiting).
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.long_jobs.fetch_add(1, Ordering::SeqCst);
        let _queued = Queued(&self.long_jobs);
        self.submit_with(job, CommitOn::BlockingPool).await
    }

    async fn submit_with(&self, job: J, commit_on: CommitOn) -> Result<O, GroupLost> {
        let slot: Slot<O> = Arc::new(Mutex::new(None));
        self.next
            .lock()
            .map_err(|_| GroupLost)?
            .push((job, slot.clone()));
        let committed_here = commit_on == CommitOn::CallerWhenFree
            && self.long_jobs.load(Ordering::SeqCst) == 0
            && match self.target.try_lock() {
                Ok(target) => {
                    // A commit that panics poisons the target (the guard is
                    // dropped while unwinding) and leaves the slots empty,
                    // as on the pool: GroupLost, not a panicking request.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                        let mut target = target;
                        commit_queued(&mut *target, &self.next, self.commit)
                    }));
                    true
                }
                // Busy (or poisoned: the pool's path reports it): queue up.
                Err(_) => false,
            };
        if !committed_here {
            let _turn = self.turn.lock().await;
            if slot.lock().map_err(|_| GroupLost)?.is_none() {
                let (target, next, commit) = (self.target.clone(), self.next.clone(), self.commit);
                // The group is taken under the target's lock, so groups are
                // committed in the order their jobs were queued, and
                // outcomes are set there too, even if this caller stops
                // waiting.
                tokio::task::spawn_blocking(move || {
                    // A poisoned target leaves the group's slots empty:
                    // GroupLost.
                    if let Ok(mut target) = target.lock() {
                        commit_queued(&mut *target, &next, commit);
                    }
                })
                .await
                .map_err(|_| GroupLost)?;
            }
        }
        let outcome = slot.lock().map_err(|_| GroupLost)?.take();
        outcome.ok_or(GroupLost)
    }
}

/// Commits every job queued so far as one group and leaves each outcome
/// in its caller's slot. The caller holds the target's lock.
fn commit_queued<T, J, O>(target: &mut T, next: &Queue<J, O>, commit: Commit<T, J, O>) {
    let group = match next.lock() {
        Ok(mut next) => std::mem::take(&mut *next),
        Err(_) => return,
    };
    if group.is_empty() {
        return;
    }
    let (jobs, slots): (Vec<J>, Vec<Slot<O>>) = group.into_iter().unzip();
    let outcomes = commit(target, jobs);
    for (slot, outcome) in slots.iter().zip(outcomes) {
        if let Ok(mut slot) = slot.lock() {
            *slot = Some(outcome);
        }
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

    const BOTH: [CommitOn; 2] = [CommitOn::BlockingPool, CommitOn::CallerWhenFree];

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_jobs_share_groups_and_each_gets_its_own_outcome() {
        for commit_on in BOTH {
            concurrent_jobs(commit_on).await;
        }
    }

    async fn concurrent_jobs(commit_on: CommitOn) {
        const JOBS: u32 = 200;
        let log = Arc::new(Mutex::new(Vec::new()));
        let group = Arc::new(GroupCommit::new(log.clone(), record, commit_on));
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
            "{commit_on:?}: concurrent jobs were grouped ({} groups for {JOBS} jobs)",
            log.len()
        );
    }

    #[tokio::test]
    async fn a_poisoned_target_is_a_lost_group_not_a_hang() {
        for commit_on in BOTH {
            let log: Arc<Mutex<Vec<Vec<u32>>>> = Arc::new(Mutex::new(Vec::new()));
            let poisoner = log.clone();
            let _ = std::thread::spawn(move || {
                let _held = poisoner.lock().unwrap();
                panic!("poison the lock");
            })
            .join();
            let group = GroupCommit::new(log, record, commit_on);
            assert!(group.submit(1).await.is_err());
            assert!(group.submit(2).await.is_err(), "and the next caller too");
        }
    }

    /// Panics on job 7, as a commit that hits a bug would.
    fn panic_on_seven(log: &mut Vec<Vec<u32>>, jobs: Vec<u32>) -> Vec<Result<u32, String>> {
        assert!(!jobs.contains(&7), "a bug in the commit");
        record(log, jobs)
    }

    #[tokio::test]
    async fn a_commit_that_panics_is_a_lost_group_for_its_callers() {
        for commit_on in BOTH {
            let log = Arc::new(Mutex::new(Vec::new()));
            let group = GroupCommit::new(log, panic_on_seven, commit_on);
            assert_eq!(group.submit(1).await.unwrap(), Ok(2));
            assert!(group.submit(7).await.is_err(), "{commit_on:?}");
            // As after any panic while the target was held: poisoned.
            assert!(group.submit(8).await.is_err(), "{commit_on:?}");
        }
    }

    /// Runs on the caller's thread when the target is free, and waits on
    /// the pool, without blocking the caller's thread, when it is held.
    #[tokio::test(flavor = "current_thread")]
    async fn caller_when_free_commits_on_the_callers_thread_and_queues_when_busy() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let group = Arc::new(GroupCommit::new(
            log.clone(),
            record_thread,
            CommitOn::CallerWhenFree,
        ));
        let here = std::thread::current().id();
        assert_eq!(group.submit(1).await.unwrap(), Ok(format!("{here:?}")));

        // Held by another thread: the caller's thread (the only runtime
        // thread here) must stay free, or the sleep below never ends.
        let (locked, is_locked) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn({
            let log = log.clone();
            move || {
                let _held = log.lock().unwrap();
                locked.send(()).unwrap();
                released.recv().unwrap();
            }
        });
        is_locked.recv().unwrap();
        let waiting = tokio::spawn({
            let group = group.clone();
            async move { group.submit(2).await.unwrap() }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "it waits for the holder");
        release.send(()).unwrap();
        holder.join().unwrap();
        let pooled = waiting.await.unwrap().unwrap();
        assert_ne!(pooled, format!("{here:?}"), "committed on the pool");
        assert_eq!(log.lock().unwrap().as_slice(), &[vec![1], vec![2]]);
    }

    /// A long job goes to the pool even when the target is free, and the
    /// callers queued with it do not commit it on their own thread.
    #[tokio::test(flavor = "current_thread")]
    async fn long_jobs_are_committed_on_the_pool() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let group = GroupCommit::new(log.clone(), record_thread, CommitOn::CallerWhenFree);
        let here = format!("{:?}", std::thread::current().id());
        assert_ne!(group.submit_on_pool(1).await.unwrap(), Ok(here.clone()));
        assert_eq!(group.long_jobs.load(Ordering::SeqCst), 0, "counted out");
        assert_eq!(group.submit(2).await.unwrap(), Ok(here), "and inline again");
    }

    /// Records the jobs and answers each with the committing thread.
    fn record_thread(log: &mut Vec<Vec<u32>>, jobs: Vec<u32>) -> Vec<Result<String, String>> {
        let thread = format!("{:?}", std::thread::current().id());
        log.push(jobs.clone());
        jobs.iter().map(|_| Ok(thread.clone())).collect()
    }
}
