//! The supply log of the real-time page, read by the guest: the spans during which its vCPU was
//! switched out (its core ran another VM's time partition) while its time went on.
//!
//! The hypervisor appends (protocol in `hypercall_abi::rt_page::RtSupply`); the guest keeps a
//! [`SupplyCursor`] (the sequence and stolen time it last saw), takes a consistent [`snapshot`]
//! when it wakes, and [`SupplyCursor::take`]s the new spans from it. Each span is a blackout for
//! the schedule (releases and deadlines happen, nothing executes): the run-time loop handles the
//! events before its start with the processor, then [`Schedule::resume`](super::Schedule::resume)s
//! at its end. If more than [`RT_SUPPLY_SPANS`] came since the last look, the oldest are lost:
//! their total length (from `stolen_ns`) is taken as dark right before the first one kept.
//!
//! Everything but [`snapshot`] and [`stolen_ns`] is pure; those two read the page with volatile
//! loads, as the hypervisor writes it behind the guest's back.

use hypercall_abi::rt_page::{RtSpan, RtSupply, RT_SUPPLY_SPANS};

use super::task::Time;

/// How far the guest has read the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SupplyCursor {
    /// `sequence` at the last look: spans before it are consumed.
    pub sequence: u64,
    /// `stolen_ns` at the last look.
    pub stolen_ns: u64,
}

/// What the log gained since the last look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewSpans {
    spans: [RtSpan; RT_SUPPLY_SPANS],
    kept: usize,
    /// Spans appended since the last look (kept and lost).
    pub appended: u64,
    /// Their total length (the growth of `stolen_ns`).
    pub stolen_ns: u64,
    /// Spans the ring overwrote before the guest read them.
    pub lost: u64,
    /// Their total length: dark time right before the first span kept.
    pub lost_ns: u64,
}

impl NewSpans {
    /// True when nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.appended == 0
    }

    /// The spans kept, oldest first, as logged.
    pub fn spans(&self) -> &[RtSpan] {
        &self.spans[..self.kept]
    }

    /// The dark intervals `[start, end)` to apply, in order: the spans kept, the first one
    /// extended back by the lost time.
    pub fn blackouts(&self) -> impl Iterator<Item = (Time, Time)> + '_ {
        self.spans().iter().enumerate().map(|(index, span)| {
            let lost = if index == 0 { self.lost_ns } else { 0 };
            (span.start_ns.saturating_sub(lost), span.end_ns)
        })
    }
}

impl SupplyCursor {
    /// A cursor that has seen everything in `log` (after registering, or a recovery).
    pub fn at(log: &RtSupply) -> SupplyCursor {
        SupplyCursor {
            sequence: log.sequence,
            stolen_ns: log.stolen_ns,
        }
    }

    /// The spans of `log` (a consistent snapshot) after the cursor, and moves the cursor past
    /// them. A log that went backwards (it cannot, unless rewritten) gives nothing.
    pub fn take(&mut self, log: &RtSupply) -> NewSpans {
        let mut new = NewSpans::default();
        if log.sequence > self.sequence {
            new.appended = log.sequence - self.sequence;
            new.stolen_ns = log.stolen_ns.saturating_sub(self.stolen_ns);
            new.kept = new.appended.min(RT_SUPPLY_SPANS as u64) as usize;
            let first = log.sequence - new.kept as u64;
            for (index, span) in new.spans[..new.kept].iter_mut().enumerate() {
                *span = log.spans[((first + index as u64) % RT_SUPPLY_SPANS as u64) as usize];
            }
            new.lost = new.appended - new.kept as u64;
            if new.lost > 0 {
                let kept_ns: u64 = new.spans().iter().map(length).sum();
                new.lost_ns = new.stolen_ns.saturating_sub(kept_ns);
            }
        }
        *self = SupplyCursor::at(log);
        new
    }
}

/// A span's length (0 if malformed).
fn length(span: &RtSpan) -> u64 {
    span.end_ns.saturating_sub(span.start_ns)
}

/// The part of the dark interval `[start, end)` from `now` on (the schedule cannot go back), or
/// `None` if that is empty.
pub fn clip(start: Time, end: Time, now: Time) -> Option<(Time, Time)> {
    let start = start.max(now);
    (end > start).then_some((start, end))
}

/// Orders the log's loads (`dmb ishld` on the guest; a fence on the host).
fn load_barrier() {
    #[cfg(all(target_arch = "aarch64", not(test)))]
    // SAFETY: a data memory barrier only orders memory accesses. Not `nomem`, so it is also a
    // compiler barrier: no load of the log moves across it.
    unsafe {
        core::arch::asm!("dmb ishld", options(nostack, preserves_flags))
    };
    #[cfg(not(all(target_arch = "aarch64", not(test))))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
}

/// The log's `sequence` now.
///
/// # Safety
/// `log` points to a readable, aligned `RtSupply` (the registered page's).
pub unsafe fn sequence(log: *const RtSupply) -> u64 {
    // SAFETY: valid and aligned by the caller's contract; a volatile load of one word.
    unsafe { core::ptr::addr_of!((*log).sequence).read_volatile() }
}

/// The log's `stolen_ns` now.
///
/// # Safety
/// `log` points to a readable, aligned `RtSupply` (the registered page's).
pub unsafe fn stolen_ns(log: *const RtSupply) -> u64 {
    // SAFETY: valid and aligned by the caller's contract; a volatile load of one word.
    unsafe { core::ptr::addr_of!((*log).stolen_ns).read_volatile() }
}

