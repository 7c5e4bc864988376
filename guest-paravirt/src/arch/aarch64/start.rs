//! Boot code: the arm64 Image header, then the entry that readies a vCPU for Rust.
//!
//! The loader (the hypervisor, or anything booting "like Linux") enters at the first byte of
//! the image at EL1 with the MMU off and `x0` = the device tree's guest-physical address (may be 0).
//! Only the boot vCPU enters here; it gets the stack of its MPIDR_EL1.Aff0 index, zeroes .bss,
//! enables FP/SIMD (Rust code may use it anywhere), and calls [`guest_start`], which installs the
//! exception vectors and calls the binary's `guest_main(dtb)`.

use aarch64_cpu::registers::{Readable, CPACR_EL1, MPIDR_EL1};
use hypercall_abi::Function;

use crate::paravirt::psci;

/// vCPUs the image has a stack for (MPIDR_EL1.Aff0 0-7).
const VCPU_MAX: u64 = 8;
/// Bytes of stack per vCPU.
const STACK_SIZE: u64 = 16 * 1024;
/// Where the Image asks to be placed past a 2 MiB-aligned RAM base; `guest.ld` links to match.
const TEXT_OFFSET: u64 = 0x8_0000;
/// Image flags: bit 0 = 0 little endian, bits 2:1 = 1 4 KiB pages, bit 3 = 1 placement anywhere.
const IMAGE_FLAGS: u64 = 0b1010;
/// "ARM\x64", little endian.
const IMAGE_MAGIC: u32 = 0x644d_5241;

core::arch::global_asm!(
    r#"
    .pushsection .text.boot, "ax"
    .global _start
_start:
    b       2f                          // code0: branch over the header
    .word   0                           // code1
    .quad   {text_offset}               // text_offset
    .quad   __image_size                // image_size, from guest.ld: up to the end of the stacks
    .quad   {flags}                     // flags
    .quad   0                           // res2
    .quad   0                           // res3
    .quad   0                           // res4
    .word   {magic}                     // magic
    .word   0                           // res5: no PE/COFF header

2:  msr     daifset, #0xf               // no interrupts or SErrors until someone wants them
    msr     spsel, #1                   // run on SP_EL1
    mov     x19, x0                     // keep the device tree address for guest_main

    // The image is linked to run where it is: with the MMU off nothing relocates it.
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    .Lwrong_address

    bl      __guest_vcpu_stack_top
    cbz     x0, .Lno_stack
    mov     sp, x0

    // FP/SIMD on before any Rust: the compiler may use SIMD registers in any function.
    mov     x1, #{cpacr}
    msr     cpacr_el1, x1
    isb

    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
3:  cmp     x1, x2
    b.hs    4f
    stp     xzr, xzr, [x1], #16
    b       3b

4:  mov     x0, x19
    bl      {guest_start}
    b       .Lpark

.Lno_stack:                             // Aff0 beyond VCPU_MAX: this vCPU cannot run here
    ldr     x0, ={cpu_off}
    smc     #0
    b       .Lpark

.Lwrong_address:                        // say so one byte at a time (no stack needed), then stop
    adr     x20, .Lwrong_address_message
5:  ldrb    w1, [x20], #1
    cbz     w1, 6f
    ldr     x0, ={put_char}
    hvc     #0
    b       5b
6:  ldr     x0, ={system_off}
    smc     #0
.Lpark:
    wfi
    b       .Lpark

.Lwrong_address_message:
    .asciz  "kairos guest: loaded away from its link address 0x40080000; stopping\n"
    .balign 8
    .ltorg
    .popsection

    // x0 = the top of this vCPU's stack, or 0 if MPIDR_EL1.Aff0 >= VCPU_MAX. Clobbers x1.
    .pushsection .text.__guest_vcpu_stack_top, "ax"
    .global __guest_vcpu_stack_top
__guest_vcpu_stack_top:
    mrs     x1, mpidr_el1
    and     x1, x1, #{aff0_mask}
    cmp     x1, #{vcpu_max}
    b.hs    1f
    add     x1, x1, #1
    mov     x0, #{stack_size}
    mul     x0, x0, x1
    adrp    x1, __guest_stacks
    add     x1, x1, :lo12:__guest_stacks
    add     x0, x0, x1
    ret
1:  mov     x0, #0
    ret
    .popsection

    .pushsection .stacks, "aw", %nobits
    .balign 4096
    .global __guest_stacks
__guest_stacks:
    .space  {stacks_bytes}
    .popsection
"#,
    text_offset = const TEXT_OFFSET,
    flags = const IMAGE_FLAGS,
    magic = const IMAGE_MAGIC,
    cpacr = const CPACR_EL1::FPEN::TrapNothing.value,
    guest_start = sym guest_start,
    cpu_off = const psci::CPU_OFF,
    system_off = const psci::SYSTEM_OFF,
    put_char = const Function::ConsolePutChar.id(),
    aff0_mask = const MPIDR_EL1::Aff0.mask,
    vcpu_max = const VCPU_MAX,
    stack_size = const STACK_SIZE,
    stacks_bytes = const VCPU_MAX * STACK_SIZE,
);

/// The first Rust code: installs the exception vectors, then runs the binary's `guest_main`.
extern "C" fn guest_start(dtb: u64) -> ! {
    super::vectors::install();
    extern "C" {
        /// The guest binary's main function, defined `#[no_mangle] extern "C"` by the binary.
        fn guest_main(dtb: u64) -> !;
    }
    // SAFETY: `guest_main` is the binary's entry point with exactly this signature (the link
    // fails if it is missing); the stack, .bss, FP/SIMD and the vectors are ready, and this is
    // its only call.
    unsafe { guest_main(dtb) }
}

/// The most stack this vCPU has used so far, in bytes: from the top of its stack down to the
/// lowest word that is not zero (the hypervisor hands over VM RAM zeroed, and stacks are never
/// cleared). A diagnostic: the 16 KiB stacks sit right above `.bss`.
pub fn stack_peak() -> u64 {
    extern "C" {
        static __guest_stacks: u8;
    }
    let index = (MPIDR_EL1.get() & MPIDR_EL1::Aff0.mask).min(VCPU_MAX - 1);
    let base = core::ptr::addr_of!(__guest_stacks) as u64 + index * STACK_SIZE;
    let words = (STACK_SIZE / 8) as usize;
    let lowest = (0..words)
        // SAFETY: every word read lies in this vCPU's stack, which is mapped guest RAM.
        .find(|&word| unsafe { core::ptr::read_volatile((base as *const u64).add(word)) } != 0)
        .unwrap_or(words);
    STACK_SIZE - lowest as u64 * 8
}
