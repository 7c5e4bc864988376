//! EL2 exception vectors: save the interrupted context into a [`TrapFrame`], call up through
//! the [`Traps`] interface, restore. The layer above names its implementation once with
//! [`exception_vectors!`]; this module depends on nothing above it.

pub use crate::arch::frame::{TrapFrame, ELR_OFFSET, FRAME_SIZE, SPSR_OFFSET, X30_OFFSET};

/// What the layer above does with each kind of exception. Each handler gets the frame the
/// vectors saved; when it returns, the vectors restore that frame and return to it.
pub trait Traps {
    /// A synchronous exception from a guest, first the short way: `frame` holds only the
    /// registers a call clobbers (x0-x18, x30; not x19-x29, ELR or SPSR), `esr` its syndrome.
    /// Returns [`RESUME_PAST`] when handled (the guest resumes after the trapping instruction),
    /// or any other value, having changed nothing it would not change again, for
    /// [`Traps::guest_sync`] to take over with that value and the full frame. The guest
    /// returns through ELR_EL2 and SPSR_EL2 as they are then: whatever takes an exception at
    /// EL2 meanwhile must put them back (`drivers::gic::with_timer_only` does).
    extern "C" fn guest_sync_fast(frame: &mut TrapFrame, esr: u64) -> u64;
    /// A synchronous exception from a guest that the short way left (hypercall, SMC, trapped
    /// WFI, abort, system register), with what [`Traps::guest_sync_fast`] returned.
    extern "C" fn guest_sync(frame: &mut TrapFrame, note: u64);
    /// An interrupt while a guest ran, with only the registers a call clobbers saved (as for
    /// [`Traps::guest_sync_fast`]): true when the guest must leave ([`Traps::guest_irq_leave`]
    /// follows with the full frame), false when it resumes.
    extern "C" fn guest_irq(frame: &mut TrapFrame) -> bool;
    /// The guest interrupted by [`Traps::guest_irq`] leaves; `frame` is complete.
    extern "C" fn guest_irq_leave(frame: &mut TrapFrame);
    /// An SError from a guest.
    extern "C" fn guest_serror(frame: &mut TrapFrame);
    /// An exception from AArch32, or an FIQ: not supported.
    extern "C" fn guest_unsupported(frame: &mut TrapFrame);
    /// A synchronous exception at EL2: a hypervisor bug.
    extern "C" fn hypervisor_sync(frame: &mut TrapFrame);
    /// An interrupt taken at EL2 (only where EL2 unmasks them: long work that must keep
    /// beating).
    extern "C" fn hypervisor_irq(frame: &mut TrapFrame);
    /// An SError at EL2.
    extern "C" fn hypervisor_serror(frame: &mut TrapFrame);
    /// An exception through a vector that is never used.
    extern "C" fn hypervisor_unexpected(frame: &mut TrapFrame);
}

