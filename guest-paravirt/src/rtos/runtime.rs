//! The RTOS on the guest: the tick-less event loop, the paravirtual reports, recovery.
//!
//! The loop sleeps (WFI with the virtual timer armed) until the next event — the earliest
//! release, running job's completion or active job's deadline — then lets [`Schedule`] handle
//! it, runs a newly dispatched job's code, computes A(t), commits the checkpoint and reports.
//! Synthetic jobs only occupy their core, so a job "runs" while the core sleeps and preemption
//! is simply a new event coming first. Event times are the schedule's, not the instant the core
//! woke: the kernel's own overhead is absorbed, and under `-icount` runs are exact.
//!
//! Under time partitions the hypervisor switches the vCPU out for spans of real time and logs
//! them in the page (`supply`). The loop wakes from WFI on anything, reads the log, and before
//! handling any later event applies each new span `[s, e)` as a blackout: the events up to `s`
//! with the processor, one by one with the usual per-event work, then `Schedule::resume(e)`
//! (releases and deadlines in the span happen, nothing executes), then the per-event work at
//! `e` (new code, commit, report), so the hypervisor's checkpoint includes the span. Only then
//! does it recompute the next event (a completion moves later) and sleep or handle it. Job code
//! is charged its run time less the time stolen meanwhile.
//!
//! Console lines (parsed by the QEMU tests; each under the hypervisor's 200-character line):
//! - `TASKSET <scheduler> n=<tasks> origin=<ns> source=<dt|demo>` and one
//!   `TASK <i> <name> C=<ns> T=<ns> D=<ns> O=<ns> P=<priority> S=<0|1> J=<jobs|0>` per task;
//! - `MISS <task> <job> release=<ns> at=<ns>` for each deadline miss;
//! - with `kairos,debug`, at every event `SAMPLE <seq> t=<ns> a=<ns|inf> exact=<0|1>
//!   steps=<n> run=<task|-> slack_ticks=<n> slack_ns=<n> commit_ns=<n> report_ns=<n>`, then
//!   `SAMPLE <seq> job <task> <job> <release> <deadline> <remaining>` per active job and
//!   `SAMPLE <seq> next <first task> <release>...` (8 per line);
//! - `RECOVERED from=<t_u> at=<t_r> generation=<g>` after a blackout;
//! - `SUPPLY lost=<spans> ns=<ns>` when the supply log overflowed (the lost time is applied as
//!   dark right before the first span kept), and with `kairos,debug` `SPAN start=<ns> end=<ns>`
//!   for each span applied (clipped to the schedule's time);
//! - `RESULT <task> <name> released=<n> completed=<n> missed=<n> worst=<ns> last=<ns>` per task
//!   and `DONE jobs=<n> misses=<n> events=<n> stack_peak=<bytes> dark=<spans>/<ns>` (the spans
//!   read from the supply log and their total length) before powering off, with the mean and
//!   worst costs per event in `COSTS ...`.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

use hypercall_abi::rt_page::RtPage;
use partition_config::BlackoutInjection;

use super::config::Setup;
use super::engine::{Cpu, Observer, Schedule};
use super::paravirt::{EventCost, Paravirt};
use super::supply;
use super::task::{JobInfo, Occupy, TaskBody, Time, NEVER};
use crate::arch::aarch64::timer;
use crate::paravirt::psci;
use crate::{print, println, recovery};

/// Memory of one vCPU's kernel: plain cells (no atomics with the MMU off).
struct Global<T>(UnsafeCell<T>);

// SAFETY: the RTOS runs on one vCPU with interrupts masked: nothing touches these concurrently.
unsafe impl<T> Sync for Global<T> {}

/// The real-time page shared with the hypervisor (zero until [`start`] describes it).
// SAFETY: an all-zero `RtPage` is valid: it is made of integers only.
static PAGE: Global<RtPage> = Global(UnsafeCell::new(unsafe { core::mem::zeroed() }));

/// The kernel, kept in RAM so that the recovery entry finds it.
static KERNEL: Global<Option<Kernel>> = Global(UnsafeCell::new(None));

