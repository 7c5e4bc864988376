//! [`plan`]: order the failed core's VMs, then for each predict the misses of its target options,
//! take the one with the fewest, and apply its policy.

use crate::decision::{sum, Alternative, Decision, Deferred, DowntimeTerms, Plan, Reason, Target};
use crate::input::{CoreInput, FaultInput, FaultKind, MigratePolicy, Platform, VmInput};
use crate::placement::{Hosts, Placement};
use crate::slack::{assess, Guest};
use crate::supply::{misses_within, Budget, Prediction, Supply, CHUNK_EVENTS, PREDICTION_EVENTS};
use alloc::vec::Vec;
use rt_analysis::downtime::DowntimeBreakdown;
use rt_analysis::Time;

/// How [`plan_with`] orders the VMs and picks their targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetChoice {
    /// Kairos's policy: VMs in ascending order of their latest safe resume instant `s + A`;
    /// each to the option with the fewest predicted misses, then the shortest downtime, among
    /// the lowest spare and, when the VM's memory would be copied to a spare, the lowest core
    /// that can share its frame with it (docs/method.md, "Order, verdict, target").
    FewestMisses,
    /// A policy that ignores `A`, for comparison: VMs in id order, each to the lowest spare
    /// core, else the lowest core that can share.
    FirstSpare,
}

/// Decides what happens to each VM of the failed core (`vms`, all of them), given every core
/// (`cores`; the failed and unhealthy ones are never targets), with
/// [`TargetChoice::FewestMisses`]. VMs are restored one after another: each one's queue term
/// is the restoration work of the migrated VMs before it. See the crate documentation for the
/// terms and the verdict.
pub fn plan(fault: &FaultInput, vms: &[VmInput], cores: &[CoreInput], platform: &Platform) -> Plan {
    plan_with(fault, vms, cores, platform, TargetChoice::FewestMisses)
}

