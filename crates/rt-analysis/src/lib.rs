//! Real-time analysis for Kairos, shared by the guest RTOS, the hypervisor and the host tool.
//!
//! Everything here is pure computation on integer nanoseconds ([`Time`]); no hardware, no
//! floating point except in [`reliability`] and [`uunifast`]. The guest computes its
//! affordable downtime online ([`online`]), the hypervisor predicts deadline misses of a
//! blackout ([`simulate`], [`predict`]), admits migrants ([`admission`]) and bounds migration
//! downtime ([`downtime`]); the host tool draws feasibility and reliability figures.
//!
//! ```
//! use rt_analysis::online::SlackAnalyzer;
//! use rt_analysis::predict::predict_misses;
//! use rt_analysis::{Scheduler, SimState, Slack, Task, TaskSet};
//!
//! // Two EDF tasks (times in ns): C = 2 ms every 10 ms (D = 5 ms), C = 3 ms every 15 ms.
//! let ms = 1_000_000;
//! let tasks = vec![Task::periodic(2 * ms, 10 * ms).with_deadline(5 * ms), Task::periodic(3 * ms, 15 * ms)];
//! let set = TaskSet::new(tasks, Scheduler::Edf).unwrap();
//! assert_eq!(rt_analysis::demand::edf_static_slack(&set), Some(3 * ms));
//!
//! // At time 0, before anything runs, a blackout of up to A = 3 ms is survivable...
//! let start = SimState::initial(&set);
//! let mut analyzer = SlackAnalyzer::new(set.clone());
//! let slack = analyzer.affordable_downtime(start.now, &start.active, &start.next_release, u64::MAX);
//! assert_eq!(slack, Slack::Finite(3 * ms));
//! assert_eq!(predict_misses(&set, &start, 3 * ms).unwrap(), [0, 0]);
//! // ...one nanosecond more and the first job of task 0 is late.
//! assert_eq!(predict_misses(&set, &start, 3 * ms + 1).unwrap(), [1, 0]);
//! ```
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
pub use online::{affordable_downtime, age, Slack};
pub use state::{JobState, SimState, StateError};
pub use task::{
    deadline_monotonic_priorities, rate_monotonic_priorities, Scheduler, Task, TaskSet,
};

/// Time in nanoseconds, everywhere in this crate.
pub type Time = u64;
