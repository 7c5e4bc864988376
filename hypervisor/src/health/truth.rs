//! When each core really failed, as the failing core itself recorded it: the ground truth of
//! the trace's measured downtimes. The detector and the policy never read it.

use crate::arch::aarch64::percpu;
use core::sync::atomic::{AtomicU64, Ordering};

static FAULT_TRUTH: [AtomicU64; percpu::MAX_CPUS] =
    [const { AtomicU64::new(u64::MAX) }; percpu::MAX_CPUS];

/// The failing core `core` records when it failed.
pub fn record(core: usize, now_ns: u64) {
    FAULT_TRUTH[core].store(now_ns, Ordering::Release);
}

/// When `core` really failed, if it could say.
pub fn fault_truth(core: usize) -> Option<u64> {
    Some(FAULT_TRUTH.get(core)?.load(Ordering::Acquire)).filter(|&t| t != u64::MAX)
}
