//! A core's static cyclic frame, in counter ticks: which vCPU owns the core at a given instant
//! and until when. Pure, so the host tests check it.
//!
//! From `start` on, every `[start + k * period, start + (k + 1) * period)` gives each slot's
//! vCPU the core during `[offset, offset + length)`; outside every slot the core idles. The frame
//! never shifts, so every vCPU gets exactly its slot each period, wherever the others are: that
//! is what the migration policy's prediction and admission rest on.

use alloc::vec::Vec;

/// One vCPU's share of the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// VM index.
    pub vm: usize,
    /// vCPU index in the VM.
    pub vcpu: usize,
    /// Start within the frame.
    pub offset: u64,
    /// Length (the context switch included).
    pub length: u64,
}

/// Who owns the core at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Now {
    /// Slot `index` (of [`Schedule::slots`]) until `until`.
    Slot { index: usize, until: u64 },
    /// Nobody (before the frame starts, or between slots) until `until`.
    Idle { until: u64 },
}

/// Why a frame is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// A zero period.
    Period,
    /// Slot `index` is empty, leaves the frame, or overlaps the previous one.
    Slot { index: usize },
}

/// A core's frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    start: u64,
    period: u64,
    slots: Vec<Slot>,
}

impl Schedule {
    /// A frame starting at `start` with `period`; `slots` are sorted by offset and checked.
    pub fn new(start: u64, period: u64, mut slots: Vec<Slot>) -> Result<Self, ScheduleError> {
        if period == 0 {
            return Err(ScheduleError::Period);
        }
        addr::order::sort_by_key(&mut slots, |slot| slot.offset);
        let mut end = 0;
        for (index, slot) in slots.iter().enumerate() {
            let past = slot.offset.checked_add(slot.length);
            if slot.length == 0 || slot.offset < end || past.is_none_or(|past| past > period) {
                return Err(ScheduleError::Slot { index });
            }
            end = slot.offset + slot.length;
        }
        Ok(Self {
            start,
            period,
            slots,
        })
    }

    /// The frame's first instant.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The frame's period.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// The slots, by offset.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Who owns the core at `now`, and until when.
    pub fn at(&self, now: u64) -> Now {
        if now < self.start {
            return Now::Idle { until: self.start };
        }
        let Some(first) = self.slots.first() else {
            return Now::Idle { until: u64::MAX };
        };
        let phase = (now - self.start) % self.period;
        let base = now - phase;
        for (index, slot) in self.slots.iter().enumerate() {
            if phase < slot.offset {
                return Now::Idle {
                    until: base + slot.offset,
                };
            }
            if phase < slot.offset + slot.length {
                return Now::Slot {
                    index,
                    until: base + slot.offset + slot.length,
                };
            }
        }
        Now::Idle {
            until: base
                .saturating_add(self.period)
                .saturating_add(first.offset),
        }
    }

    /// Frees the slot of vCPU `vcpu` of VM `vm` (it stopped); the others keep theirs.
    pub fn remove(&mut self, vm: usize, vcpu: usize) {
        self.slots.retain(|slot| slot.vm != vm || slot.vcpu != vcpu);
    }

    /// The slot of vCPU `vcpu` of VM `vm`, if it has one.
    pub fn slot_of(&self, vm: usize, vcpu: usize) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|slot| slot.vm == vm && slot.vcpu == vcpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(vm: usize, offset: u64, length: u64) -> Slot {
        Slot {
            vm,
            vcpu: 0,
            offset,
            length,
        }
    }

    fn frame() -> Schedule {
        // Period 100 from 1000: VM 0 in [0, 30), idle [30, 60), VM 1 in [60, 100).
        Schedule::new(1000, 100, alloc::vec![slot(1, 60, 40), slot(0, 0, 30)]).unwrap()
    }

    #[test]
    fn before_the_start_nobody_runs_until_the_start() {
        assert_eq!(frame().at(0), Now::Idle { until: 1000 });
        assert_eq!(frame().at(999), Now::Idle { until: 1000 });
    }

    #[test]
    fn each_slot_owns_its_span_in_every_period() {
        let frame = frame();
        assert_eq!(frame.slots()[0].vm, 0, "sorted by offset");
        for k in [0u64, 1, 7] {
            let base = 1000 + k * 100;
            assert_eq!(
                frame.at(base),
                Now::Slot {
                    index: 0,
                    until: base + 30
                }
            );
            assert_eq!(
                frame.at(base + 29),
                Now::Slot {
                    index: 0,
                    until: base + 30
                }
            );
            assert_eq!(frame.at(base + 30), Now::Idle { until: base + 60 });
            assert_eq!(
                frame.at(base + 60),
                Now::Slot {
                    index: 1,
                    until: base + 100
                }
            );
            assert_eq!(
                frame.at(base + 99),
                Now::Slot {
                    index: 1,
                    until: base + 100
                }
            );
        }
    }

    #[test]
    fn a_gap_at_the_end_lasts_until_the_next_frames_first_slot() {
        let frame = Schedule::new(0, 100, alloc::vec![slot(0, 10, 20)]).unwrap();
        assert_eq!(frame.at(5), Now::Idle { until: 10 });
        assert_eq!(frame.at(30), Now::Idle { until: 110 });
        assert_eq!(
            frame.at(110),
            Now::Slot {
                index: 0,
                until: 130
            }
        );
    }

    #[test]
    fn a_removed_slot_becomes_idle_time_and_the_others_stay() {
        let mut frame = frame();
        frame.remove(0, 0);
        assert_eq!(frame.at(1000), Now::Idle { until: 1060 });
        assert_eq!(
            frame.at(1060),
            Now::Slot {
                index: 0,
                until: 1100
            }
        );
        frame.remove(1, 0);
        assert_eq!(frame.at(1060), Now::Idle { until: u64::MAX });
    }

    #[test]
    fn bad_frames_are_refused() {
        assert_eq!(
            Schedule::new(0, 0, alloc::vec![]),
            Err(ScheduleError::Period)
        );
        assert_eq!(
            Schedule::new(0, 100, alloc::vec![slot(0, 0, 50), slot(1, 40, 10)]),
            Err(ScheduleError::Slot { index: 1 })
        );
        assert_eq!(
            Schedule::new(0, 100, alloc::vec![slot(0, 90, 20)]),
            Err(ScheduleError::Slot { index: 0 })
        );
        assert_eq!(
            Schedule::new(0, 100, alloc::vec![slot(0, 10, 0)]),
            Err(ScheduleError::Slot { index: 0 })
        );
    }
}
