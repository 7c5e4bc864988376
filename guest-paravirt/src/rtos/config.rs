//! What the RTOS runs: the task set from the device tree (`/kairos/tasks`, the binding of
//! `docs/bindings/kairos-partitions.md`, read by `partition-config`), or the built-in demo.

use alloc::string::String;
use alloc::vec::Vec;

use partition_config::{BlackoutInjection, SchedulerPolicy, TaskConfig, TaskSetConfig};
use rt_analysis::Task;

use super::ready::Policy;
use super::task::TaskParams;

/// Where the guest finds its task set in its device tree.
pub const TASKS_PATH: &str = "/kairos/tasks";

/// Everything the kernel needs to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The policy (rate and deadline monotonic become fixed priorities).
    pub policy: Policy,
    /// The `kairos,scheduler` name.
    pub scheduler: &'static str,
    /// Task parameters, priorities assigned (0 the most urgent).
    pub params: Vec<TaskParams>,
    /// Task names.
    pub names: Vec<String>,
    /// Print per-event samples and costs.
    pub debug: bool,
    /// A blackout to impose on itself (tests of recovery).
    pub inject_blackout: Option<BlackoutInjection>,
}

impl Setup {
    /// The kernel's view of a validated task set.
    pub fn from_config(config: &TaskSetConfig) -> Setup {
        let priorities = config.priorities();
        let params = config
            .tasks
            .iter()
            .zip(priorities)
            .map(|(task, priority)| TaskParams {
                task: Task {
                    wcet: task.wcet_ns,
                    period: task.period_ns,
                    deadline: task.deadline_ns,
                    offset: task.offset_ns,
                    priority,
                    sporadic: task.sporadic,
                },
                job_limit: task.jobs,
            })
            .collect();
        Setup {
            policy: if config.scheduler == SchedulerPolicy::Edf {
                Policy::Edf
            } else {
                Policy::FixedPriority
            },
            scheduler: config.scheduler.name(),
            params,
            names: config.tasks.iter().map(|task| task.name.clone()).collect(),
            debug: config.debug,
            inject_blackout: config.inject_blackout,
        }
    }
}

/// The built-in demo, run when the device tree has no task set: EDF, U = 0.52, 200 ms.
///
/// | task | C | T | D | jobs |
/// |---|---|---|---|---|
/// | `control` | 2 ms | 10 ms | 10 ms | 20 |
/// | `sensor` | 1 ms | 5 ms | 4 ms | 40 |
/// | `logger` | 3 ms | 25 ms | 20 ms | 8 |
///
/// `kairos,debug` is on, so it prints its state and A(t) at every event.
pub fn demo() -> TaskSetConfig {
    let task = |name: &str, wcet_ms: u64, period_ms: u64, deadline_ms: u64, jobs: u64| TaskConfig {
        name: String::from(name),
        wcet_ns: wcet_ms * 1_000_000,
        period_ns: period_ms * 1_000_000,
        deadline_ns: deadline_ms * 1_000_000,
        offset_ns: 0,
        priority: None,
        sporadic: false,
        jobs: Some(jobs),
    };
    TaskSetConfig {
        scheduler: SchedulerPolicy::Edf,
        tasks: alloc::vec![
            task("control", 2, 10, 10, 20),
            task("sensor", 1, 5, 4, 40),
            task("logger", 3, 25, 20, 8)
        ],
        debug: true,
        inject_blackout: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_valid_and_light() {
        let demo = demo();
        assert_eq!(demo.utilization_ppm(), 520_000);
        let setup = Setup::from_config(&demo);
        assert_eq!(setup.policy, Policy::Edf);
        assert_eq!(setup.params[1].task.deadline, 4_000_000);
        assert_eq!(setup.names, ["control", "sensor", "logger"]);
        let params: Vec<_> = setup
            .params
            .iter()
            .map(|p| (p.task.wcet, p.task.period, p.task.deadline))
            .collect();
        assert!(params.iter().all(|&(c, t, d)| 0 < c && c <= d && d <= t));
    }

    #[test]
    fn rate_monotonic_becomes_fixed_priorities() {
        let mut config = demo();
        config.scheduler = SchedulerPolicy::RateMonotonic;
        let setup = Setup::from_config(&config);
        assert_eq!(setup.policy, Policy::FixedPriority);
        assert_eq!(setup.scheduler, "rm");
        let priorities: Vec<u32> = setup.params.iter().map(|p| p.task.priority).collect();
        assert_eq!(priorities, [1, 0, 2]);
    }
}
