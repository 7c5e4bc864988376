//! Putting virtual interrupts into a vCPU's list registers: a free register if there is one,
//! else the least urgent pending entry is pushed back to the queue if the newcomer is more
//! urgent, else the newcomer waits and the underflow maintenance interrupt is requested.

use super::list_register::{Entry, State, VirtualIrq};
use super::pending_queue::PendingQueue;

/// The list registers of the core running the vCPU (hardware, or a fake in tests).
pub trait ListRegisters {
    /// How many there are (at most 16).
    fn count(&self) -> usize;
    /// One bit per register that holds no interrupt.
    fn empty(&self) -> u64;
    /// Register `index`, decoded.
    fn read(&self, index: usize) -> Entry;
    /// Writes register `index`.
    fn write(&mut self, index: usize, entry: Entry);
    /// Requests (or stops requesting) the maintenance interrupt for when they drain.
    fn set_underflow_interrupt(&mut self, on: bool);
}

/// What `inject` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Written to a list register.
    Listed,
    /// Already pending there (or waiting): nothing new.
    Merged,
    /// Waiting in the queue for a free register.
    Queued,
    /// The queue was full: the interrupt was lost.
    Dropped,
}

fn used(lrs: &impl ListRegisters) -> u64 {
    !lrs.empty() & ((1u64 << lrs.count()) - 1)
}

fn indices(mut bits: u64) -> impl Iterator<Item = usize> {
    core::iter::from_fn(move || {
        (bits != 0).then(|| {
            let index = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            index
        })
    })
}

/// Delivers `irq` to the vCPU whose list registers these are.
pub fn inject(lrs: &mut impl ListRegisters, queue: &mut PendingQueue, irq: VirtualIrq) -> Outcome {
    let free = lrs.empty() & ((1u64 << lrs.count()) - 1);
    let used = !free & ((1u64 << lrs.count()) - 1);
    let mut victim: Option<(usize, Entry)> = None;
    for index in indices(used) {
        let entry = lrs.read(index);
        if entry.irq.same(&irq) {
            if entry.state == State::Active && entry.irq.hardware.is_none() {
                lrs.write(
                    index,
                    Entry {
                        state: State::PendingActive,
                        ..entry
                    },
                );
            }
            return Outcome::Merged;
        }
        let less_urgent = victim.is_none_or(|(_, v)| entry.irq.priority > v.irq.priority);
        if entry.state == State::Pending && less_urgent {
            victim = Some((index, entry));
        }
    }
    if !queue.is_empty() && queue.holds(&irq) {
        return Outcome::Merged; // already waiting for a register
    }
    if free != 0 {
        lrs.write(
            free.trailing_zeros() as usize,
            Entry {
                irq,
                state: State::Pending,
            },
        );
        return Outcome::Listed;
    }
    let outcome = match victim {
        Some((index, entry)) if irq.priority < entry.irq.priority => {
            lrs.write(
                index,
                Entry {
                    irq,
                    state: State::Pending,
                },
            );
            if !queue.push(entry.irq) {
                return Outcome::Dropped;
            }
            Outcome::Listed
        }
        _ if queue.push(irq) => Outcome::Queued,
        _ => Outcome::Dropped,
    };
    lrs.set_underflow_interrupt(true);
    outcome
}

/// Moves waiting interrupts into free list registers; keeps the maintenance interrupt
/// requested while some still wait.
pub fn refill(lrs: &mut impl ListRegisters, queue: &mut PendingQueue) {
    let mut free = lrs.empty() & ((1u64 << lrs.count()) - 1);
    while free != 0 {
        let Some(irq) = queue.pop() else { break };
        lrs.write(
            free.trailing_zeros() as usize,
            Entry {
                irq,
                state: State::Pending,
            },
        );
        free &= free - 1;
    }
    lrs.set_underflow_interrupt(!queue.is_empty());
}

/// `(pending, active)` of `intid` among the list registers.
pub fn listed_state(lrs: &impl ListRegisters, intid: u32) -> (bool, bool) {
    indices(used(lrs))
        .map(|index| lrs.read(index))
        .filter(|entry| entry.irq.intid == intid)
        .fold((false, false), |(pending, active), entry| {
            (
                pending || entry.state.pending(),
                active || entry.state.active(),
            )
        })
}

/// True when some listed interrupt is pending (the vCPU has something to take).
pub fn any_pending(lrs: &impl ListRegisters) -> bool {
    indices(used(lrs)).any(|index| lrs.read(index).state.pending())
}

