//! The real-time page: what a paravirtual RTOS shares with the hypervisor, byte for byte.
//!
//! The guest reserves [`RT_PAGE_SIZE`] bytes of its RAM (4 KiB aligned), fills the header and
//! the task table, and registers the page with `RtRegister`. From then on, at every scheduling
//! event, it writes its state into one of two state slots, commits it by bumping
//! [`RtHeader::committed`], and reports the affordable downtime with `RtReport`. The committed
//! slot is the guest's checkpoint: after a blackout the guest restarts from it, and the
//! hypervisor predicts deadline misses from it. Both read the same bytes, so both agree.
//!
//! Layout (little endian, `#[repr(C)]`, offsets asserted below and in `guest-paravirt/include/kairos.h`):
//!
//! | offset | size | what |
//! |---|---|---|
//! | 0 | 64 ([`RT_HEADER_SIZE`]) | [`RtHeader`] |
//! | 64 | 32 x 48 ([`RT_TASK_SIZE`]) | [`RtTask`] table (`task_count` used) |
//! | 2048 | 2112 ([`RT_SLOT_SIZE`]) | state slot 0 ([`RtSlot`]) |
//! | 4160 | 2112 | state slot 1 |
//! | 6272 | 272 ([`RT_SUPPLY_SIZE`]) | [`RtSupply`]: the processor supply log, written by the hypervisor |
//! | 6544 | 8 | `resume_ns`: the planned end of the blackout a recovery entry resumes from, written by the hypervisor |
//! | 6552 | 1640 | reserved, zero |
//!
//! Commit protocol (a seqlock with two slots, safe against a writer that dies mid-way): the
//! guest writes generation `g + 1` into slot `(g + 1) % 2`: first `slot.generation = 0`, then
//! the slot's contents, then `slot.generation = g + 1`, then `header.committed = g + 1`, with a
//! store barrier (`dmb ishst`) between each step. A reader takes `g = header.committed`, reads
//! slot `g % 2`, and accepts it only if `slot.generation == g` both before and after reading the
//! contents. A writer that died leaves the previous committed slot intact.
//!
//! Times are nanoseconds of the virtual counter, `ticks * 1_000_000_000 / CNTFRQ` rounded down
//! (the hypervisor keeps CNTVOFF_EL2 = 0, so the virtual and physical counters agree).

use crate::Error;

/// `header.magic`: "KAIROSRT" read as a little-endian `u64`.
pub const RT_PAGE_MAGIC: u64 = u64::from_le_bytes(*b"KAIROSRT");
/// `header.version` of this layout.
pub const RT_PAGE_VERSION: u32 = 1;
/// Bytes the real-time page occupies (two 4 KiB pages).
pub const RT_PAGE_SIZE: usize = 8192;
/// Alignment of the page's guest-physical address.
pub const RT_PAGE_ALIGN: u64 = 4096;
/// Most tasks one page describes.
pub const RT_MAX_TASKS: usize = 32;
/// `slot.running` when no job runs (the core idles).
pub const RT_NO_TASK: u32 = u32::MAX;
/// An affordable downtime without bound (no job will ever be released again), and "no time".
pub const RT_UNBOUNDED: u64 = u64::MAX;
/// Offset of the task table (right after the header).
pub const RT_TASKS_OFFSET: usize = RT_HEADER_SIZE;
/// Offset of state slot `i`: `RT_SLOTS_OFFSET + i * size_of::<RtSlot>()`.
pub const RT_SLOTS_OFFSET: usize = 2048;

/// Offset of the supply log ([`RtSupply`]), after the two state slots.
pub const RT_SUPPLY_OFFSET: usize = slot_offset(2);

