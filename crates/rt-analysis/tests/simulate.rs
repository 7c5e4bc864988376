//! Hand-worked schedules for the simulator, the oracle of the other tests.

use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::{simulate, simulate_until_idle, Blackout};
use rt_analysis::{affordable_downtime, JobState, Scheduler, SimState, Task, TaskSet};

fn rate_monotonic() -> TaskSet {
    let tasks = vec![
        Task::periodic(1, 4).with_priority(0),
        Task::periodic(2, 6).with_priority(1),
        Task::periodic(3, 12).with_priority(2),
    ];
    TaskSet::new(tasks, Scheduler::FixedPriority).unwrap()
}

#[test]
fn fixed_priority_hyperperiod() {
    let set = rate_monotonic();
    let run = simulate(&set, &SimState::initial(&set), 12, None).unwrap();
    assert_eq!(run.total_misses(), 0);
    assert_eq!(run.completions, 6);
    // Releases at 12 belong to the end state.
    assert_eq!(run.end.now, 12);
    assert_eq!(run.end.active.len(), 3);
    assert_eq!(run.end.next_release, [16, 18, 24]);
}

#[test]
fn blackout_at_the_critical_instant() {
    let set = rate_monotonic();
    let start = SimState::initial(&set);
    // Without blackout task 1's first job has level-1 idle time [3, 4) and [5, 6) before its
    // deadline 6, so A(0) = 2, the static slack of this synchronous start.
    assert_eq!(
        affordable_downtime(&set, 0, &[], &[0, 0, 0], u64::MAX).finite(),
        Some(2)
    );
    let two = simulate(
        &set,
        &start,
        24,
        Some(Blackout {
            start: 0,
            length: 2,
        }),
    )
    .unwrap();
    assert_eq!(two.total_misses(), 0);
    // Blackout [0, 3): task 0 runs [3, 5] (two jobs), task 1 [5, 7]: late at 6; then task 1's
    // second job and task 0 take [7, 10], task 2 gets [10, 12] + [15, 16]: late at 12.
    let three = predict_misses(&set, &start, 3).unwrap();
    assert_eq!(three, [0, 1, 1]);
    let run = simulate(
        &set,
        &start,
        24,
        Some(Blackout {
            start: 0,
            length: 3,
        }),
    )
    .unwrap();
    assert_eq!(run.first_miss, Some((1, 6)));
    assert_eq!(run.misses_per_task, three);
}

#[test]
fn late_job_keeps_running_and_counts_once() {
    let set = TaskSet::new(vec![Task::periodic(3, 5)], Scheduler::Edf).unwrap();
    let outage = Some(Blackout {
        start: 0,
        length: 4,
    });
    let run = simulate(&set, &SimState::initial(&set), 20, outage).unwrap();
    assert_eq!(run.misses_per_task, [1]);
    assert_eq!(run.first_miss, Some((0, 5)));
    assert_eq!(run.max_lateness, 2);
    // Stopped at 6, the late job is incomplete past its deadline: counted here, not again.
    let first = simulate(&set, &SimState::initial(&set), 6, outage).unwrap();
    assert_eq!(first.misses_per_task, [1]);
    let late = JobState {
        task: 0,
        release: 0,
        abs_deadline: 5,
        remaining: 1,
    };
    assert!(first.end.active.contains(&late));
    let second = simulate(&set, &first.end, 20, None).unwrap();
    assert_eq!(second.total_misses(), 0);
    assert_eq!(second.completions, 4);
}

#[test]
fn stops_at_the_first_idle_instant_after_the_blackout() {
    let set = TaskSet::new(vec![Task::periodic(2, 10)], Scheduler::Edf).unwrap();
    let outage = Some(Blackout {
        start: 0,
        length: 5,
    });
    let run =
        simulate_until_idle(&set, &SimState::initial(&set), 5, 1_000, u64::MAX, outage).unwrap();
    assert!(run.stopped_idle);
    assert_eq!(run.end.now, 7);
    assert_eq!(run.total_misses(), 0);
}

#[test]
fn edf_prefers_earlier_deadlines() {
    // Task 1's deadline (4) is earlier than task 0's (10): EDF runs it first and meets every
    // deadline; fixed priority with task 0 on top runs it in [5, 7] and misses.
    let tasks = vec![
        Task::periodic(5, 10),
        Task::periodic(2, 10).with_deadline(4).with_priority(1),
    ];
    let edf = TaskSet::new(tasks.clone(), Scheduler::Edf).unwrap();
    assert_eq!(
        simulate(&edf, &SimState::initial(&edf), 10, None)
            .unwrap()
            .total_misses(),
        0
    );
    let fp = TaskSet::new(tasks, Scheduler::FixedPriority).unwrap();
    let run = simulate(&fp, &SimState::initial(&fp), 10, None).unwrap();
    assert_eq!(run.misses_per_task, [0, 1]);
    assert_eq!(run.max_lateness, 3);
}

#[test]
fn absurd_blackouts_are_cut_off() {
    let set = TaskSet::new(vec![Task::periodic(1, 2)], Scheduler::Edf).unwrap();
    let run = rt_analysis::predict::predict(&set, &SimState::initial(&set), u64::MAX).unwrap();
    assert!(!run.stopped_idle);
    assert!(run.events <= rt_analysis::predict::PREDICT_MAX_EVENTS + 1);
    assert!(run.end.active.len() as u64 <= run.events);
    assert!(run.total_misses() > 0);
}
