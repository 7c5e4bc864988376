//! The physical interrupt controller: GICv2 or GICv3, whichever the device tree describes,
//! driven through one `Gic` value for the machine; each core also has a virtual interface
//! (list registers) for the vCPU it runs.
//!
//! Physical interrupts use EOImode = 1: `priority_drop` at once, `deactivate` when handled, so
//! an interrupt forwarded to a guest stays active until the guest deactivates it through a
//! list register with the HW bit.

mod distributor;
mod sysreg;
mod v2;
mod v3;
mod virtual_interface;

pub use v2::GicV2;
pub use v3::GicV3;
pub use virtual_interface::{InterfaceState, VirtualInterface};

use crate::arch::aarch64::percpu;

/// SGI the hypervisor sends a core so that it looks at its vCPU's pending virtual interrupts.
pub const KICK_SGI: u32 = 0;
/// Default maintenance interrupt (PPI 9), when the device tree names none.
pub const DEFAULT_MAINTENANCE_INTID: u32 = 25;
/// Priority of the hypervisor's own interrupts (above those forwarded to guests).
pub const HYPERVISOR_PRIORITY: u8 = 0x80;
/// Priority of the hypervisor's timer (the heartbeat), above every other interrupt: the only
/// one taken while EL2 does long work ([`LONG_WORK_MASK`]).
pub const TIMER_PRIORITY: u8 = 0x40;
/// Priority mask while EL2 does long work with interrupts on: only interrupts of a higher
/// priority than this (a lower value), the timer's, get through.
pub const LONG_WORK_MASK: u8 = HYPERVISOR_PRIORITY;
/// Priority mask the rest of the time: every priority.
pub const OPEN_MASK: u8 = 0xff;

/// The machine's GIC.
pub enum Gic {
    /// GICv2 with memory-mapped CPU interface.
    V2(GicV2),
    /// GICv3 with system-register CPU interface.
    V3(GicV3),
}

/// An acknowledged interrupt: its INTID, and the value that completes it (on GICv2 an SGI's
/// acknowledge value also names the sending core).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acknowledged {
    /// The interrupt's INTID.
    pub intid: u32,
    raw: u32,
}

struct Machine {
    gic: Gic,
    gich: Option<usize>,
    maintenance: u32,
}

static MACHINE: spin::Once<Machine> = spin::Once::new();
/// The virtual interface (the same description serves every core: each reaches its own).
static VIRTUAL_INTERFACE: spin::Once<VirtualInterface> = spin::Once::new();

/// Boot core, once, before the other cores start: takes over the GIC the platform describes
/// and resets its distributor.
pub fn init(platform: &platform::Platform) {
    let me = percpu::current_id();
    let maintenance = platform
        .gic
        .maintenance_irq()
        .unwrap_or(DEFAULT_MAINTENANCE_INTID);
    let machine = match &platform.gic {
        platform::Gic::V2 { dist, cpu, hyp, .. } => {
            // SAFETY: the frames come from the DTB; the EL2 map maps all non-RAM as device
            // memory, and the config validation keeps GIC frames away from every VM.
            let gic = unsafe { GicV2::new(dist.base as usize, cpu.base as usize) };
            gic.init_distributor();
            Machine {
                gic: Gic::V2(gic),
                gich: hyp.map(|hyp| hyp.base as usize),
                maintenance,
            }
        }
        platform::Gic::V3 {
            dist,
            redist,
            redist_stride,
            ..
        } => {
            let frames: alloc::vec::Vec<(usize, usize)> = redist
                .iter()
                .map(|r| (r.base as usize, r.size as usize))
                .collect();
            let mpidrs: alloc::vec::Vec<u64> = platform.cpus.iter().map(|c| c.mpidr).collect();
            let stride = redist_stride.map(|s| s as usize);
            // SAFETY: as for GICv2: DT frames, device memory, owned by the hypervisor alone.
            let gic = unsafe { GicV3::new(dist.base as usize, &frames, stride, &mpidrs) };
            gic.init_distributor(me);
            Machine {
                gic: Gic::V3(gic),
                gich: None,
                maintenance,
            }
        }
    };
    let machine = MACHINE.call_once(|| machine);
    log::debug!(
        "GICv{}: INTIDs up to {}, maintenance interrupt {}",
        machine.gic.version(),
        machine.gic.max_intid(),
        maintenance
    );
}

/// Every core (after `init`): its CPU interface on, its hypervisor interrupts (kick SGI,
/// maintenance) enabled, its virtual interface reset and enabled.
pub fn init_this_core() {
    let Some(machine) = MACHINE.get() else { return };
    let core = percpu::current_id();
    let ready = match &machine.gic {
        Gic::V2(gic) => {
            gic.init_core(core);
            true
        }
        Gic::V3(gic) => gic.init_core(core),
    };
    if !ready {
        log::error!("core {core}: no GIC redistributor matches its MPIDR; interrupts stay off");
        return;
    }
    for intid in [KICK_SGI, machine.maintenance] {
        machine.gic.set_priority(intid, core, HYPERVISOR_PRIORITY);
        machine.gic.enable(intid, core);
    }
    let interface = match (&machine.gic, machine.gich) {
        (Gic::V2(_), Some(gich)) => Some(VIRTUAL_INTERFACE.call_once(|| {
            // SAFETY: the GICH frame from the DTB, device memory, used by the hypervisor alone.
            unsafe { VirtualInterface::v2(gich) }
        })),
        (Gic::V2(_), None) => None,
        (Gic::V3(_), _) => Some(VIRTUAL_INTERFACE.call_once(VirtualInterface::v3)), // ICC_SRE_EL2 is set
    };
    if let Some(interface) = interface {
        interface.reset();
    }
}

