//! VM migration after a core fault, on the machine: a core that claimed a failure decides for
//! the VMs it orphaned (`decide`: the `failover` crate's decider with the migration policy,
//! committed to the ledger), and each target core takes the VMs placed on it and resumes them
//! (`arrival`). Both run in the core's run loop, with the heartbeat going on.

pub mod announce;
pub mod arrival;
pub mod budgets;
pub mod completion;
pub mod copy;
mod decide;
mod facts;
mod inputs;
pub mod live;
pub mod summary;

pub use decide::{decide_pending, report_claims};
pub use facts::note_frame;
pub use inputs::{DECIDE_BOUND_NS, DECIDE_SHARED_BOUND_NS, RESTORE_BOUND_NS, SWITCH_BOUND_NS};

use crate::vm::Vm;

/// Stops `vm` for good from any core (its own may be dead): marks it stopped and frees its
/// rooms in the ledger. False if it had stopped already.
pub fn stop_vm(vm: &Vm, reason: &str, level: log::Level) -> bool {
    let _ = crate::health::ledger::update(|ledger| {
        ledger.stop_vm(vm.id, failover::StopReason::Guest);
        Ok(())
    });
    crate::vm::table::mark_stopped(vm, reason, level)
}

/// True while some guest waits for a decision or for its target to take it.
pub fn pending() -> bool {
    crate::health::ledger::read(|ledger| {
        ledger.guests().any(|(_, guest)| {
            matches!(
                guest.status,
                failover::GuestStatus::Orphaned { .. } | failover::GuestStatus::Placed(_)
            )
        })
    })
}
