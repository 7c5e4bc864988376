//! Task sets from C: checking a task table, assigning priorities, reading one from the device
//! tree the hypervisor passes (`/kairos/tasks`, the binding of docs/bindings/kairos-partitions.md).

use alloc::vec::Vec;

use hypercall_abi::rt_page::{RtTask, RT_TASK_SPORADIC};
use partition_config::{tasks_from_dtb, SchedulerPolicy};
use rt_analysis::{Scheduler, Task, TaskSet, TaskSetError};

use crate::{
    Status, E_CAPACITY, E_DEADLINE_EXCEEDS_PERIOD, E_DEVICE_TREE, E_DUPLICATE_PRIORITY,
    E_NO_TASK_SET, E_NULL_POINTER, E_ORDER, E_OVERLOADED, E_SCHEDULER, E_TASK_COUNT, E_TASK_FLAGS,
    E_WCET_EXCEEDS_DEADLINE, E_ZERO_PERIOD, E_ZERO_WCET, MAX_TASKS, OK,
};

/// What is wrong with a task set (C `struct kairos_analysis_task_error`, 24 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct TaskError {
    /// The status code (`KAIROS_ANALYSIS_E_*`), also returned by the call.
    pub code: Status,
    /// The offending task's index (`u32::MAX` when the error concerns the whole set).
    pub task: u32,
    /// For a duplicate priority, the earlier task with the same one (else `u32::MAX`).
    pub other: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// The utilization in parts per million, rounded up (for an overloaded set).
    pub utilization_ppm: u64,
}

impl TaskError {
    fn set(code: Status) -> TaskError {
        TaskError {
            code,
            task: u32::MAX,
            other: u32::MAX,
            ..TaskError::default()
        }
    }

    fn of_task(code: Status, task: usize) -> TaskError {
        TaskError {
            task: task as u32,
            ..TaskError::set(code)
        }
    }
}

impl From<TaskSetError> for TaskError {
    fn from(error: TaskSetError) -> TaskError {
        let code = match error {
            TaskSetError::ZeroPeriod { .. } => E_ZERO_PERIOD,
            TaskSetError::ZeroWcet { .. } => E_ZERO_WCET,
            TaskSetError::DeadlineExceedsPeriod { .. } => E_DEADLINE_EXCEEDS_PERIOD,
            TaskSetError::WcetExceedsDeadline { .. } => E_WCET_EXCEEDS_DEADLINE,
            TaskSetError::DuplicatePriority { .. } => E_DUPLICATE_PRIORITY,
            TaskSetError::Overloaded { .. } => E_OVERLOADED,
        };
        let mut out = match error.task() {
            Some(task) => TaskError::of_task(code, task),
            None => TaskError::set(code),
        };
        match error {
            TaskSetError::DuplicatePriority { other, .. } => out.other = other as u32,
            TaskSetError::Overloaded { utilization_ppm } => out.utilization_ppm = utilization_ppm,
            _ => {}
        }
        out
    }
}

/// A task table entry as `rt-analysis` models it.
pub fn task_of(entry: &RtTask) -> Task {
    Task {
        wcet: entry.wcet_ns,
        period: entry.period_ns,
        deadline: entry.deadline_ns,
        offset: entry.offset_ns,
        priority: entry.priority,
        sporadic: entry.flags & RT_TASK_SPORADIC != 0,
    }
}

/// The validated task set of a task table and a `KAIROS_RT_SCHED_*` value.
pub fn task_set(entries: &[RtTask], scheduler: u32) -> Result<TaskSet, TaskError> {
    if entries.is_empty() || entries.len() > MAX_TASKS {
        return Err(TaskError::set(E_TASK_COUNT));
    }
    let scheduler = match scheduler {
        0 => Scheduler::Edf,
        1 => Scheduler::FixedPriority,
        _ => return Err(TaskError::set(E_SCHEDULER)),
    };
    if let Some(task) = entries
        .iter()
        .position(|t| t.flags & !RT_TASK_SPORADIC != 0)
    {
        return Err(TaskError::of_task(E_TASK_FLAGS, task));
    }
    TaskSet::new(entries.iter().map(task_of).collect(), scheduler).map_err(TaskError::from)
}

/// The `count` entries at `tasks`, if the pointer and count are usable.
///
/// # Safety
/// A non-null `tasks` points to `count` readable entries.
pub(crate) unsafe fn table<'a>(
    tasks: *const RtTask,
    count: u32,
) -> Result<&'a [RtTask], TaskError> {
    if tasks.is_null() {
        return Err(TaskError::set(E_NULL_POINTER));
    }
    if count == 0 || count as usize > MAX_TASKS {
        return Err(TaskError::set(E_TASK_COUNT));
    }
    // SAFETY: non-null, and the caller's promise for `count` entries.
    Ok(unsafe { core::slice::from_raw_parts(tasks, count as usize) })
}

/// Writes `error` to `out` if there is one; returns its code.
///
/// # Safety
/// A non-null `out` points to a writable `TaskError`.
pub(crate) unsafe fn report(error: TaskError, out: *mut TaskError) -> Status {
    if !out.is_null() {
        // SAFETY: non-null, and the caller's promise.
        unsafe { out.write(error) };
    }
    error.code
}

/// Checks a task table for scheduler `scheduler` (`KAIROS_RT_SCHED_EDF` or `_FP`): every task
/// `0 < C <= D <= T` with known flags, distinct priorities under FP, utilization at most 1.
/// Returns `KAIROS_ANALYSIS_OK` or the first problem, also described in `*error` (may be NULL).
/// Schedulability is a separate question: `kairos_analysis_static_slack`.
///
/// # Safety
/// `tasks` points to `count` entries; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_check_tasks(
    tasks: *const RtTask,
    count: u32,
    scheduler: u32,
    error: *mut TaskError,
) -> Status {
    // SAFETY: the caller's promises, forwarded.
    let result = unsafe { table(tasks, count) }.and_then(|table| task_set(table, scheduler));
    let outcome = result.err().unwrap_or(TaskError::set(OK));
    // SAFETY: the caller's promise for `error`.
    unsafe { report(outcome, error) }
}