/// Runs `work` with EL2 taking interrupts of the hypervisor timer's priority and no other
/// (the priority mask stops the rest): long work at EL2 goes on beating its heartbeat. The
/// interrupt is handled through the EL2 vectors by code that takes no lock `work` may hold.
/// Inside another `with_timer_only` (interrupts already unmasked) it just runs `work`.
pub fn with_timer_only<R>(work: impl FnOnce() -> R) -> R {
    let window = open_long_work_window();
    let result = work();
    if let Some(saved) = window {
        close_long_work_window(saved);
    }
    result
}

/// ELR_EL2 and SPSR_EL2 of the exception being handled, kept across a [`with_timer_only`]
/// window.
struct SavedReturn {
    elr: u64,
    spsr: u64,
}

/// Opens a [`with_timer_only`] window (none inside another one, or before the GIC is up).
fn open_long_work_window() -> Option<SavedReturn> {
    let daif: u64;
    // SAFETY: reading DAIF has no side effects.
    unsafe { core::arch::asm!("mrs {}, daif", out(reg) daif, options(nomem, nostack)) };
    let unmasked = daif & (1 << 7) == 0;
    let gic = get().filter(|_| !unmasked)?;
    gic.set_priority_mask(LONG_WORK_MASK);
    // An interrupt taken in the window overwrites ELR_EL2 and SPSR_EL2: keep those of the
    // exception being handled (a guest's trap on the short way returns through them).
    let (elr, spsr): (u64, u64);
    // SAFETY: reading ELR_EL2 and SPSR_EL2 has no side effects.
    unsafe {
        core::arch::asm!("mrs {}, elr_el2", "mrs {}, spsr_el2", out(reg) elr, out(reg) spsr,
            options(nomem, nostack))
    };
    // SAFETY: unmasking IRQs at EL2 lets the timer interrupt (the only one the priority mask
    // passes) be taken through the EL2 vectors; see above.
    unsafe { core::arch::asm!("msr daifclr, #2", "isb", options(nomem, nostack)) };
    Some(SavedReturn { elr, spsr })
}

/// Closes a window [`open_long_work_window`] opened.
fn close_long_work_window(saved: SavedReturn) {
    // SAFETY: masks IRQs again and puts back the return state read when the window opened.
    unsafe {
        core::arch::asm!("msr daifset, #2", "isb", "msr elr_el2, {}", "msr spsr_el2, {}",
            in(reg) saved.elr, in(reg) saved.spsr, options(nomem, nostack))
    };
    if let Some(gic) = get() {
        gic.set_priority_mask(OPEN_MASK);
    }
}

/// Ends a [`with_timer_only`] window that will not return (the caller is about to enter a
/// guest): interrupts masked at EL2 again, every priority open for the guest's.
pub fn close_timer_window() {
    // SAFETY: masking IRQs at EL2 has no other effect.
    unsafe { core::arch::asm!("msr daifset, #2", "isb", options(nomem, nostack)) };
    if let Some(gic) = get() {
        gic.set_priority_mask(OPEN_MASK);
    }
}

/// Parks this core for good, silent: its CPU interface signals nothing any more (priority
/// mask 0), so its WFI really sleeps instead of waking for ever on a pending interrupt (which
/// under QEMU's `-icount` would spend the instruction clock every core shares).
pub fn park_silently() -> ! {
    if let Some(gic) = get() {
        gic.set_priority_mask(0);
    }
    crate::arch::aarch64::cpu::park()
}

/// The machine's GIC, once `init` ran.
pub fn get() -> Option<&'static Gic> {
    MACHINE.get().map(|machine| &machine.gic)
}

/// The virtual interface (list registers) of the calling core, once `init_this_core` ran;
/// `None` on a GICv2 without GICH.
pub fn virtual_interface() -> Option<&'static VirtualInterface> {
    VIRTUAL_INTERFACE.get()
}

/// The maintenance interrupt's INTID.
pub fn maintenance_intid() -> u32 {
    MACHINE
        .get()
        .map_or(DEFAULT_MAINTENANCE_INTID, |machine| machine.maintenance)
}

/// Highest INTID the GIC implements (0 before `init`); the highest SPI a VM may own.
pub fn max_intid() -> u32 {
    get().map_or(0, Gic::max_intid)
}

impl Gic {
    /// 2 or 3.
    pub fn version(&self) -> u8 {
        match self {
            Gic::V2(_) => 2,
            Gic::V3(_) => 3,
        }
    }