/// Bytes of [`RtHeader`].
pub const RT_HEADER_SIZE: usize = core::mem::size_of::<RtHeader>();
/// Bytes of one [`RtTask`].
pub const RT_TASK_SIZE: usize = core::mem::size_of::<RtTask>();
/// Bytes of one [`RtTaskState`].
pub const RT_TASK_STATE_SIZE: usize = core::mem::size_of::<RtTaskState>();
/// Bytes of one [`RtSlot`].
pub const RT_SLOT_SIZE: usize = core::mem::size_of::<RtSlot>();
/// Dark spans the supply log keeps (a ring).
pub const RT_SUPPLY_SPANS: usize = 16;

/// [`RtTask::flags`]: the task is sporadic (`period_ns` is its minimum inter-arrival time).
pub const RT_TASK_SPORADIC: u32 = 1;

/// How the guest schedules its tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum RtScheduler {
    /// Earliest deadline first (preemptive).
    Edf = 0,
    /// Fixed priorities (preemptive); `RtTask::priority`, lower is more urgent. Rate- and
    /// deadline-monotonic assignments are made by the guest before registering.
    FixedPriority = 1,
}

impl RtScheduler {
    /// Decodes `header.scheduler`.
    pub fn from_u32(value: u32) -> Option<RtScheduler> {
        match value {
            0 => Some(RtScheduler::Edf),
            1 => Some(RtScheduler::FixedPriority),
            _ => None,
        }
    }
}

/// The page header (64 bytes at offset 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RtHeader {
    /// [`RT_PAGE_MAGIC`].
    pub magic: u64,
    /// [`RT_PAGE_VERSION`].
    pub version: u32,
    /// [`RT_PAGE_SIZE`].
    pub size: u32,
    /// An [`RtScheduler`] value.
    pub scheduler: u32,
    /// Tasks in the table, 1 to [`RT_MAX_TASKS`].
    pub task_count: u32,
    /// The counter frequency the guest converts with (CNTFRQ_EL0).
    pub counter_frequency_hz: u64,
    /// Generation of the newest committed slot (slot `committed % 2`); 0 = nothing committed.
    pub committed: u64,
    /// Reserved, zero.
    pub flags: u64,
    /// The guest's time origin: task `i`'s first job is released at `origin_ns + offset_ns`.
    pub origin_ns: u64,
    /// Reserved, zero.
    pub reserved: u64,
}

/// One task of the table (48 bytes). Times in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RtTask {
    /// Worst-case execution time C.
    pub wcet_ns: u64,
    /// Period T (minimum inter-arrival time if sporadic).
    pub period_ns: u64,
    /// Relative deadline D, `C <= D <= T`.
    pub deadline_ns: u64,
    /// Release of the first job, after the guest's time origin ([`RtHeader::origin_ns`]).
    pub offset_ns: u64,
    /// Fixed priority, lower is more urgent (ignored under EDF, where it breaks no ties).
    pub priority: u32,
    /// [`RT_TASK_SPORADIC`] or 0.
    pub flags: u32,
    /// Jobs after which the task stops releasing (0 = no limit).
    pub job_limit: u64,
}

/// One task's state in a slot (64 bytes). Times in ns.
///
/// A task's active jobs (released, not completed) form a FIFO: only the oldest, the *head*,
/// can have executed; the others still need their whole WCET. Job `k` of the FIFO (0 = head) of
/// a periodic task was released at `head_release_ns + k * period_ns`; for a sporadic task the
/// last one at `latest_release_ns` and the others at the earliest that allows (a reader wanting
/// a safe bound takes `head_release_ns + k * period_ns`). A job whose absolute deadline
/// (`release + deadline_ns`) is at or before the slot's `time_ns` has been counted missed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RtTaskState {
    /// Release time of the task's next job; for a sporadic task the earliest possible one
    /// (the latest release + T; the job may come later, and a reader takes the later of this and
    /// `time_ns`). [`RT_UNBOUNDED`] if the task releases no more jobs.
    pub next_release_ns: u64,
    /// Release time of the head job; [`RT_UNBOUNDED`] when no job is active.
    pub head_release_ns: u64,
    /// Execution the head job still needs (0 when no job is active).
    pub head_remaining_ns: u64,
    /// Release time of the latest job, [`RT_UNBOUNDED`] before the first.
    pub latest_release_ns: u64,
    /// Jobs released so far.
    pub released: u32,
    /// Active jobs (0 = none; the head is job number `released - pending`).
    pub pending: u32,
    /// Jobs completed (late ones included).
    pub completed: u32,
    /// Jobs that missed their deadline (counted at the deadline).
    pub missed: u32,
    /// Worst response time of a completed job.
    pub worst_response_ns: u64,
    /// Response time of the last completed job.
    pub last_response_ns: u64,
}

