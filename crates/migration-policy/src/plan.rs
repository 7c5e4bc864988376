//! [`plan`]: order the failed core's VMs, then for each predict, place and apply its policy.

use crate::decision::{sum, Decision, DowntimeTerms, Plan, Reason, Target};
use crate::input::{CoreInput, FaultInput, FaultKind, MigratePolicy, Platform, VmInput};
use crate::placement::{Hosts, Placement};
use crate::slack::{assess, Guest};
use crate::supply::{misses_with_supply, Prediction, Supply, PREDICTION_EVENTS};
use alloc::vec::Vec;
use rt_analysis::downtime::DowntimeBreakdown;
use rt_analysis::Time;

/// Decides what happens to each VM of the failed core (`vms`, all of them), given every core
/// (`cores`; the failed and unhealthy ones are never targets). VMs are handled in ascending
/// order of their latest safe resume instant `s + A` (unbounded last, ties by VM id), restored
/// one after another: each one's queue term is the restoration work of the migrated VMs
/// before it. See the crate documentation for the terms and the verdict.
pub fn plan(fault: &FaultInput, vms: &[VmInput], cores: &[CoreInput], platform: &Platform) -> Plan {
    let guests: Vec<Guest> = vms.iter().map(|vm| assess(fault, vm)).collect();
    let mut order: Vec<usize> = (0..vms.len()).collect();
    order.sort_by_key(|&i| {
        (
            guests[i].deadline().is_none(),
            guests[i].deadline(),
            vms[i].vm,
        )
    });
    // Every VM costs the per-VM bound; those beyond the spares also search the shared cores.
    let spares = cores
        .iter()
        .filter(|c| c.healthy && c.core != fault.failed_core && c.residents.is_empty())
        .count();
    let without_spare = vms.len().saturating_sub(spares) as u64;
    let context = Context {
        fault,
        platform,
        decide: platform
            .model
            .decide
            .saturating_mul(vms.len() as u64)
            .saturating_add(platform.decide_shared.saturating_mul(without_spare)),
    };
    let mut hosts = Hosts::new(fault, cores, platform);
    let mut queue: Time = 0;
    let mut decisions = Vec::with_capacity(vms.len());
    for i in order {
        platform.step();
        let decision = context.decide(&vms[i], &guests[i], queue, &mut hosts);
        if decision.target != Target::Stop {
            queue = queue.saturating_add(decision.downtime.own_work());
        }
        decisions.push(decision);
    }
    Plan { decisions }
}

/// What every VM's decision shares.
struct Context<'a> {
    fault: &'a FaultInput,
    platform: &'a Platform,
    /// Deciding every VM: `n x` the per-VM bound, plus the shared-core search bound for each VM
    /// beyond the spares.
    decide: Time,
}

/// The policy's reading of the prediction.
enum Verdict {
    /// Blackout within `A`, no miss predicted.
    NoMiss,
    /// Blackout beyond `A`.
    BeyondSlack,
    /// Within `A`, yet misses predicted, or on a shared core not excluded by a complete
    /// simulation.
    DespiteSlack,
    /// No reports.
    Unknown,
}

