//! Physical or guest-physical address ranges and the interval arithmetic validation needs.

use core::fmt;

/// Size of a stage-2 page: every VM memory region, passthrough device and image offset is a
/// multiple of it.
pub const PAGE_SIZE: u64 = 0x1000;

/// Alignment of memory the hypervisor allocates for a VM (one stage-2 level-2 block).
pub const PLACEMENT_ALIGN: u64 = 0x20_0000;

/// A half-open address range `[base, base + size)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// First address of the range.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

impl Range {
    /// Builds a range from its base and size.
    pub const fn new(base: u64, size: u64) -> Self {
        Range { base, size }
    }

    /// One past the last address, saturating at `u64::MAX` for a range that wraps.
    pub const fn end(&self) -> u64 {
        self.base.saturating_add(self.size)
    }

    /// One past the last address, or `None` when `base + size` does not fit in 64 bits.
    pub const fn checked_end(&self) -> Option<u64> {
        self.base.checked_add(self.size)
    }

    /// Whether `address` lies inside the range.
    pub const fn contains(&self, address: u64) -> bool {
        address >= self.base && address < self.end()
    }

    /// Whether the two ranges share at least one address (empty ranges overlap nothing).
    pub const fn overlaps(&self, other: &Range) -> bool {
        self.size != 0 && other.size != 0 && self.base < other.end() && other.base < self.end()
    }

    /// Whether `other` lies entirely inside this range.
    pub const fn contains_range(&self, other: &Range) -> bool {
        other.base >= self.base && other.end() <= self.end()
    }

    /// Whether both base and size are multiples of `align` (a power of two).
    pub const fn is_aligned(&self, align: u64) -> bool {
        self.base.is_multiple_of(align) && self.size.is_multiple_of(align)
    }

    /// The smallest range with `align`-aligned base and end that covers this one.
    pub const fn round_out(&self, align: u64) -> Range {
        let base = self.base - self.base % align;
        let end = match align_up(self.end(), align) {
            Some(end) => end,
            None => u64::MAX,
        };
        Range {
            base,
            size: end - base,
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:#x}, {:#x})", self.base, self.end())
    }
}

/// Rounds `value` up to a multiple of `align` (a power of two), or `None` on overflow.
pub const fn align_up(value: u64, align: u64) -> Option<u64> {
    match value.checked_add(align - 1) {
        Some(sum) => Some(sum & !(align - 1)),
        None => None,
    }
}

/// Whether `range` is covered by the union of `set` (ranges in `set` may touch or overlap).
pub fn covered_by(range: &Range, set: &[Range]) -> bool {
    let Some(end) = range.checked_end() else {
        return false;
    };
    let mut cursor = range.base;
    while cursor < end {
        match set.iter().find(|r| r.contains(cursor)) {
            Some(r) => cursor = r.end(),
            None => return false,
        }
    }
    // An empty range counts as covered only when its base lies inside the set.
    range.size != 0 || set.iter().any(|r| r.contains(range.base))
}

/// The first range in `set` that overlaps `range`.
pub fn first_overlap<'s>(range: &Range, set: &'s [Range]) -> Option<&'s Range> {
    set.iter().find(|r| r.overlaps(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_half_open() {
        let a = Range::new(0x1000, 0x1000);
        assert!(!a.overlaps(&Range::new(0x2000, 0x1000)));
        assert!(a.overlaps(&Range::new(0x1fff, 1)));
        assert!(!a.overlaps(&Range::new(0x1800, 0)));
    }

    #[test]
    fn containment_and_rounding() {
        let ram = Range::new(0x4000_0000, 0x4000_0000);
        assert!(ram.contains_range(&Range::new(0x4000_0000, 0x4000_0000)));
        assert!(!ram.contains_range(&Range::new(0x7fff_f000, 0x2000)));
        assert_eq!(
            Range::new(0x0a00_0200, 0x200).round_out(PAGE_SIZE),
            Range::new(0x0a00_0000, 0x1000)
        );
        assert_eq!(
            Range::new(u64::MAX - 1, 1).round_out(PAGE_SIZE).end(),
            u64::MAX
        );
    }

    #[test]
    fn union_cover() {
        let set = [
            Range::new(0, 0x1000),
            Range::new(0x1000, 0x1000),
            Range::new(0x3000, 0x1000),
        ];
        assert!(covered_by(&Range::new(0x800, 0x1000), &set));
        assert!(!covered_by(&Range::new(0x1800, 0x1000), &set));
        assert!(!covered_by(&Range::new(u64::MAX, 2), &set));
        assert_eq!(align_up(0x20_0001, PLACEMENT_ALIGN), Some(0x40_0000));
        assert_eq!(align_up(u64::MAX, PLACEMENT_ALIGN), None);
    }
}
