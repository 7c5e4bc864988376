//! The failure protocol's ledger on the machine: one journal shared by every core (the
//! `failover` crate's state machine), read and changed with interrupts masked so that the
//! heartbeat, which claims failures from its interrupt, never finds its own core holding it.

use crate::arch::aarch64::{cpu, percpu};
use failover::journal::{Journal, Waiter};
use failover::{Ledger, Refusal};

static LEDGER: Journal<Ledger> = Journal::new(Ledger::new(0));

/// The other cores as the journal's lock sees them: dead when declared failed or silent past
/// the detection threshold (a healthy core holds the lock for microseconds, interrupts masked).
struct Peers;

impl Waiter for Peers {
    fn is_dead(&self, core: usize) -> bool {
        let settings = super::settings();
        super::heartbeats().is_dead(
            core,
            cpu::now_ns(),
            settings.heartbeat_ns,
            settings.miss_threshold,
        )
    }

    fn wait(&self) {
        cpu::wait_for_event();
    }

    fn wake(&self) {
        cpu::send_event();
    }
}

/// Runs `f` with this core's interrupts masked at EL2 (restoring what was there).
fn masked<R>(f: impl FnOnce() -> R) -> R {
    let daif: u64;
    // SAFETY: reading DAIF and masking IRQs only delays interrupts; the previous mask is
    // restored below.
    unsafe {
        core::arch::asm!("mrs {}, daif", "msr daifset, #2", out(reg) daif, options(nomem, nostack))
    };
    let result = f();
    // SAFETY: restores the mask read above.
    unsafe { core::arch::asm!("msr daif, {}", in(reg) daif, options(nomem, nostack)) };
    result
}

/// How many changes the ledger has seen (one atomic load: the heartbeat asks at every beat).
pub fn generation() -> usize {
    LEDGER.generation()
}

/// Reads the ledger.
pub fn read<R>(f: impl FnOnce(&Ledger) -> R) -> R {
    masked(|| LEDGER.read(percpu::current_id(), &Peers, f))
}

/// A copy of the ledger as it is now.
pub fn snapshot() -> Ledger {
    read(|ledger| *ledger)
}

/// Applies `change` whole (when it returns `Ok`) or not at all.
pub fn update<R>(change: impl FnOnce(&mut Ledger) -> Result<R, Refusal>) -> Result<R, Refusal> {
    masked(|| LEDGER.update(percpu::current_id(), &Peers, change))
}
