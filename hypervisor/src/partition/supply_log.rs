//! Appending a dark span to a guest's supply log (`hypercall_abi::rt_page::RtSupply`): which
//! bytes to write, in which order. Pure; the caller writes them into the guest's page.

use core::mem::offset_of;
use hypercall_abi::rt_page::{
    supply_span_offset, RtSpan, RtSupply, RT_SUPPLY_OFFSET, RT_SUPPLY_SPANS,
};

/// The writes that append one span, in the order the protocol requires: the span, then the
/// stolen total, then (after a store barrier) the sequence. Each is `(page offset, value)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Append {
    /// The span's two words.
    pub span: [(usize, u64); 2],
    /// The new `stolen_ns`.
    pub stolen: (usize, u64),
    /// The new `sequence`, written last.
    pub sequence: (usize, u64),
}

/// Appends `span` to a log whose header reads `sequence` and `stolen_ns`.
pub fn append(sequence: u64, stolen_ns: u64, span: RtSpan) -> Append {
    let index = (sequence % RT_SUPPLY_SPANS as u64) as usize;
    let at = supply_span_offset(index);
    let length = span.end_ns.saturating_sub(span.start_ns);
    Append {
        span: [
            (at + offset_of!(RtSpan, start_ns), span.start_ns),
            (at + offset_of!(RtSpan, end_ns), span.end_ns),
        ],
        stolen: (
            RT_SUPPLY_OFFSET + offset_of!(RtSupply, stolen_ns),
            stolen_ns.saturating_add(length),
        ),
        sequence: (
            RT_SUPPLY_OFFSET + offset_of!(RtSupply, sequence),
            sequence.wrapping_add(1),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hypercall_abi::rt_page::{RtPage, RtScheduler};

    /// Applies the writes to a real page image, as the hypervisor does in guest memory.
    fn apply(page: &mut RtPage, write: Append) {
        let bytes = core::ptr::from_mut(page).cast::<u8>();
        for (offset, value) in write.span.into_iter().chain([write.stolen, write.sequence]) {
            assert!(offset + 8 <= core::mem::size_of::<RtPage>());
            // SAFETY: the eight bytes at `offset` lie in the page (asserted just above).
            unsafe { bytes.add(offset).cast::<u64>().write_unaligned(value) };
        }
    }

    #[test]
    fn spans_land_in_the_ring_and_the_totals_follow() {
        let mut page = RtPage::new(RtScheduler::Edf, 1_000_000_000);
        for n in 0..20u64 {
            let span = RtSpan {
                start_ns: 1000 * n,
                end_ns: 1000 * n + 10 + n,
            };
            let log = page.supply;
            apply(&mut page, append(log.sequence, log.stolen_ns, span));
            assert_eq!(page.supply.sequence, n + 1);
            assert_eq!(page.supply.spans[(n % 16) as usize], span);
        }
        let stolen: u64 = (0..20).map(|n| 10 + n).sum();
        assert_eq!(page.supply.stolen_ns, stolen);
        assert_eq!(page.slots[1].generation, 0, "nothing else is touched");
    }
}
