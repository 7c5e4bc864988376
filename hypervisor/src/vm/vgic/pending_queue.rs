//! A vCPU's virtual interrupts waiting for a free list register, most urgent first (lowest
//! priority value; first come first served among equals). Its capacity is fixed when the VM
//! is built, so the interrupt path never allocates.

use super::list_register::VirtualIrq;
use alloc::vec::Vec;

/// The waiting interrupts; the most urgent is at the end of the vector.
pub struct PendingQueue {
    items: Vec<VirtualIrq>,
}

impl PendingQueue {
    /// An empty queue that holds up to `capacity` interrupts.
    pub fn with_capacity(capacity: usize) -> PendingQueue {
        PendingQueue {
            items: Vec::with_capacity(capacity),
        }
    }

    /// Adds `irq` unless the same interrupt already waits; false when full (it is dropped).
    pub fn push(&mut self, irq: VirtualIrq) -> bool {
        if self.items.iter().any(|item| item.same(&irq)) {
            return true;
        }
        if self.items.len() == self.items.capacity() {
            return false;
        }
        // Less urgent ones first, then the newest of equal priority, so `pop` takes from the end.
        let at = self
            .items
            .partition_point(|item| item.priority > irq.priority);
        self.items.insert(at, irq);
        true
    }

    /// Takes the most urgent interrupt.
    pub fn pop(&mut self) -> Option<VirtualIrq> {
        self.items.pop()
    }

    /// Priority of the most urgent interrupt.
    pub fn most_urgent(&self) -> Option<u8> {
        self.items.last().map(|irq| irq.priority)
    }

    /// True when this very interrupt (INTID and source) waits.
    pub fn holds(&self, irq: &VirtualIrq) -> bool {
        self.items.iter().any(|item| item.same(irq))
    }

    /// True when an instance of `intid` waits.
    pub fn contains(&self, intid: u32) -> bool {
        self.items.iter().any(|item| item.intid == intid)
    }

    /// Drops every waiting instance of `intid`; true if there was one.
    pub fn remove(&mut self, intid: u32) -> bool {
        let before = self.items.len();
        self.items.retain(|item| item.intid != intid);
        self.items.len() != before
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Number of waiting interrupts.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn irq(intid: u32, priority: u8) -> VirtualIrq {
        VirtualIrq {
            intid,
            source: 0,
            priority,
            group1: true,
            hardware: None,
        }
    }

    #[test]
    fn pops_by_priority_then_arrival() {
        let mut queue = PendingQueue::with_capacity(8);
        for (intid, priority) in [(40, 0xa0), (41, 0x20), (42, 0xa0), (43, 0x80), (44, 0x20)] {
            assert!(queue.push(irq(intid, priority)));
        }
        let order: Vec<u32> = core::iter::from_fn(|| queue.pop())
            .map(|i| i.intid)
            .collect();
        assert_eq!(order, [41, 44, 43, 40, 42]);
    }

    #[test]
    fn coalesces_the_same_interrupt_but_not_other_sources() {
        let mut queue = PendingQueue::with_capacity(4);
        assert!(queue.push(irq(3, 0x10)));
        assert!(queue.push(irq(3, 0x10)));
        assert_eq!(queue.len(), 1);
        assert!(queue.push(VirtualIrq {
            source: 1,
            ..irq(3, 0x10)
        }));
        assert_eq!(queue.len(), 2);
        assert!(queue.remove(3));
        assert!(queue.is_empty());
    }

    #[test]
    fn a_full_queue_refuses_without_growing() {
        let mut queue = PendingQueue::with_capacity(2);
        assert!(queue.push(irq(32, 1)) && queue.push(irq(33, 2)));
        assert!(!queue.push(irq(34, 0)));
        assert_eq!(queue.most_urgent(), Some(1));
        assert_eq!(queue.items.capacity(), 2);
    }
}
