//! The decider's side on the machine: report the failures this core claimed, decide for the
//! guests they orphaned (the `failover` crate's decider with the migration policy, computed
//! with the heartbeat going on and committed only if the ledger did not change meanwhile), and
//! carry the decisions out: trace them, stop what stays, wake the targets.

use super::facts::MachineFacts;
use super::{inputs, summary};
use crate::arch::aarch64::cpu;
use crate::health::ledger;
use crate::vm::vms;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use failover::decide::Outcome;
use failover::{CoreStatus, Placement, Refusal};
use migration_policy::Target;

/// Failures already traced (bit per core), whoever traced them.
static REPORTED: AtomicU32 = AtomicU32::new(0);

/// Traces the failures this core claimed, and those claimed by failed cores whose failure this
/// core claimed (they could not trace theirs), each once.
pub fn report_claims(me: usize) {
    let failures: Vec<(usize, failover::Failure)> = ledger::read(|ledger| {
        let mut mine = 1u32 << me;
        loop {
            let before = mine;
            for core in 0..ledger.core_count() {
                if let CoreStatus::Failed(failure) = ledger.core(core) {
                    if mine & (1 << failure.by) != 0 {
                        mine |= 1 << core;
                    }
                }
            }
            if mine == before {
                break;
            }
        }
        (0..ledger.core_count())
            .filter_map(|core| match ledger.core(core) {
                CoreStatus::Failed(failure) if mine & (1 << failure.by) != 0 => {
                    Some((core, failure))
                }
                _ => None,
            })
            .collect()
    });
    for (core, failure) in failures {
        if REPORTED.fetch_or(1 << core, Ordering::AcqRel) & (1 << core) != 0 {
            continue;
        }
        let kind = match failure.kind {
            failover::FaultKind::Stop => "stop",
            failover::FaultKind::Signal => "signal",
        };
        let latency = failure.detected_ns.saturating_sub(failure.last_beat_ns);
        log::warn!(
            "core {core} failed ({kind}), claimed by core {}; last heartbeat {} us before",
            failure.by,
            latency / 1000
        );
        crate::console::emit(
            crate::console::event("fault_detected")
                .u64("failed_core", core as u64)
                .str("kind", kind)
                .u64("by", failure.by as u64)
                .u64("last_beat_ns", failure.last_beat_ns)
                .u64("detected_ns", failure.detected_ns)
                .u64("latency_ns", latency),
        );
    }
}

/// Decides for every guest orphaned with this core as its decider, until none is left.
pub fn decide_pending(me: usize) {
    loop {
        let snapshot = ledger::snapshot();
        if snapshot.orphans_of(me).next().is_none() {
            return;
        }
        let started = cpu::counter();
        let outcome =
            crate::health::with_beats(|| failover::decide::decide(&snapshot, me, &MachineFacts));
        let decide_ns = cpu::ticks_to_ns(cpu::counter() - started);
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(refusal) => return stop_orphans(me, refusal),
        };
        let moved = || {
            outcome.decided.iter().filter_map(|decided| {
                matches!(decided.decision.placement, Placement::Move { .. })
                    .then_some(decided.decision.guest)
            })
        };
        moved().for_each(|guest| super::announce::withhold(guest, me));
        let published = ledger::update(|ledger| ledger.publish(&outcome));
        if published.is_err() {
            moved().for_each(super::announce::release);
        }
        match published {
            Ok(()) => carry_out(&outcome, decide_ns),
            Err(Refusal::Stale) => {
                log::debug!("core {me}: the ledger changed during the decision; deciding again")
            }
            Err(refusal) => {
                crate::health::fence_if_declared_failed();
                return stop_orphans(me, refusal);
            }
        }
    }
}

/// The decider could not decide (a disagreement between the policy and the ledger: a bug):
/// its orphans stop, each with a traced reason, rather than wait for ever.
fn stop_orphans(me: usize, why: Refusal) {
    log::error!("core {me}: no decision possible ({why:?}); its orphans stop");
    let orphans: Vec<usize> = ledger::read(|ledger| {
        ledger
            .orphans_of(me)
            .filter_map(|id| ledger.guest(id).map(|guest| guest.vm))
            .collect()
    });
    for vm in orphans {
        super::stop_vm(&vms()[vm], "decision_failed", log::Level::Error);
    }
}

/// Notes each decision for the end-of-run table (first: a target that resumes its VM at once
/// fills in the note's measured downtime), traces the committed decisions, each move's before
/// its target may land the guest (then woken), and stops the VMs that stay.
fn carry_out(outcome: &Outcome, decide_ns: u64) {
    for decided in &outcome.decided {
        note(decided);
    }
    for decided in &outcome.decided {
        let policy = &decided.policy;
        let mut event = crate::console::event("migration_decision")
            .u64("failed_core", decided.fault.failed_core as u64);
        for (key, value) in migration_policy::trace_fields(policy) {
            event = inputs::add_field(event, key, value);
        }
        crate::console::emit(event.u64("decide_ns", decide_ns));
        log::info!("{policy}");
        if let Placement::Move { moving, .. } = decided.decision.placement {
            super::announce::release(decided.decision.guest);
            crate::vm::table::kick(moving.to);
        }
    }
    for decided in &outcome.decided {
        if decided.decision.placement == Placement::Stop {
            super::stop_vm(&vms()[decided.policy.vm], "not_migrated", log::Level::Warn);
        }
    }
    for decided in &outcome.decided {
        super::completion::queue(&decided.policy, decided.fault.failed_core);
    }
}

/// The end-of-run table's row of one decision.
fn note(decided: &failover::decide::Decided) {
    let policy = &decided.policy;
    let vm = &vms()[policy.vm];
    summary::record(summary::Row {
        core: decided.fault.failed_core,
        vm: vm.id,
        name: vm.name.clone(),
        affordable: policy.affordable,
        predicted: policy.downtime.total,
        measured: None,
        predicted_misses: policy.predicted_misses.as_ref().map(|m| m.iter().sum()),
        misses_before: vm.realtime.misses(),
        outcome: match policy.target {
            Target::Spare(core) => alloc::format!("moved to spare core {core}"),
            Target::Shared { core, budget } => alloc::format!(
                "shares core {core} ({} of every {} us)",
                budget.0 / 1000,
                budget.1 / 1000
            ),
            Target::Stop => alloc::format!("stopped: {}", policy.reason),
        },
    });
}
