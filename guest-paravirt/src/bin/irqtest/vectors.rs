//! irqtest's EL1 vector table: IRQs stamp the virtual counter at the vector's second
//! instruction and go to the Rust handler; synchronous aborts (a refused access reflected by
//! the hypervisor) are counted and stepped over; anything else powers the VM off.

use core::sync::atomic::AtomicU64;

/// Synchronous exceptions taken, and the syndrome of the last one.
pub static ABORTS: AtomicU64 = AtomicU64::new(0);
/// ESR_EL1 of the last synchronous exception.
pub static LAST_ESR: AtomicU64 = AtomicU64::new(0);

core::arch::global_asm!(
    r#"
    .pushsection .text.irqtest_vectors, "ax"
    .balign 0x800
    .global irqtest_vectors
irqtest_vectors:
    .rept 4
    .balign 0x80
    b       irqtest_unexpected
    .endr
    .balign 0x80                    // synchronous, current EL with SP_ELx
    b       irqtest_sync
    .balign 0x80                    // IRQ, current EL with SP_ELx
    stp     x0, x1, [sp, #-16]!
    mrs     x0, cntvct_el0
    b       irqtest_irq
    .rept 10
    .balign 0x80
    b       irqtest_unexpected
    .endr

irqtest_irq:
    stp     x2, x3, [sp, #-16]!
    stp     x4, x5, [sp, #-16]!
    stp     x6, x7, [sp, #-16]!
    stp     x8, x9, [sp, #-16]!
    stp     x10, x11, [sp, #-16]!
    stp     x12, x13, [sp, #-16]!
    stp     x14, x15, [sp, #-16]!
    stp     x16, x17, [sp, #-16]!
    stp     x18, x30, [sp, #-16]!
    bl      {handler}
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

irqtest_sync:
    stp     x0, x1, [sp, #-16]!
    mrs     x0, esr_el1
    ldr     x1, ={esr}
    str     x0, [x1]
    ldr     x1, ={aborts}
    ldr     x0, [x1]
    add     x0, x0, #1
    str     x0, [x1]
    mrs     x0, elr_el1
    add     x0, x0, #4
    msr     elr_el1, x0
    ldp     x0, x1, [sp], #16
    eret

irqtest_unexpected:
    ldr     x0, =0x84000008
    smc     #0
    b       irqtest_unexpected
    .popsection
"#,
    handler = sym crate::guest::irq_handler,
    esr = sym LAST_ESR,
    aborts = sym ABORTS,
);

/// Points this vCPU's VBAR_EL1 at the table.
pub fn install() {
    extern "C" {
        static irqtest_vectors: u8;
    }
    let table = core::ptr::addr_of!(irqtest_vectors) as u64;
    // SAFETY: the table is 2 KiB-aligned code of this image, valid for the whole run.
    unsafe { core::arch::asm!("msr vbar_el1, {}", "isb", in(reg) table) };
}
