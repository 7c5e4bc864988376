//! EL2 system registers the VM layer reads and writes, named for what they do.

macro_rules! read_sysreg {
    ($name:literal) => {{
        let value: u64;
        // SAFETY: reading this EL2-accessible system register has no side effects.
        unsafe { core::arch::asm!(concat!("mrs {}, ", $name), out(reg) value, options(nomem, nostack)) };
        value
    }};
}

/// The syndrome of the exception being handled.
pub fn esr_el2() -> u64 {
    read_sysreg!("esr_el2")
}

/// The faulting virtual address.
pub fn far_el2() -> u64 {
    read_sysreg!("far_el2")
}

/// The faulting IPA page of a stage-2 abort.
pub fn hpfar_el2() -> u64 {
    read_sysreg!("hpfar_el2")
}

/// The guest's virtual timer control (enable, mask, status).
pub fn cntv_ctl() -> u64 {
    read_sysreg!("cntv_ctl_el0")
}

/// The guest's virtual timer compare value.
pub fn cntv_cval() -> u64 {
    read_sysreg!("cntv_cval_el0")
}

/// HCR_EL2 for a guest: stage 2 on, EL1 AArch64, interrupts routed to EL2, SMC and WFI trapped,
/// set/way cache operations upgraded.
pub const HCR_GUEST: u64 =
    (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 13) | (1 << 19) | (1 << 31);

/// Loads this core's stage-2 configuration for a guest and the EL1 state a fresh vCPU expects.
pub fn enter_guest_context(vttbr: u64, vtcr: u64, vcpu: u64, fresh: bool) {
    // A fresh vCPU starts with its MMU and caches off; a moved one keeps its restored SCTLR_EL1.
    let sctlr = if fresh {
        0x30d0_0800u64
    } else {
        read_sysreg!("sctlr_el1")
    };
    let midr = read_sysreg!("midr_el1");
    // SAFETY: the stage-2 root describes the guest's memory only; EL1 registers are reset to
    // architectural start values before the guest runs at EL1.
    unsafe {
        core::arch::asm!(
            "msr vtcr_el2, {vtcr}",
            "msr vttbr_el2, {vttbr}",
            "isb",
            "tlbi vmalls12e1",
            "dsb ish",
            "msr hcr_el2, {hcr}",
            "msr sctlr_el1, {sctlr}",
            "msr cntvoff_el2, xzr",
            "msr cptr_el2, {cptr}",
            "msr vpidr_el2, {midr}",
            "msr vmpidr_el2, {vmpidr}",
            "isb",
            vtcr = in(reg) vtcr,
            vttbr = in(reg) vttbr,
            hcr = in(reg) HCR_GUEST,
            sctlr = in(reg) sctlr,
            cptr = in(reg) 0x33ffu64,
            midr = in(reg) midr,
            vmpidr = in(reg) (1u64 << 31) | (vcpu & 0xff),
            options(nostack),
        );
    }
}

/// Lets EL1 read the physical counter and use its timers (CNTHCTL_EL2.EL1PCTEN/EL1PCEN).
pub fn allow_el1_counter() {
    // SAFETY: only changes which timer registers EL1 may access.
    unsafe {
        let mut value: u64;
        core::arch::asm!("mrs {}, cnthctl_el2", out(reg) value);
        value |= 0b11;
        core::arch::asm!("msr cnthctl_el2, {}", "isb", in(reg) value);
    }
}

/// VTCR_EL2 for a 39-bit IPA space, 4 KiB granule, start at level 1, inner-shareable write-back
/// walks, and the CPU's physical address size.
pub fn vtcr() -> u64 {
    let t0sz = 25u64;
    let sl0 = 1u64; // start at level 1
    let ps = super::mmu::physical_address_range_code();
    t0sz | (sl0 << 6) | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (ps << 16) | (1 << 31)
}

/// The guest's exception vector base.
pub fn vbar_el1() -> u64 {
    read_sysreg!("vbar_el1")
}

/// Sets the EL1 fault registers of an abort the hypervisor injects into the guest.
pub fn set_el1_abort(esr: u64, far: u64, elr: u64, spsr: u64) {
    // SAFETY: these EL1 registers belong to the guest running on this core; the hypervisor is
    // delivering an exception to it, exactly as the hardware would.
    unsafe {
        core::arch::asm!(
            "msr esr_el1, {esr}",
            "msr far_el1, {far}",
            "msr elr_el1, {elr}",
            "msr spsr_el1, {spsr}",
            esr = in(reg) esr,
            far = in(reg) far,
            elr = in(reg) elr,
            spsr = in(reg) spsr,
            options(nostack),
        );
    }
}

/// HCR_EL2 while no guest has run on this core yet: physical interrupts routed to EL2, so that
/// EL2 takes its own timer's interrupt during long work (with IMO clear they would target EL1
/// and stay masked at EL2); EL1 is AArch64.
pub fn route_interrupts_to_el2() {
    use aarch64_cpu::registers::{Writeable, HCR_EL2};
    HCR_EL2.write(
        HCR_EL2::RW::EL1IsAarch64 + HCR_EL2::IMO::SET + HCR_EL2::FMO::SET + HCR_EL2::AMO::SET,
    );
    aarch64_cpu::asm::barrier::isb(aarch64_cpu::asm::barrier::SY);
}
