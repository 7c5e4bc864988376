//! The `tasks` child of a VM node: the real-time task set its paravirtual RTOS runs.
//!
//! Read from the partition config (a child of the VM node) by the hypervisor, and from the guest's
//! own device tree (`/kairos/tasks`, a copy of the same node) by the guest, with the same code.
//! Times are given in microseconds (one cell each) and kept in nanoseconds.

use alloc::string::String;
use alloc::vec::Vec;

use fdt::node::FdtNode;

use crate::binding::*;
use crate::cells;
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::locate::child_path;
use crate::parse::one_of;

/// How the guest schedules its tasks (`kairos,scheduler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulerPolicy {
    /// Earliest deadline first.
    Edf,
    /// Fixed priorities by rate: the shorter the period, the more urgent (ties: node order).
    RateMonotonic,
    /// Fixed priorities by deadline: the shorter the relative deadline, the more urgent.
    DeadlineMonotonic,
    /// Fixed priorities as given by `kairos,priority` (lower is more urgent; ties: node order).
    FixedPriority,
}

impl SchedulerPolicy {
    /// Decodes a `kairos,scheduler` value.
    pub fn from_name(name: &str) -> Option<SchedulerPolicy> {
        match name {
            "edf" => Some(SchedulerPolicy::Edf),
            "rm" => Some(SchedulerPolicy::RateMonotonic),
            "dm" => Some(SchedulerPolicy::DeadlineMonotonic),
            "fp" => Some(SchedulerPolicy::FixedPriority),
            _ => None,
        }
    }

    /// The `kairos,scheduler` value.
    pub fn name(self) -> &'static str {
        match self {
            SchedulerPolicy::Edf => "edf",
            SchedulerPolicy::RateMonotonic => "rm",
            SchedulerPolicy::DeadlineMonotonic => "dm",
            SchedulerPolicy::FixedPriority => "fp",
        }
    }

    /// Whether priorities decide (every policy but EDF).
    pub fn is_fixed_priority(self) -> bool {
        self != SchedulerPolicy::Edf
    }
}

/// One task, from one child of the tasks node. Times in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskConfig {
    /// The node name.
    pub name: String,
    /// Worst-case execution time C.
    pub wcet_ns: u64,
    /// Period T (minimum inter-arrival time if sporadic).
    pub period_ns: u64,
    /// Relative deadline D (default T).
    pub deadline_ns: u64,
    /// Release of the first job (default 0).
    pub offset_ns: u64,
    /// `kairos,priority` (scheduler "fp" only).
    pub priority: Option<u32>,
    /// `kairos,sporadic` is present.
    pub sporadic: bool,
    /// `kairos,jobs`: stop after this many jobs.
    pub jobs: Option<u64>,
}

/// Fault injection for tests: a blackout the guest imposes on itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlackoutInjection {
    /// The blackout starts at the first scheduling event at or after this time.
    pub at_ns: u64,
    /// How long the guest stays away.
    pub duration_ns: u64,
}

/// A validated task set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSetConfig {
    /// `kairos,scheduler`.
    pub scheduler: SchedulerPolicy,
    /// The tasks in node order (a task's index is its position here).
    pub tasks: Vec<TaskConfig>,
    /// `kairos,debug` is present.
    pub debug: bool,
    /// `kairos,inject-blackout-us`, if given.
    pub inject_blackout: Option<BlackoutInjection>,
}

impl TaskSetConfig {
    /// The priority of each task, 0 the most urgent, distinct, by the policy (ties broken by
    /// node order). Under EDF all are 0.
    pub fn priorities(&self) -> Vec<u32> {
        let key = |task: &TaskConfig| -> u64 {
            match self.scheduler {
                SchedulerPolicy::Edf => 0,
                SchedulerPolicy::RateMonotonic => task.period_ns,
                SchedulerPolicy::DeadlineMonotonic => task.deadline_ns,
                SchedulerPolicy::FixedPriority => u64::from(task.priority.unwrap_or(u32::MAX)),
            }
        };
        let mut order: Vec<usize> = (0..self.tasks.len()).collect();
        addr::order::sort_by_key(&mut order, |&index| (key(&self.tasks[index]), index));
        let mut priorities = alloc::vec![0u32; self.tasks.len()];
        if self.scheduler.is_fixed_priority() {
            for (rank, &index) in order.iter().enumerate() {
                priorities[index] = rank as u32;
            }
        }
        priorities
    }

    /// Processor utilization U = sum C/T, in parts per million, rounded up.
    pub fn utilization_ppm(&self) -> u64 {
        utilization_ppm(&self.tasks)
    }
}

