//! The static cyclic frame of a shared core: which VM owns the core when, period after period.
//!
//! The hypervisor runs a shared core's time partitions as this fixed table, not as servers
//! scheduled online: a slot's supply then comes at known instants, so the policy can predict a
//! migrant's misses on its exact supply instead of on the worst legal one. Between slots the
//! core idles (non-work-conserving), so no VM ever gets time the policy did not count.

use alloc::vec::Vec;
use rt_analysis::Time;

/// A cyclic frame: from `start` on, in every `[start + k period, start + (k + 1) period)`
/// (`k >= 0`), each slot's VM owns the core during `[offset, offset + length)` of the frame.
/// Slots never overlap and lie within `[0, period)`; outside them the core idles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Beginning of the first frame period.
    pub start: Time,
    /// Frame period `pi`.
    pub period: Time,
    /// The slots, in no particular order.
    pub slots: Vec<Slot>,
}

/// One VM's slot of a [`Frame`]. Its first `switch` ns (`Platform::switch`) are the
/// hypervisor's context switch, so it supplies the VM `length - switch` from `offset + switch`
/// to `offset + length`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The VM that owns it.
    pub vm: usize,
    /// Start within the frame period.
    pub offset: Time,
    /// Length, context switch included.
    pub length: Time,
}

impl Slot {
    /// End within the frame period, `offset + length` (saturating).
    pub fn end(&self) -> Time {
        self.offset.saturating_add(self.length)
    }
}

impl Frame {
    /// The slot of VM `vm`, if it has one.
    pub fn slot_of(&self, vm: usize) -> Option<&Slot> {
        self.slots.iter().find(|s| s.vm == vm)
    }

    /// Time of each period in no slot: `period - sum of slot lengths` (saturating).
    pub fn free(&self) -> Time {
        let used = self
            .slots
            .iter()
            .fold(0, |acc: Time, s| acc.saturating_add(s.length));
        self.period.saturating_sub(used)
    }

    /// The first instant at or after `t` at which VM `vm` receives processor time: the
    /// smallest `start + k period + offset + switch >= t` (`k >= 0`). A `t` inside the slot's
    /// supply yields the next slot: the policy counts supply from slot starts only, and any
    /// earlier supply only helps. `None` without a slot, with a period of 0, or on overflow.
    pub fn first_supply(&self, vm: usize, switch: Time, t: Time) -> Option<Time> {
        if self.period == 0 {
            return None;
        }
        let slot = self.slot_of(vm)?;
        let first = self.start.checked_add(slot.offset)?.checked_add(switch)?;
        let Some(late) = t.checked_sub(first) else {
            return Some(first);
        };
        let periods = late.div_ceil(self.period);
        first.checked_add(periods.checked_mul(self.period)?)
    }

    /// Puts a slot of `length` for VM `vm` in the free space and returns its offset. Existing
    /// slots never move (their VMs' schedules and predictions stay valid); the new slot takes
    /// the latest-ending gap that fits, right-aligned, so the room left stays in one piece at
    /// the front. `None` (frame unchanged) when nothing fits, `length` or the period is 0, or
    /// `vm` already has a slot.
    pub fn place(&mut self, vm: usize, length: Time) -> Option<Time> {
        if length == 0 || self.period == 0 || self.slot_of(vm).is_some() {
            return None;
        }
        let mut taken: Vec<(Time, Time)> = self.slots.iter().map(|s| (s.offset, s.end())).collect();
        taken.sort_unstable();
        let mut gap_end = self.period;
        let mut offset = None;
        for &(begin, end) in taken.iter().rev() {
            if gap_end >= end && gap_end - end >= length {
                offset = Some(gap_end - length);
                break;
            }
            gap_end = gap_end.min(begin);
        }
        let offset = offset.or_else(|| gap_end.checked_sub(length))?;
        self.slots.push(Slot { vm, offset, length });
        Some(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn frame(slots: &[(usize, Time, Time)]) -> Frame {
        Frame {
            start: 1_000,
            period: 100,
            slots: slots
                .iter()
                .map(|&(vm, offset, length)| Slot { vm, offset, length })
                .collect(),
        }
    }

    #[test]
    fn slot_of_and_free() {
        let f = frame(&[(3, 0, 20), (5, 60, 30)]);
        assert_eq!(
            f.slot_of(5),
            Some(&Slot {
                vm: 5,
                offset: 60,
                length: 30
            })
        );
        assert_eq!(f.slot_of(4), None);
        assert_eq!(f.free(), 50);
        assert_eq!(frame(&[]).free(), 100);
    }

    #[test]
    fn first_supply_counts_from_slot_starts_plus_switch() {
        let f = frame(&[(3, 0, 20), (5, 60, 30)]);
        assert_eq!(f.first_supply(5, 2, 0), Some(1_062), "before start: k = 0");
        assert_eq!(f.first_supply(5, 2, 1_062), Some(1_062), "at it");
        assert_eq!(
            f.first_supply(5, 2, 1_063),
            Some(1_162),
            "inside: next slot"
        );
        assert_eq!(f.first_supply(5, 2, 1_362), Some(1_362));
        assert_eq!(f.first_supply(3, 0, 1_201), Some(1_300));
        assert_eq!(f.first_supply(4, 2, 0), None, "no slot");
        assert_eq!(Frame { period: 0, ..f }.first_supply(5, 2, 0), None);
    }

    #[test]
    fn place_right_aligns_in_the_latest_ending_gap() {
        let mut f = frame(&[(3, 0, 20), (5, 60, 30)]);
        assert_eq!(f.place(7, 10), Some(90), "the tail gap [90, 100)");
        assert_eq!(f.place(8, 30), Some(30), "[20, 60), right-aligned");
        assert_eq!(f.place(9, 11), None, "gaps of 10 are left");
        assert_eq!(f.place(9, 10), Some(20));
        assert_eq!(f.free(), 0);
        assert_eq!(f.place(10, 1), None);
        let before = frame(&[(3, 0, 20), (5, 60, 30)]).slots;
        assert_eq!(f.slots[..2], before[..], "existing slots never move");
    }

    #[test]
    fn place_uses_the_front_gap_and_refuses_duplicates_and_empty_slots() {
        let mut f = frame(&[(3, 40, 60)]);
        assert_eq!(f.place(3, 10), None, "vm 3 already has a slot");
        assert_eq!(f.place(4, 0), None);
        assert_eq!(f.place(4, 41), None);
        assert_eq!(f.place(4, 40), Some(0));
        let mut empty = frame(&[]);
        assert_eq!(empty.place(1, 100), Some(0));
        assert_eq!(
            empty.slots,
            vec![Slot {
                vm: 1,
                offset: 0,
                length: 100
            }]
        );
    }
}
