//! The `extern "C"` entry points over an [`Analysis`]: make and free one, its static slack,
//! A(now) of a state, the misses of a blackout, the state of a committed slot, ageing a report.

use alloc::boxed::Box;

use hypercall_abi::rt_page::{RtSlot, RtTask, RT_UNBOUNDED};
use rt_analysis::Slack;

use crate::analysis::{Analysis, Job, SlackResult};
use crate::tasks::{report, table, TaskError};
use crate::{Status, E_NULL_POINTER, E_UNSCHEDULABLE, OK};

/// Borrows the C arguments of a state: `job_count` jobs and one next release per task.
///
/// # Safety
/// `jobs` (may be NULL when `job_count` is 0) and `next_release` point to that many entries.
unsafe fn state_arguments<'a>(
    analysis: &Analysis,
    jobs: *const Job,
    job_count: u32,
    next_release: *const u64,
) -> Result<(&'a [Job], &'a [u64]), Status> {
    if next_release.is_null() || (jobs.is_null() && job_count > 0) {
        return Err(E_NULL_POINTER);
    }
    let jobs = if job_count == 0 {
        &[][..]
    } else {
        // SAFETY: non-null, and the caller's promise for `job_count` entries.
        unsafe { core::slice::from_raw_parts(jobs, job_count as usize) }
    };
    // SAFETY: non-null, and the caller's promise for one entry per task.
    let next = unsafe { core::slice::from_raw_parts(next_release, analysis.task_count()) };
    Ok((jobs, next))
}

/// Builds the analysis of `count` tasks under `scheduler` (`KAIROS_RT_SCHED_EDF` or `_FP`) into
/// `*analysis`; the task set is checked as by `kairos_analysis_check_tasks` (problem in
/// `*error`, which may be NULL). Allocates (a few KiB); free it with `kairos_analysis_free`.
///
/// # Safety
/// `tasks` points to `count` entries; `analysis` is writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_new(
    tasks: *const RtTask,
    count: u32,
    scheduler: u32,
    analysis: *mut *mut Analysis,
    error: *mut TaskError,
) -> Status {
    if analysis.is_null() {
        // SAFETY: the caller's promise for `error`.
        return unsafe {
            report(
                TaskError {
                    code: E_NULL_POINTER,
                    ..TaskError::default()
                },
                error,
            )
        };
    }
    // SAFETY: the caller's promise for `tasks`.
    let built = unsafe { table(tasks, count) }.and_then(|table| Analysis::new(table, scheduler));
    match built {
        Ok(built) => {
            // SAFETY: non-null and writable, the caller's promise.
            unsafe { analysis.write(Box::into_raw(Box::new(built))) };
            // SAFETY: the caller's promise for `error`.
            unsafe {
                report(
                    TaskError {
                        code: OK,
                        task: u32::MAX,
                        other: u32::MAX,
                        ..TaskError::default()
                    },
                    error,
                )
            }
        }
        // SAFETY: the caller's promise for `error`.
        Err(problem) => unsafe { report(problem, error) },
    }
}

/// Frees an analysis made by `kairos_analysis_new` (NULL is ignored).
///
/// # Safety
/// `analysis` came from `kairos_analysis_new` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_free(analysis: *mut Analysis) {
    if !analysis.is_null() {
        // SAFETY: made by `Box::into_raw` in `kairos_analysis_new`, freed once (the caller).
        drop(unsafe { Box::from_raw(analysis) });
    }
}

/// The static slack of the task set (the blackout survivable from any state of its schedule
/// without backlog) into `*slack_ns`; `KAIROS_ANALYSIS_E_UNSCHEDULABLE` if the set can miss
/// deadlines even without a blackout.
///
/// # Safety
/// `analysis` came from `kairos_analysis_new`; `slack_ns` is writable.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_static_slack(
    analysis: *const Analysis,
    slack_ns: *mut u64,
) -> Status {
    if analysis.is_null() || slack_ns.is_null() {
        return E_NULL_POINTER;
    }
    // SAFETY: a live analysis (the caller's promise).
    match unsafe { &*analysis }.static_slack() {
        Some(slack) => {
            // SAFETY: non-null and writable, the caller's promise.
            unsafe { slack_ns.write(slack) };
            OK
        }
        None => E_UNSCHEDULABLE,
    }
}

/// A(now): the affordable downtime of the state at `now_ns` — the `job_count` active jobs
/// (released, incomplete; a late one keeps its deadline) and each task's next release
/// (`next_release_ns[i]`, one per task; `KAIROS_RT_UNBOUNDED` = no more jobs) — with at most
/// `max_steps` steps (0: no limit; `KAIROS_ANALYSIS_DEFAULT_MAX_STEPS` is what the Kairos RTOS
/// uses). Writes `*result`; returns `KAIROS_ANALYSIS_OK` or an error (`_UNKNOWN_TASK` for a job
/// of no task). Allocates nothing once its buffers have grown to the set's usual backlog.
///
/// # Safety
/// `analysis` came from `kairos_analysis_new`; `jobs` has `job_count` entries (NULL if 0);
/// `next_release_ns` one per task; `result` is writable.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_slack(
    analysis: *mut Analysis,
    now_ns: u64,
    jobs: *const Job,
    job_count: u32,
    next_release_ns: *const u64,
    max_steps: u32,
    result: *mut SlackResult,
) -> Status {
    if analysis.is_null() || result.is_null() {
        return E_NULL_POINTER;
    }
    // SAFETY: a live analysis, used by this call alone (the library's contract).
    let analysis = unsafe { &mut *analysis };
    // SAFETY: the caller's promises for the arrays.
    let computed = unsafe { state_arguments(analysis, jobs, job_count, next_release_ns) }
        .and_then(|(jobs, next)| analysis.slack(now_ns, jobs, next, max_steps));
    match computed {
        Ok(slack) => {
            // SAFETY: non-null and writable, the caller's promise.
            unsafe { result.write(slack) };
            OK
        }
        Err(code) => code,
    }
}

