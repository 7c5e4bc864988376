//! A small paravirtualized real-time kernel for EL1: periodic and sporadic tasks under EDF or
//! fixed priorities, preemptive and tick-less, that reports its slack to the hypervisor.
//!
//! The pure parts run on the host too: [`task`] (parameters, state, bodies), [`ready`] (which
//! job runs), [`engine`] (the event-driven schedule, the miss rule and the recovery re-sync),
//! [`checkpoint`] (the state in the real-time page and back), [`slack`] (A(t) with
//! `rt-analysis`), [`supply`] (the hypervisor's log of dark spans under time partitions),
//! [`config`] (the task set from the device tree, or the demo). The guest's
//! run-time loop (`runtime`, aarch64 image only) drives them with the virtual counter and the
//! hypercalls. `guest-paravirt/PARAVIRT.md` describes the paravirtual interface.
pub mod checkpoint;
pub mod config;
pub mod engine;
#[cfg(all(target_arch = "aarch64", target_os = "none"))]
pub mod paravirt;
pub mod ready;
#[cfg(all(target_arch = "aarch64", target_os = "none"))]
pub mod runtime;
pub mod slack;
pub mod supply;
pub mod task;

pub use engine::{Cpu, Observer, Schedule, ScheduleError, Silent};
pub use ready::Policy;
pub use task::{
    Function, JobInfo, Occupy, Synthetic, TaskBody, TaskParams, TaskState, Time, NEVER,
};
