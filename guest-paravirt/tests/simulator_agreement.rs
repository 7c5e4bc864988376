//! The guest's scheduler against `rt-analysis`'s simulator: same state at every instant, and
//! the same deadline misses after a blackout (the recovery re-sync rule), for random periodic
//! task sets under EDF and fixed priority. Also: A(t) from the guest's state is the longest
//! blackout the simulator survives.

mod common;

use common::Count;
use guest_paravirt::rtos::slack::{task_set, SlackEngine};
use guest_paravirt::rtos::{Cpu, Observer, Policy, Schedule, TaskParams, Time};
use rt_analysis::demand::{edf_schedulable, fp_schedulable};
use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::{simulate, Blackout};
use rt_analysis::{deadline_monotonic_priorities, JobState, SimState, Slack, Task};

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const US: Time = 1000;

/// A random periodic task set with U <= ~0.95 and small hyperperiod (periods from a fixed menu).
fn random_set(rng: &mut Rng, policy: Policy) -> Vec<TaskParams> {
    let menu = [10, 20, 25, 40, 50, 100];
    let n = 1 + rng.below(5) as usize;
    let budget = 950_000 / n as u64; // ppm per task
    let mut tasks: Vec<Task> = (0..n)
        .map(|_| {
            let period = menu[rng.below(menu.len() as u64) as usize] * US;
            let wcet = (1 + rng.below(period * budget / 1_000_000)).max(1);
            let deadline = wcet + rng.below(period - wcet + 1);
            let offset = rng.below(period);
            Task {
                wcet,
                period,
                deadline,
                offset,
                priority: 0,
                sporadic: false,
            }
        })
        .collect();
    if policy == Policy::FixedPriority {
        deadline_monotonic_priorities(&mut tasks);
    }
    tasks.into_iter().map(TaskParams::from).collect()
}

/// Runs the guest's loop (event to event) up to `end`.
fn run_to(schedule: &mut Schedule, end: Time, observer: &mut impl Observer) {
    loop {
        let next = schedule.next_event(Cpu::Available);
        if next > end {
            schedule.advance_to(end, Cpu::Available, observer);
            return;
        }
        schedule.advance_to(next, Cpu::Available, observer);
    }
}

/// The guest's state in the simulator's terms.
fn sim_state(schedule: &Schedule) -> SimState {
    let active = schedule
        .active_jobs()
        .map(|(task, _, release, abs_deadline, remaining)| JobState {
            task,
            release,
            abs_deadline,
            remaining,
        })
        .collect();
    let next_release = (0..schedule.params().len())
        .map(|task| schedule.next_release(task))
        .collect();
    SimState {
        now: schedule.now(),
        active,
        next_release,
    }
}

fn sorted(mut jobs: Vec<JobState>) -> Vec<(usize, Time, Time, Time)> {
    let mut out: Vec<_> = jobs
        .drain(..)
        .map(|j| (j.task, j.release, j.abs_deadline, j.remaining))
        .collect();
    out.sort();
    out
}

#[test]
fn the_guest_schedule_is_the_simulators_and_blackout_misses_agree() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut with_misses = 0;
    for round in 0..400 {
        let policy = if round % 2 == 0 {
            Policy::Edf
        } else {
            Policy::FixedPriority
        };
        let params = random_set(&mut rng, policy);
        let mut schedule = Schedule::new(policy, &params, 0).unwrap();
        let set = task_set(&schedule).unwrap();

        // The same state as the simulator at a random event instant t_u (no blackout so far).
        let t_u = rng.below(200_000);
        let mut silent = Count {
            misses: vec![0; params.len()],
            completions: 0,
        };
        run_to(&mut schedule, t_u, &mut silent);
        let reference = simulate(&set, &SimState::initial(&set), t_u, None).unwrap();
        let mine = sim_state(&schedule);
        assert_eq!(
            sorted(mine.active.clone()),
            sorted(reference.end.active.clone()),
            "round {round} at {t_u}: {params:?}"
        );
        assert_eq!(
            mine.next_release, reference.end.next_release,
            "round {round}"
        );

        // A blackout [t_u, t_u + length): the guest's resume rule against the simulator.
        let length = rng.below(120_000);
        let end = t_u + length + 400_000;
        let mut count = Count {
            misses: vec![0; params.len()],
            completions: 0,
        };
        let mut blacked = schedule.clone();
        blacked.resume(t_u + length, &mut count);
        run_to(&mut blacked, end, &mut count);
        let expected = simulate(&set, &mine, end, Some(Blackout { start: t_u, length })).unwrap();
        assert_eq!(
            count.misses, expected.misses_per_task,
            "round {round}: {policy:?} {params:?} t_u {t_u} blackout {length}"
        );
        assert_eq!(count.completions, expected.completions, "round {round}");
        assert_eq!(
            sorted(sim_state(&blacked).active),
            sorted(expected.end.active.clone()),
            "round {round}"
        );
        if expected.total_misses() > 0 {
            with_misses += 1;
        }
    }
    assert!(
        with_misses > 50,
        "the rounds exercise misses: {with_misses}"
    );
}

#[test]
fn the_reported_slack_is_the_longest_blackout_without_a_miss() {
    let mut rng = Rng(0x0bad_cafe_f00d_0001);
    let mut checked = 0;
    for round in 0..300 {
        let policy = if round % 2 == 0 {
            Policy::Edf
        } else {
            Policy::FixedPriority
        };
        let params = random_set(&mut rng, policy);
        let mut schedule = Schedule::new(policy, &params, 0).unwrap();
        let set = task_set(&schedule).unwrap();
        let t_u = rng.below(200_000);
        run_to(
            &mut schedule,
            t_u,
            &mut Count {
                misses: vec![0; params.len()],
                completions: 0,
            },
        );
        let state = sim_state(&schedule);
        // A(t) is exact for schedulable sets only (an unschedulable one misses anyway).
        let schedulable = match policy {
            Policy::Edf => edf_schedulable(&set),
            Policy::FixedPriority => fp_schedulable(&set),
        };
        if !schedulable {
            continue;
        }
        let report = SlackEngine::new(&schedule, u32::MAX)
            .unwrap()
            .compute(&schedule);
        assert!(report.exact);
        let Slack::Finite(a) = report.slack else {
            panic!("periodic tasks never leave A unbounded")
        };
        let misses = |length| {
            predict_misses(&set, &state, length)
                .unwrap()
                .iter()
                .sum::<u32>()
        };
        assert_eq!(
            misses(a),
            0,
            "round {round}: A = {a} must be survivable ({policy:?} {params:?} at {t_u})"
        );
        assert!(
            misses(a + 1) > 0,
            "round {round}: A = {a} must be the longest ({policy:?} {params:?} at {t_u})"
        );
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}
