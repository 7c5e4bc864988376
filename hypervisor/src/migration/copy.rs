//! Copy migration: each spare core owns a memory region (the paper's case, where a VM's memory
//! must move to its new core and the downtime grows with VM size), the copy bandwidth is
//! measured on the running platform; the copy runs with the heartbeat going on.

use crate::arch::aarch64::{cpu, percpu};
use crate::mm::AddressRange;
use core::sync::atomic::{AtomicU64, Ordering};

pub use crate::arch::aarch64::cpu::copy_and_clean;

/// Bytes copied to measure the bandwidth.
const CALIBRATION_BYTES: u64 = 1 << 20;

static REGION_BASE: [AtomicU64; percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; percpu::MAX_CPUS];
static REGION_SIZE: AtomicU64 = AtomicU64::new(0);
static BANDWIDTH: [AtomicU64; percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; percpu::MAX_CPUS];

/// First-fit, 2 MiB aligned: `count` regions of `size` bytes in `ram` clear of `taken`.
pub fn carve(
    ram: &[AddressRange],
    taken: &[AddressRange],
    size: u64,
    count: usize,
) -> alloc::vec::Vec<u64> {
    const ALIGN: u64 = 2 << 20;
    let mut found: alloc::vec::Vec<u64> = alloc::vec::Vec::new();
    for region in ram {
        let mut base = region.base.next_multiple_of(ALIGN);
        while found.len() < count && base.saturating_add(size) <= region.end() {
            let candidate = AddressRange::new(base, size);
            let clash = taken
                .iter()
                .chain(
                    found
                        .iter()
                        .map(|b| AddressRange::new(*b, size))
                        .collect::<alloc::vec::Vec<_>>()
                        .iter(),
                )
                .find(|t| t.overlaps(&candidate))
                .map(|t| t.end());
            match clash {
                Some(end) => base = end.next_multiple_of(ALIGN),
                None => {
                    found.push(base);
                    base += size.next_multiple_of(ALIGN);
                }
            }
        }
    }
    found
}

/// Gives each core in `spares` a region as large as the largest VM (boot core, copy mode).
pub fn reserve(spares: &[usize], ram: &[AddressRange], taken: &[AddressRange], size: u64) {
    let bases = carve(ram, taken, size, spares.len());
    REGION_SIZE.store(size, Ordering::Release);
    for (core, base) in spares.iter().zip(&bases) {
        REGION_BASE[*core].store(*base, Ordering::Release);
        log::info!(
            "copy migration: core {core} owns [{base:#x}, {:#x})",
            base + size
        );
    }
    if bases.len() < spares.len() {
        log::error!(
            "copy migration: RAM for only {} of {} spare cores",
            bases.len(),
            spares.len()
        );
    }
}

/// The region of `core`, if it has one and it holds `size` bytes.
pub fn region_of(core: usize, size: u64) -> Option<u64> {
    let base = REGION_BASE.get(core)?.load(Ordering::Acquire);
    (base != 0 && size <= REGION_SIZE.load(Ordering::Acquire)).then_some(base)
}

/// On a core with a region: measures the copy bandwidth once, under the load of the running
/// system (the guests run meanwhile), so a later prediction holds at that load.
pub fn calibrate_here() {
    let core = percpu::current_id();
    let size = REGION_SIZE.load(Ordering::Acquire);
    let Some(base) = region_of(core, size).filter(|_| BANDWIDTH[core].load(Ordering::Acquire) == 0)
    else {
        return;
    };
    let bytes = CALIBRATION_BYTES.min(size / 2);
    if bytes == 0 {
        return;
    }
    let start = cpu::now_ns();
    crate::health::with_beats(|| copy_and_clean(base, base + bytes, bytes));
    let elapsed = cpu::now_ns().saturating_sub(start).max(1);
    // Plan on 80 % of what was measured: the copy during a migration competes with the same
    // guests, but not always in the same phase, and under QEMU's -icount with more of the
    // cores busy at once (the fault campaign saw a copy run 0.7 % slower than 90 % of this).
    let bandwidth = rt_analysis::downtime::measured_bandwidth(bytes, elapsed) / 10 * 8;
    BANDWIDTH[core].store(bandwidth.max(1), Ordering::Release);
    crate::console::emit(
        crate::console::event("copy_calibrated")
            .u64("bytes", bytes)
            .u64("ns", elapsed)
            .u64("bytes_per_s", bandwidth),
    );
}

/// The copy bandwidth to plan on: the slowest measured among the cores with a region (0 when
/// none has measured yet, which makes the policy refuse copy migrations).
pub fn planning_bandwidth() -> u64 {
    (0..percpu::MAX_CPUS)
        .filter(|&core| REGION_BASE[core].load(Ordering::Acquire) != 0)
        .map(|core| BANDWIDTH[core].load(Ordering::Acquire))
        .min()
        .unwrap_or(0)
}
