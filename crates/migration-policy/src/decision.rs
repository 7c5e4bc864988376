//! The policy's output: one [`Decision`] per VM of the failed core, in execution order.

use crate::frame::Frame;
use crate::input::MigratePolicy;
use crate::supply::{Prediction, Simulation, Supply};
use alloc::string::String;
use alloc::vec::Vec;
use rt_analysis::{SimState, Slack, TaskSet, Time};

/// The decisions for every VM of the failed core, in the order they are carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One per VM, in execution (restoration) order.
    pub decisions: Vec<Decision>,
}

impl Plan {
    /// The decision about VM `vm`.
    pub fn decision(&self, vm: usize) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.vm == vm)
    }
}

/// The decision about one VM, with every figure it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// VM id.
    pub vm: usize,
    /// VM name.
    pub name: String,
    /// Its migration policy.
    pub policy: MigratePolicy,
    /// `A` at the blackout start (aged report, or recomputed: see [`Report::source`]); `None` =
    /// unbounded; `Some(0)` for a VM that reports nothing.
    pub affordable: Option<Time>,
    /// The raw report it rests on (`A(t_u)`, `t_u`, `t_c`); `None` without reports.
    pub report: Option<Report>,
    /// Predicted downtime `D`, term by term.
    pub downtime: DowntimeTerms,
    /// `s`: from here on the guest's schedule has no processor ([`crate::blackout_start`]).
    pub blackout_start: Time,
    /// Predicted blackout of the guest's schedule: `resume_at - blackout_start`.
    pub blackout: Time,
    /// When the VM is restored on its target (a new frame, if any, starts then):
    /// `t_d + downtime.restore_offset()`.
    pub restore_at: Time,
    /// Latest instant it first gets the processor again: `restore_at + server_wait`.
    pub resume_at: Time,
    /// Misses per task ([`crate::supply`]), exact on a spare core and in a frame's slot (with
    /// every context switch at its bound). `None` when the VM reports nothing, its checkpoint
    /// does not fit its task set, or no migration was considered (policy never, no host).
    pub predicted_misses: Option<Vec<u32>>,
    /// True when the prediction ran to an idle instant after the blackout; false when its event
    /// budget ([`crate::supply::PREDICTION_EVENTS`]) cut it short (then the counts are a lower
    /// bound) or nothing was predicted.
    pub misses_complete: bool,
    /// When the prediction is complete: the idle instant it reached, from which the guest has
    /// recovered from the blackout (its schedule is again the one without blackout).
    pub horizon: Option<Time>,
    /// Where it goes.
    pub target: Target,
    /// On a shared target, that core's whole frame after admission, its start set (a new
    /// frame starts at `restore_at`), for the hypervisor's time-partition table; `None`
    /// otherwise. The migrant's slot is `frame.slot_of(vm)`.
    pub frame: Option<Frame>,
    /// Why.
    pub reason: Reason,
    /// The targets considered, in the order tried (the chosen one among them); empty when the
    /// VM was stopped before any was (policy never, no copy bandwidth).
    pub alternatives: Vec<Alternative>,
    /// When the decision's time allowance cut the chosen target's prediction: what completes it
    /// after the commit ([`Deferred::complete`]); `predicted_misses` then holds the lower bound
    /// the decision saw.
    pub deferred: Option<Deferred>,
}

/// A migrant's miss prediction left to complete after its decision is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferred {
    /// Its task set.
    pub tasks: TaskSet,
    /// Its schedule's state at the blackout start.
    pub state: SimState,
    /// Its restore instant on the target.
    pub restore_at: Time,
    /// The processor it gets there.
    pub supply: Supply,
}

impl Deferred {
    /// The whole prediction as a simulation to run a little at a time, within
    /// [`crate::supply::PREDICTION_EVENTS`]; `None` if the state does not fit the task set.
    pub fn simulation(&self) -> Option<Simulation> {
        Simulation::new(
            &self.tasks,
            &self.state,
            self.restore_at,
            self.supply,
            crate::supply::PREDICTION_EVENTS,
        )
        .ok()
    }

    /// The whole prediction, within [`crate::supply::PREDICTION_EVENTS`] and no time limit.
    pub fn complete(&self) -> Option<Prediction> {
        self.simulation()?
            .run(&self.tasks, u64::MAX, &mut || true)
            .ok()
            .flatten()
    }
}

/// One target considered for a VM, with what it was predicted to cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alternative {
    /// The core.
    pub core: usize,
    /// A share of a busy core (else a spare).
    pub shared: bool,
    /// Total predicted misses there; `None` when nothing was predicted.
    pub misses: Option<u64>,
    /// Predicted downtime `D` there.
    pub downtime: Time,
}

