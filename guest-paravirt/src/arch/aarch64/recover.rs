//! The recovery entry: a vCPU restarted after a blackout begins here (contract in
//! [`crate::recovery`]).

use aarch64_cpu::registers::CPACR_EL1;

core::arch::global_asm!(
    r#"
    .pushsection .text.__guest_recovery_entry, "ax"
    .balign 8
    .global __guest_recovery_entry
__guest_recovery_entry:
    msr     daifset, #0xf
    msr     spsel, #1
    mov     x19, x0                     // the checkpoint argument
    bl      __guest_vcpu_stack_top
    cbz     x0, 2f
    mov     sp, x0                      // a fresh stack: the old frames are abandoned
    mov     x1, #{cpacr}
    msr     cpacr_el1, x1
    isb
    mov     x0, x19
    bl      {recover}
2:  wfi
    b       2b
    .popsection
"#,
    cpacr = const CPACR_EL1::FPEN::TrapNothing.value,
    recover = sym guest_recover,
);

/// The first Rust code after a restart: vectors, then the hook.
extern "C" fn guest_recover(argument: u64) -> ! {
    super::vectors::install();
    crate::recovery::run_hook(argument)
}

/// The entry's address.
pub fn recovery_entry_address() -> u64 {
    extern "C" {
        static __guest_recovery_entry: u8;
    }
    core::ptr::addr_of!(__guest_recovery_entry) as u64
}

/// Jumps to the recovery entry with `x0 = argument` (what the hypervisor's restart does).
pub fn jump_to_recovery_entry(argument: u64) -> ! {
    // SAFETY: the entry expects exactly this: x0 = argument, any other register and any stack;
    // it never returns and takes a fresh stack, so nothing of the current frames is used again.
    unsafe {
        core::arch::asm!(
            "br {entry}",
            entry = in(reg) recovery_entry_address(),
            in("x0") argument,
            options(noreturn),
        )
    }
}