/// Running sums of the per-event costs, in counter ticks.
#[derive(Default)]
struct Costs {
    events: u64,
    slack_sum: u64,
    slack_max: u64,
    commit_sum: u64,
    commit_max: u64,
    report_sum: u64,
    report_max: u64,
    steps_max: u32,
    inexact: u64,
}

impl Costs {
    fn add(&mut self, slack: u64, commit: u64, report: u64, steps: u32, exact: bool) {
        self.events += 1;
        self.slack_sum += slack;
        self.slack_max = self.slack_max.max(slack);
        self.commit_sum += commit;
        self.commit_max = self.commit_max.max(commit);
        self.report_sum += report;
        self.report_max = self.report_max.max(report);
        self.steps_max = self.steps_max.max(steps);
        self.inexact += u64::from(!exact);
    }
}

/// The kernel: the schedule and everything around it.
struct Kernel {
    schedule: Schedule,
    names: Vec<String>,
    bodies: Vec<&'static dyn TaskBody>,
    paravirt: Paravirt,
    debug: bool,
    inject: Option<BlackoutInjection>,
    frequency_hz: u64,
    costs: Costs,
    /// Spans read from the supply log, and their total length in ns.
    dark: (u64, u64),
}

/// Tells the console and the hypervisor about misses as the schedule finds them.
struct Reporter<'p>(&'p Paravirt);

impl Observer for Reporter<'_> {
    fn missed(&mut self, task: usize, job: u64, release: Time, time: Time) {
        println!("MISS {task} {job} release={release} at={time}");
        self.0.on_miss(task, job, release);
    }
}

fn page() -> *mut RtPage {
    PAGE.0.get()
}

/// Starts the RTOS with `setup`, each task running `bodies[i]`. Never returns: the VM powers
/// off once every task has run its `kairos,jobs` (a task without a limit runs for ever).
pub fn start(setup: Setup, bodies: Vec<&'static dyn TaskBody>, source: &str) -> ! {
    let frequency_hz = timer::frequency_hz();
    if frequency_hz == 0 {
        crate::fatal::stop(format_args!("rtos: CNTFRQ_EL0 is 0: no time base"));
    }
    let origin = timer::now_ns();
    let schedule = match Schedule::new(setup.policy, &setup.params, origin) {
        Ok(schedule) => schedule,
        Err(error) => crate::fatal::stop(format_args!("rtos: {error:?}")),
    };
    println!(
        "TASKSET {} n={} origin={origin} source={source}",
        setup.scheduler,
        setup.params.len()
    );
    for (index, (params, name)) in setup.params.iter().zip(&setup.names).enumerate() {
        let task = &params.task;
        println!(
            "TASK {index} {name} C={} T={} D={} O={} P={} S={} J={}",
            task.wcet,
            task.period,
            task.deadline,
            task.offset,
            task.priority,
            u8::from(task.sporadic),
            params.job_limit.unwrap_or(0)
        );
    }
    // SAFETY: one vCPU; the page is the kernel's and this is its only borrow (the paravirtual
    // layer keeps it from now on).
    let (paravirt, registered) = Paravirt::register(&schedule, unsafe { &mut *page() }, recover);
    match registered {
        Ok(tasks) => println!(
            "rtos: real-time page at {:#x} registered ({tasks} tasks)",
            paravirt.page_address()
        ),
        Err(error) => println!(
            "rtos: the hypervisor refused the real-time page: {}; running unreported",
            error.name()
        ),
    }
    let kernel = Kernel {
        schedule,
        names: setup.names,
        bodies,
        paravirt,
        debug: setup.debug,
        inject: setup.inject_blackout,
        frequency_hz,
        costs: Costs::default(),
        dark: (0, 0),
    };
    // SAFETY: one vCPU; nothing borrows the kernel cell yet.
    let kernel = unsafe {
        *KERNEL.0.get() = Some(kernel);
        (*KERNEL.0.get()).as_mut().unwrap_unchecked()
    };
    kernel
        .schedule
        .advance_to(origin, Cpu::Available, &mut Reporter(&kernel.paravirt));
    kernel.event();
    kernel.run()
}

