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
/// Bytes one `stp`/`ldp` of two q registers moves (the FP save walks `fp` with it).
const Q_PAIR_BYTES: usize = 2 * core::mem::size_of::<u128>();

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
    // SAFETY: stores q0-q31 into `context.fp` (32 q registers, 16-byte aligned), FPCR and FPSR
    // into their fields; the hypervisor itself never uses these registers (soft-float build).
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            ".arch_extension simd",
            "stp q0, q1, [{fp}], #{pair}", "stp q2, q3, [{fp}], #{pair}",
            "stp q4, q5, [{fp}], #{pair}", "stp q6, q7, [{fp}], #{pair}",
            "stp q8, q9, [{fp}], #{pair}", "stp q10, q11, [{fp}], #{pair}",
            "stp q12, q13, [{fp}], #{pair}", "stp q14, q15, [{fp}], #{pair}",
            "stp q16, q17, [{fp}], #{pair}", "stp q18, q19, [{fp}], #{pair}",
            "stp q20, q21, [{fp}], #{pair}", "stp q22, q23, [{fp}], #{pair}",
            "stp q24, q25, [{fp}], #{pair}", "stp q26, q27, [{fp}], #{pair}",
            "stp q28, q29, [{fp}], #{pair}", "stp q30, q31, [{fp}], #{pair}",
            "mrs {tmp}, fpcr", "str {tmp}, [{fpcr}]",
            "mrs {tmp}, fpsr", "str {tmp}, [{fpsr}]",
            fp = inout(reg) context.fp.as_mut_ptr() => _,
            fpcr = in(reg) &raw mut context.fpcr,
            fpsr = in(reg) &raw mut context.fpsr,
            pair = const Q_PAIR_BYTES,
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
            "ldp q0, q1, [{fp}], #{pair}", "ldp q2, q3, [{fp}], #{pair}",
            "ldp q4, q5, [{fp}], #{pair}", "ldp q6, q7, [{fp}], #{pair}",
            "ldp q8, q9, [{fp}], #{pair}", "ldp q10, q11, [{fp}], #{pair}",
            "ldp q12, q13, [{fp}], #{pair}", "ldp q14, q15, [{fp}], #{pair}",
            "ldp q16, q17, [{fp}], #{pair}", "ldp q18, q19, [{fp}], #{pair}",
            "ldp q20, q21, [{fp}], #{pair}", "ldp q22, q23, [{fp}], #{pair}",
            "ldp q24, q25, [{fp}], #{pair}", "ldp q26, q27, [{fp}], #{pair}",
            "ldp q28, q29, [{fp}], #{pair}", "ldp q30, q31, [{fp}], #{pair}",
            "ldr {tmp}, [{fpcr}]", "msr fpcr, {tmp}",
            "ldr {tmp}, [{fpsr}]", "msr fpsr, {tmp}",
            "isb",
            fp = inout(reg) context.fp.as_ptr() => _,
            fpcr = in(reg) &raw const context.fpcr,
            fpsr = in(reg) &raw const context.fpsr,
            pair = const Q_PAIR_BYTES,
            tmp = out(reg) _,
            options(nostack),
        );
    }
}
