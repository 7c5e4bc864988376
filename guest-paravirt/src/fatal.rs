//! The end of the road: report one last message on the console, then power the VM off.

use core::{
    fmt,
    sync::atomic::{AtomicU8, Ordering},
};

use crate::paravirt::psci;

/// How many times [`stop`] has been entered; a fault while reporting must not report again.
///
/// Plain load and store, no read-modify-write: with the MMU off all memory is Device memory,
/// where exclusive accesses (and so atomic read-modify-write) are not guaranteed to work.
static DEPTH: AtomicU8 = AtomicU8::new(0);

/// Prints `message` on the console, then powers the VM off with PSCI SYSTEM_OFF.
///
/// A fault or panic while doing so comes back here: the second entry skips the report and only
/// powers off; a third (SYSTEM_OFF itself faulted) parks the vCPU. Several vCPUs failing at once
/// share one counter, so only the first of them reports.
pub fn stop(message: fmt::Arguments) -> ! {
    let depth = DEPTH.load(Ordering::Relaxed);
    DEPTH.store(depth.saturating_add(1), Ordering::Relaxed);
    match depth {
        0 => {
            crate::print::print_args(format_args!("{message}\n"));
            psci::system_off()
        }
        1 => psci::system_off(),
        _ => psci::park(),
    }
}