/// The recovery hook: the vCPU was restarted at the recovery entry with `x0` = the page.
fn recover(argument: u64) -> ! {
    // SAFETY: one vCPU; the frames that borrowed the kernel before the blackout are gone.
    let Some(kernel) = (unsafe { (*KERNEL.0.get()).as_mut() }) else {
        crate::fatal::stop(format_args!("rtos: recovery before the kernel started"));
    };
    // The spans logged so far end before `now`, inside the blackout resumed below; later ones
    // start after this look at the log.
    kernel.paravirt.resync_supply();
    let now = timer::now_ns();
    let Some(generation) = kernel.paravirt.restore(&mut kernel.schedule, argument) else {
        crate::fatal::stop(format_args!(
            "rtos: no committed checkpoint in the page at {argument:#x}"
        ));
    };
    let from = kernel.schedule.now();
    // The blackout ends where the hypervisor planned it (its prediction's supply starts there),
    // not where this code happens to read the counter; waiting for it if it is still ahead.
    let planned = kernel.paravirt.planned_resume();
    let end = if planned > from { planned } else { now };
    if end > now {
        timer::sleep_until_ns(end);
    }
    println!("RECOVERED from={from} at={end} generation={generation}");
    kernel.schedule.resume(end, &mut Reporter(&kernel.paravirt));
    kernel.event();
    kernel.run()
}

impl Kernel {
    /// The event loop.
    fn run(&mut self) -> ! {
        loop {
            let next = self.schedule.next_event(Cpu::Available);
            if next == NEVER {
                self.finish();
            }
            // The counter is read before the log: a span logged after this look started later,
            // so if `next` was reached, no unseen span precedes it.
            let reached = timer::wait_until_ns(next);
            if self.apply_supply() || !reached {
                continue;
            }
            self.schedule
                .advance_to(next, Cpu::Available, &mut Reporter(&self.paravirt));
            self.event();
        }
    }

    /// Applies the spans the hypervisor logged since the last look, each as a blackout, with
    /// the per-event work at every event up to its start and at its end. Returns whether the
    /// log had any.
    fn apply_supply(&mut self) -> bool {
        let new = self.paravirt.new_spans();
        if new.is_empty() {
            return false;
        }
        self.dark = (self.dark.0 + new.appended, self.dark.1 + new.stolen_ns);
        if new.lost > 0 {
            println!("SUPPLY lost={} ns={}", new.lost, new.lost_ns);
        }
        for (start, end) in new.blackouts() {
            let Some((start, end)) = supply::clip(start, end, self.schedule.now()) else {
                continue;
            };
            if self.debug {
                println!("SPAN start={start} end={end}");
            }
            while self
                .schedule
                .step_toward(start, &mut Reporter(&self.paravirt))
            {
                self.event();
            }
            // A span may end ahead (a live move, resumed just before its planned instant):
            // the blackout lasts until then, exactly as planned.
            if end > timer::now_ns() {
                timer::sleep_until_ns(end);
            }
            self.schedule.resume(end, &mut Reporter(&self.paravirt));
            self.event();
        }
        true
    }

    /// After the events of `schedule.now()`: run new code, report, checkpoint, inject.
    fn event(&mut self) {
        self.run_code();
        let cost = self.paravirt.on_event(&self.schedule);
        self.costs.add(
            cost.slack,
            cost.commit,
            cost.report,
            cost.analysis.steps,
            cost.analysis.exact,
        );
        if self.debug {
            self.sample(&cost);
        }
        if let Some(injection) = self
            .inject
            .filter(|i| self.schedule.now() >= self.schedule.origin() + i.at_ns)
        {
            self.inject = None;
            let from = self.schedule.now();
            println!("BLACKOUT from={from} for={}", injection.duration_ns);
            timer::sleep_until_ns(from + injection.duration_ns);
            recovery::restart_at_entry(self.paravirt.page_address());
        }
    }

