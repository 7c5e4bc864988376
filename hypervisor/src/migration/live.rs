//! What a failing core leaves behind for the survivors (fail-signal): the live state of the
//! vCPU it was running, taken by whichever core the VM moves to.

use crate::arch::aarch64::{cpu, el1_context, percpu};
use crate::arch::TrapFrame;
use alloc::boxed::Box;

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

/// On the failing core (fail-signal): hands over the state of the vCPU of `vm` it was running,
/// whose registers are `frame` and whose EL1 state is still on the core.
pub fn hand_over(vm: usize, frame: &TrapFrame) {
    let state = Box::new(LiveState {
        vm,
        stopped_ns: cpu::now_ns(),
        frame: *frame,
        el1: el1_context::save(),
    });
    *LIVE[percpu::current_id()].lock() = Some(state);
}

/// When `core` took its vCPU off, if it signalled and handed the live state over (not taken).
pub fn signalled_at(core: usize) -> Option<u64> {
    Some(LIVE.get(core)?.try_lock()?.as_ref()?.stopped_ns)
}

/// True when `core` handed over live state for VM `vm` that nobody took yet.
pub fn holds(core: usize, vm: usize) -> bool {
    LIVE.get(core)
        .and_then(|slot| slot.try_lock())
        .is_some_and(|slot| slot.as_ref().is_some_and(|state| state.vm == vm))
}

/// The live state `core` left for VM `vm`, if it signalled while running it (the other VMs of
/// a core in time partitions resume from their checkpoints).
pub fn take(core: usize, vm: usize) -> Option<Box<LiveState>> {
    let mut slot = LIVE.get(core)?.try_lock()?;
    if slot.as_ref()?.vm != vm {
        return None;
    }
    slot.take()
}
