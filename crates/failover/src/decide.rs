//! A decider's work: from a snapshot of the ledger, the migration policy's decisions for every
//! orphan it must decide for, as ledger decisions applied to a draft. The draft is published
//! only if the ledger is still at the snapshot's version ([`Ledger::publish`]); otherwise the
//! decider computes again from the new ledger, so no two decisions ever take the same room.
//!
//! Orphans are decided failed core by failed core, in the order the failures were claimed, one
//! failed core per decision: each sees the rooms the decisions before it took.

use crate::frame::{FrameSpec, SlotSpec};
use crate::ledger::{CoreStatus, FaultKind, Guest, GuestId, GuestStatus, Ledger, Move, ResumeKind};
use crate::protocol::{Decision, Placement, Refusal};
use alloc::vec::Vec;
use migration_policy::{CoreInput, FaultInput, Frame, Platform, RanIn, Slot, Target, VmInput};
use rt_analysis::TaskSet;

/// What a decider knows beside the ledger.
pub trait Facts {
    /// The policy's view of orphan `guest`'s VM, resuming as `resume`.
    fn vm_input(&self, guest: &Guest, resume: ResumeKind) -> VmInput;
    /// How orphan `guest` would resume, its state held by `origin`, after a failure of `kind`
    /// of the core `failed`.
    fn resume(&self, guest: &Guest, failed: usize, origin: usize, kind: FaultKind) -> ResumeKind;
    /// The task set VM `vm` registered, if any.
    fn task_set(&self, vm: usize) -> Option<TaskSet>;
    /// True while `core` beats: a core gone silent but not claimed yet is no target.
    fn beating(&self, core: usize) -> bool;
    /// When `core` signalled its failure (it handed its vCPU's live state over then).
    fn signalled_at(&self, core: usize) -> Option<u64>;
    /// The time now (ns).
    fn now(&self) -> u64;
    /// The platform's downtime model and frame periods.
    fn platform(&self) -> Platform;
    /// The slot orphan `guest` ran in on the failed core `failed` (context switch `switch`),
    /// if that core ran time partitions when it failed (the ledger drops a failed core's
    /// frame; the machine remembers what each core last applied). Default: none.
    fn ran_in(&self, _guest: GuestId, _failed: usize, _switch: u64) -> Option<RanIn> {
        None
    }
}

/// One decided orphan.
#[derive(Clone, Debug)]
pub struct Decided {
    /// The ledger's decision.
    pub decision: Decision,
    /// The policy's decision it comes from, with every figure (for the trace).
    pub policy: migration_policy::Decision,
    /// The failure it was decided under.
    pub fault: FaultInput,
}

/// A decider's result: the draft ledger with every decision applied.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The version of the snapshot it was computed from.
    pub based_on: u64,
    /// The snapshot with the decisions applied.
    pub draft: Ledger,
    /// The decisions, in the order they were made.
    pub decided: Vec<Decided>,
}

/// Decides for the orphans of `me` in `snapshot` of one failed core, the one claimed first: each
/// failure's decisions are committed (and their targets woken) before the next failure's are
/// computed, so that the decision-time bound a failure's prediction counts on covers its own
/// VMs only. The caller decides again while orphans are left. `Refusal` only if a decision
/// does not fit the ledger (a disagreement between policy and ledger: a bug).
pub fn decide(snapshot: &Ledger, me: usize, facts: &dyn Facts) -> Result<Outcome, Refusal> {
    let mut draft = *snapshot;
    let mut decided = Vec::new();
    if let Some(failed) = next_group(&draft, me) {
        let CoreStatus::Failed(failure) = draft.core(failed) else {
            return Err(Refusal::Core(failed));
        };
        let kind = failure.kind;
        let orphans: Vec<(GuestId, ResumeKind)> = draft
            .orphans_of(me)
            .filter_map(|id| match draft.guests[id].status {
                GuestStatus::Orphaned {
                    failed: f, origin, ..
                } if f == failed => {
                    Some((id, facts.resume(&draft.guests[id], failed, origin, kind)))
                }
                _ => None,
            })
            .collect();
        let fault = FaultInput {
            failed_core: failed,
            detected_at: facts.now(),
            last_heartbeat: failure.last_beat_ns,
            kind: match kind {
                FaultKind::Stop => migration_policy::FaultKind::FailStop,
                FaultKind::Signal => migration_policy::FaultKind::FailSignal,
            },
            signalled_at: match kind {
                FaultKind::Signal => facts.signalled_at(failed),
                FaultKind::Stop => None,
            },
        };
        let platform = facts.platform();
        let switch = platform.switch;
        let vms: Vec<VmInput> = orphans
            .iter()
            .map(|&(id, resume)| {
                let mut vm = facts.vm_input(&draft.guests[id], resume);
                if let Some(rt) = vm.realtime.as_mut() {
                    rt.ran_in = facts.ran_in(id, failed, switch);
                }
                vm
            })
            .collect();
        // A decider with another failure's orphans still to decide is no target now: the
        // guests it took would wait for those decisions, which their prediction cannot count.
        let more = draft.orphans_of(me).any(|id| {
            matches!(draft.guests[id].status, GuestStatus::Orphaned { failed: f, .. } if f != failed)
        });
        let mut cores = core_inputs(&draft, failed, facts);
        if more {
            cores
                .iter_mut()
                .filter(|input| input.core == me)
                .for_each(|input| input.healthy = false);
        }
        let plan = migration_policy::plan(&fault, &vms, &cores, &platform);
        if plan.decisions.len() != orphans.len() {
            return Err(Refusal::Guest(orphans[0].0)); // the policy left an orphan undecided
        }
        // One at a time on the draft: a later decision of the plan may share a core with an
        // earlier one's migrant, which must then be among that core's occupants.
        for policy in plan.decisions {
            let &(id, resume) = orphans
                .iter()
                .find(|(id, _)| draft.guests[*id].vm == policy.vm)
                .ok_or(Refusal::Guest(orphans[0].0))?;
            let origin = match draft.guests[id].status {
                GuestStatus::Orphaned { origin, .. } => origin,
                _ => return Err(Refusal::Guest(id)),
            };
            let decision = Decision {
                guest: id,
                placement: placement(&draft, id, origin, resume, &fault, &policy)?,
            };
            let version = draft.version;
            draft.commit(me, version, &[decision])?;
            decided.push(Decided {
                decision,
                policy,
                fault,
            });
        }
    }
    Ok(Outcome {
        based_on: snapshot.version,
        draft,
        decided,
    })
}

