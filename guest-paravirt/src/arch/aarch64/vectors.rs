//! The EL1 exception vector table: every exception is unexpected; report it and power off.
//!
//! The guest handles no exceptions yet (interrupts stay masked, it makes no SVCs), so each of
//! the 16 vectors passes its index to [`report_unexpected_exception`], which prints ESR_EL1,
//! ELR_EL1 and FAR_EL1 through the console hypercall and powers the VM off with PSCI. Other
//! tables ([`super::stepping_vectors`]) branch to `__guest_unexpected_exception` with the index
//! in `x0` for the vectors they do not handle.

use aarch64_cpu::{
    asm::barrier,
    registers::{Readable, Writeable, ELR_EL1, ESR_EL1, FAR_EL1, VBAR_EL1},
};

use crate::exception::{ExceptionReport, Vector};

core::arch::global_asm!(
    r#"
    .pushsection .text.__guest_exception_vectors, "ax"
    .balign 0x800
    .global __guest_exception_vectors
__guest_exception_vectors:
    .irp    index, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #\index
    b       __guest_unexpected_exception
    .endr

    // x0 = the vector index. Never returns, so it may take this vCPU's stack from the top again:
    // that also survives an exception caused by a broken stack pointer.
    .global __guest_unexpected_exception
__guest_unexpected_exception:
    mov     x19, x0
    bl      __guest_vcpu_stack_top
    cbz     x0, .Lvector_park
    mov     sp, x0
    mov     x0, x19
    bl      {report}
.Lvector_park:
    wfi
    b       .Lvector_park
    .popsection
"#,
    report = sym report_unexpected_exception,
);

/// Points VBAR_EL1 at the vector table above.
pub(super) fn install() {
    extern "C" {
        static __guest_exception_vectors: u8;
    }
    // Only the address is taken (no unsafe needed for that); the table is never read as data.
    let table = core::ptr::addr_of!(__guest_exception_vectors) as u64;
    VBAR_EL1.set(table);
    barrier::isb(barrier::SY);
}

/// Reports the exception taken through vector `index`, then powers the VM off.
pub(super) extern "C" fn report_unexpected_exception(index: u64) -> ! {
    let report = ExceptionReport {
        vector: Vector(index),
        esr: ESR_EL1.get(),
        elr: ELR_EL1.get(),
        far: FAR_EL1.get(),
    };
    crate::fatal::stop(format_args!("{report}"))
}
