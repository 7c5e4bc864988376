//! The RTOS's paravirtual hooks, all in one place: register the task set, report A(t) with a
//! committed checkpoint at every scheduling event, report misses, restore after a blackout, and
//! read the supply log (the spans the vCPU was switched out for, see [`super::supply`]).
//!
//! This file, with `checkpoint.rs`, `slack.rs`, `paravirt/realtime.rs`, `recovery.rs` and
//! `arch/aarch64/recover.rs`, is what paravirtualizing the kernel took (counted in PARAVIRT.md);
//! the kernel calls it from five places: start, every event, every miss, the recovery hook,
//! every wake-up (the supply log; its pure part is `supply.rs`).

use hypercall_abi::rt_page::{RtPage, RtSupply};
use rt_analysis::online::SlackReport;

use super::checkpoint;
use super::engine::Schedule;
use super::slack::{encode, SlackEngine, DEFAULT_MAX_STEPS};
use super::supply::{self, NewSpans, SupplyCursor};
use crate::arch::aarch64::timer;
use crate::paravirt::{rt_checkpoint, rt_deadline_miss, rt_register, rt_report, Error};
use crate::recovery;

/// What one event's report cost, in counter ticks, and what the analysis said.
#[derive(Clone, Copy, Debug)]
pub struct EventCost {
    /// Computing A(t).
    pub slack: u64,
    /// Committing the checkpoint.
    pub commit: u64,
    /// The `RtReport` hypercall.
    pub report: u64,
    /// The analysis result.
    pub analysis: SlackReport,
    /// A(t) as reported.
    pub affordable: u64,
}

/// The paravirtual side of the kernel.
pub struct Paravirt {
    page: *mut RtPage,
    slack: SlackEngine,
    sequence: u64,
    reporting: bool,
    supply: SupplyCursor,
}

impl Paravirt {
    /// Describes `schedule` in `page`, registers it, and sets the recovery point (`hook` runs at
    /// the recovery entry with the page's address). Without a hypervisor that accepts the page
    /// the kernel runs unreported (`Err` says why); A(t) is still computed.
    pub fn register(
        schedule: &Schedule,
        page: &'static mut RtPage,
        hook: fn(u64) -> !,
    ) -> (Paravirt, Result<u64, Error>) {
        let slack = match SlackEngine::new(schedule, DEFAULT_MAX_STEPS) {
            Ok(slack) => slack,
            Err(error) => crate::fatal::stop(format_args!(
                "rtos: task set refused by the analysis: {error}"
            )),
        };
        // Zeroes the whole page first, the supply log included: the cursor starts at 0.
        checkpoint::describe(page, schedule, timer::frequency_hz());
        let page: *mut RtPage = page;
        let registered = rt_register(page as u64);
        recovery::set_hook(hook);
        let registered = registered.and_then(|tasks| {
            rt_checkpoint(recovery::entry_address(), page as u64, 0).map(|()| tasks)
        });
        let reporting = registered.is_ok();
        (
            Paravirt {
                page,
                slack,
                sequence: 0,
                reporting,
                supply: SupplyCursor::default(),
            },
            registered,
        )
    }

    /// The page's guest-physical address.
    pub fn page_address(&self) -> u64 {
        self.page as u64
    }

    /// At a scheduling event: computes A(now), commits the state as a checkpoint, reports.
    pub fn on_event(&mut self, schedule: &Schedule) -> EventCost {
        let start = timer::now();
        let analysis = self.slack.compute(schedule);
        let computed = timer::now();
        self.sequence += 1;
        let affordable = encode(analysis.slack);
        // SAFETY: the page is the kernel's, borrowed for the commit only.
        let generation = checkpoint::commit(
            unsafe { &mut *self.page },
            schedule,
            affordable,
            self.sequence,
        );
        let committed = timer::now();
        if self.reporting {
            let _ = rt_report(affordable, schedule.now(), self.sequence, generation);
        }
        let reported = timer::now();
        EventCost {
            slack: computed - start,
            commit: committed - computed,
            report: reported - committed,
            analysis,
            affordable,
        }
    }

    /// A job missed its deadline.
    pub fn on_miss(&self, task: usize, job: u64, release: u64) {
        if self.reporting {
            let _ = rt_deadline_miss(task as u64, release, job);
        }
    }

    /// After a restart at the recovery entry with `argument`: puts `schedule` back in its last
    /// committed state. Returns the checkpoint's generation; `None` if `argument` is not this
    /// page or nothing intact was committed.
    pub fn restore(&mut self, schedule: &mut Schedule, argument: u64) -> Option<u64> {
        if argument != self.page as u64 {
            return None;
        }
        // SAFETY: the page is the kernel's, borrowed for the restore only.
        let slot = checkpoint::latest(unsafe { &*self.page })?;
        checkpoint::restore(schedule, slot);
        self.sequence = slot.report_sequence;
        Some(slot.generation)
    }

    /// The page's supply log, written by the hypervisor (read it with volatile loads only).
    fn supply_log(&self) -> *const RtSupply {
        // SAFETY: `page` points to the kernel's page; only the field's address is taken.
        unsafe { core::ptr::addr_of!((*self.page).supply) }
    }

    /// The dark spans the hypervisor logged since the last call (or registration, or recovery).
    pub fn new_spans(&mut self) -> NewSpans {
        let log = self.supply_log();
        // SAFETY: the log is in the kernel's page, valid and aligned for as long as it runs.
        if unsafe { supply::sequence(log) } == self.supply.sequence {
            return NewSpans::default();
        }
        // SAFETY: as above.
        self.supply.take(&unsafe { supply::snapshot(log) })
    }

    /// Time stolen from the vCPU so far (the log's `stolen_ns`), to charge job code net of it.
    pub fn stolen_ns(&self) -> u64 {
        // SAFETY: the log is in the kernel's page, valid and aligned for as long as it runs.
        unsafe { supply::stolen_ns(self.supply_log()) }
    }

    /// The planned end of the blackout the hypervisor wrote before a recovery entry (0: none).
    pub fn planned_resume(&self) -> u64 {
        // SAFETY: the page is the kernel's, valid and aligned while it runs; the hypervisor
        // writes this word only while the vCPU is not running, so a volatile read sees it whole.
        unsafe { core::ptr::addr_of!((*self.page).resume_ns).read_volatile() }
    }

    /// Marks every span logged so far as seen: after a recovery, the spans before the restart
    /// fall in the recovery's own blackout and must not be applied again.
    pub fn resync_supply(&mut self) {
        // SAFETY: the log is in the kernel's page, valid and aligned for as long as it runs.
        self.supply = SupplyCursor::at(&unsafe { supply::snapshot(self.supply_log()) });
    }

    /// The number of the last report (also the last committed generation).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Whether the hypervisor takes the reports.
    pub fn reporting(&self) -> bool {
        self.reporting
    }
}
