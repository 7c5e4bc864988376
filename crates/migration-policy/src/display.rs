//! One-line human summaries of decisions, targets and reasons (for the hypervisor's log).

use crate::decision::{Decision, Reason, Target};
use core::fmt;

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoMiss => "D <= A: no miss",
            Self::MissesAccepted => "D > A: migrating anyway (policy always)",
            Self::SupplyMissesAccepted => {
                "D <= A but misses predicted (time-partition supply): migrating anyway (policy always)"
            }
            Self::UnreportedAccepted => {
                "no slack report (A unknown, taken as 0): migrating anyway (policy always)"
            }
            Self::MissesForbidden => "policy if-no-miss forbids a migration with misses",
            Self::UnknownForbidden => {
                "policy if-no-miss: no slack report, misses cannot be excluded"
            }
            Self::PolicyNever => "policy never",
            Self::NoHost => "no core can host it",
            Self::NoCopyBandwidth => "memory must be copied but the copy bandwidth is 0",
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Spare(core) => write!(f, "spare core {core}"),
            Self::Shared {
                core,
                budget: (theta, pi),
            } => write!(f, "core {core} shared ({theta}/{pi} ns)"),
            Self::Stop => f.write_str("stop"),
        }
    }
}

/// `vm 2 rtos1 -> spare core 0: D <= A: no miss (A 3000 us, D 2500 us, blackout 2600 us,
/// misses [0, 0])`; times in whole microseconds rounded up (the trace has the nanoseconds). A
/// shared target adds the migrant's slot in the frame period, in ns:
/// `-> core 1 shared (600000/1000000 ns) slot [395000, 1000000) ns: ...`.
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vm {} {} -> {}", self.vm, self.name, self.target)?;
        let slot = self.frame.as_ref().and_then(|frame| frame.slot_of(self.vm));
        if let (Target::Shared { .. }, Some(slot)) = (self.target, slot) {
            write!(f, " slot [{}, {}) ns", slot.offset, slot.end())?;
        }
        write!(f, ": {} (A ", self.reason)?;
        match (self.affordable, self.report) {
            (_, None) => f.write_str("unknown")?,
            (None, Some(_)) => f.write_str("unbounded")?,
            (Some(a), Some(_)) => write!(f, "{} us", us(a))?,
        }
        write!(
            f,
            ", D {} us, blackout {} us, misses ",
            us(self.downtime.total),
            us(self.blackout)
        )?;
        match &self.predicted_misses {
            Some(misses) => write!(f, "{misses:?})"),
            None => f.write_str("unknown)"),
        }
    }
}

/// Nanoseconds to microseconds, rounded up.
fn us(ns: u64) -> u64 {
    ns.div_ceil(1000)
}
