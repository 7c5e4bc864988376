//! Core health: heartbeats, fault detection, fault injection, and the failure protocol's
//! ledger (which core failed, where every guest is).
//!
//! Every core's hypervisor instance beats from its EL2 timer and watches its peers (the paper's
//! distributed design), so any core may fail, the boot core included.
pub mod detector;
pub mod injection;

#[cfg(target_arch = "aarch64")]
pub mod ledger;
#[cfg(target_arch = "aarch64")]
pub mod truth;
#[cfg(target_arch = "aarch64")]
mod watch;
#[cfg(target_arch = "aarch64")]
pub use watch::{
    configure, declared_failed, fence_if_declared_failed, heartbeats, inject, on_el2_interrupt,
    recall_each_beat, settings, signal_here, start, stop_here, take_due_fault, with_beats,
    worst_beat_lateness,
};
