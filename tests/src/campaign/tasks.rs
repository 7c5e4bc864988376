//! Random schedulable task sets for the campaign's RTOS VMs: UUniFast utilisations up to 0.8,
//! log-uniform periods of 2 to 20 ms, whole microseconds, checked exactly schedulable on a
//! whole core by `rt-analysis` under the scheduler the guest will use.

use super::layout::{Scheduler, TaskSpec};
use rt_analysis::uunifast::{generate, Deadlines, Generate, Periods, XorShift64Star};
use rt_analysis::{demand, Task, TaskSet};

/// Highest total utilisation drawn.
pub const MAX_UTILIZATION: f64 = 0.8;
/// Shortest WCET, in microseconds (shorter jobs are all overhead).
const MIN_WCET_US: u64 = 50;

/// Draws 1 to 3 tasks for `scheduler` with a utilisation of at most `most` (up to 0.8); each
/// runs `jobs_for(period_us, utilisation of the set)` jobs.
pub fn draw(
    rng: &mut XorShift64Star,
    scheduler: Scheduler,
    most: f64,
    jobs_for: impl Fn(u32, f64) -> u32,
) -> Vec<TaskSpec> {
    let most = most.min(MAX_UTILIZATION);
    loop {
        let spec = Generate {
            tasks: rng.between(1, 3) as usize,
            utilization: 0.1 + (most - 0.1) * rng.next_f64(),
            periods: Periods::LogUniform {
                min: 2_000_000,
                max: 20_000_000,
                granularity: 100_000,
            },
            deadlines: match scheduler {
                Scheduler::DeadlineMonotonic => Deadlines::Constrained,
                Scheduler::RateMonotonic => Deadlines::Implicit,
                Scheduler::Edf if rng.below(2) == 0 => Deadlines::Implicit,
                Scheduler::Edf => Deadlines::Constrained,
            },
            offsets: false,
            scheduler: rt_analysis::Scheduler::Edf,
        };
        let Ok(set) = generate(rng, &spec) else {
            continue;
        };
        let mut tasks: Vec<TaskSpec> = set
            .tasks()
            .iter()
            .map(|task| {
                let wcet = (task.wcet / 1000).max(MIN_WCET_US);
                TaskSpec {
                    wcet_us: wcet as u32,
                    period_us: (task.period / 1000) as u32,
                    deadline_us: (task.deadline / 1000).max(wcet) as u32,
                    jobs: 0,
                }
            })
            .collect();
        if schedulable(&tasks, scheduler, most) {
            let utilization: f64 = tasks
                .iter()
                .map(|t| f64::from(t.wcet_us) / f64::from(t.period_us))
                .sum();
            for task in tasks.iter_mut() {
                task.jobs = jobs_for(task.period_us, utilization);
            }
            return tasks;
        }
    }
}

/// True when `tasks` (U <= `most`) meet every deadline on a whole core under `scheduler`.
pub fn schedulable(tasks: &[TaskSpec], scheduler: Scheduler, most: f64) -> bool {
    let mut list: Vec<Task> = tasks
        .iter()
        .map(|t| {
            Task::periodic(u64::from(t.wcet_us) * 1000, u64::from(t.period_us) * 1000)
                .with_deadline(u64::from(t.deadline_us) * 1000)
        })
        .collect();
    let kind = match scheduler {
        Scheduler::Edf => rt_analysis::Scheduler::Edf,
        Scheduler::RateMonotonic => {
            rt_analysis::rate_monotonic_priorities(&mut list);
            rt_analysis::Scheduler::FixedPriority
        }
        Scheduler::DeadlineMonotonic => {
            rt_analysis::deadline_monotonic_priorities(&mut list);
            rt_analysis::Scheduler::FixedPriority
        }
    };
    TaskSet::new(list, kind)
        .is_ok_and(|set| set.utilization_ppm() <= (most * 1e6) as u64 && demand::schedulable(&set))
}