/// Emits the EL2 vector table with the handlers of `$traps` (a type implementing [`Traps`]).
/// Invoke exactly once, in the layer that implements the handlers.
#[macro_export]
macro_rules! exception_vectors {
    ($traps:ty) => {
        core::arch::global_asm!(
            r#"
// The registers a call clobbers (x0 and x1 are saved already), and back.
.macro SAVE_CALL_CLOBBERED
    stp     x2, x3, [sp, #{at_x2}]
    stp     x4, x5, [sp, #{at_x4}]
    stp     x6, x7, [sp, #{at_x6}]
    stp     x8, x9, [sp, #{at_x8}]
    stp     x10, x11, [sp, #{at_x10}]
    stp     x12, x13, [sp, #{at_x12}]
    stp     x14, x15, [sp, #{at_x14}]
    stp     x16, x17, [sp, #{at_x16}]
    str     x18, [sp, #{at_x18}]
    str     x30, [sp, #{x30}]
.endm
.macro RESTORE_CALL_CLOBBERED_AND_RETURN
    ldp     x0, x1, [sp, #{at_x0}]
    ldp     x2, x3, [sp, #{at_x2}]
    ldp     x4, x5, [sp, #{at_x4}]
    ldp     x6, x7, [sp, #{at_x6}]
    ldp     x8, x9, [sp, #{at_x8}]
    ldp     x10, x11, [sp, #{at_x10}]
    ldp     x12, x13, [sp, #{at_x12}]
    ldp     x14, x15, [sp, #{at_x14}]
    ldp     x16, x17, [sp, #{at_x16}]
    ldr     x18, [sp, #{at_x18}]
    ldr     x30, [sp, #{x30}]
    add     sp, sp, #{frame}
    eret
.endm
// The rest of the frame once SAVE_CALL_CLOBBERED ran (x0-x3 free).
.macro SAVE_REST
    str     x19, [sp, #{at_x19}]
    stp     x20, x21, [sp, #{at_x20}]
    stp     x22, x23, [sp, #{at_x22}]
    stp     x24, x25, [sp, #{at_x24}]
    stp     x26, x27, [sp, #{at_x26}]
    stp     x28, x29, [sp, #{at_x28}]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    str     x2, [sp, #{elr}]
    str     x3, [sp, #{spsr}]
.endm

// The whole frame.
.macro SAVE_FRAME
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #{at_x0}]
    SAVE_CALL_CLOBBERED
    SAVE_REST
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
    VECTOR {hyp_unexpected}     // current EL, SP_EL0: never used
    VECTOR {hyp_unexpected}
    VECTOR {hyp_unexpected}
    VECTOR {hyp_unexpected}
    VECTOR {hyp_sync}           // current EL, SP_ELx
    VECTOR {hyp_irq}
    VECTOR {hyp_unexpected}
    VECTOR {hyp_serror}
    // Lower EL, AArch64, synchronous: the null hypercall (VERSION by HVC) is answered here
    // without Rust; everything else goes the short way first.
    .balign 0x80
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #{at_x0}]
    mrs     x1, esr_el2
    lsr     x1, x1, #{class_shift}
    cmp     x1, #{hvc_class}
    b.eq    kairos_fast_hypercall
    b       kairos_guest_sync
    .balign 0x80                // lower EL, AArch64, IRQ
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #{at_x0}]
    b       kairos_guest_irq
    VECTOR {guest_unsupported}
    VECTOR {guest_serror}
    VECTOR {guest_unsupported}  // lower EL, AArch32: not supported
    VECTOR {guest_unsupported}
    VECTOR {guest_unsupported}
    VECTOR {guest_unsupported}

// A guest's synchronous exception: the short way with the call-clobbered registers saved;
// what it does not handle goes to the full handler with the whole frame.
kairos_guest_sync:
    SAVE_CALL_CLOBBERED
    mov     x0, sp
    mrs     x1, esr_el2
    bl      {guest_sync_fast}
    cbnz    x0, 1f
    mrs     x1, elr_el2
    add     x1, x1, #4
    msr     elr_el2, x1
    RESTORE_CALL_CLOBBERED_AND_RETURN
1:  mov     x1, x0
    SAVE_REST
    mov     x0, sp
    bl      {guest_sync}
    b       kairos_restore_frame

// A guest's interrupt: handled with the call-clobbered registers saved; a guest that must
// leave gets its whole frame saved first.
kairos_guest_irq:
    SAVE_CALL_CLOBBERED
    mov     x0, sp
    bl      {guest_irq}
    cbnz    w0, 1f
    RESTORE_CALL_CLOBBERED_AND_RETURN
1:  SAVE_REST
    mov     x0, sp
    bl      {guest_irq_leave}
    b       kairos_restore_frame

// HVC with x0 = the VERSION function: x0 = success, x1-x3 = the ABI's version, the other
// registers as they were (only x0-x3 were touched). Any other HVC goes the full way.
kairos_fast_hypercall:
    mov     x1, #{version_function}
    cmp     x0, x1
    b.ne    1f
    mov     x0, #0
    mov     x1, #{version_major}
    mov     x2, #{version_minor}
    mov     x3, #0
    add     sp, sp, #{frame}
    eret
1:  ldr     x1, [sp, #{at_x1}]
    b       kairos_guest_sync

.global kairos_restore_frame
kairos_restore_frame:
    ldr     x0, [sp, #{elr}]
    ldr     x1, [sp, #{spsr}]
    msr     elr_el2, x0
    msr     spsr_el2, x1
    ldr     x19, [sp, #{at_x19}]
    ldp     x20, x21, [sp, #{at_x20}]
    ldp     x22, x23, [sp, #{at_x22}]
    ldp     x24, x25, [sp, #{at_x24}]
    ldp     x26, x27, [sp, #{at_x26}]
    ldp     x28, x29, [sp, #{at_x28}]
    RESTORE_CALL_CLOBBERED_AND_RETURN

// Enters a guest: x0 = TrapFrame to load, x1 = top of this core's stack (everything on it is
// abandoned).
.global kairos_enter_frame
kairos_enter_frame:
    mov     sp, x1
    ldr     x2, [x0, #{spsr}]
    ldr     x3, [x0, #{elr}]
    msr     spsr_el2, x2
    msr     elr_el2, x3
    ldr     x30, [x0, #{x30}]
    ldp     x28, x29, [x0, #{at_x28}]
    ldp     x26, x27, [x0, #{at_x26}]
    ldp     x24, x25, [x0, #{at_x24}]
    ldp     x22, x23, [x0, #{at_x22}]
    ldp     x20, x21, [x0, #{at_x20}]
    ldp     x18, x19, [x0, #{at_x18}]
    ldp     x16, x17, [x0, #{at_x16}]
    ldp     x14, x15, [x0, #{at_x14}]
    ldp     x12, x13, [x0, #{at_x12}]
    ldp     x10, x11, [x0, #{at_x10}]
    ldp     x8, x9, [x0, #{at_x8}]
    ldp     x6, x7, [x0, #{at_x6}]
    ldp     x4, x5, [x0, #{at_x4}]
    ldp     x2, x3, [x0, #{at_x2}]
    ldp     x0, x1, [x0, #{at_x0}]
    eret

// Calls x1 (a function that never returns) on a fresh stack whose top is x0.
.global kairos_call_on_stack
kairos_call_on_stack:
    mov     sp, x0
    mov     x29, #0
    mov     x30, #0
    br      x1
"#,
            frame = const $crate::arch::aarch64::exception::FRAME_SIZE,
            at_x0 = const $crate::arch::frame::register_offset(0),
            at_x1 = const $crate::arch::frame::register_offset(1),
            at_x2 = const $crate::arch::frame::register_offset(2),
            at_x4 = const $crate::arch::frame::register_offset(4),
            at_x6 = const $crate::arch::frame::register_offset(6),
            at_x8 = const $crate::arch::frame::register_offset(8),
            at_x10 = const $crate::arch::frame::register_offset(10),
            at_x12 = const $crate::arch::frame::register_offset(12),
            at_x14 = const $crate::arch::frame::register_offset(14),
            at_x16 = const $crate::arch::frame::register_offset(16),
            at_x18 = const $crate::arch::frame::register_offset(18),
            at_x19 = const $crate::arch::frame::register_offset(19),
            at_x20 = const $crate::arch::frame::register_offset(20),
            at_x22 = const $crate::arch::frame::register_offset(22),
            at_x24 = const $crate::arch::frame::register_offset(24),
            at_x26 = const $crate::arch::frame::register_offset(26),
            at_x28 = const $crate::arch::frame::register_offset(28),
            x30 = const $crate::arch::aarch64::exception::X30_OFFSET,
            elr = const $crate::arch::aarch64::exception::ELR_OFFSET,
            spsr = const $crate::arch::aarch64::exception::SPSR_OFFSET,
            class_shift = const $crate::arch::register_values::EXCEPTION_CLASS_SHIFT,
            hvc_class = const $crate::arch::aarch64::exception::HVC64_CLASS,
            version_function = const $crate::arch::aarch64::exception::VERSION_FUNCTION,
            version_major = const $crate::arch::aarch64::exception::VERSION_MAJOR,
            version_minor = const $crate::arch::aarch64::exception::VERSION_MINOR,
            hyp_unexpected = sym <$traps as $crate::arch::aarch64::exception::Traps>::hypervisor_unexpected,
            hyp_sync = sym <$traps as $crate::arch::aarch64::exception::Traps>::hypervisor_sync,
            hyp_irq = sym <$traps as $crate::arch::aarch64::exception::Traps>::hypervisor_irq,
            hyp_serror = sym <$traps as $crate::arch::aarch64::exception::Traps>::hypervisor_serror,
            guest_sync_fast = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_sync_fast,
            guest_sync = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_sync,
            guest_irq = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_irq,
            guest_irq_leave = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_irq_leave,
            guest_unsupported = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_unsupported,
            guest_serror = sym <$traps as $crate::arch::aarch64::exception::Traps>::guest_serror,
        );
    };
}

/// What [`Traps::guest_sync_fast`] returns for an exception it handled.
pub const RESUME_PAST: u64 = 0;
/// ESR_EL2.EC of an HVC from AArch64 (the vectors' fast path tests it).
pub const HVC64_CLASS: u64 = crate::arch::register_values::EXCEPTION_CLASS_HVC64;
/// The VERSION hypercall's function id, answered by the vectors themselves.
pub const VERSION_FUNCTION: u64 = hypercall_abi::Function::Version.id() as u64;
/// What VERSION answers in x1 and x2.
pub const VERSION_MAJOR: u64 = hypercall_abi::ABI_VERSION_MAJOR;
/// See [`VERSION_MAJOR`].
pub const VERSION_MINOR: u64 = hypercall_abi::ABI_VERSION_MINOR;

extern "C" {
    fn kairos_el2_vectors();
    fn kairos_enter_frame(frame: *const TrapFrame, stack_top: u64) -> !;
    fn kairos_call_on_stack(stack_top: u64, function: extern "C" fn() -> !) -> !;
}

/// Points VBAR_EL2 at the vectors on this core.
pub fn install_vectors() {
    // SAFETY: the vector table is 2 KiB aligned code in the image, valid for the whole run.
    unsafe {
        core::arch::asm!("msr vbar_el2, {}", "isb", in(reg) kairos_el2_vectors as *const () as u64);
    }
}

/// Loads `frame` and returns to the context it describes (a guest at EL1), resetting this
/// core's EL2 stack to its top.
///
/// # Safety
/// `frame` must not live on this core's stack, and its ELR/SPSR must describe a lower
/// exception level whose translation is set up.
pub unsafe fn enter(frame: *const TrapFrame) -> ! {
    // SAFETY: forwarded from the caller's contract; the stack top is this core's own.
    unsafe { kairos_enter_frame(frame, super::percpu::stack_top()) }
}

/// Runs `function` on this core's stack from its top, abandoning whatever is on it (the
/// caller's frames and any exception being handled).
pub fn restart_on_stack(function: extern "C" fn() -> !) -> ! {
    // SAFETY: the stack top is this core's own; nothing on the abandoned stack is used again,
    // and `function` never returns into it.
    unsafe { kairos_call_on_stack(super::percpu::stack_top(), function) }
}
