//! Calls to the firmware's PSCI through the conduit the device tree names (SMC or HVC).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

static USE_HVC: AtomicBool = AtomicBool::new(false);
static PRESENT: AtomicBool = AtomicBool::new(false);
/// CPU_ON and SYSTEM_OFF function IDs as the device tree gives them (0 = not offered).
static CPU_ON: AtomicU32 = AtomicU32::new(0);
static SYSTEM_OFF: AtomicU32 = AtomicU32::new(0);

/// Records the conduit and function IDs from the platform description (PSCI 0.1 firmware
/// names its own IDs; 0.2 and later use the standard ones, filled in by the platform crate).
pub fn set_conduit(psci: Option<&platform::Psci>) {
    if let Some(psci) = psci {
        CPU_ON.store(psci.cpu_on, Ordering::Relaxed);
        SYSTEM_OFF.store(psci.system_off.unwrap_or(0), Ordering::Relaxed);
        USE_HVC.store(
            matches!(psci.conduit, platform::Conduit::Hvc),
            Ordering::Relaxed,
        );
        PRESENT.store(true, Ordering::Relaxed);
    }
}

/// True when the platform has PSCI firmware.
pub fn present() -> bool {
    PRESENT.load(Ordering::Relaxed)
}

/// Issues an SMCCC call through the firmware conduit and returns x0.
pub fn call(function: u32, a1: u64, a2: u64, a3: u64) -> i64 {
    let mut x0 = function as u64;
    if USE_HVC.load(Ordering::Relaxed) {
        // SAFETY: an HVC from EL2 goes to our own vectors only if EL2 called itself; the DT says
        // the firmware answers HVC, so this is the SMCCC call it documents.
        unsafe {
            core::arch::asm!("hvc #0", inout("x0") x0, inout("x1") a1 => _, inout("x2") a2 => _,
                inout("x3") a3 => _, out("x4") _, out("x5") _, out("x6") _, out("x7") _,
                out("x8") _, out("x9") _, out("x10") _, out("x11") _, out("x12") _,
                out("x13") _, out("x14") _, out("x15") _, out("x16") _, out("x17") _)
        };
    } else {
        // SAFETY: SMCCC call to the secure firmware; registers x0-x17 may be clobbered.
        unsafe {
            core::arch::asm!("smc #0", inout("x0") x0, inout("x1") a1 => _, inout("x2") a2 => _,
                inout("x3") a3 => _, out("x4") _, out("x5") _, out("x6") _, out("x7") _,
                out("x8") _, out("x9") _, out("x10") _, out("x11") _, out("x12") _,
                out("x13") _, out("x14") _, out("x15") _, out("x16") _, out("x17") _)
        };
    }
    x0 as i64
}

/// Starts the core with affinity `mpidr` at physical address `entry`.
pub fn cpu_on(mpidr: u64, entry: u64, context: u64) -> i64 {
    call(
        CPU_ON.load(Ordering::Relaxed),
        mpidr & crate::arch::register_values::MPIDR_AFFINITY_MASK,
        entry,
        context,
    )
}

/// Powers the whole machine off (QEMU exits with status 0): PSCI SYSTEM_OFF, or where the
/// platform has no PSCI (Raspberry Pi 4) a semihosting exit with status 0 when a host listens
/// (QEMU `-semihosting`). Returns only if neither worked: the caller then halts.
pub fn system_off() {
    let system_off = SYSTEM_OFF.load(Ordering::Relaxed);
    if present() && system_off != 0 {
        call(system_off, 0, 0, 0);
    }
    super::semihosting::exit(0);
}
