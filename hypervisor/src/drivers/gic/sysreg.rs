//! GICv3 system registers used at EL2: the physical CPU interface (ICC_*) and the virtual
//! interface control (ICH_*), by their generic S3_* names so any assembler accepts them.

macro_rules! mrs {
    ($name:literal) => {{
        let value: u64;
        // SAFETY: reading this GICv3 CPU-interface register at EL2 (ICC_SRE_EL2.SRE is set by
        // `enable_cpu_interface` before any other is touched) only returns state; reading
        // ICC_IAR1_EL1 acknowledges an interrupt, which its caller then owns.
        unsafe { core::arch::asm!(concat!("mrs {}, ", $name), out(reg) value, options(nostack)) };
        value
    }};
}

macro_rules! msr {
    ($name:literal, $value:expr) => {{
        let value: u64 = $value;
        // SAFETY: this register belongs to this core's GIC CPU interface or to the virtual
        // interface of the one vCPU this core runs; the callers keep their invariants.
        unsafe { core::arch::asm!(concat!("msr ", $name, ", {}"), in(reg) value, options(nostack)) };
    }};
}

/// ICC_SRE_EL2: SRE, DFB, DIB and Enable (EL1 may use its system registers too).
const SRE_EL2: u64 = 0b1111;
/// ICC_CTLR_EL1.EOImode: EOIR drops priority only, DIR deactivates.
const CTLR_EOIMODE: u64 = 1 << 1;

/// Turns on this core's system-register CPU interface for group 1 with split EOI.
pub fn enable_cpu_interface() {
    msr!("S3_4_C12_C9_5", SRE_EL2); // ICC_SRE_EL2
    isb();
    msr!("S3_0_C4_C6_0", 0xff); // ICC_PMR_EL1: every priority
    msr!("S3_0_C12_C12_3", 0); // ICC_BPR1_EL1
    msr!("S3_0_C12_C12_4", CTLR_EOIMODE); // ICC_CTLR_EL1
    msr!("S3_0_C12_C12_7", 1); // ICC_IGRPEN1_EL1
    isb();
}

/// ICC_PMR_EL1: only interrupts of a priority value below `mask` are signalled.
pub fn set_priority_mask(mask: u8) {
    msr!("S3_0_C4_C6_0", u64::from(mask));
    isb();
}

fn isb() {
    // SAFETY: a barrier only orders instructions.
    unsafe { core::arch::asm!("isb", options(nostack, nomem)) };
}

/// ICC_IAR1_EL1: acknowledges the highest-priority pending group 1 interrupt.
pub fn acknowledge() -> u32 {
    mrs!("S3_0_C12_C12_0") as u32
}

/// ICC_EOIR1_EL1: priority drop.
pub fn priority_drop(intid: u32) {
    msr!("S3_0_C12_C12_1", u64::from(intid));
}

/// ICC_DIR_EL1: deactivation.
pub fn deactivate(intid: u32) {
    msr!("S3_0_C12_C11_1", u64::from(intid));
}

/// ICC_SGI1R_EL1: generates a group 1 SGI.
pub fn send_sgi(value: u64) {
    msr!("S3_0_C12_C11_5", value);
    isb();
}

/// ICH_VTR_EL2: list register count and priority bits of the virtual interface.
pub fn ich_vtr() -> u64 {
    mrs!("S3_4_C12_C11_1")
}

/// ICH_HCR_EL2.
pub fn ich_hcr() -> u64 {
    mrs!("S3_4_C12_C11_0")
}

/// Writes ICH_HCR_EL2.
pub fn set_ich_hcr(value: u64) {
    msr!("S3_4_C12_C11_0", value);
}

/// ICH_ELRSR_EL2: one bit per list register that holds no interrupt.
pub fn ich_elrsr() -> u64 {
    mrs!("S3_4_C12_C11_5")
}

/// ICH_MISR_EL2: why the maintenance interrupt is asserted.
pub fn ich_misr() -> u64 {
    mrs!("S3_4_C12_C11_2")
}

/// Clears the virtual CPU interface state of a fresh vCPU: VMCR, active priorities, and the
/// EL1 view of ICC_SRE (system registers on).
pub fn reset_virtual_state() {
    msr!("S3_4_C12_C11_7", 0); // ICH_VMCR_EL2
    msr!("S3_4_C12_C8_0", 0); // ICH_AP0R0_EL2
    msr!("S3_4_C12_C9_0", 0); // ICH_AP1R0_EL2
    msr!("S3_0_C12_C12_5", 0b111); // ICC_SRE_EL1 as the guest sees it: SRE, DFB, DIB
}

/// ICH_VMCR_EL2: the guest's view of its CPU interface control (priority mask, enables).
pub fn ich_vmcr() -> u64 {
    mrs!("S3_4_C12_C11_7")
}

