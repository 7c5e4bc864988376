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

use crate::arch::register_values::{
    vmpidr_el2, vtcr_el2, CNTHCTL_EL1_PHYSICAL_ACCESS, CPTR_GUEST, HCR_GUEST, HCR_HYPERVISOR_ONLY,
    SCTLR_EL1_RESET,
};

/// Loads this core's stage-2 configuration for a guest and the EL1 state a fresh vCPU expects.
pub fn enter_guest_context(vttbr: u64, vtcr: u64, vcpu: u64, fresh: bool) {
    // A fresh vCPU starts with its MMU and caches off; a moved one keeps its restored SCTLR_EL1.
    let sctlr = if fresh {
        SCTLR_EL1_RESET
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
            cptr = in(reg) CPTR_GUEST,
            midr = in(reg) midr,
            vmpidr = in(reg) vmpidr_el2(vcpu),
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
        value |= CNTHCTL_EL1_PHYSICAL_ACCESS;
        core::arch::asm!("msr cnthctl_el2, {}", "isb", in(reg) value);
    }
}

/// VTCR_EL2 for a 39-bit IPA space, 4 KiB granule, start at level 1, inner-shareable write-back
/// walks, and the CPU's physical address size.
pub fn vtcr() -> u64 {
    const _: () = assert!(
        crate::arch::register_values::GUEST_IPA_BITS == crate::mm::pagetable::INPUT_BITS,
        "stage 2 walks the tables the page-table code builds"
    );
    vtcr_el2(super::mmu::physical_address_range_code())
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
    HCR_EL2.set(HCR_HYPERVISOR_ONLY);
    aarch64_cpu::asm::barrier::isb(aarch64_cpu::asm::barrier::SY);
}