    /// Highest implemented INTID (from GICD_TYPER), at most 1019.
    pub fn max_intid(&self) -> u32 {
        match self {
            Gic::V2(gic) => gic.max_intid(),
            Gic::V3(gic) => gic.max_intid(),
        }
    }

    /// Enables `intid`: an SPI everywhere, an SGI/PPI for `core` (on GICv2 only the calling
    /// core's own SGIs/PPIs can be reached).
    pub fn enable(&self, intid: u32, core: usize) {
        self.set_enabled(intid, core, true);
    }

    /// Disables `intid` (as for `enable`).
    pub fn disable(&self, intid: u32, core: usize) {
        self.set_enabled(intid, core, false);
    }

    fn set_enabled(&self, intid: u32, core: usize, enabled: bool) {
        match self {
            Gic::V2(gic) if intid >= 32 || core == percpu::current_id() => {
                gic.set_enabled(intid, enabled)
            }
            Gic::V2(_) => {
                log::warn!("GICv2: PPI {intid} of core {core} cannot be reached from here")
            }
            Gic::V3(gic) => gic.set_enabled(intid, core, enabled),
        }
    }

    /// Sets the priority of `intid` (SGIs/PPIs: of `core`; GICv2: of the calling core).
    pub fn set_priority(&self, intid: u32, core: usize, priority: u8) {
        match self {
            Gic::V2(gic) => gic.set_priority(intid, priority),
            Gic::V3(gic) => gic.set_priority(intid, core, priority),
        }
    }

    /// Sets this core's priority mask: only interrupts of a priority value below `mask` are
    /// signalled to it.
    pub fn set_priority_mask(&self, mask: u8) {
        match self {
            Gic::V2(gic) => gic.set_priority_mask(mask),
            Gic::V3(_) => sysreg::set_priority_mask(mask),
        }
    }

    /// Routes SPI `intid` to `core` alone.
    pub fn route_spi(&self, intid: u32, core: usize) {
        match self {
            Gic::V2(gic) => gic.route_spi(intid, core),
            Gic::V3(gic) => gic.route_spi(intid, core),
        }
    }

    /// Sets or clears the pending state of SPI `intid`.
    pub fn set_pending(&self, intid: u32, pending: bool) {
        match self {
            Gic::V2(gic) => gic.set_pending(intid, pending),
            Gic::V3(gic) => gic.set_pending(intid, pending),
        }
    }

    /// `(pending, active)` of `intid` (SGIs/PPIs: of `core`; GICv2: of the calling core).
    pub fn state(&self, intid: u32, core: usize) -> (bool, bool) {
        match self {
            Gic::V2(gic) => gic.state(intid),
            Gic::V3(gic) => gic.state(intid, core),
        }
    }

    /// Sets or clears the active state of this core's PPI `intid` (a time partition switching
    /// vCPUs keeps each one's forwarded timer interrupt active only while it runs).
    pub fn set_ppi_active(&self, intid: u32, active: bool) {
        match self {
            Gic::V2(gic) => gic.set_active(intid, active),
            Gic::V3(gic) => gic.set_ppi_active(intid, percpu::current_id(), active),
        }
    }

    /// Makes SPI `intid` edge-triggered (`true`) or level-sensitive.
    pub fn set_edge(&self, intid: u32, edge: bool) {
        match self {
            Gic::V2(gic) => gic.set_edge(intid, edge),
            Gic::V3(gic) => gic.set_edge(intid, edge),
        }
    }

    /// Acknowledges the highest-priority pending interrupt of this core, if any.
    pub fn acknowledge(&self) -> Option<Acknowledged> {
        match self {
            Gic::V2(gic) => gic.acknowledge().map(|raw| Acknowledged {
                intid: raw & 0x3ff,
                raw,
            }),
            Gic::V3(_) => {
                let intid = sysreg::acknowledge() & 0xff_ffff;
                (intid < 1020).then_some(Acknowledged { intid, raw: intid })
            }
        }
    }

    /// Drops the running priority (the interrupt stays active).
    pub fn priority_drop(&self, interrupt: Acknowledged) {
        match self {
            Gic::V2(gic) => gic.priority_drop(interrupt.raw),
            Gic::V3(_) => sysreg::priority_drop(interrupt.raw),
        }
    }

    /// Deactivates an interrupt whose priority was dropped.
    pub fn deactivate(&self, interrupt: Acknowledged) {
        match self {
            Gic::V2(gic) => gic.deactivate(interrupt.raw),
            Gic::V3(_) => sysreg::deactivate(interrupt.raw),
        }
    }

    /// Priority drop and deactivation: the interrupt is handled.
    pub fn end_of_interrupt(&self, interrupt: Acknowledged) {
        self.priority_drop(interrupt);
        self.deactivate(interrupt);
    }

    /// Sends SGI `intid` to `core`.
    pub fn send_sgi(&self, intid: u32, core: usize) {
        match self {
            Gic::V2(gic) => gic.send_sgi(intid, core),
            Gic::V3(gic) => gic.send_sgi(intid, core),
        }
    }
}
