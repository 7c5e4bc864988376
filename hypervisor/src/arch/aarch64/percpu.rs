//! Per-core data and stacks: one `&'static PerCpu` per core, found through TPIDR_EL2.
//!
//! Fields are atomics or spin cells, so a core only ever takes shared references to its own or
//! another core's data; nothing hands out `&mut` across cores.

use core::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};

/// Most cores the hypervisor drives.
pub const MAX_CPUS: usize = 8;
/// EL2 stack per core, in bytes.
pub const STACK_SIZE: usize = 64 * 1024;

/// Stack memory: one stack per logical core plus the boot stack used by the primary.
#[repr(C, align(4096))]
pub struct Stacks([[u8; STACK_SIZE]; MAX_CPUS + 1]);

/// The stacks; only the entry assembly touches them (by address).
#[no_mangle]
#[link_section = ".noinit.stacks"]
pub static mut STACKS: Stacks = Stacks([[0; STACK_SIZE]; MAX_CPUS + 1]);

/// MPIDR affinity of each logical core, written by the primary before it starts secondaries;
/// a secondary finds its logical id here with its MMU still off. `u64::MAX` marks a free slot.
#[no_mangle]
pub static MPIDR_TABLE: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(u64::MAX) }; MAX_CPUS];

/// Life cycle of a core as the rest of the hypervisor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CoreState {
    /// Not started (or no such core).
    Off = 0,
    /// Started, at EL2, translation on, waiting for work.
    Online = 1,
    /// Running a vCPU.
    Running = 2,
    /// Stopped after a panic; it answers nothing.
    Parked = 3,
}

/// Data of one core.
pub struct PerCpu {
    /// Logical id (index in the platform's CPU list).
    pub id: AtomicUsize,
    /// MPIDR affinity fields.
    pub mpidr: AtomicU64,
    state: AtomicU8,
    /// Index of the VM whose vCPU this core runs, or `usize::MAX`.
    pub vm: AtomicUsize,
    /// Index of that vCPU inside its VM.
    pub vcpu: AtomicUsize,
    /// Address of the guest frame the vectors saved for the exception being handled (0: none).
    pub guest_frame: AtomicUsize,
    /// Something for the run loop to look at (a claim, an arrival, a slot's end, a start
    /// request, a due fault): one load on the guest interrupt path decides whether to leave
    /// the guest for it.
    pub attention: core::sync::atomic::AtomicBool,
    /// The core hosts no vCPU and waits: its idle time may do the hypervisor's background
    /// work (completing predictions, working out server budgets).
    pub idle_spare: core::sync::atomic::AtomicBool,
    /// A migrant placed on this core has not entered yet (copy, restore, landing).
    pub hosts_arrival: core::sync::atomic::AtomicBool,
    /// Which stack this core runs on (its own, or the boot stack on the boot core).
    stack_slot: AtomicUsize,
}

impl PerCpu {
    const fn new() -> Self {
        PerCpu {
            id: AtomicUsize::new(0),
            mpidr: AtomicU64::new(0),
            state: AtomicU8::new(CoreState::Off as u8),
            vm: AtomicUsize::new(usize::MAX),
            vcpu: AtomicUsize::new(0),
            guest_frame: AtomicUsize::new(0),
            attention: core::sync::atomic::AtomicBool::new(false),
            idle_spare: core::sync::atomic::AtomicBool::new(false),
            hosts_arrival: core::sync::atomic::AtomicBool::new(false),
            stack_slot: AtomicUsize::new(0),
        }
    }

    /// The core's state.
    pub fn state(&self) -> CoreState {
        match self.state.load(Ordering::Acquire) {
            1 => CoreState::Online,
            2 => CoreState::Running,
            3 => CoreState::Parked,
            _ => CoreState::Off,
        }
    }

    /// Asks this core's run loop to look at what changed, and wakes it.
    pub fn attend(&self) {
        self.attention.store(true, Ordering::Release);
    }

    /// Publishes a new state and wakes cores waiting on it.
    pub fn set_state(&self, state: CoreState) {
        self.state.store(state as u8, Ordering::Release);
        super::cpu::send_event();
    }
}

static PERCPU: [PerCpu; MAX_CPUS] = [const { PerCpu::new() }; MAX_CPUS];

/// Points TPIDR_EL2 at core `id`'s data; called once per core at start. `boot` says it runs
/// on the boot stack (the boot core), else on its own.
pub fn install(id: usize, mpidr: u64, boot: bool) {
    let data = &PERCPU[id];
    data.id.store(id, Ordering::Relaxed);
    data.mpidr.store(mpidr, Ordering::Relaxed);
    data.stack_slot
        .store(if boot { MAX_CPUS } else { id }, Ordering::Relaxed);
    // SAFETY: TPIDR_EL2 is reserved for this pointer; it is written once per core before use.
    unsafe { core::arch::asm!("msr tpidr_el2, {}", in(reg) data as *const PerCpu as u64) };
}

/// This core's data.
pub fn current() -> &'static PerCpu {
    let pointer: u64;
    // SAFETY: reading TPIDR_EL2 has no side effects.
    unsafe {
        core::arch::asm!("mrs {}, tpidr_el2", out(reg) pointer, options(nomem, nostack, preserves_flags))
    };
    if pointer == 0 {
        return &PERCPU[0]; // before install on the boot core
    }
    // SAFETY: `install` stored the address of an element of the static PERCPU array.
    unsafe { &*(pointer as *const PerCpu) }
}

/// Core `id`'s data.
pub fn of(id: usize) -> &'static PerCpu {
    &PERCPU[id]
}

/// This core's logical id.
pub fn current_id() -> usize {
    current().id.load(Ordering::Relaxed)
}

/// The top of this core's EL2 stack.
pub fn stack_top() -> u64 {
    let slot = current().stack_slot.load(Ordering::Relaxed);
    let stacks = core::ptr::addr_of!(STACKS) as u64;
    stacks + ((slot + 1) * STACK_SIZE) as u64
}
