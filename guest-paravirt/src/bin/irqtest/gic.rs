//! The guest's side of the GIC, at the guest-physical addresses Kairos gives every VM (those of
//! QEMU virt): GICD 0x0800_0000; GICv3 redistributors from 0x080a_0000 (128 KiB per vCPU)
//! and ICC system registers; GICv2 CPU interface (GICC) at 0x0801_0000.

/// Distributor base.
pub const GICD: u64 = 0x0800_0000;
const GICR: u64 = 0x080a_0000;
const GICC: u64 = 0x0801_0000;

/// The GIC version this vCPU has a CPU interface for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Gic {
    /// Memory-mapped CPU interface.
    V2,
    /// System-register CPU interface.
    V3,
}

/// Reads a 32-bit GIC register (a plain `ldr`: a trapped access must carry its syndrome,
/// which loads and stores with base writeback do not).
pub fn read(address: u64) -> u32 {
    let value: u32;
    // SAFETY: a GIC register of this VM (emulated by the hypervisor or its GICV frame).
    unsafe {
        core::arch::asm!("ldr {0:w}, [{1}]", out(reg) value, in(reg) address, options(nostack))
    };
    value
}

/// Writes a 32-bit GIC register (a plain `str`).
pub fn write(address: u64, value: u32) {
    // SAFETY: as in `read`.
    unsafe {
        core::arch::asm!("str {0:w}, [{1}]", in(reg) value, in(reg) address, options(nostack))
    };
}

fn write_byte(address: u64, value: u8) {
    // SAFETY: as in `read`; priority registers take byte accesses.
    unsafe {
        core::arch::asm!("strb {0:w}, [{1}]", in(reg) u32::from(value), in(reg) address, options(nostack))
    };
}

macro_rules! msr {
    ($name:literal, $value:expr) => {
        // SAFETY: a GICv3 CPU interface register of this vCPU (ICV_* under the hypervisor).
        unsafe { core::arch::asm!(concat!("msr ", $name, ", {}"), "isb", in(reg) u64::from($value)) }
    };
}

macro_rules! mrs {
    ($name:literal) => {{
        let value: u64;
        // SAFETY: as in `msr!`; reading IAR acknowledges the interrupt, which the caller ends.
        unsafe { core::arch::asm!(concat!("mrs {}, ", $name), out(reg) value) };
        value
    }};
}

impl Gic {
    /// The version the CPU reports (ID_AA64PFR0_EL1.GIC: system registers or not).
    pub fn detect() -> Gic {
        if (mrs!("id_aa64pfr0_el1") >> 24) & 0xf == 0 {
            Gic::V2
        } else {
            Gic::V3
        }
    }

    /// The SGI/PPI registers of `vcpu` (v3: its redistributor's SGI_base; v2: banked GICD).
    fn banked(self, vcpu: u64) -> u64 {
        match self {
            Gic::V2 => GICD,
            Gic::V3 => GICR + vcpu * 0x2_0000 + 0x1_0000,
        }
    }

    /// The distributor on: group 1 on v3 (with affinity routing), group 0 on v2.
    pub fn enable_distributor(self) {
        write(GICD, if self == Gic::V3 { 0x12 } else { 0x1 });
    }

    /// This vCPU's CPU interface on, every priority unmasked, SGIs/PPIs in `enable` enabled.
    pub fn enable_cpu(self, vcpu: u64, enable: u32) {
        let banked = self.banked(vcpu);
        if self == Gic::V3 {
            let rd = GICR + vcpu * 0x2_0000;
            write(rd + 0x14, read(rd + 0x14) & !(1 << 1)); // GICR_WAKER: awake
            write(banked + 0x80, u32::MAX); // group 1
            msr!("S3_0_C12_C12_5", 0x7u32); // ICC_SRE_EL1
            msr!("S3_0_C4_C6_0", 0xffu32); // ICC_PMR_EL1
            msr!("S3_0_C12_C12_3", 0u32); // ICC_BPR1_EL1
            msr!("S3_0_C12_C12_7", 1u32); // ICC_IGRPEN1_EL1
        } else {
            write(GICC + 0x4, 0xff); // GICC_PMR
            write(GICC + 0x8, 0); // GICC_BPR
            write(GICC, 1); // GICC_CTLR: group 0 on (the GICV view)
        }
        write(banked + 0x100, enable);
    }

    /// Sets the priority of `intid` (an SGI/PPI of `vcpu`, or an SPI).
    pub fn set_priority(self, vcpu: u64, intid: u32, priority: u8) {
        let base = if intid < 32 { self.banked(vcpu) } else { GICD };
        write_byte(base + 0x400 + u64::from(intid), priority);
    }

    /// Acknowledges the most urgent pending interrupt: its acknowledge value, or `None`.
    pub fn acknowledge(self) -> Option<u32> {
        let raw = match self {
            Gic::V2 => read(GICC + 0xc),
            Gic::V3 => mrs!("S3_0_C12_C12_0") as u32, // ICC_IAR1_EL1
        };
        (Self::intid(raw) < 1020).then_some(raw)
    }

    /// The INTID in an acknowledge value.
    pub fn intid(raw: u32) -> u32 {
        raw & 0x3ff
    }

    /// Ends an interrupt (priority drop and deactivation).
    pub fn end(self, raw: u32) {
        match self {
            Gic::V2 => write(GICC + 0x10, raw),
            Gic::V3 => msr!("S3_0_C12_C12_1", raw), // ICC_EOIR1_EL1
        }
    }

    /// Sends SGI `intid` to the vCPUs in `targets` (bit n = vCPU n).
    pub fn send_sgi(self, intid: u32, targets: u16) {
        match self {
            Gic::V2 => write(GICD + 0xf00, u32::from(targets & 0xff) << 16 | intid),
            Gic::V3 => msr!(
                "S3_0_C12_C11_5",
                u64::from(targets) | u64::from(intid) << 24
            ),
        }
    }
}
