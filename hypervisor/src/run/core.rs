//! Each core's own state above the architecture, in one struct: the vCPUs it hosts and where
//! each one's state is, its time-partition schedule, and the failures it reported. Only the
//! core itself changes it (its run loop and its trap handlers, never both at once); other cores
//! only glance at it (`status`), with `try_lock`.

use crate::arch::aarch64::percpu::{self, MAX_CPUS};
use crate::arch::TrapFrame;
use crate::migration::arrival::Arrival;
use crate::partition::context::VcpuContext;
use crate::partition::schedule::Schedule;
use alloc::boxed::Box;
use alloc::vec::Vec;
use failover::{FrameSpec, GuestId};

/// Where a hosted vCPU's state is.
pub enum State {
    /// Powered off (a secondary not started yet, or CPU_OFF): it waits for a CPU_ON.
    Off,
    /// To enter at `entry` with `x0 = argument`, its EL1 state fresh (boot, CPU_ON).
    Start { entry: u64, argument: u64 },
    /// To boot again from its image (its memory is reloaded first).
    Reboot,
    /// Left its guest for the run loop; its EL1, timer and virtual-interface state are still
    /// on this core. Only the vCPU in [`Core::loaded`] can be in this state.
    Loaded(TrapFrame),
    /// Switched out: everything saved.
    Saved(Box<VcpuContext>),
    /// A migrant that has not run here yet.
    Arriving(Box<Arrival>),
}

/// One vCPU this core hosts.
pub struct Hosted {
    /// VM index.
    pub vm: usize,
    /// vCPU index in the VM.
    pub vcpu: usize,
    /// Its ledger entry.
    pub guest: GuestId,
    /// Where its state is.
    pub state: State,
}

/// The frame this core runs: as the ledger records it (to notice a change) and in ticks.
pub struct Partitions {
    /// The ledger's frame it was built from.
    pub spec: FrameSpec,
    /// The same frame in counter ticks, by vCPU.
    pub schedule: Schedule,
}

/// A core's state.
pub struct Core {
    /// The vCPUs it hosts.
    pub hosted: Vec<Hosted>,
    /// Index in `hosted` of the vCPU whose state is on the core's registers, if any.
    pub loaded: Option<usize>,
    /// Its time partitions, if it runs a frame.
    pub partitions: Option<Partitions>,
    /// The planned end of the slot running now (ticks; 0 when none): a switched-out vCPU's
    /// dark span starts there.
    pub slot_end: u64,
    /// Failures this core claimed and already traced (bit per core).
    pub reported: u32,
    /// Switches into slots done, and the longest one (ticks from the slot's start to entering
    /// its vCPU): the figure the switch bound must cover.
    pub switches: u64,
    /// See `switches`.
    pub worst_switch: u64,
}

impl Core {
    const fn new() -> Self {
        Core {
            hosted: Vec::new(),
            loaded: None,
            partitions: None,
            slot_end: 0,
            reported: 0,
            switches: 0,
            worst_switch: 0,
        }
    }

    /// The index of vCPU `vcpu` of VM `vm` in `hosted`.
    pub fn find(&self, vm: usize, vcpu: usize) -> Option<usize> {
        self.hosted
            .iter()
            .position(|hosted| hosted.vm == vm && hosted.vcpu == vcpu)
    }
}

static CORES: [spin::Mutex<Core>; MAX_CPUS] = [const { spin::Mutex::new(Core::new()) }; MAX_CPUS];

/// This core's state. Hold the guard only briefly, and never across entering a guest.
pub fn this() -> spin::MutexGuard<'static, Core> {
    CORES[percpu::current_id()].lock()
}

/// Another core's state, if it is not busy (for a glance: `status`, the power-off summary).
pub fn peek(core: usize) -> Option<spin::MutexGuard<'static, Core>> {
    CORES.get(core)?.try_lock()
}