/// A state slot: the guest's scheduler state at one scheduling event (64 + 32 x 64 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct RtSlot {
    /// The generation this slot holds; 0 while it is being written.
    pub generation: u64,
    /// The event time t_u.
    pub time_ns: u64,
    /// A(t_u), as reported ([`RT_UNBOUNDED`] if unbounded).
    pub affordable_ns: u64,
    /// Sequence number of the report made with this state.
    pub report_sequence: u64,
    /// Index of the task whose job runs from t_u on, or [`RT_NO_TASK`].
    pub running: u32,
    /// Tasks described (equals `header.task_count`).
    pub task_count: u32,
    /// Guest-defined bits (the Kairos RTOS: bit `i` = task `i`'s head job has run its code).
    pub flags: u64,
    /// Reserved, zero.
    pub reserved: [u64; 2],
    /// Per-task state, `task_count` used.
    pub tasks: [RtTaskState; RT_MAX_TASKS],
}

impl Default for RtSlot {
    fn default() -> Self {
        RtSlot {
            generation: 0,
            time_ns: 0,
            affordable_ns: 0,
            report_sequence: 0,
            running: RT_NO_TASK,
            task_count: 0,
            flags: 0,
            reserved: [0; 2],
            tasks: [RtTaskState::default(); RT_MAX_TASKS],
        }
    }
}

/// One span during which the vCPU did not run although the guest's time went on: its core ran
/// another VM's time partition, or idled between partitions. Times in ns of the virtual counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RtSpan {
    /// When the vCPU was switched out.
    pub start_ns: u64,
    /// When it ran again.
    pub end_ns: u64,
}

/// The supply log (272 bytes at [`RT_SUPPLY_OFFSET`]): the hypervisor's account of when the
/// vCPU did not get its processor. Only the hypervisor writes it, and only while the vCPU is
/// switched out; the guest zeroes it before registering and then only reads it.
///
/// The guest sees real time (CNTVOFF_EL2 stays 0: deadlines are real), so a span is time that
/// passed without the vCPU running: a paravirtual RTOS treats it as a blackout (releases and
/// deadlines happen, nothing executes). Append protocol: the hypervisor writes span
/// `sequence % RT_SUPPLY_SPANS`, adds its length to `stolen_ns`, issues `dmb ishst`, then
/// increments `sequence`. A reader that last saw `seen` reads `sequence`, `dmb ishld`, then the
/// spans `seen..sequence`; if more than [`RT_SUPPLY_SPANS`] came, the oldest are lost and only
/// `stolen_ns` still counts them. The hypervisor resumes a vCPU out of WFI after each span, so
/// a guest that reads the log whenever it wakes loses none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RtSupply {
    /// Spans appended so far.
    pub sequence: u64,
    /// Sum of the lengths of all spans appended so far.
    pub stolen_ns: u64,
    /// The ring: span `n` is at `spans[n % RT_SUPPLY_SPANS]`.
    pub spans: [RtSpan; RT_SUPPLY_SPANS],
}

