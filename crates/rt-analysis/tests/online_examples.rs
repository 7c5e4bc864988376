//! Hand-worked examples of the online slack, its ageing and its input validation.

use rt_analysis::online::{analyse, OnlineLimits};
use rt_analysis::{
    affordable_downtime, age, JobState, Scheduler, Slack, StateError, Task, TaskSet,
};

/// Task 0: C 1, T = D 10. Task 1: C 5, T 10, D 5, first release at 5. At t = 0 only job 0 is
/// active; the processor goes idle at 1, yet the minimum is at deadline 10, where job 0 and
/// the job of task 1 released at 5 need 6 of the 10 units: A = 4.
fn example(scheduler: Scheduler) -> TaskSet {
    let tasks = vec![
        Task::periodic(1, 10).with_priority(1),
        Task::periodic(5, 10)
            .with_deadline(5)
            .with_offset(5)
            .with_priority(0),
    ];
    TaskSet::new(tasks, scheduler).unwrap()
}

const ACTIVE: [JobState; 1] = [JobState {
    task: 0,
    release: 0,
    abs_deadline: 10,
    remaining: 1,
}];

#[test]
fn minimum_lies_beyond_the_first_idle_instant() {
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        let set = example(scheduler);
        assert_eq!(
            affordable_downtime(&set, 0, &ACTIVE, &[10, 5], u64::MAX),
            Slack::Finite(4),
            "{scheduler:?}"
        );
    }
}

#[test]
fn slack_grows_while_idle_and_shrinks_while_busy() {
    let set = example(Scheduler::Edf);
    // At 1 job 0 is done; the deadline-10 constraint leaves 10 - 1 - 5 = 4 again.
    assert_eq!(
        affordable_downtime(&set, 1, &[], &[10, 5], u64::MAX),
        Slack::Finite(4)
    );
    // At 5, the job of task 1 (deadline 10, 5 units) has just been released: 0 left.
    let job1 = JobState {
        task: 1,
        release: 5,
        abs_deadline: 10,
        remaining: 5,
    };
    assert_eq!(
        affordable_downtime(&set, 5, &[job1], &[10, 15], u64::MAX),
        Slack::Finite(0)
    );
}

#[test]
fn horizon_cut_is_reported_inexact() {
    let set = example(Scheduler::Edf);
    let report = analyse(&set, 0, &ACTIVE, &[10, 5], OnlineLimits::horizon(3)).unwrap();
    assert!(!report.exact);
    assert!(report.slack <= Slack::Finite(4));
    let full = analyse(&set, 0, &ACTIVE, &[10, 5], OnlineLimits::horizon(u64::MAX)).unwrap();
    assert!(full.exact);
    assert!(full.deadlines_scanned >= 1);
}

#[test]
fn empty_set_is_unbounded() {
    let set = TaskSet::new(vec![], Scheduler::Edf).unwrap();
    assert_eq!(
        affordable_downtime(&set, 7, &[], &[], u64::MAX),
        Slack::Unbounded
    );
    assert!(Slack::Unbounded.covers(u64::MAX));
}

#[test]
fn ageing_subtracts_elapsed_time() {
    assert_eq!(age(Slack::Finite(100), 1_000, 1_030), Slack::Finite(70));
    assert_eq!(age(Slack::Finite(100), 1_000, 2_000), Slack::Finite(0));
    assert_eq!(age(Slack::Finite(100), 1_000, 900), Slack::Finite(100));
    assert_eq!(age(Slack::Unbounded, 0, 5), Slack::Unbounded);
    assert!(Slack::Finite(5).covers(5) && !Slack::Finite(5).covers(6));
}

#[test]
fn bad_states_are_errors_or_zero() {
    let set = example(Scheduler::FixedPriority);
    let limits = OnlineLimits::horizon(u64::MAX);
    assert_eq!(
        analyse(&set, 0, &ACTIVE, &[10], limits),
        Err(StateError::NextReleaseLength {
            expected: 2,
            found: 1
        })
    );
    let stray = [JobState {
        task: 9,
        ..ACTIVE[0]
    }];
    assert_eq!(
        analyse(&set, 0, &stray, &[10, 5], limits),
        Err(StateError::UnknownTask { job: 0 })
    );
    assert_eq!(
        affordable_downtime(&set, 0, &stray, &[10, 5], u64::MAX),
        Slack::Finite(0)
    );
}

#[test]
fn a_task_that_never_releases_is_ignored() {
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        let set = example(scheduler);
        // Only job 0 and its successors (C 1 every 10): 10 - 1 = 9 at every deadline.
        let slack = affordable_downtime(&set, 0, &ACTIVE, &[10, u64::MAX], u64::MAX);
        assert_eq!(slack, Slack::Finite(9), "{scheduler:?}");
        let report = analyse(
            &set,
            0,
            &[],
            &[u64::MAX, u64::MAX],
            OnlineLimits::horizon(u64::MAX),
        );
        assert_eq!(report.unwrap().slack, Slack::Unbounded);
    }
}
