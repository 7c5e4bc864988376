//! What a failing core leaves behind for the survivors: the live state of its vCPU
//! (fail-signal), and the true fault instant (for the trace's measured downtime only; the
//! detector and the policy never read it).

use crate::arch::aarch64::{el1_context, percpu};
use crate::vm::exit::TrapFrame;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};

/// A vCPU's complete state at the moment its core gave up.
pub struct LiveState {
    /// The VM it belongs to (a core in time partitions hosts several).
    pub vm: usize,
    /// When the failing core took the vCPU off (ns): its blackout starts here.
    pub stopped_ns: u64,
    /// General-purpose registers, PC and PSTATE.
    pub frame: TrapFrame,
    /// EL1 system and FP/SIMD registers.
    pub el1: el1_context::El1Context,
}

static LIVE: [spin::Mutex<Option<Box<LiveState>>>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(None) }; percpu::MAX_CPUS];
static FAULT_TRUTH: [AtomicU64; percpu::MAX_CPUS] =
    [const { AtomicU64::new(u64::MAX) }; percpu::MAX_CPUS];

/// The failing core `core` records when it failed (trace only).
pub fn record_fault_truth(core: usize, now_ns: u64) {
    FAULT_TRUTH[core].store(now_ns, Ordering::Release);
}

/// When `core` really failed, if it could say.
pub fn fault_truth(core: usize) -> Option<u64> {
    Some(FAULT_TRUTH.get(core)?.load(Ordering::Acquire)).filter(|&t| t != u64::MAX)
}

/// On the failing core (fail-signal): saves its running vCPU's state for a survivor.
pub fn hand_over_live_state(core: usize) {
    let here = percpu::of(core);
    let frame = here.guest_frame.load(Ordering::Acquire);
    if here.vm.load(Ordering::Acquire) == usize::MAX || frame == 0 {
        return;
    }
    // SAFETY: `guest_frame` points at the frame the vectors saved on this core's stack for the
    // exception being handled right now (the one whose handler runs this code).
    let frame = unsafe { *(frame as *const TrapFrame) };
    let state = Box::new(LiveState {
        vm: here.vm.load(Ordering::Acquire),
        stopped_ns: crate::arch::aarch64::cpu::now_ns(),
        frame,
        el1: el1_context::save(),
    });
    *LIVE[core].lock() = Some(state);
}

/// When `core` took its vCPU off, if it signalled and handed the live state over (not taken).
pub fn signalled_at(core: usize) -> Option<u64> {
    Some(LIVE[core].try_lock()?.as_ref()?.stopped_ns)
}

/// The VM whose live state `core` handed over, if any (not taken yet).
pub fn signalled_vm(core: usize) -> Option<usize> {
    Some(LIVE[core].try_lock()?.as_ref()?.vm)
}

/// The live state `core` left for VM `vm`, if it signalled while running it (the other VMs of
/// a core in time partitions resume from their checkpoints).
pub fn take_live_state(core: usize, vm: usize) -> Option<Box<LiveState>> {
    let mut slot = LIVE[core].try_lock()?;
    if slot.as_ref()?.vm != vm {
        return None;
    }
    slot.take()
}
