//! AArch64 at EL1: boot entry, exception vectors (bare-metal image only) and the virtual timer.

#[cfg(target_os = "none")]
mod start;
#[cfg(target_os = "none")]
mod vectors;

pub mod timer;