/// The whole page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(4096))]
pub struct RtPage {
    /// Offset 0.
    pub header: RtHeader,
    /// Offset [`RT_TASKS_OFFSET`].
    pub tasks: [RtTask; RT_MAX_TASKS],
    /// Up to [`RT_SLOTS_OFFSET`].
    pub reserved0: [u8; RT_SLOTS_OFFSET - RT_TASKS_OFFSET - RT_MAX_TASKS * RT_TASK_SIZE],
    /// Offset [`RT_SLOTS_OFFSET`].
    pub slots: [RtSlot; 2],
    /// Offset [`RT_SUPPLY_OFFSET`]: written by the hypervisor only.
    pub supply: RtSupply,
    /// Offset [`RT_RESUME_OFFSET`], written by the hypervisor only: before it enters the
    /// guest's recovery entry after a migration, the instant (ns) its blackout was planned to
    /// end, the start of the supply its prediction counted on; 0 = none. A recovering guest
    /// ends its blackout there, not at the (earlier or later) instant it reads the counter, so
    /// that it lives through exactly the predicted blackout.
    pub resume_ns: u64,
    /// Up to [`RT_PAGE_SIZE`].
    pub reserved1: [u8; RT_PAGE_SIZE - RT_RESUME_OFFSET - RESUME_SIZE],
}

/// Offset of [`RtPage::resume_ns`].
pub const RT_RESUME_OFFSET: usize = RT_SUPPLY_OFFSET + RT_SUPPLY_SIZE;
/// Bytes of [`RtPage::resume_ns`].
const RESUME_SIZE: usize = core::mem::size_of::<u64>();

/// Bytes of [`RtSupply`].
pub const RT_SUPPLY_SIZE: usize = core::mem::size_of::<RtSupply>();

impl RtPage {
    /// An empty page: header filled in for `scheduler`, no task, nothing committed.
    pub const fn new(scheduler: RtScheduler, counter_frequency_hz: u64) -> RtPage {
        const TASK: RtTask = RtTask {
            wcet_ns: 0,
            period_ns: 0,
            deadline_ns: 0,
            offset_ns: 0,
            priority: 0,
            flags: 0,
            job_limit: 0,
        };
        const STATE: RtTaskState = RtTaskState {
            next_release_ns: 0,
            head_release_ns: 0,
            head_remaining_ns: 0,
            latest_release_ns: 0,
            released: 0,
            pending: 0,
            completed: 0,
            missed: 0,
            worst_response_ns: 0,
            last_response_ns: 0,
        };
        const SLOT: RtSlot = RtSlot {
            generation: 0,
            time_ns: 0,
            affordable_ns: 0,
            report_sequence: 0,
            running: RT_NO_TASK,
            task_count: 0,
            flags: 0,
            reserved: [0; 2],
            tasks: [STATE; RT_MAX_TASKS],
        };
        RtPage {
            header: RtHeader {
                magic: RT_PAGE_MAGIC,
                version: RT_PAGE_VERSION,
                size: RT_PAGE_SIZE as u32,
                scheduler: scheduler as u32,
                task_count: 0,
                counter_frequency_hz,
                committed: 0,
                flags: 0,
                origin_ns: 0,
                reserved: 0,
            },
            tasks: [TASK; RT_MAX_TASKS],
            reserved0: [0; RT_SLOTS_OFFSET - RT_TASKS_OFFSET - RT_MAX_TASKS * RT_TASK_SIZE],
            slots: [SLOT; 2],
            supply: RtSupply {
                sequence: 0,
                stolen_ns: 0,
                spans: [RtSpan {
                    start_ns: 0,
                    end_ns: 0,
                }; RT_SUPPLY_SPANS],
            },
            resume_ns: 0,
            reserved1: [0; RT_PAGE_SIZE - RT_RESUME_OFFSET - RESUME_SIZE],
        }
    }
}

/// Offset of state slot `index` (0 or 1) in the page.
pub const fn slot_offset(index: usize) -> usize {
    RT_SLOTS_OFFSET + index * RT_SLOT_SIZE
}

/// Offset in the page of supply span `index` of the ring (see [`RtSupply`]).
pub const fn supply_span_offset(index: usize) -> usize {
    RT_SUPPLY_OFFSET
        + core::mem::offset_of!(RtSupply, spans)
        + index * core::mem::size_of::<RtSpan>()
}