/// U in parts per million, rounded up (exact for any realistic set: each term is rounded up
/// separately, so the sum is at most `task count` ppm high).
fn utilization_ppm(tasks: &[TaskConfig]) -> u64 {
    tasks
        .iter()
        .map(|task| {
            let term = u128::from(task.wcet_ns) * 1_000_000;
            term.div_ceil(u128::from(task.period_ns.max(1))) as u64
        })
        .fold(0u64, u64::saturating_add)
}

/// Whether U = sum C/T exceeds 1, decided exactly: sum C_i * (L / T_i) > L with L the least
/// common multiple of the periods, in 128-bit arithmetic; should L overflow, by the rounded-down
/// ppm sum (which never rejects a set with U <= 1).
fn overloaded(tasks: &[TaskConfig]) -> bool {
    let lcm = tasks.iter().try_fold(1u128, |lcm, task| {
        let period = u128::from(task.period_ns);
        (lcm / gcd(lcm, period)).checked_mul(period)
    });
    let exact = lcm.and_then(|lcm| {
        tasks
            .iter()
            .try_fold(0u128, |sum, task| {
                u128::from(task.wcet_ns)
                    .checked_mul(lcm / u128::from(task.period_ns))
                    .and_then(|term| sum.checked_add(term))
            })
            .map(|demand| demand > lcm)
    });
    exact.unwrap_or_else(|| {
        let floor: u128 = tasks
            .iter()
            .map(|task| u128::from(task.wcet_ns) * 1_000_000 / u128::from(task.period_ns))
            .sum();
        floor > 1_000_000
    })
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Microseconds from one cell, in nanoseconds.
fn micros(value: &[u8]) -> Result<u64, ErrorKind> {
    cells::number(value, 1).map(|us| us * 1000)
}

/// Reads and checks the tasks node at `path`. Every problem is listed, each naming its node
/// (the tasks node, or the task's node) and property.
pub fn parse_tasks(node: FdtNode<'_, '_>, path: &str) -> Result<TaskSetConfig, Vec<ConfigError>> {
    let mut errors = NodeErrors::new(path);
    let (mut scheduler, mut debug, mut inject_blackout, mut scheduler_seen) =
        (None, false, None, false);
    for property in node.properties() {
        match property.name {
            SCHEDULER => {
                scheduler_seen = true;
                let value = cells::string(property.value).and_then(|v| one_of(v, SCHEDULERS));
                scheduler = errors
                    .take(SCHEDULER, value)
                    .and_then(SchedulerPolicy::from_name);
            }
            DEBUG => debug = errors.take(DEBUG, cells::flag(property.value)).is_some(),
            INJECT_BLACKOUT_US => {
                let value = cells::u32_list(property.value).and_then(|list| match list[..] {
                    [_, 0] => Err(ErrorKind::ZeroDuration),
                    [at, duration] => Ok(BlackoutInjection {
                        at_ns: u64::from(at) * 1000,
                        duration_ns: u64::from(duration) * 1000,
                    }),
                    _ => Err(ErrorKind::WrongType {
                        expected: cells::ValueType::Cells(2),
                        found_bytes: property.value.len(),
                    }),
                });
                inject_blackout = errors.take(INJECT_BLACKOUT_US, value);
            }
            name if name.starts_with(VENDOR_PREFIX) => {
                errors.push(name, ErrorKind::UnknownProperty)
            }
            _ => {}
        }
    }
    if !scheduler_seen {
        errors.push(SCHEDULER, ErrorKind::MissingProperty);
    }
    let mut task_errors = Vec::new();
    let mut tasks = Vec::new();
    for child in node.children() {
        let child_path = child_path(path, child.name);
        match parse_task(child, &child_path, scheduler) {
            Ok(task) => tasks.push(task),
            Err(mut problems) => task_errors.append(&mut problems),
        }
    }
    let children = node.children().count();
    if children == 0 {
        errors.push("", ErrorKind::NoTasks);
    } else if children > MAX_TASKS {
        errors.push(
            "",
            ErrorKind::TooManyTasks {
                count: children,
                max: MAX_TASKS,
            },
        );
    }
    if task_errors.is_empty() && !tasks.is_empty() && overloaded(&tasks) {
        errors.push(
            "",
            ErrorKind::Overloaded {
                utilization_ppm: utilization_ppm(&tasks),
            },
        );
    }
    let mut list = errors.list;
    list.append(&mut task_errors);
    match scheduler {
        Some(scheduler) if list.is_empty() => Ok(TaskSetConfig {
            scheduler,
            tasks,
            debug,
            inject_blackout,
        }),
        _ => Err(list),
    }
}

/// Reads one task node. `scheduler` is `None` when the tasks node's own is missing or wrong
/// (then nothing about priorities is checked).
fn parse_task(
    node: FdtNode<'_, '_>,
    path: &str,
    scheduler: Option<SchedulerPolicy>,
) -> Result<TaskConfig, Vec<ConfigError>> {
    let mut errors = NodeErrors::new(path);
    let mut task = TaskConfig {
        name: String::from(node.name),
        wcet_ns: 0,
        period_ns: 0,
        deadline_ns: 0,
        offset_ns: 0,
        priority: None,
        sporadic: false,
        jobs: None,
    };
    let (mut wcet, mut period, mut deadline) = (None, None, None);
    for property in node.properties() {
        let value = property.value;
        match property.name {
            WCET_US => wcet = errors.take(WCET_US, micros(value)),
            PERIOD_US => period = errors.take(PERIOD_US, micros(value)),
            DEADLINE_US => deadline = errors.take(DEADLINE_US, micros(value)),
            OFFSET_US => task.offset_ns = errors.take(OFFSET_US, micros(value)).unwrap_or(0),
            PRIORITY => {
                task.priority = errors
                    .take(PRIORITY, cells::number(value, 1))
                    .map(|p| p as u32)
            }
            SPORADIC => task.sporadic = errors.take(SPORADIC, cells::flag(value)).is_some(),
            JOBS => {
                let jobs = cells::number(value, 1).and_then(|n| {
                    if n == 0 {
                        Err(ErrorKind::ZeroCount)
                    } else {
                        Ok(n)
                    }
                });
                task.jobs = errors.take(JOBS, jobs);
            }
            name if name.starts_with(VENDOR_PREFIX) => {
                errors.push(name, ErrorKind::UnknownProperty)
            }
            _ => {}
        }
    }
    if node.children().next().is_some() {
        errors.push("", ErrorKind::UnexpectedChildNode);
    }
    for (name, value) in [(WCET_US, wcet), (PERIOD_US, period)] {
        match value {
            None if !errors.list.iter().any(|e| e.property == name) => {
                errors.push(name, ErrorKind::MissingProperty)
            }
            Some(0) => errors.push(name, ErrorKind::ZeroDuration),
            _ => {}
        }
    }
    if deadline == Some(0) {
        errors.push(DEADLINE_US, ErrorKind::ZeroDuration);
    }
    match (scheduler, task.priority) {
        (Some(SchedulerPolicy::FixedPriority), None)
            if !errors.list.iter().any(|e| e.property == PRIORITY) =>
        {
            errors.push(PRIORITY, ErrorKind::MissingProperty)
        }
        (Some(policy), Some(_)) if policy != SchedulerPolicy::FixedPriority => errors.push(
            PRIORITY,
            ErrorKind::PriorityNotUsed {
                scheduler: String::from(policy.name()),
            },
        ),
        _ => {}
    }
    if let (Some(wcet), Some(period)) = (wcet.filter(|&c| c > 0), period.filter(|&t| t > 0)) {
        let deadline = deadline.unwrap_or(period);
        if deadline > period {
            errors.push(
                DEADLINE_US,
                ErrorKind::DeadlineAbovePeriod {
                    deadline_us: deadline / 1000,
                    period_us: period / 1000,
                },
            );
        } else if deadline > 0 && wcet > deadline {
            errors.push(
                WCET_US,
                ErrorKind::WcetAboveDeadline {
                    wcet_us: wcet / 1000,
                    deadline_us: deadline / 1000,
                },
            );
        }
        (task.wcet_ns, task.period_ns, task.deadline_ns) = (wcet, period, deadline);
    }
    if errors.list.is_empty() {
        Ok(task)
    } else {
        Err(errors.list)
    }
}

/// The task set in a guest's device tree at `path` (normally `/kairos/tasks`): `Ok(None)` when
/// the blob has no such node, `Err` with every problem when it is there but invalid (or the blob
/// is corrupt).
pub fn tasks_from_dtb(dtb: &[u8], path: &str) -> Result<Option<TaskSetConfig>, Vec<ConfigError>> {
    let found = crate::with_fdt(dtb, |fdt| {
        Ok(fdt.find_node(path).map(|node| parse_tasks(node, path)))
    });
    match found {
        Err(error) => Err(alloc::vec![error]),
        Ok(None) => Ok(None),
        Ok(Some(result)) => result.map(Some),
    }
}
