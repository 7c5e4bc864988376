//! The ledger: the one shared record of which cores are healthy and where every guest (one vCPU
//! of one VM) is. Fixed-size and `Copy`, so a transition works on a private copy and publishes
//! it whole.

use crate::frame::FrameSpec;

/// Most cores the ledger tracks.
pub const MAX_CORES: usize = 8;
/// Most guests (vCPUs, over all VMs) the ledger tracks.
pub const MAX_GUESTS: usize = 16;

/// Index of a guest in the ledger.
pub type GuestId = usize;

/// How a core failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// It went silent: its heartbeats stopped.
    Stop,
    /// It declared its own failure and handed its running vCPU's live state over.
    Signal,
}

/// A claimed failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Failure {
    /// The survivor that claimed it; it decides for the guests the failure orphaned.
    pub by: usize,
    /// How the core failed.
    pub kind: FaultKind,
    /// Its last heartbeat (ns): the fault came after it.
    pub last_beat_ns: u64,
    /// When it was claimed (ns).
    pub detected_ns: u64,
}

/// A core as the ledger knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoreStatus {
    /// No such core on this platform.
    Absent,
    /// Working (as far as anyone knows).
    Healthy,
    /// Declared failed by a survivor; it must fence itself and never act again.
    Failed(Failure),
}

/// How a moved guest resumes on its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResumeKind {
    /// From the checkpoint its RTOS committed last.
    Checkpoint,
    /// Exactly where it stopped, from the live state its failing core handed over.
    Live,
    /// Booted again from its image (it never committed a checkpoint).
    Reboot,
}

/// A decided move of a guest to a target core, with what the target needs to carry it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Move {
    /// The core whose failure it is handled under.
    pub from: usize,
    /// The core holding its state: the live state of a fail-signal (`from`, unless the guest
    /// was on its way elsewhere when `from` failed).
    pub origin: usize,
    /// The target core.
    pub to: usize,
    /// How it resumes.
    pub resume: ResumeKind,
    /// The planned resume instant (ns).
    pub resume_at_ns: u64,
    /// The predicted downtime (ns).
    pub predicted_ns: u64,
    /// When the failure it is handled under was claimed (ns).
    pub detected_ns: u64,
    /// Its memory moves into the target core's own region.
    pub copy: bool,
    /// It shares the target in time partitions (the target's frame has its slot).
    pub shared: bool,
    /// Moved to a whole core: until this instant (the prediction's recovery horizon; `u64::MAX`
    /// when none is known) its prediction counts on the whole core, which is then not shared.
    pub whole_until_ns: u64,
}

/// Why a guest stopped for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The guest powered itself off, or its own fault policy stopped it.
    Guest,
    /// The migration decision stopped it (its policy forbids the misses, or no room).
    Decision,
    /// Its move could not be carried out (its memory could not be remapped, say).
    MoveFailed,
}

/// Where a guest is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuestStatus {
    /// Unused ledger entry.
    Unused,
    /// Resident on `core` (running, or powered off and waiting there for a CPU_ON).
    Running {
        /// The core it owns (or a slot of).
        core: usize,
    },
    /// Its core failed: it waits for a decision by `decider`.
    Orphaned {
        /// The failed core whose claim orphaned it.
        failed: usize,
        /// The core holding its state (see [`Move::origin`]).
        origin: usize,
        /// The survivor that must decide for it.
        decider: usize,
    },
    /// Decided: moving to `Move::to`, which has not taken it yet.
    Placed(Move),
    /// Stopped for good.
    Stopped(StopReason),
}

/// One guest: vCPU `vcpu` of VM `vm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Guest {
    /// VM index.
    pub vm: usize,
    /// vCPU index in the VM.
    pub vcpu: usize,
    /// Where it is.
    pub status: GuestStatus,
    /// It got its core whole by a migration: until this instant (ns; 0 when not) its
    /// prediction counts on the whole core, which is not shared in time partitions under it.
    pub whole_until_ns: u64,
}

impl Guest {
    const UNUSED: Guest = Guest {
        vm: 0,
        vcpu: 0,
        status: GuestStatus::Unused,
        whole_until_ns: 0,
    };

