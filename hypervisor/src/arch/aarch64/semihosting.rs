//! Arm semihosting: how a run ends, or an early failure speaks, on a machine that has no PSCI
//! (the Raspberry Pi 4) when an emulator or debugger is listening (QEMU `-semihosting`).
//!
//! A semihosting call is `hlt #0xf000` with the operation in x0 and its parameter in x1. With no
//! host listening, HLT is an undefined instruction; every call here therefore runs under a
//! small vector table of its own that steps over the HLT and reports "no host", so probing is
//! safe on real hardware (where the run then simply halts). The code only uses PC-relative
//! addresses and no stack, so the entry code can call it before it knows where it was loaded.

/// SYS_WRITE0: write a NUL-terminated string.
const SYS_WRITE0: u64 = 0x04;
/// SYS_EXIT: end the run (AArch64 form: x1 points at `[reason, code]`).
const SYS_EXIT: u64 = 0x18;
/// ADP_Stopped_ApplicationExit: the reason for a normal exit with a status code.
const APPLICATION_EXIT: u64 = 0x2_0026;

core::arch::global_asm!(
    r#"
// The probe table: every exception taken at the current EL while a call runs is the HLT that no
// host answered. Step over it and return u64::MAX in x0. Works at EL1, EL2 and EL3.
.section .text.semihosting, "ax"
.balign 0x800
kairos_semihosting_vectors:
    .rept 16
    .balign 0x80
    b       kairos_semihosting_absent
    .endr

kairos_semihosting_absent:
    mov     x0, #-1
    mrs     x9, CurrentEL
    cmp     x9, #(2 << 2)
    b.eq    2f
    b.hi    3f
    mrs     x9, elr_el1
    add     x9, x9, #4
    msr     elr_el1, x9
    eret
2:  mrs     x9, elr_el2
    add     x9, x9, #4
    msr     elr_el2, x9
    eret
3:  mrs     x9, elr_el3
    add     x9, x9, #4
    msr     elr_el3, x9
    eret

// x0 = operation, x1 = parameter -> x0 = result, or u64::MAX without a host.
// Clobbers x9-x11 only; uses no stack. Interrupts must be masked.
.global kairos_semihosting_call
kairos_semihosting_call:
    adr     x11, kairos_semihosting_vectors
    mrs     x9, CurrentEL
    cmp     x9, #(2 << 2)
    b.eq    2f
    b.hi    3f
    mrs     x10, vbar_el1
    msr     vbar_el1, x11
    isb
    hlt     #0xf000
    msr     vbar_el1, x10
    isb
    ret
2:  mrs     x10, vbar_el2
    msr     vbar_el2, x11
    isb
    hlt     #0xf000
    msr     vbar_el2, x10
    isb
    ret
3:  mrs     x10, vbar_el3
    msr     vbar_el3, x11
    isb
    hlt     #0xf000
    msr     vbar_el3, x10
    isb
    ret
"#
);

fn call(operation: u64, parameter: u64) -> Option<u64> {
    let result: u64;
    // SAFETY: the call swaps this core's vector table only for the one HLT, with exceptions
    // masked (restored after), and touches no memory but what `parameter` points at, which the
    // callers pass as valid, live data.
    unsafe {
        core::arch::asm!(
            "mrs {daif}, daif",
            "msr daifset, #0xf",
            "bl kairos_semihosting_call",
            "msr daif, {daif}",
            daif = out(reg) _,
            inout("x0") operation => result,
            in("x1") parameter,
            out("x9") _, out("x10") _, out("x11") _, out("x30") _,
            options(nostack),
        );
    }
    (result != u64::MAX).then_some(result)
}

/// Writes `text` through the host, if one listens (at most 255 bytes are sent).
pub fn write(text: &str) {
    let mut buffer = [0u8; 256];
    let length = text.len().min(buffer.len() - 1);
    buffer[..length].copy_from_slice(&text.as_bytes()[..length]);
    call(SYS_WRITE0, buffer.as_ptr() as u64);
}

/// Ends the run with `code` as the emulator's exit status; returns only if no host listens.
pub fn exit(code: u32) {
    let block = [APPLICATION_EXIT, u64::from(code)];
    call(SYS_EXIT, block.as_ptr() as u64);
}
