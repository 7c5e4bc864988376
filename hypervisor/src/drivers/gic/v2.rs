//! GICv2 (GIC-400 and QEMU's `arm,cortex-a15-gic`): distributor plus the memory-mapped CPU
//! interface (GICC), with EOImode = 1 so priority drop and deactivation are separate.

use super::distributor::{Registers as Distributor, FORWARDED_PRIORITY};
use crate::arch::aarch64::percpu::MAX_CPUS;
use core::sync::atomic::{AtomicU8, Ordering};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_structs! {
    /// The CPU interface (GICC), banked per core at one address.
    pub CpuInterface {
        (0x0000 => ctlr: ReadWrite<u32>),
        (0x0004 => pmr: ReadWrite<u32>),
        (0x0008 => bpr: ReadWrite<u32>),
        (0x000c => iar: ReadOnly<u32>),
        (0x0010 => eoir: WriteOnly<u32>),
        (0x0014 => _reserved0),
        (0x1000 => dir: WriteOnly<u32>),
        (0x1004 => _reserved1),
        (0x2000 => @END),
    }
}

const _: () = assert!(core::mem::size_of::<CpuInterface>() == 0x2000);

/// GICC_CTLR: EnableGrp0 and EnableGrp1 (secure or single-security view; the Non-secure view
/// reads bit 0 as EnableGrp1 and ignores bit 1), and EOImode (bit 9 in every view).
const GICC_CTLR_ENABLE: u32 = 0b11 | (1 << 9);
/// GICD_CTLR: enable both groups (bit 0 alone in the Non-secure view).
const GICD_CTLR_ENABLE: u32 = 0b11;

/// The GICv2 of this machine.
pub struct GicV2 {
    dist: &'static Distributor,
    cpu: &'static CpuInterface,
    /// Each core's CPU interface bit (read from its banked GICD_ITARGETSR0).
    masks: [AtomicU8; MAX_CPUS],
}

impl GicV2 {
    /// Takes over the distributor at `dist` and CPU interface at `cpu`.
    ///
    /// # Safety
    /// Both must be this machine's GIC frames, mapped as device memory, driven by nothing else.
    pub unsafe fn new(dist: usize, cpu: usize) -> GicV2 {
        // SAFETY: the caller guarantees these are the GIC's register frames.
        let (dist, cpu) = unsafe {
            (
                &*(dist as *const Distributor),
                &*(cpu as *const CpuInterface),
            )
        };
        GicV2 {
            dist,
            cpu,
            masks: [const { AtomicU8::new(0) }; MAX_CPUS],
        }
    }

    /// Boot core, once: every SPI off, routed to this core, at the forwarded priority.
    pub fn init_distributor(&self) {
        self.dist.ctlr.set(0);
        self.dist.reset_spis(false); // Non-secure software cannot change groups on GICv2
        let mask = self.dist.itargetsr[0].get();
        for intid in 32..=self.max_intid() as usize {
            self.dist.itargetsr[intid].set(mask);
        }
        self.dist.ctlr.set(GICD_CTLR_ENABLE);
    }

    /// Every core: its banked SGIs/PPIs off and cleared, the CPU interface on.
    pub fn init_core(&self, core: usize) {
        self.masks[core].store(self.dist.itargetsr[0].get(), Ordering::Relaxed);
        self.dist.icenabler[0].set(0xffff_0000);
        self.dist.icpendr[0].set(u32::MAX);
        self.dist.icactiver[0].set(u32::MAX);
        for intid in 0..32 {
            self.dist.ipriorityr[intid].set(FORWARDED_PRIORITY);
        }
        self.cpu.pmr.set(0xff);
        self.cpu.bpr.set(0);
        self.cpu.ctlr.set(GICC_CTLR_ENABLE);
    }

    /// GICC_PMR: only interrupts of a priority value below `mask` are signalled.
    pub fn set_priority_mask(&self, mask: u8) {
        self.cpu.pmr.set(u32::from(mask));
    }

    /// Highest implemented INTID.
    pub fn max_intid(&self) -> u32 {
        self.dist.max_intid()
    }

    /// The distributor (banked for SGIs/PPIs: only this core's view).
    pub fn distributor(&self) -> &'static Distributor {
        self.dist
    }

    fn mask_of(&self, core: usize) -> u8 {
        match self.masks[core].load(Ordering::Relaxed) {
            0 => 1 << (core % 8),
            mask => mask,
        }
    }

    /// Makes `intid` (an SPI) target `core` alone.
    pub fn route_spi(&self, intid: u32, core: usize) {
        self.dist.itargetsr[intid as usize].set(self.mask_of(core));
    }

    /// Sets the priority of `intid` (banked: SGIs/PPIs of this core).
    pub fn set_priority(&self, intid: u32, priority: u8) {
        self.dist.ipriorityr[intid as usize].set(priority);
    }

    /// The raw GICC_IAR value of the highest-priority pending interrupt, if any.
    pub fn acknowledge(&self) -> Option<u32> {
        let raw = self.cpu.iar.get();
        (raw & 0x3ff < 1020).then_some(raw)
    }

    /// Priority drop of an acknowledged interrupt (its raw IAR value).
    pub fn priority_drop(&self, raw: u32) {
        self.cpu.eoir.set(raw);
    }

    /// Deactivates an interrupt (raw IAR value, or a plain INTID for PPIs/SPIs).
    pub fn deactivate(&self, raw: u32) {
        self.cpu.dir.set(raw);
    }

    /// Sends SGI `intid` to `core`.
    pub fn send_sgi(&self, intid: u32, core: usize) {
        self.dist
            .sgir
            .set((u32::from(self.mask_of(core)) << 16) | (intid & 0xf));
    }

    /// `(pending, active)` of `intid`.
    pub fn state(&self, intid: u32) -> (bool, bool) {
        self.dist.state(intid)
    }

    /// Clears the banked state of this core's `intid` and sets its enable.
    pub fn set_enabled(&self, intid: u32, enabled: bool) {
        self.dist.set_enabled(intid, enabled);
    }

    /// Pending bit of an SPI.
    pub fn set_pending(&self, intid: u32, pending: bool) {
        self.dist.set_pending(intid, pending);
    }

    /// Trigger mode of an SPI.
    pub fn set_edge(&self, intid: u32, edge: bool) {
        self.dist.set_edge(intid, edge);
    }

    /// Active state of `intid` (SGIs/PPIs: the calling core's banked bit).
    pub fn set_active(&self, intid: u32, active: bool) {
        self.dist.set_active(intid, active);
    }
}

// SAFETY: the registers are MMIO shared by every core as the GIC intends: enable and pending
// changes go through write-one set/clear registers, the CPU interface is banked per core, and
// read-modify-write registers (ICFGR) are changed only under the vGIC's configuration lock.
unsafe impl Send for GicV2 {}
// SAFETY: as above.
unsafe impl Sync for GicV2 {}
