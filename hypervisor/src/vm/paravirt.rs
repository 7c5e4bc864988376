//! A VM's real-time record: what its paravirtual RTOS registered and reported (task set, last
//! affordable downtime, checkpoint, deadline misses), readable from any core.
//!
//! Written only by the core running the VM (in its hypercall handler), read by any core, also
//! after the writer's core died: every field is an atomic, and no lock is ever taken. The last
//! report is double-buffered: the writer fills the slot the latest report is not in, then
//! publishes it, so a writer stopped half-way leaves the latest report intact and a reader
//! never waits for it. Pure logic, host-tested.
//!
//! Predicting a blackout's misses: the guest restarts from its last committed checkpoint
//! ([`committed_state`]), taken at its event time `slot.time_ns` = t_u, and treats everything from
//! t_u to its restart as blackout. So the prediction is
//! `rt_analysis::predict::predict_misses(set, state of the slot, restart - t_u)`, with the jobs of
//! [`active_jobs`] and each task's `next_release_ns` (`u64::MAX`: no more jobs). The last report
//! ([`RealTime::last_report`]) is never newer than the committed checkpoint; aged to the fault,
//! `A(t_u) - (t_f - t_u)`, it is a safe bound for a decision made before reading guest memory.
//! Times are the VM's virtual counter in ns (Kairos keeps CNTVOFF_EL2 = 0).

use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

use hypercall_abi::rt_page::{
    slot_of, slot_offset, RtHeader, RtScheduler, RtSlot, RtTask, RtTaskState, RT_HEADER_SIZE,
    RT_MAX_TASKS, RT_SLOT_SIZE, RT_UNBOUNDED,
};
use hypercall_abi::Error;

use crate::trace::{Event, Value};

/// At most one `slack_report` trace event per VM per this much report time (the first report
/// is always traced).
pub const SLACK_TRACE_INTERVAL_NS: u64 = 10_000_000;

/// One report of the affordable downtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlackReport {
    /// A(t_u) in ns ([`RT_UNBOUNDED`]: unbounded).
    pub affordable_ns: u64,
    /// t_u, the guest's event time, in ns.
    pub time_ns: u64,
    /// The report's sequence number.
    pub sequence: u64,
    /// The checkpoint generation committed at t_u.
    pub generation: u64,
}

/// Where and how to restart the VM after a blackout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Guest-physical entry.
    pub entry: u64,
    /// `x0` at the entry.
    pub argument: u64,
    /// Latest committed generation known to the hypervisor.
    pub generation: u64,
}

/// The registered task set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    /// Guest-physical address of the real-time page.
    pub page_ipa: u64,
    /// The guest's scheduler.
    pub scheduler: RtScheduler,
    /// The guest's time origin (first releases at `origin + offset`).
    pub origin_ns: u64,
    /// Tasks used in `tasks`.
    pub task_count: usize,
    /// The task table.
    pub tasks: [RtTask; RT_MAX_TASKS],
}

/// What a real-time hypercall asks the trace to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtEvent {
    /// A task set was registered.
    Registered {
        /// Tasks.
        tasks: u64,
        /// The scheduler.
        scheduler: RtScheduler,
        /// The page's guest-physical address.
        page_ipa: u64,
    },
    /// A sampled slack report (see [`SLACK_TRACE_INTERVAL_NS`]).
    SlackReport {
        /// The report.
        report: SlackReport,
        /// Reports received since registration, this one included.
        reports: u64,
    },
    /// A reported deadline miss.
    DeadlineMiss {
        /// Task index.
        task: u64,
        /// The missed job's release, ns.
        release_ns: u64,
        /// The job's number.
        job: u64,
        /// Misses this VM reported in all.
        total: u64,
    },
}

/// One task of the registered table, in atomics.
struct TaskCell {
    wcet: AtomicU64,
    period: AtomicU64,
    deadline: AtomicU64,
    offset: AtomicU64,
    priority_and_flags: AtomicU64,
    job_limit: AtomicU64,
}

impl TaskCell {
    const fn new() -> TaskCell {
        TaskCell {
            wcet: AtomicU64::new(0),
            period: AtomicU64::new(0),
            deadline: AtomicU64::new(0),
            offset: AtomicU64::new(0),
            priority_and_flags: AtomicU64::new(0),
            job_limit: AtomicU64::new(0),
        }
    }
}

