//! Fault injection for demos and tests: requests typed on the console and the config's fault
//! plan. Only the failing core reads them; the detector never does (it must notice by itself).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use partition_config::{FaultKind, PlannedFault};

/// Pending injection requests per core: 0 none, 1 stop, 2 signal.
pub struct Injections<const N: usize> {
    requests: [AtomicU8; N],
    plan: spin::Once<Vec<(PlannedFault, AtomicBool)>>,
}

fn encode(kind: FaultKind) -> u8 {
    match kind {
        FaultKind::Stop => 1,
        FaultKind::Signal => 2,
    }
}

impl<const N: usize> Injections<N> {
    /// No requests, no plan.
    pub const fn new() -> Self {
        Injections {
            requests: [const { AtomicU8::new(0) }; N],
            plan: spin::Once::new(),
        }
    }

    /// Installs the config's fault plan (once).
    pub fn set_plan(&self, plan: &[PlannedFault]) {
        self.plan.call_once(|| {
            plan.iter()
                .map(|fault| (*fault, AtomicBool::new(false)))
                .collect()
        });
    }

    /// Asks core `core` to fail in the given way at its next tick; false for a core out of range.
    pub fn request(&self, core: usize, kind: FaultKind) -> bool {
        match self.requests.get(core) {
            Some(slot) => {
                slot.store(encode(kind), Ordering::Release);
                true
            }
            None => false,
        }
    }

    /// The fault core `core` must now suffer, if any (each request or planned fault fires once).
    pub fn due(&self, core: usize, now: u64) -> Option<FaultKind> {
        match self.requests.get(core)?.swap(0, Ordering::AcqRel) {
            1 => return Some(FaultKind::Stop),
            2 => return Some(FaultKind::Signal),
            _ => {}
        }
        let plan = self.plan.get()?;
        plan.iter()
            .find(|(fault, done)| {
                fault.core as usize == core && now >= fault.at_ns && !done.load(Ordering::Acquire)
            })
            .filter(|(_, done)| !done.swap(true, Ordering::AcqRel))
            .map(|(fault, _)| fault.kind)
    }
}

impl<const N: usize> Default for Injections<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_requests_fire_once_on_their_core() {
        let injections: Injections<4> = Injections::new();
        assert!(injections.request(2, FaultKind::Signal));
        assert!(!injections.request(9, FaultKind::Stop));
        assert_eq!(injections.due(1, 0), None);
        assert_eq!(injections.due(2, 0), Some(FaultKind::Signal));
        assert_eq!(injections.due(2, 0), None);
    }

    #[test]
    fn planned_faults_fire_at_their_time() {
        let injections: Injections<4> = Injections::new();
        injections.set_plan(&[
            PlannedFault {
                core: 1,
                at_ns: 500,
                kind: FaultKind::Stop,
            },
            PlannedFault {
                core: 3,
                at_ns: 900,
                kind: FaultKind::Signal,
            },
        ]);
        assert_eq!(injections.due(1, 499), None);
        assert_eq!(injections.due(1, 500), Some(FaultKind::Stop));
        assert_eq!(injections.due(1, 600), None);
        assert_eq!(injections.due(3, 899), None);
        assert_eq!(injections.due(3, 1000), Some(FaultKind::Signal));
    }
}
