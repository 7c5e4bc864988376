//! Migration downtime model: `D = detect + decide + state + bytes / B_copy + remap + restore`,
//! in integer nanoseconds rounded up, so the prediction is an upper bound.

use crate::math::{ceil_div_u128, saturate};
use crate::Time;

/// Calibrated terms of the migration downtime (all upper bounds, ns) and the copy bandwidth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DowntimeModel {
    /// Fault to detection (heartbeat period times miss threshold; ~0 for fail-signal).
    pub detect: Time,
    /// The migration policy's own computation.
    pub decide: Time,
    /// Saving vCPU, vGIC and timer state, or loading the last checkpoint.
    pub state: Time,
    /// Measured memory copy bandwidth in bytes per second (a lower bound); 0 = cannot copy.
    pub copy_bytes_per_sec: u64,
    /// Stage-2 and interrupt routing on the target core.
    pub remap: Time,
    /// Resuming the vCPU on the target core.
    pub restore: Time,
}

/// The predicted downtime and its terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DowntimeBreakdown {
    /// Sum of the terms, saturating at `Time::MAX`.
    pub total: Time,
    /// Detection term.
    pub detect: Time,
    /// Decision term.
    pub decide: Time,
    /// State save/load term.
    pub state: Time,
    /// `ceil(vm_bytes * 1e9 / copy_bytes_per_sec)`, 0 for in-place remapping; `Time::MAX` when
    /// copying is needed but the bandwidth is 0.
    pub copy: Time,
    /// Remapping term.
    pub remap: Time,
    /// Restore term.
    pub restore: Time,
}

impl DowntimeModel {
    /// Predicted downtime of migrating a VM of `vm_bytes`; `copy` says whether its memory is
    /// moved (false: in-place remapping, no copy term). Rounded up: measured <= predicted as
    /// long as every calibrated term is itself an upper bound.
    pub fn predict(&self, vm_bytes: u64, copy: bool) -> DowntimeBreakdown {
        let copy = if copy {
            copy_time(vm_bytes, self.copy_bytes_per_sec)
        } else {
            0
        };
        let total = [
            self.detect,
            self.decide,
            self.state,
            copy,
            self.remap,
            self.restore,
        ]
        .iter()
        .fold(0 as Time, |acc, &term| acc.saturating_add(term));
        DowntimeBreakdown {
            total,
            detect: self.detect,
            decide: self.decide,
            state: self.state,
            copy,
            remap: self.remap,
            restore: self.restore,
        }
    }

    /// Largest VM size (bytes) whose *copying* migration is predicted to fit in `affordable`
    /// ns (one edge of the feasibility region); `None` if even the fixed terms exceed it.
    pub fn max_copy_bytes(&self, affordable: Time) -> Option<u64> {
        let fixed = self.predict(0, false).total;
        let budget = affordable.checked_sub(fixed)?;
        // Largest b with ceil(b * 1e9 / B) <= budget, i.e. b * 1e9 <= budget * B.
        Some(saturate(
            u128::from(budget) * u128::from(self.copy_bytes_per_sec) / 1_000_000_000,
        ))
    }
}

/// Copy time of `bytes` at `bytes_per_sec`, rounded up.
fn copy_time(bytes: u64, bytes_per_sec: u64) -> Time {
    if bytes == 0 {
        return 0;
    }
    if bytes_per_sec == 0 {
        return Time::MAX;
    }
    saturate(ceil_div_u128(
        u128::from(bytes) * 1_000_000_000,
        u128::from(bytes_per_sec),
    ))
}

/// Bandwidth from a boot-time measurement (`bytes` copied in `elapsed` ns), rounded down so the
/// predicted copy time stays an upper bound; `u64::MAX` for an elapsed time of 0.
pub fn measured_bandwidth(bytes: u64, elapsed: Time) -> u64 {
    if elapsed == 0 {
        return u64::MAX;
    }
    saturate(u128::from(bytes) * 1_000_000_000 / u128::from(elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> DowntimeModel {
        DowntimeModel {
            detect: 1_000,
            decide: 200,
            state: 300,
            copy_bytes_per_sec: 3,
            remap: 40,
            restore: 5,
        }
    }

    #[test]
    fn copy_term_rounds_up() {
        let b = model().predict(1, true);
        assert_eq!(b.copy, 333_333_334);
        assert_eq!(b.total, 1_545 + 333_333_334);
        assert_eq!(model().predict(1 << 20, false).total, 1_545);
    }

    #[test]
    fn zero_bandwidth_saturates() {
        let m = DowntimeModel {
            copy_bytes_per_sec: 0,
            ..model()
        };
        assert_eq!(m.predict(4096, true).total, Time::MAX);
        assert_eq!(m.predict(0, true).total, 1_545);
    }

    #[test]
    fn max_copy_bytes_inverts_predict() {
        let m = DowntimeModel {
            copy_bytes_per_sec: 1_000_000_007,
            ..model()
        };
        for affordable in [1_545u64, 10_000, 123_456_789] {
            let bytes = m.max_copy_bytes(affordable).unwrap();
            assert!(m.predict(bytes, true).total <= affordable);
            assert!(m.predict(bytes + 1, true).total > affordable);
        }
        assert_eq!(m.max_copy_bytes(100), None);
    }

    #[test]
    fn bandwidth_rounds_down() {
        assert_eq!(measured_bandwidth(10, 3), 3_333_333_333);
        assert_eq!(measured_bandwidth(1, 0), u64::MAX);
    }
}