/// A consistent copy of the log: `sequence`, then (`dmb ishld`) the rest, then `sequence` again,
/// retried if the hypervisor appended meanwhile (the vCPU was switched out mid-read).
///
/// # Safety
/// `log` points to a readable, aligned `RtSupply` (the registered page's).
pub unsafe fn snapshot(log: *const RtSupply) -> RtSupply {
    loop {
        // SAFETY: the caller's contract.
        let sequence = unsafe { self::sequence(log) };
        load_barrier();
        let mut copy = RtSupply {
            sequence,
            // SAFETY: the caller's contract.
            stolen_ns: unsafe { stolen_ns(log) },
            spans: [RtSpan::default(); RT_SUPPLY_SPANS],
        };
        for (index, span) in copy.spans.iter_mut().enumerate() {
            // SAFETY: the caller's contract; `index` is within the ring (no reference is made
            // to the shared array, only its element's address).
            *span = unsafe { core::ptr::addr_of!((*log).spans[index]).read_volatile() };
        }
        load_barrier();
        // SAFETY: the caller's contract.
        if unsafe { self::sequence(log) } == sequence {
            return copy;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Appends `[start, end)` as the hypervisor does.
    fn append(log: &mut RtSupply, start: u64, end: u64) {
        log.spans[(log.sequence % RT_SUPPLY_SPANS as u64) as usize] = RtSpan {
            start_ns: start,
            end_ns: end,
        };
        log.stolen_ns += end - start;
        log.sequence += 1;
    }

    fn pairs(new: &NewSpans) -> Vec<(u64, u64)> {
        new.spans().iter().map(|s| (s.start_ns, s.end_ns)).collect()
    }

    #[test]
    fn new_spans_come_in_order_once() {
        let mut log = RtSupply::default();
        let mut cursor = SupplyCursor::default();
        assert!(cursor.take(&log).is_empty());
        append(&mut log, 100, 180);
        append(&mut log, 300, 310);
        let new = cursor.take(&log);
        assert_eq!(pairs(&new), [(100, 180), (300, 310)]);
        assert_eq!(
            (new.appended, new.stolen_ns, new.lost, new.lost_ns),
            (2, 90, 0, 0)
        );
        assert_eq!(
            new.blackouts().collect::<Vec<_>>(),
            [(100, 180), (300, 310)]
        );
        assert_eq!(cursor, SupplyCursor::at(&log));
        assert!(cursor.take(&log).is_empty(), "consumed once");
        append(&mut log, 400, 450);
        assert_eq!(pairs(&cursor.take(&log)), [(400, 450)]);
    }

    #[test]
    fn the_ring_wraps_around() {
        let mut log = RtSupply::default();
        let mut cursor = SupplyCursor::default();
        for n in 0..14 {
            append(&mut log, n * 100, n * 100 + 10);
        }
        assert_eq!(cursor.take(&log).appended, 14);
        for n in 14..30 {
            append(&mut log, n * 100, n * 100 + 10);
        }
        // 16 new: exactly the ring, from slot 14 round to slot 13.
        let new = cursor.take(&log);
        let expected: Vec<_> = (14..30).map(|n| (n * 100, n * 100 + 10)).collect();
        assert_eq!(pairs(&new), expected);
        assert_eq!((new.appended, new.lost, new.stolen_ns), (16, 0, 160));
    }

    #[test]
    fn an_overflow_loses_the_oldest_and_darkens_their_time_before_the_first_kept() {
        let mut log = RtSupply::default();
        let mut cursor = SupplyCursor::default();
        append(&mut log, 0, 5);
        cursor.take(&log);
        for n in 1..=20 {
            append(&mut log, n * 100, n * 100 + n); // lengths 1..=20
        }
        let new = cursor.take(&log);
        assert_eq!((new.appended, new.lost), (20, 4));
        assert_eq!(new.spans().len(), RT_SUPPLY_SPANS);
        assert_eq!(new.stolen_ns, (1..=20).sum::<u64>());
        assert_eq!(new.lost_ns, 1 + 2 + 3 + 4);
        let blackouts: Vec<_> = new.blackouts().collect();
        assert_eq!(
            blackouts[0],
            (500 - 10, 505),
            "the lost 10 ns right before span 5"
        );
        assert_eq!(blackouts[1], (600, 606));
        assert_eq!(blackouts[15], (2000, 2020));
    }

    #[test]
    fn a_log_going_backwards_gives_nothing_and_resynchronises() {
        let mut log = RtSupply::default();
        append(&mut log, 10, 20);
        let mut cursor = SupplyCursor {
            sequence: 9,
            stolen_ns: 500,
        };
        assert!(cursor.take(&log).is_empty());
        assert_eq!(cursor, SupplyCursor::at(&log));
    }

    #[test]
    fn clipping_keeps_what_is_after_now() {
        assert_eq!(clip(10, 20, 5), Some((10, 20)));
        assert_eq!(clip(10, 20, 15), Some((15, 20)));
        assert_eq!(clip(10, 20, 20), None);
        assert_eq!(clip(10, 10, 0), None);
    }

    #[test]
    fn a_snapshot_reads_the_log_through_a_pointer() {
        let mut log = RtSupply::default();
        append(&mut log, 7, 9);
        // SAFETY: a local, valid and aligned log.
        let (copy, stolen) = unsafe { (snapshot(&log), stolen_ns(&log)) };
        assert_eq!((copy, stolen), (log, 2));
    }
}