/// The guest's last report, as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// `A(t_u)`.
    pub slack: Slack,
    /// `t_u`.
    pub reported_at: Time,
    /// `t_c`, the instant of the committed checkpoint.
    pub checkpoint_at: Time,
    /// How [`Decision::affordable`] was obtained from it.
    pub source: SlackSource,
}

/// How `A` at the blackout start was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlackSource {
    /// The report, aged from `t_u` to the blackout start (`t_u <= s`).
    Aged,
    /// Recomputed from the checkpoint: the report is newer than the blackout start (fail-stop
    /// with `t_u > t_c`) and describes progress the rollback discards.
    Recomputed,
}

/// Predicted downtime terms (ns), each an upper bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DowntimeTerms {
    /// `t_d - last_heartbeat`: observed bound of fault to detection.
    pub detect: Time,
    /// Fail-stop: `t_d - t_c`, work lost since the checkpoint (not in `total`); 0 for
    /// fail-signal.
    pub lost: Time,
    /// Deciding all VMs of the failed core: `n x` the model's per-VM bound.
    pub decide: Time,
    /// Loading the checkpoint or the live vCPU state.
    pub state: Time,
    /// Copying the memory (0 when remapped in place).
    pub copy: Time,
    /// Stage 2 and interrupt routing on the target.
    pub remap: Time,
    /// Resuming the vCPU on the target.
    pub restore: Time,
    /// `state + copy + remap + restore` of the VMs restored before this one.
    pub queue: Time,
    /// On a shared core, from the restore instant to the first supply of the migrant's slot
    /// ([`crate::Frame::first_supply`]; `pi - theta` in a frame new at the restore instant);
    /// else 0.
    pub server_wait: Time,
    /// `D`: the sum of all terms but `lost`, saturating.
    pub total: Time,
}

impl DowntimeTerms {
    /// This VM's own restoration work, `state + copy + remap + restore` (what it adds to the
    /// queue of the VMs after it).
    pub fn own_work(&self) -> Time {
        sum(&[self.state, self.copy, self.remap, self.restore])
    }

    /// From detection to the restore instant: `decide + queue + own_work`.
    pub fn restore_offset(&self) -> Time {
        sum(&[self.decide, self.queue, self.own_work()])
    }

    /// From detection to the first processor time: `total - detect` (what the hypervisor can
    /// measure; compare it with the measured detection-to-resume time).
    pub fn after_detection(&self) -> Time {
        sum(&[self.restore_offset(), self.server_wait])
    }
}

/// Saturating sum.
pub(crate) fn sum(terms: &[Time]) -> Time {
    terms.iter().fold(0, |acc: Time, &t| acc.saturating_add(t))
}

/// Where a VM goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A spare core, owned whole.
    Spare(usize),
    /// A core shared with its residents in a cyclic frame ([`Decision::frame`]).
    Shared {
        /// Target core.
        core: usize,
        /// The migrant's `(theta, pi)`: processor per frame period (its slot less the context
        /// switch), and the frame period.
        budget: (Time, Time),
    },
    /// Not migrated: the VM is stopped (reported, never silently lost).
    Stop,
}

/// Why a VM goes where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Blackout `<= A` and no miss predicted: migrate.
    NoMiss,
    /// Blackout `> A`, policy always: migrate with the predicted misses.
    MissesAccepted,
    /// Blackout `<= A` but misses predicted (a shared core's slot supplies less than a whole
    /// core, or the report contradicts the checkpoint), policy always: migrate.
    SupplyMissesAccepted,
    /// No slack report (`A` unknown, taken as 0), policy always: migrate.
    UnreportedAccepted,
    /// Policy if-no-miss and misses are predicted: stopped.
    MissesForbidden,
    /// Policy if-no-miss and the VM reports nothing, so misses cannot be excluded: stopped.
    UnknownForbidden,
    /// Policy never: stopped.
    PolicyNever,
    /// No healthy core can host it: stopped.
    NoHost,
    /// Its memory must be copied but the platform has no copy bandwidth: stopped.
    NoCopyBandwidth,
}

impl Reason {
    /// True when the VM is migrated.
    pub fn migrates(self) -> bool {
        matches!(
            self,
            Self::NoMiss
                | Self::MissesAccepted
                | Self::SupplyMissesAccepted
                | Self::UnreportedAccepted
        )
    }

    /// A stable keyword for tools.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoMiss => "no_miss",
            Self::MissesAccepted => "misses_accepted",
            Self::SupplyMissesAccepted => "supply_misses_accepted",
            Self::UnreportedAccepted => "unreported_accepted",
            Self::MissesForbidden => "misses_forbidden",
            Self::UnknownForbidden => "unknown_forbidden",
            Self::PolicyNever => "policy_never",
            Self::NoHost => "no_host",
            Self::NoCopyBandwidth => "no_copy_bandwidth",
        }
    }
}