/// One buffer of the last report; `stamp` is the report count it holds (0 while written).
struct ReportCell {
    stamp: AtomicU64,
    affordable_ns: AtomicU64,
    time_ns: AtomicU64,
    sequence: AtomicU64,
    generation: AtomicU64,
}

impl ReportCell {
    const fn new() -> ReportCell {
        ReportCell {
            stamp: AtomicU64::new(0),
            affordable_ns: AtomicU64::new(0),
            time_ns: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }
}

/// The record (see the module documentation).
pub struct RealTime {
    /// Registrations so far (0: none); bumped around a registration's stores.
    registrations: AtomicU64,
    page_ipa: AtomicU64,
    scheduler: AtomicU32,
    task_count: AtomicU32,
    origin_ns: AtomicU64,
    tasks: [TaskCell; RT_MAX_TASKS],
    /// Reports received since registration; the latest is in `reports[count % 2]`.
    report_count: AtomicU64,
    reports: [ReportCell; 2],
    last_traced_ns: AtomicU64,
    checkpoint_entry: AtomicU64,
    checkpoint_argument: AtomicU64,
    checkpoint_generation: AtomicU64,
    misses: AtomicU64,
    misses_per_task: [AtomicU32; RT_MAX_TASKS],
}

impl Default for RealTime {
    fn default() -> Self {
        Self::new()
    }
}

impl RealTime {
    /// A record of a VM that registered nothing.
    pub const fn new() -> RealTime {
        RealTime {
            registrations: AtomicU64::new(0),
            page_ipa: AtomicU64::new(0),
            scheduler: AtomicU32::new(0),
            task_count: AtomicU32::new(0),
            origin_ns: AtomicU64::new(0),
            tasks: [const { TaskCell::new() }; RT_MAX_TASKS],
            report_count: AtomicU64::new(0),
            reports: [const { ReportCell::new() }; 2],
            last_traced_ns: AtomicU64::new(0),
            checkpoint_entry: AtomicU64::new(0),
            checkpoint_argument: AtomicU64::new(0),
            checkpoint_generation: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            misses_per_task: [const { AtomicU32::new(0) }; RT_MAX_TASKS],
        }
    }

    /// Records a checked registration and forgets earlier reports, checkpoint and misses.
    pub fn register(
        &self,
        page_ipa: u64,
        header: &RtHeader,
        scheduler: RtScheduler,
        tasks: &[RtTask],
    ) {
        let registration = self.registrations.load(Ordering::Relaxed) + 1;
        self.task_count.store(0, Ordering::Release); // readers see no task set while it changes
        self.report_count.store(0, Ordering::Release);
        for cell in &self.reports {
            cell.stamp.store(0, Ordering::Release);
        }
        for (cell, task) in self.tasks.iter().zip(tasks) {
            cell.wcet.store(task.wcet_ns, Ordering::Relaxed);
            cell.period.store(task.period_ns, Ordering::Relaxed);
            cell.deadline.store(task.deadline_ns, Ordering::Relaxed);
            cell.offset.store(task.offset_ns, Ordering::Relaxed);
            cell.priority_and_flags.store(
                u64::from(task.priority) << 32 | u64::from(task.flags),
                Ordering::Relaxed,
            );
            cell.job_limit.store(task.job_limit, Ordering::Relaxed);
        }
        for cell in &self.misses_per_task {
            cell.store(0, Ordering::Relaxed);
        }
        self.misses.store(0, Ordering::Relaxed);
        self.checkpoint_entry.store(0, Ordering::Relaxed);
        self.checkpoint_argument.store(0, Ordering::Relaxed);
        self.checkpoint_generation.store(0, Ordering::Relaxed);
        self.last_traced_ns.store(0, Ordering::Relaxed);
        self.page_ipa.store(page_ipa, Ordering::Relaxed);
        self.scheduler.store(scheduler as u32, Ordering::Relaxed);
        self.origin_ns.store(header.origin_ns, Ordering::Relaxed);
        self.registrations.store(registration, Ordering::Release);
        self.task_count.store(tasks.len() as u32, Ordering::Release);
    }

