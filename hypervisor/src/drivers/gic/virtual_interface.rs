//! This core's virtual CPU interface control: list registers and their status, through the
//! ICH_*_EL2 system registers (GICv3) or the GICH frame (GICv2). Values here are raw register
//! contents; `vm::vgic::list_register` encodes and decodes them.

use super::sysreg;
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite};

register_structs! {
    /// The GICv2 virtual interface control frame (GICH), banked per core at one address.
    pub Gich {
        (0x000 => hcr: ReadWrite<u32>),
        (0x004 => vtr: ReadOnly<u32>),
        (0x008 => vmcr: ReadWrite<u32>),
        (0x00c => _reserved0),
        (0x010 => misr: ReadOnly<u32>),
        (0x014 => _reserved1),
        (0x020 => eisr: [ReadOnly<u32>; 2]),
        (0x028 => _reserved2),
        (0x030 => elrsr: [ReadOnly<u32>; 2]),
        (0x038 => _reserved3),
        (0x0f0 => apr: ReadWrite<u32>),
        (0x0f4 => _reserved4),
        (0x100 => lr: [ReadWrite<u32>; 64]),
        (0x200 => @END),
    }
}

const _: () = assert!(core::mem::size_of::<Gich>() == 0x200);

/// ICH_HCR_EL2 / GICH_HCR: virtual interface enabled.
const HCR_EN: u64 = 1 << 0;
/// ICH_HCR_EL2 / GICH_HCR: maintenance interrupt when at most one list register is in use.
const HCR_UIE: u64 = 1 << 1;

/// A vCPU's whole virtual CPU interface while another vCPU uses the core (time partitions).
#[derive(Clone, Copy, Debug, Default)]
pub struct InterfaceState {
    /// List registers, raw.
    pub lrs: [u64; 16],
    /// GICH_VMCR / ICH_VMCR_EL2.
    pub vmcr: u64,
    /// Active priorities: GICH_APR in `[0][0]`; ICH_AP0R<n> in `[0][n]`, ICH_AP1R<n> in `[1][n]`.
    pub apr: [[u64; 4]; 2],
    /// GICH_HCR / ICH_HCR_EL2.
    pub hcr: u64,
}

/// The virtual interface of the core that uses it (each core sees its own).
pub enum VirtualInterface {
    /// GICv2: the GICH frame.
    V2 {
        /// The frame.
        gich: &'static Gich,
        /// Number of list registers.
        count: usize,
    },
    /// GICv3: ICH_* system registers.
    V3 {
        /// Number of list registers.
        count: usize,
    },
}

impl VirtualInterface {
    /// The GICv2 interface at `gich`.
    ///
    /// # Safety
    /// `gich` must be the GICH frame, mapped as device memory.
    pub unsafe fn v2(gich: usize) -> VirtualInterface {
        // SAFETY: the caller guarantees this is the GICH frame.
        let gich = unsafe { &*(gich as *const Gich) };
        let count = ((gich.vtr.get() & 0x3f) + 1).min(16) as usize;
        VirtualInterface::V2 { gich, count }
    }

    /// The GICv3 interface (call after ICC_SRE_EL2.SRE is set).
    pub fn v3() -> VirtualInterface {
        VirtualInterface::V3 {
            count: ((sysreg::ich_vtr() & 0x1f) + 1).min(16) as usize,
        }
    }

    /// Number of list registers.
    pub fn count(&self) -> usize {
        match self {
            VirtualInterface::V2 { count, .. } | VirtualInterface::V3 { count } => *count,
        }
    }

    /// List register `index`, raw.
    pub fn read_lr(&self, index: usize) -> u64 {
        match self {
            VirtualInterface::V2 { gich, .. } => u64::from(gich.lr[index].get()),
            VirtualInterface::V3 { .. } => sysreg::ich_lr(index),
        }
    }

    /// Writes list register `index`, raw.
    #[inline]
    pub fn write_lr(&self, index: usize, value: u64) {
        match self {
            VirtualInterface::V2 { gich, .. } => gich.lr[index].set(value as u32),
            VirtualInterface::V3 { .. } => sysreg::set_ich_lr(index, value),
        }
    }

