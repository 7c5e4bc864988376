//! What a deciding core knows beside the ledger, for the failure protocol's decider: the VMs'
//! reports and committed states, which cores still beat, the live state failing cores handed
//! over, the clock and the platform's downtime model.

use super::{inputs, live};
use crate::arch::aarch64::cpu;
use crate::health::detector::{overdue, Health};
use crate::vm::{vms, VmState};
use failover::decide::Facts;
use failover::{FaultKind, Guest, ResumeKind};
use migration_policy::{Platform, VmInput};
use partition_config::{MigratePolicy, MigrationMode};
use rt_analysis::TaskSet;

/// The machine's facts.
pub struct MachineFacts;

impl Facts for MachineFacts {
    fn vm_input(&self, guest: &Guest, resume: ResumeKind) -> VmInput {
        let vm = &vms()[guest.vm];
        VmInput {
            vm: vm.id,
            name: vm.name.clone(),
            memory_bytes: vm.ram().size,
            copy_memory: crate::health::settings().migration == MigrationMode::Copy,
            policy: match vm.config.migrate {
                MigratePolicy::Always => migration_policy::MigratePolicy::Always,
                MigratePolicy::IfNoMiss => migration_policy::MigratePolicy::IfNoMiss,
                MigratePolicy::Never => migration_policy::MigratePolicy::Never,
            },
            checkpoint_only: resume != ResumeKind::Live,
            reload_ns: match resume {
                ResumeKind::Reboot => crate::vm::table::reload_bound_ns(
                    vm.ram().size,
                    crate::machine::core_count(crate::arch::aarch64::percpu::MAX_CPUS),
                ),
                _ => 0,
            },
            realtime: inputs::realtime(vm),
        }
    }

    fn resume(&self, guest: &Guest, failed: usize, origin: usize, kind: FaultKind) -> ResumeKind {
        if kind == FaultKind::Signal && origin == failed && live::holds(origin, guest.vm) {
            ResumeKind::Live
        } else if vms()[guest.vm].realtime.checkpoint().is_some() {
            ResumeKind::Checkpoint
        } else {
            ResumeKind::Reboot
        }
    }

    fn task_set(&self, vm: usize) -> Option<TaskSet> {
        let vm = vms().get(vm)?;
        if vm.state() == VmState::Stopped {
            return None;
        }
        inputs::task_set(vm)
    }

    fn beating(&self, core: usize) -> bool {
        let beats = crate::health::heartbeats();
        let settings = crate::health::settings();
        beats.health(core) == Health::Alive
            && !overdue(
                cpu::now_ns(),
                beats.last_beat(core),
                settings.heartbeat_ns,
                settings.miss_threshold,
            )
    }

    fn signalled_at(&self, core: usize) -> Option<u64> {
        live::signalled_at(core)
    }

    fn now(&self) -> u64 {
        cpu::now_ns()
    }

    fn platform(&self) -> Platform {
        inputs::platform()
    }
}