    /// The registered task set, if any.
    pub fn registration(&self) -> Option<Registration> {
        let task_count = self.task_count.load(Ordering::Acquire) as usize;
        if task_count == 0 {
            return None;
        }
        let mut tasks = [RtTask::default(); RT_MAX_TASKS];
        for (task, cell) in tasks.iter_mut().zip(&self.tasks).take(task_count) {
            let priority_and_flags = cell.priority_and_flags.load(Ordering::Relaxed);
            *task = RtTask {
                wcet_ns: cell.wcet.load(Ordering::Relaxed),
                period_ns: cell.period.load(Ordering::Relaxed),
                deadline_ns: cell.deadline.load(Ordering::Relaxed),
                offset_ns: cell.offset.load(Ordering::Relaxed),
                priority: (priority_and_flags >> 32) as u32,
                flags: priority_and_flags as u32,
                job_limit: cell.job_limit.load(Ordering::Relaxed),
            };
        }
        Some(Registration {
            page_ipa: self.page_ipa.load(Ordering::Relaxed),
            scheduler: RtScheduler::from_u32(self.scheduler.load(Ordering::Relaxed))
                .unwrap_or(RtScheduler::Edf),
            origin_ns: self.origin_ns.load(Ordering::Relaxed),
            task_count,
            tasks,
        })
    }

    /// Guest-physical address of the registered real-time page, if any.
    pub fn page_ipa(&self) -> Option<u64> {
        self.registered()
            .then(|| self.page_ipa.load(Ordering::Relaxed))
    }

    /// Registrations so far: a task set read under one count is that registration's.
    pub fn registration_count(&self) -> u64 {
        self.registrations.load(Ordering::Acquire)
    }

    /// Whether a task set is registered.
    pub fn registered(&self) -> bool {
        self.task_count.load(Ordering::Acquire) != 0
    }

    /// Records a report made at guest time `report.time_ns` (hypervisor time `now_ns`). Refuses
    /// a report before registration (`WrongState`), one that does not follow the previous
    /// (sequence not increasing, time going back) or comes from the future (`InvalidParameter`).
    /// Returns whether the report is to be traced (sampled).
    pub fn report(&self, report: SlackReport, now_ns: u64) -> Result<bool, Error> {
        if !self.registered() {
            return Err(Error::WrongState);
        }
        if report.time_ns > now_ns {
            return Err(Error::InvalidParameter);
        }
        if let Some(last) = self.last_report() {
            if report.sequence <= last.sequence || report.time_ns < last.time_ns {
                return Err(Error::InvalidParameter);
            }
        }
        let count = self.report_count.load(Ordering::Relaxed) + 1;
        let cell = &self.reports[(count % 2) as usize];
        cell.stamp.store(0, Ordering::Release);
        fence(Ordering::Release);
        cell.affordable_ns
            .store(report.affordable_ns, Ordering::Relaxed);
        cell.time_ns.store(report.time_ns, Ordering::Relaxed);
        cell.sequence.store(report.sequence, Ordering::Relaxed);
        cell.generation.store(report.generation, Ordering::Relaxed);
        cell.stamp.store(count, Ordering::Release);
        self.report_count.store(count, Ordering::Release);
        self.checkpoint_generation
            .fetch_max(report.generation, Ordering::AcqRel);
        let last = self.last_traced_ns.load(Ordering::Relaxed);
        let sampled = count == 1 || report.time_ns >= last.saturating_add(SLACK_TRACE_INTERVAL_NS);
        if sampled {
            self.last_traced_ns.store(report.time_ns, Ordering::Relaxed);
        }
        Ok(sampled)
    }

    /// Reports received since registration.
    pub fn reports(&self) -> u64 {
        self.report_count.load(Ordering::Acquire)
    }

    /// The latest report, if any. Never waits: a writer that stopped half-way wrote the other
    /// buffer; one still writing makes the read retry a few times, then give the older report.
    pub fn last_report(&self) -> Option<SlackReport> {
        for _ in 0..4 {
            let count = self.report_count.load(Ordering::Acquire);
            if count == 0 {
                return None;
            }
            let cell = &self.reports[(count % 2) as usize];
            if cell.stamp.load(Ordering::Acquire) != count {
                continue;
            }
            let report = SlackReport {
                affordable_ns: cell.affordable_ns.load(Ordering::Relaxed),
                time_ns: cell.time_ns.load(Ordering::Relaxed),
                sequence: cell.sequence.load(Ordering::Relaxed),
                generation: cell.generation.load(Ordering::Relaxed),
            };
            fence(Ordering::Acquire);
            if cell.stamp.load(Ordering::Relaxed) == count {
                return Some(report);
            }
        }
        None
    }