/// The slot a generation lives in.
pub const fn slot_of(generation: u64) -> usize {
    (generation % 2) as usize
}

// The layout is ABI: it must never change by accident.
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(RT_HEADER_SIZE == 64);
    assert!(offset_of!(RtHeader, version) == 8);
    assert!(offset_of!(RtHeader, size) == 12);
    assert!(offset_of!(RtHeader, scheduler) == 16);
    assert!(offset_of!(RtHeader, task_count) == 20);
    assert!(offset_of!(RtHeader, counter_frequency_hz) == 24);
    assert!(offset_of!(RtHeader, committed) == 32);
    assert!(offset_of!(RtHeader, flags) == 40);
    assert!(offset_of!(RtHeader, origin_ns) == 48);
    assert!(RT_TASK_SIZE == 48);
    assert!(offset_of!(RtTask, period_ns) == 8);
    assert!(offset_of!(RtTask, deadline_ns) == 16);
    assert!(offset_of!(RtTask, offset_ns) == 24);
    assert!(offset_of!(RtTask, priority) == 32);
    assert!(offset_of!(RtTask, flags) == 36);
    assert!(offset_of!(RtTask, job_limit) == 40);
    assert!(RT_TASK_STATE_SIZE == 64);
    assert!(offset_of!(RtTaskState, head_release_ns) == 8);
    assert!(offset_of!(RtTaskState, head_remaining_ns) == 16);
    assert!(offset_of!(RtTaskState, latest_release_ns) == 24);
    assert!(offset_of!(RtTaskState, released) == 32);
    assert!(offset_of!(RtTaskState, pending) == 36);
    assert!(offset_of!(RtTaskState, completed) == 40);
    assert!(offset_of!(RtTaskState, missed) == 44);
    assert!(offset_of!(RtTaskState, worst_response_ns) == 48);
    assert!(offset_of!(RtTaskState, last_response_ns) == 56);
    assert!(RT_SLOT_SIZE == 2112);
    assert!(offset_of!(RtSlot, time_ns) == 8);
    assert!(offset_of!(RtSlot, affordable_ns) == 16);
    assert!(offset_of!(RtSlot, report_sequence) == 24);
    assert!(offset_of!(RtSlot, running) == 32);
    assert!(offset_of!(RtSlot, task_count) == 36);
    assert!(offset_of!(RtSlot, flags) == 40);
    assert!(offset_of!(RtSlot, tasks) == 64);
    assert!(offset_of!(RtPage, tasks) == RT_TASKS_OFFSET);
    assert!(offset_of!(RtPage, slots) == RT_SLOTS_OFFSET);
    assert!(slot_offset(1) == 4160);
    assert!(offset_of!(RtPage, supply) == RT_SUPPLY_OFFSET);
    assert!(RT_SUPPLY_OFFSET == 6272);
    assert!(offset_of!(RtPage, resume_ns) == RT_RESUME_OFFSET);
    assert!(RT_RESUME_OFFSET == 6544);
    assert!(RT_SUPPLY_SIZE == 272);
    assert!(size_of::<RtSpan>() == 16);
    assert!(offset_of!(RtSpan, end_ns) == 8);
    assert!(supply_span_offset(1) == 6272 + 16 + 16);
    assert!(offset_of!(RtSupply, stolen_ns) == 8);
    assert!(offset_of!(RtSupply, spans) == 16);
    assert!(size_of::<RtPage>() == RT_PAGE_SIZE);
    assert!(align_of::<RtPage>() as u64 == RT_PAGE_ALIGN);
};

/// Why a header or a task of a page is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageDefect {
    /// `magic` is not [`RT_PAGE_MAGIC`].
    Magic,
    /// `version` is not one this side speaks, or `size` is not [`RT_PAGE_SIZE`].
    Version,
    /// `scheduler` is not an [`RtScheduler`].
    Scheduler,
    /// `task_count` is 0 or above [`RT_MAX_TASKS`].
    TaskCount,
    /// Task `index`: a zero WCET or period, `C > D`, `D > T`, or unknown flags.
    Task {
        /// Index in the table.
        index: usize,
    },
}