/// [`plan`] with the order and target choice of `choice`.
pub fn plan_with(
    fault: &FaultInput,
    vms: &[VmInput],
    cores: &[CoreInput],
    platform: &Platform,
    choice: TargetChoice,
) -> Plan {
    let guests: Vec<Guest> = vms.iter().map(|vm| assess(fault, vm)).collect();
    let mut order: Vec<usize> = (0..vms.len()).collect();
    match choice {
        TargetChoice::FewestMisses => order.sort_by_key(|&i| {
            (
                guests[i].deadline().is_none(),
                guests[i].deadline(),
                vms[i].vm,
            )
        }),
        TargetChoice::FirstSpare => order.sort_by_key(|&i| vms[i].vm),
    }
    let mut hosts = Hosts::new(fault, cores, platform);
    // Every VM costs the per-VM bound; those that search the shared cores cost more: the VMs
    // beyond the spares, and, when a spare would cost a copy, every VM that weighs a shared
    // core against it.
    let spares = cores
        .iter()
        .filter(|c| c.healthy && c.core != fault.failed_core && c.residents.is_empty())
        .count();
    let weighing = if choice == TargetChoice::FewestMisses && hosts.any_shareable() {
        vms.iter().filter(|vm| vm.copy_memory).count()
    } else {
        0
    };
    let searching = vms.len().saturating_sub(spares).max(weighing) as u64;
    let context = Context {
        fault,
        platform,
        choice,
        decide: platform
            .model
            .decide
            .saturating_mul(vms.len() as u64)
            .saturating_add(platform.decide_shared.saturating_mul(searching)),
    };
    // With a clock, the VMs' predictions share the bound left after each one's reserve: the
    // k-th VM's stop at its k-th share from the decision's start, so no VM takes another's.
    let allowance = context
        .decide
        .saturating_sub(platform.reserve.saturating_mul(vms.len() as u64));
    let mut queue: Time = 0;
    let mut decisions = Vec::with_capacity(vms.len());
    for (k, i) in order.into_iter().enumerate() {
        platform.step();
        let share = u128::from(allowance) * (k as u128 + 1) / vms.len() as u128;
        let budget = match platform.clock {
            Some(clock) => Budget {
                events: PREDICTION_EVENTS,
                clock: Some(clock),
                deadline: fault
                    .detected_at
                    .saturating_add(u64::try_from(share).unwrap_or(u64::MAX)),
                chunk: CHUNK_EVENTS,
            },
            None => Budget::events(PREDICTION_EVENTS),
        };
        let decision = context.decide(&vms[i], &guests[i], queue, &mut hosts, budget);
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
    choice: TargetChoice,
    /// Deciding every VM: `n x` the per-VM bound, plus the shared-core search bound for each VM
    /// that searches the shared cores.
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
    fn decide(
        &self,
        vm: &VmInput,
        guest: &Guest,
        queue: Time,
        hosts: &mut Hosts,
        budget: Budget,
    ) -> Decision {
        let cost = self.cost(vm, vm.copy_memory);
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
        // A spare costs the copy, a shared core does not (the VM stays in place there): only
        // then can a shared core beat a spare, so only then are both weighed.
        let explore = self.choice == TargetChoice::FewestMisses && cost.copy > 0;
        let mut options = hosts.options(vm.vm, rt.map(|rt| &rt.tasks), explore, &budget);
        if self.choice == TargetChoice::FirstSpare {
            options.truncate(1);
        }
        let mut alternatives = Vec::with_capacity(options.len());
        let mut best: Option<Candidate> = None;
        for placement in options {
            self.platform.step();
            let candidate = self.evaluate(vm, guest, queue, placement, budget);
            alternatives.push(candidate.alternative());
            if best.as_ref().is_none_or(|b| candidate.rank() < b.rank()) {
                best = Some(candidate);
            }
        }
        let Some(Candidate {
            placement,
            terms,
            blackout,
            supply,
            prediction,
        }) = best
        else {
            return unplaced(Reason::NoHost);
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
        // A prediction the time allowance cut is completed after the commit, off the path to
        // the target's resume.
        let cut = prediction.as_ref().is_some_and(|p| !p.complete) && budget.clock.is_some();
        let mut decision = self.decision(vm, guest, terms, target, prediction, reason);
        decision.alternatives = alternatives;
        decision.deferred = match (rt, &guest.state) {
            (Some(rt), Some(state)) if cut && target.is_some() => Some(Deferred {
                tasks: rt.tasks.clone(),
                state: state.clone(),
                restore_at: decision.restore_at,
                supply,
            }),
            _ => None,
        };
        decision
    }

    /// The downtime of moving `vm`, its memory copied or not (a reboot adds its reload).
    fn cost(&self, vm: &VmInput, copy: bool) -> DowntimeBreakdown {
        let mut cost = self.platform.model.predict(vm.memory_bytes, copy);
        cost.state = cost.state.saturating_add(vm.reload_ns);
        cost
    }

    /// `vm` restored at `placement` after `queue` of work: its downtime, blackout, supply and
    /// predicted misses.
    fn evaluate(
        &self,
        vm: &VmInput,
        guest: &Guest,
        queue: Time,
        mut placement: Placement,
        budget: Budget,
    ) -> Candidate {
        // Only spare cores own a copy region; a VM sharing a busy core keeps its memory where
        // it is and is remapped in place.
        let cost = match placement {
            Placement::Shared { .. } => self.cost(vm, false),
            Placement::Spare(_) => self.cost(vm, vm.copy_memory),
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
        let prediction = match (vm.realtime.as_ref(), &guest.state) {
            (Some(rt), Some(state)) => {
                misses_within(&rt.tasks, state, restore_at, supply, budget).ok()
            }
            _ => None,
        };
        Candidate {
            placement,
            terms,
            blackout,
            supply,
            prediction,
        }
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
            alternatives: Vec::new(),
            deferred: None,
        }
    }
}

/// One target considered for a VM, evaluated.
struct Candidate {
    placement: Placement,
    terms: DowntimeTerms,
    blackout: Time,
    supply: Supply,
    prediction: Option<Prediction>,
}

impl Candidate {
    /// Smaller is better: a complete prediction before a cut one (a lower bound), then the
    /// fewest predicted misses (unknown counts as none: no option of the VM has a prediction),
    /// then the earliest resume. Ties keep the earlier option: the spare, the lower core.
    fn rank(&self) -> (bool, u64, Time) {
        let (cut, misses) = self.prediction.as_ref().map_or((false, 0), |p| {
            (!p.complete, p.misses.iter().map(|&m| u64::from(m)).sum())
        });
        (cut, misses, self.terms.total)
    }

    fn alternative(&self) -> Alternative {
        let (core, shared) = match &self.placement {
            Placement::Spare(core) => (*core, false),
            Placement::Shared { core, .. } => (*core, true),
        };
        Alternative {
            core,
            shared,
            misses: self
                .prediction
                .as_ref()
                .map(|p| p.misses.iter().map(|&m| u64::from(m)).sum()),
            downtime: self.terms.total,
        }
    }
}