    /// One bit per list register that holds no interrupt.
    #[inline]
    pub fn empty(&self) -> u64 {
        match self {
            VirtualInterface::V2 { gich, count } => {
                u64::from(gich.elrsr[0].get()) & ((1 << count) - 1)
            }
            VirtualInterface::V3 { count } => sysreg::ich_elrsr() & ((1 << count) - 1),
        }
    }

    /// Asks for (or stops asking for) a maintenance interrupt once the list registers drain.
    pub fn set_underflow_interrupt(&self, on: bool) {
        let value = if on { HCR_EN | HCR_UIE } else { HCR_EN };
        match self {
            VirtualInterface::V2 { gich, .. } => gich.hcr.set(value as u32),
            VirtualInterface::V3 { .. } => sysreg::set_ich_hcr(value),
        }
    }

    /// True while the underflow maintenance interrupt is requested.
    pub fn underflow_interrupt(&self) -> bool {
        let hcr = match self {
            VirtualInterface::V2 { gich, .. } => u64::from(gich.hcr.get()),
            VirtualInterface::V3 { .. } => sysreg::ich_hcr(),
        };
        hcr & HCR_UIE != 0
    }

    /// GICH_MISR / ICH_MISR_EL2: the maintenance interrupt's causes.
    pub fn maintenance_status(&self) -> u64 {
        match self {
            VirtualInterface::V2 { gich, .. } => u64::from(gich.misr.get()),
            VirtualInterface::V3 { .. } => sysreg::ich_misr(),
        }
    }

    /// Saves the interface of the vCPU leaving this core, then disables it (nothing is
    /// signalled to EL1 until the next vCPU's state is loaded).
    pub fn save(&self) -> InterfaceState {
        let mut state = InterfaceState::default();
        for index in 0..self.count() {
            state.lrs[index] = self.read_lr(index);
        }
        match self {
            VirtualInterface::V2 { gich, .. } => {
                state.vmcr = u64::from(gich.vmcr.get());
                state.apr[0][0] = u64::from(gich.apr.get());
                state.hcr = u64::from(gich.hcr.get());
                gich.hcr.set(0);
            }
            VirtualInterface::V3 { .. } => {
                state.vmcr = sysreg::ich_vmcr();
                for n in 0..sysreg::active_priority_words() {
                    state.apr[0][n] = sysreg::ich_apr(0, n);
                    state.apr[1][n] = sysreg::ich_apr(1, n);
                }
                state.hcr = sysreg::ich_hcr();
                sysreg::set_ich_hcr(0);
            }
        }
        state
    }

    /// Loads the interface of the vCPU about to run on this core.
    pub fn restore(&self, state: &InterfaceState) {
        for index in 0..self.count() {
            self.write_lr(index, state.lrs[index]);
        }
        match self {
            VirtualInterface::V2 { gich, .. } => {
                gich.vmcr.set(state.vmcr as u32);
                gich.apr.set(state.apr[0][0] as u32);
                gich.hcr.set(state.hcr as u32);
            }
            VirtualInterface::V3 { .. } => {
                sysreg::set_ich_vmcr(state.vmcr);
                for n in 0..sysreg::active_priority_words() {
                    sysreg::set_ich_apr(0, n, state.apr[0][n]);
                    sysreg::set_ich_apr(1, n, state.apr[1][n]);
                }
                sysreg::set_ich_hcr(state.hcr);
            }
        }
    }

    /// A fresh vCPU's interface: every list register empty, no active priorities, the guest's
    /// CPU interface control (VMCR) at reset, the interface enabled.
    pub fn reset(&self) {
        for index in 0..self.count() {
            self.write_lr(index, 0);
        }
        match self {
            VirtualInterface::V2 { gich, .. } => {
                gich.vmcr.set(0);
                gich.apr.set(0);
            }
            VirtualInterface::V3 { .. } => sysreg::reset_virtual_state(),
        }
        self.set_underflow_interrupt(false);
    }
}

// SAFETY: the GICH frame is banked: each core reaching it touches only its own virtual
// interface, and only the core running a vCPU uses it.
unsafe impl Send for VirtualInterface {}
// SAFETY: as above.
unsafe impl Sync for VirtualInterface {}
