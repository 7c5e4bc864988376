//! GICv3: distributor with affinity routing, one redistributor per core (RD_base and SGI_base
//! frames), and the system-register CPU interface (ICC_*), with EOImode = 1.

use super::distributor::{self, Registers as Distributor, Routers, CTLR_RWP, FORWARDED_PRIORITY};
use crate::arch::aarch64::percpu::MAX_CPUS;
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite};

register_structs! {
    /// A redistributor's RD_base frame (control, identification, power).
    pub RedistributorControl {
        (0x0000 => ctlr: ReadWrite<u32>),
        (0x0004 => iidr: ReadOnly<u32>),
        (0x0008 => typer: ReadOnly<u64>),
        (0x0010 => statusr: ReadWrite<u32>),
        (0x0014 => waker: ReadWrite<u32>),
        (0x0018 => _reserved0),
        (0x10000 => @END),
    }
}

register_structs! {
    /// A redistributor's SGI_base frame: the core's SGIs and PPIs.
    pub RedistributorSgi {
        (0x0000 => _reserved0),
        (0x0080 => igroupr0: ReadWrite<u32>),
        (0x0084 => _reserved1),
        (0x0100 => isenabler0: ReadWrite<u32>),
        (0x0104 => _reserved2),
        (0x0180 => icenabler0: ReadWrite<u32>),
        (0x0184 => _reserved3),
        (0x0200 => ispendr0: ReadWrite<u32>),
        (0x0204 => _reserved4),
        (0x0280 => icpendr0: ReadWrite<u32>),
        (0x0284 => _reserved5),
        (0x0300 => isactiver0: ReadWrite<u32>),
        (0x0304 => _reserved6),
        (0x0380 => icactiver0: ReadWrite<u32>),
        (0x0384 => _reserved7),
        (0x0400 => ipriorityr: [ReadWrite<u8>; 32]),
        (0x0420 => _reserved8),
        (0x10000 => @END),
    }
}

const _: () = assert!(core::mem::size_of::<RedistributorControl>() == 0x10000);
const _: () = assert!(core::mem::size_of::<RedistributorSgi>() == 0x10000);

const GICD_CTLR_ENABLE: u32 = (1 << 4) | 0b11; // ARE(_NS), EnableGrp1(A), EnableGrp1/Grp0
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;
const TYPER_VLPIS: u64 = 1 << 1;
const TYPER_LAST: u64 = 1 << 4;
const GICR_CTLR_RWP: u32 = 1 << 3;

/// One core's redistributor.
#[derive(Clone, Copy)]
struct Redistributor {
    control: &'static RedistributorControl,
    sgi: &'static RedistributorSgi,
}

/// The GICv3 of this machine.
pub struct GicV3 {
    dist: &'static Distributor,
    routers: &'static Routers,
    redistributors: [Option<Redistributor>; MAX_CPUS],
    affinities: [u64; MAX_CPUS],
}

/// MPIDR affinity (Aff3 at bits 39:32) to the packed form GICR_TYPER and IROUTER use.
fn packed_affinity(mpidr: u64) -> u64 {
    ((mpidr >> 8) & 0xff00_0000) | (mpidr & 0xff_ffff)
}

impl GicV3 {
    /// Takes over the distributor at `dist` and finds each core's redistributor (by `mpidrs`,
    /// indexed by logical core) in the `frames` regions, `stride` apart if given.
    ///
    /// # Safety
    /// The addresses must be this machine's GIC frames, mapped as device memory, driven by
    /// nothing else.
    pub unsafe fn new(
        dist: usize,
        frames: &[(usize, usize)],
        stride: Option<usize>,
        mpidrs: &[u64],
    ) -> GicV3 {
        // SAFETY: the caller guarantees `dist` is the distributor; the routers lie within it.
        let (dist_regs, routers) = unsafe {
            (
                &*(dist as *const Distributor),
                &*((dist + distributor::ROUTERS_OFFSET) as *const Routers),
            )
        };
        let mut gic = GicV3 {
            dist: dist_regs,
            routers,
            redistributors: [None; MAX_CPUS],
            affinities: [0; MAX_CPUS],
        };
        for (core, &mpidr) in mpidrs.iter().enumerate().take(MAX_CPUS) {
            gic.affinities[core] = mpidr;
        }
        for &(base, size) in frames {
            let mut frame = base;
            while frame + 0x20000 <= base + size {
                // SAFETY: `frame` lies inside a redistributor region the caller vouched for.
                let control = unsafe { &*(frame as *const RedistributorControl) };
                let typer = control.typer.get();
                let sgi = (frame + 0x10000) as *const RedistributorSgi;
                for (core, &mpidr) in mpidrs.iter().enumerate().take(MAX_CPUS) {
                    if packed_affinity(mpidr) == typer >> 32 {
                        gic.redistributors[core] = Some(Redistributor {
                            control,
                            // SAFETY: SGI_base is the second 64 KiB frame of this redistributor.
                            sgi: unsafe { &*sgi },
                        });
                    }
                }
                if typer & TYPER_LAST != 0 {
                    break;
                }
                frame += stride.unwrap_or(if typer & TYPER_VLPIS != 0 {
                    0x40000
                } else {
                    0x20000
                });
            }
        }
        gic
    }

