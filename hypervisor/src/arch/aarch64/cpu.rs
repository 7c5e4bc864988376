//! Small CPU primitives: counter, events, waiting, cache maintenance.

use aarch64_cpu::registers::{Readable, CNTFRQ_EL0, CNTPCT_EL0};

/// The system counter value.
pub fn counter() -> u64 {
    aarch64_cpu::asm::barrier::isb(aarch64_cpu::asm::barrier::SY);
    CNTPCT_EL0.get()
}

/// The system counter frequency in Hz (never zero).
pub fn counter_frequency() -> u64 {
    CNTFRQ_EL0.get().max(1)
}

/// Nanoseconds since the counter started.
pub fn now_ns() -> u64 {
    ticks_to_ns(counter())
}

/// Converts counter ticks to nanoseconds without overflow for any realistic uptime.
pub fn ticks_to_ns(ticks: u64) -> u64 {
    ((ticks as u128 * 1_000_000_000) / counter_frequency() as u128) as u64
}

/// Converts nanoseconds to counter ticks, rounding up.
pub fn ns_to_ticks(ns: u64) -> u64 {
    ((ns as u128 * counter_frequency() as u128).div_ceil(1_000_000_000)) as u64
}

/// Wakes every core waiting in `wait_for_event`.
pub fn send_event() {
    // SAFETY: DSB then SEV only orders memory and signals an event; no memory is touched.
    unsafe { core::arch::asm!("dsb ish", "sev", options(nomem, nostack)) };
}

/// Between chunks of long work (a copy, zeroing, a reload): a YIELD hint that this core's
/// pipeline may go to others. On a core with hardware threads it lets the siblings run; under
/// QEMU's `-icount` round robin it ends this core's turn, so a long copy never keeps the other
/// cores (a slot switch, a migrant's landing, a heartbeat) waiting for their turn for longer
/// than one chunk.
pub fn pause() {
    // SAFETY: YIELD is a hint with no architectural effect.
    unsafe { core::arch::asm!("yield", options(nomem, nostack)) };
}

/// Sleeps until an event (SEV from another core, the event stream, or an interrupt).
pub fn wait_for_event() {
    aarch64_cpu::asm::wfe();
}

/// Waits with WFE until `ready()` holds or `timeout_ns` passes; true if it held.
pub fn wait_until(timeout_ns: u64, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = counter().saturating_add(ns_to_ticks(timeout_ns));
    loop {
        if ready() {
            return true;
        }
        if counter() >= deadline {
            return false;
        }
        wait_for_event();
    }
}

/// Turns on the EL2 counter event stream so that WFE wakes at least every 2^(bit+1) ticks.
pub fn enable_event_stream(bit: u64) {
    let mut value: u64;
    // SAFETY: CNTHCTL_EL2 only controls timer traps and the event stream of this core.
    unsafe {
        core::arch::asm!("mrs {}, cnthctl_el2", out(reg) value);
        value = crate::arch::register_values::cnthctl_with_event_stream(value, bit);
        core::arch::asm!("msr cnthctl_el2, {}", "isb", in(reg) value);
    }
}

/// Cleans and invalidates the data cache lines covering `[start, start + length)` to the point of
/// coherency, so a core with its MMU off (or another observer) sees what was written.
pub fn clean_dcache_range(start: u64, length: u64) {
    let line = dcache_line();
    let mut address = start & !(line - 1);
    while address < start + length {
        // SAFETY: DC CIVAC on a mapped address only moves data between cache and memory.
        unsafe { core::arch::asm!("dc civac, {}", in(reg) address, options(nostack)) };
        address += line;
    }
    // SAFETY: a barrier has no side effect beyond ordering.
    unsafe { core::arch::asm!("dsb sy", options(nostack)) };
}

