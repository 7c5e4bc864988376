//! The EL1 state of a vCPU beyond its general-purpose registers: system registers, timer and
//! FP/SIMD registers. Saved on the core a vCPU leaves (fail-signal migration, time partitions)
//! and loaded on the core it moves to.

/// EL1 system registers and FP/SIMD state of one vCPU.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct El1Context {
    /// System registers, in the order of `SYSREGS`.
    pub sysregs: [u64; SYSREG_COUNT],
    /// q0..q31.
    pub fp: [u128; 32],
    /// FPCR and FPSR.
    pub fpcr: u64,
    /// FPSR.
    pub fpsr: u64,
}

const SYSREG_COUNT: usize = 26;

impl El1Context {
    /// All zero.
    pub const ZERO: El1Context = El1Context {
        sysregs: [0; SYSREG_COUNT],
        fp: [0; 32],
        fpcr: 0,
        fpsr: 0,
    };
}

macro_rules! sysreg_list {
    ($macro:ident) => {
        $macro!(
            "sctlr_el1",
            "ttbr0_el1",
            "ttbr1_el1",
            "tcr_el1",
            "mair_el1",
            "amair_el1",
            "vbar_el1",
            "contextidr_el1",
            "tpidr_el0",
            "tpidrro_el0",
            "tpidr_el1",
            "sp_el0",
            "sp_el1",
            "elr_el1",
            "spsr_el1",
            "esr_el1",
            "far_el1",
            "afsr0_el1",
            "afsr1_el1",
            "par_el1",
            "cpacr_el1",
            "cntkctl_el1",
            "cntv_cval_el0",
            "cntv_ctl_el0",
            "cntp_cval_el0",
            "cntp_ctl_el0"
        )
    };
}

macro_rules! save_all {
    ($($name:literal),*) => {{
        let mut values = [0u64; SYSREG_COUNT];
        let mut index = 0;
        $(
            // SAFETY: reading an EL1 register of the guest on this core has no side effects.
            unsafe { core::arch::asm!(concat!("mrs {}, ", $name), out(reg) values[index], options(nomem, nostack)) };
            index += 1;
        )*
        let _ = index;
        values
    }};
}

macro_rules! restore_all {
    ($values:expr; $($name:literal),*) => {{
        let mut index = 0;
        $(
            // SAFETY: loading the vCPU's own saved EL1 register on the core that will run it.
            unsafe { core::arch::asm!(concat!("msr ", $name, ", {}"), in(reg) $values[index], options(nomem, nostack)) };
            index += 1;
        )*
        let _ = index;
    }};
}

/// Saves this core's EL1 state (the vCPU that was running here).
pub fn save() -> El1Context {
    let mut context = El1Context::ZERO;
    macro_rules! save_here { ($($name:literal),*) => { save_all!($($name),*) }; }
    context.sysregs = sysreg_list!(save_here);
    // SAFETY: stores q0-q31, FPCR and FPSR into `context` (which is 16-byte aligned); the
    // hypervisor itself never uses these registers (soft-float build).
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            ".arch_extension simd",
            "stp q0, q1, [{fp}, #0]", "stp q2, q3, [{fp}, #32]", "stp q4, q5, [{fp}, #64]",
            "stp q6, q7, [{fp}, #96]", "stp q8, q9, [{fp}, #128]", "stp q10, q11, [{fp}, #160]",
            "stp q12, q13, [{fp}, #192]", "stp q14, q15, [{fp}, #224]", "stp q16, q17, [{fp}, #256]",
            "stp q18, q19, [{fp}, #288]", "stp q20, q21, [{fp}, #320]", "stp q22, q23, [{fp}, #352]",
            "stp q24, q25, [{fp}, #384]", "stp q26, q27, [{fp}, #416]", "stp q28, q29, [{fp}, #448]",
            "stp q30, q31, [{fp}, #480]",
            "mrs {tmp}, fpcr", "str {tmp}, [{fp}, #512]",
            "mrs {tmp}, fpsr", "str {tmp}, [{fp}, #520]",
            fp = in(reg) context.fp.as_mut_ptr(),
            tmp = out(reg) _,
            options(nostack),
        );
    }
    context
}

/// Loads a saved EL1 state into this core (before entering the vCPU here).
pub fn restore(context: &El1Context) {
    macro_rules! restore_here { ($($name:literal),*) => { restore_all!(context.sysregs; $($name),*) }; }
    sysreg_list!(restore_here);
    // SAFETY: loads q0-q31, FPCR and FPSR from `context`; EL2 code never uses them.
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            ".arch_extension simd",
            "ldp q0, q1, [{fp}, #0]", "ldp q2, q3, [{fp}, #32]", "ldp q4, q5, [{fp}, #64]",
            "ldp q6, q7, [{fp}, #96]", "ldp q8, q9, [{fp}, #128]", "ldp q10, q11, [{fp}, #160]",
            "ldp q12, q13, [{fp}, #192]", "ldp q14, q15, [{fp}, #224]", "ldp q16, q17, [{fp}, #256]",
            "ldp q18, q19, [{fp}, #288]", "ldp q20, q21, [{fp}, #320]", "ldp q22, q23, [{fp}, #352]",
            "ldp q24, q25, [{fp}, #384]", "ldp q26, q27, [{fp}, #416]", "ldp q28, q29, [{fp}, #448]",
            "ldp q30, q31, [{fp}, #480]",
            "ldr {tmp}, [{fp}, #512]", "msr fpcr, {tmp}",
            "ldr {tmp}, [{fp}, #520]", "msr fpsr, {tmp}",
            "isb",
            fp = in(reg) context.fp.as_ptr(),
            tmp = out(reg) _,
            options(nostack),
        );
    }
}
