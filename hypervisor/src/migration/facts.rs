//! What a deciding core knows beside the ledger, for the failure protocol's decider: the VMs'
//! reports and committed states, which cores still beat, the live state failing cores handed
//! over, the clock and the platform's downtime model.

use super::{inputs, live};
use crate::arch::aarch64::cpu;
use crate::arch::aarch64::percpu::MAX_CPUS;
use crate::health::detector::{overdue, Health};
use crate::vm::{vms, VmState};
use failover::decide::Facts;
use failover::{FaultKind, FrameSpec, Guest, GuestId, ResumeKind};
use migration_policy::{Platform, RanIn, VmInput};
use partition_config::{MigratePolicy, MigrationMode};
use rt_analysis::TaskSet;

/// The machine's facts.
pub struct MachineFacts;

/// The frame each core last applied (`None`: it owned no time partitions), kept after the core
/// fails: the ledger drops a failed core's frame, and the decision ages its guests' states
/// through the slots they ran in.
static APPLIED: [spin::Mutex<Option<FrameSpec>>; MAX_CPUS] =
    [const { spin::Mutex::new(None) }; MAX_CPUS];

/// Records the frame core `core` now follows.
pub fn note_frame(core: usize, frame: Option<FrameSpec>) {
    if let Some(applied) = APPLIED.get(core) {
        *applied.lock() = frame;
    }
}

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

    fn ran_in(&self, guest: GuestId, failed: usize, switch: u64) -> Option<RanIn> {
        let frame = (*APPLIED.get(failed)?.lock())?;
        let slot = frame.slots().iter().find(|slot| slot.guest == guest)?;
        Some(RanIn {
            start: frame.start_ns,
            period: frame.period_ns,
            offset: slot.offset_ns,
            length: slot.length_ns,
            switch,
        })
    }
}
