//! The failure-handling protocol of Kairos as a pure state machine.
//!
//! Every core's hypervisor instance holds a share of one [`Ledger`]: which core is healthy or
//! failed, and where every vCPU ("guest") of every VM is: running on a core, orphaned by a
//! failed core and waiting for a decision, placed on a target core that has not taken it yet,
//! or stopped with a reason. The EL2 code changes the ledger only through the transitions of
//! [`protocol`], each one applied whole or not at all through a [`journal::Journal`] (a
//! double-buffered cell behind a lock that a dead core cannot keep). So whatever core fails
//! at whatever moment, the survivors find the ledger either before or after each transition:
//!
//! * a failed core is claimed once, by one survivor, which becomes the decider of its guests;
//! * a decision is computed outside the journal from a snapshot and committed only if the
//!   ledger did not change meanwhile, so no two decisions ever take the same room (a spare core,
//!   or a slot of a core's frame);
//! * a decider that fails mid-decision leaves its guests orphaned; whoever claims it inherits
//!   them and decides again;
//! * a target that fails before or after taking a guest orphans it again: it is decided anew.
//!
//! `tests/explore.rs` checks these promises over every interleaving of a few cores, guests and
//! faults; `tests/loom_journal.rs` checks the journal under the C11 memory model with `loom`.
#![no_std]
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod decide;
pub mod frame;
pub mod journal;
pub mod ledger;
pub mod protocol;

pub use frame::{FrameSpec, SlotSpec, MAX_SLOTS};
pub use ledger::{
    CoreStatus, Failure, FaultKind, Guest, GuestId, GuestStatus, Ledger, Move, ResumeKind,
    StopReason, MAX_CORES, MAX_GUESTS,
};
pub use protocol::{Claimed, Decision, Placement, Refusal};
