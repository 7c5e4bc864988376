//! The transitions of the ledger. Each checks everything it relies on and either applies whole
//! (bumping the version) or refuses, leaving the ledger as it was: the caller runs it on a
//! private copy and publishes the copy only when it succeeded.

use crate::frame::FrameSpec;
use crate::ledger::{
    CoreStatus, Failure, Guest, GuestId, GuestStatus, Ledger, Move, StopReason, MAX_GUESTS,
};

/// Why a transition was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The acting core is not healthy: it was declared failed and must fence itself.
    Fenced,
    /// The core named is not there or not in the state the transition needs.
    Core(usize),
    /// The guest named is not in the state the transition needs.
    Guest(GuestId),
    /// The ledger changed since the snapshot the decision was computed from.
    Stale,
    /// A decision would put a guest where there is no room: a spare already occupied, a frame
    /// that does not list exactly the core's occupants.
    NoRoom(usize),
    /// No ledger entry is left.
    Full,
}

/// What a claim did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Claimed {
    /// Guests the failure orphaned (running on the failed core, or on their way to it), as a
    /// bit set by guest id.
    pub orphaned: u32,
    /// Orphans the failed core had still to decide for, now the claimer's.
    pub inherited: u32,
}

/// Where a decision sends a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// To a target core: alone on a spare, or into the target's frame (`frame`: the target's
    /// whole new frame, with a slot for the guest and one for each of its occupants).
    Move {
        /// The move.
        moving: Move,
        /// The target's new frame when it is shared.
        frame: Option<FrameSpec>,
    },
    /// Nowhere: it stops.
    Stop,
}

/// The decision for one orphan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The orphan.
    pub guest: GuestId,
    /// What happens to it.
    pub placement: Placement,
}

