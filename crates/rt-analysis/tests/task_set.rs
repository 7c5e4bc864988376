//! Tests of task-set validation, utilization, hyperperiod and priority assignment.

use rt_analysis::{
    deadline_monotonic_priorities, rate_monotonic_priorities, Scheduler, Task, TaskSet,
    TaskSetError,
};

#[test]
fn errors_name_task_and_field() {
    let cases = [
        (
            Task::periodic(1, 0),
            TaskSetError::ZeroPeriod { task: 1 },
            "period",
        ),
        (
            Task::periodic(0, 5),
            TaskSetError::ZeroWcet { task: 1 },
            "wcet",
        ),
        (
            Task::periodic(1, 5).with_deadline(6),
            TaskSetError::DeadlineExceedsPeriod { task: 1 },
            "deadline",
        ),
        (
            Task::periodic(3, 5).with_deadline(2),
            TaskSetError::WcetExceedsDeadline { task: 1 },
            "wcet",
        ),
    ];
    for (bad, error, field) in cases {
        let result = TaskSet::new(vec![Task::periodic(1, 10), bad], Scheduler::Edf);
        assert_eq!(result, Err(error));
        assert_eq!(error.task(), Some(1));
        assert_eq!(error.field(), field);
    }
    let overloaded = TaskSet::new(
        vec![Task::periodic(2, 3), Task::periodic(2, 5)],
        Scheduler::Edf,
    );
    assert_eq!(
        overloaded,
        Err(TaskSetError::Overloaded {
            utilization_ppm: 1_066_667
        })
    );
    assert_eq!(
        overloaded.unwrap_err().to_string(),
        "utilization 1066667 ppm exceeds 1"
    );
}

#[test]
fn fixed_priorities_must_be_distinct() {
    let tasks = vec![Task::periodic(1, 10), Task::periodic(1, 20)];
    assert_eq!(
        TaskSet::new(tasks.clone(), Scheduler::FixedPriority),
        Err(TaskSetError::DuplicatePriority { task: 1, other: 0 })
    );
    assert!(TaskSet::new(tasks, Scheduler::Edf).is_ok());
}

#[test]
fn utilization_exactly_one_is_accepted() {
    let set = TaskSet::new(
        vec![
            Task::periodic(1, 3),
            Task::periodic(1, 3),
            Task::periodic(1, 3),
        ],
        Scheduler::Edf,
    )
    .unwrap();
    assert_eq!(set.utilization_ppm(), 1_000_000);
}

#[test]
fn hyperperiod_is_checked() {
    let set = TaskSet::new(
        vec![
            Task::periodic(1, 4),
            Task::periodic(1, 6),
            Task::periodic(1, 10),
        ],
        Scheduler::Edf,
    )
    .unwrap();
    assert_eq!(set.hyperperiod(), Some(60));
    let huge = TaskSet::new(
        vec![Task::periodic(1, u64::MAX), Task::periodic(1, u64::MAX - 1)],
        Scheduler::Edf,
    )
    .unwrap();
    assert_eq!(huge.hyperperiod(), None);
    assert_eq!(
        TaskSet::new(vec![], Scheduler::Edf).unwrap().hyperperiod(),
        None
    );
}

#[test]
fn monotonic_priority_assignment() {
    let mut tasks = vec![
        Task::periodic(1, 30).with_deadline(5),
        Task::periodic(1, 10),
        Task::periodic(1, 20).with_deadline(10),
    ];
    rate_monotonic_priorities(&mut tasks);
    assert_eq!(
        tasks.iter().map(|t| t.priority).collect::<Vec<_>>(),
        [2, 0, 1]
    );
    deadline_monotonic_priorities(&mut tasks);
    assert_eq!(
        tasks.iter().map(|t| t.priority).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let set = TaskSet::new(tasks, Scheduler::FixedPriority).unwrap();
    assert_eq!(set.by_priority(), [0, 1, 2]);
    assert_eq!(set.rank(2), 2);
}
