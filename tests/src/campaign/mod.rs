//! The fault campaign (issue 11; docs/fault-campaign.md): seeded random layouts with one, two
//! simultaneous or cascading faults, each booted with and without its fault plan under QEMU,
//! and checked from the trace: no hang, no panic, no false detection, every VM of a failed core
//! accounted for, no two VMs in one room, and misses per migration as predicted.
//!
//! `generate` makes a layout from a seed, `runner` boots it, `check` (with `detection`,
//! `accounting`, `rooms` and `misses`) judges it, `report` sums the verdicts.

pub mod accounting;
pub mod check;
pub mod detection;
pub mod generate;
pub mod layout;
pub mod misses;
pub mod report;
pub mod rooms;
pub mod runner;
pub mod tasks;
pub mod trace;
pub mod verdict;

pub use generate::generate;
pub use layout::Layout;
pub use report::Report;
pub use verdict::{Category, Verdict};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Host timeout of one QEMU boot: a healthy layout takes a few seconds even on a loaded
/// two-core machine; past this the run is a hang.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(40);

/// Generates, runs and checks layout `seed`.
pub fn run_one(seed: u64, timeout: Duration) -> (Layout, Verdict) {
    let layout = generate(seed);
    let verdict = match runner::run(&layout, timeout) {
        Ok(runs) => check::check(&layout, &runs),
        Err(error) => Verdict {
            seed,
            config: layout.dts(&[]),
            failures: vec![verdict::Failure {
                category: Category::Harness,
                run: verdict::Which::Faulty,
                reason: error,
            }],
            figures: Default::default(),
        },
    };
    (layout, verdict)
}

/// Runs layouts `first_seed .. first_seed + count` on `threads` threads; `progress` sees each
/// verdict as it comes.
pub fn run_campaign(
    first_seed: u64,
    count: u64,
    threads: usize,
    timeout: Duration,
    progress: impl Fn(&Layout, &Verdict) + Sync,
) -> Report {
    let next = AtomicU64::new(0);
    let report = Mutex::new(Report::default());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let (layout, verdict) = run_one(first_seed.wrapping_add(index), timeout);
                progress(&layout, &verdict);
                report.lock().unwrap().add(&layout, verdict);
            });
        }
    });
    report.into_inner().unwrap()
}

/// Threads to run layouts on: one per host core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
