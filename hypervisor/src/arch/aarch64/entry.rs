//! Image header and the first instructions on each core: EL check, BSS, stack, jump to Rust
//! (`kairos_primary_main` / `kairos_secondary_main`, which the boot layer defines).
//!
//! The 64-byte arm64 Image header lets QEMU `-kernel`, U-Boot `booti` and the Raspberry Pi
//! firmware boot the raw image "like Linux": at EL2, MMU off, x0 = physical address of the DTB.

use super::percpu::{MAX_CPUS, STACK_SIZE};

core::arch::global_asm!(
    r#"
.section .text.head, "ax"
.global _start
_start:
    b       kairos_primary_entry               // code0
    .long   0                       // code1
    .quad   0x80000                 // text_offset
    .quad   __image_size            // image_size, BSS included
    .quad   0x2                     // flags: little endian, 4 KiB pages, near the base of DRAM
    .quad   0, 0, 0                 // reserved
    .ascii  "ARM\x64"               // magic
    .long   0                       // reserved (PE header offset)

.section .text.boot, "ax"
kairos_primary_entry:
    msr     daifset, #0xf
    mov     x19, x0
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    kairos_wrong_el              // a hypervisor needs EL2
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    kairos_wrong_address         // loaded somewhere it was not linked for
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
0:  cmp     x1, x2
    b.hs    1f
    stp     xzr, xzr, [x1], #16
    b       0b
1:  ldr     x1, ={stacks}
    mov     x2, #{stack_size}
    mov     x3, #{boot_slot}
    madd    x1, x2, x3, x1
    add     sp, x1, x2              // the boot stack sits after every per-core stack
    mov     x0, x19
    bl      kairos_primary_main
    b       kairos_park

// Secondary cores (PSCI CPU_ON or spin-table release): find the logical id by MPIDR.
.global kairos_secondary_entry
kairos_secondary_entry:
    msr     daifset, #0xf
    mrs     x1, mpidr_el1
    ldr     x2, ={affinity_mask}
    and     x1, x1, x2
    ldr     x3, ={mpidr_table}
    mov     x4, #0
2:  cmp     x4, #{max_cpus}
    b.hs    kairos_park
    ldr     x5, [x3, x4, lsl #3]
    cmp     x5, x1
    b.eq    3f
    add     x4, x4, #1
    b       2b
3:  ldr     x1, ={stacks}
    mov     x2, #{stack_size}
    madd    x1, x2, x4, x1
    add     sp, x1, x2
    mov     x0, x4
    bl      kairos_secondary_main
    b       kairos_park

kairos_park:
    wfe
    b       kairos_park

// Early failures, before there is a stack or a console: say why through semihosting (QEMU
// -semihosting, a debugger) and end the run with status 1; without a host, park. Everything
// here is PC-relative, so it works wherever the image was loaded.
kairos_wrong_el:
    adr     x1, kairos_msg_wrong_el
    mov     x0, #0x04                    // SYS_WRITE0
    bl      kairos_semihosting_call
    b       kairos_early_exit
kairos_wrong_address:
    mov     x20, x1                      // where it runs
    mov     x21, x2                      // where it is linked (LOAD_ADDR)
    adr     x1, kairos_msg_wrong_address
    mov     x0, #0x04
    bl      kairos_semihosting_call
    mov     x22, x20
    bl      kairos_early_hex
    adr     x1, kairos_msg_linked_for
    mov     x0, #0x04
    bl      kairos_semihosting_call
    mov     x22, x21
    bl      kairos_early_hex
    adr     x1, kairos_msg_load_addr
    mov     x0, #0x04
    bl      kairos_semihosting_call
kairos_early_exit:
    adr     x1, kairos_exit_failure
    mov     x0, #0x18                    // SYS_EXIT
    bl      kairos_semihosting_call
    b       kairos_park

// Writes x22 as 0x + 16 hex digits (SYS_WRITEC from a byte in the image). Clobbers x0-x3, x9-x11.
kairos_early_hex:
    mov     x3, x30
    adr     x1, kairos_hex_byte
    mov     w2, #'0'
    strb    w2, [x1]
    mov     x0, #0x03                    // SYS_WRITEC
    bl      kairos_semihosting_call
    adr     x1, kairos_hex_byte
    mov     w2, #'x'
    strb    w2, [x1]
    mov     x0, #0x03
    bl      kairos_semihosting_call
    mov     x2, #60
4:  lsr     x0, x22, x2
    and     x0, x0, #0xf
    cmp     x0, #10
    add     x0, x0, #'0'
    b.lo    5f
    add     x0, x0, #('a' - '0' - 10)
5:  adr     x1, kairos_hex_byte
    strb    w0, [x1]
    mov     x0, #0x03
    bl      kairos_semihosting_call
    subs    x2, x2, #4
    b.ge    4b
    mov     x30, x3
    ret

.balign 8
kairos_exit_failure:
    .quad   0x20026, 1                   // ADP_Stopped_ApplicationExit, status 1
kairos_hex_byte:
    .byte   0
kairos_msg_wrong_el:
    .asciz  "Kairos: not entered at EL2 (a hypervisor needs EL2: boot the raw Image, not the ELF); halted\n"
kairos_msg_wrong_address:
    .asciz  "Kairos: loaded at "
kairos_msg_linked_for:
    .asciz  " but linked for "
kairos_msg_load_addr:
    .asciz  " (LOAD_ADDR in boards/<board>/board.mk); halted\n"
.balign 4
"#,
    stacks = sym super::percpu::STACKS,
    mpidr_table = sym super::percpu::MPIDR_TABLE,
    stack_size = const STACK_SIZE,
    boot_slot = const MAX_CPUS,
    max_cpus = const MAX_CPUS,
    affinity_mask = const crate::arch::register_values::MPIDR_AFFINITY_MASK,
);
