//! EL2 exception vectors: save the interrupted context into a `TrapFrame`, call Rust, restore.

use crate::vm::exit::TrapFrame;

/// Size of the frame the vectors push (x0-x30, ELR_EL2, SPSR_EL2, padding to 16 bytes).
pub const FRAME_SIZE: usize = 288;
const _: () = assert!(core::mem::size_of::<TrapFrame>() <= FRAME_SIZE);

core::arch::global_asm!(
    r#"
.macro SAVE_FRAME
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x0, elr_el2
    mrs     x1, spsr_el2
    stp     x30, x0, [sp, #240]
    str     x1, [sp, #256]
.endm

.macro VECTOR handler
    .balign 0x80
    SAVE_FRAME
    mov     x0, sp
    bl      \handler
    b       kairos_restore_frame
.endm

.section .text.vectors, "ax"
.balign 0x800
.global kairos_el2_vectors
kairos_el2_vectors:
    VECTOR {hyp_fault}      // current EL, SP_EL0: never used
    VECTOR {hyp_fault}
    VECTOR {hyp_fault}
    VECTOR {hyp_fault}
    VECTOR {hyp_sync}       // current EL, SP_ELx
    VECTOR {hyp_irq}
    VECTOR {hyp_fault}
    VECTOR {hyp_serror}
    VECTOR {guest_sync}     // lower EL, AArch64
    VECTOR {guest_irq}
    VECTOR {guest_fault}
    VECTOR {guest_serror}
    VECTOR {guest_fault}    // lower EL, AArch32: not supported
    VECTOR {guest_fault}
    VECTOR {guest_fault}
    VECTOR {guest_fault}

.global kairos_restore_frame
kairos_restore_frame:
    ldr     x1, [sp, #256]
    ldp     x30, x0, [sp, #240]
    msr     elr_el2, x0
    msr     spsr_el2, x1
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #{frame}
    eret

// Enters a guest for the first time: x0 = TrapFrame to load, x1 = top of this core's stack.
.global kairos_enter_frame
kairos_enter_frame:
    mov     sp, x1
    ldr     x2, [x0, #256]
    ldr     x3, [x0, #248]
    msr     spsr_el2, x2
    msr     elr_el2, x3
    ldr     x30, [x0, #240]
    ldp     x28, x29, [x0, #224]
    ldp     x26, x27, [x0, #208]
    ldp     x24, x25, [x0, #192]
    ldp     x22, x23, [x0, #176]
    ldp     x20, x21, [x0, #160]
    ldp     x18, x19, [x0, #144]
    ldp     x16, x17, [x0, #128]
    ldp     x14, x15, [x0, #112]
    ldp     x12, x13, [x0, #96]
    ldp     x10, x11, [x0, #80]
    ldp     x8, x9, [x0, #64]
    ldp     x6, x7, [x0, #48]
    ldp     x4, x5, [x0, #32]
    ldp     x2, x3, [x0, #16]
    ldp     x0, x1, [x0, #0]
    eret
"#,
    frame = const FRAME_SIZE,
    hyp_fault = sym crate::vm::trap::hypervisor_fault,
    hyp_sync = sym crate::vm::trap::hypervisor_sync,
    hyp_irq = sym crate::vm::trap::hypervisor_irq,
    hyp_serror = sym crate::vm::trap::hypervisor_serror,
    guest_sync = sym crate::vm::trap::guest_sync,
    guest_irq = sym crate::vm::trap::guest_irq,
    guest_fault = sym crate::vm::trap::guest_unsupported,
    guest_serror = sym crate::vm::trap::guest_serror,
);

extern "C" {
    fn kairos_el2_vectors();
    fn kairos_enter_frame(frame: *const TrapFrame, stack_top: u64) -> !;
}

/// Points VBAR_EL2 at the vectors on this core.
pub fn install_vectors() {
    // SAFETY: the vector table is 2 KiB aligned code in the image, valid for the whole run.
    unsafe {
        core::arch::asm!("msr vbar_el2, {}", "isb", in(reg) kairos_el2_vectors as *const () as u64);
    }
}

/// Loads `frame` and returns to the context it describes (a guest at EL1), resetting this
/// core's EL2 stack to `stack_top`.
///
/// # Safety
/// `stack_top` must be the top of this core's own EL2 stack (everything on it is abandoned),
/// `frame` must not live on that stack, and its ELR/SPSR must describe a lower exception level
/// whose translation is set up.
pub unsafe fn enter(frame: *const TrapFrame, stack_top: u64) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { kairos_enter_frame(frame, stack_top) }
}