/// The failed core whose orphans `me` decides next: the one claimed first (then lowest id).
fn next_group(ledger: &Ledger, me: usize) -> Option<usize> {
    ledger
        .orphans_of(me)
        .filter_map(|id| match ledger.guests[id].status {
            GuestStatus::Orphaned { failed, .. } => match ledger.core(failed) {
                CoreStatus::Failed(failure) => Some((failure.detected_ns, failed)),
                _ => None,
            },
            _ => None,
        })
        .min()
        .map(|(_, failed)| failed)
}

/// Every core as the policy sees it: a target only if the ledger says healthy and it beats.
fn core_inputs(ledger: &Ledger, failed: usize, facts: &dyn Facts) -> Vec<CoreInput> {
    (0..ledger.core_count())
        .map(|core| {
            let residents: Vec<usize> = ledger
                .occupants(core)
                .map(|id| ledger.guests[id].vm)
                .collect();
            // A core one of whose guests got it whole by a migration is no target: sharing it
            // would cut the supply that guest's prediction counted on.
            let now = facts.now();
            let whole = ledger.frame(core).is_none()
                && ledger
                    .occupants(core)
                    .any(|id| ledger.guests[id].needs_whole_core(now));
            CoreInput {
                core,
                healthy: core != failed && ledger.is_healthy(core) && facts.beating(core) && !whole,
                resident_sets: residents.iter().map(|&vm| facts.task_set(vm)).collect(),
                residents,
                frame: ledger.frame(core).map(|frame| Frame {
                    start: frame.start_ns,
                    period: frame.period_ns,
                    slots: frame
                        .slots()
                        .iter()
                        .map(|slot| Slot {
                            vm: ledger.guests[slot.guest].vm,
                            offset: slot.offset_ns,
                            length: slot.length_ns,
                        })
                        .collect(),
                }),
            }
        })
        .collect()
}

/// The ledger placement of the policy's decision for orphan `id`.
fn placement(
    ledger: &Ledger,
    id: GuestId,
    origin: usize,
    resume: ResumeKind,
    fault: &FaultInput,
    policy: &migration_policy::Decision,
) -> Result<Placement, Refusal> {
    let (to, shared) = match policy.target {
        Target::Stop => return Ok(Placement::Stop),
        Target::Spare(core) => (core, false),
        Target::Shared { core, .. } => (core, true),
    };
    let moving = Move {
        from: fault.failed_core,
        origin,
        to,
        resume,
        resume_at_ns: policy.resume_at,
        predicted_ns: policy.downtime.total,
        detected_ns: fault.detected_at,
        copy: !shared && policy.downtime.copy > 0,
        shared,
        whole_until_ns: policy.horizon.unwrap_or(u64::MAX),
    };
    let frame = match (&policy.frame, shared) {
        (Some(frame), true) => Some(frame_spec(ledger, id, to, frame)?),
        _ => None,
    };
    Ok(Placement::Move { moving, frame })
}

/// The policy's frame of core `core` (slots by VM) as a ledger frame (slots by guest): the
/// migrant `id`'s slot and one per occupant of `core`.
fn frame_spec(
    ledger: &Ledger,
    id: GuestId,
    core: usize,
    frame: &Frame,
) -> Result<FrameSpec, Refusal> {
    let migrant = ledger.guests[id].vm;
    let slots: Vec<SlotSpec> = frame
        .slots
        .iter()
        .map(|slot| {
            let guest = if slot.vm == migrant {
                Some(id)
            } else {
                ledger
                    .occupants(core)
                    .find(|&g| ledger.guests[g].vm == slot.vm)
            };
            guest
                .map(|guest| SlotSpec {
                    guest,
                    offset_ns: slot.offset,
                    length_ns: slot.length,
                })
                .ok_or(Refusal::NoRoom(core))
        })
        .collect::<Result<_, _>>()?;
    FrameSpec::new(frame.start, frame.period, &slots).map_err(|_| Refusal::NoRoom(core))
}

impl Ledger {
    /// Publishes `outcome`'s draft if the ledger is still at the version it was computed from.
    pub fn publish(&mut self, outcome: &Outcome) -> Result<(), Refusal> {
        if self.version != outcome.based_on {
            return Err(Refusal::Stale);
        }
        *self = outcome.draft;
        Ok(())
    }
}