impl Context<'_> {
    fn decide(&self, vm: &VmInput, guest: &Guest, queue: Time, hosts: &mut Hosts) -> Decision {
        let with_reload = |mut cost: DowntimeBreakdown| {
            cost.state = cost.state.saturating_add(vm.reload_ns);
            cost
        };
        let cost = with_reload(self.platform.model.predict(vm.memory_bytes, vm.copy_memory));
        let unplaced = |reason| {
            let terms = self.terms(guest, &cost, queue, 0);
            self.decision(vm, guest, terms, None, None, reason)
        };
        if cost.copy == Time::MAX {
            return unplaced(Reason::NoCopyBandwidth);
        }
        if vm.policy == MigratePolicy::Never {
            return unplaced(Reason::PolicyNever);
        }
        let rt = vm.realtime.as_ref();
        let Some(mut placement) = hosts.find(vm.vm, rt.map(|rt| &rt.tasks)) else {
            return unplaced(Reason::NoHost);
        };
        // Only spare cores own a copy region; a VM sharing a busy core keeps its memory where
        // it is and is remapped in place.
        let cost = match placement {
            Placement::Shared { .. } => {
                with_reload(self.platform.model.predict(vm.memory_bytes, false))
            }
            Placement::Spare(_) => cost,
        };
        let restore_at = self
            .fault
            .detected_at
            .saturating_add(self.terms(guest, &cost, queue, 0).restore_offset());
        placement.start(restore_at);
        let supply = placement.supply(
            vm.vm,
            self.platform.switch,
            self.platform.model.restore,
            restore_at,
        );
        let terms = self.terms(guest, &cost, queue, supply.first_slot_wait());
        let blackout = restore_at
            .saturating_add(terms.server_wait)
            .saturating_sub(guest.start);
        let prediction = match (rt, &guest.state) {
            (Some(rt), Some(state)) => {
                misses_with_supply(&rt.tasks, state, restore_at, supply, PREDICTION_EVENTS).ok()
            }
            _ => None,
        };
        let any_miss = prediction
            .as_ref()
            .is_some_and(|p| p.misses.iter().any(|&m| m > 0));
        let confirmed = prediction.as_ref().is_some_and(|p| p.complete && !any_miss);
        let verdict = if rt.is_none() {
            Verdict::Unknown
        } else if !guest.slack.covers(blackout) {
            Verdict::BeyondSlack
        } else if !any_miss && (confirmed || supply == Supply::Dedicated) {
            Verdict::NoMiss
        } else {
            Verdict::DespiteSlack
        };
        let reason = match (vm.policy, verdict) {
            (_, Verdict::NoMiss) => Reason::NoMiss,
            (MigratePolicy::IfNoMiss, Verdict::Unknown) => Reason::UnknownForbidden,
            (MigratePolicy::IfNoMiss, _) => Reason::MissesForbidden,
            (_, Verdict::BeyondSlack) => Reason::MissesAccepted,
            (_, Verdict::DespiteSlack) => Reason::SupplyMissesAccepted,
            (_, Verdict::Unknown) => Reason::UnreportedAccepted,
        };
        let target = reason.migrates().then_some(&placement);
        if let Some(placement) = target {
            hosts.commit(placement);
        }
        self.decision(vm, guest, terms, target, prediction, reason)
    }

    /// The downtime terms of `vm` restored after `queue` of work, first supplied `wait` after
    /// its restore instant.
    fn terms(
        &self,
        guest: &Guest,
        cost: &DowntimeBreakdown,
        queue: Time,
        wait: Time,
    ) -> DowntimeTerms {
        let fault = self.fault;
        let mut terms = DowntimeTerms {
            detect: fault.detected_at.saturating_sub(fault.last_heartbeat),
            lost: match guest.kind {
                FaultKind::FailStop => fault.detected_at.saturating_sub(guest.start),
                FaultKind::FailSignal => 0,
            },
            decide: self.decide,
            state: cost.state,
            copy: cost.copy,
            remap: cost.remap,
            restore: cost.restore,
            queue,
            server_wait: wait,
            total: 0,
        };
        terms.total = sum(&[terms.detect, terms.after_detection()]);
        terms
    }

    /// The decision: migrated to `target`, or stopped when it is `None` (the downtime figures
    /// then describe the migration that was considered).
    fn decision(
        &self,
        vm: &VmInput,
        guest: &Guest,
        downtime: DowntimeTerms,
        target: Option<&Placement>,
        prediction: Option<Prediction>,
        reason: Reason,
    ) -> Decision {
        let restore_at = self
            .fault
            .detected_at
            .saturating_add(downtime.restore_offset());
        let resume_at = restore_at.saturating_add(downtime.server_wait);
        let (target, frame) = match target {
            None => (Target::Stop, None),
            Some(Placement::Spare(core)) => (Target::Spare(*core), None),
            Some(Placement::Shared {
                core, frame, theta, ..
            }) => {
                let budget = (*theta, frame.period);
                let target = Target::Shared {
                    core: *core,
                    budget,
                };
                (target, Some(frame.clone()))
            }
        };
        let misses_complete = prediction.as_ref().is_some_and(|p| p.complete);
        let horizon = prediction.as_ref().and_then(|p| p.horizon);
        Decision {
            vm: vm.vm,
            name: vm.name.clone(),
            policy: vm.policy,
            affordable: guest.slack.finite(),
            report: guest.report,
            downtime,
            blackout_start: guest.start,
            blackout: resume_at.saturating_sub(guest.start),
            restore_at,
            resume_at,
            predicted_misses: prediction.map(|p| p.misses),
            misses_complete,
            horizon,
            target,
            frame,
            reason,
        }
    }
}
