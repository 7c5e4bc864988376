//! A move is announced before its guest resumes: the decider traces each decision after
//! committing it and only then lets the target land the guest, so `migration_decision` always
//! comes before the `migration_done` it leads to, on whichever cores they print. A target waits
//! for the announcement only while the decider is alive: a decider that dies mid-trace holds
//! nobody back.

use core::sync::atomic::{AtomicU8, Ordering};
use failover::{GuestId, MAX_GUESTS};

/// Per guest: 0 when nothing is unannounced, else the deciding core + 1.
static UNANNOUNCED: [AtomicU8; MAX_GUESTS] = [const { AtomicU8::new(0) }; MAX_GUESTS];

/// Before committing a decision for `guest`: its move is not announced yet.
pub fn withhold(guest: GuestId, decider: usize) {
    if let Some(flag) = UNANNOUNCED.get(guest) {
        flag.store(decider as u8 + 1, Ordering::Release);
    }
}

/// The move of `guest` was traced (or its decision was not committed): its target may land it.
pub fn release(guest: GuestId) {
    if let Some(flag) = UNANNOUNCED.get(guest) {
        flag.store(0, Ordering::Release);
    }
}

/// True while the target must not land `guest` yet: its decider, alive, has not traced the
/// move.
pub fn withheld(guest: GuestId) -> bool {
    let Some(decider) = UNANNOUNCED
        .get(guest)
        .map(|flag| flag.load(Ordering::Acquire))
        .filter(|&value| value != 0)
    else {
        return false;
    };
    let decider = usize::from(decider - 1);
    crate::health::heartbeats().health(decider) == crate::health::detector::Health::Alive
}