    /// True when its core must not be shared at `now_ns`: a migration gives (or gave) it the
    /// core whole and it has not recovered from the blackout yet.
    pub fn needs_whole_core(&self, now_ns: u64) -> bool {
        match self.status {
            GuestStatus::Placed(moving) => !moving.shared,
            GuestStatus::Running { .. } => self.whole_until_ns > now_ns,
            _ => false,
        }
    }

    /// The core it occupies (a whole core or a slot of its frame): where it runs, or the
    /// target it is placed on.
    pub fn occupies(&self) -> Option<usize> {
        match self.status {
            GuestStatus::Running { core } => Some(core),
            GuestStatus::Placed(moving) => Some(moving.to),
            _ => None,
        }
    }
}

/// The shared record. Change it only through [`crate::protocol`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ledger {
    /// Bumped by every change: a decision computed from a snapshot commits only if the ledger
    /// still has the snapshot's version.
    pub version: u64,
    pub(crate) cores: [CoreStatus; MAX_CORES],
    pub(crate) guests: [Guest; MAX_GUESTS],
    pub(crate) guest_count: usize,
    pub(crate) frames: [Option<FrameSpec>; MAX_CORES],
}

impl Ledger {
    /// `cores` healthy cores, no guests.
    pub const fn new(cores: usize) -> Ledger {
        let mut status = [CoreStatus::Absent; MAX_CORES];
        let mut core = 0;
        while core < cores && core < MAX_CORES {
            status[core] = CoreStatus::Healthy;
            core += 1;
        }
        Ledger {
            version: 0,
            cores: status,
            guests: [Guest::UNUSED; MAX_GUESTS],
            guest_count: 0,
            frames: [None; MAX_CORES],
        }
    }

    /// The status of `core` (`Absent` beyond the table).
    pub fn core(&self, core: usize) -> CoreStatus {
        self.cores.get(core).copied().unwrap_or(CoreStatus::Absent)
    }

    /// True when `core` exists and nobody declared it failed.
    pub fn is_healthy(&self, core: usize) -> bool {
        self.core(core) == CoreStatus::Healthy
    }

    /// The cores the platform has (healthy or failed).
    pub fn core_count(&self) -> usize {
        self.cores
            .iter()
            .take_while(|status| **status != CoreStatus::Absent)
            .count()
    }

    /// Guest `id`, if it exists.
    pub fn guest(&self, id: GuestId) -> Option<&Guest> {
        self.guests[..self.guest_count].get(id)
    }

    /// Every guest with its id.
    pub fn guests(&self) -> impl Iterator<Item = (GuestId, &Guest)> {
        self.guests[..self.guest_count].iter().enumerate()
    }

    /// The guest of vCPU `vcpu` of VM `vm`.
    pub fn find(&self, vm: usize, vcpu: usize) -> Option<GuestId> {
        self.guests()
            .find(|(_, guest)| guest.vm == vm && guest.vcpu == vcpu)
            .map(|(id, _)| id)
    }

    /// The frame `core` runs (time partitions), if any.
    pub fn frame(&self, core: usize) -> Option<&FrameSpec> {
        self.frames.get(core)?.as_ref()
    }

    /// The guests occupying `core`: running there or placed there.
    pub fn occupants(&self, core: usize) -> impl Iterator<Item = GuestId> + '_ {
        self.guests()
            .filter(move |(_, guest)| guest.occupies() == Some(core))
            .map(|(id, _)| id)
    }

    /// Guests orphaned and waiting for `decider`'s decision.
    pub fn orphans_of(&self, decider: usize) -> impl Iterator<Item = GuestId> + '_ {
        self.guests()
            .filter(move |(_, guest)| {
                matches!(guest.status, GuestStatus::Orphaned { decider: d, .. } if d == decider)
            })
            .map(|(id, _)| id)
    }

    /// Guests placed on `core` that it has not taken yet.
    pub fn arrivals_for(&self, core: usize) -> impl Iterator<Item = GuestId> + '_ {
        self.guests()
            .filter(move |(_, guest)| {
                matches!(guest.status, GuestStatus::Placed(moving) if moving.to == core)
            })
            .map(|(id, _)| id)
    }
}
