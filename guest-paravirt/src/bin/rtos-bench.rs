//! `rtos-bench`: what the RTOS's paravirtual layer costs, measured on the virtual counter.
//!
//! Under `-icount shift=0,sleep=off` with a 1 GHz counter (`scripts/bench-rtos.sh`), one tick
//! is one instruction, so every figure is exact and repeats run to run. Prints
//! `BENCH <name> <ticks>` lines:
//! - `null_hypercall`, `rt_report`: the smallest round trip of the Version call and of the slack
//!   report (not traced: the hypervisor traces a sampled few), over many calls;
//! - for n = 2, 4, 8, 16, 32 tasks (U = 0.6, EDF and deadline monotonic): the online slack
//!   computation at every scheduling event of 400 events of the schedule, `slack_<edf|fp>_n<n>_mean`
//!   and `_max` (ticks) and `_steps` (worst scan length), and the checkpoint commit `commit_n<n>`.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("rtos-bench is a Kairos guest image: build it with --target aarch64-unknown-none");
}

#[cfg(target_os = "none")]
mod guest {
    extern crate alloc;

    use alloc::vec::Vec;
    use core::cell::UnsafeCell;

    use guest_paravirt::arch::aarch64::timer;
    use guest_paravirt::paravirt::{hypercall, psci, rt_register, rt_report, Function};
    use guest_paravirt::println;
    use guest_paravirt::rtos::checkpoint::{commit, describe};
    use guest_paravirt::rtos::slack::{SlackEngine, DEFAULT_MAX_STEPS};
    use guest_paravirt::rtos::{Cpu, Policy, Schedule, Silent, TaskParams};
    use hypercall_abi::rt_page::RtPage;
    use rt_analysis::{deadline_monotonic_priorities, Task};

    /// Calls per round-trip measurement.
    const CALLS: usize = 64;
    /// Scheduling events per task-set size.
    const EVENTS: usize = 400;
    /// Periods, in ms, dealt out to the tasks in turn (hyperperiod 200 ms).
    const PERIODS_MS: [u64; 7] = [5, 10, 20, 25, 40, 50, 100];

    /// The real-time page (a static: 8 KiB is too large for the stack).
    struct PageCell(UnsafeCell<RtPage>);
    // SAFETY: one vCPU; `guest_main` takes the only reference.
    unsafe impl Sync for PageCell {}
    // SAFETY: an all-zero `RtPage` is valid (integers only).
    static PAGE: PageCell = PageCell(UnsafeCell::new(unsafe { core::mem::zeroed() }));

    /// The smallest counter delta of `work` over [`CALLS`] runs, less the cost of the reads.
    fn smallest(work: impl FnMut()) -> u64 {
        timer::smallest_delta(CALLS, work)
    }

    /// `n` tasks with U = 0.6 in all; deadline-monotonic priorities for `FixedPriority`.
    fn task_set(n: usize, policy: Policy) -> Vec<TaskParams> {
        let mut tasks: Vec<Task> = (0..n)
            .map(|index| {
                let period = PERIODS_MS[index % PERIODS_MS.len()] * 1_000_000;
                let wcet = (period * 600 / 1000 / n as u64).max(1000) / 1000 * 1000;
                let deadline = if index % 3 == 2 {
                    (period * 9 / 10).max(wcet)
                } else {
                    period
                };
                Task::periodic(wcet, period).with_deadline(deadline)
            })
            .collect();
        if policy == Policy::FixedPriority {
            deadline_monotonic_priorities(&mut tasks);
        }
        tasks.into_iter().map(TaskParams::from).collect()
    }

    /// Mean and worst slack computation and worst steps over [`EVENTS`] events, and the mean
    /// commit cost, for `n` tasks.
    fn slack_costs(n: usize, policy: Policy, page: &mut RtPage) -> (u64, u64, u32, u64) {
        let params = task_set(n, policy);
        let mut schedule = Schedule::new(policy, &params, 0).expect("1 to 32 tasks");
        let mut engine = match SlackEngine::new(&schedule, DEFAULT_MAX_STEPS) {
            Ok(engine) => engine,
            Err(error) => guest_paravirt::fatal::stop(format_args!("n={n}: {error}")),
        };
        describe(page, &schedule, timer::frequency_hz());
        let (mut sum, mut worst, mut steps, mut commits) = (0u64, 0u64, 0u32, 0u64);
        for event in 0..EVENTS {
            let next = schedule.next_event(Cpu::Available);
            schedule.advance_to(next, Cpu::Available, &mut Silent);
            let start = timer::now();
            let report = engine.compute(&schedule);
            let computed = timer::now();
            commit(page, &schedule, 0, event as u64 + 1);
            commits += timer::now() - computed;
            let cost = computed - start;
            sum += cost;
            worst = worst.max(cost);
            steps = steps.max(report.steps);
        }
        (sum / EVENTS as u64, worst, steps, commits / EVENTS as u64)
    }

    #[no_mangle]
    extern "C" fn guest_main(_dtb: u64) -> ! {
        println!("BENCH counter_hz {}", timer::frequency_hz());
        println!(
            "BENCH null_hypercall {}",
            smallest(|| {
                let _ = hypercall(Function::Version, [0; 6]);
            })
        );
        // SAFETY: one vCPU, and this is the only reference to the page.
        let page = unsafe { &mut *PAGE.0.get() };
        // Register a small set so that reports are accepted.
        let schedule = Schedule::new(Policy::Edf, &task_set(2, Policy::Edf), timer::now_ns())
            .expect("2 tasks");
        describe(page, &schedule, timer::frequency_hz());
        let page_address = page as *const RtPage as u64;
        if let Err(error) = rt_register(page_address) {
            println!("rtos-bench: registration refused: {}", error.name());
        }
        let mut sequence = 0;
        let _ = rt_report(1, timer::now_ns(), 0, 0); // the first report is always traced
        println!(
            "BENCH rt_report {}",
            smallest(|| {
                sequence += 1;
                let _ = rt_report(1_000_000, timer::now_ns(), sequence, sequence);
            })
        );
        for policy in [Policy::Edf, Policy::FixedPriority] {
            let name = if policy == Policy::Edf { "edf" } else { "fp" };
            for n in [2, 4, 8, 16, 32] {
                let (mean, worst, steps, commit) = slack_costs(n, policy, page);
                println!("BENCH slack_{name}_n{n}_mean {mean}");
                println!("BENCH slack_{name}_n{n}_max {worst}");
                println!("BENCH slack_{name}_n{n}_steps {steps}");
                if policy == Policy::Edf {
                    println!("BENCH commit_n{n} {commit}");
                }
            }
        }
        println!(
            "BENCH guest_heap_used {}",
            guest_paravirt::heap::HEAP.used()
        );
        println!(
            "BENCH guest_stack_peak {}",
            guest_paravirt::arch::aarch64::stack_peak()
        );
        println!("BENCH done");
        psci::system_off()
    }
}