/// Rate-monotonic order: shorter period, higher priority.
pub const ORDER_RATE_MONOTONIC: u32 = 0;
/// Deadline-monotonic order: shorter relative deadline, higher priority.
pub const ORDER_DEADLINE_MONOTONIC: u32 = 1;

/// Sets the `priority` of each of the `count` tasks to `0..count` (0 the most urgent) in
/// `order` (`KAIROS_ANALYSIS_RATE_MONOTONIC` or `_DEADLINE_MONOTONIC`), ties to the lower index.
///
/// # Safety
/// `tasks` points to `count` writable entries.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_assign_priorities(
    tasks: *mut RtTask,
    count: u32,
    order: u32,
) -> Status {
    if tasks.is_null() {
        return E_NULL_POINTER;
    }
    if count == 0 || count as usize > MAX_TASKS {
        return E_TASK_COUNT;
    }
    // SAFETY: non-null, and the caller's promise for `count` entries.
    let entries = unsafe { core::slice::from_raw_parts_mut(tasks, count as usize) };
    let mut model: Vec<Task> = entries.iter().map(task_of).collect();
    match order {
        ORDER_RATE_MONOTONIC => rt_analysis::rate_monotonic_priorities(&mut model),
        ORDER_DEADLINE_MONOTONIC => rt_analysis::deadline_monotonic_priorities(&mut model),
        _ => return E_ORDER,
    }
    for (entry, task) in entries.iter_mut().zip(model) {
        entry.priority = task.priority;
    }
    OK
}

/// Bytes of a task name in `kairos_analysis_tasks_from_dtb` (NUL-terminated, cut to fit).
pub const TASK_NAME_SIZE: usize = 16;

/// Largest device tree read.
const DTB_MAX: usize = 1 << 20;

/// Reads the task set at `path` (NUL-terminated, e.g. "/kairos/tasks") of the device tree at
/// `dtb` (the one the hypervisor passes in `x0`): fills `tasks` (C, T, D, offset in ns, the
/// priority the node's `kairos,scheduler` assigns, flags, job limit), `*scheduler`
/// (`KAIROS_RT_SCHED_*`) and, if `names` is not NULL, one 16-byte name per task. Returns the
/// task count, `KAIROS_ANALYSIS_E_NO_TASK_SET` if the node is absent, `_DEVICE_TREE` for a bad
/// blob or a node that breaks the binding, `_CAPACITY` if `capacity` is too small.
///
/// # Safety
/// `dtb` points to a readable device tree (its header's `totalsize` bytes); `path` is a
/// NUL-terminated string; `tasks` has `capacity` writable entries; `scheduler` is writable;
/// `names` is NULL or has `capacity * 16` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_tasks_from_dtb(
    dtb: *const u8,
    path: *const u8,
    tasks: *mut RtTask,
    capacity: u32,
    scheduler: *mut u32,
    names: *mut u8,
) -> Status {
    if dtb.is_null() || path.is_null() || tasks.is_null() || scheduler.is_null() {
        return E_NULL_POINTER;
    }
    // SAFETY: a readable header (the caller's promise); its `totalsize` bounds the blob.
    let size = unsafe { u32::from_be_bytes(*dtb.add(4).cast::<[u8; 4]>()) } as usize;
    if !(40..=DTB_MAX).contains(&size) {
        return E_DEVICE_TREE;
    }
    // SAFETY: the caller's promise for `totalsize` bytes.
    let blob = unsafe { core::slice::from_raw_parts(dtb, size) };
    // SAFETY: the caller's promise of a NUL-terminated string.
    let path = unsafe { core::ffi::CStr::from_ptr(path.cast()) };
    let Ok(path) = path.to_str() else {
        return E_DEVICE_TREE;
    };
    let config = match tasks_from_dtb(blob, path) {
        Ok(Some(config)) => config,
        Ok(None) => return E_NO_TASK_SET,
        Err(_) => return E_DEVICE_TREE,
    };
    if config.tasks.len() > capacity as usize {
        return E_CAPACITY;
    }
    let priorities = config.priorities();
    for (index, (task, priority)) in config.tasks.iter().zip(priorities).enumerate() {
        let entry = RtTask {
            wcet_ns: task.wcet_ns,
            period_ns: task.period_ns,
            deadline_ns: task.deadline_ns,
            offset_ns: task.offset_ns,
            priority,
            flags: if task.sporadic { RT_TASK_SPORADIC } else { 0 },
            job_limit: task.jobs.unwrap_or(0),
        };
        // SAFETY: `index < len <= capacity` entries, the caller's promise.
        unsafe { tasks.add(index).write(entry) };
        if !names.is_null() {
            let mut name = [0u8; TASK_NAME_SIZE];
            let bytes = task.name.as_bytes();
            let length = bytes.len().min(TASK_NAME_SIZE - 1);
            name[..length].copy_from_slice(&bytes[..length]);
            // SAFETY: 16 bytes per entry, `index < capacity`: the caller's promise.
            unsafe {
                names
                    .add(index * TASK_NAME_SIZE)
                    .cast::<[u8; TASK_NAME_SIZE]>()
                    .write(name)
            };
        }
    }
    let policy = if config.scheduler == SchedulerPolicy::Edf {
        0
    } else {
        1
    };
    // SAFETY: non-null and writable, the caller's promise.
    unsafe { scheduler.write(policy) };
    config.tasks.len() as Status
}