impl From<PageDefect> for Error {
    fn from(defect: PageDefect) -> Error {
        match defect {
            PageDefect::Magic | PageDefect::Version => Error::WrongState,
            _ => Error::InvalidParameter,
        }
    }
}

impl RtHeader {
    /// Checks what the hypervisor relies on: magic, version, size, scheduler, task count.
    pub fn check(&self) -> Result<RtScheduler, PageDefect> {
        if self.magic != RT_PAGE_MAGIC {
            return Err(PageDefect::Magic);
        }
        if self.version != RT_PAGE_VERSION || self.size as usize != RT_PAGE_SIZE {
            return Err(PageDefect::Version);
        }
        let scheduler = RtScheduler::from_u32(self.scheduler).ok_or(PageDefect::Scheduler)?;
        if self.task_count == 0 || self.task_count as usize > RT_MAX_TASKS {
            return Err(PageDefect::TaskCount);
        }
        Ok(scheduler)
    }

    /// Decodes the header from the first [`RT_HEADER_SIZE`] bytes of a page.
    pub fn from_bytes(bytes: &[u8; RT_HEADER_SIZE]) -> RtHeader {
        RtHeader {
            magic: u64_at(bytes, 0),
            version: u32_at(bytes, 8),
            size: u32_at(bytes, 12),
            scheduler: u32_at(bytes, 16),
            task_count: u32_at(bytes, 20),
            counter_frequency_hz: u64_at(bytes, 24),
            committed: u64_at(bytes, 32),
            flags: u64_at(bytes, 40),
            origin_ns: u64_at(bytes, 48),
            reserved: u64_at(bytes, 56),
        }
    }
}

impl RtTask {
    /// Checks one task: `0 < C <= D <= T`, no unknown flag.
    pub fn check(&self, index: usize) -> Result<(), PageDefect> {
        let valid = self.wcet_ns > 0
            && self.period_ns > 0
            && self.wcet_ns <= self.deadline_ns
            && self.deadline_ns <= self.period_ns
            && self.flags & !RT_TASK_SPORADIC == 0;
        if valid {
            Ok(())
        } else {
            Err(PageDefect::Task { index })
        }
    }

    /// Whether the task is sporadic.
    pub fn sporadic(&self) -> bool {
        self.flags & RT_TASK_SPORADIC != 0
    }

    /// Decodes a task from its [`RT_TASK_SIZE`] bytes.
    pub fn from_bytes(bytes: &[u8; RT_TASK_SIZE]) -> RtTask {
        RtTask {
            wcet_ns: u64_at(bytes, 0),
            period_ns: u64_at(bytes, 8),
            deadline_ns: u64_at(bytes, 16),
            offset_ns: u64_at(bytes, 24),
            priority: u32_at(bytes, 32),
            flags: u32_at(bytes, 36),
            job_limit: u64_at(bytes, 40),
        }
    }
}

impl RtTaskState {
    /// Decodes a task state from its [`RT_TASK_STATE_SIZE`] bytes.
    pub fn from_bytes(bytes: &[u8; RT_TASK_STATE_SIZE]) -> RtTaskState {
        RtTaskState {
            next_release_ns: u64_at(bytes, 0),
            head_release_ns: u64_at(bytes, 8),
            head_remaining_ns: u64_at(bytes, 16),
            latest_release_ns: u64_at(bytes, 24),
            released: u32_at(bytes, 32),
            pending: u32_at(bytes, 36),
            completed: u32_at(bytes, 40),
            missed: u32_at(bytes, 44),
            worst_response_ns: u64_at(bytes, 48),
            last_response_ns: u64_at(bytes, 56),
        }
    }
}

