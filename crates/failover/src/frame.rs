//! A core's time-partition frame as the ledger records it: fixed-size, in ns, its slots named
//! by guest. The decision that shares a core writes the whole new frame; the core installs it.

use crate::ledger::GuestId;

/// Most slots in one frame.
pub const MAX_SLOTS: usize = 8;

/// One guest's slot of every period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlotSpec {
    /// The guest owning it.
    pub guest: GuestId,
    /// Start within the period (ns).
    pub offset_ns: u64,
    /// Length, the context switch included (ns).
    pub length_ns: u64,
}

/// A static cyclic frame: from `start_ns`, every `period_ns`, each slot's guest owns the core
/// during its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameSpec {
    /// First instant (ns).
    pub start_ns: u64,
    /// Period (ns).
    pub period_ns: u64,
    slots: [SlotSpec; MAX_SLOTS],
    len: usize,
}

/// Why a frame is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// More than [`MAX_SLOTS`] slots.
    TooManySlots,
    /// A zero period, an empty slot, a slot past the period, overlapping slots or one guest
    /// with two slots.
    Malformed,
}

impl FrameSpec {
    /// A frame with `slots` (any order); checked.
    pub fn new(start_ns: u64, period_ns: u64, slots: &[SlotSpec]) -> Result<Self, FrameError> {
        if slots.len() > MAX_SLOTS {
            return Err(FrameError::TooManySlots);
        }
        let mut frame = FrameSpec {
            start_ns,
            period_ns,
            slots: [SlotSpec {
                guest: 0,
                offset_ns: 0,
                length_ns: 0,
            }; MAX_SLOTS],
            len: slots.len(),
        };
        frame.slots[..slots.len()].copy_from_slice(slots);
        frame.slots[..frame.len].sort_unstable_by_key(|slot| slot.offset_ns);
        if frame.well_formed() {
            Ok(frame)
        } else {
            Err(FrameError::Malformed)
        }
    }

    fn well_formed(&self) -> bool {
        if self.period_ns == 0 {
            return false;
        }
        let mut end = 0;
        for (index, slot) in self.slots().iter().enumerate() {
            let past = slot.offset_ns.checked_add(slot.length_ns);
            if slot.length_ns == 0
                || slot.offset_ns < end
                || past.is_none_or(|past| past > self.period_ns)
                || self.slots()[..index].iter().any(|s| s.guest == slot.guest)
            {
                return false;
            }
            end = slot.offset_ns + slot.length_ns;
        }
        true
    }

    /// The slots, by offset.
    pub fn slots(&self) -> &[SlotSpec] {
        &self.slots[..self.len]
    }

    /// True when `guest` has a slot.
    pub fn has(&self, guest: GuestId) -> bool {
        self.slots().iter().any(|slot| slot.guest == guest)
    }

    /// Frees `guest`'s slot; the others keep theirs.
    pub fn remove(&mut self, guest: GuestId) {
        let mut kept = 0;
        for index in 0..self.len {
            if self.slots[index].guest != guest {
                self.slots[kept] = self.slots[index];
                kept += 1;
            }
        }
        self.len = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(guest: GuestId, offset_ns: u64, length_ns: u64) -> SlotSpec {
        SlotSpec {
            guest,
            offset_ns,
            length_ns,
        }
    }

    #[test]
    fn slots_are_sorted_and_checked() {
        let frame = FrameSpec::new(5, 100, &[slot(1, 60, 40), slot(0, 0, 30)]).unwrap();
        assert_eq!(frame.slots()[0].guest, 0);
        assert!(frame.has(1) && !frame.has(2));
        let overlap = FrameSpec::new(0, 100, &[slot(0, 0, 50), slot(1, 40, 10)]);
        assert_eq!(overlap, Err(FrameError::Malformed));
        let past = FrameSpec::new(0, 100, &[slot(0, 90, 20)]);
        assert_eq!(past, Err(FrameError::Malformed));
        let twice = FrameSpec::new(0, 100, &[slot(0, 0, 10), slot(0, 50, 10)]);
        assert_eq!(twice, Err(FrameError::Malformed));
        assert_eq!(FrameSpec::new(0, 0, &[]), Err(FrameError::Malformed));
        let many = [slot(0, 0, 1); MAX_SLOTS + 1];
        assert_eq!(FrameSpec::new(0, 100, &many), Err(FrameError::TooManySlots));
    }

    #[test]
    fn a_removed_slot_leaves_the_others_in_place() {
        let mut frame = FrameSpec::new(0, 100, &[slot(0, 0, 30), slot(1, 60, 40)]).unwrap();
        frame.remove(0);
        assert_eq!(frame.slots(), &[slot(1, 60, 40)]);
    }
}
