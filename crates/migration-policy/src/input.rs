//! What the hypervisor hands the policy: the fault, the failed core's VMs with their real-time
//! reports, every core with its residents, and the platform's calibrated downtime model.

use crate::frame::Frame;
use alloc::string::String;
use alloc::vec::Vec;
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::{SimState, Slack, TaskSet, Time};

/// When a VM may be migrated off a failed core (its `kairos,migrate` property).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MigratePolicy {
    /// Migrate even when deadline misses are predicted: service restoration first.
    #[default]
    Always,
    /// Migrate only when no deadline miss is predicted; otherwise stop the VM.
    IfNoMiss,
    /// Never migrate: the VM stops with its core.
    Never,
}

impl MigratePolicy {
    /// The property value: `"always"`, `"if-no-miss"` or `"never"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::IfNoMiss => "if-no-miss",
            Self::Never => "never",
        }
    }
}

/// How the core failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The core stopped silently (found by missed heartbeats); its VMs resume from their last
    /// committed checkpoint, losing the work done since.
    FailStop,
    /// The core detected its own error and handed over its VMs' live state.
    FailSignal,
}

/// One VM of the failed core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmInput {
    /// VM id.
    pub vm: usize,
    /// VM name, for the trace.
    pub name: String,
    /// Size of the VM's memory in bytes.
    pub memory_bytes: u64,
    /// The memory must move to the target core's region (else it is remapped in place).
    pub copy_memory: bool,
    /// Its migration policy.
    pub policy: MigratePolicy,
    /// Fail-signal handed over no live state for it (it was switched out in a time partition
    /// of the failed core): it resumes from its checkpoint, as after a fail-stop.
    pub checkpoint_only: bool,
    /// When it resumes by booting again (no checkpoint): the bound of reloading its memory
    /// from its image on the target, part of its state term; 0 otherwise.
    pub reload_ns: Time,
    /// Its paravirtual RTOS reports; `None` when it reports nothing (then `A` is unknown, taken
    /// as 0, and misses are not predicted).
    pub realtime: Option<RealTimeInput>,
}

/// What a paravirtual RTOS registered and reported before the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealTimeInput {
    /// Its task set and scheduler.
    pub tasks: TaskSet,
    /// Its last committed state, at `checkpoint.now = t_c` (fail-stop resumes from it).
    pub checkpoint: SimState,
    /// `A(t_u)` from its last report.
    pub reported_slack: Slack,
    /// `t_u`, the instant of that report.
    pub reported_at: Time,
    /// The slot it ran in on the failed core, if that core ran time partitions; `None` if it
    /// owned the core. Its state at the blackout start is its checkpoint advanced with that
    /// supply (a migrant sharing a core gets a slot re-dimensioned at the target frame's period
    /// instead: [`crate::server_budget`]).
    pub ran_in: Option<RanIn>,
}

/// The slot a VM ran in: from `start` on (the whole core before it), every `period` it got the
/// processor from `offset + switch` to `offset + length` of the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RanIn {
    /// The frame's first instant.
    pub start: Time,
    /// The frame period.
    pub period: Time,
    /// The slot's start within the period.
    pub offset: Time,
    /// The slot's length, the context switch included.
    pub length: Time,
    /// The context switch at the slot's start.
    pub switch: Time,
}

/// One core of the platform, as the survivors see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreInput {
    /// Logical core index.
    pub core: usize,
    /// Alive and able to host VMs (false for the failed core).
    pub healthy: bool,
    /// VM ids running there.
    pub residents: Vec<usize>,
    /// Per resident (same order), its task set if it registered one.
    pub resident_sets: Vec<Option<TaskSet>>,
    /// The core's time partitions: `None` when each resident owns the core whole (static
    /// partitioning, normally one resident); `Some` when it already runs a frame (an earlier
    /// consolidation), whose slots' VMs are exactly the residents.
    pub frame: Option<Frame>,
}

impl CoreInput {
    /// A healthy core without residents (a spare).
    pub fn idle(core: usize) -> Self {
        Self {
            core,
            healthy: true,
            residents: Vec::new(),
            resident_sets: Vec::new(),
            frame: None,
        }
    }

    /// Resident `i`: its VM id and task set (a missing entry reads as `None`).
    pub fn resident(&self, i: usize) -> (usize, Option<&TaskSet>) {
        let set = self.resident_sets.get(i).and_then(Option::as_ref);
        (self.residents[i], set)
    }
}

/// The fault being handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultInput {
    /// The core that failed.
    pub failed_core: usize,
    /// `t_d`: when it was detected; the policy runs from this instant.
    pub detected_at: Time,
    /// The last heartbeat seen from it: the fault happened after it.
    pub last_heartbeat: Time,
    /// How it failed.
    pub kind: FaultKind,
    /// Fail-signal: when the failing core took its running vCPU off (handed over with its live
    /// state). That VM's blackout starts there; `None` when the core did not say.
    pub signalled_at: Option<Time>,
}

/// A lookup of server budgets known ahead: `Some(min_budget(set, pi))` when known.
pub type KnownBudgets = fn(&TaskSet, Time) -> Option<Option<Time>>;

/// The platform's calibrated figures.
#[derive(Clone, Debug)]
pub struct Platform {
    /// Upper bounds of the downtime terms; `decide` is the bound of deciding one VM. Its
    /// `detect` term is unused: detection is observed (`t_d - last_heartbeat`).
    pub model: DowntimeModel,
    /// Candidate periods `pi` of a new frame on a core whose residents own it whole, tried in
    /// this order (e.g. [`crate::candidate_periods`], largest first); empty = no new sharing.
    /// A core that already runs a frame keeps its period.
    pub server_periods: Vec<Time>,
    /// Upper bound of the hypervisor's context switch at the start of every slot: a slot of
    /// length `L` supplies its VM `L - switch`.
    pub switch: Time,
    /// Extra decision time for each VM that finds no spare left: admitting it to a shared core
    /// (budgets at every candidate period, the frame's prediction) costs more than taking a
    /// spare, and the plan is done before any VM is restored.
    pub decide_shared: Time,
    /// Called between the plan's steps (each VM, each candidate core): the hypervisor beats its
    /// heartbeat there, so that a long plan does not make the deciding core look dead.
    pub progress: Option<fn()>,
    /// The decider's clock (ns, the timeline of `FaultInput::detected_at`), when the decision
    /// must keep to its time bound: each VM's predictions then stop at its share of the bound
    /// (a cut prediction is completed after the commit: [`crate::Decision::deferred`]).
    /// `None`: predictions run to their event budget.
    pub clock: Option<fn() -> Time>,
    /// Server budgets known ahead (`min_budget` of a task set at a frame period, computed off
    /// the decision's path): `Some(result)` when known. The shared-core search computes the
    /// others itself, within its time.
    pub known_budgets: Option<KnownBudgets>,
    /// Per VM, the part of the decision bound kept for what follows its predictions (committing
    /// the decision and tracing it before the target may resume the VM).
    pub reserve: Time,
}

impl Platform {
    /// Tells the caller the plan is making progress.
    pub(crate) fn step(&self) {
        if let Some(progress) = self.progress {
            progress();
        }
    }
}