    /// Sets the recovery point (`generation` never goes back).
    pub fn set_checkpoint(&self, entry: u64, argument: u64, generation: u64) -> Result<(), Error> {
        if !self.registered() {
            return Err(Error::WrongState);
        }
        self.checkpoint_entry.store(entry, Ordering::Relaxed);
        self.checkpoint_argument.store(argument, Ordering::Relaxed);
        self.checkpoint_generation
            .fetch_max(generation, Ordering::AcqRel);
        Ok(())
    }

    /// The recovery point, if one was set.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let generation = self.checkpoint_generation.load(Ordering::Acquire);
        let entry = self.checkpoint_entry.load(Ordering::Relaxed);
        (entry != 0).then(|| Checkpoint {
            entry,
            argument: self.checkpoint_argument.load(Ordering::Relaxed),
            generation,
        })
    }

    /// Counts a reported miss of `task`; returns the VM's total.
    pub fn record_miss(&self, task: u64) -> Result<u64, Error> {
        let count = self.task_count.load(Ordering::Acquire) as u64;
        if count == 0 {
            return Err(Error::WrongState);
        }
        if task >= count {
            return Err(Error::InvalidParameter);
        }
        self.misses_per_task[task as usize].fetch_add(1, Ordering::Relaxed);
        Ok(self.misses.fetch_add(1, Ordering::AcqRel) + 1)
    }

    /// Misses reported in all.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Acquire)
    }

    /// Misses reported for `task`.
    pub fn misses_of(&self, task: usize) -> u32 {
        self.misses_per_task
            .get(task)
            .map_or(0, |cell| cell.load(Ordering::Relaxed))
    }
}

/// Reads the newest intact committed state slot of the page at `page_ipa` through `read`
/// (guest memory by IPA), with the page's commit protocol (see `hypercall_abi::rt_page`): the
/// state a recovery restarts from, and the one a miss prediction starts from.
pub fn committed_state(
    page_ipa: u64,
    mut read: impl FnMut(u64, &mut [u8]) -> Result<(), Error>,
) -> Option<(RtHeader, RtSlot)> {
    let mut header = [0u8; RT_HEADER_SIZE];
    read(page_ipa, &mut header).ok()?;
    let header = RtHeader::from_bytes(&header);
    header.check().ok()?;
    let generation = header.committed;
    if generation == 0 {
        return None;
    }
    let mut bytes = [0u8; RT_SLOT_SIZE];
    read(
        page_ipa + slot_offset(slot_of(generation)) as u64,
        &mut bytes,
    )
    .ok()?;
    let slot = RtSlot::from_bytes(&bytes);
    let mut again = [0u8; size_of::<u64>()];
    read(
        page_ipa + slot_offset(slot_of(generation)) as u64,
        &mut again,
    )
    .ok()?;
    (slot.generation == generation && u64::from_le_bytes(again) == generation)
        .then_some((header, slot))
}

/// The active jobs of a committed state as `(task, release, absolute deadline, remaining)`,
/// ready for `rt_analysis::JobState`. Backlog jobs of a sporadic task get the earliest releases
/// its minimum separation allows (earlier deadlines: a safe reading), the latest its real one.
pub fn active_jobs<'a>(
    tasks: &'a [RtTask],
    states: &'a [RtTaskState],
) -> impl Iterator<Item = (usize, u64, u64, u64)> + 'a {
    tasks
        .iter()
        .zip(states)
        .enumerate()
        .flat_map(|(index, (task, state))| {
            let pending = u64::from(state.pending);
            (0..pending).map(move |k| {
                let release = if k + 1 == pending && k > 0 && task.sporadic() {
                    state.latest_release_ns
                } else {
                    state.head_release_ns + k * task.period_ns
                };
                let remaining = if k == 0 {
                    state.head_remaining_ns
                } else {
                    task.wcet_ns
                };
                (
                    index,
                    release,
                    release.saturating_add(task.deadline_ns),
                    remaining,
                )
            })
        })
}

/// A report's A as the trace shows it: `None` when unbounded.
pub fn finite(affordable_ns: u64) -> Option<u64> {
    (affordable_ns != RT_UNBOUNDED).then_some(affordable_ns)
}

