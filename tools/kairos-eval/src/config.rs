//! A VM's task set and memory size from a partition config, read the way the hypervisor reads
//! it: `dtc` compiles the source (following its `/include/`s, see `kairos_check::source`) and
//! `partition-config` reads the blob. No second device-tree parser.

use guest_paravirt::rtos::config::Setup;
use guest_paravirt::rtos::ready::Policy;
use partition_config::TaskSetConfig;
use rt_analysis::task::{rate_monotonic_priorities, Scheduler, Task, TaskSet};
use std::path::Path;

/// The task set of VM `vm` in the config at `path` (`.dts` or `.dtb`) and its memory size in
/// bytes.
pub fn load_vm(path: &Path, vm: &str) -> crate::Result<(TaskSet, u64)> {
    let blob = kairos_check::source::blob(path)?;
    let config = partition_config::read_nodes(&blob)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let Some(node) = config.vms.iter().find(|node| node.name == vm) else {
        let problems: Vec<String> = config
            .errors
            .iter()
            .filter(|error| {
                error
                    .node
                    .rsplit('/')
                    .any(|part| part.split('@').next() == Some(vm))
            })
            .map(|error| error.to_string())
            .collect();
        return Err(match problems.is_empty() {
            true => format!("{}: no VM node named '{vm}'", path.display()),
            false => format!(
                "{}: VM '{vm}' is invalid: {}",
                path.display(),
                problems.join("; ")
            ),
        });
    };
    let tasks = node
        .tasks
        .as_ref()
        .ok_or_else(|| format!("VM '{vm}' has no tasks node"))?;
    Ok((
        task_set_of(tasks).map_err(|e| format!("VM '{vm}': {e}"))?,
        node.memory_size,
    ))
}

/// The analysis' view of a validated task set, as the guest RTOS builds it from the same node
/// (`guest_paravirt::rtos::config::Setup`: priorities by the policy, 0 the most urgent).
fn task_set_of(config: &TaskSetConfig) -> crate::Result<TaskSet> {
    let setup = Setup::from_config(config);
    let tasks = setup.params.iter().map(|params| params.task).collect();
    let scheduler = match setup.policy {
        Policy::Edf => Scheduler::Edf,
        Policy::FixedPriority => Scheduler::FixedPriority,
    };
    TaskSet::new(tasks, scheduler).map_err(|e| format!("invalid task set: {e:?}"))
}

/// Builds a task set for scheduler `edf`, `rm` or `fp` (rate-monotonic priorities unless
/// `explicit_priorities`).
pub fn task_set(
    mut list: Vec<Task>,
    sched: &str,
    explicit_priorities: bool,
) -> crate::Result<TaskSet> {
    let scheduler = match sched {
        "edf" => Scheduler::Edf,
        "rm" | "fp" => Scheduler::FixedPriority,
        other => return Err(format!("unknown scheduler '{other}' (edf, rm or fp)")),
    };
    if scheduler == Scheduler::FixedPriority && !explicit_priorities {
        rate_monotonic_priorities(&mut list);
    }
    TaskSet::new(list, scheduler).map_err(|e| format!("invalid task set: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    #[test]
    fn reads_the_demo_config() {
        let path = repository("tests/configs/migrate-demo.dts");
        let (set, size) = load_vm(&path, "rtos1").unwrap();
        assert_eq!(size, 0x400000);
        assert_eq!(set.len(), 1);
        assert_eq!(set.task(0).wcet, 1_700_000);
        let (set, _) = load_vm(&path, "rtos2").unwrap();
        assert_eq!(set.scheduler(), Scheduler::FixedPriority);
        assert!(load_vm(&path, "nope")
            .unwrap_err()
            .contains("no VM node named 'nope'"));
    }

    #[test]
    fn follows_includes_like_the_build() {
        // boards/*/partitions.dts take their VMs from boards/demo-vms.dtsi.
        let (set, size) = load_vm(&repository("boards/qemu-virt/partitions.dts"), "rtos2").unwrap();
        assert_eq!(size, 4 << 20);
        assert_eq!(set.scheduler(), Scheduler::FixedPriority);
        assert_eq!((set.task(0).period, set.task(0).priority), (4_000_000, 0));
        assert_eq!((set.task(1).period, set.task(1).priority), (10_000_000, 1));
    }

    #[test]
    fn an_invalid_vm_says_why() {
        let error = load_vm(&repository("tests/configs/many-errors.dts"), "badtype").unwrap_err();
        assert!(
            error.contains("VM 'badtype' is invalid") && error.contains("kairos,cpus"),
            "{error}"
        );
    }
}