impl RtTaskState {
    /// The task's active jobs in this state, oldest first, as `(release, remaining)` ns: the
    /// reading every side takes of a slot (the hypervisor's prediction, a C RTOS's analysis).
    /// Backlog job `k` of a periodic task was released at `head_release_ns + k * period_ns`;
    /// of a sporadic one the newest at `latest_release_ns`, the others at the earliest its
    /// minimum separation allows (earlier deadlines: a safe reading). Only the head has run.
    pub fn active_jobs(&self, task: &RtTask) -> impl Iterator<Item = (u64, u64)> + '_ {
        let pending = u64::from(self.pending);
        let (sporadic, period, wcet) = (task.sporadic(), task.period_ns, task.wcet_ns);
        (0..pending).map(move |k| {
            let release = if k + 1 == pending && k > 0 && sporadic {
                self.latest_release_ns
            } else {
                self.head_release_ns
                    .saturating_add(k.saturating_mul(period))
            };
            let remaining = if k == 0 { self.head_remaining_ns } else { wcet };
            (release, remaining)
        })
    }
}

impl RtSlot {
    /// Decodes a slot from its [`RT_SLOT_SIZE`] bytes.
    pub fn from_bytes(bytes: &[u8; RT_SLOT_SIZE]) -> RtSlot {
        let mut slot = RtSlot {
            generation: u64_at(bytes, 0),
            time_ns: u64_at(bytes, 8),
            affordable_ns: u64_at(bytes, 16),
            report_sequence: u64_at(bytes, 24),
            running: u32_at(bytes, 32),
            task_count: u32_at(bytes, 36),
            flags: u64_at(bytes, 40),
            reserved: [u64_at(bytes, 48), u64_at(bytes, 56)],
            ..RtSlot::default()
        };
        for (index, state) in slot.tasks.iter_mut().enumerate() {
            let start = core::mem::offset_of!(RtSlot, tasks) + index * RT_TASK_STATE_SIZE;
            let mut chunk = [0u8; RT_TASK_STATE_SIZE];
            chunk.copy_from_slice(&bytes[start..start + RT_TASK_STATE_SIZE]);
            *state = RtTaskState::from_bytes(&chunk);
        }
        slot
    }
}

fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    u64::from_le_bytes(word)
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(c: u64, t: u64, d: u64) -> RtTask {
        RtTask {
            wcet_ns: c,
            period_ns: t,
            deadline_ns: d,
            ..RtTask::default()
        }
    }

    #[test]
    fn magic_spells_kairosrt() {
        assert_eq!(&RT_PAGE_MAGIC.to_le_bytes(), b"KAIROSRT");
        assert_eq!(RT_PAGE_MAGIC, 0x5452_534f_5249_414b);
    }

    #[test]
    fn a_new_page_passes_its_header_check_once_it_has_tasks() {
        let mut page = RtPage::new(RtScheduler::Edf, 62_500_000);
        assert_eq!(page.header.check(), Err(PageDefect::TaskCount));
        page.header.task_count = 1;
        assert_eq!(page.header.check(), Ok(RtScheduler::Edf));
        page.header.scheduler = 7;
        assert_eq!(page.header.check(), Err(PageDefect::Scheduler));
        page.header.scheduler = 1;
        page.header.version = 2;
        assert_eq!(page.header.check(), Err(PageDefect::Version));
        page.header.magic = 0;
        assert_eq!(page.header.check(), Err(PageDefect::Magic));
        assert_eq!(Error::from(PageDefect::Magic), Error::WrongState);
    }

    #[test]
    fn task_checks() {
        assert!(task(2, 10, 10).check(0).is_ok());
        assert!(task(2, 10, 5).check(0).is_ok());
        assert_eq!(task(0, 10, 10).check(3), Err(PageDefect::Task { index: 3 }));
        assert!(task(2, 0, 0).check(0).is_err());
        assert!(task(6, 10, 5).check(0).is_err(), "C > D");
        assert!(task(2, 10, 11).check(0).is_err(), "D > T");
        let mut sporadic = task(1, 4, 4);
        sporadic.flags = RT_TASK_SPORADIC;
        assert!(sporadic.check(0).is_ok() && sporadic.sporadic());
        sporadic.flags = 2;
        assert!(sporadic.check(0).is_err());
    }

    #[test]
    fn bytes_decode_to_the_same_values() {
        let header = RtHeader {
            magic: RT_PAGE_MAGIC,
            version: 1,
            size: 8192,
            scheduler: 1,
            task_count: 3,
            counter_frequency_hz: 1_000_000_000,
            committed: 9,
            flags: 0,
            origin_ns: 77,
            reserved: 0,
        };
        let mut bytes = [0u8; RT_HEADER_SIZE];
        bytes[0..8].copy_from_slice(&header.magic.to_le_bytes());
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        bytes[12..16].copy_from_slice(&8192u32.to_le_bytes());
        bytes[16..20].copy_from_slice(&1u32.to_le_bytes());
        bytes[20..24].copy_from_slice(&3u32.to_le_bytes());
        bytes[24..32].copy_from_slice(&1_000_000_000u64.to_le_bytes());
        bytes[32..40].copy_from_slice(&9u64.to_le_bytes());
        bytes[48..56].copy_from_slice(&77u64.to_le_bytes());
        assert_eq!(RtHeader::from_bytes(&bytes), header);

        let mut task_bytes = [0u8; RT_TASK_SIZE];
        for (index, value) in [2u64, 10, 9, 1].iter().enumerate() {
            task_bytes[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
        }
        task_bytes[32..36].copy_from_slice(&4u32.to_le_bytes());
        task_bytes[36..40].copy_from_slice(&RT_TASK_SPORADIC.to_le_bytes());
        task_bytes[40..48].copy_from_slice(&5u64.to_le_bytes());
        let decoded = RtTask::from_bytes(&task_bytes);
        assert_eq!(
            decoded,
            RtTask {
                wcet_ns: 2,
                period_ns: 10,
                deadline_ns: 9,
                offset_ns: 1,
                priority: 4,
                flags: 1,
                job_limit: 5
            }
        );

        let mut slot_bytes = [0u8; RT_SLOT_SIZE];
        slot_bytes[0..8].copy_from_slice(&7u64.to_le_bytes());
        slot_bytes[32..36].copy_from_slice(&RT_NO_TASK.to_le_bytes());
        slot_bytes[64 + 64 + 16..64 + 64 + 24].copy_from_slice(&33u64.to_le_bytes());
        let slot = RtSlot::from_bytes(&slot_bytes);
        assert_eq!(slot.generation, 7);
        assert_eq!(slot.running, RT_NO_TASK);
        assert_eq!(slot.tasks[1].head_remaining_ns, 33);
    }

    #[test]
    fn active_jobs_unroll_the_backlog() {
        let state = RtTaskState {
            head_release_ns: 100,
            head_remaining_ns: 3,
            latest_release_ns: 135,
            pending: 3,
            ..RtTaskState::default()
        };
        let mut periodic = task(5, 10, 10);
        let jobs: std::vec::Vec<_> = state.active_jobs(&periodic).collect();
        assert_eq!(jobs, [(100, 3), (110, 5), (120, 5)]);
        periodic.flags = RT_TASK_SPORADIC;
        let jobs: std::vec::Vec<_> = state.active_jobs(&periodic).collect();
        assert_eq!(
            jobs,
            [(100, 3), (110, 5), (135, 5)],
            "the newest at its real release"
        );
        let idle = RtTaskState::default();
        assert_eq!(idle.active_jobs(&periodic).count(), 0);
    }

    #[test]
    fn generations_alternate_slots() {
        assert_eq!(slot_of(1), 1);
        assert_eq!(slot_of(2), 0);
        assert_eq!(slot_offset(0), 2048);
        assert_eq!(slot_offset(1), 4160);
    }
}
