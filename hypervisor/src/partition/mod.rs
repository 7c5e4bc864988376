//! Time partitions: when a migration consolidates a VM onto a core that already runs one, the
//! core runs both in a static cyclic frame planned by the migration policy (each vCPU owns a
//! fixed slot of every period, the core idles outside the slots), switching vCPUs at the slot
//! boundaries from its EL2 timer. The run loop (`crate::run`) drives the switches; this module
//! holds the frame (`schedule`), a switched-out vCPU's state (`context`) and what the guest is
//! told about the time it did not get (`dark_span`, `supply_log`).
//!
//! The guests keep seeing real time (CNTVOFF_EL2 stays 0): their deadlines are real ones. Each
//! span a vCPU spent switched out is appended to its RTOS's supply log in the real-time page
//! before it runs again, so the RTOS charges no execution to it: it applies the same blackout
//! rules as the policy's prediction, which is how predicted and observed misses agree.

pub mod schedule;
pub mod supply_log;

#[cfg(target_arch = "aarch64")]
pub mod context;
#[cfg(target_arch = "aarch64")]
pub mod dark_span;
