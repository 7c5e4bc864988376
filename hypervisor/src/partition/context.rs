//! A switched-out vCPU's whole state on its core: registers, EL1 system and FP registers, its
//! virtual CPU interface, and the active state of its forwarded timer interrupts.

use crate::arch::aarch64::{cpu, el1_context};
use crate::arch::TrapFrame;
use crate::drivers::gic::{self, InterfaceState};

/// The timer PPIs a vCPU owns on its core (virtual, EL1 physical).
fn timer_ppis() -> [u32; 2] {
    crate::machine::guest_timer_ppis()
}

/// What a vCPU needs to run again exactly where it stopped.
pub struct VcpuContext {
    /// General-purpose registers, PC and PSTATE.
    pub frame: TrapFrame,
    /// EL1 system registers (timers included) and FP/SIMD registers.
    pub el1: el1_context::El1Context,
    /// Its virtual CPU interface.
    pub gic: InterfaceState,
    /// Whether each of its timer PPIs was active (taken by the guest, not yet deactivated).
    pub timer_active: [bool; 2],
    /// When it was switched out (ns).
    pub out_ns: u64,
}

/// Saves the state of the vCPU that ran on this core until the exception that saved `frame`,
/// and quiets what it leaves behind: its timers off, its timer interrupts inactive, its
/// virtual interface disabled.
pub fn save(frame: &TrapFrame) -> VcpuContext {
    let el1 = el1_context::save();
    timers_off();
    let mut timer_active = [false; 2];
    let mut interface = InterfaceState::default();
    if let (Some(machine), Some(virtual_interface)) = (gic::get(), gic::virtual_interface()) {
        let core = crate::arch::aarch64::percpu::current_id();
        for (active, intid) in timer_active.iter_mut().zip(timer_ppis()) {
            *active = machine.state(intid, core).1;
            if *active {
                machine.set_ppi_active(intid, false);
            }
        }
        interface = virtual_interface.save();
    }
    VcpuContext {
        frame: *frame,
        el1,
        gic: interface,
        timer_active,
        out_ns: cpu::now_ns(),
    }
}

/// Loads `context`'s EL1 state, virtual interface and timer interrupt states on this core
/// (the registers in `context.frame` are loaded by the entry itself).
pub fn load(context: &VcpuContext) {
    el1_context::restore(&context.el1);
    if let (Some(machine), Some(virtual_interface)) = (gic::get(), gic::virtual_interface()) {
        for (&active, intid) in context.timer_active.iter().zip(timer_ppis()) {
            if active {
                machine.set_ppi_active(intid, true);
            }
        }
        virtual_interface.restore(&context.gic);
    }
}

/// A vCPU entering this core for the first time (a migrant's first slot): a clean virtual
/// interface and timers off.
pub fn load_fresh() {
    timers_off();
    if let Some(virtual_interface) = gic::virtual_interface() {
        virtual_interface.reset();
    }
}

/// Turns this core's EL1 timers off (the vCPU that owned them is saved, or none did).
fn timers_off() {
    // SAFETY: the outgoing vCPU's timer registers are saved (or it starts fresh with its timers
    // disabled); this only stops their interrupts while another vCPU or nobody uses the core.
    unsafe {
        core::arch::asm!(
            "msr cntv_ctl_el0, xzr",
            "msr cntp_ctl_el0, xzr",
            "isb",
            options(nostack)
        );
    }
}
