//! Core health: heartbeats, fault detection and fault injection.
//!
//! Every core's hypervisor instance beats from its EL2 timer and watches its peers (the paper's
//! distributed design), so any core may fail, the boot core included.
pub mod detector;
pub mod injection;

#[cfg(target_arch = "aarch64")]
mod watch;
#[cfg(target_arch = "aarch64")]
pub use watch::{
    configure, fail_signal_here, fence_if_declared_failed, heartbeats, inject, keepalive, settings,
    start, tick_now,
};
