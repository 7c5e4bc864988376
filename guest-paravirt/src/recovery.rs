//! Recovery after a blackout: the entry point the hypervisor restarts a vCPU at, and the hook
//! it leads to.
//!
//! Contract of the recovery entry ([`entry_address`]): the hypervisor (or a fault injection,
//! `restart_at_entry`) starts a vCPU there, possibly on another physical core, with
//! - `x0` = the argument registered with `RtCheckpoint`; every other register unknown;
//! - EL1h (SP_EL1), D, A, I and F masked, the EL1 MMU and caches off (SCTLR_EL1.M = C = 0), as
//!   at the checkpoint: this guest never turns them on;
//! - guest RAM as the failed core left it (nothing is rolled back or cleared), the virtual
//!   counter continuous (CNTVOFF_EL2 unchanged), the virtual timer state unknown.
//!
//! The entry takes a fresh stack (the top of the vCPU's own, by MPIDR_EL1.Aff0), turns FP/SIMD
//! on, installs the exception vectors and calls the hook set by [`set_hook`]; it does not clear
//! `.bss` (the kernel's state is there). The hook rebuilds what it needs from its last committed
//! checkpoint in the real-time page and never returns.

use core::cell::UnsafeCell;

/// Where the hook is kept: plain memory (no atomics with the MMU off), written once at start.
struct HookCell(UnsafeCell<Option<fn(u64) -> !>>);

// SAFETY: written once by the boot vCPU before any recovery point is registered, then only read.
unsafe impl Sync for HookCell {}

static HOOK: HookCell = HookCell(UnsafeCell::new(None));

/// Sets the function the recovery entry calls with the checkpoint argument. Call it before
/// registering the recovery point (`rt_checkpoint`).
pub fn set_hook(hook: fn(u64) -> !) {
    // SAFETY: see `HookCell`: one vCPU, before any recovery can happen.
    unsafe { *HOOK.0.get() = Some(hook) };
}

/// Called by the recovery entry: runs the hook, or stops the VM if none was set.
#[cfg_attr(
    not(all(target_arch = "aarch64", target_os = "none")),
    allow(dead_code)
)]
pub(crate) fn run_hook(argument: u64) -> ! {
    // SAFETY: see `HookCell`: read-only after start.
    match unsafe { *HOOK.0.get() } {
        Some(hook) => hook(argument),
        None => crate::fatal::stop(format_args!(
            "recovery entry reached without a recovery hook"
        )),
    }
}

/// The guest-physical address of the recovery entry (0 where there is none: on the host).
pub fn entry_address() -> u64 {
    #[cfg(all(target_arch = "aarch64", target_os = "none"))]
    {
        crate::arch::aarch64::recovery_entry_address()
    }
    #[cfg(not(all(target_arch = "aarch64", target_os = "none")))]
    {
        0
    }
}

/// Restarts this vCPU at the recovery entry with `x0 = argument`, as the hypervisor does after a
/// blackout: the fault injection of the RTOS's tests.
#[cfg(all(target_arch = "aarch64", target_os = "none"))]
pub fn restart_at_entry(argument: u64) -> ! {
    crate::arch::aarch64::jump_to_recovery_entry(argument)
}
