//! VM migration after a core fault: gather what the survivors know (the VMs of the failed core,
//! their last slack reports and committed checkpoints, the healthy cores), let the pure policy
//! (`migration-policy`) decide, and carry the plan out: each VM is handed to its target core,
//! which resumes it at the planned instant.

pub mod arrival;
pub mod copy;
mod inputs;
mod live;
pub mod summary;

pub use arrival::{arrive, pending, take_arrival};
pub use inputs::{RESTORE_BOUND_NS, SWITCH_BOUND_NS};
pub use live::{hand_over_live_state, record_fault_truth};

use crate::arch::aarch64::{cpu, percpu};
use crate::vm::{vms, Vm, VmState};
use arrival::{post, Arrival, Resume};
use migration_policy::{FaultInput, Target};
use partition_config::FaultKind;

/// A survivor claimed the failure of `failed` (detected at `detected_ns`, its last beat at
/// `last_beat_ns`): decide for each of its VMs and start their moves.
pub fn handle_failure(failed: usize, kind: FaultKind, last_beat_ns: u64, detected_ns: u64) {
    percpu::of(failed).set_state(percpu::CoreState::Parked);
    let kind_name = match kind {
        FaultKind::Stop => "stop",
        FaultKind::Signal => "signal",
    };
    log::warn!(
        "core {failed} failed ({kind_name}); last heartbeat {} us ago",
        (detected_ns - last_beat_ns) / 1000
    );
    crate::console::emit(
        crate::console::event("fault_detected")
            .u64("failed_core", failed as u64)
            .str("kind", kind_name)
            .u64("last_beat_ns", last_beat_ns)
            .u64("latency_ns", detected_ns.saturating_sub(last_beat_ns)),
    );
    let fault = FaultInput {
        failed_core: failed,
        detected_at: detected_ns,
        last_heartbeat: last_beat_ns,
        kind: match kind {
            FaultKind::Stop => migration_policy::FaultKind::FailStop,
            FaultKind::Signal => migration_policy::FaultKind::FailSignal,
        },
        signalled_at: match kind {
            FaultKind::Signal => live::signalled_at(failed),
            FaultKind::Stop => None,
        },
    };
    let mut affected: alloc::vec::Vec<&'static Vm> = vms()
        .iter()
        .filter(|vm| vm.state() != VmState::Stopped && vm.runs_on(failed))
        .collect();
    // A move to the failed core that it never took (it died first) is decided again.
    for stranded in arrival::take_stranded(failed) {
        let vm = &vms()[stranded.vm];
        log::warn!(
            "vm '{}' was moving to core {failed}, which failed first: deciding again",
            vm.name
        );
        vm.set_vcpu_core(stranded.vcpu, failed);
        if vm.state() != VmState::Stopped && !affected.iter().any(|a| a.id == vm.id) {
            affected.push(vm);
        }
    }
    if affected.is_empty() {
        log::info!("core {failed} ran no VM; nothing to migrate");
        return;
    }
    let decide_start = cpu::counter();
    let vm_inputs = inputs::affected_vms(&affected, kind, failed);
    let core_inputs = inputs::cores(failed);
    let platform = inputs::platform(&affected);
    let plan = migration_policy::plan(&fault, &vm_inputs, &core_inputs, &platform);
    let decide_ns = cpu::ticks_to_ns(cpu::counter() - decide_start);
    for decision in &plan.decisions {
        // Tracing and posting each move takes a while on a slow console: keep beating.
        crate::health::keepalive();
        let vm = &vms()[decision.vm];
        let mut event =
            crate::console::event("migration_decision").u64("failed_core", failed as u64);
        for (key, value) in migration_policy::trace_fields(decision) {
            event = inputs::add_field(event, key, value);
        }
        crate::console::emit(event.u64("decide_ns", decide_ns));
        log::info!("{decision}");
        summary::record(summary::Row {
            core: failed,
            vm: vm.id,
            name: vm.name.clone(),
            affordable: decision.affordable,
            predicted: decision.downtime.total,
            measured: None,
            predicted_misses: decision.predicted_misses.as_ref().map(|m| m.iter().sum()),
            misses_before: vm.realtime.misses(),
            outcome: match decision.target {
                Target::Spare(core) => alloc::format!("moved to spare core {core}"),
                Target::Shared { core, budget } => alloc::format!(
                    "shares core {core} ({} of every {} us)",
                    budget.0 / 1000,
                    budget.1 / 1000
                ),
                Target::Stop => alloc::format!("stopped: {}", decision.reason),
            },
        });
        match decision.target {
            Target::Stop => {
                crate::vm::run::stop_vm(vm, "not_migrated");
            }
            Target::Spare(core) | Target::Shared { core, .. } => {
                let vcpu = vm.vcpu_on(failed).unwrap_or(0);
                let resume = match (kind, live::take_live_state(failed, vm.id)) {
                    (FaultKind::Signal, Some(state)) => Resume::Live(state),
                    _ => match vm.realtime.checkpoint() {
                        Some(checkpoint) => Resume::Checkpoint {
                            entry: checkpoint.entry,
                            argument: checkpoint.argument,
                        },
                        None => Resume::Reboot,
                    },
                };
                // Only a spare core's own region receives a copy: a shared core's region (if it
                // was a spare once) holds the VM that took it.
                let copy_to = match decision.target {
                    Target::Spare(_) if decision.downtime.copy > 0 => {
                        copy::region_of(core, vm.ram().size)
                    }
                    _ => None,
                };
                post(
                    core,
                    Arrival {
                        copy_to,
                        vm: vm.id,
                        vcpu,
                        from: failed,
                        resume,
                        resume_at_ns: decision.resume_at,
                        predicted_ns: decision.downtime.total,
                        detected_ns,
                        frame: decision.frame.as_ref().map(|frame| arrival::FramePlan {
                            start_ns: frame.start,
                            period_ns: frame.period,
                            slots: frame
                                .slots
                                .iter()
                                .map(|slot| (slot.vm, slot.offset, slot.length))
                                .collect(),
                        }),
                    },
                );
            }
        }
    }
}
