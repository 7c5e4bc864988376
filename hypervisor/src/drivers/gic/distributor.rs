//! The GIC distributor (GICD), common to GICv2 and GICv3: one register block for the first
//! 4 KiB (everything GICv2 has) and one for the GICv3 affinity routers at +0x6000.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_structs! {
    /// GICD_CTLR .. GICD_SPENDSGIR (the whole GICv2 distributor, the GICv3 one up to 0x1000).
    pub Registers {
        (0x000 => pub ctlr: ReadWrite<u32>),
        (0x004 => pub typer: ReadOnly<u32>),
        (0x008 => pub iidr: ReadOnly<u32>),
        (0x00c => _reserved0),
        (0x080 => pub igroupr: [ReadWrite<u32>; 32]),
        (0x100 => pub isenabler: [ReadWrite<u32>; 32]),
        (0x180 => pub icenabler: [ReadWrite<u32>; 32]),
        (0x200 => pub ispendr: [ReadWrite<u32>; 32]),
        (0x280 => pub icpendr: [ReadWrite<u32>; 32]),
        (0x300 => pub isactiver: [ReadWrite<u32>; 32]),
        (0x380 => pub icactiver: [ReadWrite<u32>; 32]),
        (0x400 => pub ipriorityr: [ReadWrite<u8>; 1024]),
        (0x800 => pub itargetsr: [ReadWrite<u8>; 1024]),
        (0xc00 => pub icfgr: [ReadWrite<u32>; 64]),
        (0xd00 => pub igrpmodr: [ReadWrite<u32>; 32]),
        (0xd80 => _reserved1),
        (0xf00 => pub sgir: WriteOnly<u32>),
        (0xf04 => _reserved2),
        (0x1000 => @END),
    }
}

register_structs! {
    /// GICD_IROUTER<n> (GICv3 only), at distributor + 0x6000; entries 0-31 are reserved.
    pub Routers {
        (0x0000 => pub irouter: [ReadWrite<u64>; 1024]),
        (0x2000 => @END),
    }
}

/// Offset of the router block from the distributor base.
pub const ROUTERS_OFFSET: usize = 0x6000;
/// GICD_CTLR.RWP (GICv3): a register write is still taking effect.
pub const CTLR_RWP: u32 = 1 << 31;

const _: () = assert!(core::mem::size_of::<Registers>() == 0x1000);
const _: () = assert!(core::mem::size_of::<Routers>() == 0x2000);

/// Priority the hypervisor gives interrupts it forwards to guests.
pub const FORWARDED_PRIORITY: u8 = 0xa0;

/// The word index and bit of `intid` in a one-bit-per-interrupt register array.
pub fn bit(intid: u32) -> (usize, u32) {
    ((intid / 32) as usize, 1 << (intid % 32))
}

impl Registers {
    /// Highest INTID the distributor implements (from GICD_TYPER.ITLinesNumber), at most 1019.
    pub fn max_intid(&self) -> u32 {
        let lines = (self.typer.get() & 0x1f) + 1;
        (lines * 32 - 1).min(1019)
    }

    /// Disables, clears and sets the priority of every SPI; `group1` puts them in group 1.
    pub fn reset_spis(&self, group1: bool) {
        let words = (self.max_intid() as usize + 1) / 32;
        for word in 1..words {
            self.icenabler[word].set(u32::MAX);
            self.icpendr[word].set(u32::MAX);
            self.icactiver[word].set(u32::MAX);
            if group1 {
                self.igroupr[word].set(u32::MAX);
            }
        }
        for intid in 32..=self.max_intid() as usize {
            self.ipriorityr[intid].set(FORWARDED_PRIORITY);
        }
    }

    /// Enables (or disables) `intid` in this (banked, for 0-31) register view.
    pub fn set_enabled(&self, intid: u32, enabled: bool) {
        let (word, mask) = bit(intid);
        if enabled {
            self.isenabler[word].set(mask);
        } else {
            self.icenabler[word].set(mask);
        }
    }

    /// Sets (or clears) the pending state of `intid`.
    pub fn set_pending(&self, intid: u32, pending: bool) {
        let (word, mask) = bit(intid);
        if pending {
            self.ispendr[word].set(mask);
        } else {
            self.icpendr[word].set(mask);
        }
    }

    /// Sets or clears the active state of `intid` (write-one set/clear registers).
    pub fn set_active(&self, intid: u32, active: bool) {
        let (word, mask) = bit(intid);
        if active {
            self.isactiver[word].set(mask);
        } else {
            self.icactiver[word].set(mask);
        }
    }

    /// `(pending, active)` of `intid`.
    pub fn state(&self, intid: u32) -> (bool, bool) {
        let (word, mask) = bit(intid);
        (
            self.ispendr[word].get() & mask != 0,
            self.isactiver[word].get() & mask != 0,
        )
    }

    /// Makes `intid` (an SPI) edge-triggered or level-sensitive.
    pub fn set_edge(&self, intid: u32, edge: bool) {
        let register = &self.icfgr[(intid / 16) as usize];
        let mask = 2 << ((intid % 16) * 2);
        let value = register.get();
        register.set(if edge { value | mask } else { value & !mask });
    }
}
