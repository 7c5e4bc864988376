//! Heartbeat bookkeeping shared by all cores: each core publishes the time of its last beat and
//! its health; a silent (or signalled) peer is suspected by every watcher, and the one whose
//! claim commits in the ledger handles it. Lock-free, so a dead core holds nothing the survivors
//! need.

use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// Health of a core as its peers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Health {
    /// Not beating yet (not started, or no watchdog on it).
    Unwatched = 0,
    /// Beating.
    Alive = 1,
    /// Declared itself failed (fail-signal); its live state is handed over.
    Signalled = 2,
    /// Found failed and being handled by a survivor.
    Failed = 3,
}

/// The heartbeat table of up to `N` cores.
pub struct Heartbeats<const N: usize> {
    beats: [AtomicU64; N],
    health: [AtomicU8; N],
}

impl<const N: usize> Heartbeats<N> {
    /// Every core unwatched.
    pub const fn new() -> Self {
        Heartbeats {
            beats: [const { AtomicU64::new(0) }; N],
            health: [const { AtomicU8::new(0) }; N],
        }
    }

    /// Core `core` beats at `now` (and is alive from now on, unless it already failed).
    pub fn beat(&self, core: usize, now: u64) {
        self.beats[core].store(now, Ordering::Release);
        let _ = self.health[core].compare_exchange(
            Health::Unwatched as u8,
            Health::Alive as u8,
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }

    /// The last beat of `core`.
    pub fn last_beat(&self, core: usize) -> u64 {
        self.beats[core].load(Ordering::Acquire)
    }

    /// The health of `core`.
    pub fn health(&self, core: usize) -> Health {
        match self.health[core].load(Ordering::Acquire) {
            1 => Health::Alive,
            2 => Health::Signalled,
            3 => Health::Failed,
            _ => Health::Unwatched,
        }
    }

    /// Core `core` reports its own failure (fail-signal).
    pub fn signal(&self, core: usize) {
        self.health[core].store(Health::Signalled as u8, Ordering::Release);
    }

    /// Marks `core` failed (after its claim committed in the ledger): no one suspects it again,
    /// and it fences itself at its next look.
    pub fn mark_failed(&self, core: usize) {
        self.health[core].store(Health::Failed as u8, Ordering::Release);
    }

    /// True when `core` can no longer hold anything: declared failed, or beating once and
    /// silent for more than `threshold` periods at `now`.
    pub fn is_dead(&self, core: usize, now: u64, period: u64, threshold: u32) -> bool {
        match self.health(core) {
            Health::Failed | Health::Signalled => true,
            Health::Alive => overdue(now, self.last_beat(core), period, threshold),
            Health::Unwatched => false,
        }
    }

    /// The peers `watcher` should declare failed at `now`: signalled ones, and alive ones whose
    /// last beat is more than `threshold` periods old.
    pub fn suspects(
        &self,
        watcher: usize,
        count: usize,
        now: u64,
        period: u64,
        threshold: u32,
    ) -> impl Iterator<Item = usize> + '_ {
        (0..count.min(N)).filter(move |&core| {
            core != watcher
                && match self.health(core) {
                    Health::Signalled => true,
                    Health::Alive => overdue(now, self.last_beat(core), period, threshold),
                    _ => false,
                }
        })
    }
}

impl<const N: usize> Default for Heartbeats<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// True when a beat at `last` is more than `threshold` periods before `now`.
pub fn overdue(now: u64, last: u64, period: u64, threshold: u32) -> bool {
    now.saturating_sub(last) > period.saturating_mul(u64::from(threshold))
}

/// Worst-case time from a fail-stop fault to its detection: the fault may come right after a
/// beat; the watchers check once per period, so at most `threshold + 1` periods pass (plus the
/// watcher's own tick skew, bounded by one more period).
pub fn detection_bound(period: u64, threshold: u32) -> u64 {
    period.saturating_mul(u64::from(threshold) + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_core_is_suspected_after_the_threshold_only() {
        let table: Heartbeats<4> = Heartbeats::new();
        for core in 0..4 {
            table.beat(core, 1000);
        }
        assert_eq!(
            table.suspects(0, 4, 1000 + 2 * 100, 100, 2).count(),
            0,
            "exactly at the threshold"
        );
        table.beat(0, 1300);
        table.beat(2, 1300);
        table.beat(3, 1300);
        let suspects: std::vec::Vec<usize> = table.suspects(0, 4, 1301, 100, 2).collect();
        assert_eq!(suspects, [1]);
        table.mark_failed(1);
        assert_eq!(
            table
                .suspects(2, 4, 5000, 100, 2)
                .filter(|&c| c == 1)
                .count(),
            0,
            "handled cores are not suspected again"
        );
    }

    #[test]
    fn a_signalled_core_is_suspected_at_once_and_unwatched_never() {
        let table: Heartbeats<3> = Heartbeats::new();
        table.beat(0, 10);
        table.beat(1, 10);
        table.signal(1);
        let suspects: std::vec::Vec<usize> = table.suspects(0, 3, 11, 1_000, 3).collect();
        assert_eq!(suspects, [1], "core 2 never beat, so it is not watched");
        assert!(table.is_dead(1, 11, 1_000, 3) && !table.is_dead(2, 5_000, 1_000, 3));
        table.mark_failed(1);
        assert_eq!(table.health(1), Health::Failed);
    }

    #[test]
    fn detection_bound_covers_the_worst_phase() {
        let (period, threshold) = (100, 2);
        // Fault just after a beat at 0; the watcher checks at 99, 199, ..., first seeing it at the
        // first check past 200.
        let first_check_past = (0..)
            .map(|k| 99 + k * period)
            .find(|&t| overdue(t, 0, period, threshold))
            .unwrap();
        assert!(first_check_past <= detection_bound(period, threshold));
    }
}
