//! What the boot core learned about the machine, for every layer: the platform description from
//! the DTB, which core booted, and how many cores there are. Written once at boot, read-only
//! afterwards; it depends on nothing in the hypervisor, so any layer may read it.

use core::sync::atomic::{AtomicUsize, Ordering};

static PLATFORM: spin::Once<platform::Platform> = spin::Once::new();
static BOOT_CORE: AtomicUsize = AtomicUsize::new(0);

/// Records the platform (boot core, once) and returns it.
pub fn set_platform(platform: platform::Platform) -> &'static platform::Platform {
    PLATFORM.call_once(|| platform)
}

/// The platform description (after the boot core parsed it).
pub fn platform() -> Option<&'static platform::Platform> {
    PLATFORM.get()
}

/// Records which logical core the boot loader started.
pub fn set_boot_core(core: usize) {
    BOOT_CORE.store(core, Ordering::Relaxed);
}

/// Logical id of the core the boot loader started.
pub fn boot_core() -> usize {
    BOOT_CORE.load(Ordering::Relaxed)
}

/// Cores the hypervisor drives: those in the DTB, at most `limit`.
pub fn core_count(limit: usize) -> usize {
    platform()
        .map_or(0, |platform| platform.cpus.len())
        .min(limit)
}

/// The PPIs of the guest timers `[virtual, EL1 physical]` (QEMU virt's when the DTB names
/// none).
pub fn guest_timer_ppis() -> [u32; 2] {
    platform()
        .and_then(|platform| platform.timer)
        .map_or([27, 30], |timer| [timer.virt_irq, timer.phys_irq])
}
