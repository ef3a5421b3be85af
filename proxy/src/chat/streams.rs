//! Open answer streams per user (`MAX_STREAMS_PER_USER`). A slot is taken
//! before anything is stored or sent to Gemini and is held by the response
//! body, so it is given back only when the client has the whole answer or
//! its connection is gone: a client that opens streams and never reads
//! them holds at most this many, each bounded (the relay's channel and
//! `MAX_ANSWER_BYTES`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// The open streams of every user.
#[derive(Debug)]
pub struct StreamSlots {
    max_per_user: usize,
    open: Mutex<HashMap<Uuid, usize>>,
}

/// One open stream; its slot is free again when this is dropped.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user: Uuid,
}

impl StreamSlots {
    pub fn new(max_per_user: usize) -> Arc<StreamSlots> {
        Arc::new(StreamSlots {
            max_per_user: max_per_user.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    pub fn max_per_user(&self) -> usize {
        self.max_per_user
    }

    /// A slot for `user`, or `None` when they already hold the maximum.
    pub fn try_acquire(self: &Arc<Self>, user: Uuid) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user).or_insert(0);
        if *count >= self.max_per_user {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            slots: self.clone(),
            user,
        })
    }

    /// Streams `user` holds now.
    pub fn open(&self, user: Uuid) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&user).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            // No entry per user who ever chatted: the map holds only users
            // with a stream open.
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_their_own_slots_and_dropping_one_frees_it() {
        let slots = StreamSlots::new(2);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let a1 = slots.try_acquire(alice).unwrap();
        let _a2 = slots.try_acquire(alice).unwrap();
        assert!(slots.try_acquire(alice).is_none());
        let _b1 = slots.try_acquire(bob).expect("bob is not alice");
        assert_eq!(slots.open(alice), 2);
        drop(a1);
        assert_eq!(slots.open(alice), 1);
        let _a3 = slots.try_acquire(alice).expect("a freed slot is reusable");
        assert!(slots.try_acquire(alice).is_none());
    }

    #[test]
    fn users_without_streams_leave_no_entry() {
        let slots = StreamSlots::new(1);
        let user = Uuid::new_v4();
        drop(slots.try_acquire(user).unwrap());
        assert!(slots.open.lock().unwrap().is_empty());
        assert_eq!(StreamSlots::new(0).max_per_user(), 1, "never zero");
    }
}
