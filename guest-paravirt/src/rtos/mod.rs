//! A small paravirtualized real-time kernel for EL1: periodic and sporadic tasks under EDF or
//! fixed priorities, preemptive and tick-less, that reports its slack to the hypervisor.
//!
//! The pure parts run on the host too: [`task`] (parameters, state, bodies), [`ready`] (which
//! job runs), [`engine`] (the event-driven schedule, the miss rule and the recovery re-sync),
//! [`checkpoint`] (the state in the real-time page and back). The guest's run-time loop
//! ([`runtime`], aarch64 only) drives them with the virtual counter and the hypercalls.
pub mod checkpoint;
pub mod engine;
pub mod ready;
pub mod task;

pub use engine::{Cpu, Observer, Schedule, ScheduleError, Silent};
pub use ready::Policy;
pub use task::{Function, JobInfo, Occupy, Synthetic, TaskBody, TaskParams, TaskState, Time, NEVER};