impl RtEvent {
    /// The trace event's name (docs/trace.md).
    pub fn name(&self) -> &'static str {
        match self {
            RtEvent::Registered { .. } => "rt_register",
            RtEvent::SlackReport { .. } => "slack_report",
            RtEvent::DeadlineMiss { .. } => "deadline_miss",
        }
    }

    /// Adds the event's fields to `event` (made with [`RtEvent::name`]) for VM `vm` called `name`.
    pub fn fields(&self, event: Event, vm: u64, name: &str) -> Event {
        let event = event.u64("vm", vm).str("name", name);
        match *self {
            RtEvent::Registered {
                tasks,
                scheduler,
                page_ipa,
            } => event
                .u64("tasks", tasks)
                .str(
                    "scheduler",
                    if scheduler == RtScheduler::Edf {
                        "edf"
                    } else {
                        "fp"
                    },
                )
                .field("page", Value::Hex(page_ipa)),
            RtEvent::SlackReport { report, reports } => {
                let event = match finite(report.affordable_ns) {
                    Some(a) => event.u64("a_ns", a).field("unbounded", Value::Bool(false)),
                    None => event.field("unbounded", Value::Bool(true)),
                };
                event
                    .u64("t_u_ns", report.time_ns)
                    .u64("seq", report.sequence)
                    .u64("generation", report.generation)
                    .u64("reports", reports)
            }
            RtEvent::DeadlineMiss {
                task,
                release_ns,
                job,
                total,
            } => event
                .u64("task", task)
                .u64("job", job)
                .u64("release_ns", release_ns)
                .u64("total", total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hypercall_abi::rt_page::{RtPage, RT_PAGE_MAGIC};
    use std::boxed::Box;

    fn task(c: u64, t: u64) -> RtTask {
        RtTask {
            wcet_ns: c,
            period_ns: t,
            deadline_ns: t,
            ..RtTask::default()
        }
    }

    fn registered() -> RealTime {
        let record = RealTime::new();
        let header = RtHeader {
            magic: RT_PAGE_MAGIC,
            task_count: 2,
            origin_ns: 5,
            ..RtHeader::default()
        };
        record.register(
            0x4010_0000,
            &header,
            RtScheduler::Edf,
            &[task(2, 10), task(1, 5)],
        );
        record
    }

    fn report(sequence: u64, time_ns: u64) -> SlackReport {
        SlackReport {
            affordable_ns: 100 + sequence,
            time_ns,
            sequence,
            generation: sequence,
        }
    }

    #[test]
    fn registration_is_kept_whole() {
        let record = RealTime::new();
        assert!(record.registration().is_none());
        let record = registered();
        let registration = record.registration().unwrap();
        assert_eq!(
            (
                registration.page_ipa,
                registration.task_count,
                registration.origin_ns
            ),
            (0x4010_0000, 2, 5)
        );
        assert_eq!(registration.tasks[1], task(1, 5));
    }

    #[test]
    fn reports_need_registration_and_must_move_forward() {
        let record = RealTime::new();
        assert_eq!(record.report(report(1, 10), 20), Err(Error::WrongState));
        let record = registered();
        assert_eq!(
            record.report(report(1, 10), 20),
            Ok(true),
            "the first is traced"
        );
        assert_eq!(record.report(report(2, 12), 20), Ok(false), "sampled");
        assert_eq!(
            record.report(report(2, 13), 20),
            Err(Error::InvalidParameter),
            "same sequence"
        );
        assert_eq!(
            record.report(report(3, 11), 20),
            Err(Error::InvalidParameter),
            "time went back"
        );
        assert_eq!(
            record.report(report(3, 30), 20),
            Err(Error::InvalidParameter),
            "from the future"
        );
        assert_eq!(record.last_report(), Some(report(2, 12)));
        assert_eq!(
            record.report(report(3, 10 + SLACK_TRACE_INTERVAL_NS), u64::MAX),
            Ok(true)
        );
        assert_eq!(record.reports(), 3);
        assert_eq!(record.checkpoint(), None, "no entry yet");
        record.set_checkpoint(0x4008_1000, 0x4010_0000, 1).unwrap();
        assert_eq!(
            record.checkpoint().unwrap().generation,
            3,
            "the reports' generation"
        );
    }

    #[test]
    fn a_writer_stopped_half_way_leaves_the_latest_report() {
        let record = registered();
        record.report(report(1, 10), 20).unwrap();
        record.report(report(2, 11), 20).unwrap();
        // The writer of report 3 died after clearing its buffer's stamp.
        record.reports[1].stamp.store(0, Ordering::Release);
        record.reports[1].time_ns.store(999, Ordering::Relaxed);
        assert_eq!(record.last_report(), Some(report(2, 11)));
    }

    #[test]
    fn misses_are_counted_per_task() {
        let record = registered();
        assert_eq!(record.record_miss(1), Ok(1));
        assert_eq!(record.record_miss(1), Ok(2));
        assert_eq!(record.record_miss(2), Err(Error::InvalidParameter));
        assert_eq!(
            (record.misses(), record.misses_of(1), record.misses_of(0)),
            (2, 2, 0)
        );
        assert_eq!(RealTime::new().record_miss(0), Err(Error::WrongState));
    }

    #[test]
    fn the_committed_state_is_read_with_the_protocol() {
        let mut page = Box::new(RtPage::new(RtScheduler::Edf, 1));
        page.header.task_count = 1;
        page.tasks[0] = task(2, 10);
        let bytes = |page: &RtPage| {
            // SAFETY: RtPage is plain integers with no padding (asserted sizes), so its bytes
            // are initialized.
            unsafe { std::slice::from_raw_parts(page as *const RtPage as *const u8, 8192) }.to_vec()
        };
        let reader = |memory: Vec<u8>| {
            move |ipa: u64, buffer: &mut [u8]| {
                let start = (ipa - 0x1000) as usize;
                buffer.copy_from_slice(
                    memory
                        .get(start..start + buffer.len())
                        .ok_or(Error::BadAddress)?,
                );
                Ok(())
            }
        };
        assert!(
            committed_state(0x1000, reader(bytes(&page))).is_none(),
            "nothing committed"
        );
        page.slots[1].generation = 1;
        page.slots[1].time_ns = 77;
        page.header.committed = 1;
        let (header, slot) = committed_state(0x1000, reader(bytes(&page))).unwrap();
        assert_eq!((header.task_count, slot.time_ns), (1, 77));
        page.slots[1].generation = 0; // torn
        assert!(committed_state(0x1000, reader(bytes(&page))).is_none());
    }

    #[test]
    fn events_read_as_trace_lines() {
        let report = SlackReport {
            affordable_ns: 1500,
            time_ns: 20,
            sequence: 3,
            generation: 3,
        };
        let event = RtEvent::SlackReport { report, reports: 3 };
        let line = event
            .fields(Event::new(event.name(), 7, 1), 0, "rtos0")
            .finish();
        assert_eq!(
            line,
            r#"EVT {"ev":"slack_report","t_ns":7,"core":1,"vm":0,"name":"rtos0","a_ns":1500,"unbounded":false,"t_u_ns":20,"seq":3,"generation":3,"reports":3}"#
        );
        let miss = RtEvent::DeadlineMiss {
            task: 2,
            release_ns: 40,
            job: 4,
            total: 1,
        };
        let line = miss
            .fields(Event::new(miss.name(), 9, 1), 0, "rtos0")
            .finish();
        assert!(
            line.ends_with(r#""task":2,"job":4,"release_ns":40,"total":1}"#),
            "{line}"
        );
    }

    #[test]
    fn active_jobs_unroll_the_backlog() {
        let tasks = [
            task(2, 10),
            RtTask {
                flags: hypercall_abi::rt_page::RT_TASK_SPORADIC,
                ..task(1, 5)
            },
        ];
        let states = [
            RtTaskState {
                head_release_ns: 0,
                head_remaining_ns: 1,
                pending: 2,
                latest_release_ns: 10,
                ..RtTaskState::default()
            },
            RtTaskState {
                head_release_ns: 3,
                head_remaining_ns: 1,
                pending: 2,
                latest_release_ns: 12,
                ..RtTaskState::default()
            },
        ];
        let jobs: std::vec::Vec<_> = active_jobs(&tasks, &states).collect();
        assert_eq!(
            jobs,
            [(0, 0, 10, 1), (0, 10, 20, 2), (1, 3, 8, 1), (1, 12, 17, 1)]
        );
        assert_eq!(finite(RT_UNBOUNDED), None);
    }
}