impl Ledger {
    fn bump(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    fn acting(&self, core: usize) -> Result<(), Refusal> {
        match self.core(core) {
            CoreStatus::Healthy => Ok(()),
            CoreStatus::Failed(_) => Err(Refusal::Fenced),
            CoreStatus::Absent => Err(Refusal::Core(core)),
        }
    }

    /// Adds vCPU `vcpu` of VM `vm`, resident on `core` (boot).
    pub fn add_guest(&mut self, vm: usize, vcpu: usize, core: usize) -> Result<GuestId, Refusal> {
        if self.guest_count == MAX_GUESTS {
            return Err(Refusal::Full);
        }
        if !self.is_healthy(core) {
            return Err(Refusal::Core(core));
        }
        let id = self.guest_count;
        self.guests[id] = Guest {
            vm,
            vcpu,
            status: GuestStatus::Running { core },
            whole_until_ns: 0,
        };
        self.guest_count += 1;
        self.bump();
        Ok(id)
    }

    /// `watcher` declares `suspect` failed (it went silent, or signalled). Exactly one claim of
    /// a failure succeeds: `suspect` must still be healthy. Its guests, and those on their way
    /// to it, become `watcher`'s orphans, as do the orphans `suspect` had still to decide for;
    /// its frame is gone.
    pub fn claim(
        &mut self,
        watcher: usize,
        suspect: usize,
        failure: Failure,
    ) -> Result<Claimed, Refusal> {
        self.acting(watcher)?;
        if suspect == watcher || !self.is_healthy(suspect) {
            return Err(Refusal::Core(suspect));
        }
        self.cores[suspect] = CoreStatus::Failed(Failure {
            by: watcher,
            ..failure
        });
        self.frames[suspect] = None;
        let mut claimed = Claimed::default();
        for (id, guest) in self.guests[..self.guest_count].iter_mut().enumerate() {
            let orphan = |origin| GuestStatus::Orphaned {
                failed: suspect,
                origin,
                decider: watcher,
            };
            match guest.status {
                GuestStatus::Running { core } if core == suspect => {
                    guest.status = orphan(suspect);
                    claimed.orphaned |= 1 << id;
                }
                GuestStatus::Placed(moving) if moving.to == suspect => {
                    guest.status = orphan(moving.origin);
                    claimed.orphaned |= 1 << id;
                }
                GuestStatus::Orphaned {
                    failed,
                    origin,
                    decider,
                } if decider == suspect => {
                    guest.status = GuestStatus::Orphaned {
                        failed,
                        origin,
                        decider: watcher,
                    };
                    claimed.inherited |= 1 << id;
                }
                _ => {}
            }
        }
        self.bump();
        Ok(claimed)
    }

    /// `decider` commits its decisions, computed from the ledger at version `based_on`. Every
    /// guest must be one of its orphans; a move must go to a healthy core: alone to a core
    /// nobody occupies, or with the target's whole new frame listing exactly its occupants and
    /// the guest. All apply, or none.
    pub fn commit(
        &mut self,
        decider: usize,
        based_on: u64,
        decisions: &[Decision],
    ) -> Result<(), Refusal> {
        self.acting(decider)?;
        if self.version != based_on {
            return Err(Refusal::Stale);
        }
        let before = *self;
        for decision in decisions {
            if let Err(refusal) = self.apply(decider, decision) {
                *self = before;
                return Err(refusal);
            }
        }
        self.version = based_on;
        self.bump();
        Ok(())
    }

    fn apply(&mut self, decider: usize, decision: &Decision) -> Result<(), Refusal> {
        let id = decision.guest;
        let failed = match self.guest(id).map(|guest| guest.status) {
            Some(GuestStatus::Orphaned {
                failed, decider: d, ..
            }) if d == decider => failed,
            _ => return Err(Refusal::Guest(id)),
        };
        match decision.placement {
            Placement::Stop => {
                self.guests[id].status = GuestStatus::Stopped(StopReason::Decision);
            }
            Placement::Move { moving, frame } => {
                let target = moving.to;
                if !self.is_healthy(target) || moving.from != failed {
                    return Err(Refusal::Core(target));
                }
                let mut occupants = 0u32;
                self.occupants(target).for_each(|g| occupants |= 1 << g);
                match (moving.shared, frame) {
                    (false, None) if occupants == 0 && self.frames[target].is_none() => {}
                    (true, Some(frame)) => {
                        let listed = frame.slots().iter().fold(0u32, |set, s| set | 1 << s.guest);
                        let now = moving.detected_ns;
                        let whole = self.frames[target].is_none()
                            && self
                                .occupants(target)
                                .any(|g| self.guests[g].needs_whole_core(now));
                        if listed != occupants | 1 << id || whole {
                            return Err(Refusal::NoRoom(target));
                        }
                        self.frames[target] = Some(frame);
                    }
                    _ => return Err(Refusal::NoRoom(target)),
                }
                self.guests[id].status = GuestStatus::Placed(moving);
            }
        }
        Ok(())
    }

    /// `core` takes guest `id` placed on it: from now on it runs there. Returns the move to
    /// carry out.
    pub fn take(&mut self, core: usize, id: GuestId) -> Result<Move, Refusal> {
        self.acting(core)?;
        match self.guest(id).map(|guest| guest.status) {
            Some(GuestStatus::Placed(moving)) if moving.to == core => {
                self.guests[id].status = GuestStatus::Running { core };
                self.guests[id].whole_until_ns = if moving.shared {
                    0
                } else {
                    moving.whole_until_ns
                };
                self.bump();
                Ok(moving)
            }
            _ => Err(Refusal::Guest(id)),
        }
    }

    /// Stops every guest of VM `vm` that has not stopped yet (it powered off, its fault policy
    /// stopped it, or its move failed), freeing their rooms: slots leave their frames, a frame
    /// left empty goes. A guest on its way to a core is stopped too: the core will not take it.
    /// Returns how many guests it stopped.
    pub fn stop_vm(&mut self, vm: usize, reason: StopReason) -> usize {
        let mut stopped = 0;
        for id in 0..self.guest_count {
            let guest = self.guests[id];
            if guest.vm != vm || matches!(guest.status, GuestStatus::Stopped(_)) {
                continue;
            }
            if let Some(core) = guest.occupies() {
                if let Some(frame) = self.frames[core].as_mut() {
                    frame.remove(id);
                    if frame.slots().is_empty() {
                        self.frames[core] = None;
                    }
                }
            }
            self.guests[id].status = GuestStatus::Stopped(reason);
            stopped += 1;
        }
        if stopped > 0 {
            self.bump();
        }
        stopped
    }
}