/// The smallest data cache line of this core, in bytes (CTR_EL0.DminLine).
fn dcache_line() -> u64 {
    let ctr: u64;
    // SAFETY: reading CTR_EL0 has no side effects.
    unsafe { core::arch::asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
    4 << ((ctr >> 16) & 0xf)
}

/// Copies `length` bytes from `source` to `destination` (disjoint RAM ranges mapped at EL2),
/// cleaning the destination to the point of coherency, 16 KiB at a time with a [`pause`]
/// between chunks. Long: callers run it where the heartbeat goes on.
pub fn copy_and_clean(source: u64, destination: u64, length: u64) {
    const CHUNK: u64 = 16 << 10;
    let mut done = 0;
    while done < length {
        let chunk = (length - done).min(CHUNK);
        // SAFETY: the caller hands over two disjoint RAM ranges mapped at EL2; nothing runs in
        // them while they are copied.
        unsafe {
            core::ptr::copy_nonoverlapping(
                (source + done) as *const u8,
                (destination + done) as *mut u8,
                chunk as usize,
            )
        };
        clean_dcache_range(destination + done, chunk);
        pause();
        done += chunk;
    }
}

/// Copies `length` bytes from `source` to `destination` (disjoint RAM ranges mapped at EL2, as
/// for [`copy_and_clean`]), 64 bytes per loop with register pairs (the hypervisor's `memcpy` moves 8 bytes per
/// instruction pair: no SIMD registers at EL2); the tail with `copy_nonoverlapping`.
pub fn copy_bulk(source: u64, destination: u64, length: usize) {
    const STEP: usize = 64;
    let bulk = length - length % STEP;
    if bulk > 0 {
        // SAFETY: the caller hands over `length` readable bytes at `source` and writable ones
        // at `destination`, disjoint; the loop moves exactly `bulk` (a non-zero multiple of 64).
        unsafe {
            core::arch::asm!(
                "2:",
                "ldp {a}, {b}, [{from}], #16",
                "ldp {c}, {d}, [{from}], #16",
                "stp {a}, {b}, [{to}], #16",
                "stp {c}, {d}, [{to}], #16",
                "ldp {a}, {b}, [{from}], #16",
                "ldp {c}, {d}, [{from}], #16",
                "stp {a}, {b}, [{to}], #16",
                "stp {c}, {d}, [{to}], #16",
                "cmp {from}, {end}",
                "b.lo 2b",
                from = inout(reg) source => _,
                to = inout(reg) destination => _,
                end = in(reg) source + bulk as u64,
                a = out(reg) _, b = out(reg) _, c = out(reg) _, d = out(reg) _,
                options(nostack),
            );
        }
    }
    let (source, destination) = (source + bulk as u64, destination + bulk as u64);
    // SAFETY: as above, for the last `length - bulk` bytes.
    unsafe {
        core::ptr::copy_nonoverlapping(source as *const u8, destination as *mut u8, length - bulk)
    };
}

/// Zeroes `[start, start + length)` (both 4 KiB aligned) with DC ZVA, a cache block per
/// instruction, and cleans it to the point of coherency, eight blocks per loop iteration;
/// plain stores where DC ZVA is prohibited or its block is not a whole number of cache lines.
/// Memory must be normal cacheable memory mapped at EL2.
pub fn zero_and_clean(start: u64, length: u64) {
    const UNROLL: u64 = 8;
    let dczid: u64;
    // SAFETY: reading DCZID_EL0 has no side effects.
    unsafe { core::arch::asm!("mrs {}, dczid_el0", out(reg) dczid, options(nomem, nostack)) };
    let block = 4u64 << (dczid & 0xf);
    let step = block * UNROLL;
    let usable = dczid & (1 << 4) == 0 && block <= dcache_line();
    if !usable || !start.is_multiple_of(step) || !length.is_multiple_of(step) {
        // SAFETY: the caller hands over this range as writable memory.
        unsafe { core::ptr::write_bytes(start as *mut u8, 0, length as usize) };
        clean_dcache_range(start, length);
        return;
    }
    if length == 0 {
        return;
    }
    // SAFETY: DC ZVA then DC CIVAC on each block of the caller's writable range (`length` is a
    // non-zero multiple of eight blocks, so the loop ends exactly at `start + length`).
    unsafe {
        core::arch::asm!(
            "2:",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "dc zva, {at}", "dc civac, {at}", "add {at}, {at}, {block}",
            "cmp {at}, {end}",
            "b.lo 2b",
            "dsb sy",
            at = inout(reg) start => _,
            block = in(reg) block,
            end = in(reg) start + length,
            options(nostack),
        );
    }
}

/// Makes translation table entries just written visible to the table walks of every core
/// before anything after it (an entry that only went from invalid to valid needs no TLB
/// invalidation).
pub fn publish_table_entries() {
    // SAFETY: barriers only order memory accesses.
    unsafe { core::arch::asm!("dsb ishst", "isb", options(nostack)) };
}

/// Invalidates every instruction cache to the point of unification (after writing code).
pub fn invalidate_icache() {
    // SAFETY: instruction-cache invalidation only discards cached instructions.
    unsafe { core::arch::asm!("ic ialluis", "dsb ish", "isb", options(nostack)) };
}

/// This core's MPIDR affinity fields (Aff3..Aff0), without the flag bits.
pub fn mpidr() -> u64 {
    let value: u64;
    // SAFETY: reading MPIDR_EL1 has no side effects.
    unsafe { core::arch::asm!("mrs {}, mpidr_el1", out(reg) value) };
    value & crate::arch::register_values::MPIDR_AFFINITY_MASK
}

/// Masks every exception at this core and waits forever (a parked core).
pub fn park() -> ! {
    loop {
        // SAFETY: masking exceptions and waiting cannot break memory safety.
        unsafe { core::arch::asm!("msr daifset, #0xf", "wfi", options(nomem, nostack)) };
    }
}
