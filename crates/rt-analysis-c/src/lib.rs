//! The Kairos real-time analysis for C: `rt-analysis` behind a small `extern "C"` API, built as
//! the static library `libkairos_analysis.a` with the header `include/kairos_analysis.h`.
//!
//! A C RTOS (FreeRTOS, Zephyr, the C guest in `guest-c/`) links it to compute, at every
//! scheduling event, its affordable downtime A(t) — the longest blackout starting now that
//! causes no deadline miss — exactly as the Kairos Rust RTOS does, and to check its task set,
//! assign rate- or deadline-monotonic priorities, read its task set from the device tree the
//! hypervisor passes, and predict the misses of a blackout from a checkpoint (what the
//! hypervisor predicts before it migrates the VM).
//!
//! Task parameters and checkpoints use the real-time page's own types (`struct kairos_rt_task`,
//! `struct kairos_rt_slot` of `kairos.h`, [`hypercall_abi::rt_page`] here), so what the RTOS
//! registers is what it analyses. Times are nanoseconds of the virtual counter.
//!
//! Rules for the caller: calls must not overlap (one vCPU, or the scheduler locked, or the
//! idle hook); on the bare-metal target the library allocates from an arena the caller hands
//! over with `kairos_analysis_heap_init` (a few KiB per analysis, nothing per event in steady
//! state), and a panic or an exhausted arena calls the caller's `kairos_analysis_fatal`.
//! Built for the host the library uses the system allocator and std's panic handling, so the
//! API is tested from Rust (`tests/c_api.rs`) and from a host C program (`tests/host_c.rs`).
#![no_std]

extern crate alloc;
#[cfg(not(target_os = "none"))]
extern crate std;

mod analysis;
mod calls;
mod heap;
mod tasks;

#[cfg(all(target_os = "none", not(test)))]
mod panic;

pub use analysis::*;
pub use calls::*;
pub use heap::*;
pub use tasks::*;

/// Status of a call: `>= 0` success (a count where the call returns one), `< 0` one of the
/// `KAIROS_ANALYSIS_E_*` codes below.
pub type Status = i32;

/// Success.
pub const OK: Status = 0;
/// A pointer argument is null.
pub const E_NULL_POINTER: Status = -1;
/// No task, or more than the real-time page holds (32).
pub const E_TASK_COUNT: Status = -2;
/// The scheduler is neither `KAIROS_RT_SCHED_EDF` nor `KAIROS_RT_SCHED_FP`.
pub const E_SCHEDULER: Status = -3;
/// A task's period is zero.
pub const E_ZERO_PERIOD: Status = -4;
/// A task's WCET is zero.
pub const E_ZERO_WCET: Status = -5;
/// A task's deadline exceeds its period.
pub const E_DEADLINE_EXCEEDS_PERIOD: Status = -6;
/// A task's WCET exceeds its deadline.
pub const E_WCET_EXCEEDS_DEADLINE: Status = -7;
/// Two tasks share a priority under fixed priorities.
pub const E_DUPLICATE_PRIORITY: Status = -8;
/// The utilization exceeds 1.
pub const E_OVERLOADED: Status = -9;
/// A task has flags other than `KAIROS_RT_TASK_SPORADIC`.
pub const E_TASK_FLAGS: Status = -10;
/// A job names a task outside the set.
pub const E_UNKNOWN_TASK: Status = -11;
/// An output array is too small.
pub const E_CAPACITY: Status = -12;
/// The task set is not schedulable (no static slack).
pub const E_UNSCHEDULABLE: Status = -13;
/// The device tree is not a valid DTB, or its task-set node breaks the binding.
pub const E_DEVICE_TREE: Status = -14;
/// The device tree has no task-set node at the path asked for.
pub const E_NO_TASK_SET: Status = -15;
/// An unknown priority order.
pub const E_ORDER: Status = -16;

/// Status names, indexed by `-code`.
pub const STATUS_NAMES: [&core::ffi::CStr; 17] = [
    c"ok",
    c"null_pointer",
    c"task_count",
    c"scheduler",
    c"zero_period",
    c"zero_wcet",
    c"deadline_exceeds_period",
    c"wcet_exceeds_deadline",
    c"duplicate_priority",
    c"overloaded",
    c"task_flags",
    c"unknown_task",
    c"capacity",
    c"unschedulable",
    c"device_tree",
    c"no_task_set",
    c"order",
];

/// The name of status `code` as a NUL-terminated string (`"unknown"` for any other value).
#[no_mangle]
pub extern "C" fn kairos_analysis_error_name(code: Status) -> *const core::ffi::c_char {
    let index = usize::try_from(code.unsigned_abs()).unwrap_or(usize::MAX);
    match STATUS_NAMES.get(index) {
        Some(name) if code <= 0 => name.as_ptr(),
        _ => c"unknown".as_ptr(),
    }
}

/// The largest number of tasks an analysis takes (the real-time page's task table).
pub const MAX_TASKS: usize = hypercall_abi::rt_page::RT_MAX_TASKS;