/// The misses per task (`misses[i]`, one per task) that a blackout of `blackout_ns` starting at
/// `now_ns` causes from the state given (as in `kairos_analysis_slack`), by the recovery rules
/// of PARAVIRT.md (the hypervisor's prediction). Returns the total, or an error. Allocates for
/// the simulation and frees it again.
///
/// # Safety
/// As `kairos_analysis_slack`; `misses` has one writable entry per task.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_predict_misses(
    analysis: *mut Analysis,
    now_ns: u64,
    jobs: *const Job,
    job_count: u32,
    next_release_ns: *const u64,
    blackout_ns: u64,
    misses: *mut u32,
) -> Status {
    if analysis.is_null() || misses.is_null() {
        return E_NULL_POINTER;
    }
    // SAFETY: a live analysis, used by this call alone (the library's contract).
    let analysis = unsafe { &mut *analysis };
    // SAFETY: the caller's promises for the arrays.
    let predicted = unsafe { state_arguments(analysis, jobs, job_count, next_release_ns) }
        .and_then(|(jobs, next)| analysis.predict(now_ns, jobs, next, blackout_ns));
    match predicted {
        Ok(counts) => {
            // SAFETY: one writable entry per task, the caller's promise.
            let out = unsafe { core::slice::from_raw_parts_mut(misses, counts.len()) };
            out.copy_from_slice(&counts);
            counts
                .iter()
                .map(|&m| m as u64)
                .sum::<u64>()
                .min(i32::MAX as u64) as Status
        }
        Err(code) => code,
    }
}

/// Reads the state of a committed slot the way the hypervisor does before it predicts: its
/// time into `*now_ns`, its active jobs into `jobs` (`capacity` entries; backlog jobs unrolled
/// from the head, see `kairos.h`) and each task's next release into `next_release_ns` (one per
/// task). Returns the number of jobs, or `KAIROS_ANALYSIS_E_CAPACITY`.
///
/// # Safety
/// `analysis` came from `kairos_analysis_new`; `slot` is readable (a copy, or a slot read with
/// the commit protocol); `jobs` has `capacity` writable entries; `next_release_ns` one per task;
/// `now_ns` is writable.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_state_of_slot(
    analysis: *const Analysis,
    slot: *const RtSlot,
    jobs: *mut Job,
    capacity: u32,
    next_release_ns: *mut u64,
    now_ns: *mut u64,
) -> Status {
    if analysis.is_null() || slot.is_null() || next_release_ns.is_null() || now_ns.is_null() {
        return E_NULL_POINTER;
    }
    if jobs.is_null() && capacity > 0 {
        return E_NULL_POINTER;
    }
    // SAFETY: a live analysis and a readable slot (the caller's promises).
    let (analysis, slot) = unsafe { (&*analysis, &*slot) };
    let jobs = if capacity == 0 {
        &mut [][..]
    } else {
        // SAFETY: non-null, and the caller's promise for `capacity` entries.
        unsafe { core::slice::from_raw_parts_mut(jobs, capacity as usize) }
    };
    // SAFETY: non-null, one entry per task (the caller's promise).
    let next = unsafe { core::slice::from_raw_parts_mut(next_release_ns, analysis.task_count()) };
    match analysis.state_of_slot(slot, jobs, next) {
        Ok(count) => {
            // SAFETY: non-null and writable, the caller's promise.
            unsafe { now_ns.write(slot.time_ns) };
            count as Status
        }
        Err(code) => code,
    }
}

/// A report made at `reported_at_ns` aged to `now_ns`: A drops by at most the time elapsed,
/// saturating at 0; `KAIROS_RT_UNBOUNDED` stays so; a report from the future is unchanged.
#[no_mangle]
pub extern "C" fn kairos_analysis_age(affordable_ns: u64, reported_at_ns: u64, now_ns: u64) -> u64 {
    let slack = if affordable_ns == RT_UNBOUNDED {
        Slack::Unbounded
    } else {
        Slack::Finite(affordable_ns)
    };
    match rt_analysis::age(slack, reported_at_ns, now_ns) {
        Slack::Finite(value) => value,
        Slack::Unbounded => RT_UNBOUNDED,
    }
}

/// Number of tasks of an analysis (0 for NULL).
///
/// # Safety
/// `analysis` is NULL or came from `kairos_analysis_new`.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_task_count(analysis: *const Analysis) -> u32 {
    if analysis.is_null() {
        return 0;
    }
    // SAFETY: a live analysis (the caller's promise).
    unsafe { &*analysis }.task_count() as u32
}
