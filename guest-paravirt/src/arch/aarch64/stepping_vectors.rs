//! A vector table for guests that provoke faults and take interrupts on purpose (the `attacker`
//! and `irqtest` images), installed in place of the default one (`vectors.rs`).
//!
//! - Synchronous exception from EL1 (an access the hypervisor refused, reflected as an abort):
//!   counted, its ESR_EL1 kept, and stepped over: execution resumes after the faulting
//!   instruction, or at the return address (x30) for an instruction abort (a `blr` that left
//!   the VM's memory).
//! - IRQ from EL1: the virtual counter is read at the vector's second instruction, then the
//!   handler given to [`install`] runs with that reading, the caller-saved registers kept.
//! - Anything else, or an IRQ without a handler: reported as unexpected (vector index, ESR, ELR,
//!   FAR) by the default table's path, which powers the VM off.

use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering::SeqCst};

use aarch64_cpu::{
    asm::barrier,
    registers::{Writeable, VBAR_EL1},
};

/// An IRQ handler: called with IRQs masked and the virtual counter read at the vector (`entry`);
/// it acknowledges and ends its interrupts itself, and returns to the interrupted code. Only the
/// general-purpose registers are kept for that code, not the FP/SIMD ones.
pub type IrqHandler = extern "C" fn(entry: u64);

/// Synchronous exceptions taken (written by the vector).
static ABORTS: AtomicU64 = AtomicU64::new(0);
/// ESR_EL1 of the last one (written by the vector).
static LAST_ESR: AtomicU64 = AtomicU64::new(0);
/// The IRQ handler (read by the vector).
static IRQ_HANDLER: AtomicPtr<()> = AtomicPtr::new(unexpected_irq as *mut ());
/// ESR_EL1.EC of an instruction abort taken without a change of exception level.
const EC_INSTRUCTION_ABORT: u64 = 0x21;
/// The index of the "IRQ, current EL with SP_ELx" vector.
const IRQ_VECTOR: u64 = 5;

core::arch::global_asm!(
    r#"
    .pushsection .text.__guest_stepping_vectors, "ax"
    .balign 0x800
    .global __guest_stepping_vectors
__guest_stepping_vectors:
    .irp    index, 0, 1, 2, 3
    .balign 0x80
    mov     x0, #\index
    b       __guest_unexpected_exception
    .endr

    .balign 0x80                    // 4: synchronous, current EL with SP_ELx
    stp     x0, x1, [sp, #-16]!
    mrs     x0, esr_el1
    ldr     x1, ={esr}
    str     x0, [x1]
    ldr     x1, ={aborts}
    ldr     x0, [x1]
    add     x0, x0, #1
    str     x0, [x1]
    mrs     x0, esr_el1
    lsr     x0, x0, #26
    cmp     x0, #{instruction_abort}
    b.eq    1f
    mrs     x0, elr_el1
    add     x0, x0, #4
    msr     elr_el1, x0
    b       2f
1:  msr     elr_el1, x30
2:  ldp     x0, x1, [sp], #16
    eret

    .balign 0x80                    // 5: IRQ, current EL with SP_ELx
    stp     x0, x1, [sp, #-16]!
    mrs     x0, cntvct_el0
    stp     x2, x3, [sp, #-16]!
    stp     x4, x5, [sp, #-16]!
    stp     x6, x7, [sp, #-16]!
    stp     x8, x9, [sp, #-16]!
    stp     x10, x11, [sp, #-16]!
    stp     x12, x13, [sp, #-16]!
    stp     x14, x15, [sp, #-16]!
    stp     x16, x17, [sp, #-16]!
    stp     x18, x30, [sp, #-16]!
    ldr     x1, {handler}           // the handler's address itself (a PC-relative load)
    blr     x1
    ldp     x18, x30, [sp], #16
    ldp     x16, x17, [sp], #16
    ldp     x14, x15, [sp], #16
    ldp     x12, x13, [sp], #16
    ldp     x10, x11, [sp], #16
    ldp     x8, x9, [sp], #16
    ldp     x6, x7, [sp], #16
    ldp     x4, x5, [sp], #16
    ldp     x2, x3, [sp], #16
    ldp     x0, x1, [sp], #16
    eret

    .irp    index, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #\index
    b       __guest_unexpected_exception
    .endr
    .popsection
"#,
    esr = sym LAST_ESR,
    aborts = sym ABORTS,
    handler = sym IRQ_HANDLER,
    instruction_abort = const EC_INSTRUCTION_ABORT,
);

/// The IRQ handler while none is installed: the IRQ is unexpected.
extern "C" fn unexpected_irq(_entry: u64) {
    super::vectors::report_unexpected_exception(IRQ_VECTOR)
}

/// Points this vCPU's VBAR_EL1 at the table; IRQs go to `irq` (`None`: they are unexpected).
/// The handler is shared by every vCPU: the last call sets it.
pub fn install(irq: Option<IrqHandler>) {
    let handler: IrqHandler = irq.unwrap_or(unexpected_irq);
    IRQ_HANDLER.store(handler as *mut (), SeqCst);
    extern "C" {
        static __guest_stepping_vectors: u8;
    }
    // Only the address is taken (no unsafe needed for that); the table is never read as data.
    let table = core::ptr::addr_of!(__guest_stepping_vectors) as u64;
    VBAR_EL1.set(table);
    barrier::isb(barrier::SY);
}

/// Synchronous exceptions taken so far (by every vCPU using the table).
pub fn aborts() -> u64 {
    ABORTS.load(SeqCst)
}

/// ESR_EL1 of the last synchronous exception taken (0 before the first).
pub fn last_esr() -> u64 {
    LAST_ESR.load(SeqCst)
}