/// Writes ICH_VMCR_EL2.
pub fn set_ich_vmcr(value: u64) {
    msr!("S3_4_C12_C11_7", value);
}

/// Active-priority registers ICH_AP0R<n>_EL2 and ICH_AP1R<n>_EL2 in use: 1, 2 or 4 each for 5,
/// 6 or 7 bits of preemption (ICH_VTR_EL2.PREbits).
pub fn active_priority_words() -> usize {
    match (ich_vtr() >> 26) & 0x7 {
        6 => 4,
        5 => 2,
        _ => 1,
    }
}

/// ICH_AP0R<n>_EL2 (`group` 0) or ICH_AP1R<n>_EL2 (`group` 1), n < 4.
pub fn ich_apr(group: usize, n: usize) -> u64 {
    match (group, n) {
        (0, 0) => mrs!("S3_4_C12_C8_0"),
        (0, 1) => mrs!("S3_4_C12_C8_1"),
        (0, 2) => mrs!("S3_4_C12_C8_2"),
        (0, _) => mrs!("S3_4_C12_C8_3"),
        (_, 0) => mrs!("S3_4_C12_C9_0"),
        (_, 1) => mrs!("S3_4_C12_C9_1"),
        (_, 2) => mrs!("S3_4_C12_C9_2"),
        _ => mrs!("S3_4_C12_C9_3"),
    }
}

/// Writes ICH_AP0R<n>_EL2 or ICH_AP1R<n>_EL2 (as `ich_apr`).
pub fn set_ich_apr(group: usize, n: usize, value: u64) {
    match (group, n) {
        (0, 0) => msr!("S3_4_C12_C8_0", value),
        (0, 1) => msr!("S3_4_C12_C8_1", value),
        (0, 2) => msr!("S3_4_C12_C8_2", value),
        (0, _) => msr!("S3_4_C12_C8_3", value),
        (_, 0) => msr!("S3_4_C12_C9_0", value),
        (_, 1) => msr!("S3_4_C12_C9_1", value),
        (_, 2) => msr!("S3_4_C12_C9_2", value),
        _ => msr!("S3_4_C12_C9_3", value),
    }
}

/// ICH_LR<index>_EL2 (index < 16).
pub fn ich_lr(index: usize) -> u64 {
    match index {
        0 => mrs!("S3_4_C12_C12_0"),
        1 => mrs!("S3_4_C12_C12_1"),
        2 => mrs!("S3_4_C12_C12_2"),
        3 => mrs!("S3_4_C12_C12_3"),
        4 => mrs!("S3_4_C12_C12_4"),
        5 => mrs!("S3_4_C12_C12_5"),
        6 => mrs!("S3_4_C12_C12_6"),
        7 => mrs!("S3_4_C12_C12_7"),
        8 => mrs!("S3_4_C12_C13_0"),
        9 => mrs!("S3_4_C12_C13_1"),
        10 => mrs!("S3_4_C12_C13_2"),
        11 => mrs!("S3_4_C12_C13_3"),
        12 => mrs!("S3_4_C12_C13_4"),
        13 => mrs!("S3_4_C12_C13_5"),
        14 => mrs!("S3_4_C12_C13_6"),
        _ => mrs!("S3_4_C12_C13_7"),
    }
}

/// Writes ICH_LR<index>_EL2 (index < 16).
#[inline]
pub fn set_ich_lr(index: usize, value: u64) {
    if index == 0 {
        // The one an interrupt usually finds free: no jump through the table below.
        msr!("S3_4_C12_C12_0", value);
        return;
    }
    set_ich_lr_indexed(index, value);
}

#[inline(never)]
fn set_ich_lr_indexed(index: usize, value: u64) {
    match index {
        0 => msr!("S3_4_C12_C12_0", value),
        1 => msr!("S3_4_C12_C12_1", value),
        2 => msr!("S3_4_C12_C12_2", value),
        3 => msr!("S3_4_C12_C12_3", value),
        4 => msr!("S3_4_C12_C12_4", value),
        5 => msr!("S3_4_C12_C12_5", value),
        6 => msr!("S3_4_C12_C12_6", value),
        7 => msr!("S3_4_C12_C12_7", value),
        8 => msr!("S3_4_C12_C13_0", value),
        9 => msr!("S3_4_C12_C13_1", value),
        10 => msr!("S3_4_C12_C13_2", value),
        11 => msr!("S3_4_C12_C13_3", value),
        12 => msr!("S3_4_C12_C13_4", value),
        13 => msr!("S3_4_C12_C13_5", value),
        14 => msr!("S3_4_C12_C13_6", value),
        _ => msr!("S3_4_C12_C13_7", value),
    }
}
