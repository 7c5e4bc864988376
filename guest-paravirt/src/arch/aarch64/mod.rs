//! AArch64 at EL1: boot entry, exception vectors (bare-metal image only: the default table, and
//! `stepping_vectors` for the images that take faults and IRQs) and the virtual timer.

#[cfg(target_os = "none")]
mod recover;
#[cfg(target_os = "none")]
mod start;
#[cfg(target_os = "none")]
pub mod stepping_vectors;
#[cfg(target_os = "none")]
mod vectors;

#[cfg(target_os = "none")]
pub use recover::{jump_to_recovery_entry, recovery_entry_address};
#[cfg(target_os = "none")]
pub use start::stack_peak;

pub mod timer;
