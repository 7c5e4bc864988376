//! Real-time analysis for Kairos, shared by the guest RTOS, the hypervisor and the host tool.
//!
//! Everything here is pure computation on integer nanoseconds ([`Time`]); no hardware, no
//! floating point except in [`reliability`] and [`uunifast`]. The guest computes its
//! affordable downtime online ([`online`]), the hypervisor predicts deadline misses of a
//! blackout ([`simulate`], [`predict`]), admits migrants ([`admission`]) and bounds migration
//! downtime ([`downtime`]); the host tool draws feasibility and reliability figures.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod admission;
pub mod demand;
pub mod downtime;
mod error;
pub mod math;
pub mod online;
pub mod predict;
pub mod reliability;
pub mod simulate;
pub mod state;
pub mod task;
pub mod uunifast;

pub use error::TaskSetError;
pub use online::{age, affordable_downtime, Slack};
pub use state::{JobState, SimState, StateError};
pub use task::{deadline_monotonic_priorities, rate_monotonic_priorities, Scheduler, Task, TaskSet};

/// Time in nanoseconds, everywhere in this crate.
pub type Time = u64;