    /// Runs the code of a job dispatched for the first time, and charges its time.
    fn run_code(&mut self) {
        let Some(task) = self.schedule.running() else {
            return;
        };
        let state = self.schedule.states()[task];
        if state.started {
            return;
        }
        let params = self.schedule.params()[task];
        let job = JobInfo {
            task,
            job: state.head_job(),
            release: state.head_release,
            deadline: state.head_release + params.task.deadline,
        };
        // Time stolen while the body ran (the vCPU switched out) is not its execution; the
        // spans are applied to the schedule when next read. (Read inside the counter reads: a
        // span between two reads is charged, never subtracted from time it is not in.)
        let start = timer::now();
        let stolen = self.paravirt.stolen_ns();
        let occupy = self.bodies[task].run(&job);
        let stolen = self.paravirt.stolen_ns().saturating_sub(stolen);
        let ticks = timer::now() - start;
        let elapsed = crate::time::ns_from_ticks(self.frequency_hz, ticks).saturating_sub(stolen);
        let remaining = match occupy {
            Occupy::Wcet => state.head_remaining.max(elapsed),
            Occupy::Done => elapsed,
            Occupy::For(more) => elapsed + more,
        };
        self.schedule.set_running_remaining(remaining);
    }

    /// Prints the state and A(t) of this event (debug mode).
    fn sample(&self, cost: &EventCost) {
        let (affordable, exact, steps) =
            (cost.affordable, cost.analysis.exact, cost.analysis.steps);
        let costs = (cost.slack, cost.commit, cost.report);
        let sequence = self.paravirt.sequence();
        let ns = |ticks| crate::time::ns_from_ticks(self.frequency_hz, ticks);
        let running = self.schedule.running();
        print!("SAMPLE {sequence} t={} a=", self.schedule.now());
        if affordable == u64::MAX {
            print!("inf");
        } else {
            print!("{affordable}");
        }
        match running {
            Some(task) => print!(" exact={} steps={steps} run={task}", u8::from(exact)),
            None => print!(" exact={} steps={steps} run=-", u8::from(exact)),
        }
        println!(
            " slack_ticks={} slack_ns={} commit_ns={} report_ns={}",
            costs.0,
            ns(costs.0),
            ns(costs.1),
            ns(costs.2)
        );
        for (task, job, release, deadline, remaining) in self.schedule.active_jobs() {
            println!("SAMPLE {sequence} job {task} {job} {release} {deadline} {remaining}");
        }
        let origin = self.schedule.origin();
        let releases: Vec<Time> = self
            .schedule
            .params()
            .iter()
            .zip(self.schedule.states())
            .map(|(params, state)| state.earliest_next_release(params, origin))
            .collect();
        for (chunk_index, chunk) in releases.chunks(8).enumerate() {
            print!("SAMPLE {sequence} next {}", chunk_index * 8);
            for release in chunk {
                print!(" {release}");
            }
            println!();
        }
    }

    /// Every task is done: the summary, then power off.
    fn finish(&self) -> ! {
        let (mut jobs, mut misses) = (0, 0);
        for (index, (state, name)) in self.schedule.states().iter().zip(&self.names).enumerate() {
            println!(
                "RESULT {index} {name} released={} completed={} missed={} worst={} last={}",
                state.released,
                state.completed,
                state.missed,
                state.worst_response,
                state.last_response
            );
            jobs += state.released;
            misses += state.missed;
        }
        let c = &self.costs;
        let ns = |ticks| crate::time::ns_from_ticks(self.frequency_hz, ticks);
        let mean = |sum: u64| ns(sum / c.events.max(1));
        println!(
            "COSTS events={} slack_mean_ns={} slack_max_ns={} steps_max={} inexact={} commit_mean_ns={} report_mean_ns={} report_max_ns={}",
            c.events,
            mean(c.slack_sum),
            ns(c.slack_max),
            c.steps_max,
            c.inexact,
            mean(c.commit_sum),
            mean(c.report_sum),
            ns(c.report_max)
        );
        println!(
            "DONE jobs={jobs} misses={misses} events={} stack_peak={} dark={}/{}",
            c.events,
            crate::arch::aarch64::stack_peak(),
            self.dark.0,
            self.dark.1
        );
        psci::system_off()
    }
}