    fn wait_for_distributor(&self) {
        while self.dist.ctlr.get() & CTLR_RWP != 0 {
            core::hint::spin_loop();
        }
    }

    /// Boot core, once: affinity routing on, every SPI off, group 1, routed to `core`.
    pub fn init_distributor(&self, core: usize) {
        self.dist.ctlr.set(0);
        self.wait_for_distributor();
        self.dist.reset_spis(true);
        for intid in 32..=self.max_intid() {
            self.route_spi(intid, core);
        }
        self.dist.ctlr.set(GICD_CTLR_ENABLE);
        self.wait_for_distributor();
    }

    /// Every core: wake its redistributor, SGIs/PPIs off and group 1, system registers on.
    pub fn init_core(&self, core: usize) -> bool {
        let Some(rd) = self.redistributors[core] else {
            return false;
        };
        rd.control
            .waker
            .set(rd.control.waker.get() & !WAKER_PROCESSOR_SLEEP);
        while rd.control.waker.get() & WAKER_CHILDREN_ASLEEP != 0 {
            core::hint::spin_loop();
        }
        rd.sgi.igroupr0.set(u32::MAX);
        rd.sgi.icenabler0.set(u32::MAX);
        rd.sgi.icpendr0.set(u32::MAX);
        rd.sgi.icactiver0.set(u32::MAX);
        for intid in 0..32 {
            rd.sgi.ipriorityr[intid].set(FORWARDED_PRIORITY);
        }
        while rd.control.ctlr.get() & GICR_CTLR_RWP != 0 {
            core::hint::spin_loop();
        }
        super::sysreg::enable_cpu_interface();
        true
    }

    /// Highest implemented INTID.
    pub fn max_intid(&self) -> u32 {
        self.dist.max_intid()
    }

    /// Enables or disables `intid` for `core` (SGIs/PPIs in its redistributor, SPIs globally).
    pub fn set_enabled(&self, intid: u32, core: usize, enabled: bool) {
        if intid >= 32 {
            return self.dist.set_enabled(intid, enabled);
        }
        let Some(rd) = self.redistributors[core] else {
            return;
        };
        if enabled {
            rd.sgi.isenabler0.set(1 << intid);
        } else {
            rd.sgi.icenabler0.set(1 << intid);
        }
    }

    /// Sets the priority of `intid` for `core`.
    pub fn set_priority(&self, intid: u32, core: usize, priority: u8) {
        if intid >= 32 {
            self.dist.ipriorityr[intid as usize].set(priority);
        } else if let Some(rd) = self.redistributors[core] {
            rd.sgi.ipriorityr[intid as usize].set(priority);
        }
    }

    /// Routes SPI `intid` to `core`.
    pub fn route_spi(&self, intid: u32, core: usize) {
        self.routers.irouter[intid as usize]
            .set(packed_affinity(self.affinities[core]) & 0xff_00ff_ffff);
    }

    /// Pending bit of an SPI.
    pub fn set_pending(&self, intid: u32, pending: bool) {
        self.dist.set_pending(intid, pending);
    }

    /// `(pending, active)` of `intid` (SGIs/PPIs: of `core`).
    pub fn state(&self, intid: u32, core: usize) -> (bool, bool) {
        if intid >= 32 {
            return self.dist.state(intid);
        }
        let Some(rd) = self.redistributors[core] else {
            return (false, false);
        };
        let mask = 1 << intid;
        (
            rd.sgi.ispendr0.get() & mask != 0,
            rd.sgi.isactiver0.get() & mask != 0,
        )
    }

    /// Sets or clears the active state of `core`'s SGI/PPI `intid`.
    pub fn set_ppi_active(&self, intid: u32, core: usize, active: bool) {
        let Some(rd) = self.redistributors[core] else {
            return;
        };
        let mask = 1 << intid;
        if active {
            rd.sgi.isactiver0.set(mask);
        } else {
            rd.sgi.icactiver0.set(mask);
        }
    }

    /// Trigger mode of an SPI.
    pub fn set_edge(&self, intid: u32, edge: bool) {
        self.dist.set_edge(intid, edge);
    }

    /// Sends SGI `intid` to `core`.
    pub fn send_sgi(&self, intid: u32, core: usize) {
        let mpidr = self.affinities[core];
        let aff0 = mpidr & 0xff;
        let value = (1u64 << (aff0 % 16))
            | ((mpidr >> 8) & 0xff) << 16
            | u64::from(intid & 0xf) << 24
            | ((mpidr >> 16) & 0xff) << 32
            | (aff0 / 16) << 44
            | ((mpidr >> 32) & 0xff) << 48;
        super::sysreg::send_sgi(value);
    }
}

// SAFETY: the registers are MMIO shared by every core as the GIC intends: enable and pending
// changes go through write-one set/clear registers, routers and priorities are single
// registers per interrupt, and each redistributor is set up by its own core.
unsafe impl Send for GicV3 {}
// SAFETY: as above.
unsafe impl Sync for GicV3 {}