/// Withdraws the pending state of `intid` from the list registers (an active one stays).
pub fn withdraw(lrs: &mut impl ListRegisters, intid: u32) {
    for index in indices(used(lrs)) {
        let entry = lrs.read(index);
        if entry.irq.intid != intid || entry.irq.hardware.is_some() {
            continue;
        }
        let state = match entry.state {
            State::PendingActive => State::Active,
            State::Pending => State::Invalid,
            other => other,
        };
        lrs.write(index, Entry { state, ..entry });
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Four list registers in memory, like the boards' hardware.
    #[derive(Default)]
    pub struct FakeLrs {
        pub entries: [Option<Entry>; 4],
        pub underflow: bool,
    }

    impl ListRegisters for FakeLrs {
        fn count(&self) -> usize {
            4
        }
        fn empty(&self) -> u64 {
            (0..4)
                .filter(|&i| self.entries[i].is_none())
                .map(|i| 1 << i)
                .sum()
        }
        fn read(&self, index: usize) -> Entry {
            self.entries[index].expect("reads only used registers")
        }
        fn write(&mut self, index: usize, entry: Entry) {
            self.entries[index] = (entry.state != State::Invalid).then_some(entry);
        }
        fn set_underflow_interrupt(&mut self, on: bool) {
            self.underflow = on;
        }
    }

    fn irq(intid: u32, priority: u8) -> VirtualIrq {
        VirtualIrq {
            intid,
            source: 0,
            priority,
            group1: true,
            hardware: None,
        }
    }

    fn listed(lrs: &FakeLrs) -> Vec<u32> {
        lrs.entries.iter().flatten().map(|e| e.irq.intid).collect()
    }

    #[test]
    fn fills_free_registers_then_queues_and_asks_for_maintenance() {
        let (mut lrs, mut queue) = (FakeLrs::default(), PendingQueue::with_capacity(8));
        for intid in 32..36 {
            assert_eq!(
                inject(&mut lrs, &mut queue, irq(intid, 0xa0)),
                Outcome::Listed
            );
        }
        assert!(!lrs.underflow);
        assert_eq!(inject(&mut lrs, &mut queue, irq(36, 0xa0)), Outcome::Queued);
        assert!(lrs.underflow);
        assert_eq!(inject(&mut lrs, &mut queue, irq(33, 0xa0)), Outcome::Merged);
        // The guest takes and completes two: the maintenance interrupt refills.
        lrs.entries[0] = None;
        lrs.entries[2] = None;
        refill(&mut lrs, &mut queue);
        assert_eq!(listed(&lrs), [36, 33, 35]);
        assert!(!lrs.underflow && queue.is_empty());
    }

    #[test]
    fn a_more_urgent_interrupt_displaces_the_least_urgent_pending_one() {
        let (mut lrs, mut queue) = (FakeLrs::default(), PendingQueue::with_capacity(8));
        for (intid, priority) in [(32, 0x40), (33, 0xc0), (34, 0x80), (35, 0xc0)] {
            inject(&mut lrs, &mut queue, irq(intid, priority));
        }
        lrs.entries[1] = Some(Entry {
            state: State::Active,
            ..lrs.entries[1].unwrap()
        }); // 33 taken
        assert_eq!(inject(&mut lrs, &mut queue, irq(40, 0x10)), Outcome::Listed);
        assert_eq!(
            listed(&lrs),
            [32, 33, 34, 40],
            "35 (0xc0, pending) made room; active 33 stays"
        );
        assert_eq!(queue.pop().map(|i| i.intid), Some(35));
        assert!(lrs.underflow);
        // A less urgent one than every pending entry just waits.
        assert_eq!(inject(&mut lrs, &mut queue, irq(41, 0xf0)), Outcome::Queued);
    }

    #[test]
    fn a_software_interrupt_pending_again_while_active_becomes_pending_active() {
        let (mut lrs, mut queue) = (FakeLrs::default(), PendingQueue::with_capacity(4));
        inject(&mut lrs, &mut queue, irq(5, 0));
        lrs.entries[0].as_mut().unwrap().state = State::Active;
        assert_eq!(listed_state(&lrs, 5), (false, true));
        assert_eq!(inject(&mut lrs, &mut queue, irq(5, 0)), Outcome::Merged);
        assert_eq!(lrs.entries[0].unwrap().state, State::PendingActive);
        assert!(any_pending(&lrs));
        withdraw(&mut lrs, 5);
        assert_eq!(listed_state(&lrs, 5), (false, true));
        assert!(!any_pending(&lrs));
    }
}
