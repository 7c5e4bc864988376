//! The hypervisor's own tick: the EL2 physical timer (CNTHP_*_EL2, PPI `hyp_phys_irq`, INTID 26
//! on QEMU virt), shared by two channels per core, each with one deadline and one handler: the
//! heartbeat ([`Channel::Heartbeat`], the default of `arm`/`deadline`) and the time-partition
//! switch ([`Channel::Partition`]). The hardware is programmed for the earlier of the two.
//! Guests keep the EL1 virtual timer.
//!
//! The timer also wakes a core that waits at EL2 in WFI (`wait_for_interrupt`), so nothing
//! needs to poll the counter with WFE.

use super::percpu::{self, MAX_CPUS};
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

const DISARMED: u64 = u64::MAX;

static INTID: AtomicU32 = AtomicU32::new(26);
const CHANNELS: usize = 2;

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The heartbeat (health watch).
    Heartbeat = 0,
    /// The end of a time partition's slot.
    Partition = 1,
}

static DEADLINES: [[AtomicU64; CHANNELS]; MAX_CPUS] =
    [const { [const { AtomicU64::new(DISARMED) }; CHANNELS] }; MAX_CPUS];
/// The deadline whose handler runs now on each core (`DISARMED` outside handlers).
static HANDLING: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(DISARMED) }; MAX_CPUS];
static HANDLERS: [[AtomicUsize; CHANNELS]; MAX_CPUS] =
    [const { [const { AtomicUsize::new(0) }; CHANNELS] }; MAX_CPUS];

/// Every core, at start: its timer off. `intid` is the timer's interrupt (the DTB's
/// `hyp_phys_irq`); the caller enables it at the interrupt controller.
pub fn init_this_core(intid: u32) {
    INTID.store(intid, Ordering::Relaxed);
    program(DISARMED);
}

/// The timer's INTID.
pub fn intid() -> u32 {
    INTID.load(Ordering::Relaxed)
}

/// Sets this core's heartbeat handler, called at EL2 (interrupts masked) when its deadline
/// passes.
pub fn set_handler(handler: fn()) {
    set_channel_handler(Channel::Heartbeat, handler);
}

/// Sets this core's handler of `channel`.
pub fn set_channel_handler(channel: Channel, handler: fn()) {
    HANDLERS[percpu::current_id()][channel as usize].store(handler as usize, Ordering::Release);
}

/// Arms this core's heartbeat at `deadline` (system counter ticks); replaces any earlier one.
pub fn arm(deadline: u64) {
    arm_channel(Channel::Heartbeat, deadline);
}

/// Arms `channel` of this core at `deadline` (system counter ticks), replacing its earlier one.
pub fn arm_channel(channel: Channel, deadline: u64) {
    let core = percpu::current_id();
    DEADLINES[core][channel as usize].store(deadline, Ordering::Relaxed);
    program(earliest(core));
}

/// Disarms `channel` of this core.
pub fn disarm_channel(channel: Channel) {
    arm_channel(channel, DISARMED);
}

/// Disarms every channel of this core (it stops for good).
pub fn disarm() {
    let core = percpu::current_id();
    DEADLINES[core]
        .iter()
        .for_each(|deadline| deadline.store(DISARMED, Ordering::Relaxed));
    program(DISARMED);
}

/// This core's heartbeat deadline, if armed.
pub fn deadline() -> Option<u64> {
    let core = percpu::current_id();
    Some(DEADLINES[core][Channel::Heartbeat as usize].load(Ordering::Relaxed))
        .filter(|&d| d != DISARMED)
}

/// Inside a channel's handler: the deadline it was armed for (how late the handler runs is
/// now minus this).
pub fn handled_deadline() -> Option<u64> {
    Some(HANDLING[percpu::current_id()].load(Ordering::Relaxed)).filter(|&d| d != DISARMED)
}

/// The earliest armed deadline of `core` (or `DISARMED`).
fn earliest(core: usize) -> u64 {
    DEADLINES[core]
        .iter()
        .map(|deadline| deadline.load(Ordering::Relaxed))
        .min()
        .unwrap_or(DISARMED)
}

/// The timer interrupt (called by the interrupt dispatch): runs the handler of each channel
/// whose deadline passed, and reprograms the hardware for whatever deadline is left.
pub fn handle_interrupt() {
    let core = percpu::current_id();
    for channel in 0..CHANNELS {
        let deadline = DEADLINES[core][channel].load(Ordering::Relaxed);
        if deadline != DISARMED && super::cpu::counter() >= deadline {
            DEADLINES[core][channel].store(DISARMED, Ordering::Relaxed);
            let handler = HANDLERS[core][channel].load(Ordering::Acquire);
            if handler != 0 {
                // SAFETY: only `set_channel_handler` stores here, always a valid `fn()`.
                let handler: fn() = unsafe { core::mem::transmute::<usize, fn()>(handler) };
                HANDLING[core].store(deadline, Ordering::Relaxed);
                handler();
                HANDLING[core].store(DISARMED, Ordering::Relaxed);
            }
        }
    }
    program(earliest(core));
}

/// Waits in WFI (interrupts stay masked at EL2) until an interrupt is pending for this core,
/// or until `wake_at` (system counter ticks) if given. The caller then acknowledges what came.
pub fn wait_for_interrupt(wake_at: Option<u64>) {
    let deadline = earliest(percpu::current_id());
    let target = wake_at.map_or(deadline, |wake| wake.min(deadline));
    if target != deadline {
        program(target);
    }
    // SAFETY: WFI only waits; a pending interrupt wakes it even while masked.
    unsafe { core::arch::asm!("dsb sy", "wfi", options(nostack, nomem)) };
    if target != deadline {
        program(deadline);
    }
}

/// Loads CNTHP_CVAL_EL2/CNTHP_CTL_EL2: enabled at `deadline`, or off.
fn program(deadline: u64) {
    // SAFETY: the EL2 physical timer belongs to the hypervisor alone; writing it only changes
    // when its interrupt asserts.
    unsafe {
        if deadline == DISARMED {
            core::arch::asm!("msr cnthp_ctl_el2, xzr", "isb", options(nostack, nomem));
        } else {
            core::arch::asm!(
                "msr cnthp_cval_el2, {deadline}",
                "msr cnthp_ctl_el2, {enable}",
                "isb",
                deadline = in(reg) deadline,
                enable = in(reg) crate::arch::register_values::CNTHP_CTL_ARMED,
                options(nostack, nomem),
            );
        }
    }
}
